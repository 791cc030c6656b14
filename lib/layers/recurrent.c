/* What the recurrent layers (LSTM, GRU) share: settings, shapes, the carried state. */
#include "layers/recurrent.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/options.h"

#define GAN__RNN_STEPS_FLOATS 16 /* one cache line holding the int32 steps counter */

size_t gan__rnn_head_floats(const gan_layer_t *l, int32_t batch)
{
    const gan__rnn *r = (const gan__rnn *)l;
    return GAN__RNN_STEPS_FLOATS + (r->cell ? 4 : 2) * (size_t)batch * (size_t)r->hidden;
}

gan__rnn_buf gan__rnn_layout(gan_layer_t *l, int32_t batch)
{
    const gan__rnn *r = (const gan__rnn *)l;
    const size_t nh = (size_t)batch * (size_t)r->hidden;
    float *p = l->saved;
    gan__rnn_buf b;
    b.steps = (int32_t *)p;
    p += GAN__RNN_STEPS_FLOATS;
    b.h = p;
    b.h0 = p + nh;
    b.c = r->cell ? p + 2 * nh : NULL;
    b.c0 = r->cell ? p + 3 * nh : NULL;
    b.rest = p + (r->cell ? 4 : 2) * nh;
    return b;
}

gan_status gan__rnn_configure(gan_layer_t *l)
{
    gan__rnn *r = (gan__rnn *)l;
    const char *kind = l->ops->kind;
    if (l->in.ndim != 2)
        return gan__fail(GAN_E_SHAPE, "%s expects a sequence (T, F), got %s", kind,
                         gan__shape_str(&l->in).s);
    const int64_t T = gan__rnn_T(l), F = gan__rnn_F(l), G = (int64_t)r->gates * r->hidden;
    if (r->max_steps > 0 && T > r->max_steps)
        return gan__fail(GAN_E_SHAPE, "%s: a sequence of %lld steps %s is longer than its "
                         "max_steps %d", kind, (long long)T, gan__shape_str(&l->in).s,
                         (int)r->max_steps);
    /* GEMM dimensions and leading dimensions are int32. */
    if (T * G > INT32_MAX || G * F > INT32_MAX || G * r->hidden > INT32_MAX)
        return gan__fail(GAN_E_SHAPE, "%s: hidden %d over %s needs more than %d values "
                         "per gate matrix", kind, (int)r->hidden, gan__shape_str(&l->in).s,
                         INT32_MAX);
    l->out = r->sequences ? (gan__shape){.ndim = 2, .d = {(int32_t)T, r->hidden}}
                          : gan__shape1(r->hidden);
    gan__param *w = &l->param[GAN_PARAM_WEIGHT], *b = &l->param[GAN_PARAM_BIAS];
    w->count = (size_t)G * (size_t)(F + r->hidden);
    w->fan_in = (int32_t)F + r->hidden;
    w->fan_out = r->hidden;
    b->count = 2 * (size_t)G;
    b->fan_in = w->fan_in;
    b->fan_out = w->fan_out;
    return GAN_OK;
}

gan_status gan__rnn_begin(gan_layer_t *l, const gan__rnn_buf *b, int32_t batch)
{
    const gan__rnn *r = (const gan__rnn *)l;
    const int32_t T = gan__rnn_T(l);
    const size_t nh = (size_t)batch * (size_t)r->hidden;
    if (r->stateful) {
        if (r->max_steps > 0 && *b->steps > r->max_steps - T)
            return gan__fail(GAN_E_OUT_OF_RANGE,
                             "%s: steps %d to %d run past max_steps %d (reset the state "
                             "with gan_model_reset_recurrent_state)", l->ops->kind,
                             (int)*b->steps + 1, (int)*b->steps + T, (int)r->max_steps);
        memcpy(b->h0, b->h, nh * sizeof *b->h0);
        if (r->cell)
            memcpy(b->c0, b->c, nh * sizeof *b->c0);
    } else {
        memset(b->h0, 0, nh * sizeof *b->h0);
        if (r->cell)
            memset(b->c0, 0, nh * sizeof *b->c0);
    }
    return GAN_OK;
}

void gan__rnn_end(gan_layer_t *l, const gan__rnn_buf *b, int32_t batch, const float *hs,
                  const float *cs, float *y)
{
    const gan__rnn *r = (const gan__rnn *)l;
    const int32_t T = gan__rnn_T(l);
    const size_t H = (size_t)r->hidden, ldh = (size_t)T * H, last = (size_t)(T - 1) * H;
    if (r->sequences) {
        memcpy(y, hs, (size_t)batch * ldh * sizeof *y);
    } else {
        for (int32_t s = 0; s < batch; s++)
            memcpy(y + (size_t)s * H, hs + s * ldh + last, H * sizeof *y);
    }
    if (!r->stateful)
        return;
    for (int32_t s = 0; s < batch; s++) {
        memcpy(b->h + (size_t)s * H, hs + s * ldh + last, H * sizeof *b->h);
        if (r->cell)
            memcpy(b->c + (size_t)s * H, cs + s * ldh + last, H * sizeof *b->c);
    }
    *b->steps += T;
}

void gan__rnn_h_prev(float *h_prev, const gan__rnn_buf *b, const float *hs, int32_t batch,
                     int32_t T, int32_t hidden)
{
    const size_t H = (size_t)hidden, ldh = (size_t)T * H;
    for (int32_t s = 0; s < batch; s++) {
        float *dst = h_prev + (size_t)s * ldh;
        memcpy(dst, b->h0 + (size_t)s * H, H * sizeof *dst);
        memcpy(dst + H, hs + (size_t)s * ldh, (size_t)(T - 1) * H * sizeof *dst);
    }
}

const float *gan__rnn_dy_step(const gan_layer_t *l, const float *dy, int32_t t, size_t *ld)
{
    const gan__rnn *r = (const gan__rnn *)l;
    const int32_t T = gan__rnn_T(l);
    *ld = (size_t)r->hidden * (r->sequences ? (size_t)T : 1);
    if (r->sequences)
        return dy + (size_t)t * (size_t)r->hidden;
    return t == T - 1 ? dy : NULL;
}

void gan__rnn_describe(const gan_layer_t *l, char *buf, size_t size)
{
    const gan__rnn *r = (const gan__rnn *)l;
    int n = snprintf(buf, size, "hidden=%d%s%s", (int)r->hidden,
                     r->sequences ? "" : " last", r->stateful ? " stateful" : "");
    if (r->max_steps > 0 && n >= 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, " max_steps=%d", (int)r->max_steps);
}

gan_status gan_recurrent_options_init(gan_recurrent_options_t *opts, size_t struct_size)
{
    gan_status st = gan__options_init(opts, struct_size, sizeof *opts,
                                      "gan_recurrent_options_init");
    if (st != GAN_OK)
        return st;
    opts->hidden = 1;
    opts->return_sequences = 1;
    opts->stateful = 0;
    opts->max_steps = 0;
    opts->use_bias = 1;
    return GAN_OK;
}

gan_status gan__rnn_create(gan_layer_t **out, size_t bytes, const gan__layer_ops *ops,
                           int32_t gates, bool cell, const gan_recurrent_options_t *o,
                           const char *who)
{
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    if (o->hidden < 1 || o->hidden > INT32_MAX / gates)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: hidden %d must be in [1, %d]", who,
                         (int)o->hidden, INT32_MAX / gates);
    if ((o->return_sequences | o->stateful | o->use_bias) & ~1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: return_sequences %d, stateful %d and "
                         "use_bias %d must each be 0 or 1", who, (int)o->return_sequences,
                         (int)o->stateful, (int)o->use_bias);
    if (o->max_steps < 0)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: max_steps %d must be >= 0 (0: no limit)",
                         who, (int)o->max_steps);
    st = gan__layer_alloc(out, bytes, ops, who);
    if (st != GAN_OK)
        return st;
    gan__rnn *r = (gan__rnn *)*out;
    r->hidden = o->hidden;
    r->gates = gates;
    r->cell = cell;
    r->sequences = o->return_sequences;
    r->stateful = o->stateful;
    r->max_steps = o->max_steps;
    /* PyTorch's nn.LSTM and nn.GRU: every parameter U(-1/sqrt(hidden), 1/sqrt(hidden)). */
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

gan_status gan__rnn_create_ex(gan_layer_t **out, size_t bytes, const gan__layer_ops *ops,
                              int32_t gates, bool cell, const gan_recurrent_options_t *opts,
                              const char *who)
{
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    if (!opts)
        return gan__fail(GAN_E_INVALID_ARG, "%s: opts is NULL", who);
    gan_recurrent_options_t o;
    gan_recurrent_options_init(&o, sizeof o);
    st = gan__options_read(&o, sizeof o, opts, sizeof o, who);
    return st == GAN_OK ? gan__rnn_create(out, bytes, ops, gates, cell, &o, who) : st;
}

gan_status gan__rnn_create_hidden(gan_layer_t **out, size_t bytes,
                                  const gan__layer_ops *ops, int32_t gates, bool cell,
                                  int32_t hidden, const char *who)
{
    gan_recurrent_options_t o;
    gan_recurrent_options_init(&o, sizeof o);
    o.hidden = hidden;
    return gan__rnn_create(out, bytes, ops, gates, cell, &o, who);
}
