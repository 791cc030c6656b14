/* Versioned options structs: size_t struct_size first, newer callers may pass more. */
#ifndef GAN_CORE_OPTIONS_H
#define GAN_CORE_OPTIONS_H

#include <stddef.h>

#include "gan/status.h"

/* For *_options_init: check the caller's size, zero the struct, store struct_size. */
gan_status gan__options_init(void *opts, size_t struct_size, size_t known_size,
                             const char *who);

/* Copy a caller's options into @p dst (known_size bytes, already holding the defaults):
 * a shorter struct keeps the defaults for the fields it lacks; a longer one is accepted
 * only if the bytes this version does not know are all zero. */
gan_status gan__options_read(void *dst, size_t known_size, const void *src,
                             size_t min_size, const char *who);

/* Statistics structs, filled by a step for the version the caller knows: struct_size
 * first, set by the caller. A step's check of its stats argument: NULL, or a
 * struct_size that at least holds itself (GAN_E_INVALID_ARG naming @p who). */
gan_status gan__stats_check(const void *stats, const char *who);

/* Copy the library's @p src (known_size bytes, its struct_size first) into the caller's
 * @p dst, as much of it as dst's struct_size holds, and set dst's struct_size to the
 * bytes written. NULL @p dst: nothing. */
void gan__stats_copy(void *dst, const void *src, size_t known_size);

#endif
