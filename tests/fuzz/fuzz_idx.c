/* libFuzzer target: the IDX reader behind gan_dataset_open_idx, plain and gzip (known by
 * its first bytes), with and without a label file, then the dataset's calls.
 *
 * Input: byte 0 even: the rest is an image file. Odd: bytes 1-2 (little-endian) give
 * where the rest splits into an image file and a label file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "gan/io.h"

/* At most this many floats per batch: the reader accepts files of any size the header
 * and data agree on, the harness only bounds its own buffer. */
#define FZ_MAX_FLOATS (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *rest = data + 1;
    size_t n = size - 1, images_n = n;
    const char *labels = NULL;
    if (data[0] & 1) {
        if (n < 2)
            return 0;
        size_t split = (size_t)rest[0] | (size_t)rest[1] << 8;
        rest += 2;
        n -= 2;
        images_n = split < n ? split : n;
        labels = fz_file(1, rest + images_n, n - images_n);
        if (!labels)
            return 0;
    }
    const char *images = fz_file(0, rest, images_n);
    if (!images)
        return 0;
    gan_dataset_t *ds = NULL;
    if (fz_status(gan_dataset_open_idx(&ds, images, labels, data[0])) != GAN_OK) {
        if (ds) /* a failed open must leave *out NULL */
            abort();
        return 0;
    }
    int64_t count;
    int32_t c, h, w, classes;
    if (gan_dataset_get_info(ds, &count, &c, &h, &w, &classes) != GAN_OK || count < 1)
        abort();
    const size_t per = (size_t)c * (size_t)h * (size_t)w;
    int32_t batch = count < 3 ? (int32_t)count : 3;
    if (per * (size_t)batch <= FZ_MAX_FLOATS) {
        float *x = malloc(per * (size_t)batch * sizeof *x);
        int32_t y[3];
        for (int i = 0; x && i < 4; i++) {
            if (gan_dataset_next_batch(ds, batch, x, labels ? y : NULL) != GAN_OK)
                abort();
            for (size_t k = 0; k < per * (size_t)batch; k++)
                if (!(x[k] >= -1.0f && x[k] <= 1.0f))
                    abort();
            for (int32_t k = 0; labels && k < batch; k++)
                if (y[k] < 0 || y[k] >= classes)
                    abort();
        }
        free(x);
    }
    uint64_t position;
    if (gan_dataset_get_position(ds, &position) != GAN_OK ||
        gan_dataset_set_position(ds, position + 1) != GAN_OK)
        abort();
    gan_dataset_destroy(ds);
    return 0;
}
