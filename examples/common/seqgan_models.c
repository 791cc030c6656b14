/* SeqGAN's generator and discriminator (seqgan_models.h). */
#include "seqgan_models.h"

#include <stddef.h>

static gan_status ex_sg_model(int32_t steps, const char *name, uint64_t seed,
                              gan_model_t **out)
{
    gan_model_options_t o;
    gan_status st = gan_model_options_init(&o, sizeof o);
    if (st != GAN_OK)
        return st;
    o.seed = seed;
    o.name = name;
    return gan_model_create(out, &steps, 1, &o);
}

/* Add *@p l (created with status @p created) reading @p input (-1: the last layer);
 * destroys it on failure. The layer is passed by address: an argument's evaluation
 * order is unspecified, so *l is read only after the create call ran. */
static gan_status ex_sg_add(gan_model_t *m, gan_status created, gan_layer_t *const *l,
                            int32_t input, int32_t *node)
{
    if (created != GAN_OK)
        return created;
    gan_status st = gan_model_connect(m, *l, &input, 1, node);
    if (st != GAN_OK)
        gan_layer_destroy(*l);
    return st;
}

/* Build @p m for @p batch when all went well (@p st), else destroy it; *out the model
 * or NULL. */
static gan_status ex_sg_finish(gan_model_t *m, gan_status st, int32_t batch,
                               gan_model_t **out)
{
    if (st == GAN_OK)
        st = gan_model_build(m, batch);
    if (st != GAN_OK) {
        gan_model_destroy(m);
        m = NULL;
    }
    *out = m;
    return st;
}

gan_status ex_seqgan_generator(int32_t vocab, int32_t steps, int32_t embed, int32_t hidden,
                               bool sampler, int32_t batch, const char *name, uint64_t seed,
                               gan_model_t **out)
{
    gan_model_t *m = NULL;
    gan_status st = ex_sg_model(sampler ? 1 : steps, name, seed, &m);
    gan_recurrent_options_t o;
    if (st == GAN_OK)
        st = gan_recurrent_options_init(&o, sizeof o);
    o.hidden = hidden;
    o.stateful = sampler;
    o.max_steps = sampler ? steps : 0;
    gan_layer_t *l = NULL;
    if (st == GAN_OK)
        st = ex_sg_add(m, gan_layer_embedding_sequence_create(&l, vocab, embed), &l,
                       GAN_MODEL_INPUT(0), NULL);
    if (st == GAN_OK)
        st = ex_sg_add(m, gan_layer_lstm_create_ex(&l, &o), &l, -1, NULL);
    if (st == GAN_OK)
        st = ex_sg_add(m, gan_layer_dense_create(&l, vocab, true), &l, -1, NULL);
    return ex_sg_finish(m, st, batch, out);
}

#define EX_SG_MAX_WIDTHS 32

gan_status ex_seqgan_discriminator(int32_t vocab, int32_t steps, int32_t embed,
                                   const int32_t *widths, const int32_t *filters,
                                   int32_t n_widths, float dropout, int32_t batch,
                                   const char *name, uint64_t seed, gan_model_t **out)
{
    *out = NULL;
    if (n_widths < 1 || n_widths > EX_SG_MAX_WIDTHS)
        return GAN_E_OUT_OF_RANGE;
    gan_model_t *m = NULL;
    gan_status st = ex_sg_model(steps, name, seed, &m);
    gan_layer_t *l = NULL;
    int32_t image, pooled[EX_SG_MAX_WIDTHS];
    const int32_t dims[3] = {1, steps, embed};
    if (st == GAN_OK)
        st = ex_sg_add(m, gan_layer_embedding_sequence_create(&l, vocab, embed), &l,
                       GAN_MODEL_INPUT(0), NULL);
    if (st == GAN_OK)
        st = ex_sg_add(m, gan_layer_reshape_create(&l, dims, 3), &l, -1, &image);
    for (int32_t i = 0; st == GAN_OK && i < n_widths; i++) {
        gan_conv_options_t c;
        if ((st = gan_conv_options_init(&c, sizeof c)) != GAN_OK)
            break;
        c.filters = filters[i];
        c.kernel_h = widths[i];
        c.kernel_w = embed;
        c.padding = GAN_PADDING_VALID;
        st = ex_sg_add(m, gan_layer_conv2d_create_ex(&l, &c), &l, image, NULL);
        if (st == GAN_OK)
            st = ex_sg_add(m, gan_layer_relu_create(&l), &l, -1, NULL);
        if (st == GAN_OK)
            st = ex_sg_add(m, gan_layer_global_maxpool_create(&l), &l, -1, &pooled[i]);
    }
    if (st == GAN_OK && (st = gan_layer_concat_create(&l)) == GAN_OK &&
        (st = gan_model_connect(m, l, pooled, n_widths, NULL)) != GAN_OK)
        gan_layer_destroy(l);
    if (st == GAN_OK)
        st = ex_sg_add(m, gan_layer_highway_create(&l, 0.0f), &l, -1, NULL);
    if (st == GAN_OK)
        st = ex_sg_add(m, gan_layer_dropout_create(&l, dropout), &l, -1, NULL);
    if (st == GAN_OK)
        st = ex_sg_add(m, gan_layer_dense_create(&l, 1, true), &l, -1, NULL);
    return ex_sg_finish(m, st, batch, out);
}
