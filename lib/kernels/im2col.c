/* Unfolding an image into GEMM columns. */
#include "kernels/im2col.h"

#include <string.h>

void gan__conv_valid_range(int32_t out, int32_t in, int32_t stride, int32_t pad, int32_t k,
                           int32_t *lo, int32_t *hi)
{
    /* o*stride >= pad - k  and  o*stride <= in - 1 + pad - k */
    int32_t first = pad - k;
    int32_t l = first <= 0 ? 0 : (first + stride - 1) / stride;
    int32_t last = in - 1 + pad - k;
    int32_t h = last < 0 ? 0 : last / stride + 1;
    if (h > out)
        h = out;
    if (l > h)
        l = h;
    *lo = l;
    *hi = h;
}

/* Grids are small (7x7, 14x14): inline loops rather than memset and memcpy calls, whose
 * call overhead dominated rows this short. */
static inline void gan__zero(float *restrict dst, int32_t n)
{
    for (int32_t i = 0; i < n; i++)
        dst[i] = 0.0f;
}

void gan__im2col(float *col, size_t ldcol, const float *im, const gan__conv_geom *g)
{
    const int32_t kh = g->kernel_h, kw = g->kernel_w, sw = g->stride_w, ow_n = g->out_w;
    for (int32_t c = 0; c < g->channels; c++) {
        const float *plane = im + (size_t)c * g->in_h * g->in_w;
        for (int32_t ki = 0; ki < kh; ki++) {
            int32_t oh_lo, oh_hi;
            gan__conv_valid_range(g->out_h, g->in_h, g->stride_h, g->pad_top, ki, &oh_lo,
                                  &oh_hi);
            for (int32_t kj = 0; kj < kw; kj++) {
                float *row = col + ((size_t)(c * kh + ki) * kw + kj) * ldcol;
                int32_t ow_lo, ow_hi;
                gan__conv_valid_range(ow_n, g->in_w, sw, g->pad_left, kj, &ow_lo, &ow_hi);
                const int32_t shift = kj - g->pad_left; /* iw = ow*sw + shift >= 0 */
                gan__zero(row, oh_lo * ow_n);
                for (int32_t oh = oh_lo; oh < oh_hi; oh++) {
                    float *restrict dst = row + (size_t)oh * ow_n;
                    const float *restrict src =
                        plane + (size_t)(oh * g->stride_h - g->pad_top + ki) * g->in_w;
                    gan__zero(dst, ow_lo);
                    for (int32_t ow = ow_lo; ow < ow_hi; ow++)
                        dst[ow] = src[ow * sw + shift];
                    gan__zero(dst + ow_hi, ow_n - ow_hi);
                }
                gan__zero(row + (size_t)oh_hi * ow_n, (g->out_h - oh_hi) * ow_n);
            }
        }
    }
}
