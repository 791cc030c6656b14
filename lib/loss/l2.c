/* L2 (mean squared error) reconstruction loss mean (pred - target)^2 (torch.nn.MSELoss;
 * the reconstruction term of context encoders, Pathak et al. 2016, eq. 1). */
#include <math.h>

#include "core/error.h"
#include "gan/loss.h"
#include "loss/loss_common.h"

gan_status gan_loss_l2(const float *pred, const float *target, size_t count, double *loss,
                       float *dpred)
{
    static const char who[] = "gan_loss_l2";
    gan_status st = gan__loss_check_pair(who, pred, target, count, loss);
    if (st != GAN_OK)
        return st;
    /* The loss is finite in double for all finite floats, but a gradient
     * 2 (pred - target) / count is not always a float (FLT_MAX against -FLT_MAX with
     * count < 4). This first pass finds such an element before any output is written. */
    const double n = (double)count;
    double sum = 0.0;
    for (size_t i = 0; i < count; i++) {
        const double d = (double)pred[i] - target[i];
        sum += d * d;
        if (dpred && fabs(2.0 * d / n) >= GAN__FLOAT_OVERFLOW)
            return gan__fail(GAN_E_NUMERIC,
                             "%s: the gradient 2 (pred[%zu] - target[%zu]) / count = "
                             "2 (%g - %g) / %zu overflows float", who, i, i,
                             (double)pred[i], (double)target[i], count);
    }
    /* Element by element after the reads: dpred may be pred or target. */
    if (dpred)
        for (size_t i = 0; i < count; i++)
            dpred[i] = (float)(2.0 * ((double)pred[i] - target[i]) / n);
    *loss = sum / n;
    return GAN_OK;
}
