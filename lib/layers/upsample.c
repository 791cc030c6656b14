/* Nearest-neighbour upsampling by an integer factor (PyTorch's nn.Upsample, mode
 * 'nearest'): output pixel (oy, ox) is input pixel (oy / f, ox / f).
 *
 * Planes (one channel of one sample) are independent: the passes split them into
 * ranges that run in parallel, with the same result for any split. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/pool.h"
#include "layers/layer.h"

typedef struct gan__upsample {
    gan_layer_t base;
    int32_t factor;
    int32_t channels, h, w; /* of the input */
} gan__upsample;

typedef struct gan__upsample_job {
    const gan__upsample *u;
    const float *src; /* x forward, dy backward */
    float *dst;       /* y forward, dx backward */
} gan__upsample_job;

static gan_status gan__upsample_configure(gan_layer_t *l)
{
    gan__upsample *u = (gan__upsample *)l;
    if (l->in.ndim != 3)
        return gan__fail(GAN_E_SHAPE, "upsample expects (C,H,W), got %s",
                         gan__shape_str(&l->in).s);
    u->channels = l->in.d[0];
    u->h = l->in.d[1];
    u->w = l->in.d[2];
    /* Each product is checked before it is multiplied again: every operand is then at
     * most INT32_MAX and no int64 product overflows. */
    const int64_t f = u->factor, rows = (int64_t)u->h * f, cols = (int64_t)u->w * f;
    if (rows > INT32_MAX || cols > INT32_MAX || (int64_t)u->channels * rows > INT32_MAX ||
        (int64_t)u->channels * rows * cols > INT32_MAX)
        return gan__fail(GAN_E_SHAPE, "upsample: %s times %d has more than %d elements "
                         "per sample", gan__shape_str(&l->in).s, (int)u->factor, INT32_MAX);
    l->out = gan__shape3(u->channels, u->h * u->factor, u->w * u->factor);
    return GAN_OK;
}

/* Each input row becomes one widened output row, copied f - 1 times below itself. */
static void gan__upsample_forward_range(void *arg, size_t first, size_t last)
{
    const gan__upsample_job *j = arg;
    const gan__upsample *u = j->u;
    const size_t f = (size_t)u->factor, ow = (size_t)u->w * f;
    for (size_t q = first; q < last; q++) {
        const float *x = j->src + q * (size_t)u->h * u->w;
        float *y = j->dst + q * (size_t)u->h * f * ow;
        for (int32_t iy = 0; iy < u->h; iy++) {
            float *row = y + (size_t)iy * f * ow;
            for (size_t ox = 0; ox < ow; ox++)
                row[ox] = x[(size_t)iy * u->w + ox / f];
            for (size_t r = 1; r < f; r++)
                memcpy(row + r * ow, row, ow * sizeof *row);
        }
    }
}

/* dx at (iy, ix) is the sum of dy over its f x f block, rows in order. */
static void gan__upsample_backward_range(void *arg, size_t first, size_t last)
{
    const gan__upsample_job *j = arg;
    const gan__upsample *u = j->u;
    const size_t f = (size_t)u->factor, ow = (size_t)u->w * f;
    for (size_t q = first; q < last; q++) {
        const float *dy = j->src + q * (size_t)u->h * f * ow;
        float *dx = j->dst + q * (size_t)u->h * u->w;
        for (int32_t iy = 0; iy < u->h; iy++)
            for (int32_t ix = 0; ix < u->w; ix++) {
                const float *block = dy + (size_t)iy * f * ow + (size_t)ix * f;
                float sum = 0.0f;
                for (size_t r = 0; r < f; r++)
                    for (size_t k = 0; k < f; k++)
                        sum += block[r * ow + k];
                dx[(size_t)iy * u->w + ix] = sum;
            }
    }
}

static void gan__upsample_run(const gan_layer_t *l, const gan__ctx *c, gan__range_fn fn,
                              gan__upsample_job job)
{
    const gan__upsample *u = (const gan__upsample *)l;
    job.u = u;
    const size_t plane = gan__shape_size(&l->out) / (size_t)u->channels;
    const size_t grain = plane >= 16384 ? 1 : 16384 / plane;
    gan__pool_for(fn, &job, (size_t)c->batch * (size_t)u->channels, grain, c->parts);
}

static gan_status gan__upsample_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                        float *y)
{
    gan__upsample_run(l, c, gan__upsample_forward_range,
                      (gan__upsample_job){.src = x, .dst = y});
    return GAN_OK;
}

static gan_status gan__upsample_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                         const float *y, const float *dy, float *dx)
{
    (void)x;
    (void)y;
    if (dx)
        gan__upsample_run(l, c, gan__upsample_backward_range,
                          (gan__upsample_job){.src = dy, .dst = dx});
    return GAN_OK;
}

static void gan__upsample_describe(const gan_layer_t *l, char *buf, size_t size)
{
    snprintf(buf, size, "x%d nearest", (int)((const gan__upsample *)l)->factor);
}

static const gan__layer_ops gan__upsample_ops = {
    .kind = "upsample",
    .configure = gan__upsample_configure,
    .forward = gan__upsample_forward,
    .backward = gan__upsample_backward,
    .describe = gan__upsample_describe,
    .memory = GAN__MEM_NO_X | GAN__MEM_NO_Y, /* backward needs dy only */
};

gan_status gan_layer_upsample_create(gan_layer_t **out, int32_t factor)
{
    static const char who[] = "gan_layer_upsample_create";
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    if (factor < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: factor %d must be >= 1", who, (int)factor);
    st = gan__layer_alloc(out, sizeof(gan__upsample), &gan__upsample_ops, who);
    if (st == GAN_OK)
        ((gan__upsample *)*out)->factor = factor;
    return st;
}
