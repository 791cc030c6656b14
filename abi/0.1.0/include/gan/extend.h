/* libgan: hooks for libraries built on libgan (such as libgan-io). */
#ifndef GAN_EXTEND_H
#define GAN_EXTEND_H

#include <gan/export.h>
#include <gan/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Report a failure through libgan's per-thread error message, so that
 *        gan_last_error() describes errors of a library built on libgan (libgan-io
 *        uses it) exactly as it describes libgan's own.
 *
 * Formats @p fmt like printf into the calling thread's message (cut at 511 bytes) and
 * returns @p status unchanged, so that an error site is one line:
 * `return gan_set_error(GAN_E_FORMAT, "%s: %s: bad magic", __func__, path);`.
 * Name the function first, as libgan's own messages do. Not meant for applications:
 * they read errors, they do not set them.
 * @param status the status the caller is about to return (any value, GAN_OK included).
 * @param fmt a printf format; NULL sets the empty message.
 * @return @p status unchanged: GAN_OK if it was GAN_OK, else the failure given
 *         (GAN_E_FORMAT in the example above). Thread-safe (the message is thread-local).
 */
GAN_API gan_status gan_set_error(gan_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#ifdef __cplusplus
}
#endif

#endif /* GAN_EXTEND_H */
