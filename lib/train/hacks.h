/* The hacks configuration's internals, read by the trainer. */
#ifndef GAN_TRAIN_HACKS_H
#define GAN_TRAIN_HACKS_H

#include "gan/hacks.h"

#define GAN__HACK_COUNT 21
/* The keys before GAN_HACK_MIX_LOSS: the hacks of checkpoints that predate the mix,
 * which load with the later keys at their defaults (checkpoint.c). */
#define GAN__HACK_COUNT_V1 17
/* The keys before GAN_HACK_AUX_WEIGHT_REAL: those of checkpoints that predate AC-GAN. */
#define GAN__HACK_COUNT_V2 19

struct gan_hacks {
    double value[GAN__HACK_COUNT];
    float real_lo, real_hi, fake_lo, fake_hi;
};

/* Every setting at its default. */
void gan__hacks_defaults(gan_hacks_t *h);

/* True when every key from @p first on is at its default. */
bool gan__hacks_default_from(const gan_hacks_t *h, int32_t first);

/* A setting as an int (for the integer keys). */
static inline int64_t gan__hack_int(const gan_hacks_t *h, int32_t key)
{
    return (int64_t)h->value[key];
}

#endif
