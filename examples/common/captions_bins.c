/* Captions for MNIST digits: per-digit tertile bins of the Morpho-MNIST measures. */
#include "common/captions.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_float(const void *a, const void *b)
{
    const float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Cuts of values already copied into s (sorted here). */
static int tertiles_sorted(float cuts[2], float *s, int32_t n)
{
    for (int32_t i = 0; i < n; i++)
        if (!isfinite(s[i]))
            return EX_CAPTION_E_DATA;
    qsort(s, (size_t)n, sizeof *s, cmp_float);
    for (int k = 1; k <= 2; k++) {
        int64_t i = (2 * (int64_t)k * n + 3) / 6; /* round(k n / 3) */
        cuts[k - 1] = (s[i - 1] + s[i]) / 2;
    }
    return EX_CAPTION_OK;
}

int ex_tertiles_fit(float cuts[2], const float *values, int32_t n)
{
    if (!cuts || !values)
        return EX_CAPTION_E_ARG;
    if (n < 3)
        return EX_CAPTION_E_DATA;
    float *s = malloc(sizeof *s * (size_t)n);
    if (!s)
        return EX_CAPTION_E_NO_MEMORY;
    memcpy(s, values, sizeof *s * (size_t)n);
    int rc = tertiles_sorted(cuts, s, n);
    free(s);
    return rc;
}

int ex_tertile_bin(const float cuts[2], float v)
{
    return v < cuts[0] ? EX_BIN_LOW : v < cuts[1] ? EX_BIN_MID : EX_BIN_HIGH;
}

float ex_caption_attr_value(const ex_morpho *m, int attr)
{
    switch (attr) {
    case EX_ATTR_THICKNESS: return m->thickness;
    case EX_ATTR_SLANT: return m->slant;
    case EX_ATTR_WIDTH: return m->width;
    default: return NAN;
    }
}

int ex_caption_cuts_fit(ex_caption_cuts *cuts, const ex_morpho *m, const int32_t *digits,
                        int32_t n)
{
    if (!cuts || (n > 0 && (!m || !digits)) || n < 0)
        return EX_CAPTION_E_ARG;
    float *s = malloc(sizeof *s * (size_t)(n > 0 ? n : 1));
    if (!s)
        return EX_CAPTION_E_NO_MEMORY;
    int rc = EX_CAPTION_OK;
    for (int d = 0; d < EX_CAPTION_DIGITS && rc == EX_CAPTION_OK; d++)
        for (int a = 0; a < EX_CAPTION_ATTRS && rc == EX_CAPTION_OK; a++) {
            int32_t k = 0;
            for (int32_t i = 0; i < n; i++)
                if (digits[i] == d)
                    s[k++] = ex_caption_attr_value(&m[i], a);
            rc = k < 3 ? EX_CAPTION_E_DATA : tertiles_sorted(cuts->cut[d][a], s, k);
        }
    free(s);
    return rc;
}

int ex_caption_bins(int bin[EX_CAPTION_ATTRS], const ex_caption_cuts *cuts, int digit,
                    const ex_morpho *m)
{
    if (!bin || !cuts || !m || digit < 0 || digit >= EX_CAPTION_DIGITS)
        return EX_CAPTION_E_ARG;
    for (int a = 0; a < EX_CAPTION_ATTRS; a++)
        bin[a] = ex_tertile_bin(cuts->cut[digit][a], ex_caption_attr_value(m, a));
    return EX_CAPTION_OK;
}
