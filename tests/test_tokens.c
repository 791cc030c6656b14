/* Token-sequence building blocks (SeqGAN, issue 14): the sequence embedding, Dense per
 * time step, the highway layer and categorical sampling, with their error paths. The
 * gradients of the layers are checked in test_gradcheck.c, the weighted token loss's in
 * test_loss.c. */
#include "test_util.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TK_SEED 1414

/* ---- Embedding over sequences ------------------------------------------------------ */

/* A model of one layer on input (steps), built for @p batch. */
static gan_model_t *tk_embedding_model(int32_t steps, int32_t classes, int32_t dim,
                                       int32_t batch)
{
    gan_model_t *m = gt_model(&steps, 1);
    gan_layer_t *l;
    GT_OK(gan_layer_embedding_sequence_create(&l, classes, dim));
    GT_OK(gan_layer_set_name(l, "tokens"));
    GT_OK(gan_model_add(m, l));
    GT_OK(gan_model_build(m, batch));
    return m;
}

static void test_embedding_sequence_looks_up_every_id(void **state)
{
    (void)state;
    enum { T = 4, V = 5, D = 3, N = 2 };
    gan_model_t *m = tk_embedding_model(T, V, D, N);
    int32_t dims[4], ndim;
    GT_OK(gan_model_get_output_shape(m, -1, dims, &ndim));
    assert_int_equal(ndim, 2);
    assert_int_equal(dims[0], T);
    assert_int_equal(dims[1], D);
    float *params;
    size_t count;
    GT_OK(gan_model_get_params(m, &params, &count));
    assert_int_equal(count, V * D);
    for (int v = 0; v < V; v++)
        for (int k = 0; k < D; k++)
            params[v * D + k] = (float)(10 * v + k);
    const float ids[N * T] = {0, 4, 2, 2, 3, 1, 0, 4};
    const float *y;
    GT_OK(gan_model_forward(m, ids, NULL, N, &y));
    for (int i = 0; i < N * T; i++)
        for (int k = 0; k < D; k++)
            assert_true(y[i * D + k] == (float)(10 * (int)ids[i] + k));
    gan_model_destroy(m);

    /* T = 1 keeps the rank: (1, dim), not (dim). */
    m = tk_embedding_model(1, V, D, N);
    GT_OK(gan_model_get_output_shape(m, -1, dims, &ndim));
    assert_int_equal(ndim, 2);
    assert_int_equal(dims[0], 1);
    assert_int_equal(dims[1], D);
    gan_model_destroy(m);
}

static void test_embedding_sequence_bad_ids(void **state)
{
    (void)state;
    enum { T = 3, V = 5, N = 2 };
    gan_model_t *m = tk_embedding_model(T, V, 2, N);
    gt_expect_bad_token_ids(m, T, N, V, "tokens");
    gan_model_destroy(m);

    gan_layer_t *l;
    GT_FAILS(gan_layer_embedding_sequence_create(NULL, V, 2), GAN_E_INVALID_ARG, "out");
    GT_FAILS(gan_layer_embedding_sequence_create(&l, 0, 2), GAN_E_OUT_OF_RANGE,
             "num_classes 0");
    GT_FAILS(gan_layer_embedding_sequence_create(&l, V, 0), GAN_E_OUT_OF_RANGE, "dim 0");
    const int32_t matrix[2] = {4, 2};
    m = gt_model(matrix, 2);
    GT_OK(gan_layer_embedding_sequence_create(&l, V, 2));
    GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, "(4,2)");
    gan_layer_destroy(l);
    gan_model_destroy(m);
}

/* ---- Dense per time step ------------------------------------------------------------ */

/* Dense on (T, F) is Dense on (F) over N*T samples: the same GEMMs, so the same bits in
 * the output, the input gradient and the parameter gradients. */
static void test_dense_per_time_step_is_dense_on_rows(void **state)
{
    (void)state;
    enum { N = 3, T = 5, F = 4, U = 6 };
    const int32_t seq_dims[2] = {T, F}, row_dims[1] = {F};
    gan_model_t *seq = gt_model(seq_dims, 2), *rows = gt_model(row_dims, 1);
    gan_layer_t *l;
    gt_add(seq, gan_layer_dense_create(&l, U, true), l);
    gt_add(rows, gan_layer_dense_create(&l, U, true), l);
    GT_OK(gan_model_build(seq, N));
    GT_OK(gan_model_build(rows, N * T));
    int32_t dims[4], ndim;
    GT_OK(gan_model_get_output_shape(seq, -1, dims, &ndim));
    assert_int_equal(ndim, 2);
    assert_int_equal(dims[0], T);
    assert_int_equal(dims[1], U);

    float *p_seq, *p_rows, *g_seq, *g_rows;
    size_t n_seq, n_rows;
    GT_OK(gan_model_get_params(seq, &p_seq, &n_seq));
    GT_OK(gan_model_get_params(rows, &p_rows, &n_rows));
    assert_int_equal(n_seq, U * F + U);
    assert_int_equal(n_rows, n_seq);
    gt_rng rng;
    gt_seed(&rng, TK_SEED);
    gt_fill(&rng, p_seq, n_seq, -1.0f, 1.0f);
    memcpy(p_rows, p_seq, n_seq * sizeof *p_seq);
    float x[N * T * F], dy[N * T * U];
    gt_fill(&rng, x, N * T * F, -1.0f, 1.0f);
    gt_fill(&rng, dy, N * T * U, -1.0f, 1.0f);

    const float *y_seq, *y_rows, *dx_seq, *dx_rows;
    GT_OK(gan_model_forward(seq, x, NULL, N, &y_seq));
    GT_OK(gan_model_forward(rows, x, NULL, N * T, &y_rows));
    assert_memory_equal(y_seq, y_rows, sizeof(float) * N * T * U);
    GT_OK(gan_model_zero_grad(seq));
    GT_OK(gan_model_zero_grad(rows));
    GT_OK(gan_model_backward(seq, dy, &dx_seq));
    GT_OK(gan_model_backward(rows, dy, &dx_rows));
    assert_memory_equal(dx_seq, dx_rows, sizeof(float) * N * T * F);
    GT_OK(gan_model_get_grads(seq, &g_seq, &n_seq));
    GT_OK(gan_model_get_grads(rows, &g_rows, &n_rows));
    assert_memory_equal(g_seq, g_rows, n_seq * sizeof *g_seq);
    gan_model_destroy(seq);
    gan_model_destroy(rows);

    /* Rank 3 is still refused. */
    const int32_t image[3] = {2, 3, 4};
    gan_model_t *m = gt_model(image, 3);
    GT_OK(gan_layer_dense_create(&l, U, true));
    GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, "Flatten");
    gan_layer_destroy(l);
    gan_model_destroy(m);
}

/* ---- Highway -------------------------------------------------------------------- */

static double tk_sigmoid(double a)
{
    return 1.0 / (1.0 + exp(-a));
}

/* y = t relu(W_h x + b_h) + (1 - t) x, t = sigmoid(W_t x + b_t + gate_bias), in double,
 * against the layer on (F) and on (T,F). */
static void test_highway_formula(void **state)
{
    (void)state;
    enum { N = 2, T = 3, F = 4 };
    const float gate_bias = -2.0f;
    for (int rank = 1; rank <= 2; rank++) {
        const int32_t dims[2] = {rank == 1 ? F : T, F};
        const int32_t rows_per_sample = rank == 1 ? 1 : T;
        gan_model_t *m = gt_model(rank == 1 ? dims + 1 : dims, rank);
        gan_layer_t *l;
        gt_add(m, gan_layer_highway_create(&l, gate_bias), l);
        GT_OK(gan_model_build(m, N));
        float *p;
        size_t count;
        GT_OK(gan_model_get_params(m, &p, &count));
        assert_int_equal(count, 2 * F * F + 2 * F);
        gt_rng rng;
        gt_seed(&rng, TK_SEED + (uint64_t)rank);
        gt_fill(&rng, p, count, -1.0f, 1.0f);
        const size_t n_rows = (size_t)N * (size_t)rows_per_sample;
        float x[N * T * F];
        gt_fill(&rng, x, n_rows * F, -1.0f, 1.0f);
        const float *y;
        GT_OK(gan_model_forward(m, x, NULL, N, &y));
        const float *w_h = p, *w_t = p + F * F, *b_h = p + 2 * F * F, *b_t = b_h + F;
        for (size_t r = 0; r < n_rows; r++) {
            const float *xr = x + r * F;
            for (int j = 0; j < F; j++) {
                double h = b_h[j], a = (double)b_t[j] + gate_bias;
                for (int k = 0; k < F; k++) {
                    h += (double)w_h[j * F + k] * xr[k];
                    a += (double)w_t[j * F + k] * xr[k];
                }
                const double t = tk_sigmoid(a);
                const double want = t * fmax(h, 0.0) + (1.0 - t) * xr[j];
                if (fabs(y[r * F + j] - want) > 1e-5)
                    fail_msg("rank %d row %zu feature %d: %.9g, want %.9g", rank, r, j,
                             (double)y[r * F + j], want);
            }
        }
        gan_model_destroy(m);
    }
}

/* Default initialisation: weights N(0, 0.02), biases 0, so the layer starts as
 * y ~ (1 - sigmoid(gate_bias)) x, mostly carry for gate_bias -2: here |W x| stays below
 * about 0.1 (3 standard deviations), so y is within 0.025 of 0.88 x. */
static void test_highway_initialisation(void **state)
{
    (void)state;
    enum { F = 32, N = 1 };
    const int32_t dims[1] = {F};
    gan_model_t *m = gt_model(dims, 1);
    gan_layer_t *l;
    gt_add(m, gan_layer_highway_create(&l, -2.0f), l);
    GT_OK(gan_model_build(m, N));
    float *p;
    size_t count;
    GT_OK(gan_model_get_params(m, &p, &count));
    double sum = 0.0, sq = 0.0;
    for (size_t i = 0; i < 2 * F * F; i++) {
        sum += p[i];
        sq += (double)p[i] * p[i];
    }
    const double mean = sum / (2 * F * F), std = sqrt(sq / (2 * F * F) - mean * mean);
    assert_true(fabs(mean) < 0.003);
    assert_true(fabs(std - 0.02) < 0.002);
    for (size_t i = 2 * F * F; i < count; i++)
        assert_true(p[i] == 0.0f);
    float x[F];
    for (int j = 0; j < F; j++)
        x[j] = (float)(j - F / 2) / F;
    const float *y;
    GT_OK(gan_model_forward(m, x, NULL, N, &y));
    for (int j = 0; j < F; j++)
        if (!(fabs(y[j] - (1.0 - tk_sigmoid(-2.0)) * x[j]) < 0.025))
            fail_msg("y[%d] = %g, x %g", j, (double)y[j], (double)x[j]);

    char summary[2048];
    GT_OK(gan_model_summary(m, summary, sizeof summary, NULL));
    assert_non_null(strstr(summary, "gate bias -2"));
    gan_model_destroy(m);
}

static void test_highway_errors(void **state)
{
    (void)state;
    gan_layer_t *l;
    GT_FAILS(gan_layer_highway_create(NULL, 0.0f), GAN_E_INVALID_ARG, "out");
    GT_FAILS(gan_layer_highway_create(&l, NAN), GAN_E_OUT_OF_RANGE, "gate_bias");
    GT_FAILS(gan_layer_highway_create(&l, INFINITY), GAN_E_OUT_OF_RANGE, "gate_bias inf");
    const int32_t image[3] = {2, 3, 3};
    gan_model_t *m = gt_model(image, 3);
    GT_OK(gan_layer_highway_create(&l, 0.0f));
    GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, "(2,3,3)");
    GT_FAILS(gan_layer_set_spectral_norm(l, true), GAN_E_INVALID_ARG, "highway");
    gan_layer_destroy(l);
    gan_model_destroy(m);
}

/* ---- Categorical sampling ------------------------------------------------------- */

#define TK_CLASSES 5
#define TK_ROWS 1000
#define TK_CALLS 200 /* 200 000 draws per temperature */

/* Over TK_ROWS * TK_CALLS draws the frequency of each class is within 5 standard
 * deviations sqrt(p (1 - p) / draws) of p = softmax(x / T) (about 2.5e-3 or less). */
static void test_sampling_frequencies_follow_softmax(void **state)
{
    (void)state;
    static const float x[TK_CLASSES] = {1.0f, 0.0f, -1.0f, 2.0f, 0.5f};
    static const float temperatures[] = {1.0f, 0.5f, 2.0f, 10.0f};
    float *logits = malloc(sizeof(float) * TK_ROWS * TK_CLASSES);
    int32_t *ids = malloc(sizeof(int32_t) * TK_ROWS);
    assert_non_null(logits);
    assert_non_null(ids);
    for (int i = 0; i < TK_ROWS; i++)
        memcpy(logits + i * TK_CLASSES, x, sizeof x);
    gan_rng_t *rng;
    GT_OK(gan_rng_create(&rng, TK_SEED));
    for (size_t k = 0; k < sizeof temperatures / sizeof temperatures[0]; k++) {
        const double temp = temperatures[k];
        double p[TK_CLASSES], z = 0.0;
        for (int j = 0; j < TK_CLASSES; j++)
            z += p[j] = exp(x[j] / temp);
        long counts[TK_CLASSES] = {0};
        for (int c = 0; c < TK_CALLS; c++) {
            GT_OK(gan_categorical_sample(rng, logits, TK_ROWS, TK_CLASSES, (float)temp, ids));
            for (int i = 0; i < TK_ROWS; i++) {
                assert_true(ids[i] >= 0 && ids[i] < TK_CLASSES);
                counts[ids[i]]++;
            }
        }
        const double draws = (double)TK_ROWS * TK_CALLS;
        for (int j = 0; j < TK_CLASSES; j++) {
            const double want = p[j] / z, got = counts[j] / draws;
            const double sigma = sqrt(want * (1.0 - want) / draws);
            if (fabs(got - want) > 5.0 * sigma)
                fail_msg("T = %g: class %d drawn %.5f of the time, softmax %.5f "
                         "(%.1f sigma)", temp, j, got, want, fabs(got - want) / sigma);
        }
    }
    gan_rng_destroy(rng);
    free(ids);
    free(logits);
}

/* The same seed gives the same ids; n rows at once are n calls of one row (one draw per
 * row); another seed gives other ids. */
static void test_sampling_is_deterministic(void **state)
{
    (void)state;
    enum { N = 64, V = 7 };
    float logits[N * V];
    gt_rng g;
    gt_seed(&g, TK_SEED);
    gt_fill(&g, logits, N * V, -3.0f, 3.0f);
    int32_t a[N], b[N], c[N];
    gan_rng_t *ra, *rb;
    GT_OK(gan_rng_create(&ra, 99));
    GT_OK(gan_rng_create(&rb, 99));
    GT_OK(gan_categorical_sample(ra, logits, N, V, 0.8f, a));
    for (int i = 0; i < N; i++)
        GT_OK(gan_categorical_sample(rb, logits + i * V, 1, V, 0.8f, b + i));
    assert_memory_equal(a, b, sizeof a);
    /* Both generators are in the same state afterwards. */
    GT_OK(gan_categorical_sample(ra, logits, N, V, 0.8f, a));
    GT_OK(gan_categorical_sample(rb, logits, N, V, 0.8f, b));
    assert_memory_equal(a, b, sizeof a);
    GT_OK(gan_rng_seed(ra, 99));
    GT_OK(gan_rng_seed(rb, 100));
    GT_OK(gan_categorical_sample(ra, logits, N, V, 0.8f, a));
    GT_OK(gan_categorical_sample(rb, logits, N, V, 0.8f, c));
    assert_memory_not_equal(a, c, sizeof a);
    GT_OK(gan_rng_seed(rb, 99));
    GT_OK(gan_categorical_sample(rb, logits, N, V, 0.8f, b));
    assert_memory_equal(a, b, sizeof a);
    gan_rng_destroy(ra);
    gan_rng_destroy(rb);
}

/* A small temperature gives the argmax; tied maxima share the draws. */
static void test_sampling_small_temperature_is_argmax(void **state)
{
    (void)state;
    enum { N = 200, V = 6 };
    float logits[N * V];
    int32_t want[N], ids[N];
    gt_rng g;
    gt_seed(&g, TK_SEED + 1);
    for (int i = 0; i < N; i++) {
        /* distinct logits 0.1 apart in a random order, the top at want[i] */
        for (int j = 0; j < V; j++)
            logits[i * V + j] = 0.1f * (float)j - 0.25f;
        for (int j = V - 1; j > 0; j--) {
            const int k = (int)(gt_uniform(&g) * (j + 1));
            const float t = logits[i * V + j];
            logits[i * V + j] = logits[i * V + k];
            logits[i * V + k] = t;
        }
        want[i] = 0;
        for (int j = 1; j < V; j++)
            if (logits[i * V + j] > logits[i * V + want[i]])
                want[i] = j;
    }
    gan_rng_t *rng;
    GT_OK(gan_rng_create(&rng, 5));
    static const float temperatures[] = {1e-3f, 1e-6f, FLT_TRUE_MIN};
    for (size_t k = 0; k < sizeof temperatures / sizeof temperatures[0]; k++) {
        GT_OK(gan_categorical_sample(rng, logits, N, V, temperatures[k], ids));
        assert_memory_equal(ids, want, sizeof ids);
    }
    /* Two tied maxima (classes 1 and 3) at T = 1e-6: only they, about half each. */
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < V; j++)
            logits[i * V + j] = j == 1 || j == 3 ? 2.0f : 1.9f;
    }
    GT_OK(gan_categorical_sample(rng, logits, N, V, 1e-6f, ids));
    int ones = 0;
    for (int i = 0; i < N; i++) {
        assert_true(ids[i] == 1 || ids[i] == 3);
        ones += ids[i] == 1;
    }
    assert_true(ones > N / 4 && ones < 3 * N / 4);
    gan_rng_destroy(rng);
}

static void test_sampling_errors(void **state)
{
    (void)state;
    gan_rng_t *rng;
    GT_OK(gan_rng_create(&rng, 1));
    const float logits[6] = {0, 1, 2, 3, NAN, 5};
    int32_t ids[2] = {-7, -7};
    GT_FAILS(gan_categorical_sample(NULL, logits, 1, 3, 1.0f, ids), GAN_E_INVALID_ARG,
             "rng is NULL");
    GT_FAILS(gan_categorical_sample(rng, NULL, 1, 3, 1.0f, ids), GAN_E_INVALID_ARG,
             "logits is NULL");
    GT_FAILS(gan_categorical_sample(rng, logits, 1, 3, 1.0f, NULL), GAN_E_INVALID_ARG,
             "ids is NULL");
    GT_FAILS(gan_categorical_sample(rng, logits, 0, 3, 1.0f, ids), GAN_E_OUT_OF_RANGE,
             "n 0");
    GT_FAILS(gan_categorical_sample(rng, logits, 1, 0, 1.0f, ids), GAN_E_OUT_OF_RANGE,
             "classes 0");
    static const float bad_t[] = {0.0f, -1.0f, NAN, INFINITY};
    for (size_t k = 0; k < sizeof bad_t / sizeof bad_t[0]; k++)
        GT_FAILS(gan_categorical_sample(rng, logits, 1, 3, bad_t[k], ids),
                 GAN_E_OUT_OF_RANGE, "temperature");
    GT_FAILS(gan_categorical_sample(rng, logits, 2, 3, 1.0f, ids), GAN_E_NUMERIC,
             "logits[4] (sample 1, column 1) is nan");
    assert_true(ids[0] == -7 && ids[1] == -7); /* untouched on failure */
    /* One class: always 0. */
    int32_t four[4] = {-7, -7, -7, -7};
    GT_OK(gan_categorical_sample(rng, logits, 4, 1, 1.0f, four));
    for (int i = 0; i < 4; i++)
        assert_int_equal(four[i], 0);
    gan_rng_destroy(rng);
}

/* ---- Together ------------------------------------------------------------------ */

/* A token generator's head, Embedding over the sequence then Dense per time step, learns
 * next = (id + 1) mod V by maximum likelihood (the weighted loss with weights 1, n = N*T
 * rows), and sampling its logits at a small temperature then gives the rule. */
static void test_token_head_learns_by_maximum_likelihood(void **state)
{
    (void)state;
    enum { N = 8, T = 5, V = 6, D = 8, STEPS = 150 };
    const int32_t steps = T;
    gan_model_t *m = gt_model(&steps, 1);
    gan_layer_t *l;
    gt_add(m, gan_layer_embedding_sequence_create(&l, V, D), l);
    gt_add(m, gan_layer_dense_create(&l, V, true), l);
    GT_OK(gan_model_build(m, N));
    gan_optimizer_t *opt;
    GT_OK(gan_optimizer_adam_create(&opt, m, 0.05f, 0.9f, 0.999f, 1e-8f));
    gan_rng_t *rng;
    GT_OK(gan_rng_create(&rng, TK_SEED));
    float ids[N * T], weights[N * T], dlogits[N * T * V];
    int32_t labels[N * T], sampled[N * T];
    double loss = INFINITY, first = 0.0;
    gt_rng g;
    gt_seed(&g, TK_SEED);
    for (int step = 0; step < STEPS; step++) {
        for (int i = 0; i < N * T; i++) {
            ids[i] = (float)(int)(gt_uniform(&g) * V);
            labels[i] = ((int)ids[i] + 1) % V;
            weights[i] = 1.0f;
        }
        const float *logits;
        GT_OK(gan_model_zero_grad(m));
        GT_OK(gan_model_forward(m, ids, NULL, N, &logits));
        GT_OK(gan_loss_softmax_cross_entropy_weighted(logits, labels, weights, N * T, V,
                                                      &loss, dlogits));
        if (step == 0)
            first = loss;
        GT_OK(gan_model_backward(m, dlogits, NULL));
        GT_OK(gan_optimizer_step(opt));
    }
    if (!(loss < 0.05 && first > 1.0))
        fail_msg("loss %g after %d steps (first %g)", loss, STEPS, first);
    const float *logits;
    GT_OK(gan_model_forward(m, ids, NULL, N, &logits));
    GT_OK(gan_categorical_sample(rng, logits, N * T, V, 1e-3f, sampled));
    assert_memory_equal(sampled, labels, sizeof labels);
    gan_rng_destroy(rng);
    gan_optimizer_destroy(opt);
    gan_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_embedding_sequence_looks_up_every_id),
        cmocka_unit_test(test_embedding_sequence_bad_ids),
        cmocka_unit_test(test_dense_per_time_step_is_dense_on_rows),
        cmocka_unit_test(test_highway_formula),
        cmocka_unit_test(test_highway_initialisation),
        cmocka_unit_test(test_highway_errors),
        cmocka_unit_test(test_sampling_frequencies_follow_softmax),
        cmocka_unit_test(test_sampling_is_deterministic),
        cmocka_unit_test(test_sampling_small_temperature_is_argmax),
        cmocka_unit_test(test_sampling_errors),
        cmocka_unit_test(test_token_head_learns_by_maximum_likelihood),
    };
    return cmocka_run_group_tests_name("tokens", tests, NULL, NULL);
}
