/* Argument checks shared by every loss: NULL pointers, batch size, finite inputs. */
#ifndef GAN_LOSS_COMMON_H
#define GAN_LOSS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "gan/status.h"

/* The smallest double that rounds to float infinity: FLT_MAX plus half its ulp (the tie
 * rounds to the even 2^128). A gradient at or beyond it does not fit a float. */
#define GAN__FLOAT_OVERFLOW 0x1.ffffffp127

/* The checks every loss makes on its main input, in this order: @p x and @p loss
 * non-NULL (GAN_E_INVALID_ARG), n >= 1 (GAN_E_OUT_OF_RANGE), then the n * width values
 * of x finite (GAN_E_NUMERIC naming the first bad one). @p what names x in messages;
 * width >= 1 is the number of values per sample. */
gan_status gan__loss_check(const char *who, const char *what, const float *x, int32_t n,
                           int32_t width, const double *loss);

/* A second input array of a loss (BCE targets), checked after gan__loss_check: non-NULL
 * and its n * width values finite. */
gan_status gan__loss_check_values(const char *who, const char *what, const float *x,
                                  size_t n, size_t width);

/* The checks of a signed term (Wasserstein, hinge): gan__loss_check on the n scores,
 * then a sign of exactly +1 or -1 (GAN_E_INVALID_ARG). */
gan_status gan__loss_check_signed(const char *who, const float *scores, float sign,
                                  int32_t n, const double *loss);

/* The checks of a loss between two tensors (L1, L2), in this order: pred and target
 * non-NULL, loss non-NULL (GAN_E_INVALID_ARG), count >= 1 (GAN_E_OUT_OF_RANGE), then the
 * count values of pred and of target finite (GAN_E_NUMERIC naming the first bad one). */
gan_status gan__loss_check_pair(const char *who, const float *pred, const float *target,
                                size_t count, const double *loss);

#endif
