/* Inverted dropout (Srivastava et al. 2014): masks drawn from the layer's seeded stream. */
#include <math.h>
#include <stdio.h>

#include "core/error.h"
#include "layers/layer.h"

typedef struct gan__dropout {
    gan_layer_t base;
    float rate;
} gan__dropout;

static gan_status gan__dropout_configure(gan_layer_t *l)
{
    l->out = l->in;
    return GAN_OK;
}

static size_t gan__dropout_saved(const gan_layer_t *l, int32_t batch)
{
    return (size_t)batch * gan__shape_size(&l->in); /* the scaled mask */
}

static gan_status gan__dropout_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                       float *y)
{
    const float rate = ((gan__dropout *)l)->rate;
    size_t n = (size_t)c->batch * gan__shape_size(&l->in);
    float *mask = l->saved;
    if (!c->training || rate == 0.0f) {
        for (size_t i = 0; i < n; i++) {
            mask[i] = 1.0f;
            y[i] = x[i];
        }
        return GAN_OK;
    }
    const float keep_scale = 1.0f / (1.0f - rate);
    /* Two 24-bit uniforms per draw (bits 40..63 and 8..31), compared as integers and
     * selected without a branch: an element is dropped when u < rate. */
    const uint32_t threshold = (uint32_t)ceil((double)rate * 16777216.0);
    for (size_t i = 0; i < n; i += 2) {
        const uint64_t bits = gan__rng_next(&l->rng);
        const uint32_t u0 = (uint32_t)(bits >> 40), u1 = (uint32_t)(bits >> 8) & 0xFFFFFFu;
        mask[i] = keep_scale * (float)(u0 >= threshold);
        if (i + 1 < n)
            mask[i + 1] = keep_scale * (float)(u1 >= threshold);
    }
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] * mask[i];
    return GAN_OK;
}

static gan_status gan__dropout_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                        const float *y, const float *dy, float *dx)
{
    (void)x;
    (void)y;
    size_t n = (size_t)c->batch * gan__shape_size(&l->in);
    const float *mask = l->saved;
    for (size_t i = 0; i < n; i++)
        dx[i] = dy[i] * mask[i];
    return GAN_OK;
}

static void gan__dropout_describe(const gan_layer_t *l, char *buf, size_t size)
{
    snprintf(buf, size, "rate=%g", (double)((const gan__dropout *)l)->rate);
}

static const gan__layer_ops gan__dropout_ops = {
    .kind = "dropout",
    .configure = gan__dropout_configure,
    .saved_floats = gan__dropout_saved,
    .forward = gan__dropout_forward,
    .backward = gan__dropout_backward,
    .describe = gan__dropout_describe,
};

gan_status gan_layer_dropout_create(gan_layer_t **out, float rate)
{
    static const char who[] = "gan_layer_dropout_create";
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    if (!(rate >= 0.0f && rate < 1.0f))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: rate %g is outside [0, 1)", who,
                         (double)rate);
    st = gan__layer_alloc(out, sizeof(gan__dropout), &gan__dropout_ops, who);
    if (st == GAN_OK)
        ((gan__dropout *)*out)->rate = rate;
    return st;
}
