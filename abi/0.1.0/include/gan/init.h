/* libgan: parameter initialisers, chosen per layer and parameter group. */
#ifndef GAN_INIT_H
#define GAN_INIT_H

#include <stdint.h>

#include <gan/export.h>
#include <gan/layer.h>
#include <gan/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Parameter groups of a layer (the `param` argument). BatchNorm: gamma, beta. */
enum {
    GAN_PARAM_WEIGHT = 0, /**< weights, kernels, embedding tables, BatchNorm gamma */
    GAN_PARAM_BIAS = 1    /**< biases, BatchNorm beta */
};

/**
 * Initialiser kinds (the `kind` argument) and what their arguments a and b mean.
 * fan_in/fan_out are those of PyTorch and Keras: Dense in/out features; Conv2D
 * C*kh*kw / filters*kh*kw; Conv2DTranspose filters*kh*kw / C*kh*kw.
 * Every draw comes from the model's generator (see gan_model_options_t.seed), in layer
 * order, so the same seed builds the same model bit for bit.
 */
enum {
    GAN_INIT_ZEROS = 0,          /**< 0 */
    GAN_INIT_ONES = 1,           /**< 1 */
    GAN_INIT_CONSTANT = 2,       /**< a */
    GAN_INIT_NORMAL = 3,         /**< N(mean a, std b); the DCGAN default is (0, 0.02) */
    GAN_INIT_UNIFORM = 4,        /**< U[a, b) */
    GAN_INIT_GLOROT_NORMAL = 5,  /**< N(0, sqrt(2/(fan_in+fan_out))) (Xavier) */
    GAN_INIT_GLOROT_UNIFORM = 6, /**< U[-l, l), l = sqrt(6/(fan_in+fan_out)) */
    GAN_INIT_HE_NORMAL = 7,      /**< N(0, sqrt(2/fan_in)) (Kaiming) */
    GAN_INIT_HE_UNIFORM = 8      /**< U[-l, l), l = sqrt(6/fan_in) */
};

/**
 * @brief Choose how one parameter group of a layer is initialised when its model is
 *        built. Defaults: weights N(0, 0.02) (DCGAN), biases zeros, BatchNorm gamma ones
 *        and beta zeros, embeddings N(0, 1).
 * @param layer a layer not yet built into a model.
 * @param param GAN_PARAM_WEIGHT or GAN_PARAM_BIAS.
 * @param kind a GAN_INIT_* value.
 * @param a, b the kind's arguments (ignored where it has none); a std must be >= 0 and
 *        a uniform range needs a <= b, both finite.
 * @return GAN_OK; GAN_E_INVALID_ARG (layer NULL, unknown param or kind, or the layer has
 *         no such parameter group), GAN_E_OUT_OF_RANGE (bad a/b), GAN_E_STATE (the
 *         layer's model is already built).
 */
GAN_API gan_status gan_layer_set_init(gan_layer_t *layer, int32_t param, int32_t kind,
                                      float a, float b);

#ifdef __cplusplus
}
#endif

#endif /* GAN_INIT_H */
