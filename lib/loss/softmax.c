/* Softmax cross-entropy by the log-sum-exp shift; AC-GAN's L_C (Odena et al. 2017), and
 * weighted per row for sequences: SeqGAN's policy-gradient loss -sum_t log p(y_t) Q_t
 * (Yu et al. 2017). */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "gan/loss.h"
#include "loss/loss_common.h"

/* One row's softmax as its largest logit x[top] and rest = sum_{j != top} e^(x_j - x_top):
 * then log-sum-exp = x_top + log1p(rest), p_j = e^(x_j - x_top) / (1 + rest), and no exp
 * overflows. The 1 of the top term stays out of the sums, so that a confident row keeps its
 * small loss log1p(rest) and gradient p_top - 1 = -rest / (1 + rest) instead of 0. */
typedef struct gan__softmax_row {
    int32_t top;
    double rest;
} gan__softmax_row;

static gan__softmax_row gan__softmax_shift(const float *x, int32_t classes)
{
    gan__softmax_row r = {0, 0.0};
    for (int32_t j = 1; j < classes; j++)
        if (x[j] > x[r.top])
            r.top = j;
    for (int32_t j = 0; j < classes; j++)
        if (j != r.top)
            r.rest += exp((double)x[j] - x[r.top]);
    return r;
}

/* d loss_row / d x_j = p_j - [j == label]. */
static double gan__softmax_slope(const float *x, gan__softmax_row r, int32_t j,
                                 int32_t label)
{
    if (j == r.top)
        return (j == label ? -r.rest : 1.0) / (1.0 + r.rest);
    return exp((double)x[j] - x[r.top]) / (1.0 + r.rest) - (j == label);
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
        const gan__softmax_row r = gan__softmax_shift(x, classes);
        const double w = weights ? weights[i] : 1.0;
        /* -log p_label = (x_top - x_label) + log1p(rest); the difference of two floats
         * is exact in double. */
        sum += w * (((double)x[r.top] - x[labels[i]]) + log1p(r.rest));
        if (!dlogits)
            continue;
        /* The top logit is read by every slope, so it is written last: dlogits may then
         * be the logits array itself. |w * slope / n| <= |w| fits a float. */
        float *dx = dlogits + (size_t)i * (size_t)classes;
        for (int32_t j = 0; j < classes; j++)
            if (j != r.top)
                dx[j] = (float)(w * gan__softmax_slope(x, r, j, labels[i]) / n);
        dx[r.top] = (float)(w * gan__softmax_slope(x, r, r.top, labels[i]) / n);
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
