/* Finite-difference checks of every layer's backward: input and parameter gradients. */
#include "test_util.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The loss is L = sum_i r_i y_i for a fixed random r, accumulated in double, so dL/dy = r
 * is what gan_model_backward receives. Each input element and each parameter is moved
 * by +-GT_GRAD_EPS and the central difference is compared with the analytic gradient
 * (gt_check_gradient). In float32 the difference quotient carries about
 * 1e-7 * |L| / GT_GRAD_EPS of rounding noise and, for the curved layers,
 * GT_GRAD_EPS^2 * |f'''| / 6 of truncation error. With GT_VERBOSE set in the
 * environment every check prints its worst error. */
#define GC_EPS GT_GRAD_EPS
/* Kinked activations are fed values at least this far from 0 (many GC_EPS). */
#define GC_KINK_MARGIN 0.1f
#define GC_SEED 77
#define GC_MAX_LAYERS 8

typedef enum gc_kind {
    GC_END = 0, /* terminates a case's layer list */
    GC_DENSE,
    GC_CONV,
    GC_CONV_T,
    GC_BATCHNORM,
    GC_LEAKY_RELU,
    GC_RELU,
    GC_TANH,
    GC_SIGMOID,
    GC_DROPOUT,
    GC_RESHAPE,
    GC_FLATTEN,
    GC_EMBEDDING,
    GC_CONDITION,
    GC_PROJECTION,
    GC_UPSAMPLE,
    GC_AVGPOOL,
    GC_MAXPOOL,
    GC_GLOBAL_AVGPOOL,
    GC_GLOBAL_MAXPOOL,
    GC_MINIBATCH_STDDEV,
    GC_INSTANCENORM,
    GC_GROUPNORM,
    GC_PAD,
    GC_EMBEDDING_SEQUENCE,
    GC_HIGHWAY,
    GC_LSTM,
    GC_GRU,
    GC_BAG_OF_WORDS,
    GC_COND_AUGMENT
} gc_kind;

/* One layer and the arguments of its create function. */
typedef struct gc_layer {
    gc_kind kind;
    int32_t n;    /* Dense units; Embedding, Condition and Projection classes; BagOfWords
                   * vocabulary; Upsample factor; pooling kernel */
    int32_t dim;  /* Embedding and BagOfWords dim; Condition embed_dim (0: one-hot);
                   * pooling stride */
    float f;      /* LeakyReLU alpha; Dropout rate; BatchNorm momentum (0: 0.1); Highway
                   * gate bias; conditioning augmentation's KL weight */
    bool no_bias; /* Dense, convolutions */
    bool sn;      /* Dense, convolutions: spectral normalisation */
    bool affine;  /* InstanceNorm, GroupNorm (.n groups) */
    int32_t mode; /* Pad2D: GAN_PAD_*, with the pads in .pad; BagOfWords: pad_id */
    bool last;    /* LSTM, GRU (.n hidden): return only the last step */
    struct { int32_t filters, kh, kw, sh, sw, padding; } k;
    struct { int32_t top, bottom, left, right; } pad; /* explicit convolutions, Pad2D */
    struct { int32_t h, w; } out_pad;
    int32_t dims[4]; /* Reshape target, 0-terminated */
} gc_layer;

typedef enum gc_input {
    GC_INPUT_UNIFORM = 0, /* U[-1, 1) */
    GC_INPUT_AWAY,        /* +-[GC_KINK_MARGIN, 1]: for kinked activations */
    GC_INPUT_CLASS_IDS,   /* integral floats in [0, classes): Embedding */
    GC_INPUT_DISTINCT     /* a shuffle of values GC_DISTINCT_STEP apart: max pooling,
                           * minibatch standard deviation */
} gc_input;

/* More than the 2 GC_EPS a perturbation can close, so no maximum changes hands, and a
 * feature's standard deviation across a batch stays well above GC_EPS (the finite
 * difference of a standard deviation near 0 is all curvature). */
#define GC_DISTINCT_STEP 0.05f

typedef struct gc_case {
    const char *name;
    int32_t in[4]; /* input shape, 0-terminated */
    int32_t batch;
    gc_layer layers[GC_MAX_LAYERS];
    gc_input input;
    int32_t classes;  /* labels (Condition) or class ids (Embedding) in [0, classes) */
    bool inference;   /* warm the running statistics up, then check in inference mode */
    bool cold;        /* with inference: no warm-up, spectral norms keep their first u, v */
    bool pin_batchnorm; /* make BatchNorm outputs keep away from the next kink */
    int32_t built_for;  /* build for this batch, then switch to `batch`; 0: batch */
} gc_case;

/* The model under test, its fixed input, labels and loss weights. */
typedef struct gc_run {
    const gc_case *c;
    gan_model_t *m;
    float *x, *r;
    int32_t *labels;
    size_t n_in, n_out, n_params;
    float *params, *grads;
} gc_run;

static int32_t gc_rank(const int32_t dims[4])
{
    int32_t n = 0;
    while (n < 4 && dims[n])
        n++;
    return n;
}

static gan_status gc_conv_create(const gc_layer *s, gan_layer_t **l)
{
    gan_conv_options_t o;
    gan_status st = gan_conv_options_init(&o, sizeof o);
    if (st != GAN_OK)
        return st;
    o.filters = s->k.filters;
    o.kernel_h = s->k.kh;
    o.kernel_w = s->k.kw;
    o.stride_h = s->k.sh;
    o.stride_w = s->k.sw;
    o.padding = s->k.padding;
    o.pad_top = s->pad.top;
    o.pad_bottom = s->pad.bottom;
    o.pad_left = s->pad.left;
    o.pad_right = s->pad.right;
    o.output_padding_h = s->out_pad.h;
    o.output_padding_w = s->out_pad.w;
    o.use_bias = !s->no_bias;
    return s->kind == GC_CONV ? gan_layer_conv2d_create_ex(l, &o)
                              : gan_layer_conv2d_transpose_create_ex(l, &o);
}

static gan_status gc_norm_create(const gc_layer *s, gan_layer_t **l)
{
    if (s->kind == GC_INSTANCENORM) {
        gan_instancenorm_options_t o;
        gan_status st = gan_instancenorm_options_init(&o, sizeof o);
        o.affine = s->affine;
        return st == GAN_OK ? gan_layer_instancenorm_create(l, &o) : st;
    }
    gan_groupnorm_options_t o;
    gan_status st = gan_groupnorm_options_init(&o, sizeof o);
    o.groups = s->n;
    o.affine = s->affine;
    return st == GAN_OK ? gan_layer_groupnorm_create(l, &o) : st;
}

static gan_status gc_layer_create(const gc_layer *s, gan_layer_t **l)
{
    switch (s->kind) {
    case GC_DENSE:
        return gan_layer_dense_create(l, s->n, !s->no_bias);
    case GC_CONV:
    case GC_CONV_T:
        return gc_conv_create(s, l);
    case GC_BATCHNORM:
        return gan_layer_batchnorm_create(l, s->f > 0.0f ? s->f : 0.1f, 1e-5f);
    case GC_LEAKY_RELU:
        return gan_layer_leaky_relu_create(l, s->f);
    case GC_RELU:
        return gan_layer_relu_create(l);
    case GC_TANH:
        return gan_layer_tanh_create(l);
    case GC_SIGMOID:
        return gan_layer_sigmoid_create(l);
    case GC_DROPOUT:
        return gan_layer_dropout_create(l, s->f);
    case GC_RESHAPE:
        return gan_layer_reshape_create(l, s->dims, gc_rank(s->dims));
    case GC_FLATTEN:
        return gan_layer_flatten_create(l);
    case GC_EMBEDDING:
        return gan_layer_embedding_create(l, s->n, s->dim);
    case GC_EMBEDDING_SEQUENCE:
        return gan_layer_embedding_sequence_create(l, s->n, s->dim);
    case GC_HIGHWAY:
        return gan_layer_highway_create(l, s->f);
    case GC_BAG_OF_WORDS:
        return gan_layer_bag_of_words_create(l, s->n, s->dim, s->mode);
    case GC_COND_AUGMENT:
        return gan_layer_cond_augment_create(l, s->f);
    case GC_CONDITION:
        return gan_layer_condition_create(l, s->n, s->dim);
    case GC_PROJECTION:
        return gan_layer_projection_create(l, s->n);
    case GC_UPSAMPLE:
        return gan_layer_upsample_create(l, s->n);
    case GC_AVGPOOL:
        return gan_layer_avgpool2d_create(l, s->n, s->dim);
    case GC_MAXPOOL:
        return gan_layer_maxpool2d_create(l, s->n, s->dim);
    case GC_GLOBAL_AVGPOOL:
        return gan_layer_global_avgpool_create(l);
    case GC_GLOBAL_MAXPOOL:
        return gan_layer_global_maxpool_create(l);
    case GC_MINIBATCH_STDDEV:
        return gan_layer_minibatch_stddev_create(l);
    case GC_INSTANCENORM:
    case GC_GROUPNORM:
        return gc_norm_create(s, l);
    case GC_PAD:
        return gan_layer_pad2d_create(l, s->mode, s->pad.top, s->pad.bottom, s->pad.left,
                                      s->pad.right);
    case GC_LSTM:
    case GC_GRU: {
        gan_recurrent_options_t o;
        gan_status st = gan_recurrent_options_init(&o, sizeof o);
        o.hidden = s->n;
        o.return_sequences = !s->last;
        o.use_bias = !s->no_bias;
        if (st != GAN_OK)
            return st;
        return s->kind == GC_LSTM ? gan_layer_lstm_create_ex(l, &o)
                                  : gan_layer_gru_create_ex(l, &o);
    }
    case GC_END:
        break;
    }
    fail_msg("unknown layer kind %d", (int)s->kind);
    return GAN_E_INTERNAL;
}

/* GAN_TEST_KEEP_OUTPUTS=1: every layer keeps its output, so nothing runs in place. */
static bool gc_keep_outputs(void)
{
    const char *v = getenv("GAN_TEST_KEEP_OUTPUTS");
    return v && strcmp(v, "1") == 0;
}

/* Indices of the model's BatchNorm layers, -1 terminated. */
static void gc_find_batchnorms(gan_model_t *m, int32_t *found, int32_t cap)
{
    int32_t count, n = 0;
    GT_OK(gan_model_get_layer_count(m, &count));
    for (int32_t i = 0; i < count && n < cap - 1; i++) {
        gan_layer_t *l;
        GT_OK(gan_model_get_layer(m, i, &l));
        if (strcmp(gan_layer_get_kind(l), "batchnorm") == 0)
            found[n++] = i;
    }
    found[n] = -1;
}

/* gamma = 0.2 and beta = +-1 by channel: a normalised value |xhat| < 4.5 then stays at
 * least 0.1 away from 0, so a following ReLU or LeakyReLU is smooth under the
 * perturbations, and both of its slopes are still exercised. */
static void gc_pin_batchnorms(gc_run *run)
{
    int32_t bn[GC_MAX_LAYERS + 1];
    gc_find_batchnorms(run->m, bn, GC_MAX_LAYERS + 1);
    for (int32_t i = 0; bn[i] >= 0; i++) {
        size_t off, count;
        GT_OK(gan_model_get_layer_params(run->m, bn[i], &off, &count));
        const size_t channels = count / 2; /* gamma, then beta */
        for (size_t ch = 0; ch < channels; ch++) {
            run->params[off + ch] = 0.2f;
            run->params[off + channels + ch] = ch % 2 ? -1.0f : 1.0f;
        }
    }
}

/* The precondition of gc_pin_batchnorms, checked on the unperturbed forward pass. */
static void gc_assert_batchnorms_away_from_zero(gc_run *run)
{
    int32_t bn[GC_MAX_LAYERS + 1];
    gc_find_batchnorms(run->m, bn, GC_MAX_LAYERS + 1);
    for (int32_t i = 0; bn[i] >= 0; i++) {
        int32_t dims[4], ndim;
        const float *y;
        GT_OK(gan_model_get_output_shape(run->m, bn[i], dims, &ndim));
        /* An activation wrote over it in place: the GAN_TEST_KEEP_OUTPUTS run of the same
         * case, with the same values, checks it. */
        if (gan_model_get_layer_output(run->m, bn[i], &y) == GAN_E_STATE && !gc_keep_outputs())
            continue;
        GT_OK(gan_model_get_layer_output(run->m, bn[i], &y));
        size_t n = (size_t)run->c->batch;
        for (int32_t d = 0; d < ndim; d++)
            n *= (size_t)dims[d];
        for (size_t j = 0; j < n; j++)
            if (fabsf(y[j]) < GC_KINK_MARGIN)
                fail_msg("%s: batchnorm %d output %zu is %g, too close to the kink",
                         run->c->name, (int)bn[i], j, (double)y[j]);
    }
}

/* v[i] = (k + 1/2 - floor(n/2)) * GC_DISTINCT_STEP for a shuffle k of 0..n-1: no two
 * values within a perturbation of each other, none within half a step of a kink at 0,
 * in an order that is not the memory order. */
static void gc_fill_distinct(gt_rng *rng, float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = ((float)i + 0.5f - (float)(n / 2)) * GC_DISTINCT_STEP;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(gt_uniform(rng) * (double)i);
        float t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

static gc_run gc_setup(const gc_case *c)
{
    gc_run run = {.c = c};
    run.m = gt_model(c->in, gc_rank(c->in));
    for (int32_t i = 0; i < GC_MAX_LAYERS && c->layers[i].kind != GC_END; i++) {
        gan_layer_t *l = NULL;
        gan_status st = gc_layer_create(&c->layers[i], &l);
        if (st == GAN_OK && c->layers[i].sn)
            st = gan_layer_set_spectral_norm(l, true);
        gt_add(run.m, st, l);
    }
    for (int32_t i = 0; gc_keep_outputs() && i < GC_MAX_LAYERS && c->layers[i].kind != GC_END; i++)
        GT_OK(gan_model_keep_layer_output(run.m, i));
    GT_OK(gan_model_build(run.m, c->built_for ? c->built_for : c->batch));
    GT_OK(gan_model_set_batch_size(run.m, c->batch));
    run.n_in = (size_t)c->batch * gt_input_size(run.m);
    run.n_out = (size_t)c->batch * gt_output_size(run.m);
    GT_OK(gan_model_get_params(run.m, &run.params, &run.n_params));
    size_t n_grads;
    GT_OK(gan_model_get_grads(run.m, &run.grads, &n_grads));
    assert_int_equal(n_grads, run.n_params);

    run.x = malloc(run.n_in * sizeof *run.x);
    run.r = malloc(run.n_out * sizeof *run.r);
    run.labels = malloc((size_t)c->batch * sizeof *run.labels);
    assert_non_null(run.x);
    assert_non_null(run.r);
    assert_non_null(run.labels);

    gt_rng rng;
    gt_seed(&rng, GC_SEED);
    gt_fill(&rng, run.params, run.n_params, -1.0f, 1.0f);
    if (c->pin_batchnorm)
        gc_pin_batchnorms(&run);
    for (int32_t i = 0; i < c->batch; i++)
        run.labels[i] = c->classes ? (int32_t)(gt_uniform(&rng) * c->classes) : 0;
    if (c->inference) {
        /* Running statistics away from their initial (0, 1), from shifted batches, and
         * spectral normalisation's u and v a few power iterations on. */
        for (int pass = 0; pass < (c->cold ? 0 : 3); pass++) {
            gt_fill(&rng, run.x, run.n_in, -0.5f, 2.5f);
            GT_OK(gan_model_forward(run.m, run.x, run.labels, c->batch, NULL));
        }
        GT_OK(gan_model_set_training(run.m, false));
    }
    switch (c->input) {
    case GC_INPUT_UNIFORM:
        gt_fill(&rng, run.x, run.n_in, -1.0f, 1.0f);
        break;
    case GC_INPUT_AWAY:
        gt_fill_away_from_zero(&rng, run.x, run.n_in, GC_KINK_MARGIN, 1.0f);
        break;
    case GC_INPUT_CLASS_IDS:
        for (size_t i = 0; i < run.n_in; i++)
            run.x[i] = (float)(int32_t)(gt_uniform(&rng) * c->classes);
        break;
    case GC_INPUT_DISTINCT:
        gc_fill_distinct(&rng, run.x, run.n_in);
        break;
    }
    gt_fill(&rng, run.r, run.n_out, -1.0f, 1.0f);
    return run;
}

static void gc_teardown(gc_run *run)
{
    free(run->labels);
    free(run->r);
    free(run->x);
    gan_model_destroy(run->m);
}

/* Forward with the dropout masks of the first pass, and L = sum r_i y_i. */
static double gc_loss(gc_run *run)
{
    const float *y;
    GT_OK(gan_model_reseed(run->m, GC_SEED));
    GT_OK(gan_model_forward(run->m, run->x, run->labels, run->c->batch, &y));
    double sum = 0.0;
    for (size_t i = 0; i < run->n_out; i++)
        sum += (double)run->r[i] * y[i];
    return sum;
}

static double gc_loss_of(void *run)
{
    return gc_loss(run);
}

static void gc_compare(gc_run *run, const char *what, const float *analytic,
                       float *values, size_t n)
{
    gt_check_gradient(gc_loss_of, run, run->c->name, what, analytic, values, n);
}

static void gc_assert_same(const gc_run *run, const char *what, const float *got,
                           const float *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i])
            fail_msg("%s: %s[%zu] is %.9g, want %.9g", run->c->name, what, i,
                     (double)got[i], (double)want[i]);
}

/* What the model's backward must do besides computing the right numbers: accumulate
 * parameter gradients, overwrite the input gradient, give the same parameter gradients
 * when the input gradient is not asked for, follow the mode of the forward pass rather
 * than the current one, and leave the arena alone when frozen. */
static void gc_check_backward_contract(gc_run *run, const float *dx, const float *g)
{
    const float *dinput;
    /* A second pass adds the same gradient again. Not bit for bit: per-sample terms and
     * GEMM partial sums are added to the arena one by one, so the rounding is relative
     * to the size of the terms, i.e. to the gradients' scale rather than to each one. */
    float scale = 0.0f;
    for (size_t i = 0; i < run->n_params; i++)
        scale = fmaxf(scale, fabsf(g[i]));
    GT_OK(gan_model_backward(run->m, run->r, &dinput));
    for (size_t i = 0; i < run->n_params; i++)
        if (fabsf(run->grads[i] - 2.0f * g[i]) > 1e-5f * (1.0f + 2.0f * scale))
            fail_msg("%s: after two backward passes grad[%zu] is %.9g, want 2 x %.9g",
                     run->c->name, i, (double)run->grads[i], (double)g[i]);
    gc_assert_same(run, "dinput of the second pass", dinput, dx, run->n_in);

    /* Without the input gradient the parameter gradients are the same. */
    GT_OK(gan_model_zero_grad(run->m));
    GT_OK(gan_model_backward(run->m, run->r, NULL));
    gc_assert_same(run, "grad without dinput", run->grads, g, run->n_params);

    /* Backward differentiates the last forward, even if the mode has changed since. */
    bool training;
    GT_OK(gan_model_get_training(run->m, &training));
    GT_OK(gan_model_set_training(run->m, !training));
    GT_OK(gan_model_zero_grad(run->m));
    GT_OK(gan_model_backward(run->m, run->r, &dinput));
    gc_assert_same(run, "dinput after a mode change", dinput, dx, run->n_in);
    gc_assert_same(run, "grad after a mode change", run->grads, g, run->n_params);
    GT_OK(gan_model_set_training(run->m, training));

    /* Frozen: the arena keeps whatever it holds, the input gradient is unchanged. */
    gt_rng rng;
    gt_seed(&rng, GC_SEED + 1);
    gt_fill(&rng, run->grads, run->n_params, -3.0f, 3.0f);
    float *sentinel = gt_copy_floats(run->grads, run->n_params);
    GT_OK(gan_model_set_trainable(run->m, false));
    GT_OK(gan_model_backward(run->m, run->r, &dinput));
    gc_assert_same(run, "frozen dinput", dinput, dx, run->n_in);
    GT_OK(gan_model_backward(run->m, run->r, NULL));
    gc_assert_same(run, "frozen grad", run->grads, sentinel, run->n_params);
    GT_OK(gan_model_set_trainable(run->m, true));
    free(sentinel);
}

static void gc_check_case(void **state)
{
    const gc_case *c = *state;
    gc_run run = gc_setup(c);

    GT_OK(gan_model_zero_grad(run.m));
    (void)gc_loss(&run);
    if (c->pin_batchnorm)
        gc_assert_batchnorms_away_from_zero(&run);
    const float *dinput;
    GT_OK(gan_model_backward(run.m, run.r, &dinput));
    float *dx = gt_copy_floats(dinput, run.n_in);
    float *g = gt_copy_floats(run.grads, run.n_params);

    gc_check_backward_contract(&run, dx, g);

    if (c->input == GC_INPUT_CLASS_IDS) { /* ids are not differentiable: dx is 0 */
        for (size_t i = 0; i < run.n_in; i++)
            if (dx[i] != 0.0f)
                fail_msg("%s: d/dinput[%zu] of a class id is %g, want 0", c->name, i,
                         (double)dx[i]);
    } else {
        gc_compare(&run, "input", dx, run.x, run.n_in);
    }
    gc_compare(&run, "param", g, run.params, run.n_params);

    free(g);
    free(dx);
    gc_teardown(&run);
}

#define SAME GAN_PADDING_SAME
#define VALID GAN_PADDING_VALID
#define EXPLICIT GAN_PADDING_EXPLICIT

/* .k = {filters, kh, kw, stride h, stride w, padding}; .pad = {top, bottom, left, right} */
static const gc_case gc_cases[] = {
    /* Dense */
    {.name = "dense", .in = {5}, .batch = 3, .layers = {{.kind = GC_DENSE, .n = 4}}},
    {.name = "dense without bias", .in = {6}, .batch = 2,
     .layers = {{.kind = GC_DENSE, .n = 3, .no_bias = true}}},
    {.name = "dense per time step (4,3) -> (4,2)", .in = {4, 3}, .batch = 3,
     .layers = {{.kind = GC_DENSE, .n = 2}}},
    {.name = "dense per time step (5,2) -> (5,3) without bias, one sample", .in = {5, 2},
     .batch = 1, .layers = {{.kind = GC_DENSE, .n = 3, .no_bias = true}}},

    /* Highway: gate biases 0 (SeqGAN's discriminator) and -2 (the reference's default) */
    {.name = "highway (5), gate bias 0", .in = {5}, .batch = 3,
     .layers = {{.kind = GC_HIGHWAY, .f = 0.0f}}},
    {.name = "highway (4), gate bias -2, one sample", .in = {4}, .batch = 1,
     .layers = {{.kind = GC_HIGHWAY, .f = -2.0f}}},
    {.name = "highway per time step (3,4), gate bias -1", .in = {3, 4}, .batch = 2,
     .layers = {{.kind = GC_HIGHWAY, .f = -1.0f}}},

    /* Conv2D; batches of 2-4 put several images in one GEMM, batch 1 takes the
     * single-image path. */
    {.name = "conv k3 s1 same 7x5, batch 3", .in = {2, 7, 5}, .batch = 3,
     .layers = {{.kind = GC_CONV, .k = {3, 3, 3, 1, 1, SAME}}}},
    {.name = "conv k3 s1 same 7x5, one image", .in = {2, 7, 5}, .batch = 1,
     .layers = {{.kind = GC_CONV, .k = {3, 3, 3, 1, 1, SAME}}}},
    {.name = "conv k4 s2 same 7x5", .in = {2, 7, 5}, .batch = 2,
     .layers = {{.kind = GC_CONV, .k = {2, 4, 4, 2, 2, SAME}}}},
    {.name = "conv k5 s2 same 9x7, one image", .in = {1, 9, 7}, .batch = 1,
     .layers = {{.kind = GC_CONV, .k = {2, 5, 5, 2, 2, SAME}}}},
    {.name = "conv k5 s2 valid 9x7", .in = {2, 9, 7}, .batch = 4,
     .layers = {{.kind = GC_CONV, .k = {2, 5, 5, 2, 2, VALID}}}},
    {.name = "conv k3 s2 same 5x6, built for one image, run with 4", .in = {2, 5, 6},
     .batch = 4, .built_for = 1,
     .layers = {{.kind = GC_CONV, .k = {3, 3, 3, 2, 2, SAME}}}},
    {.name = "conv k3 s3 valid 8x7 no bias", .in = {2, 8, 7}, .batch = 2,
     .layers = {{.kind = GC_CONV, .no_bias = true, .k = {2, 3, 3, 3, 3, VALID}}}},
    {.name = "conv 3x5 s2x1 explicit 2/0/1/3", .in = {2, 7, 5}, .batch = 2,
     .layers = {{.kind = GC_CONV, .k = {2, 3, 5, 2, 1, EXPLICIT}, .pad = {2, 0, 1, 3}}}},
    {.name = "conv k2 s1 explicit 3/1/0/2 (pads beyond the kernel)", .in = {1, 4, 3},
     .batch = 2,
     .layers = {{.kind = GC_CONV, .k = {2, 2, 2, 1, 1, EXPLICIT}, .pad = {3, 1, 0, 2}}}},
    {.name = "conv 2x3 s3 explicit 1/2/0/1 no bias, one image", .in = {2, 8, 7}, .batch = 1,
     .layers = {{.kind = GC_CONV, .no_bias = true, .k = {2, 2, 3, 3, 3, EXPLICIT},
                 .pad = {1, 2, 0, 1}}}},

    /* Conv2DTranspose */
    {.name = "convT k3 s1 same 5x4", .in = {2, 5, 4}, .batch = 2,
     .layers = {{.kind = GC_CONV_T, .k = {3, 3, 3, 1, 1, SAME}}}},
    {.name = "convT k4 s2 same 4x3, one image", .in = {2, 4, 3}, .batch = 1,
     .layers = {{.kind = GC_CONV_T, .k = {2, 4, 4, 2, 2, SAME}}}},
    {.name = "convT k5 s2 same 3x3", .in = {3, 3, 3}, .batch = 3,
     .layers = {{.kind = GC_CONV_T, .k = {2, 5, 5, 2, 2, SAME}}}},
    {.name = "convT k2 s3 same 3x2 (kernel < stride)", .in = {2, 3, 2}, .batch = 2,
     .layers = {{.kind = GC_CONV_T, .k = {2, 2, 2, 3, 3, SAME}}}},
    {.name = "convT k3 s2 valid 3x4, one image", .in = {2, 3, 4}, .batch = 1,
     .layers = {{.kind = GC_CONV_T, .k = {2, 3, 3, 2, 2, VALID}}}},
    {.name = "convT k3 s2 same 3x4, built for one image, run with 3", .in = {2, 3, 4},
     .batch = 3, .built_for = 1,
     .layers = {{.kind = GC_CONV_T, .k = {2, 3, 3, 2, 2, SAME}}}},
    {.name = "convT k3 s2 explicit 1/0/2/1 output padding 1/1", .in = {2, 4, 3}, .batch = 3,
     .layers = {{.kind = GC_CONV_T, .k = {2, 3, 3, 2, 2, EXPLICIT}, .pad = {1, 0, 2, 1},
                 .out_pad = {1, 1}}}},
    {.name = "convT 3x5 s3x2 explicit 0/2/1/1 output padding 2/1 no bias", .in = {2, 3, 3},
     .batch = 2,
     .layers = {{.kind = GC_CONV_T, .no_bias = true, .k = {2, 3, 5, 3, 2, EXPLICIT},
                 .pad = {0, 2, 1, 1}, .out_pad = {2, 1}}}},
    {.name = "convT k2 s1 explicit 3/2/0/1 (pads beyond the kernel)", .in = {2, 6, 5},
     .batch = 2,
     .layers = {{.kind = GC_CONV_T, .k = {2, 2, 2, 1, 1, EXPLICIT}, .pad = {3, 2, 0, 1}}}},
    {.name = "convT k1 s3 explicit output padding 2/1 (kernel < stride), one image",
     .in = {2, 3, 2}, .batch = 1,
     .layers = {{.kind = GC_CONV_T, .k = {3, 1, 1, 3, 3, EXPLICIT}, .out_pad = {2, 1}}}},

    /* Spectral normalisation: W / (u^T W v) is a function of W only for fixed u and v,
     * so these run in inference mode, with the u and v drawn at build (cold) or after
     * three power iterations of training-mode passes. */
    {.name = "dense sn, inference, first u and v", .in = {5}, .batch = 3,
     .inference = true, .cold = true, .layers = {{.kind = GC_DENSE, .n = 4, .sn = true}}},
    {.name = "dense sn without bias, inference after training passes", .in = {6},
     .batch = 2, .inference = true,
     .layers = {{.kind = GC_DENSE, .n = 3, .no_bias = true, .sn = true}}},
    {.name = "conv sn k3 s1 same 5x4, inference, first u and v", .in = {2, 5, 4},
     .batch = 2, .inference = true, .cold = true,
     .layers = {{.kind = GC_CONV, .sn = true, .k = {3, 3, 3, 1, 1, SAME}}}},
    {.name = "conv sn k4 s2 same 7x5, one image, inference after training passes",
     .in = {2, 7, 5}, .batch = 1, .inference = true,
     .layers = {{.kind = GC_CONV, .sn = true, .k = {2, 4, 4, 2, 2, SAME}}}},
    {.name = "convT sn k3 s2 same 3x4, inference, first u and v", .in = {3, 3, 4},
     .batch = 2, .inference = true, .cold = true,
     .layers = {{.kind = GC_CONV_T, .sn = true, .k = {2, 3, 3, 2, 2, SAME}}}},
    {.name = "convT sn k4 s2 same 4x3 no bias, inference after training passes",
     .in = {2, 4, 3}, .batch = 3, .inference = true,
     .layers = {{.kind = GC_CONV_T, .no_bias = true, .sn = true,
                 .k = {2, 4, 4, 2, 2, SAME}}}},
    {.name = "dense sn per time step (3,4), inference, first u and v", .in = {3, 4},
     .batch = 2, .inference = true, .cold = true,
     .layers = {{.kind = GC_DENSE, .n = 3, .sn = true}}},
    {.name = "SN-GAN head: conv sn, flatten, dense sn, inference after training passes",
     .in = {2, 6, 5}, .batch = 3, .inference = true,
     .layers = {{.kind = GC_CONV, .sn = true, .k = {3, 3, 3, 2, 2, SAME}},
                {.kind = GC_FLATTEN},
                {.kind = GC_DENSE, .n = 2, .sn = true}}},

    /* BatchNorm */
    {.name = "batchnorm (F) training", .in = {4}, .batch = 5,
     .layers = {{.kind = GC_BATCHNORM}}},
    {.name = "batchnorm (C,H,W) training", .in = {3, 3, 2}, .batch = 2,
     .layers = {{.kind = GC_BATCHNORM}}},
    {.name = "batchnorm (C,H,W) training, built for 5, run with 3", .in = {2, 2, 3},
     .batch = 3, .built_for = 5, .layers = {{.kind = GC_BATCHNORM}}},
    {.name = "batchnorm (F) inference", .in = {4}, .batch = 5, .inference = true,
     .layers = {{.kind = GC_BATCHNORM, .f = 0.5f}}},
    {.name = "batchnorm (C,H,W) inference", .in = {3, 3, 2}, .batch = 2, .inference = true,
     .layers = {{.kind = GC_BATCHNORM, .f = 0.5f}}},

    /* InstanceNorm and GroupNorm: statistics per sample (and group), so batches of one
     * and of several; odd pixel counts; affine off (the default) and on. */
    {.name = "instancenorm (C,H,W)", .in = {3, 3, 2}, .batch = 2,
     .layers = {{.kind = GC_INSTANCENORM}}},
    {.name = "instancenorm affine 5x3, batch 3", .in = {2, 5, 3}, .batch = 3,
     .layers = {{.kind = GC_INSTANCENORM, .affine = true}}},
    {.name = "instancenorm affine (C,L), one sample", .in = {3, 7}, .batch = 1,
     .layers = {{.kind = GC_INSTANCENORM, .affine = true}}},
    {.name = "instancenorm affine, inference (same as training)", .in = {2, 3, 3},
     .batch = 2, .inference = true, .layers = {{.kind = GC_INSTANCENORM, .affine = true}}},
    {.name = "instancenorm, built for 4, run with 3", .in = {2, 3, 3}, .batch = 3,
     .built_for = 4, .layers = {{.kind = GC_INSTANCENORM, .affine = true}}},
    {.name = "groupnorm 2 groups of 2 channels affine", .in = {4, 3, 3}, .batch = 2,
     .layers = {{.kind = GC_GROUPNORM, .n = 2, .affine = true}}},
    {.name = "groupnorm 3 groups of 2 channels, no affine", .in = {6, 1, 3}, .batch = 3,
     .layers = {{.kind = GC_GROUPNORM, .n = 3}}},
    {.name = "groupnorm 1 group (layer norm) of (F) affine", .in = {7}, .batch = 3,
     .layers = {{.kind = GC_GROUPNORM, .n = 1, .affine = true}}},

    /* Pad2D: pads on one side only, pads beyond the image for replication and zeros. */
    {.name = "pad reflect 2/1/0/3 of 4x5", .in = {2, 4, 5}, .batch = 2,
     .layers = {{.kind = GC_PAD, .mode = GAN_PAD_REFLECT, .pad = {2, 1, 0, 3}}}},
    {.name = "pad reflect 1/1/1/1 of 2x2, one image", .in = {3, 2, 2}, .batch = 1,
     .layers = {{.kind = GC_PAD, .mode = GAN_PAD_REFLECT, .pad = {1, 1, 1, 1}}}},
    {.name = "pad replicate 3/0/2/4 of 2x3", .in = {2, 2, 3}, .batch = 2,
     .layers = {{.kind = GC_PAD, .mode = GAN_PAD_REPLICATE, .pad = {3, 0, 2, 4}}}},
    {.name = "pad zero 1/2/1/0 of 3x3", .in = {1, 3, 3}, .batch = 3,
     .layers = {{.kind = GC_PAD, .mode = GAN_PAD_ZERO, .pad = {1, 2, 1, 0}}}},

    /* Activations, dropout and shape changes */
    {.name = "leaky relu 0.2", .in = {2, 3, 4}, .batch = 2, .input = GC_INPUT_AWAY,
     .layers = {{.kind = GC_LEAKY_RELU, .f = 0.2f}}},
    {.name = "relu", .in = {10}, .batch = 3, .input = GC_INPUT_AWAY,
     .layers = {{.kind = GC_RELU}}},
    {.name = "tanh", .in = {10}, .batch = 3, .layers = {{.kind = GC_TANH}}},
    {.name = "sigmoid", .in = {2, 2, 3}, .batch = 2, .layers = {{.kind = GC_SIGMOID}}},
    {.name = "dropout 0.5 training", .in = {12}, .batch = 3,
     .layers = {{.kind = GC_DROPOUT, .f = 0.5f}}},
    {.name = "reshape (2,3,4) -> (4,6)", .in = {2, 3, 4}, .batch = 2,
     .layers = {{.kind = GC_RESHAPE, .dims = {4, 6}}}},
    {.name = "flatten (2,3,4)", .in = {2, 3, 4}, .batch = 2,
     .layers = {{.kind = GC_FLATTEN}}},

    /* Class ids and labels */
    {.name = "embedding", .in = {1}, .batch = 6, .input = GC_INPUT_CLASS_IDS, .classes = 4,
     .layers = {{.kind = GC_EMBEDDING, .n = 4, .dim = 3}}},
    {.name = "embedding sequence (5) of ids", .in = {5}, .batch = 3,
     .input = GC_INPUT_CLASS_IDS, .classes = 4,
     .layers = {{.kind = GC_EMBEDDING_SEQUENCE, .n = 4, .dim = 3}}},
    {.name = "embedding sequence (1), one sample", .in = {1}, .batch = 1,
     .input = GC_INPUT_CLASS_IDS, .classes = 3,
     .layers = {{.kind = GC_EMBEDDING_SEQUENCE, .n = 3, .dim = 2}}},
    /* BagOfWords: the mean of the embeddings of the ids that are not padding (an
     * all-padding row and its zero gradient are in test_text_layers.c). */
    {.name = "bag of words (5) of ids, pad 0", .in = {5}, .batch = 3,
     .input = GC_INPUT_CLASS_IDS, .classes = 4,
     .layers = {{.kind = GC_BAG_OF_WORDS, .n = 4, .dim = 3, .mode = 0}}},
    {.name = "bag of words (3), no padding id, one sample", .in = {3}, .batch = 1,
     .input = GC_INPUT_CLASS_IDS, .classes = 3,
     .layers = {{.kind = GC_BAG_OF_WORDS, .n = 3, .dim = 2, .mode = -1}}},
    {.name = "condition one-hot after (F)", .in = {3}, .batch = 4, .classes = 3,
     .layers = {{.kind = GC_CONDITION, .n = 3}}},
    {.name = "condition learned after (F)", .in = {3}, .batch = 4, .classes = 3,
     .layers = {{.kind = GC_CONDITION, .n = 3, .dim = 2}}},
    {.name = "condition one-hot after (C,H,W)", .in = {2, 3, 2}, .batch = 3, .classes = 3,
     .layers = {{.kind = GC_CONDITION, .n = 3}}},
    {.name = "condition learned after (C,H,W)", .in = {2, 3, 2}, .batch = 4, .classes = 3,
     .layers = {{.kind = GC_CONDITION, .n = 3, .dim = 2}}},
    {.name = "projection", .in = {5}, .batch = 6, .classes = 3,
     .layers = {{.kind = GC_PROJECTION, .n = 3}}},

    /* Upsampling, pooling and minibatch standard deviation; .n is the factor or the
     * kernel, .dim the stride. Max pooling is fed distinct values, so that no
     * perturbation moves a maximum. */
    {.name = "upsample x2 (2,3,4)", .in = {2, 3, 4}, .batch = 2,
     .layers = {{.kind = GC_UPSAMPLE, .n = 2}}},
    {.name = "upsample x3 (1,3,2)", .in = {1, 3, 2}, .batch = 3,
     .layers = {{.kind = GC_UPSAMPLE, .n = 3}}},
    {.name = "upsample x1 (2,2,3), one image", .in = {2, 2, 3}, .batch = 1,
     .layers = {{.kind = GC_UPSAMPLE, .n = 1}}},
    {.name = "avgpool k2 s2 5x7 (floor drops a row and a column)", .in = {2, 5, 7},
     .batch = 3, .layers = {{.kind = GC_AVGPOOL, .n = 2, .dim = 2}}},
    {.name = "avgpool k3 s1 5x4 (overlapping windows)", .in = {2, 5, 4}, .batch = 2,
     .layers = {{.kind = GC_AVGPOOL, .n = 3, .dim = 1}}},
    {.name = "avgpool k3 s2 7x5, one image", .in = {1, 7, 5}, .batch = 1,
     .layers = {{.kind = GC_AVGPOOL, .n = 3, .dim = 2}}},
    {.name = "avgpool k2 s3 7x8 (stride beyond the kernel)", .in = {2, 7, 8}, .batch = 2,
     .layers = {{.kind = GC_AVGPOOL, .n = 2, .dim = 3}}},
    {.name = "maxpool k2 s2 5x7", .in = {2, 5, 7}, .batch = 3, .input = GC_INPUT_DISTINCT,
     .layers = {{.kind = GC_MAXPOOL, .n = 2, .dim = 2}}},
    {.name = "maxpool k3 s2 7x5 (overlapping windows)", .in = {2, 7, 5}, .batch = 2,
     .input = GC_INPUT_DISTINCT, .layers = {{.kind = GC_MAXPOOL, .n = 3, .dim = 2}}},
    {.name = "maxpool k3 s1 5x6, one image", .in = {1, 5, 6}, .batch = 1,
     .input = GC_INPUT_DISTINCT, .layers = {{.kind = GC_MAXPOOL, .n = 3, .dim = 1}}},
    {.name = "global avgpool (3,4,5)", .in = {3, 4, 5}, .batch = 2,
     .layers = {{.kind = GC_GLOBAL_AVGPOOL}}},
    {.name = "global avgpool (C,L) (3,7)", .in = {3, 7}, .batch = 3,
     .layers = {{.kind = GC_GLOBAL_AVGPOOL}}},
    {.name = "global avgpool (2,5,1)", .in = {2, 5, 1}, .batch = 2,
     .layers = {{.kind = GC_GLOBAL_AVGPOOL}}},
    {.name = "global maxpool (3,4,5)", .in = {3, 4, 5}, .batch = 2,
     .input = GC_INPUT_DISTINCT, .layers = {{.kind = GC_GLOBAL_MAXPOOL}}},
    {.name = "global maxpool (C,L) (4,6)", .in = {4, 6}, .batch = 3,
     .input = GC_INPUT_DISTINCT, .layers = {{.kind = GC_GLOBAL_MAXPOOL}}},
    {.name = "global maxpool over time (3,5,1), one sample", .in = {3, 5, 1}, .batch = 1,
     .input = GC_INPUT_DISTINCT, .layers = {{.kind = GC_GLOBAL_MAXPOOL}}},
    {.name = "minibatch stddev (2,3,4)", .in = {2, 3, 4}, .batch = 3, .input = GC_INPUT_DISTINCT,
     .layers = {{.kind = GC_MINIBATCH_STDDEV}}},
    {.name = "minibatch stddev (F)", .in = {5}, .batch = 4, .input = GC_INPUT_DISTINCT,
     .layers = {{.kind = GC_MINIBATCH_STDDEV}}},
    {.name = "minibatch stddev (3,2,1), inference", .in = {3, 2, 1}, .batch = 5,
     .inference = true, .input = GC_INPUT_DISTINCT, .layers = {{.kind = GC_MINIBATCH_STDDEV}}},
    {.name = "minibatch stddev (2,2,3), built for 5, run with 2", .in = {2, 2, 3},
     .batch = 2, .built_for = 5, .input = GC_INPUT_DISTINCT, .layers = {{.kind = GC_MINIBATCH_STDDEV}}},

    /* LSTM over (T, F): one step, two, five; batches of one and several; every step's
     * output or the last one's; after a dense layer and before one. */
    {.name = "lstm T=1 (1,3) hidden 4", .in = {1, 3}, .batch = 3,
     .layers = {{.kind = GC_LSTM, .n = 4}}},
    {.name = "lstm T=2 (2,3) hidden 3, one sample", .in = {2, 3}, .batch = 1,
     .layers = {{.kind = GC_LSTM, .n = 3}}},
    {.name = "lstm T=5 (5,2) hidden 3", .in = {5, 2}, .batch = 3,
     .layers = {{.kind = GC_LSTM, .n = 3}}},
    {.name = "lstm T=5 (5,3) hidden 2, last step only", .in = {5, 3}, .batch = 2,
     .layers = {{.kind = GC_LSTM, .n = 2, .last = true}}},
    {.name = "lstm T=4 (4,2) hidden 3 without bias", .in = {4, 2}, .batch = 2,
     .layers = {{.kind = GC_LSTM, .n = 3, .no_bias = true}}},
    {.name = "lstm T=3, built for 4, run with 2", .in = {3, 2}, .batch = 2, .built_for = 4,
     .layers = {{.kind = GC_LSTM, .n = 2}}},
    {.name = "stacked lstm T=4: lstm 3, tanh, lstm 2 last, dense", .in = {4, 2},
     .batch = 2,
     .layers = {{.kind = GC_LSTM, .n = 3},
                {.kind = GC_TANH},
                {.kind = GC_LSTM, .n = 2, .last = true},
                {.kind = GC_DENSE, .n = 2}}},

    /* GRU, the same shapes. */
    {.name = "gru T=1 (1,3) hidden 4", .in = {1, 3}, .batch = 3,
     .layers = {{.kind = GC_GRU, .n = 4}}},
    {.name = "gru T=2 (2,3) hidden 3, one sample", .in = {2, 3}, .batch = 1,
     .layers = {{.kind = GC_GRU, .n = 3}}},
    {.name = "gru T=5 (5,2) hidden 3", .in = {5, 2}, .batch = 3,
     .layers = {{.kind = GC_GRU, .n = 3}}},
    {.name = "gru T=5 (5,3) hidden 2, last step only", .in = {5, 3}, .batch = 2,
     .layers = {{.kind = GC_GRU, .n = 2, .last = true}}},
    {.name = "gru T=4 (4,2) hidden 3 without bias", .in = {4, 2}, .batch = 2,
     .layers = {{.kind = GC_GRU, .n = 3, .no_bias = true}}},
    {.name = "gru T=3, built for 4, run with 2", .in = {3, 2}, .batch = 2, .built_for = 4,
     .layers = {{.kind = GC_GRU, .n = 2}}},
    {.name = "gru 3 then lstm 2 last, dense, T=4", .in = {4, 2}, .batch = 2,
     .layers = {{.kind = GC_GRU, .n = 3},
                {.kind = GC_LSTM, .n = 2, .last = true},
                {.kind = GC_DENSE, .n = 2}}},

    /* Conditioning augmentation without its KL term (the loss here is the outputs'; the
     * KL gradient is checked in test_text_layers.c): the samples of a reseeded pass in
     * training mode, mu in inference mode. */
    {.name = "cond augment (6) -> (3), training", .in = {6}, .batch = 3,
     .layers = {{.kind = GC_COND_AUGMENT}}},
    {.name = "cond augment (4) -> (2), inference", .in = {4}, .batch = 2, .inference = true,
     .layers = {{.kind = GC_COND_AUGMENT}}},

    /* Whole chains */
    {.name = "DCGAN discriminator: conv, batchnorm, leaky relu, flatten, dense",
     .in = {2, 6, 5}, .batch = 3, .pin_batchnorm = true,
     .layers = {{.kind = GC_CONV, .k = {3, 3, 3, 2, 2, SAME}},
                {.kind = GC_BATCHNORM},
                {.kind = GC_LEAKY_RELU, .f = 0.2f},
                {.kind = GC_FLATTEN},
                {.kind = GC_DENSE, .n = 2}}},
    {.name = "DCGAN generator: dense, reshape, batchnorm, relu, convT, tanh", .in = {4},
     .batch = 2, .pin_batchnorm = true,
     .layers = {{.kind = GC_DENSE, .n = 18},
                {.kind = GC_RESHAPE, .dims = {2, 3, 3}},
                {.kind = GC_BATCHNORM},
                {.kind = GC_RELU},
                {.kind = GC_CONV_T, .k = {1, 4, 4, 2, 2, SAME}},
                {.kind = GC_TANH}}},
    {.name = "conditional discriminator: condition, conv, dropout, flatten, dense",
     .in = {1, 5, 4}, .batch = 3, .classes = 3,
     .layers = {{.kind = GC_CONDITION, .n = 3, .dim = 2},
                {.kind = GC_CONV, .k = {2, 3, 3, 2, 2, SAME}},
                {.kind = GC_DROPOUT, .f = 0.3f},
                {.kind = GC_FLATTEN},
                {.kind = GC_DENSE, .n = 1}}},
    {.name = "resize-convolution: upsample x2, conv k3 same, tanh", .in = {2, 3, 2},
     .batch = 2,
     .layers = {{.kind = GC_UPSAMPLE, .n = 2},
                {.kind = GC_CONV, .k = {2, 3, 3, 1, 1, SAME}},
                {.kind = GC_TANH}}},
    {.name = "conv, avgpool k2 s2, flatten, dense", .in = {2, 6, 5}, .batch = 3,
     .layers = {{.kind = GC_CONV, .k = {3, 3, 3, 1, 1, SAME}},
                {.kind = GC_AVGPOOL, .n = 2, .dim = 2},
                {.kind = GC_FLATTEN},
                {.kind = GC_DENSE, .n = 2}}},
    {.name = "ProGAN head: conv, minibatch stddev, conv, global avgpool, dense",
     .in = {2, 4, 3}, .batch = 3,
     .layers = {{.kind = GC_CONV, .k = {3, 3, 3, 1, 1, SAME}},
                {.kind = GC_MINIBATCH_STDDEV},
                {.kind = GC_CONV, .k = {2, 3, 3, 1, 1, SAME}},
                {.kind = GC_GLOBAL_AVGPOOL},
                {.kind = GC_DENSE, .n = 1}}},
    {.name = "minibatch stddev, then relu in its output's buffer", .in = {2, 2, 3},
     .batch = 3, .input = GC_INPUT_DISTINCT,
     .layers = {{.kind = GC_MINIBATCH_STDDEV}, {.kind = GC_RELU}}},
    {.name = "maxpool k2 s2, then leaky relu in its output's buffer", .in = {2, 4, 5},
     .batch = 2, .input = GC_INPUT_DISTINCT,
     .layers = {{.kind = GC_MAXPOOL, .n = 2, .dim = 2}, {.kind = GC_LEAKY_RELU, .f = 0.2f}}},
    {.name = "CycleGAN block: reflect pad, conv valid, instancenorm affine, tanh",
     .in = {2, 5, 4}, .batch = 2,
     .layers = {{.kind = GC_PAD, .mode = GAN_PAD_REFLECT, .pad = {1, 1, 1, 1}},
                {.kind = GC_CONV, .k = {3, 3, 3, 1, 1, VALID}},
                {.kind = GC_INSTANCENORM, .affine = true},
                {.kind = GC_TANH}}},
    {.name = "replicate pad, conv s2, groupnorm in place, tanh", .in = {1, 4, 3},
     .batch = 2,
     .layers = {{.kind = GC_PAD, .mode = GAN_PAD_REPLICATE, .pad = {0, 2, 1, 1}},
                {.kind = GC_CONV, .k = {4, 3, 3, 2, 2, SAME}},
                {.kind = GC_GROUPNORM, .n = 2, .affine = true},
                {.kind = GC_TANH}}},
    {.name = "token generator head: embedding sequence, dense per time step, tanh",
     .in = {4}, .batch = 3, .input = GC_INPUT_CLASS_IDS, .classes = 5,
     .layers = {{.kind = GC_EMBEDDING_SEQUENCE, .n = 5, .dim = 3},
                {.kind = GC_DENSE, .n = 5},
                {.kind = GC_TANH}}},
    {.name = "SeqGAN generator: embedding sequence, lstm, dense per time step",
     .in = {4}, .batch = 3, .input = GC_INPUT_CLASS_IDS, .classes = 5,
     .layers = {{.kind = GC_EMBEDDING_SEQUENCE, .n = 5, .dim = 3},
                {.kind = GC_LSTM, .n = 4},
                {.kind = GC_DENSE, .n = 5}}},
    {.name = "recurrent discriminator: embedding sequence, gru last, highway, dense",
     .in = {5}, .batch = 2, .input = GC_INPUT_CLASS_IDS, .classes = 4,
     .layers = {{.kind = GC_EMBEDDING_SEQUENCE, .n = 4, .dim = 3},
                {.kind = GC_GRU, .n = 3, .last = true},
                {.kind = GC_HIGHWAY, .f = -2.0f},
                {.kind = GC_DENSE, .n = 1}}},
    {.name = "token discriminator: embedding sequence, dense, highway, flatten, dense",
     .in = {3}, .batch = 2, .input = GC_INPUT_CLASS_IDS, .classes = 4,
     .layers = {{.kind = GC_EMBEDDING_SEQUENCE, .n = 4, .dim = 3},
                {.kind = GC_DENSE, .n = 4},
                {.kind = GC_HIGHWAY, .f = -2.0f},
                {.kind = GC_FLATTEN},
                {.kind = GC_DENSE, .n = 1}}},
    {.name = "caption encoder: bag of words, dense, cond augment, dense",
     .in = {5}, .batch = 3, .input = GC_INPUT_CLASS_IDS, .classes = 5,
     .layers = {{.kind = GC_BAG_OF_WORDS, .n = 5, .dim = 4, .mode = 0},
                {.kind = GC_DENSE, .n = 6},
                {.kind = GC_COND_AUGMENT},
                {.kind = GC_DENSE, .n = 2}}},
    {.name = "projection discriminator: conv, leaky relu, flatten, projection",
     .in = {1, 5, 4}, .batch = 4, .classes = 3, .input = GC_INPUT_AWAY,
     .layers = {{.kind = GC_CONV, .k = {2, 3, 3, 2, 2, SAME}},
                {.kind = GC_LEAKY_RELU, .f = 0.2f},
                {.kind = GC_FLATTEN},
                {.kind = GC_PROJECTION, .n = 3}}},
};

#define GC_N_CASES (sizeof gc_cases / sizeof gc_cases[0])

int main(void)
{
    const char *threads = getenv("GAN_TEST_THREADS");
    if (threads && gan_set_num_threads((int32_t)atoi(threads)) != GAN_OK)
        return 1;
    struct CMUnitTest tests[GC_N_CASES];
    for (size_t i = 0; i < GC_N_CASES; i++)
        tests[i] = (struct CMUnitTest){.name = gc_cases[i].name,
                                       .test_func = gc_check_case,
                                       .initial_state = (void *)&gc_cases[i]};
    return cmocka_run_group_tests_name("gradcheck", tests, NULL, NULL);
}
