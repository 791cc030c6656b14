/* Stride-1 convolutions computed straight from the zero-padded image, without an
 * im2col matrix.
 *
 * Each image is copied once into a padded buffer, channel planes of hp x wp floats.
 * An output point (oh, ow) is then q = oh*wp + ow of a "wide" grid of out_h rows of wp
 * points (the last wp - out_w of each row are computed and dropped), and the input it
 * reads through kernel tap (c, i, j) is element off[c,i,j] + q of the padded buffer,
 * off[c,i,j] = c*hp*wp + i*wp + j: for every tap, a run of consecutive outputs reads a
 * run of consecutive inputs, which the micro-kernels load as vectors. On small grids,
 * where most of a vector of points would be dropped points, a second family of
 * micro-kernels vectorises over the outputs instead and computes the valid points
 * only; each pass takes the family that wastes fewer lanes. Every output is a sum over
 * the taps in the weight tensor's order (c, i, j) in float32 fused multiply-adds, so
 * it depends neither on the family nor on the vector width.
 *
 * The input gradient of a stride-1 convolution is itself one (the output gradient,
 * padded by kernel - 1 - pad, against the weights flipped and transposed), and runs
 * through the same kernels. The weight gradient sums each tap's products over a group
 * of images: over points, in vector lanes along the wide grid, then across the lanes
 * (so these bits depend on the vector width); over outputs, one point at a time. */
#ifndef GAN_KERNELS_CONV_DIRECT_H
#define GAN_KERNELS_CONV_DIRECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels/im2col.h"

/* Whether the direct kernels can run the convolution @p g with @p filters outputs on
 * this CPU: stride 1, each pad below the kernel's extent, AVX-512 or AVX2 with FMA,
 * and sizes whose offsets fit 31 bits. The environment variable GAN_CONV_DIRECT=0
 * turns them off (the im2col path then runs; for comparisons), GAN_CONV_DIRECT=avx2
 * keeps them to AVX2 on an AVX-512 CPU (for the tests). Read once per process. */
bool gan__dconv_applies(const gan__conv_geom *g, int32_t filters);

/* Floats of scratch for the passes below, the weight gradient over up to @p images
 * images a call (pass a 64-byte aligned block). */
size_t gan__dconv_scratch_floats(const gan__conv_geom *g, int32_t filters, int32_t images);

/* Images per call of gan__dconv_weight_grad that keep its working set in the L2 cache,
 * at most @p most. */
int32_t gan__dconv_group(const gan__conv_geom *g, int32_t filters, int32_t most);

/* Floats of packed weights for either pass below. */
size_t gan__dconv_pack_floats(const gan__conv_geom *g, int32_t filters);

/* Taps of the packed weights for gan__dconv_forward, or with @p input_grad for
 * gan__dconv_input_grad. */
size_t gan__dconv_pack_taps(const gan__conv_geom *g, int32_t filters, bool input_grad);

/* Taps [begin, end) of wpack <- w (filters, channels, kernel_h, kernel_w) laid out for
 * gan__dconv_forward, or with @p input_grad for gan__dconv_input_grad: once per pass,
 * then shared by the parts running it; ranges may be packed side by side. */
void gan__dconv_pack(float *wpack, const float *w, const gan__conv_geom *g, int32_t filters,
                     bool input_grad, size_t begin, size_t end);

/* y (images, filters, out_h, out_w) = the convolution of x (images, channels, in_h,
 * in_w) with the weights packed by gan__dconv_pack; no bias. */
void gan__dconv_forward(float *y, const float *x, const float *wpack,
                        const gan__conv_geom *g, int32_t filters, int32_t images,
                        float *scratch);

/* dx (images, channels, in_h, in_w) = the input gradient for output gradient dy, with
 * the weights packed by gan__dconv_pack with input_grad. */
void gan__dconv_input_grad(float *dx, const float *dy, const float *wpack,
                           const gan__conv_geom *g, int32_t filters, int32_t images,
                           float *scratch);

/* dw (filters, channels, kernel_h, kernel_w) += the weight gradient of @p images
 * images (at most the count given to gan__dconv_scratch_floats). */
void gan__dconv_weight_grad(float *dw, const float *dy, const float *x,
                            const gan__conv_geom *g, int32_t filters, int32_t images,
                            float *scratch);

#endif
