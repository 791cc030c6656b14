/* Spectral normalisation through the public API: the largest singular value of the
 * weights a layer computes with, persistence and determinism of u, errors, summaries.
 *
 * The weights a layer computes with, W / sigma, are not exposed; they are read back
 * through the layer's output. Each probe layer has no bias and a shape where a batch of
 * one-hot inputs turns the output into the weight matrix (dim 0, the rest): Dense(8) on
 * (12) gives its columns, Conv2D(5, 4x4 valid) on (3,4,4) its columns, and
 * Conv2DTranspose(2, 3x3 valid) on (6,1,1) its rows. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SN_SEED 7
#define SN_ITERATIONS 200 /* the test's own power iteration */
/* Training passes before sigma_max(W / sigma) is checked: the conv2d probe's two largest
 * singular values are close (ratio ~0.96), and 100 passes leave an error of ~5e-4. */
#define SN_PASSES 300

typedef enum sn_kind { SN_DENSE, SN_CONV, SN_CONV_T } sn_kind;

typedef struct sn_probe {
    const char *name;
    sn_kind kind;
    int32_t in[3], ndim;
    int32_t rows, cols;
    bool by_rows; /* one-hot input n gives row n (else column n) */
} sn_probe;

static const sn_probe sn_probes[] = {
    {"dense", SN_DENSE, {12}, 1, 8, 12, false},
    {"conv2d", SN_CONV, {3, 4, 4}, 3, 5, 48, false},
    {"conv2d_transpose", SN_CONV_T, {6, 1, 1}, 3, 6, 18, true},
};

/* Batch of the one-hot read-back. */
static int32_t sn_probe_batch(const sn_probe *p)
{
    return p->by_rows ? p->rows : p->cols;
}

static gan_status sn_layer_create(const sn_probe *p, gan_layer_t **l)
{
    if (p->kind == SN_DENSE)
        return gan_layer_dense_create(l, p->rows, false);
    gan_conv_options_t o;
    gan_status st = gan_conv_options_init(&o, sizeof o);
    if (st != GAN_OK)
        return st;
    o.filters = p->kind == SN_CONV ? p->rows : p->cols / 9;
    o.kernel_h = o.kernel_w = p->kind == SN_CONV ? 4 : 3;
    o.padding = GAN_PADDING_VALID;
    o.use_bias = 0;
    return p->kind == SN_CONV ? gan_layer_conv2d_create_ex(l, &o)
                              : gan_layer_conv2d_transpose_create_ex(l, &o);
}

/* A model of the probe layer alone, normalised if @p sn, built for @p batch. */
static gan_model_t *sn_model(const sn_probe *p, uint64_t seed, bool sn, int32_t batch)
{
    gan_model_options_t o;
    GT_OK(gan_model_options_init(&o, sizeof o));
    o.seed = seed;
    gan_model_t *m = NULL;
    GT_OK(gan_model_create(&m, p->in, p->ndim, &o));
    gan_layer_t *l = NULL;
    GT_OK(sn_layer_create(p, &l));
    GT_OK(gan_layer_set_spectral_norm(l, sn));
    GT_OK(gan_model_add(m, l));
    GT_OK(gan_model_build(m, batch));
    return m;
}

/* @p passes training-mode forwards (one power iteration each) of random inputs. */
static void sn_train_passes(gan_model_t *m, int passes)
{
    int32_t batch;
    GT_OK(gan_model_get_batch_size(m, &batch));
    size_t n = (size_t)batch * gt_input_size(m);
    float *x = malloc(n * sizeof *x);
    assert_non_null(x);
    gt_rng r;
    gt_seed(&r, 99);
    GT_OK(gan_model_set_training(m, true));
    for (int i = 0; i < passes; i++) {
        gt_fill(&r, x, n, -1.0f, 1.0f);
        GT_OK(gan_model_forward(m, x, NULL, batch, NULL));
    }
    free(x);
}

/* The one-hot input of the read-back. */
static float *sn_one_hot(const sn_probe *p)
{
    const size_t n = (size_t)sn_probe_batch(p);
    float *x = calloc(n * n, sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++)
        x[i * n + i] = 1.0f;
    return x;
}

/* Forward the one-hot batch in the given mode and return the output, owned by @p m. */
static const float *sn_forward_one_hot(gan_model_t *m, const sn_probe *p, bool training)
{
    float *x = sn_one_hot(p);
    const float *y;
    GT_OK(gan_model_set_batch_size(m, sn_probe_batch(p)));
    GT_OK(gan_model_set_training(m, training));
    GT_OK(gan_model_forward(m, x, NULL, sn_probe_batch(p), &y));
    free(x);
    return y;
}

/* The (rows, cols) weights the layer computes with, read in inference mode (u and v
 * as stored, no power iteration). */
static void sn_read_weights(gan_model_t *m, const sn_probe *p, float *w)
{
    const float *y = sn_forward_one_hot(m, p, false);
    const size_t rows = (size_t)p->rows, cols = (size_t)p->cols;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            w[i * cols + j] = p->by_rows ? y[i * cols + j] : y[j * rows + i];
}

/* Largest singular value of (rows, cols) @p w, by the test's own power iteration in
 * double from a fixed start. */
static double sn_sigma_max(const float *w, size_t rows, size_t cols)
{
    double *v = malloc(cols * sizeof *v), *u = malloc(rows * sizeof *u);
    assert_non_null(v);
    assert_non_null(u);
    for (size_t j = 0; j < cols; j++)
        v[j] = 1.0 + 0.1 * (double)j;
    double sigma = 0.0;
    for (int it = 0; it < SN_ITERATIONS; it++) {
        double nu = 0.0, nv = 0.0;
        for (size_t i = 0; i < rows; i++) {
            u[i] = 0.0;
            for (size_t j = 0; j < cols; j++)
                u[i] += w[i * cols + j] * v[j];
            nu += u[i] * u[i];
        }
        for (size_t j = 0; j < cols; j++) {
            v[j] = 0.0;
            for (size_t i = 0; i < rows; i++)
                v[j] += w[i * cols + j] * u[i];
            nv += v[j] * v[j];
        }
        /* |W^T W v| / |W v| with |v| = 1 tends to sigma_max */
        nu = sqrt(nu);
        nv = sqrt(nv);
        sigma = nv / nu;
        for (size_t j = 0; j < cols; j++)
            v[j] /= nv;
    }
    free(u);
    free(v);
    return sigma;
}

static float *sn_floats(size_t n)
{
    float *p = malloc(n * sizeof *p);
    assert_non_null(p);
    return p;
}

/* The raw weights in the parameter arena, which spectral normalisation leaves alone. */
static const float *sn_raw_weights(gan_model_t *m)
{
    float *params;
    size_t n;
    GT_OK(gan_model_get_params(m, &params, &n));
    return params;
}

static void test_largest_singular_value_is_one(void **state)
{
    const sn_probe *p = *state;
    const size_t rows = (size_t)p->rows, cols = (size_t)p->cols, n = rows * cols;
    gan_model_t *m = sn_model(p, SN_SEED, true, 4);
    float *w = sn_floats(n);
    const float *raw = sn_raw_weights(m);
    const double raw_sigma = sn_sigma_max(raw, rows, cols);

    /* With u and v as drawn, u^T W v is no estimate of sigma_max yet. */
    sn_read_weights(m, p, w);
    const double cold = sn_sigma_max(w, rows, cols);
    if (fabs(cold - 1.0) < 0.1)
        fail_msg("%s: sigma_max %g before any power iteration: the test is vacuous",
                 p->name, cold);

    GT_OK(gan_model_set_batch_size(m, 4));
    sn_train_passes(m, SN_PASSES);
    sn_read_weights(m, p, w);
    const double sigma = sn_sigma_max(w, rows, cols);
    if (fabs(sigma - 1.0) > 1e-3)
        fail_msg("%s: sigma_max of W / sigma is %.6f after %d training passes "
                 "(%.6f before)", p->name, sigma, SN_PASSES, cold);
    if (getenv("GT_VERBOSE"))
        print_message("    %-16s sigma_max(W) %.6f; of W / sigma: %.6f at build, "
                      "%.9f after %d passes\n", p->name, raw_sigma, cold, sigma,
                      SN_PASSES);
    /* The layer computed with W / sigma_max(W), W being the untouched raw weights
     * (whose own sigma_max, ~0.13 from N(0, 0.02), is far from 1). */
    assert_true(fabs(raw_sigma - 1.0) > 0.5);
    for (size_t i = 0; i < n; i++)
        if (fabs(w[i] - raw[i] / raw_sigma) > 1e-3 * fabs(raw[i] / raw_sigma) + 1e-6)
            fail_msg("%s: weight %zu is %.7g, want W / sigma_max(W) = %.7g", p->name,
                     i, (double)w[i], raw[i] / raw_sigma);
    free(w);
    gan_model_destroy(m);
}

/* A training-mode forward updates u and v first and computes with them; inference mode
 * computes with them as stored. */
static void test_modes(void **state)
{
    (void)state;
    const sn_probe *p = &sn_probes[1];
    const size_t n = (size_t)sn_probe_batch(p) * (size_t)p->rows;
    gan_model_t *m = sn_model(p, SN_SEED, true, sn_probe_batch(p));
    float *cold = sn_floats(n), *trained = sn_floats(n);
    memcpy(cold, sn_forward_one_hot(m, p, false), n * sizeof *cold);
    memcpy(trained, sn_forward_one_hot(m, p, true), n * sizeof *trained);
    assert_memory_not_equal(trained, cold, n * sizeof *cold);
    assert_memory_equal(sn_forward_one_hot(m, p, false), trained, n * sizeof *trained);
    assert_memory_equal(sn_forward_one_hot(m, p, false), trained, n * sizeof *trained);
    assert_memory_not_equal(sn_forward_one_hot(m, p, true), trained, n * sizeof *trained);
    free(trained);
    free(cold);
    gan_model_destroy(m);
}

/* u and v are state, not batch memory: a batch-size change keeps them. */
static void test_vectors_survive_set_batch_size(void **state)
{
    const sn_probe *p = *state;
    const size_t n = (size_t)p->rows * (size_t)p->cols;
    const int32_t probe_batch = sn_probe_batch(p);
    float *resized = sn_floats(n), *direct = sn_floats(n), *untrained = sn_floats(n);

    gan_model_t *m = sn_model(p, SN_SEED, true, 3);
    sn_train_passes(m, 5);
    GT_OK(gan_model_set_batch_size(m, 5));
    GT_OK(gan_model_set_batch_size(m, probe_batch));
    sn_read_weights(m, p, resized);
    gan_model_destroy(m);

    m = sn_model(p, SN_SEED, true, probe_batch);
    sn_train_passes(m, 5);
    sn_read_weights(m, p, direct);
    gan_model_destroy(m);

    m = sn_model(p, SN_SEED, true, probe_batch);
    sn_read_weights(m, p, untrained);
    gan_model_destroy(m);

    assert_memory_equal(resized, direct, n * sizeof *direct);
    assert_memory_not_equal(resized, untrained, n * sizeof *untrained);
    free(untrained);
    free(direct);
    free(resized);
}

/* u and v come from the model seed: the same seed gives the same vectors bit for bit,
 * another seed other vectors; and drawing them changes no parameter. */
static void test_vectors_follow_the_seed(void **state)
{
    const sn_probe *p = *state;
    const size_t n = (size_t)p->rows * (size_t)p->cols;
    const int32_t batch = sn_probe_batch(p);
    float *w1 = sn_floats(n), *w2 = sn_floats(n);
    gan_model_t *a = sn_model(p, SN_SEED, true, batch);
    gan_model_t *b = sn_model(p, SN_SEED, true, batch);
    gan_model_t *other = sn_model(p, SN_SEED + 1, true, batch);
    gan_model_t *plain = sn_model(p, SN_SEED, false, batch);

    assert_memory_equal(sn_raw_weights(a), sn_raw_weights(plain), n * sizeof *w1);
    sn_read_weights(a, p, w1);
    sn_read_weights(b, p, w2);
    assert_memory_equal(w1, w2, n * sizeof *w1);
    sn_train_passes(a, 3);
    sn_train_passes(b, 3);
    sn_read_weights(a, p, w1);
    sn_read_weights(b, p, w2);
    assert_memory_equal(w1, w2, n * sizeof *w1);

    /* Same raw weights, other seed: other u and v, so other normalised weights. */
    float *raw;
    size_t count;
    GT_OK(gan_model_get_params(other, &raw, &count));
    assert_int_equal(count, n);
    memcpy(raw, sn_raw_weights(b), n * sizeof *raw);
    sn_train_passes(other, 3);
    sn_read_weights(other, p, w1);
    assert_memory_not_equal(w1, w2, n * sizeof *w1);

    gan_model_destroy(plain);
    gan_model_destroy(other);
    gan_model_destroy(b);
    gan_model_destroy(a);
    free(w2);
    free(w1);
}

static void test_errors(void **state)
{
    (void)state;
    GT_FAILS(gan_layer_set_spectral_norm(NULL, true), GAN_E_INVALID_ARG, "layer is NULL");

    gan_layer_t *l = NULL;
    GT_OK(gan_layer_leaky_relu_create(&l, 0.2f));
    GT_FAILS(gan_layer_set_spectral_norm(l, true), GAN_E_INVALID_ARG, "leaky_relu");
    gan_layer_destroy(l);
    GT_OK(gan_layer_batchnorm_create(&l, 0.1f, 1e-5f));
    GT_FAILS(gan_layer_set_spectral_norm(l, false), GAN_E_INVALID_ARG, "batchnorm");
    gan_layer_destroy(l);
    GT_OK(gan_layer_embedding_create(&l, 3, 4));
    GT_FAILS(gan_layer_set_spectral_norm(l, true), GAN_E_INVALID_ARG, "embedding");
    gan_layer_destroy(l);

    /* Free, then added but not built: allowed. Built: too late, either way. */
    const int32_t dims[1] = {4};
    gan_model_t *m = gt_model(dims, 1);
    GT_OK(gan_layer_dense_create(&l, 3, true));
    GT_OK(gan_layer_set_spectral_norm(l, true));
    GT_OK(gan_model_add(m, l));
    GT_OK(gan_layer_set_spectral_norm(l, false));
    GT_OK(gan_layer_set_spectral_norm(l, true));
    GT_OK(gan_model_build(m, 2));
    GT_FAILS(gan_layer_set_spectral_norm(l, false), GAN_E_STATE, "built");
    GT_FAILS(gan_layer_set_spectral_norm(l, true), GAN_E_STATE, "built");
    gan_model_destroy(m);
}

/* u and v count as non-trainable parameters, next to BatchNorm's running statistics. */
static void test_summary_counts_the_vectors(void **state)
{
    (void)state;
    for (int sn = 0; sn <= 1; sn++) {
        const int32_t dims[1] = {12};
        gan_model_t *m = gt_model(dims, 1);
        gan_layer_t *l = NULL;
        GT_OK(gan_layer_dense_create(&l, 8, true));
        GT_OK(gan_layer_set_spectral_norm(l, sn));
        GT_OK(gan_model_add(m, l));
        gt_add(m, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l);
        GT_OK(gan_model_build(m, 2));
        char text[4096];
        GT_OK(gan_model_summary(m, text, sizeof text, NULL));
        /* dense 8x12 + 8, batchnorm 8 + 8; u (8) and v (12), running statistics 2 x 8 */
        assert_non_null(strstr(text, "Trainable params: 120\n"));
        assert_non_null(strstr(text, sn ? "Non-trainable params: 36\n"
                                        : "Non-trainable params: 16\n"));
        assert_non_null(strstr(text, sn ? "Total params: 156 " : "Total params: 136 "));
        size_t count;
        GT_OK(gan_model_get_param_count(m, &count));
        assert_int_equal(count, 120);
        gan_model_destroy(m);
    }
}

/* One test per probe layer (sn_probes in order), the probe as the test's state. */
#define SN_TEST(name, fn, k, kind) {name ", " kind, fn, NULL, NULL, (void *)&sn_probes[k]}
#define SN_EACH_PROBE(name, fn)                                                        \
    SN_TEST(name, fn, 0, "dense"), SN_TEST(name, fn, 1, "conv2d"),                    \
        SN_TEST(name, fn, 2, "conv2d_transpose")

int main(void)
{
    const struct CMUnitTest tests[] = {
        SN_EACH_PROBE("largest singular value is 1", test_largest_singular_value_is_one),
        cmocka_unit_test(test_modes),
        SN_EACH_PROBE("u, v survive set_batch_size", test_vectors_survive_set_batch_size),
        SN_EACH_PROBE("u, v follow the seed", test_vectors_follow_the_seed),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_summary_counts_the_vectors),
    };
    return cmocka_run_group_tests_name("spectral_norm", tests, NULL, NULL);
}
