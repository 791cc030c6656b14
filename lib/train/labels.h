/* Discriminator targets shared by the public utilities and the trainer. */
#ifndef GAN_TRAIN_LABELS_H
#define GAN_TRAIN_LABELS_H

#include <stdint.h>

#include "core/rng.h"

/* labels[i] uniform in [lo, hi] (exactly lo when lo == hi). */
void gan__labels_fill(gan__rng *rng, float *labels, int32_t n, float lo, float hi);

/* Flip t -> 1 - t with probability p; returns how many were flipped. */
int32_t gan__labels_flip(gan__rng *rng, float *labels, int32_t n, float p);

#endif
