/* Shapes of per-sample tensors. */
#include "tensor.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"

gan_status gan__shape_check(const gan__shape *s, const char *what)
{
    if (s->ndim < 1 || s->ndim > GAN__MAX_RANK)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: rank %d is outside [1, %d]", what,
                         (int)s->ndim, GAN__MAX_RANK);
    int64_t count = 1;
    for (int32_t i = 0; i < s->ndim; i++) {
        if (s->d[i] < 1)
            return gan__fail(GAN_E_OUT_OF_RANGE, "%s: dimension %d is %d, must be >= 1",
                             what, (int)i, (int)s->d[i]);
        count *= s->d[i];
        if (count > INT32_MAX)
            return gan__fail(GAN_E_OUT_OF_RANGE,
                             "%s: more than %d elements per sample", what, INT32_MAX);
    }
    return GAN_OK;
}

gan_status gan__shape_from(gan__shape *out, const int32_t *dims, int32_t ndim,
                           const char *what)
{
    if (!dims)
        return gan__fail(GAN_E_INVALID_ARG, "%s: dims is NULL", what);
    if (ndim < 1 || ndim > GAN__MAX_RANK)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: rank %d is outside [1, %d]", what,
                         (int)ndim, GAN__MAX_RANK);
    gan__shape s = {.ndim = ndim};
    memcpy(s.d, dims, (size_t)ndim * sizeof *dims);
    gan_status st = gan__shape_check(&s, what);
    if (st == GAN_OK)
        *out = s;
    return st;
}

size_t gan__shape_size(const gan__shape *s)
{
    size_t n = 1;
    for (int32_t i = 0; i < s->ndim; i++)
        n *= (size_t)s->d[i];
    return n;
}

bool gan__shape_equal(const gan__shape *a, const gan__shape *b)
{
    if (a->ndim != b->ndim)
        return false;
    for (int32_t i = 0; i < a->ndim; i++)
        if (a->d[i] != b->d[i])
            return false;
    return true;
}

gan__shape_text gan__shape_str(const gan__shape *s)
{
    gan__shape_text t;
    size_t used = 0;
    t.s[used++] = '(';
    for (int32_t i = 0; i < s->ndim && i < GAN__MAX_RANK; i++)
        used += (size_t)snprintf(t.s + used, sizeof t.s - used, i ? ",%d" : "%d",
                                 (int)s->d[i]);
    snprintf(t.s + used, sizeof t.s - used, ")");
    return t;
}

gan__shape gan__shape1(int32_t f)
{
    return (gan__shape){.ndim = 1, .d = {f}};
}

gan__shape gan__shape3(int32_t c, int32_t h, int32_t w)
{
    return (gan__shape){.ndim = 3, .d = {c, h, w}};
}

void gan__shape_to_dims(const gan__shape *s, int32_t dims[4], int32_t *ndim)
{
    for (int32_t i = 0; i < GAN__MAX_RANK; i++)
        dims[i] = i < s->ndim ? s->d[i] : 0;
    *ndim = s->ndim;
}
