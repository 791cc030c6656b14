/* Measurements of a 28x28 digit in the spirit of Morpho-MNIST (Castro et al. 2019):
 * stroke thickness, slant, width and height, for captions that say more than the class.
 *
 * Conventions, the same in every function:
 * - An image is (28, 28) row-major floats in [-1, 1], as libgan-io's datasets hand them
 *   out (byte p -> p / 127.5 - 1). Row 0 is the top, column 0 the left.
 * - Binarisation: a pixel is foreground when it is > EX_MORPHO_THRESHOLD (0), that is when
 *   its byte is >= 128, the middle of the byte range.
 * - Lengths are in pixels of the 28x28 image (Morpho-MNIST measures at 4x; this does not
 *   upsample, so thickness is coarser: a 1-pixel stroke measures about 1).
 *
 * No function allocates (a few KiB of stack at most), keeps state or prints, so all are
 * thread-safe. They return EX_MORPHO_OK or a negative EX_MORPHO_E_* status.
 */
#ifndef GAN_EXAMPLE_MORPHO_H
#define GAN_EXAMPLE_MORPHO_H

#include <stdint.h>

#define EX_MORPHO_SIDE 28
#define EX_MORPHO_PIXELS (EX_MORPHO_SIDE * EX_MORPHO_SIDE)
#define EX_MORPHO_THRESHOLD 0.0f

enum {
    EX_MORPHO_OK = 0,
    EX_MORPHO_E_ARG = -1,   /* a NULL pointer */
    EX_MORPHO_E_EMPTY = -2, /* no foreground pixel: nothing to measure */
};

/* The measures of one digit. */
typedef struct ex_morpho {
    int32_t area;    /* foreground pixels */
    float length;    /* skeleton length (ex_morpho_skeleton_length) */
    int32_t ends;    /* skeleton pixels with one skeleton neighbour (a lone pixel: 2) */
    /* The mean stroke width in pixels: area / length, where the length is extended by
     * (thickness - 1) / 2 at each end for the stroke the thinning removed there, so a bar
     * w pixels wide measures w (area / length alone gives 5 L / (L - 4) for w = 5). A
     * digit without ends (a closed 0) measures area / length. */
    float thickness;
    /* atan(-mu11 / mu02) in radians, from the central second moments of the foreground
     * pixel coordinates (x the column, y the row, downwards): the shear that best maps a
     * vertical stroke onto the digit. > 0 when the top leans to the right (as in italics),
     * < 0 when it leans left; 0 for an upright digit, and for a single row of pixels. */
    float slant;
    /* Width once the slant is undone: the extent, + 1, of x + tan(slant) (y - mean y) over
     * the foreground (Morpho-MNIST's slant-corrected width), so leaning does not count as
     * width. A sheared bar w pixels wide measures w. */
    float width;
    float box_width; /* the bounding box's columns (leaning counts) */
    float height;    /* the bounding box's rows */
} ex_morpho;

/* mask (28, 28) = 1 where image (28, 28) > EX_MORPHO_THRESHOLD, else 0.
 * Returns the number of foreground pixels, or EX_MORPHO_E_ARG. */
int ex_morpho_binarise(uint8_t *mask, const float *image);

/* Thin a 0/1 mask (28, 28) in place to a one-pixel-wide, 8-connected skeleton: Guo-Hall's
 * parallel thinning (Guo and Hall 1989, algorithm A1, as OpenCV's ximgproc implements it),
 * two sub-iterations until nothing changes. Outside the image is background. A 2x2 block
 * thins to one pixel; no component disappears. Returns EX_MORPHO_OK or EX_MORPHO_E_ARG. */
int ex_morpho_thin(uint8_t *mask);

/* The length of a skeleton (28, 28), in pixels: each pair of 4-adjacent skeleton pixels
 * adds 1 and each pair of diagonal ones adds sqrt 2 unless a pixel 4-adjacent to both is
 * also skeleton (the corner of a staircase is not counted twice), plus 1 so that a lone
 * pixel is 1 long and a straight run of n pixels n long. 0 for an empty mask or NULL. */
float ex_morpho_skeleton_length(const uint8_t *skeleton);

/* Measure a 0/1 mask (28, 28) (any nonzero byte is foreground) into *out.
 * Returns EX_MORPHO_OK, EX_MORPHO_E_ARG (NULL) or EX_MORPHO_E_EMPTY (no foreground;
 * *out is then zeroed, never NaN). */
int ex_morpho_measure_mask(const uint8_t *mask, ex_morpho *out);

/* Binarise image (28, 28) in [-1, 1] and measure it, as ex_morpho_measure_mask. */
int ex_morpho_measure(const float *image, ex_morpho *out);

#endif
