/* InstanceNorm and GroupNorm: values against hand computation, options and error paths. */
#include "test_util.h"

#include <math.h>
#include <string.h>

static gan_layer_t *instancenorm(int32_t affine)
{
    gan_instancenorm_options_t o;
    GT_OK(gan_instancenorm_options_init(&o, sizeof o));
    o.affine = affine;
    gan_layer_t *l = NULL;
    GT_OK(gan_layer_instancenorm_create(&l, &o));
    return l;
}

static gan_layer_t *groupnorm(int32_t groups, int32_t affine)
{
    gan_groupnorm_options_t o;
    GT_OK(gan_groupnorm_options_init(&o, sizeof o));
    o.groups = groups;
    o.affine = affine;
    gan_layer_t *l = NULL;
    GT_OK(gan_layer_groupnorm_create(&l, &o));
    return l;
}

/* Two samples of (2,1,4); every (sample, channel) has its own statistics. */
static const float in_x[16] = {
    1, 2, 3, 4,     /* mean 2.5, biased variance 1.25 */
    2, 2, 2, 6,     /* mean 3, variance 3 */
    15, 25, 35, 45, /* mean 30, variance 125 */
    -1, -1, -1, -1, /* constant: variance 0, so the output is 0 */
};

static void expect_instance_values(const float *y, float g0, float b0, float g1, float b1)
{
    const double s0 = 1.0 / sqrt(1.25 + 1e-5), s1 = 1.0 / sqrt(3.0 + 1e-5);
    const double s2 = 1.0 / sqrt(125.0 + 1e-5);
    const double want[16] = {
        -1.5 * s0, -0.5 * s0, 0.5 * s0, 1.5 * s0,
        -1.0 * s1, -1.0 * s1, -1.0 * s1, 3.0 * s1,
        -15 * s2, -5 * s2, 5 * s2, 15 * s2,
        0, 0, 0, 0,
    };
    for (int i = 0; i < 16; i++) {
        const bool ch0 = (i / 4) % 2 == 0;
        const double w = (ch0 ? g0 : g1) * want[i] + (ch0 ? b0 : b1);
        if (fabs(y[i] - w) > 1e-5)
            fail_msg("y[%d] is %.7g, want %.7g", i, (double)y[i], w);
    }
}

static void test_instancenorm_values(void **state)
{
    (void)state;
    const int32_t dims[3] = {2, 1, 4};
    gan_model_t *m = gt_model(dims, 3);
    gan_layer_t *l = instancenorm(0);
    GT_OK(gan_model_add(m, l));
    assert_string_equal(gan_layer_get_kind(l), "instancenorm");
    GT_OK(gan_model_build(m, 2));
    size_t n;
    GT_OK(gan_model_get_param_count(m, &n));
    assert_int_equal(n, 0); /* affine is off by default */
    const float *y;
    GT_OK(gan_model_forward(m, in_x, NULL, 2, &y));
    expect_instance_values(y, 1, 0, 1, 0);

    /* No running statistics: inference mode gives the same values. */
    GT_OK(gan_model_set_training(m, false));
    GT_OK(gan_model_forward(m, in_x, NULL, 2, &y));
    expect_instance_values(y, 1, 0, 1, 0);

    /* Backward without affine is the projection that removes the mean and the part
     * along xhat: dy = xhat gives dx = 0 for each (sample, channel) of variance >> eps,
     * dy = 1 gives 0 everywhere. */
    float dy[16];
    for (int i = 0; i < 16; i++)
        dy[i] = 1.0f;
    const float *dx;
    GT_OK(gan_model_backward(m, dy, &dx));
    for (int i = 0; i < 16; i++)
        assert_float_equal(dx[i], 0.0, 1e-6);
    memcpy(dy, y, sizeof dy);
    GT_OK(gan_model_backward(m, dy, &dx));
    for (int i = 0; i < 12; i++)
        assert_float_equal(dx[i], 0.0, 1e-4);
    gan_model_destroy(m);
}

static void test_instancenorm_affine(void **state)
{
    (void)state;
    const int32_t dims[3] = {2, 1, 4};
    gan_model_t *m = gt_model(dims, 3);
    GT_OK(gan_model_add(m, instancenorm(1)));
    GT_OK(gan_model_build(m, 2));
    float *p;
    size_t n;
    GT_OK(gan_model_get_params(m, &p, &n));
    assert_int_equal(n, 4);
    /* gamma initialised to ones, beta to zeros */
    assert_true(p[0] == 1.0f && p[1] == 1.0f && p[2] == 0.0f && p[3] == 0.0f);
    p[0] = 2.0f;
    p[1] = -1.0f;
    p[2] = 0.5f;
    p[3] = 1.0f;
    const float *y;
    GT_OK(gan_model_forward(m, in_x, NULL, 2, &y));
    expect_instance_values(y, 2, 0.5f, -1, 1);

    /* dgamma = sum of dy * xhat, dbeta = sum of dy, over both samples. */
    float dy[16];
    for (int i = 0; i < 16; i++)
        dy[i] = (i / 4) % 2 == 0 ? 1.0f : (float)(i % 4);
    GT_OK(gan_model_zero_grad(m));
    GT_OK(gan_model_backward(m, dy, NULL));
    float *g;
    GT_OK(gan_model_get_grads(m, &g, &n));
    const double s1 = 1.0 / sqrt(3.0 + 1e-5);
    assert_float_equal(g[0], 0.0, 1e-5); /* dy = 1 against a zero-mean xhat */
    assert_float_equal(g[1], (-1.0 * 1 - 1.0 * 2 + 3.0 * 3) * s1, 1e-5);
    assert_float_equal(g[2], 8.0, 1e-6);
    assert_float_equal(g[3], 12.0, 1e-6);
    gan_model_destroy(m);
}

static void test_groupnorm_values(void **state)
{
    (void)state;
    /* (4,1,2), two groups of two channels: group 0 holds 1 2 3 4, group 1 0 0 0 8. */
    const int32_t dims[3] = {4, 1, 2};
    gan_model_t *m = gt_model(dims, 3);
    gan_layer_t *l = groupnorm(2, 0);
    GT_OK(gan_model_add(m, l));
    assert_string_equal(gan_layer_get_kind(l), "groupnorm");
    GT_OK(gan_model_build(m, 1));
    const float x[8] = {1, 2, 3, 4, 0, 0, 0, 8};
    const float *y;
    GT_OK(gan_model_forward(m, x, NULL, 1, &y));
    const double s0 = 1.0 / sqrt(1.25 + 1e-5), s1 = 1.0 / sqrt(12.0 + 1e-5);
    const double want[8] = {-1.5 * s0, -0.5 * s0, 0.5 * s0, 1.5 * s0,
                            -2 * s1,   -2 * s1,   -2 * s1,  6 * s1};
    for (int i = 0; i < 8; i++)
        assert_float_equal(y[i], want[i], 1e-5);
    gan_model_destroy(m);

    /* The defaults (opts NULL): one group, affine, so LayerNorm of a (F) vector with a
     * gamma and beta per feature. */
    const int32_t flat[1] = {4};
    m = gt_model(flat, 1);
    gan_layer_t *ln = NULL;
    GT_OK(gan_layer_groupnorm_create(&ln, NULL));
    GT_OK(gan_model_add(m, ln));
    GT_OK(gan_model_build(m, 2));
    size_t n;
    GT_OK(gan_model_get_param_count(m, &n));
    assert_int_equal(n, 8);
    const float v[8] = {1, 2, 3, 4, 0, 0, 0, 8};
    GT_OK(gan_model_forward(m, v, NULL, 2, &y));
    for (int i = 0; i < 4; i++) {
        assert_float_equal(y[i], want[i], 1e-5);
        assert_float_equal(y[4 + i], i < 3 ? -2 * s1 : 6 * s1, 1e-5);
    }
    gan_model_destroy(m);
}

/* GroupNorm with one group per channel is InstanceNorm, bit for bit. */
static void test_groupnorm_per_channel_is_instancenorm(void **state)
{
    (void)state;
    const int32_t dims[3] = {3, 4, 5};
    gan_model_t *a = gt_model(dims, 3), *b = gt_model(dims, 3);
    GT_OK(gan_model_add(a, instancenorm(1)));
    GT_OK(gan_model_add(b, groupnorm(3, 1)));
    GT_OK(gan_model_build(a, 2));
    GT_OK(gan_model_build(b, 2));
    float x[120];
    gt_rng r;
    gt_seed(&r, 5);
    gt_fill(&r, x, 120, -2.0f, 3.0f);
    const float *ya, *yb;
    GT_OK(gan_model_forward(a, x, NULL, 2, &ya));
    GT_OK(gan_model_forward(b, x, NULL, 2, &yb));
    assert_memory_equal(ya, yb, sizeof x);
    gan_model_destroy(a);
    gan_model_destroy(b);
}

static void test_options(void **state)
{
    (void)state;
    gan_instancenorm_options_t o;
    GT_FAILS(gan_instancenorm_options_init(NULL, sizeof o), GAN_E_INVALID_ARG, "opts");
    GT_FAILS(gan_instancenorm_options_init(&o, 2), GAN_E_INVALID_ARG, "struct_size 2");
    GT_OK(gan_instancenorm_options_init(&o, sizeof o));
    assert_int_equal(o.struct_size, sizeof o);
    assert_float_equal(o.epsilon, 1e-5, 1e-12);
    assert_int_equal(o.affine, 0);
    gan_groupnorm_options_t g;
    GT_FAILS(gan_groupnorm_options_init(NULL, sizeof g), GAN_E_INVALID_ARG, "opts");
    GT_FAILS(gan_groupnorm_options_init(&g, 3), GAN_E_INVALID_ARG, "struct_size 3");
    GT_OK(gan_groupnorm_options_init(&g, sizeof g));
    assert_int_equal(g.groups, 1);
    assert_int_equal(g.affine, 1);

    /* A newer caller's longer struct: accepted while its extra bytes are zero. */
    struct {
        gan_instancenorm_options_t known;
        int32_t newer;
    } big;
    GT_OK(gan_instancenorm_options_init(&big.known, sizeof big));
    gan_layer_t *l = NULL;
    GT_OK(gan_layer_instancenorm_create(&l, &big.known));
    gan_layer_destroy(l);
    l = NULL;
    big.newer = 1;
    GT_FAILS(gan_layer_instancenorm_create(&l, &big.known), GAN_E_INVALID_ARG,
             "does not know");
    assert_null(l);
    o.struct_size = 2;
    GT_FAILS(gan_layer_instancenorm_create(&l, &o), GAN_E_INVALID_ARG, "struct_size");
    g.struct_size = 2;
    GT_FAILS(gan_layer_groupnorm_create(&l, &g), GAN_E_INVALID_ARG, "struct_size");
    assert_null(l);
}

static void test_create_rejects_bad_arguments(void **state)
{
    (void)state;
    gan_layer_t *l = NULL;
    gan_instancenorm_options_t o;
    GT_OK(gan_instancenorm_options_init(&o, sizeof o));
    GT_FAILS(gan_layer_instancenorm_create(NULL, &o), GAN_E_INVALID_ARG, "out");
    GT_FAILS(gan_layer_instancenorm_create(NULL, NULL), GAN_E_INVALID_ARG,
             "gan_layer_instancenorm_create");
    o.epsilon = 0.0f;
    GT_FAILS(gan_layer_instancenorm_create(&l, &o), GAN_E_OUT_OF_RANGE, "epsilon 0");
    o.epsilon = NAN;
    GT_FAILS(gan_layer_instancenorm_create(&l, &o), GAN_E_OUT_OF_RANGE, "epsilon");
    o.epsilon = INFINITY;
    GT_FAILS(gan_layer_instancenorm_create(&l, &o), GAN_E_OUT_OF_RANGE, "epsilon");
    o.epsilon = 1e-3f;
    o.affine = 2;
    GT_FAILS(gan_layer_instancenorm_create(&l, &o), GAN_E_OUT_OF_RANGE, "affine 2");
    assert_null(l);

    gan_groupnorm_options_t g;
    GT_OK(gan_groupnorm_options_init(&g, sizeof g));
    GT_FAILS(gan_layer_groupnorm_create(NULL, &g), GAN_E_INVALID_ARG, "out");
    g.groups = 0;
    GT_FAILS(gan_layer_groupnorm_create(&l, &g), GAN_E_OUT_OF_RANGE, "groups 0");
    g.groups = 1;
    g.epsilon = -1.0f;
    GT_FAILS(gan_layer_groupnorm_create(&l, &g), GAN_E_OUT_OF_RANGE, "epsilon -1");
    g.epsilon = 1e-5f;
    g.affine = -1;
    GT_FAILS(gan_layer_groupnorm_create(&l, &g), GAN_E_OUT_OF_RANGE, "affine -1");
    assert_null(l);

    /* Without affine there is nothing to initialise or to normalise spectrally. */
    l = instancenorm(0);
    GT_FAILS(gan_layer_set_init(l, GAN_PARAM_WEIGHT, GAN_INIT_ZEROS, 0, 0),
             GAN_E_INVALID_ARG, "no weight");
    GT_FAILS(gan_layer_set_spectral_norm(l, true), GAN_E_INVALID_ARG, "instancenorm");
    gan_layer_destroy(l);
}

static void test_add_checks_shapes(void **state)
{
    (void)state;
    const int32_t flat[1] = {10}, unit[3] = {3, 1, 1}, image[3] = {4, 3, 3};

    gan_model_t *m = gt_model(flat, 1);
    gan_layer_t *l = instancenorm(0);
    GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, "instancenorm expects (C,H,W)");
    assert_non_null(strstr(gan_last_error(), "layer 0 'instancenorm_0'"));
    assert_non_null(strstr(gan_last_error(), "(10)"));
    gan_layer_destroy(l);
    gan_model_destroy(m);

    m = gt_model(unit, 3);
    l = instancenorm(1);
    GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, "groups of one value");
    assert_non_null(strstr(gan_last_error(), "(3,1,1)"));
    gan_layer_destroy(l);
    l = groupnorm(3, 1); /* 3 groups of 1 channel of 1 pixel */
    GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, "groupnorm");
    gan_layer_destroy(l);
    GT_OK(gan_model_add(m, groupnorm(1, 1))); /* one group of 3 values is fine */
    gan_model_destroy(m);

    m = gt_model(image, 3);
    l = groupnorm(3, 1);
    GT_OK(gan_layer_set_name(l, "gn"));
    GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, "3 groups do not divide the 4 channels");
    assert_non_null(strstr(gan_last_error(), "'gn'"));
    gan_layer_destroy(l);
    GT_OK(gan_model_add(m, groupnorm(4, 0)));
    GT_OK(gan_model_add(m, instancenorm(1)));

    /* The summary shows the settings. */
    char text[2048];
    GT_OK(gan_model_summary(m, text, sizeof text, NULL));
    assert_non_null(strstr(text, "groups=4 eps=1e-05"));
    assert_non_null(strstr(text, "eps=1e-05 affine"));
    gan_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_instancenorm_values),
        cmocka_unit_test(test_instancenorm_affine),
        cmocka_unit_test(test_groupnorm_values),
        cmocka_unit_test(test_groupnorm_per_channel_is_instancenorm),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_create_rejects_bad_arguments),
        cmocka_unit_test(test_add_checks_shapes),
    };
    return cmocka_run_group_tests_name("instancenorm", tests, NULL, NULL);
}
