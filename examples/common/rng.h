/* splitmix64 (Steele, Lea and Flood 2014): the examples' small seeded generator, the one
 * libgan-io's dataset order uses (doc/IO.md). */
#ifndef GAN_EXAMPLE_RNG_H
#define GAN_EXAMPLE_RNG_H

#include <stdint.h>

static inline uint64_t ex_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ z >> 30) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ z >> 27) * 0x94D049BB133111EBull;
    return z ^ z >> 31;
}

/* A uniform double in [lo, hi). */
static inline double ex_uniform(uint64_t *state, double lo, double hi)
{
    return lo + (hi - lo) * (double)(ex_splitmix64(state) >> 11) * 0x1p-53;
}

#endif
