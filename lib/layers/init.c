/* Parameter initialisers (Glorot & Bengio 2010; He et al. 2015; DCGAN's N(0, 0.02)). */
#include <math.h>

#include "core/error.h"
#include "layers/layer.h"

gan_status gan_layer_set_init(gan_layer_t *layer, int32_t param, int32_t kind, float a,
                              float b)
{
    static const char who[] = "gan_layer_set_init";
    if (!layer)
        return gan__fail(GAN_E_INVALID_ARG, "%s: layer is NULL", who);
    if (param < 0 || param >= GAN__PARAM_GROUPS)
        return gan__fail(GAN_E_INVALID_ARG, "%s: unknown parameter group %d", who,
                         (int)param);
    if (!layer->param[param].present)
        return gan__fail(GAN_E_INVALID_ARG, "%s: layer '%s' (%s) has no %s parameters",
                         who, layer->name, layer->ops->kind,
                         param == GAN_PARAM_WEIGHT ? "weight" : "bias");
    if (layer->param[param].value)
        return gan__fail(GAN_E_STATE, "%s: layer '%s' is already built", who, layer->name);
    if (kind < GAN_INIT_ZEROS || kind > GAN_INIT_HE_UNIFORM)
        return gan__fail(GAN_E_INVALID_ARG, "%s: unknown initialiser kind %d", who,
                         (int)kind);
    if (!isfinite(a) || !isfinite(b))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: arguments must be finite (a=%g, b=%g)",
                         who, (double)a, (double)b);
    if (kind == GAN_INIT_NORMAL && b < 0.0f)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: normal std %g is negative", who,
                         (double)b);
    if (kind == GAN_INIT_UNIFORM && a > b)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: uniform range [%g, %g) is empty", who,
                         (double)a, (double)b);
    layer->param[param].init_kind = kind;
    layer->param[param].init_a = a;
    layer->param[param].init_b = b;
    return GAN_OK;
}

static void gan__fill_normal(float *v, size_t n, float mean, float std, gan__rng *rng)
{
    for (size_t i = 0; i < n; i++)
        v[i] = mean + std * gan__rng_normal(rng);
}

static void gan__fill_uniform(float *v, size_t n, float lo, float hi, gan__rng *rng)
{
    for (size_t i = 0; i < n; i++)
        v[i] = lo + (hi - lo) * gan__rng_uniform(rng);
}

static void gan__fill_constant(float *v, size_t n, float c)
{
    for (size_t i = 0; i < n; i++)
        v[i] = c;
}

void gan__param_init(gan__param *p, gan__rng *rng)
{
    if (!p->present || p->count == 0)
        return;
    float fan_in = (float)(p->fan_in > 0 ? p->fan_in : 1);
    float fan_avg2 = (float)(p->fan_in + p->fan_out > 0 ? p->fan_in + p->fan_out : 1);
    switch (p->init_kind) {
    case GAN_INIT_ZEROS:
        gan__fill_constant(p->value, p->count, 0.0f);
        break;
    case GAN_INIT_ONES:
        gan__fill_constant(p->value, p->count, 1.0f);
        break;
    case GAN_INIT_CONSTANT:
        gan__fill_constant(p->value, p->count, p->init_a);
        break;
    case GAN_INIT_NORMAL:
        gan__fill_normal(p->value, p->count, p->init_a, p->init_b, rng);
        break;
    case GAN_INIT_UNIFORM:
        gan__fill_uniform(p->value, p->count, p->init_a, p->init_b, rng);
        break;
    case GAN_INIT_GLOROT_NORMAL:
        gan__fill_normal(p->value, p->count, 0.0f, sqrtf(2.0f / fan_avg2), rng);
        break;
    case GAN_INIT_GLOROT_UNIFORM: {
        float limit = sqrtf(6.0f / fan_avg2);
        gan__fill_uniform(p->value, p->count, -limit, limit, rng);
        break;
    }
    case GAN_INIT_HE_NORMAL:
        gan__fill_normal(p->value, p->count, 0.0f, sqrtf(2.0f / fan_in), rng);
        break;
    case GAN_INIT_HE_UNIFORM: {
        float limit = sqrtf(6.0f / fan_in);
        gan__fill_uniform(p->value, p->count, -limit, limit, rng);
        break;
    }
    }
}
