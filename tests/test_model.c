/* Model and layer API: life cycle, shapes, summaries, seeds, modes and every error path. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const int32_t latent_dims[1] = {100};
static const int32_t mnist_dims[3] = {1, 28, 28};

/* The MNIST DCGAN discriminator. */
static gan_model_t *dcgan_discriminator(void)
{
    gan_model_t *d = gt_model(mnist_dims, 3);
    gan_layer_t *l;
    gt_add(d, gan_layer_conv2d_create(&l, 64, 5, 2, GAN_PADDING_SAME), l);
    gt_add(d, gan_layer_leaky_relu_create(&l, 0.2f), l);
    gt_add(d, gan_layer_dropout_create(&l, 0.3f), l);
    gt_add(d, gan_layer_conv2d_create(&l, 128, 5, 2, GAN_PADDING_SAME), l);
    gt_add(d, gan_layer_leaky_relu_create(&l, 0.2f), l);
    gt_add(d, gan_layer_dropout_create(&l, 0.3f), l);
    gt_add(d, gan_layer_flatten_create(&l), l);
    gt_add(d, gan_layer_dense_create(&l, 1, true), l);
    return d;
}

/* The MNIST DCGAN generator. */
static gan_model_t *dcgan_generator(void)
{
    const int32_t planes[3] = {256, 7, 7};
    gan_model_t *g = gt_model(latent_dims, 1);
    gan_layer_t *l;
    gt_add(g, gan_layer_dense_create(&l, 7 * 7 * 256, false), l);
    gt_add(g, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l);
    gt_add(g, gan_layer_leaky_relu_create(&l, 0.2f), l);
    gt_add(g, gan_layer_reshape_create(&l, planes, 3), l);
    gt_add(g, gan_layer_conv2d_transpose_create(&l, 128, 5, 1, GAN_PADDING_SAME), l);
    gt_add(g, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l);
    gt_add(g, gan_layer_leaky_relu_create(&l, 0.2f), l);
    gt_add(g, gan_layer_conv2d_transpose_create(&l, 64, 5, 2, GAN_PADDING_SAME), l);
    gt_add(g, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l);
    gt_add(g, gan_layer_leaky_relu_create(&l, 0.2f), l);
    gt_add(g, gan_layer_conv2d_transpose_create(&l, 1, 5, 2, GAN_PADDING_SAME), l);
    gt_add(g, gan_layer_tanh_create(&l), l);
    return g;
}

static void expect_output_shape(const gan_model_t *m, int32_t index, int32_t ndim,
                                int32_t d0, int32_t d1, int32_t d2)
{
    int32_t dims[4], got;
    GT_OK(gan_model_get_output_shape(m, index, dims, &got));
    assert_int_equal(got, ndim);
    assert_int_equal(dims[0], d0);
    if (ndim == 3) {
        assert_int_equal(dims[1], d1);
        assert_int_equal(dims[2], d2);
    }
}

static void test_dcgan_shapes_and_param_counts(void **state)
{
    (void)state;
    gan_model_t *g = dcgan_generator(), *d = dcgan_discriminator();
    expect_output_shape(g, 3, 3, 256, 7, 7);
    expect_output_shape(g, 4, 3, 128, 7, 7);
    expect_output_shape(g, 7, 3, 64, 14, 14);
    expect_output_shape(g, -1, 3, 1, 28, 28);
    expect_output_shape(d, 0, 3, 64, 14, 14);
    expect_output_shape(d, 3, 3, 128, 7, 7);
    expect_output_shape(d, -1, 1, 1, 0, 0);
    size_t n;
    GT_OK(gan_model_get_param_count(d, &n));
    assert_int_equal(n, (64 * 25 + 64) + (128 * 64 * 25 + 128) + (6272 + 1));
    GT_OK(gan_model_get_param_count(g, &n));
    assert_int_equal(n, 100 * 12544 + 2 * 12544 + (256 * 128 * 25 + 128) + 2 * 128 +
                            (128 * 64 * 25 + 64) + 2 * 64 + (64 * 1 * 25 + 1));
    int32_t count;
    GT_OK(gan_model_get_layer_count(g, &count));
    assert_int_equal(count, 12);
    gan_layer_t *l;
    GT_OK(gan_model_get_layer(g, 4, &l));
    assert_string_equal(gan_layer_get_kind(l), "conv2d_transpose");
    assert_string_equal(gan_layer_get_name(l), "conv2d_transpose_4");
    gan_model_destroy(g);
    gan_model_destroy(d);
}

static void test_layer_params_tile_the_arena(void **state)
{
    (void)state;
    gan_model_t *g = dcgan_generator();
    GT_OK(gan_model_build(g, 2));
    size_t total, expect_offset = 0;
    int32_t count;
    GT_OK(gan_model_get_param_count(g, &total));
    GT_OK(gan_model_get_layer_count(g, &count));
    for (int32_t i = 0; i < count; i++) {
        size_t offset, n;
        GT_OK(gan_model_get_layer_params(g, i, &offset, &n));
        assert_int_equal(offset, expect_offset);
        expect_offset += n;
    }
    assert_int_equal(expect_offset, total);
    float *p, *gr;
    size_t np, ng;
    GT_OK(gan_model_get_params(g, &p, &np));
    GT_OK(gan_model_get_grads(g, &gr, &ng));
    assert_int_equal(np, total);
    assert_int_equal(ng, total);
    assert_ptr_not_equal(p, gr);
    gan_model_destroy(g);
}

static void test_summary(void **state)
{
    (void)state;
    gan_model_t *d = dcgan_discriminator();
    size_t length = 0;
    GT_OK(gan_model_summary(d, NULL, 0, &length));
    assert_true(length > 200);
    char *full = malloc(length + 1);
    size_t again = 0;
    GT_OK(gan_model_summary(d, full, length + 1, &again));
    assert_int_equal(again, length);
    assert_int_equal(strlen(full), length);
    assert_non_null(strstr(full, "conv2d_0 (conv2d)"));
    assert_non_null(strstr(full, "(64,14,14)"));
    assert_non_null(strstr(full, "(128,7,7)"));
    assert_non_null(strstr(full, "(6272)"));
    assert_non_null(strstr(full, "Total params: 212865"));
    assert_non_null(strstr(full, "Trainable params: 212865"));
    char small[32];
    GT_OK(gan_model_summary(d, small, sizeof small, &again));
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_memory_equal(small, full, sizeof small - 1);
    GT_FAILS(gan_model_summary(NULL, small, sizeof small, NULL), GAN_E_INVALID_ARG, "model");
    GT_FAILS(gan_model_summary(d, NULL, 10, NULL), GAN_E_INVALID_ARG, "buf");
    free(full);

    gan_model_t *g = dcgan_generator();
    char text[8192];
    GT_OK(gan_model_summary(g, text, sizeof text, NULL));
    assert_non_null(strstr(text, "Non-trainable params: 25472")); /* BN running stats */
    gan_model_destroy(g);
    gan_model_destroy(d);
}

static void test_create_rejects_bad_arguments(void **state)
{
    (void)state;
    gan_model_t *m = (gan_model_t *)&m;
    const int32_t zero[2] = {3, 0}, negative[1] = {-4}, five[5] = {1, 1, 1, 1, 1};
    GT_FAILS(gan_model_create(NULL, latent_dims, 1, NULL), GAN_E_INVALID_ARG, "out");
    GT_FAILS(gan_model_create(&m, NULL, 1, NULL), GAN_E_INVALID_ARG, "dims");
    assert_null(m);
    GT_FAILS(gan_model_create(&m, latent_dims, 0, NULL), GAN_E_OUT_OF_RANGE, "rank 0");
    GT_FAILS(gan_model_create(&m, five, 5, NULL), GAN_E_OUT_OF_RANGE, "rank 5");
    GT_FAILS(gan_model_create(&m, zero, 2, NULL), GAN_E_OUT_OF_RANGE, "dimension 1 is 0");
    GT_FAILS(gan_model_create(&m, negative, 1, NULL), GAN_E_OUT_OF_RANGE, "is -4");
    const int32_t huge[2] = {65536, 65536};
    GT_FAILS(gan_model_create(&m, huge, 2, NULL), GAN_E_OUT_OF_RANGE, "elements");

    GT_FAILS(gan_model_options_init(NULL, sizeof(gan_model_options_t)), GAN_E_INVALID_ARG,
             "NULL");
    gan_model_options_t o;
    GT_FAILS(gan_model_options_init(&o, 4), GAN_E_INVALID_ARG, "struct_size");
}

/* A caller built against a newer header passes a longer struct: accepted only if the
 * fields this version does not know are zero. */
static void test_options_versioning(void **state)
{
    (void)state;
    struct {
        gan_model_options_t v1;
        uint64_t future_field;
    } newer;
    GT_OK(gan_model_options_init(&newer.v1, sizeof newer));
    assert_int_equal(newer.v1.struct_size, sizeof newer);
    assert_int_equal(newer.v1.seed, 42);
    gan_model_t *m = NULL;
    GT_OK(gan_model_create(&m, latent_dims, 1, &newer.v1));
    gan_model_destroy(m);
    newer.future_field = 7;
    GT_FAILS(gan_model_create(&m, latent_dims, 1, &newer.v1), GAN_E_INVALID_ARG,
             "does not know");

    gan_model_options_t o;
    GT_OK(gan_model_options_init(&o, sizeof o));
    o.struct_size = 3;
    GT_FAILS(gan_model_create(&m, latent_dims, 1, &o), GAN_E_INVALID_ARG, "struct_size");

    gan_allocator_t broken = {.struct_size = sizeof broken};
    GT_OK(gan_model_options_init(&o, sizeof o));
    o.allocator = &broken;
    GT_FAILS(gan_model_create(&m, latent_dims, 1, &o), GAN_E_INVALID_ARG, "allocator");

    gan_conv_options_t c;
    GT_OK(gan_conv_options_init(&c, sizeof c));
    c.struct_size = 2;
    gan_layer_t *l = NULL;
    GT_FAILS(gan_layer_conv2d_create_ex(&l, &c), GAN_E_INVALID_ARG, "struct_size");
    assert_null(l);
}

typedef struct bad_layer_case {
    const char *what;
    gan_status want;
    const char *needle;
} bad_layer_case;

static void test_layer_create_rejects_bad_arguments(void **state)
{
    (void)state;
    gan_layer_t *l = NULL;
    const int32_t dims0[2] = {2, 0};
    gan_conv_options_t c;
    GT_OK(gan_conv_options_init(&c, sizeof c));
    c.filters = 4;

    struct {
        gan_status got;
        bad_layer_case want;
    } cases[] = {
        {gan_layer_dense_create(NULL, 3, true), {"dense out", GAN_E_INVALID_ARG, "out"}},
        {gan_layer_dense_create(&l, 0, true), {"dense units", GAN_E_OUT_OF_RANGE, "units 0"}},
        {gan_layer_dense_create(&l, -3, true), {"dense units", GAN_E_OUT_OF_RANGE, "units -3"}},
        {gan_layer_conv2d_create(&l, 0, 3, 1, GAN_PADDING_SAME),
         {"conv filters", GAN_E_OUT_OF_RANGE, "filters 0"}},
        {gan_layer_conv2d_create(&l, 4, 0, 1, GAN_PADDING_SAME),
         {"conv kernel", GAN_E_OUT_OF_RANGE, "kernel_h 0"}},
        {gan_layer_conv2d_create(&l, 4, 3, 0, GAN_PADDING_SAME),
         {"conv stride", GAN_E_OUT_OF_RANGE, "stride_h 0"}},
        {gan_layer_conv2d_create(&l, 4, 3, 1, 9), {"conv padding", GAN_E_OUT_OF_RANGE, "padding 9"}},
        {gan_layer_conv2d_create(&l, 4, 3, 1, GAN_PADDING_EXPLICIT),
         {"conv explicit", GAN_E_OUT_OF_RANGE, "_ex"}},
        {gan_layer_conv2d_transpose_create(&l, 4, 3, -2, GAN_PADDING_SAME),
         {"convT stride", GAN_E_OUT_OF_RANGE, "stride_h -2"}},
        {gan_layer_conv2d_create_ex(&l, NULL), {"conv opts", GAN_E_INVALID_ARG, "opts"}},
        {gan_layer_batchnorm_create(&l, 0.0f, 1e-5f), {"bn momentum", GAN_E_OUT_OF_RANGE, "momentum"}},
        {gan_layer_batchnorm_create(&l, 1.5f, 1e-5f), {"bn momentum", GAN_E_OUT_OF_RANGE, "momentum"}},
        {gan_layer_batchnorm_create(&l, 0.1f, 0.0f), {"bn epsilon", GAN_E_OUT_OF_RANGE, "epsilon"}},
        {gan_layer_batchnorm_create(&l, NAN, 1e-5f), {"bn nan", GAN_E_OUT_OF_RANGE, "momentum"}},
        {gan_layer_leaky_relu_create(&l, -0.1f), {"leaky alpha", GAN_E_OUT_OF_RANGE, "alpha"}},
        {gan_layer_leaky_relu_create(&l, 1.0f), {"leaky alpha", GAN_E_OUT_OF_RANGE, "alpha"}},
        {gan_layer_leaky_relu_create(&l, NAN), {"leaky nan", GAN_E_OUT_OF_RANGE, "alpha"}},
        {gan_layer_relu_create(NULL), {"relu out", GAN_E_INVALID_ARG, "out"}},
        {gan_layer_tanh_create(NULL), {"tanh out", GAN_E_INVALID_ARG, "out"}},
        {gan_layer_sigmoid_create(NULL), {"sigmoid out", GAN_E_INVALID_ARG, "out"}},
        {gan_layer_dropout_create(&l, 1.0f), {"dropout rate", GAN_E_OUT_OF_RANGE, "rate 1"}},
        {gan_layer_dropout_create(&l, -0.5f), {"dropout rate", GAN_E_OUT_OF_RANGE, "rate"}},
        {gan_layer_reshape_create(&l, NULL, 3), {"reshape dims", GAN_E_INVALID_ARG, "dims"}},
        {gan_layer_reshape_create(&l, dims0, 2), {"reshape zero", GAN_E_OUT_OF_RANGE, "is 0"}},
        {gan_layer_reshape_create(&l, dims0, 0), {"reshape rank", GAN_E_OUT_OF_RANGE, "rank 0"}},
        {gan_layer_flatten_create(NULL), {"flatten out", GAN_E_INVALID_ARG, "out"}},
        {gan_layer_embedding_create(&l, 0, 8), {"embedding", GAN_E_OUT_OF_RANGE, "num_classes 0"}},
        {gan_layer_embedding_create(&l, 10, 0), {"embedding", GAN_E_OUT_OF_RANGE, "dim 0"}},
        {gan_layer_condition_create(&l, 0, 0), {"condition", GAN_E_OUT_OF_RANGE, "num_classes 0"}},
        {gan_layer_condition_create(&l, 10, -1), {"condition", GAN_E_OUT_OF_RANGE, "embed_dim -1"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].got != cases[i].want.want)
            fail_msg("case %zu (%s): got %d, wanted %d", i, cases[i].want.what,
                     (int)cases[i].got, (int)cases[i].want.want);
    }
    /* The messages of the calls above were overwritten by later ones: recheck a few. */
    GT_FAILS(gan_layer_dense_create(&l, 0, true), GAN_E_OUT_OF_RANGE, "units 0");
    GT_FAILS(gan_layer_dropout_create(&l, 1.0f), GAN_E_OUT_OF_RANGE, "rate 1");
    assert_null(l);

    c.pad_top = 1;
    GT_FAILS(gan_layer_conv2d_create_ex(&l, &c), GAN_E_INVALID_ARG, "EXPLICIT");
    c.padding = GAN_PADDING_EXPLICIT;
    c.output_padding_h = 1;
    GT_FAILS(gan_layer_conv2d_create_ex(&l, &c), GAN_E_OUT_OF_RANGE, "output_padding_h 1");
    c.stride_h = 2;
    GT_OK(gan_layer_conv2d_transpose_create_ex(&l, &c));
    gan_layer_destroy(l);
    c.output_padding_h = 2; /* must stay below the stride */
    GT_FAILS(gan_layer_conv2d_transpose_create_ex(&l, &c), GAN_E_OUT_OF_RANGE,
             "output_padding_h 2");
    c.output_padding_h = 0;
    c.pad_left = -1;
    GT_FAILS(gan_layer_conv2d_create_ex(&l, &c), GAN_E_OUT_OF_RANGE, "pad_left -1");
    c.pad_left = 0;
    c.use_bias = 2;
    GT_FAILS(gan_layer_conv2d_create_ex(&l, &c), GAN_E_OUT_OF_RANGE, "use_bias 2");
}

static void test_add_checks_shapes(void **state)
{
    (void)state;
    gan_layer_t *l;
    gan_model_t *m = gt_model(mnist_dims, 3);
    GT_OK(gan_layer_dense_create(&l, 10, true));
    GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, "Flatten");
    assert_non_null(strstr(gan_last_error(), "(1,28,28)"));
    assert_non_null(strstr(gan_last_error(), "layer 0"));
    GT_OK(gan_layer_set_name(l, "head"));
    GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, "'head'");
    gan_layer_destroy(l); /* a failed add leaves the layer with the caller */

    const int32_t wrong[2] = {7, 7};
    GT_OK(gan_layer_reshape_create(&l, wrong, 2));
    GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, "(7,7)");
    assert_non_null(strstr(gan_last_error(), "784"));
    gan_layer_destroy(l);

    GT_OK(gan_layer_conv2d_create(&l, 4, 29, 1, GAN_PADDING_VALID));
    GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, "kernel height 29");
    gan_layer_destroy(l);

    GT_OK(gan_layer_embedding_create(&l, 10, 4));
    GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, "class id");
    gan_layer_destroy(l);

    const int32_t two_d[2] = {28, 28};
    gt_add(m, gan_layer_reshape_create(&l, two_d, 2), l);
    GT_OK(gan_layer_batchnorm_create(&l, 0.1f, 1e-5f));
    GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, "(28,28)");
    GT_FAILS(gan_model_add(NULL, l), GAN_E_INVALID_ARG, "model");
    GT_FAILS(gan_model_add(m, NULL), GAN_E_INVALID_ARG, "layer");
    gan_layer_destroy(l);

    /* A layer can belong to one model only. */
    gan_model_t *other = gt_model(latent_dims, 1);
    GT_OK(gan_layer_relu_create(&l));
    GT_OK(gan_model_add(other, l));
    GT_FAILS(gan_model_add(m, l), GAN_E_INVALID_ARG, "already belongs");
    gan_model_destroy(other);
    gan_model_destroy(m);
}

static void test_build_and_state_errors(void **state)
{
    (void)state;
    gan_model_t *m = gt_model(latent_dims, 1);
    GT_FAILS(gan_model_build(m, 4), GAN_E_STATE, "no layers");
    GT_FAILS(gan_model_build(NULL, 4), GAN_E_INVALID_ARG, "model");
    gan_layer_t *l;
    gt_add(m, gan_layer_dense_create(&l, 3, true), l);
    GT_FAILS(gan_model_build(m, 0), GAN_E_OUT_OF_RANGE, "batch size 0");
    GT_FAILS(gan_model_build(m, -2), GAN_E_OUT_OF_RANGE, "batch size -2");
    GT_FAILS(gan_model_forward(m, (const float[100]){0}, NULL, 1, NULL), GAN_E_STATE,
             "not built");
    float *p;
    size_t n;
    GT_FAILS(gan_model_get_params(m, &p, &n), GAN_E_STATE, "not built");
    GT_FAILS(gan_model_zero_grad(m), GAN_E_STATE, "not built");
    GT_FAILS(gan_model_set_batch_size(m, 3), GAN_E_STATE, "not built");
    int32_t batch;
    GT_FAILS(gan_model_get_batch_size(m, &batch), GAN_E_STATE, "not built");

    GT_OK(gan_model_build(m, 2));
    GT_FAILS(gan_model_build(m, 2), GAN_E_STATE, "already built");
    GT_OK(gan_layer_relu_create(&l));
    GT_FAILS(gan_model_add(m, l), GAN_E_STATE, "already built");
    GT_FAILS(gan_layer_set_init(l, GAN_PARAM_WEIGHT, GAN_INIT_ZEROS, 0, 0), GAN_E_INVALID_ARG,
             "no weight");
    gan_layer_destroy(l);
    gan_layer_t *dense;
    GT_OK(gan_model_get_layer(m, 0, &dense));
    GT_FAILS(gan_layer_set_init(dense, GAN_PARAM_WEIGHT, GAN_INIT_ZEROS, 0, 0), GAN_E_STATE,
             "already built");

    float in[200] = {0}, dout[6] = {0};
    GT_FAILS(gan_model_backward(m, dout, NULL), GAN_E_STATE, "no forward");
    GT_FAILS(gan_model_forward(m, in, NULL, 3, NULL), GAN_E_BATCH_SIZE, "built for batch 2");
    GT_FAILS(gan_model_forward(m, NULL, NULL, 2, NULL), GAN_E_INVALID_ARG, "input");
    const float *out;
    GT_FAILS(gan_model_get_layer_output(m, 0, &out), GAN_E_STATE, "no forward");
    GT_OK(gan_model_forward(m, in, NULL, 2, &out));
    GT_FAILS(gan_model_backward(m, NULL, NULL), GAN_E_INVALID_ARG, "doutput");
    GT_OK(gan_model_backward(m, dout, NULL));
    GT_OK(gan_model_set_batch_size(m, 4));
    GT_FAILS(gan_model_backward(m, dout, NULL), GAN_E_STATE, "no forward");
    GT_OK(gan_model_get_batch_size(m, &batch));
    assert_int_equal(batch, 4);
    GT_FAILS(gan_model_set_batch_size(m, 0), GAN_E_OUT_OF_RANGE, "batch size 0");
    GT_FAILS(gan_model_set_batch_size(m, 1 << 30), GAN_E_OUT_OF_RANGE, "exceeds");
    GT_OK(gan_model_get_batch_size(m, &batch));
    assert_int_equal(batch, 4); /* a refused size leaves the old one */
    gan_model_destroy(m);
}

static void test_getters_reject_null_and_bad_index(void **state)
{
    (void)state;
    gan_model_t *m = gt_model(latent_dims, 1);
    gan_layer_t *l;
    gt_add(m, gan_layer_dense_create(&l, 3, true), l);
    int32_t dims[4], ndim, count;
    size_t off, n;
    bool flag;
    GT_FAILS(gan_model_get_output_shape(m, 1, dims, &ndim), GAN_E_OUT_OF_RANGE, "index 1");
    GT_FAILS(gan_model_get_output_shape(m, -2, dims, &ndim), GAN_E_OUT_OF_RANGE, "index -2");
    GT_FAILS(gan_model_get_output_shape(m, 0, NULL, &ndim), GAN_E_INVALID_ARG, "dims");
    GT_FAILS(gan_model_get_input_shape(NULL, dims, &ndim), GAN_E_INVALID_ARG, "model");
    GT_FAILS(gan_model_get_layer(m, 5, &l), GAN_E_OUT_OF_RANGE, "index 5");
    GT_FAILS(gan_model_get_layer(m, 0, NULL), GAN_E_INVALID_ARG, "layer");
    GT_FAILS(gan_model_get_layer_count(NULL, &count), GAN_E_INVALID_ARG, "model");
    GT_FAILS(gan_model_get_layer_params(m, 3, &off, &n), GAN_E_OUT_OF_RANGE, "index 3");
    GT_FAILS(gan_model_get_param_count(m, NULL), GAN_E_INVALID_ARG, "count");
    GT_FAILS(gan_model_get_training(m, NULL), GAN_E_INVALID_ARG, "training");
    GT_FAILS(gan_model_get_trainable(NULL, &flag), GAN_E_INVALID_ARG, "model");
    GT_FAILS(gan_model_set_training(NULL, true), GAN_E_INVALID_ARG, "model");
    GT_FAILS(gan_model_set_trainable(NULL, true), GAN_E_INVALID_ARG, "model");
    GT_FAILS(gan_model_reseed(NULL, 1), GAN_E_INVALID_ARG, "model");
    GT_FAILS(gan_layer_set_name(l, ""), GAN_E_INVALID_ARG, "empty");
    GT_FAILS(gan_layer_set_name(NULL, "x"), GAN_E_INVALID_ARG, "layer");
    GT_FAILS(gan_layer_set_init(NULL, 0, 0, 0, 0), GAN_E_INVALID_ARG, "layer");
    assert_string_equal(gan_layer_get_name(NULL), "");
    assert_string_equal(gan_layer_get_kind(NULL), "");
    gan_model_destroy(NULL);
    gan_layer_destroy(NULL);
    gan_model_destroy(m);

    gan_model_t *empty = gt_model(latent_dims, 1);
    GT_FAILS(gan_model_get_output_shape(empty, -1, dims, &ndim), GAN_E_OUT_OF_RANGE, "[0, 0)");
    gan_model_destroy(empty);
}

static void test_set_init_validation(void **state)
{
    (void)state;
    gan_layer_t *l;
    GT_OK(gan_layer_dense_create(&l, 4, false));
    GT_FAILS(gan_layer_set_init(l, GAN_PARAM_BIAS, GAN_INIT_ZEROS, 0, 0), GAN_E_INVALID_ARG,
             "no bias");
    GT_FAILS(gan_layer_set_init(l, 7, GAN_INIT_ZEROS, 0, 0), GAN_E_INVALID_ARG, "group 7");
    GT_FAILS(gan_layer_set_init(l, GAN_PARAM_WEIGHT, 99, 0, 0), GAN_E_INVALID_ARG, "kind 99");
    GT_FAILS(gan_layer_set_init(l, GAN_PARAM_WEIGHT, GAN_INIT_NORMAL, 0, -1), GAN_E_OUT_OF_RANGE,
             "negative");
    GT_FAILS(gan_layer_set_init(l, GAN_PARAM_WEIGHT, GAN_INIT_UNIFORM, 1, 0), GAN_E_OUT_OF_RANGE,
             "empty");
    GT_FAILS(gan_layer_set_init(l, GAN_PARAM_WEIGHT, GAN_INIT_CONSTANT, INFINITY, 0),
             GAN_E_OUT_OF_RANGE, "finite");
    gan_layer_destroy(l);
}

typedef struct init_stats {
    double mean, std, min, max;
} init_stats;

static init_stats weights_after_init(int32_t kind, float a, float b, int32_t in, int32_t out)
{
    const int32_t dims[1] = {in};
    gan_model_t *m = gt_model(dims, 1);
    gan_layer_t *l;
    GT_OK(gan_layer_dense_create(&l, out, false));
    GT_OK(gan_layer_set_init(l, GAN_PARAM_WEIGHT, kind, a, b));
    gt_add(m, GAN_OK, l);
    GT_OK(gan_model_build(m, 1));
    float *p;
    size_t n;
    GT_OK(gan_model_get_params(m, &p, &n));
    init_stats s = {0, 0, INFINITY, -INFINITY};
    for (size_t i = 0; i < n; i++) {
        s.mean += p[i];
        s.min = fmin(s.min, p[i]);
        s.max = fmax(s.max, p[i]);
    }
    s.mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        s.std += (p[i] - s.mean) * (p[i] - s.mean);
    s.std = sqrt(s.std / (double)n);
    gan_model_destroy(m);
    return s;
}

static void test_initialisers(void **state)
{
    (void)state;
    const int32_t in = 200, out = 300; /* 60000 draws: moments within a few percent */
    init_stats s = weights_after_init(GAN_INIT_NORMAL, 0.0f, 0.02f, in, out);
    assert_true(fabs(s.mean) < 0.001 && fabs(s.std - 0.02) < 0.0006);
    s = weights_after_init(GAN_INIT_NORMAL, 3.0f, 0.5f, in, out);
    assert_true(fabs(s.mean - 3.0) < 0.02 && fabs(s.std - 0.5) < 0.015);
    s = weights_after_init(GAN_INIT_UNIFORM, -2.0f, 1.0f, in, out);
    assert_true(s.min >= -2.0 && s.max < 1.0 && fabs(s.mean + 0.5) < 0.03);
    double glorot = sqrt(6.0 / (in + out));
    s = weights_after_init(GAN_INIT_GLOROT_UNIFORM, 0, 0, in, out);
    assert_true(s.min >= -glorot && s.max < glorot && s.max > 0.95 * glorot);
    s = weights_after_init(GAN_INIT_GLOROT_NORMAL, 0, 0, in, out);
    assert_true(fabs(s.std - sqrt(2.0 / (in + out))) < 0.03 * sqrt(2.0 / (in + out)));
    s = weights_after_init(GAN_INIT_HE_NORMAL, 0, 0, in, out);
    assert_true(fabs(s.std - sqrt(2.0 / in)) < 0.03 * sqrt(2.0 / in));
    double he = sqrt(6.0 / in);
    s = weights_after_init(GAN_INIT_HE_UNIFORM, 0, 0, in, out);
    assert_true(s.min >= -he && s.max < he && s.max > 0.95 * he);
    s = weights_after_init(GAN_INIT_ZEROS, 0, 0, in, out);
    assert_true(s.min == 0.0 && s.max == 0.0);
    s = weights_after_init(GAN_INIT_ONES, 0, 0, in, out);
    assert_true(s.min == 1.0 && s.max == 1.0);
    s = weights_after_init(GAN_INIT_CONSTANT, -0.25f, 0, in, out);
    assert_true(s.min == -0.25 && s.max == -0.25);
}

static float *built_params(gan_model_t *m, size_t *n)
{
    GT_OK(gan_model_build(m, 3));
    float *p;
    GT_OK(gan_model_get_params(m, &p, n));
    return p;
}

static void test_same_seed_same_model(void **state)
{
    (void)state;
    gan_model_t *a = dcgan_generator(), *b = dcgan_generator();
    size_t na, nb;
    float *pa = built_params(a, &na), *pb = built_params(b, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(pa, pb, na * sizeof *pa);

    float z[3 * 100];
    gt_rng r;
    gt_seed(&r, 5);
    gt_fill(&r, z, 300, -1, 1);
    const float *ya, *yb;
    GT_OK(gan_model_forward(a, z, NULL, 3, &ya));
    GT_OK(gan_model_forward(b, z, NULL, 3, &yb));
    assert_memory_equal(ya, yb, 3 * 784 * sizeof *ya);

    gan_model_options_t o;
    GT_OK(gan_model_options_init(&o, sizeof o));
    o.seed = 99;
    gan_model_t *c = NULL;
    GT_OK(gan_model_create(&c, latent_dims, 1, &o));
    gan_layer_t *l;
    gt_add(c, gan_layer_dense_create(&l, 7 * 7 * 256, false), l);
    size_t nc;
    float *pc = built_params(c, &nc);
    assert_memory_not_equal(pa, pc, nc * sizeof *pc);
    gan_model_destroy(a);
    gan_model_destroy(b);
    gan_model_destroy(c);
}

static void test_batch_resize_keeps_parameters(void **state)
{
    (void)state;
    gan_model_t *g = dcgan_generator();
    size_t n;
    float *p = built_params(g, &n);
    float *copy = malloc(n * sizeof *copy);
    memcpy(copy, p, n * sizeof *copy);
    GT_OK(gan_model_set_batch_size(g, 5));
    float z[5 * 100] = {0};
    const float *y;
    GT_OK(gan_model_set_training(g, false));
    GT_OK(gan_model_forward(g, z, NULL, 5, &y));
    float *p2;
    GT_OK(gan_model_get_params(g, &p2, &n));
    assert_memory_equal(p2, copy, n * sizeof *copy);
    /* Identical inputs in inference mode give identical samples. */
    assert_memory_equal(y, y + 784, 784 * sizeof *y);
    free(copy);
    gan_model_destroy(g);
}

static void test_batchnorm_modes(void **state)
{
    (void)state;
    const int32_t dims[1] = {2};
    gan_model_t *m = gt_model(dims, 1);
    gan_layer_t *l;
    gt_add(m, gan_layer_batchnorm_create(&l, 1.0f, 1e-5f), l); /* running = last batch */
    GT_OK(gan_model_build(m, 4));
    const float x[8] = {1, 10, 2, 20, 3, 30, 6, 40};
    const float *y;
    GT_OK(gan_model_forward(m, x, NULL, 4, &y));
    /* Training: feature 0 has mean 3, biased variance 3.5. */
    for (int i = 0; i < 4; i++)
        assert_float_equal(y[2 * i], (x[2 * i] - 3.0) / sqrt(3.5 + 1e-5), 1e-5);
    GT_OK(gan_model_set_training(m, false));
    const float probe[8] = {3, 35, 3, 35, 3, 35, 3, 35};
    GT_OK(gan_model_forward(m, probe, NULL, 4, &y));
    /* Inference: running means 3 and 25, unbiased variances 14/3 and 500/3. */
    assert_float_equal(y[0], 0.0, 1e-6);
    assert_float_equal(y[1], (35.0 - 25.0) / sqrt(500.0 / 3.0 + 1e-5), 1e-5);
    bool training;
    GT_OK(gan_model_get_training(m, &training));
    assert_false(training);
    gan_model_destroy(m);
}

static void test_dropout_modes_and_reseed(void **state)
{
    (void)state;
    const int32_t dims[1] = {1000};
    gan_model_t *m = gt_model(dims, 1);
    gan_layer_t *l;
    gt_add(m, gan_layer_dropout_create(&l, 0.25f), l);
    GT_OK(gan_model_build(m, 4));
    float *x = malloc(4000 * sizeof *x), *first = malloc(4000 * sizeof *x);
    for (int i = 0; i < 4000; i++)
        x[i] = 1.0f;
    const float *y;
    GT_OK(gan_model_reseed(m, 7));
    GT_OK(gan_model_forward(m, x, NULL, 4, &y));
    int dropped = 0;
    for (int i = 0; i < 4000; i++) {
        assert_true(y[i] == 0.0f || fabsf(y[i] - 1.0f / 0.75f) < 1e-6f);
        dropped += y[i] == 0.0f;
    }
    assert_in_range(dropped, 880, 1120); /* 25% of 4000, +-4.5 sigma */
    memcpy(first, y, 4000 * sizeof *y);
    GT_OK(gan_model_forward(m, x, NULL, 4, &y));
    assert_memory_not_equal(first, y, 4000 * sizeof *y);
    GT_OK(gan_model_reseed(m, 7));
    GT_OK(gan_model_forward(m, x, NULL, 4, &y));
    assert_memory_equal(first, y, 4000 * sizeof *y);
    GT_OK(gan_model_set_training(m, false));
    GT_OK(gan_model_forward(m, x, NULL, 4, &y));
    assert_memory_equal(x, y, 4000 * sizeof *y);
    free(x);
    free(first);
    gan_model_destroy(m);
}

static void test_condition_labels(void **state)
{
    (void)state;
    const int32_t dims[3] = {2, 3, 3};
    gan_model_t *m = gt_model(dims, 3);
    gan_layer_t *l;
    gt_add(m, gan_layer_condition_create(&l, 4, 0), l);
    expect_output_shape(m, -1, 3, 6, 3, 3);
    GT_OK(gan_model_build(m, 2));
    float x[2 * 18];
    for (int i = 0; i < 36; i++)
        x[i] = (float)i;
    const float *y;
    GT_FAILS(gan_model_forward(m, x, NULL, 2, &y), GAN_E_INVALID_ARG, "needs labels");
    GT_FAILS(gan_model_forward(m, x, (const int32_t[]){1, 4}, 2, &y), GAN_E_OUT_OF_RANGE,
             "label 4 of sample 1");
    GT_FAILS(gan_model_forward(m, x, (const int32_t[]){-1, 0}, 2, &y), GAN_E_OUT_OF_RANGE,
             "label -1 of sample 0");
    GT_OK(gan_model_forward(m, x, (const int32_t[]){1, 3}, 2, &y));
    for (int n = 0; n < 2; n++) {
        assert_memory_equal(y + n * 54, x + n * 18, 18 * sizeof *y);
        int label = n ? 3 : 1;
        for (int k = 0; k < 4; k++)
            for (int p = 0; p < 9; p++)
                assert_true(y[n * 54 + 18 + k * 9 + p] == (k == label ? 1.0f : 0.0f));
    }
    gan_model_destroy(m);

    const int32_t ids[1] = {1};
    m = gt_model(ids, 1);
    gt_add(m, gan_layer_embedding_create(&l, 10, 3), l);
    GT_OK(gan_model_build(m, 2));
    GT_FAILS(gan_model_forward(m, (const float[]){2.0f, 2.5f}, NULL, 2, &y), GAN_E_OUT_OF_RANGE,
             "2.5 of sample 1");
    GT_FAILS(gan_model_forward(m, (const float[]){10.0f, 0.0f}, NULL, 2, &y),
             GAN_E_OUT_OF_RANGE, "10 of sample 0");
    GT_FAILS(gan_model_forward(m, (const float[]){NAN, 0.0f}, NULL, 2, &y), GAN_E_OUT_OF_RANGE,
             "not an integer");
    GT_OK(gan_model_forward(m, (const float[]){9.0f, 0.0f}, NULL, 2, &y));
    float *p;
    size_t n;
    GT_OK(gan_model_get_params(m, &p, &n));
    assert_memory_equal(y, p + 27, 3 * sizeof *y);
    assert_memory_equal(y + 3, p, 3 * sizeof *y);
    gan_model_destroy(m);
}

/* Backward from an intermediate layer equals the full backward with the layers above it
 * removed; bad indices and arguments are refused. */
static void test_backward_from_a_layer(void **state)
{
    (void)state;
    const int32_t dims[1] = {4};
    gan_model_t *m = gt_model(dims, 1);
    gan_layer_t *l;
    gt_add(m, gan_layer_dense_create(&l, 3, true), l);
    gt_add(m, gan_layer_tanh_create(&l), l);
    gt_add(m, gan_layer_dense_create(&l, 2, true), l);
    GT_OK(gan_model_build(m, 2));
    const float x[8] = {0.5f, -1, 2, 0.25f, 1, 1, -0.5f, 0};
    const float dh[6] = {1, -2, 0.5f, 0.25f, 1, -1};
    const float *dx;
    GT_OK(gan_model_forward(m, x, NULL, 2, NULL));
    GT_OK(gan_model_zero_grad(m));
    GT_OK(gan_model_backward_from(m, 1, dh, &dx));
    float from_layer[8];
    memcpy(from_layer, dx, sizeof from_layer);
    float *grads;
    size_t n, offset, count;
    GT_OK(gan_model_get_grads(m, &grads, &n));
    GT_OK(gan_model_get_layer_params(m, 2, &offset, &count));
    for (size_t i = offset; i < offset + count; i++)
        assert_true(grads[i] == 0.0f); /* the layer above was skipped */

    /* The same gradient through a model that ends at that layer. */
    gan_model_t *cut = gt_model(dims, 1);
    gt_add(cut, gan_layer_dense_create(&l, 3, true), l);
    gt_add(cut, gan_layer_tanh_create(&l), l);
    GT_OK(gan_model_build(cut, 2));
    float *p_full, *p_cut;
    GT_OK(gan_model_get_params(m, &p_full, &n));
    GT_OK(gan_model_get_params(cut, &p_cut, &count));
    memcpy(p_cut, p_full, count * sizeof *p_cut);
    GT_OK(gan_model_forward(cut, x, NULL, 2, NULL));
    GT_OK(gan_model_backward(cut, dh, &dx));
    assert_memory_equal(from_layer, dx, sizeof from_layer);

    GT_FAILS(gan_model_backward_from(m, 3, dh, &dx), GAN_E_OUT_OF_RANGE, "index 3");
    GT_FAILS(gan_model_backward_from(m, -2, dh, &dx), GAN_E_OUT_OF_RANGE, "index -2");
    GT_FAILS(gan_model_backward_from(m, 1, NULL, &dx), GAN_E_INVALID_ARG, "doutput");
    GT_FAILS(gan_model_backward_from(NULL, 1, dh, &dx), GAN_E_INVALID_ARG, "model");
    gan_model_destroy(cut);
    gan_model_destroy(m);
}

/* A DCGAN-like stack whose activations, BatchNorms, Dropouts and Reshape/Flatten run in
 * their input's buffer; with keep_all every output is kept and nothing is shared. */
static gan_model_t *tm_shared_stack(bool keep_all)
{
    const int32_t dims[1] = {6};
    gan_model_t *m = gt_model_seeded(dims, 1, 7);
    gan_layer_t *l;
    const int32_t grid[3] = {4, 3, 3};
    gt_add(m, gan_layer_dense_create(&l, 36, false), l);     /* 0 */
    gt_add(m, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l); /* 1: in place over 0 */
    gt_add(m, gan_layer_leaky_relu_create(&l, 0.2f), l);     /* 2: in place over 0 */
    gt_add(m, gan_layer_reshape_create(&l, grid, 3), l);     /* 3: view */
    gt_add(m, gan_layer_conv2d_create(&l, 5, 3, 1, GAN_PADDING_SAME), l); /* 4 */
    gt_add(m, gan_layer_leaky_relu_create(&l, 0.2f), l);     /* 5: in place over 4 */
    gt_add(m, gan_layer_dropout_create(&l, 0.3f), l);        /* 6: keeps 5's signs */
    gt_add(m, gan_layer_flatten_create(&l), l);              /* 7: view */
    gt_add(m, gan_layer_dense_create(&l, 2, true), l);       /* 8 */
    gt_add(m, gan_layer_tanh_create(&l), l);                 /* 9: in place over 8 */
    for (int32_t i = 0; keep_all && i < 10; i++)
        GT_OK(gan_model_keep_layer_output(m, i));
    GT_OK(gan_model_build(m, 3));
    return m;
}

/* Running layers in their input's buffer changes no bit of the outputs and gradients;
 * outputs that were written over are refused with a message naming the writer, until
 * gan_model_keep_layer_output() keeps them. */
static void test_in_place_layers(void **state)
{
    (void)state;
    gan_model_t *shared = tm_shared_stack(false), *kept = tm_shared_stack(true);
    float x[18], dy[6];
    for (int i = 0; i < 18; i++)
        x[i] = (float)((i * 7) % 11) / 5.0f - 1.0f;
    for (int i = 0; i < 6; i++)
        dy[i] = (float)(i % 3) - 0.75f;
    const float *y_shared, *y_kept, *dx_shared, *dx_kept;
    float *g_shared, *g_kept;
    size_t n_shared, n_kept;
    GT_OK(gan_model_forward(shared, x, NULL, 3, &y_shared));
    GT_OK(gan_model_forward(kept, x, NULL, 3, &y_kept));
    assert_memory_equal(y_shared, y_kept, 6 * sizeof *y_shared);
    GT_OK(gan_model_zero_grad(shared));
    GT_OK(gan_model_zero_grad(kept));
    GT_OK(gan_model_backward(shared, dy, &dx_shared));
    GT_OK(gan_model_backward(kept, dy, &dx_kept));
    assert_memory_equal(dx_shared, dx_kept, 18 * sizeof *dx_shared);
    GT_OK(gan_model_get_grads(shared, &g_shared, &n_shared));
    GT_OK(gan_model_get_grads(kept, &g_kept, &n_kept));
    assert_int_equal(n_shared, n_kept);
    assert_memory_equal(g_shared, g_kept, n_shared * sizeof *g_shared);

    const float *out;
    GT_FAILS(gan_model_get_layer_output(shared, 0, &out), GAN_E_STATE,
             "layer 0 'dense_0': its output is overwritten in place by layer 1 'batchnorm_1'");
    GT_FAILS(gan_model_get_layer_output(shared, 5, &out), GAN_E_STATE, "layer 6 'dropout_6'");
    GT_FAILS(gan_model_backward_from(shared, 5, dy, NULL), GAN_E_STATE,
             "gan_model_keep_layer_output(model, 5)");
    GT_OK(gan_model_get_layer_output(shared, 7, &out)); /* the dropout's, viewed */
    GT_OK(gan_model_get_layer_output(shared, -1, &out));
    GT_OK(gan_model_get_layer_output(kept, 0, &out));

    /* Kept after build: the batch memory is laid out again and the forward forgotten. */
    GT_OK(gan_model_keep_layer_output(shared, 5));
    GT_FAILS(gan_model_get_layer_output(shared, 5, &out), GAN_E_STATE, "no forward");
    GT_OK(gan_model_forward(shared, x, NULL, 3, &y_shared));
    GT_OK(gan_model_get_layer_output(shared, 5, &out));
    const float *out_kept;
    GT_OK(gan_model_get_layer_output(kept, 5, &out_kept));
    assert_memory_equal(out, out_kept, 3 * 45 * sizeof *out);
    GT_FAILS(gan_model_keep_layer_output(shared, 10), GAN_E_OUT_OF_RANGE, "index 10");
    GT_FAILS(gan_model_keep_layer_output(NULL, 0), GAN_E_INVALID_ARG, "model");
    gan_model_destroy(shared);
    gan_model_destroy(kept);
}

static void test_projection_layer(void **state)
{
    (void)state;
    gan_layer_t *l;
    GT_FAILS(gan_layer_projection_create(&l, 0), GAN_E_OUT_OF_RANGE, "num_classes 0");
    GT_FAILS(gan_layer_projection_create(NULL, 3), GAN_E_INVALID_ARG, "out");
    gan_model_t *img = gt_model(mnist_dims, 3);
    GT_OK(gan_layer_projection_create(&l, 3));
    GT_FAILS(gan_model_add(img, l), GAN_E_SHAPE, "Flatten");
    gan_layer_destroy(l);
    gan_model_destroy(img);

    /* y = (w + e_c) . x + b, by hand for F = 2 and classes 0 and 2. */
    const int32_t dims[1] = {2};
    gan_model_t *m = gt_model(dims, 1);
    gt_add(m, gan_layer_projection_create(&l, 3), l);
    GT_OK(gan_model_build(m, 2));
    float *p;
    size_t n;
    GT_OK(gan_model_get_params(m, &p, &n));
    assert_int_equal(n, 2 * 4 + 1);
    const float w[9] = {1, 2, 10, 20, 30, 40, 50, 60, 0.5f}; /* w, e_0, e_1, e_2, b */
    memcpy(p, w, sizeof w);
    const float x[4] = {1, -1, 2, 3};
    const int32_t labels[2] = {0, 2};
    const float *y;
    GT_FAILS(gan_model_forward(m, x, NULL, 2, &y), GAN_E_INVALID_ARG, "labels");
    GT_OK(gan_model_forward(m, x, labels, 2, &y));
    assert_float_equal(y[0], (1 + 10) * 1 + (2 + 20) * -1 + 0.5f, 1e-6);
    assert_float_equal(y[1], (1 + 50) * 2 + (2 + 60) * 3 + 0.5f, 1e-6);
    const int32_t bad[2] = {0, 3};
    GT_FAILS(gan_model_forward(m, x, bad, 2, &y), GAN_E_OUT_OF_RANGE, "label 3");
    gan_model_destroy(m);
}

static void test_activations_keep_infinities(void **state)
{
    (void)state;
    const int32_t dims[1] = {4};
    const float x[4] = {INFINITY, -INFINITY, 2.0f, -2.0f};
    const float relu[4] = {INFINITY, 0.0f, 2.0f, 0.0f};
    const float leaky[4] = {INFINITY, -INFINITY, 2.0f, -0.4f};
    for (int kind = 0; kind < 2; kind++) {
        gan_model_t *m = gt_model(dims, 1);
        gan_layer_t *l;
        if (kind == 0)
            gt_add(m, gan_layer_relu_create(&l), l);
        else
            gt_add(m, gan_layer_leaky_relu_create(&l, 0.2f), l);
        GT_OK(gan_model_build(m, 1));
        const float *y;
        GT_OK(gan_model_forward(m, x, NULL, 1, &y));
        for (int i = 0; i < 4; i++)
            assert_float_equal(y[i], (kind ? leaky : relu)[i], 1e-6);
        gan_model_destroy(m);
    }
}

static void test_profiling_counts_products(void **state)
{
    (void)state;
    const int32_t dims[1] = {6};
    gan_model_t *m = gt_model(dims, 1);
    gan_layer_t *l;
    gt_add(m, gan_layer_dense_create(&l, 5, true), l);
    gt_add(m, gan_layer_tanh_create(&l), l);
    gt_add(m, gan_layer_dense_create(&l, 3, true), l);
    GT_OK(gan_model_build(m, 4));
    float x[24], dy[12];
    for (int i = 0; i < 24; i++)
        x[i] = 0.1f * (float)(i % 7) - 0.3f;
    for (int i = 0; i < 12; i++)
        dy[i] = 0.25f;
    const float *dx;
    double fs, bs, ff, bf;
    GT_OK(gan_model_forward(m, x, NULL, 4, NULL)); /* before profiling: not counted */
    GT_OK(gan_model_set_profiling(m, 1));
    for (int pass = 0; pass < 3; pass++) {
        GT_OK(gan_model_forward(m, x, NULL, 4, NULL));
        GT_OK(gan_model_backward(m, dy, &dx));
    }
    /* Dense 6->5 at batch 4: forward 2*4*6*5 flops; backward dW and dx, twice that. */
    GT_OK(gan_model_get_layer_profile(m, 0, &fs, &bs, &ff, &bf));
    assert_true(ff == 3 * 240.0 && bf == 3 * 480.0);
    assert_true(fs > 0.0 && bs > 0.0);
    GT_OK(gan_model_get_layer_profile(m, 1, NULL, NULL, &ff, &bf));
    assert_true(ff == 0.0 && bf == 0.0); /* tanh has no products */
    GT_OK(gan_model_get_layer_profile(m, -1, NULL, NULL, &ff, NULL));
    assert_true(ff == 3 * 2.0 * 4 * 5 * 3);
    GT_OK(gan_model_set_profiling(m, 1)); /* resets */
    GT_OK(gan_model_get_layer_profile(m, 0, &fs, NULL, &ff, NULL));
    assert_true(fs == 0.0 && ff == 0.0);
    GT_OK(gan_model_set_profiling(m, 0));
    GT_OK(gan_model_forward(m, x, NULL, 4, NULL));
    GT_OK(gan_model_get_layer_profile(m, 0, NULL, NULL, &ff, NULL));
    assert_true(ff == 0.0);
    GT_FAILS(gan_model_get_layer_profile(m, 3, &fs, NULL, NULL, NULL), GAN_E_OUT_OF_RANGE,
             "index 3");
    GT_FAILS(gan_model_get_layer_profile(NULL, 0, &fs, NULL, NULL, NULL), GAN_E_INVALID_ARG,
             "model");
    GT_FAILS(gan_model_set_profiling(NULL, 1), GAN_E_INVALID_ARG, "model");
    gan_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dcgan_shapes_and_param_counts),
        cmocka_unit_test(test_profiling_counts_products),
        cmocka_unit_test(test_projection_layer),
        cmocka_unit_test(test_activations_keep_infinities),
        cmocka_unit_test(test_layer_params_tile_the_arena),
        cmocka_unit_test(test_summary),
        cmocka_unit_test(test_create_rejects_bad_arguments),
        cmocka_unit_test(test_options_versioning),
        cmocka_unit_test(test_layer_create_rejects_bad_arguments),
        cmocka_unit_test(test_add_checks_shapes),
        cmocka_unit_test(test_build_and_state_errors),
        cmocka_unit_test(test_getters_reject_null_and_bad_index),
        cmocka_unit_test(test_set_init_validation),
        cmocka_unit_test(test_initialisers),
        cmocka_unit_test(test_same_seed_same_model),
        cmocka_unit_test(test_batch_resize_keeps_parameters),
        cmocka_unit_test(test_batchnorm_modes),
        cmocka_unit_test(test_dropout_modes_and_reseed),
        cmocka_unit_test(test_condition_labels),
        cmocka_unit_test(test_backward_from_a_layer),
        cmocka_unit_test(test_in_place_layers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
