/* The examples' networks, so that the DCGAN, conditional and Wasserstein examples share
 * one definition of each. */
#ifndef GAN_EXAMPLE_MODELS_H
#define GAN_EXAMPLE_MODELS_H

#include "common/example.h"

#define EX_LATENT 100

/* Build a finished model for @p batch and hand it out (*out), or free it after a failure
 * (@p st not GAN_OK, or the build's). */
gan_status ex_model_finish(gan_status st, gan_model_t *m, int32_t batch, gan_model_t **out);

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

/* The residual GAN of mnist_resgan (doc/EXAMPLES.md), graph models built with
 * gan_model_connect(). Widths and the latent size are set by ex_resgan_widths_t so that
 * the example and bench_dcgan --model resgan build the same networks. */
typedef struct ex_resgan_widths {
    int32_t latent;     /* z */
    int32_t g_channels; /* G's 7x7 map and its 14x14 block; the 28x28 block has half */
    int32_t d_channels; /* D's 14x14 block; its 7x7 blocks have twice as many */
} ex_resgan_widths_t;

/* The example's default widths. */
void ex_resgan_widths_default(ex_resgan_widths_t *w);

/* Residual generator (the SNGAN ResNet generator of Miyato et al. 2018, scaled to
 * 28x28): Dense(latent -> 7*7*C) -> Reshape(C,7,7) -> UpBlock(C -> C) 14x14 ->
 * UpBlock(C -> C/2) 28x28 -> BN -> ReLU -> Conv3x3(1) -> Tanh. An UpBlock is
 * BN -> ReLU -> Upsample x2 -> Conv3x3 -> BN -> ReLU -> Conv3x3, plus the shortcut
 * Upsample x2 (after a 1x1 convolution when the channels change). */
gan_status ex_resgan_generator(const ex_config *c, const ex_resgan_widths_t *w,
                               gan_model_t **out);

/* Residual discriminator (SNGAN's ResNet discriminator, scaled to 28x28), every weight
 * layer spectrally normalised: DownBlock(1 -> C, the "optimised" first block: Conv3x3 ->
 * ReLU -> Conv3x3 -> AvgPool 2, shortcut AvgPool 2 -> Conv1x1) 14x14 -> DownBlock(C -> 2C:
 * ReLU -> Conv3x3 -> ReLU -> Conv3x3 -> AvgPool 2, shortcut AvgPool 2 -> Conv1x1) 7x7 ->
 * Block(2C -> 2C, identity shortcut) -> ReLU -> global sum pooling -> Dense(1). */
gan_status ex_resgan_discriminator(const ex_config *c, const ex_resgan_widths_t *w,
                                   gan_model_t **out);

/* mnist_resgan's training settings: epochs, Adam's rates and betas, and in c->hacks the
 * hinge loss and the EMA of G's weights. */
gan_status ex_resgan_settings(ex_config *c);

#endif
