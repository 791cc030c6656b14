/* libgan: models built layer by layer, chains or graphs, and their forward/backward passes. */
#ifndef GAN_MODEL_H
#define GAN_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gan/export.h>
#include <gan/layer.h>
#include <gan/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A model: an input shape and a stack of layers, with one parameter arena, one gradient
 * arena of the same layout, and activation memory sized for one batch size.
 *
 * Life cycle: gan_model_create() -> gan_model_add() for each layer (shapes are checked
 * here) -> gan_model_build() (allocates and initialises) -> forward/backward as often as
 * needed. Forward, backward and zero_grad never allocate.
 *
 * Thread safety: distinct models may be used from different threads at once; one model
 * must not be used from two threads at the same time.
 */
typedef struct gan_model gan_model_t;

/** Memory hooks for one model's arenas. Both functions must be set. */
typedef struct gan_allocator {
    size_t struct_size; /**< sizeof(gan_allocator_t) */
    /** Return @p size bytes aligned to @p alignment (a power of two), or NULL. */
    void *(*alloc)(void *user, size_t size, size_t alignment);
    /** Release memory from alloc. Never called with NULL. */
    void (*free)(void *user, void *ptr);
    void *user; /**< passed to both */
} gan_allocator_t;

/** Creation settings; fill with gan_model_options_init(). */
typedef struct gan_model_options {
    size_t struct_size;               /**< sizeof(gan_model_options_t), set by _init */
    uint64_t seed;                    /**< seeds initialisation and dropout (default 42) */
    const gan_allocator_t *allocator; /**< NULL for the C library's; copied at create */
    const char *name;                 /**< for summaries and errors (default "model"); copied */
} gan_model_options_t;

/**
 * @brief Fill @p opts with defaults (seed 42, default allocator, name "model").
 * @param opts the struct to fill.
 * @param struct_size sizeof(*opts) as the caller was compiled with.
 * @return GAN_OK; GAN_E_INVALID_ARG if opts is NULL or struct_size is too small.
 * Thread-safe.
 */
GAN_API gan_status gan_model_options_init(gan_model_options_t *opts, size_t struct_size);

/**
 * @brief Create an empty model for inputs of the given shape (without the batch
 *        dimension): {100} for a latent vector, {1, 28, 28} for an MNIST image.
 * @param out receives the model; *out is set to NULL on failure.
 * @param input_dims the shape, each dimension >= 1.
 * @param ndim 1 to 4.
 * @param opts NULL for the defaults.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL pointers, bad options struct),
 *         GAN_E_OUT_OF_RANGE (ndim or a dimension), GAN_E_NO_MEMORY.
 */
GAN_API gan_status gan_model_create(gan_model_t **out, const int32_t *input_dims,
                                    int32_t ndim, const gan_model_options_t *opts);

/** @brief Free a model and every layer it owns. NULL is a no-op. */
GAN_API void gan_model_destroy(gan_model_t *model);

/**
 * @brief Append a layer. Its input shape (the previous layer's output) is checked now.
 * @param layer on GAN_OK the model owns it (do not destroy it); on failure the caller
 *        still owns it.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL, or the layer already belongs to a model),
 *         GAN_E_SHAPE (the layer does not fit; the message names the layer and both
 *         shapes), GAN_E_STATE (the model is already built), GAN_E_OUT_OF_RANGE (the
 *         model already has INT32_MAX layers), GAN_E_NO_MEMORY.
 */
GAN_API gan_status gan_model_add(gan_model_t *model, gan_layer_t *layer);

/**
 * @name Graph models
 * A model is a graph: each layer reads one or more nodes, a node being a model input or
 * an earlier layer's output. gan_model_add() reads the layer added just before (or
 * input 0 for the first layer), so a model built with it alone is the plain stack it
 * always was. gan_model_connect() names the nodes a layer reads: a residual block's Add
 * reads the block's input and its last convolution, a U-Net decoder's Concat reads an
 * encoder layer. A node read by several layers receives the sum of their gradients.
 * @{
 */

/** The node id of model input @p k for gan_model_connect() (layer nodes are their
 *  indices, >= 0; -1 means the last layer where a function says so). */
#define GAN_MODEL_INPUT(k) (-2 - (int32_t)(k))

/** At most this many inputs and this many outputs per model. */
#define GAN_MODEL_MAX_IO 16

/**
 * @brief Add another model input (input 0 is the shape given to gan_model_create()):
 *        a second image, a text embedding, a class vector. Every input must be read
 *        by some layer when the model is built.
 * @param dims, ndim the shape without the batch dimension, as for gan_model_create().
 * @param node if not NULL, receives the input's node id, GAN_MODEL_INPUT(k).
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL model or dims), GAN_E_OUT_OF_RANGE (rank or
 *         a dimension; GAN_MODEL_MAX_IO inputs already), GAN_E_STATE (already built).
 */
GAN_API gan_status gan_model_add_input(gan_model_t *model, const int32_t *dims,
                                       int32_t ndim, int32_t *node);

/**
 * @brief Add a layer that reads the given nodes. Shapes are checked now; the message
 *        of a mismatch names the layer and every input with its shape.
 * @param layer on GAN_OK the model owns it; on failure the caller still owns it.
 * @param inputs node ids: layer indices that exist already (a layer reads only earlier
 *        layers, so no cycle can form), GAN_MODEL_INPUT(k) for input k, or -1 for the
 *        last layer added. A node may appear twice (Add(x, x) is 2x).
 * @param n_inputs 1 for ordinary layers; 1 or more for Add, Concat and Multiply.
 * @param node if not NULL, receives the layer's index (its node id).
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL, the layer already belongs to a model, a
 *         layer kind that takes one input given several), GAN_E_OUT_OF_RANGE (a node
 *         that does not exist, n_inputs < 1), GAN_E_SHAPE (the inputs do not fit or do
 *         not merge), GAN_E_STATE (already built), GAN_E_NO_MEMORY.
 */
GAN_API gan_status gan_model_connect(gan_model_t *model, gan_layer_t *layer,
                                     const int32_t *inputs, int32_t n_inputs,
                                     int32_t *node);

/**
 * @brief Choose the model's outputs (default: the last layer). Output 0 is what
 *        gan_model_forward() returns and gan_model_backward() differentiates; the
 *        _multi calls see all of them. An output may also feed later layers.
 * @param nodes distinct layer indices (-1: the last layer).
 * @param n 1 to GAN_MODEL_MAX_IO.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL, a layer twice), GAN_E_OUT_OF_RANGE (n or
 *         an index), GAN_E_STATE (already built).
 */
GAN_API gan_status gan_model_set_outputs(gan_model_t *model, const int32_t *nodes,
                                         int32_t n);

/**
 * @brief Numbers of inputs and outputs.
 * @param n_inputs, n_outputs either may be NULL.
 * @return GAN_OK; GAN_E_INVALID_ARG (model NULL).
 */
GAN_API gan_status gan_model_get_io_count(const gan_model_t *model, int32_t *n_inputs,
                                          int32_t *n_outputs);

/**
 * @brief Shape of model input @p k (without the batch dimension).
 * @param k the input, 0 to the number of inputs - 1.
 * @param dims receives up to 4 dimensions.
 * @param ndim receives the rank.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL), GAN_E_OUT_OF_RANGE (k).
 */
GAN_API gan_status gan_model_get_input_shape_at(const gan_model_t *model, int32_t k,
                                                int32_t dims[4], int32_t *ndim);

/**
 * @brief The layer index of output @p k (its shape: gan_model_get_output_shape()).
 * @param k the output, 0 to the number of outputs - 1.
 * @param index receives the layer index.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL), GAN_E_OUT_OF_RANGE (k; no layers yet).
 */
GAN_API gan_status gan_model_get_output_node(const gan_model_t *model, int32_t k,
                                             int32_t *index);

/**
 * @brief The nodes layer @p index reads.
 * @param index the layer index, or -1 for the last layer.
 * @param inputs receives up to @p capacity node ids (may be NULL when capacity is 0).
 * @param capacity the number of ids @p inputs has room for (0 to ask for the count).
 * @param n_inputs receives how many the layer reads (may exceed capacity).
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL), GAN_E_OUT_OF_RANGE (index).
 */
GAN_API gan_status gan_model_get_layer_inputs(const gan_model_t *model, int32_t index,
                                              int32_t *inputs, int32_t capacity,
                                              int32_t *n_inputs);

/**
 * @brief Forward pass of a model with several inputs or outputs.
 * @param inputs one (batch, input k shape) array per input, copied.
 * @param labels batch class ids for models with a Condition layer, else NULL.
 * @param batch must equal the built batch size.
 * @param outputs if not NULL, an array of one pointer per output, receiving each
 *        output's (batch, shape) tensor, valid as gan_model_forward()'s.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL model or inputs, a NULL inputs[k], labels
 *         missing where needed), GAN_E_STATE (not built), GAN_E_BATCH_SIZE,
 *         GAN_E_OUT_OF_RANGE (a label or an embedding id), GAN_E_BACKEND, as
 *         gan_model_forward().
 */
GAN_API gan_status gan_model_forward_multi(gan_model_t *model, const float *const *inputs,
                                           const int32_t *labels, int32_t batch,
                                           const float **outputs);

/**
 * @brief Backward pass of a model with several outputs or inputs: the loss is the sum
 *        of one term per output, and @p doutputs[k] is d loss / d output k.
 * @param doutputs one pointer per output; NULL for an output the loss does not use.
 *        At least one must be set.
 * @param dinputs NULL to skip input gradients, or an array of one pointer per input,
 *        each receiving that input's gradient (zeros where no path leads), owned by
 *        the model as gan_model_backward()'s.
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_STATE (no forward since build or batch
 *         change), GAN_E_BACKEND, as gan_model_backward().
 */
GAN_API gan_status gan_model_backward_multi(gan_model_t *model,
                                            const float *const *doutputs,
                                            const float **dinputs);

/** @} */

/**
 * @brief Allocate the arenas for @p batch_size and initialise every parameter from the
 *        model's seed. After this no layer can be added.
 * @param batch_size the batch size every pass will use, >= 1 (see
 *        gan_model_set_batch_size()).
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE (batch_size < 1), GAN_E_STATE
 *         (already built, or no layers), GAN_E_NO_MEMORY (the model is left unbuilt).
 */
GAN_API gan_status gan_model_build(gan_model_t *model, int32_t batch_size);

/**
 * @brief Re-size the activation memory for another batch size. Parameters, gradients
 *        and running statistics are kept. A no-op when the size is unchanged.
 * @param batch_size the new batch size, >= 1.
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE, GAN_E_STATE (not built),
 *         GAN_E_NO_MEMORY (the old size stays in force).
 */
GAN_API gan_status gan_model_set_batch_size(gan_model_t *model, int32_t batch_size);

/** @brief The batch size the model is built for. @param batch_size receives it.
 *  @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_STATE. */
GAN_API gan_status gan_model_get_batch_size(const gan_model_t *model, int32_t *batch_size);

/** The largest part count gan_model_set_parts() takes. */
#define GAN_MODEL_MAX_PARTS 256

/**
 * @brief Fix how many parts a batch is cut into for the model's parallel work
 *        (convolutions, batch normalisation, element-wise layers), whatever the number
 *        of threads. Where a sum runs over the batch (a convolution's weight
 *        gradient), each part's sum is computed whole and the parts' sums are added in
 *        part order; elsewhere the cut splits no sum. So the part count, not the thread
 *        count, decides the result: a model with 2 parts trains bit for bit the same
 *        with gan_set_num_threads(1) as with 2 (the threads take the parts in turn),
 *        provided the BLAS runs single-threaded in both (gan_blas_set_num_threads(1)):
 *        OpenBLAS's multi-threaded products do not add in the order of its
 *        single-threaded ones, and the pool gives the BLAS back its own thread count
 *        when it is at 1 thread. By default (0) the part count follows the thread
 *        count in force when the model is built or re-sized, as before this setting
 *        existed.
 * @param model the model, built or not. On a built model the batch memory is laid out
 *        again (it allocates, and the last forward pass is forgotten).
 * @param parts 1 to GAN_MODEL_MAX_PARTS, or 0 to follow the thread count. A part count
 *        above the batch size works as the batch size for the layers that cut by image.
 * @return GAN_OK; GAN_E_INVALID_ARG (model NULL), GAN_E_OUT_OF_RANGE (parts outside
 *         [0, GAN_MODEL_MAX_PARTS]), GAN_E_NO_MEMORY (built model: it keeps its old
 *         part count and memory). Not thread-safe against passes of the same model.
 */
GAN_API gan_status gan_model_set_parts(gan_model_t *model, int32_t parts);

/**
 * @brief The part count of gan_model_set_parts().
 * @param model the model.
 * @param parts receives, for a built model, the part count in force; for a model not
 *        yet built, the setting (0: it will follow the thread count at build).
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL argument). Thread-safe.
 */
GAN_API gan_status gan_model_get_parts(const gan_model_t *model, int32_t *parts);

/**
 * A reduction hook (gan_model_set_reduce_hook()): called by the layers whose training-mode
 * results depend on statistics over the batch — BatchNorm — with sums over this process's
 * batch, to be replaced in place by the sums over a global batch, e.g. an all-reduce with
 * MPI_SUM across the ranks of data-parallel training (synchronised batch normalisation).
 * Every process must make the same calls in the same order, which it does when they run
 * the same model through the same passes. BatchNorm calls it three times per training
 * step of a layer: in forward with its C per-channel sums of x and then the sample count
 * (C + 1 values), then with the C per-channel sums of squared deviations from the global
 * mean; in backward (when the gradient of its input is needed) with the C sums of dy then
 * the C sums of dy times the normalised input (2C values). Its parameter gradients stay
 * this process's own (a gradient hook averages them with the rest).
 *
 * @param user the pointer given to gan_model_set_reduce_hook().
 * @param layer the index of the calling layer in the model.
 * @param sums (count) the sums, in double, valid for the call only.
 * @param count the number of sums.
 * @return GAN_OK; any other status ends the pass with it (the message names the model and
 *         the layer, after the hook's own message set with gan_set_error()).
 */
typedef gan_status (*gan_reduce_hook_fn)(void *user, int32_t layer, double *sums,
                                         size_t count);

/**
 * @brief Install (or remove) the model's reduction hook (synchronised batch normalisation
 *        across processes). Without one (the default), statistics are this process's
 *        batch's and the passes are as before this setting existed. Not saved in
 *        checkpoints.
 * @param model the model, built or not.
 * @param fn the hook, or NULL for none.
 * @param user passed to every call of @p fn; borrowed, it must outlive the hook's use.
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL model). Not thread-safe against passes of
 *         the same model.
 */
GAN_API gan_status gan_model_set_reduce_hook(gan_model_t *model, gan_reduce_hook_fn fn,
                                             void *user);

/**
 * @brief Forward pass of one batch.
 * @param input (batch, input shape) floats, row-major NCHW; copied, so it may be reused
 *        at once.
 * @param labels batch class ids for models with a Condition layer, else NULL.
 * @param batch must equal the built batch size.
 * @param output if not NULL, receives the (batch, output shape) result, owned by the
 *        model and valid until its next forward, set_batch_size or destroy.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL model/input, labels missing where needed),
 *         GAN_E_STATE (not built), GAN_E_BATCH_SIZE, GAN_E_OUT_OF_RANGE (a label or an
 *         embedding id outside [0, num_classes)), GAN_E_BACKEND (a user sgemm failed).
 */
GAN_API gan_status gan_model_forward(gan_model_t *model, const float *input,
                                     const int32_t *labels, int32_t batch,
                                     const float **output);

/**
 * @brief Backward pass for the last forward: gradients of a loss with respect to the
 *        parameters are ADDED to the gradient arena (unless the model is frozen, see
 *        gan_model_set_trainable()), and the gradient with respect to the input is
 *        computed if asked for. It differentiates the function the last forward
 *        computed: the training/inference mode of that forward applies, whatever the
 *        mode is now.
 * @param doutput (batch, output shape): d loss / d output.
 * @param dinput NULL to skip the input gradient (cheaper), or receives the
 *        (batch, input shape) gradient, owned by the model, valid until its next
 *        backward, set_batch_size or destroy.
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_STATE (no forward since build or batch
 *         change), GAN_E_BACKEND.
 */
GAN_API gan_status gan_model_backward(gan_model_t *model, const float *doutput,
                                      const float **dinput);

/**
 * @brief Backward pass that starts at the output of layer @p index instead of the model
 *        output (the layers above it are skipped): what feature matching needs, a loss
 *        on an intermediate layer's features.
 * @param index layer index, or -1 for the last layer (then it equals gan_model_backward).
 * @param doutput (batch, that layer's output shape).
 * @param dinput NULL to skip the input gradient, or receives it, as for
 *        gan_model_backward().
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_STATE (no forward since build or batch
 *         change), GAN_E_BACKEND, as gan_model_backward(); GAN_E_OUT_OF_RANGE (index);
 *         GAN_E_STATE when a later layer wrote over that layer's output (see
 *         gan_model_keep_layer_output()).
 */
GAN_API gan_status gan_model_backward_from(gan_model_t *model, int32_t index,
                                           const float *doutput, const float **dinput);

/** @brief Set every parameter gradient to 0. @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_STATE. */
GAN_API gan_status gan_model_zero_grad(gan_model_t *model);

/**
 * @brief Training mode (default; BatchNorm uses batch statistics and updates running
 *        ones, Dropout drops) or inference mode (running statistics, no dropout).
 * @param training true for training mode, false for inference mode.
 * @return GAN_OK; GAN_E_INVALID_ARG.
 */
GAN_API gan_status gan_model_set_training(gan_model_t *model, bool training);

/** @brief Whether the model is in training mode. @param training receives it.
 *  @return GAN_OK; GAN_E_INVALID_ARG. */
GAN_API gan_status gan_model_get_training(const gan_model_t *model, bool *training);

/**
 * @brief Freeze (false) or unfreeze (true, default) the parameters. A frozen model still
 *        back-propagates to its input but leaves its gradient arena untouched: what the
 *        generator step needs of the discriminator.
 * @param trainable false to freeze, true to unfreeze.
 * @return GAN_OK; GAN_E_INVALID_ARG.
 */
GAN_API gan_status gan_model_set_trainable(gan_model_t *model, bool trainable);

/** @brief Whether the parameters are trainable. @param trainable receives it.
 *  @return GAN_OK; GAN_E_INVALID_ARG. */
GAN_API gan_status gan_model_get_trainable(const gan_model_t *model, bool *trainable);

/**
 * @brief Restart the model's run-time random streams (dropout masks) from @p seed, so
 *        that a sequence of forward passes can be replayed exactly.
 * @param seed any value.
 * @return GAN_OK; GAN_E_INVALID_ARG.
 */
GAN_API gan_status gan_model_reseed(gan_model_t *model, uint64_t seed);

/** @brief Number of layers added so far. @param count receives it.
 *  @return GAN_OK; GAN_E_INVALID_ARG. */
GAN_API gan_status gan_model_get_layer_count(const gan_model_t *model, int32_t *count);

/**
 * @brief Borrow a layer (owned by the model) by index.
 * @param index the layer index, or -1 for the last layer.
 * @param layer receives the layer, owned by the model (do not destroy it).
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE (index).
 */
GAN_API gan_status gan_model_get_layer(const gan_model_t *model, int32_t index,
                                       gan_layer_t **layer);

/**
 * @brief Shape (without the batch dimension) of a layer's output; the model input's
 *        is given by gan_model_get_input_shape().
 * @param index layer index, or -1 for the last layer (the model output).
 * @param dims receives up to 4 dimensions.
 * @param ndim receives the rank.
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE (index; -1 with no layers).
 */
GAN_API gan_status gan_model_get_output_shape(const gan_model_t *model, int32_t index,
                                              int32_t dims[4], int32_t *ndim);

/** @brief Shape of the model input (input 0).
 *  @param dims receives up to 4 dimensions.
 *  @param ndim receives the rank.
 *  @return GAN_OK; GAN_E_INVALID_ARG. */
GAN_API gan_status gan_model_get_input_shape(const gan_model_t *model, int32_t dims[4],
                                             int32_t *ndim);

/**
 * @brief Borrow a layer's output from the last forward pass (e.g. the features for
 *        feature matching): (batch, shape of that layer's output).
 *
 * To save memory, activations, BatchNorm, Dropout and Reshape/Flatten run in their
 * input's buffer where the backward pass allows it, so the output of, say, a
 * convolution followed by BatchNorm and LeakyReLU is gone after the forward pass. Such
 * an output is refused (GAN_E_STATE, naming the layer that wrote over it) unless
 * gan_model_keep_layer_output() asked for it. The last layer's output is always kept.
 * @param index layer index, or -1 for the last layer.
 * @param output receives the (batch, shape) floats, owned by the model and valid until
 *        its next forward, set_batch_size or destroy.
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE, GAN_E_STATE (no forward yet, or
 *         the output was overwritten).
 */
GAN_API gan_status gan_model_get_layer_output(const gan_model_t *model, int32_t index,
                                              const float **output);

/**
 * @brief Keep layer @p index's output intact through the forward pass, for
 *        gan_model_get_layer_output() and gan_model_backward_from(). Call it before
 *        gan_model_build(); on a built model it lays the batch memory out again (it
 *        allocates, and the last forward pass is forgotten). Costs one more tensor of
 *        that layer's output shape at most.
 * @param index layer index, or -1 for the last layer.
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE (index), GAN_E_NO_MEMORY (built
 *         model; it is left as it was).
 */
GAN_API gan_status gan_model_keep_layer_output(gan_model_t *model, int32_t index);

/** @brief Total number of trainable parameters. Valid before build.
 *  @param count receives it.
 *  @return GAN_OK; GAN_E_INVALID_ARG. */
GAN_API gan_status gan_model_get_param_count(const gan_model_t *model, size_t *count);

/**
 * @brief The parameter arena: every trainable parameter, layer after layer, each layer's
 *        weights then bias, in the layouts documented per layer. Writable (e.g. to load
 *        weights); owned by the model, valid until destroy.
 * @param params receives the arena.
 * @param count receives its number of floats (the parameter count).
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_STATE (not built).
 */
GAN_API gan_status gan_model_get_params(gan_model_t *model, float **params, size_t *count);

/** @brief The gradient arena, laid out as the parameter arena; owned by the model,
 *  valid until destroy.
 *  @param grads receives the arena.
 *  @param count receives its number of floats (the parameter count).
 *  @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_STATE (not built), as
 *  gan_model_get_params(). */
GAN_API gan_status gan_model_get_grads(gan_model_t *model, float **grads, size_t *count);

/**
 * @brief Where a layer's parameters sit in the arenas.
 * @param index the layer index, or -1 for the last layer.
 * @param offset receives the index of the layer's first parameter in the arena.
 * @param count receives its number of parameters (weights and bias).
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE (index).
 */
GAN_API gan_status gan_model_get_layer_params(const gan_model_t *model, int32_t index,
                                              size_t *offset, size_t *count);

/**
 * @brief Turn per-layer profiling on or off. While on, every forward and backward pass
 *        of each layer adds its wall-clock time and the floating-point operations of its
 *        matrix products (2·m·n·k per product) to counters read with
 *        gan_model_get_layer_profile(). Turning it on resets the counters. The cost is
 *        two clock reads per layer and pass; off (the default) it is one branch.
 * @param enabled non-zero to turn on.
 * @return GAN_OK; GAN_E_INVALID_ARG (model NULL).
 */
GAN_API gan_status gan_model_set_profiling(gan_model_t *model, int enabled);

/**
 * @brief Read a layer's profile counters since profiling was turned on.
 * @param index the layer's position, or -1 for the last layer.
 * @param forward_seconds, backward_seconds time spent in the layer's passes (NULL to
 *        skip); backward includes spectral normalisation's share.
 * @param forward_flops, backward_flops floating-point operations of the matrix
 *        products in those passes (NULL to skip); elementwise work is not counted.
 * @return GAN_OK; GAN_E_INVALID_ARG (model NULL), GAN_E_OUT_OF_RANGE (index).
 */
GAN_API gan_status gan_model_get_layer_profile(const gan_model_t *model, int32_t index,
                                               double *forward_seconds,
                                               double *backward_seconds,
                                               double *forward_flops,
                                               double *backward_flops);

/**
 * @name Carried state of stateful recurrent layers
 * A stateful LSTM or GRU (gan_recurrent_options_t.stateful) keeps, for each row of the
 * batch, its h (hidden floats; an LSTM also its c) from one forward to the next, and
 * counts the steps run since the state was last reset (one count for the whole batch).
 * These functions read and write that state between forward calls, e.g. to branch
 * rollouts from a prefix: get the state and count after the prefix, run a rollout, set
 * them back, run the next one; or copy one row's state into every row to run many
 * continuations of one prefix. Each takes the layer's index (-1 for the last layer) in
 * a built model, fails with GAN_E_INVALID_ARG if that layer is not recurrent and
 * GAN_E_STATE if it is not stateful (or the model is not built). A backward pass after
 * a set still differentiates the last forward. Not thread-safe for one model.
 * @{
 */

/**
 * @brief Set the carried state of every row to zero and the step count to 0, as at
 *        build time: the next forward starts a new sequence.
 * @param index the recurrent layer's index, or -1 for the last layer.
 * @return GAN_OK; GAN_E_INVALID_ARG (model NULL, not recurrent), GAN_E_STATE (not
 *         built, not stateful), GAN_E_OUT_OF_RANGE (index).
 */
GAN_API gan_status gan_model_reset_recurrent_state(gan_model_t *model, int32_t index);

/**
 * @brief Copy out the carried state of rows [row, row + rows) of the batch.
 * @param index the recurrent layer's index, or -1 for the last layer.
 * @param row the first row, >= 0.
 * @param rows the number of rows; row + rows is at most the batch size.
 * @param h receives (rows, hidden) floats: h of each row after the last forward.
 * @param c an LSTM's: receives (rows, hidden) floats, c likewise. NULL for a GRU.
 * @return GAN_OK; GAN_E_INVALID_ARG (model or h NULL, c NULL for an LSTM or not NULL
 *         for a GRU, not recurrent), GAN_E_STATE (not built, not stateful),
 *         GAN_E_OUT_OF_RANGE (index, or the rows are not within [0, batch size)).
 */
GAN_API gan_status gan_model_get_recurrent_state(const gan_model_t *model, int32_t index,
                                                 int32_t row, int32_t rows, float *h,
                                                 float *c);

/**
 * @brief Copy in the carried state of rows [row, row + rows): the next forward starts
 *        those rows from it. Other rows and the step count are unchanged (see
 *        gan_model_set_recurrent_steps()).
 * @param index the recurrent layer's index, or -1 for the last layer.
 * @param row the first row, >= 0.
 * @param rows the number of rows; row + rows is at most the batch size.
 * @param h (rows, hidden) floats, read during the call only.
 * @param c an LSTM's (rows, hidden) floats, read during the call only; NULL for a GRU.
 * @return GAN_OK; GAN_E_INVALID_ARG (model or h NULL, c NULL for an LSTM or not NULL
 *         for a GRU, not recurrent), GAN_E_STATE (not built, not stateful),
 *         GAN_E_OUT_OF_RANGE (index, or the rows are not within [0, batch size)), as
 *         gan_model_get_recurrent_state().
 */
GAN_API gan_status gan_model_set_recurrent_state(gan_model_t *model, int32_t index,
                                                 int32_t row, int32_t rows, const float *h,
                                                 const float *c);

/**
 * @brief The number of steps the layer has run since its state was reset (build, a
 *        batch size change, gan_model_reset_recurrent_state()), or as last set.
 * @param index the recurrent layer's index, or -1 for the last layer.
 * @param steps receives the count.
 * @return GAN_OK; GAN_E_INVALID_ARG (model or steps NULL, not recurrent), GAN_E_STATE
 *         (not built, not stateful), GAN_E_OUT_OF_RANGE (index).
 */
GAN_API gan_status gan_model_get_recurrent_steps(const gan_model_t *model, int32_t index,
                                                 int32_t *steps);

/**
 * @brief Set the step count, e.g. back to the prefix's length together with its state
 *        before the next rollout. Only max_steps reads it.
 * @param index the recurrent layer's index, or -1 for the last layer.
 * @param steps in [0, max_steps], or >= 0 when the layer has no max_steps.
 * @return GAN_OK; GAN_E_INVALID_ARG (model NULL, not recurrent), GAN_E_STATE (not
 *         built, not stateful), GAN_E_OUT_OF_RANGE (index, steps).
 */
GAN_API gan_status gan_model_set_recurrent_steps(gan_model_t *model, int32_t index,
                                                 int32_t steps);

/** @} */

/**
 * @brief Write a table like Keras's model.summary(): one row per layer with its name,
 *        kind, output shape and parameter count, then the totals.
 * @param buf receives the NUL-terminated text, truncated to @p size bytes (may be NULL
 *        when size is 0).
 * @param size the size of @p buf in bytes.
 * @param length if not NULL, receives the full length without the NUL, so a caller can
 *        size the buffer with a first call.
 * @return GAN_OK (also when truncated); GAN_E_INVALID_ARG.
 */
GAN_API gan_status gan_model_summary(const gan_model_t *model, char *buf, size_t size,
                                     size_t *length);

#ifdef __cplusplus
}
#endif

#endif /* GAN_MODEL_H */
