/* Batch normalisation (Ioffe & Szegedy 2015), per feature or per channel.
 *
 * A (F) input is treated as (F channels, 1 pixel), a (C,H,W) input as C channels of H*W
 * pixels, so one code path serves both. Running statistics follow PyTorch:
 * running = (1 - momentum) running + momentum batch, with the unbiased batch variance. */
#include <math.h>
#include <stdio.h>

#include "core/error.h"

#include "core/clones.h"
#include "core/pool.h"
#include "layers/layer.h"

typedef struct gan__batchnorm {
    gan_layer_t base;
    float momentum, epsilon;
    int32_t channels;
    size_t pixels; /* per channel per sample */
    double count;  /* values per channel of the last training forward's statistics: the
                    * global batch's with a reduction hook (sync-BN) */
} gan__batchnorm;

/* l->saved: xhat (N*C*pixels), then mean (C), then inv_std (C). */
static size_t gan__bn_saved(const gan_layer_t *l, int32_t batch)
{
    const gan__batchnorm *b = (const gan__batchnorm *)l;
    return (size_t)batch * b->channels * b->pixels + 2 * (size_t)b->channels;
}

/* l->state: running mean (C), then running variance (C). */
static size_t gan__bn_state(const gan_layer_t *l)
{
    return 2 * (size_t)((const gan__batchnorm *)l)->channels;
}

static void gan__bn_reset(gan_layer_t *l)
{
    int32_t c = ((gan__batchnorm *)l)->channels;
    for (int32_t i = 0; i < c; i++) {
        l->state[i] = 0.0f;
        l->state[c + i] = 1.0f;
    }
}

static gan_status gan__bn_configure(gan_layer_t *l)
{
    gan__batchnorm *b = (gan__batchnorm *)l;
    if (l->in.ndim != 1 && l->in.ndim != 3)
        return gan__fail(GAN_E_SHAPE, "batchnorm expects (F) or (C,H,W), got %s",
                         gan__shape_str(&l->in).s);
    b->channels = l->in.d[0];
    b->pixels = l->in.ndim == 3 ? (size_t)l->in.d[1] * (size_t)l->in.d[2] : 1;
    l->out = l->in;
    for (int g = 0; g < GAN__PARAM_GROUPS; g++) {
        l->param[g].count = (size_t)b->channels;
        l->param[g].fan_in = l->param[g].fan_out = b->channels;
    }
    return GAN_OK;
}

/* Scratch: two per-channel double accumulators (one, and the count, in sync-BN's
 * forward: C + 1 <= 2C doubles). */
static size_t gan__bn_workspace(const gan_layer_t *l, int32_t batch)
{
    (void)batch;
    return 4 * (size_t)((const gan__batchnorm *)l)->channels;
}

/* Channels are independent: a pass works on a range of them for the whole batch, the
 * ranges in parallel (same results for any split). Within a range it walks the tensor in
 * memory order, sample by sample, so that a (F) input of many features is read in
 * contiguous runs; per-channel sums go to double accumulators. */
typedef struct gan__bn_job {
    gan__batchnorm *b;
    const gan__ctx *c;
    const float *x, *dy;
    float *y, *dx;
    int32_t phase; /* sync-BN's passes in steps (GAN__BN_*); GAN__BN_ALL without it */
} gan__bn_job;

/* What a range job does. Without a reduction hook one job does everything; with one
 * (sync-BN) the sums are made, reduced across processes, then used, in separate jobs. */
enum {
    GAN__BN_ALL,     /* forward or backward, whole */
    GAN__BN_SUMS,    /* forward: sums of x; backward: sums of dy and dy * xhat */
    GAN__BN_SQUARES, /* forward: sums of squared deviations from the (global) mean */
    GAN__BN_APPLY    /* forward: normalise; backward: dx */
};

/* acc[ch] = sum over the batch of x (or of (x - center[ch])^2 when center is set), for
 * ch in [c0, c1). */
static void gan__bn_channel_sums(double *restrict acc, const float *restrict x,
                                 const float *restrict center, int32_t n, int32_t nc,
                                 size_t px, int32_t c0, int32_t c1)
{
    for (int32_t ch = c0; ch < c1; ch++)
        acc[ch] = 0.0;
    for (int32_t i = 0; i < n; i++) {
        const float *sample = x + (size_t)i * nc * px;
        if (px == 1) {
            if (center)
                for (int32_t ch = c0; ch < c1; ch++) {
                    const double d = (double)sample[ch] - center[ch];
                    acc[ch] += d * d;
                }
            else
                for (int32_t ch = c0; ch < c1; ch++)
                    acc[ch] += sample[ch];
            continue;
        }
        for (int32_t ch = c0; ch < c1; ch++) {
            const float *row = sample + (size_t)ch * px;
            float sum = 0.0f; /* a row is short: float is exact enough before the add */
            if (center) {
                const float m = center[ch];
                for (size_t k = 0; k < px; k++)
                    sum += (row[k] - m) * (row[k] - m);
            } else {
                for (size_t k = 0; k < px; k++)
                    sum += row[k];
            }
            acc[ch] += sum;
        }
    }
}

GAN__CLONES static void gan__bn_forward_range(void *arg, size_t first, size_t last)
{
    const gan__bn_job *j = arg;
    gan__batchnorm *b = j->b;
    gan_layer_t *l = &b->base;
    const int32_t nc = b->channels, n = j->c->batch, c0 = (int32_t)first, c1 = (int32_t)last;
    const size_t px = b->pixels, count = (size_t)n * px;
    const float *gamma = l->param[GAN_PARAM_WEIGHT].value;
    const float *beta = l->param[GAN_PARAM_BIAS].value;
    float *xhat = l->saved;
    float *mean = xhat + (size_t)n * nc * px;
    float *inv_std = mean + nc;
    float *run_mean = l->state, *run_var = l->state + nc;
    double *acc = (double *)j->c->workspace;

    if (j->phase == GAN__BN_SUMS) {
        gan__bn_channel_sums(acc, j->x, NULL, n, nc, px, c0, c1);
        return;
    }
    if (j->phase == GAN__BN_SQUARES) {
        gan__bn_channel_sums(acc, j->x, mean, n, nc, px, c0, c1);
        return;
    }
    if (j->phase == GAN__BN_APPLY) {
        /* the statistics are in mean and inv_std already */
    } else if (j->c->training) {
        gan__bn_channel_sums(acc, j->x, NULL, n, nc, px, c0, c1);
        for (int32_t ch = c0; ch < c1; ch++)
            mean[ch] = (float)(acc[ch] / (double)count);
        gan__bn_channel_sums(acc, j->x, mean, n, nc, px, c0, c1);
        for (int32_t ch = c0; ch < c1; ch++) {
            const double var = acc[ch] / (double)count;
            const double unbiased = count > 1 ? acc[ch] / (double)(count - 1) : var;
            run_mean[ch] = (float)((1.0 - b->momentum) * run_mean[ch] +
                                   b->momentum * (double)mean[ch]);
            run_var[ch] = (float)((1.0 - b->momentum) * run_var[ch] + b->momentum * unbiased);
            inv_std[ch] = (float)(1.0 / sqrt(var + b->epsilon));
        }
    } else {
        for (int32_t ch = c0; ch < c1; ch++) {
            mean[ch] = run_mean[ch];
            inv_std[ch] = (float)(1.0 / sqrt((double)run_var[ch] + b->epsilon));
        }
    }
    for (int32_t i = 0; i < n; i++)
        for (int32_t ch = c0; ch < c1; ch++) {
            const size_t at = ((size_t)i * nc + ch) * px;
            const float m = mean[ch], s = inv_std[ch], g = gamma[ch], bt = beta[ch];
            float *restrict h = xhat + at;
            float *out = j->y + at; /* may be in */
            const float *in = j->x + at;
            for (size_t k = 0; k < px; k++) {
                h[k] = (in[k] - m) * s;
                out[k] = g * h[k] + bt;
            }
        }
}

/* Channels per range so that a range has some 16k elements. */
static size_t gan__bn_grain(const gan__batchnorm *b, int32_t batch)
{
    size_t per_channel = (size_t)batch * b->pixels;
    return per_channel >= 16384 ? 1 : 16384 / per_channel;
}

/* The reduction hook on @p count sums of the layer's. */
static gan_status gan__bn_reduce(const gan__batchnorm *b, const gan__ctx *c, double *sums,
                                 size_t count)
{
    gan_status st = c->reduce(c->reduce_user, b->base.index, sums, count);
    if (st != GAN_OK)
        gan__error_prefix("batchnorm: the reduction hook returned %s",
                          gan_status_string(st));
    return st;
}

/* Sync-BN's forward: local sums, reduced; the mean; local squared deviations from it,
 * reduced; the variance, running statistics and inv_std; then the normalisation. */
static gan_status gan__bn_forward_synced(gan__batchnorm *b, const gan__ctx *c,
                                         gan__bn_job *job)
{
    gan_layer_t *l = &b->base;
    const int32_t nc = b->channels, n = c->batch;
    const size_t grain = gan__bn_grain(b, n);
    float *mean = l->saved + (size_t)n * nc * b->pixels, *inv_std = mean + nc;
    float *run_mean = l->state, *run_var = l->state + nc;
    double *acc = (double *)c->workspace;
    job->phase = GAN__BN_SUMS;
    gan__pool_for(gan__bn_forward_range, job, (size_t)nc, grain, c->parts);
    acc[nc] = (double)n * (double)b->pixels;
    gan_status st = gan__bn_reduce(b, c, acc, (size_t)nc + 1);
    if (st != GAN_OK)
        return st;
    const double count = acc[nc];
    if (!(count >= 1.0))
        return gan__fail(GAN_E_NUMERIC, "batchnorm: the reduction hook gave a count of %g "
                         "values per channel", count);
    b->count = count;
    for (int32_t ch = 0; ch < nc; ch++)
        mean[ch] = (float)(acc[ch] / count);
    job->phase = GAN__BN_SQUARES;
    gan__pool_for(gan__bn_forward_range, job, (size_t)nc, grain, c->parts);
    if ((st = gan__bn_reduce(b, c, acc, (size_t)nc)) != GAN_OK)
        return st;
    for (int32_t ch = 0; ch < nc; ch++) {
        const double var = acc[ch] / count;
        const double unbiased = count > 1 ? acc[ch] / (count - 1) : var;
        run_mean[ch] = (float)((1.0 - b->momentum) * run_mean[ch] +
                               b->momentum * (double)mean[ch]);
        run_var[ch] = (float)((1.0 - b->momentum) * run_var[ch] + b->momentum * unbiased);
        inv_std[ch] = (float)(1.0 / sqrt(var + b->epsilon));
    }
    job->phase = GAN__BN_APPLY;
    gan__pool_for(gan__bn_forward_range, job, (size_t)nc, grain, c->parts);
    return GAN_OK;
}

static gan_status gan__bn_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                  float *y)
{
    gan__batchnorm *b = (gan__batchnorm *)l;
    gan__bn_job job = {.b = b, .c = c, .x = x, .y = y, .phase = GAN__BN_ALL};
    if (c->training && c->reduce)
        return gan__bn_forward_synced(b, c, &job);
    b->count = (double)c->batch * (double)b->pixels;
    gan__pool_for(gan__bn_forward_range, &job, (size_t)b->channels, gan__bn_grain(b, c->batch),
                  c->parts);
    return GAN_OK;
}

GAN__CLONES static void gan__bn_backward_range(void *arg, size_t first, size_t last)
{
    const gan__bn_job *j = arg;
    gan__batchnorm *b = j->b;
    gan_layer_t *l = &b->base;
    const gan__ctx *c = j->c;
    const int32_t nc = b->channels, n = c->batch, c0 = (int32_t)first, c1 = (int32_t)last;
    const size_t px = b->pixels, count = (size_t)n * px;
    const float *gamma = l->param[GAN_PARAM_WEIGHT].value;
    const float *xhat = l->saved;
    const float *inv_std = xhat + (size_t)n * nc * px + nc;
    double *sum_dy = (double *)c->workspace, *sum_dy_xhat = sum_dy + nc;

    if (j->phase != GAN__BN_APPLY) { /* under sync-BN's APPLY, the sums are there, reduced */
        for (int32_t ch = c0; ch < c1; ch++)
            sum_dy[ch] = sum_dy_xhat[ch] = 0.0;
        for (int32_t i = 0; i < n; i++)
            for (int32_t ch = c0; ch < c1; ch++) {
                const size_t at = ((size_t)i * nc + ch) * px;
                const float *restrict g = j->dy + at, *restrict h = xhat + at;
                double s0 = 0.0, s1 = 0.0;
                for (size_t k = 0; k < px; k++) {
                    s0 += g[k];
                    s1 += (double)g[k] * h[k];
                }
                sum_dy[ch] += s0;
                sum_dy_xhat[ch] += s1;
            }
        if (c->param_grads)
            for (int32_t ch = c0; ch < c1; ch++) {
                l->param[GAN_PARAM_WEIGHT].grad[ch] += (float)sum_dy_xhat[ch];
                l->param[GAN_PARAM_BIAS].grad[ch] += (float)sum_dy[ch];
            }
    }
    if (!j->dx || j->phase == GAN__BN_SUMS)
        return;
    /* In inference mode the statistics are constants: y is affine in x. The count is the
     * global batch's under sync-BN. */
    const double mean_scale = !c->training ? 0.0
                              : j->phase == GAN__BN_APPLY ? 1.0 / b->count
                                                          : 1.0 / (double)count;
    for (int32_t i = 0; i < n; i++)
        for (int32_t ch = c0; ch < c1; ch++) {
            const size_t at = ((size_t)i * nc + ch) * px;
            const float scale = gamma[ch] * inv_std[ch];
            const float mean_dy = (float)(sum_dy[ch] * mean_scale);
            const float mean_dy_xhat = (float)(sum_dy_xhat[ch] * mean_scale);
            const float *g = j->dy + at, *restrict h = xhat + at;
            float *out = j->dx + at; /* may be g */
            for (size_t k = 0; k < px; k++)
                out[k] = scale * (g[k] - mean_dy - h[k] * mean_dy_xhat);
        }
}

static gan_status gan__bn_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                   const float *y, const float *dy, float *dx)
{
    (void)x;
    (void)y;
    gan__batchnorm *b = (gan__batchnorm *)l;
    gan__bn_job job = {.b = b, .c = c, .dy = dy, .dx = dx, .phase = GAN__BN_ALL};
    const size_t grain = gan__bn_grain(b, c->batch);
    if (!(c->training && c->reduce && dx)) {
        gan__pool_for(gan__bn_backward_range, &job, (size_t)b->channels, grain, c->parts);
        return GAN_OK;
    }
    /* Sync-BN: the local sums (and from them this process's parameter gradients), the
     * global sums, then dx. */
    job.phase = GAN__BN_SUMS;
    gan__pool_for(gan__bn_backward_range, &job, (size_t)b->channels, grain, c->parts);
    gan_status st = gan__bn_reduce(b, c, (double *)c->workspace, 2 * (size_t)b->channels);
    if (st != GAN_OK)
        return st;
    job.phase = GAN__BN_APPLY;
    gan__pool_for(gan__bn_backward_range, &job, (size_t)b->channels, grain, c->parts);
    return GAN_OK;
}

static void gan__bn_describe(const gan_layer_t *l, char *buf, size_t size)
{
    const gan__batchnorm *b = (const gan__batchnorm *)l;
    snprintf(buf, size, "m=%g eps=%g", (double)b->momentum, (double)b->epsilon);
}

static const gan__layer_ops gan__batchnorm_ops = {
    .kind = "batchnorm",
    .configure = gan__bn_configure,
    .saved_floats = gan__bn_saved,
    .state_floats = gan__bn_state,
    .workspace_floats = gan__bn_workspace,
    .reset_state = gan__bn_reset,
    .forward = gan__bn_forward,
    .backward = gan__bn_backward,
    .describe = gan__bn_describe,
    /* backward works from the saved xhat; each channel range finishes its sums before
     * it writes */
    .memory = GAN__MEM_NO_X | GAN__MEM_NO_Y | GAN__MEM_FWD_IN_PLACE | GAN__MEM_BWD_IN_PLACE,
};

gan_status gan_layer_batchnorm_create(gan_layer_t **out, float momentum, float epsilon)
{
    static const char who[] = "gan_layer_batchnorm_create";
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    if (!(momentum > 0.0f && momentum <= 1.0f))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: momentum %g is outside (0, 1]", who,
                         (double)momentum);
    if (!(epsilon > 0.0f && isfinite(epsilon)))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: epsilon %g must be finite and > 0", who,
                         (double)epsilon);
    st = gan__layer_alloc(out, sizeof(gan__batchnorm), &gan__batchnorm_ops, who);
    if (st != GAN_OK)
        return st;
    gan__batchnorm *b = (gan__batchnorm *)*out;
    b->momentum = momentum;
    b->epsilon = epsilon;
    b->base.param[GAN_PARAM_WEIGHT].present = true;
    b->base.param[GAN_PARAM_WEIGHT].init_kind = GAN_INIT_ONES;
    b->base.param[GAN_PARAM_BIAS].present = true;
    return GAN_OK;
}
