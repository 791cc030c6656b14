/* CycleGAN's history of generated images (Shrivastava et al. 2017, as the CycleGAN
 * reference's util/image_pool.py uses it): what a discriminator is shown instead of the
 * newest fakes. Separate from the pair trainer's replay (replay.c), whose rules differ. */
#ifndef GAN_TRAIN_IMAGE_POOL_H
#define GAN_TRAIN_IMAGE_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"

typedef struct gan__image_pool {
    float *images;  /* (size, image), allocated by the owner */
    int64_t size;   /* capacity; 0: the pool is off */
    int64_t count;  /* images stored so far, up to size */
    size_t image;   /* floats per image */
} gan__image_pool;

/* The reference's query on @p n images @p fresh, answered into @p out (n, image): while
 * the pool fills, each fresh image is stored and returned; once full, each is, with
 * probability 1/2, swapped for a stored image picked uniformly (that one is returned and
 * the fresh one takes its place), else returned as it is. A pool of size 0 returns the
 * fresh images. Draws from @p rng only once the pool is full. */
void gan__image_pool_query(gan__image_pool *p, gan__rng *rng, const float *fresh, int32_t n,
                           float *out);

/* The draws a query on @p n images would make from @p rng on a pool of this one's size
 * holding @p count images, made and dropped; the pool is not changed. A shard of a
 * global batch (gan_cyclegan_set_shard) makes the other shards' draws with it, so that
 * every shard's generator stays where the others' are. */
void gan__image_pool_skip(const gan__image_pool *p, gan__rng *rng, int64_t count, int64_t n);

#endif
