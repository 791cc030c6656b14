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
/* mnist_cyclegan's training defaults: images of each domain per step, Adam's rate, the
 * cycle weight, and the identity weight (off: measured better here, doc/EXAMPLES.md;
 * the reference's is 5). */
#define EX_CYCLEGAN_BATCH 8
#define EX_CYCLEGAN_LR 2e-4
#define EX_CYCLEGAN_CYCLE 10.0
#define EX_CYCLEGAN_IDENTITY 0.0

/* The sizes of the four networks (mnist_cyclegan's --g-filters and the like). */
typedef struct ex_cyclegan_sizes {
    int32_t g_filters, g_blocks, g_down, d_filters, d_layers;
} ex_cyclegan_sizes_t;

/* The defaults above, as sizes. */
#define EX_CYCLEGAN_SIZES_DEFAULT                                                        \
    ((ex_cyclegan_sizes_t){.g_filters = EX_CYCLEGAN_G_FILTERS,                           \
                           .g_blocks = EX_CYCLEGAN_G_BLOCKS,                             \
                           .g_down = EX_CYCLEGAN_G_DOWNSAMPLINGS,                        \
                           .d_filters = EX_CYCLEGAN_D_FILTERS,                           \
                           .d_layers = EX_CYCLEGAN_D_LAYERS})

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

/* mnist_cyclegan's models for 28x28 gray digits, built for @p batch: m[0] G (A to B) and
 * m[1] F (B to A), ResNet generators; m[2] D_A and m[3] D_B, PatchGAN discriminators;
 * seeds seed + 1 .. seed + 4, names "G", "F", "D_A", "D_B"; o[i] Adam(lr, 0.5, 0.999)
 * for m[i]; *t the trainer over them with @p opts. After a failure what was made is in
 * m, o and *t (the rest NULL) for the caller to destroy. */
gan_status ex_cyclegan_build(const ex_cyclegan_sizes_t *s, int32_t batch, double lr,
                             uint64_t seed, const gan_cyclegan_options_t *opts,
                             gan_model_t *m[4], gan_optimizer_t *o[4], gan_cyclegan_t **t);

#endif
