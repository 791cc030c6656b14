/* White-box: the WGAN-GP penalty's parameter gradient (a finite-difference
 * Hessian-vector product) against central differences of the penalty value. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train/trainer.h"

enum { B = 6, IN = 3, LATENT = 2 };

/* Smooth models, so that finite differences of a gradient norm are meaningful. */
static gan_model_t *tanh_mlp(int32_t in, int32_t out, uint64_t seed, bool spectral_norm)
{
    const int32_t dims[1] = {in};
    gan_model_t *m = gt_model_seeded(dims, 1, seed);
    gan_layer_t *l;
    gt_add(m, gan_layer_dense_create(&l, 8, true), l);
    GT_OK(gan_layer_set_init(l, GAN_PARAM_WEIGHT, GAN_INIT_NORMAL, 0, 0.7f));
    gt_add(m, gan_layer_tanh_create(&l), l);
    GT_OK(gan_layer_dense_create(&l, 8, true));
    if (spectral_norm) /* its training forwards move u and v: the penalty must not */
        GT_OK(gan_layer_set_spectral_norm(l, true));
    gt_add(m, GAN_OK, l);
    GT_OK(gan_layer_set_init(l, GAN_PARAM_WEIGHT, GAN_INIT_NORMAL, 0, 0.7f));
    gt_add(m, gan_layer_tanh_create(&l), l);
    gt_add(m, gan_layer_dense_create(&l, out, true), l);
    GT_OK(gan_layer_set_init(l, GAN_PARAM_WEIGHT, GAN_INIT_NORMAL, 0, 0.7f));
    GT_OK(gan_model_build(m, B));
    return m;
}

/* A WGAN-GP trainer on tiny smooth models, with fixed real and fake batches. */
typedef struct fixture {
    gan_model_t *g, *d;
    gan_optimizer_t *g_opt, *d_opt;
    gan_trainer_t *t;
    float real[B * IN], fake[B * IN];
} fixture;

static void fixture_create(fixture *f, uint64_t seed, bool spectral_norm, bool zero_critic)
{
    f->g = tanh_mlp(LATENT, IN, seed, false);
    f->d = tanh_mlp(IN, 1, seed + 1, spectral_norm);
    if (zero_critic) { /* D is constant: grad_x D = 0 */
        float *p;
        size_t n;
        GT_OK(gan_model_get_params(f->d, &p, &n));
        memset(p, 0, n * sizeof *p);
    }
    GT_OK(gan_optimizer_sgd_create(&f->g_opt, f->g, 0.1f, 0.0f, false));
    GT_OK(gan_optimizer_sgd_create(&f->d_opt, f->d, 0.1f, 0.0f, false));
    gan_hacks_t *h;
    GT_OK(gan_hacks_create(&h));
    GT_OK(gan_hacks_set(h, GAN_HACK_LOSS, GAN_LOSS_WASSERSTEIN));
    GT_OK(gan_hacks_set(h, GAN_HACK_GP_WEIGHT, 10));
    GT_OK(gan_trainer_create(&f->t, f->g, f->d, f->g_opt, f->d_opt, h));
    gan_hacks_destroy(h);
    gt_rng r;
    gt_seed(&r, seed + 76);
    gt_fill(&r, f->real, B * IN, -1, 1);
    gt_fill(&r, f->fake, B * IN, -1, 1);
}

static void fixture_destroy(fixture *f)
{
    gt_gan_destroy(f->t, f->g_opt, f->d_opt, f->g, f->d);
}

static double penalty_at(fixture *f, const gan__rng *rng)
{
    double p = 0;
    f->t->rng = *rng; /* the same interpolation draws every time */
    GT_OK(gan__gradient_penalty(f->t, f->real, f->fake, NULL, &p));
    return p;
}

static void check_penalty_gradient(bool spectral_norm)
{
    fixture f;
    fixture_create(&f, 1, spectral_norm, false);
    /* With spectral norm, a training forward's power iteration makes u, v functions of W,
     * which its gradient (like torch's) treats as constants: compare in inference mode. */
    if (spectral_norm)
        GT_OK(gan_model_set_training(f.d, false));
    const gan__rng rng = f.t->rng;
    float *params, *grads;
    size_t n;
    GT_OK(gan_model_get_params(f.d, &params, &n));
    GT_OK(gan_model_get_grads(f.d, &grads, &n));
    GT_OK(gan_model_zero_grad(f.d));
    double p0 = penalty_at(&f, &rng);
    assert_true(p0 > 0.01); /* the check would be vacuous otherwise */
    float *analytic = malloc(n * sizeof *analytic);
    memcpy(analytic, grads, n * sizeof *analytic);

    double worst = 0, largest = 0;
    const float eps = 1e-2f;
    for (size_t k = 0; k < n; k++) {
        const float saved = params[k];
        params[k] = saved + eps;
        double up = penalty_at(&f, &rng);
        params[k] = saved - eps;
        double down = penalty_at(&f, &rng);
        params[k] = saved;
        double numeric = (up - down) / (2 * eps);
        double err = fabs(numeric - analytic[k]) / (1e-2 + fabs(numeric));
        worst = fmax(worst, err);
        largest = fmax(largest, fabs(numeric));
        if (err > 0.05)
            fail_msg("parameter %zu: analytic %g, numeric %g", k, (double)analytic[k], numeric);
    }
    print_message("penalty %g: %zu parameters, worst relative error %.3g, largest "
                  "gradient %.3g\n", p0, n, worst, largest);
    assert_true(largest > 0.1);
    free(analytic);
    fixture_destroy(&f);
}

static void test_penalty_gradient_matches_finite_differences(void **state)
{
    (void)state;
    check_penalty_gradient(false);
}

static void test_penalty_gradient_with_spectral_norm(void **state)
{
    (void)state;
    check_penalty_gradient(true);
}

/* In training mode the penalty's extra passes leave D's state (spectral-norm vectors,
 * running statistics) exactly as they found it. */
static void test_penalty_leaves_state_untouched(void **state)
{
    (void)state;
    fixture f;
    fixture_create(&f, 5, true, false);
    gan_model_t *d = f.d;
    assert_true(d->n_state > 0);
    float *before = malloc(d->n_state * sizeof *before);
    memcpy(before, d->state, d->n_state * sizeof *before);
    double p = 0;
    GT_OK(gan__gradient_penalty(f.t, f.real, f.fake, NULL, &p));
    assert_memory_equal(before, d->state, d->n_state * sizeof *before);
    free(before);
    fixture_destroy(&f);
}

/* A zero input gradient gives a finite penalty (lambda * 1) and no NaN anywhere. */
static void test_penalty_with_zero_gradient_is_finite(void **state)
{
    (void)state;
    fixture f;
    fixture_create(&f, 3, false, true);
    double p = -1;
    GT_OK(gan_model_zero_grad(f.d));
    GT_OK(gan__gradient_penalty(f.t, f.real, f.fake, NULL, &p));
    assert_float_equal(p, 10.0, 1e-4);
    float *grads;
    size_t n;
    GT_OK(gan_model_get_grads(f.d, &grads, &n));
    for (size_t k = 0; k < n; k++)
        assert_true(isfinite(grads[k]));
    fixture_destroy(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_penalty_gradient_matches_finite_differences),
        cmocka_unit_test(test_penalty_gradient_with_spectral_norm),
        cmocka_unit_test(test_penalty_leaves_state_untouched),
        cmocka_unit_test(test_penalty_with_zero_gradient_is_finite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
