/* Learning-rate schedules: hand values, their effect on optimizers, exact resume of a
 * scheduled trainer, and every error (public API). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_util.h"

/* 2e-4 for 3 updates, then 4 updates of decay: base * (4, 3, 2, 1) / 5. */
static const double hand_rates[7] = {2e-4, 2e-4, 2e-4, 1.6e-4, 1.2e-4, 0.8e-4, 0.4e-4};

static void test_rates_by_hand(void **state)
{
    (void)state;
    gan_lr_schedule_t *s;
    GT_OK(gan_lr_schedule_linear_create(&s, 2e-4, 3, 4));
    uint64_t length;
    GT_OK(gan_lr_schedule_get_length(s, &length));
    assert_int_equal(length, 7);
    for (uint64_t k = 0; k < 7; k++) {
        double lr;
        GT_OK(gan_lr_schedule_get_rate(s, k, &lr));
        assert_float_equal(lr, hand_rates[k], 1e-18);
    }
    double lr = -1;
    GT_FAILS(gan_lr_schedule_get_rate(s, 7, &lr), GAN_E_OUT_OF_RANGE, "past the schedule's end");
    assert_true(lr == -1); /* untouched */
    gan_lr_schedule_destroy(s);

    /* The CycleGAN reference: 100 epochs at 2e-4, 100 of decay (lambda_rule). */
    GT_OK(gan_lr_schedule_linear_create(&s, 2e-4, 100, 100));
    GT_OK(gan_lr_schedule_get_rate(s, 99, &lr));
    assert_true(lr == 2e-4);
    GT_OK(gan_lr_schedule_get_rate(s, 100, &lr));
    assert_float_equal(lr, 2e-4 * (1.0 - 1.0 / 101.0), 1e-18);
    GT_OK(gan_lr_schedule_get_rate(s, 199, &lr));
    assert_float_equal(lr, 2e-4 / 101.0, 1e-18);
    gan_lr_schedule_destroy(s);

    /* No decay: constant for its steps; a constant rate for ever. */
    GT_OK(gan_lr_schedule_linear_create(&s, 0.5, 2, 0));
    GT_OK(gan_lr_schedule_get_rate(s, 1, &lr));
    assert_true(lr == 0.5);
    GT_FAILS(gan_lr_schedule_get_rate(s, 2, &lr), GAN_E_OUT_OF_RANGE, "2 updates");
    gan_lr_schedule_destroy(s);
    GT_OK(gan_lr_schedule_linear_create(&s, 0.5, UINT64_MAX, 0));
    GT_OK(gan_lr_schedule_get_rate(s, UINT64_MAX - 1, &lr));
    assert_true(lr == 0.5);
    gan_lr_schedule_destroy(s);
    /* Only decay: the first update already decays. */
    GT_OK(gan_lr_schedule_linear_create(&s, 1.0, 0, 3));
    GT_OK(gan_lr_schedule_get_rate(s, 0, &lr));
    assert_true(lr == 0.75);
    gan_lr_schedule_destroy(s);
}

static gan_model_t *tiny_model(uint64_t seed)
{
    const int32_t dims[1] = {2};
    gan_model_t *m = gt_model_seeded(dims, 1, seed);
    gan_layer_t *l;
    gt_add(m, gan_layer_dense_create(&l, 1, true), l);
    GT_OK(gan_model_build(m, 1));
    return m;
}

/* apply sets each update's rate from the optimizer's own step count. */
static void test_apply_follows_the_step_count(void **state)
{
    (void)state;
    gan_model_t *m = tiny_model(1);
    gan_optimizer_t *adam, *sgd;
    GT_OK(gan_optimizer_adam_create(&adam, m, 1.0f, 0.5f, 0.999f, 1e-8f));
    GT_OK(gan_optimizer_sgd_create(&sgd, m, 1.0f, 0.0f, false));
    gan_lr_schedule_t *s;
    GT_OK(gan_lr_schedule_linear_create(&s, 2e-4, 3, 4));
    GT_OK(gan_model_zero_grad(m));
    for (int k = 0; k < 7; k++) {
        GT_OK(gan_lr_schedule_apply(s, adam));
        double lr;
        GT_OK(gan_optimizer_get(adam, GAN_OPT_LEARNING_RATE, &lr));
        assert_true(lr == (double)(float)hand_rates[k]);
        GT_OK(gan_optimizer_step(adam));
    }
    /* SGD has not stepped: its schedule starts at update 0 whatever Adam did. */
    GT_OK(gan_lr_schedule_apply(s, sgd));
    double lr;
    GT_OK(gan_optimizer_get(sgd, GAN_OPT_LEARNING_RATE, &lr));
    assert_true(lr == (double)(float)2e-4);
    /* Over: the rate stays the last one. */
    GT_FAILS(gan_lr_schedule_apply(s, adam), GAN_E_OUT_OF_RANGE, "schedule is over after 7");
    GT_OK(gan_optimizer_get(adam, GAN_OPT_LEARNING_RATE, &lr));
    assert_true(lr == (double)(float)0.4e-4);
    /* A reset restarts it. */
    GT_OK(gan_optimizer_reset(adam));
    GT_OK(gan_lr_schedule_apply(s, adam));
    GT_OK(gan_optimizer_get(adam, GAN_OPT_LEARNING_RATE, &lr));
    assert_true(lr == (double)(float)2e-4);
    gan_lr_schedule_destroy(s);
    /* A rate that rounds to 0 as a float is refused, and the old one kept. */
    GT_OK(gan_lr_schedule_linear_create(&s, 1.2e-45, 0, 1));
    GT_FAILS(gan_lr_schedule_apply(s, adam), GAN_E_OUT_OF_RANGE, "learning rate");
    GT_OK(gan_optimizer_get(adam, GAN_OPT_LEARNING_RATE, &lr));
    assert_true(lr == (double)(float)2e-4);
    gan_lr_schedule_destroy(s);
    gan_optimizer_destroy(adam);
    gan_optimizer_destroy(sgd);
    gan_model_destroy(m);
}

/* A pair trainer with both optimizers scheduled: 6 steps + save + a new trainer + load +
 * 4 steps ends bit for bit where 10 straight steps do. */
typedef struct rig {
    gan_model_t *g, *d;
    gan_optimizer_t *go, *dopt;
    gan_trainer_t *t;
} rig;

static rig make_rig(void)
{
    rig r;
    const int32_t z[1] = {2}, x[1] = {2};
    gan_layer_t *l;
    r.g = gt_model_seeded(z, 1, 7);
    gt_add(r.g, gan_layer_dense_create(&l, 8, true), l);
    gt_add(r.g, gan_layer_leaky_relu_create(&l, 0.2f), l);
    gt_add(r.g, gan_layer_dense_create(&l, 2, true), l);
    GT_OK(gan_model_build(r.g, 4));
    r.d = gt_model_seeded(x, 1, 8);
    gt_add(r.d, gan_layer_dense_create(&l, 8, true), l);
    gt_add(r.d, gan_layer_leaky_relu_create(&l, 0.2f), l);
    gt_add(r.d, gan_layer_dense_create(&l, 1, true), l);
    GT_OK(gan_model_build(r.d, 4));
    GT_OK(gan_optimizer_adam_create(&r.go, r.g, 1e-3f, 0.5f, 0.999f, 1e-8f));
    GT_OK(gan_optimizer_adam_create(&r.dopt, r.d, 1e-3f, 0.5f, 0.999f, 1e-8f));
    GT_OK(gan_trainer_create(&r.t, r.g, r.d, r.go, r.dopt, NULL));
    return r;
}

static void run(rig *r, const gan_lr_schedule_t *s, gt_rng *data, int steps)
{
    float real[8];
    for (int k = 0; k < steps; k++) {
        gt_ring_batch(data, real, NULL, 4);
        GT_OK(gan_lr_schedule_apply(s, r->go));
        GT_OK(gan_lr_schedule_apply(s, r->dopt));
        GT_OK(gan_trainer_step(r->t, real, NULL, 4, NULL));
    }
}

static void test_trainer_resume_is_exact(void **state)
{
    (void)state;
    gan_lr_schedule_t *s;
    GT_OK(gan_lr_schedule_linear_create(&s, 1e-3, 4, 6));
    gt_rng data;
    rig a = make_rig();
    gt_seed(&data, 5);
    run(&a, s, &data, 10);

    char path[] = "/tmp/gan_test_schedule_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    rig b = make_rig();
    gt_seed(&data, 5);
    run(&b, s, &data, 6);
    GT_OK(gan_trainer_save(b.t, path));
    gt_gan_destroy(b.t, b.go, b.dopt, b.g, b.d);
    rig c = make_rig();
    GT_OK(gan_trainer_load(c.t, path));
    run(&c, s, &data, 4);
    remove(path);

    gan_model_t *ma[2] = {a.g, a.d}, *mc[2] = {c.g, c.d};
    for (int i = 0; i < 2; i++) {
        float *pa, *pc;
        size_t na, nc;
        GT_OK(gan_model_get_params(ma[i], &pa, &na));
        GT_OK(gan_model_get_params(mc[i], &pc, &nc));
        assert_int_equal(na, nc);
        assert_memory_equal(pa, pc, na * sizeof *pa);
    }
    double la, lc;
    GT_OK(gan_optimizer_get(a.go, GAN_OPT_LEARNING_RATE, &la));
    GT_OK(gan_optimizer_get(c.go, GAN_OPT_LEARNING_RATE, &lc));
    assert_true(la == lc && la == (double)(float)(1e-3 / 7.0));
    gt_gan_destroy(a.t, a.go, a.dopt, a.g, a.d);
    gt_gan_destroy(c.t, c.go, c.dopt, c.g, c.d);
    gan_lr_schedule_destroy(s);
}

static void test_errors(void **state)
{
    (void)state;
    gan_lr_schedule_t *s = (gan_lr_schedule_t *)&s;
    GT_FAILS(gan_lr_schedule_linear_create(NULL, 1.0, 1, 1), GAN_E_INVALID_ARG, "out");
    GT_FAILS(gan_lr_schedule_linear_create(&s, 0.0, 1, 1), GAN_E_OUT_OF_RANGE, "base learning rate 0");
    assert_null(s);
    GT_FAILS(gan_lr_schedule_linear_create(&s, -1.0, 1, 1), GAN_E_OUT_OF_RANGE, "base learning rate -1");
    GT_FAILS(gan_lr_schedule_linear_create(&s, NAN, 1, 1), GAN_E_OUT_OF_RANGE, "nan");
    GT_FAILS(gan_lr_schedule_linear_create(&s, INFINITY, 1, 1), GAN_E_OUT_OF_RANGE, "inf");
    GT_FAILS(gan_lr_schedule_linear_create(&s, 1e39, 1, 1), GAN_E_OUT_OF_RANGE, "as a float");
    GT_FAILS(gan_lr_schedule_linear_create(&s, 1e-50, 1, 1), GAN_E_OUT_OF_RANGE, "as a float");
    GT_FAILS(gan_lr_schedule_linear_create(&s, 1.0, 0, 0), GAN_E_OUT_OF_RANGE, "no steps");
    GT_FAILS(gan_lr_schedule_linear_create(&s, 1.0, UINT64_MAX, 1), GAN_E_OUT_OF_RANGE, "overflow");
    GT_OK(gan_lr_schedule_linear_create(&s, 1.0, 1, 1));
    double lr;
    uint64_t n;
    GT_FAILS(gan_lr_schedule_get_rate(NULL, 0, &lr), GAN_E_INVALID_ARG, "schedule");
    GT_FAILS(gan_lr_schedule_get_rate(s, 0, NULL), GAN_E_INVALID_ARG, "lr");
    GT_FAILS(gan_lr_schedule_get_length(NULL, &n), GAN_E_INVALID_ARG, "schedule");
    GT_FAILS(gan_lr_schedule_get_length(s, NULL), GAN_E_INVALID_ARG, "steps");
    GT_FAILS(gan_lr_schedule_apply(s, NULL), GAN_E_INVALID_ARG, "opt");
    gan_model_t *m = tiny_model(2);
    gan_optimizer_t *o;
    GT_OK(gan_optimizer_sgd_create(&o, m, 0.1f, 0.0f, false));
    GT_FAILS(gan_lr_schedule_apply(NULL, o), GAN_E_INVALID_ARG, "schedule");
    gan_optimizer_destroy(o);
    gan_model_destroy(m);
    gan_lr_schedule_destroy(s);
    gan_lr_schedule_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rates_by_hand),
        cmocka_unit_test(test_apply_follows_the_step_count),
        cmocka_unit_test(test_trainer_resume_is_exact),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
