/* libgan: the matrix-product backend and how to plug in your own sgemm. */
#ifndef GAN_BLAS_H
#define GAN_BLAS_H

#include <stdint.h>

#include <gan/export.h>
#include <gan/model.h>
#include <gan/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A row-major single-precision matrix product, as cblas_sgemm(CblasRowMajor, ...):
 * C(m,n) = alpha * op(A)(m,k) * op(B)(k,n) + beta * C, where op(X) is X or, with
 * trans_* non-zero, its transpose. When beta is 0, C must be overwritten without being
 * read (it may hold garbage). Return 0 on success; any other value makes the calling
 * libgan function fail with GAN_E_BACKEND.
 */
typedef int (*gan_sgemm_fn)(void *user, int32_t trans_a, int32_t trans_b, int32_t m,
                            int32_t n, int32_t k, float alpha, const float *a,
                            int32_t lda, const float *b, int32_t ldb, float beta,
                            float *c, int32_t ldc);

/**
 * @brief Route every matrix product of @p model through @p fn (MKL, BLIS, a GPU
 *        library, a counting wrapper...). Pass NULL to restore the built-in backend.
 * @param user passed to every call of fn; must outlive its use by the model.
 * @return GAN_OK; GAN_E_INVALID_ARG (model NULL).
 */
GAN_API gan_status gan_model_set_sgemm(gan_model_t *model, gan_sgemm_fn fn, void *user);

/**
 * @brief Name of the backend a model uses now: "openblas", "netlib", "reference" (the
 *        built-in C kernels) or "user".
 * @return GAN_OK; GAN_E_INVALID_ARG.
 */
GAN_API gan_status gan_model_get_backend(const gan_model_t *model, const char **name);

/**
 * @brief Set how many threads the built-in BLAS backend uses for matrix products.
 *        With OpenBLAS this calls openblas_set_num_threads, which is process-wide (the
 *        library has one thread pool); netlib and the reference kernels are
 *        single-threaded and ignore it. Call it before training, not while other threads
 *        run products.
 * @param threads >= 1.
 * @return GAN_OK; GAN_E_OUT_OF_RANGE (threads < 1 or > 1024).
 */
GAN_API gan_status gan_blas_set_num_threads(int32_t threads);

/** @brief Name of the backend chosen when the library was built (meson option `blas`). */
GAN_API const char *gan_blas_default_backend(void);

#ifdef __cplusplus
}
#endif

#endif /* GAN_BLAS_H */
