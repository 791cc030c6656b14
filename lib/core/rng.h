/* The one random generator: xoshiro256** seeded through splitmix64.
 *
 * uniform: the top 24 bits of a draw, times 2^-24, in [0, 1).
 * normal: Box-Muller on two uniforms (the first mapped to (0, 1]); both values of a pair
 * are used, the second kept in the state. This is the documented algorithm: the same
 * seed gives the same numbers on every platform with IEEE float and a correct libm. */
#ifndef GAN_CORE_RNG_H
#define GAN_CORE_RNG_H

#include <stdbool.h>
#include <stdint.h>

typedef struct gan__rng {
    uint64_t s[4];
    float spare_normal;
    bool has_spare;
} gan__rng;

/* The public handle (gan/hacks.h) is this generator. */
struct gan_rng {
    gan__rng r;
};

void gan__rng_seed(gan__rng *r, uint64_t seed);
/* Seed an independent stream from a base seed and a stream id (e.g. a layer index). */
void gan__rng_seed_stream(gan__rng *r, uint64_t seed, uint64_t stream);
float gan__rng_uniform(gan__rng *r);
float gan__rng_normal(gan__rng *r);

static inline uint64_t gan__rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* Inline: cheap enough for per-element use in loops. */
static inline uint64_t gan__rng_next(gan__rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = gan__rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = gan__rotl(s[3], 45);
    return result;
}

#endif
