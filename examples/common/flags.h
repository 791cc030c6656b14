/* The examples' command-line number parsing. */
#ifndef GAN_EXAMPLE_FLAGS_H
#define GAN_EXAMPLE_FLAGS_H

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/* *out = the whole of s as a decimal integer in [lo, hi]; false (out untouched) if s is
 * not one. */
static inline bool ex_parse_int(const char *s, long lo, long hi, int32_t *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = (int32_t)v;
    return true;
}

/* *out = the whole of s as a finite decimal number in [lo, hi]; false (out untouched) if
 * s is not one. */
static inline bool ex_parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

#endif
