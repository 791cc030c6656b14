/* Random distortions of digit images, so that a classifier trained on one style of digit
 * (printed) still reads another (handwritten): slant, rotation, scale, shift and stroke
 * width. */
#ifndef GAN_EXAMPLE_AUGMENT_H
#define GAN_EXAMPLE_AUGMENT_H

#include <stdint.h>

/* Distort each of the n (1, h, w) images of x in place (pixels in [-1, 1], background
 * -1), with draws from *rng. scratch holds 2 * h * w floats. */
void ex_augment_digits(float *x, int32_t n, int32_t h, int32_t w, uint64_t *rng,
                       float *scratch);

#endif
