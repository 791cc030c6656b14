/* Label smoothing (Salimans et al. 2016) and noisy, flipped labels (Chintala's hack #6). */
#include "train/labels.h"

#include <math.h>

#include "core/error.h"
#include "gan/hacks.h"

void gan__labels_fill(gan__rng *rng, float *labels, int32_t n, float lo, float hi)
{
    for (int32_t i = 0; i < n; i++)
        labels[i] = lo == hi ? lo : (float)(lo + ((double)hi - lo) * gan__rng_uniform(rng));
}

int32_t gan__labels_flip(gan__rng *rng, float *labels, int32_t n, float p)
{
    int32_t flipped = 0;
    if (p <= 0.0f)
        return 0;
    for (int32_t i = 0; i < n; i++)
        if (gan__rng_uniform(rng) < p) {
            labels[i] = 1.0f - labels[i];
            flipped++;
        }
    return flipped;
}

static gan_status gan__labels_check(const gan_rng_t *rng, const float *labels, int32_t n,
                                    const char *who)
{
    if (!rng || !labels)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, rng ? "labels" : "rng");
    if (n < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: n %d must be >= 1", who, (int)n);
    return GAN_OK;
}

gan_status gan_labels_fill(gan_rng_t *rng, float *labels, int32_t n, float lo, float hi)
{
    static const char who[] = "gan_labels_fill";
    gan_status st = gan__labels_check(rng, labels, n, who);
    if (st != GAN_OK)
        return st;
    if (!(isfinite(lo) && isfinite(hi) && lo <= hi))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: range [%g, %g] is empty or not finite",
                         who, (double)lo, (double)hi);
    gan__labels_fill(&rng->r, labels, n, lo, hi);
    return GAN_OK;
}

gan_status gan_labels_flip(gan_rng_t *rng, float *labels, int32_t n, float p,
                           int32_t *flipped)
{
    static const char who[] = "gan_labels_flip";
    gan_status st = gan__labels_check(rng, labels, n, who);
    if (st != GAN_OK)
        return st;
    if (!(p >= 0.0f && p <= 1.0f))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: probability %g is outside [0, 1]", who,
                         (double)p);
    int32_t count = gan__labels_flip(&rng->r, labels, n, p);
    if (flipped)
        *flipped = count;
    return GAN_OK;
}
