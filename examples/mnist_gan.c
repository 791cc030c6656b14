/* mnist_gan: the plain MLP GAN (Goodfellow et al. 2014) on MNIST digits.
 * G: 100 -> 256 -> 512 -> 784 (ReLU, Tanh); D: 784 -> 512 -> 256 -> 1 (LeakyReLU 0.2). */
#include "common/models.h"

static gan_status build(const ex_config *c, int32_t classes, gan_model_t **g, gan_model_t **d)
{
    (void)classes;
    gan_status st = ex_mlp_generator(c, g);
    if (st == GAN_OK && (st = ex_mlp_discriminator(c, d)) != GAN_OK)
        gan_model_destroy(*g);
    return st;
}

static int settings(ex_config *c)
{
    c->epochs = 100;
    return 0;
}

int main(int argc, char **argv)
{
    return ex_main(argc, argv, "mnist_gan",
                   "Train the plain MLP GAN (Goodfellow et al. 2014) on MNIST digits.",
                   settings, build);
}
