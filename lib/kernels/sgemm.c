/* libgan's own sgemm (sgemm.h): blocks of C computed from packed panels of A and B by
 * a micro-kernel that keeps its tile of C in registers, AVX-512 (12 x 32) or AVX2
 * (6 x 16). */
#include "kernels/sgemm.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "blas/blas.h"
#include "core/pool.h"
#include "kernels/cpu.h"
#include "kernels/sgemm_small.h"
#include "kernels/transpose.h"

/* Depth of a block (one micro-panel of B, KC x 32 floats, 40 KiB, about L1), and how
 * the depth is cut into blocks: OpenBLAS's rule (its level-3 driver) with the constants
 * of its Cooperlake kernels, GEMM_Q 320 and GEMM_UNROLL_M 16, so that on large products
 * the two sum every element in the same order and give the same bits. */
#define GAN__SGEMM_KC 320
#define GAN__SGEMM_KU 16

/* The depth of the block that starts with @p rest of k still to sum: whole blocks
 * while two remain, then the rest in two near-halves (a multiple of KU first). */
static inline int32_t gan__sg_depth(int32_t rest)
{
    if (rest >= 2 * GAN__SGEMM_KC)
        return GAN__SGEMM_KC;
    if (rest > GAN__SGEMM_KC)
        return (rest / 2 + GAN__SGEMM_KU - 1) / GAN__SGEMM_KU * GAN__SGEMM_KU;
    return rest;
}
/* Rows of A packed at a time (180 KiB with KC: in L2), a multiple of both tiles' rows. */
#define GAN__SGEMM_MC 144
/* Columns of B packed at a time (640 KiB with KC, in L2; 2,048 was no faster and took
 * 1.5 MB more of every thread). */
#define GAN__SGEMM_NC 512
#define GAN__SGEMM_PACK_FLOATS                                                          \
    ((size_t)GAN__SGEMM_MC * GAN__SGEMM_KC + (size_t)GAN__SGEMM_KC * GAN__SGEMM_NC)

/* One tile: C(mr x nr) = alpha * (panel of A)(panel of B) + beta C, from kc packed
 * columns of A (MR floats each) and rows of B (NR floats each). */
typedef void gan__sg_kernel(int32_t kc, const float *restrict pa, const float *restrict pb,
                            float *c, size_t ldc, int32_t mr, int32_t nr, float alpha,
                            float beta);

typedef struct gan__sg_isa {
    int32_t mr, nr;
    gan__sg_kernel *kernel;
} gan__sg_isa;

/* One element of C from its sum: the full tiles' vector code does the same operations
 * (no contraction: the library is built with -ffp-contract=off), so an element's bits do
 * not depend on whether its tile is whole. */
static inline float gan__sg_out(float acc, float old, float alpha, float beta)
{
    const float t = alpha == 1.0f ? acc : acc * alpha;
    if (beta == 0.0f)
        return t;
    return beta == 1.0f ? old + t : fmaf(beta, old, t);
}

#if defined(__x86_64__) &&                                                              \
    ((defined(__clang__) && __clang_major__ >= 9) ||                                     \
     (!defined(__clang__) && defined(__GNUC__) && __GNUC__ >= 10))
#define GAN__SG_X86 1
#include <immintrin.h>

#define GAN__SG512 __attribute__((target("avx512f,avx512bw,fma")))
#define GAN__SG256 __attribute__((target("avx2,fma")))

/* A tile cut by the edge of C: written from the kernel's full tile in @p tile. */
GAN__SG256 static void gan__sg_edge(const float *tile, int32_t ld, float *c, size_t ldc, int32_t mr,
                         int32_t nr, float alpha, float beta)
{
    for (int32_t r = 0; r < mr; r++)
        for (int32_t j = 0; j < nr; j++) {
            float *cj = c + (size_t)r * ldc + j;
            *cj = gan__sg_out(tile[r * ld + j], beta == 0.0f ? 0.0f : *cj, alpha, beta);
        }
}

GAN__SG512 static inline __m512 gan__sg512_out(__m512 acc, const float *c, float alpha,
                                               float beta)
{
    const __m512 t = alpha == 1.0f ? acc : _mm512_mul_ps(acc, _mm512_set1_ps(alpha));
    if (beta == 0.0f)
        return t;
    const __m512 old = _mm512_loadu_ps(c);
    return beta == 1.0f ? _mm512_add_ps(old, t)
                        : _mm512_fmadd_ps(_mm512_set1_ps(beta), old, t);
}

#define GAN__SG_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

GAN__SG512 static void gan__sg512_kernel(int32_t kc, const float *restrict pa,
                                         const float *restrict pb, float *c, size_t ldc,
                                         int32_t mr, int32_t nr, float alpha, float beta)
{
#define GAN__SG_DECL(r) __m512 c##r##a = _mm512_setzero_ps(), c##r##b = _mm512_setzero_ps();
    GAN__SG_ROWS(GAN__SG_DECL)
    for (int32_t p = 0; p < kc; p++, pa += 12, pb += 32) {
        const __m512 b0 = _mm512_loadu_ps(pb), b1 = _mm512_loadu_ps(pb + 16);
#define GAN__SG_FMA(r)                                                                  \
    {                                                                                   \
        const __m512 ar = _mm512_set1_ps(pa[r]);                                        \
        c##r##a = _mm512_fmadd_ps(ar, b0, c##r##a);                                     \
        c##r##b = _mm512_fmadd_ps(ar, b1, c##r##b);                                     \
    }
        GAN__SG_ROWS(GAN__SG_FMA)
    }
    if (mr == 12 && nr == 32) {
#define GAN__SG_STORE(r)                                                                \
    {                                                                                   \
        float *cr = c + (size_t)(r) * ldc;                                              \
        _mm512_storeu_ps(cr, gan__sg512_out(c##r##a, cr, alpha, beta));                 \
        _mm512_storeu_ps(cr + 16, gan__sg512_out(c##r##b, cr + 16, alpha, beta));       \
    }
        GAN__SG_ROWS(GAN__SG_STORE)
        return;
    }
    float tile[12 * 32];
#define GAN__SG_SPILL(r)                                                                \
    _mm512_storeu_ps(tile + (r) * 32, c##r##a);                                         \
    _mm512_storeu_ps(tile + (r) * 32 + 16, c##r##b);
    GAN__SG_ROWS(GAN__SG_SPILL)
    gan__sg_edge(tile, 32, c, ldc, mr, nr, alpha, beta);
}
#undef GAN__SG_DECL
#undef GAN__SG_FMA
#undef GAN__SG_STORE
#undef GAN__SG_SPILL
#undef GAN__SG_ROWS

GAN__SG256 static inline __m256 gan__sg256_out(__m256 acc, const float *c, float alpha,
                                               float beta)
{
    const __m256 t = alpha == 1.0f ? acc : _mm256_mul_ps(acc, _mm256_set1_ps(alpha));
    if (beta == 0.0f)
        return t;
    const __m256 old = _mm256_loadu_ps(c);
    return beta == 1.0f ? _mm256_add_ps(old, t)
                        : _mm256_fmadd_ps(_mm256_set1_ps(beta), old, t);
}

#define GAN__SG_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)

GAN__SG256 static void gan__sg256_kernel(int32_t kc, const float *restrict pa,
                                         const float *restrict pb, float *c, size_t ldc,
                                         int32_t mr, int32_t nr, float alpha, float beta)
{
#define GAN__SG_DECL(r) __m256 c##r##a = _mm256_setzero_ps(), c##r##b = _mm256_setzero_ps();
    GAN__SG_ROWS(GAN__SG_DECL)
    for (int32_t p = 0; p < kc; p++, pa += 6, pb += 16) {
        const __m256 b0 = _mm256_loadu_ps(pb), b1 = _mm256_loadu_ps(pb + 8);
#define GAN__SG_FMA(r)                                                                  \
    {                                                                                   \
        const __m256 ar = _mm256_broadcast_ss(pa + (r));                                \
        c##r##a = _mm256_fmadd_ps(ar, b0, c##r##a);                                     \
        c##r##b = _mm256_fmadd_ps(ar, b1, c##r##b);                                     \
    }
        GAN__SG_ROWS(GAN__SG_FMA)
    }
    if (mr == 6 && nr == 16) {
#define GAN__SG_STORE(r)                                                                \
    {                                                                                   \
        float *cr = c + (size_t)(r) * ldc;                                              \
        _mm256_storeu_ps(cr, gan__sg256_out(c##r##a, cr, alpha, beta));                 \
        _mm256_storeu_ps(cr + 8, gan__sg256_out(c##r##b, cr + 8, alpha, beta));         \
    }
        GAN__SG_ROWS(GAN__SG_STORE)
        return;
    }
    float tile[6 * 16];
#define GAN__SG_SPILL(r)                                                                \
    _mm256_storeu_ps(tile + (r) * 16, c##r##a);                                         \
    _mm256_storeu_ps(tile + (r) * 16 + 8, c##r##b);
    GAN__SG_ROWS(GAN__SG_SPILL)
    gan__sg_edge(tile, 16, c, ldc, mr, nr, alpha, beta);
}
#undef GAN__SG_DECL
#undef GAN__SG_FMA
#undef GAN__SG_STORE
#undef GAN__SG_SPILL
#undef GAN__SG_ROWS

/* Products of one or two columns (a layer with one output, its gradient): each element
 * as the kernels sum it, a chain of fused multiply-adds over each block of k, without
 * packing 30 columns of zeros. Eight rows side by side hide the chains' latency. Built
 * for AVX2 and FMA (it runs only where the kernels do), so fmaf is one instruction. */
GAN__SG256 static void gan__sg_narrow(int32_t trans_a, int32_t trans_b, int32_t m, int32_t n,
                           int32_t k, float alpha, const float *a, int32_t lda,
                           const float *b, int32_t ldb, float beta, float *c, int32_t ldc)
{
    const size_t as = trans_a ? 1 : (size_t)lda, ap = trans_a ? (size_t)lda : 1;
    const size_t bs = trans_b ? (size_t)ldb : 1, bp = trans_b ? 1 : (size_t)ldb;
    for (int32_t j = 0; j < n; j++)
        for (int32_t i0 = 0; i0 < m; i0 += 8) {
            const int32_t rows = m - i0 < 8 ? m - i0 : 8;
            for (int32_t p0 = 0, kc; p0 < k; p0 += kc) {
                kc = gan__sg_depth(k - p0);
                float acc[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
                const float *bj = b + (size_t)j * bs + (size_t)p0 * bp;
                for (int32_t p = 0; p < kc; p++) {
                    const float bv = bj[(size_t)p * bp];
                    for (int32_t r = 0; r < 8; r++) {
                        const int32_t i = i0 + (r < rows ? r : 0);
                        acc[r] = fmaf(a[(size_t)i * as + (size_t)(p0 + p) * ap], bv, acc[r]);
                    }
                }
                const float block_beta = p0 == 0 ? beta : 1.0f;
                for (int32_t r = 0; r < rows; r++) {
                    float *cij = c + (size_t)(i0 + r) * ldc + j;
                    *cij = gan__sg_out(acc[r], block_beta == 0.0f ? 0.0f : *cij, alpha,
                                       block_beta);
                }
            }
        }
}

#endif

int32_t gan__sgemm_own_isa(void)
{
    static atomic_int cached = -1;
    int isa = atomic_load_explicit(&cached, memory_order_relaxed);
    if (isa >= 0)
        return isa;
    isa = 0;
#ifdef GAN__SG_X86
    const char *env = getenv("GAN_SGEMM");
    if (env && strcmp(env, "avx2") == 0)
        isa = gan__cpu_avx2() ? 256 : 0;
    else if (!(env && strcmp(env, "blas") == 0))
        isa = gan__cpu_avx512() ? 512 : gan__cpu_avx2() ? 256 : 0;
#endif
    atomic_store_explicit(&cached, isa, memory_order_relaxed);
    return isa;
}

static gan__sg_isa gan__sg_pick(void)
{
    gan__sg_isa s = {0, 0, NULL};
#ifdef GAN__SG_X86
    switch (gan__sgemm_own_isa()) {
    case 512:
        s = (gan__sg_isa){12, 32, gan__sg512_kernel};
        break;
    case 256:
        s = (gan__sg_isa){6, 16, gan__sg256_kernel};
        break;
    default:
        break;
    }
#endif
    return s;
}

/* Each thread's packing space, allocated at its first product and freed when it ends
 * (the thread that unloads the library frees its own then). */
static pthread_key_t gan__sg_key;
static pthread_once_t gan__sg_key_once = PTHREAD_ONCE_INIT;
static atomic_bool gan__sg_key_made;

static void gan__sg_make_key(void)
{
    if (pthread_key_create(&gan__sg_key, free) == 0)
        atomic_store(&gan__sg_key_made, true);
}

size_t gan__sgemm_space_bytes(void)
{
    return GAN__SGEMM_PACK_FLOATS * sizeof(float);
}

static float *gan__sg_space(void);

int gan__sgemm_reserve(void)
{
    return gan__sg_space() ? 0 : GAN__SGEMM_NO_SPACE;
}

static float *gan__sg_space(void)
{
    pthread_once(&gan__sg_key_once, gan__sg_make_key);
    if (!atomic_load(&gan__sg_key_made))
        return NULL;
    float *space = pthread_getspecific(gan__sg_key);
    if (space)
        return space;
    void *block = NULL;
    if (posix_memalign(&block, 64, GAN__SGEMM_PACK_FLOATS * sizeof *space) != 0)
        return NULL;
    space = block;
    if (pthread_setspecific(gan__sg_key, space) != 0) {
        free(space);
        space = NULL;
    }
    return space;
}

__attribute__((destructor)) static void gan__sg_unload(void)
{
    if (!atomic_load(&gan__sg_key_made))
        return;
    free(pthread_getspecific(gan__sg_key));
    pthread_setspecific(gan__sg_key, NULL);
}

/* Lanes [used, width) of kc packed steps of `width` floats: zeros. */
static void gan__sg_zero_lanes(float *panel, int32_t width, int32_t used, int32_t kc)
{
    for (int32_t p = 0; used < width && p < kc; p++)
        for (int32_t r = used; r < width; r++)
            panel[(size_t)p * width + r] = 0.0f;
}

/* Rows [i0, i0+mc) and columns [p0, p0+kc) of op(A) as panels of mr rows, each column
 * of a panel mr floats; rows past the end are zeros. */
static void gan__sg_pack_a(float *pa, const float *a, int32_t trans, int32_t lda,
                           int32_t i0, int32_t mc, int32_t p0, int32_t kc, int32_t mr)
{
    for (int32_t ir = 0; ir < mc; ir += mr, pa += (size_t)kc * mr) {
        const int32_t rows = mc - ir < mr ? mc - ir : mr;
        if (trans) {
            for (int32_t p = 0; p < kc; p++) {
                const float *src = a + (size_t)(p0 + p) * lda + i0 + ir;
                float *dst = pa + (size_t)p * mr;
                for (int32_t r = 0; r < rows; r++)
                    dst[r] = src[r];
                for (int32_t r = rows; r < mr; r++)
                    dst[r] = 0.0f;
            }
        } else {
            gan__transpose(pa, (size_t)mr, a + (size_t)(i0 + ir) * lda + p0, (size_t)lda,
                           NULL, (size_t)rows, (size_t)kc, false);
            gan__sg_zero_lanes(pa, mr, rows, kc);
        }
    }
}

/* Rows [p0, p0+kc) and columns [j0, j0+nc) of op(B) as panels of nr columns, each row
 * of a panel nr floats; columns past the end are zeros. */
static void gan__sg_pack_b(float *pb, const float *b, int32_t trans, int32_t ldb,
                           int32_t p0, int32_t kc, int32_t j0, int32_t nc, int32_t nr)
{
    for (int32_t jr = 0; jr < nc; jr += nr, pb += (size_t)kc * nr) {
        const int32_t cols = nc - jr < nr ? nc - jr : nr;
        if (trans) {
            gan__transpose(pb, (size_t)nr, b + (size_t)(j0 + jr) * ldb + p0, (size_t)ldb,
                           NULL, (size_t)cols, (size_t)kc, false);
            gan__sg_zero_lanes(pb, nr, cols, kc);
        } else {
            for (int32_t p = 0; p < kc; p++) {
                const float *src = b + (size_t)(p0 + p) * ldb + j0 + jr;
                float *dst = pb + (size_t)p * nr;
                memcpy(dst, src, (size_t)cols * sizeof *dst);
                for (int32_t j = cols; j < nr; j++)
                    dst[j] = 0.0f;
            }
        }
    }
}

/* One thread's product, k > 0 and alpha != 0. */
static int gan__sg_serial(const gan__sg_isa isa, int32_t trans_a, int32_t trans_b,
                          int32_t m, int32_t n, int32_t k, float alpha, const float *a,
                          int32_t lda, const float *b, int32_t ldb, float beta, float *c,
                          int32_t ldc)
{
#ifdef GAN__SG_X86
    if (n <= 2) {
        gan__sg_narrow(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return 0;
    }
#endif
    float *space = gan__sg_space();
    if (!space)
        return GAN__SGEMM_NO_SPACE;
    float *pa = space, *pb = space + (size_t)GAN__SGEMM_MC * GAN__SGEMM_KC;
    for (int32_t j0 = 0; j0 < n; j0 += GAN__SGEMM_NC) {
        const int32_t nc = n - j0 < GAN__SGEMM_NC ? n - j0 : GAN__SGEMM_NC;
        for (int32_t p0 = 0, kc; p0 < k; p0 += kc) {
            kc = gan__sg_depth(k - p0);
            const float block_beta = p0 == 0 ? beta : 1.0f;
            gan__sg_pack_b(pb, b, trans_b, ldb, p0, kc, j0, nc, isa.nr);
            for (int32_t i0 = 0; i0 < m; i0 += GAN__SGEMM_MC) {
                const int32_t mc = m - i0 < GAN__SGEMM_MC ? m - i0 : GAN__SGEMM_MC;
                gan__sg_pack_a(pa, a, trans_a, lda, i0, mc, p0, kc, isa.mr);
                for (int32_t jr = 0; jr < nc; jr += isa.nr) {
                    const int32_t nr = nc - jr < isa.nr ? nc - jr : isa.nr;
                    const float *pbj = pb + (size_t)(jr / isa.nr) * kc * isa.nr;
                    for (int32_t ir = 0; ir < mc; ir += isa.mr)
                        isa.kernel(kc, pa + (size_t)(ir / isa.mr) * kc * isa.mr, pbj,
                                   c + (size_t)(i0 + ir) * ldc + j0 + jr, (size_t)ldc,
                                   mc - ir < isa.mr ? mc - ir : isa.mr, nr, alpha,
                                   block_beta);
                }
            }
        }
    }
    return 0;
}

/* A product of at least this many flops, called outside libgan's parallel parts, is
 * split over its pool (the pieces have the bits of the whole). */
#define GAN__SGEMM_SPLIT_FLOPS (4.0 * 1024 * 1024)
#define GAN__SGEMM_SPLIT_ROWS 16
#define GAN__SGEMM_SPLIT_COLS 32

typedef struct gan__sg_job {
    gan__sg_isa isa;
    int32_t trans_a, trans_b, m, n, k, lda, ldb, ldc;
    float alpha, beta;
    const float *a, *b;
    float *c;
    bool by_rows;
    atomic_bool failed;
} gan__sg_job;

static void gan__sg_range(void *arg, size_t begin, size_t end)
{
    gan__sg_job *j = arg;
    int rc;
    if (j->by_rows) {
        const size_t i0 = begin * GAN__SGEMM_SPLIT_ROWS;
        const size_t i1 = end * GAN__SGEMM_SPLIT_ROWS < (size_t)j->m
                              ? end * GAN__SGEMM_SPLIT_ROWS
                              : (size_t)j->m;
        rc = gan__sg_serial(j->isa, j->trans_a, j->trans_b, (int32_t)(i1 - i0), j->n, j->k,
                            j->alpha, j->a + (j->trans_a ? i0 : i0 * (size_t)j->lda), j->lda,
                            j->b, j->ldb, j->beta, j->c + i0 * (size_t)j->ldc, j->ldc);
    } else {
        const size_t c0 = begin * GAN__SGEMM_SPLIT_COLS;
        const size_t c1 = end * GAN__SGEMM_SPLIT_COLS < (size_t)j->n
                              ? end * GAN__SGEMM_SPLIT_COLS
                              : (size_t)j->n;
        rc = gan__sg_serial(j->isa, j->trans_a, j->trans_b, j->m, (int32_t)(c1 - c0), j->k,
                            j->alpha, j->a, j->lda,
                            j->b + (j->trans_b ? c0 * (size_t)j->ldb : c0), j->ldb, j->beta,
                            j->c + c0, j->ldc);
    }
    if (rc != 0)
        atomic_store(&j->failed, true);
}

int gan__sgemm_own(int32_t trans_a, int32_t trans_b, int32_t m, int32_t n, int32_t k,
                   float alpha, const float *a, int32_t lda, const float *b, int32_t ldb,
                   float beta, float *c, int32_t ldc)
{
    const gan__sg_isa isa = gan__sg_pick();
    if (!isa.kernel)
        return -1;
    if (m <= 0 || n <= 0)
        return 0;
    if (k <= 0 || alpha == 0.0f) {
        gan__sgemm_scale_c(c, ldc, m, n, beta);
        return 0;
    }
    if (gan__sgemm_small(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
        return 0;
    const int32_t threads = gan__pool_size();
    if (threads > 1 && 2.0 * m * n * k >= GAN__SGEMM_SPLIT_FLOPS) {
        gan__sg_job job = {.isa = isa, .trans_a = trans_a, .trans_b = trans_b, .m = m,
                           .n = n, .k = k, .lda = lda, .ldb = ldb, .ldc = ldc,
                           .alpha = alpha, .beta = beta, .a = a, .b = b, .c = c};
        const size_t row_units = ((size_t)m + GAN__SGEMM_SPLIT_ROWS - 1) / GAN__SGEMM_SPLIT_ROWS;
        const size_t col_units = ((size_t)n + GAN__SGEMM_SPLIT_COLS - 1) / GAN__SGEMM_SPLIT_COLS;
        job.by_rows = row_units >= col_units;
        atomic_init(&job.failed, false);
        gan__pool_for(gan__sg_range, &job, job.by_rows ? row_units : col_units, 1, threads);
        return atomic_load(&job.failed) ? GAN__SGEMM_NO_SPACE : 0;
    }
    return gan__sg_serial(isa, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
