/* The products OpenBLAS's AVX-512 kernel sets (Cooperlake, SkylakeX) hand to their
 * small-matrix kernels, summed element by element in those kernels' order, so that
 * libgan's own sgemm (sgemm.h) gives OpenBLAS's bits on small products as it does on
 * large ones. */
#ifndef GAN_KERNELS_SGEMM_SMALL_H
#define GAN_KERNELS_SGEMM_SMALL_H

#include <stdbool.h>
#include <stdint.h>

/* C(m,n) = alpha op(A) op(B) + beta C, row-major, k > 0, alpha != 0, if OpenBLAS would
 * take its small-matrix path for it: then true. False, touching nothing, for products it
 * runs through its blocked kernels. Only where the own kernels run (AVX2 and FMA). */
bool gan__sgemm_small(int32_t trans_a, int32_t trans_b, int32_t m, int32_t n, int32_t k,
                      float alpha, const float *a, int32_t lda, const float *b, int32_t ldb,
                      float beta, float *c, int32_t ldc);

#endif
