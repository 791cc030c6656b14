/* Folding GEMM columns back into an image (the adjoint of im2col). */
#include "kernels/im2col.h"

#include "core/clones.h"

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

/* One channel's planes (see gan__conv_planes_of) cropped back into its image; image
 * elements no window reaches get 0. */
static void gan__planes_to_image(float *restrict image, const float *restrict planes,
                                 const gan__conv_geom *g, gan__conv_planes p)
{
    for (int32_t ih = 0; ih < g->in_h; ih++) {
        float *restrict dst = image + (size_t)ih * g->in_w;
        const int32_t r = ih + g->pad_top;
        for (int32_t iw = 0; iw < g->in_w; iw++)
            dst[iw] = 0.0f;
        if (r >= p.rows)
            continue;
        for (int32_t phase = 0; phase < p.phases; phase++) {
            int32_t t_lo, t_hi;
            gan__conv_valid_range(p.width, g->in_w, g->stride_w, g->pad_left, phase, &t_lo,
                                  &t_hi);
            const float *restrict src = planes + ((size_t)phase * p.rows + r) * p.width;
            const int32_t shift = phase - g->pad_left;
            for (int32_t t = t_lo; t < t_hi; t++)
                dst[t * g->stride_w + shift] = src[t];
        }
    }
}

GAN__CLONES void gan__col2im(float *im, const float *col, size_t ldcol, const gan__conv_geom *g,
                 float *planes)
{
    if (!planes) {
        const size_t n = (size_t)g->channels * g->in_h * g->in_w;
        for (size_t i = 0; i < n; i++)
            im[i] = 0.0f;
        gan__col2im_add(im, col, ldcol, g);
        return;
    }
    const gan__conv_planes p = gan__conv_planes_of(g);
    const int32_t kh = g->kernel_h, kw = g->kernel_w, ow_n = g->out_w;
    const size_t step = (size_t)g->stride_h * p.width;
    const size_t plane_floats = gan__conv_planes_floats(g);
    for (int32_t c = 0; c < g->channels; c++) {
        for (size_t i = 0; i < plane_floats; i++)
            planes[i] = 0.0f;
        for (int32_t ki = 0; ki < kh; ki++)
            for (int32_t kj = 0; kj < kw; kj++) {
                const float *restrict row = col + ((size_t)(c * kh + ki) * kw + kj) * ldcol;
                float *restrict dst = planes +
                                      ((size_t)(kj % g->stride_w) * p.rows + ki) * p.width +
                                      kj / g->stride_w;
                for (int32_t oh = 0; oh < g->out_h; oh++) {
                    /* indexed, not stepped: a pointer past the planes is undefined */
                    float *restrict run = dst + (size_t)oh * step;
                    const float *restrict src = row + (size_t)oh * ow_n;
                    for (int32_t ow = 0; ow < ow_n; ow++)
                        run[ow] += src[ow];
                }
            }
        gan__planes_to_image(im + (size_t)c * g->in_h * g->in_w, planes, g, p);
    }
}
