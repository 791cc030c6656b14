/* Float exp, tanh and sigmoid over arrays, plus a row's max, its first non-finite value
 * and its double sum: branch-free loops the compiler vectorises, for the softmax, the
 * sampler, the recurrent gates and the losses' input checks. Every function gives the same bits for the same input whatever the
 * CPU and wherever the element sits in the array, so a row computed in chunks equals
 * the row computed whole. y may be x (in place); no other overlap. */
#ifndef GAN_KERNELS_VMATH_H
#define GAN_KERNELS_VMATH_H

#include <stddef.h>

/* y(n) = e^x(n), within 2 ulp of the exact value; 0 where e^x is below FLT_MIN
 * (x < -87.336), +inf above FLT_MAX (x > 88.723); e^0 = 1 exactly; NaN stays NaN. */
void gan__vexpf(float *y, const float *x, size_t n);

/* y(n) = tanh x(n), within 3 ulp (Cephes tanhf); odd; +-1 for large |x|. */
void gan__vtanhf(float *y, const float *x, size_t n);

/* y(n) = 1 / (1 + e^-x(n)), within 3 ulp; no overflow for any x: 0 and 1 at the ends. */
void gan__vsigmoidf(float *y, const float *x, size_t n);

/* The largest of x(n), n >= 1, all finite. */
float gan__vmaxf(const float *x, size_t n);

/* The index of the first infinite or NaN value of x(n), or n if every one is finite. */
size_t gan__vfind_nonfinite(const float *x, size_t n);

/* The sum of x(n) in double, in a fixed order (16 running sums added pairwise): the same
 * n values give the same bits. */
double gan__vsumd(const float *x, size_t n);

#endif
