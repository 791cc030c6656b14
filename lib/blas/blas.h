/* The matrix-product backend every layer goes through.
 *
 * One vtable per model: the build-time default (OpenBLAS, netlib CBLAS or the reference
 * kernels) or a user's sgemm plugged in at run time. All products are row-major. */
#ifndef GAN_BLAS_BLAS_H
#define GAN_BLAS_BLAS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "gan/blas.h"

typedef struct gan__blas {
    const char *name;
    gan_sgemm_fn sgemm;
    void *user;
    /* While profiling, every product adds 2*m*n*k here; atomic because the parts of a
     * pass run their products at once. */
    atomic_ullong *flops;
} gan__blas;

/* The backend chosen by the meson `blas` option. */
void gan__blas_default(gan__blas *b);

/* Plain C, always compiled: the fallback backend and the tests' oracle. */
int gan__sgemm_reference(void *user, int32_t trans_a, int32_t trans_b, int32_t m,
                         int32_t n, int32_t k, float alpha, const float *a, int32_t lda,
                         const float *b, int32_t ldb, float beta, float *c, int32_t ldc);

/* C(m,n) = beta C, clearing C (NaN included) for beta 0: a product's first step. */
void gan__sgemm_scale_c(float *c, int32_t ldc, int32_t m, int32_t n, float beta);

#if defined(GAN_HAVE_CBLAS)
/* cblas_sgemm of the library chosen at build time. */
int gan__sgemm_cblas(void *user, int32_t trans_a, int32_t trans_b, int32_t m, int32_t n,
                     int32_t k, float alpha, const float *a, int32_t lda, const float *b,
                     int32_t ldb, float beta, float *c, int32_t ldc);

/* Whether the CBLAS backend runs libgan's own sgemm (kernels/sgemm.h) in place of the
 * library's: when OpenBLAS chose kernels older than the CPU, or AVX2 ones on a CPU with
 * AVX-512 (see blas_cblas.c), or GAN_SGEMM=own (or avx2) asks for it; never with
 * GAN_SGEMM=blas. Decided once. */
bool gan__blas_own_sgemm(void);

/* The rule behind it: OpenBLAS's kernel set @p core (NULL: another BLAS), the own
 * kernels' instruction set @p isa (gan__sgemm_own_isa: 512, 256 or 0) and GAN_SGEMM's
 * value @p env (NULL: unset). */
bool gan__blas_prefer_own(const char *core, int32_t isa, const char *env);
#endif

/* The build-time backend's thread count (the only vendor thread control). */
void gan__blas_threads(int32_t threads);
/* The build-time backend's thread count now (1 for the single-threaded ones). */
int32_t gan__blas_get_threads(void);

/* Whether layers may run libgan's own kernels in place of @p b's products: for the
 * build's optimised CBLAS default only, never for the reference kernels (the tests'
 * oracle) or a user's sgemm. */
bool gan__blas_own_kernels(const gan__blas *b);

/* Count @p flops of a product run without gan__gemm while profiling. */
static inline void gan__blas_count(const gan__blas *b, uint64_t flops)
{
    if (b->flops)
        atomic_fetch_add_explicit(b->flops, flops, memory_order_relaxed);
}

/* Where libgan's own sgemm runs the built-in backend's products, allocate the calling
 * thread's packing space now (a model's build or batch change): GAN_E_NO_MEMORY, with
 * @p who in the message, if it cannot be had. */
gan_status gan__blas_reserve(const char *who);

/* C(m,n) = alpha op(A) op(B) + beta C through @p b; a backend failure becomes
 * GAN_E_BACKEND with a message giving the product's dimensions. */
gan_status gan__gemm(const gan__blas *b, int32_t trans_a, int32_t trans_b, int32_t m,
                     int32_t n, int32_t k, float alpha, const float *a, int32_t lda,
                     const float *bm, int32_t ldb, float beta, float *c, int32_t ldc);

#endif
