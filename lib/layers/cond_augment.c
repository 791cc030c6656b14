/* Conditioning augmentation (StackGAN, Zhang et al. 2017, section 3.1): [mu, logvar] ->
 * mu + exp(logvar / 2) * eps with eps ~ N(0, 1) in training mode, mu in inference mode;
 * backward adds the gradient of kl_weight * KL(N(mu, sigma^2) || N(0, 1)). */
#include <math.h>
#include <stdio.h>

#include "core/error.h"
#include "gan/text.h"
#include "layers/layer.h"

/* exp() sees the log-variance clamped to this range: e^20 is far from float overflow, and
 * a sample's sigma stays within [e^-10, e^10]. Outside it the gradient through logvar
 * is 0 (the derivative of the clamp); NaN passes through as NaN. */
#define GAN__CA_LOGVAR_MIN (-20.0f)
#define GAN__CA_LOGVAR_MAX 20.0f

typedef struct gan__cond_augment {
    gan_layer_t base;
    float kl_weight;
    bool has_kl; /* a forward has run */
    double kl;   /* the last forward's KL, mean over its batch */
} gan__cond_augment;

static inline float gan__ca_clamp(float lv)
{
    return lv < GAN__CA_LOGVAR_MIN ? GAN__CA_LOGVAR_MIN
           : lv > GAN__CA_LOGVAR_MAX ? GAN__CA_LOGVAR_MAX
                                     : lv;
}

static gan_status gan__ca_configure(gan_layer_t *l)
{
    if (l->in.ndim != 1 || l->in.d[0] % 2 != 0)
        return gan__fail(GAN_E_SHAPE, "cond_augment expects (2C) = [mu (C), log-variance "
                         "(C)], a flat input of even size, got %s",
                         gan__shape_str(&l->in).s);
    l->out = gan__shape1(l->in.d[0] / 2);
    return GAN_OK;
}

/* The forward's eps (batch, C): zeros in inference mode, so that backward follows the
 * mode of the forward it differentiates. */
static size_t gan__ca_saved_floats(const gan_layer_t *l, int32_t batch)
{
    return (size_t)batch * (size_t)l->out.d[0];
}

static gan_status gan__ca_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                  float *y)
{
    gan__cond_augment *ca = (gan__cond_augment *)l;
    const size_t dim = (size_t)l->out.d[0];
    double kl = 0.0;
    for (size_t n = 0; n < (size_t)c->batch; n++) {
        const float *mu = x + n * 2 * dim, *lv = mu + dim;
        float *eps = l->saved + n * dim, *yn = y + n * dim;
        for (size_t k = 0; k < dim; k++) {
            const float lvc = gan__ca_clamp(lv[k]);
            eps[k] = c->training ? gan__rng_normal(&l->rng) : 0.0f;
            yn[k] = c->training ? mu[k] + expf(0.5f * lvc) * eps[k] : mu[k];
            kl += 0.5 * ((double)mu[k] * mu[k] + exp((double)lvc) - 1.0 - lvc);
        }
    }
    ca->kl = kl / c->batch;
    ca->has_kl = true;
    return GAN_OK;
}

static gan_status gan__ca_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                   const float *y, const float *dy, float *dx)
{
    (void)y;
    const gan__cond_augment *ca = (const gan__cond_augment *)l;
    if (!dx)
        return GAN_OK; /* no parameters */
    const size_t dim = (size_t)l->out.d[0];
    /* d(w KL)/dmu = w mu / N, d(w KL)/dlogvar = w (e^logvar - 1) / (2 N) */
    const float w = ca->kl_weight / (float)c->batch;
    for (size_t n = 0; n < (size_t)c->batch; n++) {
        const float *mu = x + n * 2 * dim, *lv = mu + dim;
        const float *eps = l->saved + n * dim, *g = dy + n * dim;
        float *dmu = dx + n * 2 * dim, *dlv = dmu + dim;
        for (size_t k = 0; k < dim; k++) {
            const float sigma = expf(0.5f * gan__ca_clamp(lv[k]));
            const bool clamped = lv[k] < GAN__CA_LOGVAR_MIN || lv[k] > GAN__CA_LOGVAR_MAX;
            dmu[k] = g[k] + w * mu[k];
            dlv[k] = clamped ? 0.0f
                             : 0.5f * sigma * (g[k] * eps[k] + w * (sigma - 1.0f / sigma));
        }
    }
    return GAN_OK;
}

static void gan__ca_describe(const gan_layer_t *l, char *buf, size_t size)
{
    snprintf(buf, size, "kl_weight=%g", (double)((const gan__cond_augment *)l)->kl_weight);
}

static const gan__layer_ops gan__cond_augment_ops = {
    .kind = "cond_augment",
    .configure = gan__ca_configure,
    .saved_floats = gan__ca_saved_floats,
    .forward = gan__ca_forward,
    .backward = gan__ca_backward,
    .describe = gan__ca_describe,
    .memory = GAN__MEM_NO_Y,
};

gan_status gan_layer_cond_augment_create(gan_layer_t **out, float kl_weight)
{
    static const char who[] = "gan_layer_cond_augment_create";
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    if (!(kl_weight >= 0.0f && kl_weight <= 1e6f))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: kl_weight %g is outside [0, 1e6]", who,
                         (double)kl_weight);
    st = gan__layer_alloc(out, sizeof(gan__cond_augment), &gan__cond_augment_ops, who);
    if (st == GAN_OK)
        ((gan__cond_augment *)*out)->kl_weight = kl_weight;
    return st;
}

gan_status gan_layer_cond_augment_get_kl(const gan_layer_t *layer, double *kl)
{
    static const char who[] = "gan_layer_cond_augment_get_kl";
    if (!layer || !kl)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, layer ? "kl" : "layer");
    if (layer->ops != &gan__cond_augment_ops)
        return gan__fail(GAN_E_INVALID_ARG, "%s: layer '%s' is a %s, not a cond_augment",
                         who, layer->name, layer->ops->kind);
    const gan__cond_augment *ca = (const gan__cond_augment *)layer;
    if (!ca->has_kl)
        return gan__fail(GAN_E_STATE, "%s: layer '%s' has not run a forward pass yet", who,
                         layer->name);
    *kl = ca->kl;
    return GAN_OK;
}
