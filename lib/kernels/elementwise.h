/* Per-channel and per-feature passes shared by layers. Tensors are (N, C, inner): a
 * Dense output is (N, F, 1), a convolution output (N, C, H*W). */
#ifndef GAN_KERNELS_ELEMENTWISE_H
#define GAN_KERNELS_ELEMENTWISE_H

#include <stddef.h>
#include <stdint.h>

/* y(N, C, inner) += b(C) */
void gan__add_channel_bias(float *y, const float *b, int32_t n, int32_t c, size_t inner);

/* db(C) += sum over N and inner of dy(N, C, inner) */
void gan__sum_channels(float *db, const float *dy, int32_t n, int32_t c, size_t inner);

/* gan__sum_channels_pair over channels [first, last) only: db_a and db_b point at
 * channel 0 (db_b may be NULL). */
void gan__sum_channels_range(float *db_a, float *db_b, const float *dy, int32_t n, int32_t c,
                             size_t inner, int32_t first, int32_t last);

/* db_a(C) += s and db_b(C) += s, s the sums of gan__sum_channels computed once: the two
 * biases of an LSTM gate, whose gradients are the same. */
void gan__sum_channels_pair(float *db_a, float *db_b, const float *dy, int32_t n, int32_t c,
                            size_t inner);

/* dst(N, C, inner) <- src(C, N, inner): undo a batched GEMM's channel-major layout. */
void gan__channels_to_batch(float *dst, const float *src, int32_t n, int32_t c,
                            size_t inner);

/* dst(C, N, inner) <- src(N, C, inner) */
void gan__batch_to_channels(float *dst, const float *src, int32_t n, int32_t c,
                            size_t inner);

#endif
