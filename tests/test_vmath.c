/* White-box checks of the vectorised float maths (kernels/vmath.h) against libm in
 * double: the error in ulps over a dense sweep and at the special values, and the
 * promise that an element's result does not depend on where it sits in the array. */
#include "test_util.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/vmath.h"

/* Measured maxima (gcc 12, x86-64): exp 0.97, tanh 1.24, sigmoid 2.27 ulps. A wrong
 * polynomial coefficient in its 4th digit costs thousands. */
#define VM_EXP_ULPS 1.5
#define VM_TANH_ULPS 2.0
#define VM_SIGMOID_ULPS 3.0

typedef void vm_fn(float *y, const float *x, size_t n);

typedef struct vm_case {
    const char *name;
    vm_fn *fn;
    double (*ref)(double);
    double ulps;
} vm_case;

static double vm_sigmoid(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

static const vm_case cases[] = {
    {"exp", gan__vexpf, exp, VM_EXP_ULPS},
    {"tanh", gan__vtanhf, tanh, VM_TANH_ULPS},
    {"sigmoid", gan__vsigmoidf, vm_sigmoid, VM_SIGMOID_ULPS},
};

/* |got - want| in units of the last place of the float nearest @p want. Below FLT_MIN
 * the functions give 0 (no subnormals): there any |got| <= FLT_MIN passes. */
static double vm_ulps(float got, double want)
{
    if (isnan(want))
        return isnan(got) ? 0.0 : INFINITY;
    if (isinf((float)want))
        return got == (float)want ? 0.0 : INFINITY;
    if (fabs(want) < FLT_MIN)
        return fabsf(got) <= FLT_MIN ? 0.0 : INFINITY;
    int e;
    frexp(want, &e);
    return fabs((double)got - want) / ldexp(1.0, e - 24);
}

/* The largest error of @p c over x(n), failing with the worst point past the bound. */
static double vm_check(const vm_case *c, const float *x, float *y, size_t n)
{
    c->fn(y, x, n);
    double worst = 0.0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        const double u = vm_ulps(y[i], c->ref((double)x[i]));
        if (!(u <= worst))
            worst = u, at = i;
    }
    if (!(worst <= c->ulps))
        fail_msg("%s(%.9g) = %.9g, libm %.9g: %g ulps, bound %g", c->name, (double)x[at],
                 (double)y[at], c->ref((double)x[at]), worst, c->ulps);
    return worst;
}

/* Every function over 2^22 evenly spaced points of [-100, 100], and over every 509th
 * float of either sign below 100 (tiny and subnormal inputs included). */
static void test_dense_sweep(void **state)
{
    (void)state;
    enum { EVEN = 1 << 22, STRIDE = 509 };
    const uint32_t top = 0x42c80000u; /* 100.0f */
    const size_t by_bits = top / STRIDE + 1;
    const size_t n = EVEN + 2 * by_bits;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    assert_non_null(x);
    assert_non_null(y);
    for (size_t i = 0; i < EVEN; i++)
        x[i] = (float)(-100.0 + 200.0 * (double)i / (EVEN - 1));
    for (size_t i = 0; i < by_bits; i++) {
        const uint32_t bits = (uint32_t)(i * STRIDE);
        memcpy(&x[EVEN + 2 * i], &bits, sizeof bits);
        x[EVEN + 2 * i + 1] = -x[EVEN + 2 * i];
    }
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        print_message("%s: max %.3f ulps\n", cases[k].name, vm_check(&cases[k], x, y, n));
    free(y);
    free(x);
}

static void vm_expect(vm_fn *fn, float x, float want)
{
    float y;
    fn(&y, &x, 1);
    if (isnan(want) ? !isnan(y) : memcmp(&y, &want, sizeof y) != 0)
        fail_msg("f(%a) = %a, want %a", (double)x, (double)y, (double)want);
}

static void test_special_values(void **state)
{
    (void)state;
    const float hi = 0x1.62e42ep6f; /* the largest float with a finite e^x */
    vm_expect(gan__vexpf, 0.0f, 1.0f);
    vm_expect(gan__vexpf, -0.0f, 1.0f);
    vm_expect(gan__vexpf, FLT_TRUE_MIN, 1.0f);
    vm_expect(gan__vexpf, -FLT_MIN, 1.0f);
    vm_expect(gan__vexpf, nextafterf(hi, INFINITY), INFINITY);
    vm_expect(gan__vexpf, 89.0f, INFINITY);
    vm_expect(gan__vexpf, FLT_MAX, INFINITY);
    vm_expect(gan__vexpf, INFINITY, INFINITY);
    vm_expect(gan__vexpf, -88.0f, 0.0f); /* subnormal in libm */
    vm_expect(gan__vexpf, -FLT_MAX, 0.0f);
    vm_expect(gan__vexpf, -INFINITY, 0.0f);
    vm_expect(gan__vexpf, NAN, NAN);
    vm_expect(gan__vtanhf, 0.0f, 0.0f);
    vm_expect(gan__vtanhf, -0.0f, -0.0f);
    vm_expect(gan__vtanhf, FLT_TRUE_MIN, FLT_TRUE_MIN);
    vm_expect(gan__vtanhf, -1e-20f, -1e-20f);
    vm_expect(gan__vtanhf, 20.0f, 1.0f);
    vm_expect(gan__vtanhf, -50.0f, -1.0f);
    vm_expect(gan__vtanhf, INFINITY, 1.0f);
    vm_expect(gan__vtanhf, -INFINITY, -1.0f);
    vm_expect(gan__vtanhf, NAN, NAN);
    vm_expect(gan__vsigmoidf, 0.0f, 0.5f);
    vm_expect(gan__vsigmoidf, -0.0f, 0.5f);
    vm_expect(gan__vsigmoidf, 20.0f, 1.0f);
    vm_expect(gan__vsigmoidf, INFINITY, 1.0f);
    vm_expect(gan__vsigmoidf, -INFINITY, 0.0f);
    vm_expect(gan__vsigmoidf, -FLT_MAX, 0.0f);
    vm_expect(gan__vsigmoidf, NAN, NAN);
    /* Within the bounds at the ends of the normal range and around tanh's cut. */
    const float edges[] = {hi, nextafterf(hi, 0.0f), 88.0f, -87.0f, -87.33654f,
                           0.625f, nextafterf(0.625f, 0.0f), -0.625f, 1e-3f, -17.0f,
                           9.0f, -9.0f, 88.7f, -86.9f};
    float y[sizeof edges / sizeof edges[0]];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        vm_check(&cases[k], edges, y, sizeof edges / sizeof edges[0]);
}

/* Each element's result is the same whatever its position, the length of the call and
 * whether the call is in place: chunked rows then equal whole rows bit for bit. */
static void test_position_independent(void **state)
{
    (void)state;
    enum { N = 203 };
    float x[N], whole[N], part[N], in_place[N];
    gt_rng r;
    gt_seed(&r, 3);
    gt_fill(&r, x, N, -30.0f, 30.0f);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        cases[k].fn(whole, x, N);
        for (size_t i0 = 0, len = 1; i0 < N; i0 += len, len = len * 2 + 1)
            cases[k].fn(part + i0, x + i0, i0 + len <= N ? len : N - i0);
        memcpy(in_place, x, sizeof x);
        cases[k].fn(in_place, in_place, N);
        assert_memory_equal(part, whole, sizeof whole);
        assert_memory_equal(in_place, whole, sizeof whole);
    }
}

/* The max of every length and position of the largest, and the double sum against a
 * long double sum of the same floats. */
static void test_max_and_sum(void **state)
{
    (void)state;
    enum { N = 100 };
    float x[N];
    gt_rng r;
    gt_seed(&r, 4);
    for (size_t n = 1; n <= N; n++) {
        gt_fill(&r, x, n, -5.0f, 5.0f);
        for (size_t at = 0; at < n; at++) {
            const float keep = x[at];
            x[at] = 7.5f;
            assert_true(gan__vmaxf(x, n) == 7.5f);
            x[at] = keep;
        }
        long double want = 0.0L;
        for (size_t i = 0; i < n; i++)
            want += x[i];
        assert_true(fabsl((long double)gan__vsumd(x, n) - want) <= 1e-13L);
    }
    const float neg[2] = {-3.0f, -2.0f};
    assert_true(gan__vmaxf(neg, 2) == -2.0f);
}

/* The first non-finite value wherever it sits (block edges included); FLT_MAX and
 * subnormals are finite. */
static void test_find_nonfinite(void **state)
{
    (void)state;
    enum { N = 600 };
    float x[N];
    for (size_t i = 0; i < N; i++)
        x[i] = i % 3 ? FLT_MAX : -FLT_TRUE_MIN;
    assert_int_equal(gan__vfind_nonfinite(x, N), N);
    assert_int_equal(gan__vfind_nonfinite(x, 0), 0);
    static const size_t at[] = {0, 1, 255, 256, 257, 511, 512, N - 1};
    const float bad[] = {NAN, INFINITY, -INFINITY};
    for (size_t k = 0; k < sizeof at / sizeof at[0]; k++)
        for (size_t b = 0; b < 3; b++) {
            const float keep = x[at[k]];
            x[at[k]] = bad[b];
            if (at[k] + 3 < N)
                x[N - 1] = NAN; /* a later one does not count */
            assert_int_equal(gan__vfind_nonfinite(x, N), at[k]);
            assert_int_equal(gan__vfind_nonfinite(x, at[k]), at[k]);
            x[at[k]] = keep;
            x[N - 1] = (N - 1) % 3 ? FLT_MAX : -FLT_TRUE_MIN;
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense_sweep),
        cmocka_unit_test(test_special_values),
        cmocka_unit_test(test_position_independent),
        cmocka_unit_test(test_max_and_sum),
        cmocka_unit_test(test_find_nonfinite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
