/* xoshiro256** (Blackman & Vigna, 2018) seeded by splitmix64. */
#include "core/rng.h"

#include <math.h>
#include <stdlib.h>

#include "core/error.h"
#include "gan/hacks.h"

static uint64_t gan__splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void gan__rng_seed(gan__rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = gan__splitmix64(&x);
    r->has_spare = false;
    r->spare_normal = 0.0f;
}

void gan__rng_seed_stream(gan__rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = stream;
    gan__rng_seed(r, seed ^ gan__splitmix64(&x));
}

float gan__rng_uniform(gan__rng *r)
{
    return (float)(gan__rng_next(r) >> 40) * 0x1.0p-24f;
}

float gan__rng_normal(gan__rng *r)
{
    if (r->has_spare) {
        r->has_spare = false;
        return r->spare_normal;
    }
    /* (0, 1] so that log never sees 0. */
    double u1 = ((double)(gan__rng_next(r) >> 11) + 1.0) * 0x1.0p-53;
    double u2 = (double)(gan__rng_next(r) >> 11) * 0x1.0p-53;
    double radius = sqrt(-2.0 * log(u1));
    double angle = 6.283185307179586476925 * u2;
    r->spare_normal = (float)(radius * sin(angle));
    r->has_spare = true;
    return (float)(radius * cos(angle));
}

gan_status gan_rng_create(gan_rng_t **out, uint64_t seed)
{
    if (!out)
        return gan__fail(GAN_E_INVALID_ARG, "gan_rng_create: out is NULL");
    gan_rng_t *r = malloc(sizeof *r);
    if (!r)
        return gan__fail(GAN_E_NO_MEMORY, "gan_rng_create: out of memory");
    gan__rng_seed(&r->r, seed);
    *out = r;
    return GAN_OK;
}

void gan_rng_destroy(gan_rng_t *rng)
{
    free(rng);
}

gan_status gan_rng_seed(gan_rng_t *rng, uint64_t seed)
{
    if (!rng)
        return gan__fail(GAN_E_INVALID_ARG, "gan_rng_seed: rng is NULL");
    gan__rng_seed(&rng->r, seed);
    return GAN_OK;
}
