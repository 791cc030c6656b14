/* The internal layer interface: a vtable per kind plus the fields every layer has. */
#ifndef GAN_LAYERS_LAYER_H
#define GAN_LAYERS_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blas/blas.h"
#include "core/rng.h"
#include "gan/init.h"
#include "gan/layer.h"
#include "gan/model.h"
#include "tensor.h"

/* What a forward or backward call may use besides its tensors. */
typedef struct gan__ctx {
    int32_t batch;
    bool training;         /* BatchNorm batch statistics, dropout active */
    bool param_grads;      /* accumulate parameter gradients (false when frozen) */
    const gan__blas *blas;
    float *workspace;      /* >= ops->workspace_floats(layer, batch) floats, scratch */
    const int32_t *labels; /* batch class ids, or NULL */
    int32_t parts;         /* the batch splits into this many parts (core/pool.h) */
    gan_reduce_hook_fn reduce; /* sums over the batch to global sums, or NULL */
    void *reduce_user;
} gan__ctx;

#define GAN__PARAM_GROUPS 2

/* Time and matrix-product work of a layer's passes (gan_model_set_profiling). */
typedef struct gan__profile {
    double seconds[2]; /* forward, backward */
    double flops[2];
} gan__profile;

typedef struct gan__param {
    bool present;     /* the layer has this group (fixed at create) */
    size_t count;     /* set by configure */
    float *value;     /* into the model's parameter arena, set by build */
    float *grad;      /* same offset in the gradient arena */
    int32_t init_kind;
    float init_a, init_b;
    int32_t fan_in, fan_out; /* for Glorot/He, set by configure */
} gan__param;

/* Spectral normalisation of a layer's weights (layers/spectral_norm.c); zero when off. */
typedef struct gan__spectral {
    bool on;       /* chosen by gan_layer_set_spectral_norm before build */
    float sigma;   /* u^T W v of the last forward, which its backward divides by */
    float *u, *v;  /* (rows), (cols): persistent, behind the layer's own state */
    float *w;      /* (rows, cols) W / sigma in the batch arena, valid after a forward */
} gan__spectral;

/* Memory-sharing permissions of a layer kind (gan__layer_ops.memory). The model runs a
 * layer in its input's buffer when the layer and every earlier user of that buffer
 * allow it (model.c, gan__plan_sharing). */
enum {
    GAN__MEM_NO_X = 1u << 0,        /* backward never reads x */
    GAN__MEM_NO_Y = 1u << 1,        /* backward never reads y */
    GAN__MEM_SIGN_Y = 1u << 2,      /* backward reads only whether y > 0 */
    GAN__MEM_FWD_IN_PLACE = 1u << 3, /* forward is correct with y == x */
    GAN__MEM_BWD_IN_PLACE = 1u << 4, /* backward is correct with dx == dy */
    GAN__MEM_KEEPS_SIGN = 1u << 5,  /* y is x times a positive factor, or 0 where the
                                      * backward zeroes the gradient */
    GAN__MEM_VIEW = 1u << 6,        /* y is x under another shape; dx is dy */
};

typedef struct gan__layer_ops {
    const char *kind;
    /* l->in is set: validate it, set l->out and every present param's count and fans.
     * Report a mismatch with gan__fail; the model prefixes the layer's name. */
    gan_status (*configure)(gan_layer_t *l);
    /* Scratch needed by one forward or backward call; NULL means none. */
    size_t (*workspace_floats)(const gan_layer_t *l, int32_t batch);
    /* Per-batch memory kept from forward to backward (l->saved); NULL means none. */
    size_t (*saved_floats)(const gan_layer_t *l, int32_t batch);
    /* Persistent non-trainable state, e.g. running statistics (l->state); NULL: none. */
    size_t (*state_floats)(const gan_layer_t *l);
    void (*reset_state)(gan_layer_t *l);
    /* y (batch, out) from x (batch, in). */
    gan_status (*forward)(gan_layer_t *l, const gan__ctx *c, const float *x, float *y);
    /* From dy (batch, out): add parameter gradients if c->param_grads; write dx
     * (batch, in) unless it is NULL. x and y are the forward's tensors. */
    gan_status (*backward)(gan_layer_t *l, const gan__ctx *c, const float *x,
                           const float *y, const float *dy, float *dx);
    /* Merge layers (Add, Concat, Multiply) read several tensors: max_inputs > 1, and
     * forward_n / backward_n replace forward / backward. configure then sees l->n_in
     * shapes in l->ins. backward_n writes each dxs[k] that is not NULL. */
    int32_t max_inputs;
    gan_status (*forward_n)(gan_layer_t *l, const gan__ctx *c, const float *const *xs,
                            float *y);
    gan_status (*backward_n)(gan_layer_t *l, const gan__ctx *c, const float *const *xs,
                             const float *y, const float *dy, float *const *dxs);
    /* Settings for the summary, e.g. "5x5/2 same"; NULL means none. */
    void (*describe)(const gan_layer_t *l, char *buf, size_t size);
    /* Label classes the layer expects (it needs labels); NULL for none. */
    int32_t (*num_classes)(const gan_layer_t *l);
    bool needs_labels;
    /* What the model may share between this layer's tensors (GAN__MEM_* bits); 0, the
     * safe default, shares nothing. */
    unsigned memory;
    /* The weights may be spectrally normalised: seen as a matrix of (dim 0, the rest)
     * they are (count / fan_in, fan_in), PyTorch's fan_in being the product of the
     * other dimensions. */
    bool spectral_norm;
    /* A recurrent layer (LSTM, GRU): its struct starts with gan__rnn
     * (layers/recurrent.h), whose carried state the model's state functions reach. */
    bool recurrent;
} gan__layer_ops;

struct gan_layer {
    const gan__layer_ops *ops;
    char name[48];
    bool named;       /* the user chose the name */
    int32_t index;    /* position in its model, -1 while free */
    gan__shape in, out;       /* in: its first input's shape */
    /* The nodes it reads (model.h: a layer index, or an input as GAN_MODEL_INPUT(k)) and
     * their shapes; one input uses the inline src_one and in. Set by the model. */
    int32_t n_in;
    int32_t *src;
    gan__shape *ins;
    int32_t src_one;
    int32_t consumers;        /* how many inputs of later layers read y */
    bool is_output;           /* a model output */
    gan__param param[GAN__PARAM_GROUPS];
    float *state;     /* ops->state_floats floats in the model's state arena, then
                       * spectral normalisation's u and v */
    float *saved;     /* ops->saved_floats floats in the batch arena */
    float *y;         /* (batch, out) output; the input's buffer when shares_input */
    bool shares_input;      /* planned at layout: in place over, or a view of, its input */
    bool keep_output;       /* gan_model_keep_layer_output: never overwritten */
    int32_t overwritten_by; /* index of the first later layer that writes over y, or -1 */
    float *dy;        /* (batch, out) gradient of the output, written by its readers;
                       * buffers are shared between layers whose gradients are not
                       * alive at once (memory_plan.c) */
    gan__rng rng;     /* run-time stream (dropout masks) */
    gan__spectral sn;
    gan__profile profile; /* accumulated while the model profiles */
    int32_t parts;        /* the model's part count, set before workspace_floats */
};

/* Allocate a zeroed layer of @p bytes (a struct that starts with gan_layer_t) and set the
 * common defaults: weights N(0, 0.02), biases zeros. */
gan_status gan__layer_alloc(gan_layer_t **out, size_t bytes, const gan__layer_ops *ops,
                            const char *who);

/* Fill a parameter group with its initialiser, drawing from @p rng. */
void gan__param_init(gan__param *p, gan__rng *rng);

/* The rows of a per-row layer's products (Dense, Highway): one per sample for an input
 * (F), one per time step for a sequence (T,F), i.e. batch * T. A batch whose rows do not
 * fit the int32 of the GEMM interface is refused with GAN_E_OUT_OF_RANGE. */
gan_status gan__layer_rows(const gan_layer_t *l, const gan__ctx *c, int32_t *rows);

/* Checks shared by the create functions. */
gan_status gan__check_out(const void *out, const char *who);

#endif
