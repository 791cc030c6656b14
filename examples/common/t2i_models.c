/* mnist_text2img's networks, graph models built with gan_model_connect(). */
#include "common/t2i_models.h"

#include "common/models.h"

void ex_t2i_sizes_default(ex_t2i_sizes *s)
{
    *s = (ex_t2i_sizes){.embed = 64, .text = 64, .ca = 32, .latent = 64, .g_channels = 64,
                        .d_channels = 32, .d_text = 128, .kl_weight = 1.0f / 32};
}

/* Connect a layer just created to @p n nodes, freeing it if that fails (as EX_ADD, *l is
 * read after the call that created it); *node (if not NULL) receives its index. */
static gan_status link_layer(gan_model_t *m, gan_status created, gan_layer_t *const *l,
                             const int32_t *inputs, int32_t n, int32_t *node)
{
    if (created != GAN_OK)
        return created;
    gan_status st = gan_model_connect(m, *l, inputs, n, node);
    if (st != GAN_OK)
        gan_layer_destroy(*l);
    return st;
}

/* A Dense on the caption's path, Glorot-initialised: the DCGAN default N(0, 0.02) would
 * shrink the caption vector about tenfold at each of the two Dense layers it passes
 * (E's, then G's or D's), leaving the conditioning augmentation's noise and D's image
 * features to drown it (measured: D scored real images with right and wrong captions
 * alike to 4 decimals for 750 steps). */
static gan_status text_dense(gan_layer_t **l, int32_t units, bool bias)
{
    gan_status st = gan_layer_dense_create(l, units, bias);
    if (st == GAN_OK &&
        (st = gan_layer_set_init(*l, GAN_PARAM_WEIGHT, GAN_INIT_GLOROT_NORMAL, 0, 0)) != GAN_OK)
        gan_layer_destroy(*l);
    return st;
}

gan_status ex_t2i_encoder(const ex_t2i_sizes *s, int32_t batch, uint64_t seed,
                          gan_model_t **out)
{
    gan_model_t *m = NULL;
    gan_layer_t *l;
    gan_status st = ex_model(&m, &s->tokens, 1, "E", seed);
    if (st == GAN_OK)
        st = EX_ADD(m, gan_layer_bag_of_words_create(&l, s->vocab, s->embed, GAN_TOKEN_PAD), l);
    if (st == GAN_OK)
        st = EX_ADD(m, text_dense(&l, s->text, true), l);
    return ex_model_finish(st, m, batch, out);
}

gan_status ex_t2i_generator(const ex_t2i_sizes *s, int32_t batch, uint64_t seed,
                            gan_model_t **out, int32_t *ca_layer)
{
    const int32_t f = s->g_channels, planes[3] = {2 * f, 7, 7};
    gan_model_t *m = NULL;
    gan_layer_t *l;
    int32_t text_in, c, x;
    gan_status st = ex_model(&m, &s->latent, 1, "G", seed);
    if (st == GAN_OK)
        st = gan_model_add_input(m, &s->text, 1, &text_in);
    if (st == GAN_OK)
        st = link_layer(m, text_dense(&l, 2 * s->ca, true), &l, &text_in, 1, NULL);
    if (st == GAN_OK)
        st = EX_ADD(m, gan_layer_cond_augment_create(&l, s->kl_weight), l);
    if (st == GAN_OK)
        st = gan_model_get_layer_count(m, &c);
    c--; /* the CondAugment layer */
    if (ca_layer)
        *ca_layer = c;
    const int32_t zc[2] = {GAN_MODEL_INPUT(0), c};
    if (st == GAN_OK)
        st = link_layer(m, gan_layer_concat_create(&l), &l, zc, 2, NULL);
    if (st == GAN_OK)
        st = EX_ADD(m, gan_layer_dense_create(&l, 7 * 7 * 2 * f, false), l);
    if (st == GAN_OK)
        st = EX_ADD(m, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l);
    if (st == GAN_OK)
        st = EX_ADD(m, gan_layer_relu_create(&l), l);
    if (st == GAN_OK)
        st = EX_ADD(m, gan_layer_reshape_create(&l, planes, 3), l);
    if (st == GAN_OK)
        st = gan_model_get_layer_count(m, &x);
    x--;
    int32_t tiled = 0;
    if (st == GAN_OK) /* the caption again beside the 7x7 map */
        st = link_layer(m, gan_layer_tile_create(&l, 7, 7), &l, &c, 1, &tiled);
    const int32_t joined[2] = {x, tiled};
    if (st == GAN_OK)
        st = link_layer(m, gan_layer_concat_create(&l), &l, joined, 2, NULL);
    if (st == GAN_OK)
        st = EX_ADD(m, gan_layer_conv2d_transpose_create(&l, f, 5, 2, GAN_PADDING_SAME), l);
    if (st == GAN_OK)
        st = EX_ADD(m, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l);
    if (st == GAN_OK)
        st = EX_ADD(m, gan_layer_relu_create(&l), l);
    if (st == GAN_OK)
        st = EX_ADD(m, gan_layer_conv2d_transpose_create(&l, 1, 5, 2, GAN_PADDING_SAME), l);
    if (st == GAN_OK)
        st = EX_ADD(m, gan_layer_tanh_create(&l), l);
    return ex_model_finish(st, m, batch, out);
}

gan_status ex_t2i_discriminator(const ex_t2i_sizes *s, int32_t batch, uint64_t seed,
                                gan_model_t **out)
{
    const int32_t image[3] = {1, 28, 28}, f = s->d_channels;
    gan_model_t *m = NULL;
    gan_layer_t *l;
    int32_t text_in, h = 0, p = 0, q = 0;
    gan_status st = ex_model(&m, image, 3, "D", seed);
    for (int i = 0; i < 2 && st == GAN_OK; i++) {
        st = EX_ADD(m, gan_layer_conv2d_create(&l, f << i, 5, 2, GAN_PADDING_SAME), l);
        if (st == GAN_OK)
            st = EX_ADD(m, gan_layer_leaky_relu_create(&l, 0.2f), l);
    }
    if (st == GAN_OK)
        st = EX_ADD(m, gan_layer_flatten_create(&l), l);
    if (st == GAN_OK)
        st = EX_ADD(m, gan_layer_dense_create(&l, s->d_text, true), l);
    if (st == GAN_OK)
        st = EX_ADD(m, gan_layer_leaky_relu_create(&l, 0.2f), l);
    if (st == GAN_OK)
        st = gan_model_get_layer_count(m, &h);
    h--; /* the image's features */
    if (st == GAN_OK)
        st = gan_model_add_input(m, &s->text, 1, &text_in);
    if (st == GAN_OK)
        st = link_layer(m, text_dense(&l, s->d_text, false), &l, &text_in, 1, &p);
    const int32_t hp[2] = {h, p};
    if (st == GAN_OK) /* the projection: features times the caption's projection */
        st = link_layer(m, gan_layer_multiply_create(&l), &l, hp, 2, &q);
    const int32_t hq[2] = {h, q};
    if (st == GAN_OK)
        st = link_layer(m, gan_layer_concat_create(&l), &l, hq, 2, NULL);
    if (st == GAN_OK)
        st = EX_ADD(m, gan_layer_dense_create(&l, 1, true), l);
    return ex_model_finish(st, m, batch, out);
}
