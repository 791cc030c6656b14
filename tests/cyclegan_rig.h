/* Small CycleGANs for the tests: four networks on tiny images, their optimizers and a
 * trainer, built through the public API. */
#ifndef GAN_TEST_CYCLEGAN_RIG_H
#define GAN_TEST_CYCLEGAN_RIG_H

#include <stdbool.h>
#include <stdint.h>

#include <gan/gan.h>

/* Which optimizers a rig gets. */
enum { CG_ADAM, CG_SGD };

typedef struct cg_rig {
    gan_model_t *m[4];      /* G (A to B), F (B to A), D_A, D_B */
    gan_optimizer_t *o[4];
    gan_cyclegan_t *t;
    int32_t batch, c, h, w; /* both domains (c, h, w) */
} cg_rig;

/* Networks for (c, h, w) images at @p batch: G and F conv 3x3 (8) -> tanh -> conv 3x3
 * (c) -> tanh, smooth everywhere; D conv 4x4 stride 2 (8) -> tanh -> conv 3x3 (1), a
 * patch map of (h/2 x w/2) scores. Seeds differ per network, @p seed shifts them. */
void cg_rig_models(cg_rig *r, int32_t batch, int32_t c, int32_t h, int32_t w,
                   uint64_t seed);
/* Optimizers of one kind for all four: Adam(lr, 0.5, 0.999) or SGD(lr). */
void cg_rig_optimizers(cg_rig *r, int kind, float lr);
/* All of it: models, Adam 2e-3 and a trainer with @p opts (NULL: defaults). */
void cg_rig_make(cg_rig *r, int32_t batch, int32_t c, int32_t h, int32_t w, uint64_t seed,
                 const gan_cyclegan_options_t *opts);
void cg_rig_free(cg_rig *r);

/* The toy domains: 8x8 images of a bar, horizontal (class 0) or vertical (class 1), two
 * pixels thick at a random place. Domain A: the bar +1 on -1; domain B: its negative. */
void cg_toy_batch(uint64_t *state, float *x, int32_t *labels, int32_t n, bool negative);
/* The class of one 8x8 image as a classifier of domain B (@p negative) or A sees it: -1
 * when its mean has the other domain's sign (most pixels the other domain's
 * background), else 0 when its rows vary more than its columns (a horizontal bar), 1
 * otherwise. */
int32_t cg_toy_class(const float *x, bool negative);

#endif
