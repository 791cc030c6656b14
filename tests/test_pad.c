/* Pad2D: zero, reflection and replication padding against PyTorch's conventions, the
 * backward's scatter-add, and the error paths. */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

/* A model of one pad layer over (C,H,W) built for @p batch. */
static gan_model_t *pad_model(int32_t c, int32_t h, int32_t w, int32_t batch, int32_t mode,
                              int32_t top, int32_t bottom, int32_t left, int32_t right)
{
    const int32_t dims[3] = {c, h, w};
    gan_model_t *m = gt_model(dims, 3);
    gan_layer_t *l;
    gt_add(m, gan_layer_pad2d_create(&l, mode, top, bottom, left, right), l);
    GT_OK(gan_model_build(m, batch));
    return m;
}

static void expect_floats(const float *got, const float *want, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i])
            fail_msg("%s[%zu] is %g, want %g", what, i, (double)got[i], (double)want[i]);
}

static void expect_shape(const gan_model_t *m, int32_t c, int32_t h, int32_t w)
{
    int32_t dims[4], ndim;
    GT_OK(gan_model_get_output_shape(m, -1, dims, &ndim));
    assert_int_equal(ndim, 3);
    assert_int_equal(dims[0], c);
    assert_int_equal(dims[1], h);
    assert_int_equal(dims[2], w);
}

static void test_reflect_row(void **state)
{
    (void)state;
    /* nn.ReflectionPad2d((2, 2, 0, 0)) of [1 2 3 4]: the edge is not repeated. Two
     * samples of two channels, so planes must not mix. */
    gan_model_t *m = pad_model(2, 1, 4, 2, GAN_PAD_REFLECT, 0, 0, 2, 2);
    expect_shape(m, 2, 1, 8);
    const float x[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    const float want[32] = {3, 2, 1, 2, 3, 4, 3, 2,         7, 6, 5, 6, 7, 8, 7, 6,
                            11, 10, 9, 10, 11, 12, 11, 10, 15, 14, 13, 14, 15, 16, 15, 14};
    const float *y;
    GT_OK(gan_model_forward(m, x, NULL, 2, &y));
    expect_floats(y, want, 32, "y");

    /* Sources of the 8 outputs are x[2 1 0 1 2 3 2 1]: dy = 1..8 sums to
     * dx = [3, 2+4+8, 1+5+7, 6]. */
    float dy[32];
    for (int i = 0; i < 32; i++)
        dy[i] = (float)(i % 8 + 1) * (float)(1 + i / 8);
    const float want_dx[16] = {3, 14, 13, 6, 6, 28, 26, 12, 9, 42, 39, 18, 12, 56, 52, 24};
    const float *dx;
    GT_OK(gan_model_backward(m, dy, &dx));
    expect_floats(dx, want_dx, 16, "dx");
    gan_model_destroy(m);
}

static void test_reflect_image(void **state)
{
    (void)state;
    /* nn.ReflectionPad2d(1) of [[1 2 3] [4 5 6] [7 8 9]]. */
    gan_model_t *m = pad_model(1, 3, 3, 1, GAN_PAD_REFLECT, 1, 1, 1, 1);
    expect_shape(m, 1, 5, 5);
    const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const float want[25] = {5, 4, 5, 6, 5, 2, 1, 2, 3, 2, 5, 4, 5, 6,
                            5, 8, 7, 8, 9, 8, 5, 4, 5, 6, 5};
    const float *y;
    GT_OK(gan_model_forward(m, x, NULL, 1, &y));
    expect_floats(y, want, 25, "y");
    /* dy = 1: each pixel gets the count of its copies. Columns (and rows) come from
     * [1 0 1 2 1], so the middle one is used 3 times, the outer ones once. */
    float ones[25];
    for (int i = 0; i < 25; i++)
        ones[i] = 1.0f;
    const float counts[9] = {1, 3, 1, 3, 9, 3, 1, 3, 1};
    const float *dx;
    GT_OK(gan_model_backward(m, ones, &dx));
    expect_floats(dx, counts, 9, "dx");
    gan_model_destroy(m);

    /* Asymmetric: top 2, bottom 0, left 0, right 1 of [[1 2] [3 4] [5 6]]. */
    m = pad_model(1, 3, 2, 1, GAN_PAD_REFLECT, 2, 0, 0, 1);
    expect_shape(m, 1, 5, 3);
    const float x2[6] = {1, 2, 3, 4, 5, 6};
    const float want2[15] = {5, 6, 5, 3, 4, 3, 1, 2, 1, 3, 4, 3, 5, 6, 5};
    GT_OK(gan_model_forward(m, x2, NULL, 1, &y));
    expect_floats(y, want2, 15, "y");
    gan_model_destroy(m);
}

static void test_replicate(void **state)
{
    (void)state;
    /* nn.ReplicationPad2d((2, 2, 0, 0)) of [1 2 3], and pads wider than the image. */
    gan_model_t *m = pad_model(1, 1, 3, 1, GAN_PAD_REPLICATE, 0, 0, 2, 2);
    const float x[3] = {1, 2, 3};
    const float want[7] = {1, 1, 1, 2, 3, 3, 3};
    const float *y, *dx;
    GT_OK(gan_model_forward(m, x, NULL, 1, &y));
    expect_floats(y, want, 7, "y");
    const float dy[7] = {1, 2, 3, 4, 5, 6, 7};
    const float want_dx[3] = {6, 4, 18};
    GT_OK(gan_model_backward(m, dy, &dx));
    expect_floats(dx, want_dx, 3, "dx");
    gan_model_destroy(m);

    /* top 1, right 1 of [[1 2] [3 4]]; then 3 rows below a 1-row image. */
    m = pad_model(1, 2, 2, 1, GAN_PAD_REPLICATE, 1, 0, 0, 1);
    const float x2[4] = {1, 2, 3, 4};
    const float want2[9] = {1, 2, 2, 1, 2, 2, 3, 4, 4};
    GT_OK(gan_model_forward(m, x2, NULL, 1, &y));
    expect_floats(y, want2, 9, "y");
    gan_model_destroy(m);
    m = pad_model(1, 1, 2, 1, GAN_PAD_REPLICATE, 0, 3, 0, 0);
    expect_shape(m, 1, 4, 2);
    const float want3[8] = {1, 2, 1, 2, 1, 2, 1, 2};
    GT_OK(gan_model_forward(m, x2, NULL, 1, &y));
    expect_floats(y, want3, 8, "y");
    gan_model_destroy(m);
}

static void test_zero(void **state)
{
    (void)state;
    /* nn.ZeroPad2d((0, 1, 1, 0)) (left, right, top, bottom) of [[1 2] [3 4]]. */
    gan_model_t *m = pad_model(1, 2, 2, 1, GAN_PAD_ZERO, 1, 0, 0, 1);
    const float x[4] = {1, 2, 3, 4};
    const float want[9] = {0, 0, 0, 1, 2, 0, 3, 4, 0};
    const float *y, *dx;
    GT_OK(gan_model_forward(m, x, NULL, 1, &y));
    expect_floats(y, want, 9, "y");
    const float dy[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const float want_dx[4] = {4, 5, 7, 8};
    GT_OK(gan_model_backward(m, dy, &dx));
    expect_floats(dx, want_dx, 4, "dx");
    /* No pads at all: the identity. */
    gan_model_destroy(m);
    m = pad_model(1, 2, 2, 1, GAN_PAD_REFLECT, 0, 0, 0, 0);
    GT_OK(gan_model_forward(m, x, NULL, 1, &y));
    expect_floats(y, x, 4, "y");
    gan_model_destroy(m);
}

/* The backward sums the gradients reaching a border pixel in the order of the output
 * pixels, rows then columns, bit for bit as one scalar loop does; values of mixed
 * magnitude make another order show. Wide images exercise the vectorised interior. The
 * forward pass of pixel numbers (1 up; 0 is a zero pad's) says where each output reads. */
static void test_backward_order(void **state)
{
    (void)state;
    const struct {
        int32_t mode, top, bottom, left, right, h, w;
    } cases[] = {
        {GAN_PAD_REFLECT, 3, 3, 3, 3, 28, 28},     {GAN_PAD_REFLECT, 1, 1, 1, 1, 7, 7},
        {GAN_PAD_REFLECT, 2, 0, 4, 1, 5, 37},      {GAN_PAD_REPLICATE, 5, 2, 9, 6, 3, 19},
        {GAN_PAD_REPLICATE, 0, 4, 33, 17, 4, 2},   {GAN_PAD_ZERO, 2, 1, 3, 5, 6, 41},
    };
    gt_rng rng;
    gt_seed(&rng, 17);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const int32_t c = 3, batch = 2, h = cases[k].h, w = cases[k].w;
        const int oh = h + cases[k].top + cases[k].bottom;
        const int ow = w + cases[k].left + cases[k].right;
        gan_model_t *m = pad_model(c, h, w, batch, cases[k].mode, cases[k].top,
                                   cases[k].bottom, cases[k].left, cases[k].right);
        const size_t planes = (size_t)c * batch, n_in = planes * h * w,
                     n_out = planes * oh * ow;
        float *x = malloc(n_in * sizeof *x), *dy = malloc(n_out * sizeof *dy);
        float *want = calloc(n_in, sizeof *want);
        assert_non_null(x);
        assert_non_null(dy);
        assert_non_null(want);
        for (size_t i = 0; i < n_in; i++)
            x[i] = (float)(i + 1);
        const float *y, *dx;
        GT_OK(gan_model_forward(m, x, NULL, batch, &y));
        for (size_t i = 0; i < n_out; i++) {
            dy[i] = (float)((gt_uniform(&rng) - 0.5) * (i % 3 == 0 ? 1e7 : 1e-3));
            if (y[i] != 0.0f)
                want[(size_t)y[i] - 1] += dy[i];
        }
        GT_OK(gan_model_backward(m, dy, &dx));
        assert_memory_equal(dx, want, n_in * sizeof *dx);
        free(want);
        free(dy);
        free(x);
        gan_model_destroy(m);
    }
}

static void test_create_rejects_bad_arguments(void **state)
{
    (void)state;
    gan_layer_t *l = NULL;
    GT_FAILS(gan_layer_pad2d_create(NULL, GAN_PAD_ZERO, 1, 1, 1, 1), GAN_E_INVALID_ARG, "out");
    GT_FAILS(gan_layer_pad2d_create(&l, 3, 1, 1, 1, 1), GAN_E_OUT_OF_RANGE, "mode 3");
    GT_FAILS(gan_layer_pad2d_create(&l, -1, 1, 1, 1, 1), GAN_E_OUT_OF_RANGE, "mode -1");
    GT_FAILS(gan_layer_pad2d_create(&l, GAN_PAD_ZERO, -1, 0, 0, 0), GAN_E_OUT_OF_RANGE,
             "top -1");
    GT_FAILS(gan_layer_pad2d_create(&l, GAN_PAD_REFLECT, 0, -2, 0, 0), GAN_E_OUT_OF_RANGE,
             "bottom -2");
    GT_FAILS(gan_layer_pad2d_create(&l, GAN_PAD_REPLICATE, 0, 0, -3, 0), GAN_E_OUT_OF_RANGE,
             "left -3");
    GT_FAILS(gan_layer_pad2d_create(&l, GAN_PAD_ZERO, 0, 0, 0, 65537), GAN_E_OUT_OF_RANGE,
             "right 65537");
    assert_null(l);
    GT_OK(gan_layer_pad2d_create(&l, GAN_PAD_ZERO, 65536, 0, 0, 0));
    assert_string_equal(gan_layer_get_kind(l), "pad2d");
    GT_FAILS(gan_layer_set_init(l, GAN_PARAM_WEIGHT, GAN_INIT_ZEROS, 0, 0),
             GAN_E_INVALID_ARG, "no weight");
    gan_layer_destroy(l);
}

static void test_add_checks_shapes(void **state)
{
    (void)state;
    const int32_t flat[1] = {16}, image[3] = {2, 3, 4};
    gan_model_t *m = gt_model(flat, 1);
    gan_layer_t *l;
    GT_OK(gan_layer_pad2d_create(&l, GAN_PAD_ZERO, 1, 1, 1, 1));
    GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, "pad2d expects (C,H,W), got (16)");
    assert_non_null(strstr(gan_last_error(), "layer 0 'pad2d_0'"));
    gan_layer_destroy(l);
    gan_model_destroy(m);

    /* Reflection needs pads smaller than the image: 3 rows, 4 columns. */
    m = gt_model(image, 3);
    const int32_t bad[4][4] = {{3, 0, 0, 0}, {0, 3, 0, 0}, {0, 0, 4, 0}, {0, 0, 0, 5}};
    const char *needle[4] = {"height 3", "height 3", "width 4", "width 4"};
    for (int i = 0; i < 4; i++) {
        GT_OK(gan_layer_pad2d_create(&l, GAN_PAD_REFLECT, bad[i][0], bad[i][1], bad[i][2],
                                     bad[i][3]));
        GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, needle[i]);
        assert_non_null(strstr(gan_last_error(), "(2,3,4)"));
        gan_layer_destroy(l);
    }
    gt_add(m, gan_layer_pad2d_create(&l, GAN_PAD_REFLECT, 2, 2, 3, 3), l); /* 7x10 */
    gt_add(m, gan_layer_pad2d_create(&l, GAN_PAD_REPLICATE, 20, 0, 0, 30), l);
    gt_add(m, gan_layer_pad2d_create(&l, GAN_PAD_ZERO, 1, 0, 0, 0), l);
    expect_shape(m, 2, 28, 40);

    /* More than INT32_MAX elements per sample: rejected by the model. */
    GT_OK(gan_layer_pad2d_create(&l, GAN_PAD_ZERO, 65536, 65536, 65536, 65536));
    GT_FAILS(gan_model_add(m, l), GAN_E_OUT_OF_RANGE, "elements");
    gan_layer_destroy(l);

    char text[2048];
    GT_OK(gan_model_summary(m, text, sizeof text, NULL));
    assert_non_null(strstr(text, "reflect 2/2/3/3"));
    assert_non_null(strstr(text, "replicate 20/0/0/30"));
    assert_non_null(strstr(text, "zero 1/0/0/0"));
    gan_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reflect_row),
        cmocka_unit_test(test_reflect_image),
        cmocka_unit_test(test_replicate),
        cmocka_unit_test(test_zero),
        cmocka_unit_test(test_backward_order),
        cmocka_unit_test(test_create_rejects_bad_arguments),
        cmocka_unit_test(test_add_checks_shapes),
    };
    return cmocka_run_group_tests_name("pad", tests, NULL, NULL);
}
