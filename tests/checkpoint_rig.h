/* The small GAN the checkpoint tests train and save (and the fixture program, which
 * builds against an earlier release, writes): public API of the first release only. */
#ifndef GAN_TEST_CHECKPOINT_RIG_H
#define GAN_TEST_CHECKPOINT_RIG_H

#include <stdbool.h>
#include <stdint.h>

#include <gan/gan.h>

#define LATENT 8
#define IMAGE 4
#define BATCH 16

/* What a test rig's models, optimizers and hacks look like. */
typedef struct rig_spec {
    int32_t g_hidden;   /* G's hidden width */
    bool g_dropout;     /* G has a dropout layer after its BatchNorm block */
    bool d_extra;       /* D ends with one more Dense(1) */
    int32_t d_optim;    /* GAN_OPTIM_* of D's optimizer */
    uint64_t seed;      /* G's model seed; D's is seed + 1 */
    bool alt_settings;  /* other optimizer settings and non-structural hacks */
    bool ema;
    bool d_spectral;    /* D's first Dense is spectrally normalised */
    bool plain_sgemm;   /* products through rig_sgemm, not the built-in BLAS */
} rig_spec;

/* base_spec with plain_sgemm: its checkpoints have the same bytes on every BLAS. */
extern const rig_spec base_spec, fixture_spec;

typedef struct rig {
    gan_model_t *g, *d;
    gan_optimizer_t *g_opt, *d_opt;
    gan_trainer_t *t;
} rig;

/* Build the rig's models, optimizers and trainer. */
void rig_create(rig *r, const rig_spec *s);
void rig_destroy(rig *r);
/* Train up to data position @p end; batch p's reals are a function of p alone. */
void train_to(rig *r, uint64_t end);
void rig_trained(rig *r, const rig_spec *s, uint64_t steps);

#endif
