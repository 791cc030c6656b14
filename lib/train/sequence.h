/* Token sequences shared by the SeqGAN trainer and the standalone sequence calls: model
 * checks, teacher-forcing inputs, id checks, and sampling with a one-token model whose
 * recurrent state is carried (sequence.c). */
#ifndef GAN_TRAIN_SEQUENCE_H
#define GAN_TRAIN_SEQUENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "gan/model.h"
#include "gan/status.h"

#define GAN__SEQ_MAX_RNN 8 /* recurrent layers a one-token model may have */

/* A one-token model (input (1), output (1, V)) and what sampling with it needs. */
typedef struct gan__seq_sampler {
    gan_model_t *m;
    int32_t vocab, batch;
    int32_t n_rnn;
    int32_t rnn[GAN__SEQ_MAX_RNN];    /* the recurrent layers' indices */
    int32_t hidden[GAN__SEQ_MAX_RNN];
    bool cell[GAN__SEQ_MAX_RNN];      /* an LSTM's c besides h */
    float *in;                        /* (batch): the tokens fed, caller-provided */
    float *w;                         /* (vocab): sampling weights, caller-provided */
    int64_t skip_before, skip_after;  /* draws each gan__seq_draw makes and drops before
                                       * and after its rows: a shard's view of the other
                                       * shards' rows (gan_seqgan_set_shard); 0 */
} gan__seq_sampler;

/* A whole-sequence model: input (T), output 0 (T, V) with V >= 2; @p role names it
 * ("G"). GAN_E_STATE unbuilt, GAN_E_INVALID_ARG for several inputs or labels,
 * GAN_E_SHAPE otherwise. */
gan_status gan__seq_check_whole(const gan_model_t *m, const char *role, const char *who,
                                int32_t *T, int32_t *V);

/* A one-token model for sequences of @p T tokens: fills @p s (not in, w). */
gan_status gan__seq_check_step(gan_model_t *m, int32_t T, const char *role,
                               const char *who, gan__seq_sampler *s);

/* The vocabulary of @p m's first layer when it embeds token ids (an
 * EmbeddingSequence), else 0: a model's ids can then be checked before it runs. Every
 * layer kind that looks ids up in a table (a bag of words too) belongs here. */
int32_t gan__seq_embedded_vocab(const gan_model_t *m);

/* Every id of (n, T) @p ids in [0, V); the message names the sequence and position. */
gan_status gan__seq_check_ids(const int32_t *ids, int32_t n, int32_t T, int32_t V,
                              const char *what, const char *who);

/* Teacher forcing: row r of @p in (rows, T) is start, ids[r][0..T-2]. */
void gan__seq_shift(float *in, const int32_t *ids, int32_t rows, int32_t T,
                    int32_t start);

/* Zero every recurrent layer's carried state and step count. */
gan_status gan__seq_reset(const gan__seq_sampler *s);

/* One token per row of (rows, V) @p logits, drawn as gan_categorical_sample() draws
 * (one 53-bit uniform per row, the same rule); ids[r * stride]. GAN_E_NUMERIC naming
 * @p who for a non-finite logit. */
gan_status gan__seq_draw(const gan__seq_sampler *s, gan__rng *rng, const float *logits,
                         int32_t rows, double temperature, int32_t *ids, size_t stride,
                         const char *who);

/* Feed s->in (batch tokens) through the model once; its (batch, V) logits. */
gan_status gan__seq_feed(const gan__seq_sampler *s, const float **logits);

/* Sample a batch of sequences of @p T tokens from the start token: reset, then T
 * feed-and-draw steps; ids (batch, T). */
gan_status gan__seq_sample_batch(const gan__seq_sampler *s, gan__rng *rng, int32_t start,
                                 double temperature, int32_t T, int32_t *ids,
                                 const char *who);

/* One id from row @p x (categorical.c): gan_categorical_sample()'s rule for the uniform
 * @p u, the same id, with the weights kept in @p w (classes) so each exp is computed
 * once. The row must be finite. */
int32_t gan__categorical_row(const float *x, int32_t classes, double temperature, double u,
                             float *w);

#endif
