/* Small text-to-image GANs for the tests: a text encoder, a generator and a
 * discriminator of two inputs each, their optimizers and a trainer, built through the
 * public API. */
#ifndef GAN_TEST_TEXT2IMG_RIG_H
#define GAN_TEST_TEXT2IMG_RIG_H

#include <stdbool.h>
#include <stdint.h>

#include <gan/gan.h>

/* Vocabulary V, caption length T, text vector K, latent Z, images (1, side, side),
 * hidden units of G and D, batch B. */
typedef struct t2i_size {
    int32_t V, T, K, Z, side, hidden, B;
} t2i_size;

typedef struct t2i_rig {
    gan_model_t *g, *d, *e;
    gan_optimizer_t *g_opt, *d_opt, *e_opt; /* e_opt NULL: E fixed */
    gan_text2img_t *t;
    t2i_size size;
} t2i_rig;

/* E: EmbeddingSequence(V, 4) -> Flatten -> Dense(K). */
gan_model_t *t2i_encoder(const t2i_size *s, uint64_t seed, const gan_allocator_t *alloc);
/* G: Concat(z, text) -> Dense(hidden) -> BatchNorm -> LeakyReLU(0.2) -> Dense(side^2)
 * -> Tanh -> Reshape(1, side, side). */
gan_model_t *t2i_generator(const t2i_size *s, uint64_t seed, const gan_allocator_t *alloc);
/* D: Flatten(image), Concat(it, text) -> Dense(hidden) -> LeakyReLU(0.2) ->
 * Dropout(@p dropout) -> Dense(1). */
gan_model_t *t2i_discriminator(const t2i_size *s, float dropout, uint64_t seed,
                               const gan_allocator_t *alloc);

/* Adam at @p lr, beta1 0.5, beta2 0.999. */
gan_optimizer_t *t2i_adam(gan_model_t *m, float lr);

/* The three models (seeds from @p seed), Adam at @p lr (beta1 0.5) for each (for E only
 * with @p train_e) and a trainer with @p opts (NULL: the defaults). @p alloc may be
 * NULL. */
void t2i_rig_make(t2i_rig *r, const t2i_size *s, uint64_t seed, bool train_e, float lr,
                  const gan_text2img_options_t *opts, const gan_allocator_t *alloc);
/* For data-parallel tests (test_train_hook, mpi_rig): V 6, T 3, K 4, Z 3, 4x4 images,
 * hidden 8, batch @p batch; D without dropout (its draws are the model's own, not
 * sharded), E trained, Adam 2e-3 for all three, no interpolation (it pairs rows within
 * a shard). */
void t2i_rig_make_parallel(t2i_rig *r, int32_t batch);
void t2i_rig_free(t2i_rig *r);

#endif
