/* Datasets: IDX images and labels in memory, handed out in seeded per-epoch orders.
 *
 * Order of epoch e (documented in gan/io.h and doc/IO.md, and part of the contract):
 * start from the identity permutation of the count samples; a splitmix64 generator
 * starts from state sm(seed XOR sm(e)), where sm(x) is splitmix64's first output from
 * state x; Fisher-Yates from the end: for i = count-1 down to 1, draw j uniform in
 * [0, i] (draw r until r >= 2^64 mod (i+1), then j = r mod (i+1), so there is no modulo
 * bias) and swap elements i and j. Nothing but the seed, e and the count enters, which
 * is what makes set_position exact without any history. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gan/extend.h"
#include "gan/hacks.h"
#include "gan/io.h"
#include "core/file.h"
#include "io/idx.h"
#include "io/zero_runs.h"

struct gan_dataset {
    uint8_t *images;  /* (count, C, H, W) pixels, or NULL when they are coded */
    uint8_t *coded;   /* the samples' zero-run codes back to back, or NULL */
    uint32_t *starts; /* count + 1 offsets into coded (it is smaller than the images) */
    uint8_t *pixels;  /* one sample decoded */
    uint8_t *labels;  /* count labels, or NULL */
    int64_t count;
    int32_t channels, height, width, classes;
    size_t sample;    /* C * H * W */
    uint64_t seed;
    uint64_t position; /* samples consumed, skipped tails included */
    uint32_t *order;   /* the permutation of epoch order_epoch */
    uint64_t order_epoch;
    bool order_valid;
};

static const gan__idx_kind gan__images_kind = {
    3, 4, "images",
    "images: magic 0x00000803 (N,H,W) or 0x00000804 (N,C,H,W) of unsigned bytes"};
static const gan__idx_kind gan__labels_kind = {
    1, 1, "labels", "labels: magic 0x00000801 (N) of unsigned bytes"};

/* splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
 * OOPSLA 2014): add the golden gamma to the state, output the state mixed. */
static uint64_t gan__splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static uint64_t gan__sm(uint64_t x)
{
    return gan__splitmix64(&x);
}

static void gan__make_order(gan_dataset_t *ds, uint64_t epoch)
{
    const uint32_t n = (uint32_t)ds->count;
    uint64_t state = gan__sm(ds->seed ^ gan__sm(epoch));
    for (uint32_t i = 0; i < n; i++)
        ds->order[i] = i;
    for (uint32_t i = n - 1; i > 0; i--) {
        const uint64_t bound = (uint64_t)i + 1;
        const uint64_t reject_below = -bound % bound; /* 2^64 mod bound */
        uint64_t r;
        do
            r = gan__splitmix64(&state);
        while (r < reject_below);
        const uint32_t j = (uint32_t)(r % bound);
        const uint32_t t = ds->order[i];
        ds->order[i] = ds->order[j];
        ds->order[j] = t;
    }
    ds->order_epoch = epoch;
    ds->order_valid = true;
}

/* Keep the images as zero-run codes if these and their offsets take less memory. The
 * codes are written over the images, each sample's before the next one's bytes (pass 1
 * checks that they fit so), and the block is then shrunk: no second block exists at
 * any time, and the allocator gets the pages back without a free() of a large block
 * (glibc's then raises its threshold for mapping blocks of their own, and blocks
 * allocated later land in the heap, zeroed page by page). The images stay as they are
 * if coding does not pay, or if the small arrays cannot be had. */
static void gan__dataset_code(gan_dataset_t *ds)
{
    const size_t count = (size_t)ds->count, n = ds->sample, raw = count * n;
    size_t size = 0, longest = 0;
    bool fits = true;
    for (size_t i = 0; i < count && fits; i++) {
        const size_t len = gan__zero_runs_encode(NULL, ds->images + i * n, n);
        longest = len > longest ? len : longest;
        size += len;
        fits = size <= (i + 1) * n;
    }
    const size_t index = sizeof *ds->starts * (count + 1) + longest;
    if (!fits || index >= raw - size)
        return;
    uint8_t *pixels = malloc(longest > n ? longest : n); /* a sample's code, then pixels */
    uint32_t *starts = malloc(sizeof *starts * (count + 1));
    if (!pixels || !starts) {
        free(pixels);
        free(starts);
        return;
    }
    size_t at = 0;
    for (size_t i = 0; i < count; i++) {
        const size_t len = gan__zero_runs_encode(pixels, ds->images + i * n, n);
        memcpy(ds->images + at, pixels, len);
        starts[i] = (uint32_t)at; /* at < raw <= INT32_MAX, the reader's limit */
        at += len;
    }
    starts[count] = (uint32_t)at;
    uint8_t *coded = realloc(ds->images, at);
    ds->coded = coded ? coded : ds->images; /* a failed shrink leaves the block as it was */
    ds->images = NULL;
    ds->starts = starts;
    ds->pixels = pixels;
}

/* Sample @p i's pixels: in the images, or decoded into ds->pixels. */
static const uint8_t *gan__dataset_sample(gan_dataset_t *ds, uint32_t i)
{
    if (ds->images)
        return ds->images + (size_t)i * ds->sample;
    gan__zero_runs_decode(ds->pixels, ds->coded + ds->starts[i], ds->sample);
    return ds->pixels;
}

/* Takes the arrays of @p images and @p labels (labels->data may be NULL). */
static gan_status gan__dataset_make(gan_dataset_t **out, const char *fn, gan__idx *images,
                                    gan__idx *labels, const char *images_path,
                                    const char *labels_path, uint64_t seed)
{
    const bool rank4 = images->rank == 4;
    if (labels->data && labels->dims[0] != images->dims[0])
        return gan_set_error(GAN_E_FORMAT, "%s: %s holds %ld labels but %s holds %ld "
                             "images; expected one label per image", fn, labels_path,
                             (long)labels->dims[0], images_path, (long)images->dims[0]);
    gan_dataset_t *ds = calloc(1, sizeof *ds);
    uint32_t *order = malloc(sizeof *order * (size_t)images->dims[0]);
    if (!ds || !order) {
        free(ds);
        free(order);
        return gan_set_error(GAN_E_NO_MEMORY, "%s: cannot allocate the dataset of %ld "
                             "samples", fn, (long)images->dims[0]);
    }
    ds->count = images->dims[0];
    ds->channels = rank4 ? images->dims[1] : 1;
    ds->height = images->dims[rank4 ? 2 : 1];
    ds->width = images->dims[rank4 ? 3 : 2];
    ds->sample = images->size / (size_t)ds->count;
    ds->seed = seed;
    ds->order = order;
    ds->images = images->data;
    images->data = NULL;
    ds->labels = labels->data;
    labels->data = NULL;
    for (int64_t i = 0; ds->labels && i < ds->count; i++)
        if (ds->labels[i] >= ds->classes)
            ds->classes = ds->labels[i] + 1;
    gan__dataset_code(ds);
    *out = ds;
    return GAN_OK;
}

static gan_status gan__dataset_load(gan_dataset_t **out, const char *fn,
                                    const char *images_path, const char *labels_path,
                                    uint64_t seed)
{
    gan__idx images, labels = {0};
    gan_status st = gan__idx_read(&images, fn, images_path, &gan__images_kind);
    if (st == GAN_OK && labels_path)
        st = gan__idx_read(&labels, fn, labels_path, &gan__labels_kind);
    if (st == GAN_OK)
        st = gan__dataset_make(out, fn, &images, &labels, images_path, labels_path, seed);
    gan__idx_release(&images);
    gan__idx_release(&labels);
    return st;
}

gan_status gan_dataset_open_idx(gan_dataset_t **out, const char *images_path,
                                const char *labels_path, uint64_t seed)
{
    static const char fn[] = "gan_dataset_open_idx";
    if (out)
        *out = NULL;
    if (!out || !images_path)
        return gan_set_error(GAN_E_INVALID_ARG, "%s: %s is NULL", fn,
                             !out ? "out" : "images_path");
    return gan__dataset_load(out, fn, images_path, labels_path, seed);
}

/* dir/name, or dir/name.gz if only that exists; NULL in *path if neither does. */
static gan_status gan__find(char **path, const char *fn, const char *dir, const char *name)
{
    static const char gz[] = ".gz";
    const size_t n = strlen(dir) + 1 + strlen(name);
    *path = malloc(n + sizeof gz);
    if (!*path)
        return gan_set_error(GAN_E_NO_MEMORY, "%s: cannot allocate a path", fn);
    snprintf(*path, n + sizeof gz, "%s/%s", dir, name);
    struct stat st;
    /* Anything but "absent" counts as present, so that opening it names the problem. */
    if (stat(*path, &st) == 0 || (errno != ENOENT && errno != ENOTDIR))
        return GAN_OK;
    memcpy(*path + n, gz, sizeof gz);
    if (stat(*path, &st) == 0 || (errno != ENOENT && errno != ENOTDIR))
        return GAN_OK;
    free(*path);
    *path = NULL;
    return GAN_OK;
}

gan_status gan_dataset_open_dir(gan_dataset_t **out, const char *dir, uint64_t seed)
{
    static const char fn[] = "gan_dataset_open_dir";
    if (out)
        *out = NULL;
    if (!out || !dir)
        return gan_set_error(GAN_E_INVALID_ARG, "%s: %s is NULL", fn, !out ? "out" : "dir");
    struct stat info;
    if (stat(dir, &info) != 0)
        return gan_set_error(GAN_E_IO, "%s: %s: cannot open the directory: %s", fn, dir,
                             gan__io_strerror(errno).s);
    if (!S_ISDIR(info.st_mode))
        return gan_set_error(GAN_E_IO, "%s: %s: %s", fn, dir,
                             gan__io_strerror(ENOTDIR).s);
    char *images = NULL, *labels = NULL;
    gan_status st = gan__find(&images, fn, dir, "train-images-idx3-ubyte");
    if (st == GAN_OK)
        st = gan__find(&labels, fn, dir, "train-labels-idx1-ubyte");
    if (st == GAN_OK && !images)
        st = gan_set_error(GAN_E_IO, "%s: %s: neither train-images-idx3-ubyte nor "
                           "train-images-idx3-ubyte.gz is there", fn, dir);
    if (st == GAN_OK)
        st = gan__dataset_load(out, fn, images, labels, seed);
    free(images);
    free(labels);
    return st;
}

void gan_dataset_destroy(gan_dataset_t *ds)
{
    if (!ds)
        return;
    free(ds->images);
    free(ds->coded);
    free(ds->starts);
    free(ds->pixels);
    free(ds->labels);
    free(ds->order);
    free(ds);
}

gan_status gan_dataset_get_info(const gan_dataset_t *ds, int64_t *count, int32_t *channels,
                                int32_t *height, int32_t *width, int32_t *classes)
{
    if (!ds)
        return gan_set_error(GAN_E_INVALID_ARG, "gan_dataset_get_info: ds is NULL");
    if (count)
        *count = ds->count;
    if (channels)
        *channels = ds->channels;
    if (height)
        *height = ds->height;
    if (width)
        *width = ds->width;
    if (classes)
        *classes = ds->classes;
    return GAN_OK;
}

gan_status gan_dataset_next_batch(gan_dataset_t *ds, int32_t batch, float *images,
                                  int32_t *labels)
{
    static const char fn[] = "gan_dataset_next_batch";
    if (!ds || !images)
        return gan_set_error(GAN_E_INVALID_ARG, "%s: %s is NULL", fn,
                             !ds ? "ds" : "images");
    if (labels && !ds->labels)
        return gan_set_error(GAN_E_INVALID_ARG, "%s: labels asked of a dataset opened "
                             "without labels (pass NULL)", fn);
    if (batch < 1 || batch > ds->count)
        return gan_set_error(GAN_E_OUT_OF_RANGE, "%s: batch %ld is outside [1, %lld] (the "
                             "dataset's sample count)", fn, (long)batch,
                             (long long)ds->count);
    const uint64_t n = (uint64_t)ds->count;
    /* At most a tail (< n) and a batch (<= n) are added. */
    if (ds->position > UINT64_MAX - 2 * n)
        return gan_set_error(GAN_E_OUT_OF_RANGE, "%s: position %llu is too close to 2^64 "
                             "to advance", fn, (unsigned long long)ds->position);
    uint64_t position = ds->position;
    if (position % n + (uint64_t)batch > n)
        position += n - position % n; /* the tail is skipped: the batch starts an epoch */
    const uint64_t epoch = position / n, first = position % n;
    if (!ds->order_valid || ds->order_epoch != epoch)
        gan__make_order(ds, epoch);
    for (int32_t k = 0; k < batch; k++) {
        const uint32_t i = ds->order[first + (uint64_t)k];
        gan_status st = gan_images_from_u8(gan__dataset_sample(ds, i), ds->sample,
                                           images + (size_t)k * ds->sample);
        if (st != GAN_OK)
            return st;
        if (labels)
            labels[k] = ds->labels[i];
    }
    ds->position = position + (uint64_t)batch;
    return GAN_OK;
}

gan_status gan_dataset_get_position(const gan_dataset_t *ds, uint64_t *position)
{
    if (!ds || !position)
        return gan_set_error(GAN_E_INVALID_ARG, "gan_dataset_get_position: %s is NULL",
                             !ds ? "ds" : "position");
    *position = ds->position;
    return GAN_OK;
}

gan_status gan_dataset_set_position(gan_dataset_t *ds, uint64_t position)
{
    if (!ds)
        return gan_set_error(GAN_E_INVALID_ARG, "gan_dataset_set_position: ds is NULL");
    ds->position = position; /* the epoch's order is made when the next batch needs it */
    return GAN_OK;
}

gan_status gan_dataset_get_epoch(const gan_dataset_t *ds, uint64_t *epoch)
{
    if (!ds || !epoch)
        return gan_set_error(GAN_E_INVALID_ARG, "gan_dataset_get_epoch: %s is NULL",
                             !ds ? "ds" : "epoch");
    *epoch = ds->position / (uint64_t)ds->count;
    return GAN_OK;
}
