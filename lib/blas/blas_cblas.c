/* The CBLAS backend: OpenBLAS or netlib's reference CBLAS, chosen at build time. */
#include "blas/blas.h"

#include GAN_CBLAS_HEADER

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
