/* CycleGAN's pool of generated images (the reference's ImagePool.query). */
#include "train/image_pool.h"

#include <string.h>

void gan__image_pool_query(gan__image_pool *p, gan__rng *rng, const float *fresh, int32_t n,
                           float *out)
{
    const size_t bytes = p->image * sizeof(float);
    for (int32_t i = 0; i < n; i++) {
        const float *x = fresh + (size_t)i * p->image;
        float *y = out + (size_t)i * p->image;
        if (p->size == 0) {
            memcpy(y, x, bytes);
        } else if (p->count < p->size) {
            memcpy(p->images + (size_t)p->count++ * p->image, x, bytes);
            memcpy(y, x, bytes);
        } else if (gan__rng_uniform(rng) < 0.5f) {
            float *stored = p->images + (size_t)(gan__rng_next(rng) % (uint64_t)p->size) *
                                            p->image;
            memcpy(y, stored, bytes);
            memcpy(stored, x, bytes);
        } else {
            memcpy(y, x, bytes);
        }
    }
}

void gan__image_pool_skip(const gan__image_pool *p, gan__rng *rng, int64_t count, int64_t n)
{
    for (int64_t i = 0; p->size > 0 && i < n; i++) {
        if (count < p->size)
            count++;
        else if (gan__rng_uniform(rng) < 0.5f)
            (void)gan__rng_next(rng);
    }
}
