/* mnist_cgan: a conditional DCGAN (Mirza & Osindero 2014) that draws the digit asked for.
 * G and D get the one-hot label at every scale (common/models.c). Sample grids show one
 * row per class. */
#include "common/models.h"

static gan_status build(const ex_config *c, int32_t classes, gan_model_t **g, gan_model_t **d)
{
    gan_status st = ex_dcgan_generator(c, classes, g);
    if (st == GAN_OK && (st = ex_dcgan_discriminator(c, classes, false, d)) != GAN_OK)
        gan_model_destroy(*g);
    return st;
}

static int settings(ex_config *c)
{
    c->conditional = true;
    /* A firmer class hold than the unconditional DCGAN's setting (doc/EXAMPLES.md): no
     * dropout in D, samples from the moving average of G's weights, 20 epochs. */
    c->epochs = 20;
    return gan_hacks_set(c->hacks, GAN_HACK_EMA_DECAY, 0.999) != GAN_OK;
}

int main(int argc, char **argv)
{
    return ex_main(argc, argv, "mnist_cgan",
                   "Train a conditional DCGAN on MNIST: --samples N writes N digits with\n"
                   "balanced classes, --labels-out their labels.",
                   settings, build);
}
