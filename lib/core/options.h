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

#endif
