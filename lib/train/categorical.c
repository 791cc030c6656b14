/* Categorical sampling from logits with a temperature: the next token of a sequence
 * generator (SeqGAN's rollouts and samples, Yu et al. 2017). */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/clones.h"
#include "core/error.h"
#include "core/rng.h"
#include "gan/hacks.h"
#include "kernels/vmath.h"
#include "loss/loss_common.h"
#include "train/sequence.h"

/* One id from row @p x: the weights e^((x_j - max) / T) are in [0, 1], the largest 1, so
 * no exp overflows; the first j whose running sum exceeds u * sum wins. Rounding can
 * leave u * sum at the whole sum: then the last class of non-zero weight wins.
 *
 * The weights are floats from gan__vexpf over chunks of GAN__CAT_CHUNK classes, each
 * chunk summed in double by gan__vsumd, and the running sum runs over the chunk sums:
 * the chunk where it first exceeds u * sum is found, then the class within it by a
 * running sum from the chunks before. gan__sample_row() recomputes the weights of a
 * chunk in a stack chunk, gan__categorical_row() keeps them all in its buffer; both run
 * gan__categorical_pick(), so they return the same id for the same row and u. */
#define GAN__CAT_CHUNK 256

/* w(n) = e^((x(n) - top) / T), 1/T given, and their sum. The exponent is formed in
 * double (1/T may be past FLT_MAX) and floored at -104, where e^x is 0 in float. */
GAN__CLONES static double gan__cat_weights(float *w, const float *x, size_t n, float top,
                                           double inv_t)
{
    for (size_t j = 0; j < n; j++) {
        const double a = ((double)x[j] - top) * inv_t;
        w[j] = (float)(a > -104.0 ? a : -104.0);
    }
    gan__vexpf(w, w, n);
    return gan__vsumd(w, n);
}

/* Within a chunk of weights w(n) whose sum took the running sum past target: the first
 * j where run + w[0] + ... + w[j] exceeds it, else (rounding) its last non-zero weight. */
static int32_t gan__cat_scan(const float *w, size_t n, double run, double target)
{
    size_t last = 0;
    for (size_t j = 0; j < n; j++) {
        if (w[j] > 0.0f)
            last = j;
        run += w[j];
        if (target < run)
            return (int32_t)j;
    }
    return (int32_t)last;
}

/* keep: w holds the whole row's weights (classes); else w is one chunk of scratch and
 * each chunk is computed again where it is needed. */
static int32_t gan__categorical_pick(const float *x, int32_t classes, double temperature,
                                     double u, float *w, bool keep)
{
    const size_t C = (size_t)classes;
    const float top = gan__vmaxf(x, C);
    const double inv_t = 1.0 / temperature;
    double sum = 0.0;
    for (size_t k = 0; k < C; k += GAN__CAT_CHUNK) {
        const size_t n = C - k < GAN__CAT_CHUNK ? C - k : GAN__CAT_CHUNK;
        sum += gan__cat_weights(keep ? w + k : w, x + k, n, top, inv_t);
    }
    const double target = u * sum;
    double run = 0.0;
    for (size_t k = 0; k < C; k += GAN__CAT_CHUNK) {
        const size_t n = C - k < GAN__CAT_CHUNK ? C - k : GAN__CAT_CHUNK;
        float *wk = keep ? w + k : w;
        const double s = keep ? gan__vsumd(wk, n) : gan__cat_weights(wk, x + k, n, top, inv_t);
        if (target < run + s)
            return (int32_t)k + gan__cat_scan(wk, n, run, target);
        run += s;
    }
    /* The last class of non-zero weight, from the end: the largest logit's weight is 1,
     * so the scan ends at it at the latest. */
    for (size_t k = (C - 1) / GAN__CAT_CHUNK * GAN__CAT_CHUNK;; k -= GAN__CAT_CHUNK) {
        const size_t n = C - k < GAN__CAT_CHUNK ? C - k : GAN__CAT_CHUNK;
        float *wk = keep ? w + k : w;
        if (!keep)
            gan__cat_weights(wk, x + k, n, top, inv_t);
        for (size_t j = n; j-- > 0;)
            if (wk[j] > 0.0f)
                return (int32_t)(k + j);
        if (k == 0)
            return 0;
    }
}

static int32_t gan__sample_row(const float *x, int32_t classes, double temperature,
                               double u)
{
    float chunk[GAN__CAT_CHUNK];
    return gan__categorical_pick(x, classes, temperature, u, chunk, false);
}

int32_t gan__categorical_row(const float *x, int32_t classes, double temperature, double u,
                             float *w)
{
    return gan__categorical_pick(x, classes, temperature, u, w, true);
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
