/* The text-to-image trainer's internals: the borrowed models and optimizers, the settings
 * and every buffer, shared by text2img.c (life cycle, encoding, drawing),
 * text2img_step.c and text2img_checkpoint.c. */
#ifndef GAN_TRAIN_TEXT2IMG_H
#define GAN_TRAIN_TEXT2IMG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "gan/text2img.h"
#include "train/parallel.h"

/* Ids are floats in E's input: below 2^24 every integer is exact. */
#define GAN__T2I_MAX_ID 16777216

struct gan_text2img {
    gan_model_t *g, *d, *e;
    gan_optimizer_t *g_opt, *d_opt, *e_opt; /* e_opt NULL: E is fixed */
    gan_text2img_options_t opts;
    gan__rng rng;
    gan__allocator alloc; /* G's */
    int32_t batch, T, K, Z;
    int32_t per;          /* D's logits per image */
    int32_t vocab;        /* ids are checked against [0, vocab) */
    size_t image;         /* floats per image */
    uint64_t d_updates, g_updates, data_position;
    gan__parallel par;    /* gan_text2img_set_grad_hook(), gan_text2img_set_shard() */

    /* Allocated at create, one block. B is the batch. */
    float *e_in;     /* (B, T): E's input, the ids as floats */
    float *phi;      /* (B, K): G's text vectors (interpolated), or a padded batch */
    float *dphi;     /* (B, K): d loss / d phi of the right captions' two D passes */
    float *z;        /* (B, Z) */
    float *targets;  /* (B, per) */
    float *dscores;  /* (B, per) */
};

/* The settings' ranges (GAN_E_OUT_OF_RANGE naming @p who and the field). */
gan_status gan__t2i_check_options(const gan_text2img_options_t *o, const char *who);

/* Rows [0, n) of (n, T) @p ids into E's input, then zeros (padding) up to B rows; with
 * @p rotate, row i gets row (i + 1) mod n. */
void gan__t2i_fill_ids(gan_text2img_t *t, const int32_t *ids, int32_t n, bool rotate);

#endif
