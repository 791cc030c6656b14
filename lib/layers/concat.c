/* Concat: inputs joined along their first dimension, channels of images (C,H,W) or
 * features of vectors (F); every other dimension must agree. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "layers/merge.h"

static gan_status gan__concat_configure(gan_layer_t *l)
{
    const gan__shape *first = &l->ins[0];
    int64_t joined = 0;
    for (int32_t k = 0; k < l->n_in; k++) {
        const gan__shape *s = &l->ins[k];
        bool fits = s->ndim == first->ndim;
        for (int32_t d = 1; fits && d < s->ndim; d++)
            fits = s->d[d] == first->d[d];
        if (!fits)
            return gan__fail(GAN_E_SHAPE, "concat joins along the first dimension and needs "
                             "the others equal: input 0 is %s, input %d is %s",
                             gan__shape_str(first).s, (int)k, gan__shape_str(s).s);
        joined += s->d[0];
    }
    if (joined > INT32_MAX)
        return gan__fail(GAN_E_SHAPE, "concat of %lld channels is too large",
                         (long long)joined);
    l->out = *first;
    l->out.d[0] = (int32_t)joined;
    return GAN_OK;
}

/* Per sample, input k's block sits after the blocks of inputs 0..k-1. */
static gan_status gan__concat_forward(gan_layer_t *l, const gan__ctx *c,
                                      const float *const *xs, float *y)
{
    const size_t out = gan__shape_size(&l->out);
    for (int32_t n = 0; n < c->batch; n++) {
        float *dst = y + (size_t)n * out;
        for (int32_t k = 0; k < l->n_in; k++) {
            const size_t part = gan__shape_size(&l->ins[k]);
            memcpy(dst, xs[k] + (size_t)n * part, part * sizeof *dst);
            dst += part;
        }
    }
    return GAN_OK;
}

static gan_status gan__concat_backward(gan_layer_t *l, const gan__ctx *c,
                                       const float *const *xs, const float *y,
                                       const float *dy, float *const *dxs)
{
    (void)xs;
    (void)y;
    const size_t out = gan__shape_size(&l->out);
    for (int32_t n = 0; n < c->batch; n++) {
        const float *src = dy + (size_t)n * out;
        for (int32_t k = 0; k < l->n_in; k++) {
            const size_t part = gan__shape_size(&l->ins[k]);
            if (dxs[k])
                memcpy(dxs[k] + (size_t)n * part, src, part * sizeof *src);
            src += part;
        }
    }
    return GAN_OK;
}

static void gan__concat_describe(const gan_layer_t *l, char *buf, size_t size)
{
    snprintf(buf, size, "%d inputs", (int)l->n_in);
}

static const gan__layer_ops gan__concat_ops = {
    .kind = "concat",
    .configure = gan__concat_configure,
    .max_inputs = 4096,
    .forward_n = gan__concat_forward,
    .backward_n = gan__concat_backward,
    .describe = gan__concat_describe,
};

gan_status gan_layer_concat_create(gan_layer_t **out)
{
    return gan__merge_create(out, &gan__concat_ops, "gan_layer_concat_create");
}
