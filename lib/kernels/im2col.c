/* Unfolding an image into GEMM columns. */
#include "kernels/im2col.h"

#include "core/clones.h"

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

/* Padded row r holds image row r - pad_top; in phase p, entry t holds padded column
 * t*stride_w + p, image column t*stride_w + p - pad_left. Window (oh, ow) at kernel
 * offset (ki, kj) reads padded (oh*stride_h + ki, ow*stride_w + kj): phase kj % stride_w,
 * entry ow + kj / stride_w, contiguous in ow. */
gan__conv_planes gan__conv_planes_of(const gan__conv_geom *g)
{
    return (gan__conv_planes){
        .rows = (g->out_h - 1) * g->stride_h + g->kernel_h,
        .width = g->out_w + (g->kernel_w - 1) / g->stride_w,
        .phases = g->stride_w,
    };
}

size_t gan__conv_planes_floats(const gan__conv_geom *g)
{
    const gan__conv_planes p = gan__conv_planes_of(g);
    return (size_t)p.rows * (size_t)p.width * (size_t)p.phases;
}

/* Grids are small (7x7, 14x14): inline loops rather than memset and memcpy calls, whose
 * call overhead dominated rows this short. */
static inline void gan__zero(float *restrict dst, int32_t n)
{
    for (int32_t i = 0; i < n; i++)
        dst[i] = 0.0f;
}

static void gan__im2col_direct(float *col, size_t ldcol, const float *im,
                               const gan__conv_geom *g)
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

/* One channel's image into its padded, phase-split planes. */
static void gan__fill_planes(float *restrict planes, const float *restrict image,
                             const gan__conv_geom *g, gan__conv_planes p)
{
    for (int32_t phase = 0; phase < p.phases; phase++) {
        int32_t t_lo, t_hi; /* entries whose image column is inside the image */
        gan__conv_valid_range(p.width, g->in_w, g->stride_w, g->pad_left, phase, &t_lo, &t_hi);
        const int32_t shift = phase - g->pad_left;
        for (int32_t r = 0; r < p.rows; r++) {
            float *restrict dst = planes + ((size_t)phase * p.rows + r) * p.width;
            const int32_t ih = r - g->pad_top;
            if (ih < 0 || ih >= g->in_h) {
                gan__zero(dst, p.width);
                continue;
            }
            const float *restrict src = image + (size_t)ih * g->in_w;
            gan__zero(dst, t_lo);
            for (int32_t t = t_lo; t < t_hi; t++)
                dst[t] = src[t * g->stride_w + shift];
            gan__zero(dst + t_hi, p.width - t_hi);
        }
    }
}

GAN__CLONES void gan__im2col(float *col, size_t ldcol, const float *im, const gan__conv_geom *g,
                 float *planes)
{
    if (!planes) {
        gan__im2col_direct(col, ldcol, im, g);
        return;
    }
    const gan__conv_planes p = gan__conv_planes_of(g);
    const int32_t kh = g->kernel_h, kw = g->kernel_w, ow_n = g->out_w;
    const size_t step = (size_t)g->stride_h * p.width; /* one grid row down */
    for (int32_t c = 0; c < g->channels; c++) {
        gan__fill_planes(planes, im + (size_t)c * g->in_h * g->in_w, g, p);
        for (int32_t ki = 0; ki < kh; ki++)
            for (int32_t kj = 0; kj < kw; kj++) {
                float *restrict row = col + ((size_t)(c * kh + ki) * kw + kj) * ldcol;
                const float *restrict src =
                    planes + ((size_t)(kj % g->stride_w) * p.rows + ki) * p.width +
                    kj / g->stride_w;
                for (int32_t oh = 0; oh < g->out_h; oh++) {
                    /* indexed, not stepped: a pointer past the planes is undefined */
                    const float *restrict run = src + (size_t)oh * step;
                    float *restrict dst = row + (size_t)oh * ow_n;
                    for (int32_t ow = 0; ow < ow_n; ow++)
                        dst[ow] = run[ow];
                }
            }
    }
}
