/* Small SeqGANs for the tests (seqgan_rig.h). */
#include "seqgan_rig.h"

#include <string.h>

#include "test_util.h"

gan_model_t *sg_generator(int32_t V, int32_t T, int32_t E, int32_t H, int32_t batch,
                          bool step, uint64_t seed, const gan_allocator_t *alloc)
{
    const int32_t dims = step ? 1 : T;
    gan_model_t *m = gt_model_named(&dims, 1, seed, alloc, step ? "g_step" : "g");
    gan_recurrent_options_t o;
    GT_OK(gan_recurrent_options_init(&o, sizeof o));
    o.hidden = H;
    o.stateful = step;
    o.max_steps = step ? T : 0;
    gan_layer_t *l = NULL;
    gt_add(m, gan_layer_embedding_sequence_create(&l, V, E), l);
    gt_add(m, gan_layer_lstm_create_ex(&l, &o), l);
    gt_add(m, gan_layer_dense_create(&l, V, true), l);
    GT_OK(gan_model_build(m, batch));
    return m;
}

gan_model_t *sg_discriminator(int32_t V, int32_t T, int32_t E, int32_t H, int32_t batch,
                              uint64_t seed, const gan_allocator_t *alloc)
{
    gan_model_t *m = gt_model_named(&T, 1, seed, alloc, "d");
    gan_recurrent_options_t o;
    GT_OK(gan_recurrent_options_init(&o, sizeof o));
    o.hidden = H;
    o.return_sequences = 0;
    gan_layer_t *l = NULL;
    gt_add(m, gan_layer_embedding_sequence_create(&l, V, E), l);
    gt_add(m, gan_layer_lstm_create_ex(&l, &o), l);
    gt_add(m, gan_layer_dropout_create(&l, 0.25f), l);
    gt_add(m, gan_layer_dense_create(&l, 1, true), l);
    GT_OK(gan_model_build(m, batch));
    return m;
}

void sg_copy_params(gan_model_t *to, gan_model_t *from)
{
    float *a, *b;
    size_t na, nb;
    GT_OK(gan_model_get_params(to, &a, &na));
    GT_OK(gan_model_get_params(from, &b, &nb));
    if (na != nb)
        fail_msg("parameter counts differ: %zu, %zu", na, nb);
    memcpy(a, b, na * sizeof *a);
}

void sg_rig_make(sg_rig *r, int32_t V, int32_t T, int32_t B, uint64_t seed,
                 const gan_seqgan_options_t *opts, const gan_allocator_t *alloc)
{
    memset(r, 0, sizeof *r);
    r->V = V, r->T = T, r->B = B;
    r->g = sg_generator(V, T, 8, 8, B, false, seed, alloc);
    r->g_step = sg_generator(V, T, 8, 8, B, true, seed + 1, alloc);
    r->d = sg_discriminator(V, T, 8, 8, B, seed + 2, alloc);
    GT_OK(gan_optimizer_adam_create(&r->g_opt, r->g, 1e-2f, 0.9f, 0.999f, 1e-8f));
    GT_OK(gan_optimizer_adam_create(&r->d_opt, r->d, 1e-3f, 0.9f, 0.999f, 1e-8f));
    gan_seqgan_options_t o;
    GT_OK(gan_seqgan_options_init(&o, sizeof o));
    o.rollouts = 2;
    GT_OK(gan_seqgan_create(&r->t, r->g, r->g_step, r->d, r->g_opt, r->d_opt,
                            opts ? opts : &o));
}

void sg_rig_free(sg_rig *r)
{
    gan_seqgan_destroy(r->t);
    gan_optimizer_destroy(r->g_opt);
    gan_optimizer_destroy(r->d_opt);
    gan_model_destroy(r->g);
    gan_model_destroy(r->g_step);
    gan_model_destroy(r->d);
    memset(r, 0, sizeof *r);
}
