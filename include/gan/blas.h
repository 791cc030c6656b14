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
 *        Either way the model's products are float32 again (GAN_MATMUL_FP32).
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
 *        system's libblas.so.3), "reference" (the built-in C kernels), "user", or
 *        "bf16" (libgan's bfloat16 kernels, gan_model_set_matmul_precision()).
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

/** Precision of a model's matrix products (gan_model_set_matmul_precision). Named, not
 *  anonymous: abidiff matches anonymous enums by their order in the library. */
enum gan_matmul_precision {
    /** float32 throughout, through the model's backend (the default). */
    GAN_MATMUL_FP32 = 0,
    /** Both operands of every product rounded to bfloat16 (8 significant bits), products
     *  summed in float32, by libgan's own AVX512_BF16 kernels; parameters, gradients,
     *  optimizer state and everything outside the products stay float32. */
    GAN_MATMUL_BF16 = 1
};

/**
 * @brief Whether this CPU and this build can run a precision's kernels.
 * @param precision GAN_MATMUL_*.
 * @return 1 if gan_model_set_matmul_precision() accepts it here, 0 if not (unknown
 *         values included). Cannot fail. Thread-safe.
 */
GAN_API int gan_matmul_precision_available(int32_t precision);

/**
 * @brief Choose the precision of every matrix product of @p model (Dense,
 *        convolutions, recurrent layers; forward and backward). GAN_MATMUL_BF16 runs
 *        them through libgan's bfloat16 kernels instead of the model's backend, which
 *        gan_model_get_backend() then names "bf16"; about twice the multiply-adds per
 *        instruction, at bfloat16's relative rounding error of 2^-9 on each operand.
 *        Results are deterministic and depend on the part count only, as in float32,
 *        but differ from float32's. GAN_MATMUL_FP32 goes back to the built-in backend;
 *        gan_model_set_sgemm() also sets float32. A built model re-allocates its batch
 *        memory (about 1.1 MB of packing space per part with bfloat16). Quality: the
 *        MNIST DCGAN trained with it for its default budget scored worse than in
 *        float32 for each of 3 seeds (doc/PERFORMANCE.md); prefer float32 to train
 *        until that is solved.
 * @param precision GAN_MATMUL_FP32 or GAN_MATMUL_BF16.
 * @return GAN_OK; GAN_E_INVALID_ARG (model NULL); GAN_E_OUT_OF_RANGE (unknown
 *         precision); GAN_E_BACKEND (bfloat16 on a CPU without AVX512_BF16, or a build
 *         without those kernels: see gan_matmul_precision_available()); GAN_E_NO_MEMORY
 *         (the model keeps its precision).
 */
GAN_API gan_status gan_model_set_matmul_precision(gan_model_t *model, int32_t precision);

/**
 * @brief The precision set by gan_model_set_matmul_precision().
 * @param precision receives GAN_MATMUL_FP32 or GAN_MATMUL_BF16.
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL argument).
 */
GAN_API gan_status gan_model_get_matmul_precision(const gan_model_t *model,
                                                  int32_t *precision);

/** @brief Name of the backend chosen when the library was built (meson option `blas`).
 *  @return "openblas", "netlib", "system" (the generic libblas.so.3, whichever the
 *          system's alternatives select at run time) or "reference": a static string.
 *          Cannot fail.
 *  Thread-safe. */
GAN_API const char *gan_blas_default_backend(void);

#ifdef __cplusplus
}
#endif

#endif /* GAN_BLAS_H */
