/* The CBLAS backend: OpenBLAS or netlib's reference CBLAS, chosen at build time. */
#include "blas/blas.h"

#include GAN_CBLAS_HEADER

#if defined(GAN_BLAS_OPENBLAS)
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif

void gan__blas_threads(int32_t threads)
{
#if defined(GAN_BLAS_OPENBLAS)
    openblas_set_num_threads(threads);
#else
    (void)threads; /* netlib is single-threaded */
#endif
}

int32_t gan__blas_get_threads(void)
{
#if defined(GAN_BLAS_OPENBLAS)
    return (int32_t)openblas_get_num_threads();
#else
    return 1;
#endif
}

int gan__sgemm_cblas(void *user, int32_t trans_a, int32_t trans_b, int32_t m, int32_t n,
                     int32_t k, float alpha, const float *a, int32_t lda, const float *b,
                     int32_t ldb, float beta, float *c, int32_t ldc)
{
    (void)user;
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta,
                c, ldc);
    return 0;
}
