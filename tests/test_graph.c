/* Graph models through the public API: residual blocks, U-Net skips, parallel branches,
 * gates, several inputs and outputs, each checked by finite differences through the
 * whole graph; gradients of a shared tensor summed; chains unchanged; bad wiring
 * refused with a message. */
#include "test_util.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* As test_gradcheck.c: L = sum_k sum_i r_k[i] y_k[i] over every output k, compared by
 * central differences (gt_check_gradient). */
#define GG_SEED 91

/* Connect a just-created layer to the listed nodes and return its index. */
#define gg_connect(m, create_status, layer, ...)                                         \
    gg_connect_layer((m), (create_status), &(layer), (const int32_t[]){__VA_ARGS__},     \
                     (int32_t)(sizeof((const int32_t[]){__VA_ARGS__}) / sizeof(int32_t)))

static int32_t gg_connect_layer(gan_model_t *m, gan_status create_status,
                                gan_layer_t *const *layer, const int32_t *inputs, int32_t n)
{
    GT_OK(create_status);
    int32_t node = -100;
    gan_status st = gan_model_connect(m, *layer, inputs, n, &node);
    if (st != GAN_OK) {
        gan_layer_destroy(*layer);
        fail_msg("gan_model_connect -> %s: %s", gan_status_string(st), gan_last_error());
    }
    return node;
}

static gan_layer_t *gg_conv(int32_t filters, int32_t kh, int32_t kw, int32_t stride,
                            int32_t padding)
{
    gan_conv_options_t o;
    GT_OK(gan_conv_options_init(&o, sizeof o));
    o.filters = filters;
    o.kernel_h = kh;
    o.kernel_w = kw;
    o.stride_h = o.stride_w = stride;
    o.padding = padding;
    gan_layer_t *l = NULL;
    GT_OK(gan_layer_conv2d_create_ex(&l, &o));
    return l;
}

static int32_t gg_conv_on(gan_model_t *m, int32_t from, int32_t filters, int32_t kh,
                          int32_t kw, int32_t stride, int32_t padding)
{
    gan_layer_t *l = gg_conv(filters, kh, kw, stride, padding);
    return gg_connect(m, GAN_OK, l, from);
}

static size_t gg_elems(const int32_t *dims, int32_t ndim)
{
    size_t n = 1;
    for (int32_t d = 0; d < ndim; d++)
        n *= (size_t)dims[d];
    return n;
}

/* GAN_TEST_KEEP_OUTPUTS=1: every layer keeps its output, so nothing runs in place. */
static void gg_maybe_keep_outputs(gan_model_t *m)
{
    const char *v = getenv("GAN_TEST_KEEP_OUTPUTS");
    if (!v || strcmp(v, "1") != 0)
        return;
    int32_t n;
    GT_OK(gan_model_get_layer_count(m, &n));
    for (int32_t i = 0; i < n; i++)
        GT_OK(gan_model_keep_layer_output(m, i));
}

/* A built graph model with fixed inputs and loss weights. */
typedef struct gg_run {
    const char *name;
    gan_model_t *m;
    int32_t batch, n_in, n_out;
    float *x[GAN_MODEL_MAX_IO], *r[GAN_MODEL_MAX_IO];
    size_t in_n[GAN_MODEL_MAX_IO], out_n[GAN_MODEL_MAX_IO];
    float *params, *grads;
    size_t n_params;
} gg_run;

/* gamma 0.2 and beta +-1 by channel keep BatchNorm outputs away from a following
 * ReLU's kink (as test_gradcheck.c's pin). */
static void gg_pin_batchnorms(gg_run *run)
{
    int32_t n;
    GT_OK(gan_model_get_layer_count(run->m, &n));
    for (int32_t i = 0; i < n; i++) {
        gan_layer_t *l;
        GT_OK(gan_model_get_layer(run->m, i, &l));
        if (strcmp(gan_layer_get_kind(l), "batchnorm") != 0)
            continue;
        size_t off, count;
        GT_OK(gan_model_get_layer_params(run->m, i, &off, &count));
        for (size_t ch = 0; ch < count / 2; ch++) {
            run->params[off + ch] = 0.2f;
            run->params[off + count / 2 + ch] = ch % 2 ? -1.0f : 1.0f;
        }
    }
}

static gg_run gg_setup(const char *name, gan_model_t *m, int32_t batch)
{
    gg_run run = {.name = name, .m = m, .batch = batch};
    gg_maybe_keep_outputs(m);
    GT_OK(gan_model_build(m, batch));
    GT_OK(gan_model_get_io_count(m, &run.n_in, &run.n_out));
    GT_OK(gan_model_get_params(m, &run.params, &run.n_params));
    size_t n_grads;
    GT_OK(gan_model_get_grads(m, &run.grads, &n_grads));
    gt_rng rng;
    gt_seed(&rng, GG_SEED);
    gt_fill(&rng, run.params, run.n_params, -1.0f, 1.0f);
    gg_pin_batchnorms(&run);
    for (int32_t k = 0; k < run.n_in; k++) {
        int32_t dims[4], ndim;
        GT_OK(gan_model_get_input_shape_at(m, k, dims, &ndim));
        run.in_n[k] = (size_t)batch * gg_elems(dims, ndim);
        run.x[k] = malloc(run.in_n[k] * sizeof(float));
        assert_non_null(run.x[k]);
        gt_fill(&rng, run.x[k], run.in_n[k], -1.0f, 1.0f);
    }
    for (int32_t k = 0; k < run.n_out; k++) {
        int32_t index, dims[4], ndim;
        GT_OK(gan_model_get_output_node(m, k, &index));
        GT_OK(gan_model_get_output_shape(m, index, dims, &ndim));
        run.out_n[k] = (size_t)batch * gg_elems(dims, ndim);
        run.r[k] = malloc(run.out_n[k] * sizeof(float));
        assert_non_null(run.r[k]);
        gt_fill(&rng, run.r[k], run.out_n[k], -1.0f, 1.0f);
    }
    return run;
}

static void gg_teardown(gg_run *run)
{
    for (int32_t k = 0; k < run->n_in; k++)
        free(run->x[k]);
    for (int32_t k = 0; k < run->n_out; k++)
        free(run->r[k]);
    gan_model_destroy(run->m);
}

static double gg_loss(gg_run *run)
{
    const float *y[GAN_MODEL_MAX_IO];
    GT_OK(gan_model_forward_multi(run->m, (const float *const *)run->x, NULL, run->batch, y));
    double sum = 0.0;
    for (int32_t k = 0; k < run->n_out; k++)
        for (size_t i = 0; i < run->out_n[k]; i++)
            sum += (double)run->r[k][i] * y[k][i];
    return sum;
}

static double gg_loss_of(void *run)
{
    return gg_loss(run);
}

/* Every input's and every parameter's gradient against finite differences. */
static void gg_check(gg_run *run)
{
    const float *dinputs[GAN_MODEL_MAX_IO];
    GT_OK(gan_model_zero_grad(run->m));
    GT_OK(gan_model_forward_multi(run->m, (const float *const *)run->x, NULL, run->batch,
                                  NULL));
    GT_OK(gan_model_backward_multi(run->m, (const float *const *)run->r, dinputs));
    float *dx[GAN_MODEL_MAX_IO];
    for (int32_t k = 0; k < run->n_in; k++)
        dx[k] = gt_copy_floats(dinputs[k], run->in_n[k]);
    float *g = gt_copy_floats(run->grads, run->n_params);
    for (int32_t k = 0; k < run->n_in; k++) {
        char what[32];
        snprintf(what, sizeof what, "input%d", (int)k);
        gt_check_gradient(gg_loss_of, run, run->name, what, dx[k], run->x[k], run->in_n[k]);
        free(dx[k]);
    }
    gt_check_gradient(gg_loss_of, run, run->name, "param", g, run->params, run->n_params);
    free(g);
}

/* x -> Conv -> BatchNorm -> ReLU -> Conv -> BatchNorm, + x: the CycleGAN block. */
static int32_t gg_residual_block(gan_model_t *m, int32_t x, int32_t channels)
{
    gan_layer_t *l;
    int32_t h = gg_conv_on(m, x, channels, 3, 3, 1, GAN_PADDING_SAME);
    h = gg_connect(m, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l, h);
    h = gg_connect(m, gan_layer_relu_create(&l), l, h);
    h = gg_conv_on(m, h, channels, 3, 3, 1, GAN_PADDING_SAME);
    h = gg_connect(m, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l, h);
    return gg_connect(m, gan_layer_add_create(&l), l, x, h);
}

static void test_residual_blocks(void **state)
{
    (void)state;
    const int32_t in[3] = {3, 5, 5};
    gan_model_t *m = gt_model(in, 3);
    int32_t x = GAN_MODEL_INPUT(0);
    x = gg_residual_block(m, x, 3);
    x = gg_residual_block(m, x, 3); /* stacked, as the generator does */
    gan_layer_t *l;
    gg_connect(m, gan_layer_tanh_create(&l), l, x);
    gg_run run = gg_setup("residual", m, 3);
    gg_check(&run);
    gg_teardown(&run);
}

/* The pre-activation blocks of an SNGAN-style ResNet (examples/mnist_resgan): G's
 * BN -> ReLU -> Upsample -> Conv -> BN -> ReLU -> Conv plus Conv1x1 -> Upsample, then D's
 * act -> Conv -> act -> Conv -> AvgPool plus AvgPool -> Conv1x1, the block input read by
 * both paths; global pooling, Scale and Dense at the end. D's activation is Tanh here,
 * smooth where a ReLU on raw values would put kinks within the finite-difference step. */
static void test_preactivation_resnet_blocks(void **state)
{
    (void)state;
    const int32_t in[3] = {2, 4, 4};
    gan_model_t *m = gt_model(in, 3);
    gan_layer_t *l;
    const int32_t x = GAN_MODEL_INPUT(0);
    int32_t h = gg_connect(m, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l, x);
    h = gg_connect(m, gan_layer_relu_create(&l), l, h);
    h = gg_connect(m, gan_layer_upsample_create(&l, 2), l, h);
    h = gg_conv_on(m, h, 3, 3, 3, 1, GAN_PADDING_SAME);
    h = gg_connect(m, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l, h);
    h = gg_connect(m, gan_layer_relu_create(&l), l, h);
    h = gg_conv_on(m, h, 3, 3, 3, 1, GAN_PADDING_SAME);
    int32_t s = gg_conv_on(m, x, 3, 1, 1, 1, GAN_PADDING_SAME);
    s = gg_connect(m, gan_layer_upsample_create(&l, 2), l, s);
    const int32_t up = gg_connect(m, gan_layer_add_create(&l), l, h, s); /* (3,8,8) */
    h = gg_connect(m, gan_layer_tanh_create(&l), l, up);
    h = gg_conv_on(m, h, 4, 3, 3, 1, GAN_PADDING_SAME);
    h = gg_connect(m, gan_layer_tanh_create(&l), l, h);
    h = gg_conv_on(m, h, 4, 3, 3, 1, GAN_PADDING_SAME);
    h = gg_connect(m, gan_layer_avgpool2d_create(&l, 2, 2), l, h);
    s = gg_connect(m, gan_layer_avgpool2d_create(&l, 2, 2), l, up);
    s = gg_conv_on(m, s, 4, 1, 1, 1, GAN_PADDING_SAME);
    h = gg_connect(m, gan_layer_add_create(&l), l, h, s); /* (4,4,4) */
    h = gg_connect(m, gan_layer_global_avgpool_create(&l), l, h);
    h = gg_connect(m, gan_layer_scale_create(&l, 16.0f, 0.0f), l, h);
    gg_connect(m, gan_layer_dense_create(&l, 1, true), l, h);
    gg_run run = gg_setup("preactivation", m, 3);
    gg_check(&run);
    gg_teardown(&run);
}

/* Encoder 8x8 -> 4x4 -> 2x2, decoder back up, each decoder level concatenated with the
 * encoder output of its resolution (the model input at the top). Smooth activations:
 * a finite difference across a LeakyReLU kink is not a derivative. */
static void test_unet_skips(void **state)
{
    (void)state;
    const int32_t in[3] = {2, 8, 8};
    gan_model_t *m = gt_model(in, 3);
    gan_layer_t *l;
    int32_t e1 = gg_conv_on(m, GAN_MODEL_INPUT(0), 3, 3, 3, 2, GAN_PADDING_SAME);
    e1 = gg_connect(m, gan_layer_tanh_create(&l), l, e1);
    int32_t e2 = gg_conv_on(m, e1, 4, 3, 3, 2, GAN_PADDING_SAME);
    e2 = gg_connect(m, gan_layer_tanh_create(&l), l, e2);
    int32_t d2 = gg_connect(m, gan_layer_conv2d_transpose_create(&l, 3, 3, 2, GAN_PADDING_SAME),
                            l, e2);
    d2 = gg_connect(m, gan_layer_concat_create(&l), l, d2, e1); /* (6,4,4) */
    int32_t d1 = gg_connect(m, gan_layer_conv2d_transpose_create(&l, 2, 3, 2, GAN_PADDING_SAME),
                            l, d2);
    d1 = gg_connect(m, gan_layer_concat_create(&l), l, d1, GAN_MODEL_INPUT(0)); /* (4,8,8) */
    int32_t out = gg_conv_on(m, d1, 1, 3, 3, 1, GAN_PADDING_SAME);
    gg_connect(m, gan_layer_tanh_create(&l), l, out);
    int32_t dims[4], ndim;
    GT_OK(gan_model_get_output_shape(m, d2, dims, &ndim));
    assert_int_equal(dims[0], 6);
    assert_int_equal(dims[1], 4);
    GT_OK(gan_model_get_output_shape(m, -1, dims, &ndim));
    assert_int_equal(dims[0], 1);
    assert_int_equal(dims[2], 8);
    gg_run run = gg_setup("unet", m, 2);
    gg_check(&run);
    gg_teardown(&run);
}

/* One embedded sequence (1, T, E) into convolutions of several widths k (kernel k x E,
 * valid), each followed by ReLU and a max over all positions, concatenated: SeqGAN's
 * discriminator. */
static void test_parallel_branches(void **state)
{
    (void)state;
    enum { T = 9, E = 3 };
    const int32_t in[3] = {1, T, E}, widths[4] = {1, 2, 4, T};
    gan_model_t *m = gt_model(in, 3);
    gan_layer_t *l;
    int32_t pooled[4];
    for (int b = 0; b < 4; b++) {
        int32_t h = gg_conv_on(m, GAN_MODEL_INPUT(0), 2, widths[b], E, 1, GAN_PADDING_VALID);
        int32_t dims[4], ndim;
        GT_OK(gan_model_get_output_shape(m, h, dims, &ndim));
        assert_int_equal(dims[1], T - widths[b] + 1); /* (2, T-k+1, 1) */
        assert_int_equal(dims[2], 1);
        h = gg_connect(m, gan_layer_relu_create(&l), l, h);
        pooled[b] = gg_connect(m, gan_layer_global_maxpool_create(&l), l, h);
    }
    int32_t features = gg_connect(m, gan_layer_concat_create(&l), l, pooled[0], pooled[1],
                                  pooled[2], pooled[3]);
    int32_t dims[4], ndim;
    GT_OK(gan_model_get_output_shape(m, features, dims, &ndim));
    assert_int_equal(ndim, 1);
    assert_int_equal(dims[0], 8);
    gg_connect(m, gan_layer_dense_create(&l, 1, true), l, features);
    gg_run run = gg_setup("branches", m, 3);
    gg_check(&run);
    /* Profiling sees every branch: each convolution did matrix products both ways. */
    GT_OK(gan_model_set_profiling(m, 1));
    GT_OK(gan_model_forward(m, run.x[0], NULL, 3, NULL));
    GT_OK(gan_model_backward(m, run.r[0], NULL));
    for (int32_t i = 0; i < 12; i += 3) {
        double fwd_flops, bwd_flops;
        GT_OK(gan_model_get_layer_profile(m, i, NULL, NULL, &fwd_flops, &bwd_flops));
        assert_true(fwd_flops > 0.0 && bwd_flops > 0.0);
    }
    gg_teardown(&run);
}

/* y = t * g + (1 - t) * x, t = sigmoid(Dense(x)), g = ReLU(Dense(x)). */
static int32_t gg_highway(gan_model_t *m, int32_t x, int32_t width)
{
    gan_layer_t *l;
    int32_t t = gg_connect(m, gan_layer_dense_create(&l, width, true), l, x);
    t = gg_connect(m, gan_layer_sigmoid_create(&l), l, t);
    int32_t g = gg_connect(m, gan_layer_dense_create(&l, width, true), l, x);
    g = gg_connect(m, gan_layer_leaky_relu_create(&l, 0.0f), l, g);
    int32_t carry = gg_connect(m, gan_layer_scale_create(&l, -1.0f, 1.0f), l, t);
    int32_t a = gg_connect(m, gan_layer_multiply_create(&l), l, t, g);
    int32_t b = gg_connect(m, gan_layer_multiply_create(&l), l, carry, x);
    return gg_connect(m, gan_layer_add_create(&l), l, a, b);
}

static void test_highway_gate(void **state)
{
    (void)state;
    const int32_t in[1] = {6};
    gan_model_t *m = gt_model(in, 1);
    gan_layer_t *l;
    int32_t y = gg_highway(m, GAN_MODEL_INPUT(0), 6);
    gg_connect(m, gan_layer_dense_create(&l, 2, true), l, y);
    gg_run run = gg_setup("highway", m, 4);
    gg_check(&run);

    /* The forward value against the formula, for one sample. */
    const int32_t n = 4;
    GT_OK(gan_model_set_batch_size(m, n));
    GT_OK(gan_model_forward_multi(m, (const float *const *)run.x, NULL, n, NULL));
    const float *t, *g, *out;
    GT_OK(gan_model_keep_layer_output(m, 1));
    GT_OK(gan_model_keep_layer_output(m, 3));
    GT_OK(gan_model_forward_multi(m, (const float *const *)run.x, NULL, n, NULL));
    GT_OK(gan_model_get_layer_output(m, 1, &t));
    GT_OK(gan_model_get_layer_output(m, 3, &g));
    GT_OK(gan_model_get_layer_output(m, y, &out));
    for (int32_t i = 0; i < n * 6; i++) {
        const float want = t[i] * g[i] + (1.0f - t[i]) * run.x[0][i];
        assert_float_equal(out[i], want, 1e-6f * (1.0f + fabsf(want)));
    }
    gg_teardown(&run);
}

/* An image and a vector: the vector projected, tiled to the image size and
 * concatenated onto its channels (a text-to-image discriminator). */
static void test_two_inputs_tiled(void **state)
{
    (void)state;
    const int32_t image[3] = {2, 4, 4}, vec[1] = {3};
    gan_model_t *m = gt_model(image, 3);
    int32_t v;
    GT_OK(gan_model_add_input(m, vec, 1, &v));
    assert_int_equal(v, GAN_MODEL_INPUT(1));
    gan_layer_t *l;
    int32_t p = gg_connect(m, gan_layer_dense_create(&l, 2, true), l, v);
    p = gg_connect(m, gan_layer_tile_create(&l, 4, 4), l, p);
    int32_t h = gg_connect(m, gan_layer_concat_create(&l), l, GAN_MODEL_INPUT(0), p);
    h = gg_conv_on(m, h, 3, 3, 3, 2, GAN_PADDING_SAME);
    h = gg_connect(m, gan_layer_tanh_create(&l), l, h);
    h = gg_connect(m, gan_layer_flatten_create(&l), l, h);
    gg_connect(m, gan_layer_dense_create(&l, 1, true), l, h);
    GT_FAILS(gan_model_forward(m, (const float[1]){0}, NULL, 1, NULL), GAN_E_STATE, "");
    gg_run run = gg_setup("image+vector", m, 3);
    const float *one = run.x[0];
    GT_FAILS(gan_model_forward(m, one, NULL, 3, NULL), GAN_E_INVALID_ARG,
             "gan_model_forward_multi");
    gg_check(&run);
    gg_teardown(&run);
}

/* A latent vector and a condition vector concatenated (a generator's two inputs). */
static void test_two_inputs_concatenated(void **state)
{
    (void)state;
    const int32_t z[1] = {5}, c[1] = {3};
    gan_model_t *m = gt_model(z, 1);
    int32_t cond;
    GT_OK(gan_model_add_input(m, c, 1, &cond));
    gan_layer_t *l;
    int32_t h = gg_connect(m, gan_layer_concat_create(&l), l, GAN_MODEL_INPUT(0), cond);
    h = gg_connect(m, gan_layer_dense_create(&l, 4, true), l, h);
    gg_connect(m, gan_layer_tanh_create(&l), l, h);
    gg_run run = gg_setup("latent+condition", m, 2);
    gg_check(&run);
    gg_teardown(&run);
}

/* A discriminator with a real/fake logit and class logits (AC-GAN). */
static void test_two_outputs(void **state)
{
    (void)state;
    const int32_t in[3] = {1, 6, 6};
    gan_model_t *m = gt_model(in, 3);
    gan_layer_t *l;
    int32_t h = gg_conv_on(m, GAN_MODEL_INPUT(0), 3, 3, 3, 2, GAN_PADDING_SAME);
    h = gg_connect(m, gan_layer_leaky_relu_create(&l, 0.2f), l, h);
    h = gg_connect(m, gan_layer_flatten_create(&l), l, h);
    int32_t logit = gg_connect(m, gan_layer_dense_create(&l, 1, true), l, h);
    int32_t classes = gg_connect(m, gan_layer_dense_create(&l, 4, true), l, h);
    GT_OK(gan_model_set_outputs(m, (const int32_t[]){logit, classes}, 2));
    gg_run run = gg_setup("two heads", m, 3);
    assert_int_equal(run.n_out, 2);
    gg_check(&run);

    /* A loss on each head: BCE on the logit, softmax cross-entropy on the classes; the
     * input gradient of both is the sum of each alone. */
    const int32_t labels[3] = {0, 3, 1};
    const float targets[3] = {1.0f, 1.0f, 1.0f};
    const float *out[2];
    float dlogit[3], dclass[12];
    double loss;
    GT_OK(gan_model_forward_multi(m, (const float *const *)run.x, NULL, 3, out));
    GT_OK(gan_loss_bce_logits(out[0], targets, 3, &loss, dlogit));
    GT_OK(gan_loss_softmax_cross_entropy(out[1], labels, 3, 4, &loss, dclass));
    const float *dinputs[1];
    float both[36], alone[36];
    GT_OK(gan_model_backward_multi(m, (const float *const[]){dlogit, dclass}, dinputs));
    memcpy(both, dinputs[0], sizeof both);
    GT_OK(gan_model_backward_multi(m, (const float *const[]){dlogit, NULL}, dinputs));
    memcpy(alone, dinputs[0], sizeof alone);
    GT_OK(gan_model_backward_multi(m, (const float *const[]){NULL, dclass}, dinputs));
    for (int i = 0; i < 36; i++)
        assert_float_equal(both[i], alone[i] + dinputs[0][i], 1e-6f);
    /* gan_model_backward is output 0 alone. */
    const float *d0;
    GT_OK(gan_model_backward(m, dlogit, &d0));
    for (int i = 0; i < 36; i++)
        assert_true(d0[i] == alone[i]);
    GT_FAILS(gan_model_backward_multi(m, (const float *const[]){NULL, NULL}, dinputs),
             GAN_E_INVALID_ARG, "NULL");
    gg_teardown(&run);
}

/* One tensor read by several layers receives the sum of their gradients. */
static void test_shared_tensor_gradients_sum(void **state)
{
    (void)state;
    const int32_t in[1] = {5};
    gan_model_t *m = gt_model(in, 1);
    gan_layer_t *l;
    int32_t a = gg_connect(m, gan_layer_scale_create(&l, 2.0f, 0.5f), l, GAN_MODEL_INPUT(0));
    int32_t b = gg_connect(m, gan_layer_scale_create(&l, 3.0f, 0.0f), l, GAN_MODEL_INPUT(0));
    int32_t c = gg_connect(m, gan_layer_scale_create(&l, -0.25f, 0.0f), l, a);
    int32_t sum = gg_connect(m, gan_layer_add_create(&l), l, a, b, c, GAN_MODEL_INPUT(0));
    (void)sum;
    GT_OK(gan_model_build(m, 2));
    const float x[10] = {1, 2, 3, 4, 5, -1, -2, -3, -4, -5};
    float dy[10];
    for (int i = 0; i < 10; i++)
        dy[i] = (float)(i + 1) * 0.5f;
    const float *y, *dx;
    GT_OK(gan_model_forward(m, x, NULL, 2, &y));
    for (int i = 0; i < 10; i++) /* 2x+.5 + 3x - (2x+.5)/4 + x */
        assert_float_equal(y[i], 2 * x[i] + 0.5f + 3 * x[i] - 0.25f * (2 * x[i] + 0.5f) + x[i],
                           1e-5f);
    GT_OK(gan_model_backward(m, dy, &dx));
    for (int i = 0; i < 10; i++) /* dx = 2 dy + 3 dy + 2 (-0.25) dy + dy = 5.5 dy */
        assert_float_equal(dx[i], 5.5f * dy[i], 1e-6f);
    gan_model_destroy(m);

    /* A node read twice by one merge: Add(x, x) is 2x, its gradient 2 dy. */
    m = gt_model(in, 1);
    gg_connect(m, gan_layer_add_create(&l), l, GAN_MODEL_INPUT(0), GAN_MODEL_INPUT(0));
    GT_OK(gan_model_build(m, 2));
    GT_OK(gan_model_forward(m, x, NULL, 2, &y));
    GT_OK(gan_model_backward(m, dy, &dx));
    for (int i = 0; i < 10; i++) {
        assert_true(y[i] == 2 * x[i]);
        assert_true(dx[i] == 2 * dy[i]);
    }
    gan_model_destroy(m);

    /* An output that also feeds a later layer: its gradient is the caller's plus the
     * later layer's. h = 3x is output 0, y = 2h output 1. */
    m = gt_model(in, 1);
    int32_t h = gg_connect(m, gan_layer_scale_create(&l, 3.0f, 0.0f), l, GAN_MODEL_INPUT(0));
    int32_t out = gg_connect(m, gan_layer_scale_create(&l, 2.0f, 0.0f), l, h);
    GT_OK(gan_model_set_outputs(m, (const int32_t[]){h, out}, 2));
    GT_OK(gan_model_build(m, 2));
    const float *outs[2], *dxs[1];
    GT_OK(gan_model_forward_multi(m, (const float *const[]){x}, NULL, 2, outs));
    float ones[10];
    for (int i = 0; i < 10; i++)
        ones[i] = 1.0f;
    GT_OK(gan_model_backward_multi(m, (const float *const[]){ones, dy}, dxs));
    for (int i = 0; i < 10; i++) /* d/dx (1 . 3x + dy . 6x) */
        assert_float_equal(dxs[0][i], 3.0f + 6.0f * dy[i], 1e-5f);
    gan_model_destroy(m);

    /* Two Dense layers reading one tensor, checked by finite differences. */
    m = gt_model(in, 1);
    int32_t d1 = gg_connect(m, gan_layer_dense_create(&l, 3, true), l, GAN_MODEL_INPUT(0));
    int32_t d2 = gg_connect(m, gan_layer_dense_create(&l, 3, false), l, GAN_MODEL_INPUT(0));
    int32_t t1 = gg_connect(m, gan_layer_tanh_create(&l), l, d1);
    int32_t s2 = gg_connect(m, gan_layer_sigmoid_create(&l), l, d2);
    gg_connect(m, gan_layer_concat_create(&l), l, t1, s2, t1);
    gg_run run = gg_setup("shared", m, 2);
    gg_check(&run);
    gg_teardown(&run);
}

/* A chain written with gan_model_connect gives the bits gan_model_add gives. */
static gan_model_t *gg_dcgan_d(bool connected)
{
    const int32_t in[3] = {1, 8, 8};
    gan_model_t *m = gt_model(in, 3);
    gan_layer_t *ls[7] = {NULL};
    GT_OK(gan_layer_conv2d_create(&ls[0], 4, 3, 2, GAN_PADDING_SAME));
    GT_OK(gan_layer_leaky_relu_create(&ls[1], 0.2f));
    GT_OK(gan_layer_conv2d_create(&ls[2], 8, 3, 2, GAN_PADDING_SAME));
    GT_OK(gan_layer_batchnorm_create(&ls[3], 0.1f, 1e-5f));
    GT_OK(gan_layer_leaky_relu_create(&ls[4], 0.2f));
    GT_OK(gan_layer_flatten_create(&ls[5]));
    GT_OK(gan_layer_dense_create(&ls[6], 1, true));
    for (int i = 0; i < 7; i++) {
        if (connected)
            GT_OK(gan_model_connect(m, ls[i], (const int32_t[]){i ? i - 1 : GAN_MODEL_INPUT(0)},
                                    1, NULL));
        else
            GT_OK(gan_model_add(m, ls[i]));
    }
    GT_OK(gan_model_build(m, 4));
    return m;
}

static void test_connected_chain_is_bit_identical(void **state)
{
    (void)state;
    gan_model_t *a = gg_dcgan_d(false), *b = gg_dcgan_d(true);
    float x[4 * 64], dy[4];
    gt_rng rng;
    gt_seed(&rng, 5);
    gt_fill(&rng, x, 256, -1.0f, 1.0f);
    gt_fill(&rng, dy, 4, -1.0f, 1.0f);
    const float *ya, *yb, *dxa, *dxb;
    for (int step = 0; step < 2; step++) {
        GT_OK(gan_model_forward(a, x, NULL, 4, &ya));
        GT_OK(gan_model_forward(b, x, NULL, 4, &yb));
        assert_memory_equal(ya, yb, 4 * sizeof *ya);
        GT_OK(gan_model_backward(a, dy, &dxa));
        GT_OK(gan_model_backward(b, dy, &dxb));
        assert_memory_equal(dxa, dxb, sizeof x);
    }
    float *ga, *gb;
    size_t na, nb;
    GT_OK(gan_model_get_grads(a, &ga, &na));
    GT_OK(gan_model_get_grads(b, &gb, &nb));
    assert_int_equal(na, nb);
    assert_memory_equal(ga, gb, na * sizeof *ga);
    gan_model_destroy(a);
    gan_model_destroy(b);
}

/* Where a tensor has two readers, nothing may run in place over it; a branch with one
 * reader still does (BatchNorm -> ReLU). */
static void test_in_place_respects_readers(void **state)
{
    (void)state;
    const int32_t in[3] = {2, 4, 4};
    gan_model_t *m = gt_model(in, 3);
    gan_layer_t *l;
    int32_t c = gg_conv_on(m, GAN_MODEL_INPUT(0), 2, 3, 3, 1, GAN_PADDING_SAME);
    int32_t bn = gg_connect(m, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l, c);
    int32_t relu = gg_connect(m, gan_layer_relu_create(&l), l, bn);
    int32_t lrelu = gg_connect(m, gan_layer_leaky_relu_create(&l, 0.2f), l, c); /* c: 2 readers */
    gg_connect(m, gan_layer_add_create(&l), l, relu, lrelu);
    GT_OK(gan_model_build(m, 2));
    float x[64] = {0};
    GT_OK(gan_model_forward(m, x, NULL, 2, NULL));
    const float *y;
    GT_OK(gan_model_get_layer_output(m, c, &y)); /* kept: read twice */
    GT_FAILS(gan_model_get_layer_output(m, bn, &y), GAN_E_STATE, "relu_2");
    gan_model_destroy(m);
}

static void test_backward_from_in_graph(void **state)
{
    (void)state;
    const int32_t in[1] = {4};
    gan_model_t *m = gt_model(in, 1);
    gan_layer_t *l;
    int32_t a = gg_connect(m, gan_layer_scale_create(&l, 2.0f, 0.0f), l, GAN_MODEL_INPUT(0));
    int32_t b = gg_connect(m, gan_layer_scale_create(&l, 5.0f, 0.0f), l, GAN_MODEL_INPUT(0));
    gg_connect(m, gan_layer_add_create(&l), l, a, b);
    GT_OK(gan_model_build(m, 1));
    const float x[4] = {1, 2, 3, 4}, dy[4] = {1, 1, 1, 1};
    const float *dx;
    GT_OK(gan_model_forward(m, x, NULL, 1, NULL));
    GT_OK(gan_model_backward_from(m, b, dy, &dx)); /* only the 5x branch */
    for (int i = 0; i < 4; i++)
        assert_true(dx[i] == 5.0f);
    GT_OK(gan_model_backward(m, dy, &dx));
    for (int i = 0; i < 4; i++)
        assert_true(dx[i] == 7.0f);
    gan_model_destroy(m);
}

static void test_summary_names_inputs(void **state)
{
    (void)state;
    const int32_t in[1] = {4}, c[1] = {2};
    gan_model_t *m = gt_model(in, 1);
    GT_OK(gan_model_add_input(m, c, 1, NULL));
    gan_layer_t *l;
    int32_t d = gg_connect(m, gan_layer_dense_create(&l, 2, true), l, GAN_MODEL_INPUT(0));
    GT_OK(gan_layer_set_name(l, "proj"));
    gg_connect(m, gan_layer_concat_create(&l), l, d, GAN_MODEL_INPUT(1));
    char buf[2048];
    GT_OK(gan_model_summary(m, buf, sizeof buf, NULL));
    assert_non_null(strstr(buf, "input1 (2)"));
    assert_non_null(strstr(buf, "proj, input1"));
    int32_t srcs[4], n;
    GT_OK(gan_model_get_layer_inputs(m, 1, srcs, 4, &n));
    assert_int_equal(n, 2);
    assert_int_equal(srcs[0], d);
    assert_int_equal(srcs[1], GAN_MODEL_INPUT(1));
    gan_model_destroy(m);
}

/* A GAN of graph models in the one-call trainer: G with two parallel Dense branches
 * added, D with a highway gate. */
typedef struct gg_gan {
    gan_model_t *g, *d;
    gan_optimizer_t *g_opt, *d_opt;
    gan_trainer_t *t;
} gg_gan;

static gg_gan gg_gan_create(bool swap_gate)
{
    gg_gan r = {0};
    const int32_t z[1] = {8}, image[1] = {4};
    gan_layer_t *l;
    r.g = gt_model_seeded(z, 1, 3);
    int32_t h = gg_connect(r.g, gan_layer_dense_create(&l, 12, true), l, GAN_MODEL_INPUT(0));
    h = gg_connect(r.g, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l, h);
    h = gg_connect(r.g, gan_layer_relu_create(&l), l, h);
    int32_t a = gg_connect(r.g, gan_layer_dense_create(&l, 6, true), l, h);
    int32_t b = gg_connect(r.g, gan_layer_dense_create(&l, 6, false), l, h);
    h = gg_connect(r.g, gan_layer_add_create(&l), l, a, b);
    h = gg_connect(r.g, gan_layer_dense_create(&l, 4, true), l, h);
    gg_connect(r.g, gan_layer_tanh_create(&l), l, h);
    GT_OK(gan_model_build(r.g, 8));

    r.d = gt_model_seeded(image, 1, 4);
    GT_OK(gan_layer_dense_create(&l, 6, true));
    GT_OK(gan_layer_set_spectral_norm(l, true)); /* u, v: state the checkpoint carries */
    int32_t x = gg_connect(r.d, GAN_OK, l, GAN_MODEL_INPUT(0));
    x = gg_connect(r.d, gan_layer_leaky_relu_create(&l, 0.2f), l, x);
    int32_t t = gg_connect(r.d, gan_layer_dense_create(&l, 6, true), l, x);
    t = gg_connect(r.d, gan_layer_sigmoid_create(&l), l, t);
    int32_t g = gg_connect(r.d, gan_layer_dense_create(&l, 6, true), l, x);
    g = gg_connect(r.d, gan_layer_relu_create(&l), l, g);
    int32_t carry = gg_connect(r.d, gan_layer_scale_create(&l, -1.0f, 1.0f), l, t);
    /* swap_gate: the same layers wired otherwise, (1 - t) * g + t * x. */
    int32_t p = gg_connect(r.d, gan_layer_multiply_create(&l), l, swap_gate ? carry : t, g);
    int32_t q = gg_connect(r.d, gan_layer_multiply_create(&l), l, swap_gate ? t : carry, x);
    int32_t y = gg_connect(r.d, gan_layer_add_create(&l), l, p, q);
    gg_connect(r.d, gan_layer_dense_create(&l, 1, true), l, y);
    GT_OK(gan_model_build(r.d, 8));

    GT_OK(gan_optimizer_adam_create(&r.g_opt, r.g, 1e-3f, 0.5f, 0.999f, 1e-8f));
    GT_OK(gan_optimizer_adam_create(&r.d_opt, r.d, 1e-3f, 0.5f, 0.999f, 1e-8f));
    gan_hacks_t *hk;
    GT_OK(gan_hacks_create(&hk));
    GT_OK(gan_hacks_set(hk, GAN_HACK_EMA_DECAY, 0.9));
    GT_OK(gan_trainer_create(&r.t, r.g, r.d, r.g_opt, r.d_opt, hk));
    gan_hacks_destroy(hk);
    return r;
}

static void gg_gan_train(gg_gan *r, uint64_t end)
{
    uint64_t pos;
    GT_OK(gan_trainer_get_data_position(r->t, &pos));
    for (; pos < end; pos++) {
        float x[8 * 4];
        gt_rng g;
        gt_seed(&g, 500 + pos);
        gt_fill(&g, x, 32, -0.8f, 0.8f);
        gan_step_stats_t stats;
        stats.struct_size = sizeof stats;
        GT_OK(gan_trainer_step(r->t, x, NULL, 8, &stats));
        assert_true(isfinite(stats.d_loss) && isfinite(stats.g_loss));
        GT_OK(gan_trainer_set_data_position(r->t, pos + 1));
    }
}

static void gg_gan_destroy(gg_gan *r)
{
    gt_gan_destroy(r->t, r->g_opt, r->d_opt, r->g, r->d);
}

static void test_graph_gan_checkpoint_resumes_exactly(void **state)
{
    (void)state;
    char dir[] = "/tmp/gan_graph_XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/graph.gan", dir);
    gg_gan a = gg_gan_create(false), b = gg_gan_create(false), c = gg_gan_create(true);
    gg_gan_train(&a, 4);
    GT_OK(gan_trainer_save(a.t, path));
    gg_gan_train(&a, 9);
    GT_OK(gan_trainer_load(b.t, path));
    gg_gan_train(&b, 9);
    gan_model_t *pairs[2][2] = {{a.g, b.g}, {a.d, b.d}};
    for (int i = 0; i < 2; i++) {
        float *pa, *pb;
        size_t na, nb;
        GT_OK(gan_model_get_params(pairs[i][0], &pa, &na));
        GT_OK(gan_model_get_params(pairs[i][1], &pb, &nb));
        assert_int_equal(na, nb);
        assert_memory_equal(pa, pb, na * sizeof *pa);
    }
    /* The same layers, otherwise wired: refused, naming the wiring. */
    GT_FAILS(gan_trainer_load(c.t, path), GAN_E_FORMAT, "wiring");
    gg_gan_destroy(&a);
    gg_gan_destroy(&b);
    gg_gan_destroy(&c);
    unlink(path);
    rmdir(dir);
}

/* A chain is a chain in a checkpoint however it was built: a trainer whose D is
 * connected layer by layer loads the file of one whose D was added, and saves the same
 * bytes. */
static gan_trainer_t *gg_chain_trainer(bool connected, gan_model_t *models[2],
                                       gan_optimizer_t *opts[2])
{
    const int32_t z[1] = {8}, image[3] = {1, 8, 8};
    gan_layer_t *l;
    models[0] = gt_model_seeded(z, 1, 5);
    gt_add(models[0], gan_layer_dense_create(&l, 64, true), l);
    gt_add(models[0], gan_layer_tanh_create(&l), l);
    gt_add(models[0], gan_layer_reshape_create(&l, image, 3), l);
    GT_OK(gan_model_build(models[0], 4));
    models[1] = gg_dcgan_d(connected);
    for (int i = 0; i < 2; i++)
        GT_OK(gan_optimizer_adam_create(&opts[i], models[i], 1e-3f, 0.5f, 0.999f, 1e-8f));
    gan_trainer_t *t = NULL;
    GT_OK(gan_trainer_create(&t, models[0], models[1], opts[0], opts[1], NULL));
    return t;
}

static void test_connected_chain_checkpoint(void **state)
{
    (void)state;
    char dir[] = "/tmp/gan_graph_XXXXXX", added[64], connected[64];
    assert_non_null(mkdtemp(dir));
    snprintf(added, sizeof added, "%s/added.gan", dir);
    snprintf(connected, sizeof connected, "%s/connected.gan", dir);
    gan_model_t *ma[2], *mc[2];
    gan_optimizer_t *oa[2], *oc[2];
    gan_trainer_t *ta = gg_chain_trainer(false, ma, oa), *tc = gg_chain_trainer(true, mc, oc);
    float real[4 * 64];
    gt_rng g;
    gt_seed(&g, 17);
    gt_fill(&g, real, 4 * 64, -0.9f, 0.9f);
    GT_OK(gan_trainer_step(ta, real, NULL, 4, NULL));
    GT_OK(gan_trainer_save(ta, added));
    GT_OK(gan_trainer_load(tc, added));
    GT_OK(gan_trainer_save(tc, connected));
    FILE *fa = fopen(added, "rb"), *fc = fopen(connected, "rb");
    assert_non_null(fa);
    assert_non_null(fc);
    int ca, cc;
    long at = 0;
    do {
        ca = fgetc(fa);
        cc = fgetc(fc);
        if (ca != cc)
            fail_msg("the files differ at byte %ld", at);
        at++;
    } while (ca != EOF);
    fclose(fa);
    fclose(fc);
    gt_gan_destroy(ta, oa[0], oa[1], ma[0], ma[1]);
    gt_gan_destroy(tc, oc[0], oc[1], mc[0], mc[1]);
    unlink(added);
    unlink(connected);
    rmdir(dir);
}

/* A GAN whose D joins 150 nodes in one Concat; @p swap exchanges the last two. */
static gg_gan gg_wide_gan_create(bool swap)
{
    gg_gan r = {0};
    const int32_t z[1] = {4}, image[1] = {4};
    gan_layer_t *l;
    r.g = gt_model_seeded(z, 1, 3);
    gg_connect(r.g, gan_layer_dense_create(&l, 4, true), l, GAN_MODEL_INPUT(0));
    GT_OK(gan_model_build(r.g, 2));
    r.d = gt_model_seeded(image, 1, 4);
    int32_t a = gg_connect(r.d, gan_layer_scale_create(&l, 2.0f, 0.0f), l, GAN_MODEL_INPUT(0));
    int32_t b = gg_connect(r.d, gan_layer_scale_create(&l, 3.0f, 0.0f), l, GAN_MODEL_INPUT(0));
    int32_t ids[150];
    for (int i = 0; i < 150; i++)
        ids[i] = i % 2 ? b : a;
    if (swap) {
        ids[148] = b;
        ids[149] = a;
    }
    GT_OK(gan_layer_concat_create(&l));
    int32_t cat = gg_connect_layer(r.d, GAN_OK, &l, ids, 150);
    gg_connect(r.d, gan_layer_dense_create(&l, 1, true), l, cat);
    GT_OK(gan_model_build(r.d, 2));
    GT_OK(gan_optimizer_adam_create(&r.g_opt, r.g, 1e-3f, 0.5f, 0.999f, 1e-8f));
    GT_OK(gan_optimizer_adam_create(&r.d_opt, r.d, 1e-3f, 0.5f, 0.999f, 1e-8f));
    GT_OK(gan_trainer_create(&r.t, r.g, r.d, r.g_opt, r.d_opt, NULL));
    return r;
}

/* A checkpoint names every node a layer reads, however many: the wiring of a merge of
 * 150 nodes does not fit a record's 255 characters, and two such merges that differed
 * only past that point loaded each other's checkpoints. */
static void test_checkpoint_long_wiring(void **state)
{
    (void)state;
    char dir[] = "/tmp/gan_graph_XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/wide.gan", dir);
    gg_gan a = gg_wide_gan_create(false), b = gg_wide_gan_create(false),
           c = gg_wide_gan_create(true);
    GT_OK(gan_trainer_save(a.t, path));
    GT_OK(gan_trainer_load(b.t, path));
    GT_FAILS(gan_trainer_load(c.t, path), GAN_E_FORMAT, "wiring");
    gg_gan_destroy(&a);
    gg_gan_destroy(&b);
    gg_gan_destroy(&c);
    unlink(path);
    rmdir(dir);
}

/* Bad wiring: each refused with a status and a message, the model still usable. */
/* An allocator that can be told to refuse, and that puts a guard of known bytes behind
 * every block and checks it when the block is freed: a write past a model's arena shows. */
#define GG_GUARD 65536
#define GG_ALIGN 64
typedef struct gg_guarded {
    bool refuse;
    int overrun; /* blocks whose guard was found written */
} gg_guarded;

static void *gg_guarded_alloc(void *user, size_t size, size_t alignment)
{
    gg_guarded *g = user;
    if (g->refuse || alignment > GG_ALIGN)
        return NULL;
    const size_t total = (GG_ALIGN + size + GG_GUARD + GG_ALIGN - 1) / GG_ALIGN * GG_ALIGN;
    unsigned char *block = aligned_alloc(GG_ALIGN, total);
    if (!block)
        return NULL;
    memcpy(block, &size, sizeof size);
    memset(block + GG_ALIGN + size, 0xA5, GG_GUARD);
    return block + GG_ALIGN;
}

static void gg_guarded_free(void *user, void *ptr)
{
    gg_guarded *g = user;
    unsigned char *block = (unsigned char *)ptr - GG_ALIGN;
    size_t size;
    memcpy(&size, block, sizeof size);
    for (size_t i = 0; i < GG_GUARD; i++)
        if (block[GG_ALIGN + size + i] != 0xA5) {
            g->overrun++;
            break;
        }
    free(block);
}

/* A refused gan_model_set_batch_size leaves the old size in force: the accumulation
 * slots of a node read by several layers stay those of the old arena. Here the second
 * Add sums two shared gradients into two slots; after a refused growth to batch 512 the
 * second slot was placed 512 samples into an arena laid out for 2. */
static void test_refused_resize_keeps_accumulation_slots(void **state)
{
    (void)state;
    gg_guarded guard = {0};
    gan_allocator_t al = {.struct_size = sizeof al, .alloc = gg_guarded_alloc,
                          .free = gg_guarded_free, .user = &guard};
    gan_model_options_t o;
    GT_OK(gan_model_options_init(&o, sizeof o));
    o.allocator = &al;
    const int32_t in[1] = {16};
    gan_model_t *m = NULL;
    GT_OK(gan_model_create(&m, in, 1, &o));
    gan_layer_t *l;
    int32_t a = gg_connect(m, gan_layer_scale_create(&l, 2.0f, 0.0f), l, GAN_MODEL_INPUT(0));
    int32_t b = gg_connect(m, gan_layer_scale_create(&l, 3.0f, 0.0f), l, GAN_MODEL_INPUT(0));
    int32_t p = gg_connect(m, gan_layer_multiply_create(&l), l, a, b); /* 6x^2 */
    int32_t s = gg_connect(m, gan_layer_add_create(&l), l, a, b);      /* 5x */
    gg_connect(m, gan_layer_add_create(&l), l, p, s);
    GT_OK(gan_model_build(m, 2));
    float x[32], dy[32];
    gt_rng rng;
    gt_seed(&rng, 17);
    gt_fill(&rng, x, 32, -1.0f, 1.0f);
    gt_fill(&rng, dy, 32, -1.0f, 1.0f);
    guard.refuse = true;
    GT_FAILS(gan_model_set_batch_size(m, 512), GAN_E_NO_MEMORY, "batch 512");
    guard.refuse = false;
    const float *y, *dx;
    GT_OK(gan_model_forward(m, x, NULL, 2, &y));
    GT_OK(gan_model_backward(m, dy, &dx));
    for (int i = 0; i < 32; i++) {
        assert_float_equal(y[i], 6.0f * x[i] * x[i] + 5.0f * x[i], 1e-5f);
        assert_float_equal(dx[i], dy[i] * (12.0f * x[i] + 5.0f), 1e-5f);
    }
    gan_model_destroy(m);
    assert_int_equal(guard.overrun, 0);
}

static void test_bad_wiring(void **state)
{
    (void)state;
    const int32_t in[1] = {4}, img[3] = {2, 4, 4};
    gan_model_t *m = gt_model(in, 1);
    gan_layer_t *l, *l2;
    GT_OK(gan_layer_dense_create(&l, 3, true));
    /* A cycle: the layer reading itself (index 0 does not exist yet). */
    GT_FAILS(gan_model_connect(m, l, (const int32_t[]){0}, 1, NULL), GAN_E_OUT_OF_RANGE,
             "no cycles");
    /* A dangling input. */
    GT_FAILS(gan_model_connect(m, l, (const int32_t[]){GAN_MODEL_INPUT(2)}, 1, NULL),
             GAN_E_OUT_OF_RANGE, "model input 2");
    GT_FAILS(gan_model_connect(m, l, (const int32_t[]){-7}, 1, NULL), GAN_E_OUT_OF_RANGE,
             "model input 5, but the model has 1");
    GT_FAILS(gan_model_connect(m, l, (const int32_t[]){-1}, 1, NULL), GAN_E_OUT_OF_RANGE,
             "node -1, which is no layer");
    GT_FAILS(gan_model_connect(m, l, NULL, 1, NULL), GAN_E_INVALID_ARG, "inputs");
    GT_FAILS(gan_model_connect(m, l, (const int32_t[]){GAN_MODEL_INPUT(0)}, 0, NULL),
             GAN_E_OUT_OF_RANGE, "n_inputs");
    GT_FAILS(gan_model_connect(NULL, l, (const int32_t[]){GAN_MODEL_INPUT(0)}, 1, NULL),
             GAN_E_INVALID_ARG, "model");
    /* One-input layers take one input. */
    GT_FAILS(gan_model_connect(m, l, (const int32_t[]){GAN_MODEL_INPUT(0), GAN_MODEL_INPUT(0)},
                               2, NULL),
             GAN_E_INVALID_ARG, "takes 1 input");
    GT_OK(gan_model_connect(m, l, (const int32_t[]){GAN_MODEL_INPUT(0)}, 1, NULL));
    /* Connecting a layer twice. */
    GT_FAILS(gan_model_connect(m, l, (const int32_t[]){GAN_MODEL_INPUT(0)}, 1, NULL),
             GAN_E_INVALID_ARG, "already belongs");
    /* Shapes that do not merge: (3) + (4). */
    GT_OK(gan_layer_add_create(&l2));
    GT_FAILS(gan_model_connect(m, l2, (const int32_t[]){0, GAN_MODEL_INPUT(0)}, 2, NULL),
             GAN_E_SHAPE, "input 1 is (4)");
    GT_FAILS(gan_model_connect(m, l2, (const int32_t[]){0, GAN_MODEL_INPUT(0)}, 2, NULL),
             GAN_E_SHAPE, "layer 0 'dense_0' (3), input 0 (4)");
    gan_layer_destroy(l2);
    /* Outputs. */
    GT_FAILS(gan_model_set_outputs(m, (const int32_t[]){0, 0}, 2), GAN_E_INVALID_ARG,
             "output 0 and 1");
    GT_FAILS(gan_model_set_outputs(m, (const int32_t[]){3}, 1), GAN_E_OUT_OF_RANGE, "node 3");
    GT_FAILS(gan_model_set_outputs(m, (const int32_t[]){0}, 0), GAN_E_OUT_OF_RANGE, "outputs");
    /* An unused input, then a layer nobody reads. */
    GT_OK(gan_model_add_input(m, in, 1, NULL));
    GT_FAILS(gan_model_build(m, 2), GAN_E_STATE, "input 1 (4) is read by no layer");
    GT_OK(gan_layer_relu_create(&l));
    GT_OK(gan_model_connect(m, l, (const int32_t[]){GAN_MODEL_INPUT(1)}, 1, NULL)); /* 1 */
    GT_OK(gan_layer_tanh_create(&l));
    GT_OK(gan_model_connect(m, l, (const int32_t[]){0}, 1, NULL)); /* 2: relu_1 unread */
    GT_FAILS(gan_model_build(m, 2), GAN_E_STATE, "layer 1 'relu_1': its output is read by no");
    GT_OK(gan_model_set_outputs(m, (const int32_t[]){2, 1}, 2));
    GT_OK(gan_model_build(m, 2));
    GT_FAILS(gan_model_add_input(m, in, 1, NULL), GAN_E_STATE, "built");
    GT_FAILS(gan_model_set_outputs(m, (const int32_t[]){2}, 1), GAN_E_STATE, "built");
    GT_OK(gan_layer_relu_create(&l));
    GT_FAILS(gan_model_connect(m, l, (const int32_t[]){0}, 1, NULL), GAN_E_STATE, "built");
    gan_layer_destroy(l);
    gan_model_destroy(m);

    /* Concat: channels differ freely, the rest must agree. */
    m = gt_model(img, 3);
    const int32_t other[3] = {3, 5, 4};
    int32_t second;
    GT_OK(gan_model_add_input(m, other, 3, &second));
    GT_OK(gan_layer_concat_create(&l));
    GT_FAILS(gan_model_connect(m, l, (const int32_t[]){GAN_MODEL_INPUT(0), second}, 2, NULL),
             GAN_E_SHAPE, "input 1 is (3,5,4)");
    gan_layer_destroy(l);
    for (int k = 0; k < GAN_MODEL_MAX_IO - 2; k++)
        GT_OK(gan_model_add_input(m, in, 1, NULL));
    GT_FAILS(gan_model_add_input(m, in, 1, NULL), GAN_E_OUT_OF_RANGE, "16 inputs");
    GT_FAILS(gan_model_add_input(m, NULL, 1, NULL), GAN_E_INVALID_ARG, "");
    gan_model_destroy(m);

    /* Argument checks of the new creators and getters. */
    GT_FAILS(gan_layer_add_create(NULL), GAN_E_INVALID_ARG, "out");
    GT_FAILS(gan_layer_tile_create(&l, 0, 3), GAN_E_OUT_OF_RANGE, "height 0");
    GT_FAILS(gan_layer_scale_create(&l, NAN, 0.0f), GAN_E_OUT_OF_RANGE, "finite");
    GT_OK(gan_layer_tile_create(&l, 2, 2));
    m = gt_model(img, 3);
    GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, "tile expects a vector");
    gan_layer_destroy(l);
    int32_t dims[4], nd, idx;
    GT_FAILS(gan_model_get_input_shape_at(m, 1, dims, &nd), GAN_E_OUT_OF_RANGE, "input 1");
    GT_FAILS(gan_model_get_output_node(m, 0, &idx), GAN_E_OUT_OF_RANGE, "output 0");
    GT_FAILS(gan_model_get_io_count(NULL, NULL, NULL), GAN_E_INVALID_ARG, "model");
    GT_FAILS(gan_model_forward_multi(m, NULL, NULL, 1, NULL), GAN_E_STATE, "not built");
    gan_model_destroy(m);
}

int main(void)
{
    const char *threads = getenv("GAN_TEST_THREADS");
    if (threads && gan_set_num_threads((int32_t)atoi(threads)) != GAN_OK)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_residual_blocks),
        cmocka_unit_test(test_preactivation_resnet_blocks),
        cmocka_unit_test(test_unet_skips),
        cmocka_unit_test(test_parallel_branches),
        cmocka_unit_test(test_highway_gate),
        cmocka_unit_test(test_two_inputs_tiled),
        cmocka_unit_test(test_two_inputs_concatenated),
        cmocka_unit_test(test_two_outputs),
        cmocka_unit_test(test_shared_tensor_gradients_sum),
        cmocka_unit_test(test_connected_chain_is_bit_identical),
        cmocka_unit_test(test_in_place_respects_readers),
        cmocka_unit_test(test_backward_from_in_graph),
        cmocka_unit_test(test_summary_names_inputs),
        cmocka_unit_test(test_graph_gan_checkpoint_resumes_exactly),
        cmocka_unit_test(test_checkpoint_long_wiring),
        cmocka_unit_test(test_connected_chain_checkpoint),
        cmocka_unit_test(test_bad_wiring),
        cmocka_unit_test(test_refused_resize_keeps_accumulation_slots),
    };
    return cmocka_run_group_tests_name("graph", tests, NULL, NULL);
}
