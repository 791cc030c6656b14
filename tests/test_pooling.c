/* Upsample, pooling and minibatch standard deviation layers: values by hand, ties, NaN,
 * shapes and every error path. Their gradients are checked in test_gradcheck.c. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A built model of one layer for the given input shape and batch. */
static gan_model_t *one_layer(const int32_t *dims, int32_t ndim, gan_status create_status,
                              gan_layer_t *const *layer, int32_t batch)
{
    gan_model_t *m = gt_model(dims, ndim);
    gt_add_layer(m, create_status, layer);
    GT_OK(gan_model_build(m, batch));
    return m;
}

static void expect_floats(const char *what, const float *got, const float *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(fabsf(got[i] - want[i]) <= 1e-6f * (1.0f + fabsf(want[i]))))
            fail_msg("%s[%zu] is %.9g, want %.9g", what, i, (double)got[i], (double)want[i]);
}

static void expect_shape(const gan_model_t *m, int32_t ndim, const int32_t *want)
{
    int32_t dims[4], got;
    GT_OK(gan_model_get_output_shape(m, -1, dims, &got));
    assert_int_equal(got, ndim);
    for (int32_t i = 0; i < ndim; i++)
        assert_int_equal(dims[i], want[i]);
}

static void test_create_rejects_bad_arguments(void **state)
{
    (void)state;
    gan_layer_t *l = NULL;
    GT_FAILS(gan_layer_upsample_create(NULL, 2), GAN_E_INVALID_ARG, "out");
    GT_FAILS(gan_layer_upsample_create(&l, 0), GAN_E_OUT_OF_RANGE, "factor 0");
    GT_FAILS(gan_layer_upsample_create(&l, -2), GAN_E_OUT_OF_RANGE, "factor -2");
    GT_FAILS(gan_layer_avgpool2d_create(NULL, 2, 2), GAN_E_INVALID_ARG, "out");
    GT_FAILS(gan_layer_avgpool2d_create(&l, 0, 2), GAN_E_OUT_OF_RANGE, "kernel 0");
    GT_FAILS(gan_layer_avgpool2d_create(&l, 2, -1), GAN_E_OUT_OF_RANGE, "stride -1");
    GT_FAILS(gan_layer_maxpool2d_create(NULL, 2, 2), GAN_E_INVALID_ARG, "out");
    GT_FAILS(gan_layer_maxpool2d_create(&l, -3, 1), GAN_E_OUT_OF_RANGE, "kernel -3");
    GT_FAILS(gan_layer_maxpool2d_create(&l, 2, 0), GAN_E_OUT_OF_RANGE, "stride 0");
    assert_true(strstr(gan_last_error(), "gan_layer_maxpool2d_create") != NULL);
    GT_FAILS(gan_layer_global_avgpool_create(NULL), GAN_E_INVALID_ARG, "out");
    GT_FAILS(gan_layer_global_maxpool_create(NULL), GAN_E_INVALID_ARG, "out");
    GT_FAILS(gan_layer_minibatch_stddev_create(NULL), GAN_E_INVALID_ARG,
             "gan_layer_minibatch_stddev_create");
    assert_null(l);

    /* The smallest valid arguments, and each kind's name. */
    const char *names[6] = {"upsample", "avgpool2d", "maxpool2d", "global_avgpool",
                            "global_maxpool", "minibatch_stddev"};
    for (int i = 0; i < 6; i++) {
        l = NULL;
        switch (i) {
        case 0: GT_OK(gan_layer_upsample_create(&l, 1)); break;
        case 1: GT_OK(gan_layer_avgpool2d_create(&l, 1, 1)); break;
        case 2: GT_OK(gan_layer_maxpool2d_create(&l, 3, 5)); break;
        case 3: GT_OK(gan_layer_global_avgpool_create(&l)); break;
        case 4: GT_OK(gan_layer_global_maxpool_create(&l)); break;
        default: GT_OK(gan_layer_minibatch_stddev_create(&l)); break;
        }
        assert_string_equal(gan_layer_get_kind(l), names[i]);
        gan_layer_destroy(l);
    }
}

/* Add @p l to a model of input @p dims, expecting GAN_E_SHAPE and @p needle (and the
 * layer and the input shape) in the message; the layer stays with the caller. */
static void expect_add_refused(const int32_t *dims, int32_t ndim, gan_layer_t *l,
                               const char *needle, const char *input_text)
{
    gan_model_t *m = gt_model(dims, ndim);
    GT_OK(gan_layer_set_name(l, "under_test"));
    GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, needle);
    assert_non_null(strstr(gan_last_error(), "layer 0 'under_test'"));
    assert_non_null(strstr(gan_last_error(), input_text));
    gan_layer_destroy(l);
    gan_model_destroy(m);
}

static void test_add_checks_shapes(void **state)
{
    (void)state;
    gan_layer_t *l;
    const int32_t flat[1] = {10}, two_d[2] = {3, 4}, small[3] = {1, 4, 6};
    const int32_t huge[3] = {1, 40000, 40000};        /* 1.6e9 floats: x4 overflows */
    const int32_t almost[3] = {1, 46341, 46340};      /* 2147441940 floats: +1 channel too */

    GT_OK(gan_layer_upsample_create(&l, 2));
    expect_add_refused(flat, 1, l, "upsample expects (C,H,W)", "(10)");
    GT_OK(gan_layer_upsample_create(&l, 2));
    expect_add_refused(two_d, 2, l, "upsample expects (C,H,W)", "(3,4)");
    GT_OK(gan_layer_upsample_create(&l, 2));
    expect_add_refused(huge, 3, l, "more than 2147483647 elements", "(1,40000,40000)");
    GT_OK(gan_layer_upsample_create(&l, 1 << 30));
    expect_add_refused(small, 3, l, "times 1073741824", "(1,4,6)");
    /* One pixel of three channels: H f and W f fit in int32, C H f W f overflowed the
     * int64 the check computed it in (undefined; the model's own count then caught it
     * as GAN_E_OUT_OF_RANGE). */
    const int32_t pixel[3] = {3, 1, 1};
    GT_OK(gan_layer_upsample_create(&l, INT32_MAX));
    expect_add_refused(pixel, 3, l, "times 2147483647", "(3,1,1)");

    GT_OK(gan_layer_avgpool2d_create(&l, 5, 1));
    expect_add_refused(small, 3, l, "kernel 5 is larger than the 4x6 input", "(1,4,6)");
    GT_OK(gan_layer_maxpool2d_create(&l, 7, 2));
    expect_add_refused(small, 3, l, "maxpool2d: kernel 7", "(1,4,6)");
    GT_OK(gan_layer_maxpool2d_create(&l, 2, 2));
    expect_add_refused(two_d, 2, l, "maxpool2d expects (C,H,W)", "(3,4)");
    GT_OK(gan_layer_avgpool2d_create(&l, 2, 2));
    expect_add_refused(flat, 1, l, "avgpool2d expects (C,H,W)", "(10)");

    GT_OK(gan_layer_global_avgpool_create(&l));
    expect_add_refused(flat, 1, l, "global_avgpool expects (C,L)", "(10)");
    GT_OK(gan_layer_global_maxpool_create(&l));
    expect_add_refused(flat, 1, l, "no positions", "(10)");

    GT_OK(gan_layer_minibatch_stddev_create(&l));
    expect_add_refused(almost, 3, l, "plus one channel", "(1,46341,46340)");

    /* The kernel may equal the input: one output. */
    gan_model_t *m = gt_model(small, 3);
    gt_add(m, gan_layer_maxpool2d_create(&l, 4, 3), l);
    const int32_t one[3] = {1, 1, 1};
    expect_shape(m, 3, one);
    gan_model_destroy(m);
}

static void test_output_shapes(void **state)
{
    (void)state;
    gan_layer_t *l;
    const int32_t in[3] = {3, 7, 5};
    gan_model_t *m = gt_model(in, 3);
    gt_add(m, gan_layer_upsample_create(&l, 3), l);
    const int32_t up[3] = {3, 21, 15};
    expect_shape(m, 3, up);
    gt_add(m, gan_layer_avgpool2d_create(&l, 4, 3), l); /* (21-4)/3+1 = 6, (15-4)/3+1 = 4 */
    const int32_t pooled[3] = {3, 6, 4};
    expect_shape(m, 3, pooled);
    gt_add(m, gan_layer_minibatch_stddev_create(&l), l);
    const int32_t plus[3] = {4, 6, 4};
    expect_shape(m, 3, plus);
    gt_add(m, gan_layer_maxpool2d_create(&l, 2, 2), l);
    const int32_t halved[3] = {4, 3, 2};
    expect_shape(m, 3, halved);
    gt_add(m, gan_layer_global_maxpool_create(&l), l);
    const int32_t channels[1] = {4};
    expect_shape(m, 1, channels);
    gt_add(m, gan_layer_minibatch_stddev_create(&l), l);
    const int32_t five[1] = {5};
    expect_shape(m, 1, five);

    char text[4096];
    GT_OK(gan_model_summary(m, text, sizeof text, NULL));
    assert_non_null(strstr(text, "x3 nearest"));
    assert_non_null(strstr(text, "4x4/3"));
    assert_non_null(strstr(text, "global_maxpool"));
    assert_non_null(strstr(text, "Total params: 0"));
    gan_model_destroy(m);

    const int32_t seq[2] = {6, 9}, vol[4] = {2, 3, 4, 5};
    m = gt_model(seq, 2);
    gt_add(m, gan_layer_global_avgpool_create(&l), l);
    const int32_t six[1] = {6};
    expect_shape(m, 1, six);
    gan_model_destroy(m);
    m = gt_model(vol, 4);
    gt_add(m, gan_layer_global_maxpool_create(&l), l);
    const int32_t two[1] = {2};
    expect_shape(m, 1, two);
    gan_model_destroy(m);
    m = gt_model(seq, 2);
    gt_add(m, gan_layer_minibatch_stddev_create(&l), l);
    const int32_t seven[2] = {7, 9};
    expect_shape(m, 2, seven);
    gan_model_destroy(m);
}

static void test_upsample_values(void **state)
{
    (void)state;
    gan_layer_t *l;
    const int32_t dims[3] = {1, 2, 3};
    gan_model_t *m = one_layer(dims, 3, gan_layer_upsample_create(&l, 2), &l, 2);
    const float x[12] = {1, 2, 3, 4, 5, 6, /* sample 1: */ -1, -2, -3, -4, -5, -6};
    const float *y, *dx;
    GT_OK(gan_model_forward(m, x, NULL, 2, &y));
    const float want[48] = {
        1, 1, 2, 2, 3, 3,  1, 1, 2, 2, 3, 3,  4, 4, 5, 5, 6, 6,  4, 4, 5, 5, 6, 6,
        -1, -1, -2, -2, -3, -3,  -1, -1, -2, -2, -3, -3,
        -4, -4, -5, -5, -6, -6,  -4, -4, -5, -5, -6, -6,
    };
    expect_floats("y", y, want, 48);

    float dy[48];
    for (int i = 0; i < 48; i++)
        dy[i] = (float)i; /* block sums: rows r, r+1, columns c, c+1 of a 4x6 plane */
    GT_OK(gan_model_backward(m, dy, &dx));
    const float want_dx[12] = {
        0 + 1 + 6 + 7, 2 + 3 + 8 + 9, 4 + 5 + 10 + 11,
        12 + 13 + 18 + 19, 14 + 15 + 20 + 21, 16 + 17 + 22 + 23,
        24 + 25 + 30 + 31, 26 + 27 + 32 + 33, 28 + 29 + 34 + 35,
        36 + 37 + 42 + 43, 38 + 39 + 44 + 45, 40 + 41 + 46 + 47,
    };
    expect_floats("dx", dx, want_dx, 12);
    gan_model_destroy(m);

    /* Factor 1 is the identity both ways. */
    m = one_layer(dims, 3, gan_layer_upsample_create(&l, 1), &l, 2);
    GT_OK(gan_model_forward(m, x, NULL, 2, &y));
    expect_floats("identity y", y, x, 12);
    GT_OK(gan_model_backward(m, x, &dx));
    expect_floats("identity dx", dx, x, 12);
    gan_model_destroy(m);
}

static void test_avgpool_values(void **state)
{
    (void)state;
    gan_layer_t *l;
    /* x = 0..14 in a 3x5 plane; k2 s2 gives 1x2, the last row and column unused. */
    const int32_t dims[3] = {1, 3, 5};
    gan_model_t *m = one_layer(dims, 3, gan_layer_avgpool2d_create(&l, 2, 2), &l, 1);
    float x[15];
    for (int i = 0; i < 15; i++)
        x[i] = (float)i;
    const float *y, *dx;
    GT_OK(gan_model_forward(m, x, NULL, 1, &y));
    const float want[2] = {(0 + 1 + 5 + 6) / 4.0f, (2 + 3 + 7 + 8) / 4.0f};
    expect_floats("y", y, want, 2);
    const float dy[2] = {4, 8};
    GT_OK(gan_model_backward(m, dy, &dx));
    const float want_dx[15] = {1, 1, 2, 2, 0, 1, 1, 2, 2, 0, 0, 0, 0, 0, 0};
    expect_floats("dx", dx, want_dx, 15);
    gan_model_destroy(m);

    /* Overlapping k3 s1 windows over a 3x4 plane: two outputs, the middle columns
     * shared. */
    const int32_t dims2[3] = {1, 3, 4};
    m = one_layer(dims2, 3, gan_layer_avgpool2d_create(&l, 3, 1), &l, 1);
    GT_OK(gan_model_forward(m, x, NULL, 1, &y));
    const float want2[2] = {(0 + 1 + 2 + 4 + 5 + 6 + 8 + 9 + 10) / 9.0f,
                            (1 + 2 + 3 + 5 + 6 + 7 + 9 + 10 + 11) / 9.0f};
    expect_floats("overlapping y", y, want2, 2);
    const float dy2[2] = {9, 18};
    GT_OK(gan_model_backward(m, dy2, &dx));
    const float want_dx2[12] = {1, 3, 3, 2, 1, 3, 3, 2, 1, 3, 3, 2};
    expect_floats("overlapping dx", dx, want_dx2, 12);
    gan_model_destroy(m);
}

static void test_maxpool_ties_and_nan(void **state)
{
    (void)state;
    gan_layer_t *l;
    /* Two 2x2 windows of a 2x4 plane, each with a tie: the first in scan order wins,
     * (0,1) before (1,0) on the left, (0,3) before (1,2) on the right. */
    const int32_t dims[3] = {1, 2, 4};
    gan_model_t *m = one_layer(dims, 3, gan_layer_maxpool2d_create(&l, 2, 2), &l, 2);
    const float x[16] = {1, 5, 2, 3, 5, 0, 3, 1,
                         /* sample 1: a NaN wins over larger numbers after it, and
                          * the first of two NaNs wins */
                         7, NAN, 0, NAN, 8, 1, NAN, -1};
    const float *y, *dx;
    GT_OK(gan_model_forward(m, x, NULL, 2, &y));
    assert_float_equal(y[0], 5.0f, 0.0f);
    assert_float_equal(y[1], 3.0f, 0.0f);
    assert_true(isnan(y[2]));
    assert_true(isnan(y[3]));
    const float dy[4] = {10, 20, 30, 40};
    GT_OK(gan_model_backward(m, dy, &dx));
    const float want_dx[16] = {0, 10, 0, 20, 0, 0, 0, 0, 0, 30, 0, 40, 0, 0, 0, 0};
    expect_floats("dx", dx, want_dx, 16);
    gan_model_destroy(m);

    /* Overlapping k2 s1 windows that all hold the maximum: its gradient is their sum. */
    const int32_t dims2[3] = {1, 3, 3};
    m = one_layer(dims2, 3, gan_layer_maxpool2d_create(&l, 2, 1), &l, 1);
    const float x2[9] = {1, 2, 3, 4, 9, 5, 6, 7, 8};
    GT_OK(gan_model_forward(m, x2, NULL, 1, &y));
    const float want2[4] = {9, 9, 9, 9};
    expect_floats("y", y, want2, 4);
    const float dy2[4] = {1, 2, 3, 4};
    GT_OK(gan_model_backward(m, dy2, &dx));
    const float want_dx2[9] = {0, 0, 0, 0, 10, 0, 0, 0, 0};
    expect_floats("shared dx", dx, want_dx2, 9);
    gan_model_destroy(m);
}

static void test_global_pool_values(void **state)
{
    (void)state;
    gan_layer_t *l;
    /* (2,3,1), the shape after a text convolution: max over time per filter. */
    const int32_t dims[3] = {2, 3, 1};
    const float x[12] = {1, 4, 4, -2, -3, -1, /* sample 1 */ 0, 0, 0, 6, 5, 7};
    const float *y, *dx;
    gan_model_t *m = one_layer(dims, 3, gan_layer_global_maxpool_create(&l), &l, 2);
    GT_OK(gan_model_forward(m, x, NULL, 2, &y));
    const float want_max[4] = {4, -1, 0, 7};
    expect_floats("max y", y, want_max, 4);
    const float dy[4] = {1, 2, 3, 4};
    GT_OK(gan_model_backward(m, dy, &dx));
    const float want_max_dx[12] = {0, 1, 0, 0, 0, 2, 3, 0, 0, 0, 0, 4};
    expect_floats("max dx", dx, want_max_dx, 12);
    gan_model_destroy(m);

    m = one_layer(dims, 3, gan_layer_global_avgpool_create(&l), &l, 2);
    GT_OK(gan_model_forward(m, x, NULL, 2, &y));
    const float want_avg[4] = {3, -2, 0, 6};
    expect_floats("avg y", y, want_avg, 4);
    const float dy3[4] = {3, 6, -3, 0};
    GT_OK(gan_model_backward(m, dy3, &dx));
    const float want_avg_dx[12] = {1, 1, 1, 2, 2, 2, -1, -1, -1, 0, 0, 0};
    expect_floats("avg dx", dx, want_avg_dx, 12);
    gan_model_destroy(m);

    /* (C,L) and (C,H,W) with H, W > 1 pool the same positions. */
    const int32_t seq[2] = {2, 4}, img[3] = {2, 2, 2};
    const float x2[8] = {1, 2, 3, 6, -8, 0, 2, 2};
    const float want2[2] = {3, -1};
    m = one_layer(seq, 2, gan_layer_global_avgpool_create(&l), &l, 1);
    GT_OK(gan_model_forward(m, x2, NULL, 1, &y));
    expect_floats("(C,L) avg y", y, want2, 2);
    gan_model_destroy(m);
    m = one_layer(img, 3, gan_layer_global_avgpool_create(&l), &l, 1);
    GT_OK(gan_model_forward(m, x2, NULL, 1, &y));
    expect_floats("(C,H,W) avg y", y, want2, 2);
    gan_model_destroy(m);
}

static void test_minibatch_stddev_values(void **state)
{
    (void)state;
    gan_layer_t *l;
    /* (1,1,2), batch 2: feature 0 takes 1 and 3 (std 1), feature 1 takes 2 and 6
     * (std 2), so the statistic is 1.5, appended as a (1,1,2) plane. */
    const int32_t dims[3] = {1, 1, 2};
    gan_model_t *m = one_layer(dims, 3, gan_layer_minibatch_stddev_create(&l), &l, 2);
    const float x[4] = {1, 2, 3, 6};
    const float *y, *dx;
    GT_OK(gan_model_forward(m, x, NULL, 2, &y));
    const float want[8] = {1, 2, 1.5f, 1.5f, 3, 6, 1.5f, 1.5f};
    expect_floats("y", y, want, 8);
    /* The statistic's gradient g = 4 is spread over M = 2 features and N = 2 samples:
     * dx = dy + (g / (M N)) (x - mean) / std = dy + (x - mean) / std. */
    const float dy[8] = {0.5f, 0, 1, 1, 0, -0.5f, 1, 1};
    GT_OK(gan_model_backward(m, dy, &dx));
    const float want_dx[4] = {0.5f - 1, -1, 1, -0.5f + 1};
    expect_floats("dx", dx, want_dx, 4);

    /* Inference mode computes the same batch statistic, bit for bit. */
    float train_y[8];
    memcpy(train_y, y, sizeof train_y);
    GT_OK(gan_model_set_training(m, false));
    GT_OK(gan_model_forward(m, x, NULL, 2, &y));
    assert_memory_equal(y, train_y, sizeof train_y);
    gan_model_destroy(m);

    /* A flat (F) input gets one more feature; one sample has std sqrt(1e-8) = 1e-4
     * everywhere, and its gradient is dy unchanged. */
    const int32_t flat[1] = {3};
    m = one_layer(flat, 1, gan_layer_minibatch_stddev_create(&l), &l, 1);
    const float x1[3] = {-1, 0, 2};
    GT_OK(gan_model_forward(m, x1, NULL, 1, &y));
    const float want1[4] = {-1, 0, 2, 1e-4f};
    expect_floats("one sample y", y, want1, 4);
    const float dy1[4] = {1, 2, 3, 100};
    GT_OK(gan_model_backward(m, dy1, &dx));
    expect_floats("one sample dx", dx, dy1, 3);
    gan_model_destroy(m);
}

/* The passes split planes across threads: a model built with 3 threads gives the same
 * bits as one built with 1. */
static void test_thread_count_does_not_change_results(void **state)
{
    (void)state;
    const int32_t dims[3] = {6, 40, 36};
    const int32_t batch = 4;
    const size_t n_in = (size_t)batch * 6 * 40 * 36;
    float *x = malloc(n_in * sizeof *x);
    assert_non_null(x);
    gt_rng rng;
    gt_seed(&rng, 5);
    gt_fill(&rng, x, n_in, -1.0f, 1.0f);
    float *results[2][2] = {{NULL, NULL}, {NULL, NULL}}; /* [run][y, dx] */
    size_t n_out = 0;
    for (int run = 0; run < 2; run++) {
        GT_OK(gan_set_num_threads(run ? 3 : 1));
        gan_model_t *m = gt_model(dims, 3);
        gan_layer_t *l;
        gt_add(m, gan_layer_upsample_create(&l, 2), l);
        gt_add(m, gan_layer_maxpool2d_create(&l, 3, 2), l);
        gt_add(m, gan_layer_avgpool2d_create(&l, 2, 1), l);
        gt_add(m, gan_layer_minibatch_stddev_create(&l), l);
        gt_add(m, gan_layer_global_maxpool_create(&l), l);
        GT_OK(gan_model_build(m, batch));
        n_out = (size_t)batch * gt_output_size(m);
        const float *y, *dx;
        GT_OK(gan_model_forward(m, x, NULL, batch, &y));
        results[run][0] = malloc(n_out * sizeof *y);
        results[run][1] = malloc(n_in * sizeof *dx);
        assert_non_null(results[run][0]);
        assert_non_null(results[run][1]);
        memcpy(results[run][0], y, n_out * sizeof *y);
        GT_OK(gan_model_backward(m, results[run][0], &dx));
        memcpy(results[run][1], dx, n_in * sizeof *dx);
        gan_model_destroy(m);
    }
    GT_OK(gan_set_num_threads(1));
    assert_memory_equal(results[0][0], results[1][0], n_out * sizeof(float));
    assert_memory_equal(results[0][1], results[1][1], n_in * sizeof(float));
    for (int run = 0; run < 2; run++) {
        free(results[run][0]);
        free(results[run][1]);
    }
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_rejects_bad_arguments),
        cmocka_unit_test(test_add_checks_shapes),
        cmocka_unit_test(test_output_shapes),
        cmocka_unit_test(test_upsample_values),
        cmocka_unit_test(test_avgpool_values),
        cmocka_unit_test(test_maxpool_ties_and_nan),
        cmocka_unit_test(test_global_pool_values),
        cmocka_unit_test(test_minibatch_stddev_values),
        cmocka_unit_test(test_thread_count_does_not_change_results),
    };
    return cmocka_run_group_tests_name("pooling", tests, NULL, NULL);
}
