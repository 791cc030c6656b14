/* libFuzzer target: the model-building API driven by fuzzer bytes. The bytes pick an
 * input shape, a stack of up to 12 layers of every kind with their settings (valid or
 * not), a batch size; then the model is built, run forward and backward (with labels
 * when it is conditional), resized, summarised, and its layer outputs asked for. Every
 * call must succeed or fail with a named status and a message (fz_status checks); none
 * may crash, leak or touch memory it does not own (the target runs under ASan and
 * UBSan). */
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

static gan_status fz_layer(fz_bytes *b, gan_layer_t **l)
{
    switch (fz_u8(b) % 15) {
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
    case 5:
        return gan_layer_relu_create(l);
    case 6:
        return gan_layer_tanh_create(l);
    case 7:
        return gan_layer_sigmoid_create(l);
    case 8:
        return gan_layer_dropout_create(l, (float)fz_range(b, -1, 11) / 10.0f);
    case 9: {
        int32_t dims[5];
        const int32_t ndim = fz_range(b, 0, 5);
        for (int32_t i = 0; i < ndim; i++)
            dims[i] = fz_range(b, -1, 16);
        return gan_layer_reshape_create(l, dims, ndim);
    }
    case 10:
        return gan_layer_flatten_create(l);
    case 11:
        return gan_layer_embedding_create(l, fz_range(b, -1, 5), fz_range(b, -1, 6));
    case 12:
        return gan_layer_condition_create(l, fz_range(b, -1, 5), fz_range(b, -1, 4));
    case 13:
        return gan_layer_projection_create(l, fz_range(b, -1, 5));
    default: {
        gan_status st = gan_layer_dense_create(l, fz_range(b, 1, 16), true);
        if (st == GAN_OK)
            st = gan_layer_set_spectral_norm(*l, true);
        return st;
    }
    }
}

/* Is every tensor of the model small enough to run? */
static bool fz_small(gan_model_t *m, int32_t batch)
{
    int32_t count, dims[4], ndim;
    if (gan_model_get_layer_count(m, &count) != GAN_OK)
        abort();
    for (int32_t i = -1; i < count; i++) {
        gan_status st = i < 0 ? gan_model_get_input_shape(m, dims, &ndim)
                              : gan_model_get_output_shape(m, i, dims, &ndim);
        if (st != GAN_OK)
            abort();
        int64_t n = batch;
        for (int32_t d = 0; d < ndim; d++)
            n *= dims[d];
        if (n > FZ_MAX_FLOATS)
            return false;
    }
    return true;
}

static void fz_run(gan_model_t *m, fz_bytes *b, int32_t batch, int32_t classes)
{
    int32_t in_dims[4], in_ndim, out_dims[4], out_ndim, count;
    if (gan_model_get_input_shape(m, in_dims, &in_ndim) != GAN_OK ||
        gan_model_get_output_shape(m, -1, out_dims, &out_ndim) != GAN_OK ||
        gan_model_get_layer_count(m, &count) != GAN_OK)
        abort();
    size_t in_n = (size_t)batch, out_n = (size_t)batch;
    for (int32_t d = 0; d < in_ndim; d++)
        in_n *= (size_t)in_dims[d];
    for (int32_t d = 0; d < out_ndim; d++)
        out_n *= (size_t)out_dims[d];
    float *x = malloc(in_n * sizeof *x), *dy = malloc(out_n * sizeof *dy);
    int32_t *labels = malloc((size_t)batch * sizeof *labels);
    for (size_t i = 0; i < in_n; i++)
        x[i] = (float)(fz_u8(b) % 9) - 4.0f; /* integral: Embedding reads class ids */
    for (size_t i = 0; i < out_n; i++)
        dy[i] = (float)((int)(i % 5) - 2);
    for (int32_t i = 0; i < batch; i++)
        labels[i] = fz_range(b, -1, classes > 0 ? classes : 1);
    gan_model_set_training(m, fz_u8(b) & 1);
    const float *y, *dx;
    if (fz_status(gan_model_forward(m, x, fz_u8(b) % 4 ? labels : NULL, batch, &y)) ==
        GAN_OK) {
        for (int32_t i = 0; i < count; i++)
            (void)fz_status(gan_model_get_layer_output(m, i, &y));
        gan_model_zero_grad(m);
        if (fz_u8(b) & 1) {
            (void)fz_status(gan_model_backward(m, dy, fz_u8(b) & 1 ? &dx : NULL));
        } else {
            /* doutput must have that layer's output shape, which the API cannot check */
            const int32_t from = fz_range(b, -2, count);
            int32_t dims[4], ndim;
            size_t n = (size_t)batch;
            if (gan_model_get_output_shape(m, from, dims, &ndim) == GAN_OK)
                for (int32_t d = 0; d < ndim; d++)
                    n *= (size_t)dims[d];
            float *g = calloc(n, sizeof *g);
            (void)fz_status(gan_model_backward_from(m, from, g, &dx));
            free(g);
        }
    }
    free(x);
    free(dy);
    free(labels);
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
    int32_t classes = 0;
    for (int32_t i = 0; i < layers; i++) {
        gan_layer_t *l = NULL;
        if (fz_status(fz_layer(&b, &l)) != GAN_OK) {
            if (l)
                abort();
            continue;
        }
        if (fz_status(gan_model_add(m, l)) != GAN_OK)
            gan_layer_destroy(l); /* the caller keeps a refused layer */
    }
    classes = 5;
    if (fz_u8(&b) & 1)
        (void)fz_status(gan_model_keep_layer_output(m, fz_range(&b, -2, layers)));
    const int32_t batch = fz_range(&b, 0, 5);
    char text[512];
    size_t length;
    if (gan_model_summary(m, text, sizeof text, &length) != GAN_OK)
        abort();
    if (fz_small(m, batch > 0 ? batch : 1) && fz_status(gan_model_build(m, batch)) == GAN_OK) {
        fz_run(m, &b, batch, classes);
        const int32_t again = fz_range(&b, 0, 5);
        if (fz_small(m, again > 0 ? again : 1) && fz_status(gan_model_set_batch_size(m, again)) == GAN_OK)
            fz_run(m, &b, again, classes);
        (void)fz_status(gan_model_keep_layer_output(m, fz_range(&b, -2, layers)));
        if (gan_model_summary(m, text, sizeof text, &length) != GAN_OK)
            abort();
    }
    gan_model_destroy(m);
    return 0;
}
