/* Per-thread error message: set at the failing site, read by gan_last_error(). */
#ifndef GAN_CORE_ERROR_H
#define GAN_CORE_ERROR_H

#include "gan/status.h"

/* Format the thread's error message and return @p status, so that an error site is one
 * line: `return gan__fail(GAN_E_SHAPE, "%s: ...", __func__, ...);` */
gan_status gan__fail(gan_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Prefix the current message with "prefix: " (adds context as an error travels up). */
void gan__error_prefix(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
