/* Shapes of per-sample tensors.
 *
 * Every activation is a batch of samples stored row-major: sample n, then channel c,
 * then row h, then column w (NCHW). A shape here excludes the batch dimension: (F) for
 * a feature vector, (C,H,W) for an image. Parameters are row-major too; each layer
 * documents its weight layout. */
#ifndef GAN_TENSOR_H
#define GAN_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gan/status.h"

#define GAN__MAX_RANK 4

typedef struct gan__shape {
    int32_t ndim;
    int32_t d[GAN__MAX_RANK];
} gan__shape;

/* Printable form "(1,28,28)", returned by value so it can sit inside a format call. */
typedef struct gan__shape_text {
    char s[64];
} gan__shape_text;

/* Build a shape from caller dims; fails (naming @p what) on a bad rank, a dimension < 1
 * or more than INT32_MAX elements per sample. */
gan_status gan__shape_from(gan__shape *out, const int32_t *dims, int32_t ndim,
                           const char *what);
/* Check an already-built shape the same way (after a layer computes it). */
gan_status gan__shape_check(const gan__shape *s, const char *what);
size_t gan__shape_size(const gan__shape *s);
bool gan__shape_equal(const gan__shape *a, const gan__shape *b);
gan__shape_text gan__shape_str(const gan__shape *s);
gan__shape gan__shape1(int32_t f);
/* The shape as a caller's dims[4] (unused ones 0) and rank. */
void gan__shape_to_dims(const gan__shape *s, int32_t dims[4], int32_t *ndim);
gan__shape gan__shape3(int32_t c, int32_t h, int32_t w);

#endif
