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
 * running sum from the chunks before. gan__sample_row() computes the weights chunk by
 * chunk on the stack, gan__categorical_row() keeps them all in its buffer; both run
 * gan__categorical_pick(), so they return the same id for the same row and u. */
#define GAN__CAT_CHUNK 256

/* 1/T as two float factors: 1/T itself up to 2^64, else 2^64 and the rest, as 1/T can be
 * past FLT_MAX (T >= FLT_TRUE_MIN: 1/T < 2^150). A factor 1 multiplies exactly. */
typedef struct gan__cat_scale {
    float a, b;
} gan__cat_scale;

static gan__cat_scale gan__cat_scale_of(double temperature)
{
    const double inv_t = 1.0 / temperature;
    if (inv_t < 0x1p64)
        return (gan__cat_scale){(float)inv_t, 1.0f};
    return (gan__cat_scale){0x1p64f, (float)(inv_t * 0x1p-64)};
}

/* w(n) = e^((x(n) - top) / T) and their sum. In float: the exponent's rounding changes a
 * weight by under |exponent| ulps, and the weights that matter have small exponents. */
GAN__CLONES static double gan__cat_weights(float *w, const float *x, size_t n, float top,
                                           gan__cat_scale s)
{
    for (size_t j = 0; j < n; j++)
        w[j] = (x[j] - top) * s.a * s.b;
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

/* keep: w holds the whole row's weights (classes); else w is one chunk of scratch, and
 * only the chunk the target falls in is computed again. The first GAN__CAT_SUMS chunk
 * sums are kept on the stack, the others computed again where they are needed. */
#define GAN__CAT_SUMS 64
static int32_t gan__categorical_pick(const float *x, int32_t classes, double temperature,
                                     double u, float *w, bool keep)
{
    const size_t C = (size_t)classes;
    const float top = gan__vmaxf(x, C);
    const gan__cat_scale scale = gan__cat_scale_of(temperature);
    double sums[GAN__CAT_SUMS], sum = 0.0;
    for (size_t c = 0, k = 0; k < C; c++, k += GAN__CAT_CHUNK) {
        const size_t n = C - k < GAN__CAT_CHUNK ? C - k : GAN__CAT_CHUNK;
        const double s = gan__cat_weights(keep ? w + k : w, x + k, n, top, scale);
        if (c < GAN__CAT_SUMS)
            sums[c] = s;
        sum += s;
    }
    const double target = u * sum;
    double run = 0.0;
    for (size_t c = 0, k = 0; k < C; c++, k += GAN__CAT_CHUNK) {
        const size_t n = C - k < GAN__CAT_CHUNK ? C - k : GAN__CAT_CHUNK;
        float *wk = keep ? w + k : w;
        const double s = c < GAN__CAT_SUMS ? sums[c]
                         : keep            ? gan__vsumd(wk, n)
                                           : gan__cat_weights(wk, x + k, n, top, scale);
        if (target < run + s) {
            if (!keep)
                gan__cat_weights(wk, x + k, n, top, scale);
            return (int32_t)k + gan__cat_scan(wk, n, run, target);
        }
        run += s;
    }
    /* The last class of non-zero weight, from the end: the largest logit's weight is 1,
     * so the scan ends at it at the latest. */
    for (size_t k = (C - 1) / GAN__CAT_CHUNK * GAN__CAT_CHUNK;; k -= GAN__CAT_CHUNK) {
        const size_t n = C - k < GAN__CAT_CHUNK ? C - k : GAN__CAT_CHUNK;
        float *wk = keep ? w + k : w;
        if (!keep)
            gan__cat_weights(wk, x + k, n, top, scale);
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
