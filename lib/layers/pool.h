/* What the windowed poolings share: AvgPool2D and MaxPool2D (pool2d.c) and the global
 * poolings (global_pool.c), which are one window covering every position. */
#ifndef GAN_LAYERS_POOL_H
#define GAN_LAYERS_POOL_H

#include <stdbool.h>

#include "layers/layer.h"

/* Windows of kh x kw at strides sh, sw over each (h, w) plane, no padding, floor mode:
 * oh = (h - kh) / sh + 1. A plane is one channel of one sample. */
typedef struct gan__pool {
    gan_layer_t base;
    int32_t kernel, stride; /* as created; 0 for the global poolings */
    int32_t channels;
    int32_t h, w, kh, kw, sh, sw, oh, ow;
} gan__pool;

/* Allocate a pooling layer of @p ops with the given kernel and stride. */
gan_status gan__pool_alloc(gan_layer_t **out, const gan__layer_ops *ops, int32_t kernel,
                           int32_t stride, const char *who);

/* MaxPool's l->saved: the argmax of every output, (batch, C, oh, ow) int32 indices into
 * its input plane (row * w + column), stored in the float buffer. */
size_t gan__pool_max_saved(const gan_layer_t *l, int32_t batch);

/* y (batch, C, oh, ow) from x (batch, C, h, w), and the way back: write dx. */
gan_status gan__pool_avg_forward(gan_layer_t *l, const gan__ctx *c, const float *x, float *y);
gan_status gan__pool_avg_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                  const float *y, const float *dy, float *dx);
gan_status gan__pool_max_forward(gan_layer_t *l, const gan__ctx *c, const float *x, float *y);
gan_status gan__pool_max_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                  const float *y, const float *dy, float *dx);

/* Backward reads neither x nor y: the average needs only dy, the maximum its saved
 * argmax. So a following in-place layer may overwrite y. */
#define GAN__POOL_MEMORY (GAN__MEM_NO_X | GAN__MEM_NO_Y)

#endif
