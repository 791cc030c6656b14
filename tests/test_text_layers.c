/* The text-conditioning layers: BagOfWords (means, padding, its table's gradient, bad
 * ids) and conditioning augmentation (mu in inference mode, seeded samples, the KL value
 * and the gradient of output plus weighted KL, the clamp, bad shapes); then a caption
 * through the tokenizer, BagOfWords, Dense and conditioning augmentation. test_gradcheck.c
 * checks both layers again in its table, with the backward contract. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TL_SEED 2016

/* A model of input (@p in) and one layer named @p name, built for @p batch. */
static gan_model_t *tl_model(int32_t in, gan_layer_t *l, const char *name, int32_t batch)
{
    gan_model_t *m = gt_model(&in, 1);
    GT_OK(gan_layer_set_name(l, name));
    GT_OK(gan_model_add(m, l));
    GT_OK(gan_model_build(m, batch));
    return m;
}

static gan_model_t *tl_bag_model(int32_t steps, int32_t vocab, int32_t dim, int32_t pad,
                                 int32_t batch)
{
    gan_layer_t *l;
    GT_OK(gan_layer_bag_of_words_create(&l, vocab, dim, pad));
    return tl_model(steps, l, "caption", batch);
}

/* ---- BagOfWords ------------------------------------------------------------------------ */

static void test_bag_of_words_means_what_is_not_padding(void **state)
{
    (void)state;
    enum { T = 4, V = 5, E = 3, N = 3 };
    for (int pad = 0; pad >= -1; pad--) {
        gan_model_t *m = tl_bag_model(T, V, E, pad, N);
        int32_t dims[4], ndim;
        GT_OK(gan_model_get_output_shape(m, -1, dims, &ndim));
        assert_int_equal(ndim, 1);
        assert_int_equal(dims[0], E);
        float *table;
        size_t count;
        GT_OK(gan_model_get_params(m, &table, &count));
        assert_int_equal(count, V * E);
        for (int v = 0; v < V; v++)
            for (int k = 0; k < E; k++)
                table[v * E + k] = (float)((v ? 10 * v : 1000) + k);
        const float ids[N * T] = {2, 3, 0, 0, /**/ 0, 0, 0, 0, /**/ 4, 1, 4, 0};
        /* pad 0: rows 2 and 3; nothing (zeros); rows 4, 1, 4. pad -1: every id. */
        const float want[2][N] = {{25, 0, 30}, {(20 + 30 + 2000) / 4.0f, 1000,
                                                (40 + 10 + 40 + 1000) / 4.0f}};
        const float *y;
        GT_OK(gan_model_forward(m, ids, NULL, N, &y));
        for (int n = 0; n < N; n++)
            for (int k = 0; k < E; k++)
                if (y[n * E + k] != want[-pad][n] + (want[-pad][n] != 0.0f ? (float)k : 0.0f))
                    fail_msg("pad %d: y[%d][%d] is %g, want %g", pad, n, k,
                             (double)y[n * E + k], (double)(want[-pad][n] + (float)k));
        gan_model_destroy(m);
    }
}

typedef struct tl_bag_run {
    gan_model_t *m;
    const float *ids;
    const float *r;
    int32_t batch, n_out;
} tl_bag_run;

static double tl_bag_loss(void *ctx)
{
    const tl_bag_run *run = ctx;
    const float *y;
    GT_OK(gan_model_forward(run->m, run->ids, NULL, run->batch, &y));
    double sum = 0.0;
    for (int32_t i = 0; i < run->n_out; i++)
        sum += (double)run->r[i] * y[i];
    return sum;
}

static void test_bag_of_words_gradient(void **state)
{
    (void)state;
    enum { T = 5, V = 6, E = 3, N = 3 };
    gan_model_t *m = tl_bag_model(T, V, E, 0, N);
    float *params, *grads, r[N * E];
    size_t n_params, n_grads;
    GT_OK(gan_model_get_params(m, &params, &n_params));
    GT_OK(gan_model_get_grads(m, &grads, &n_grads));
    gt_rng rng;
    gt_seed(&rng, TL_SEED);
    gt_fill(&rng, params, n_params, -1.0f, 1.0f);
    gt_fill(&rng, r, N * E, -1.0f, 1.0f);
    /* A repeated id among pads, a row of padding only, a row without padding. */
    const float ids[N * T] = {3, 0, 5, 3, 0, /**/ 0, 0, 0, 0, 0, /**/ 1, 2, 4, 5, 2};
    tl_bag_run run = {m, ids, r, N, N * E};
    GT_OK(gan_model_zero_grad(m));
    (void)tl_bag_loss(&run);
    const float *dx;
    GT_OK(gan_model_backward(m, r, &dx));
    for (int i = 0; i < N * T; i++)
        assert_true(dx[i] == 0.0f); /* ids are not differentiable */
    for (int k = 0; k < E; k++)
        assert_true(grads[k] == 0.0f); /* the padding row is never read */
    float *g = gt_copy_floats(grads, n_grads);
    gt_check_gradient(tl_bag_loss, &run, "bag of words", "table", g, params, n_params);
    free(g);
    gan_model_destroy(m);
}

static void test_bag_of_words_bad_input(void **state)
{
    (void)state;
    enum { T = 3, V = 6, N = 2 };
    gan_model_t *m = tl_bag_model(T, V, 2, 0, N);
    gt_expect_bad_token_ids(m, T, N, V, "caption");
    gan_model_destroy(m);

    gan_layer_t *l;
    GT_FAILS(gan_layer_bag_of_words_create(NULL, V, 2, 0), GAN_E_INVALID_ARG, "out is NULL");
    GT_FAILS(gan_layer_bag_of_words_create(&l, 0, 2, 0), GAN_E_OUT_OF_RANGE, "vocab 0");
    GT_FAILS(gan_layer_bag_of_words_create(&l, V, 0, 0), GAN_E_OUT_OF_RANGE, "dim 0");
    GT_FAILS(gan_layer_bag_of_words_create(&l, V, 2, V), GAN_E_OUT_OF_RANGE, "pad_id 6");
    GT_FAILS(gan_layer_bag_of_words_create(&l, V, 2, -2), GAN_E_OUT_OF_RANGE, "pad_id -2");
    const int32_t matrix[2] = {4, 2};
    m = gt_model(matrix, 2);
    GT_OK(gan_layer_bag_of_words_create(&l, V, 2, 0));
    GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, "got (4,2)");
    gan_layer_destroy(l);
    gan_model_destroy(m);
}

/* ---- Conditioning augmentation ------------------------------------------------------- */

static gan_model_t *tl_ca_model(int32_t c, float kl_weight, int32_t batch, uint64_t seed,
                                gan_layer_t **layer)
{
    const int32_t in = 2 * c;
    gan_model_t *m = gt_model_seeded(&in, 1, seed);
    GT_OK(gan_layer_cond_augment_create(layer, kl_weight));
    GT_OK(gan_layer_set_name(*layer, "ca"));
    GT_OK(gan_model_add(m, *layer));
    GT_OK(gan_model_build(m, batch));
    return m;
}

static void test_cond_augment_mean_in_inference_and_kl(void **state)
{
    (void)state;
    gan_layer_t *l;
    gan_model_t *m = tl_ca_model(2, 1.0f, 2, TL_SEED, &l);
    double kl;
    GT_FAILS(gan_layer_cond_augment_get_kl(l, &kl), GAN_E_STATE, "'ca' has not run");
    /* [mu | logvar] per sample: (1, -2 | 0, ln 4) and (0, 0 | 0, 0). */
    const float x[8] = {1, -2, 0, logf(4.0f), 0, 0, 0, 0};
    const float *y;
    GT_OK(gan_model_set_training(m, false));
    GT_OK(gan_model_forward(m, x, NULL, 2, &y));
    const float mu[4] = {1, -2, 0, 0};
    assert_memory_equal(y, mu, sizeof mu);
    /* 0.5 (1 + 1 - 1 - 0) + 0.5 (4 + 4 - 1 - ln 4) for the first sample, 0 for the
     * second, over a batch of 2. */
    const double want = (0.5 * 1.0 + 0.5 * (7.0 - (double)logf(4.0f))) / 2.0;
    GT_OK(gan_layer_cond_augment_get_kl(l, &kl));
    assert_float_equal(kl, want, 1e-6);
    assert_float_equal(kl, 1.6534264, 1e-6);
    /* KL does not depend on the sample drawn. */
    GT_OK(gan_model_set_training(m, true));
    GT_OK(gan_model_forward(m, x, NULL, 2, &y));
    assert_true(y[0] != 1.0f && y[1] != -2.0f);
    GT_OK(gan_layer_cond_augment_get_kl(l, &kl));
    assert_float_equal(kl, want, 1e-6);
    gan_model_destroy(m);
}

static void test_cond_augment_samples_are_seeded(void **state)
{
    (void)state;
    enum { C = 64, N = 64 };
    gan_layer_t *l, *l2;
    gan_model_t *m = tl_ca_model(C, 1.0f, N, 99, &l), *twin = tl_ca_model(C, 1.0f, N, 99, &l2);
    float *x = malloc(N * 2 * C * sizeof *x);
    assert_non_null(x);
    gt_rng rng;
    gt_seed(&rng, TL_SEED);
    for (int n = 0; n < N; n++) {
        gt_fill(&rng, x + n * 2 * C, C, -2.0f, 2.0f);
        for (int k = 0; k < C; k++)
            x[n * 2 * C + C + k] = logf(0.25f); /* sigma 0.5 */
    }
    const float *y;
    GT_OK(gan_model_forward(m, x, NULL, N, &y));
    float *first = gt_copy_floats(y, N * C);
    GT_OK(gan_model_forward(twin, x, NULL, N, &y));
    assert_memory_equal(y, first, N * C * sizeof *y); /* same seed, same samples */
    GT_OK(gan_model_forward(m, x, NULL, N, &y));
    assert_true(memcmp(y, first, N * C * sizeof *y) != 0); /* a new draw each pass */

    /* (y - mu) / sigma is N(0, 1): 4096 draws. */
    double sum = 0.0, sq = 0.0;
    for (int n = 0; n < N; n++)
        for (int k = 0; k < C; k++) {
            const double e = (first[n * C + k] - x[n * 2 * C + k]) / 0.5;
            sum += e;
            sq += e * e;
        }
    const double mean = sum / (N * C), var = sq / (N * C) - mean * mean;
    assert_true(fabs(mean) < 0.1);
    assert_true(var > 0.9 && var < 1.1);

    /* gan_model_reseed replays; inference passes draw nothing from the stream. */
    GT_OK(gan_model_reseed(m, 5));
    GT_OK(gan_model_forward(m, x, NULL, N, &y));
    float *replay = gt_copy_floats(y, N * C);
    GT_OK(gan_model_reseed(m, 5));
    GT_OK(gan_model_set_training(m, false));
    GT_OK(gan_model_forward(m, x, NULL, N, &y));
    GT_OK(gan_model_set_training(m, true));
    GT_OK(gan_model_forward(m, x, NULL, N, &y));
    assert_memory_equal(y, replay, N * C * sizeof *y);
    free(replay);
    free(first);
    free(x);
    gan_model_destroy(twin);
    gan_model_destroy(m);
}

/* L = sum r_i y_i + kl_weight KL, the samples fixed by reseeding before each pass. */
typedef struct tl_ca_run {
    gan_model_t *m;
    gan_layer_t *l;
    float *x, *r;
    float kl_weight;
    int32_t batch, n_out;
} tl_ca_run;

static double tl_ca_loss(void *ctx)
{
    const tl_ca_run *run = ctx;
    const float *y;
    double kl;
    GT_OK(gan_model_reseed(run->m, TL_SEED));
    GT_OK(gan_model_forward(run->m, run->x, NULL, run->batch, &y));
    GT_OK(gan_layer_cond_augment_get_kl(run->l, &kl));
    double sum = run->kl_weight * kl;
    for (int32_t i = 0; i < run->n_out; i++)
        sum += (double)run->r[i] * y[i];
    return sum;
}

static void test_cond_augment_gradient(void **state)
{
    (void)state;
    enum { C = 4, N = 3 };
    for (int training = 0; training <= 1; training++) {
        tl_ca_run run = {.kl_weight = 0.7f, .batch = N, .n_out = N * C};
        run.m = tl_ca_model(C, run.kl_weight, N, TL_SEED, &run.l);
        GT_OK(gan_model_set_training(run.m, training));
        float x[N * 2 * C], r[N * C];
        gt_rng rng;
        gt_seed(&rng, TL_SEED + (uint64_t)training);
        for (int n = 0; n < N; n++) {
            gt_fill(&rng, x + n * 2 * C, C, -1.0f, 1.0f);
            gt_fill(&rng, x + n * 2 * C + C, C, -1.5f, 1.5f);
        }
        x[2 * C + C + 1] = 25.0f; /* beyond the clamp: no gradient through these */
        x[2 * 2 * C + C + 2] = -30.0f;
        gt_fill(&rng, r, N * C, -1.0f, 1.0f);
        run.x = x;
        run.r = r;
        (void)tl_ca_loss(&run);
        const float *dx;
        GT_OK(gan_model_backward(run.m, r, &dx));
        assert_true(dx[2 * C + C + 1] == 0.0f && dx[2 * 2 * C + C + 2] == 0.0f);
        float *g = gt_copy_floats(dx, N * 2 * C);
        gt_check_gradient(tl_ca_loss, &run, training ? "cond augment, sampled" :
                          "cond augment, inference (mu)", "input", g, x, N * 2 * C);
        free(g);
        gan_model_destroy(run.m);
    }
}

static void test_cond_augment_clamp_and_nan(void **state)
{
    (void)state;
    gan_layer_t *l;
    gan_model_t *m = tl_ca_model(2, 1.0f, 1, TL_SEED, &l);
    const float far[4] = {0.5f, -0.5f, 1000.0f, -1000.0f};
    const float *y, *dx;
    double kl;
    GT_OK(gan_model_forward(m, far, NULL, 1, &y));
    assert_true(isfinite(y[0]) && isfinite(y[1]));
    GT_OK(gan_layer_cond_augment_get_kl(l, &kl));
    const double want = 0.5 * (0.25 + exp(20.0) - 1.0 - 20.0) +
                        0.5 * (0.25 + exp(-20.0) - 1.0 + 20.0);
    assert_float_equal(kl, want, 1e-9 * want);
    const float dy[2] = {1.0f, 1.0f};
    GT_OK(gan_model_backward(m, dy, &dx));
    assert_true(dx[2] == 0.0f && dx[3] == 0.0f);
    assert_float_equal(dx[0], 1.0f + 0.5f, 1e-6); /* dy + kl_weight mu / N */

    const float nan_in[4] = {NAN, 0.0f, 0.0f, NAN};
    GT_OK(gan_model_set_training(m, false));
    GT_OK(gan_model_forward(m, nan_in, NULL, 1, &y));
    assert_true(isnan(y[0]) && y[1] == 0.0f); /* inference: mu, NaN where mu is NaN */
    GT_OK(gan_layer_cond_augment_get_kl(l, &kl));
    assert_true(isnan(kl));
    GT_OK(gan_model_set_training(m, true));
    GT_OK(gan_model_forward(m, nan_in, NULL, 1, &y));
    assert_true(isnan(y[1])); /* a NaN log-variance is not clamped away */
    GT_OK(gan_model_backward(m, dy, &dx));
    assert_true(isnan(dx[3]));
    gan_model_destroy(m);
}

static void test_cond_augment_bad_input(void **state)
{
    (void)state;
    gan_layer_t *l, *relu;
    const int32_t odd = 5, matrix[2] = {2, 4};
    gan_model_t *m = gt_model(&odd, 1);
    GT_OK(gan_layer_cond_augment_create(&l, 1.0f));
    GT_OK(gan_layer_set_name(l, "ca"));
    GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, "even size, got (5)");
    assert_non_null(strstr(gan_last_error(), "'ca'"));
    gan_model_destroy(m);
    m = gt_model(matrix, 2);
    GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, "got (2,4)");
    gan_model_destroy(m);

    double kl;
    GT_FAILS(gan_layer_cond_augment_get_kl(l, NULL), GAN_E_INVALID_ARG, "kl is NULL");
    GT_FAILS(gan_layer_cond_augment_get_kl(NULL, &kl), GAN_E_INVALID_ARG, "layer is NULL");
    GT_OK(gan_layer_relu_create(&relu));
    GT_FAILS(gan_layer_cond_augment_get_kl(relu, &kl), GAN_E_INVALID_ARG,
             "is a relu, not a cond_augment");
    gan_layer_destroy(relu);
    gan_layer_destroy(l);

    GT_FAILS(gan_layer_cond_augment_create(&l, -1.0f), GAN_E_OUT_OF_RANGE, "kl_weight -1");
    GT_FAILS(gan_layer_cond_augment_create(&l, NAN), GAN_E_OUT_OF_RANGE, "kl_weight nan");
    GT_FAILS(gan_layer_cond_augment_create(&l, 2e6f), GAN_E_OUT_OF_RANGE, "[0, 1e6]");
    GT_FAILS(gan_layer_cond_augment_create(NULL, 1.0f), GAN_E_INVALID_ARG, "out is NULL");
    GT_OK(gan_layer_cond_augment_create(&l, 0.0f));
    gan_layer_destroy(l);
    GT_OK(gan_layer_cond_augment_create(&l, 1e6f));
    gan_layer_destroy(l);
}

/* ---- A caption through the whole encoder --------------------------------------------- */

static void test_caption_encoder(void **state)
{
    (void)state;
    enum { T = 8, E = 6, C = 4, N = 2 };
    const char *const captions[] = {"a thick seven", "a thin, slanted zero", "7 upright"};
    gan_tokenizer_t *tok;
    GT_OK(gan_tokenizer_create(&tok, captions, 3, 1, 0));
    int32_t vocab, ids[N * T];
    GT_OK(gan_tokenizer_get_vocab_size(tok, &vocab));
    const int32_t steps = T;
    gan_model_t *m = gt_model(&steps, 1);
    gan_layer_t *l;
    gt_add(m, gan_layer_bag_of_words_create(&l, vocab, E, GAN_TOKEN_PAD), l);
    gt_add(m, gan_layer_dense_create(&l, 2 * C, true), l);
    gt_add(m, gan_layer_cond_augment_create(&l, 1.0f), l);
    GT_OK(gan_model_build(m, N));
    GT_OK(gan_tokenizer_encode(tok, "A thick seven!", T, ids, NULL, NULL));
    GT_OK(gan_tokenizer_encode(tok, "a squiggly zero", T, ids + T, NULL, NULL));
    float x[N * T];
    for (int i = 0; i < N * T; i++)
        x[i] = (float)ids[i];
    const float *y, *dx;
    GT_OK(gan_model_forward(m, x, NULL, N, &y));
    int32_t dims[4], ndim;
    GT_OK(gan_model_get_output_shape(m, -1, dims, &ndim));
    assert_int_equal(dims[0], C);
    GT_OK(gan_model_get_layer(m, 2, &l));
    double kl;
    GT_OK(gan_layer_cond_augment_get_kl(l, &kl));
    assert_true(kl > 0.0 && isfinite(kl));
    const float dy[N * C] = {0};
    GT_OK(gan_model_zero_grad(m));
    GT_OK(gan_model_backward(m, dy, &dx)); /* KL alone moves the encoder */
    float *grads;
    size_t n_grads;
    GT_OK(gan_model_get_grads(m, &grads, &n_grads));
    double norm = 0.0;
    for (size_t i = 0; i < n_grads; i++)
        norm += (double)grads[i] * grads[i];
    assert_true(norm > 0.0);
    gan_model_destroy(m);
    gan_tokenizer_destroy(tok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bag_of_words_means_what_is_not_padding),
        cmocka_unit_test(test_bag_of_words_gradient),
        cmocka_unit_test(test_bag_of_words_bad_input),
        cmocka_unit_test(test_cond_augment_mean_in_inference_and_kl),
        cmocka_unit_test(test_cond_augment_samples_are_seeded),
        cmocka_unit_test(test_cond_augment_gradient),
        cmocka_unit_test(test_cond_augment_clamp_and_nan),
        cmocka_unit_test(test_cond_augment_bad_input),
        cmocka_unit_test(test_caption_encoder),
    };
    return cmocka_run_group_tests_name("text_layers", tests, NULL, NULL);
}
