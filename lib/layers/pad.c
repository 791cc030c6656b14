/* Padding of images by zeros, by reflection or by replication of the border. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

#include "core/clones.h"
#include "core/pool.h"
#include "layers/layer.h"

/* A pad larger than any image this library would hold; keeps H + top + bottom in range. */
#define GAN__PAD_MAX 65536

typedef struct gan__pad {
    gan_layer_t base;
    int32_t mode;                     /* GAN_PAD_* */
    int32_t top, bottom, left, right;
} gan__pad;

static const char *gan__pad_mode_name(int32_t mode)
{
    return mode == GAN_PAD_REFLECT ? "reflect" : mode == GAN_PAD_REPLICATE ? "replicate"
                                                                           : "zero";
}

static gan_status gan__pad_configure(gan_layer_t *l)
{
    const gan__pad *p = (const gan__pad *)l;
    if (l->in.ndim != 3)
        return gan__fail(GAN_E_SHAPE, "pad2d expects (C,H,W), got %s",
                         gan__shape_str(&l->in).s);
    const int32_t h = l->in.d[1], w = l->in.d[2];
    /* PyTorch's ReflectionPad2d: the edge is not repeated, so a pad must be < the size. */
    if (p->mode == GAN_PAD_REFLECT && (p->top >= h || p->bottom >= h))
        return gan__fail(GAN_E_SHAPE, "pad2d reflect: pads top %d and bottom %d must be "
                         "< the height %d of %s", (int)p->top, (int)p->bottom, (int)h,
                         gan__shape_str(&l->in).s);
    if (p->mode == GAN_PAD_REFLECT && (p->left >= w || p->right >= w))
        return gan__fail(GAN_E_SHAPE, "pad2d reflect: pads left %d and right %d must be "
                         "< the width %d of %s", (int)p->left, (int)p->right, (int)w,
                         gan__shape_str(&l->in).s);
    const int64_t oh = (int64_t)h + p->top + p->bottom, ow = (int64_t)w + p->left + p->right;
    if (oh > INT32_MAX || ow > INT32_MAX)
        return gan__fail(GAN_E_SHAPE, "pad2d: padding %s gives more than %d rows or "
                         "columns", gan__shape_str(&l->in).s, INT32_MAX);
    l->out = gan__shape3(l->in.d[0], (int32_t)oh, (int32_t)ow);
    return GAN_OK; /* the model checks the element count */
}

/* The source of output coordinate o (of an axis of @p n with @p lead added before it),
 * or -1 where a zero pad has none. */
static int32_t gan__pad_source(int32_t mode, int32_t o, int32_t lead, int32_t n)
{
    int32_t i = o - lead;
    if (i >= 0 && i < n)
        return i;
    if (mode == GAN_PAD_ZERO)
        return -1;
    if (mode == GAN_PAD_REPLICATE)
        return i < 0 ? 0 : n - 1;
    return i < 0 ? -i : 2 * (n - 1) - i; /* reflect; pads < n keep it in range */
}

typedef struct gan__pad_job {
    const gan__pad *p;
    int32_t h, w, oh, ow; /* input and output planes */
    const float *src;
    float *dst;
} gan__pad_job;

static gan__pad_job gan__pad_job_of(const gan__pad *p, const float *src, float *dst)
{
    const gan_layer_t *l = &p->base;
    return (gan__pad_job){.p = p, .h = l->in.d[1], .w = l->in.d[2], .oh = l->out.d[1],
                          .ow = l->out.d[2], .src = src, .dst = dst};
}

/* Planes [first, last) (sample and channel); each is independent of the others. */
static void gan__pad_forward_range(void *arg, size_t first, size_t last)
{
    const gan__pad_job *j = arg;
    const gan__pad *p = j->p;
    const int32_t h = j->h, w = j->w, oh = j->oh, ow = j->ow;
    for (size_t plane = first; plane < last; plane++) {
        const float *in = j->src + plane * (size_t)h * w;
        float *out = j->dst + plane * (size_t)oh * ow;
        for (int32_t r = 0; r < oh; r++) {
            float *row = out + (size_t)r * ow;
            const int32_t sr = gan__pad_source(p->mode, r, p->top, h);
            if (sr < 0) {
                memset(row, 0, (size_t)ow * sizeof *row);
                continue;
            }
            const float *from = in + (size_t)sr * w;
            for (int32_t c = 0; c < p->left; c++) {
                const int32_t sc = gan__pad_source(p->mode, c, p->left, w);
                row[c] = sc < 0 ? 0.0f : from[sc];
            }
            memcpy(row + p->left, from, (size_t)w * sizeof *row);
            for (int32_t c = p->left + w; c < ow; c++) {
                const int32_t sc = gan__pad_source(p->mode, c, p->left, w);
                row[c] = sc < 0 ? 0.0f : from[sc];
            }
        }
    }
}

/* to[i] += from[i]: a pad's interior columns, each to its own source pixel. */
GAN__CLONES static void gan__pad_add_row(float *restrict to, const float *restrict from,
                                         int32_t n)
{
    for (int32_t i = 0; i < n; i++)
        to[i] += from[i];
}

/* The adjoint: every output pixel's gradient added to its source pixel, in the order of
 * the output pixels (rows, then columns), as a scalar loop over them would: a source
 * pixel at the border can have several (up to left + 1 under replication). */
static void gan__pad_backward_range(void *arg, size_t first, size_t last)
{
    const gan__pad_job *j = arg;
    const gan__pad *p = j->p;
    const int32_t h = j->h, w = j->w, oh = j->oh, ow = j->ow;
    for (size_t plane = first; plane < last; plane++) {
        const float *dy = j->src + plane * (size_t)oh * ow;
        float *dx = j->dst + plane * (size_t)h * w;
        memset(dx, 0, (size_t)h * w * sizeof *dx);
        for (int32_t r = 0; r < oh; r++) {
            const int32_t sr = gan__pad_source(p->mode, r, p->top, h);
            if (sr < 0)
                continue;
            const float *row = dy + (size_t)r * ow;
            float *to = dx + (size_t)sr * w;
            for (int32_t c = 0; c < p->left; c++) {
                const int32_t sc = gan__pad_source(p->mode, c, p->left, w);
                if (sc >= 0)
                    to[sc] += row[c];
            }
            gan__pad_add_row(to, row + p->left, w);
            for (int32_t c = p->left + w; c < ow; c++) {
                const int32_t sc = gan__pad_source(p->mode, c, p->left, w);
                if (sc >= 0)
                    to[sc] += row[c];
            }
        }
    }
}

static size_t gan__pad_grain(const gan__pad *p)
{
    const size_t plane = gan__shape_size(&p->base.out) / (size_t)p->base.out.d[0];
    return plane >= 16384 ? 1 : 16384 / plane;
}

static gan_status gan__pad_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                   float *y)
{
    const gan__pad *p = (const gan__pad *)l;
    gan__pad_job job = gan__pad_job_of(p, x, y);
    gan__pool_for(gan__pad_forward_range, &job, (size_t)c->batch * l->in.d[0],
                  gan__pad_grain(p), c->parts);
    return GAN_OK;
}

static gan_status gan__pad_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                    const float *y, const float *dy, float *dx)
{
    (void)x;
    (void)y;
    if (!dx)
        return GAN_OK; /* no parameters */
    const gan__pad *p = (const gan__pad *)l;
    gan__pad_job job = gan__pad_job_of(p, dy, dx);
    gan__pool_for(gan__pad_backward_range, &job, (size_t)c->batch * l->in.d[0],
                  gan__pad_grain(p), c->parts);
    return GAN_OK;
}

static void gan__pad_describe(const gan_layer_t *l, char *buf, size_t size)
{
    const gan__pad *p = (const gan__pad *)l;
    snprintf(buf, size, "%s %d/%d/%d/%d", gan__pad_mode_name(p->mode), (int)p->top,
             (int)p->bottom, (int)p->left, (int)p->right);
}

static const gan__layer_ops gan__pad2d_ops = {
    .kind = "pad2d",
    .configure = gan__pad_configure,
    .forward = gan__pad_forward,
    .backward = gan__pad_backward,
    .describe = gan__pad_describe,
    /* backward reads dy only; x and y differ in size, so nothing runs in place */
    .memory = GAN__MEM_NO_X | GAN__MEM_NO_Y,
};

gan_status gan_layer_pad2d_create(gan_layer_t **out, int32_t mode, int32_t top,
                                  int32_t bottom, int32_t left, int32_t right)
{
    static const char who[] = "gan_layer_pad2d_create";
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    if (mode < GAN_PAD_ZERO || mode > GAN_PAD_REPLICATE)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: mode %d is not a GAN_PAD_* value", who,
                         (int)mode);
    const struct {
        const char *name;
        int32_t value;
    } pads[] = {{"top", top}, {"bottom", bottom}, {"left", left}, {"right", right}};
    for (size_t i = 0; i < sizeof pads / sizeof pads[0]; i++)
        if (pads[i].value < 0 || pads[i].value > GAN__PAD_MAX)
            return gan__fail(GAN_E_OUT_OF_RANGE, "%s: %s %d is outside [0, %d]", who,
                             pads[i].name, (int)pads[i].value, GAN__PAD_MAX);
    st = gan__layer_alloc(out, sizeof(gan__pad), &gan__pad2d_ops, who);
    if (st != GAN_OK)
        return st;
    gan__pad *p = (gan__pad *)*out;
    p->mode = mode;
    p->top = top;
    p->bottom = bottom;
    p->left = left;
    p->right = right;
    return GAN_OK;
}
