/* BCE on logits and the generator BCE losses (Goodfellow et al. 2014, eq. 1 and sec. 3). */
#include <math.h>
#include <stddef.h>

#include "core/error.h"
#include "gan/loss.h"
#include "loss/loss_common.h"

/* softplus(x) - t*x = log(1 + e^x) - t*x, finite for every finite x and t: the exponent
 * is never positive. The linear part goes first so that a confident logit whose target
 * agrees (x = 40, t = 1) keeps its tiny loss e^-40 instead of losing it to 40 - 40. */
static double gan__bce_term(double x, double t)
{
    return (fmax(x, 0.0) - t * x) + log1p(exp(-fabs(x)));
}

/* sigmoid(x) - t, split by sign so that exp never overflows; for x >= 0 the 1 of
 * sigmoid(x) = 1 - e^-x / (1 + e^-x) is folded into 1 - t first, for the same reason. */
static double gan__bce_slope(double x, double t)
{
    if (x >= 0.0) {
        const double e = exp(-x);
        return (1.0 - t) - e / (1.0 + e);
    }
    const double e = exp(x);
    return e / (1.0 + e) - t;
}

/* loss = scale * mean(softplus(x) - t*x) and dx = scale * (sigmoid(x) - t) / n, with t
 * the per-sample targets, or @p t0 for every sample when targets is NULL. In double, the
 * terms stay finite for all finite floats (|t*x| <= FLT_MAX^2, far below DBL_MAX, and the
 * product of two floats is exact), and |sigmoid(x) - t| / n <= |t| + 1 rounds to at most
 * FLT_MAX for a float t. */
static void gan__bce(const float *x, const float *targets, float t0, double scale,
                     int32_t n, double *loss, float *dx)
{
    double sum = 0.0;
    for (int32_t i = 0; i < n; i++) {
        const double xi = x[i];
        const double t = targets ? targets[i] : t0;
        sum += gan__bce_term(xi, t);
        if (dx)
            dx[i] = (float)(scale * gan__bce_slope(xi, t) / n);
    }
    *loss = scale * sum / n;
}

gan_status gan_loss_bce_logits(const float *logits, const float *targets, int32_t n,
                               double *loss, float *dlogits)
{
    static const char who[] = "gan_loss_bce_logits";
    gan_status st = gan__loss_check(who, "logits", logits, n, 1, loss);
    if (st == GAN_OK)
        st = gan__loss_check_values(who, "targets", targets, n, 1);
    if (st == GAN_OK)
        gan__bce(logits, targets, 0.0f, 1.0, n, loss, dlogits);
    return st;
}

gan_status gan_loss_generator_bce(int32_t kind, const float *fake_logits, int32_t n,
                                  double *loss, float *dlogits)
{
    static const char who[] = "gan_loss_generator_bce";
    if (kind != GAN_GLOSS_NON_SATURATING && kind != GAN_GLOSS_MINIMAX)
        return gan__fail(GAN_E_INVALID_ARG,
                         "%s: kind %d is neither GAN_GLOSS_NON_SATURATING (0) nor "
                         "GAN_GLOSS_MINIMAX (1)", who, (int)kind);
    gan_status st = gan__loss_check(who, "fake_logits", fake_logits, n, 1, loss);
    if (st != GAN_OK)
        return st;
    /* Non-saturating: softplus(-x) = softplus(x) - x, BCE with target 1. Minimax:
     * log(1 - sigmoid(x)) = -softplus(x), minus BCE with target 0. */
    if (kind == GAN_GLOSS_NON_SATURATING)
        gan__bce(fake_logits, NULL, 1.0f, 1.0, n, loss, dlogits);
    else
        gan__bce(fake_logits, NULL, 0.0f, -1.0, n, loss, dlogits);
    return GAN_OK;
}
