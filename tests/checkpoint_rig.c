/* The checkpoint tests' GAN (checkpoint_rig.h). */
#include "checkpoint_rig.h"

#include "test_util.h"

const rig_spec base_spec = {32, true, false, GAN_OPTIM_RMSPROP, 1, false, true, true, false};
const rig_spec fixture_spec = {32, true, false, GAN_OPTIM_RMSPROP, 1, false, true, true, true};

/* A product that rounds alike on every machine and BLAS: each element summed in order
 * of k, with no fused multiply-add (ISO C11 mode contracts nothing). */
static int rig_sgemm(void *user, int32_t trans_a, int32_t trans_b, int32_t m, int32_t n,
                     int32_t k, float alpha, const float *a, int32_t lda, const float *b,
                     int32_t ldb, float beta, float *c, int32_t ldc)
{
    (void)user;
    for (int32_t i = 0; i < m; i++)
        for (int32_t j = 0; j < n; j++) {
            float sum = 0.0f;
            for (int32_t p = 0; p < k; p++) {
                float x = trans_a ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
                float y = trans_b ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
                sum += x * y;
            }
            float *out = &c[(size_t)i * ldc + j];
            *out = beta == 0.0f ? alpha * sum : alpha * sum + beta * *out;
        }
    return 0;
}

static gan_model_t *rig_model(const int32_t *dims, const rig_spec *s, uint64_t seed)
{
    gan_model_t *m = gt_model_seeded(dims, 1, seed);
    if (s->plain_sgemm)
        GT_OK(gan_model_set_sgemm(m, rig_sgemm, NULL));
    return m;
}

static gan_model_t *generator(const rig_spec *s)
{
    const int32_t dims[1] = {LATENT};
    gan_model_t *m = rig_model(dims, s, s->seed);
    gan_layer_t *l;
    gt_add(m, gan_layer_dense_create(&l, s->g_hidden, true), l);
    gt_add(m, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l);
    gt_add(m, gan_layer_relu_create(&l), l);
    if (s->g_dropout)
        gt_add(m, gan_layer_dropout_create(&l, 0.2f), l);
    gt_add(m, gan_layer_dense_create(&l, IMAGE, true), l);
    gt_add(m, gan_layer_tanh_create(&l), l);
    GT_OK(gan_model_build(m, BATCH));
    return m;
}

/* D: Dense (spectrally normalised: u and v are state too), BatchNorm, LeakyReLU,
 * Dropout, Dense(1), [Dense(1)]. */
static gan_model_t *discriminator(const rig_spec *s)
{
    const int32_t dims[1] = {IMAGE};
    gan_model_t *m = rig_model(dims, s, s->seed + 1);
    gan_layer_t *l;
    GT_OK(gan_layer_dense_create(&l, 32, true));
    GT_OK(gan_layer_set_spectral_norm(l, s->d_spectral));
    GT_OK(gan_model_add(m, l));
    gt_add(m, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l);
    gt_add(m, gan_layer_leaky_relu_create(&l, 0.2f), l);
    gt_add(m, gan_layer_dropout_create(&l, 0.3f), l);
    gt_add(m, gan_layer_dense_create(&l, 1, true), l);
    if (s->d_extra)
        gt_add(m, gan_layer_dense_create(&l, 1, true), l);
    GT_OK(gan_model_build(m, BATCH));
    return m;
}

/* Every hack that draws random numbers or keeps state is on: label smoothing, flips,
 * annealed instance noise, replay, EMA and the gradient penalty (which replays D's
 * dropout streams). */
static gan_hacks_t *hacks_for(const rig_spec *s)
{
    gan_hacks_t *h = NULL;
    GT_OK(gan_hacks_create(&h));
    GT_OK(gan_hacks_set(h, GAN_HACK_FLIP_PROB, s->alt_settings ? 0.2 : 0.1));
    GT_OK(gan_hacks_set(h, GAN_HACK_INSTANCE_NOISE, 0.1));
    GT_OK(gan_hacks_set(h, GAN_HACK_INSTANCE_NOISE_STEPS, 100));
    GT_OK(gan_hacks_set(h, GAN_HACK_REPLAY_SIZE, 40));
    GT_OK(gan_hacks_set(h, GAN_HACK_REPLAY_FRACTION, 0.5));
    GT_OK(gan_hacks_set(h, GAN_HACK_EMA_DECAY, s->ema ? (s->alt_settings ? 0.5 : 0.9) : 0));
    GT_OK(gan_hacks_set(h, GAN_HACK_GP_WEIGHT, s->alt_settings ? 2.0 : 1.0));
    GT_OK(gan_hacks_set(h, GAN_HACK_SEED, s->alt_settings ? 99 : 7));
    if (!s->alt_settings)
        GT_OK(gan_hacks_set_labels(h, true, 0.7f, 1.0f));
    return h;
}

void rig_create(rig *r, const rig_spec *s)
{
    r->g = generator(s);
    r->d = discriminator(s);
    const float lr = s->alt_settings ? 5e-4f : 1e-3f;
    GT_OK(gan_optimizer_adam_create(&r->g_opt, r->g, lr, 0.5f, 0.999f, 1e-8f));
    if (s->d_optim == GAN_OPTIM_RMSPROP) {
        GT_OK(gan_optimizer_rmsprop_create(&r->d_opt, r->d, lr, 0.9f, 1e-8f));
        GT_OK(gan_optimizer_set(r->d_opt, GAN_OPT_MOMENTUM, s->alt_settings ? 0.0 : 0.5));
    } else {
        GT_OK(gan_optimizer_sgd_create(&r->d_opt, r->d, lr, 0.5f, false));
    }
    gan_hacks_t *h = hacks_for(s);
    GT_OK(gan_trainer_create(&r->t, r->g, r->d, r->g_opt, r->d_opt, h));
    gan_hacks_destroy(h);
}

void rig_destroy(rig *r)
{
    gt_gan_destroy(r->t, r->g_opt, r->d_opt, r->g, r->d);
}

/* Train up to data position @p end; batch p's reals are a function of p alone, which is
 * how a caller resumes its data order from the saved position. */
void train_to(rig *r, uint64_t end)
{
    uint64_t pos;
    GT_OK(gan_trainer_get_data_position(r->t, &pos));
    for (; pos < end; pos++) {
        float x[BATCH * IMAGE];
        gt_rng g;
        gt_seed(&g, 1000 + pos);
        gt_fill(&g, x, BATCH * IMAGE, -0.8f, 0.8f);
        GT_OK(gan_trainer_step(r->t, x, NULL, BATCH, NULL));
        GT_OK(gan_trainer_set_data_position(r->t, pos + 1));
    }
}

void rig_trained(rig *r, const rig_spec *s, uint64_t steps)
{
    rig_create(r, s);
    train_to(r, steps);
}

