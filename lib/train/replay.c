/* Experience replay of past fakes (Shrivastava et al. 2017, section 2.3): the
 * discriminator also sees older generator outputs, so it does not forget them. */
#include <string.h>

#include "train/trainer.h"

void gan__replay_mix(gan_trainer_t *t, float *rows, int32_t *row_labels, const float *fake,
                     const int32_t *labels)
{
    if (!t->pool)
        return;
    const size_t row = t->image * sizeof(float);
    const float fraction = (float)t->hacks.value[GAN_HACK_REPLAY_FRACTION];
    /* Replay only once the pool is full or holds a batch, so early batches stay fresh. */
    if (t->pool_count >= (t->pool_size < t->batch ? t->pool_size : t->batch))
        for (int32_t i = 0; i < t->batch; i++) {
            if (gan__rng_uniform(&t->rng) >= fraction)
                continue;
            int64_t k = (int64_t)(gan__rng_next(&t->rng) % (uint64_t)t->pool_count);
            memcpy(rows + (size_t)i * t->image, t->pool + (size_t)k * t->image, row);
            if (row_labels)
                row_labels[i] = t->pool_labels[k];
        }
    /* Remember the fresh fakes: fill the pool, then overwrite random entries half the
     * time, so the pool keeps a spread of ages. */
    for (int32_t i = 0; i < t->batch; i++) {
        int64_t k;
        if (t->pool_count < t->pool_size)
            k = t->pool_count++;
        else if (gan__rng_uniform(&t->rng) < 0.5f)
            k = (int64_t)(gan__rng_next(&t->rng) % (uint64_t)t->pool_size);
        else
            continue;
        memcpy(t->pool + (size_t)k * t->image, fake + (size_t)i * t->image, row);
        if (labels)
            t->pool_labels[k] = labels[i];
    }
}
