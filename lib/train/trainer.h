/* The trainer's internals: the borrowed models, the copied hacks and every buffer. */
#ifndef GAN_TRAIN_TRAINER_H
#define GAN_TRAIN_TRAINER_H

#include <stddef.h>
#include <stdint.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "gan/train.h"
#include "model.h"
#include "train/hacks.h"
#include "train/parallel.h"

struct gan_trainer {
    gan_model_t *g, *d;
    gan_optimizer_t *g_opt, *d_opt;
    gan_hacks_t hacks;
    gan__rng rng;
    gan__allocator alloc; /* G's */

    int32_t batch;   /* B: G's batch */
    int32_t mult;    /* D's batch is mult*B: 2 with combined batches */
    int32_t zdim;    /* latent dimension */
    int32_t classes; /* label classes, 0 if unconditional */
    size_t image;    /* floats per D input sample */
    int32_t per;     /* D's scores per sample: 1, or h*w of a patch map (PatchGAN) */
    int32_t aux_classes; /* AC-GAN's classes (D's output 1), 0 when AC-GAN is off */
    int32_t loss, fm_layer;
    size_t fm_size;  /* floats per sample of the feature-matching layer */
    uint64_t d_updates, g_updates;
    uint64_t data_position; /* the caller's, kept for checkpoints (checkpoint.c) */
    gan__parallel par; /* gan_trainer_set_grad_hook(), gan_trainer_set_shard() */

    /* Allocated at create, one block each. */
    float *z;           /* (B, zdim) */
    int32_t *fake_labels; /* B */
    int32_t *d_labels;  /* mult*B labels of D's current batch */
    float *d_in;        /* (mult*B, image): D's current input */
    float *targets;     /* (mult*B, per): a sample's target is shared by its scores */
    float *dscores;     /* (mult*B, per) */
    float *dmix;        /* (mult*B, per): the mixed-in loss's gradient (GAN_HACK_MIX_*) */
    float *daux;        /* (mult*B, aux_classes): d loss / d class logits; NULL when off */
    float *dfake;       /* (B, image): d loss / d G(z) */
    float *fm_real;     /* fm_size: mean feature of the last real batch */
    float *fm_grad;     /* (mult*B, fm_size) */
    float *ema, *swap;  /* G's n_params each; NULL without EMA */
    float *pool;        /* (pool_size, image): replayed fakes; NULL without replay */
    int32_t *pool_labels;
    int64_t pool_size, pool_count;
    float *gp_x, *gp_v; /* (B, image) each; NULL without a penalty */
    float gp_vmax;      /* largest |v| of the last penalty */
    gan__rng *d_streams; /* D's n_layers streams, saved around penalty passes */
    float *d_state;      /* D's state arena (running statistics, spectral-norm vectors),
                          * likewise: the penalty's extra passes must leave no trace */
};

/* Per-pixel spread (std across the batch, averaged over pixels). */
double gan__batch_spread(const float *x, int32_t n, size_t size);

/* Replay: replace some of the B fake rows at @p rows (labels at @p row_labels, or NULL)
 * with pooled fakes, then remember the fresh fakes (and labels) in the pool. */
void gan__replay_mix(gan_trainer_t *t, float *rows, int32_t *row_labels, const float *fake,
                     const int32_t *labels);

/* Gradient penalty (WGAN-GP): adds lambda * mean((||grad_x D(x_hat)|| - 1)^2)'s
 * parameter gradient to D's gradient arena and returns its value. */
gan_status gan__gradient_penalty(gan_trainer_t *t, const float *real, const float *fake,
                                 const int32_t *labels, double *penalty);

/* AC-GAN at create: whether the hacks turn it on (*classes 0 when not), and if so that G
 * is conditional, D has an output 1 of class logits for G's classes, and feature matching
 * is off; the message names @p who, the models, the output and the shapes. */
gan_status gan__aux_check(const gan_model_t *g, const gan_model_t *d, const gan_hacks_t *h,
                          const char *who, int32_t *classes);

/* AC-GAN's term on @p rows samples: the softmax cross-entropy of their class @p logits
 * against @p labels into *loss, its gradient times @p weight into @p dlogits (rows,
 * aux_classes), and into *acc the share whose largest logit is the label. */
gan_status gan__aux_term(const gan_trainer_t *t, const float *logits, const int32_t *labels,
                         int32_t rows, double weight, float *dlogits, double *loss,
                         double *acc);

/* EMA of G's weights after a G update. */
void gan__ema_update(gan_trainer_t *t);

/* The optimizer's model, to check it belongs to the trainer's. */
gan_model_t *gan__optimizer_model(const gan_optimizer_t *opt);

#endif
