/* Unfolding an image into GEMM columns and folding columns back.
 *
 * The geometry is that of a convolution reading an image (channels, in_h, in_w) and
 * producing an out_h x out_w grid. A column matrix has channels*kernel_h*kernel_w rows
 * (channel-major, then kernel row, then kernel column) and one column per grid point.
 * Several images share one matrix side by side: image j's grid starts at column
 * j*out_h*out_w and every row is ldcol floats long. */
#ifndef GAN_KERNELS_IM2COL_H
#define GAN_KERNELS_IM2COL_H

#include <stddef.h>
#include <stdint.h>

typedef struct gan__conv_geom {
    int32_t channels, in_h, in_w;
    int32_t kernel_h, kernel_w, stride_h, stride_w;
    int32_t pad_top, pad_left; /* bottom/right padding is implied by out_h/out_w */
    int32_t out_h, out_w;
} gan__conv_geom;

/* Floats of scratch that makes im2col and col2im fast for geometry @p g: one channel's
 * image, zero padded and split by column phase (stride_w planes of padded rows, each
 * row holding every stride_w-th column), so that every column-matrix row is a run of
 * contiguous floats of one plane. */
size_t gan__conv_planes_floats(const gan__conv_geom *g);

/* col (channels*kh*kw, ldcol), columns [0, out_h*out_w) <- im (channels, in_h, in_w);
 * padding reads as zeros. @p planes: gan__conv_planes_floats(g) floats of scratch, or
 * NULL for the slower direct loops. */
void gan__im2col(float *col, size_t ldcol, const float *im, const gan__conv_geom *g,
                 float *planes);

/* im (channels, in_h, in_w) <- the columns folded back (the adjoint of im2col), adding
 * each image element's contributions in the same order as gan__col2im_add onto zeros.
 * @p planes as for gan__im2col. */
void gan__col2im(float *im, const float *col, size_t ldcol, const gan__conv_geom *g,
                 float *planes);

/* im (channels, in_h, in_w) += the columns folded back, directly. */
void gan__col2im_add(float *im, const float *col, size_t ldcol, const gan__conv_geom *g);

/* The grid points o with 0 <= o*stride - pad + k < in, as [*lo, *hi). */
void gan__conv_valid_range(int32_t out, int32_t in, int32_t stride, int32_t pad, int32_t k,
                           int32_t *lo, int32_t *hi);

/* The padded, phase-split planes of gan__conv_planes_floats: `rows` padded rows of
 * `width` floats per phase, `phases` = stride_w of them. */
typedef struct gan__conv_planes {
    int32_t rows, width, phases;
} gan__conv_planes;

gan__conv_planes gan__conv_planes_of(const gan__conv_geom *g);

#endif
