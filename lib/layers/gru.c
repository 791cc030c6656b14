/* GRU over a sequence (T, F) -> (T, hidden) or (hidden): PyTorch's nn.GRU equations,
 * weight layout and gate order (r, z, n). */
#include <string.h>

#include "core/clones.h"
#include "kernels/elementwise.h"
#include "kernels/vmath.h"
#include "layers/recurrent.h"

/* After the recurrent head of the saved buffer (layers/recurrent.h), for a batch of N:
 * the gates (N, T, 3H) r, z, n after their nonlinearities, W_hn h_{t-1} + b_hn (N, T, H)
 * (which r multiplies), and h_t (N, T, H). */
typedef struct gan__gru_buf {
    gan__rnn_buf head;
    float *gates, *hn, *hs;
} gan__gru_buf;

static gan__gru_buf gan__gru_layout(gan_layer_t *l, int32_t batch)
{
    const size_t nth = (size_t)batch * (size_t)gan__rnn_T(l) * ((gan__rnn *)l)->hidden;
    gan__gru_buf b;
    b.head = gan__rnn_layout(l, batch);
    b.gates = b.head.rest;
    b.hn = b.gates + 3 * nth;
    b.hs = b.hn + nth;
    return b;
}

static size_t gan__gru_saved_floats(const gan_layer_t *l, int32_t batch)
{
    const size_t nth = (size_t)batch * (size_t)gan__rnn_T(l) * ((const gan__rnn *)l)->hidden;
    return gan__rnn_head_floats(l, batch) + 5 * nth;
}

/* Forward's scratch: one step's h_{t-1} W_hh^T + b_hh (N, 3H). Backward's: the
 * gradients of the input and hidden pre-activations (N, T, 3H) each, the previous h of
 * every step (N, T, H), and dh (N, H). */
static size_t gan__gru_workspace_floats(const gan_layer_t *l, int32_t batch)
{
    const size_t nh = (size_t)batch * (size_t)((const gan__rnn *)l)->hidden;
    return (size_t)gan__rnn_T(l) * 7 * nh + nh;
}

/* One step of N rows: gi (row stride ldg) holds x W_ih^T + b_ih and becomes r, z, n; gh
 * (N, 3H) holds h_prev W_hh^T + b_hh. n = tanh(gi_n + r gh_n), h = n + z (h_prev - n).
 * Per row, each nonlinearity is one vector call over its gate block. The whole-sequence
 * pass and a stateful pass of one step both run exactly this. */
static void gan__gru_cell(float *gi, size_t ldg, const float *gh, const float *h_prev,
                          size_t ld_prev, float *hn, float *h, size_t ld_out, int32_t n,
                          int32_t hidden)
{
    const size_t H = (size_t)hidden;
    for (int32_t s = 0; s < n; s++) {
        float *g = gi + (size_t)s * ldg;
        const float *gs = gh + (size_t)s * 3 * H;
        const float *hp = h_prev + (size_t)s * ld_prev;
        float *hns = hn + (size_t)s * ld_out, *hs = h + (size_t)s * ld_out;
        for (size_t j = 0; j < 2 * H; j++)
            g[j] += gs[j];
        gan__vsigmoidf(g, g, 2 * H); /* r, z */
        for (size_t j = 0; j < H; j++) {
            hns[j] = gs[2 * H + j];
            g[2 * H + j] += g[j] * gs[2 * H + j];
        }
        gan__vtanhf(g + 2 * H, g + 2 * H, H); /* n */
        for (size_t j = 0; j < H; j++)
            hs[j] = g[2 * H + j] + g[H + j] * (hp[j] - g[2 * H + j]);
    }
}

static gan_status gan__gru_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                   float *y)
{
    const gan__rnn *r = (const gan__rnn *)l;
    const int32_t N = c->batch, T = gan__rnn_T(l), F = gan__rnn_F(l), H = r->hidden;
    const int32_t G = 3 * H;
    gan__gru_buf b = gan__gru_layout(l, N);
    gan_status st = gan__rnn_begin(l, &b.head, N);
    if (st != GAN_OK)
        return st;
    const float *w_ih = l->param[GAN_PARAM_WEIGHT].value;
    const float *w_hh = w_ih + (size_t)G * (size_t)F;
    const bool bias = l->param[GAN_PARAM_BIAS].present;
    const float *b_ih = bias ? l->param[GAN_PARAM_BIAS].value : NULL;
    /* Every step's input projection in one product: gates(N*T, 3H) = x(N*T, F) W_ih^T. */
    st = gan__gemm(c->blas, 0, 1, N * T, G, F, 1.0f, x, F, w_ih, F, 0.0f, b.gates, G);
    if (st != GAN_OK)
        return st;
    if (bias)
        gan__add_channel_bias(b.gates, b_ih, N * T, G, 1);
    float *gh = c->workspace; /* (N, 3H) */
    const size_t ldg = (size_t)T * (size_t)G, ldh = (size_t)T * (size_t)H;
    for (int32_t t = 0; t < T; t++) {
        const float *h_prev = t ? b.hs + (size_t)(t - 1) * H : b.head.h0;
        const size_t ld_prev = t ? ldh : (size_t)H;
        /* gh(N, 3H) = h_prev(N, H) W_hh^T + b_hh */
        st = gan__gemm(c->blas, 0, 1, N, G, H, 1.0f, h_prev, (int32_t)ld_prev, w_hh, H, 0.0f,
                       gh, G);
        if (st != GAN_OK)
            return st;
        if (bias)
            gan__add_channel_bias(gh, b_ih + G, N, G, 1);
        gan__gru_cell(b.gates + (size_t)t * G, ldg, gh, h_prev, ld_prev,
                      b.hn + (size_t)t * H, b.hs + (size_t)t * H, ldh, N, H);
    }
    gan__rnn_end(l, &b.head, N, b.hs, NULL, y);
    return GAN_OK;
}

/* One row of a step of backward through time (gan__gru_cell_backward); @p dys is NULL
 * for a step without an output gradient. Each of its two inlined forms is a loop
 * without branches, which the compiler vectorizes (the same operations per element). */
static inline void gan__gru_row_backward(float *restrict di, float *restrict dr,
                                         const float *restrict g, const float *restrict hn,
                                         const float *restrict hp,
                                         const float *restrict dys, float *restrict dhs,
                                         size_t H)
{
    for (size_t j = 0; j < H; j++) {
        const float rg = g[j], zg = g[H + j], ng = g[2 * H + j];
        const float dhv = dhs[j] + (dys ? dys[j] : 0.0f);
        const float dn = dhv * (1.0f - zg) * (1.0f - ng * ng);
        const float drg = dn * hn[j] * rg * (1.0f - rg);
        const float dzg = dhv * (hp[j] - ng) * zg * (1.0f - zg);
        dhs[j] = dhv * zg;
        di[j] = dr[j] = drg;
        di[H + j] = dr[H + j] = dzg;
        di[2 * H + j] = dn;
        dr[2 * H + j] = dn * rg;
    }
}

/* Step t of backward through time for N rows: dh holds the gradient reaching h_t through
 * h_{t+1} (dy_t is added) and leaves with the part of h_{t-1}'s that goes through z;
 * writes the gradients of the input pre-activations dgi(N, 3H) and of the hidden ones
 * dgh(N, 3H) (the n part through r). */
GAN__CLONES static void gan__gru_cell_backward(float *dgi, float *dgh, size_t ldg,
                                               const gan__gru_buf *b, int32_t t,
                                               const float *dy_t, size_t ld_dy, float *dh,
                                               int32_t n, int32_t T, int32_t hidden)
{
    const size_t H = (size_t)hidden, G = 3 * H, ldh = (size_t)T * H;
    for (int32_t s = 0; s < n; s++) {
        const float *g = b->gates + (size_t)s * ldg + (size_t)t * G;
        const float *hn = b->hn + (size_t)s * ldh + (size_t)t * H;
        const float *hp = t ? b->hs + (size_t)s * ldh + (size_t)(t - 1) * H
                            : b->head.h0 + (size_t)s * H;
        float *dhs = dh + (size_t)s * H;
        float *di = dgi + (size_t)s * ldg, *dr = dgh + (size_t)s * ldg;
        if (dy_t)
            gan__gru_row_backward(di, dr, g, hn, hp, dy_t + (size_t)s * ld_dy, dhs, H);
        else
            gan__gru_row_backward(di, dr, g, hn, hp, NULL, dhs, H);
    }
}

static gan_status gan__gru_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                    const float *y, const float *dy, float *dx)
{
    (void)y;
    const gan__rnn *r = (const gan__rnn *)l;
    if (!c->param_grads && !dx)
        return GAN_OK;
    const int32_t N = c->batch, T = gan__rnn_T(l), F = gan__rnn_F(l), H = r->hidden;
    const int32_t G = 3 * H;
    const size_t nh = (size_t)N * (size_t)H, nth = nh * (size_t)T;
    const size_t ldg = (size_t)T * (size_t)G;
    gan__gru_buf b = gan__gru_layout(l, N);
    float *dgi = c->workspace;     /* (N, T, 3H) */
    float *dgh = dgi + 3 * nth;    /* (N, T, 3H) */
    float *h_prev = dgh + 3 * nth; /* (N, T, H) */
    float *dh = h_prev + nth;      /* (N, H) */
    memset(dh, 0, nh * sizeof *dh);
    const float *w_ih = l->param[GAN_PARAM_WEIGHT].value;
    const float *w_hh = w_ih + (size_t)G * (size_t)F;
    gan_status st = GAN_OK;
    for (int32_t t = T - 1; t >= 0 && st == GAN_OK; t--) {
        size_t ld_dy;
        const float *dy_t = gan__rnn_dy_step(l, dy, t, &ld_dy);
        gan__gru_cell_backward(dgi + (size_t)t * G, dgh + (size_t)t * G, ldg, &b, t, dy_t,
                               ld_dy, dh, N, T, H);
        if (t > 0) /* dh(N, H) += dgh_t(N, 3H) W_hh(3H, H): the rest of h_{t-1}'s */
            st = gan__gemm(c->blas, 0, 0, N, H, G, 1.0f, dgh + (size_t)t * G, (int32_t)ldg,
                           w_hh, H, 1.0f, dh, H);
    }
    if (st == GAN_OK && c->param_grads) {
        gan__rnn_h_prev(h_prev, &b.head, b.hs, N, T, H);
        float *dw_ih = l->param[GAN_PARAM_WEIGHT].grad;
        float *dw_hh = dw_ih + (size_t)G * (size_t)F;
        /* dW_ih(3H, F) += dgi^T (3H, N*T) x (N*T, F); dW_hh += dgh^T h_prev */
        st = gan__gemm(c->blas, 1, 0, G, F, N * T, 1.0f, dgi, G, x, F, 1.0f, dw_ih, F);
        if (st == GAN_OK)
            st = gan__gemm(c->blas, 1, 0, G, H, N * T, 1.0f, dgh, G, h_prev, H, 1.0f,
                           dw_hh, H);
        if (st == GAN_OK && l->param[GAN_PARAM_BIAS].present) {
            float *db = l->param[GAN_PARAM_BIAS].grad;
            gan__sum_channels(db, dgi, N * T, G, 1);
            gan__sum_channels(db + G, dgh, N * T, G, 1);
        }
    }
    if (st == GAN_OK && dx) /* dx(N*T, F) = dgi(N*T, 3H) W_ih(3H, F) */
        st = gan__gemm(c->blas, 0, 0, N * T, F, G, 1.0f, dgi, G, w_ih, F, 0.0f, dx, F);
    return st;
}

static const gan__layer_ops gan__gru_ops = {
    .kind = "gru",
    .configure = gan__rnn_configure,
    .workspace_floats = gan__gru_workspace_floats,
    .saved_floats = gan__gru_saved_floats,
    .forward = gan__gru_forward,
    .backward = gan__gru_backward,
    .describe = gan__rnn_describe,
    /* Backward reads its own copy of every h, never y. */
    .memory = GAN__MEM_NO_Y,
    .recurrent = true,
};

gan_status gan_layer_gru_create_ex(gan_layer_t **out, const gan_recurrent_options_t *opts)
{
    return gan__rnn_create_ex(out, sizeof(gan__rnn), &gan__gru_ops, 3, false, opts,
                              "gan_layer_gru_create_ex");
}

gan_status gan_layer_gru_create(gan_layer_t **out, int32_t hidden)
{
    return gan__rnn_create_hidden(out, sizeof(gan__rnn), &gan__gru_ops, 3, false, hidden,
                                  "gan_layer_gru_create");
}
