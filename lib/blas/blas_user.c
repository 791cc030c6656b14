/* Backend selection: the build-time default and the user's run-time sgemm. */
#include "blas/blas.h"

#include "core/error.h"
#include "kernels/sgemm.h"
#include "core/pool.h"
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
}

bool gan__blas_own_kernels(const gan__blas *b)
{
#if defined(GAN_HAVE_CBLAS)
    return b->sgemm == gan__sgemm_cblas;
#else
    (void)b;
    return false;
#endif
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

const char *gan_blas_kernels(void)
{
#if defined(GAN_HAVE_CBLAS)
    if (gan__blas_own_sgemm())
        return gan__sgemm_own_isa() == 512 ? "libgan-avx512" : "libgan-avx2";
#endif
    return "blas";
}

gan_status gan__blas_reserve(const char *who)
{
#if defined(GAN_HAVE_CBLAS)
    if (gan__blas_own_sgemm() && gan__sgemm_reserve() != 0)
        return gan__fail(GAN_E_NO_MEMORY, "%s: no memory for this thread's %zu bytes of "
                         "packing space for libgan's sgemm", who, gan__sgemm_space_bytes());
#else
    (void)who;
#endif
    return GAN_OK;
}

gan_status gan__gemm(const gan__blas *b, int32_t trans_a, int32_t trans_b, int32_t m,
                     int32_t n, int32_t k, float alpha, const float *a, int32_t lda,
                     const float *bm, int32_t ldb, float beta, float *c, int32_t ldc)
{
    gan__blas_count(b, 2ull * (uint64_t)m * (uint64_t)n * (uint64_t)k);
    int rc = b->sgemm(b->user, trans_a, trans_b, m, n, k, alpha, a, lda, bm, ldb, beta, c,
                      ldc);
#if defined(GAN_HAVE_CBLAS)
    if (rc == GAN__SGEMM_NO_SPACE && b->sgemm == gan__sgemm_cblas)
        return gan__fail(GAN_E_NO_MEMORY, "libgan's sgemm (%s%s m=%d n=%d k=%d): no memory "
                         "for this thread's %zu bytes of packing space",
                         trans_a ? "T" : "N", trans_b ? "T" : "N", (int)m, (int)n, (int)k,
                         gan__sgemm_space_bytes());
#endif
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
