/* The one-call train step through the public API: a toy GAN on the ring of 8 Gaussians
 * must cover every mode; determinism, the divergence guard, every hack, and errors.
 *
 * The toy's settings (latent dimension 2, batch 128, Adam 5e-4) are those with which a
 * PyTorch reference of the same networks and losses covers all modes too; with latent 8
 * and batch 64 both libgan and PyTorch collapse onto 2-3 modes, the classic failure. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RING_MODES GT_RING_MODES
#define RING_RADIUS GT_RING_RADIUS
#define LATENT 2
#define BATCH 128
#define TAU GT_TAU

typedef struct gan_setup {
    gan_model_t *g, *d;
    gan_optimizer_t *g_opt, *d_opt;
    gan_trainer_t *trainer;
} gan_setup;

/* Dense stack: in -> hidden (act) -> hidden (act) -> out. leaky_alpha < 0 means ReLU. */
static gan_model_t *mlp(int32_t in, int32_t hidden, int32_t out, float leaky_alpha,
                        int32_t classes, uint64_t seed)
{
    const int32_t dims[1] = {in};
    gan_model_options_t o;
    GT_OK(gan_model_options_init(&o, sizeof o));
    o.seed = seed;
    gan_model_t *m = NULL;
    GT_OK(gan_model_create(&m, dims, 1, &o));
    gan_layer_t *l;
    if (classes)
        gt_add(m, gan_layer_condition_create(&l, classes, 0), l);
    for (int i = 0; i < 2; i++) {
        gt_add(m, gan_layer_dense_create(&l, hidden, true), l);
        GT_OK(gan_layer_set_init(l, GAN_PARAM_WEIGHT, GAN_INIT_HE_NORMAL, 0, 0));
        if (leaky_alpha < 0)
            gt_add(m, gan_layer_relu_create(&l), l);
        else
            gt_add(m, gan_layer_leaky_relu_create(&l, leaky_alpha), l);
    }
    gt_add(m, gan_layer_dense_create(&l, out, true), l);
    GT_OK(gan_layer_set_init(l, GAN_PARAM_WEIGHT, GAN_INIT_GLOROT_UNIFORM, 0, 0));
    GT_OK(gan_model_build(m, BATCH));
    return m;
}

static void setup_create(gan_setup *s, const gan_hacks_t *hacks, float lr, float beta2,
                         int32_t classes)
{
    s->g = mlp(LATENT, 128, 2, -1.0f, classes, 1);
    s->d = mlp(2, 128, 1, 0.2f, classes, 2);
    GT_OK(gan_optimizer_adam_create(&s->g_opt, s->g, lr, 0.5f, beta2, 1e-8f));
    GT_OK(gan_optimizer_adam_create(&s->d_opt, s->d, lr, 0.5f, beta2, 1e-8f));
    GT_OK(gan_trainer_create(&s->trainer, s->g, s->d, s->g_opt, s->d_opt, hacks));
}

static void setup_destroy(gan_setup *s)
{
    gan_trainer_destroy(s->trainer);
    gan_optimizer_destroy(s->g_opt);
    gan_optimizer_destroy(s->d_opt);
    gan_model_destroy(s->g);
    gan_model_destroy(s->d);
}

static void ring_batch(gt_rng *r, float *x, int32_t *labels)
{
    gt_ring_batch(r, x, labels, BATCH);
}

/* Train; return the mean Wasserstein estimate of the first and last 10% of the steps. */
static void train_watching(gan_setup *s, int steps, uint64_t data_seed, bool conditional,
                           double *early, double *late)
{
    gt_rng r;
    gt_seed(&r, data_seed);
    float x[2 * BATCH];
    int32_t labels[BATCH];
    gan_step_stats_t stats = {.struct_size = sizeof stats};
    const int window = steps / 10;
    double first = 0, last = 0;
    for (int i = 0; i < steps; i++) {
        ring_batch(&r, x, conditional ? labels : NULL);
        GT_OK(gan_trainer_step(s->trainer, x, conditional ? labels : NULL, BATCH, &stats));
        if (i < window)
            first += stats.wasserstein / window;
        if (i >= steps - window)
            last += stats.wasserstein / window;
    }
    if (early)
        *early = first;
    if (late)
        *late = last;
}

static void train(gan_setup *s, int steps, uint64_t data_seed, bool conditional)
{
    train_watching(s, steps, data_seed, conditional, NULL, NULL);
}

/* Nearest mode of a point, or -1 when it is farther than 0.3 from every mode. */
static int nearest_mode(const float *p)
{
    for (int m = 0; m < RING_MODES; m++) {
        double angle = TAU * m / RING_MODES;
        double dx = p[0] - RING_RADIUS * cos(angle), dy = p[1] - RING_RADIUS * sin(angle);
        if (dx * dx + dy * dy < 0.3 * 0.3)
            return m;
    }
    return -1;
}

typedef struct coverage {
    int modes;         /* modes holding at least 2% of the samples */
    double good;       /* share of samples within 0.3 of a mode */
    double on_request; /* conditional: share at the requested mode */
    double offset;     /* mean distance of a sample from the ring */
    int sectors;       /* of the 8 equal angular sectors, those with >= 2.5% of samples */
} coverage;

static coverage measure(gan_setup *s, bool conditional)
{
    enum { N = 2000 };
    float *z = malloc(N * LATENT * sizeof *z), *points = malloc(N * 2 * sizeof *points);
    int32_t *labels = malloc(N * sizeof *labels);
    for (int i = 0; i < N; i++)
        labels[i] = i % RING_MODES;
    GT_OK(gan_trainer_sample_latent(s->trainer, N, z));
    GT_OK(gan_trainer_generate(s->trainer, z, conditional ? labels : NULL, N, false, points));
    int count[RING_MODES] = {0}, good = 0, asked = 0;
    for (int i = 0; i < N; i++) {
        int m = nearest_mode(points + 2 * i);
        if (m >= 0) {
            count[m]++;
            good++;
            asked += m == labels[i];
        }
    }
    coverage c = {0, (double)good / N, (double)asked / N, 0, 0};
    for (int m = 0; m < RING_MODES; m++)
        c.modes += count[m] >= N / 50;
    int sector[RING_MODES] = {0};
    for (int i = 0; i < N; i++) {
        double x = points[2 * i], y = points[2 * i + 1];
        c.offset += fabs(sqrt(x * x + y * y) - RING_RADIUS) / N;
        int k = (int)floor((atan2(y, x) + TAU / 16) / (TAU / RING_MODES));
        sector[(k % RING_MODES + RING_MODES) % RING_MODES]++;
    }
    for (int k = 0; k < RING_MODES; k++)
        c.sectors += sector[k] >= N / 40;
    print_message("modes covered %d/8, samples near a mode %.1f%%, at the asked mode "
                  "%.1f%%, ring offset %.3f, sectors %d/8\n", c.modes, 100 * c.good,
                  100 * c.on_request, c.offset, c.sectors);
    free(z);
    free(points);
    free(labels);
    return c;
}

static void test_ring_default_hacks_covers_all_modes(void **state)
{
    (void)state;
    gan_setup s;
    setup_create(&s, NULL, 5e-4f, 0.999f, 0);
    train(&s, 4000, 11, false);
    coverage c = measure(&s, false);
    assert_int_equal(c.modes, RING_MODES);
    assert_true(c.good > 0.6);
    setup_destroy(&s);
}

static void test_ring_wgan_gp_covers_all_modes(void **state)
{
    (void)state;
    gan_hacks_t *h;
    GT_OK(gan_hacks_create(&h));
    GT_OK(gan_hacks_set(h, GAN_HACK_LOSS, GAN_LOSS_WASSERSTEIN));
    /* lambda 0.1: the value Gulrajani et al.'s own toy script uses for 2-D data (10 is for
     * images); with 10 neither libgan nor PyTorch leaves the blur in this budget. */
    GT_OK(gan_hacks_set(h, GAN_HACK_GP_WEIGHT, 0.1));
    GT_OK(gan_hacks_set(h, GAN_HACK_D_STEPS, 5));
    gan_setup s;
    setup_create(&s, h, 1e-3f, 0.9f, 0); /* Gulrajani et al.: Adam beta1 0.5, beta2 0.9 */
    double early, late;
    train_watching(&s, 4000, 12, false, &early, &late);
    coverage c = measure(&s, false);
    print_message("Wasserstein estimate: first 10%% of steps %.4f, last 10%% %.4f\n", early,
                  late);
    assert_int_equal(c.modes, RING_MODES);
    assert_true(c.good > 0.5);
    assert_true(late < early); /* the critic's distance estimate falls as G improves */
    setup_destroy(&s);
    gan_hacks_destroy(h);
}

static void test_ring_conditional_draws_the_asked_mode(void **state)
{
    (void)state;
    gan_setup s;
    setup_create(&s, NULL, 5e-4f, 0.999f, RING_MODES);
    train(&s, 3000, 13, true);
    coverage c = measure(&s, true);
    assert_int_equal(c.modes, RING_MODES);
    assert_true(c.on_request > 0.8);
    setup_destroy(&s);
}

static void params_of(gan_model_t *m, float **p, size_t *n)
{
    GT_OK(gan_model_get_params(m, p, n));
}

static void test_same_seed_bit_identical(void **state)
{
    (void)state;
    gan_hacks_t *h;
    GT_OK(gan_hacks_create(&h));
    GT_OK(gan_hacks_set(h, GAN_HACK_FLIP_PROB, 0.1));
    GT_OK(gan_hacks_set(h, GAN_HACK_INSTANCE_NOISE, 0.1));
    GT_OK(gan_hacks_set(h, GAN_HACK_REPLAY_SIZE, 256));
    GT_OK(gan_hacks_set(h, GAN_HACK_EMA_DECAY, 0.9));
    gan_setup a, b;
    setup_create(&a, h, 1e-3f, 0.999f, 0);
    setup_create(&b, h, 1e-3f, 0.999f, 0);
    train(&a, 20, 5, false);
    train(&b, 20, 5, false);
    float *pa, *pb;
    size_t na, nb;
    params_of(a.g, &pa, &na);
    params_of(b.g, &pb, &nb);
    assert_memory_equal(pa, pb, na * sizeof *pa);
    params_of(a.d, &pa, &na);
    params_of(b.d, &pb, &nb);
    assert_memory_equal(pa, pb, na * sizeof *pa);
    /* A different trainer seed gives a different run. */
    GT_OK(gan_hacks_set(h, GAN_HACK_SEED, 43));
    gan_setup c;
    setup_create(&c, h, 1e-3f, 0.999f, 0);
    train(&c, 20, 5, false);
    float *pc;
    size_t nc;
    params_of(c.g, &pc, &nc);
    params_of(a.g, &pa, &na);
    assert_memory_not_equal(pa, pc, na * sizeof *pa);
    setup_destroy(&a);
    setup_destroy(&b);
    setup_destroy(&c);
    gan_hacks_destroy(h);
}

static void test_divergence_keeps_last_good_parameters(void **state)
{
    (void)state;
    gan_setup s;
    setup_create(&s, NULL, 1e-3f, 0.999f, 0);
    train(&s, 5, 3, false);
    float *g, *d;
    size_t ng, nd;
    params_of(s.g, &g, &ng);
    params_of(s.d, &d, &nd);
    float *g_before = malloc(ng * sizeof *g), *d_before = malloc(nd * sizeof *d);
    memcpy(g_before, g, ng * sizeof *g);
    d[nd - 1] = NAN; /* D's output bias: every score becomes NaN */
    memcpy(d_before, d, nd * sizeof *d);
    gt_rng r;
    gt_seed(&r, 4);
    float x[2 * BATCH];
    ring_batch(&r, x, NULL);
    gan_step_stats_t stats = {.struct_size = sizeof stats};
    GT_FAILS(gan_trainer_step(s.trainer, x, NULL, BATCH, &stats), GAN_E_NUMERIC, "nan");
    assert_memory_equal(g, g_before, ng * sizeof *g);
    for (size_t i = 0; i + 1 < nd; i++)
        assert_true(d[i] == d_before[i]);
    assert_int_equal(stats.d_updates, 0); /* stats are left alone by a failed step */
    free(g_before);
    free(d_before);
    setup_destroy(&s);
}

static void test_every_hack_at_once(void **state)
{
    (void)state;
    gan_hacks_t *h;
    GT_OK(gan_hacks_create(&h));
    GT_OK(gan_hacks_set_labels(h, true, 0.7f, 1.2f));
    GT_OK(gan_hacks_set_labels(h, false, 0.0f, 0.3f));
    GT_OK(gan_hacks_set(h, GAN_HACK_FLIP_PROB, 0.05));
    GT_OK(gan_hacks_set(h, GAN_HACK_INSTANCE_NOISE, 0.2));
    GT_OK(gan_hacks_set(h, GAN_HACK_INSTANCE_NOISE_STEPS, 10));
    GT_OK(gan_hacks_set(h, GAN_HACK_SEPARATE_BATCHES, 0));
    GT_OK(gan_hacks_set(h, GAN_HACK_D_STEPS, 2));
    GT_OK(gan_hacks_set(h, GAN_HACK_G_STEPS, 2));
    GT_OK(gan_hacks_set(h, GAN_HACK_REPLAY_SIZE, 128));
    GT_OK(gan_hacks_set(h, GAN_HACK_FEATURE_MATCHING_LAYER, 3));
    GT_OK(gan_hacks_set(h, GAN_HACK_EMA_DECAY, 0.99));
    GT_OK(gan_hacks_set(h, GAN_HACK_LATENT, GAN_LATENT_UNIFORM));
    GT_OK(gan_hacks_set(h, GAN_HACK_CLIP, 0.5));
    gan_setup s;
    setup_create(&s, h, 1e-3f, 0.999f, 0);
    int32_t batch;
    GT_OK(gan_model_get_batch_size(s.d, &batch));
    assert_int_equal(batch, 2 * BATCH); /* combined batches */
    gt_rng r;
    gt_seed(&r, 6);
    float x[2 * BATCH];
    gan_step_stats_t st = {.struct_size = sizeof st};
    for (int i = 1; i <= 12; i++) {
        ring_batch(&r, x, NULL);
        GT_OK(gan_trainer_step(s.trainer, x, NULL, BATCH, &st));
        assert_int_equal(st.d_updates, i);
        assert_int_equal(st.g_updated, i % 2 == 0);
        assert_int_equal(st.g_updates, 2 * (i / 2));
        assert_true(isfinite(st.d_loss) && isfinite(st.g_loss) && st.d_grad_norm > 0);
        assert_true(st.d_acc_real >= 0 && st.d_acc_real <= 1 && st.fake_spread > 0);
    }
    float *d;
    size_t nd;
    params_of(s.d, &d, &nd);
    for (size_t i = 0; i < nd; i++)
        assert_true(fabsf(d[i]) <= 0.5f);
    /* EMA and raw generator differ after training; sampling restores G's weights. */
    float *g;
    size_t ng;
    params_of(s.g, &g, &ng);
    float *g_before = malloc(ng * sizeof *g);
    memcpy(g_before, g, ng * sizeof *g);
    float z[4 * LATENT], raw[8], ema[8];
    GT_OK(gan_trainer_sample_latent(s.trainer, 4, z));
    GT_OK(gan_trainer_generate(s.trainer, z, NULL, 4, false, raw));
    GT_OK(gan_trainer_generate(s.trainer, z, NULL, 4, true, ema));
    assert_memory_not_equal(raw, ema, sizeof raw);
    assert_memory_equal(g, g_before, ng * sizeof *g);
    bool training;
    GT_OK(gan_model_get_training(s.g, &training));
    assert_true(training);
    free(g_before);
    setup_destroy(&s);
    gan_hacks_destroy(h);
}

/* A caller's choices survive a step: a frozen discriminator stays frozen (even under the
 * gradient penalty, whose passes toggle it) and the models' modes are restored. */
static void test_step_respects_frozen_and_modes(void **state)
{
    (void)state;
    gan_hacks_t *h;
    GT_OK(gan_hacks_create(&h));
    GT_OK(gan_hacks_set(h, GAN_HACK_LOSS, GAN_LOSS_WASSERSTEIN));
    GT_OK(gan_hacks_set(h, GAN_HACK_GP_WEIGHT, 10));
    gan_setup s;
    setup_create(&s, h, 1e-3f, 0.9f, 0);
    GT_OK(gan_model_set_trainable(s.d, false));
    GT_OK(gan_model_set_training(s.g, false));
    float *d;
    size_t nd;
    params_of(s.d, &d, &nd);
    float *d_before = malloc(nd * sizeof *d);
    memcpy(d_before, d, nd * sizeof *d);
    gt_rng r;
    gt_seed(&r, 9);
    float x[2 * BATCH];
    ring_batch(&r, x, NULL);
    gan_step_stats_t st = {.struct_size = sizeof st};
    GT_OK(gan_trainer_step(s.trainer, x, NULL, BATCH, &st));
    assert_true(st.d_grad_norm == 0.0);
    assert_memory_equal(d, d_before, nd * sizeof *d);
    bool flag;
    GT_OK(gan_model_get_trainable(s.d, &flag));
    assert_false(flag);
    GT_OK(gan_model_get_training(s.g, &flag));
    assert_false(flag);
    free(d_before);
    setup_destroy(&s);
    gan_hacks_destroy(h);
}

/* G's forward passes in one step, counted through its first layer's profile. */
static double g_forward_flops_per_step(double fresh_latent, int32_t g_steps)
{
    gan_hacks_t *h;
    GT_OK(gan_hacks_create(&h));
    GT_OK(gan_hacks_set(h, GAN_HACK_FRESH_G_LATENT, fresh_latent));
    GT_OK(gan_hacks_set(h, GAN_HACK_G_STEPS, g_steps));
    gan_setup s;
    setup_create(&s, h, 1e-3f, 0.9f, 0);
    gt_rng r;
    gt_seed(&r, 3);
    float x[2 * BATCH];
    ring_batch(&r, x, NULL);
    GT_OK(gan_model_set_profiling(s.g, 1));
    GT_OK(gan_trainer_step(s.trainer, x, NULL, BATCH, NULL));
    double flops;
    GT_OK(gan_model_get_layer_profile(s.g, 0, NULL, NULL, &flops, NULL));
    setup_destroy(&s);
    gan_hacks_destroy(h);
    return flops;
}

static void test_g_update_reuses_the_fakes_unless_told(void **state)
{
    (void)state;
    const double one = 2.0 * BATCH * LATENT * 128; /* G's first Dense, one forward */
    assert_true(g_forward_flops_per_step(0, 1) == one);
    assert_true(g_forward_flops_per_step(1, 1) == 2 * one);
    assert_true(g_forward_flops_per_step(0, 3) == 3 * one); /* later G steps: fresh z */
    assert_true(g_forward_flops_per_step(1, 3) == 4 * one);
}

static void test_stats_and_warnings(void **state)
{
    (void)state;
    gan_setup s;
    setup_create(&s, NULL, 1e-3f, 0.999f, 0);
    gt_rng r;
    gt_seed(&r, 8);
    float x[2 * BATCH];
    ring_batch(&r, x, NULL);
    /* A generator whose output layer ignores its input: every fake is the same point. */
    size_t offset, count;
    float *g;
    size_t ng;
    params_of(s.g, &g, &ng);
    GT_OK(gan_model_get_layer_params(s.g, -1, &offset, &count));
    memset(g + offset, 0, (count - 2) * sizeof *g); /* the weights, not the bias */
    /* An older, shorter stats struct gets only its own fields. */
    struct {
        size_t struct_size;
        double d_loss;
    } old = {sizeof old, -1};
    GT_OK(gan_trainer_step(s.trainer, x, NULL, BATCH, (gan_step_stats_t *)&old));
    assert_true(old.d_loss > 0 && old.struct_size == sizeof old);
    gan_step_stats_t st = {.struct_size = sizeof st};
    GT_OK(gan_trainer_step(s.trainer, x, NULL, BATCH, &st));
    assert_true(st.fake_spread < 0.1);
    assert_true(st.warnings & GAN_WARN_COLLAPSE);
    assert_float_equal(st.d_loss, st.d_loss_real + st.d_loss_fake, 1e-12);
    assert_true(st.d_real > 0 && st.d_real < 1 && st.d_fake > 0 && st.d_fake < 1);
    st.struct_size = 1;
    GT_FAILS(gan_trainer_step(s.trainer, x, NULL, BATCH, &st), GAN_E_INVALID_ARG,
             "struct_size");
    setup_destroy(&s);
}

static void test_errors(void **state)
{
    (void)state;
    gan_setup s;
    setup_create(&s, NULL, 1e-3f, 0.999f, 0);
    gan_trainer_t *t = NULL;
    GT_FAILS(gan_trainer_create(&t, s.g, s.d, s.d_opt, s.g_opt, NULL), GAN_E_INVALID_ARG,
             "another model");
    GT_FAILS(gan_trainer_create(&t, s.g, s.g, s.g_opt, s.g_opt, NULL), GAN_E_INVALID_ARG,
             "same model");
    GT_FAILS(gan_trainer_create(&t, s.d, s.g, s.d_opt, s.g_opt, NULL), GAN_E_SHAPE,
             "takes (2)");
    GT_FAILS(gan_trainer_create(NULL, s.g, s.d, s.g_opt, s.d_opt, NULL), GAN_E_INVALID_ARG,
             "out");
    gan_hacks_t *h;
    GT_OK(gan_hacks_create(&h));
    GT_OK(gan_hacks_set(h, GAN_HACK_FEATURE_MATCHING_LAYER, 9));
    GT_FAILS(gan_trainer_create(&t, s.g, s.d, s.g_opt, s.d_opt, h), GAN_E_INVALID_ARG,
             "feature-matching layer 9");
    GT_OK(gan_hacks_set(h, GAN_HACK_FEATURE_MATCHING_LAYER, -1));
    GT_OK(gan_hacks_set(h, GAN_HACK_GP_WEIGHT, 10));
    GT_OK(gan_hacks_set(h, GAN_HACK_SEPARATE_BATCHES, 0));
    GT_FAILS(gan_trainer_create(&t, s.g, s.d, s.g_opt, s.d_opt, h), GAN_E_INVALID_ARG,
             "separate");
    gan_hacks_destroy(h);

    float x[2 * BATCH] = {0}, z[LATENT] = {0}, img[2];
    GT_FAILS(gan_trainer_step(s.trainer, x, NULL, 32, NULL), GAN_E_BATCH_SIZE, "batches of 128");
    GT_FAILS(gan_trainer_step(s.trainer, NULL, NULL, BATCH, NULL), GAN_E_INVALID_ARG, "real");
    GT_FAILS(gan_trainer_generate(s.trainer, z, NULL, 1, true, img), GAN_E_STATE, "EMA");
    GT_FAILS(gan_trainer_generate(s.trainer, z, NULL, 0, false, img), GAN_E_OUT_OF_RANGE,
             "n 0");
    GT_FAILS(gan_trainer_sample_latent(s.trainer, 0, z), GAN_E_OUT_OF_RANGE, "n 0");
    int32_t dim;
    GT_OK(gan_trainer_get_latent_dim(s.trainer, &dim));
    assert_int_equal(dim, LATENT);
    gan_trainer_destroy(NULL);
    setup_destroy(&s);

    gan_setup c;
    setup_create(&c, NULL, 1e-3f, 0.999f, RING_MODES);
    GT_FAILS(gan_trainer_step(c.trainer, x, NULL, BATCH, NULL), GAN_E_INVALID_ARG, "labels");
    int32_t labels[BATCH] = {0};
    labels[3] = RING_MODES;
    GT_FAILS(gan_trainer_step(c.trainer, x, labels, BATCH, NULL), GAN_E_OUT_OF_RANGE,
             "label 8 of sample 3");
    GT_FAILS(gan_trainer_generate(c.trainer, z, NULL, 1, false, img), GAN_E_INVALID_ARG,
             "labels");
    setup_destroy(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_default_hacks_covers_all_modes),
        cmocka_unit_test(test_ring_wgan_gp_covers_all_modes),
        cmocka_unit_test(test_ring_conditional_draws_the_asked_mode),
        cmocka_unit_test(test_same_seed_bit_identical),
        cmocka_unit_test(test_divergence_keeps_last_good_parameters),
        cmocka_unit_test(test_every_hack_at_once),
        cmocka_unit_test(test_step_respects_frozen_and_modes),
        cmocka_unit_test(test_g_update_reuses_the_fakes_unless_told),
        cmocka_unit_test(test_stats_and_warnings),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
