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
    int32_t parts; /* gan_set_num_threads() when built or re-sized */
    gan__blas blas;
    bool profiling;
    atomic_ullong profile_flops; /* blas.flops points here while profiling */

    /* Build-time arenas: parameters and gradients share one layout. */
    size_t n_params, n_state;
    float *params, *grads, *state;

    /* Batch arena: input copy, each layer's y and saved, two shared gradient buffers,
     * dinput, workspace. */
    float *batch_arena;
    int32_t *labels;
    float *input, *dinput, *workspace;
};

/* Every layer's run-time random stream, n_layers entries: saved and restored so that a
 * pass can be repeated with the same dropout masks. */
void gan__model_streams_save(const gan_model_t *m, gan__rng *dst);
void gan__model_streams_restore(gan_model_t *m, const gan__rng *src);

/* One profiled layer pass (pass 0 forward, 1 backward): its time and the flops added
 * since @p start, a gan__profile_begin() value; a no-op unless the model profiles. */
typedef struct gan__profile_mark {
    double seconds, flops;
} gan__profile_mark;
gan__profile_mark gan__profile_begin(const gan_model_t *m);
void gan__profile_end(const gan_model_t *m, gan_layer_t *l, int pass,
                      gan__profile_mark start);

/* Resolve a layer index where -1 means the last layer; GAN_E_OUT_OF_RANGE naming @p who
 * otherwise. */
gan_status gan__layer_at(const gan_model_t *m, int32_t index, const char *who,
                         gan_layer_t **l);

/* Number of label classes the model's Condition layers expect (0: unconditional). */
int32_t gan__model_classes(const gan_model_t *m);

/* Floats of a layer's slice of the state arena: its kind's own state (ops->state_floats)
 * and then spectral normalisation's u and v. */
size_t gan__layer_state_floats(const gan_layer_t *l);

/* GAN_E_INVALID_ARG for a NULL model, GAN_E_STATE for an unbuilt one, each message
 * naming @p who; GAN_OK otherwise. */
gan_status gan__require_built(const gan_model_t *m, const char *who);

#endif
