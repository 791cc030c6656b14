/* libgan-io: IDX datasets (MNIST's format) and PNG images, in a library of their own.
 *
 * This header belongs to libgan-io (libgan-io.so.0, `pkg-config libgan-io`), not to
 * libgan: gan/gan.h does not include it, and a program that brings its own arrays links
 * libgan alone. libgan-io needs zlib and libpng and uses libgan's public API; its errors
 * are reported through the same gan_status codes and gan_last_error().
 *
 *     gan_dataset_t *ds;
 *     int32_t c, h, w;
 *     gan_dataset_open_dir(&ds, "data/mnist", 42);      // train-*-idx*-ubyte[.gz]
 *     gan_dataset_get_info(ds, NULL, &c, &h, &w, NULL);
 *     float *x = malloc(sizeof *x * 64 * c * h * w);
 *     int32_t y[64];
 *     gan_dataset_next_batch(ds, 64, x, y);              // (64, c, h, w) in [-1, 1]
 *     ...
 *     gan_png_write_grid("samples.png", fake, 64, c, h, w, 8, 2);
 *
 * (Check each status in real code.) Thread safety: distinct datasets may be used from
 * different threads at once; one dataset must not be used from two threads at the same
 * time. The writers keep no state and are thread-safe. See doc/IO.md.
 */
#ifndef GAN_IO_H
#define GAN_IO_H

#include <stddef.h>
#include <stdint.h>

#include <gan/export.h>
#include <gan/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A dataset held in memory as 8-bit pixels (one byte per value; floats are made per
 * batch), with optional labels, handed out in batches in a seeded order. Images that
 * are mostly black, such as MNIST's, are held coded as runs of zeros when that takes
 * less memory (MNIST's digits: 26 % of their bytes); they are decoded exactly.
 *
 * Order: epoch e is a permutation of the samples that depends on the seed, e and the
 * sample count only (the algorithm is in doc/IO.md). Batches are taken from it in
 * order; a batch that does not fit in what is left of an epoch is not cut: the rest of
 * the epoch is skipped and the batch starts the next epoch.
 *
 * Position: the number of samples consumed since open, the skipped tails of epochs
 * included. Epoch e starts at position e * count, so position = epoch * count + offset
 * into the epoch, whatever batch sizes were used.
 */
typedef struct gan_dataset gan_dataset_t;

/**
 * @brief Load an image file and, optionally, its labels (IDX, plain or gzip).
 *
 * Images are an unsigned-byte IDX file of rank 3, (N, H, W) with magic 0x00000803, or of
 * rank 4, (N, C, H, W) with magic 0x00000804. Labels are an unsigned-byte IDX file of
 * rank 1 (magic 0x00000801) with one label per image. Gzip is recognised by its first two
 * bytes (0x1f 0x8b), not by the file name. A file must hold exactly the bytes its header
 * announces, and at most 2^31 - 1 values.
 * @param out receives the dataset; *out is set to NULL on failure.
 * @param images_path the image file.
 * @param labels_path the label file, or NULL for a dataset without labels.
 * @param seed seeds the order of every epoch.
 * @return GAN_OK; GAN_E_INVALID_ARG (out or images_path NULL), GAN_E_IO (a file cannot
 *         be opened or read; the message names it and gives the system's reason),
 *         GAN_E_FORMAT (a file is not such an IDX file, is truncated, has trailing
 *         bytes, or the counts of images and labels differ; the message names the file
 *         and says what was expected and what was found), GAN_E_NO_MEMORY,
 *         GAN_E_INTERNAL (zlib cannot start or reset a gzip stream).
 */
GAN_API gan_status gan_dataset_open_idx(gan_dataset_t **out, const char *images_path,
                                        const char *labels_path, uint64_t seed);

/**
 * @brief Load the MNIST-named files of a directory, as gan_dataset_open_idx() does.
 *
 * Images: dir/train-images-idx3-ubyte, or if that does not exist,
 * dir/train-images-idx3-ubyte.gz. Labels: dir/train-labels-idx1-ubyte, else
 * dir/train-labels-idx1-ubyte.gz, else none. (Either file may be gzip-compressed
 * whatever its name.)
 * @param out receives the dataset; *out is set to NULL on failure.
 * @param dir the directory.
 * @param seed seeds the order of every epoch.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL), GAN_E_IO (no image file, or a file cannot
 *         be read), GAN_E_FORMAT, GAN_E_NO_MEMORY, GAN_E_INTERNAL, as
 *         gan_dataset_open_idx().
 */
GAN_API gan_status gan_dataset_open_dir(gan_dataset_t **out, const char *dir,
                                        uint64_t seed);

/** @brief Free a dataset. NULL is a no-op. */
GAN_API void gan_dataset_destroy(gan_dataset_t *ds);

/**
 * @brief The shape of the data. Any out-pointer may be NULL.
 * @param count number of samples (>= 1).
 * @param channels C of a rank-4 image file, 1 for a rank-3 one.
 * @param height H.
 * @param width W.
 * @param classes the largest label + 1, or 0 for a dataset without labels.
 * @return GAN_OK; GAN_E_INVALID_ARG (ds NULL).
 */
GAN_API gan_status gan_dataset_get_info(const gan_dataset_t *ds, int64_t *count,
                                        int32_t *channels, int32_t *height,
                                        int32_t *width, int32_t *classes);

/**
 * @brief Hand out the next @p batch samples (see gan_dataset_t for the order) and
 *        advance the position by @p batch, plus the skipped tail of the epoch if the
 *        batch did not fit in it.
 * @param batch 1 to count; it may change from call to call.
 * @param images receives (batch, C, H, W) floats, pixel p scaled to p / 127.5 - 1, so
 *        0 -> -1 and 255 -> 1 exactly.
 * @param labels receives batch int32 labels of the same samples, or NULL.
 * @return GAN_OK; GAN_E_INVALID_ARG (ds or images NULL, labels asked of a dataset
 *         without labels), GAN_E_OUT_OF_RANGE (batch < 1 or > count, or the position
 *         would pass 2^64 - 1). On failure nothing is written and the position stays.
 */
GAN_API gan_status gan_dataset_next_batch(gan_dataset_t *ds, int32_t batch,
                                          float *images, int32_t *labels);

/**
 * @brief The number of samples consumed since open or the last set_position: the
 *        samples handed out plus the skipped tails of epochs (so a finished epoch always
 *        counts `count`). Save it to resume a run with gan_dataset_set_position().
 * @param position receives the position.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL).
 */
GAN_API gan_status gan_dataset_get_position(const gan_dataset_t *ds, uint64_t *position);

/**
 * @brief Move to a position, for resuming. Any value is accepted: position p is
 *        offset p mod count of epoch p / count (an epoch's order depends only on the
 *        seed and its number, so no history is needed).
 *
 * Contract: if a dataset opened from the same files with the same seed consumed
 * batches b1..bk and its position became p, then any dataset of those files and seed
 * given set_position(p) hands out, for the same following batch sizes, exactly the same
 * batches (images, labels, order) and positions as the first one does.
 * @param position any value, typically one gan_dataset_get_position() returned.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL).
 */
GAN_API gan_status gan_dataset_set_position(gan_dataset_t *ds, uint64_t position);

/**
 * @brief The epoch of the position: position / count, the number of epochs finished
 *        (0 right after open). The next batch is taken from this epoch, unless it does
 *        not fit in what is left of it and so starts the next one.
 * @param epoch receives the epoch.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL).
 */
GAN_API gan_status gan_dataset_get_epoch(const gan_dataset_t *ds, uint64_t *epoch);

/**
 * @brief Write an unsigned-byte IDX file: magic 0x00000800 | ndim, then each dimension
 *        as a big-endian 32-bit number, then the data. The file is written to a
 *        temporary file next to @p path, synced and renamed over @p path, so a reader
 *        sees the old file or the whole new one. It is not compressed.
 * @param path the file to create or replace.
 * @param data product(dims) bytes, row-major (the last dimension varies fastest).
 * @param ndim 1 to 255 (3 for (N, H, W) images, 4 for (N, C, H, W), 1 for labels).
 * @param dims ndim values, each >= 1, whose product is at most 2^31 - 1.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL), GAN_E_OUT_OF_RANGE (ndim, a dimension, or
 *         the total), GAN_E_IO (the file cannot be created, written or renamed; the
 *         message gives the reason), GAN_E_NO_MEMORY.
 */
GAN_API gan_status gan_idx_write_u8(const char *path, const uint8_t *data, int32_t ndim,
                                    const int32_t *dims);

/**
 * @brief Write images as one PNG grid: tiles of H x W in rows of @p columns, left to
 *        right then top to bottom, with @p padding black pixels between the tiles and
 *        around them; tile slots past the last image stay black.
 *
 * The PNG is (columns * (W + padding) + padding) wide and
 * (rows * (H + padding) + padding) high, rows = ceil(n / columns); 8-bit gray for C = 1,
 * 8-bit RGB for C = 3. A value x becomes round((x + 1) * 127.5) clipped to [0, 255] (NaN
 * becomes 0). Written atomically (temporary file, sync, rename).
 * @param path the PNG file to create or replace.
 * @param images (n, C, H, W) floats, nominally in [-1, 1].
 * @param n number of images, >= 1.
 * @param channels 1 (gray) or 3 (RGB).
 * @param height H >= 1.
 * @param width W >= 1.
 * @param columns tiles per row, >= 1.
 * @param padding >= 0.
 * @return GAN_OK; GAN_E_INVALID_ARG (path or images NULL), GAN_E_OUT_OF_RANGE (n,
 *         channels, a size, columns or padding; or a PNG side over 1000000 pixels),
 *         GAN_E_IO (the file cannot be written; the message gives libpng's or the
 *         system's reason), GAN_E_NO_MEMORY.
 */
GAN_API gan_status gan_png_write_grid(const char *path, const float *images, int32_t n,
                                      int32_t channels, int32_t height, int32_t width,
                                      int32_t columns, int32_t padding);

/**
 * @brief Draw series as a line chart into an RGB PNG (training curves, say).
 *
 * On white: the title at the top; a y axis labelled with the smallest and largest
 * finite value of all series (one axis for all) and an x axis labelled with the first
 * and last point index; each series as a line in its own colour, broken where a point
 * is NaN or infinite; a legend of the names in the top-right corner. Series i has
 * colour i of the palette in doc/IO.md (ten fixed colours, then golden-angle hues).
 * Text uses a 5x7 bitmap font (printable ASCII; other bytes print as '?'), scaled by
 * min(width, height) / 400 when that is 2 or more. Written atomically.
 * @param path the PNG file to create or replace.
 * @param width 160 to 8192 pixels.
 * @param height 120 to 8192 pixels.
 * @param series (n_series, n_points) floats, row-major.
 * @param n_series 1 to 256.
 * @param n_points >= 1 (point i is at x = i).
 * @param names n_series strings for the legend (an entry may be NULL: no text), or
 *        NULL for no legend.
 * @param title a line of text, or NULL.
 * @return GAN_OK; GAN_E_INVALID_ARG (path or series NULL), GAN_E_OUT_OF_RANGE (a size
 *         or a count), GAN_E_IO (the file cannot be written), GAN_E_NO_MEMORY.
 */
GAN_API gan_status gan_png_write_plot(const char *path, int32_t width, int32_t height,
                                      const float *series, int32_t n_series,
                                      int32_t n_points, const char *const *names,
                                      const char *title);

#ifdef __cplusplus
}
#endif

#endif /* GAN_IO_H */
