/* Categorical sampling from logits with a temperature: the next token of a sequence
 * generator (SeqGAN's rollouts and samples, Yu et al. 2017). */
#include <math.h>
#include <stddef.h>

#include "core/error.h"
#include "core/rng.h"
#include "gan/hacks.h"
#include "loss/loss_common.h"
#include "train/sequence.h"

/* One id from row @p x: the weights e^((x_j - max) / T) are in (0, 1], the largest 1, so
 * no exp overflows; the first j whose running sum exceeds u * sum wins. Rounding can
 * leave u * sum at the whole sum: then the last class of non-zero weight wins. */
static int32_t gan__sample_row(const float *x, int32_t classes, double temperature,
                               double u)
{
    float top = x[0];
    for (int32_t j = 1; j < classes; j++)
        top = x[j] > top ? x[j] : top;
    double sum = 0.0;
    for (int32_t j = 0; j < classes; j++)
        sum += exp(((double)x[j] - top) / temperature);
    const double target = u * sum;
    double run = 0.0;
    int32_t last = 0;
    for (int32_t j = 0; j < classes; j++) {
        const double e = exp(((double)x[j] - top) / temperature);
        if (e > 0.0)
            last = j;
        run += e;
        if (target < run)
            return j;
    }
    return last;
}

int32_t gan__categorical_row(const float *x, int32_t classes, double temperature, double u,
                             double *w)
{
    float top = x[0];
    for (int32_t j = 1; j < classes; j++)
        top = x[j] > top ? x[j] : top;
    double sum = 0.0;
    for (int32_t j = 0; j < classes; j++) {
        w[j] = exp(((double)x[j] - top) / temperature);
        sum += w[j];
    }
    /* The running sums of gan__sample_row(), from the same weights. */
    const double target = u * sum;
    double run = 0.0;
    int32_t last = 0;
    for (int32_t j = 0; j < classes; j++) {
        if (w[j] > 0.0)
            last = j;
        run += w[j];
        if (target < run)
            return j;
    }
    return last;
}

gan_status gan_categorical_sample(gan_rng_t *rng, const float *logits, int32_t n,
                                  int32_t classes, float temperature, int32_t *ids)
{
    static const char who[] = "gan_categorical_sample";
    if (!rng || !ids)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, rng ? "ids" : "rng");
    if (n < 1 || classes < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: n %d and classes %d must be >= 1", who,
                         (int)n, (int)classes);
    if (!(temperature > 0.0f) || !isfinite(temperature))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: temperature %g must be finite and > 0",
                         who, (double)temperature);
    /* Every logit is checked before any id is written or any number drawn. */
    gan_status st = gan__loss_check_values(who, "logits", logits, (size_t)n,
                                           (size_t)classes);
    if (st != GAN_OK)
        return st;
    for (int32_t i = 0; i < n; i++) {
        /* One draw per row, 53 bits: u in [0, 1). */
        const double u = (double)(gan__rng_next(&rng->r) >> 11) * 0x1.0p-53;
        ids[i] = gan__sample_row(logits + (size_t)i * (size_t)classes, classes, temperature,
                                 u);
    }
    return GAN_OK;
}
