/* Float exp, tanh and sigmoid over arrays, and a row's max, first non-finite value and
 * double sum. */
#include "kernels/vmath.h"

#include <math.h>
#include <stdint.h>

#include "core/bits.h"
#include "core/clones.h"

/* Each function is one loop over an inline element function with no branch: the ternaries
 * become vector selects (the library is built with -fno-trapping-math), the float's bits
 * are reached through memcpy, and both sides of every select are computed, so nothing
 * may be undefined for any input, NaN and infinities included: the integer work on a
 * float's bits is unsigned. No fused multiply-adds (-ffp-contract=off) keeps the results
 * of the AVX2 and AVX-512 clones equal to the baseline's. */

#define GAN__EXP_HI 0x1.62e42ep6f /* 88.7228: the largest float whose e^x is finite */
#define GAN__EXP_LO -87.33654f         /* ln FLT_MIN: below, e^x is subnormal: 0 */
#define GAN__TANH_SMALL 0.625f         /* Cephes' cut between the two tanh forms */

/* 2^n for n (two's complement in @p n) in [-127, 127]: its exponent field. */
static inline float gan__pow2(uint32_t n)
{
    return gan__f32_from((n + 127u) << 23);
}

/* Cephes expf (S. Moshier): e^x = 2^n e^r, n = round(x / ln 2), r = x - n ln 2 in
 * [-ln2/2, ln2/2] with ln 2 split in a 9-bit head (n ln2_hi is exact) and a tail, and
 * e^r = 1 + r + r^2 P(r) of degree 5 in P. */
static inline float gan__exp1(float x)
{
    /* Adding 1.5 * 2^23 rounds to an integer, which the sum's low mantissa bits hold. */
    const float shifter = 0x1.8p23f;
    const float t = x * 1.44269504088896341f + shifter;
    const float n = t - shifter;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    const float z = r * r;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * z + r + 1.0f;
    /* n reaches 128 just below the overflow, past 2^127: scale by 2^(n - n/2) and
     * 2^(n/2), both normal; the first product is exact, so one rounding. */
    const uint32_t k = gan__f32_bits(t) - gan__f32_bits(shifter);
    const uint32_t half = (k >> 1) | (k & 0x80000000u); /* floor(n / 2) */
    const float y = p * gan__pow2(k - half) * gan__pow2(half);
    const float big = x > GAN__EXP_HI ? INFINITY : y;
    return x < GAN__EXP_LO ? 0.0f : big;
}

/* Cephes tanhf: x + x^3 Q(x^2) below 0.625, else 1 - 2 / (e^2|x| + 1) with x's sign,
 * which is 1 once e^2|x| is infinite. */
static inline float gan__tanh1(float x)
{
    const float a = fabsf(x);
    const float e = gan__exp1(a + a);
    const float big = copysignf(1.0f - 2.0f / (e + 1.0f), x);
    const float z = x * x;
    float q = -5.70498872745e-3f;
    q = q * z + 2.06390887954e-2f;
    q = q * z - 5.37397155531e-2f;
    q = q * z + 1.33314422036e-1f;
    q = q * z - 3.33332819422e-1f;
    const float small = x == 0.0f ? x : q * z * x + x; /* keeps tanh(-0) = -0 */
    return a >= GAN__TANH_SMALL ? big : small;
}

/* With e = e^-|x| <= 1 nothing overflows: 1 / (1 + e) for x >= 0, e / (1 + e) below. */
static inline float gan__sigmoid1(float x)
{
    const float e = gan__exp1(-fabsf(x));
    return (x >= 0.0f ? 1.0f : e) / (1.0f + e);
}

GAN__CLONES void gan__vexpf(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = gan__exp1(x[i]);
}

GAN__CLONES void gan__vtanhf(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = gan__tanh1(x[i]);
}

GAN__CLONES void gan__vsigmoidf(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = gan__sigmoid1(x[i]);
}

/* Sixteen lanes written out: the compiler may not reorder a float reduction itself, but
 * it vectorises independent lanes, and the order stays fixed. */
#define GAN__LANES 16

GAN__CLONES float gan__vmaxf(const float *x, size_t n)
{
    float m[GAN__LANES];
    for (size_t k = 0; k < GAN__LANES; k++)
        m[k] = x[0];
    size_t i = 0;
    for (; i + GAN__LANES <= n; i += GAN__LANES)
        for (size_t k = 0; k < GAN__LANES; k++)
            m[k] = x[i + k] > m[k] ? x[i + k] : m[k];
    for (; i < n; i++)
        m[0] = x[i] > m[0] ? x[i] : m[0];
    float top = m[0];
    for (size_t k = 1; k < GAN__LANES; k++)
        top = m[k] > top ? m[k] : top;
    return top;
}

/* A block at a time: whether any value's exponent field is all ones, an OR over the block
 * that vectorises, and only then where. */
GAN__CLONES size_t gan__vfind_nonfinite(const float *x, size_t n)
{
    const uint32_t ones = 0x7f800000u;
    for (size_t k = 0; k < n; k += 256) {
        const size_t m = n - k < 256 ? n - k : 256;
        uint32_t bad = 0;
        for (size_t j = 0; j < m; j++)
            bad |= (gan__f32_bits(x[k + j]) & ones) == ones;
        for (size_t j = 0; bad && j < m; j++)
            if ((gan__f32_bits(x[k + j]) & ones) == ones)
                return k + j;
    }
    return n;
}

GAN__CLONES double gan__vsumd(const float *x, size_t n)
{
    double s[GAN__LANES] = {0.0};
    size_t i = 0;
    for (; i + GAN__LANES <= n; i += GAN__LANES)
        for (size_t k = 0; k < GAN__LANES; k++)
            s[k] += x[i + k];
    for (size_t k = 0; i + k < n; k++)
        s[k] += x[i + k];
    for (size_t w = GAN__LANES / 2; w > 0; w /= 2)
        for (size_t k = 0; k < w; k++)
            s[k] += s[k + w];
    return s[0];
}
