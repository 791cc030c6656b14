/* Conv2D as im2col + one GEMM per chunk of images; backward as GEMMs + col2im. Stride-1
 * convolutions run on the direct kernels instead where they apply (gan__conv_direct).
 * Weights (filters, C, kh, kw) row-major, as PyTorch's Conv2d. */
#include <string.h>

#include "kernels/conv_direct.h"
#include "kernels/elementwise.h"
#include "layers/conv_common.h"

static gan_status gan__conv2d_forward_part(void *arg, int32_t part, int32_t parts)
{
    (void)parts;
    const gan__conv_job *job = arg;
    const gan_layer_t *l = job->l;
    const gan__conv_pass p = gan__conv_pass_begin(l, job->c, part);
    const int32_t filters = p.other;
    if (gan__conv_direct(l, job->c)) {
        const int32_t images = p.n_end - p.n_begin;
        float *y = job->y + (size_t)p.n_begin * p.out_size;
        gan__dconv_forward(y, job->x + (size_t)p.n_begin * p.in_size,
                           gan__conv_direct_pack(l, job->c), p.g, filters, images, p.col);
        gan__blas_count(job->c->blas, gan__conv_flops(&p, images));
        if (l->param[GAN_PARAM_BIAS].present)
            gan__add_channel_bias(y, l->param[GAN_PARAM_BIAS].value, images, filters, p.grid);
        return GAN_OK;
    }
    for (int32_t n0 = p.n_begin; n0 < p.n_end; n0 += p.chunk) {
        const int32_t nb = gan__conv_chunk_at(&p, n0);
        const int32_t cols = (int32_t)(nb * p.grid);
        for (int32_t j = 0; j < nb; j++)
            gan__im2col(p.col + j * p.grid, (size_t)cols,
                        job->x + (size_t)(n0 + j) * p.in_size, p.g, p.planes);
        /* y(filters, cols) = W(filters, rows) col; one image is already NCHW */
        float *y = job->y + (size_t)n0 * p.out_size;
        gan_status st = gan__gemm(job->c->blas, 0, 0, filters, cols, p.rows, 1.0f,
                                  l->param[GAN_PARAM_WEIGHT].value, p.rows, p.col, cols, 0.0f,
                                  nb == 1 ? y : p.tmp, cols);
        if (st != GAN_OK)
            return st;
        if (nb > 1)
            gan__channels_to_batch(y, p.tmp, nb, filters, p.grid);
        if (l->param[GAN_PARAM_BIAS].present)
            gan__add_channel_bias(y, l->param[GAN_PARAM_BIAS].value, nb, filters, p.grid);
    }
    return GAN_OK;
}

static gan_status gan__conv2d_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                      float *y)
{
    gan__conv_job job = {.l = l, .c = c, .x = x, .y = y};
    if (gan__conv_direct(l, c))
        gan__conv_direct_pack_weights(l, c, false);
    return gan__conv_run(l, c, gan__conv2d_forward_part, &job, false);
}

/* One part's backward on the direct kernels: its weight gradient in groups of images
 * that stay in the cache, then its input gradient. */
static void gan__conv2d_backward_direct(const gan__conv_job *job, const gan__conv_pass *p)
{
    const gan_layer_t *l = job->l;
    const gan__ctx *c = job->c;
    const int32_t filters = p->other, images = p->n_end - p->n_begin;
    const float *dy = job->dy + (size_t)p->n_begin * p->out_size;
    if (c->param_grads) {
        if (p->dw != l->param[GAN_PARAM_WEIGHT].grad) /* a private copy: starts at zero */
            memset(p->dw, 0, l->param[GAN_PARAM_WEIGHT].count * sizeof *p->dw);
        const int32_t group = gan__dconv_group(p->g, filters, images);
        for (int32_t n0 = 0; n0 < images; n0 += group)
            gan__dconv_weight_grad(p->dw, dy + (size_t)n0 * p->out_size,
                                   job->x + (size_t)(p->n_begin + n0) * p->in_size, p->g,
                                   filters, images - n0 < group ? images - n0 : group, p->col);
        gan__blas_count(c->blas, gan__conv_flops(p, images));
    }
    if (job->dx) {
        gan__dconv_input_grad(job->dx + (size_t)p->n_begin * p->in_size, dy,
                              gan__conv_direct_pack(l, c), p->g, filters, images, p->col);
        gan__blas_count(c->blas, gan__conv_flops(p, images));
    }
}

static gan_status gan__conv2d_backward_part(void *arg, int32_t part, int32_t parts)
{
    (void)parts;
    const gan__conv_job *job = arg;
    const gan_layer_t *l = job->l;
    const gan__ctx *c = job->c;
    const gan__conv_pass p = gan__conv_pass_begin(l, c, part);
    const int32_t filters = p.other;
    if (gan__conv_direct(l, c)) {
        gan__conv2d_backward_direct(job, &p);
        return GAN_OK;
    }
    for (int32_t n0 = p.n_begin; n0 < p.n_end; n0 += p.chunk) {
        const int32_t nb = gan__conv_chunk_at(&p, n0);
        const int32_t cols = (int32_t)(nb * p.grid);
        const float *dyc = job->dy + (size_t)n0 * p.out_size; /* (filters, cols) if nb 1 */
        if (nb > 1) {
            gan__batch_to_channels(p.tmp, dyc, nb, filters, p.grid);
            dyc = p.tmp;
        }
        gan_status st = GAN_OK;
        if (c->param_grads) { /* dW(filters, rows) += dy (filters, cols) col^T */
            for (int32_t j = 0; j < nb; j++)
                gan__im2col(p.col + j * p.grid, (size_t)cols,
                            job->x + (size_t)(n0 + j) * p.in_size, p.g, p.planes);
            const float beta = part > 0 && n0 == p.n_begin ? 0.0f : 1.0f;
            st = gan__gemm(c->blas, 0, 1, filters, p.rows, cols, 1.0f, dyc, cols, p.col,
                           cols, beta, p.dw, p.rows);
        }
        if (st == GAN_OK && job->dx) { /* dcol(rows, cols) = W^T dy, folded back into dx */
            st = gan__gemm(c->blas, 1, 0, p.rows, cols, filters, 1.0f,
                           l->param[GAN_PARAM_WEIGHT].value, p.rows, dyc, cols, 0.0f, p.col,
                           cols);
            float *dxc = job->dx + (size_t)n0 * p.in_size;
            for (int32_t j = 0; st == GAN_OK && j < nb; j++)
                gan__col2im(dxc + (size_t)j * p.in_size, p.col + j * p.grid, (size_t)cols,
                            p.g, p.planes);
        }
        if (st != GAN_OK)
            return st;
    }
    return GAN_OK;
}

static gan_status gan__conv2d_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                       const float *y, const float *dy, float *dx)
{
    (void)y;
    const gan__conv *cv = (const gan__conv *)l;
    if (c->param_grads && l->param[GAN_PARAM_BIAS].present)
        gan__conv_bias_grad(l, c, dy, cv->other_channels,
                            (size_t)cv->geom.out_h * cv->geom.out_w);
    gan__conv_job job = {.l = l, .c = c, .x = x, .dy = dy, .dx = dx};
    if (dx && gan__conv_direct(l, c))
        gan__conv_direct_pack_weights(l, c, true);
    return gan__conv_run(l, c, gan__conv2d_backward_part, &job, c->param_grads);
}

static const gan__layer_ops gan__conv2d_ops = {
    .kind = "conv2d",
    .configure = gan__conv_configure,
    .workspace_floats = gan__conv_workspace,
    .forward = gan__conv2d_forward,
    .backward = gan__conv2d_backward,
    .describe = gan__conv_describe,
    .spectral_norm = true,
    .memory = GAN__MEM_NO_Y,
};

gan_status gan_layer_conv2d_create(gan_layer_t **out, int32_t filters, int32_t kernel,
                                   int32_t stride, int32_t padding)
{
    return gan__conv_create_simple(out, filters, kernel, stride, padding, &gan__conv2d_ops,
                                   false, "gan_layer_conv2d_create");
}

gan_status gan_layer_conv2d_create_ex(gan_layer_t **out, const gan_conv_options_t *opts)
{
    return gan__conv_create(out, opts, &gan__conv2d_ops, false, "gan_layer_conv2d_create_ex");
}
