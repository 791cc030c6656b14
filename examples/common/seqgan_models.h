/* SeqGAN's networks (Yu et al. 2017; the authors' generator.py and discriminator.py):
 * the LSTM generator, its one-token sampler, and the convolutional discriminator over
 * token sequences. Examples' code, not the library's: the SeqGAN trainer takes any
 * models of the right shapes. */
#ifndef GAN_EXAMPLE_SEQGAN_MODELS_H
#define GAN_EXAMPLE_SEQGAN_MODELS_H

#include <stdbool.h>
#include <stdint.h>

#include <gan/gan.h>

/* words_seqgan's defaults for its generator and the maximum-likelihood steps (its
 * --max-len, --embed, --hidden, --batch, --g-lr): sequences of T = max_len + 1 tokens
 * of VOCAB (common/word_list.h), Adam(g_lr, 0.9, 0.999). */
#define EX_WORDS_MAX_LEN 10
#define EX_WORDS_EMBED 32
#define EX_WORDS_HIDDEN 128
#define EX_WORDS_BATCH 64
#define EX_WORDS_G_LR 0.01

/* The generator: EmbeddingSequence(vocab, embed) -> LSTM(hidden) -> Dense(vocab) per
 * time step, (steps) ids -> (steps, vocab) logits. With @p sampler, the same layers for
 * one token (input (1), the LSTM stateful with max_steps @p steps): the trainer's
 * G_step. Built for @p batch. */
gan_status ex_seqgan_generator(int32_t vocab, int32_t steps, int32_t embed, int32_t hidden,
                               bool sampler, int32_t batch, const char *name, uint64_t seed,
                               gan_model_t **out);

/* The paper's discriminator: EmbeddingSequence(vocab, embed) reshaped to one (1, steps,
 * embed) image; for each width w[i], Conv2D with filters[i] kernels (w[i], embed), valid
 * padding, ReLU, and max over time (global max pooling); Concat of all; Highway (gate
 * bias 0, as the reference calls it); Dropout(dropout); Dense(1), one logit. Widths must
 * be at most @p steps. The reference: embed 64, widths 1..10, 15, 20 with 100, 200, 200,
 * 200, 200, 100, 100, 100, 100, 100, 160, 160 filters, dropout 0.25. */
gan_status ex_seqgan_discriminator(int32_t vocab, int32_t steps, int32_t embed,
                                   const int32_t *widths, const int32_t *filters,
                                   int32_t n_widths, float dropout, int32_t batch,
                                   const char *name, uint64_t seed, gan_model_t **out);

#endif
