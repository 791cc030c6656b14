/* bfloat16 matrix products (gemm_bf16.h): BLIS's loop order with packed panels.
 *
 * op(B) is packed kc x nc at a time in panels of NR columns, op(A) mc x kc at a time in
 * panels of MR rows; the micro-kernel keeps an MR x NR block of C in 24 registers. A
 * pair of k steps is one 32-bit lane: (x[k], x[k+1]) as two bfloat16, which VDPBF16PS
 * multiplies and adds in one instruction, twice the multiply-adds of an FMA. */
#include "kernels/gemm_bf16.h"

#include <string.h>

#include "kernels/cpu.h"

#define GAN__BF16_MR 12   /* rows of C per micro-kernel: 12 x 2 accumulators */
#define GAN__BF16_NR 32   /* columns: two 16-lane registers */
#define GAN__BF16_KP 256  /* k pairs per block: a panel of B stays in L1 */
#define GAN__BF16_MC 96   /* rows of op(A) per packed block (L2) */
#define GAN__BF16_NC 1024 /* columns of op(B) per packed block */

size_t gan__bf16_pack_bytes(void)
{
    return (size_t)GAN__BF16_KP * (GAN__BF16_MC + GAN__BF16_NC) * sizeof(uint32_t);
}

uint16_t gan__bf16_round(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u) /* NaN: keep it quiet */
        return (uint16_t)((u >> 16) | 0x40u);
    if ((u & 0x7f800000u) == 0) /* zero or subnormal: a zero of the same sign */
        return (uint16_t)((u >> 16) & 0x8000u);
    u += 0x7fffu + ((u >> 16) & 1u); /* to nearest, ties to even */
    return (uint16_t)(u >> 16);
}

#if defined(__x86_64__) &&                                                              \
    ((defined(__clang__) && __clang_major__ >= 9) ||                                     \
     (!defined(__clang__) && defined(__GNUC__) && __GNUC__ >= 10))
#include <immintrin.h>

#define GAN__BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512bf16")))

bool gan__bf16_supported(void)
{
    return gan__cpu_avx512_bf16();
}

/* Up to 16 columns of two rows (r1 NULL: zeros) as 16 pairs, zero beyond w. */
GAN__BF16_TARGET static inline __m512i gan__bf16_pairs16(const float *r0, const float *r1,
                                                         int32_t w)
{
    const __mmask16 mask = w >= 16 ? (__mmask16)0xffff
                         : w <= 0 ? (__mmask16)0
                                  : (__mmask16)((1u << w) - 1u);
    const __m512 x0 = _mm512_maskz_loadu_ps(mask, r0);
    const __m512 x1 = r1 ? _mm512_maskz_loadu_ps(mask, r1) : _mm512_setzero_ps();
    /* 32 bfloat16: x0's 16 in the low half, x1's in the high; then interleaved. */
    const __m512i both = (__m512i)_mm512_cvtne2ps_pbh(x1, x0);
    const __m512i order = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10,
                                           25, 9, 24, 8, 23, 7, 22, 6, 21, 5, 20, 4, 19, 3,
                                           18, 2, 17, 1, 16, 0);
    return _mm512_permutexvar_epi16(order, both);
}

/* Rows r < nrows (<= 16; zeros beyond) of a matrix stored with k contiguous, k from 0
 * to kk (<= 32 used; zeros beyond): pairs[t] holds pair t, (x[r][2t], x[r][2t+1]), of
 * each row r in lane r. Each row converts in one instruction, then a 16 x 16 transpose
 * of 32-bit lanes turns rows into pairs. */
GAN__BF16_TARGET static void gan__bf16_pairs_transposed(const float *x, int32_t ld,
                                                        int32_t nrows, int32_t kk,
                                                        __m512i pairs[16])
{
    const __mmask16 lo = kk >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << kk) - 1u);
    const __mmask16 hi = kk >= 32   ? (__mmask16)0xffff
                         : kk <= 16 ? (__mmask16)0
                                    : (__mmask16)((1u << (kk - 16)) - 1u);
    __m512i v[16], t[16];
    for (int32_t r = 0; r < 16; r++) {
        if (r >= nrows) {
            v[r] = _mm512_setzero_si512();
            continue;
        }
        const float *row = x + (size_t)r * ld;
        v[r] = (__m512i)_mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(hi, row + 16),
                                            _mm512_maskz_loadu_ps(lo, row));
    }
    for (int i = 0; i < 8; i++) { /* rows 2i, 2i+1 interleaved within 128-bit lanes */
        t[2 * i] = _mm512_unpacklo_epi32(v[2 * i], v[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_epi32(v[2 * i], v[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) { /* v[4i+j], lane L: column 4L+j of rows 4i..4i+3 */
        v[4 * i] = _mm512_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
        v[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
        v[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
        v[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
    }
    for (int j = 0; j < 4; j++) { /* the four row groups' lanes side by side */
        const __m512i c0 = _mm512_shuffle_i32x4(v[j], v[4 + j], 0x88);
        const __m512i c1 = _mm512_shuffle_i32x4(v[j], v[4 + j], 0xdd);
        const __m512i c2 = _mm512_shuffle_i32x4(v[8 + j], v[12 + j], 0x88);
        const __m512i c3 = _mm512_shuffle_i32x4(v[8 + j], v[12 + j], 0xdd);
        pairs[j] = _mm512_shuffle_i32x4(c0, c2, 0x88);
        pairs[4 + j] = _mm512_shuffle_i32x4(c1, c3, 0x88);
        pairs[8 + j] = _mm512_shuffle_i32x4(c0, c2, 0xdd);
        pairs[12 + j] = _mm512_shuffle_i32x4(c1, c3, 0xdd);
    }
}

/* op(B)[p0 .. p0+kc) x [j0 .. j0+nc) as NR-column panels of kc/2 pair rows. */
GAN__BF16_TARGET static void gan__bf16_pack_b(uint32_t *dst, int32_t trans_b,
                                              const float *b, int32_t ldb, int32_t p0,
                                              int32_t kc, int32_t j0, int32_t nc)
{
    for (int32_t jr = 0; jr < nc; jr += GAN__BF16_NR) {
        const int32_t nr = nc - jr < GAN__BF16_NR ? nc - jr : GAN__BF16_NR;
        if (trans_b) { /* column j of op(B) is row j of B: 16 of them at a time */
            uint32_t *panel = dst;
            dst += (size_t)(kc + 1) / 2 * GAN__BF16_NR;
            for (int32_t q = 0; q < kc; q += 32, panel += 16 * GAN__BF16_NR)
                for (int32_t half = 0; half < 2; half++) {
                    const int32_t rows = nr - 16 * half;
                    __m512i pairs[16];
                    gan__bf16_pairs_transposed(
                        rows > 0 ? b + (size_t)(j0 + jr + 16 * half) * ldb + p0 + q : NULL,
                        ldb, rows, kc - q, pairs);
                    for (int32_t t = 0; t < 16 && 2 * t < kc - q; t++)
                        _mm512_store_si512(panel + t * GAN__BF16_NR + 16 * half, pairs[t]);
                }
            continue;
        }
        for (int32_t q = 0; q < kc; q += 2, dst += GAN__BF16_NR) {
            const float *r0 = b + (size_t)(p0 + q) * ldb + j0 + jr;
            const float *r1 = q + 1 < kc ? r0 + ldb : NULL; /* an odd k's last pair: alone */
            _mm512_store_si512(dst, gan__bf16_pairs16(r0, r1, nr));
            _mm512_store_si512(dst + 16, gan__bf16_pairs16(r0 + 16, r1 ? r1 + 16 : NULL,
                                                            nr - 16));
        }
    }
}

/* op(A)[i0 .. i0+mc) x [p0 .. p0+kc) as MR-row panels of kc/2 pair columns. */
GAN__BF16_TARGET static void gan__bf16_pack_a(uint32_t *dst, int32_t trans_a,
                                              const float *a, int32_t lda, int32_t i0,
                                              int32_t mc, int32_t p0, int32_t kc)
{
    for (int32_t ir = 0; ir < mc; ir += GAN__BF16_MR) {
        const int32_t mr = mc - ir < GAN__BF16_MR ? mc - ir : GAN__BF16_MR;
        const __mmask16 lanes = (__mmask16)((1u << GAN__BF16_MR) - 1u);
        if (!trans_a) { /* row i of op(A) is row i of A: the panel's rows at once */
            uint32_t *panel = dst;
            dst += (size_t)(kc + 1) / 2 * GAN__BF16_MR;
            for (int32_t q = 0; q < kc; q += 32, panel += 16 * GAN__BF16_MR) {
                __m512i pairs[16];
                gan__bf16_pairs_transposed(a + (size_t)(i0 + ir) * lda + p0 + q, lda, mr,
                                           kc - q, pairs);
                for (int32_t t = 0; t < 16 && 2 * t < kc - q; t++)
                    _mm512_mask_storeu_epi32(panel + t * GAN__BF16_MR, lanes, pairs[t]);
            }
            continue;
        }
        for (int32_t q = 0; q < kc; q += 2, dst += GAN__BF16_MR) {
            const float *r0 = a + (size_t)(p0 + q) * lda + i0 + ir;
            _mm512_mask_storeu_epi32(dst, lanes,
                                     gan__bf16_pairs16(r0, q + 1 < kc ? r0 + lda : NULL, mr));
        }
    }
}

/* C block (mr x nr) = alpha * A panel x B panel (+ beta C on the first k block, + C
 * after it). */
GAN__BF16_TARGET static void gan__bf16_kernel(int32_t kp, const uint32_t *a,
                                              const uint32_t *b, float *c, int32_t ldc,
                                              int32_t mr, int32_t nr, float alpha,
                                              float beta)
{
    __m512 acc0[GAN__BF16_MR], acc1[GAN__BF16_MR];
    for (int i = 0; i < GAN__BF16_MR; i++)
        acc0[i] = acc1[i] = _mm512_setzero_ps();
    for (int32_t q = 0; q < kp; q++, a += GAN__BF16_MR, b += GAN__BF16_NR) {
        const __m512bh b0 = (__m512bh)_mm512_load_si512(b);
        const __m512bh b1 = (__m512bh)_mm512_load_si512(b + 16);
        for (int i = 0; i < GAN__BF16_MR; i++) {
            const __m512bh ai = (__m512bh)_mm512_set1_epi32((int32_t)a[i]);
            acc0[i] = _mm512_dpbf16_ps(acc0[i], ai, b0);
            acc1[i] = _mm512_dpbf16_ps(acc1[i], ai, b1);
        }
    }
    const __mmask16 m0 = nr >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << nr) - 1u);
    const __mmask16 m1 = nr >= 32   ? (__mmask16)0xffff
                         : nr <= 16 ? (__mmask16)0
                                    : (__mmask16)((1u << (nr - 16)) - 1u);
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int32_t i = 0; i < mr; i++) {
        float *ci = c + (size_t)i * ldc;
        __m512 y0 = alpha == 1.0f ? acc0[i] : _mm512_mul_ps(acc0[i], va);
        __m512 y1 = alpha == 1.0f ? acc1[i] : _mm512_mul_ps(acc1[i], va);
        if (beta != 0.0f) { /* with beta 0, C is not read: it may hold garbage */
            __m512 c0 = _mm512_maskz_loadu_ps(m0, ci), c1 = _mm512_maskz_loadu_ps(m1, ci + 16);
            if (beta != 1.0f) {
                c0 = _mm512_mul_ps(c0, vb);
                c1 = _mm512_mul_ps(c1, vb);
            }
            y0 = _mm512_add_ps(y0, c0);
            y1 = _mm512_add_ps(y1, c1);
        }
        _mm512_mask_storeu_ps(ci, m0, y0);
        _mm512_mask_storeu_ps(ci + 16, m1, y1);
    }
}

GAN__BF16_TARGET void gan__sgemm_bf16(void *pack, int32_t trans_a, int32_t trans_b,
                                      int32_t m, int32_t n, int32_t k, float alpha,
                                      const float *a, int32_t lda, const float *b,
                                      int32_t ldb, float beta, float *c, int32_t ldc)
{
    uint32_t *apack = pack;
    uint32_t *bpack = apack + (size_t)GAN__BF16_MC * GAN__BF16_KP;
    if (m <= 0 || n <= 0)
        return;
    if (k <= 0) { /* no products: C = beta C */
        for (int32_t i = 0; i < m; i++)
            for (int32_t j = 0; j < n; j++)
                c[(size_t)i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[(size_t)i * ldc + j];
        return;
    }
    for (int32_t jc = 0; jc < n; jc += GAN__BF16_NC) {
        const int32_t nc = n - jc < GAN__BF16_NC ? n - jc : GAN__BF16_NC;
        for (int32_t pc = 0; pc < k; pc += 2 * GAN__BF16_KP) {
            const int32_t kc = k - pc < 2 * GAN__BF16_KP ? k - pc : 2 * GAN__BF16_KP;
            const int32_t kp = (kc + 1) / 2;
            const float block_beta = pc == 0 ? beta : 1.0f;
            gan__bf16_pack_b(bpack, trans_b, b, ldb, pc, kc, jc, nc);
            for (int32_t ic = 0; ic < m; ic += GAN__BF16_MC) {
                const int32_t mc = m - ic < GAN__BF16_MC ? m - ic : GAN__BF16_MC;
                gan__bf16_pack_a(apack, trans_a, a, lda, ic, mc, pc, kc);
                for (int32_t jr = 0; jr < nc; jr += GAN__BF16_NR)
                    for (int32_t ir = 0; ir < mc; ir += GAN__BF16_MR)
                        gan__bf16_kernel(kp, apack + (size_t)ir * kp,
                                         bpack + (size_t)jr * kp,
                                         c + (size_t)(ic + ir) * ldc + jc + jr, ldc,
                                         mc - ir < GAN__BF16_MR ? mc - ir : GAN__BF16_MR,
                                         nc - jr < GAN__BF16_NR ? nc - jr : GAN__BF16_NR,
                                         alpha, block_beta);
            }
        }
    }
}

#else /* no AVX512_BF16 in this compiler or architecture */

bool gan__bf16_supported(void)
{
    return false;
}

void gan__sgemm_bf16(void *pack, int32_t trans_a, int32_t trans_b, int32_t m, int32_t n,
                     int32_t k, float alpha, const float *a, int32_t lda, const float *b,
                     int32_t ldb, float beta, float *c, int32_t ldc)
{
    (void)pack, (void)trans_a, (void)trans_b, (void)m, (void)n, (void)k, (void)alpha;
    (void)a, (void)lda, (void)b, (void)ldb, (void)beta, (void)c, (void)ldc;
}

#endif
