/* Per-sample normalisation by groups of channels: InstanceNorm and GroupNorm.
 *
 * GroupNorm (Wu & He 2018) normalises each sample's channels in G groups of C/G channels
 * with the mean and biased variance of the group's (C/G) * pixels values; InstanceNorm
 * (Ulyanov et al. 2016) is the case G = C, LayerNorm over (C,H,W) the case G = 1. A
 * group is contiguous in NCHW memory, and the statistics are the sample's own, so there
 * are no running statistics and training and inference modes compute the same thing
 * (PyTorch's nn.InstanceNorm2d with track_running_stats=False, nn.GroupNorm). */
#include <math.h>
#include <stdio.h>

#include "core/error.h"

#include "core/clones.h"
#include "core/options.h"
#include "core/pool.h"
#include "layers/layer.h"

typedef struct gan__groupnorm {
    gan_layer_t base;
    float epsilon;
    bool affine;      /* per-channel gamma (GAN_PARAM_WEIGHT) and beta (GAN_PARAM_BIAS) */
    bool instance;    /* InstanceNorm: one group per channel, whatever C is */
    int32_t groups;   /* G; set by configure for InstanceNorm */
    int32_t channels; /* C */
    size_t pixels;    /* per channel per sample */
} gan__groupnorm;

/* Values in one group of one sample. */
static size_t gan__gn_group_size(const gan__groupnorm *g)
{
    return (size_t)(g->channels / g->groups) * g->pixels;
}

/* l->saved: xhat (N*C*pixels), then inv_std (N*G), group by group. */
static size_t gan__gn_saved(const gan_layer_t *l, int32_t batch)
{
    const gan__groupnorm *g = (const gan__groupnorm *)l;
    return (size_t)batch * ((size_t)g->channels * g->pixels + (size_t)g->groups);
}

static gan_status gan__gn_configure(gan_layer_t *l)
{
    gan__groupnorm *g = (gan__groupnorm *)l;
    const char *kind = l->ops->kind;
    const int32_t min_rank = g->instance ? 2 : 1;
    if (l->in.ndim < min_rank)
        return gan__fail(GAN_E_SHAPE, "%s expects %s, got %s", kind,
                         g->instance ? "(C,H,W) or (C,L)" : "(F), (C,L) or (C,H,W)",
                         gan__shape_str(&l->in).s);
    g->channels = l->in.d[0];
    g->pixels = gan__shape_size(&l->in) / (size_t)g->channels;
    if (g->instance)
        g->groups = g->channels;
    if (g->channels % g->groups != 0)
        return gan__fail(GAN_E_SHAPE, "%s: %d groups do not divide the %d channels of %s",
                         kind, (int)g->groups, (int)g->channels, gan__shape_str(&l->in).s);
    if (gan__gn_group_size(g) < 2)
        return gan__fail(GAN_E_SHAPE, "%s of %s would normalise groups of one value "
                         "(always 0); it needs more than 1 value per group", kind,
                         gan__shape_str(&l->in).s);
    l->out = l->in;
    for (int p = 0; p < GAN__PARAM_GROUPS; p++) {
        l->param[p].count = (size_t)g->channels;
        l->param[p].fan_in = l->param[p].fan_out = g->channels;
    }
    return GAN_OK;
}

/* What a pass over a batch works with; the tensors are set by the caller. */
typedef struct gan__gn_job {
    const gan__groupnorm *g;
    int32_t batch;
    size_t size, px;      /* values per sample-group, pixels per channel */
    int32_t per_group;    /* channels per group */
    const float *gamma, *beta;
    float *xhat, *inv_std; /* l->saved: (N*C*pixels), then (N*G) */
    const float *x, *dy;
    float *y, *dx;
} gan__gn_job;

static gan__gn_job gan__gn_job_of(const gan__groupnorm *g, int32_t batch)
{
    const gan_layer_t *l = &g->base;
    return (gan__gn_job){
        .g = g,
        .batch = batch,
        .size = gan__gn_group_size(g),
        .px = g->pixels,
        .per_group = g->channels / g->groups,
        .gamma = l->param[GAN_PARAM_WEIGHT].value,
        .beta = l->param[GAN_PARAM_BIAS].value,
        .xhat = l->saved,
        .inv_std = l->saved + (size_t)batch * g->channels * g->pixels,
    };
}

/* Groups whose sums run side by side: each group's sum is the same chain of double
 * additions in the same order as alone, but the chains of several groups overlap in
 * the CPU instead of each waiting on its previous addition. */
#define GAN__GN_CHAINS 8

/* sum[i] = the values of group i of n (n <= GAN__GN_CHAINS) groups of `size` values
 * from x, each in order; with @p mean, the sums of squared deviations from mean[i]. */
GAN__CLONES static void gan__gn_sums(const float *x, size_t size, int n, const double *mean,
                                     double *sum)
{
    double s[GAN__GN_CHAINS] = {0.0};
    if (n == GAN__GN_CHAINS && !mean) {
        for (size_t k = 0; k < size; k++)
            for (int i = 0; i < GAN__GN_CHAINS; i++)
                s[i] += x[(size_t)i * size + k];
    } else if (n == GAN__GN_CHAINS) {
        for (size_t k = 0; k < size; k++)
            for (int i = 0; i < GAN__GN_CHAINS; i++) {
                const double d = (double)x[(size_t)i * size + k] - mean[i];
                s[i] += d * d;
            }
    } else {
        for (int i = 0; i < n; i++)
            for (size_t k = 0; k < size; k++) {
                const double d = (double)x[(size_t)i * size + k] - (mean ? mean[i] : 0.0);
                s[i] += mean ? d * d : d;
            }
    }
    for (int i = 0; i < n; i++)
        sum[i] = s[i];
}

/* Sample-groups [first, last) of the batch, each on its own: the same results for any
 * split. Mean and variance in double, two passes (the group is read twice). */
GAN__CLONES static void gan__gn_forward_range(void *arg, size_t first, size_t last)
{
    const gan__gn_job *j = arg;
    const gan__groupnorm *g = j->g;
    const size_t size = j->size, px = j->px;
    const int32_t per_group = j->per_group;
    const float *gamma = j->gamma, *beta = j->beta;
    float *xhat_all = j->xhat, *inv_std = j->inv_std;

    for (size_t g0 = first; g0 < last; g0 += GAN__GN_CHAINS) {
        const int n = last - g0 < GAN__GN_CHAINS ? (int)(last - g0) : GAN__GN_CHAINS;
        double mean[GAN__GN_CHAINS], sq[GAN__GN_CHAINS];
        gan__gn_sums(j->x + g0 * size, size, n, NULL, mean);
        for (int i = 0; i < n; i++)
            mean[i] /= (double)size;
        gan__gn_sums(j->x + g0 * size, size, n, mean, sq);
        for (int i = 0; i < n; i++) {
            const size_t grp = g0 + (size_t)i;
            const float *in = j->x + grp * size;
            float *out = j->y + grp * size; /* may be in */
            float *restrict xhat = xhat_all + grp * size;
            const float m = (float)mean[i];
            const float s = (float)(1.0 / sqrt(sq[i] / (double)size + g->epsilon));
            inv_std[grp] = s;
            for (size_t k = 0; k < size; k++)
                xhat[k] = (in[k] - m) * s;
            if (!g->affine) {
                for (size_t k = 0; k < size; k++)
                    out[k] = xhat[k];
                continue;
            }
            const int32_t c0 = (int32_t)(grp % (size_t)g->groups) * per_group;
            for (int32_t ch = 0; ch < per_group; ch++) {
                const float ga = gamma[c0 + ch], be = beta[c0 + ch];
                const float *restrict h = xhat + (size_t)ch * px;
                float *o = out + (size_t)ch * px;
                for (size_t k = 0; k < px; k++)
                    o[k] = ga * h[k] + be;
            }
        }
    }
}

/* Sample-groups per range so that a range has some 4k values (a few microseconds of
 * work: CycleGAN's 64 x 7 x 7 planes at batch 8 then split over two threads). */
static size_t gan__gn_grain(size_t per_item)
{
    return per_item >= 4096 ? 1 : 4096 / per_item;
}

static gan_status gan__gn_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                  float *y)
{
    const gan__groupnorm *g = (const gan__groupnorm *)l;
    gan__gn_job job = gan__gn_job_of(g, c->batch);
    job.x = x;
    job.y = y;
    gan__pool_for(gan__gn_forward_range, &job, (size_t)c->batch * g->groups,
                  gan__gn_grain(job.size), c->parts);
    return GAN_OK;
}

/* dgamma[ch] += sum of dy * xhat, dbeta[ch] += sum of dy over the batch and the pixels,
 * for channels [first, last), samples in order (the same sums for any split). */
GAN__CLONES static void gan__gn_param_range(void *arg, size_t first, size_t last)
{
    const gan__gn_job *j = arg;
    const gan_layer_t *l = &j->g->base;
    const size_t px = j->px, nc = (size_t)j->g->channels;
    const float *xhat = j->xhat;
    for (size_t c0 = first; c0 < last; c0 += GAN__GN_CHAINS) {
        const int n = last - c0 < GAN__GN_CHAINS ? (int)(last - c0) : GAN__GN_CHAINS;
        double s_dy[GAN__GN_CHAINS] = {0.0}, s_dy_xhat[GAN__GN_CHAINS] = {0.0};
        for (int32_t i = 0; i < j->batch; i++) {
            const size_t at = ((size_t)i * nc + c0) * px;
            const float *restrict d = j->dy + at, *restrict h = xhat + at;
            if (n == GAN__GN_CHAINS) {
                for (size_t k = 0; k < px; k++)
                    for (int c = 0; c < GAN__GN_CHAINS; c++) {
                        s_dy[c] += d[(size_t)c * px + k];
                        s_dy_xhat[c] += (double)d[(size_t)c * px + k] * h[(size_t)c * px + k];
                    }
            } else {
                for (int c = 0; c < n; c++)
                    for (size_t k = 0; k < px; k++) {
                        s_dy[c] += d[(size_t)c * px + k];
                        s_dy_xhat[c] += (double)d[(size_t)c * px + k] * h[(size_t)c * px + k];
                    }
            }
        }
        for (int c = 0; c < n; c++) {
            l->param[GAN_PARAM_WEIGHT].grad[c0 + (size_t)c] += (float)s_dy_xhat[c];
            l->param[GAN_PARAM_BIAS].grad[c0 + (size_t)c] += (float)s_dy[c];
        }
    }
}

/* The normalisation's backward per sample-group, with g = gamma * dy the gradient of
 * xhat: dx = inv_std * (g - mean(g) - xhat * mean(g * xhat)). A group's dy is read
 * whole before its dx is written, so dx may be dy. The sums of a run of groups go side
 * by side as in the forward pass. */
GAN__CLONES static void gan__gn_input_range(void *arg, size_t first, size_t last)
{
    const gan__gn_job *j = arg;
    const gan__groupnorm *g = j->g;
    const size_t size = j->size, px = j->px;
    const int32_t per_group = j->per_group;
    const float *gamma = j->gamma, *xhat_all = j->xhat, *inv_std = j->inv_std;

    for (size_t g0 = first; g0 < last; g0 += GAN__GN_CHAINS) {
        const int n = last - g0 < GAN__GN_CHAINS ? (int)(last - g0) : GAN__GN_CHAINS;
        const float *d = j->dy + g0 * size, *xhat = xhat_all + g0 * size;
        double s_g[GAN__GN_CHAINS] = {0.0}, s_g_xhat[GAN__GN_CHAINS] = {0.0};
        for (int32_t ch = 0; ch < per_group; ch++) {
            const size_t at = (size_t)ch * px;
            double s0[GAN__GN_CHAINS] = {0.0}, s1[GAN__GN_CHAINS] = {0.0};
            if (n == GAN__GN_CHAINS) {
                for (size_t k = 0; k < px; k++)
                    for (int i = 0; i < GAN__GN_CHAINS; i++) {
                        const size_t e = (size_t)i * size + at + k;
                        s0[i] += d[e];
                        s1[i] += (double)d[e] * xhat[e];
                    }
            } else {
                for (int i = 0; i < n; i++)
                    for (size_t k = 0; k < px; k++) {
                        const size_t e = (size_t)i * size + at + k;
                        s0[i] += d[e];
                        s1[i] += (double)d[e] * xhat[e];
                    }
            }
            for (int i = 0; i < n; i++) {
                const int32_t c0 = (int32_t)((g0 + (size_t)i) % (size_t)g->groups) * per_group;
                const float ga = g->affine ? gamma[c0 + ch] : 1.0f;
                s_g[i] += ga * s0[i];
                s_g_xhat[i] += ga * s1[i];
            }
        }
        for (int i = 0; i < n; i++) {
            const size_t grp = g0 + (size_t)i;
            const float *dg = j->dy + grp * size, *restrict hg = xhat_all + grp * size;
            float *out = j->dx + grp * size; /* may be dg */
            const int32_t c0 = (int32_t)(grp % (size_t)g->groups) * per_group;
            const float mean_g = (float)(s_g[i] / (double)size);
            const float mean_g_xhat = (float)(s_g_xhat[i] / (double)size);
            const float s = inv_std[grp];
            for (int32_t ch = 0; ch < per_group; ch++) {
                const float ga = g->affine ? gamma[c0 + ch] : 1.0f;
                const size_t at = (size_t)ch * px;
                for (size_t k = 0; k < px; k++)
                    out[at + k] = s * (ga * dg[at + k] - mean_g - hg[at + k] * mean_g_xhat);
            }
        }
    }
}

static gan_status gan__gn_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                   const float *y, const float *dy, float *dx)
{
    (void)x;
    (void)y;
    const gan__groupnorm *g = (const gan__groupnorm *)l;
    gan__gn_job job = gan__gn_job_of(g, c->batch);
    job.dy = dy;
    job.dx = dx;
    /* Parameter gradients first: the input pass may write dx over dy. */
    if (g->affine && c->param_grads)
        gan__pool_for(gan__gn_param_range, &job, (size_t)g->channels,
                      gan__gn_grain((size_t)c->batch * g->pixels), c->parts);
    if (dx)
        gan__pool_for(gan__gn_input_range, &job, (size_t)c->batch * g->groups,
                      gan__gn_grain(job.size), c->parts);
    return GAN_OK;
}

static void gan__gn_describe(const gan_layer_t *l, char *buf, size_t size)
{
    const gan__groupnorm *g = (const gan__groupnorm *)l;
    if (g->instance)
        snprintf(buf, size, "eps=%g%s", (double)g->epsilon, g->affine ? " affine" : "");
    else
        snprintf(buf, size, "groups=%d eps=%g%s", (int)g->groups, (double)g->epsilon,
                 g->affine ? " affine" : "");
}

/* Backward works from the saved xhat and inv_std; forward finishes a group's statistics
 * before writing its output, backward reads a group's dy before writing its dx. */
#define GAN__GN_MEMORY \
    (GAN__MEM_NO_X | GAN__MEM_NO_Y | GAN__MEM_FWD_IN_PLACE | GAN__MEM_BWD_IN_PLACE)

static const gan__layer_ops gan__instancenorm_ops = {
    .kind = "instancenorm",
    .configure = gan__gn_configure,
    .saved_floats = gan__gn_saved,
    .forward = gan__gn_forward,
    .backward = gan__gn_backward,
    .describe = gan__gn_describe,
    .memory = GAN__GN_MEMORY,
};

static const gan__layer_ops gan__groupnorm_ops = {
    .kind = "groupnorm",
    .configure = gan__gn_configure,
    .saved_floats = gan__gn_saved,
    .forward = gan__gn_forward,
    .backward = gan__gn_backward,
    .describe = gan__gn_describe,
    .memory = GAN__GN_MEMORY,
};

static gan_status gan__gn_create(gan_layer_t **out, const gan__layer_ops *ops,
                                 int32_t groups, float epsilon, int32_t affine,
                                 const char *who)
{
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    if (!(epsilon > 0.0f && isfinite(epsilon)))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: epsilon %g must be finite and > 0", who,
                         (double)epsilon);
    if (affine != 0 && affine != 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: affine %d must be 0 or 1", who,
                         (int)affine);
    st = gan__layer_alloc(out, sizeof(gan__groupnorm), ops, who);
    if (st != GAN_OK)
        return st;
    gan__groupnorm *g = (gan__groupnorm *)*out;
    g->epsilon = epsilon;
    g->affine = affine != 0;
    g->instance = ops == &gan__instancenorm_ops;
    g->groups = groups;
    g->base.param[GAN_PARAM_WEIGHT].present = g->affine;
    g->base.param[GAN_PARAM_WEIGHT].init_kind = GAN_INIT_ONES;
    g->base.param[GAN_PARAM_BIAS].present = g->affine;
    return GAN_OK;
}

gan_status gan_instancenorm_options_init(gan_instancenorm_options_t *opts,
                                         size_t struct_size)
{
    gan_status st = gan__options_init(opts, struct_size, sizeof *opts,
                                      "gan_instancenorm_options_init");
    if (st != GAN_OK)
        return st;
    opts->epsilon = 1e-5f;
    opts->affine = 0;
    return GAN_OK;
}

gan_status gan_layer_instancenorm_create(gan_layer_t **out,
                                         const gan_instancenorm_options_t *opts)
{
    static const char who[] = "gan_layer_instancenorm_create";
    gan_instancenorm_options_t o;
    gan_instancenorm_options_init(&o, sizeof o);
    gan_status st = gan__options_read(&o, sizeof o, opts, sizeof o, who);
    if (st != GAN_OK)
        return st;
    return gan__gn_create(out, &gan__instancenorm_ops, 0, o.epsilon, o.affine, who);
}

gan_status gan_groupnorm_options_init(gan_groupnorm_options_t *opts, size_t struct_size)
{
    gan_status st = gan__options_init(opts, struct_size, sizeof *opts,
                                      "gan_groupnorm_options_init");
    if (st != GAN_OK)
        return st;
    opts->groups = 1;
    opts->epsilon = 1e-5f;
    opts->affine = 1;
    return GAN_OK;
}

gan_status gan_layer_groupnorm_create(gan_layer_t **out, const gan_groupnorm_options_t *opts)
{
    static const char who[] = "gan_layer_groupnorm_create";
    gan_groupnorm_options_t o;
    gan_groupnorm_options_init(&o, sizeof o);
    gan_status st = gan__options_read(&o, sizeof o, opts, sizeof o, who);
    if (st != GAN_OK)
        return st;
    if (o.groups < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: groups %d must be >= 1", who,
                         (int)o.groups);
    return gan__gn_create(out, &gan__groupnorm_ops, o.groups, o.epsilon, o.affine, who);
}
