/* libgan: version macros and the run-time version query.
 *
 * ABI policy: the SONAME (libgan.so.0) changes only when an existing
 * exported symbol changes meaning or signature, or an options struct loses a field.
 * Adding functions, enum values or trailing options fields is not a break: they go
 * into a new node of the linker version script. Generated from meson.build; edit the
 * project version there. */
#ifndef GAN_VERSION_H
#define GAN_VERSION_H

#include <gan/export.h>

#define GAN_VERSION_MAJOR 0
#define GAN_VERSION_MINOR 1
#define GAN_VERSION_PATCH 0
/** MAJOR*10000 + MINOR*100 + PATCH, for compile-time comparisons. */
#define GAN_VERSION_NUMBER \
    (GAN_VERSION_MAJOR * 10000 + GAN_VERSION_MINOR * 100 + GAN_VERSION_PATCH)
#define GAN_VERSION_STRING "0.1.0"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Version of the library actually loaded, as GAN_VERSION_NUMBER encodes it.
 * @return MAJOR*10000 + MINOR*100 + PATCH. Compare with GAN_VERSION_NUMBER to detect
 *         a program running against a library other than the one it was built with.
 * Thread-safe.
 */
GAN_API unsigned gan_version(void);

/**
 * @brief Version of the library actually loaded, as a static string ("0.1.0").
 * @return GAN_VERSION_STRING of the library loaded; never NULL. Thread-safe; the string
 *         is never freed.
 */
GAN_API const char *gan_version_string(void);

#ifdef __cplusplus
}
#endif

#endif /* GAN_VERSION_H */
