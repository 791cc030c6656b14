/* mnist_text2img's data (issue 15): the training digits with their measured bins, the
 * captions of a training step (drawn fresh from the step number, so that a resumed run
 * sees what the straight run saw), the tokenizer's training texts, and the captioned
 * pictures. Uses only the public headers and the examples' caption maker. */
#ifndef GAN_EXAMPLE_T2I_DATA_H
#define GAN_EXAMPLE_T2I_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include <gan/gan.h>

#include "common/captions.h"

/* What the captions say: words (digit and attributes) or the label only (the
 * class-conditional baseline). */
enum { EX_T2I_WORDS, EX_T2I_LABEL };

/* The probability that a training caption mentions each attribute it may. */
#define EX_T2I_P_MENTION 0.7

typedef struct ex_t2i_data {
    int32_t n;
    float *x;                          /* (n, 1, 28, 28) in [-1, 1], epoch 0 of seed */
    int32_t *digit;                    /* (n) */
    int (*bin)[EX_CAPTION_ATTRS];      /* (n) measured bins under the cuts */
    ex_caption_cuts cuts;              /* per-digit tertiles fitted on these images */
    uint32_t *perm;                    /* the order of epoch perm_epoch */
    uint64_t perm_epoch, seed;
} ex_t2i_data;

/* Load dir's MNIST-format images and labels, measure every digit and fit the cuts.
 * Prints what fails to stderr, prefixed with @p program; 0 or 1. */
int ex_t2i_data_load(ex_t2i_data *d, const char *dir, uint64_t seed, const char *program);
void ex_t2i_data_free(ex_t2i_data *d);

/* The batch of step @p step: images (batch, 784), a caption of each (mode's kind, a
 * training caption) and a wrong caption (another digit, or in WORDS mode half the time
 * the same digit with one attribute's bin changed). Deterministic in (seed, step).
 * captions and wrong are (batch) strings of EX_CAPTION_MAX. */
void ex_t2i_batch(ex_t2i_data *d, int mode, uint64_t step, int32_t batch, float *images,
                  char (*captions)[EX_CAPTION_MAX], char (*wrong)[EX_CAPTION_MAX]);

/* The caption the model of @p mode is given for meaning m: in WORDS mode a caption of
 * the split (EX_SPLIT_TRAIN or EX_SPLIT_HELD_OUT) drawn by ex_caption_make(), in LABEL
 * mode a training caption of the digit alone. EX_CAPTION_OK or its error. */
int ex_t2i_caption_for(ex_caption *out, int mode, const ex_caption_meaning *m, int split,
                       uint64_t *rng);

/* n texts to build the tokenizer from: training captions of the mode's kind (every
 * template and synonym appears in a large enough sample). texts points into storage
 * (n, EX_CAPTION_MAX). */
void ex_t2i_tokenizer_texts(int mode, uint64_t seed, int32_t n, char (*storage)[EX_CAPTION_MAX],
                            const char **texts);

/* The pictures' rows: EX_T2I_ROWS meanings (some held out), their captions for @p mode,
 * and whether each is held out. */
#define EX_T2I_ROWS 10
void ex_t2i_picture_captions(int mode, char (*text)[EX_CAPTION_MAX], bool *held_out);

/* Write a PNG of rows of @p columns images (rows * columns, 1x28x28 each), each row with
 * its text written on the left (NULL or "" for none). 0, or 1 after printing an error. */
int ex_t2i_write_captioned(const char *path, const float *images, int32_t rows,
                           int32_t columns, const char *const *texts, const char *program);

/* (n, Z) standard normal numbers from a splitmix64 state (Box-Muller). */
void ex_t2i_gaussian(float *z, int64_t n, uint64_t seed);

#endif
