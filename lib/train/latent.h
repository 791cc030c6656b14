/* Latent sampling shared by the public utility and the trainer. */
#ifndef GAN_TRAIN_LATENT_H
#define GAN_TRAIN_LATENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"

/* count values from the distribution (GAN_LATENT_*), no argument checks. */
void gan__latent_fill(gan__rng *rng, int32_t distribution, float *z, size_t count);

/* The @p count draws gan__latent_fill() would make, made and dropped: a shard's view of
 * the other shards' rows (gan_text2img_set_shard). */
void gan__latent_skip(gan__rng *rng, int32_t distribution, size_t count);

#endif
