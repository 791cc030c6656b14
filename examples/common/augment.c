#include "common/augment.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "common/rng.h"

/* The pixel at (x, y) of img, bilinearly interpolated; background outside. */
static float sample_bilinear(const float *img, int32_t h, int32_t w, double x, double y)
{
    int32_t x0 = (int32_t)floor(x), y0 = (int32_t)floor(y);
    double fx = x - x0, fy = y - y0, v = 0;
    for (int32_t dy = 0; dy <= 1; dy++)
        for (int32_t dx = 0; dx <= 1; dx++) {
            int32_t xi = x0 + dx, yi = y0 + dy;
            double weight = (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy);
            v += weight * (xi < 0 || yi < 0 || xi >= w || yi >= h ? -1.0
                                                                  : img[yi * w + xi]);
        }
    return (float)v;
}

/* dst = img with every pixel replaced by the max of itself and its four neighbours
 * (grow: strokes a pixel wider), or halfway to their min (thin: a full min erases the
 * thinnest fonts). */
static void change_stroke_width(const float *img, float *dst, int32_t h, int32_t w, bool grow)
{
    static const int32_t dx[4] = {1, -1, 0, 0}, dy[4] = {0, 0, 1, -1};
    for (int32_t y = 0; y < h; y++)
        for (int32_t x = 0; x < w; x++) {
            float v = img[y * w + x];
            for (int k = 0; k < 4; k++) {
                int32_t xi = x + dx[k], yi = y + dy[k];
                float u = xi < 0 || yi < 0 || xi >= w || yi >= h ? -1.0f : img[yi * w + xi];
                v = grow ? fmaxf(v, u) : fminf(v, u);
            }
            dst[y * w + x] = grow ? v : 0.5f * (v + img[y * w + x]);
        }
}

void ex_augment_digits(float *x, int32_t n, int32_t h, int32_t w, uint64_t *rng,
                       float *scratch)
{
    const size_t size = (size_t)h * (size_t)w;
    float *copy = scratch, *width = scratch + size;
    for (int32_t i = 0; i < n; i++) {
        float *img = x + (size_t)i * size;
        /* The output pixel p comes from M^-1 (p - c - t) + c, M = rotation * shear *
         * scale about the centre c. */
        double angle = ex_uniform(rng, -0.25, 0.25), shear = ex_uniform(rng, -0.35, 0.35);
        double scale = ex_uniform(rng, 0.85, 1.1);
        double tx = ex_uniform(rng, -2, 2), ty = ex_uniform(rng, -2, 2);
        double c = cos(angle), s = sin(angle);
        /* M = R(angle) [1 shear; 0 1] scale; its inverse, written out */
        double m00 = c * scale, m01 = (c * shear - s) * scale;
        double m10 = s * scale, m11 = (s * shear + c) * scale;
        double det = m00 * m11 - m01 * m10;
        double i00 = m11 / det, i01 = -m01 / det, i10 = -m10 / det, i11 = m00 / det;
        double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0;
        double stroke = ex_uniform(rng, 0, 1);
        memcpy(copy, img, sizeof *img * size);
        if (stroke < 0.45) {
            change_stroke_width(img, width, h, w, stroke < 0.3);
            memcpy(copy, width, sizeof *img * size);
        }
        for (int32_t y = 0; y < h; y++)
            for (int32_t xo = 0; xo < w; xo++) {
                double px = xo - cx - tx, py = y - cy - ty;
                img[y * w + xo] = sample_bilinear(copy, h, w, i00 * px + i01 * py + cx,
                                                  i10 * px + i11 * py + cy);
            }
    }
}
