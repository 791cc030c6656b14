/* libgan: status codes and the per-thread error message. */
#ifndef GAN_STATUS_H
#define GAN_STATUS_H

#include <gan/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Result of every fallible libgan function. GAN_OK is 0 and every failure is negative.
 * Values are grouped by tens and pinned: they are never renumbered or reused.
 */
typedef enum gan_status {
    GAN_OK = 0,

    /* -1..-9: the caller passed something wrong */
    GAN_E_INVALID_ARG = -1,   /**< NULL handle or pointer, or a meaningless value */
    GAN_E_OUT_OF_RANGE = -2,  /**< a number outside its documented range (never clamped) */

    /* -10..-19: shapes */
    GAN_E_SHAPE = -10,        /**< a layer does not fit the shape it is given */
    GAN_E_BATCH_SIZE = -11,   /**< a batch of another size than the model was built for */

    /* -20..-29: call order */
    GAN_E_STATE = -20,        /**< the handle is not in a state that allows this call */

    /* -30..-39: resources */
    GAN_E_NO_MEMORY = -30,    /**< an allocation failed; nothing was changed */

    /* -40..-49: compute backend */
    GAN_E_BACKEND = -40,      /**< the matrix-product backend reported a failure */

    /* -50..-59: files and formats */
    GAN_E_IO = -50,           /**< a file could not be opened, read or written */
    GAN_E_FORMAT = -51,       /**< a file is malformed, truncated or of another kind */

    /* -60..-69: numerics */
    GAN_E_NUMERIC = -60,      /**< NaN or infinity where a finite value is required */

    /* -90..-99: bugs */
    GAN_E_INTERNAL = -99      /**< an internal invariant failed: please report it */
} gan_status;

/**
 * @brief Short static description of a status code ("shape mismatch").
 * @param status any value, defined by this version or not.
 * @return A string that is never NULL and never freed; "unknown status" for values
 *         this version does not define. Thread-safe.
 */
GAN_API const char *gan_status_string(gan_status status);

/**
 * @brief Detailed message about the last failure on the calling thread.
 *
 * Names the function, the layer (index and name), the expected and actual shapes or
 * the offending argument, e.g. "gan_model_add: layer 3 'conv2d_3': expects an input
 * of rank 3 (C,H,W), got (784)". Valid only right after a call returned a non-OK
 * status; later calls may overwrite it.
 * @return A thread-local string owned by the library; never NULL ("" if no error).
 *
 * Thread safety: thread-safe; each thread has its own message, which no other thread's
 * calls change.
 */
GAN_API const char *gan_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* GAN_STATUS_H */
