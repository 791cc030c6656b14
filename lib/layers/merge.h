/* What the merge layers (Add, Multiply, Concat) share: N inputs checked against the
 * first. */
#ifndef GAN_LAYERS_MERGE_H
#define GAN_LAYERS_MERGE_H

#include "layers/layer.h"

/* Every input has the first input's shape; GAN_E_SHAPE naming the first that differs. */
gan_status gan__merge_same_shapes(const gan_layer_t *l);

/* Create a parameterless merge layer of @p ops. */
gan_status gan__merge_create(gan_layer_t **out, const gan__layer_ops *ops, const char *who);

#endif
