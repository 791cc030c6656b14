/* Morpho-MNIST-style measurements of a 28x28 digit: binarise, thin, measure. */
#include "common/morpho.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

enum { S = EX_MORPHO_SIDE, P = S + 2 }; /* P: the side with a one-pixel border */
static const double sqrt2 = 1.4142135623730951;

int ex_morpho_binarise(uint8_t *mask, const float *image)
{
    if (!mask || !image)
        return EX_MORPHO_E_ARG;
    int n = 0;
    for (int i = 0; i < EX_MORPHO_PIXELS; i++)
        n += mask[i] = image[i] > EX_MORPHO_THRESHOLD;
    return n;
}

/* One Guo-Hall sub-iteration over the padded 0/1 image b: marks, then removes, every
 * pixel whose removal keeps the connectivity (C == 1), is not an end (N >= 2) nor inside
 * a thick region (N <= 3), and is on this sub-iteration's side (m == 0). The marks are
 * all taken before any removal, which is what makes the pass parallel. */
static bool guo_hall_pass(uint8_t b[P][P], int iter)
{
    uint8_t mark[P][P] = {{0}};
    bool changed = false;
    for (int i = 1; i <= S; i++)
        for (int j = 1; j <= S; j++) {
            if (!b[i][j])
                continue;
            /* p2 north, then clockwise to p9 north-west. */
            int p2 = b[i - 1][j], p3 = b[i - 1][j + 1], p4 = b[i][j + 1];
            int p5 = b[i + 1][j + 1], p6 = b[i + 1][j], p7 = b[i + 1][j - 1];
            int p8 = b[i][j - 1], p9 = b[i - 1][j - 1];
            int c = (!p2 && (p3 || p4)) + (!p4 && (p5 || p6)) + (!p6 && (p7 || p8)) +
                    (!p8 && (p9 || p2));
            int n1 = (p9 || p2) + (p3 || p4) + (p5 || p6) + (p7 || p8);
            int n2 = (p2 || p3) + (p4 || p5) + (p6 || p7) + (p8 || p9);
            int n = n1 < n2 ? n1 : n2;
            bool m = iter == 0 ? (p6 || p7 || !p9) && p8 : (p2 || p3 || !p5) && p4;
            if (c == 1 && n >= 2 && n <= 3 && !m)
                mark[i][j] = 1;
        }
    for (int i = 1; i <= S; i++)
        for (int j = 1; j <= S; j++)
            if (mark[i][j]) {
                b[i][j] = 0;
                changed = true;
            }
    return changed;
}

int ex_morpho_thin(uint8_t *mask)
{
    if (!mask)
        return EX_MORPHO_E_ARG;
    uint8_t b[P][P] = {{0}};
    for (int i = 0; i < S; i++)
        for (int j = 0; j < S; j++)
            b[i + 1][j + 1] = mask[i * S + j] != 0;
    /* Each round removes at least one pixel, so this ends within area rounds. */
    for (bool changed = true; changed;) {
        changed = guo_hall_pass(b, 0);
        changed = guo_hall_pass(b, 1) || changed;
    }
    for (int i = 0; i < S; i++)
        for (int j = 0; j < S; j++)
            mask[i * S + j] = b[i + 1][j + 1];
    return EX_MORPHO_OK;
}

float ex_morpho_skeleton_length(const uint8_t *skeleton)
{
    if (!skeleton)
        return 0;
    uint8_t b[P][P] = {{0}};
    bool any = false;
    for (int i = 0; i < S; i++)
        for (int j = 0; j < S; j++)
            any |= (b[i + 1][j + 1] = skeleton[i * S + j] != 0);
    if (!any)
        return 0;
    /* Each link is counted once, from its upper (or, in a row, left) pixel. */
    double len = 1;
    for (int i = 1; i <= S; i++)
        for (int j = 1; j <= S; j++) {
            if (!b[i][j])
                continue;
            len += b[i][j + 1] + b[i + 1][j];
            if (b[i + 1][j + 1] && !b[i][j + 1] && !b[i + 1][j])
                len += sqrt2;
            if (b[i + 1][j - 1] && !b[i][j - 1] && !b[i + 1][j])
                len += sqrt2;
        }
    return (float)len;
}

/* Skeleton pixels with one 8-neighbour on the skeleton, and a lone pixel twice (a dot is
 * a stroke whose two ends meet). */
static int skeleton_ends(const uint8_t *skeleton)
{
    int ends = 0;
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++) {
            if (!skeleton[y * S + x])
                continue;
            int k = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    if ((dy || dx) && y + dy >= 0 && y + dy < S && x + dx >= 0 && x + dx < S)
                        k += skeleton[(y + dy) * S + x + dx] != 0;
            ends += k == 0 ? 2 : k == 1;
        }
    return ends;
}

/* Thinning eats (t - 1) / 2 pixels of stroke at each end, so t = area / (length + e (t -
 * 1) / 2) for e ends: the positive root of (e/2) t^2 + (length - e/2) t - area = 0. A bar
 * w pixels wide then measures w exactly; a loop (no ends) measures area / length. */
static double thickness(int area, double length, int ends)
{
    if (ends == 0)
        return area / length; /* length >= 1: thinning keeps a pixel of each component */
    const double b = length - ends / 2.0;
    return (-b + sqrt(b * b + 2.0 * ends * area)) / ends;
}

int ex_morpho_measure_mask(const uint8_t *mask, ex_morpho *out)
{
    if (!mask || !out)
        return EX_MORPHO_E_ARG;
    *out = (ex_morpho){0};
    /* First moments, bounding box. */
    int area = 0, top = S, bottom = -1, left = S, right = -1;
    double sx = 0, sy = 0;
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++) {
            if (!mask[y * S + x])
                continue;
            area++;
            sx += x;
            sy += y;
            top = y < top ? y : top;
            bottom = y;
            left = x < left ? x : left;
            right = x > right ? x : right;
        }
    if (area == 0)
        return EX_MORPHO_E_EMPTY;
    const double mx = sx / area, my = sy / area;
    double mu11 = 0, mu02 = 0;
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++)
            if (mask[y * S + x]) {
                mu11 += (x - mx) * (y - my);
                mu02 += (y - my) * (y - my);
            }
    /* x ~ mean x - shear (y - mean y): a top leaning right has x falling as y grows. */
    const double shear = mu02 > 0 ? -mu11 / mu02 : 0;
    double lo = INFINITY, hi = -INFINITY;
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++)
            if (mask[y * S + x]) {
                double u = x + shear * (y - my);
                lo = u < lo ? u : lo;
                hi = u > hi ? u : hi;
            }

    uint8_t skeleton[EX_MORPHO_PIXELS];
    memcpy(skeleton, mask, sizeof skeleton);
    ex_morpho_thin(skeleton);
    out->area = area;
    out->length = ex_morpho_skeleton_length(skeleton);
    out->ends = skeleton_ends(skeleton);
    out->thickness = (float)thickness(area, out->length, out->ends);
    out->slant = (float)atan(shear) + 0.0f; /* + 0: never -0 */
    out->width = (float)(hi - lo + 1);
    out->box_width = (float)(right - left + 1);
    out->height = (float)(bottom - top + 1);
    return EX_MORPHO_OK;
}

int ex_morpho_measure(const float *image, ex_morpho *out)
{
    uint8_t mask[EX_MORPHO_PIXELS];
    if (!out)
        return EX_MORPHO_E_ARG;
    if (ex_morpho_binarise(mask, image) < 0) {
        *out = (ex_morpho){0};
        return EX_MORPHO_E_ARG;
    }
    return ex_morpho_measure_mask(mask, out);
}
