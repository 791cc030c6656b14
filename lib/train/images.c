/* Images in [-1, 1] for a tanh generator (Radford et al. 2016; Chintala's hack #1). */
#include <math.h>

#include "core/error.h"
#include "gan/hacks.h"

gan_status gan_images_from_u8(const uint8_t *pixels, size_t n, float *out)
{
    if (!pixels || !out)
        return gan__fail(GAN_E_INVALID_ARG, "gan_images_from_u8: %s is NULL",
                         pixels ? "out" : "pixels");
    for (size_t i = 0; i < n; i++)
        out[i] = (float)pixels[i] / 127.5f - 1.0f;
    return GAN_OK;
}

gan_status gan_images_to_u8(const float *values, size_t n, uint8_t *out)
{
    if (!values || !out)
        return gan__fail(GAN_E_INVALID_ARG, "gan_images_to_u8: %s is NULL",
                         values ? "out" : "values");
    for (size_t i = 0; i < n; i++) {
        float p = roundf((values[i] + 1.0f) * 127.5f);
        out[i] = !(p > 0.0f) ? 0 : p >= 255.0f ? 255 : (uint8_t)p; /* NaN -> 0 */
    }
    return GAN_OK;
}
