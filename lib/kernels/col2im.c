/* Folding GEMM columns back into an image (the adjoint of im2col). */
#include "kernels/im2col.h"

void gan__col2im_add(float *im, const float *col, size_t ldcol, const gan__conv_geom *g)
{
    const int32_t kh = g->kernel_h, kw = g->kernel_w, sw = g->stride_w;
    for (int32_t c = 0; c < g->channels; c++) {
        float *plane = im + (size_t)c * g->in_h * g->in_w;
        for (int32_t ki = 0; ki < kh; ki++) {
            int32_t oh_lo, oh_hi;
            gan__conv_valid_range(g->out_h, g->in_h, g->stride_h, g->pad_top, ki, &oh_lo,
                                  &oh_hi);
            for (int32_t kj = 0; kj < kw; kj++) {
                const float *row = col + ((size_t)(c * kh + ki) * kw + kj) * ldcol;
                int32_t ow_lo, ow_hi;
                gan__conv_valid_range(g->out_w, g->in_w, sw, g->pad_left, kj, &ow_lo, &ow_hi);
                for (int32_t oh = oh_lo; oh < oh_hi; oh++) {
                    const float *restrict src = row + (size_t)oh * g->out_w;
                    const int32_t shift = kj - g->pad_left; /* iw = ow*sw + shift >= 0 */
                    float *restrict dst =
                        plane + (size_t)(oh * g->stride_h - g->pad_top + ki) * g->in_w;
                    for (int32_t ow = ow_lo; ow < ow_hi; ow++)
                        dst[ow * sw + shift] += src[ow];
                }
            }
        }
    }
}
