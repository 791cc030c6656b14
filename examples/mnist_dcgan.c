/* mnist_dcgan: the DCGAN of Radford et al. (2016) on MNIST digits, built with libgan:
 * N(0, 0.02) initialisation, Adam(0.0002, beta1 0.5), batch 64, Gaussian latent of 100.
 * The networks are in common/models.c. */
#include "common/models.h"

static gan_status build(const ex_config *c, int32_t classes, gan_model_t **g, gan_model_t **d)
{
    (void)classes;
    gan_status st = ex_dcgan_generator(c, 0, g);
    if (st == GAN_OK && (st = ex_dcgan_discriminator(c, 0, true, d)) != GAN_OK)
        gan_model_destroy(*g);
    return st;
}

/* 12 epochs of the 10,000 vendored digits (1,872 steps): the first budget at which most
 * samples read as digits (doc/EXAMPLES.md); 5 epochs give strokes. */
static int settings(ex_config *c)
{
    c->epochs = 12;
    return 0;
}

int main(int argc, char **argv)
{
    return ex_main(argc, argv, "mnist_dcgan",
                   "Train the MNIST DCGAN (Radford et al. 2016) and write sample grids,\n"
                   "metrics.csv, a loss curve and a checkpoint to --out.",
                   settings, build);
}
