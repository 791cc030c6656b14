/* Matrix products with bfloat16 inputs and float32 accumulation (AVX512_BF16).
 *
 * Both operands are rounded to bfloat16 (round to nearest even, subnormals to zero, as
 * the VCVTNE2PS2BF16 instruction does) while they are packed into panels; the products
 * are summed in float32 two at a time by VDPBF16PS. The sum runs over k in a fixed
 * order set by the blocking below, so the result depends only on the operands and the
 * shapes, not on the thread that runs it. */
#ifndef GAN_KERNELS_GEMM_BF16_H
#define GAN_KERNELS_GEMM_BF16_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether this build and this CPU can run gan__sgemm_bf16 (AVX-512 F, BW and BF16). */
bool gan__bf16_supported(void);

/* Bytes of packing space one running product needs (64-byte aligned by the caller). */
size_t gan__bf16_pack_bytes(void);

/* C(m,n) = alpha op(A) op(B) + beta C, row-major as cblas_sgemm, through @p pack
 * (gan__bf16_pack_bytes() bytes, 64-byte aligned, not shared with a product running at
 * the same time). Only call it when gan__bf16_supported(). */
void gan__sgemm_bf16(void *pack, int32_t trans_a, int32_t trans_b, int32_t m, int32_t n,
                     int32_t k, float alpha, const float *a, int32_t lda, const float *b,
                     int32_t ldb, float beta, float *c, int32_t ldc);

/* One float rounded to bfloat16 as the packing does; for the tests. */
uint16_t gan__bf16_round(float x);

#endif
