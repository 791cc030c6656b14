/* Conv2DTranspose, the exact adjoint of Conv2D: GEMM + col2im forward, im2col + GEMMs
 * backward. Weights (C_in, filters, kh, kw) row-major, as PyTorch's ConvTranspose2d. */
#include <string.h>

#include "kernels/elementwise.h"
#include "layers/conv_common.h"

/* The chunk of x starting at image n0 as (C_in, cols): in place for one image, else
 * reordered into p->tmp. */
static const float *gan__convt_input_chunk(const gan__conv_pass *p, const float *x,
                                           int32_t n0, int32_t nb)
{
    const float *xc = x + (size_t)n0 * p->in_size;
    if (nb == 1)
        return xc;
    gan__batch_to_channels(p->tmp, xc, nb, p->other, p->grid);
    return p->tmp;
}

static gan_status gan__convt_forward_part(void *arg, int32_t part, int32_t parts)
{
    (void)parts;
    const gan__conv_job *job = arg;
    const gan_layer_t *l = job->l;
    const gan__conv_pass p = gan__conv_pass_begin(l, job->c, part);
    const size_t image = (size_t)p.g->in_h * p.g->in_w;
    for (int32_t n0 = p.n_begin; n0 < p.n_end; n0 += p.chunk) {
        const int32_t nb = gan__conv_chunk_at(&p, n0);
        const int32_t cols = (int32_t)(nb * p.grid);
        const float *xc = gan__convt_input_chunk(&p, job->x, n0, nb);
        /* col(rows, cols) = W^T (rows, C_in) x (C_in, cols) */
        gan_status st = gan__gemm(job->c->blas, 1, 0, p.rows, cols, p.other, 1.0f,
                                  l->param[GAN_PARAM_WEIGHT].value, p.rows, xc, cols, 0.0f,
                                  p.col, cols);
        if (st != GAN_OK)
            return st;
        float *yc = job->y + (size_t)n0 * p.out_size;
        for (int32_t j = 0; j < nb; j++)
            gan__col2im(yc + (size_t)j * p.out_size, p.col + j * p.grid, (size_t)cols, p.g,
                        p.planes);
        if (l->param[GAN_PARAM_BIAS].present)
            gan__add_channel_bias(yc, l->param[GAN_PARAM_BIAS].value, nb, p.g->channels,
                                  image);
    }
    return GAN_OK;
}

static gan_status gan__convt_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                     float *y)
{
    gan__conv_job job = {.l = l, .c = c, .x = x, .y = y};
    return gan__conv_run(l, c, gan__convt_forward_part, &job, false);
}

static gan_status gan__convt_backward_part(void *arg, int32_t part, int32_t parts)
{
    (void)parts;
    const gan__conv_job *job = arg;
    const gan_layer_t *l = job->l;
    const gan__ctx *c = job->c;
    const gan__conv_pass p = gan__conv_pass_begin(l, c, part);
    for (int32_t n0 = p.n_begin; n0 < p.n_end; n0 += p.chunk) {
        const int32_t nb = gan__conv_chunk_at(&p, n0);
        const int32_t cols = (int32_t)(nb * p.grid);
        for (int32_t j = 0; j < nb; j++)
            gan__im2col(p.col + j * p.grid, (size_t)cols,
                        job->dy + (size_t)(n0 + j) * p.out_size, p.g, p.planes);
        gan_status st = GAN_OK;
        if (c->param_grads) { /* dW(C_in, rows) += x (C_in, cols) dcol^T */
            const float *xc = gan__convt_input_chunk(&p, job->x, n0, nb);
            const float beta = part > 0 && n0 == p.n_begin ? 0.0f : 1.0f;
            st = gan__gemm(c->blas, 0, 1, p.other, p.rows, cols, 1.0f, xc, cols, p.col, cols,
                           beta, p.dw, p.rows);
        }
        if (st == GAN_OK && job->dx) { /* dx(C_in, cols) = W (C_in, rows) dcol */
            float *dxc = job->dx + (size_t)n0 * p.in_size;
            st = gan__gemm(c->blas, 0, 0, p.other, cols, p.rows, 1.0f,
                           l->param[GAN_PARAM_WEIGHT].value, p.rows, p.col, cols, 0.0f,
                           nb == 1 ? dxc : p.tmp, cols);
            if (st == GAN_OK && nb > 1)
                gan__channels_to_batch(dxc, p.tmp, nb, p.other, p.grid);
        }
        if (st != GAN_OK)
            return st;
    }
    return GAN_OK;
}

static gan_status gan__convt_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                      const float *y, const float *dy, float *dx)
{
    (void)y;
    const gan__conv_geom *g = &((const gan__conv *)l)->geom;
    if (c->param_grads && l->param[GAN_PARAM_BIAS].present)
        gan__conv_bias_grad(l, c, dy, g->channels, (size_t)g->in_h * g->in_w);
    gan__conv_job job = {.l = l, .c = c, .x = x, .dy = dy, .dx = dx};
    return gan__conv_run(l, c, gan__convt_backward_part, &job, c->param_grads);
}

static const gan__layer_ops gan__conv2d_transpose_ops = {
    .kind = "conv2d_transpose",
    .configure = gan__conv_configure,
    .workspace_floats = gan__conv_workspace,
    .forward = gan__convt_forward,
    .backward = gan__convt_backward,
    .describe = gan__conv_describe,
    .spectral_norm = true,
    .memory = GAN__MEM_NO_Y,
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
