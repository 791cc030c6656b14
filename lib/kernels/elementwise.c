/* Per-channel and per-feature passes shared by layers. */
#include "kernels/elementwise.h"

#include <string.h>

void gan__add_channel_bias(float *y, const float *b, int32_t n, int32_t c, size_t inner)
{
    if (inner == 1) {
        /* Dense and the recurrent layers' rows: one loop over a row's c values, which
         * vectorises; the general loop's innermost loop would run once per value. The
         * same single addition per value, so the same bits. */
        for (int32_t i = 0; i < n; i++) {
            float *row = y + (size_t)i * (size_t)c;
            for (int32_t ch = 0; ch < c; ch++)
                row[ch] += b[ch];
        }
        return;
    }
    for (int32_t i = 0; i < n; i++)
        for (int32_t ch = 0; ch < c; ch++) {
            float *row = y + ((size_t)i * c + ch) * inner;
            const float bias = b[ch];
            for (size_t k = 0; k < inner; k++)
                row[k] += bias;
        }
}

void gan__sum_channels(float *db, const float *dy, int32_t n, int32_t c, size_t inner)
{
    gan__sum_channels_pair(db, NULL, dy, n, c, inner);
}

static double gan__channel_sum(const float *dy, int32_t n, int32_t c, int32_t ch, size_t inner)
{
    double sum = 0.0;
    for (int32_t i = 0; i < n; i++) {
        const float *row = dy + ((size_t)i * c + ch) * inner;
        for (size_t k = 0; k < inner; k++)
            sum += row[k];
    }
    return sum;
}

void gan__sum_channel(float *db, const float *dy, int32_t n, int32_t c, int32_t ch,
                      size_t inner)
{
    *db += (float)gan__channel_sum(dy, n, c, ch, inner);
}

void gan__sum_channels_pair(float *db_a, float *db_b, const float *dy, int32_t n, int32_t c,
                            size_t inner)
{
    for (int32_t ch = 0; ch < c; ch++) {
        const double sum = gan__channel_sum(dy, n, c, ch, inner);
        db_a[ch] += (float)sum;
        if (db_b)
            db_b[ch] += (float)sum;
    }
}

void gan__channels_to_batch(float *dst, const float *src, int32_t n, int32_t c,
                            size_t inner)
{
    for (int32_t i = 0; i < n; i++)
        for (int32_t ch = 0; ch < c; ch++)
            memcpy(dst + ((size_t)i * c + ch) * inner, src + ((size_t)ch * n + i) * inner,
                   inner * sizeof *dst);
}

void gan__batch_to_channels(float *dst, const float *src, int32_t n, int32_t c,
                            size_t inner)
{
    for (int32_t i = 0; i < n; i++)
        for (int32_t ch = 0; ch < c; ch++)
            memcpy(dst + ((size_t)ch * n + i) * inner, src + ((size_t)i * c + ch) * inner,
                   inner * sizeof *dst);
}
