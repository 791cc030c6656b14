/* Small SeqGANs for the tests: a generator over whole sequences and its one-token
 * sampler, an LSTM discriminator, their optimizers and a trainer, built through the
 * public API. */
#ifndef GAN_TEST_SEQGAN_RIG_H
#define GAN_TEST_SEQGAN_RIG_H

#include <stdbool.h>
#include <stdint.h>

#include <gan/gan.h>

typedef struct sg_rig {
    gan_model_t *g, *g_step, *d;
    gan_optimizer_t *g_opt, *d_opt;
    gan_seqgan_t *t;
    int32_t V, T, B;
} sg_rig;

/* EmbeddingSequence(V, E) -> LSTM(H) -> Dense(V) per step over (T) ids, or with @p step
 * the one-token sampler of the same layers (T 1, stateful, max_steps T). @p alloc may be
 * NULL. */
gan_model_t *sg_generator(int32_t V, int32_t T, int32_t E, int32_t H, int32_t batch,
                          bool step, uint64_t seed, const gan_allocator_t *alloc);
/* EmbeddingSequence(V, E) -> LSTM(H, last step only) -> Dropout(0.25)
 * -> Dense(1): a logit per sequence. */
gan_model_t *sg_discriminator(int32_t V, int32_t T, int32_t E, int32_t H, int32_t batch,
                              uint64_t seed, const gan_allocator_t *alloc);
/* Models (E = H = 8), Adam (G 1e-2, D 1e-3) and a trainer with @p opts (NULL: defaults,
 * but 2 rollouts). */
void sg_rig_make(sg_rig *r, int32_t V, int32_t T, int32_t B, uint64_t seed,
                 const gan_seqgan_options_t *opts, const gan_allocator_t *alloc);
void sg_rig_free(sg_rig *r);
/* Copy @p from's parameters into @p to (same layout). */
void sg_copy_params(gan_model_t *to, gan_model_t *from);

#endif
