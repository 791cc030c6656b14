/* The model's internals: layers in order, their arenas, and the backend. */
#ifndef GAN_MODEL_INTERNAL_H
#define GAN_MODEL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blas/blas.h"
#include "core/alloc.h"
#include "gan/model.h"
#include "layers/layer.h"
#include "tensor.h"

struct gan_model {
    gan__allocator alloc;
    char name[48];
    uint64_t seed;
    gan__shape in;
    gan_layer_t **layers;
    int32_t n_layers, cap_layers;
    bool built, training, trainable, forward_done, needs_labels;
    bool forward_training; /* the mode of the last forward, which backward differentiates */
    int32_t batch;
    gan__blas blas;

    /* Build-time arenas: parameters and gradients share one layout. */
    size_t n_params, n_state;
    float *params, *grads, *state;

    /* Batch arena: input copy, each layer's y, dy and saved, dinput, workspace. */
    float *batch_arena;
    int32_t *labels;
    float *input, *dinput, *workspace;
};

#endif
