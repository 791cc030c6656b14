/* libgan: the umbrella header. Include this one.
 *
 * libgan builds and trains Generative Adversarial Networks in C. A model is an input
 * shape plus a stack of layers; every fallible call returns a gan_status and, on
 * failure, gan_last_error() tells what was wrong.
 *
 * A DCGAN discriminator for 28x28 MNIST digits:
 *
 *     const int32_t image[3] = {1, 28, 28};
 *     gan_model_t *d;  gan_layer_t *l;
 *     gan_model_create(&d, image, 3, NULL);
 *     gan_layer_conv2d_create(&l, 64, 5, 2, GAN_PADDING_SAME);   gan_model_add(d, l);
 *     gan_layer_leaky_relu_create(&l, 0.2f);                     gan_model_add(d, l);
 *     gan_layer_dropout_create(&l, 0.3f);                        gan_model_add(d, l);
 *     gan_layer_conv2d_create(&l, 128, 5, 2, GAN_PADDING_SAME);  gan_model_add(d, l);
 *     gan_layer_leaky_relu_create(&l, 0.2f);                     gan_model_add(d, l);
 *     gan_layer_flatten_create(&l);                              gan_model_add(d, l);
 *     gan_layer_dense_create(&l, 1, true);                       gan_model_add(d, l);
 *     gan_model_build(d, 64);                 // batch of 64, weights N(0, 0.02)
 *
 *     const float *logits, *dimages;
 *     gan_model_forward(d, images, NULL, 64, &logits);
 *     gan_model_backward(d, dlogits, &dimages);  // accumulates parameter gradients
 *
 * (Check each status in real code.) See README.md and doc/ for the rest.
 */
#ifndef GAN_GAN_H
#define GAN_GAN_H

#include <gan/export.h>
#include <gan/version.h>
#include <gan/status.h>
#include <gan/layer.h>
#include <gan/init.h>
#include <gan/model.h>
#include <gan/blas.h>
#include <gan/optim.h>
#include <gan/loss.h>
#include <gan/hacks.h>
#include <gan/train.h>
#include <gan/cyclegan.h>
#include <gan/seqgan.h>
#include <gan/text2img.h>
#include <gan/text.h>

#endif /* GAN_GAN_H */
