/* Latent space: sampling (Gaussian by default) and spherical interpolation (White 2016). */
#include "train/latent.h"

#include <math.h>

#include "core/error.h"
#include "gan/hacks.h"

void gan__latent_fill(gan__rng *rng, int32_t distribution, float *z, size_t count)
{
    if (distribution == GAN_LATENT_UNIFORM)
        for (size_t i = 0; i < count; i++)
            z[i] = 2.0f * gan__rng_uniform(rng) - 1.0f;
    else
        for (size_t i = 0; i < count; i++)
            z[i] = gan__rng_normal(rng);
}

void gan__latent_skip(gan__rng *rng, int32_t distribution, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (distribution == GAN_LATENT_UNIFORM)
            (void)gan__rng_uniform(rng);
        else
            (void)gan__rng_normal(rng);
}

gan_status gan_latent_sample(gan_rng_t *rng, int32_t distribution, int32_t n, int32_t dim,
                             float *z)
{
    static const char who[] = "gan_latent_sample";
    if (!rng || !z)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, rng ? "z" : "rng");
    if (distribution != GAN_LATENT_GAUSSIAN && distribution != GAN_LATENT_UNIFORM)
        return gan__fail(GAN_E_INVALID_ARG, "%s: unknown distribution %d", who,
                         (int)distribution);
    if (n < 1 || dim < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: n %d and dim %d must be >= 1", who, (int)n,
                         (int)dim);
    gan__latent_fill(&rng->r, distribution, z, (size_t)n * (size_t)dim);
    return GAN_OK;
}

gan_status gan_latent_slerp(const float *a, const float *b, int32_t dim, float t, float *out)
{
    static const char who[] = "gan_latent_slerp";
    if (!a || !b || !out)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, !a ? "a" : !b ? "b" : "out");
    if (dim < 1 || !isfinite(t))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: dim %d must be >= 1 and t %g finite", who,
                         (int)dim, (double)t);
    double dot = 0, na = 0, nb = 0;
    for (int32_t i = 0; i < dim; i++) {
        dot += (double)a[i] * b[i];
        na += (double)a[i] * a[i];
        nb += (double)b[i] * b[i];
    }
    double cosine = na > 0 && nb > 0 ? dot / sqrt(na * nb) : 1.0;
    double omega = acos(fmax(-1.0, fmin(1.0, cosine)));
    double wa = 1.0 - t, wb = t;
    if (sin(omega) > 1e-6) { /* else nearly parallel: linear */
        wa = sin((1.0 - t) * omega) / sin(omega);
        wb = sin(t * omega) / sin(omega);
    }
    for (int32_t i = 0; i < dim; i++)
        out[i] = (float)(wa * a[i] + wb * b[i]);
    return GAN_OK;
}
