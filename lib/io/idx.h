/* IDX files (the format of the MNIST files): reading, plain or gzip. */
#ifndef GAN_IO_IDX_H
#define GAN_IO_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "gan/status.h"

#define GAN__IDX_MAX_RANK 4

/* What the caller accepts: ranks, and words for messages. */
typedef struct gan__idx_kind {
    int32_t min_rank, max_rank;
    const char *noun;     /* what the first dimension counts: "images" */
    const char *expected; /* "magic 0x00000801 (labels, rank 1)" */
} gan__idx_kind;

/* An unsigned-byte IDX file in memory. */
typedef struct gan__idx {
    uint8_t *data; /* size bytes, row-major; free with gan__idx_release */
    size_t size;   /* the product of dims, at most INT32_MAX */
    int32_t rank;
    int32_t dims[GAN__IDX_MAX_RANK]; /* each >= 1 */
} gan__idx;

/* Read @p path whole. Every failure sets the error as "fn: path: what": GAN_E_IO
 * (open/read, with the system's reason), GAN_E_FORMAT (magic, type, rank, a zero
 * dimension, too many values, fewer or more data bytes than the header says, corrupt
 * gzip), GAN_E_NO_MEMORY. @p out is zeroed on failure. */
gan_status gan__idx_read(gan__idx *out, const char *fn, const char *path,
                         const gan__idx_kind *kind);

/* "10000 images of 28x28" for messages. */
void gan__idx_describe(char *buf, size_t cap, const gan__idx *idx, const char *noun);

void gan__idx_release(gan__idx *idx);

#endif
