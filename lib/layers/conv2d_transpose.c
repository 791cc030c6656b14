/* Conv2DTranspose, the exact adjoint of Conv2D: GEMM + col2im forward, im2col + GEMMs
 * backward. Weights (C_in, filters, kh, kw) row-major, as PyTorch's ConvTranspose2d. */
#include <string.h>

#include "kernels/elementwise.h"
#include "layers/conv_common.h"

/* Workspace: the column buffer (rows, chunk*grid) with rows = filters*kh*kw, then a
 * (C_in, chunk*grid) buffer for inputs or input gradients in channel-major order. */
static gan_status gan__convt_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                     float *y)
{
    gan__conv *cv = (gan__conv *)l;
    const gan__conv_geom *g = &cv->geom;
    const int32_t in_c = cv->other_channels;
    const int32_t rows = g->channels * g->kernel_h * g->kernel_w;
    const size_t grid = (size_t)g->out_h * g->out_w;
    const size_t in_size = gan__shape_size(&l->in), out_size = gan__shape_size(&l->out);
    const int32_t chunk = gan__conv_chunk(cv, c->batch);
    float *col = c->workspace;
    float *tmp = col + (size_t)rows * chunk * grid;

    memset(y, 0, (size_t)c->batch * out_size * sizeof *y);
    for (int32_t n0 = 0; n0 < c->batch; n0 += chunk) {
        const int32_t nb = c->batch - n0 < chunk ? c->batch - n0 : chunk;
        const int32_t cols = (int32_t)(nb * grid);
        const float *xc = x + (size_t)n0 * in_size; /* (C_in, cols) when nb == 1 */
        if (nb > 1) {
            gan__batch_to_channels(tmp, xc, nb, in_c, grid);
            xc = tmp;
        }
        /* col(rows, cols) = W^T (rows, C_in) x (C_in, cols) */
        gan_status st = gan__gemm(c->blas, 1, 0, rows, cols, in_c, 1.0f,
                                  l->param[GAN_PARAM_WEIGHT].value, rows, xc, cols, 0.0f,
                                  col, cols);
        if (st != GAN_OK)
            return st;
        for (int32_t j = 0; j < nb; j++)
            gan__col2im_add(y + (size_t)(n0 + j) * out_size, col + j * grid, (size_t)cols, g);
    }
    if (l->param[GAN_PARAM_BIAS].present)
        gan__add_channel_bias(y, l->param[GAN_PARAM_BIAS].value, c->batch, g->channels,
                              (size_t)g->in_h * g->in_w);
    return GAN_OK;
}

static gan_status gan__convt_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                      const float *y, const float *dy, float *dx)
{
    (void)y;
    gan__conv *cv = (gan__conv *)l;
    const gan__conv_geom *g = &cv->geom;
    const int32_t in_c = cv->other_channels;
    const int32_t rows = g->channels * g->kernel_h * g->kernel_w;
    const size_t grid = (size_t)g->out_h * g->out_w;
    const size_t in_size = gan__shape_size(&l->in), out_size = gan__shape_size(&l->out);
    const int32_t chunk = gan__conv_chunk(cv, c->batch);
    float *col = c->workspace;
    float *tmp = col + (size_t)rows * chunk * grid;

    if (c->param_grads && l->param[GAN_PARAM_BIAS].present)
        gan__sum_channels(l->param[GAN_PARAM_BIAS].grad, dy, c->batch, g->channels,
                          (size_t)g->in_h * g->in_w);
    for (int32_t n0 = 0; n0 < c->batch; n0 += chunk) {
        const int32_t nb = c->batch - n0 < chunk ? c->batch - n0 : chunk;
        const int32_t cols = (int32_t)(nb * grid);
        for (int32_t j = 0; j < nb; j++)
            gan__im2col(col + j * grid, (size_t)cols, dy + (size_t)(n0 + j) * out_size, g);
        gan_status st = GAN_OK;
        if (c->param_grads) { /* dW(C_in, rows) += x (C_in, cols) dcol^T */
            const float *xc = x + (size_t)n0 * in_size;
            if (nb > 1) {
                gan__batch_to_channels(tmp, xc, nb, in_c, grid);
                xc = tmp;
            }
            st = gan__gemm(c->blas, 0, 1, in_c, rows, cols, 1.0f, xc, cols, col, cols, 1.0f,
                           l->param[GAN_PARAM_WEIGHT].grad, rows);
        }
        if (st == GAN_OK && dx) { /* dx(C_in, cols) = W (C_in, rows) dcol */
            float *dxc = dx + (size_t)n0 * in_size;
            st = gan__gemm(c->blas, 0, 0, in_c, cols, rows, 1.0f,
                           l->param[GAN_PARAM_WEIGHT].value, rows, col, cols, 0.0f,
                           nb == 1 ? dxc : tmp, cols);
            if (st == GAN_OK && nb > 1)
                gan__channels_to_batch(dxc, tmp, nb, in_c, grid);
        }
        if (st != GAN_OK)
            return st;
    }
    return GAN_OK;
}

static const gan__layer_ops gan__conv2d_transpose_ops = {
    .kind = "conv2d_transpose",
    .configure = gan__conv_configure,
    .workspace_floats = gan__conv_workspace,
    .forward = gan__convt_forward,
    .backward = gan__convt_backward,
    .describe = gan__conv_describe,
};

gan_status gan_layer_conv2d_transpose_create(gan_layer_t **out, int32_t filters,
                                             int32_t kernel, int32_t stride, int32_t padding)
{
    return gan__conv_create_simple(out, filters, kernel, stride, padding,
                                   &gan__conv2d_transpose_ops, true,
                                   "gan_layer_conv2d_transpose_create");
}

gan_status gan_layer_conv2d_transpose_create_ex(gan_layer_t **out,
                                                const gan_conv_options_t *opts)
{
    return gan__conv_create(out, opts, &gan__conv2d_transpose_ops, true,
                            "gan_layer_conv2d_transpose_create_ex");
}
