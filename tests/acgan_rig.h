/* The AC-GAN tests' tiny GAN (tests/test_acgan.c, tests/test_acgan_train.c): a
 * conditional G of one dense layer and a D with a class head, both on vectors, trained
 * with SGD by a trainer whose AC-GAN weights and batch mode a spec sets. */
#ifndef GAN_TEST_ACGAN_RIG_H
#define GAN_TEST_ACGAN_RIG_H

#include <stdbool.h>
#include <stdint.h>

#include <gan/gan.h>

#define AB 3     /* batch, odd */
#define AZ 3     /* latent */
#define AK 3     /* classes */
#define AX 4     /* D's input: a vector of 4 */
#define AH 5     /* D's hidden width */
#define ASEED 7  /* GAN_HACK_SEED */
#define ALR 0.05f

/* The rig's shape and settings. */
typedef struct ac_spec {
    const char *name;
    double wr, wf;      /* GAN_HACK_AUX_WEIGHT_REAL, _FAKE */
    bool combined;      /* one D batch of reals and fakes */
    int32_t g_classes;  /* G's Condition classes, 0: unconditional */
    int32_t d_classes;  /* D's Condition classes, 0: unconditional */
    int32_t aux;        /* D's class head width, 0: no second output */
    bool aux_matrix;    /* the head reshaped to (1, aux) */
    int32_t fm;         /* GAN_HACK_FEATURE_MATCHING_LAYER */
} ac_spec;

typedef struct ac_rig {
    gan_model_t *g, *d;
    gan_optimizer_t *go, *dopt;
    gan_trainer_t *t;
    int32_t head; /* D's class head's layer index, -1 without one */
} ac_rig;

/* A model of the given input shape, seed and name, without layers. */
gan_model_t *ac_model(const int32_t *dims, int32_t ndim, uint64_t seed, const char *name);
/* (AZ) -> [Condition] -> dense AX -> tanh, built for batch AB. */
gan_model_t *ac_generator(int32_t classes);
/* (AX) -> [Condition] -> dense AH -> tanh -> dense 1 (output 0, the logit); and from the
 * tanh a class head dense aux [-> reshape (1, aux)] (output 1), whose layer index goes to
 * *head (-1 without one). */
gan_model_t *ac_discriminator(const ac_spec *s, int32_t *head);
/* The spec's hacks, seed ASEED. */
gan_hacks_t *ac_hacks(const ac_spec *s);
/* Build the models and optimizers; create the trainer, returning its status. */
gan_status ac_try(ac_rig *r, const ac_spec *s);
/* The same, failing the test unless the trainer is created. */
void ac_create(ac_rig *r, const ac_spec *s);
void ac_destroy(ac_rig *r);
/* Real batch @p k: values in (-1, 1), and its labels. */
void ac_real(int k, float *x, int32_t *y);
/* One step on real batch @p k, stats into *st. */
void ac_step(ac_rig *r, int k, gan_step_stats_t *st);
/* A standard AC-GAN spec: conditional G, unconditional D with a class head. */
ac_spec ac_standard(const char *name, double wr, double wf, bool combined);

#endif
