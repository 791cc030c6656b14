/* Per-channel and per-feature passes shared by layers. */
#include "kernels/elementwise.h"

#include <string.h>

#include "core/clones.h"

GAN__CLONES void gan__add_channel_bias(float *y, const float *b, int32_t n, int32_t c,
                                       size_t inner)
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

/* Channels summed side by side: each sum is still one chain of additions in its own
 * order (images, then points), so the result is that of one channel at a time; the
 * chains only stop waiting on each other. */
enum { GAN__SUM_BLOCK = 16 };

GAN__CLONES void gan__sum_channels_range(float *db_a, float *db_b, const float *dy,
                                         int32_t n, int32_t c, size_t inner, int32_t first,
                                         int32_t last)
{
    for (int32_t ch0 = first; ch0 < last; ch0 += GAN__SUM_BLOCK) {
        const int32_t nb = last - ch0 < GAN__SUM_BLOCK ? last - ch0 : GAN__SUM_BLOCK;
        double sum[GAN__SUM_BLOCK] = {0};
        for (int32_t i = 0; i < n; i++) {
            const float *rows = dy + ((size_t)i * c + ch0) * inner;
            if (inner == 1) /* (n, c) rows: the block's channels are adjacent */
                for (int32_t j = 0; j < nb; j++)
                    sum[j] += rows[j];
            else
                for (size_t k = 0; k < inner; k++)
                    for (int32_t j = 0; j < nb; j++)
                        sum[j] += rows[(size_t)j * inner + k];
        }
        for (int32_t j = 0; j < nb; j++) {
            db_a[ch0 + j] += (float)sum[j];
            if (db_b)
                db_b[ch0 + j] += (float)sum[j];
        }
    }
}

void gan__sum_channels_pair(float *db_a, float *db_b, const float *dy, int32_t n, int32_t c,
                            size_t inner)
{
    gan__sum_channels_range(db_a, db_b, dy, n, c, inner, 0, c);
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
