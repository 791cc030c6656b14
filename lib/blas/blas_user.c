/* Backend selection: the build-time default and the user's run-time sgemm. */
#include "blas/blas.h"

#include "core/error.h"
#include "core/pool.h"
#include "kernels/gemm_bf16.h"
#include "model.h"

#ifndef GAN_BLAS_NAME
#define GAN_BLAS_NAME "reference"
#endif

void gan__blas_default(gan__blas *b)
{
    b->name = GAN_BLAS_NAME;
#if defined(GAN_HAVE_CBLAS)
    b->sgemm = gan__sgemm_cblas;
#else
    b->sgemm = gan__sgemm_reference;
#endif
    b->user = NULL;
    b->precision = GAN_MATMUL_FP32;
}

bool gan__blas_own_kernels(const gan__blas *b)
{
#if defined(GAN_HAVE_CBLAS)
    return b->sgemm == gan__sgemm_cblas && b->precision == GAN_MATMUL_FP32;
#else
    (void)b;
    return false;
#endif
}

size_t gan__blas_pack_bytes(const gan__blas *b, int32_t parts)
{
    if (b->precision != GAN_MATMUL_BF16)
        return 0;
    return ((gan__bf16_pack_bytes() + 63) & ~(size_t)63) * (size_t)(parts > 1 ? parts : 1);
}

int gan_matmul_precision_available(int32_t precision)
{
    return precision == GAN_MATMUL_FP32 ||
           (precision == GAN_MATMUL_BF16 && gan__bf16_supported());
}

gan_status gan_blas_set_num_threads(int32_t threads)
{
    if (threads < 1 || threads > 1024)
        return gan__fail(GAN_E_OUT_OF_RANGE, "gan_blas_set_num_threads: %d threads is "
                         "outside [1, 1024]", (int)threads);
#if defined(GAN_HAVE_CBLAS)
    gan__blas_threads(threads);
#endif
    return GAN_OK;
}

const char *gan_blas_default_backend(void)
{
    return GAN_BLAS_NAME;
}

gan_status gan__gemm(const gan__blas *b, int32_t trans_a, int32_t trans_b, int32_t m,
                     int32_t n, int32_t k, float alpha, const float *a, int32_t lda,
                     const float *bm, int32_t ldb, float beta, float *c, int32_t ldc)
{
    gan__blas_count(b, 2ull * (uint64_t)m * (uint64_t)n * (uint64_t)k);
    if (b->precision == GAN_MATMUL_BF16) {
        const int32_t slot = gan__pool_slot();
        if (slot >= b->pack_slots)
            return gan__fail(GAN_E_INTERNAL, "bf16 sgemm (m=%d n=%d k=%d): part %d has no "
                             "packing space (%d parts)", (int)m, (int)n, (int)k, (int)slot,
                             (int)b->pack_slots);
        gan__sgemm_bf16(b->pack + (size_t)slot * b->pack_bytes, trans_a, trans_b, m, n, k,
                        alpha, a, lda, bm, ldb, beta, c, ldc);
        return GAN_OK;
    }
    int rc = b->sgemm(b->user, trans_a, trans_b, m, n, k, alpha, a, lda, bm, ldb, beta, c,
                      ldc);
    if (rc != 0)
        return gan__fail(GAN_E_BACKEND, "%s sgemm (%s%s m=%d n=%d k=%d) returned %d",
                         b->name, trans_a ? "T" : "N", trans_b ? "T" : "N", (int)m, (int)n,
                         (int)k, rc);
    return GAN_OK;
}

gan_status gan_model_set_sgemm(gan_model_t *model, gan_sgemm_fn fn, void *user)
{
    if (!model)
        return gan__fail(GAN_E_INVALID_ARG, "gan_model_set_sgemm: model is NULL");
    if (!fn) {
        gan__blas_default(&model->blas); /* keeps the profiling counter */
    } else {
        model->blas.name = "user";
        model->blas.precision = GAN_MATMUL_FP32;
        model->blas.sgemm = fn;
        model->blas.user = user;
    }
    return GAN_OK;
}

gan_status gan_model_get_backend(const gan_model_t *model, const char **name)
{
    if (!model || !name)
        return gan__fail(GAN_E_INVALID_ARG, "gan_model_get_backend: %s is NULL",
                         model ? "name" : "model");
    *name = model->blas.name;
    return GAN_OK;
}
