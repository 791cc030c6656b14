/* Highway layer (Srivastava et al. 2015), as in SeqGAN's discriminator (Yu et al. 2017):
 * y = t * relu(W_h x + b_h) + (1 - t) * x, t = sigmoid(W_t x + b_t + gate_bias). */
#include <math.h>
#include <stdio.h>

#include "core/error.h"
#include "kernels/elementwise.h"
#include "kernels/vmath.h"
#include "layers/layer.h"

typedef struct gan__highway {
    gan_layer_t base;
    float gate_bias; /* the constant added to the transform gate's pre-activation */
} gan__highway;

/* Features per row: the last dimension of (F) or (T,F). */
static int32_t gan__highway_features(const gan_layer_t *l)
{
    return l->in.d[l->in.ndim - 1];
}

static gan_status gan__highway_configure(gan_layer_t *l)
{
    if (l->in.ndim != 1 && l->in.ndim != 2)
        return gan__fail(GAN_E_SHAPE, "highway expects a flat input (F) or a sequence "
                         "(T,F), got %s", gan__shape_str(&l->in).s);
    const int32_t f = gan__highway_features(l);
    l->out = l->in;
    /* W = [W_h; W_t] (2F, F), b = [b_h; b_t] (2F): one product gives both branches. */
    l->param[GAN_PARAM_WEIGHT].count = 2 * (size_t)f * (size_t)f;
    l->param[GAN_PARAM_WEIGHT].fan_in = f;
    l->param[GAN_PARAM_WEIGHT].fan_out = f;
    l->param[GAN_PARAM_BIAS].count = 2 * (size_t)f;
    return GAN_OK;
}

/* (rows, 2F): the forward's h = relu(.) and t, kept for backward (saved), or the
 * backward's gradient of the pre-activations (workspace). */
static size_t gan__highway_pair_floats(const gan_layer_t *l, int32_t batch)
{
    return (size_t)batch * gan__shape_size(&l->in) * 2;
}

static gan_status gan__highway_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                       float *y)
{
    const gan__highway *hw = (const gan__highway *)l;
    const int32_t f = gan__highway_features(l);
    int32_t rows;
    gan_status st = gan__layer_rows(l, c, &rows);
    float *z = l->saved; /* (rows, 2F): [W_h x + b_h | W_t x + b_t] */
    if (st == GAN_OK)
        st = gan__gemm(c->blas, 0, 1, rows, 2 * f, f, 1.0f, x, f,
                       l->param[GAN_PARAM_WEIGHT].value, f, 0.0f, z, 2 * f);
    if (st != GAN_OK)
        return st;
    gan__add_channel_bias(z, l->param[GAN_PARAM_BIAS].value, rows, 2 * f, 1);
    for (int32_t r = 0; r < rows; r++) {
        float *h = z + (size_t)r * 2 * (size_t)f, *t = h + f;
        const float *xr = x + (size_t)r * (size_t)f;
        float *yr = y + (size_t)r * (size_t)f;
        for (int32_t j = 0; j < f; j++) {
            h[j] = h[j] > 0.0f ? h[j] : 0.0f;
            t[j] += hw->gate_bias;
        }
        gan__vsigmoidf(t, t, (size_t)f);
        for (int32_t j = 0; j < f; j++)
            yr[j] = t[j] * h[j] + (1.0f - t[j]) * xr[j];
    }
    return GAN_OK;
}

static gan_status gan__highway_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                        const float *y, const float *dy, float *dx)
{
    (void)y;
    const int32_t f = gan__highway_features(l);
    int32_t rows;
    gan_status st = gan__layer_rows(l, c, &rows);
    if (st != GAN_OK)
        return st;
    /* dz (rows, 2F) = [dy t relu'(.) | dy (h - x) t (1 - t)] */
    float *dz = c->workspace;
    for (int32_t r = 0; r < rows; r++) {
        const float *h = l->saved + (size_t)r * 2 * (size_t)f, *t = h + f;
        const float *xr = x + (size_t)r * (size_t)f, *g = dy + (size_t)r * (size_t)f;
        float *dh = dz + (size_t)r * 2 * (size_t)f, *dt = dh + f;
        for (int32_t j = 0; j < f; j++) {
            dh[j] = h[j] > 0.0f ? g[j] * t[j] : 0.0f;
            dt[j] = g[j] * (h[j] - xr[j]) * t[j] * (1.0f - t[j]);
        }
    }
    const float *w = l->param[GAN_PARAM_WEIGHT].value;
    if (c->param_grads) {
        /* dW(2F, F) += dz^T (2F, rows) x (rows, F); db(2F) += column sums of dz */
        st = gan__gemm(c->blas, 1, 0, 2 * f, f, rows, 1.0f, dz, 2 * f, x, f, 1.0f,
                       l->param[GAN_PARAM_WEIGHT].grad, f);
        if (st == GAN_OK)
            gan__sum_channels(l->param[GAN_PARAM_BIAS].grad, dz, rows, 2 * f, 1);
    }
    if (st != GAN_OK || !dx)
        return st;
    /* dx(rows, F) = dz (rows, 2F) W (2F, F), plus the carry path dy (1 - t) */
    st = gan__gemm(c->blas, 0, 0, rows, f, 2 * f, 1.0f, dz, 2 * f, w, f, 0.0f, dx, f);
    if (st != GAN_OK)
        return st;
    for (int32_t r = 0; r < rows; r++) {
        const float *t = l->saved + (size_t)r * 2 * (size_t)f + f;
        const float *g = dy + (size_t)r * (size_t)f;
        float *d = dx + (size_t)r * (size_t)f;
        for (int32_t j = 0; j < f; j++)
            d[j] += g[j] * (1.0f - t[j]);
    }
    return GAN_OK;
}

static void gan__highway_describe(const gan_layer_t *l, char *buf, size_t size)
{
    snprintf(buf, size, "gate bias %g", (double)((const gan__highway *)l)->gate_bias);
}

static const gan__layer_ops gan__highway_ops = {
    .kind = "highway",
    .configure = gan__highway_configure,
    .workspace_floats = gan__highway_pair_floats,
    .saved_floats = gan__highway_pair_floats,
    .forward = gan__highway_forward,
    .backward = gan__highway_backward,
    .describe = gan__highway_describe,
    .memory = GAN__MEM_NO_Y,
};

gan_status gan_layer_highway_create(gan_layer_t **out, float gate_bias)
{
    static const char who[] = "gan_layer_highway_create";
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    if (!isfinite(gate_bias))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: gate_bias %g is not finite", who,
                         (double)gate_bias);
    st = gan__layer_alloc(out, sizeof(gan__highway), &gan__highway_ops, who);
    if (st != GAN_OK)
        return st;
    gan__highway *hw = (gan__highway *)*out;
    hw->gate_bias = gate_bias;
    hw->base.param[GAN_PARAM_WEIGHT].present = true;
    hw->base.param[GAN_PARAM_BIAS].present = true;
    return GAN_OK;
}
