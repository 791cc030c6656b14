/* The SeqGAN trainer's internals: the borrowed models and optimizers, the settings and
 * every buffer, shared by seqgan.c (life cycle, checks, sampling), seqgan_step.c and
 * seqgan_checkpoint.c. */
#ifndef GAN_TRAIN_SEQGAN_H
#define GAN_TRAIN_SEQGAN_H

#include <stddef.h>
#include <stdint.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "gan/seqgan.h"
#include "train/parallel.h"
#include "train/sequence.h"

struct gan_seqgan {
    gan_model_t *g, *g_step, *d;
    gan_optimizer_t *g_opt, *d_opt;
    gan_seqgan_options_t opts;
    gan__rng rng;
    gan__allocator alloc; /* G's */
    gan__seq_sampler sampler; /* G_step, its in and w below */
    int32_t batch, T, V;
    uint64_t mle_steps, d_steps, pg_steps, data_position;
    gan__parallel par;        /* gan_seqgan_set_grad_hook(), gan_seqgan_set_shard() */

    /* Allocated at create, one block. B is the batch. */
    float *g_in;      /* (B, T): G's teacher-forcing input */
    float *weights;   /* (B, T): 1 for MLE, the rewards for the policy gradient */
    float *dlogits;   /* (B, T, V) */
    int32_t *fake;    /* (B, T): sampled sequences */
    int32_t *roll;    /* (B, T): a rollout's completions */
    float *d_in;      /* (B, T): D's input */
    float *d_target;  /* (B) */
    float *d_grad;    /* (B) */
    float *step_logits; /* (B, V): G_step's logits after a prefix */
    float *state;     /* per recurrent layer of G_step, (B, hidden) h then (B, hidden) c */
    float *step_in;   /* (B) */
    float *w;         /* (V): sampling weights */
};

/* Copy G's parameters into G_step; called before every sampling phase. */
void gan__sg_sync(gan_seqgan_t *t);

/* Sample a batch of B sequences into @p ids (B, T) with G_step (after gan__sg_sync);
 * @p sharded: the draws of the other shards' rows are made too (gan_seqgan_set_shard). */
gan_status gan__sg_sample_batch(gan_seqgan_t *t, int32_t *ids, bool sharded,
                                const char *who);

/* Make the sampler's draws those of this shard's rows of the global batch (@p on), or
 * of its own rows only. */
void gan__sg_shard_draws(gan_seqgan_t *t, bool on);

#endif
