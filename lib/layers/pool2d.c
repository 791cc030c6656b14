/* AvgPool2D and MaxPool2D: square windows, no padding, floor mode (PyTorch's defaults).
 *
 * The passes work plane by plane (one channel of one sample), the planes split into
 * ranges that run in parallel; a plane's result does not depend on the split. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/pool.h"
#include "layers/pool.h"

typedef struct gan__pool_job {
    const gan__pool *p;
    const float *src; /* x forward, dy backward */
    float *dst;       /* y forward, dx backward */
    int32_t *arg;     /* MaxPool's argmax, (planes, oh, ow) */
} gan__pool_job;

/* Planes per range so that a range reads some 16k input floats. */
static void gan__pool_planes(const gan__pool *p, const gan__ctx *c, gan__range_fn fn,
                          gan__pool_job job)
{
    job.p = p;
    const size_t plane = (size_t)p->h * (size_t)p->w;
    const size_t grain = plane >= 16384 ? 1 : 16384 / plane;
    gan__pool_for(fn, &job, (size_t)c->batch * (size_t)p->channels, grain, c->parts);
}

static void gan__pool_avg_forward_range(void *arg, size_t first, size_t last)
{
    const gan__pool_job *j = arg;
    const gan__pool *p = j->p;
    const double count = (double)p->kh * p->kw;
    for (size_t q = first; q < last; q++) {
        const float *x = j->src + q * (size_t)p->h * p->w;
        float *y = j->dst + q * (size_t)p->oh * p->ow;
        for (int32_t oy = 0; oy < p->oh; oy++)
            for (int32_t ox = 0; ox < p->ow; ox++) {
                const float *win = x + (size_t)oy * p->sh * p->w + (size_t)ox * p->sw;
                double sum = 0.0;
                for (int32_t ky = 0; ky < p->kh; ky++)
                    for (int32_t kx = 0; kx < p->kw; kx++)
                        sum += win[(size_t)ky * p->w + kx];
                y[(size_t)oy * p->ow + ox] = (float)(sum / count);
            }
    }
}

gan_status gan__pool_avg_forward(gan_layer_t *l, const gan__ctx *c, const float *x, float *y)
{
    gan__pool_planes((const gan__pool *)l, c, gan__pool_avg_forward_range,
                  (gan__pool_job){.src = x, .dst = y});
    return GAN_OK;
}

/* Each window adds dy / (kh kw) to the inputs it covers (windows overlap when the
 * stride is below the kernel). */
static void gan__pool_avg_backward_range(void *arg, size_t first, size_t last)
{
    const gan__pool_job *j = arg;
    const gan__pool *p = j->p;
    const float count = (float)p->kh * (float)p->kw;
    for (size_t q = first; q < last; q++) {
        const float *dy = j->src + q * (size_t)p->oh * p->ow;
        float *dx = j->dst + q * (size_t)p->h * p->w;
        memset(dx, 0, (size_t)p->h * p->w * sizeof *dx);
        for (int32_t oy = 0; oy < p->oh; oy++)
            for (int32_t ox = 0; ox < p->ow; ox++) {
                float *win = dx + (size_t)oy * p->sh * p->w + (size_t)ox * p->sw;
                const float g = dy[(size_t)oy * p->ow + ox] / count;
                for (int32_t ky = 0; ky < p->kh; ky++)
                    for (int32_t kx = 0; kx < p->kw; kx++)
                        win[(size_t)ky * p->w + kx] += g;
            }
    }
}

gan_status gan__pool_avg_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                  const float *y, const float *dy, float *dx)
{
    (void)x;
    (void)y;
    if (dx)
        gan__pool_planes((const gan__pool *)l, c, gan__pool_avg_backward_range,
                      (gan__pool_job){.src = dy, .dst = dx});
    return GAN_OK;
}

size_t gan__pool_max_saved(const gan_layer_t *l, int32_t batch)
{
    const gan__pool *p = (const gan__pool *)l;
    return (size_t)batch * (size_t)p->channels * (size_t)p->oh * (size_t)p->ow;
}

/* The first maximum in scan order (row by row) wins a tie; a NaN counts as larger than
 * any number, the first NaN winning, so NaN propagates as in PyTorch. */
static void gan__pool_max_forward_range(void *arg, size_t first, size_t last)
{
    const gan__pool_job *j = arg;
    const gan__pool *p = j->p;
    for (size_t q = first; q < last; q++) {
        const float *x = j->src + q * (size_t)p->h * p->w;
        float *y = j->dst + q * (size_t)p->oh * p->ow;
        int32_t *at = j->arg + q * (size_t)p->oh * p->ow;
        for (int32_t oy = 0; oy < p->oh; oy++)
            for (int32_t ox = 0; ox < p->ow; ox++) {
                int32_t best_i = oy * p->sh * p->w + ox * p->sw;
                float best = x[best_i];
                for (int32_t ky = 0; ky < p->kh; ky++)
                    for (int32_t kx = 0; kx < p->kw; kx++) {
                        const int32_t i = (oy * p->sh + ky) * p->w + ox * p->sw + kx;
                        const float v = x[i];
                        if (v > best || (v != v && best == best)) {
                            best = v;
                            best_i = i;
                        }
                    }
                y[(size_t)oy * p->ow + ox] = best;
                at[(size_t)oy * p->ow + ox] = best_i;
            }
    }
}

gan_status gan__pool_max_forward(gan_layer_t *l, const gan__ctx *c, const float *x, float *y)
{
    gan__pool_planes((const gan__pool *)l, c, gan__pool_max_forward_range,
                  (gan__pool_job){.src = x, .dst = y, .arg = (int32_t *)l->saved});
    return GAN_OK;
}

static void gan__pool_max_backward_range(void *arg, size_t first, size_t last)
{
    const gan__pool_job *j = arg;
    const gan__pool *p = j->p;
    const size_t outs = (size_t)p->oh * p->ow;
    for (size_t q = first; q < last; q++) {
        const float *dy = j->src + q * outs;
        const int32_t *at = j->arg + q * outs;
        float *dx = j->dst + q * (size_t)p->h * p->w;
        memset(dx, 0, (size_t)p->h * p->w * sizeof *dx);
        for (size_t o = 0; o < outs; o++)
            dx[at[o]] += dy[o]; /* overlapping windows may share an argmax */
    }
}

gan_status gan__pool_max_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                  const float *y, const float *dy, float *dx)
{
    (void)x;
    (void)y;
    if (dx)
        gan__pool_planes((const gan__pool *)l, c, gan__pool_max_backward_range,
                      (gan__pool_job){.src = dy, .dst = dx, .arg = (int32_t *)l->saved});
    return GAN_OK;
}

static gan_status gan__pool2d_configure(gan_layer_t *l)
{
    gan__pool *p = (gan__pool *)l;
    if (l->in.ndim != 3)
        return gan__fail(GAN_E_SHAPE, "%s expects (C,H,W), got %s", l->ops->kind,
                         gan__shape_str(&l->in).s);
    p->channels = l->in.d[0];
    p->h = l->in.d[1];
    p->w = l->in.d[2];
    if (p->kernel > p->h || p->kernel > p->w)
        return gan__fail(GAN_E_SHAPE, "%s: kernel %d is larger than the %dx%d input",
                         l->ops->kind, (int)p->kernel, (int)p->h, (int)p->w);
    p->kh = p->kw = p->kernel;
    p->sh = p->sw = p->stride;
    p->oh = (p->h - p->kh) / p->sh + 1;
    p->ow = (p->w - p->kw) / p->sw + 1;
    l->out = gan__shape3(p->channels, p->oh, p->ow);
    return GAN_OK;
}

static void gan__pool2d_describe(const gan_layer_t *l, char *buf, size_t size)
{
    const gan__pool *p = (const gan__pool *)l;
    snprintf(buf, size, "%dx%d/%d", (int)p->kernel, (int)p->kernel, (int)p->stride);
}

static const gan__layer_ops gan__avgpool2d_ops = {
    .kind = "avgpool2d",
    .configure = gan__pool2d_configure,
    .forward = gan__pool_avg_forward,
    .backward = gan__pool_avg_backward,
    .describe = gan__pool2d_describe,
    .memory = GAN__POOL_MEMORY,
};

static const gan__layer_ops gan__maxpool2d_ops = {
    .kind = "maxpool2d",
    .configure = gan__pool2d_configure,
    .saved_floats = gan__pool_max_saved,
    .forward = gan__pool_max_forward,
    .backward = gan__pool_max_backward,
    .describe = gan__pool2d_describe,
    .memory = GAN__POOL_MEMORY,
};

gan_status gan__pool_alloc(gan_layer_t **out, const gan__layer_ops *ops, int32_t kernel,
                           int32_t stride, const char *who)
{
    gan_status st = gan__check_out(out, who);
    if (st == GAN_OK)
        st = gan__layer_alloc(out, sizeof(gan__pool), ops, who);
    if (st == GAN_OK) {
        ((gan__pool *)*out)->kernel = kernel;
        ((gan__pool *)*out)->stride = stride;
    }
    return st;
}

static gan_status gan__pool2d_create(gan_layer_t **out, const gan__layer_ops *ops,
                                     int32_t kernel, int32_t stride, const char *who)
{
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    if (kernel < 1 || stride < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: kernel %d and stride %d must be >= 1",
                         who, (int)kernel, (int)stride);
    return gan__pool_alloc(out, ops, kernel, stride, who);
}

gan_status gan_layer_avgpool2d_create(gan_layer_t **out, int32_t kernel, int32_t stride)
{
    return gan__pool2d_create(out, &gan__avgpool2d_ops, kernel, stride,
                              "gan_layer_avgpool2d_create");
}

gan_status gan_layer_maxpool2d_create(gan_layer_t **out, int32_t kernel, int32_t stride)
{
    return gan__pool2d_create(out, &gan__maxpool2d_ops, kernel, stride,
                              "gan_layer_maxpool2d_create");
}
