/* Reference sgemm in plain C: the fallback backend and the tests' oracle. */
#include "blas/blas.h"

#include <stddef.h>
#include <string.h>

void gan__sgemm_scale_c(float *c, int32_t ldc, int32_t m, int32_t n, float beta)
{
    for (int32_t i = 0; i < m; i++) {
        float *ci = c + (size_t)i * ldc;
        if (beta == 0.0f)
            memset(ci, 0, (size_t)n * sizeof *ci);
        else if (beta != 1.0f)
            for (int32_t j = 0; j < n; j++)
                ci[j] *= beta;
    }
}

/* Loop orders keep the innermost loop contiguous in memory for each transpose case. */
int gan__sgemm_reference(void *user, int32_t trans_a, int32_t trans_b, int32_t m,
                         int32_t n, int32_t k, float alpha, const float *a, int32_t lda,
                         const float *b, int32_t ldb, float beta, float *c, int32_t ldc)
{
    (void)user;
    gan__sgemm_scale_c(c, ldc, m, n, beta);
    if (!trans_b) {
        for (int32_t i = 0; i < m; i++) {
            float *ci = c + (size_t)i * ldc;
            for (int32_t p = 0; p < k; p++) {
                float aip = trans_a ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
                float s = alpha * aip;
                if (s == 0.0f)
                    continue;
                const float *bp = b + (size_t)p * ldb;
                for (int32_t j = 0; j < n; j++)
                    ci[j] += s * bp[j];
            }
        }
    } else {
        for (int32_t i = 0; i < m; i++) {
            float *ci = c + (size_t)i * ldc;
            for (int32_t j = 0; j < n; j++) {
                const float *bj = b + (size_t)j * ldb;
                float sum = 0.0f;
                if (trans_a)
                    for (int32_t p = 0; p < k; p++)
                        sum += a[(size_t)p * lda + i] * bj[p];
                else {
                    const float *ai = a + (size_t)i * lda;
                    for (int32_t p = 0; p < k; p++)
                        sum += ai[p] * bj[p];
                }
                ci[j] += alpha * sum;
            }
        }
    }
    return 0;
}
