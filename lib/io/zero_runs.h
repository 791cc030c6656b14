/* Zero-run coding of 8-bit samples, what a dataset of mostly black images keeps in memory
 * instead of their bytes (MNIST's digits are 81 % zeros: a quarter of the memory).
 *
 * A sample of n bytes codes as pairs (z, l) followed by l bytes: z zeros, then those l
 * bytes as they are, z and l in [0, 255], until n bytes are made. */
#ifndef GAN_IO_ZERO_RUNS_H
#define GAN_IO_ZERO_RUNS_H

#include <stddef.h>
#include <stdint.h>

/* Code the n bytes of @p src into @p code, or with @p code NULL only count; returns the
 * code's size in bytes. */
size_t gan__zero_runs_encode(uint8_t *code, const uint8_t *src, size_t n);

/* Make the n bytes a code of gan__zero_runs_encode stands for. */
void gan__zero_runs_decode(uint8_t *dst, const uint8_t *code, size_t n);

#endif
