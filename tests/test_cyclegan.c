/* The CycleGAN trainer, white-box through the public API: its gradients against finite
 * differences of losses the test computes itself, translation, and every error. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cyclegan_rig.h"
#include "test_util.h"

enum { B = 2, IMG = 64 }; /* batch, floats per 1x8x8 image */

/* The test's own CycleGAN losses on the rig's current parameters. */
typedef struct loss_ctx {
    cg_rig *r;
    const float *a, *b;
    double cycle, identity;
} loss_ctx;

/* m(x) into out (B images of IMG floats, or B * 16 scores for a D). */
static void run(gan_model_t *m, const float *x, float *out, size_t floats)
{
    const float *y;
    GT_OK(gan_model_forward(m, x, NULL, B, &y));
    memcpy(out, y, floats * sizeof *y);
}

static double mean_sq(const float *x, size_t n, double target)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (x[i] - target) * (x[i] - target);
    return s / (double)n;
}

static double mean_abs(const float *x, const float *y, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += fabs((double)x[i] - y[i]);
    return s / (double)n;
}

/* The reference's loss_G: MSE(D_B(G(a)), 1) + MSE(D_A(F(b)), 1) + lambda (|F(G(a)) - a|
 * + |G(F(b)) - b|) + w_idt (|G(b) - b| + |F(a) - a|). */
static double generator_loss(void *p)
{
    loss_ctx *c = p;
    gan_model_t **m = c->r->m;
    float fb[B * IMG], fa[B * IMG], y[B * IMG], s[B * 16];
    const size_t n = B * IMG;
    run(m[0], c->a, fb, n);
    run(m[1], c->b, fa, n);
    run(m[3], fb, s, B * 16);
    double loss = mean_sq(s, B * 16, 1.0);
    run(m[2], fa, s, B * 16);
    loss += mean_sq(s, B * 16, 1.0);
    run(m[1], fb, y, n);
    loss += c->cycle * mean_abs(y, c->a, n);
    run(m[0], fa, y, n);
    loss += c->cycle * mean_abs(y, c->b, n);
    if (c->identity > 0) {
        run(m[0], c->b, y, n);
        loss += c->identity * mean_abs(y, c->b, n);
        run(m[1], c->a, y, n);
        loss += c->identity * mean_abs(y, c->a, n);
    }
    return loss;
}

/* The reference's D losses with no pool: 0.5 (MSE(D(real), 1) + MSE(D(fake), 0)) for
 * each discriminator, the fakes made by the generators as they are. */
static double discriminator_loss(void *p)
{
    loss_ctx *c = p;
    gan_model_t **m = c->r->m;
    float fb[B * IMG], fa[B * IMG], s[B * 16];
    run(m[0], c->a, fb, B * IMG);
    run(m[1], c->b, fa, B * IMG);
    double loss = 0;
    const float *real[2] = {c->a, c->b}, *fake[2] = {fa, fb};
    for (int d = 0; d < 2; d++) {
        run(m[2 + d], real[d], s, B * 16);
        loss += 0.5 * mean_sq(s, B * 16, 1.0);
        run(m[2 + d], fake[d], s, B * 16);
        loss += 0.5 * mean_sq(s, B * 16, 0.0);
    }
    return loss;
}

/* One step with SGD at rate 1 gives every gradient as before - after; with the
 * parameters put back, each is compared with finite differences of the test's loss. */
static void check_step_gradients(double cycle, double identity, const char *name)
{
    cg_rig r;
    cg_rig_models(&r, B, 1, 8, 8, 3);
    cg_rig_optimizers(&r, CG_SGD, 1.0f);
    gan_cyclegan_options_t o;
    GT_OK(gan_cyclegan_options_init(&o, sizeof o));
    o.cycle_weight = cycle;
    o.identity_weight = identity;
    o.pool_size = 0;
    GT_OK(gan_cyclegan_create(&r.t, r.m[0], r.m[1], r.m[2], r.m[3], r.o[0], r.o[1], r.o[2],
                              r.o[3], &o));
    /* Images away from 0, where the small generators' outputs stay: no L1 term crosses
     * its kink within the finite differences' steps. */
    float a[B * IMG], b[B * IMG];
    gt_rng rng;
    gt_seed(&rng, 9);
    gt_fill_away_from_zero(&rng, a, B * IMG, 0.8f, 1.0f);
    gt_fill_away_from_zero(&rng, b, B * IMG, 0.8f, 1.0f);
    loss_ctx c = {&r, a, b, cycle, identity};

    float *before[4], *params[4];
    size_t n[4];
    for (int i = 0; i < 4; i++) {
        GT_OK(gan_model_get_params(r.m[i], &params[i], &n[i]));
        before[i] = gt_copy_floats(params[i], n[i]);
    }
    const double g_loss = generator_loss(&c), d_loss = discriminator_loss(&c);
    gan_cyclegan_stats_t s = {.struct_size = sizeof s};
    GT_OK(gan_cyclegan_step(r.t, a, b, B, &s));
    assert_float_equal(s.g_loss, g_loss, 1e-5 * fabs(g_loss));
    assert_float_equal(s.d_a_loss + s.d_b_loss, d_loss, 1e-5 * fabs(d_loss));
    static const char *const what[4] = {"G", "F", "D_A", "D_B"};
    for (int i = 0; i < 4; i++) {
        float *grad = malloc(n[i] * sizeof *grad);
        assert_non_null(grad);
        for (size_t k = 0; k < n[i]; k++) {
            grad[k] = before[i][k] - params[i][k];
            params[i][k] = before[i][k];
        }
        free(before[i]);
        before[i] = grad;
    }
    for (int i = 0; i < 4; i++)
        gt_check_gradient(i < 2 ? generator_loss : discriminator_loss, &c, name, what[i],
                          before[i], params[i], n[i]);
    for (int i = 0; i < 4; i++)
        free(before[i]);
    cg_rig_free(&r);
}

static void test_gradients_cycle_and_identity(void **state)
{
    (void)state;
    check_step_gradients(10.0, 5.0, "cyclegan (cycle 10, identity 5)");
}

static void test_gradients_cycle_only(void **state)
{
    (void)state;
    check_step_gradients(10.0, 0.0, "cyclegan (cycle 10, identity off)");
}

static void test_gradients_identity_only(void **state)
{
    (void)state;
    check_step_gradients(0.0, 5.0, "cyclegan (cycle off, identity 5)");
}

/* Translation is each generator in inference mode, partial batches included. */
static void test_translate(void **state)
{
    (void)state;
    cg_rig r;
    cg_rig_make(&r, B, 1, 8, 8, 5, NULL);
    float in[3 * IMG], out[3 * IMG], want[B * IMG];
    gt_rng rng;
    gt_seed(&rng, 4);
    gt_fill(&rng, in, 3 * IMG, -1, 1);
    for (int dir = 0; dir < 2; dir++) {
        gan_model_t *m = r.m[dir == GAN_CYCLEGAN_A2B ? 0 : 1];
        GT_OK(gan_model_set_training(m, true));
        GT_OK(gan_cyclegan_translate(r.t, dir, in, 3, out));
        bool training;
        GT_OK(gan_model_get_training(m, &training));
        assert_true(training);
        GT_OK(gan_model_set_training(m, false));
        run(m, in, want, B * IMG);
        assert_memory_equal(out, want, sizeof want);
        float last[B * IMG] = {0};
        memcpy(last, in + 2 * IMG, IMG * sizeof *in);
        run(m, last, want, B * IMG);
        assert_memory_equal(out + 2 * IMG, want, IMG * sizeof *out);
    }
    GT_FAILS(gan_cyclegan_translate(r.t, 2, in, 3, out), GAN_E_INVALID_ARG, "direction 2");
    GT_FAILS(gan_cyclegan_translate(r.t, -1, in, 3, out), GAN_E_INVALID_ARG, "GAN_CYCLEGAN_A2B");
    GT_FAILS(gan_cyclegan_translate(r.t, 0, in, 0, out), GAN_E_OUT_OF_RANGE, "n 0");
    GT_FAILS(gan_cyclegan_translate(r.t, 0, NULL, 3, out), GAN_E_INVALID_ARG, "in");
    GT_FAILS(gan_cyclegan_translate(r.t, 0, in, 3, NULL), GAN_E_INVALID_ARG, "out");
    GT_FAILS(gan_cyclegan_translate(NULL, 0, in, 3, out), GAN_E_INVALID_ARG, "trainer");
    cg_rig_free(&r);
}

/* Try a create with the rig's networks in the given argument order. */
static gan_status create(cg_rig *r, const int mi[4], const int oi[4],
                         const gan_cyclegan_options_t *opts)
{
    gan_cyclegan_t *t = NULL;
    gan_status st = gan_cyclegan_create(&t, r->m[mi[0]], r->m[mi[1]], r->m[mi[2]],
                                        r->m[mi[3]], r->o[oi[0]], r->o[oi[1]], r->o[oi[2]],
                                        r->o[oi[3]], opts);
    if (st == GAN_OK)
        gan_cyclegan_destroy(t);
    else
        assert_null(t);
    return st;
}

static void test_create_errors(void **state)
{
    (void)state;
    static const int id[4] = {0, 1, 2, 3};
    cg_rig r;
    cg_rig_models(&r, B, 1, 8, 8, 1);
    cg_rig_optimizers(&r, CG_ADAM, 2e-4f);
    gan_cyclegan_t *t;
    GT_FAILS(gan_cyclegan_create(NULL, r.m[0], r.m[1], r.m[2], r.m[3], r.o[0], r.o[1], r.o[2],
                                 r.o[3], NULL), GAN_E_INVALID_ARG, "out");
    GT_FAILS(gan_cyclegan_create(&t, r.m[0], NULL, r.m[2], r.m[3], r.o[0], r.o[1], r.o[2],
                                 r.o[3], NULL), GAN_E_INVALID_ARG, "F (B to A) is NULL");
    GT_FAILS(gan_cyclegan_create(&t, r.m[0], r.m[1], r.m[2], r.m[3], r.o[0], r.o[1], NULL,
                                 r.o[3], NULL), GAN_E_INVALID_ARG, "d_a_opt is NULL");
    GT_FAILS(create(&r, (const int[4]){0, 0, 2, 3}, id, NULL), GAN_E_INVALID_ARG,
             "G (A to B) and F (B to A) are the same model");
    /* Optimizers of the wrong models. */
    GT_FAILS(create(&r, id, (const int[4]){1, 0, 2, 3}, NULL), GAN_E_INVALID_ARG,
             "the optimizer given for G (A to B)");
    GT_FAILS(create(&r, id, (const int[4]){0, 1, 3, 2}, NULL), GAN_E_INVALID_ARG,
             "the optimizer given for D_A");
    /* A discriminator in the place of a generator: its patch map is not domain B. */
    GT_FAILS(create(&r, (const int[4]){2, 1, 0, 3}, (const int[4]){2, 1, 0, 3}, NULL),
             GAN_E_SHAPE, "F's input is (1,8,8), but domain B images are (1,4,4)");
    /* Options. */
    gan_cyclegan_options_t o;
    GT_OK(gan_cyclegan_options_init(&o, sizeof o));
    assert_true(o.cycle_weight == 10 && o.identity_weight == 5 && o.pool_size == 50 &&
                o.seed == 42);
    o.cycle_weight = -1;
    GT_FAILS(create(&r, id, id, &o), GAN_E_OUT_OF_RANGE, "cycle_weight -1");
    o.cycle_weight = 10;
    o.identity_weight = NAN;
    GT_FAILS(create(&r, id, id, &o), GAN_E_OUT_OF_RANGE, "identity_weight nan");
    o.identity_weight = 5;
    o.pool_size = -1;
    GT_FAILS(create(&r, id, id, &o), GAN_E_OUT_OF_RANGE, "pool_size -1");
    GT_FAILS(gan_cyclegan_options_init(NULL, sizeof o), GAN_E_INVALID_ARG, "");
    GT_FAILS(gan_cyclegan_options_init(&o, 1), GAN_E_INVALID_ARG, "");
    GT_OK(create(&r, id, id, NULL));
    /* A pair of optimizers that are not one. */
    gan_optimizer_destroy(r.o[1]);
    GT_OK(gan_optimizer_sgd_create(&r.o[1], r.m[1], 2e-4f, 0.0f, false));
    GT_FAILS(create(&r, id, id, NULL), GAN_E_INVALID_ARG, "generators' optimizers differ in kind");
    gan_optimizer_destroy(r.o[1]);
    GT_OK(gan_optimizer_adam_create(&r.o[1], r.m[1], 2e-4f, 0.5f, 0.999f, 1e-8f));
    GT_OK(gan_optimizer_set(r.o[3], GAN_OPT_LEARNING_RATE, 1e-3));
    GT_FAILS(create(&r, id, id, NULL), GAN_E_INVALID_ARG, "discriminators' optimizers differ in setting 0");
    GT_OK(gan_optimizer_set(r.o[3], GAN_OPT_LEARNING_RATE, 2e-4));
    GT_OK(gan_optimizer_step(r.o[2]));
    GT_FAILS(create(&r, id, id, NULL), GAN_E_INVALID_ARG, "have made 1 and 0 updates");
    cg_rig_free(&r);

    /* A model not built; G and F of different batches. */
    const int32_t dims[3] = {1, 8, 8};
    cg_rig_models(&r, B, 1, 8, 8, 1);
    cg_rig_optimizers(&r, CG_ADAM, 2e-4f);
    gan_model_t *raw = gt_model(dims, 3);
    GT_FAILS(gan_cyclegan_create(&t, r.m[0], r.m[1], raw, r.m[3], r.o[0], r.o[1], r.o[2],
                                 r.o[3], NULL), GAN_E_STATE, "D_A 'test' is not built");
    gan_model_destroy(raw);
    GT_OK(gan_model_set_batch_size(r.m[1], 3));
    GT_FAILS(create(&r, id, id, NULL), GAN_E_BATCH_SIZE, "F 'test' of 3");
    cg_rig_free(&r);
}

/* Domains of different shapes: G makes 2-channel images of 1-channel ones. That needs
 * the models to agree, and identity off. */
static void test_domains_of_two_shapes(void **state)
{
    (void)state;
    const int32_t one[3] = {1, 8, 8}, two[3] = {2, 8, 8};
    cg_rig r, s;
    cg_rig_models(&r, B, 1, 8, 8, 1); /* A: (1,8,8) */
    cg_rig_models(&s, B, 2, 8, 8, 1); /* B: (2,8,8) */
    gan_layer_t *l;
    gan_model_t *g = gt_model(one, 3), *f = gt_model(two, 3);
    gt_add(g, gan_layer_conv2d_create(&l, 2, 3, 1, GAN_PADDING_SAME), l);
    gt_add(f, gan_layer_conv2d_create(&l, 1, 3, 1, GAN_PADDING_SAME), l);
    GT_OK(gan_model_build(g, B));
    GT_OK(gan_model_build(f, B));
    gan_model_t *m[4] = {g, f, r.m[2], s.m[3]};
    gan_optimizer_t *o[4];
    for (int i = 0; i < 4; i++)
        GT_OK(gan_optimizer_adam_create(&o[i], m[i], 2e-4f, 0.5f, 0.999f, 1e-8f));
    gan_cyclegan_t *t = NULL;
    GT_FAILS(gan_cyclegan_create(&t, g, f, r.m[2], s.m[3], o[0], o[1], o[2], o[3], NULL),
             GAN_E_SHAPE, "both domains need one shape, and A is (1,8,8), B is (2,8,8)");
    /* D_B judging domain A images. */
    gan_optimizer_t *wrong;
    GT_OK(gan_optimizer_adam_create(&wrong, r.m[3], 2e-4f, 0.5f, 0.999f, 1e-8f));
    GT_FAILS(gan_cyclegan_create(&t, g, f, r.m[2], r.m[3], o[0], o[1], o[2], wrong, NULL),
             GAN_E_SHAPE, "D_B's input is (1,8,8), but domain B images are (2,8,8)");
    gan_optimizer_destroy(wrong);
    gan_cyclegan_options_t opts;
    GT_OK(gan_cyclegan_options_init(&opts, sizeof opts));
    opts.identity_weight = 0;
    GT_OK(gan_cyclegan_create(&t, g, f, r.m[2], s.m[3], o[0], o[1], o[2], o[3], &opts));
    float a[B * 64], b[B * 128];
    gt_rng rng;
    gt_seed(&rng, 1);
    gt_fill(&rng, a, B * 64, -1, 1);
    gt_fill(&rng, b, B * 128, -1, 1);
    gan_cyclegan_stats_t st = {.struct_size = sizeof st};
    GT_OK(gan_cyclegan_step(t, a, b, B, &st));
    assert_true(st.identity_a == 0 && st.identity_b == 0 && st.cycle_a > 0 && st.cycle_b > 0);
    float out[B * 128];
    GT_OK(gan_cyclegan_translate(t, GAN_CYCLEGAN_A2B, a, B, out));
    gan_cyclegan_destroy(t);
    for (int i = 0; i < 4; i++)
        gan_optimizer_destroy(o[i]);
    gan_model_destroy(g);
    gan_model_destroy(f);
    cg_rig_free(&r);
    cg_rig_free(&s);
}

/* F maps domain B to (1,8,8) but G takes (2,8,8): F's output is not domain A. */
static void test_f_output_not_domain_a(void **state)
{
    (void)state;
    const int32_t two[3] = {2, 8, 8};
    cg_rig r;
    cg_rig_models(&r, B, 1, 8, 8, 1);
    gan_layer_t *l;
    gan_model_t *f = gt_model(two, 3);
    gt_add(f, gan_layer_conv2d_create(&l, 1, 3, 1, GAN_PADDING_SAME), l);
    GT_OK(gan_model_build(f, B));
    gan_optimizer_t *fo;
    cg_rig_optimizers(&r, CG_ADAM, 2e-4f);
    GT_OK(gan_optimizer_adam_create(&fo, f, 2e-4f, 0.5f, 0.999f, 1e-8f));
    gan_cyclegan_t *t = NULL;
    GT_FAILS(gan_cyclegan_create(&t, r.m[0], f, r.m[2], r.m[3], r.o[0], fo, r.o[2], r.o[3],
                                 NULL), GAN_E_SHAPE, "F's input is (2,8,8), but domain B "
             "images are (1,8,8)");
    gan_optimizer_destroy(fo);
    gan_model_destroy(f);
    cg_rig_free(&r);
}

static void test_step_errors(void **state)
{
    (void)state;
    cg_rig r;
    cg_rig_make(&r, B, 1, 8, 8, 2, NULL);
    float a[B * IMG], b[B * IMG];
    gt_rng rng;
    gt_seed(&rng, 2);
    gt_fill(&rng, a, B * IMG, -1, 1);
    gt_fill(&rng, b, B * IMG, -1, 1);
    gan_cyclegan_stats_t s = {.struct_size = 0};
    GT_FAILS(gan_cyclegan_step(NULL, a, b, B, NULL), GAN_E_INVALID_ARG, "trainer");
    GT_FAILS(gan_cyclegan_step(r.t, NULL, b, B, NULL), GAN_E_INVALID_ARG, "domain A batch");
    GT_FAILS(gan_cyclegan_step(r.t, a, NULL, B, NULL), GAN_E_INVALID_ARG, "domain B batch");
    GT_FAILS(gan_cyclegan_step(r.t, a, b, 0, NULL), GAN_E_BATCH_SIZE, "got 0");
    GT_FAILS(gan_cyclegan_step(r.t, a, b, 3, NULL), GAN_E_BATCH_SIZE, "batches of 2");
    GT_FAILS(gan_cyclegan_step(r.t, a, b, B, &s), GAN_E_INVALID_ARG, "struct_size");

    /* A NaN: nothing is updated. */
    float *p;
    size_t n;
    GT_OK(gan_model_get_params(r.m[0], &p, &n));
    float *keep = gt_copy_floats(p, n);
    a[5] = NAN;
    GT_FAILS(gan_cyclegan_step(r.t, a, b, B, NULL), GAN_E_NUMERIC, "nan");
    assert_memory_equal(keep, p, n * sizeof *p);
    uint64_t steps;
    GT_OK(gan_optimizer_get_step_count(r.o[1], &steps));
    assert_int_equal(steps, 0);
    a[5] = 0;

    /* A schedule that is over refuses the step and changes nothing. */
    gan_lr_schedule_t *sched;
    GT_OK(gan_lr_schedule_linear_create(&sched, 2e-3, 1, 1));
    GT_OK(gan_cyclegan_set_lr_schedule(r.t, sched, sched));
    gan_lr_schedule_destroy(sched); /* the trainer keeps a copy */
    gan_cyclegan_stats_t st = {.struct_size = sizeof st};
    GT_OK(gan_cyclegan_step(r.t, a, b, B, &st));
    assert_true(st.g_learning_rate == (double)2e-3f && st.steps == 1);
    GT_OK(gan_cyclegan_step(r.t, a, b, B, &st));
    assert_true(st.d_learning_rate == (double)1e-3f && st.steps == 2);
    memcpy(keep, p, n * sizeof *p);
    GT_FAILS(gan_cyclegan_step(r.t, a, b, B, &st), GAN_E_OUT_OF_RANGE,
             "generators' learning-rate schedule is over");
    assert_memory_equal(keep, p, n * sizeof *p);
    GT_OK(gan_cyclegan_set_lr_schedule(r.t, NULL, NULL));
    GT_OK(gan_cyclegan_step(r.t, a, b, B, &st));
    assert_true(st.g_learning_rate == (double)1e-3f && st.steps == 3);
    GT_FAILS(gan_cyclegan_set_lr_schedule(NULL, NULL, NULL), GAN_E_INVALID_ARG, "trainer");

    /* An old caller's shorter stats struct gets only its fields. */
    struct {
        gan_cyclegan_stats_t s;
        double guard;
    } small = {.guard = 7};
    small.s.struct_size = offsetof(gan_cyclegan_stats_t, cycle_a);
    small.s.cycle_a = -1;
    GT_OK(gan_cyclegan_step(r.t, a, b, B, &small.s));
    assert_true(small.s.cycle_a == -1 && small.s.g_loss > 0 && small.guard == 7);
    uint64_t pos;
    GT_OK(gan_cyclegan_set_data_position(r.t, 17));
    GT_OK(gan_cyclegan_get_data_position(r.t, &pos));
    assert_int_equal(pos, 17);
    GT_FAILS(gan_cyclegan_get_data_position(r.t, NULL), GAN_E_INVALID_ARG, "position");
    GT_FAILS(gan_cyclegan_set_data_position(NULL, 1), GAN_E_INVALID_ARG, "trainer");
    free(keep);
    cg_rig_free(&r);
    gan_cyclegan_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradients_cycle_and_identity),
        cmocka_unit_test(test_gradients_cycle_only),
        cmocka_unit_test(test_gradients_identity_only),
        cmocka_unit_test(test_translate),
        cmocka_unit_test(test_create_errors),
        cmocka_unit_test(test_domains_of_two_shapes),
        cmocka_unit_test(test_f_output_not_domain_a),
        cmocka_unit_test(test_step_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
