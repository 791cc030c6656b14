/* Spectral normalisation of a layer's weights, wrapped around its forward and backward. */
#ifndef GAN_LAYERS_SPECTRAL_NORM_H
#define GAN_LAYERS_SPECTRAL_NORM_H

#include <stddef.h>
#include <stdint.h>

#include "layers/layer.h"

/* Floats of persistent state for u and v (0 when off); the model puts them behind the
 * layer's own state (ops->state_floats). */
size_t gan__sn_state_floats(const gan_layer_t *l);

/* Floats of the batch arena that hold W / sigma from forward to backward (0 when off);
 * the model points l->sn.w at them. */
size_t gan__sn_shadow_floats(const gan_layer_t *l);

/* Workspace one forward or backward of the layer needs: its own (ops->workspace_floats)
 * and, when on, room in front of it for the gradient with respect to W / sigma. */
size_t gan__sn_workspace_floats(const gan_layer_t *l, int32_t batch);

/* At build, once l->state is set: point u and v behind the layer's own state and draw
 * them from @p seed. Nothing when off. */
void gan__sn_reset(gan_layer_t *l, uint64_t seed);

/* The layer's forward. When on, it first runs one power iteration in training mode,
 * then computes with W / sigma in place of W. */
gan_status gan__sn_forward(gan_layer_t *l, const gan__ctx *c, const float *x, float *y);

/* The layer's backward for the last forward. When on, it runs with W / sigma and turns
 * the weight gradient it gives into the gradient with respect to the raw W, which it
 * adds to the gradient arena. */
gan_status gan__sn_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                            const float *y, const float *dy, float *dx);

#endif
