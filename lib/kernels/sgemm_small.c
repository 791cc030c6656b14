/* OpenBLAS 0.3.21's small-matrix path on its SkylakeX and Cooperlake kernel sets
 * (kernel/x86_64/sgemm_small_kernel_{nn,nt,tn,permit}_skylakex.c), as orders of sums:
 * products of at most 10^6 multiply-adds, except the transposed-transposed ones and
 * (for one transpose) those with large C or short sums. Its kernels sum an element in one
 * of two ways: a chain of fused multiply-adds over all of k (no blocks), or "dot": 16
 * lanes, lane l taking the k with k % 16 == l, then added pairwise in one of two trees.
 *
 * OpenBLAS is column-major: our row-major C = op(A) op(B) is its C^T = op(B)^T op(A)^T,
 * so its M is our n, its N our m, its transa our trans_b and its transb our trans_a. */
#include "kernels/sgemm_small.h"

#include <math.h>
#include <stddef.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define GAN__SMALL_TARGET __attribute__((target("avx2,fma"))) /* fmaf: one instruction */
#else
#define GAN__SMALL_TARGET
#endif

typedef enum gan__small_order {
    GAN__SMALL_CHAIN,    /* one chain over k */
    GAN__SMALL_DOT_FOUR, /* 16 lanes; four elements' lanes transposed and added */
    GAN__SMALL_DOT_HALF, /* 16 lanes; halves added, then quarters, then pairs */
} gan__small_order;

/* Whether OpenBLAS takes the small path (its "permit" rule). */
static bool gan__small_permitted(int32_t trans_a, int32_t trans_b, int32_t m, int32_t n,
                                 int32_t k)
{
    if ((double)m * (double)n * (double)k > 1e6)
        return false;
    if (trans_a && trans_b) /* its TT */
        return k >= 4;
    if (trans_b) /* its TN */
        return (int64_t)m * n <= 1200 && k >= 32;
    return true;
}

/* How element (i, j) is summed. Its TN kernel, and its NN kernel on the last rows of its
 * M (our last columns) when they are at most 8 and k is not short, work in dot products;
 * each 4 x 4 block of its C has its lanes transposed and added together, the rest are
 * reduced one by one. Its other kernels run chains. */
static gan__small_order gan__small_order_of(int32_t trans_a, int32_t trans_b, int32_t m,
                                            int32_t n, int32_t k, int32_t i, int32_t j)
{
    const int32_t whole = n & ~15;
    const bool dot = trans_b ? !trans_a
                             : !trans_a && j >= whole && n - whole <= 8 && k >= 32;
    if (!dot)
        return GAN__SMALL_CHAIN;
    return j < (n & ~3) || i < (m & ~3) ? GAN__SMALL_DOT_FOUR : GAN__SMALL_DOT_HALF;
}

GAN__SMALL_TARGET static float gan__small_chain(const float *a, size_t ap, const float *b,
                                                size_t bp, int32_t k)
{
    float acc = 0.0f;
    for (int32_t p = 0; p < k; p++)
        acc = fmaf(a[(size_t)p * ap], b[(size_t)p * bp], acc);
    return acc;
}

/* Eight chains side by side, over columns j .. j+7 of a B whose rows are contiguous:
 * the sums of eight calls of gan__small_chain, without waiting on one chain. */
GAN__SMALL_TARGET static void gan__small_chain8(const float *a, size_t ap, const float *b,
                                                size_t bp, int32_t k, float acc[8])
{
    for (int l = 0; l < 8; l++)
        acc[l] = 0.0f;
    for (int32_t p = 0; p < k; p++) {
        const float av = a[(size_t)p * ap], *bv = b + (size_t)p * bp;
        for (int l = 0; l < 8; l++)
            acc[l] = fmaf(av, bv[l], acc[l]);
    }
}

GAN__SMALL_TARGET static float gan__small_dot(const float *a, size_t ap, const float *b,
                                              size_t bp, int32_t k, gan__small_order order)
{
    float v[16] = {0};
    int32_t p0 = 0;
    for (; p0 + 16 <= k; p0 += 16)
        for (int l = 0; l < 16; l++)
            v[l] = fmaf(a[(size_t)(p0 + l) * ap], b[(size_t)(p0 + l) * bp], v[l]);
    if (p0 < k) /* masked loads: the lanes past k take 0 * 0 */
        for (int l = 0; l < 16; l++)
            v[l] = p0 + l < k ? fmaf(a[(size_t)(p0 + l) * ap], b[(size_t)(p0 + l) * bp], v[l])
                              : fmaf(0.0f, 0.0f, v[l]);
    if (order == GAN__SMALL_DOT_FOUR) {
        /* per 128-bit lane q: (v0 + v1) + (v2 + v3); then (q0 + q1) + (q2 + q3) */
        float q[4];
        for (int i = 0; i < 4; i++)
            q[i] = (v[4 * i] + v[4 * i + 1]) + (v[4 * i + 2] + v[4 * i + 3]);
        return (q[0] + q[1]) + (q[2] + q[3]);
    }
    /* _mm512_reduce_add_ps as GCC builds it: the upper half onto the lower, again, then
     * elements 2 apart, then the last two */
    float h[8], qr[4];
    for (int i = 0; i < 8; i++)
        h[i] = v[i + 8] + v[i];
    for (int i = 0; i < 4; i++)
        qr[i] = h[i + 4] + h[i];
    return (qr[0] + qr[2]) + (qr[1] + qr[3]);
}

GAN__SMALL_TARGET bool gan__sgemm_small(int32_t trans_a, int32_t trans_b, int32_t m,
                                        int32_t n, int32_t k, float alpha, const float *a,
                                        int32_t lda, const float *b, int32_t ldb,
                                        float beta, float *c, int32_t ldc)
{
    if (!gan__small_permitted(trans_a, trans_b, m, n, k))
        return false;
    /* A's row i, B's column j: the element and step strides along k. */
    const size_t as = trans_a ? 1 : (size_t)lda, ap = trans_a ? (size_t)lda : 1;
    const size_t bs = trans_b ? (size_t)ldb : 1, bp = trans_b ? 1 : (size_t)ldb;
    for (int32_t i = 0; i < m; i++) {
        const float *ai = a + (size_t)i * as;
        float *ci = c + (size_t)i * ldc;
        for (int32_t j = 0; j < n;) {
            float sum[8];
            int32_t count = 1;
            const gan__small_order order = gan__small_order_of(trans_a, trans_b, m, n, k, i, j);
            if (order == GAN__SMALL_CHAIN && !trans_b && j + 8 <= n &&
                gan__small_order_of(trans_a, trans_b, m, n, k, i, j + 7) == GAN__SMALL_CHAIN) {
                gan__small_chain8(ai, ap, b + j, bp, k, sum); /* B's rows are contiguous */
                count = 8;
            } else {
                const float *bj = b + (size_t)j * bs;
                sum[0] = order == GAN__SMALL_CHAIN ? gan__small_chain(ai, ap, bj, bp, k)
                                                   : gan__small_dot(ai, ap, bj, bp, k, order);
            }
            /* its kernels scale by alpha, then add beta C in one fused step */
            for (int32_t l = 0; l < count; l++, j++) {
                const float t = alpha * sum[l];
                ci[j] = beta == 0.0f ? t : fmaf(ci[j], beta, t);
            }
        }
    }
    return true;
}
