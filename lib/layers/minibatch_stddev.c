/* Minibatch standard deviation (Karras et al. 2018, "Progressive Growing of GANs", 3),
 * with one group of the whole batch: the standard deviation across the batch of every
 * feature, averaged over the features to one number, appended as a constant channel.
 *
 * A (C, positions...) input is C channels of P positions, P = 1 for a flat (F) input,
 * and the output has C + 1 channels. The statistic is the batch's in training and in
 * inference mode alike: there are no running statistics, so a sample's output always
 * depends on the batch it comes in. */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "layers/layer.h"

#define GAN__MBSTD_EPS 1e-8 /* under the square root, as in the paper's code */

typedef struct gan__mbstd {
    gan_layer_t base;
    size_t features; /* M = C * P per sample */
    size_t pixels;   /* P */
} gan__mbstd;

static gan_status gan__mbstd_configure(gan_layer_t *l)
{
    gan__mbstd *s = (gan__mbstd *)l;
    s->features = gan__shape_size(&l->in);
    s->pixels = s->features / (size_t)l->in.d[0];
    if (s->features + s->pixels > INT32_MAX)
        return gan__fail(GAN_E_SHAPE, "minibatch_stddev: %s plus one channel has more than "
                         "%d elements per sample", gan__shape_str(&l->in).s, INT32_MAX);
    l->out = l->in;
    l->out.d[0] = l->in.d[0] + 1;
    return GAN_OK;
}

/* l->saved: the batch mean (M), then the standard deviation (M) of every feature. */
static size_t gan__mbstd_saved(const gan_layer_t *l, int32_t batch)
{
    (void)batch;
    return 2 * ((const gan__mbstd *)l)->features;
}

/* Scratch: a double accumulator per feature. */
static size_t gan__mbstd_workspace(const gan_layer_t *l, int32_t batch)
{
    (void)batch;
    return 2 * ((const gan__mbstd *)l)->features;
}

/* acc[j] = sum over the batch of x[n, j] (or of (x[n, j] - center[j])^2), walking x in
 * memory order. */
static void gan__mbstd_sums(double *acc, const float *x, const float *center, int32_t n,
                            size_t m)
{
    for (size_t j = 0; j < m; j++)
        acc[j] = 0.0;
    for (int32_t i = 0; i < n; i++) {
        const float *sample = x + (size_t)i * m;
        if (center)
            for (size_t j = 0; j < m; j++) {
                const double d = (double)sample[j] - center[j];
                acc[j] += d * d;
            }
        else
            for (size_t j = 0; j < m; j++)
                acc[j] += sample[j];
    }
}

static gan_status gan__mbstd_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                     float *y)
{
    const gan__mbstd *s = (const gan__mbstd *)l;
    const size_t m = s->features, p = s->pixels;
    const int32_t n = c->batch;
    float *mean = l->saved, *std = l->saved + m;
    double *acc = (double *)c->workspace;

    gan__mbstd_sums(acc, x, NULL, n, m);
    for (size_t j = 0; j < m; j++)
        mean[j] = (float)(acc[j] / n);
    gan__mbstd_sums(acc, x, mean, n, m);
    double total = 0.0;
    for (size_t j = 0; j < m; j++) {
        std[j] = (float)sqrt(acc[j] / n + GAN__MBSTD_EPS);
        total += std[j];
    }
    const float stat = (float)(total / (double)m);
    for (int32_t i = 0; i < n; i++) {
        float *yi = y + (size_t)i * (m + p);
        memcpy(yi, x + (size_t)i * m, m * sizeof *y);
        for (size_t k = 0; k < p; k++)
            yi[m + k] = stat;
    }
    return GAN_OK;
}

/* With g the gradient of the statistic (dy of the appended channel summed over the
 * batch and its positions), d stat / d std_j = 1/M and d std_j / d x[n, j] =
 * (x[n, j] - mean_j) / (N std_j): the mean's own dependence on x cancels, as the
 * deviations sum to zero. */
static gan_status gan__mbstd_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                      const float *y, const float *dy, float *dx)
{
    (void)y;
    if (!dx)
        return GAN_OK;
    const gan__mbstd *s = (const gan__mbstd *)l;
    const size_t m = s->features, p = s->pixels;
    const int32_t n = c->batch;
    const float *mean = l->saved, *std = l->saved + m;
    double g = 0.0;
    for (int32_t i = 0; i < n; i++)
        for (size_t k = 0; k < p; k++)
            g += dy[(size_t)i * (m + p) + m + k];
    const double scale = g / ((double)m * n);
    for (int32_t i = 0; i < n; i++) {
        const float *dyi = dy + (size_t)i * (m + p), *xi = x + (size_t)i * m;
        float *dxi = dx + (size_t)i * m;
        for (size_t j = 0; j < m; j++)
            dxi[j] = dyi[j] + (float)(scale * ((double)xi[j] - mean[j]) / std[j]);
    }
    return GAN_OK;
}

static const gan__layer_ops gan__mbstd_ops = {
    .kind = "minibatch_stddev",
    .configure = gan__mbstd_configure,
    .saved_floats = gan__mbstd_saved,
    .workspace_floats = gan__mbstd_workspace,
    .forward = gan__mbstd_forward,
    .backward = gan__mbstd_backward,
    .memory = GAN__MEM_NO_Y, /* backward reads x and the saved statistics */
};

gan_status gan_layer_minibatch_stddev_create(gan_layer_t **out)
{
    static const char who[] = "gan_layer_minibatch_stddev_create";
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    return gan__layer_alloc(out, sizeof(gan__mbstd), &gan__mbstd_ops, who);
}
