/* LSTM over a sequence (T, F) -> (T, hidden) or (hidden): PyTorch's nn.LSTM equations,
 * weight layout and gate order (i, f, g, o). */
#include <string.h>

#include "core/clones.h"
#include "kernels/elementwise.h"
#include "kernels/vmath.h"
#include "layers/recurrent.h"

/* After the recurrent head of the saved buffer (layers/recurrent.h), for a batch of N:
 * the gates (N, T, 4H) after their nonlinearities, then c_t and h_t (N, T, H). */
typedef struct gan__lstm_buf {
    gan__rnn_buf head;
    float *gates, *cs, *hs;
} gan__lstm_buf;

static gan__lstm_buf gan__lstm_layout(gan_layer_t *l, int32_t batch)
{
    const size_t nth = (size_t)batch * (size_t)gan__rnn_T(l) * ((gan__rnn *)l)->hidden;
    gan__lstm_buf b;
    b.head = gan__rnn_layout(l, batch);
    b.gates = b.head.rest;
    b.cs = b.gates + 4 * nth;
    b.hs = b.cs + nth;
    return b;
}

static size_t gan__lstm_saved_floats(const gan_layer_t *l, int32_t batch)
{
    const size_t nth = (size_t)batch * (size_t)gan__rnn_T(l) * ((const gan__rnn *)l)->hidden;
    return gan__rnn_head_floats(l, batch) + 6 * nth;
}

/* Backward's scratch: the pre-activation gradients (N, T, 4H), the previous h of every
 * step (N, T, H), and dh, dc (N, H) flowing back through time. */
static size_t gan__lstm_workspace_floats(const gan_layer_t *l, int32_t batch)
{
    const size_t nh = (size_t)batch * (size_t)((const gan__rnn *)l)->hidden;
    return (size_t)gan__rnn_T(l) * 5 * nh + 2 * nh;
}

/* One step of N rows: the pre-activations in gates (row stride ldg) become i, f, g, o;
 * c = f c_prev + i g, h = o tanh(c). Per row, the nonlinearities run first over whole
 * gate blocks (vector calls), then the state update. The whole-sequence pass and a
 * stateful pass of one step both run exactly this, which is what makes stepping
 * bit-exact. */
static void gan__lstm_cell(float *gates, size_t ldg, const float *c_prev, size_t ld_prev,
                           float *c, float *h, size_t ld_out, int32_t n, int32_t hidden)
{
    const size_t H = (size_t)hidden;
    for (int32_t s = 0; s < n; s++) {
        float *g = gates + (size_t)s * ldg;
        const float *cp = c_prev + (size_t)s * ld_prev;
        float *cs = c + (size_t)s * ld_out, *hs = h + (size_t)s * ld_out;
        gan__vsigmoidf(g, g, 2 * H); /* i, f */
        gan__vtanhf(g + 2 * H, g + 2 * H, H);
        gan__vsigmoidf(g + 3 * H, g + 3 * H, H); /* o */
        for (size_t j = 0; j < H; j++)
            cs[j] = g[H + j] * cp[j] + g[j] * g[2 * H + j];
        gan__vtanhf(hs, cs, H);
        for (size_t j = 0; j < H; j++)
            hs[j] *= g[3 * H + j];
    }
}

static gan_status gan__lstm_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                    float *y)
{
    const gan__rnn *r = (const gan__rnn *)l;
    const int32_t N = c->batch, T = gan__rnn_T(l), F = gan__rnn_F(l), H = r->hidden;
    const int32_t G = 4 * H;
    gan__lstm_buf b = gan__lstm_layout(l, N);
    gan_status st = gan__rnn_begin(l, &b.head, N);
    if (st != GAN_OK)
        return st;
    const float *w_ih = l->param[GAN_PARAM_WEIGHT].value;
    const float *w_hh = w_ih + (size_t)G * (size_t)F;
    /* Every step's input projection in one product: gates(N*T, 4H) = x(N*T, F) W_ih^T. */
    st = gan__gemm(c->blas, 0, 1, N * T, G, F, 1.0f, x, F, w_ih, F, 0.0f, b.gates, G);
    if (st != GAN_OK)
        return st;
    if (l->param[GAN_PARAM_BIAS].present) {
        const float *bias = l->param[GAN_PARAM_BIAS].value;
        gan__add_channel_bias(b.gates, bias, N * T, G, 1);     /* b_ih */
        gan__add_channel_bias(b.gates, bias + G, N * T, G, 1); /* b_hh */
    }
    const size_t ldg = (size_t)T * (size_t)G, ldh = (size_t)T * (size_t)H;
    for (int32_t t = 0; t < T; t++) {
        const float *h_prev = t ? b.hs + (size_t)(t - 1) * H : b.head.h0;
        const float *c_prev = t ? b.cs + (size_t)(t - 1) * H : b.head.c0;
        const size_t ld_prev = t ? ldh : (size_t)H;
        float *gates = b.gates + (size_t)t * G;
        /* gates_t(N, 4H) += h_prev(N, H) W_hh^T, rows T*4H apart */
        st = gan__gemm(c->blas, 0, 1, N, G, H, 1.0f, h_prev, (int32_t)ld_prev, w_hh, H, 1.0f,
                       gates, (int32_t)ldg);
        if (st != GAN_OK)
            return st;
        gan__lstm_cell(gates, ldg, c_prev, ld_prev, b.cs + (size_t)t * H,
                       b.hs + (size_t)t * H, ldh, N, H);
    }
    gan__rnn_end(l, &b.head, N, b.hs, b.cs, y);
    return GAN_OK;
}

/* One row of a step of backward through time (gan__lstm_cell_backward); @p dys is NULL
 * for a step without an output gradient. Written so that each of its two inlined forms
 * is a loop without branches, which the compiler vectorizes (the same operations in the
 * same order per element, so the same bits as one element at a time). */
static inline void gan__lstm_row_backward(float *restrict dp, const float *restrict g,
                                          const float *restrict cp,
                                          const float *restrict dys,
                                          const float *restrict dhs, float *restrict dcs,
                                          size_t H)
{
    for (size_t j = 0; j < H; j++) {
        const float ig = g[j], fg = g[H + j], gg = g[2 * H + j], og = g[3 * H + j];
        const float dhv = dhs[j] + (dys ? dys[j] : 0.0f);
        const float tc = dp[3 * H + j];
        const float dcv = dcs[j] + dhv * og * (1.0f - tc * tc);
        dcs[j] = dcv * fg;
        dp[j] = dcv * gg * ig * (1.0f - ig);
        dp[H + j] = dcv * cp[j] * fg * (1.0f - fg);
        dp[2 * H + j] = dcv * ig * (1.0f - gg * gg);
        dp[3 * H + j] = dhv * tc * og * (1.0f - og);
    }
}

/* Step t of backward through time for N rows: from dh (the gradient reaching h_t
 * through h_{t+1}, to which dy_t is added) and dc (reaching c_t through c_{t+1}, which
 * becomes the gradient of c_{t-1}), the pre-activation gradients dpre(N, 4H). */
GAN__CLONES static void gan__lstm_cell_backward(float *dpre, size_t ldg,
                                                const gan__lstm_buf *b, int32_t t,
                                                const float *dy_t, size_t ld_dy,
                                                const float *dh, float *dc, int32_t n,
                                                int32_t T, int32_t hidden)
{
    const size_t H = (size_t)hidden, G = 4 * H, ldh = (size_t)T * H;
    for (int32_t s = 0; s < n; s++) {
        const float *g = b->gates + (size_t)s * ldg + (size_t)t * G;
        const float *cs = b->cs + (size_t)s * ldh + (size_t)t * H;
        const float *cp = t ? cs - H : b->head.c0 + (size_t)s * H;
        const float *dhs = dh + (size_t)s * H;
        float *dcs = dc + (size_t)s * H;
        float *dp = dpre + (size_t)s * ldg;
        /* tanh(c_t) as forward computed it, parked in the o block, which each j reads
         * before it writes its own entry there. */
        gan__vtanhf(dp + 3 * H, cs, H);
        if (dy_t)
            gan__lstm_row_backward(dp, g, cp, dy_t + (size_t)s * ld_dy, dhs, dcs, H);
        else
            gan__lstm_row_backward(dp, g, cp, NULL, dhs, dcs, H);
    }
}

static gan_status gan__lstm_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                     const float *y, const float *dy, float *dx)
{
    (void)y;
    const gan__rnn *r = (const gan__rnn *)l;
    if (!c->param_grads && !dx)
        return GAN_OK;
    const int32_t N = c->batch, T = gan__rnn_T(l), F = gan__rnn_F(l), H = r->hidden;
    const int32_t G = 4 * H;
    const size_t nh = (size_t)N * (size_t)H, nth = nh * (size_t)T;
    const size_t ldg = (size_t)T * (size_t)G;
    gan__lstm_buf b = gan__lstm_layout(l, N);
    float *dpre = c->workspace;     /* (N, T, 4H) */
    float *h_prev = dpre + 4 * nth; /* (N, T, H) */
    float *dh = h_prev + nth;       /* (N, H) */
    float *dc = dh + nh;            /* (N, H) */
    memset(dh, 0, nh * sizeof *dh);
    memset(dc, 0, nh * sizeof *dc);
    const float *w_ih = l->param[GAN_PARAM_WEIGHT].value;
    const float *w_hh = w_ih + (size_t)G * (size_t)F;
    gan_status st = GAN_OK;
    for (int32_t t = T - 1; t >= 0 && st == GAN_OK; t--) {
        size_t ld_dy;
        const float *dy_t = gan__rnn_dy_step(l, dy, t, &ld_dy);
        gan__lstm_cell_backward(dpre + (size_t)t * G, ldg, &b, t, dy_t, ld_dy, dh, dc, N, T,
                                H);
        if (t > 0) /* dh(N, H) = dpre_t(N, 4H) W_hh(4H, H): the gradient of h_{t-1} */
            st = gan__gemm(c->blas, 0, 0, N, H, G, 1.0f, dpre + (size_t)t * G, (int32_t)ldg,
                           w_hh, H, 0.0f, dh, H);
    }
    if (st == GAN_OK && c->param_grads) {
        gan__rnn_h_prev(h_prev, &b.head, b.hs, N, T, H);
        float *dw_ih = l->param[GAN_PARAM_WEIGHT].grad;
        float *dw_hh = dw_ih + (size_t)G * (size_t)F;
        /* dW_ih(4H, F) += dpre^T (4H, N*T) x (N*T, F); dW_hh likewise with h_prev */
        st = gan__gemm(c->blas, 1, 0, G, F, N * T, 1.0f, dpre, G, x, F, 1.0f, dw_ih, F);
        if (st == GAN_OK)
            st = gan__gemm(c->blas, 1, 0, G, H, N * T, 1.0f, dpre, G, h_prev, H, 1.0f,
                           dw_hh, H);
        if (st == GAN_OK && l->param[GAN_PARAM_BIAS].present) {
            float *db = l->param[GAN_PARAM_BIAS].grad;
            /* b_ih and b_hh enter the gates alike: one set of sums for both. */
            gan__sum_channels_pair(db, db + G, dpre, N * T, G, 1);
        }
    }
    if (st == GAN_OK && dx) /* dx(N*T, F) = dpre(N*T, 4H) W_ih(4H, F) */
        st = gan__gemm(c->blas, 0, 0, N * T, F, G, 1.0f, dpre, G, w_ih, F, 0.0f, dx, F);
    return st;
}

static const gan__layer_ops gan__lstm_ops = {
    .kind = "lstm",
    .configure = gan__rnn_configure,
    .workspace_floats = gan__lstm_workspace_floats,
    .saved_floats = gan__lstm_saved_floats,
    .forward = gan__lstm_forward,
    .backward = gan__lstm_backward,
    .describe = gan__rnn_describe,
    /* Backward reads its own copy of every h, never y. */
    .memory = GAN__MEM_NO_Y,
    .recurrent = true,
};

gan_status gan_layer_lstm_create_ex(gan_layer_t **out, const gan_recurrent_options_t *opts)
{
    return gan__rnn_create_ex(out, sizeof(gan__rnn), &gan__lstm_ops, 4, true, opts,
                              "gan_layer_lstm_create_ex");
}

gan_status gan_layer_lstm_create(gan_layer_t **out, int32_t hidden)
{
    return gan__rnn_create_hidden(out, sizeof(gan__rnn), &gan__lstm_ops, 4, true, hidden,
                                  "gan_layer_lstm_create");
}
