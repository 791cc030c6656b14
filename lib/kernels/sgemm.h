/* libgan's own single-precision matrix product, for CPUs whose BLAS runs kernels far
 * below what the CPU can do (OpenBLAS 0.3.21 falls back to its SSE3 "Prescott" kernels
 * on processors it does not know, such as Intel's of 2023). Packed panels and AVX-512
 * or AVX2 micro-kernels, chosen at run time. A large product called outside libgan's
 * parallel parts is split over its pool by rows or columns. Every element of C sums its
 * k products in order, in blocks whose depths depend on k alone (OpenBLAS's rule with
 * its Cooperlake kernels' constants), whatever m and n are: a product computed in pieces
 * of rows or columns gives the same bits as whole, and a large one the bits of
 * OpenBLAS's Cooperlake kernels. */
#ifndef GAN_KERNELS_SGEMM_H
#define GAN_KERNELS_SGEMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The instruction set the kernels would run with here: 512 (AVX-512), 256 (AVX2 and
 * FMA) or 0 (none: the CPU lacks both, or GAN_SGEMM=blas). GAN_SGEMM=avx2 keeps to
 * AVX2, so that the tests reach both kernels on an AVX-512 machine. */
int32_t gan__sgemm_own_isa(void);

/* C(m,n) = alpha op(A) op(B) + beta C, row-major, as cblas_sgemm; C is not read when
 * beta is 0. Returns 0, -1 when the kernels cannot run here (no ISA), or
 * GAN__SGEMM_NO_SPACE when the calling thread's packing space (gan__sgemm_space_bytes,
 * kept until the thread ends) cannot be had. */
#define GAN__SGEMM_NO_SPACE (-2)
int gan__sgemm_own(int32_t trans_a, int32_t trans_b, int32_t m, int32_t n, int32_t k,
                   float alpha, const float *a, int32_t lda, const float *b, int32_t ldb,
                   float beta, float *c, int32_t ldc);

/* The packing space a thread allocates at its first product on the blocked path. */
size_t gan__sgemm_space_bytes(void);

/* Allocate the calling thread's packing space now, where memory is allocated (a model's
 * build or batch change, the pool's start), not at a later pass's first large product:
 * 0, or GAN__SGEMM_NO_SPACE. */
int gan__sgemm_reserve(void);

#endif
