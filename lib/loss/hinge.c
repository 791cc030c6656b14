/* Hinge loss term mean(max(0, 1 + sign * x)) (Lim & Ye 2017; Zhang et al. 2019, SAGAN). */
#include "gan/loss.h"
#include "loss/loss_common.h"

gan_status gan_loss_hinge(const float *scores, float sign, int32_t n, double *loss,
                          float *dscores)
{
    static const char who[] = "gan_loss_hinge";
    gan_status st = gan__loss_check_signed(who, scores, sign, n, loss);
    if (st != GAN_OK)
        return st;
    const float slope = (float)((double)sign / n);
    double sum = 0.0;
    for (int32_t i = 0; i < n; i++) {
        /* In double, so a score a rounding away from the hinge lands on the right side. */
        const double margin = 1.0 + (double)sign * scores[i];
        /* At the hinge itself the subgradient 0 is taken (as relu'(0) = 0). */
        if (margin > 0.0)
            sum += margin;
        if (dscores)
            dscores[i] = margin > 0.0 ? slope : 0.0f;
    }
    *loss = sum / n;
    return GAN_OK;
}
