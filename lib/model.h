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

/* A model input: its shape and its batch tensors. */
typedef struct gan__model_input {
    gan__shape shape;
    float *x, *dx;     /* (batch, shape) in the batch arena */
    int32_t consumers; /* how many layer inputs read it */
} gan__model_input;

/* Memory a pass uses only while it runs (gan__batch_layout says which): one block per
 * model, or one for several models that are never run at once (gan__scratch_share). The
 * header starts the block; the floats start on the next cache line. */
typedef struct gan__scratch {
    gan__allocator alloc; /* the allocating model's */
    size_t floats;
    int32_t users;
} gan__scratch;

/* Per-layer scratch of a backward pass, allocated at build (n_layers entries). */
typedef struct gan__pass_state {
    const float *dy;   /* the gradient the layer's backward reads; NULL: none reached */
    const float *seed; /* a caller's d output for this layer (an output or backward_from) */
    bool needs_grad;   /* something at or below it takes a gradient */
    /* The memory planner's scratch: the gradient buffer of layer i, and, indexed by
     * buffer, its size and whether it is taken. */
    int32_t plan_buffer;
    size_t plan_floats;
    bool plan_busy;
} gan__pass_state;

struct gan_model {
    gan__allocator alloc;
    char name[48];
    uint64_t seed;
    gan__shape in; /* input 0's shape, inputs[0].shape */
    gan__model_input inputs[GAN_MODEL_MAX_IO];
    int32_t n_inputs;
    int32_t outputs[GAN_MODEL_MAX_IO]; /* layer indices; none set: the last layer */
    int32_t n_outputs;
    bool graph; /* built with more than gan_model_add (changes only the summary) */
    gan_layer_t **layers;
    int32_t n_layers, cap_layers;
    bool built, training, trainable, forward_done, needs_labels;
    bool forward_training; /* the mode of the last forward, which backward differentiates */
    int32_t batch;
    int32_t parts;        /* in force: parts_setting, or the pool size when built or re-sized */
    int32_t parts_setting; /* gan_model_set_parts(); 0: follow the pool */
    gan_reduce_hook_fn reduce; /* gan_model_set_reduce_hook(); NULL when none */
    void *reduce_user;
    gan__blas blas;
    bool profiling;
    atomic_ullong profile_flops; /* blas.flops points here while profiling */

    /* Build-time arenas: parameters and gradients share one layout. */
    size_t n_params, n_state;
    float *params, *grads, *state;

    /* Batch arena: the inputs and their gradients, each layer's y and saved, the
     * labels. The scratch: gradient buffers, accumulation slots, workspace, packing
     * space (gan__batch_layout); scratch_need is what this model's layout uses of it. */
    float *batch_arena;
    gan__scratch *scratch;
    size_t scratch_need;
    int32_t *labels;
    float *input, *dinput, *workspace; /* input, dinput: inputs[0].x and .dx */
    /* Gradients of a tensor read by several layers are summed: each reader after the
     * first writes its share into a scratch slot, then adds it (memory_plan.c). */
    float *accum;
    int32_t accum_slots;
    size_t accum_floats; /* per slot */

    /* Build-time scratch of the passes: one entry per layer, and pointer arrays as
     * long as the widest merge. */
    gan__pass_state *pass;
    const float **xs;
    float **dxs, **acc_to; /* acc_to[k]: where input k's share is added, or NULL */
    int32_t max_in;
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

/* The layer behind output @p k (k < number of outputs; there is at least one layer). */
gan_layer_t *gan__model_output(const gan_model_t *m, int32_t k);
int32_t gan__model_output_count(const gan_model_t *m);
/* One input, one output (the last layer), each layer reading the one before: what
 * gan_model_add alone builds, however the model was built. */
bool gan__model_wired_as_chain(const gan_model_t *m);

/* The output tensor of node @p id (a layer index or GAN_MODEL_INPUT(k)), its gradient
 * buffer and its shape. */
float *gan__node_y(const gan_model_t *m, int32_t id);
float *gan__node_dy(const gan_model_t *m, int32_t id);
const gan__shape *gan__node_shape(const gan_model_t *m, int32_t id);
int32_t gan__node_consumers(const gan_model_t *m, int32_t id);

/* Plan which layers run in their input's buffer and lay the batch arena and the
 * scratch out for @p batch; with arena NULL only the sizes are computed. Returns the
 * arena's floats, *scratch_floats the scratch's (memory_plan.c). */
size_t gan__batch_layout(gan_model_t *m, int32_t batch, float *arena, float *scratch,
                         size_t *scratch_floats);

/* A scratch block of @p floats, one user, or NULL (scratch.c). */
gan__scratch *gan__scratch_new(const gan__allocator *alloc, size_t floats);
/* Its floats (NULL for NULL). */
float *gan__scratch_floats(gan__scratch *s);
/* One user fewer; the last frees it. NULL is ignored. */
void gan__scratch_drop(gan__scratch *s);
/* Let @p n built models (NULLs skipped) share one scratch block as large as the largest
 * need. Only for models no caller runs at once: a trainer's networks. GAN_E_NO_MEMORY
 * naming @p who leaves each its own block. */
gan_status gan__scratch_share(gan_model_t *const *models, int32_t n, const char *who);
/* Give @p m (NULL ignored) its own scratch block again; if that cannot be allocated it
 * keeps sharing, which is safe as long as the models are not run at once. */
void gan__scratch_unshare(gan_model_t *m);
/* (Re-)allocate a built model's batch arena for @p batch: the part count in force is
 * taken again, and on failure the model keeps its arena and parts (model.c). */
gan_status gan__model_resize(gan_model_t *m, int32_t batch, const char *who);
void gan__plan_sharing(gan_model_t *m);

/* At build: a graph in which every input and every layer leads to an output. */
gan_status gan__graph_check(const gan_model_t *m, const char *who);

/* Allocate and free the passes' scratch (m->pass, m->xs, m->dxs). */
gan_status gan__pass_alloc(gan_model_t *m, const char *who);
void gan__pass_free(gan_model_t *m);

/* GAN_E_STATE when a later layer ran in @p l's output buffer, naming @p who. */
gan_status gan__require_output_kept(const gan_model_t *m, const gan_layer_t *l,
                                    const char *who);

/* Free a layer's input lists (not the layer). */
void gan__layer_release_inputs(gan_model_t *m, gan_layer_t *l);

/* A short name of node @p id for the summary: the layer's name or "input1". */
void gan__node_label(const gan_model_t *m, int32_t id, char *buf, size_t size);

/* The context of a pass. */
gan__ctx gan__model_ctx(const gan_model_t *m, bool param_grads);

/* Layers' parameters present and non-empty. */
bool gan__layer_has_params(const gan_layer_t *l);

#endif
