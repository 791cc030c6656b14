/* Transposition in 8 x 8 tiles: eight rows loaded as vectors, turned in registers and
 * stored as eight columns, instead of one strided access per element. */
#include "kernels/transpose.h"

#include "kernels/cpu.h"

#define GAN__TILE 8

static size_t gan__row(const int32_t *row_of, size_t r)
{
    return row_of ? (size_t)row_of[r] : r;
}

/* The elements of rows [r0, r1) and columns [c0, c1), one at a time. */
static void gan__transpose_scalar(float *dst, size_t ldd, const float *src, size_t lds,
                                  const int32_t *row_of, size_t r0, size_t r1, size_t c0,
                                  size_t c1, bool add)
{
    for (size_t r = r0; r < r1; r++) {
        const float *s = src + gan__row(row_of, r) * lds;
        for (size_t c = c0; c < c1; c++)
            dst[c * ldd + r] = add ? dst[c * ldd + r] + s[c] : s[c];
    }
}

#if defined(__x86_64__) && (defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 10))
#include <immintrin.h>

#define GAN__AVX __attribute__((target("avx")))

GAN__AVX static void gan__transpose_avx(float *dst, size_t ldd, const float *src,
                                        size_t lds, const int32_t *row_of, size_t rows,
                                        size_t cols, bool add)
{
    const size_t rows8 = rows / GAN__TILE * GAN__TILE, cols8 = cols / GAN__TILE * GAN__TILE;
    for (size_t r0 = 0; r0 < rows8; r0 += GAN__TILE) {
        const float *s[GAN__TILE];
        for (int i = 0; i < GAN__TILE; i++)
            s[i] = src + gan__row(row_of, r0 + (size_t)i) * lds;
        for (size_t c0 = 0; c0 < cols8; c0 += GAN__TILE) {
            __m256 v[GAN__TILE], t[GAN__TILE];
            for (int i = 0; i < GAN__TILE; i++)
                v[i] = _mm256_loadu_ps(s[i] + c0);
            /* pairs, then quads of rows interleaved, then the 128-bit halves swapped */
            for (int i = 0; i < GAN__TILE; i += 2) {
                t[i] = _mm256_unpacklo_ps(v[i], v[i + 1]);
                t[i + 1] = _mm256_unpackhi_ps(v[i], v[i + 1]);
            }
            for (int i = 0; i < GAN__TILE; i += 4) {
                v[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
                v[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
                v[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
                v[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
            }
            for (int i = 0; i < 4; i++) {
                t[i] = _mm256_permute2f128_ps(v[i], v[i + 4], 0x20);
                t[i + 4] = _mm256_permute2f128_ps(v[i], v[i + 4], 0x31);
            }
            for (int i = 0; i < GAN__TILE; i++) {
                float *d = dst + (c0 + (size_t)i) * ldd + r0;
                _mm256_storeu_ps(d, add ? _mm256_add_ps(_mm256_loadu_ps(d), t[i]) : t[i]);
            }
        }
    }
    gan__transpose_scalar(dst, ldd, src, lds, row_of, 0, rows8, cols8, cols, add);
    gan__transpose_scalar(dst, ldd, src, lds, row_of, rows8, rows, 0, cols, add);
}
#define GAN__HAVE_AVX 1
#endif

void gan__transpose(float *dst, size_t ldd, const float *src, size_t lds,
                    const int32_t *row_of, size_t rows, size_t cols, bool add)
{
#ifdef GAN__HAVE_AVX
    if (gan__cpu_avx2()) {
        gan__transpose_avx(dst, ldd, src, lds, row_of, rows, cols, add);
        return;
    }
#endif
    gan__transpose_scalar(dst, ldd, src, lds, row_of, 0, rows, 0, cols, add);
}
