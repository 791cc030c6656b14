/* Inverted dropout (Srivastava et al. 2014): masks drawn from the layer's seeded stream. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/clones.h"
#include "core/error.h"
#include "core/pool.h"
#include "layers/layer.h"

typedef struct gan__dropout {
    gan_layer_t base;
    float rate;
    /* The last training forward's draw: backward recomputes its mask from it instead of
     * keeping one float per element. */
    bool dropped;
    uint64_t key;
} gan__dropout;

static gan_status gan__dropout_configure(gan_layer_t *l)
{
    l->out = l->in;
    return GAN_OK;
}

typedef struct gan__dropout_job {
    const float *src; /* x forward, dy backward */
    float *dst;       /* y forward, dx backward; may be src */
    uint64_t key;
    uint32_t threshold;
    float keep_scale;
} gan__dropout_job;

/* Counter-based draws: element pair k/2 gets splitmix64's finaliser of key + k/2 times
 * the golden ratio, so masks need no sequential generator, any split of the batch
 * draws the same ones, and backward draws them again. Its two 24-bit halves decide
 * elements k and k+1: dropped when u < rate * 2^24. */
static inline uint64_t gan__dropout_bits(uint64_t key, size_t pair)
{
    uint64_t z = key + (uint64_t)pair * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* dst = src * mask, the same mask forward (x to y) and backward (dy to dx). */
static inline float gan__dropout_factor(uint32_t u, uint32_t threshold, float keep_scale)
{
    return keep_scale * (float)(u >= threshold);
}

GAN__CLONES static void gan__dropout_mask_range(void *arg, size_t begin, size_t end)
{
    const gan__dropout_job *j = arg;
    /* Locals: a float store through dst could otherwise alias the job's fields. */
    const float *src = j->src;
    float *dst = j->dst;
    const uint64_t key = j->key;
    const uint32_t threshold = j->threshold;
    const float scale = j->keep_scale;
    size_t i = begin;
    if (i < end && (i & 1)) { /* a range may start at the odd half of a pair */
        const uint32_t u = (uint32_t)(gan__dropout_bits(key, i >> 1) >> 8) & 0xFFFFFFu;
        dst[i] = src[i] * gan__dropout_factor(u, threshold, scale);
        i++;
    }
    for (; i + 1 < end; i += 2) {
        const uint64_t z = gan__dropout_bits(key, i >> 1);
        const float a = src[i], b = src[i + 1];
        dst[i] = a * gan__dropout_factor((uint32_t)(z >> 40), threshold, scale);
        dst[i + 1] = b * gan__dropout_factor((uint32_t)(z >> 8) & 0xFFFFFFu, threshold, scale);
    }
    if (i < end) {
        const uint32_t u = (uint32_t)(gan__dropout_bits(key, i >> 1) >> 40);
        dst[i] = src[i] * gan__dropout_factor(u, threshold, scale);
    }
}

static void gan__dropout_copy_range(void *arg, size_t begin, size_t end)
{
    const gan__dropout_job *j = arg;
    if (j->dst != j->src)
        memcpy(j->dst + begin, j->src + begin, (end - begin) * sizeof *j->dst);
}

#define GAN__DROPOUT_GRAIN 16384

static void gan__dropout_apply(const gan__dropout *d, const gan__ctx *c, const float *src,
                               float *dst)
{
    const size_t n = (size_t)c->batch * gan__shape_size(&d->base.in);
    gan__dropout_job job = {.src = src, .dst = dst, .key = d->key};
    if (!d->dropped) {
        gan__pool_for(gan__dropout_copy_range, &job, n, GAN__DROPOUT_GRAIN, c->parts);
        return;
    }
    job.threshold = (uint32_t)ceil((double)d->rate * 16777216.0);
    job.keep_scale = 1.0f / (1.0f - d->rate);
    gan__pool_for(gan__dropout_mask_range, &job, n, GAN__DROPOUT_GRAIN, c->parts);
}

static gan_status gan__dropout_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                       float *y)
{
    gan__dropout *d = (gan__dropout *)l;
    d->dropped = c->training && d->rate > 0.0f;
    if (d->dropped)
        d->key = gan__rng_next(&l->rng); /* one draw per pass keeps the stream's role */
    gan__dropout_apply(d, c, x, y);
    return GAN_OK;
}

static gan_status gan__dropout_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                        const float *y, const float *dy, float *dx)
{
    (void)x;
    (void)y;
    gan__dropout_apply((const gan__dropout *)l, c, dy, dx);
    return GAN_OK;
}

static void gan__dropout_describe(const gan_layer_t *l, char *buf, size_t size)
{
    snprintf(buf, size, "rate=%g", (double)((const gan__dropout *)l)->rate);
}

static const gan__layer_ops gan__dropout_ops = {
    .kind = "dropout",
    .configure = gan__dropout_configure,
    .forward = gan__dropout_forward,
    .backward = gan__dropout_backward,
    .describe = gan__dropout_describe,
    .memory = GAN__MEM_NO_X | GAN__MEM_NO_Y | GAN__MEM_FWD_IN_PLACE | GAN__MEM_BWD_IN_PLACE |
              GAN__MEM_KEEPS_SIGN,
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
