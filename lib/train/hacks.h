/* The hacks configuration's internals, read by the trainer. */
#ifndef GAN_TRAIN_HACKS_H
#define GAN_TRAIN_HACKS_H

#include "gan/hacks.h"

#define GAN__HACK_COUNT 17

struct gan_hacks {
    double value[GAN__HACK_COUNT];
    float real_lo, real_hi, fake_lo, fake_hi;
};

/* Every setting at its default. */
void gan__hacks_defaults(gan_hacks_t *h);

/* A setting as an int (for the integer keys). */
static inline int64_t gan__hack_int(const gan_hacks_t *h, int32_t key)
{
    return (int64_t)h->value[key];
}

#endif
