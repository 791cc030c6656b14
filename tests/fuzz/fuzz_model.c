/* libFuzzer target: the model-building API driven by fuzzer bytes. The bytes pick an
 * input shape and up to 12 operations: mostly a layer of any kind with its settings
 * (valid or not) appended by gan_model_add, or a graph operation (more inputs, a layer
 * connected to arbitrary nodes, chosen outputs, spectral normalisation, a layer attached
 * twice); then a batch size. The model is built, run forward and backward through the
 * single and the _multi calls (with labels when it is conditional), resized, summarised,
 * and its layer outputs asked for. Every call must succeed or fail with a named status
 * and a message (fz_status checks); none may crash, leak or touch memory it does not own
 * (the target runs under ASan and UBSan), and what the model reports of its graph must
 * be consistent (fz_check_graph).
 *
 * Decoding, kept so that older corpus inputs still mean what they meant: an operation
 * byte below FZ_GRAPH_OPS adds a layer of the first FZ_OLD_KINDS kinds (byte % 15) with
 * gan_model_add, as before the graph calls existed; the 16 bytes from FZ_GRAPH_OPS up
 * are the graph operations of fz_graph_op. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "gan/gan.h"

#define FZ_MAX_LAYERS 12
/* Tensors beyond this many floats per batch are skipped: the API accepts them, the
 * fuzzer's time is better spent elsewhere. */
#define FZ_MAX_FLOATS (1 << 13)
/* Inputs a model gets, unless an operation asks for every one the API allows. */
#define FZ_MAX_INPUTS 3
#define FZ_OLD_KINDS 15
#define FZ_KINDS 35
#define FZ_GRAPH_OPS 240
#define FZ_CLASSES 5

static float fz_epsilon(fz_bytes *b)
{
    static const float choice[] = {1e-5f, 1e-3f, 0.0f, -1.0f, INFINITY, NAN};
    return choice[fz_u8(b) % (sizeof choice / sizeof *choice)];
}

/* A layer of kind @p kind (0 to FZ_KINDS - 1) with settings from the bytes. */
static gan_status fz_layer_kind(fz_bytes *b, int32_t kind, gan_layer_t **l)
{
    /* the kinds without settings */
    static gan_status (*const plain[FZ_KINDS])(gan_layer_t **) = {
        [5] = gan_layer_relu_create,
        [6] = gan_layer_tanh_create,
        [7] = gan_layer_sigmoid_create,
        [10] = gan_layer_flatten_create,
        [15] = gan_layer_add_create,
        [16] = gan_layer_multiply_create,
        [17] = gan_layer_concat_create,
        [26] = gan_layer_global_avgpool_create,
        [27] = gan_layer_global_maxpool_create,
        [28] = gan_layer_minibatch_stddev_create,
    };
    if (plain[kind])
        return plain[kind](l);
    switch (kind) {
    case 0:
        return gan_layer_dense_create(l, fz_range(b, -1, 40), fz_u8(b) & 1);
    case 1:
    case 2: {
        gan_conv_options_t o;
        gan_conv_options_init(&o, sizeof o);
        o.filters = fz_range(b, -1, 8);
        o.kernel_h = fz_range(b, 0, 6);
        o.kernel_w = fz_range(b, 0, 6);
        o.stride_h = fz_range(b, 0, 4);
        o.stride_w = fz_range(b, 0, 4);
        o.padding = fz_range(b, -1, 3);
        o.pad_top = fz_range(b, -1, 4);
        o.pad_bottom = fz_range(b, -1, 4);
        o.pad_left = fz_range(b, -1, 4);
        o.pad_right = fz_range(b, -1, 4);
        o.output_padding_h = fz_range(b, -1, 3);
        o.output_padding_w = fz_range(b, -1, 3);
        o.use_bias = fz_range(b, -1, 2);
        return fz_u8(b) & 1 ? gan_layer_conv2d_transpose_create_ex(l, &o)
                            : gan_layer_conv2d_create_ex(l, &o);
    }
    case 3:
        return gan_layer_batchnorm_create(l, (float)fz_range(b, -1, 10) / 10.0f,
                                          fz_u8(b) & 1 ? 1e-5f : 0.0f);
    case 4:
        return gan_layer_leaky_relu_create(l, (float)fz_range(b, -2, 12) / 10.0f);
    case 8:
        return gan_layer_dropout_create(l, (float)fz_range(b, -1, 11) / 10.0f);
    case 9: {
        int32_t dims[5];
        const int32_t ndim = fz_range(b, 0, 5);
        for (int32_t i = 0; i < ndim; i++)
            dims[i] = fz_range(b, -1, 16);
        return gan_layer_reshape_create(l, dims, ndim);
    }
    case 11:
        return gan_layer_embedding_create(l, fz_range(b, -1, 5), fz_range(b, -1, 6));
    case 12:
        return gan_layer_condition_create(l, fz_range(b, -1, 5), fz_range(b, -1, 4));
    case 13:
        return gan_layer_projection_create(l, fz_range(b, -1, 5));
    case 14: {
        gan_status st = gan_layer_dense_create(l, fz_range(b, 1, 16), true);
        if (st == GAN_OK)
            st = gan_layer_set_spectral_norm(*l, true);
        return st;
    }
    case 18: {
        const uint8_t v = fz_u8(b);
        return gan_layer_scale_create(l, v == 255 ? NAN : (float)(v % 17 - 8) / 4.0f,
                                      (float)fz_range(b, -4, 4) / 2.0f);
    }
    case 19:
        return gan_layer_tile_create(l, fz_range(b, -1, 4), fz_range(b, -1, 4));
    case 20: {
        gan_instancenorm_options_t o;
        gan_instancenorm_options_init(&o, sizeof o);
        o.epsilon = fz_epsilon(b);
        o.affine = fz_range(b, -1, 2);
        return gan_layer_instancenorm_create(l, &o);
    }
    case 21: {
        gan_groupnorm_options_t o;
        gan_groupnorm_options_init(&o, sizeof o);
        o.groups = fz_range(b, -1, 6);
        o.epsilon = fz_epsilon(b);
        o.affine = fz_range(b, -1, 2);
        return gan_layer_groupnorm_create(l, &o);
    }
    case 22: {
        const int32_t mode = fz_range(b, -1, 3), top = fz_range(b, -1, 4),
                      bottom = fz_range(b, -1, 4), left = fz_range(b, -1, 4);
        const uint8_t v = fz_u8(b);
        return gan_layer_pad2d_create(l, mode, top, bottom, left,
                                      v == 255 ? 65537 : (int32_t)(v % 6) - 1);
    }
    case 23:
        return gan_layer_upsample_create(l, fz_range(b, -1, 3));
    case 24:
    case 25: {
        const int32_t kernel = fz_range(b, 0, 4), stride = fz_range(b, 0, 3);
        return kind == 24 ? gan_layer_avgpool2d_create(l, kernel, stride)
                          : gan_layer_maxpool2d_create(l, kernel, stride);
    }
    case 29:
        return gan_layer_embedding_sequence_create(l, fz_range(b, -1, 6), fz_range(b, -1, 5));
    case 30:
        return gan_layer_highway_create(l, (float)fz_range(b, -4, 4) / 2.0f);
    case 31:
    case 32: {
        gan_recurrent_options_t o;
        gan_recurrent_options_init(&o, sizeof o);
        o.hidden = fz_range(b, -1, 6);
        o.return_sequences = fz_range(b, -1, 2);
        o.stateful = fz_range(b, -1, 2);
        o.max_steps = fz_range(b, -1, 8);
        o.use_bias = fz_range(b, -1, 2);
        return kind == 31 ? gan_layer_lstm_create_ex(l, &o) : gan_layer_gru_create_ex(l, &o);
    }
    case 33:
        return gan_layer_bag_of_words_create(l, fz_range(b, -1, 6), fz_range(b, -1, 5),
                                             fz_range(b, -2, 6));
    case 34: {
        static const float kl_weight[] = {0.0f, 1.0f, 0.5f, 1e6f, -1.0f, 2e6f, NAN};
        return gan_layer_cond_augment_create(l, kl_weight[fz_u8(b) % 7]);
    }
    default:
        abort(); /* kind < FZ_KINDS */
    }
}

static int32_t fz_layer_count(const gan_model_t *m)
{
    int32_t count;
    if (gan_model_get_layer_count(m, &count) != GAN_OK)
        abort();
    return count;
}

static int32_t fz_input_count(const gan_model_t *m)
{
    int32_t n;
    if (gan_model_get_io_count(m, &n, NULL) != GAN_OK)
        abort();
    return n;
}

/* A node id for gan_model_connect or gan_model_set_outputs: with the top bit, one of the
 * 16 nodes below the newest layer (below layer 0 they run on into -1, the model inputs
 * and ids that are nothing); else one of -8 to 15, which holds inputs that do not exist
 * and layers not added yet (the new layer itself among them). */
static int32_t fz_node(fz_bytes *b, int32_t layers)
{
    const uint8_t v = fz_u8(b);
    return v & 0x80 ? layers - 1 - (v & 0x0f) : (int32_t)(v % 24) - 8;
}

/* Attach @p l (which the caller owns) by gan_model_add, or by gan_model_connect to the
 * nodes the bytes pick; destroy it if the model refuses it. A success must append it as
 * the next layer, a failure leave the layers as they were. */
static void fz_attach(gan_model_t *m, fz_bytes *b, gan_layer_t *l, bool connect)
{
    static const int32_t widths[8] = {1, 2, 2, 3, 1, 4, 0, 6};
    const int32_t before = fz_layer_count(m);
    int32_t node = -100;
    gan_status st;
    if (connect) {
        int32_t ids[6];
        const int32_t n = widths[fz_u8(b) % 8];
        for (int32_t k = 0; k < n; k++)
            ids[k] = fz_node(b, before);
        st = fz_status(gan_model_connect(m, l, ids, n, &node));
    } else {
        st = fz_status(gan_model_add(m, l));
        node = before;
    }
    if (fz_layer_count(m) != before + (st == GAN_OK) || (st == GAN_OK && node != before))
        abort();
    if (st != GAN_OK)
        gan_layer_destroy(l); /* the caller keeps a refused layer */
}

/* Byte values FZ_GRAPH_OPS + op, op 0 to 15. */
static void fz_graph_op(gan_model_t *m, fz_bytes *b, int32_t op)
{
    const int32_t layers = fz_layer_count(m);
    gan_layer_t *l = NULL;
    switch (op) {
    case 0: case 1: case 2: case 3: case 4: case 5: /* a layer of any kind, connected */
    case 6: case 7: case 8: /* a layer of a kind added since the graph calls, appended */
        if (fz_status(fz_layer_kind(b, op < 6 ? fz_u8(b) % FZ_KINDS
                                                : FZ_OLD_KINDS + fz_u8(b) % (FZ_KINDS - FZ_OLD_KINDS),
                                    &l)) != GAN_OK) {
            if (l)
                abort();
            return;
        }
        fz_attach(m, b, l, op < 6);
        return;
    case 9: case 10: { /* one more input */
        const int32_t n = fz_input_count(m);
        int32_t dims[4], node = 0;
        const int32_t ndim = fz_range(b, 0, 4);
        for (int32_t i = 0; i < ndim; i++)
            dims[i] = fz_range(b, -1, 12);
        if (n >= FZ_MAX_INPUTS)
            return;
        if (fz_status(gan_model_add_input(m, dims, ndim, &node)) == GAN_OK
                ? node != GAN_MODEL_INPUT(n) || fz_input_count(m) != n + 1
                : fz_input_count(m) != n)
            abort();
        return;
    }
    case 11: { /* inputs up to the limit, and one more */
        const int32_t dims[1] = {1};
        while (fz_input_count(m) < GAN_MODEL_MAX_IO)
            if (fz_status(gan_model_add_input(m, dims, 1, NULL)) != GAN_OK)
                return;
        if (fz_status(gan_model_add_input(m, dims, 1, NULL)) != GAN_E_OUT_OF_RANGE)
            abort();
        return;
    }
    case 12: case 13: { /* outputs: repeated, invalid, or none */
        int32_t nodes[GAN_MODEL_MAX_IO + 1];
        const int32_t n = fz_u8(b) == 255 ? GAN_MODEL_MAX_IO + 1 : fz_range(b, 0, 4);
        for (int32_t k = 0; k < n; k++)
            nodes[k] = k < 5 ? fz_node(b, layers) : k - 5;
        (void)fz_status(gan_model_set_outputs(m, nodes, n));
        return;
    }
    case 14: { /* spectral normalisation of a layer in the model (not built yet) */
        gan_layer_t *in_model = NULL;
        const int32_t index = fz_range(b, -2, layers);
        const bool on = fz_u8(b) & 1;
        if (fz_status(gan_model_get_layer(m, index, &in_model)) == GAN_OK)
            (void)fz_status(gan_layer_set_spectral_norm(in_model, on));
        return;
    }
    default: { /* a layer the model owns, attached again: always refused */
        gan_layer_t *in_model = NULL;
        if (fz_status(gan_model_get_layer(m, fz_range(b, -2, layers), &in_model)) != GAN_OK)
            return;
        const int32_t node = fz_node(b, layers);
        if (fz_status(fz_u8(b) & 1 ? gan_model_add(m, in_model)
                                   : gan_model_connect(m, in_model, &node, 1, NULL)) == GAN_OK ||
            fz_layer_count(m) != layers)
            abort();
        return;
    }
    }
}

/* What a model says of its graph: each layer reads earlier layers and existing inputs
 * only (no cycle), outputs are distinct layers. */
static void fz_check_graph(const gan_model_t *m)
{
    const int32_t layers = fz_layer_count(m), n_in = fz_input_count(m);
    int32_t n_out, seen[GAN_MODEL_MAX_IO];
    if (gan_model_get_io_count(m, NULL, &n_out) != GAN_OK || n_out < 1 ||
        n_out > GAN_MODEL_MAX_IO)
        abort();
    for (int32_t i = 0; i < layers; i++) {
        int32_t src[8], n;
        if (gan_model_get_layer_inputs(m, i, src, 8, &n) != GAN_OK || n < 1)
            abort();
        for (int32_t k = 0; k < n && k < 8; k++)
            if (src[k] >= i || src[k] == -1 || GAN_MODEL_INPUT(0) - src[k] >= n_in)
                abort();
    }
    for (int32_t k = 0; k < n_out && layers; k++) {
        if (gan_model_get_output_node(m, k, &seen[k]) != GAN_OK || seen[k] < 0 ||
            seen[k] >= layers)
            abort();
        for (int32_t j = 0; j < k; j++)
            if (seen[j] == seen[k])
                abort();
    }
}

/* Make a wired graph buildable: every input nobody reads gets a Scale that reads it,
 * and every layer nobody reads becomes an output (with the outputs chosen before),
 * as far as GAN_MODEL_MAX_IO allows. */
static void fz_close_graph(gan_model_t *m)
{
    fz_check_graph(m);
    const int32_t n_in = fz_input_count(m);
    int32_t layers = fz_layer_count(m);
    bool input_read[GAN_MODEL_MAX_IO] = {false};
    for (int32_t i = 0; i < layers; i++) {
        int32_t src[8], n;
        if (gan_model_get_layer_inputs(m, i, src, 8, &n) != GAN_OK)
            abort();
        for (int32_t k = 0; k < n && k < 8; k++)
            if (src[k] <= GAN_MODEL_INPUT(0))
                input_read[GAN_MODEL_INPUT(0) - src[k]] = true;
    }
    for (int32_t k = 0; k < n_in; k++) {
        gan_layer_t *l;
        if (input_read[k] || gan_layer_scale_create(&l, 1.0f, 0.0f) != GAN_OK)
            continue;
        const int32_t node = GAN_MODEL_INPUT(k);
        if (fz_status(gan_model_connect(m, l, &node, 1, NULL)) != GAN_OK)
            gan_layer_destroy(l);
    }
    layers = fz_layer_count(m);
    if (!layers)
        return;
    int32_t *readers = calloc((size_t)layers, sizeof *readers);
    for (int32_t i = 0; i < layers; i++) {
        int32_t src[8], n;
        if (gan_model_get_layer_inputs(m, i, src, 8, &n) != GAN_OK)
            abort();
        for (int32_t k = 0; k < n && k < 8; k++)
            if (src[k] >= 0)
                readers[src[k]]++;
    }
    int32_t outputs[GAN_MODEL_MAX_IO], n_out = 0;
    if (gan_model_get_io_count(m, NULL, &n_out) != GAN_OK)
        abort();
    for (int32_t k = 0; k < n_out; k++)
        if (gan_model_get_output_node(m, k, &outputs[k]) != GAN_OK)
            abort();
    for (int32_t k = 0; k < n_out; k++)
        readers[outputs[k]]++;
    for (int32_t i = 0; i < layers && n_out < GAN_MODEL_MAX_IO; i++)
        if (!readers[i])
            outputs[n_out++] = i;
    free(readers);
    (void)fz_status(gan_model_set_outputs(m, outputs, n_out));
}

static size_t fz_floats(int32_t batch, const int32_t *dims, int32_t ndim)
{
    size_t n = (size_t)batch;
    for (int32_t d = 0; d < ndim; d++)
        n *= (size_t)dims[d];
    return n;
}

/* Is every tensor of the model small enough to run? */
static bool fz_small(gan_model_t *m, int32_t batch)
{
    int32_t dims[4], ndim;
    const int32_t count = fz_layer_count(m), n_in = fz_input_count(m);
    for (int32_t i = -n_in; i < count; i++) {
        gan_status st = i < 0 ? gan_model_get_input_shape_at(m, -1 - i, dims, &ndim)
                              : gan_model_get_output_shape(m, i, dims, &ndim);
        if (st != GAN_OK)
            abort();
        if (fz_floats(batch, dims, ndim) > FZ_MAX_FLOATS)
            return false;
    }
    return true;
}

/* The floats of output @p k (layer *index) for @p batch. */
static size_t fz_output_floats(gan_model_t *m, int32_t k, int32_t batch, int32_t *index)
{
    int32_t dims[4], ndim;
    if (gan_model_get_output_node(m, k, index) != GAN_OK ||
        gan_model_get_output_shape(m, *index, dims, &ndim) != GAN_OK)
        abort();
    return fz_floats(batch, dims, ndim);
}

/* A batch for a built model: one array per input, filled from the bytes with integers
 * (byte % spread) - below, and one per output for its gradient, of out_n[k] floats. */
typedef struct fz_batch {
    int32_t n_in, n_out;
    float *xs[GAN_MODEL_MAX_IO], *dys[GAN_MODEL_MAX_IO];
    size_t out_n[GAN_MODEL_MAX_IO];
} fz_batch;

static void fz_batch_init(fz_batch *t, gan_model_t *m, fz_bytes *b, int32_t batch,
                          int spread, float below)
{
    int32_t dims[4], ndim, index;
    if (gan_model_get_io_count(m, &t->n_in, &t->n_out) != GAN_OK)
        abort();
    for (int32_t k = 0; k < t->n_in; k++) {
        if (gan_model_get_input_shape_at(m, k, dims, &ndim) != GAN_OK)
            abort();
        const size_t n = fz_floats(batch, dims, ndim);
        t->xs[k] = malloc(n * sizeof *t->xs[k]);
        for (size_t i = 0; i < n; i++)
            t->xs[k][i] = (float)(fz_u8(b) % spread) - below;
    }
    for (int32_t k = 0; k < t->n_out; k++) {
        t->out_n[k] = fz_output_floats(m, k, batch, &index);
        t->dys[k] = malloc(t->out_n[k] * sizeof *t->dys[k]);
    }
}

static void fz_batch_free(fz_batch *t)
{
    for (int32_t k = 0; k < t->n_in; k++)
        free(t->xs[k]);
    for (int32_t k = 0; k < t->n_out; k++)
        free(t->dys[k]);
}

/* Gradients of the outputs: a fixed pattern, or an L1 or L2 loss against it. */
static void fz_output_grads(const float *const *ys, float *const *dys, const size_t *n,
                            int32_t n_out, int32_t loss)
{
    for (int32_t k = 0; k < n_out; k++) {
        for (size_t i = 0; i < n[k]; i++)
            dys[k][i] = (float)((int)(i % 5) - 2);
        double value;
        if (!ys || loss == 0)
            continue;
        float *target = malloc(n[k] * sizeof *target);
        memcpy(target, dys[k], n[k] * sizeof *target);
        (void)fz_status(loss == 1 ? gan_loss_l1(ys[k], target, n[k], &value, dys[k])
                                  : gan_loss_l2(ys[k], target, n[k], &value, dys[k]));
        free(target);
    }
}

static void fz_backward_from(gan_model_t *m, fz_bytes *b, int32_t batch, int32_t count)
{
    /* doutput must have that layer's output shape, which the API cannot check */
    const int32_t from = fz_range(b, -2, count);
    int32_t dims[4], ndim;
    size_t n = (size_t)batch;
    if (gan_model_get_output_shape(m, from, dims, &ndim) == GAN_OK)
        n = fz_floats(batch, dims, ndim);
    float *g = calloc(n, sizeof *g);
    const float *dx;
    (void)fz_status(gan_model_backward_from(m, from, g, &dx));
    free(g);
}

static void fz_run(gan_model_t *m, fz_bytes *b, int32_t batch)
{
    const int32_t count = fz_layer_count(m);
    fz_batch t;
    fz_batch_init(&t, m, b, batch, 9, 4.0f); /* integral: Embedding reads class ids */
    const int32_t n_in = t.n_in, n_out = t.n_out;
    float *const *xs = t.xs, *const *dys = t.dys;
    const size_t *out_n = t.out_n;
    const float *ys[GAN_MODEL_MAX_IO], *dxs[GAN_MODEL_MAX_IO], *dx;
    int32_t *labels = malloc((size_t)batch * sizeof *labels);
    for (int32_t i = 0; i < batch; i++)
        labels[i] = fz_range(b, -1, FZ_CLASSES);
    const uint8_t mode = fz_u8(b);
    gan_model_set_training(m, mode & 1);
    gan_model_set_trainable(m, !(mode & 2));
    gan_model_set_profiling(m, mode & 4);
    /* one input and one output: either call; else the _multi one, and sometimes the
     * single one, which refuses several inputs */
    const uint8_t how = fz_u8(b);
    const bool multi = (n_in > 1 || n_out > 1) != ((how & 4) != 0);
    const int32_t *lab = how % 4 ? labels : NULL;
    gan_status st = multi ? gan_model_forward_multi(m, (const float *const *)xs, lab, batch, ys)
                          : gan_model_forward(m, xs[0], lab, batch, ys);
    /* the single forward returns output 0 only: run again for the others (new dropout
     * masks, so this can fail where the first did not, at an Embedding reading them) */
    if (fz_status(st) == GAN_OK && !multi && n_out > 1)
        st = fz_status(gan_model_forward_multi(m, (const float *const *)xs, lab, batch, ys));
    if (st == GAN_OK) {
        const float *y;
        for (int32_t i = -1; i <= count; i++)
            (void)fz_status(gan_model_get_layer_output(m, i, &y));
        (void)fz_status(gan_model_zero_grad(m));
        const uint8_t back = fz_u8(b);
        if (back & 1) {
            const uint8_t opts = fz_u8(b);
            fz_output_grads(ys, dys, out_n, n_out, (back >> 2) % 3);
            if (back & 2) {
                const float *doutputs[GAN_MODEL_MAX_IO];
                for (int32_t k = 0; k < n_out; k++)
                    doutputs[k] = (opts >> 1) & (1u << (k % 7)) ? dys[k] : NULL;
                for (int32_t again = 0; again <= ((back >> 4) & 1); again++)
                    (void)fz_status(gan_model_backward_multi(
                        m, (const float *const *)doutputs, opts & 1 ? dxs : NULL));
            } else {
                (void)fz_status(gan_model_backward(m, dys[0], opts & 1 ? &dx : NULL));
            }
        } else {
            fz_backward_from(m, b, batch, count);
        }
    }
    fz_batch_free(&t);
    free(labels);
}

/* One inference-mode forward, and a backward from @p seeds (one per output, NULL for an
 * output the loss does not use): the outputs, then the input gradients and the
 * parameter gradients, written to @p out (NULL: count only). Returns the number of
 * floats, or 0 if a call failed. */
static size_t fz_pass(gan_model_t *m, const fz_batch *t, const int32_t *labels,
                      int32_t batch, const float *const *seeds, float *out)
{
    int32_t dims[4], ndim;
    const float *ys[GAN_MODEL_MAX_IO], *dxs[GAN_MODEL_MAX_IO];
    float *grads;
    size_t n_grads, at = 0;
    /* Stateful recurrent layers carry their state from one pass to the next: every pass
     * starts from zero, as the comparisons need (other layers refuse the call). */
    for (int32_t i = 0; i < fz_layer_count(m); i++)
        (void)gan_model_reset_recurrent_state(m, i);
    if (gan_model_reseed(m, 7) != GAN_OK ||
        fz_status(gan_model_forward_multi(m, (const float *const *)t->xs, labels, batch,
                                          ys)) != GAN_OK)
        return 0;
    for (int32_t k = 0; k < t->n_out; k++) {
        if (out)
            memcpy(out + at, ys[k], t->out_n[k] * sizeof *out);
        at += t->out_n[k];
    }
    if (gan_model_zero_grad(m) != GAN_OK ||
        fz_status(gan_model_backward_multi(m, seeds, dxs)) != GAN_OK ||
        gan_model_get_grads(m, &grads, &n_grads) != GAN_OK)
        return 0;
    for (int32_t k = 0; k < t->n_in; k++) {
        if (gan_model_get_input_shape_at(m, k, dims, &ndim) != GAN_OK)
            abort();
        const size_t n = fz_floats(batch, dims, ndim);
        if (out)
            memcpy(out + at, dxs[k], n * sizeof *out);
        at += n;
    }
    if (out && n_grads)
        memcpy(out + at, grads, n_grads * sizeof *out);
    return at + n_grads;
}

static bool fz_finite(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return false;
    return true;
}

/* Two properties of a built model that no memory plan may break, checked exactly in
 * inference mode (deterministic). Gradient routing: a backward from output k alone gives
 * the same gradients (to the bit, but for the sign of zeros) as one from output k with
 * zeros for every other output, although the zeros send every share through the other
 * path (an output's gradient is its seed plus what its readers add). And running in
 * place: keeping every layer's output, which stops every layer from running in its
 * input's buffer, changes no output and no gradient by a single bit. (Comparing the sum
 * of the outputs' gradients with the gradient of their sum needs a tolerance that
 * ill-conditioned models, spectral normalisation with a tiny sigma, defeat.) Routing is
 * not compared on models with a CondAugment layer: it adds the gradient of its KL term
 * whenever a backward pass runs through it, which a zero seed does and a NULL one does
 * not (crashes/model/harness-cond-augment-kl-where-no-gradient-reaches). */
static bool fz_has_kind(const gan_model_t *m, const char *kind)
{
    for (int32_t i = 0; i < fz_layer_count(m); i++) {
        gan_layer_t *l;
        if (gan_model_get_layer(m, i, &l) != GAN_OK)
            abort();
        if (strcmp(gan_layer_get_kind(l), kind) == 0)
            return true;
    }
    return false;
}

static void fz_oracle(gan_model_t *m, fz_bytes *b)
{
    int32_t batch;
    const int32_t count = fz_layer_count(m);
    if (gan_model_get_batch_size(m, &batch) != GAN_OK)
        abort();
    fz_batch t;
    fz_batch_init(&t, m, b, batch, 5, 1.0f);
    const float *all[GAN_MODEL_MAX_IO], *one[GAN_MODEL_MAX_IO], *zeroed[GAN_MODEL_MAX_IO];
    float *zeros[GAN_MODEL_MAX_IO];
    size_t outputs = 0;
    for (int32_t k = 0; k < t.n_out; k++) {
        for (size_t i = 0; i < t.out_n[k]; i++)
            t.dys[k][i] = (float)(fz_u8(b) % 7) - 3.0f;
        zeros[k] = calloc(t.out_n[k], sizeof *zeros[k]);
        all[k] = t.dys[k];
        outputs += t.out_n[k];
    }
    int32_t *labels = calloc((size_t)batch, sizeof *labels);
    gan_model_set_training(m, false);
    gan_model_set_trainable(m, true);
    const size_t n = fz_pass(m, &t, labels, batch, all, NULL);
    float *whole = malloc((n ? n : 1) * sizeof *whole), *part = malloc((n ? n : 1) * sizeof *part),
          *other = malloc((n ? n : 1) * sizeof *other);
    if (n && fz_pass(m, &t, labels, batch, all, whole) == n && fz_finite(whole, n)) {
        const bool routed = t.n_out > 1 && !fz_has_kind(m, "cond_augment");
        for (int32_t k = 0; k < t.n_out && routed; k++) {
            for (int32_t j = 0; j < t.n_out; j++) {
                one[j] = j == k ? t.dys[j] : NULL;
                zeroed[j] = j == k ? t.dys[j] : zeros[j];
            }
            if (fz_pass(m, &t, labels, batch, one, part) != n ||
                fz_pass(m, &t, labels, batch, zeroed, other) != n)
                abort(); /* the same calls succeeded with every output */
            const bool finite = fz_finite(part, n) && fz_finite(other, n);
            for (size_t i = outputs; i < n && finite; i++)
                if (part[i] != other[i])
                    abort(); /* a gradient share lost, doubled or misrouted */
        }
        for (int32_t i = 0; i < count; i++)
            if (fz_status(gan_model_keep_layer_output(m, i)) != GAN_OK)
                abort();
        if (fz_pass(m, &t, labels, batch, all, part) != n ||
            memcmp(whole, part, n * sizeof *part) != 0)
            abort(); /* running in place changed a result */
    }
    for (int32_t k = 0; k < t.n_out; k++)
        free(zeros[k]);
    fz_batch_free(&t);
    free(labels);
    free(whole);
    free(part);
    free(other);
}

/* Calls that a built model refuses, and the getters of its graph. */
static void fz_after_build(gan_model_t *m, fz_bytes *b)
{
    const int32_t dims[1] = {2}, node = fz_node(b, fz_layer_count(m));
    gan_layer_t *l;
    if (fz_status(gan_model_add_input(m, dims, 1, NULL)) != GAN_E_STATE ||
        fz_status(gan_model_set_outputs(m, &node, 1)) != GAN_E_STATE)
        abort();
    if (fz_status(gan_layer_relu_create(&l)) == GAN_OK) {
        if (fz_status(gan_model_connect(m, l, &node, 1, NULL)) != GAN_E_STATE)
            abort();
        gan_layer_destroy(l);
    }
    int32_t d[4], nd, index, src[2], n;
    (void)fz_status(gan_model_get_input_shape_at(m, fz_range(b, -1, 3), d, &nd));
    (void)fz_status(gan_model_get_output_node(m, fz_range(b, -1, 3), &index));
    (void)fz_status(gan_model_get_layer_inputs(m, fz_range(b, -2, 13), src, 2, &n));
    fz_check_graph(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_bytes b = {data, size, 0};
    int32_t dims[4];
    const int32_t ndim = fz_range(&b, 0, 4);
    for (int32_t i = 0; i < ndim; i++)
        dims[i] = fz_range(&b, -1, 12);
    gan_model_t *m = NULL;
    gan_model_options_t o;
    gan_model_options_init(&o, sizeof o);
    o.seed = fz_u8(&b);
    if (fz_status(gan_model_create(&m, dims, ndim, &o)) != GAN_OK) {
        if (m)
            abort();
        return 0;
    }
    const int32_t layers = fz_range(&b, 0, FZ_MAX_LAYERS);
    bool graph = false;
    for (int32_t i = 0; i < layers; i++) {
        const uint8_t op = fz_u8(&b);
        if (op >= FZ_GRAPH_OPS) {
            fz_graph_op(m, &b, op - FZ_GRAPH_OPS);
            graph = true;
            continue;
        }
        gan_layer_t *l = NULL;
        if (fz_status(fz_layer_kind(&b, op % FZ_OLD_KINDS, &l)) != GAN_OK) {
            if (l)
                abort();
            continue;
        }
        fz_attach(m, &b, l, false);
    }
    if (fz_u8(&b) & 1)
        (void)fz_status(gan_model_keep_layer_output(m, fz_range(&b, -2, layers)));
    const int32_t batch = fz_range(&b, 0, 5);
    if (graph && fz_u8(&b) & 1)
        fz_close_graph(m);
    if (fz_layer_count(m))
        fz_check_graph(m);
    char text[512];
    size_t length;
    if (gan_model_summary(m, text, sizeof text, &length) != GAN_OK)
        abort();
    if (fz_small(m, batch > 0 ? batch : 1) && fz_status(gan_model_build(m, batch)) == GAN_OK) {
        fz_run(m, &b, batch);
        const int32_t again = fz_range(&b, 0, 5);
        if (fz_small(m, again > 0 ? again : 1) && fz_status(gan_model_set_batch_size(m, again)) == GAN_OK)
            fz_run(m, &b, again);
        (void)fz_status(gan_model_keep_layer_output(m, fz_range(&b, -2, layers)));
        if (gan_model_summary(m, text, sizeof text, &length) != GAN_OK)
            abort();
        fz_after_build(m, &b);
        if (fz_u8(&b) & 1)
            fz_oracle(m, &b);
    }
    gan_model_destroy(m);
    return 0;
}
