/* Transposition of float blocks: the layout changes around the direct convolution
 * kernels, which work on (points, outputs) where layers hold (outputs, points). */
#ifndef GAN_KERNELS_TRANSPOSE_H
#define GAN_KERNELS_TRANSPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* dst[c * ldd + r] = src[row(r) * lds + c] for r < rows, c < cols, where row(r) is
 * row_of[r], or r when row_of is NULL; with @p add, += instead of =. Every element is
 * copied or added once, so the results do not depend on how the work is tiled. */
void gan__transpose(float *dst, size_t ldd, const float *src, size_t lds,
                    const int32_t *row_of, size_t rows, size_t cols, bool add);

#endif
