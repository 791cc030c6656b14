/* The text-to-image trainer (issue 15): every error of create and the step with its
 * message, the wrong captions by default, GAN-INT on and off, encoding and drawing
 * against the models run by hand, exact resume from a checkpoint, and no allocation
 * after create. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "text2img_rig.h"

enum { V = 6, T = 3, K = 5, Z = 4, SIDE = 4, B = 4, IMAGE = SIDE * SIDE };

static const t2i_size small = {.V = V, .T = T, .K = K, .Z = Z, .side = SIDE, .hidden = 8,
                               .B = B};

static gan_text2img_options_t defaults(void)
{
    gan_text2img_options_t o;
    GT_OK(gan_text2img_options_init(&o, sizeof o));
    return o;
}

/* A batch: images in [-1, 1], captions in [0, V), from @p seed. */
static void batch(uint64_t seed, float *images, int32_t *captions, int32_t *wrong)
{
    gt_rng r;
    gt_seed(&r, seed);
    gt_fill(&r, images, (size_t)B * IMAGE, -1.0f, 1.0f);
    for (int i = 0; i < B * T; i++)
        captions[i] = (int32_t)(gt_uniform(&r) * V);
    for (int i = 0; wrong && i < B * T; i++)
        wrong[i] = (int32_t)(gt_uniform(&r) * V);
}

static void test_options_defaults(void **state)
{
    (void)state;
    gan_text2img_options_t o = defaults();
    assert_true(o.wrong_weight == 0.5 && o.interp_share == 0.5 && o.interp_beta == 0.5);
    assert_true(o.label_smoothing == 0.0);
    assert_int_equal(o.latent, GAN_LATENT_GAUSSIAN);
    assert_true(o.seed == 42);
    GT_FAILS(gan_text2img_options_init(NULL, sizeof o), GAN_E_INVALID_ARG, "NULL");
    GT_FAILS(gan_text2img_options_init(&o, 4), GAN_E_INVALID_ARG, "struct_size");
}

static void expect_option_refused(gan_model_t *g, gan_model_t *d, gan_model_t *e,
                                  gan_optimizer_t *go, gan_optimizer_t *dop,
                                  const gan_text2img_options_t *o, const char *needle)
{
    gan_text2img_t *t = NULL;
    GT_FAILS(gan_text2img_create(&t, g, d, e, go, dop, NULL, o), GAN_E_OUT_OF_RANGE, needle);
    assert_null(t);
}

/* Every create error names the models and the shapes. */
static void test_create_errors(void **state)
{
    (void)state;
    gan_model_t *g = t2i_generator(&small, 1, NULL);
    gan_model_t *d = t2i_discriminator(&small, 0, 2, NULL);
    gan_model_t *e = t2i_encoder(&small, 3, NULL);
    gan_optimizer_t *go = t2i_adam(g, 1e-3f), *dop = t2i_adam(d, 1e-3f);
    gan_optimizer_t *eo = t2i_adam(e, 1e-3f);
    gan_text2img_t *t = (gan_text2img_t *)1;
    GT_FAILS(gan_text2img_create(NULL, g, d, e, go, dop, eo, NULL), GAN_E_INVALID_ARG, "out");
    GT_FAILS(gan_text2img_create(&t, NULL, d, e, go, dop, eo, NULL), GAN_E_INVALID_ARG,
             "G is NULL");
    assert_null(t);
    GT_FAILS(gan_text2img_create(&t, g, NULL, e, go, dop, eo, NULL), GAN_E_INVALID_ARG,
             "D is");
    GT_FAILS(gan_text2img_create(&t, g, d, NULL, go, dop, eo, NULL), GAN_E_INVALID_ARG,
             "E is");
    GT_FAILS(gan_text2img_create(&t, g, d, e, NULL, dop, eo, NULL), GAN_E_INVALID_ARG,
             "g_opt");
    GT_FAILS(gan_text2img_create(&t, g, d, e, go, NULL, eo, NULL), GAN_E_INVALID_ARG, "d_opt");
    GT_FAILS(gan_text2img_create(&t, g, g, e, go, dop, eo, NULL), GAN_E_INVALID_ARG,
             "G and D are the same model 'g'");
    /* Optimizers of other models. */
    GT_FAILS(gan_text2img_create(&t, g, d, e, dop, go, eo, NULL), GAN_E_INVALID_ARG,
             "the optimizer given for G 'g' was created for model 'd'");
    GT_FAILS(gan_text2img_create(&t, g, d, e, go, dop, go, NULL), GAN_E_INVALID_ARG,
             "the optimizer given for E 'e' was created for model 'g'");
    /* Inputs: E reads one, G and D two. */
    GT_FAILS(gan_text2img_create(&t, e, d, g, go, dop, NULL, NULL), GAN_E_INVALID_ARG,
             "G 'e' has 1 inputs; it reads the latent (input 0) and the text vector");
    /* Not built. */
    int32_t dims = T;
    gan_model_t *raw = gt_model(&dims, 1);
    gan_layer_t *l = NULL;
    gt_add(raw, gan_layer_dense_create(&l, K, true), l);
    GT_FAILS(gan_text2img_create(&t, g, d, raw, go, dop, NULL, NULL), GAN_E_STATE,
             "E 'test' is not built");
    /* A Condition layer. */
    gan_model_t *cond = gt_model(&dims, 1);
    gt_add(cond, gan_layer_condition_create(&l, 3, 0), l);
    gt_add(cond, gan_layer_dense_create(&l, K, true), l);
    GT_OK(gan_model_build(cond, B));
    GT_FAILS(gan_text2img_create(&t, g, d, cond, go, dop, NULL, NULL), GAN_E_INVALID_ARG,
             "is conditional on 3 classes");
    /* Shapes: E's vector against G's and D's input 1, G's image against D's input 0. */
    t2i_size s = small;
    s.K = K + 1;
    gan_model_t *e6 = t2i_encoder(&s, 3, NULL), *g6 = t2i_generator(&s, 1, NULL);
    GT_FAILS(gan_text2img_create(&t, g, d, e6, go, dop, NULL, NULL), GAN_E_SHAPE,
             "G 'g' takes a text vector of (5) at input 1, E 'e' makes (6)");
    gan_optimizer_t *g6o = t2i_adam(g6, 1e-3f);
    GT_FAILS(gan_text2img_create(&t, g6, d, e6, g6o, dop, NULL, NULL), GAN_E_SHAPE,
             "D 'd' takes a text vector of (5) at input 1, E 'e' makes (6)");
    s = small;
    s.side = SIDE * 2;
    gan_model_t *g8 = t2i_generator(&s, 1, NULL);
    gan_optimizer_t *g8o = t2i_adam(g8, 1e-3f);
    GT_FAILS(gan_text2img_create(&t, g8, d, e, g8o, dop, NULL, NULL), GAN_E_SHAPE,
             "G 'g' makes (1,8,8), D 'd' takes (1,4,4) at input 0");
    /* E's output not a vector. */
    gan_model_t *seq = gt_model(&dims, 1);
    gt_add(seq, gan_layer_embedding_sequence_create(&l, V, K), l);
    GT_OK(gan_model_build(seq, B));
    GT_FAILS(gan_text2img_create(&t, g, d, seq, go, dop, NULL, NULL), GAN_E_SHAPE,
             "E 'test' maps (3) to (3,5); a text encoder maps (T) token ids to a vector");
    /* Options out of range, and unknown trailing bytes. */
    const char *names[4] = {"wrong_weight", "interp_share", "interp_beta", "label_smoothing"};
    for (int i = 0; i < 4; i++) {
        gan_text2img_options_t o = defaults();
        double *field[4] = {&o.wrong_weight, &o.interp_share, &o.interp_beta,
                            &o.label_smoothing};
        *field[i] = i == 3 ? 0.6 : 1.5;
        expect_option_refused(g, d, e, go, dop, &o, names[i]);
        *field[i] = -0.1;
        expect_option_refused(g, d, e, go, dop, &o, names[i]);
        *field[i] = NAN;
        expect_option_refused(g, d, e, go, dop, &o, names[i]);
    }
    gan_text2img_options_t o = defaults();
    o.latent = 2;
    expect_option_refused(g, d, e, go, dop, &o, "latent 2");
    struct {
        gan_text2img_options_t o;
        char extra[8];
    } longer;
    memset(&longer, 0, sizeof longer);
    GT_OK(gan_text2img_options_init(&longer.o, sizeof longer));
    longer.extra[3] = 1;
    GT_FAILS(gan_text2img_create(&t, g, d, e, go, dop, NULL, &longer.o), GAN_E_INVALID_ARG,
             "does not know that field");
    /* D and E are re-sized to G's batch. */
    s = small;
    s.B = 2;
    gan_model_t *d2 = t2i_discriminator(&s, 0, 2, NULL), *e2 = t2i_encoder(&s, 3, NULL);
    gan_optimizer_t *d2o = t2i_adam(d2, 1e-3f);
    GT_OK(gan_text2img_create(&t, g, d2, e2, go, d2o, NULL, NULL));
    int32_t bd, be;
    GT_OK(gan_model_get_batch_size(d2, &bd));
    GT_OK(gan_model_get_batch_size(e2, &be));
    assert_int_equal(bd, B);
    assert_int_equal(be, B);
    gan_text2img_destroy(t);
    gan_text2img_destroy(NULL);
    gan_optimizer_t *opts[] = {go, dop, eo, g6o, g8o, d2o};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        gan_optimizer_destroy(opts[i]);
    gan_model_t *models[] = {g, d, e, raw, cond, e6, g6, g8, seq, d2, e2};
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
        gan_model_destroy(models[i]);
}

/* Snapshot of everything a failed step must leave alone. */
typedef struct snapshot {
    float *p[3];
    size_t n[3];
} snapshot;

static snapshot take(const t2i_rig *r)
{
    snapshot s;
    gan_model_t *m[3] = {r->g, r->d, r->e};
    for (int i = 0; i < 3; i++) {
        float *p;
        GT_OK(gan_model_get_params(m[i], &p, &s.n[i]));
        s.p[i] = gt_copy_floats(p, s.n[i]);
    }
    return s;
}

static void unchanged(const t2i_rig *r, snapshot *s)
{
    gan_model_t *m[3] = {r->g, r->d, r->e};
    for (int i = 0; i < 3; i++) {
        float *p;
        size_t n;
        GT_OK(gan_model_get_params(m[i], &p, &n));
        assert_int_equal(n, s->n[i]);
        assert_memory_equal(p, s->p[i], n * sizeof *p);
        free(s->p[i]);
    }
}

/* Every step error leaves the models as they were. */
static void test_step_errors(void **state)
{
    (void)state;
    t2i_rig r;
    t2i_rig_make(&r, &small, 5, true, 1e-3f, NULL, NULL);
    float images[B * IMAGE];
    int32_t captions[B * T], wrong[B * T];
    batch(1, images, captions, wrong);
    gan_text2img_stats_t s = {.struct_size = sizeof s};
    snapshot before = take(&r);
    GT_FAILS(gan_text2img_step(NULL, images, captions, NULL, B, &s), GAN_E_INVALID_ARG,
             "trainer is NULL");
    GT_FAILS(gan_text2img_step(r.t, NULL, captions, NULL, B, &s), GAN_E_INVALID_ARG, "images");
    GT_FAILS(gan_text2img_step(r.t, images, NULL, NULL, B, &s), GAN_E_INVALID_ARG, "captions");
    GT_FAILS(gan_text2img_step(r.t, images, captions, NULL, B - 1, &s), GAN_E_BATCH_SIZE,
             "runs batches of 4 images and captions, got 3");
    GT_FAILS(gan_text2img_step(r.t, images, captions, NULL, 0, &s), GAN_E_BATCH_SIZE, "got 0");
    gan_text2img_stats_t unset = {0};
    GT_FAILS(gan_text2img_step(r.t, images, captions, NULL, B, &unset), GAN_E_INVALID_ARG,
             "struct_size");
    captions[2 * T + 1] = V;
    GT_FAILS(gan_text2img_step(r.t, images, captions, wrong, B, &s), GAN_E_OUT_OF_RANGE,
             "captions: token id 6 at position 1 of sequence 2 is outside [0, 6)");
    captions[2 * T + 1] = 0;
    wrong[3 * T + 2] = -1;
    GT_FAILS(gan_text2img_step(r.t, images, captions, wrong, B, &s), GAN_E_OUT_OF_RANGE,
             "wrong: token id -1 at position 2 of sequence 3");
    wrong[3 * T + 2] = 0;
    /* A NaN pixel: D's logits are NaN, nothing is updated. */
    images[5] = NAN;
    GT_FAILS(gan_text2img_step(r.t, images, captions, wrong, B, &s), GAN_E_NUMERIC,
             "D and E were not updated");
    images[5] = 0.0f;
    unchanged(&r, &before);
    GT_OK(gan_text2img_step(r.t, images, captions, wrong, B, &s));
    assert_int_equal(s.d_updates, 1);
    assert_int_equal(s.g_updates, 1);
    assert_true(s.kl == 0.0);
    /* Encode and generate. */
    float vectors[2 * K], out[2 * IMAGE];
    GT_FAILS(gan_text2img_encode(NULL, captions, 2, vectors), GAN_E_INVALID_ARG, "trainer");
    GT_FAILS(gan_text2img_encode(r.t, NULL, 2, vectors), GAN_E_INVALID_ARG, "captions");
    GT_FAILS(gan_text2img_encode(r.t, captions, 2, NULL), GAN_E_INVALID_ARG, "vectors");
    GT_FAILS(gan_text2img_encode(r.t, captions, 0, vectors), GAN_E_OUT_OF_RANGE, "n 0");
    captions[T] = 7;
    GT_FAILS(gan_text2img_encode(r.t, captions, 2, vectors), GAN_E_OUT_OF_RANGE,
             "token id 7 at position 0 of sequence 1");
    GT_FAILS(gan_text2img_generate(r.t, captions, 2, NULL, out), GAN_E_OUT_OF_RANGE,
             "token id 7 at position 0 of sequence 1");
    captions[T] = 0;
    GT_FAILS(gan_text2img_generate(r.t, captions, 2, NULL, NULL), GAN_E_INVALID_ARG, "images");
    GT_FAILS(gan_text2img_generate(r.t, captions, -1, NULL, out), GAN_E_OUT_OF_RANGE, "n -1");
    GT_FAILS(gan_text2img_generate_from_vectors(r.t, NULL, 2, NULL, out), GAN_E_INVALID_ARG,
             "vectors");
    GT_FAILS(gan_text2img_generate_from_vectors(NULL, vectors, 2, NULL, out),
             GAN_E_INVALID_ARG, "trainer");
    GT_FAILS(gan_text2img_generate_from_vectors(r.t, vectors, 0, NULL, out),
             GAN_E_OUT_OF_RANGE, "n 0");
    GT_FAILS(gan_text2img_sample_latent(r.t, 0, vectors), GAN_E_OUT_OF_RANGE, "n 0");
    GT_FAILS(gan_text2img_sample_latent(r.t, 1, NULL), GAN_E_INVALID_ARG, "z");
    uint64_t pos;
    GT_FAILS(gan_text2img_set_data_position(NULL, 1), GAN_E_INVALID_ARG, "NULL");
    GT_FAILS(gan_text2img_get_data_position(r.t, NULL), GAN_E_INVALID_ARG, "position");
    GT_OK(gan_text2img_get_data_position(r.t, &pos));
    assert_int_equal(pos, 0);
    t2i_rig_free(&r);
}

/* An encoder that does not embed ids (a Dense over them): ids must still be
 * non-negative and exact as floats, below 2^24. */
static void test_ids_without_embedding(void **state)
{
    (void)state;
    int32_t dims = T;
    gan_model_t *e = gt_model(&dims, 1);
    gan_layer_t *l = NULL;
    gt_add(e, gan_layer_dense_create(&l, K, true), l);
    GT_OK(gan_model_build(e, B));
    gan_model_t *g = t2i_generator(&small, 1, NULL);
    gan_model_t *d = t2i_discriminator(&small, 0, 2, NULL);
    gan_optimizer_t *go = t2i_adam(g, 1e-3f), *dop = t2i_adam(d, 1e-3f);
    gan_text2img_t *t;
    GT_OK(gan_text2img_create(&t, g, d, e, go, dop, NULL, NULL));
    float images[B * IMAGE];
    int32_t captions[B * T];
    batch(2, images, captions, NULL);
    captions[4] = 100000; /* no vocabulary to check against: accepted */
    GT_OK(gan_text2img_step(t, images, captions, NULL, B, NULL));
    captions[4] = -3;
    GT_FAILS(gan_text2img_step(t, images, captions, NULL, B, NULL), GAN_E_OUT_OF_RANGE,
             "captions: token id -3 at position 1 of sequence 1 is outside [0, 16777216)");
    captions[4] = 16777216;
    GT_FAILS(gan_text2img_step(t, images, captions, NULL, B, NULL), GAN_E_OUT_OF_RANGE,
             "token id 16777216");
    gan_text2img_destroy(t);
    gt_gan_destroy(NULL, go, dop, g, d);
    gan_model_destroy(e);
}

/* wrong == NULL is the batch's captions rotated by one, bit for bit. */
static void test_wrong_defaults_to_rotation(void **state)
{
    (void)state;
    t2i_rig a, b;
    t2i_rig_make(&a, &small, 7, true, 1e-3f, NULL, NULL);
    t2i_rig_make(&b, &small, 7, true, 1e-3f, NULL, NULL);
    float images[B * IMAGE];
    int32_t captions[B * T], rotated[B * T];
    gan_text2img_stats_t sa = {.struct_size = sizeof sa}, sb = {.struct_size = sizeof sb};
    for (int k = 0; k < 3; k++) {
        batch(10 + (uint64_t)k, images, captions, NULL);
        for (int i = 0; i < B; i++)
            memcpy(rotated + i * T, captions + ((i + 1) % B) * T, T * sizeof *rotated);
        GT_OK(gan_text2img_step(a.t, images, captions, NULL, B, &sa));
        GT_OK(gan_text2img_step(b.t, images, captions, rotated, B, &sb));
    }
    assert_memory_equal(&sa, &sb, sizeof sa);
    gt_same_params(a.g, b.g);
    gt_same_params(a.d, b.d);
    gt_same_params(a.e, b.e);
    assert_true(sa.d_loss > 0 && sa.g_loss > 0 && sa.e_grad_norm > 0);
    t2i_rig_free(&a);
    t2i_rig_free(&b);
}

/* GAN-INT on (every row, half, rounded) and off; E fixed or trained. */
static void test_interpolation_shares(void **state)
{
    (void)state;
    const double shares[4] = {0.0, 0.5, 0.6, 1.0};
    const int32_t rows[4] = {0, 2, 2, 4}; /* round(share * 4): 2.4 gives 2 */
    float images[B * IMAGE];
    int32_t captions[B * T];
    batch(3, images, captions, NULL);
    float *g_after[4];
    for (int i = 0; i < 4; i++) {
        gan_text2img_options_t o = defaults();
        o.interp_share = shares[i];
        t2i_rig r;
        t2i_rig_make(&r, &small, 11, i % 2 == 0, 1e-3f, &o, NULL);
        gan_text2img_stats_t s = {.struct_size = sizeof s};
        GT_OK(gan_text2img_step(r.t, images, captions, NULL, B, &s));
        assert_int_equal(s.interp_rows, rows[i]);
        assert_true(isfinite(s.g_loss) && s.g_grad_norm > 0);
        assert_true(i % 2 == 0 ? s.e_grad_norm > 0 : s.e_grad_norm == 0);
        float *p;
        size_t n;
        GT_OK(gan_model_get_params(r.g, &p, &n));
        g_after[i] = gt_copy_floats(p, n);
        t2i_rig_free(&r);
    }
    /* G learns from other text vectors with interpolation than without. */
    float *p;
    size_t n;
    gan_model_t *g = t2i_generator(&small, 11, NULL);
    GT_OK(gan_model_get_params(g, &p, &n));
    assert_true(memcmp(g_after[0], g_after[3], n * sizeof *p) != 0);
    gan_model_destroy(g);
    for (int i = 0; i < 4; i++)
        free(g_after[i]);
}

/* A fixed E (no e_opt) with BatchNorm and dropout runs in inference mode in the steps:
 * its parameters and running statistics do not move, so it encodes as before. */
static void test_fixed_encoder_is_untouched(void **state)
{
    (void)state;
    int32_t dims = T;
    gan_model_t *e = gt_model(&dims, 1);
    gan_layer_t *l = NULL;
    gt_add(e, gan_layer_embedding_sequence_create(&l, V, 4), l);
    gt_add(e, gan_layer_flatten_create(&l), l);
    gt_add(e, gan_layer_dense_create(&l, K, true), l);
    gt_add(e, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l);
    gt_add(e, gan_layer_dropout_create(&l, 0.5f), l);
    GT_OK(gan_model_build(e, B));
    gan_model_t *g = t2i_generator(&small, 1, NULL);
    gan_model_t *d = t2i_discriminator(&small, 0, 2, NULL);
    gan_optimizer_t *go = t2i_adam(g, 1e-3f), *dop = t2i_adam(d, 1e-3f);
    gan_text2img_t *t;
    GT_OK(gan_text2img_create(&t, g, d, e, go, dop, NULL, NULL));
    float images[B * IMAGE], before[B * K], after[B * K];
    int32_t captions[B * T];
    batch(6, images, captions, NULL);
    GT_OK(gan_text2img_encode(t, captions, B, before));
    for (int k = 0; k < 3; k++)
        GT_OK(gan_text2img_step(t, images, captions, NULL, B, NULL));
    GT_OK(gan_text2img_encode(t, captions, B, after));
    assert_memory_equal(before, after, sizeof before);
    bool training;
    GT_OK(gan_model_get_training(e, &training));
    assert_true(training);
    gan_text2img_destroy(t);
    gt_gan_destroy(NULL, go, dop, g, d);
    gan_model_destroy(e);
}

/* Encoding is E in inference mode, any n; generating from captions is generating from
 * their vectors; latents drawn by generate are those sample_latent would draw. */
static void test_encode_and_generate(void **state)
{
    (void)state;
    enum { N = 2 * B + 1 };
    t2i_rig a, b;
    t2i_rig_make(&a, &small, 13, true, 1e-3f, NULL, NULL);
    t2i_rig_make(&b, &small, 13, true, 1e-3f, NULL, NULL);
    float images[B * IMAGE];
    int32_t captions[N * T];
    for (int k = 0; k < 2; k++) { /* BatchNorm's running statistics move off their start */
        batch(20 + (uint64_t)k, images, captions, NULL);
        GT_OK(gan_text2img_step(a.t, images, captions, NULL, B, NULL));
        GT_OK(gan_text2img_step(b.t, images, captions, NULL, B, NULL));
    }
    gt_rng rng;
    gt_seed(&rng, 5);
    for (int i = 0; i < N * T; i++)
        captions[i] = (int32_t)(gt_uniform(&rng) * V);
    float vectors[N * K], by_hand[N * K];
    GT_OK(gan_text2img_encode(a.t, captions, N, vectors));
    bool training;
    GT_OK(gan_model_get_training(a.e, &training));
    assert_true(training); /* restored */
    GT_OK(gan_model_set_training(b.e, false));
    for (int i = 0; i < N; i++) { /* one caption at a time, at the start of a batch */
        float in[B * T] = {0};
        const float *phi;
        for (int j = 0; j < T; j++)
            in[j] = (float)captions[i * T + j];
        GT_OK(gan_model_forward(b.e, in, NULL, B, &phi));
        memcpy(by_hand + i * K, phi, K * sizeof *phi);
    }
    GT_OK(gan_model_set_training(b.e, true));
    assert_memory_equal(vectors, by_hand, sizeof vectors);
    float z[N * Z], x1[N * IMAGE], x2[N * IMAGE], x3[N * IMAGE];
    GT_OK(gan_text2img_generate(a.t, captions, N, NULL, x1));
    GT_OK(gan_text2img_sample_latent(b.t, N, z));
    GT_OK(gan_text2img_generate(b.t, captions, N, z, x2));
    assert_memory_equal(x1, x2, sizeof x1);
    GT_OK(gan_text2img_generate_from_vectors(b.t, vectors, N, z, x3));
    assert_memory_equal(x1, x3, sizeof x1);
    for (int i = 0; i < N * IMAGE; i++)
        assert_true(x1[i] >= -1.0f && x1[i] <= 1.0f);
    /* Both trainers' random streams advanced alike: the next draws agree. */
    GT_OK(gan_text2img_generate_from_vectors(a.t, vectors, 1, NULL, x1));
    GT_OK(gan_text2img_generate_from_vectors(b.t, vectors, 1, NULL, x2));
    assert_memory_equal(x1, x2, IMAGE * sizeof *x1);
    t2i_rig_free(&a);
    t2i_rig_free(&b);
}

static void run(t2i_rig *r, int from, int to, gan_text2img_stats_t *s)
{
    float images[B * IMAGE];
    int32_t captions[B * T], wrong[B * T];
    for (int k = from; k < to; k++) {
        batch(100 + (uint64_t)k, images, captions, wrong);
        GT_OK(gan_text2img_step(r->t, images, captions, k % 2 ? wrong : NULL, B, s));
    }
}

static void make(t2i_rig *r)
{
    gan_text2img_options_t o = defaults();
    o.wrong_weight = 0.3;
    o.interp_share = 0.75;
    o.interp_beta = 0.4;
    o.label_smoothing = 0.1;
    o.latent = GAN_LATENT_UNIFORM;
    o.seed = 8;
    t2i_rig_make(r, &small, 21, true, 1e-3f, &o, NULL);
}

/* k steps, save, a trainer of other weights, seed and settings, load, m steps: the
 * parameters, statistics and images of k + m straight steps, bit for bit. */
static void test_resume_is_exact(void **state)
{
    (void)state;
    t2i_rig straight, first, resumed;
    gan_text2img_stats_t s1 = {.struct_size = sizeof s1}, s2 = {.struct_size = sizeof s2};
    make(&straight);
    run(&straight, 0, 10, &s1);
    char path[64];
    gt_temp_path(path, sizeof path, "text2img");
    make(&first);
    run(&first, 0, 5, &s2);
    GT_OK(gan_text2img_set_data_position(first.t, 5));
    GT_OK(gan_text2img_save(first.t, path));
    t2i_rig_free(&first);
    t2i_rig_make(&resumed, &small, 99, true, 2e-3f, NULL, NULL);
    GT_OK(gan_text2img_load(resumed.t, path));
    remove(path);
    uint64_t pos;
    GT_OK(gan_text2img_get_data_position(resumed.t, &pos));
    assert_int_equal(pos, 5);
    run(&resumed, 5, 10, &s2);
    assert_memory_equal(&s1, &s2, sizeof s1);
    assert_int_equal(s2.d_updates, 10);
    assert_int_equal(s2.interp_rows, 3);
    gt_same_params(straight.g, resumed.g);
    gt_same_params(straight.d, resumed.d);
    gt_same_params(straight.e, resumed.e);
    int32_t captions[3 * B * T];
    for (int i = 0; i < 3 * B * T; i++)
        captions[i] = i % V;
    float x1[3 * B * IMAGE], x2[3 * B * IMAGE];
    GT_OK(gan_text2img_generate(straight.t, captions, 3 * B, NULL, x1));
    GT_OK(gan_text2img_generate(resumed.t, captions, 3 * B, NULL, x2));
    assert_memory_equal(x1, x2, sizeof x1);
    t2i_rig_free(&straight);
    t2i_rig_free(&resumed);
}

/* A checkpoint with E's optimizer does not load into a trainer that keeps E fixed, nor
 * the other way round; nor one of another architecture. Nothing changes. */
static void test_checkpoint_mismatch(void **state)
{
    (void)state;
    char trained[64], fixed[64];
    gt_temp_path(trained, sizeof trained, "text2img");
    gt_temp_path(fixed, sizeof fixed, "text2img");
    t2i_rig with_e, without_e, other;
    t2i_rig_make(&with_e, &small, 3, true, 1e-3f, NULL, NULL);
    t2i_rig_make(&without_e, &small, 4, false, 1e-3f, NULL, NULL);
    GT_OK(gan_text2img_save(with_e.t, trained));
    GT_OK(gan_text2img_save(without_e.t, fixed));
    snapshot before = take(&without_e);
    GT_FAILS(gan_text2img_load(without_e.t, trained), GAN_E_FORMAT,
             "the checkpoint has the optimizer of E section, and this trainer has E's "
             "training (e_opt NULL) off");
    unchanged(&without_e, &before);
    before = take(&with_e);
    GT_FAILS(gan_text2img_load(with_e.t, fixed), GAN_E_FORMAT,
             "the checkpoint has no optimizer of E section");
    unchanged(&with_e, &before);
    t2i_size s = small;
    s.hidden = 9;
    t2i_rig_make(&other, &s, 5, true, 1e-3f, NULL, NULL);
    before = take(&other);
    GT_FAILS(gan_text2img_load(other.t, trained), GAN_E_FORMAT, "generator G");
    unchanged(&other, &before);
    GT_FAILS(gan_text2img_load(other.t, ""), GAN_E_INVALID_ARG, "path");
    GT_FAILS(gan_text2img_save(NULL, trained), GAN_E_INVALID_ARG, "NULL");
    remove(trained);
    remove(fixed);
    t2i_rig_free(&with_e);
    t2i_rig_free(&without_e);
    t2i_rig_free(&other);
}

/* The trainer allocates at create, never in a step, while encoding or while drawing. */
static void test_no_allocation_after_create(void **state)
{
    (void)state;
    long calls = 0;
    const gan_allocator_t a = gt_counting_allocator(&calls);
    t2i_rig r;
    t2i_rig_make(&r, &small, 17, true, 1e-3f, NULL, &a);
    float images[B * IMAGE], vectors[(B + 1) * K], out[(B + 1) * IMAGE], z[(B + 1) * Z];
    int32_t captions[(B + 1) * T], wrong[B * T];
    batch(4, images, captions, wrong);
    memcpy(captions + B * T, captions, T * sizeof *captions);
    const long before = calls;
    gan_text2img_stats_t s = {.struct_size = sizeof s};
    for (int k = 0; k < 2; k++) {
        GT_OK(gan_text2img_step(r.t, images, captions, k ? wrong : NULL, B, &s));
        GT_OK(gan_text2img_encode(r.t, captions, B + 1, vectors));
        GT_OK(gan_text2img_sample_latent(r.t, B + 1, z));
        GT_OK(gan_text2img_generate(r.t, captions, B + 1, k ? z : NULL, out));
        GT_OK(gan_text2img_generate_from_vectors(r.t, vectors, B + 1, k ? NULL : z, out));
    }
    assert_int_equal(calls, before);
    t2i_rig_free(&r);
}

/* The caption layers of gan/text.h in the trainer: E = BagOfWords -> Dense, whose
 * vocabulary the step checks ids against; G with a conditioning augmentation on its
 * text input, whose KL term the stats report. */
static void test_caption_layers(void **state)
{
    (void)state;
    gan_model_t *e = gt_model_named(&small.T, 1, 3, NULL, "e");
    gan_layer_t *l = NULL;
    gt_add(e, gan_layer_bag_of_words_create(&l, V, 4, 0), l);
    gt_add(e, gan_layer_dense_create(&l, K, true), l);
    GT_OK(gan_model_build(e, B));
    gan_model_t *g = gt_model_named(&small.Z, 1, 4, NULL, "g");
    int32_t text_node, nodes[2];
    GT_OK(gan_model_add_input(g, &small.K, 1, NULL));
    GT_OK(gan_layer_dense_create(&l, 2 * 3, true));
    nodes[0] = GAN_MODEL_INPUT(1);
    GT_OK(gan_model_connect(g, l, nodes, 1, &text_node));
    GT_OK(gan_layer_cond_augment_create(&l, 0.5f));
    nodes[0] = text_node;
    GT_OK(gan_model_connect(g, l, nodes, 1, &text_node));
    GT_OK(gan_layer_concat_create(&l));
    nodes[0] = GAN_MODEL_INPUT(0), nodes[1] = text_node;
    GT_OK(gan_model_connect(g, l, nodes, 2, NULL));
    const int32_t image[3] = {1, SIDE, SIDE};
    gt_add(g, gan_layer_dense_create(&l, IMAGE, true), l);
    gt_add(g, gan_layer_tanh_create(&l), l);
    gt_add(g, gan_layer_reshape_create(&l, image, 3), l);
    GT_OK(gan_model_build(g, B));
    gan_model_t *d = t2i_discriminator(&small, 0.0f, 5, NULL);
    gan_optimizer_t *go = t2i_adam(g, 1e-3f), *dop = t2i_adam(d, 1e-3f);
    gan_optimizer_t *eo = t2i_adam(e, 1e-3f);
    gan_text2img_t *t;
    GT_OK(gan_text2img_create(&t, g, d, e, go, dop, eo, NULL));
    float images[B * IMAGE];
    int32_t captions[B * T], wrong[B * T];
    batch(7, images, captions, wrong);
    gan_text2img_stats_t s = {.struct_size = sizeof s};
    GT_OK(gan_text2img_step(t, images, captions, wrong, B, &s));
    print_message("KL of G's conditioning augmentation: %g\n", s.kl);
    assert_true(s.kl > 0.0 && isfinite(s.kl));
    captions[T + 2] = V;
    GT_FAILS(gan_text2img_step(t, images, captions, wrong, B, &s), GAN_E_OUT_OF_RANGE,
             "captions: token id 6 at position 2 of sequence 1 is outside [0, 6)");
    gan_text2img_destroy(t);
    gan_optimizer_destroy(go);
    gan_optimizer_destroy(dop);
    gan_optimizer_destroy(eo);
    gan_model_destroy(g);
    gan_model_destroy(d);
    gan_model_destroy(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_defaults),
        cmocka_unit_test(test_create_errors),
        cmocka_unit_test(test_step_errors),
        cmocka_unit_test(test_ids_without_embedding),
        cmocka_unit_test(test_wrong_defaults_to_rotation),
        cmocka_unit_test(test_interpolation_shares),
        cmocka_unit_test(test_fixed_encoder_is_untouched),
        cmocka_unit_test(test_encode_and_generate),
        cmocka_unit_test(test_resume_is_exact),
        cmocka_unit_test(test_checkpoint_mismatch),
        cmocka_unit_test(test_no_allocation_after_create),
        cmocka_unit_test(test_caption_layers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
