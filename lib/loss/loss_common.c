/* Argument checks shared by every loss: NULL pointers, batch size, finite inputs. */
#include "loss/loss_common.h"

#include <stddef.h>

#include "core/error.h"
#include "kernels/vmath.h"

gan_status gan__loss_check_values(const char *who, const char *what, const float *x,
                                  size_t n, size_t width)
{
    if (!x)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, what);
    const size_t count = n * width;
    const size_t i = gan__vfind_nonfinite(x, count);
    if (i == count)
        return GAN_OK;
    /* Rows of a (n, width) matrix are named by sample and column as well. */
    if (width > 1)
        return gan__fail(GAN_E_NUMERIC, "%s: %s[%zu] (sample %zu, column %zu) is %g", who,
                         what, i, i / width, i % width, (double)x[i]);
    return gan__fail(GAN_E_NUMERIC, "%s: %s[%zu] is %g", who, what, i, (double)x[i]);
}

gan_status gan__loss_check(const char *who, const char *what, const float *x, int32_t n,
                           int32_t width, const double *loss)
{
    if (!x)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, what);
    if (!loss)
        return gan__fail(GAN_E_INVALID_ARG, "%s: loss is NULL", who);
    if (n < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: batch size n = %d, expected >= 1", who,
                         (int)n);
    return gan__loss_check_values(who, what, x, (size_t)n, (size_t)width);
}

gan_status gan__loss_check_pair(const char *who, const float *pred, const float *target,
                                size_t count, const double *loss)
{
    if (!pred || !target)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, pred ? "target" : "pred");
    if (!loss)
        return gan__fail(GAN_E_INVALID_ARG, "%s: loss is NULL", who);
    if (count < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: count = 0, expected >= 1", who);
    gan_status st = gan__loss_check_values(who, "pred", pred, count, 1);
    if (st == GAN_OK)
        st = gan__loss_check_values(who, "target", target, count, 1);
    return st;
}

gan_status gan__loss_check_signed(const char *who, const float *scores, float sign,
                                  int32_t n, const double *loss)
{
    gan_status st = gan__loss_check(who, "scores", scores, n, 1, loss);
    if (st != GAN_OK)
        return st;
    /* NaN compares unequal to both and is rejected too. */
    if (sign != 1.0f && sign != -1.0f)
        return gan__fail(GAN_E_INVALID_ARG, "%s: sign is %g, expected +1 or -1", who,
                         (double)sign);
    return GAN_OK;
}
