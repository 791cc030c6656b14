/* Scale: y = a x + b with constants a and b; 1 - t for a gate is a = -1, b = 1. */
#include <math.h>
#include <stdio.h>

#include "core/error.h"
#include "layers/layer.h"

typedef struct gan__scale {
    gan_layer_t base;
    float a, b;
} gan__scale;

static gan_status gan__scale_configure(gan_layer_t *l)
{
    l->out = l->in;
    return GAN_OK;
}

static gan_status gan__scale_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                     float *y)
{
    const gan__scale *s = (const gan__scale *)l;
    const size_t n = (size_t)c->batch * gan__shape_size(&l->in);
    for (size_t i = 0; i < n; i++)
        y[i] = s->a * x[i] + s->b;
    return GAN_OK;
}

static gan_status gan__scale_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                      const float *y, const float *dy, float *dx)
{
    (void)x;
    (void)y;
    const float a = ((const gan__scale *)l)->a;
    const size_t n = (size_t)c->batch * gan__shape_size(&l->in);
    if (dx)
        for (size_t i = 0; i < n; i++)
            dx[i] = a * dy[i];
    return GAN_OK;
}

static void gan__scale_describe(const gan_layer_t *l, char *buf, size_t size)
{
    const gan__scale *s = (const gan__scale *)l;
    snprintf(buf, size, "%gx%+g", (double)s->a, (double)s->b);
}

static const gan__layer_ops gan__scale_ops = {
    .kind = "scale",
    .configure = gan__scale_configure,
    .forward = gan__scale_forward,
    .backward = gan__scale_backward,
    .describe = gan__scale_describe,
    /* dx = a dy needs neither x nor y, element by element */
    .memory = GAN__MEM_NO_X | GAN__MEM_NO_Y | GAN__MEM_FWD_IN_PLACE | GAN__MEM_BWD_IN_PLACE,
};

gan_status gan_layer_scale_create(gan_layer_t **out, float scale, float shift)
{
    static const char who[] = "gan_layer_scale_create";
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    if (!isfinite(scale) || !isfinite(shift))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: scale %g and shift %g must be finite",
                         who, (double)scale, (double)shift);
    st = gan__layer_alloc(out, sizeof(gan__scale), &gan__scale_ops, who);
    if (st == GAN_OK) {
        ((gan__scale *)*out)->a = scale;
        ((gan__scale *)*out)->b = shift;
    }
    return st;
}
