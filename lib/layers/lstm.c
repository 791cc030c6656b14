/* LSTM over a sequence (T, F) -> (T, hidden) or (hidden), PyTorch's nn.LSTM equations and
 * weight layout (gates i, f, g, o), with an optional state carried between calls. */
#include "layers/lstm.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/options.h"
#include "kernels/elementwise.h"
#include "layers/layer.h"

typedef struct gan__lstm {
    gan_layer_t base;
    int32_t hidden;
    bool sequences; /* output every step's h, else only the last */
    bool stateful;  /* start each forward from the carried state */
    int32_t max_steps;
} gan__lstm;

/* The saved buffer of a batch of N: the steps counter, the carried state, the state
 * the last forward started from, and what backward through time reads. Nothing in it is
 * shared, and the model zeroes it whenever it allocates it (build, batch-size change). */
#define GAN__LSTM_HEADER 16 /* floats: one cache line, holding the int32 steps counter */

typedef struct gan__lstm_buf {
    int32_t *steps;
    float *h, *c;   /* (N, H) carried from one forward to the next (stateful) */
    float *h0, *c0; /* (N, H) the state the last forward started from */
    float *gates;   /* (N, T, 4H) i, f, g, o after their nonlinearities */
    float *cs, *hs; /* (N, T, H) c_t and h_t */
} gan__lstm_buf;

static int32_t gan__lstm_T(const gan_layer_t *l)
{
    return l->in.d[0];
}

static int32_t gan__lstm_F(const gan_layer_t *l)
{
    return l->in.d[1];
}

static size_t gan__lstm_saved(const gan_layer_t *l, int32_t batch)
{
    const size_t nh = (size_t)batch * (size_t)((const gan__lstm *)l)->hidden;
    return GAN__LSTM_HEADER + 4 * nh + (size_t)gan__lstm_T(l) * 6 * nh;
}

static gan__lstm_buf gan__lstm_layout(gan_layer_t *l, int32_t batch)
{
    const size_t nh = (size_t)batch * (size_t)((gan__lstm *)l)->hidden;
    const size_t nth = nh * (size_t)gan__lstm_T(l);
    float *p = l->saved;
    gan__lstm_buf b;
    b.steps = (int32_t *)p;
    p += GAN__LSTM_HEADER;
    b.h = p;
    b.c = p + nh;
    b.h0 = p + 2 * nh;
    b.c0 = p + 3 * nh;
    b.gates = p + 4 * nh;
    b.cs = b.gates + 4 * nth;
    b.hs = b.cs + nth;
    return b;
}

bool gan__is_lstm(const gan_layer_t *l)
{
    return l && strcmp(l->ops->kind, "lstm") == 0;
}

bool gan__lstm_stateful(const gan_layer_t *l)
{
    return ((const gan__lstm *)l)->stateful;
}

int32_t gan__lstm_hidden(const gan_layer_t *l)
{
    return ((const gan__lstm *)l)->hidden;
}

int32_t gan__lstm_max_steps(const gan_layer_t *l)
{
    return ((const gan__lstm *)l)->max_steps;
}

float *gan__lstm_state_h(gan_layer_t *l, int32_t batch)
{
    return gan__lstm_layout(l, batch).h;
}

float *gan__lstm_state_c(gan_layer_t *l, int32_t batch)
{
    return gan__lstm_layout(l, batch).c;
}

int32_t *gan__lstm_steps(gan_layer_t *l, int32_t batch)
{
    return gan__lstm_layout(l, batch).steps;
}

static gan_status gan__lstm_configure(gan_layer_t *l)
{
    gan__lstm *r = (gan__lstm *)l;
    if (l->in.ndim != 2)
        return gan__fail(GAN_E_SHAPE, "lstm expects a sequence (T, F), got %s",
                         gan__shape_str(&l->in).s);
    const int64_t T = gan__lstm_T(l), F = gan__lstm_F(l), G = 4 * (int64_t)r->hidden;
    if (r->max_steps > 0 && T > r->max_steps)
        return gan__fail(GAN_E_SHAPE, "lstm: a sequence of %lld steps %s is longer than "
                         "its max_steps %d", (long long)T, gan__shape_str(&l->in).s,
                         (int)r->max_steps);
    /* GEMM dimensions and leading dimensions are int32. */
    if (T * G > INT32_MAX || G * F > INT32_MAX || G * r->hidden > INT32_MAX)
        return gan__fail(GAN_E_SHAPE, "lstm: hidden %d over %s needs more than %d values "
                         "per gate matrix", (int)r->hidden, gan__shape_str(&l->in).s,
                         INT32_MAX);
    l->out = r->sequences ? (gan__shape){.ndim = 2, .d = {(int32_t)T, r->hidden}}
                          : gan__shape1(r->hidden);
    gan__param *w = &l->param[GAN_PARAM_WEIGHT], *b = &l->param[GAN_PARAM_BIAS];
    w->count = (size_t)G * (size_t)(F + r->hidden); /* W_ih (4H, F), then W_hh (4H, H) */
    w->fan_in = (int32_t)F + r->hidden;
    w->fan_out = r->hidden;
    b->count = 2 * (size_t)G; /* b_ih, then b_hh */
    b->fan_in = w->fan_in;
    b->fan_out = w->fan_out;
    return GAN_OK;
}

static size_t gan__lstm_saved_floats(const gan_layer_t *l, int32_t batch)
{
    return gan__lstm_saved(l, batch);
}

/* Backward's scratch: the pre-activation gradients (N, T, 4H), the previous h of every
 * step (N, T, H), and dh, dc (N, H) flowing back through time. */
static size_t gan__lstm_workspace_floats(const gan_layer_t *l, int32_t batch)
{
    const size_t nh = (size_t)batch * (size_t)((const gan__lstm *)l)->hidden;
    return (size_t)gan__lstm_T(l) * 5 * nh + 2 * nh;
}

static float gan__sigmoid(float x)
{
    /* Split by sign so exp never overflows (as the Sigmoid layer). */
    if (x >= 0.0f)
        return 1.0f / (1.0f + expf(-x));
    const float e = expf(x);
    return e / (1.0f + e);
}

/* One step of N rows: the pre-activations in gates (row stride ldg) become i, f, g, o;
 * c = f c_prev + i g, h = o tanh(c). The whole-sequence pass and a stateful pass of
 * one step both run exactly this, which is what makes stepping bit-exact. */
static void gan__lstm_cell(float *gates, size_t ldg, const float *c_prev, size_t ld_prev,
                           float *c, float *h, size_t ld_out, int32_t n, int32_t hidden)
{
    const size_t H = (size_t)hidden;
    for (int32_t s = 0; s < n; s++) {
        float *g = gates + (size_t)s * ldg;
        const float *cp = c_prev + (size_t)s * ld_prev;
        float *cs = c + (size_t)s * ld_out, *hs = h + (size_t)s * ld_out;
        for (size_t j = 0; j < H; j++) {
            const float ig = gan__sigmoid(g[j]);
            const float fg = gan__sigmoid(g[H + j]);
            const float gg = tanhf(g[2 * H + j]);
            const float og = gan__sigmoid(g[3 * H + j]);
            g[j] = ig;
            g[H + j] = fg;
            g[2 * H + j] = gg;
            g[3 * H + j] = og;
            const float cv = fg * cp[j] + ig * gg;
            cs[j] = cv;
            hs[j] = og * tanhf(cv);
        }
    }
}

static gan_status gan__lstm_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                    float *y)
{
    gan__lstm *r = (gan__lstm *)l;
    const int32_t N = c->batch, T = gan__lstm_T(l), F = gan__lstm_F(l), H = r->hidden;
    const int32_t G = 4 * H;
    const size_t nh = (size_t)N * (size_t)H;
    gan__lstm_buf b = gan__lstm_layout(l, N);
    if (r->stateful) {
        if (r->max_steps > 0 && *b.steps > r->max_steps - T)
            return gan__fail(GAN_E_OUT_OF_RANGE,
                             "lstm: steps %d to %d run past max_steps %d (reset the state "
                             "with gan_model_reset_lstm_state)", (int)*b.steps + 1,
                             (int)*b.steps + T, (int)r->max_steps);
        memcpy(b.h0, b.h, nh * sizeof *b.h0);
        memcpy(b.c0, b.c, nh * sizeof *b.c0);
    } else {
        memset(b.h0, 0, nh * sizeof *b.h0);
        memset(b.c0, 0, nh * sizeof *b.c0);
    }
    const float *w_ih = l->param[GAN_PARAM_WEIGHT].value;
    const float *w_hh = w_ih + (size_t)G * (size_t)F;
    /* Every step's input projection in one product: gates(N*T, 4H) = x(N*T, F) W_ih^T. */
    gan_status st = gan__gemm(c->blas, 0, 1, N * T, G, F, 1.0f, x, F, w_ih, F, 0.0f,
                              b.gates, G);
    if (st != GAN_OK)
        return st;
    if (l->param[GAN_PARAM_BIAS].present) {
        const float *bias = l->param[GAN_PARAM_BIAS].value;
        gan__add_channel_bias(b.gates, bias, N * T, G, 1);     /* b_ih */
        gan__add_channel_bias(b.gates, bias + G, N * T, G, 1); /* b_hh */
    }
    const size_t ldg = (size_t)T * (size_t)G, ldh = (size_t)T * (size_t)H;
    for (int32_t t = 0; t < T; t++) {
        const float *h_prev = t ? b.hs + (size_t)(t - 1) * H : b.h0;
        const float *c_prev = t ? b.cs + (size_t)(t - 1) * H : b.c0;
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
    const size_t last = (size_t)(T - 1) * H;
    if (r->sequences) {
        memcpy(y, b.hs, nh * (size_t)T * sizeof *y);
    } else {
        for (int32_t s = 0; s < N; s++)
            memcpy(y + (size_t)s * H, b.hs + s * ldh + last, (size_t)H * sizeof *y);
    }
    if (r->stateful) {
        for (int32_t s = 0; s < N; s++) {
            memcpy(b.h + (size_t)s * H, b.hs + s * ldh + last, (size_t)H * sizeof *b.h);
            memcpy(b.c + (size_t)s * H, b.cs + s * ldh + last, (size_t)H * sizeof *b.c);
        }
        *b.steps += T;
    }
    return GAN_OK;
}

/* Step t of backward through time for N rows: from dh (the gradient reaching h_t
 * through h_{t+1}, to which dy_t is added) and dc (reaching c_t through c_{t+1}, which
 * becomes the gradient of c_{t-1}), the pre-activation gradients dpre(N, 4H). */
static void gan__lstm_cell_backward(float *dpre, size_t ldg, const gan__lstm_buf *b,
                                    int32_t t, const float *dy_t, size_t ld_dy,
                                    const float *dh, float *dc, int32_t n, int32_t T,
                                    int32_t hidden)
{
    const size_t H = (size_t)hidden, G = 4 * H, ldh = (size_t)T * H;
    for (int32_t s = 0; s < n; s++) {
        const float *g = b->gates + (size_t)s * ldg + (size_t)t * G;
        const float *cs = b->cs + (size_t)s * ldh + (size_t)t * H;
        const float *cp = t ? cs - H : b->c0 + (size_t)s * H;
        const float *dys = dy_t ? dy_t + (size_t)s * ld_dy : NULL;
        const float *dhs = dh + (size_t)s * H;
        float *dcs = dc + (size_t)s * H;
        float *dp = dpre + (size_t)s * ldg;
        for (size_t j = 0; j < H; j++) {
            const float ig = g[j], fg = g[H + j], gg = g[2 * H + j], og = g[3 * H + j];
            const float dhv = dhs[j] + (dys ? dys[j] : 0.0f);
            const float tc = tanhf(cs[j]);
            const float dcv = dcs[j] + dhv * og * (1.0f - tc * tc);
            dcs[j] = dcv * fg;
            dp[j] = dcv * gg * ig * (1.0f - ig);
            dp[H + j] = dcv * cp[j] * fg * (1.0f - fg);
            dp[2 * H + j] = dcv * ig * (1.0f - gg * gg);
            dp[3 * H + j] = dhv * tc * og * (1.0f - og);
        }
    }
}

static gan_status gan__lstm_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                     const float *y, const float *dy, float *dx)
{
    (void)y;
    gan__lstm *r = (gan__lstm *)l;
    if (!c->param_grads && !dx)
        return GAN_OK;
    const int32_t N = c->batch, T = gan__lstm_T(l), F = gan__lstm_F(l), H = r->hidden;
    const int32_t G = 4 * H;
    const size_t nh = (size_t)N * (size_t)H, nth = nh * (size_t)T;
    const size_t ldg = (size_t)T * (size_t)G, ldh = (size_t)T * (size_t)H;
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
        const float *dy_t = r->sequences ? dy + (size_t)t * H : t == T - 1 ? dy : NULL;
        gan__lstm_cell_backward(dpre + (size_t)t * G, ldg, &b, t, dy_t,
                                r->sequences ? ldh : (size_t)H, dh, dc, N, T, H);
        if (t > 0) /* dh(N, H) = dpre_t(N, 4H) W_hh(4H, H): the gradient of h_{t-1} */
            st = gan__gemm(c->blas, 0, 0, N, H, G, 1.0f, dpre + (size_t)t * G, (int32_t)ldg,
                           w_hh, H, 0.0f, dh, H);
    }
    if (st == GAN_OK && c->param_grads) {
        for (int32_t s = 0; s < N; s++) {
            float *dst = h_prev + (size_t)s * ldh;
            memcpy(dst, b.h0 + (size_t)s * H, (size_t)H * sizeof *dst);
            memcpy(dst + H, b.hs + (size_t)s * ldh, (size_t)(T - 1) * H * sizeof *dst);
        }
        float *dw_ih = l->param[GAN_PARAM_WEIGHT].grad;
        float *dw_hh = dw_ih + (size_t)G * (size_t)F;
        /* dW_ih(4H, F) += dpre^T (4H, N*T) x (N*T, F); dW_hh likewise with h_prev */
        st = gan__gemm(c->blas, 1, 0, G, F, N * T, 1.0f, dpre, G, x, F, 1.0f, dw_ih, F);
        if (st == GAN_OK)
            st = gan__gemm(c->blas, 1, 0, G, H, N * T, 1.0f, dpre, G, h_prev, H, 1.0f,
                           dw_hh, H);
        if (st == GAN_OK && l->param[GAN_PARAM_BIAS].present) {
            float *db = l->param[GAN_PARAM_BIAS].grad;
            gan__sum_channels(db, dpre, N * T, G, 1);
            gan__sum_channels(db + G, dpre, N * T, G, 1);
        }
    }
    if (st == GAN_OK && dx) /* dx(N*T, F) = dpre(N*T, 4H) W_ih(4H, F) */
        st = gan__gemm(c->blas, 0, 0, N * T, F, G, 1.0f, dpre, G, w_ih, F, 0.0f, dx, F);
    return st;
}

static void gan__lstm_describe(const gan_layer_t *l, char *buf, size_t size)
{
    const gan__lstm *r = (const gan__lstm *)l;
    int n = snprintf(buf, size, "hidden=%d%s%s", (int)r->hidden,
                     r->sequences ? "" : " last", r->stateful ? " stateful" : "");
    if (r->max_steps > 0 && n >= 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, " max_steps=%d", (int)r->max_steps);
}

static const gan__layer_ops gan__lstm_ops = {
    .kind = "lstm",
    .configure = gan__lstm_configure,
    .workspace_floats = gan__lstm_workspace_floats,
    .saved_floats = gan__lstm_saved_floats,
    .forward = gan__lstm_forward,
    .backward = gan__lstm_backward,
    .describe = gan__lstm_describe,
    /* Backward reads its own copy of every h, never y. */
    .memory = GAN__MEM_NO_Y,
};

gan_status gan_lstm_options_init(gan_lstm_options_t *opts, size_t struct_size)
{
    gan_status st = gan__options_init(opts, struct_size, sizeof *opts,
                                      "gan_lstm_options_init");
    if (st != GAN_OK)
        return st;
    opts->hidden = 1;
    opts->return_sequences = 1;
    opts->stateful = 0;
    opts->max_steps = 0;
    opts->use_bias = 1;
    return GAN_OK;
}

static gan_status gan__lstm_create(gan_layer_t **out, const gan_lstm_options_t *o,
                                   const char *who)
{
    if (o->hidden < 1 || o->hidden > INT32_MAX / 4)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: hidden %d must be in [1, %d]", who,
                         (int)o->hidden, INT32_MAX / 4);
    if ((o->return_sequences | o->stateful | o->use_bias) & ~1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: return_sequences %d, stateful %d and "
                         "use_bias %d must each be 0 or 1", who, (int)o->return_sequences,
                         (int)o->stateful, (int)o->use_bias);
    if (o->max_steps < 0)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: max_steps %d must be >= 0 (0: no limit)",
                         who, (int)o->max_steps);
    gan_status st = gan__layer_alloc(out, sizeof(gan__lstm), &gan__lstm_ops, who);
    if (st != GAN_OK)
        return st;
    gan__lstm *r = (gan__lstm *)*out;
    r->hidden = o->hidden;
    r->sequences = o->return_sequences;
    r->stateful = o->stateful;
    r->max_steps = o->max_steps;
    /* PyTorch's nn.LSTM: every parameter U(-1/sqrt(hidden), 1/sqrt(hidden)). */
    const float k = 1.0f / sqrtf((float)o->hidden);
    for (int g = 0; g < GAN__PARAM_GROUPS; g++) {
        r->base.param[g].init_kind = GAN_INIT_UNIFORM;
        r->base.param[g].init_a = -k;
        r->base.param[g].init_b = k;
    }
    r->base.param[GAN_PARAM_WEIGHT].present = true;
    r->base.param[GAN_PARAM_BIAS].present = o->use_bias;
    return GAN_OK;
}

gan_status gan_layer_lstm_create_ex(gan_layer_t **out, const gan_lstm_options_t *opts)
{
    static const char who[] = "gan_layer_lstm_create_ex";
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    if (!opts)
        return gan__fail(GAN_E_INVALID_ARG, "%s: opts is NULL", who);
    gan_lstm_options_t o;
    gan_lstm_options_init(&o, sizeof o);
    st = gan__options_read(&o, sizeof o, opts, sizeof o, who);
    return st == GAN_OK ? gan__lstm_create(out, &o, who) : st;
}

gan_status gan_layer_lstm_create(gan_layer_t **out, int32_t hidden)
{
    static const char who[] = "gan_layer_lstm_create";
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    gan_lstm_options_t o;
    gan_lstm_options_init(&o, sizeof o);
    o.hidden = hidden;
    return gan__lstm_create(out, &o, who);
}
