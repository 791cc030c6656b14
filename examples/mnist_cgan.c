/* mnist_cgan: a conditional DCGAN (Mirza & Osindero 2014) that draws the digit asked for.
 * G gets a one-hot label next to z; D gets the label as ten constant planes behind the
 * image. Sample grids show one row per class. */
#include "common/models.h"

static gan_status build(const ex_config *c, int32_t classes, gan_model_t **g, gan_model_t **d)
{
    gan_status st = ex_dcgan_generator(c, classes, g);
    if (st == GAN_OK && (st = ex_dcgan_discriminator(c, classes, true, d)) != GAN_OK)
        gan_model_destroy(*g);
    return st;
}

int main(int argc, char **argv)
{
    ex_config c;
    if (ex_config_init(&c, "mnist_cgan"))
        return 1;
    c.conditional = true;
    int rc = ex_parse(&c, argc, argv,
                      "Train a conditional DCGAN on MNIST: --samples N writes N digits with\n"
                      "balanced classes, --labels-out their labels.");
    if (rc == 0)
        rc = ex_run(&c, build);
    ex_config_free(&c);
    return rc < 0 ? 0 : rc;
}
