/* Softmax cross-entropy by the log-sum-exp shift; AC-GAN's L_C (Odena et al. 2017), and
 * weighted per row for sequences: SeqGAN's policy-gradient loss -sum_t log p(y_t) Q_t
 * (Yu et al. 2017). */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/clones.h"
#include "core/error.h"
#include "gan/loss.h"
#include "kernels/vmath.h"
#include "loss/loss_common.h"

/* One row's softmax as its largest logit x[top] (the first, if tied) and
 * rest = sum_{j != top} e^(x_j - x_top): then log-sum-exp = x_top + log1p(rest),
 * p_j = e^(x_j - x_top) / (1 + rest), and no exp overflows. The 1 of the top term stays
 * out of the sums, so that a confident row keeps its small loss log1p(rest) and gradient
 * p_top - 1 = -rest / (1 + rest) instead of 0. The weights e^(x_j - x_top) are floats
 * from gan__vexpf, summed in double. */
#define GAN__SOFTMAX_CHUNK 256 /* floats of stack scratch when there is no dlogits */

static int32_t gan__softmax_top(const float *x, int32_t classes)
{
    const float m = gan__vmaxf(x, (size_t)classes);
    int32_t top = 0;
    while (x[top] != m)
        top++;
    return top;
}

/* w(n) = e^(x(n) - xt), w may be x, with w[top] = 0 if top < n; their sum. */
GAN__CLONES static double gan__softmax_chunk(float *w, const float *x, size_t n, float xt,
                                             size_t top)
{
    for (size_t j = 0; j < n; j++)
        w[j] = x[j] - xt;
    gan__vexpf(w, w, n);
    if (top < n)
        w[top] = 0.0f;
    return gan__vsumd(w, n);
}

/* rest of row x(classes), leaving the weights in w(classes) unless w is NULL, in chunks
 * of the stack's size either way: the same sums in the same order, so the loss does not
 * depend on whether a gradient is asked for. w may be x. */
static double gan__softmax_rest(float *w, const float *x, int32_t classes, int32_t top)
{
    float scratch[GAN__SOFTMAX_CHUNK];
    const float xt = x[top];
    double rest = 0.0;
    for (size_t k = 0; k < (size_t)classes; k += GAN__SOFTMAX_CHUNK) {
        const size_t left = (size_t)classes - k;
        const size_t n = left < GAN__SOFTMAX_CHUNK ? left : GAN__SOFTMAX_CHUNK;
        /* top - k wraps past n for a top before this chunk */
        rest += gan__softmax_chunk(w ? w + k : scratch, x + k, n, xt, (size_t)top - k);
    }
    return rest;
}

/* dx(classes) holds the weights (0 at top) and becomes scale * (p_j - [j == label]),
 * d loss_row / d x_j times scale = the row's weight over n; |p_j - [j == label]| <= 1,
 * so every value fits a float. */
GAN__CLONES static void gan__softmax_slopes(float *dx, int32_t classes, int32_t top,
                                            int32_t label, double rest, double scale)
{
    const double e_label = dx[label], k = scale / (1.0 + rest);
    for (size_t j = 0; j < (size_t)classes; j++)
        dx[j] = (float)(k * dx[j]);
    if (label != top)
        dx[label] = (float)(scale * (e_label / (1.0 + rest) - 1.0));
    dx[top] = (float)(scale * ((top == label ? -rest : 1.0) / (1.0 + rest)));
}

/* The loss of both entry points: weights NULL stands for all ones, and a weight of
 * exactly 1 multiplies exactly, so the unweighted loss is the weighted one bit for bit. */
static gan_status gan__softmax_ce(const char *who, const float *logits,
                                  const int32_t *labels, const float *weights,
                                  bool weighted, int32_t n, int32_t classes, double *loss,
                                  float *dlogits)
{
    /* classes first: it sizes the scan of the logits. */
    if (classes < 2)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: classes = %d, expected >= 2", who,
                         (int)classes);
    gan_status st = gan__loss_check(who, "logits", logits, n, classes, loss);
    if (st != GAN_OK)
        return st;
    if (!labels)
        return gan__fail(GAN_E_INVALID_ARG, "%s: labels is NULL", who);
    if (weighted) {
        st = gan__loss_check_values(who, "weights", weights, (size_t)n, 1);
        if (st != GAN_OK)
            return st;
    }
    for (int32_t i = 0; i < n; i++)
        if (labels[i] < 0 || labels[i] >= classes)
            return gan__fail(GAN_E_OUT_OF_RANGE,
                             "%s: labels[%d] is %d, outside [0, classes = %d)", who,
                             (int)i, (int)labels[i], (int)classes);
    double sum = 0.0;
    for (int32_t i = 0; i < n; i++) {
        const float *x = logits + (size_t)i * (size_t)classes;
        /* dlogits may be the logits array itself: the two logits the loss reads are
         * taken before the weights overwrite the row. */
        float *dx = dlogits ? dlogits + (size_t)i * (size_t)classes : NULL;
        const int32_t top = gan__softmax_top(x, classes);
        const float x_top = x[top], x_label = x[labels[i]];
        const double rest = gan__softmax_rest(dx, x, classes, top);
        const double w = weights ? weights[i] : 1.0;
        /* -log p_label = (x_top - x_label) + log1p(rest); the difference of two floats
         * is exact in double. */
        sum += w * (((double)x_top - x_label) + log1p(rest));
        if (dx)
            gan__softmax_slopes(dx, classes, top, labels[i], rest, w / n);
    }
    *loss = sum / n;
    return GAN_OK;
}

gan_status gan_loss_softmax_cross_entropy(const float *logits, const int32_t *labels,
                                          int32_t n, int32_t classes, double *loss,
                                          float *dlogits)
{
    return gan__softmax_ce("gan_loss_softmax_cross_entropy", logits, labels, NULL, false,
                           n, classes, loss, dlogits);
}

gan_status gan_loss_softmax_cross_entropy_weighted(const float *logits,
                                                   const int32_t *labels,
                                                   const float *weights, int32_t n,
                                                   int32_t classes, double *loss,
                                                   float *dlogits)
{
    return gan__softmax_ce("gan_loss_softmax_cross_entropy_weighted", logits, labels,
                           weights, true, n, classes, loss, dlogits);
}
