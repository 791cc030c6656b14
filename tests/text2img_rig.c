/* Small text-to-image GANs for the tests (text2img_rig.h). */
#include "text2img_rig.h"

#include <string.h>

#include "test_util.h"

/* A Concat of nodes @p a and @p b. */
static void t2i_concat(gan_model_t *m, int32_t a, int32_t b)
{
    const int32_t nodes[2] = {a, b};
    gan_layer_t *l = NULL;
    GT_OK(gan_layer_concat_create(&l));
    GT_OK(gan_model_connect(m, l, nodes, 2, NULL));
}

gan_model_t *t2i_encoder(const t2i_size *s, uint64_t seed, const gan_allocator_t *alloc)
{
    gan_model_t *m = gt_model_named(&s->T, 1, seed, alloc, "e");
    gan_layer_t *l = NULL;
    gt_add(m, gan_layer_embedding_sequence_create(&l, s->V, 4), l);
    gt_add(m, gan_layer_flatten_create(&l), l);
    gt_add(m, gan_layer_dense_create(&l, s->K, true), l);
    GT_OK(gan_model_build(m, s->B));
    return m;
}

gan_model_t *t2i_generator(const t2i_size *s, uint64_t seed, const gan_allocator_t *alloc)
{
    gan_model_t *m = gt_model_named(&s->Z, 1, seed, alloc, "g");
    GT_OK(gan_model_add_input(m, &s->K, 1, NULL));
    t2i_concat(m, GAN_MODEL_INPUT(0), GAN_MODEL_INPUT(1));
    const int32_t image[3] = {1, s->side, s->side};
    gan_layer_t *l = NULL;
    gt_add(m, gan_layer_dense_create(&l, s->hidden, true), l);
    gt_add(m, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l);
    gt_add(m, gan_layer_leaky_relu_create(&l, 0.2f), l);
    gt_add(m, gan_layer_dense_create(&l, s->side * s->side, true), l);
    gt_add(m, gan_layer_tanh_create(&l), l);
    gt_add(m, gan_layer_reshape_create(&l, image, 3), l);
    GT_OK(gan_model_build(m, s->B));
    return m;
}

gan_model_t *t2i_discriminator(const t2i_size *s, float dropout, uint64_t seed,
                               const gan_allocator_t *alloc)
{
    const int32_t image[3] = {1, s->side, s->side};
    gan_model_t *m = gt_model_named(image, 3, seed, alloc, "d");
    GT_OK(gan_model_add_input(m, &s->K, 1, NULL));
    gan_layer_t *l = NULL;
    gt_add(m, gan_layer_flatten_create(&l), l);
    t2i_concat(m, 0, GAN_MODEL_INPUT(1));
    gt_add(m, gan_layer_dense_create(&l, s->hidden, true), l);
    gt_add(m, gan_layer_leaky_relu_create(&l, 0.2f), l);
    if (dropout > 0)
        gt_add(m, gan_layer_dropout_create(&l, dropout), l);
    gt_add(m, gan_layer_dense_create(&l, 1, true), l);
    GT_OK(gan_model_build(m, s->B));
    return m;
}

gan_optimizer_t *t2i_adam(gan_model_t *m, float lr)
{
    gan_optimizer_t *o = NULL;
    GT_OK(gan_optimizer_adam_create(&o, m, lr, 0.5f, 0.999f, 1e-8f));
    return o;
}

void t2i_rig_make(t2i_rig *r, const t2i_size *s, uint64_t seed, bool train_e, float lr,
                  const gan_text2img_options_t *opts, const gan_allocator_t *alloc)
{
    memset(r, 0, sizeof *r);
    r->size = *s;
    r->g = t2i_generator(s, seed, alloc);
    r->d = t2i_discriminator(s, 0.2f, seed + 1, alloc);
    r->e = t2i_encoder(s, seed + 2, alloc);
    r->g_opt = t2i_adam(r->g, lr);
    r->d_opt = t2i_adam(r->d, lr);
    r->e_opt = train_e ? t2i_adam(r->e, lr) : NULL;
    GT_OK(gan_text2img_create(&r->t, r->g, r->d, r->e, r->g_opt, r->d_opt, r->e_opt, opts));
}

void t2i_rig_make_parallel(t2i_rig *r, int32_t batch)
{
    const t2i_size size = {.V = 6, .T = 3, .K = 4, .Z = 3, .side = 4, .hidden = 8,
                           .B = batch};
    memset(r, 0, sizeof *r);
    r->size = size;
    r->g = t2i_generator(&size, 31, NULL);
    r->d = t2i_discriminator(&size, 0.0f, 32, NULL);
    r->e = t2i_encoder(&size, 33, NULL);
    r->g_opt = t2i_adam(r->g, 2e-3f);
    r->d_opt = t2i_adam(r->d, 2e-3f);
    r->e_opt = t2i_adam(r->e, 2e-3f);
    gan_text2img_options_t o;
    GT_OK(gan_text2img_options_init(&o, sizeof o));
    o.interp_share = 0.0;
    GT_OK(gan_text2img_create(&r->t, r->g, r->d, r->e, r->g_opt, r->d_opt, r->e_opt, &o));
}

void t2i_rig_free(t2i_rig *r)
{
    gan_text2img_destroy(r->t);
    gan_optimizer_destroy(r->e_opt);
    gan_model_destroy(r->e);
    gt_gan_destroy(NULL, r->g_opt, r->d_opt, r->g, r->d);
    memset(r, 0, sizeof *r);
}
