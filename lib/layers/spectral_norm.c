/* Spectral normalisation (Miyato et al. 2018, "Spectral Normalization for Generative
 * Adversarial Networks"), as torch.nn.utils.spectral_norm with n_power_iterations = 1.
 *
 * The weight tensor is seen as the matrix W of (dim 0, the rest) that it is in memory:
 * Dense (units, in), Conv2D (filters, C*kh*kw), Conv2DTranspose (C_in, filters*kh*kw).
 * PyTorch takes dim 1 for transposed convolutions, i.e. (filters, C_in*kh*kw); that is
 * another matrix with another largest singular value, so the two libraries normalise a
 * Conv2DTranspose by different (both valid) estimates.
 *
 * The layer computes with W / sigma, sigma = u^T W v. Every training-mode forward first
 * runs one power iteration,
 *     v = normalize(W^T u),  u = normalize(W v),  normalize(a) = a / max(|a|, eps),
 * so that sigma follows the largest singular value of W as it trains; inference mode
 * uses u and v as stored. Backward holds u and v constant, as PyTorch does (the paper's
 * eq. 12): with G the gradient with respect to W / sigma,
 *     dW = (G - <G, W / sigma> u v^T) / sigma.
 * Sums are accumulated in double. */
#include "layers/spectral_norm.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"

/* PyTorch's eps in the normalisation; also the smallest |sigma| divided by, so that
 * all-zero weights stay zero instead of becoming NaN. */
#define GAN__SN_EPS 1e-12
/* Layer i draws u and v from stream GAN__SN_STREAM + i of the model seed (parameters
 * use stream 0 and run-time streams are 1 + i), so turning normalisation on for one
 * layer changes no other value of the model. */
#define GAN__SN_STREAM ((uint64_t)1 << 32)

/* The matrix view: PyTorch's fan_in is the product of every dimension but the first. */
static size_t gan__sn_cols(const gan_layer_t *l)
{
    assert(l->param[GAN_PARAM_WEIGHT].fan_in > 0);
    return (size_t)l->param[GAN_PARAM_WEIGHT].fan_in;
}

static size_t gan__sn_rows(const gan_layer_t *l)
{
    assert(l->param[GAN_PARAM_WEIGHT].count % gan__sn_cols(l) == 0);
    return l->param[GAN_PARAM_WEIGHT].count / gan__sn_cols(l);
}

gan_status gan_layer_set_spectral_norm(gan_layer_t *layer, bool enabled)
{
    static const char who[] = "gan_layer_set_spectral_norm";
    if (!layer)
        return gan__fail(GAN_E_INVALID_ARG, "%s: layer is NULL", who);
    if (!layer->ops->spectral_norm)
        return gan__fail(GAN_E_INVALID_ARG, "%s: layer '%s' is a %s; only dense, conv2d "
                         "and conv2d_transpose layers can be spectrally normalised", who,
                         layer->name, layer->ops->kind);
    if (layer->param[GAN_PARAM_WEIGHT].value) /* set by gan_model_build */
        return gan__fail(GAN_E_STATE, "%s: layer '%s' belongs to a built model; choose "
                         "before gan_model_build", who, layer->name);
    layer->sn.on = enabled;
    return GAN_OK;
}

size_t gan__sn_state_floats(const gan_layer_t *l)
{
    return l->sn.on ? gan__sn_rows(l) + gan__sn_cols(l) : 0;
}

size_t gan__sn_shadow_floats(const gan_layer_t *l)
{
    return l->sn.on ? l->param[GAN_PARAM_WEIGHT].count : 0;
}

/* The gradient with respect to W / sigma, at the front of the workspace: whole cache
 * lines, so that the layer's own workspace behind it stays aligned. */
static size_t gan__sn_grad_floats(const gan_layer_t *l)
{
    const size_t line = GAN__ALIGNMENT / sizeof(float);
    return (gan__sn_shadow_floats(l) + line - 1) / line * line;
}

size_t gan__sn_workspace_floats(const gan_layer_t *l, int32_t batch)
{
    size_t own = l->ops->workspace_floats ? l->ops->workspace_floats(l, batch) : 0;
    return own + gan__sn_grad_floats(l);
}

/* a /= max(|a|, eps). */
static void gan__sn_normalize(float *a, size_t n)
{
    double sq = 0.0;
    for (size_t i = 0; i < n; i++)
        sq += (double)a[i] * a[i];
    const double d = fmax(sqrt(sq), GAN__SN_EPS);
    for (size_t i = 0; i < n; i++)
        a[i] = (float)(a[i] / d);
}

static double gan__sn_dot(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

void gan__sn_reset(gan_layer_t *l, uint64_t seed)
{
    if (!l->sn.on)
        return;
    const size_t rows = gan__sn_rows(l), cols = gan__sn_cols(l);
    l->sn.u = l->state + (l->ops->state_floats ? l->ops->state_floats(l) : 0);
    l->sn.v = l->sn.u + rows;
    gan__rng rng;
    gan__rng_seed_stream(&rng, seed, GAN__SN_STREAM + (uint64_t)l->index);
    for (size_t i = 0; i < rows + cols; i++) /* u, then v: both N(0, 1), normalised */
        l->sn.u[i] = gan__rng_normal(&rng);
    gan__sn_normalize(l->sn.u, rows);
    gan__sn_normalize(l->sn.v, cols);
}

/* One power iteration on (rows, cols) @p w: v = normalize(W^T u), u = normalize(W v). */
static void gan__sn_power_iteration(gan_layer_t *l, const float *w)
{
    const size_t rows = gan__sn_rows(l), cols = gan__sn_cols(l);
    float *u = l->sn.u, *v = l->sn.v;
    memset(v, 0, cols * sizeof *v);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            v[j] += u[i] * w[i * cols + j];
    gan__sn_normalize(v, cols);
    for (size_t i = 0; i < rows; i++)
        u[i] = (float)gan__sn_dot(w + i * cols, v, cols);
    gan__sn_normalize(u, rows);
}

/* u^T W v. */
static double gan__sn_sigma(const gan_layer_t *l, const float *w)
{
    const size_t rows = gan__sn_rows(l), cols = gan__sn_cols(l);
    double s = 0.0;
    for (size_t i = 0; i < rows; i++)
        s += l->sn.u[i] * gan__sn_dot(w + i * cols, l->sn.v, cols);
    return s;
}

gan_status gan__sn_forward(gan_layer_t *l, const gan__ctx *c, const float *x, float *y)
{
    if (!l->sn.on)
        return l->ops->forward(l, c, x, y);
    gan__param *p = &l->param[GAN_PARAM_WEIGHT];
    float *raw = p->value;
    if (c->training)
        gan__sn_power_iteration(l, raw);
    double sigma = gan__sn_sigma(l, raw);
    if (fabs(sigma) < GAN__SN_EPS)
        sigma = GAN__SN_EPS;
    l->sn.sigma = (float)sigma;
    for (size_t i = 0; i < p->count; i++)
        l->sn.w[i] = raw[i] / l->sn.sigma;
    p->value = l->sn.w;
    gan_status st = l->ops->forward(l, c, x, y);
    p->value = raw;
    return st;
}

/* dW += (G - <G, W / sigma> u v^T) / sigma for G, the gradient with respect to
 * W / sigma: the chain rule through W / (u^T W v) with u and v held constant. */
static void gan__sn_add_raw_grad(const gan_layer_t *l, float *dw, const float *g)
{
    const size_t rows = gan__sn_rows(l), cols = gan__sn_cols(l);
    const double gw = gan__sn_dot(g, l->sn.w, rows * cols);
    const double sigma = l->sn.sigma;
    for (size_t i = 0; i < rows; i++) {
        const double gu = gw * l->sn.u[i];
        for (size_t j = 0; j < cols; j++) {
            const size_t k = i * cols + j;
            dw[k] += (float)((g[k] - gu * l->sn.v[j]) / sigma);
        }
    }
}

gan_status gan__sn_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                            const float *y, const float *dy, float *dx)
{
    if (!l->sn.on)
        return l->ops->backward(l, c, x, y, dy, dx);
    gan__param *p = &l->param[GAN_PARAM_WEIGHT];
    float *raw = p->value, *raw_grad = p->grad;
    gan__ctx layer_ctx = *c;
    float *g = NULL;
    if (c->param_grads) { /* the layer adds its weight gradient into g, not the arena */
        g = c->workspace;
        memset(g, 0, p->count * sizeof *g);
        p->grad = g;
        layer_ctx.workspace = c->workspace + gan__sn_grad_floats(l);
    }
    p->value = l->sn.w;
    gan_status st = l->ops->backward(l, &layer_ctx, x, y, dy, dx);
    p->value = raw;
    p->grad = raw_grad;
    if (st == GAN_OK && g)
        gan__sn_add_raw_grad(l, raw_grad, g);
    return st;
}
