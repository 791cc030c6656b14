/* A float's bits as an integer and back, through memcpy (no aliasing or union tricks):
 * for checkpoints' byte order and for the bit-level float maths of kernels/vmath.c. */
#ifndef GAN_CORE_BITS_H
#define GAN_CORE_BITS_H

#include <stdint.h>
#include <string.h>

static inline uint32_t gan__f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float gan__f32_from(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

#endif
