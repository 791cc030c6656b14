/* The matrix-product backends: the reference kernel, the CBLAS library actually loaded,
 * and a user's sgemm plugged in at run time. */
#define _GNU_SOURCE
#include "test_util.h"

#include <dlfcn.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas/blas.h"

/* The definition, in double. */
static void naive_gemm(int ta, int tb, int m, int n, int k, float alpha, const float *a,
                       int lda, const float *b, int ldb, float beta, float *c, int ldc)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int p = 0; p < k; p++)
                s += (double)(ta ? a[p * lda + i] : a[i * lda + p]) *
                     (tb ? b[j * ldb + p] : b[p * ldb + j]);
            c[i * ldc + j] = (float)(alpha * s + (beta == 0.0f ? 0.0 : beta * c[i * ldc + j]));
        }
}

typedef int (*sgemm_fn)(void *, int32_t, int32_t, int32_t, int32_t, int32_t, float,
                        const float *, int32_t, const float *, int32_t, float, float *,
                        int32_t);

/* Every transpose combination, odd sizes, padded leading dimensions, alpha and beta
 * including beta = 0 over a C full of NaN (which must be overwritten, not read). */
static void check_backend(sgemm_fn fn, const char *name)
{
    gt_rng r;
    gt_seed(&r, 21);
    const int sizes[][3] = {{1, 1, 1}, {3, 5, 7}, {17, 9, 33}, {64, 49, 25}};
    const float betas[] = {0.0f, 1.0f, -0.5f};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++)
                for (size_t bi = 0; bi < 3; bi++) {
                    int m = sizes[s][0], n = sizes[s][1], k = sizes[s][2];
                    int lda = (ta ? m : k) + 2, ldb = (tb ? k : n) + 1, ldc = n + 3;
                    size_t na = (size_t)(ta ? k : m) * lda, nb = (size_t)(tb ? n : k) * ldb;
                    size_t nc = (size_t)m * ldc;
                    float *a = malloc(na * 4), *b = malloc(nb * 4);
                    float *c = malloc(nc * 4), *want = malloc(nc * 4);
                    gt_fill(&r, a, na, -1, 1);
                    gt_fill(&r, b, nb, -1, 1);
                    gt_fill(&r, c, nc, -1, 1);
                    if (betas[bi] == 0.0f)
                        for (size_t i = 0; i < nc; i++)
                            c[i] = NAN;
                    memcpy(want, c, nc * 4);
                    naive_gemm(ta, tb, m, n, k, 0.75f, a, lda, b, ldb, betas[bi], want, ldc);
                    assert_int_equal(fn(NULL, ta, tb, m, n, k, 0.75f, a, lda, b, ldb,
                                        betas[bi], c, ldc), 0);
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < n; j++) {
                            float got = c[i * ldc + j], w = want[i * ldc + j];
                            if (!(fabsf(got - w) <= 1e-4f * (1.0f + fabsf(w))))
                                fail_msg("%s %c%c m=%d n=%d k=%d beta=%g: C[%d][%d] = %g, "
                                         "want %g", name, ta ? 'T' : 'N', tb ? 'T' : 'N', m,
                                         n, k, (double)betas[bi], i, j, (double)got,
                                         (double)w);
                        }
                    free(a);
                    free(b);
                    free(c);
                    free(want);
                }
}

static void test_reference_sgemm(void **state)
{
    (void)state;
    check_backend(gan__sgemm_reference, "reference");
}

static void test_default_backend(void **state)
{
    (void)state;
    gan__blas b;
    gan__blas_default(&b);
    assert_string_equal(b.name, gan_blas_default_backend());
    check_backend(b.sgemm, b.name);
}

/* Which kernels run the products: a known name, the BLAS's own where GAN_SGEMM says so
 * and for the builds without OpenBLAS. */
static void test_blas_kernels(void **state)
{
    (void)state;
    const char *kernels = gan_blas_kernels();
    assert_non_null(kernels);
    print_message("products on %s kernels\n", kernels);
    assert_true(strcmp(kernels, "blas") == 0 || strcmp(kernels, "libgan-avx512") == 0 ||
                strcmp(kernels, "libgan-avx2") == 0);
    assert_ptr_equal(kernels, gan_blas_kernels()); /* decided once */
    const char *env = getenv("GAN_SGEMM");
    const char *backend = gan_blas_default_backend();
    const bool openblas_chooses = !env && strcmp(backend, "netlib") != 0 &&
                                  strcmp(backend, "reference") != 0;
    if (env && strcmp(env, "blas") == 0)
        assert_string_equal(kernels, "blas");
    else if (!openblas_chooses && !env)
        assert_string_equal(kernels, "blas");
    else if (env && strcmp(env, "avx2") == 0)
        assert_true(strcmp(kernels, "libgan-avx2") == 0 || strcmp(kernels, "blas") == 0);
}

/* The CBLAS library really loaded is the one the build chose (Debian's alternatives
 * can silently swap netlib's libblas.so.3 for OpenBLAS's). */
static void test_loaded_blas_library(void **state)
{
    (void)state;
    const char *name = gan_blas_default_backend();
#if defined(GAN_HAVE_CBLAS)
    void *sym = dlsym(RTLD_DEFAULT, "cblas_sgemm");
    assert_non_null(sym);
    Dl_info info;
    assert_true(dladdr(sym, &info) != 0);
    char *file = realpath(info.dli_fname, NULL); /* through the alternatives symlinks */
    assert_non_null(file);
    print_message("backend %s: cblas_sgemm from %s\n", name, file);
    if (strcmp(name, "openblas") == 0)
        assert_non_null(strstr(file, "openblas"));
    else if (strcmp(name, "system") != 0) /* system: whatever the alternatives chose */
        assert_null(strstr(file, "openblas"));
    free(file);
#else
    assert_string_equal(name, "reference");
#endif
}

typedef struct counter {
    long calls;
    long flops;
    int fail;
} counter;

static int counting_sgemm(void *user, int32_t ta, int32_t tb, int32_t m, int32_t n, int32_t k,
                          float alpha, const float *a, int32_t lda, const float *b,
                          int32_t ldb, float beta, float *c, int32_t ldc)
{
    counter *cnt = user;
    cnt->calls++;
    cnt->flops += 2L * m * n * k;
    if (cnt->fail)
        return 42;
    return gan__sgemm_reference(NULL, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

static gan_model_t *small_conv_net(void)
{
    const int32_t dims[3] = {2, 9, 9};
    gan_model_t *m = gt_model(dims, 3);
    gan_layer_t *l;
    gt_add(m, gan_layer_conv2d_create(&l, 4, 3, 2, GAN_PADDING_SAME), l);
    gt_add(m, gan_layer_conv2d_transpose_create(&l, 3, 4, 2, GAN_PADDING_SAME), l);
    gt_add(m, gan_layer_flatten_create(&l), l);
    gt_add(m, gan_layer_dense_create(&l, 2, true), l);
    GT_OK(gan_model_build(m, 3));
    return m;
}

static void run_step(gan_model_t *m, float *out, float *dx)
{
    float x[3 * 162], dy[6] = {1, -2, 0.5f, 0.25f, -1, 3};
    gt_rng r;
    gt_seed(&r, 8);
    gt_fill(&r, x, 3 * 162, -1, 1);
    const float *y, *d;
    GT_OK(gan_model_zero_grad(m));
    GT_OK(gan_model_forward(m, x, NULL, 3, &y));
    GT_OK(gan_model_backward(m, dy, &d));
    memcpy(out, y, 6 * sizeof *out);
    memcpy(dx, d, 3 * 162 * sizeof *dx);
}

static void test_user_sgemm_is_used_and_restorable(void **state)
{
    (void)state;
    gan_model_t *m = small_conv_net();
    float y_default[6], dx_default[3 * 162], y_user[6], dx_user[3 * 162];
    run_step(m, y_default, dx_default);

    counter cnt = {0};
    GT_OK(gan_model_set_sgemm(m, counting_sgemm, &cnt));
    const char *name;
    GT_OK(gan_model_get_backend(m, &name));
    assert_string_equal(name, "user");
    run_step(m, y_user, dx_user);
    /* forward: conv, convT, dense; backward: 2 per layer (weights, input) */
    assert_int_equal(cnt.calls, 3 + 6);
    assert_true(cnt.flops > 0);
    for (int i = 0; i < 6; i++)
        assert_float_equal(y_user[i], y_default[i], 1e-4);
    for (int i = 0; i < 3 * 162; i++)
        assert_float_equal(dx_user[i], dx_default[i], 1e-4);

    cnt.fail = 1;
    float x[3 * 162] = {0};
    GT_FAILS(gan_model_forward(m, x, NULL, 3, NULL), GAN_E_BACKEND, "returned 42");
    assert_non_null(strstr(gan_last_error(), "conv2d_0"));

    GT_OK(gan_model_set_sgemm(m, NULL, NULL));
    GT_OK(gan_model_get_backend(m, &name));
    assert_string_equal(name, gan_blas_default_backend());
    long before = cnt.calls;
    run_step(m, y_user, dx_user);
    assert_int_equal(cnt.calls, before);
    GT_FAILS(gan_model_set_sgemm(NULL, counting_sgemm, &cnt), GAN_E_INVALID_ARG, "model");
    GT_FAILS(gan_model_get_backend(m, NULL), GAN_E_INVALID_ARG, "name");
    gan_model_destroy(m);
}

static void test_thread_count(void **state)
{
    (void)state;
    GT_FAILS(gan_blas_set_num_threads(0), GAN_E_OUT_OF_RANGE, "0 threads");
    GT_FAILS(gan_blas_set_num_threads(5000), GAN_E_OUT_OF_RANGE, "5000 threads");
    GT_OK(gan_blas_set_num_threads(2));
    check_backend(gan__sgemm_reference, "reference after a thread change");
    gan__blas b;
    gan__blas_default(&b);
    check_backend(b.sgemm, "default with 2 threads");
#if defined(GAN_BLAS_SYSTEM)
    /* blas=system finds OpenBLAS's thread control at run time, when the libblas.so.3
     * loaded is OpenBLAS's; any other BLAS counts as single-threaded. */
    if (!dlsym(RTLD_DEFAULT, "openblas_set_num_threads")) {
        assert_int_equal(gan__blas_get_threads(), 1);
        GT_OK(gan_set_num_threads(2));
        assert_int_equal(gan__blas_get_threads(), 1);
        GT_OK(gan_set_num_threads(1));
        GT_OK(gan_blas_set_num_threads(1));
        return;
    }
#endif
#if defined(GAN_BLAS_OPENBLAS) || defined(GAN_BLAS_SYSTEM)
    /* libgan's pool takes the BLAS to one thread and gives its count back after. */
    assert_int_equal(gan__blas_get_threads(), 2);
    GT_OK(gan_set_num_threads(2));
    assert_int_equal(gan__blas_get_threads(), 1);
    GT_OK(gan_set_num_threads(3));
    assert_int_equal(gan__blas_get_threads(), 1);
    GT_OK(gan_set_num_threads(1));
    assert_int_equal(gan__blas_get_threads(), 2);
#endif
    GT_OK(gan_blas_set_num_threads(1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_sgemm),
        cmocka_unit_test(test_default_backend),
        cmocka_unit_test(test_loaded_blas_library),
        cmocka_unit_test(test_blas_kernels),
        cmocka_unit_test(test_user_sgemm_is_used_and_restorable),
        cmocka_unit_test(test_thread_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
