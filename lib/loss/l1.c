/* L1 reconstruction loss mean |pred - target| (pix2pix, Isola et al. 2017, eq. 3;
 * CycleGAN's cycle and identity terms, Zhu et al. 2017, eq. 2; torch.nn.L1Loss). */
#include "gan/loss.h"
#include "loss/loss_common.h"

gan_status gan_loss_l1(const float *pred, const float *target, size_t count, double *loss,
                       float *dpred)
{
    gan_status st = gan__loss_check_pair("gan_loss_l1", pred, target, count, loss);
    if (st != GAN_OK)
        return st;
    const float slope = (float)(1.0 / (double)count);
    double sum = 0.0;
    for (size_t i = 0; i < count; i++) {
        /* In double, so the sign is that of the exact difference; at equality the
         * subgradient 0 is taken, as torch.sign(0) = 0 in L1Loss's backward. */
        const double d = (double)pred[i] - target[i];
        sum += d < 0.0 ? -d : d;
        /* Written after pred[i] and target[i] are read: dpred may be either array. */
        if (dpred)
            dpred[i] = d > 0.0 ? slope : d < 0.0 ? -slope : 0.0f;
    }
    *loss = sum / (double)count;
    return GAN_OK;
}
