/* Tile: a vector (F) repeated over an H x W grid, (F,H,W), so that it can be
 * concatenated onto an image's channels (a caption or class vector in a conditional
 * discriminator). */
#include <stdio.h>

#include "core/error.h"
#include "layers/layer.h"

typedef struct gan__tile {
    gan_layer_t base;
    int32_t h, w;
} gan__tile;

static gan_status gan__tile_configure(gan_layer_t *l)
{
    const gan__tile *t = (const gan__tile *)l;
    if (l->in.ndim != 1)
        return gan__fail(GAN_E_SHAPE, "tile expects a vector (F), got %s",
                         gan__shape_str(&l->in).s);
    l->out = gan__shape3(l->in.d[0], t->h, t->w);
    return GAN_OK;
}

static gan_status gan__tile_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                    float *y)
{
    const gan__tile *t = (const gan__tile *)l;
    const size_t f = (size_t)l->in.d[0], plane = (size_t)t->h * (size_t)t->w;
    for (size_t i = 0; i < (size_t)c->batch * f; i++)
        for (size_t p = 0; p < plane; p++)
            y[i * plane + p] = x[i];
    return GAN_OK;
}

static gan_status gan__tile_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                     const float *y, const float *dy, float *dx)
{
    (void)x;
    (void)y;
    const gan__tile *t = (const gan__tile *)l;
    const size_t f = (size_t)l->in.d[0], plane = (size_t)t->h * (size_t)t->w;
    if (!dx)
        return GAN_OK;
    for (size_t i = 0; i < (size_t)c->batch * f; i++) {
        double sum = 0.0;
        for (size_t p = 0; p < plane; p++)
            sum += dy[i * plane + p];
        dx[i] = (float)sum;
    }
    return GAN_OK;
}

static void gan__tile_describe(const gan_layer_t *l, char *buf, size_t size)
{
    const gan__tile *t = (const gan__tile *)l;
    snprintf(buf, size, "%dx%d", (int)t->h, (int)t->w);
}

static const gan__layer_ops gan__tile_ops = {
    .kind = "tile",
    .configure = gan__tile_configure,
    .forward = gan__tile_forward,
    .backward = gan__tile_backward,
    .describe = gan__tile_describe,
    .memory = GAN__MEM_NO_X | GAN__MEM_NO_Y,
};

gan_status gan_layer_tile_create(gan_layer_t **out, int32_t height, int32_t width)
{
    static const char who[] = "gan_layer_tile_create";
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    if (height < 1 || width < 1 || (int64_t)height * width > INT32_MAX)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: height %d and width %d must be >= 1 "
                         "with a product of at most %d", who, (int)height, (int)width,
                         INT32_MAX);
    st = gan__layer_alloc(out, sizeof(gan__tile), &gan__tile_ops, who);
    if (st == GAN_OK) {
        ((gan__tile *)*out)->h = height;
        ((gan__tile *)*out)->w = width;
    }
    return st;
}
