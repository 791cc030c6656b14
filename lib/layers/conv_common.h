/* What Conv2D and Conv2DTranspose share: options, geometry, GEMM chunking. */
#ifndef GAN_LAYERS_CONV_COMMON_H
#define GAN_LAYERS_CONV_COMMON_H

#include <stdbool.h>

#include "core/pool.h"
#include "kernels/im2col.h"
#include "layers/layer.h"

typedef struct gan__conv {
    gan_layer_t base;
    gan_conv_options_t opt;
    bool transpose;
    /* Conv2D: the input is the image and the output the grid. Conv2DTranspose: the
     * output is the image and the input the grid (it is Conv2D's adjoint). */
    gan__conv_geom geom;
    int32_t other_channels; /* the grid side's channels: filters, or the transpose's C_in */
} gan__conv;

/* Create either kind from options (validated here). */
gan_status gan__conv_create(gan_layer_t **out, const gan_conv_options_t *opts,
                            const gan__layer_ops *ops, bool transpose, const char *who);

/* Create from the short argument list of the public _create functions. */
gan_status gan__conv_create_simple(gan_layer_t **out, int32_t filters, int32_t kernel,
                                   int32_t stride, int32_t padding,
                                   const gan__layer_ops *ops, bool transpose,
                                   const char *who);

gan_status gan__conv_configure(gan_layer_t *l);
size_t gan__conv_workspace(const gan_layer_t *l, int32_t batch);
void gan__conv_describe(const gan_layer_t *l, char *buf, size_t size);

/* Images per GEMM for this batch: as many as fit a bounded column buffer, so that the
 * products are large without the workspace growing with the batch. */
int32_t gan__conv_chunk(const gan__conv *c, int32_t batch);

/* Floats of the column buffer per image (rows x grid). */
size_t gan__conv_col_floats(const gan__conv *c);

/* What one part of a forward or backward pass works with: images [n_begin, n_end) in
 * chunks of at most `chunk`. Its workspace slice holds the column buffer (rows,
 * chunk*grid), then `tmp` (other_channels, chunk*grid) for tensors reordered between
 * NCHW and the channel-major layout of the batched GEMMs, then the planes of
 * gan__im2col and gan__col2im. */
typedef struct gan__conv_pass {
    const gan__conv_geom *g;
    int32_t other;     /* the grid side's channels */
    int32_t rows;      /* g->channels * kh * kw */
    int32_t chunk;     /* images per GEMM */
    int32_t parts, n_begin, n_end;
    size_t grid;       /* grid points per image */
    size_t in_size, out_size;
    float *col, *tmp, *planes;
    float *dw;         /* where this part adds its weight gradient: the gradient arena
                        * for part 0, a private copy (zeroed by its first chunk) else */
} gan__conv_pass;

gan__conv_pass gan__conv_pass_begin(const gan_layer_t *l, const gan__ctx *c, int32_t part);

/* Multiply-adds times 2 of one product of the pass over @p images images. */
static inline uint64_t gan__conv_flops(const gan__conv_pass *p, int32_t images)
{
    return 2ull * (uint64_t)p->other * (uint64_t)p->rows * p->grid * (uint64_t)images;
}

/* Images in the chunk starting at image n0. */
static inline int32_t gan__conv_chunk_at(const gan__conv_pass *p, int32_t n0)
{
    return p->n_end - n0 < p->chunk ? p->n_end - n0 : p->chunk;
}

/* Whether this Conv2D pass runs on the direct kernels (kernels/conv_direct.h) with the
 * part's workspace slice as their scratch, instead of im2col and the backend's GEMM. */
bool gan__conv_direct(const gan_layer_t *l, const gan__ctx *c);

/* The bias gradient += dy (batch, channels, inner) summed per channel, the channels
 * split over the layer's parts (each channel's sum as gan__sum_channels makes it). */
void gan__conv_bias_grad(const gan_layer_t *l, const gan__ctx *c, const float *dy,
                         int32_t channels, size_t inner);
/* Pack the layer's weights for its direct forward pass, or with @p input_grad for its
 * direct input gradient, into gan__conv_direct_pack, the parts side by side. */
void gan__conv_direct_pack_weights(const gan_layer_t *l, const gan__ctx *c, bool input_grad);
/* Where a direct pass keeps the weights it packs once for all its parts. */
float *gan__conv_direct_pack(const gan_layer_t *l, const gan__ctx *c);

/* Run @p fn (a gan__part_fn taking @p job) over the layer's parts; with @p weight_grads,
 * then add the private weight gradients of parts 1.. into the gradient arena. */
gan_status gan__conv_run(gan_layer_t *l, const gan__ctx *c, gan__part_fn fn, void *job,
                         bool weight_grads);

/* What a part function needs of its pass. */
typedef struct gan__conv_job {
    gan_layer_t *l;
    const gan__ctx *c;
    const float *x, *dy;
    float *y, *dx;
} gan__conv_job;

#endif
