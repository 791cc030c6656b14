/* Least-squares loss 0.5 * mean((x - target)^2) (Mao et al. 2017, LSGAN, a-b-c form). */
#include <math.h>

#include "core/error.h"
#include "gan/loss.h"
#include "loss/loss_common.h"

gan_status gan_loss_least_squares(const float *scores, float target, int32_t n,
                                  double *loss, float *dscores)
{
    static const char who[] = "gan_loss_least_squares";
    gan_status st = gan__loss_check(who, "scores", scores, n, 1, loss);
    if (st != GAN_OK)
        return st;
    if (!isfinite(target))
        return gan__fail(GAN_E_NUMERIC, "%s: target is %g", who, (double)target);
    /* The loss is finite in double for all finite floats, but a gradient (x - target) / n
     * is not always a float (x = FLT_MAX, target = -FLT_MAX, n = 1). This first pass
     * finds such a sample before any output is written. */
    double sum = 0.0;
    for (int32_t i = 0; i < n; i++) {
        const double d = (double)scores[i] - target;
        sum += d * d;
        if (dscores && fabs(d / n) >= GAN__FLOAT_OVERFLOW)
            return gan__fail(GAN_E_NUMERIC,
                             "%s: the gradient (scores[%d] - target) / n = (%g - %g) / %d "
                             "overflows float", who, (int)i, (double)scores[i],
                             (double)target, (int)n);
    }
    if (dscores)
        for (int32_t i = 0; i < n; i++)
            dscores[i] = (float)(((double)scores[i] - target) / n);
    *loss = 0.5 * sum / n;
    return GAN_OK;
}
