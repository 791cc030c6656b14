/* Versioned options structs (libxkbcommon's and zstd's scheme). */
#include "core/options.h"

#include <string.h>

#include "core/error.h"
#include "gan/version.h"

gan_status gan__options_init(void *opts, size_t struct_size, size_t known_size,
                             const char *who)
{
    if (!opts)
        return gan__fail(GAN_E_INVALID_ARG, "%s: opts is NULL", who);
    if (struct_size < known_size)
        return gan__fail(GAN_E_INVALID_ARG,
                         "%s: struct_size %zu is smaller than this version's %zu", who,
                         struct_size, known_size);
    memset(opts, 0, struct_size);
    memcpy(opts, &struct_size, sizeof struct_size);
    return GAN_OK;
}

gan_status gan__options_read(void *dst, size_t known_size, const void *src,
                             size_t min_size, const char *who)
{
    if (!src)
        return GAN_OK;
    size_t size;
    memcpy(&size, src, sizeof size);
    if (size < min_size)
        return gan__fail(GAN_E_INVALID_ARG,
                         "%s: options struct_size %zu is below the minimum %zu (was it "
                         "filled by its _options_init?)",
                         who, size, min_size);
    const unsigned char *bytes = src;
    for (size_t i = known_size; i < size; i++)
        if (bytes[i] != 0)
            return gan__fail(GAN_E_INVALID_ARG,
                             "%s: options byte %zu is set, but libgan %s does not know "
                             "that field (built against a newer header?)",
                             who, i, GAN_VERSION_STRING);
    size_t copy = size < known_size ? size : known_size;
    memcpy(dst, src, copy);
    memcpy(dst, &known_size, sizeof known_size);
    return GAN_OK;
}

gan_status gan__stats_check(const void *stats, const char *who)
{
    size_t size;
    if (!stats)
        return GAN_OK;
    memcpy(&size, stats, sizeof size);
    if (size < sizeof size)
        return gan__fail(GAN_E_INVALID_ARG, "%s: set stats->struct_size first", who);
    return GAN_OK;
}

void gan__stats_copy(void *dst, const void *src, size_t known_size)
{
    size_t size;
    if (!dst)
        return;
    memcpy(&size, dst, sizeof size);
    if (size > known_size)
        size = known_size;
    memcpy(dst, src, size);
    memcpy(dst, &size, sizeof size);
}
