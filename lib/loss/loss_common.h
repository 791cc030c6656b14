/* Argument checks shared by every loss: NULL pointers, batch size, finite inputs. */
#ifndef GAN_LOSS_COMMON_H
#define GAN_LOSS_COMMON_H

#include <stdint.h>

#include "gan/status.h"

/* The checks every loss makes on its main input, in this order: @p x and @p loss
 * non-NULL (GAN_E_INVALID_ARG), n >= 1 (GAN_E_OUT_OF_RANGE), then the n * width values
 * of x finite (GAN_E_NUMERIC naming the first bad one). @p what names x in messages;
 * width >= 1 is the number of values per sample. */
gan_status gan__loss_check(const char *who, const char *what, const float *x, int32_t n,
                           int32_t width, const double *loss);

/* A second input array of a loss (BCE targets), checked after gan__loss_check: non-NULL
 * and its n * width values finite. */
gan_status gan__loss_check_values(const char *who, const char *what, const float *x,
                                  int32_t n, int32_t width);

/* The checks of a signed term (Wasserstein, hinge): gan__loss_check on the n scores,
 * then a sign of exactly +1 or -1 (GAN_E_INVALID_ARG). */
gan_status gan__loss_check_signed(const char *who, const float *scores, float sign,
                                  int32_t n, const double *loss);

#endif
