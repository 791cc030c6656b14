/* Dense: y = x W^T + b with W (units, in_features) row-major, as PyTorch's Linear; on a
 * sequence (T, F) the same map at every time step. */
#include "core/error.h"
#include "kernels/elementwise.h"
#include "layers/layer.h"

typedef struct gan__dense {
    gan_layer_t base;
    int32_t units;
} gan__dense;

static gan_status gan__dense_configure(gan_layer_t *l)
{
    gan__dense *d = (gan__dense *)l;
    if (l->in.ndim != 1 && l->in.ndim != 2)
        return gan__fail(GAN_E_SHAPE, "dense expects a flat input (F) or a sequence (T,F), "
                         "got %s; add a Flatten layer first", gan__shape_str(&l->in).s);
    int32_t in = l->in.d[l->in.ndim - 1];
    l->out = l->in;
    l->out.d[l->in.ndim - 1] = d->units;
    l->param[GAN_PARAM_WEIGHT].count = (size_t)d->units * (size_t)in;
    l->param[GAN_PARAM_WEIGHT].fan_in = in;
    l->param[GAN_PARAM_WEIGHT].fan_out = d->units;
    l->param[GAN_PARAM_BIAS].count = (size_t)d->units;
    return GAN_OK;
}

static gan_status gan__dense_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                     float *y)
{
    gan__dense *d = (gan__dense *)l;
    int32_t in = l->in.d[l->in.ndim - 1], rows;
    gan_status st = gan__layer_rows(l, c, &rows);
    if (st == GAN_OK)
        st = gan__gemm(c->blas, 0, 1, rows, d->units, in, 1.0f, x, in,
                       l->param[GAN_PARAM_WEIGHT].value, in, 0.0f, y, d->units);
    if (st == GAN_OK && l->param[GAN_PARAM_BIAS].present)
        gan__add_channel_bias(y, l->param[GAN_PARAM_BIAS].value, rows, d->units, 1);
    return st;
}

static gan_status gan__dense_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                      const float *y, const float *dy, float *dx)
{
    (void)y;
    gan__dense *d = (gan__dense *)l;
    int32_t in = l->in.d[l->in.ndim - 1], rows;
    gan_status st = gan__layer_rows(l, c, &rows);
    if (st == GAN_OK && c->param_grads) {
        /* dW(units, in) += dy^T (units, N) x (N, in), N the rows */
        st = gan__gemm(c->blas, 1, 0, d->units, in, rows, 1.0f, dy, d->units, x, in,
                       1.0f, l->param[GAN_PARAM_WEIGHT].grad, in);
        if (st == GAN_OK && l->param[GAN_PARAM_BIAS].present)
            gan__sum_channels(l->param[GAN_PARAM_BIAS].grad, dy, rows, d->units, 1);
    }
    if (st == GAN_OK && dx) /* dx(N, in) = dy(N, units) W(units, in) */
        st = gan__gemm(c->blas, 0, 0, rows, in, d->units, 1.0f, dy, d->units,
                       l->param[GAN_PARAM_WEIGHT].value, in, 0.0f, dx, in);
    return st;
}

static const gan__layer_ops gan__dense_ops = {
    .kind = "dense",
    .configure = gan__dense_configure,
    .forward = gan__dense_forward,
    .backward = gan__dense_backward,
    .spectral_norm = true,
    .memory = GAN__MEM_NO_Y,
};

gan_status gan_layer_dense_create(gan_layer_t **out, int32_t units, bool use_bias)
{
    static const char who[] = "gan_layer_dense_create";
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    if (units < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: units %d must be >= 1", who, (int)units);
    st = gan__layer_alloc(out, sizeof(gan__dense), &gan__dense_ops, who);
    if (st != GAN_OK)
        return st;
    gan__dense *d = (gan__dense *)*out;
    d->units = units;
    d->base.param[GAN_PARAM_WEIGHT].present = true;
    d->base.param[GAN_PARAM_BIAS].present = use_bias;
    return GAN_OK;
}
