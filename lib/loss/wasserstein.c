/* Wasserstein critic and generator term sign * mean(f(x)) (Arjovsky et al. 2017, eq. 3). */
#include "gan/loss.h"
#include "loss/loss_common.h"

gan_status gan_loss_wasserstein(const float *scores, float sign, int32_t n, double *loss,
                                float *dscores)
{
    static const char who[] = "gan_loss_wasserstein";
    gan_status st = gan__loss_check_signed(who, scores, sign, n, loss);
    if (st != GAN_OK)
        return st;
    double sum = 0.0;
    for (int32_t i = 0; i < n; i++)
        sum += scores[i];
    /* The gradient is the same for every sample; it is written after the scores are
     * read, so dscores may share their array. */
    const float slope = (float)((double)sign / n);
    if (dscores)
        for (int32_t i = 0; i < n; i++)
            dscores[i] = slope;
    *loss = sign * sum / n;
    return GAN_OK;
}
