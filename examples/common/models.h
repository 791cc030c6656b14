/* The examples' networks, so that the DCGAN, conditional and Wasserstein examples share
 * one definition of each. */
#ifndef GAN_EXAMPLE_MODELS_H
#define GAN_EXAMPLE_MODELS_H

#include "common/example.h"

#define EX_LATENT 100

/* DCGAN generator (Radford et al. 2016, the TensorFlow MNIST layout): Dense(100 ->
 * 7*7*256, no bias) -> BN -> LeakyReLU -> Reshape -> ConvT(128,5,1) -> BN -> LeakyReLU ->
 * ConvT(64,5,2) -> BN -> LeakyReLU -> ConvT(1,5,2) -> Tanh. With classes > 0 a one-hot
 * code of the label is concatenated to z, and as constant planes to the input of every
 * ConvT. */
gan_status ex_dcgan_generator(const ex_config *c, int32_t classes, gan_model_t **out);

/* DCGAN discriminator: Conv(64,5,2) -> LeakyReLU [-> Dropout(0.3)] -> Conv(128,5,2) ->
 * LeakyReLU [-> Dropout(0.3)] -> Flatten -> Dense(1). With classes > 0 the label is added
 * as one-hot planes behind the input of each Conv and as a one-hot code before the Dense.
 * Spectral norm on the weight layers if configured. */
gan_status ex_dcgan_discriminator(const ex_config *c, int32_t classes, bool dropout,
                                  gan_model_t **out);

/* The plain GAN of Goodfellow et al. (2014) as MLPs: G 100 -> 256 -> 512 -> 784 (ReLU,
 * Tanh), D 784 -> 512 -> 256 -> 1 (LeakyReLU 0.2). */
gan_status ex_mlp_generator(const ex_config *c, gan_model_t **out);
gan_status ex_mlp_discriminator(const ex_config *c, gan_model_t **out);

#endif
