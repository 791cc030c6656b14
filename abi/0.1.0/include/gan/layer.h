/* libgan: layers, the building blocks a model is stacked from. */
#ifndef GAN_LAYER_H
#define GAN_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gan/export.h>
#include <gan/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A layer. Create it with one of the gan_layer_*_create functions, then hand it to
 * gan_model_add(), which takes ownership on success. A layer that was never added
 * is freed with gan_layer_destroy().
 *
 * Shapes exclude the batch dimension: a flat feature vector is (F), an image is
 * (C,H,W). Batches are stored row-major, NCHW, float32.
 *
 * Thread safety: the constructors share nothing and may run on any thread at once; one
 * layer must not be used from two threads at the same time, and a layer a model owns
 * is used through that model (one thread at a time per model).
 */
typedef struct gan_layer gan_layer_t;

/** Padding modes for Conv2D and Conv2DTranspose (the int32_t `padding` argument). */
enum {
    /** Conv2D: out = ceil(in/stride). Conv2DTranspose: out = in*stride. The total
     *  padding is split as TensorFlow does: the extra row/column goes bottom/right. */
    GAN_PADDING_SAME = 0,
    /** No padding. Conv2D: out = floor((in-k)/stride)+1. Transpose: (in-1)*stride+k. */
    GAN_PADDING_VALID = 1,
    /** pad_top/pad_bottom/pad_left/pad_right of gan_conv_options_t, PyTorch style. */
    GAN_PADDING_EXPLICIT = 2
};

/**
 * Full settings of a Conv2D or Conv2DTranspose layer. Fill with gan_conv_options_init()
 * (which also sets struct_size), then change the fields you need.
 */
typedef struct gan_conv_options {
    size_t struct_size;       /**< sizeof(gan_conv_options_t), set by _init */
    int32_t filters;          /**< output channels, >= 1 */
    int32_t kernel_h;         /**< kernel height, >= 1 (default 5) */
    int32_t kernel_w;         /**< kernel width, >= 1 (default 5) */
    int32_t stride_h;         /**< vertical stride, >= 1 (default 1) */
    int32_t stride_w;         /**< horizontal stride, >= 1 (default 1) */
    int32_t padding;          /**< GAN_PADDING_* (default GAN_PADDING_SAME) */
    int32_t pad_top;          /**< with GAN_PADDING_EXPLICIT: rows added above, >= 0 */
    int32_t pad_bottom;       /**< with GAN_PADDING_EXPLICIT: rows added below, >= 0 */
    int32_t pad_left;         /**< with GAN_PADDING_EXPLICIT: columns added left, >= 0 */
    int32_t pad_right;        /**< with GAN_PADDING_EXPLICIT: columns added right, >= 0 */
    int32_t output_padding_h; /**< Conv2DTranspose only: extra rows at the bottom, < stride_h */
    int32_t output_padding_w; /**< Conv2DTranspose only: extra columns at the right, < stride_w */
    int32_t use_bias;         /**< 1 to learn a per-filter bias (default), 0 for none */
} gan_conv_options_t;

/**
 * @brief Fill @p opts with the defaults (filters 1, 5x5 kernel, stride 1, same padding,
 *        bias on) and set its struct_size.
 * @param opts the struct to fill.
 * @param struct_size sizeof(*opts) as the caller was compiled with; must be at least
 *        the size of version 1 of the struct.
 * @return GAN_OK; GAN_E_INVALID_ARG if opts is NULL or struct_size is too small.
 * Thread-safe.
 */
GAN_API gan_status gan_conv_options_init(gan_conv_options_t *opts, size_t struct_size);

/**
 * @brief Fully connected layer: y = x W^T + b, W of shape (units, in_features).
 * @param out receives the new layer (caller owns it until gan_model_add succeeds).
 * @param units output features, >= 1.
 * @param use_bias true to learn a bias vector.
 * Input (F) gives (units). A sequence (T,F) gives (T, units): the same W and b at every
 * time step (Keras's Dense on a 3-D tensor, PyTorch's Linear on (N,T,F)), computed as
 * one product over the batch's N*T rows; W's F is then the last dimension. Other ranks
 * are refused by gan_model_add() with GAN_E_SHAPE; put a Flatten first for images.
 * @return GAN_OK; GAN_E_INVALID_ARG (out NULL), GAN_E_OUT_OF_RANGE (units < 1),
 *         GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_dense_create(gan_layer_t **out, int32_t units, bool use_bias);

/**
 * @brief 2-D convolution (cross-correlation, as in every DL framework) with a square
 *        kernel, equal strides and bias. A stride of 2 is the DCGAN downsampler:
 *        64x64 in gives 32x32 out with GAN_PADDING_SAME.
 * @param out receives the new layer.
 * @param filters output channels, >= 1.
 * @param kernel kernel height and width, >= 1.
 * @param stride stride in both directions, >= 1.
 * @param padding GAN_PADDING_SAME or GAN_PADDING_VALID (explicit pads: use _create_ex).
 * Input (C,H,W); weights (filters, C, kernel, kernel).
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE, GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_conv2d_create(gan_layer_t **out, int32_t filters,
                                           int32_t kernel, int32_t stride,
                                           int32_t padding);

/**
 * @brief 2-D convolution with every setting of gan_conv_options_t (rectangular kernels,
 *        per-axis strides, explicit asymmetric padding, no bias). output_padding must be 0.
 * @param out receives the new layer (the caller owns it until gan_model_add() succeeds).
 * @param opts the settings, filled by gan_conv_options_init(); read during the call only.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL, struct_size too small or unknown trailing
 *         bytes set), GAN_E_OUT_OF_RANGE (a field outside its range), GAN_E_NO_MEMORY.
 */
GAN_API gan_status gan_layer_conv2d_create_ex(gan_layer_t **out,
                                              const gan_conv_options_t *opts);

/**
 * @brief Transposed 2-D convolution (the gradient of Conv2D with respect to its input),
 *        the DCGAN upsampler: 64x64 in gives 128x128 out with stride 2 and
 *        GAN_PADDING_SAME. Weights (in_channels, filters, kernel, kernel) as in PyTorch.
 * @param out receives the new layer.
 * @param filters output channels, >= 1.
 * @param kernel kernel height and width, >= 1.
 * @param stride stride in both directions, >= 1 (the upsampling factor).
 * @param padding GAN_PADDING_SAME or GAN_PADDING_VALID (explicit pads: use _create_ex).
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE, GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_conv2d_transpose_create(gan_layer_t **out, int32_t filters,
                                                     int32_t kernel, int32_t stride,
                                                     int32_t padding);

/**
 * @brief Transposed convolution with every setting of gan_conv_options_t. With explicit
 *        padding the output is (in-1)*stride - pad_top - pad_bottom + kernel +
 *        output_padding (PyTorch's formula).
 * @param out receives the new layer (the caller owns it until gan_model_add() succeeds).
 * @param opts the settings, filled by gan_conv_options_init(); read during the call only.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL, struct_size too small or unknown trailing
 *         bytes set), GAN_E_OUT_OF_RANGE (a field outside its range), GAN_E_NO_MEMORY,
 *         as gan_layer_conv2d_create_ex().
 */
GAN_API gan_status gan_layer_conv2d_transpose_create_ex(gan_layer_t **out,
                                                        const gan_conv_options_t *opts);

/**
 * @brief Batch normalisation: per feature after Dense (input (F)), per channel after a
 *        convolution (input (C,H,W)). y = gamma * (x - mean) / sqrt(var + epsilon) + beta.
 *        Training mode normalises with the batch statistics (biased variance) and updates
 *        running = (1 - momentum) * running + momentum * batch (unbiased variance), the
 *        PyTorch convention; inference mode uses the running statistics.
 * @param out receives the new layer.
 * @param momentum in (0, 1]; PyTorch's default is 0.1 (Keras's 0.99 is 0.01 here).
 * @param epsilon > 0; typically 1e-5.
 * gamma is the GAN_PARAM_WEIGHT group (initialised to ones), beta GAN_PARAM_BIAS (zeros).
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE, GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_batchnorm_create(gan_layer_t **out, float momentum,
                                              float epsilon);

/**
 * @brief Leaky ReLU: y = x for x > 0, alpha * x otherwise. DCGAN uses alpha = 0.2.
 * @param out receives the new layer.
 * @param alpha slope for negative inputs, finite and in [0, 1).
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE, GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_leaky_relu_create(gan_layer_t **out, float alpha);

/** @brief ReLU: y = max(x, 0). @param out receives the new layer.
 *  @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_NO_MEMORY. Thread-safe. */
GAN_API gan_status gan_layer_relu_create(gan_layer_t **out);

/** @brief Tanh: the generator's last layer for images in [-1, 1].
 *  @param out receives the new layer.
 *  @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_NO_MEMORY. Thread-safe. */
GAN_API gan_status gan_layer_tanh_create(gan_layer_t **out);

/** @brief Logistic sigmoid 1/(1+exp(-x)). Losses take logits, so a discriminator
 *  normally ends without it. @param out receives the new layer.
 *  @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_NO_MEMORY. Thread-safe. */
GAN_API gan_status gan_layer_sigmoid_create(gan_layer_t **out);

/**
 * @brief Inverted dropout: in training mode each element is zeroed with probability
 *        @p rate and survivors are scaled by 1/(1-rate); in inference mode it is the
 *        identity. Masks come from the model's seeded generator (see
 *        gan_model_reseed()).
 * @param out receives the new layer.
 * @param rate in [0, 1).
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE, GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_dropout_create(gan_layer_t **out, float rate);

/**
 * @brief Reshape without copying semantics: the element count must match.
 * @param out receives the new layer.
 * @param dims the new shape without the batch dimension, e.g. {256, 7, 7}.
 * @param ndim 1 to 4.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL), GAN_E_OUT_OF_RANGE (ndim or a dimension
 *         < 1), GAN_E_NO_MEMORY. A mismatched element count is reported by
 *         gan_model_add() as GAN_E_SHAPE.
 */
GAN_API gan_status gan_layer_reshape_create(gan_layer_t **out, const int32_t *dims,
                                            int32_t ndim);

/** @brief Flatten (C,H,W) to (C*H*W). @param out receives the new layer.
 *  @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_NO_MEMORY. Thread-safe. */
GAN_API gan_status gan_layer_flatten_create(gan_layer_t **out);

/**
 * @brief Embedding: class id -> learned vector of @p dim floats. Its input has shape (1)
 *        and holds the class id as a float with an integral value; a value that is not
 *        an integer in [0, num_classes) fails the forward pass with GAN_E_OUT_OF_RANGE.
 *        Weights (num_classes, dim), initialised N(0, 1) by default.
 * @param out receives the new layer.
 * @param num_classes number of classes, >= 1.
 * @param dim length of each learned vector, >= 1.
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE, GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_embedding_create(gan_layer_t **out, int32_t num_classes,
                                              int32_t dim);

/**
 * @brief Embedding of a sequence of token ids: (T) -> (T, dim), row t of the output the
 *        table row of id t (TensorFlow's embedding_lookup, PyTorch's nn.Embedding on
 *        (N, T) ids). The input holds T >= 1 token ids per sample as floats with
 *        integral values; the output is (T, dim) even for T = 1, so that a Dense (per
 *        time step) or a recurrent layer after it sees the same rank at every length.
 *        An id that is not an integer in [0, num_classes) fails the forward pass with
 *        GAN_E_OUT_OF_RANGE, the message naming the layer, the sample, the position and
 *        the id. Weights (num_classes, dim), initialised N(0, 1) by default, as
 *        gan_layer_embedding_create(); the input gradient is 0 (ids are not
 *        differentiable).
 * @param out receives the new layer (caller owns it until gan_model_add succeeds).
 * @param num_classes the vocabulary size V, >= 1.
 * @param dim the vector size, >= 1.
 * An input that is not rank 1 is refused by gan_model_add() with GAN_E_SHAPE.
 * @return GAN_OK; GAN_E_INVALID_ARG (out NULL), GAN_E_OUT_OF_RANGE (num_classes or
 *         dim < 1), GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_embedding_sequence_create(gan_layer_t **out,
                                                       int32_t num_classes, int32_t dim);

/**
 * @brief Label conditioning for conditional GANs: appends a code of each sample's class
 *        label (the labels passed to gan_model_forward()) to the data flowing through.
 *        After a flat input (F) the output is (F + K): the code is concatenated, as a
 *        conditional generator does to its latent vector. After an image (C,H,W) the
 *        output is (C + K, H, W): the code is added as K constant planes, as a
 *        conditional discriminator does.
 * @param out receives the new layer.
 * @param num_classes number of classes, >= 1.
 * @param embed_dim 0 for a one-hot code (K = num_classes, no parameters), or the size K
 *        of a learned embedding (weights (num_classes, K), initialised N(0, 1)).
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE, GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_condition_create(gan_layer_t **out, int32_t num_classes,
                                              int32_t embed_dim);

/**
 * @brief Projection output of a conditional discriminator (Miyato & Koyama 2018):
 *        (F) -> (1), y = (w + e_c) . x + b for a sample of class c (the labels passed to
 *        gan_model_forward()): a Dense(1) whose weight row gains a learned vector per
 *        class, so that the score measures how well the features fit the class.
 *        Weights (1 + num_classes, F), row 0 w and row 1 + c e_c, initialised like
 *        Dense's; bias (1). Put it after a Flatten as the discriminator's last layer.
 *        No spectral normalisation. A label outside [0, num_classes) fails the forward
 *        pass with GAN_E_OUT_OF_RANGE.
 * @param out receives the new layer.
 * @param num_classes >= 1.
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE, GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_projection_create(gan_layer_t **out, int32_t num_classes);

/**
 * @brief Highway layer (Srivastava et al. 2015), the one SeqGAN's discriminator puts
 *        after its max-over-time pooling (Yu et al. 2017): (F) -> (F),
 *        y = t * relu(W_h x + b_h) + (1 - t) * x,
 *        t = sigmoid(W_t x + b_t + gate_bias),
 *        element-wise, with t the transform gate and 1 - t the carry gate. On a
 *        sequence (T,F) the same map runs at every time step, (T,F) -> (T,F).
 *        Weights (2F, F): rows 0..F-1 are W_h, rows F..2F-1 W_t, each (out, in) as
 *        Dense's, initialised N(0, 0.02) like Dense's; bias (2F): b_h then b_t, zeros.
 *        gate_bias is a constant, not a parameter: the reference code's highway()
 *        adds its `bias` argument to the gate's linear map the same way, so the gate
 *        starts at sigmoid(gate_bias) and b_t learns the offset from it. Its default
 *        there is -2 (mostly carry at the start, as the paper recommends, -1 to -3),
 *        but SeqGAN's discriminator calls it with 0. No spectral normalisation.
 * @param out receives the new layer (caller owns it until gan_model_add succeeds).
 * @param gate_bias the constant added to the transform gate, finite (e.g. -2 or 0).
 * An input that is neither (F) nor (T,F) is refused by gan_model_add() with GAN_E_SHAPE.
 * @return GAN_OK; GAN_E_INVALID_ARG (out NULL), GAN_E_OUT_OF_RANGE (gate_bias not
 *         finite), GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_highway_create(gan_layer_t **out, float gate_bias);

/* The text-conditioning layers, BagOfWords and CondAugment, are declared in gan/text.h. */

/* ---- Resampling, pooling and batch statistics --------------------------------------- */

/**
 * @brief Nearest-neighbour upsampling by an integer factor, as PyTorch's
 *        nn.Upsample(scale_factor=factor, mode='nearest'): (C,H,W) ->
 *        (C, H*factor, W*factor), output pixel (y, x) copying input pixel
 *        (y / factor, x / factor). Followed by a stride-1 Conv2D it is the
 *        "resize-convolution" alternative to Conv2DTranspose (factor 2). Backward sums
 *        the gradient over each factor x factor block. No parameters.
 * @param out receives the new layer (caller owns it until gan_model_add succeeds).
 * @param factor >= 1 (1 is the identity). An input that is not (C,H,W), or whose
 *        output would exceed INT32_MAX elements per sample, is refused by
 *        gan_model_add() with GAN_E_SHAPE.
 * @return GAN_OK; GAN_E_INVALID_ARG (out NULL), GAN_E_OUT_OF_RANGE (factor < 1),
 *         GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_upsample_create(gan_layer_t **out, int32_t factor);

/**
 * @brief 2-D average pooling over kernel x kernel windows at the given stride, no
 *        padding, floor mode (PyTorch's nn.AvgPool2d(kernel, stride)): (C,H,W) ->
 *        (C, floor((H-kernel)/stride)+1, floor((W-kernel)/stride)+1), each output the
 *        sum of its window divided by kernel*kernel. No parameters.
 * @param out receives the new layer (caller owns it until gan_model_add succeeds).
 * @param kernel window height and width, >= 1.
 * @param stride >= 1 (windows overlap when it is below the kernel). An input that is
 *        not (C,H,W), or smaller than the kernel, is refused by gan_model_add() with
 *        GAN_E_SHAPE.
 * @return GAN_OK; GAN_E_INVALID_ARG (out NULL), GAN_E_OUT_OF_RANGE (kernel or stride
 *         < 1), GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_avgpool2d_create(gan_layer_t **out, int32_t kernel,
                                              int32_t stride);

/**
 * @brief 2-D max pooling, with the windows and output shape of
 *        gan_layer_avgpool2d_create() (PyTorch's nn.MaxPool2d(kernel, stride)). Each
 *        output is its window's maximum; backward routes its gradient to that input
 *        alone. On a tie the first maximum in scan order (row by row) wins; a NaN wins
 *        over any number, so NaN propagates. No parameters.
 * @param out receives the new layer (caller owns it until gan_model_add succeeds).
 * @param kernel window height and width, >= 1.
 * @param stride >= 1. Shape errors as gan_layer_avgpool2d_create().
 * @return GAN_OK; GAN_E_INVALID_ARG (out NULL), GAN_E_OUT_OF_RANGE (kernel or stride
 *         < 1), GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_maxpool2d_create(gan_layer_t **out, int32_t kernel,
                                              int32_t stride);

/**
 * @brief Global average pooling: the mean of each channel over all its positions,
 *        (C,H,W) -> (C), also (C,L) -> (C) and (C,D,H,W) -> (C) (PyTorch's
 *        x.mean(dim=(2, 3)) or nn.AdaptiveAvgPool2d(1) then a flatten). No parameters.
 * @param out receives the new layer (caller owns it until gan_model_add succeeds).
 *        A flat (F) input is refused by gan_model_add() with GAN_E_SHAPE.
 * @return GAN_OK; GAN_E_INVALID_ARG (out NULL), GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_global_avgpool_create(gan_layer_t **out);

/**
 * @brief Global max pooling: the maximum of each channel over all its positions, with
 *        the inputs of gan_layer_global_avgpool_create(); e.g. max-over-time pooling of
 *        a text convolution's (filters, T-k+1, 1) output. Backward routes the gradient
 *        to the first maximum in scan order; a NaN wins over any number. No parameters.
 * @param out receives the new layer (caller owns it until gan_model_add succeeds).
 *        A flat (F) input is refused by gan_model_add() with GAN_E_SHAPE.
 * @return GAN_OK; GAN_E_INVALID_ARG (out NULL), GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_global_maxpool_create(gan_layer_t **out);

/**
 * @brief Minibatch standard deviation (Karras et al. 2018, ProGAN), one group of the
 *        whole batch: for each feature the standard deviation across the batch,
 *        sqrt(biased variance + 1e-8), averaged over all features to one number s,
 *        appended as one more channel filled with s. (C,H,W) -> (C+1,H,W); a flat (F)
 *        input gives (F+1), and in general the first dimension grows by one. Backward
 *        is exact through the standard deviations. No parameters.
 *        The output of a sample depends on the whole batch, in training and inference
 *        mode alike (there are no running statistics); put it near the end of a
 *        discriminator fed batches of one kind, all real or all generated (the
 *        trainer's are while GAN_HACK_SEPARATE_BATCHES is on, its default).
 * @param out receives the new layer (caller owns it until gan_model_add succeeds).
 *        An input whose output would exceed INT32_MAX elements per sample is refused by
 *        gan_model_add() with GAN_E_SHAPE.
 * @return GAN_OK; GAN_E_INVALID_ARG (out NULL), GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_minibatch_stddev_create(gan_layer_t **out);

/* ---- End of resampling, pooling and batch statistics ---------------------------------- */

/**
 * @name Merges and helpers for graph models
 * Merge layers read several nodes: add them with gan_model_connect() (see model.h).
 * Given one input by gan_model_add() they pass it through.
 * @{
 */

/**
 * @brief Add: the element-wise sum of its inputs, all of one shape (a residual
 *        block's x + F(x)). Each input's gradient is the output's.
 * @param out receives the new layer; connect it with gan_model_connect().
 * @return GAN_OK; GAN_E_INVALID_ARG (out NULL), GAN_E_NO_MEMORY. Inputs of different
 *         shapes are refused by gan_model_connect() with GAN_E_SHAPE.
 */
GAN_API gan_status gan_layer_add_create(gan_layer_t **out);

/**
 * @brief Multiply: the element-wise product of its inputs, all of one shape (a gate
 *        t * g). Input k's gradient is the output's times the other inputs.
 * @param out receives the new layer; connect it with gan_model_connect().
 * @return GAN_OK; GAN_E_INVALID_ARG (out NULL), GAN_E_NO_MEMORY, as
 *         gan_layer_add_create(). Inputs of different shapes are refused by
 *         gan_model_connect() with GAN_E_SHAPE.
 */
GAN_API gan_status gan_layer_multiply_create(gan_layer_t **out);

/**
 * @brief Concat: its inputs joined along the first dimension, in input order:
 *        (C1,H,W) and (C2,H,W) give (C1+C2,H,W) (a U-Net skip), (F1) and (F2) give
 *        (F1+F2) (a latent vector and a condition). The other dimensions and the rank
 *        must agree.
 * @param out receives the new layer; connect it with gan_model_connect().
 * @return GAN_OK; GAN_E_INVALID_ARG (out NULL), GAN_E_NO_MEMORY, as
 *         gan_layer_add_create(); mismatched inputs give GAN_E_SHAPE at connect.
 */
GAN_API gan_status gan_layer_concat_create(gan_layer_t **out);

/**
 * @brief Scale: y = scale * x + shift with constant scale and shift (no parameters);
 *        scale -1 and shift 1 give the 1 - t of a highway gate.
 * @param out receives the new layer.
 * @param scale the factor, finite.
 * @param shift the constant added, finite.
 * @return GAN_OK; GAN_E_INVALID_ARG (out NULL), GAN_E_OUT_OF_RANGE (a value that is
 *         not finite), GAN_E_NO_MEMORY.
 */
GAN_API gan_status gan_layer_scale_create(gan_layer_t **out, float scale, float shift);

/**
 * @brief Tile: a vector (F) repeated over a height x width grid, (F,height,width), to
 *        be concatenated onto an image's channels (a text-to-image discriminator's
 *        caption vector). The gradient sums over the grid.
 * @param out receives the new layer.
 * @param height rows of the grid, >= 1.
 * @param width columns of the grid, >= 1.
 * @return GAN_OK; GAN_E_INVALID_ARG (out NULL), GAN_E_OUT_OF_RANGE (a size < 1),
 *         GAN_E_NO_MEMORY. An input that is not a vector gives GAN_E_SHAPE at add.
 */
GAN_API gan_status gan_layer_tile_create(gan_layer_t **out, int32_t height,
                                         int32_t width);

/** @} */
/* ---- Normalisation per sample and padding (InstanceNorm, GroupNorm, Pad2D) ---- */

/**
 * Settings of an InstanceNorm layer. Fill with gan_instancenorm_options_init() (which
 * also sets struct_size), then change the fields you need.
 */
typedef struct gan_instancenorm_options {
    size_t struct_size; /**< sizeof(gan_instancenorm_options_t), set by _init */
    float epsilon;      /**< added to the variance, finite and > 0 (default 1e-5) */
    int32_t affine;     /**< 1 to learn a per-channel gamma and beta, 0 for none (default,
                         *   as PyTorch's nn.InstanceNorm2d) */
} gan_instancenorm_options_t;

/**
 * @brief Fill @p opts with the defaults (epsilon 1e-5, affine 0) and set its struct_size.
 * @param opts the struct to fill.
 * @param struct_size sizeof(*opts) as the caller was compiled with; must be at least
 *        the size of version 1 of the struct.
 * @return GAN_OK; GAN_E_INVALID_ARG if opts is NULL or struct_size is too small.
 * Thread-safe.
 */
GAN_API gan_status gan_instancenorm_options_init(gan_instancenorm_options_t *opts,
                                                 size_t struct_size);

/**
 * @brief Instance normalisation (Ulyanov et al. 2016), as PyTorch's nn.InstanceNorm2d
 *        without running statistics: each channel of each sample is normalised with its
 *        own mean and biased variance over its H*W pixels,
 *        y = (x - mean) / sqrt(var + epsilon), then, if affine, y = gamma * y + beta.
 *        Training and inference modes compute the same thing.
 * @param out receives the new layer (caller owns it until gan_model_add succeeds).
 * @param opts the settings, or NULL for the defaults of gan_instancenorm_options_init().
 *        Read during the call only.
 * Input (C,H,W), or any (C, ...) with more than one value per channel, e.g. (C,L);
 * output the same shape. With affine, gamma is the GAN_PARAM_WEIGHT group (C,
 * initialised to ones) and beta GAN_PARAM_BIAS (C, zeros); without, no parameters.
 * Another input shape is reported by gan_model_add() as GAN_E_SHAPE.
 * @return GAN_OK; GAN_E_INVALID_ARG (out NULL, struct_size too small or unknown trailing
 *         bytes set), GAN_E_OUT_OF_RANGE (epsilon not finite and > 0, affine not 0 or
 *         1), GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_instancenorm_create(gan_layer_t **out,
                                                 const gan_instancenorm_options_t *opts);

/**
 * Settings of a GroupNorm layer. Fill with gan_groupnorm_options_init() (which also
 * sets struct_size), then change the fields you need.
 */
typedef struct gan_groupnorm_options {
    size_t struct_size; /**< sizeof(gan_groupnorm_options_t), set by _init */
    int32_t groups;     /**< G >= 1, dividing the input's channels (default 1) */
    float epsilon;      /**< added to the variance, finite and > 0 (default 1e-5) */
    int32_t affine;     /**< 1 to learn a per-channel gamma and beta (default, as
                         *   PyTorch's nn.GroupNorm), 0 for none */
} gan_groupnorm_options_t;

/**
 * @brief Fill @p opts with the defaults (groups 1, epsilon 1e-5, affine 1) and set its
 *        struct_size.
 * @param opts the struct to fill.
 * @param struct_size sizeof(*opts) as the caller was compiled with; must be at least
 *        the size of version 1 of the struct.
 * @return GAN_OK; GAN_E_INVALID_ARG if opts is NULL or struct_size is too small.
 * Thread-safe.
 */
GAN_API gan_status gan_groupnorm_options_init(gan_groupnorm_options_t *opts,
                                              size_t struct_size);

/**
 * @brief Group normalisation (Wu & He 2018), as PyTorch's nn.GroupNorm: each sample's C
 *        channels are split into G groups of C/G consecutive channels, and each group is
 *        normalised with its own mean and biased variance over its (C/G)*H*W values,
 *        then, if affine, scaled and shifted per channel. G = C is InstanceNorm, G = 1
 *        LayerNorm over the whole sample (with per-channel gamma and beta). No running
 *        statistics: training and inference modes compute the same thing.
 * @param out receives the new layer (caller owns it until gan_model_add succeeds).
 * @param opts the settings, or NULL for the defaults of gan_groupnorm_options_init().
 *        Read during the call only.
 * Input (C,H,W), (C,L) or (F) (F channels of one value: LayerNorm after Dense); output
 * the same shape. G must divide C and a group must hold more than one value, else
 * gan_model_add() fails with GAN_E_SHAPE. With affine, gamma is the GAN_PARAM_WEIGHT
 * group (C, ones) and beta GAN_PARAM_BIAS (C, zeros).
 * @return GAN_OK; GAN_E_INVALID_ARG (out NULL, struct_size too small or unknown trailing
 *         bytes set), GAN_E_OUT_OF_RANGE (groups < 1, epsilon not finite and > 0,
 *         affine not 0 or 1), GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_groupnorm_create(gan_layer_t **out,
                                              const gan_groupnorm_options_t *opts);

/** Border modes of gan_layer_pad2d_create() (the int32_t `mode` argument). */
enum {
    /** Zeros (PyTorch's nn.ZeroPad2d). */
    GAN_PAD_ZERO = 0,
    /** Mirror without repeating the edge (nn.ReflectionPad2d): [1 2 3 4] padded by 2 on
     *  both sides is [3 2 1 2 3 4 3 2]. Each pad must be smaller than its dimension. */
    GAN_PAD_REFLECT = 1,
    /** Repeat the edge (nn.ReplicationPad2d): [1 2 3] padded by 2 is [1 1 1 2 3 3 3]. */
    GAN_PAD_REPLICATE = 2
};

/**
 * @brief Pad an image: (C,H,W) in, (C, H+top+bottom, W+left+right) out, the new border
 *        filled by @p mode, as PyTorch's nn.ZeroPad2d, nn.ReflectionPad2d and
 *        nn.ReplicationPad2d. No parameters. Backward adds each output pixel's gradient
 *        to the pixel it was copied from.
 * @param out receives the new layer (caller owns it until gan_model_add succeeds).
 * @param mode GAN_PAD_ZERO, GAN_PAD_REFLECT or GAN_PAD_REPLICATE.
 * @param top rows added above, in [0, 65536].
 * @param bottom rows added below, in [0, 65536].
 * @param left columns added on the left, in [0, 65536].
 * @param right columns added on the right, in [0, 65536].
 * An input that is not (C,H,W), or, with GAN_PAD_REFLECT, a pad not smaller than the
 * height (top, bottom) or width (left, right) is reported by gan_model_add() as
 * GAN_E_SHAPE; an output of more than INT32_MAX values per sample as GAN_E_OUT_OF_RANGE.
 * @return GAN_OK; GAN_E_INVALID_ARG (out NULL), GAN_E_OUT_OF_RANGE (mode unknown, a pad
 *         outside its range), GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_pad2d_create(gan_layer_t **out, int32_t mode, int32_t top,
                                          int32_t bottom, int32_t left, int32_t right);

/* ---- end of InstanceNorm, GroupNorm, Pad2D ---- */

/* ---- Recurrent layers ---------------------------------------------------------------- */

/**
 * Settings of a recurrent layer (LSTM, GRU). Fill with gan_recurrent_options_init()
 * (which also sets struct_size), then change the fields you need.
 */
typedef struct gan_recurrent_options {
    size_t struct_size;       /**< sizeof(gan_recurrent_options_t), set by _init */
    int32_t hidden;           /**< H, the size of h (and of an LSTM's c), >= 1 (default 1) */
    int32_t return_sequences; /**< 1: output every step's h, (T, H) (default); 0: only
                               *   the last step's, (H) */
    int32_t stateful;         /**< 0: every forward starts from a zero state (default);
                               *   1: from the state the previous forward ended in (see
                               *   gan_model_get_recurrent_state()) */
    int32_t max_steps;        /**< the longest sequence the layer accepts, counting the
                               *   steps a stateful layer has run since its state was
                               *   reset; 0 for no limit (default) */
    int32_t use_bias;         /**< 1 to learn b_ih and b_hh (default), 0 for none */
} gan_recurrent_options_t;

/**
 * @brief Fill @p opts with the defaults (hidden 1, return_sequences 1, stateful 0,
 *        max_steps 0, use_bias 1) and set its struct_size.
 * @param opts the struct to fill.
 * @param struct_size sizeof(*opts) as the caller was compiled with; must be at least
 *        the size of version 1 of the struct.
 * @return GAN_OK; GAN_E_INVALID_ARG if opts is NULL or struct_size is too small.
 * Thread-safe.
 */
GAN_API gan_status gan_recurrent_options_init(gan_recurrent_options_t *opts,
                                              size_t struct_size);

/**
 * @brief LSTM over a sequence, PyTorch's nn.LSTM(F, hidden, batch_first=True) for one
 *        layer: input (T, F), output (T, hidden), h_0 = c_0 = 0. For each step t,
 *        i = sigmoid(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi), f and o likewise,
 *        g = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg), c_t = f c_{t-1} + i g,
 *        h_t = o tanh(c_t). Backward runs through time.
 *
 * Parameters in PyTorch's order and layout, so a state_dict copies in as it is: the
 * GAN_PARAM_WEIGHT group is W_ih (4*hidden, F) then W_hh (4*hidden, hidden), the
 * GAN_PARAM_BIAS group b_ih (4*hidden) then b_hh (4*hidden), each split into the gates
 * i, f, g, o in that order (rows k*hidden to (k+1)*hidden - 1 for gate k). All are
 * initialised U(-1/sqrt(hidden), 1/sqrt(hidden)) as in PyTorch (change it with
 * gan_layer_set_init(); fan_in there is F + hidden, fan_out hidden).
 * @param out receives the new layer (caller owns it until gan_model_add succeeds).
 * @param hidden H, >= 1. An input that is not (T, F) is refused by gan_model_add() with
 *        GAN_E_SHAPE.
 * @return GAN_OK; GAN_E_INVALID_ARG (out NULL), GAN_E_OUT_OF_RANGE (hidden < 1 or
 *         above INT32_MAX / 4), GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_lstm_create(gan_layer_t **out, int32_t hidden);

/**
 * @brief LSTM with every setting of gan_recurrent_options_t: only the last step's
 *        output, a state carried from one forward to the next, a sequence-length limit,
 *        no bias.
 *
 * Stateful: each forward starts from the layer's carried state (h, c) instead of
 * zeros and leaves there the state after its last step, for all the batch's rows at
 * once; backward treats the starting state as a constant (no gradient flows into
 * earlier calls). A model built with T = 1 then runs a sequence one step per
 * gan_model_forward() call, and step k's output equals, bit for bit, the output at
 * step k of the same layer run over the whole sequence in one call (same weights,
 * same batch size, same backend). The state is zero, and the step count 0, after
 * gan_model_build(), after every gan_model_set_batch_size() that changes the batch
 * size, and after gan_model_reset_recurrent_state(); gan_model_get_recurrent_state()
 * and gan_model_set_recurrent_state() copy it out and in, whole or by rows. Every
 * forward advances it, including one whose result is thrown away.
 * With max_steps > 0, a forward that would run the layer past step max_steps since the
 * last reset fails with GAN_E_OUT_OF_RANGE and changes nothing, and an input of more
 * than max_steps steps is refused by gan_model_add() with GAN_E_SHAPE.
 * @param out receives the new layer (caller owns it until gan_model_add succeeds).
 * @param opts the settings, filled by gan_recurrent_options_init(); read during the
 *        call only.
 * @return GAN_OK; GAN_E_INVALID_ARG (out or opts NULL, struct_size too small or unknown
 *         trailing bytes set), GAN_E_OUT_OF_RANGE (hidden outside [1, INT32_MAX / 4],
 *         return_sequences, stateful or use_bias not 0 or 1, max_steps < 0),
 *         GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_lstm_create_ex(gan_layer_t **out,
                                            const gan_recurrent_options_t *opts);

/**
 * @brief GRU over a sequence, PyTorch's nn.GRU(F, hidden, batch_first=True) for one
 *        layer: input (T, F), output (T, hidden), h_0 = 0. For each step t,
 *        r = sigmoid(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr), z likewise,
 *        n = tanh(W_in x_t + b_in + r (W_hn h_{t-1} + b_hn)),
 *        h_t = (1 - z) n + z h_{t-1}. Backward runs through time.
 *
 * Parameters as the LSTM's with 3 gates r, z, n in PyTorch's order: W_ih
 * (3*hidden, F) then W_hh (3*hidden, hidden), b_ih then b_hh (3*hidden each), all
 * initialised U(-1/sqrt(hidden), 1/sqrt(hidden)).
 * @param out receives the new layer (caller owns it until gan_model_add succeeds).
 * @param hidden H, >= 1. An input that is not (T, F) is refused by gan_model_add() with
 *        GAN_E_SHAPE.
 * @return GAN_OK; GAN_E_INVALID_ARG (out NULL), GAN_E_OUT_OF_RANGE (hidden < 1 or
 *         above INT32_MAX / 3), GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_gru_create(gan_layer_t **out, int32_t hidden);

/**
 * @brief GRU with every setting of gan_recurrent_options_t, as
 *        gan_layer_lstm_create_ex() (its state is h alone, no c).
 * @param out receives the new layer (caller owns it until gan_model_add succeeds).
 * @param opts the settings, filled by gan_recurrent_options_init(); read during the
 *        call only.
 * @return GAN_OK; GAN_E_INVALID_ARG (out or opts NULL, struct_size too small or unknown
 *         trailing bytes set), GAN_E_OUT_OF_RANGE (a field outside its range, as for
 *         gan_layer_lstm_create_ex(), with hidden at most INT32_MAX / 3),
 *         GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_gru_create_ex(gan_layer_t **out,
                                           const gan_recurrent_options_t *opts);

/* ---- End of recurrent layers --------------------------------------------------------- */

/**
 * @brief Spectral normalisation of the layer's weights (Miyato et al. 2018), as
 *        torch.nn.utils.spectral_norm with one power iteration per update.
 *
 * The weight tensor is seen as the matrix W with dim 0 as rows and the other dimensions
 * as columns, as it lies in memory: Dense (units, in_features), Conv2D
 * (filters, C*kh*kw), Conv2DTranspose (C_in, filters*kh*kw). (PyTorch takes dim 1 for
 * transposed convolutions: the (filters, C_in*kh*kw) matrix.) The layer computes with
 * W / sigma, sigma = u^T W v. Each forward pass in training mode first runs one power
 * iteration, v = W^T u / |W^T u|, u = W v / |W v|, so that sigma tracks the largest
 * singular value of W; inference mode uses u and v as they are. Backward treats u and v
 * as constants. The raw W stays in the parameter arena (what optimizers update) and
 * the gradient arena holds gradients with respect to it.
 *
 * u (rows) and v (columns) are persistent non-trainable state, like BatchNorm's running
 * statistics: drawn from N(0, 1) and normalised at build, from the model seed (the same
 * seed gives the same vectors bit for bit), kept across gan_model_set_batch_size(), and
 * counted in gan_model_summary() as non-trainable parameters.
 *
 * @param layer a Dense, Conv2D or Conv2DTranspose layer, free or added to a model that
 *        is not built yet.
 * @param enabled true to normalise, false (the default) not to.
 * @return GAN_OK; GAN_E_INVALID_ARG (layer NULL, or of another kind), GAN_E_STATE (its
 *         model is already built). Not thread-safe for one layer.
 */
GAN_API gan_status gan_layer_set_spectral_norm(gan_layer_t *layer, bool enabled);

/**
 * @brief Free a layer that was never added to a model (or whose gan_model_add failed).
 *        NULL is a no-op. Never call it on a layer a model owns.
 */
GAN_API void gan_layer_destroy(gan_layer_t *layer);

/**
 * @brief Name a layer for summaries and error messages (default: kind and index, e.g.
 *        "conv2d_3"). The name is copied; at most 47 bytes are kept.
 * @param name a non-empty string, copied.
 * @return GAN_OK; GAN_E_INVALID_ARG if layer or name is NULL or name is empty.
 */
GAN_API gan_status gan_layer_set_name(gan_layer_t *layer, const char *name);

/** @brief The layer's name. @return a string owned by the layer; "" for NULL. */
GAN_API const char *gan_layer_get_name(const gan_layer_t *layer);

/** @brief The layer's kind. @return "dense", "conv2d", ...: a static string; "" for NULL. */
GAN_API const char *gan_layer_get_kind(const gan_layer_t *layer);

#ifdef __cplusplus
}
#endif

#endif /* GAN_LAYER_H */
