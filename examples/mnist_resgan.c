/* mnist_resgan: a residual GAN on MNIST digits in the manner of SNGAN (Miyato et al.
 * 2018): a ResNet generator of upsampling blocks with BatchNorm, a ResNet discriminator
 * of average-pooling blocks with spectral normalisation on every weight layer, the hinge
 * loss, Adam(0.0002, 0.5, 0.999), one D update per G update, and samples from an
 * exponential moving average (0.995) of G's weights; 12 epochs, as the DCGAN. The networks
 * and settings are in common/models.c. */
#include "common/models.h"

static gan_status build(const ex_config *c, int32_t classes, gan_model_t **g, gan_model_t **d)
{
    (void)classes;
    ex_resgan_widths_t w;
    ex_resgan_widths_default(&w);
    gan_status st = ex_resgan_generator(c, &w, g);
    if (st == GAN_OK && (st = ex_resgan_discriminator(c, &w, d)) != GAN_OK)
        gan_model_destroy(*g);
    return st;
}

static int settings(ex_config *c)
{
    return ex_resgan_settings(c) != GAN_OK;
}

int main(int argc, char **argv)
{
    return ex_main(argc, argv, "mnist_resgan",
                   "Train a residual GAN on MNIST (SNGAN-style ResNets, hinge loss, spectral\n"
                   "norm in D, EMA samples) and write sample grids, metrics.csv, a loss\n"
                   "curve and a checkpoint to --out.",
                   settings, build);
}
