/* Inverted dropout (Srivastava et al. 2014): masks drawn from the layer's seeded stream. */
#include <math.h>
#include <stdio.h>

#include "core/error.h"
#include "core/pool.h"
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

typedef struct gan__dropout_job {
    const float *x, *dy;
    float *y, *dx, *mask;
    uint64_t key;
    uint32_t threshold;
    float keep_scale;
} gan__dropout_job;

/* Counter-based draws: element pair k/2 gets splitmix64's finaliser of key + k/2 times
 * the golden ratio, so masks need no sequential generator and any split of the batch
 * draws the same ones. Its two 24-bit halves decide elements k and k+1: dropped when
 * u < rate * 2^24. */
static inline uint64_t gan__dropout_bits(uint64_t key, size_t pair)
{
    uint64_t z = key + (uint64_t)pair * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline void gan__dropout_one(const gan__dropout_job *j, size_t i, uint32_t u)
{
    j->mask[i] = j->keep_scale * (float)(u >= j->threshold);
    j->y[i] = j->x[i] * j->mask[i];
}

static void gan__dropout_mask_range(void *arg, size_t begin, size_t end)
{
    const gan__dropout_job *j = arg;
    size_t i = begin;
    if (i < end && (i & 1)) { /* a range may start at the odd half of a pair */
        gan__dropout_one(j, i, (uint32_t)(gan__dropout_bits(j->key, i >> 1) >> 8) & 0xFFFFFFu);
        i++;
    }
    for (; i + 1 < end; i += 2) {
        const uint64_t z = gan__dropout_bits(j->key, i >> 1);
        gan__dropout_one(j, i, (uint32_t)(z >> 40));
        gan__dropout_one(j, i + 1, (uint32_t)(z >> 8) & 0xFFFFFFu);
    }
    if (i < end)
        gan__dropout_one(j, i, (uint32_t)(gan__dropout_bits(j->key, i >> 1) >> 40));
}

static void gan__dropout_pass_range(void *arg, size_t begin, size_t end)
{
    const gan__dropout_job *j = arg;
    for (size_t i = begin; i < end; i++) {
        j->mask[i] = 1.0f;
        j->y[i] = j->x[i];
    }
}

static void gan__dropout_backward_range(void *arg, size_t begin, size_t end)
{
    const gan__dropout_job *j = arg;
    for (size_t i = begin; i < end; i++)
        j->dx[i] = j->dy[i] * j->mask[i];
}

#define GAN__DROPOUT_GRAIN 16384

static gan_status gan__dropout_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                       float *y)
{
    const float rate = ((gan__dropout *)l)->rate;
    size_t n = (size_t)c->batch * gan__shape_size(&l->in);
    gan__dropout_job job = {.x = x, .y = y, .mask = l->saved};
    if (!c->training || rate == 0.0f) {
        gan__pool_for(gan__dropout_pass_range, &job, n, GAN__DROPOUT_GRAIN, c->parts);
        return GAN_OK;
    }
    job.key = gan__rng_next(&l->rng); /* one draw per pass keeps the stream's role */
    job.threshold = (uint32_t)ceil((double)rate * 16777216.0);
    job.keep_scale = 1.0f / (1.0f - rate);
    gan__pool_for(gan__dropout_mask_range, &job, n, GAN__DROPOUT_GRAIN, c->parts);
    return GAN_OK;
}

static gan_status gan__dropout_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                        const float *y, const float *dy, float *dx)
{
    (void)x;
    (void)y;
    gan__dropout_job job = {.dy = dy, .dx = dx, .mask = l->saved};
    gan__pool_for(gan__dropout_backward_range, &job, (size_t)c->batch * gan__shape_size(&l->in),
                  GAN__DROPOUT_GRAIN, c->parts);
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
