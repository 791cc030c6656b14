/* The examples' networks and the helpers that build them. */
#include "common/models.h"

gan_status ex_add(gan_model_t *m, gan_status created, gan_layer_t *const *layer)
{
    if (created != GAN_OK)
        return created;
    gan_status st = gan_model_add(m, *layer);
    if (st != GAN_OK)
        gan_layer_destroy(*layer);
    return st;
}

gan_status ex_model(gan_model_t **out, const int32_t *dims, int32_t ndim, const char *name,
                    uint64_t seed)
{
    gan_model_options_t o;
    gan_model_options_init(&o, sizeof o);
    o.name = name;
    o.seed = seed;
    return gan_model_create(out, dims, ndim, &o);
}

/* Hand a finished model out, or free it after a failure. */
static gan_status ex_model_done(gan_status st, gan_model_t *m, gan_model_t **out)
{
    if (st != GAN_OK)
        gan_model_destroy(m);
    else
        *out = m;
    return st;
}

/* A weight layer of D, spectrally normalised when configured. */
static gan_status ex_d_weight_layer(const ex_config *c, gan_model_t *d, gan_status created,
                                    gan_layer_t *const *layer)
{
    if (created == GAN_OK && c->spectral_norm &&
        (created = gan_layer_set_spectral_norm(*layer, true)) != GAN_OK)
        gan_layer_destroy(*layer);
    return ex_add(d, created, layer);
}

gan_status ex_dcgan_generator(const ex_config *c, int32_t classes, gan_model_t **out)
{
    const int32_t latent[1] = {EX_LATENT}, planes[3] = {256, 7, 7};
    const int32_t filters[3] = {128, 64, 1}, strides[3] = {1, 2, 2};
    gan_model_t *g = NULL;
    gan_layer_t *l;
    gan_status st = ex_model(&g, latent, 1, "generator", c->seed);
    if (st == GAN_OK && classes)
        st = EX_ADD(g, gan_layer_condition_create(&l, classes, 0), l);
    if (st == GAN_OK)
        st = EX_ADD(g, gan_layer_dense_create(&l, 7 * 7 * 256, false), l);
    if (st == GAN_OK)
        st = EX_ADD(g, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l);
    if (st == GAN_OK)
        st = EX_ADD(g, gan_layer_leaky_relu_create(&l, 0.2f), l);
    if (st == GAN_OK)
        st = EX_ADD(g, gan_layer_reshape_create(&l, planes, 3), l);
    for (int i = 0; i < 3 && st == GAN_OK; i++) {
        if (classes) /* the label again at every scale: a firmer hold on the class */
            st = EX_ADD(g, gan_layer_condition_create(&l, classes, 0), l);
        if (st == GAN_OK)
            st = EX_ADD(g, gan_layer_conv2d_transpose_create(&l, filters[i], 5, strides[i],
                                                              GAN_PADDING_SAME), l);
        if (i < 2 && st == GAN_OK)
            st = EX_ADD(g, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l);
        if (i < 2 && st == GAN_OK)
            st = EX_ADD(g, gan_layer_leaky_relu_create(&l, 0.2f), l);
    }
    if (st == GAN_OK)
        st = EX_ADD(g, gan_layer_tanh_create(&l), l);
    return ex_model_done(st, g, out);
}

gan_status ex_dcgan_discriminator(const ex_config *c, int32_t classes, bool dropout,
                                  gan_model_t **out)
{
    const int32_t image[3] = {1, 28, 28}, filters[2] = {64, 128};
    gan_model_t *d = NULL;
    gan_layer_t *l;
    gan_status st = ex_model(&d, image, 3, "discriminator", c->seed + 1);
    if (st == GAN_OK && classes)
        st = EX_ADD(d, gan_layer_condition_create(&l, classes, 0), l);
    for (int i = 0; i < 2 && st == GAN_OK; i++) {
        if (i > 0 && classes)
            st = EX_ADD(d, gan_layer_condition_create(&l, classes, 0), l);
        if (st == GAN_OK)
            st = ex_d_weight_layer(c, d, gan_layer_conv2d_create(&l, filters[i], 5, 2,
                                                                 GAN_PADDING_SAME), &l);
        if (st == GAN_OK)
            st = EX_ADD(d, gan_layer_leaky_relu_create(&l, 0.2f), l);
        if (st == GAN_OK && dropout)
            st = EX_ADD(d, gan_layer_dropout_create(&l, 0.3f), l);
    }
    if (st == GAN_OK)
        st = EX_ADD(d, gan_layer_flatten_create(&l), l);
    if (st == GAN_OK && classes)
        st = EX_ADD(d, gan_layer_condition_create(&l, classes, 0), l);
    if (st == GAN_OK)
        st = ex_d_weight_layer(c, d, gan_layer_dense_create(&l, 1, true), &l);
    return ex_model_done(st, d, out);
}

gan_status ex_mlp_generator(const ex_config *c, gan_model_t **out)
{
    const int32_t latent[1] = {EX_LATENT}, image[3] = {1, 28, 28};
    const int32_t units[2] = {256, 512};
    gan_model_t *g = NULL;
    gan_layer_t *l;
    gan_status st = ex_model(&g, latent, 1, "generator", c->seed);
    for (int i = 0; i < 2 && st == GAN_OK; i++) {
        st = EX_ADD(g, gan_layer_dense_create(&l, units[i], true), l);
        if (st == GAN_OK)
            st = EX_ADD(g, gan_layer_relu_create(&l), l);
    }
    if (st == GAN_OK)
        st = EX_ADD(g, gan_layer_dense_create(&l, 784, true), l);
    if (st == GAN_OK)
        st = EX_ADD(g, gan_layer_tanh_create(&l), l);
    if (st == GAN_OK)
        st = EX_ADD(g, gan_layer_reshape_create(&l, image, 3), l);
    return ex_model_done(st, g, out);
}

gan_status ex_mlp_discriminator(const ex_config *c, gan_model_t **out)
{
    const int32_t image[3] = {1, 28, 28}, units[2] = {512, 256};
    gan_model_t *d = NULL;
    gan_layer_t *l;
    gan_status st = ex_model(&d, image, 3, "discriminator", c->seed + 1);
    if (st == GAN_OK)
        st = EX_ADD(d, gan_layer_flatten_create(&l), l);
    for (int i = 0; i < 2 && st == GAN_OK; i++) {
        st = ex_d_weight_layer(c, d, gan_layer_dense_create(&l, units[i], true), &l);
        if (st == GAN_OK)
            st = EX_ADD(d, gan_layer_leaky_relu_create(&l, 0.2f), l);
    }
    if (st == GAN_OK)
        st = ex_d_weight_layer(c, d, gan_layer_dense_create(&l, 1, true), &l);
    return ex_model_done(st, d, out);
}
