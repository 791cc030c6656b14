/* libgan's own sgemm (lib/kernels/sgemm.c) against the definition in double, its bits
 * whole against in pieces, the CBLAS backend's switch to it, and its per-thread packing
 * space. meson runs it twice: with the CPU's best kernels and with GAN_SGEMM=avx2. */
#include "test_util.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "blas/blas.h"
#include "kernels/sgemm.h"

static bool have_kernels(void)
{
    if (gan__sgemm_own_isa() == 0) {
        print_message("no AVX2 or AVX-512 here (or GAN_SGEMM=blas): nothing to test\n");
        return false;
    }
    return true;
}

typedef struct product {
    int ta, tb, m, n, k, lda, ldb, ldc;
    float *a, *b, *c;
} product;

static product product_new(gt_rng *r, int ta, int tb, int m, int n, int k)
{
    product p = {.ta = ta, .tb = tb, .m = m, .n = n, .k = k};
    p.lda = (ta ? m : k) + 3;
    p.ldb = (tb ? k : n) + 1;
    p.ldc = n + 5;
    const size_t na = (size_t)(ta ? k : m) * p.lda, nb = (size_t)(tb ? n : k) * p.ldb;
    p.a = malloc(na * sizeof *p.a);
    p.b = malloc(nb * sizeof *p.b);
    p.c = malloc((size_t)m * p.ldc * sizeof *p.c);
    assert_non_null(p.a);
    assert_non_null(p.b);
    assert_non_null(p.c);
    gt_fill(r, p.a, na, -1, 1);
    gt_fill(r, p.b, nb, -1, 1);
    gt_fill(r, p.c, (size_t)m * p.ldc, -1, 1);
    return p;
}

static void product_free(product *p)
{
    free(p->a);
    free(p->b);
    free(p->c);
}

static float elem_a(const product *p, int i, int q)
{
    return p->ta ? p->a[(size_t)q * p->lda + i] : p->a[(size_t)i * p->lda + q];
}

static float elem_b(const product *p, int q, int j)
{
    return p->tb ? p->b[(size_t)j * p->ldb + q] : p->b[(size_t)q * p->ldb + j];
}

/* gan__sgemm_own on p, checked against the definition in double within float32's bound
 * for a sum of k products; the bytes between rows of C (ldc > n) stay untouched. */
static void check_product(product *p, float alpha, float beta)
{
    const size_t nc = (size_t)p->m * p->ldc;
    float *c0 = malloc(nc * sizeof *c0);
    assert_non_null(c0);
    if (beta == 0.0f)
        for (int i = 0; i < p->m; i++)
            for (int j = 0; j < p->n; j++)
                p->c[(size_t)i * p->ldc + j] = NAN; /* must be overwritten, not read */
    memcpy(c0, p->c, nc * sizeof *c0);
    assert_int_equal(gan__sgemm_own(p->ta, p->tb, p->m, p->n, p->k, alpha, p->a, p->lda,
                                    p->b, p->ldb, beta, p->c, p->ldc),
                     0);
    for (int i = 0; i < p->m; i++) {
        for (int j = 0; j < p->n; j++) {
            double sum = 0, mag = 0;
            for (int q = 0; q < p->k; q++) {
                const double t = (double)elem_a(p, i, q) * elem_b(p, q, j);
                sum += t;
                mag += fabs(t);
            }
            const double old = beta == 0.0f ? 0.0 : c0[(size_t)i * p->ldc + j];
            const double want = alpha * sum + beta * old;
            const double tol = 1e-6 * (p->k + 4) * (fabs(alpha) * mag + fabs(beta * old)) +
                               1e-30;
            const float got = p->c[(size_t)i * p->ldc + j];
            if (!(fabs(got - want) <= tol))
                fail_msg("%s%s m=%d n=%d k=%d alpha=%g beta=%g: C[%d][%d] = %.9g, want "
                         "%.9g", p->ta ? "T" : "N", p->tb ? "T" : "N", p->m, p->n, p->k,
                         (double)alpha, (double)beta, i, j, (double)got, want);
        }
        for (int j = p->n; j < p->ldc; j++)
            assert_memory_equal(&p->c[(size_t)i * p->ldc + j], &c0[(size_t)i * p->ldc + j],
                                sizeof(float));
    }
    free(c0);
}

/* Sizes on both sides of every tile and block edge of both kernels (tiles of 12 x 32
 * and 6 x 16; blocks of 144 rows, 256 of depth and 512 columns), every transpose,
 * alpha and beta. */
static void test_against_definition(void **state)
{
    (void)state;
    if (!have_kernels())
        return;
    gt_rng r;
    gt_seed(&r, 7);
    const int shapes[][3] = {
        {1, 3, 1},     {5, 7, 3},     {6, 16, 17},   {12, 32, 255}, {13, 33, 256},
        {11, 31, 257}, {145, 40, 20}, {7, 2049, 9},  {30, 513, 600}, {64, 1, 300},
        {3, 2, 513},   {1, 70, 40},   {288, 65, 33},
    };
    const float alphas[] = {1.0f, -0.75f};
    const float betas[] = {0.0f, 1.0f, 0.5f};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int t = 0; t < 4; t++)
            for (size_t ai = 0; ai < 2; ai++)
                for (size_t bi = 0; bi < 3; bi++) {
                    product p = product_new(&r, t & 1, t >> 1, shapes[s][0], shapes[s][1],
                                            shapes[s][2]);
                    check_product(&p, alphas[ai], betas[bi]);
                    product_free(&p);
                }
}

/* Nothing to sum: C = beta C, and beta 0 clears NaN. */
static void test_empty_sums(void **state)
{
    (void)state;
    if (!have_kernels())
        return;
    float a[4] = {1, 2, 3, 4}, b[4] = {1, 1, 1, 1};
    float c[4] = {NAN, NAN, NAN, NAN};
    assert_int_equal(gan__sgemm_own(0, 0, 2, 2, 0, 1.0f, a, 1, b, 2, 0.0f, c, 2), 0);
    for (int i = 0; i < 4; i++)
        assert_true(c[i] == 0.0f);
    float d[4] = {1, 2, 3, 4};
    assert_int_equal(gan__sgemm_own(0, 0, 2, 2, 2, 0.0f, a, 2, b, 2, 2.0f, d, 2), 0);
    assert_true(d[0] == 2.0f && d[3] == 8.0f);
    assert_int_equal(gan__sgemm_own(0, 0, 0, 2, 2, 1.0f, a, 2, b, 2, 0.0f, d, 2), 0);
    assert_true(d[0] == 2.0f);
}

/* Large enough for the blocked path (OpenBLAS's small-matrix rule, which the own sgemm
 * follows, sums small products in an order that depends on their shape). */
static bool blocked_path(int m, int n, int k)
{
    return (double)m * n * k > 1e6;
}

/* A product computed in pieces of rows or of columns, each on the blocked path, gives the
 * bits of the whole: the pool splits large products so between its threads. */
static void test_pieces_same_bits(void **state)
{
    (void)state;
    if (!have_kernels())
        return;
    gt_rng r;
    gt_seed(&r, 11);
    const int shapes[][3] = {{100, 1200, 270}, {400, 300, 40}, {1500, 2, 700}};
    const int cuts[] = {1, 5, 12, 17, 33, 40, 64, 97, 800};
    int checked = 0;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int t = 0; t < 4; t++) {
            product p = product_new(&r, t & 1, t >> 1, shapes[s][0], shapes[s][1],
                                    shapes[s][2]);
            const size_t nc = (size_t)p.m * p.ldc;
            float *whole = malloc(nc * sizeof *whole), *piece = malloc(nc * sizeof *piece);
            assert_non_null(whole);
            assert_non_null(piece);
            memcpy(whole, p.c, nc * sizeof *whole);
            assert_int_equal(gan__sgemm_own(p.ta, p.tb, p.m, p.n, p.k, 1.0f, p.a, p.lda,
                                            p.b, p.ldb, 1.0f, whole, p.ldc),
                             0);
            for (size_t ci = 0; ci < sizeof cuts / sizeof cuts[0]; ci++) {
                const int cut = cuts[ci];
                /* rows [0, cut) and [cut, m) */
                const int mr = cut;
                if (mr < p.m && blocked_path(mr, p.n, p.k) && blocked_path(p.m - mr, p.n, p.k)) {
                    memcpy(piece, p.c, nc * sizeof *piece);
                    const float *a2 = p.ta ? p.a + mr : p.a + (size_t)mr * p.lda;
                    assert_int_equal(gan__sgemm_own(p.ta, p.tb, mr, p.n, p.k, 1.0f, p.a,
                                                    p.lda, p.b, p.ldb, 1.0f, piece, p.ldc),
                                     0);
                    assert_int_equal(gan__sgemm_own(p.ta, p.tb, p.m - mr, p.n, p.k, 1.0f, a2,
                                                    p.lda, p.b, p.ldb, 1.0f,
                                                    piece + (size_t)mr * p.ldc, p.ldc),
                                     0);
                    assert_memory_equal(piece, whole, nc * sizeof *piece);
                    checked++;
                }
                /* columns [0, cut) and [cut, n) */
                const int nr = cut;
                if (nr < p.n && blocked_path(p.m, nr, p.k) && blocked_path(p.m, p.n - nr, p.k)) {
                    memcpy(piece, p.c, nc * sizeof *piece);
                    const float *b2 = p.tb ? p.b + (size_t)nr * p.ldb : p.b + nr;
                    assert_int_equal(gan__sgemm_own(p.ta, p.tb, p.m, nr, p.k, 1.0f, p.a,
                                                    p.lda, p.b, p.ldb, 1.0f, piece, p.ldc),
                                     0);
                    assert_int_equal(gan__sgemm_own(p.ta, p.tb, p.m, p.n - nr, p.k, 1.0f,
                                                    p.a, p.lda, b2, p.ldb, 1.0f, piece + nr,
                                                    p.ldc),
                                     0);
                    assert_memory_equal(piece, whole, nc * sizeof *piece);
                    checked++;
                }
            }
            free(whole);
            free(piece);
            product_free(&p);
        }
    print_message("%d splits checked\n", checked);
    assert_true(checked >= 40);
}

/* Through the CBLAS backend with GAN_SGEMM=own or avx2 (meson's runs set it): every
 * product of a layer then runs here, bit for bit. */
static void test_backend_switch(void **state)
{
    (void)state;
#if defined(GAN_HAVE_CBLAS)
    const char *env = getenv("GAN_SGEMM");
    if (!have_kernels() || !env || strcmp(env, "blas") == 0) {
        print_message("GAN_SGEMM is not own or avx2: the backend's choice is the CPU's\n");
        return;
    }
    assert_true(gan__blas_own_sgemm());
    assert_string_equal(gan_blas_kernels(), strcmp(env, "avx2") == 0 ||
                                                    gan__sgemm_own_isa() == 256
                                                ? "libgan-avx2"
                                                : "libgan-avx512");
    gt_rng r;
    gt_seed(&r, 3);
    product p = product_new(&r, 1, 0, 40, 70, 300);
    const size_t nc = (size_t)p.m * p.ldc;
    float *own = malloc(nc * sizeof *own);
    assert_non_null(own);
    memcpy(own, p.c, nc * sizeof *own);
    assert_int_equal(gan__sgemm_own(1, 0, p.m, p.n, p.k, 0.5f, p.a, p.lda, p.b, p.ldb, 1.0f,
                                    own, p.ldc),
                     0);
    assert_int_equal(gan__sgemm_cblas(NULL, 1, 0, p.m, p.n, p.k, 0.5f, p.a, p.lda, p.b,
                                      p.ldb, 1.0f, p.c, p.ldc),
                     0);
    assert_memory_equal(own, p.c, nc * sizeof *own);
    free(own);
    product_free(&p);
#else
    print_message("no CBLAS backend in this build\n");
#endif
}

/* Which OpenBLAS kernel sets give way to libgan's, on which CPUs, under GAN_SGEMM. */
static void test_backend_rule(void **state)
{
    (void)state;
#if defined(GAN_HAVE_CBLAS)
    static const struct {
        const char *core;
        int32_t isa;
        const char *env;
        bool own;
    } cases[] = {
        {"Prescott", 512, NULL, true},     /* OpenBLAS does not know the CPU */
        {"Prescott", 256, NULL, true},
        {"Sandybridge", 256, NULL, true},  /* AVX without FMA */
        {"Piledriver", 256, NULL, true},
        {"Unknown", 512, NULL, true},
        {"Haswell", 512, NULL, true},      /* AVX2 kernels on an AVX-512 CPU */
        {"Zen", 512, NULL, true},
        {"Haswell", 256, NULL, false},     /* the CPU's own best: OpenBLAS's */
        {"Zen", 256, NULL, false},
        {"SkylakeX", 512, NULL, false},
        {"Cooperlake", 512, NULL, false},
        {"SapphireRapids", 512, NULL, false},
        {NULL, 512, NULL, false},          /* not OpenBLAS */
        {"Prescott", 0, NULL, false},      /* no AVX2 here */
        {"Haswell", 512, "blas", false},
        {"Prescott", 512, "blas", false},
        {"Cooperlake", 512, "own", true},
        {NULL, 256, "avx2", true},
        {"Cooperlake", 0, "own", false},
        {"Cooperlake", 512, "other", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bool own = gan__blas_prefer_own(cases[i].core, cases[i].isa, cases[i].env);
        if (own != cases[i].own)
            fail_msg("core %s, isa %d, GAN_SGEMM=%s: own %d, want %d",
                     cases[i].core ? cases[i].core : "(none)", (int)cases[i].isa,
                     cases[i].env ? cases[i].env : "(unset)", own, cases[i].own);
    }
#else
    print_message("no CBLAS backend in this build\n");
#endif
}

typedef struct worker {
    product p;
    float *want;
    int ok;
} worker;

static void *worker_run(void *arg)
{
    worker *w = arg;
    w->ok = 1;
    for (int rep = 0; rep < 20; rep++) {
        const size_t nc = (size_t)w->p.m * w->p.ldc;
        float *c = malloc(nc * sizeof *c);
        if (!c)
            return NULL;
        memcpy(c, w->p.c, nc * sizeof *c);
        if (gan__sgemm_own(w->p.ta, w->p.tb, w->p.m, w->p.n, w->p.k, 1.0f, w->p.a, w->p.lda,
                           w->p.b, w->p.ldb, 0.5f, c, w->p.ldc) != 0 ||
            memcmp(c, w->want, nc * sizeof *c) != 0)
            w->ok = 0;
        free(c);
    }
    return NULL;
}

/* Threads pack into their own space: two at once give the bits of one alone. */
static void test_threads_own_space(void **state)
{
    (void)state;
    if (!have_kernels())
        return;
    gt_rng r;
    gt_seed(&r, 5);
    worker w[2] = {{.p = product_new(&r, 0, 1, 150, 300, 260)},
                   {.p = product_new(&r, 1, 0, 90, 2100, 70)}};
    for (int i = 0; i < 2; i++) {
        const size_t nc = (size_t)w[i].p.m * w[i].p.ldc;
        w[i].want = malloc(nc * sizeof(float));
        assert_non_null(w[i].want);
        memcpy(w[i].want, w[i].p.c, nc * sizeof(float));
        assert_int_equal(gan__sgemm_own(w[i].p.ta, w[i].p.tb, w[i].p.m, w[i].p.n, w[i].p.k,
                                        1.0f, w[i].p.a, w[i].p.lda, w[i].p.b, w[i].p.ldb,
                                        0.5f, w[i].want, w[i].p.ldc),
                         0);
    }
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(w[i].ok, 1);
        free(w[i].want);
        product_free(&w[i].p);
    }
}

/* Large products called outside a layer's parts run over libgan's pool, by rows or by
 * columns: the bits of one thread. */
static void test_pool_split_same_bits(void **state)
{
    (void)state;
    if (!have_kernels())
        return;
    gt_rng r;
    gt_seed(&r, 13);
    const int shapes[][3] = {{200, 300, 100}, {20, 2000, 100}, {64, 512, 128}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int t = 0; t < 4; t++) {
            product p = product_new(&r, t & 1, t >> 1, shapes[s][0], shapes[s][1],
                                    shapes[s][2]);
            const size_t nc = (size_t)p.m * p.ldc;
            float *one = malloc(nc * sizeof *one);
            assert_non_null(one);
            memcpy(one, p.c, nc * sizeof *one);
            GT_OK(gan_set_num_threads(1));
            assert_int_equal(gan__sgemm_own(p.ta, p.tb, p.m, p.n, p.k, 1.0f, p.a, p.lda,
                                            p.b, p.ldb, 0.25f, one, p.ldc),
                             0);
            GT_OK(gan_set_num_threads(2));
            assert_int_equal(gan__sgemm_own(p.ta, p.tb, p.m, p.n, p.k, 1.0f, p.a, p.lda,
                                            p.b, p.ldb, 0.25f, p.c, p.ldc),
                             0);
            GT_OK(gan_set_num_threads(1));
            assert_memory_equal(one, p.c, nc * sizeof *one);
            free(one);
            product_free(&p);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_definition),
        cmocka_unit_test(test_empty_sums),
        cmocka_unit_test(test_pieces_same_bits),
        cmocka_unit_test(test_backend_switch),
        cmocka_unit_test(test_backend_rule),
        cmocka_unit_test(test_threads_own_space),
        cmocka_unit_test(test_pool_split_same_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
