/* CycleGAN's reference networks (Zhu et al. 2017, appendix 7.2; the authors' networks.py),
 * sized for small images such as 28x28 digits. They are examples' code, not the
 * library's: an architecture is a choice of sizes for a data set and a time budget,
 * built from the public layers like any user's network, and the CycleGAN trainer takes
 * any graphs. */
#ifndef GAN_EXAMPLE_CYCLEGAN_MODELS_H
#define GAN_EXAMPLE_CYCLEGAN_MODELS_H

#include <stdint.h>

#include <gan/gan.h>

/* Defaults for 28x28 digits within the example's time budget. */
#define EX_CYCLEGAN_G_FILTERS 16
#define EX_CYCLEGAN_G_BLOCKS 3
#define EX_CYCLEGAN_G_DOWNSAMPLINGS 2
#define EX_CYCLEGAN_D_FILTERS 16
#define EX_CYCLEGAN_D_LAYERS 2

/* The ResNet generator (the reference's ResnetGenerator): reflection pad 3, Conv 7x7
 * (filters), InstanceNorm, ReLU; @p downsamplings (the reference's 2) Conv 3x3 stride 2
 * pad 1 (2, 4, ... x filters), InstanceNorm, ReLU; @p blocks residual blocks x +
 * [reflection pad 1, Conv 3x3, InstanceNorm, ReLU, reflection pad 1, Conv 3x3,
 * InstanceNorm]; as many upsamplings ConvTranspose 3x3 stride 2 pad 1 output padding 1
 * (..., 2, 1 x filters), InstanceNorm, ReLU; reflection pad 3, Conv 7x7 (channels_out),
 * Tanh. (channels_in, h, w) in, (channels_out, h, w) out; h and w multiples of
 * 2^downsamplings (28 -> 14 -> 7 -> 14 -> 28 with 2). Convs
 * have biases (InstanceNorm has no affine), weights N(0, 0.02) as the reference. Built
 * for @p batch. */
gan_status ex_resnet_generator(int32_t channels_in, int32_t channels_out, int32_t h,
                               int32_t w, int32_t filters, int32_t blocks,
                               int32_t downsamplings, int32_t batch, const char *name,
                               uint64_t seed, gan_model_t **out);

/* The PatchGAN discriminator (the reference's NLayerDiscriminator): Conv 4x4 stride 2
 * pad 1 (filters), LeakyReLU 0.2; @p layers - 1 more Conv 4x4 stride 2 pad 1 doubling the
 * filters (at most 8 x), each with InstanceNorm and LeakyReLU 0.2; Conv 4x4 stride 1 pad 1
 * (doubling once more), InstanceNorm, LeakyReLU 0.2; Conv 4x4 stride 1 pad 1 (1): a patch
 * map of logits. For 28x28 and layers 2: 14x14, 7x7, 6x6, a 5x5 map, each logit seeing a
 * 34x34 patch (the whole digit); with layers 1, a 12x12 map of 16x16 patches (the
 * reference's 3 layers give 70x70 patches of a 256x256 image). Built for @p batch. */
gan_status ex_patchgan_discriminator(int32_t channels, int32_t h, int32_t w, int32_t filters,
                                     int32_t layers, int32_t batch, const char *name,
                                     uint64_t seed, gan_model_t **out);

#endif
