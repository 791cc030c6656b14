/* The AC-GAN tests' tiny GAN (acgan_rig.h). */
#include "acgan_rig.h"

#include <math.h>

#include "test_util.h"

gan_model_t *ac_model(const int32_t *dims, int32_t ndim, uint64_t seed, const char *name)
{
    gan_model_options_t o;
    GT_OK(gan_model_options_init(&o, sizeof o));
    o.seed = seed;
    o.name = name;
    gan_model_t *m = NULL;
    GT_OK(gan_model_create(&m, dims, ndim, &o));
    return m;
}

/* (AZ) -> [Condition] -> dense AX -> tanh. */
gan_model_t *ac_generator(int32_t classes)
{
    const int32_t dims[1] = {AZ};
    gan_model_t *m = ac_model(dims, 1, 5, "G");
    gan_layer_t *l;
    if (classes)
        gt_add(m, gan_layer_condition_create(&l, classes, 0), l);
    gt_add(m, gan_layer_dense_create(&l, AX, true), l);
    gt_add(m, gan_layer_tanh_create(&l), l);
    GT_OK(gan_model_build(m, AB));
    return m;
}

/* (AX) -> [Condition] -> dense AH -> tanh -> dense 1 (output 0, the logit); and from the
 * tanh a class head dense aux [-> reshape (1, aux)] (output 1). */
gan_model_t *ac_discriminator(const ac_spec *s, int32_t *head)
{
    const int32_t dims[1] = {AX};
    gan_model_t *m = ac_model(dims, 1, 6, "D");
    gan_layer_t *l;
    if (s->d_classes)
        gt_add(m, gan_layer_condition_create(&l, s->d_classes, 0), l);
    gt_add(m, gan_layer_dense_create(&l, AH, true), l);
    gt_add(m, gan_layer_tanh_create(&l), l);
    const int32_t trunk = s->d_classes ? 2 : 1;
    gt_add(m, gan_layer_dense_create(&l, 1, true), l);
    *head = -1;
    if (s->aux) {
        int32_t node;
        GT_OK(gan_layer_dense_create(&l, s->aux, true));
        GT_OK(gan_model_connect(m, l, &trunk, 1, &node));
        *head = node;
        if (s->aux_matrix) {
            const int32_t shape[2] = {1, s->aux};
            GT_OK(gan_layer_reshape_create(&l, shape, 2));
            GT_OK(gan_model_connect(m, l, &node, 1, &node));
        }
        GT_OK(gan_model_set_outputs(m, (const int32_t[]){trunk + 1, node}, 2));
    }
    GT_OK(gan_model_build(m, AB));
    return m;
}

gan_hacks_t *ac_hacks(const ac_spec *s)
{
    gan_hacks_t *h;
    GT_OK(gan_hacks_create(&h));
    GT_OK(gan_hacks_set(h, GAN_HACK_SEED, ASEED));
    GT_OK(gan_hacks_set(h, GAN_HACK_AUX_WEIGHT_REAL, s->wr));
    GT_OK(gan_hacks_set(h, GAN_HACK_AUX_WEIGHT_FAKE, s->wf));
    GT_OK(gan_hacks_set(h, GAN_HACK_SEPARATE_BATCHES, !s->combined));
    GT_OK(gan_hacks_set(h, GAN_HACK_FEATURE_MATCHING_LAYER, s->fm));
    return h;
}

/* Build the models and optimizers; create the trainer, returning its status. */
gan_status ac_try(ac_rig *r, const ac_spec *s)
{
    r->g = ac_generator(s->g_classes);
    r->d = ac_discriminator(s, &r->head);
    GT_OK(gan_optimizer_sgd_create(&r->go, r->g, ALR, 0.0f, false));
    GT_OK(gan_optimizer_sgd_create(&r->dopt, r->d, ALR, 0.0f, false));
    gan_hacks_t *h = ac_hacks(s);
    r->t = NULL;
    gan_status st = gan_trainer_create(&r->t, r->g, r->d, r->go, r->dopt, h);
    gan_hacks_destroy(h);
    return st;
}

void ac_create(ac_rig *r, const ac_spec *s)
{
    GT_OK(ac_try(r, s));
}

void ac_destroy(ac_rig *r)
{
    gt_gan_destroy(r->t, r->go, r->dopt, r->g, r->d);
}

/* Real batch @p k: values in (-1, 1), and its labels. */
void ac_real(int k, float *x, int32_t *y)
{
    for (int i = 0; i < AB * AX; i++)
        x[i] = 0.8f * sinf(0.71f * (float)i + 1.3f * (float)k);
    for (int i = 0; i < AB; i++)
        y[i] = (i + k) % AK;
}

void ac_step(ac_rig *r, int k, gan_step_stats_t *st)
{
    float x[AB * AX];
    int32_t y[AB];
    ac_real(k, x, y);
    *st = (gan_step_stats_t){.struct_size = sizeof *st};
    GT_OK(gan_trainer_step(r->t, x, y, AB, st));
}

/* A standard AC-GAN spec: conditional G, unconditional D with a class head. */
ac_spec ac_standard(const char *name, double wr, double wf, bool combined)
{
    return (ac_spec){.name = name, .wr = wr, .wf = wf, .combined = combined,
                     .g_classes = AK, .aux = AK, .fm = -1};
}
