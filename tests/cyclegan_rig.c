/* Small CycleGANs for the tests (see cyclegan_rig.h). */
#include "cyclegan_rig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

static gan_model_t *cg_generator(int32_t batch, int32_t c, int32_t h, int32_t w,
                                 int32_t c_out, uint64_t seed)
{
    const int32_t dims[3] = {c, h, w};
    gan_model_t *m = gt_model_seeded(dims, 3, seed);
    gan_layer_t *l;
    gt_add(m, gan_layer_conv2d_create(&l, 8, 3, 1, GAN_PADDING_SAME), l);
    gt_add(m, gan_layer_tanh_create(&l), l);
    gt_add(m, gan_layer_conv2d_create(&l, c_out, 3, 1, GAN_PADDING_SAME), l);
    gt_add(m, gan_layer_tanh_create(&l), l);
    GT_OK(gan_model_build(m, batch));
    return m;
}

static gan_model_t *cg_discriminator(int32_t batch, int32_t c, int32_t h, int32_t w,
                                     uint64_t seed)
{
    const int32_t dims[3] = {c, h, w};
    gan_model_t *m = gt_model_seeded(dims, 3, seed);
    gan_layer_t *l;
    gt_add(m, gan_layer_conv2d_create(&l, 8, 4, 2, GAN_PADDING_SAME), l);
    gt_add(m, gan_layer_tanh_create(&l), l);
    gt_add(m, gan_layer_conv2d_create(&l, 1, 3, 1, GAN_PADDING_SAME), l);
    GT_OK(gan_model_build(m, batch));
    return m;
}

void cg_rig_models(cg_rig *r, int32_t batch, int32_t c, int32_t h, int32_t w, uint64_t seed)
{
    memset(r, 0, sizeof *r);
    r->batch = batch;
    r->c = c;
    r->h = h;
    r->w = w;
    r->m[0] = cg_generator(batch, c, h, w, c, seed + 11);
    r->m[1] = cg_generator(batch, c, h, w, c, seed + 12);
    r->m[2] = cg_discriminator(batch, c, h, w, seed + 13);
    r->m[3] = cg_discriminator(batch, c, h, w, seed + 14);
}

void cg_rig_optimizers(cg_rig *r, int kind, float lr)
{
    for (int i = 0; i < 4; i++) {
        if (kind == CG_ADAM)
            GT_OK(gan_optimizer_adam_create(&r->o[i], r->m[i], lr, 0.5f, 0.999f, 1e-8f));
        else
            GT_OK(gan_optimizer_sgd_create(&r->o[i], r->m[i], lr, 0.0f, false));
    }
}

void cg_rig_make(cg_rig *r, int32_t batch, int32_t c, int32_t h, int32_t w, uint64_t seed,
                 const gan_cyclegan_options_t *opts)
{
    cg_rig_models(r, batch, c, h, w, seed);
    cg_rig_optimizers(r, CG_ADAM, 2e-3f);
    GT_OK(gan_cyclegan_create(&r->t, r->m[0], r->m[1], r->m[2], r->m[3], r->o[0], r->o[1],
                              r->o[2], r->o[3], opts));
}

void cg_rig_free(cg_rig *r)
{
    gan_cyclegan_destroy(r->t);
    for (int i = 0; i < 4; i++) {
        gan_optimizer_destroy(r->o[i]);
        gan_model_destroy(r->m[i]);
    }
    memset(r, 0, sizeof *r);
}

static uint64_t cg_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void cg_toy_batch(uint64_t *state, float *x, int32_t *labels, int32_t n, bool negative)
{
    const float on = negative ? -1.0f : 1.0f;
    for (int32_t i = 0; i < n; i++) {
        const int32_t cls = (int32_t)(cg_next(state) % 2);
        const int32_t at = (int32_t)(cg_next(state) % 7); /* rows or columns at, at + 1 */
        float *img = x + (size_t)i * 64;
        for (int r = 0; r < 8; r++)
            for (int c = 0; c < 8; c++) {
                const int k = cls == 0 ? r : c;
                img[r * 8 + c] = k == at || k == at + 1 ? on : -on;
            }
        if (labels)
            labels[i] = cls;
    }
}

int32_t cg_toy_class(const float *x, bool negative)
{
    double sum = 0;
    for (int i = 0; i < 64; i++)
        sum += x[i];
    /* A's images average -0.5 (a quarter of the pixels +1), B's +0.5. */
    if (negative ? sum <= 0 : sum >= 0)
        return -1;
    double var[2] = {0, 0};
    for (int axis = 0; axis < 2; axis++) {
        double mean[8] = {0}, total = 0;
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 8; j++)
                mean[i] += axis == 0 ? x[i * 8 + j] : x[j * 8 + i];
            mean[i] /= 8;
            total += mean[i] / 8;
        }
        for (int i = 0; i < 8; i++)
            var[axis] += (mean[i] - total) * (mean[i] - total);
    }
    return var[0] > var[1] ? 0 : 1;
}
