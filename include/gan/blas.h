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
 *
 * With @p fn every product goes through it, those of every convolution included. With
 * the built-in CBLAS backend ("openblas", "netlib", "system"), stride-1 Conv2D layers
 * instead run on libgan's own direct convolution kernels where the CPU has AVX2 or
 * AVX-512 (faster there than im2col and a GEMM); setting GAN_CONV_DIRECT=0 in the
 * environment before the first pass makes them use the backend's GEMM too.
 * @param fn the row-major sgemm (see gan_sgemm_fn), or NULL.
 * @param user passed to every call of fn; must outlive its use by the model.
 * @return GAN_OK; GAN_E_INVALID_ARG (model NULL).
 */
GAN_API gan_status gan_model_set_sgemm(gan_model_t *model, gan_sgemm_fn fn, void *user);

/**
 * @brief Name of the backend a model uses now: "openblas", "netlib", "system" (the
 *        system's libblas.so.3), "reference" (the built-in C kernels) or "user".
 * @param name receives a static string.
 * @return GAN_OK; GAN_E_INVALID_ARG.
 */
GAN_API gan_status gan_model_get_backend(const gan_model_t *model, const char **name);

/**
 * @brief Set how many threads the built-in BLAS backend uses for matrix products.
 *        With OpenBLAS this calls openblas_set_num_threads, which is process-wide (the
 *        library has one thread pool), as does a "system" build when the libblas.so.3
 *        loaded is OpenBLAS's; netlib and the reference kernels are single-threaded and
 *        ignore it. Call it before training, not while other threads
 *        run products.
 * @param threads >= 1.
 * @return GAN_OK; GAN_E_OUT_OF_RANGE (threads < 1 or > 1024).
 *
 * Thread safety: the setting is process-wide; call it before training, not while other
 * threads run matrix products.
 */
GAN_API gan_status gan_blas_set_num_threads(int32_t threads);

/**
 * @brief Set how many threads libgan computes with, the calling thread included
 *        (default 1). A model built (or re-sized) while n > 1 splits every batch into
 *        n parts that run at once: convolutions, their matrix products and the
 *        elementwise layers. Results depend only on a model's part count, not on which
 *        thread ran a part. When n > 1, the built-in BLAS backend is set to one thread
 *        (process-wide, as gan_blas_set_num_threads(1)) so that the two levels of
 *        threads do not compete for the cores, and going back to 1 restores the BLAS's
 *        earlier thread count; a user sgemm must be safe to call from several threads
 *        at once while n > 1.
 *
 *        The pool is process-wide. Call this before building models: a built model
 *        keeps the part count it was built with until its batch size changes. While one
 *        model runs a pass on the pool, a pass of another model on another thread runs
 *        its parts one after the other (same results, no parallelism).
 * @param threads 1 to 256.
 * @return GAN_OK; GAN_E_OUT_OF_RANGE; GAN_E_NO_MEMORY if the threads cannot be started
 *         (the pool is then back to 1 thread).
 *
 * Thread safety: the pool is process-wide; call this from one thread, before building
 * the models that are to use it, not while passes run.
 */
GAN_API gan_status gan_set_num_threads(int32_t threads);

/** @brief The thread count set by gan_set_num_threads(). @return 1 to 256 (1 by default).
 *  Cannot fail. Thread-safe. */
GAN_API int32_t gan_get_num_threads(void);

/** @brief Name of the backend chosen when the library was built (meson option `blas`).
 *  @return "openblas", "netlib", "system" (the generic libblas.so.3, whichever the
 *          system's alternatives select at run time) or "reference": a static string.
 *          Cannot fail.
 *  Thread-safe. */
GAN_API const char *gan_blas_default_backend(void);

/** @brief Which kernels run the built-in backend's matrix products on this machine.
 *  An OpenBLAS that does not know the CPU falls back to old kernels (Debian 12's
 *  OpenBLAS 0.3.21 takes its SSE3 "Prescott" kernels on Intel's Xeons of 2023, a fifth
 *  of what their AVX-512 units do); where its kernels predate AVX2 and FMA and the CPU
 *  has them, or are its AVX2 kernels (as under OPENBLAS_CORETYPE=Haswell) on a CPU with
 *  AVX-512, libgan runs its own sgemm instead, for the products of models on the
 *  built-in backend (not for a user's sgemm, gan_model_set_sgemm). The environment
 *  variable GAN_SGEMM=own (or avx2, to keep to AVX2) asks for libgan's own kernels on
 *  any such CPU, GAN_SGEMM=blas for the BLAS library's always; it is read once, at the
 *  first product or call of this function. Results are deterministic either way, but
 *  differ in their last bits between the two, as between OpenBLAS's kernel sets.
 *  @return "libgan-avx512" or "libgan-avx2" (libgan's own sgemm), or "blas" (the
 *          backend's own products: cblas_sgemm, or the reference kernels of a build
 *          without a CBLAS, which GAN_SGEMM does not change; netlib's unless GAN_SGEMM
 *          asks): a static string. Cannot fail.
 *  Thread-safe. */
GAN_API const char *gan_blas_kernels(void);

#ifdef __cplusplus
}
#endif

#endif /* GAN_BLAS_H */
