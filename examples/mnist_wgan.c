/* mnist_wgan: a Wasserstein GAN on MNIST. By default WGAN-GP (Gulrajani et al. 2017):
 * critic = the DCGAN discriminator without dropout, gradient penalty lambda 10, five critic
 * updates per generator update, Adam(1e-4, 0.5, 0.9). The original WGAN (Arjovsky et al.
 * 2017) is --gp 0 --clip 0.01 --rmsprop --lr-g 5e-5 --lr-d 5e-5. */
#include "common/models.h"

static gan_status build(const ex_config *c, int32_t classes, gan_model_t **g, gan_model_t **d)
{
    (void)classes;
    gan_status st = ex_dcgan_generator(c, 0, g);
    if (st == GAN_OK && (st = ex_dcgan_discriminator(c, 0, false, d)) != GAN_OK)
        gan_model_destroy(*g);
    return st;
}

static int settings(ex_config *c)
{
    c->lr_g = c->lr_d = 1e-4f;
    c->beta2 = 0.9f;
    c->epochs = 10;
    return gan_hacks_set(c->hacks, GAN_HACK_LOSS, GAN_LOSS_WASSERSTEIN) != GAN_OK ||
           gan_hacks_set(c->hacks, GAN_HACK_GP_WEIGHT, 10) != GAN_OK ||
           gan_hacks_set(c->hacks, GAN_HACK_D_STEPS, 5) != GAN_OK;
}

int main(int argc, char **argv)
{
    return ex_main(argc, argv, "mnist_wgan",
                   "Train a Wasserstein GAN on MNIST (WGAN-GP by default; weight clipping\n"
                   "with --gp 0 --clip 0.01 --rmsprop).",
                   settings, build);
}
