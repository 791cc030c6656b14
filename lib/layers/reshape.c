/* Reshape and Flatten: the same floats under another shape. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "layers/layer.h"

typedef struct gan__reshape {
    gan_layer_t base;
    gan__shape target; /* ndim 0 for Flatten */
} gan__reshape;

static gan_status gan__reshape_configure(gan_layer_t *l)
{
    gan__reshape *r = (gan__reshape *)l;
    size_t in = gan__shape_size(&l->in);
    if (r->target.ndim == 0) {
        l->out = gan__shape1((int32_t)in);
        return GAN_OK;
    }
    if (gan__shape_size(&r->target) != in)
        return gan__fail(GAN_E_SHAPE, "reshape to %s needs %zu elements per sample, the "
                         "input has %zu", gan__shape_str(&r->target).s,
                         gan__shape_size(&r->target), in);
    l->out = r->target;
    return GAN_OK;
}

static gan_status gan__reshape_copy(gan_layer_t *l, const gan__ctx *c, const float *src,
                                    float *dst)
{
    if (dst && dst != src) /* a view: the model usually gives it its input's buffer */
        memcpy(dst, src, (size_t)c->batch * gan__shape_size(&l->in) * sizeof *dst);
    return GAN_OK;
}

static gan_status gan__reshape_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                        const float *y, const float *dy, float *dx)
{
    (void)x;
    (void)y;
    return gan__reshape_copy(l, c, dy, dx);
}

static void gan__reshape_describe(const gan_layer_t *l, char *buf, size_t size)
{
    snprintf(buf, size, "from %s", gan__shape_str(&l->in).s);
}

static const gan__layer_ops gan__reshape_ops = {
    .kind = "reshape",
    .configure = gan__reshape_configure,
    .forward = gan__reshape_copy,
    .backward = gan__reshape_backward,
    .describe = gan__reshape_describe,
    .memory = GAN__MEM_VIEW,
};

static const gan__layer_ops gan__flatten_ops = {
    .kind = "flatten",
    .configure = gan__reshape_configure,
    .forward = gan__reshape_copy,
    .backward = gan__reshape_backward,
    .memory = GAN__MEM_VIEW,
};

gan_status gan_layer_reshape_create(gan_layer_t **out, const int32_t *dims, int32_t ndim)
{
    static const char who[] = "gan_layer_reshape_create";
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    gan__shape target;
    st = gan__shape_from(&target, dims, ndim, who);
    if (st != GAN_OK)
        return st;
    st = gan__layer_alloc(out, sizeof(gan__reshape), &gan__reshape_ops, who);
    if (st == GAN_OK)
        ((gan__reshape *)*out)->target = target;
    return st;
}

gan_status gan_layer_flatten_create(gan_layer_t **out)
{
    static const char who[] = "gan_layer_flatten_create";
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    return gan__layer_alloc(out, sizeof(gan__reshape), &gan__flatten_ops, who);
}
