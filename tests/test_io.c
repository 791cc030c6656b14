/* libgan-io through its public API: IDX files written and read back (plain, gzip, every
 * kind of damage), dataset order and resumption, the vendored MNIST subset, PNG grids and
 * plots read back with libpng, and the error paths. */
#include "test_util.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <png.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <gan/extend.h>
#include <gan/io.h>

#include "io/zero_runs.h" /* compiled into this test: the coding of sparse datasets */

#ifdef __GLIBC__
#include <malloc.h>
#endif

static char dir[256]; /* the tests' scratch directory */

static const char *in_dir(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
    return buf;
}

/* Remove what is inside @p path (files and directories, recursively). */
static void clear(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return;
    char sub[1024];
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        clear(sub);
        if (rmdir(sub) != 0)
            unlink(sub);
    }
    closedir(d);
}

static int count_entries(const char *path)
{
    DIR *d = opendir(path);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static void write_bytes(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* One gzip member, or appended as another member when @p append. */
static void write_gz(const char *path, const uint8_t *p, size_t n, bool append)
{
    gzFile z = gzopen(path, append ? "ab" : "wb");
    assert_non_null(z);
    assert_int_equal(gzwrite(z, p, (unsigned)n), (int)n);
    assert_int_equal(gzclose(z), Z_OK);
}

static uint8_t *read_bytes(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *p = malloc(1 << 20);
    assert_non_null(p);
    *n = fread(p, 1, 1 << 20, f);
    fclose(f);
    return p;
}

/* An IDX file in memory: magic 0x0000TTRR, big-endian dims, data. Returns its size. */
static size_t make_idx(uint8_t *out, uint8_t type, int rank, const uint32_t *dims,
                       const uint8_t *data, size_t data_size)
{
    const uint8_t head[4] = {0, 0, type, (uint8_t)rank};
    memcpy(out, head, 4);
    for (int i = 0; i < rank; i++)
        for (int b = 0; b < 4; b++)
            out[4 + 4 * i + b] = (uint8_t)(dims[i] >> (24 - 8 * b));
    memcpy(out + 4 + 4 * rank, data, data_size);
    return 4 + 4 * (size_t)rank + data_size;
}

/* ---- A synthetic dataset whose samples say who they are ---- */

enum { SAMPLE_C = 1, SAMPLE_H = 2, SAMPLE_W = 3, SAMPLE = SAMPLE_C * SAMPLE_H * SAMPLE_W };

/* Sample i: pixel 0 is i, the others depend on i; its label is i % 7. */
static uint8_t pixel(int i, int j)
{
    return (uint8_t)(j == 0 ? i : (i * 31 + j * 17) % 256);
}

/* Write images (and labels) of @p n synthetic samples as name-images / name-labels. */
static void write_synthetic(const char *name, int n, char *images, char *labels,
                            size_t size)
{
    uint8_t *px = malloc((size_t)n * SAMPLE), lb[256];
    assert_non_null(px);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < SAMPLE; j++)
            px[i * SAMPLE + j] = pixel(i, j);
        lb[i] = (uint8_t)(i % 7);
    }
    char base[256];
    snprintf(base, sizeof base, "%s-images", name);
    const int32_t dims[3] = {n, SAMPLE_H, SAMPLE_W}, ldims[1] = {n};
    GT_OK(gan_idx_write_u8(in_dir(images, size, base), px, 3, dims));
    snprintf(base, sizeof base, "%s-labels", name);
    GT_OK(gan_idx_write_u8(in_dir(labels, size, base), lb, 1, ldims));
    free(px);
}

static gan_dataset_t *synthetic(int n, uint64_t seed)
{
    char images[512], labels[512];
    write_synthetic("syn", n, images, labels, sizeof images);
    gan_dataset_t *ds;
    GT_OK(gan_dataset_open_idx(&ds, images, labels, seed));
    return ds;
}

/* Take a batch and return the sample numbers, checking every pixel and label. */
static void take(gan_dataset_t *ds, int32_t batch, int *who)
{
    float x[256 * SAMPLE];
    int32_t y[256];
    GT_OK(gan_dataset_next_batch(ds, batch, x, y));
    for (int32_t k = 0; k < batch; k++) {
        const int i = (int)lroundf((x[k * SAMPLE] + 1.0f) * 127.5f);
        for (int j = 0; j < SAMPLE; j++)
            assert_true(x[k * SAMPLE + j] == (float)pixel(i, j) / 127.5f - 1.0f);
        assert_int_equal(y[k], i % 7); /* the label travelled with its image */
        who[k] = i;
    }
}

static uint64_t position_of(const gan_dataset_t *ds)
{
    uint64_t p;
    GT_OK(gan_dataset_get_position(ds, &p));
    return p;
}

/* ---- IDX round trips ---- */

static void test_idx_round_trip_rank3(void **state)
{
    (void)state;
    char images[512], labels[512];
    write_synthetic("r3", 5, images, labels, sizeof images);

    /* The bytes are exactly the IDX format: magic, big-endian dims, data. */
    size_t n;
    uint8_t *raw = read_bytes(images, &n);
    const uint8_t head[16] = {0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 0, 3};
    assert_int_equal(n, 16 + 5 * SAMPLE);
    assert_memory_equal(raw, head, 16);
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < SAMPLE; j++)
            assert_int_equal(raw[16 + i * SAMPLE + j], pixel(i, j));
    free(raw);
    raw = read_bytes(labels, &n);
    const uint8_t lhead[13] = {0, 0, 8, 1, 0, 0, 0, 5, 0, 1, 2, 3, 4};
    assert_int_equal(n, 13);
    assert_memory_equal(raw, lhead, 13);
    free(raw);

    gan_dataset_t *ds;
    GT_OK(gan_dataset_open_idx(&ds, images, labels, 7));
    int64_t count;
    int32_t c, h, w, classes;
    GT_OK(gan_dataset_get_info(ds, &count, &c, &h, &w, &classes));
    assert_int_equal(count, 5);
    assert_int_equal(c, 1);
    assert_int_equal(h, SAMPLE_H);
    assert_int_equal(w, SAMPLE_W);
    assert_int_equal(classes, 5); /* labels 0..4 */
    GT_OK(gan_dataset_get_info(ds, NULL, NULL, NULL, NULL, NULL));
    int who[5], seen[5] = {0};
    take(ds, 5, who);
    for (int k = 0; k < 5; k++)
        seen[who[k]]++;
    for (int i = 0; i < 5; i++)
        assert_int_equal(seen[i], 1);
    gan_dataset_destroy(ds);

    /* Without labels: classes 0, and labels may not be asked for. */
    GT_OK(gan_dataset_open_idx(&ds, images, NULL, 7));
    GT_OK(gan_dataset_get_info(ds, NULL, NULL, NULL, NULL, &classes));
    assert_int_equal(classes, 0);
    float x[5 * SAMPLE];
    int32_t y[5];
    GT_FAILS(gan_dataset_next_batch(ds, 5, x, y), GAN_E_INVALID_ARG, "without labels");
    assert_int_equal(position_of(ds), 0);
    GT_OK(gan_dataset_next_batch(ds, 5, x, NULL));
    gan_dataset_destroy(ds);
}

static void test_idx_round_trip_rank4(void **state)
{
    (void)state;
    enum { N = 4, C = 3, H = 2, W = 5 };
    uint8_t px[N * C * H * W];
    for (int i = 0; i < N * C * H * W; i++)
        px[i] = (uint8_t)(i * 13 % 256);
    char images[512];
    const int32_t dims[4] = {N, C, H, W};
    GT_OK(gan_idx_write_u8(in_dir(images, sizeof images, "rgb"), px, 4, dims));
    size_t n;
    uint8_t *raw = read_bytes(images, &n);
    const uint8_t head[20] = {0, 0, 8, 4, 0, 0, 0, N, 0, 0, 0, C, 0, 0, 0, H, 0, 0, 0, W};
    assert_int_equal(n, sizeof head + sizeof px);
    assert_memory_equal(raw, head, sizeof head);
    assert_memory_equal(raw + sizeof head, px, sizeof px);
    free(raw);

    gan_dataset_t *ds;
    GT_OK(gan_dataset_open_idx(&ds, images, NULL, 1));
    int64_t count;
    int32_t c, h, w;
    GT_OK(gan_dataset_get_info(ds, &count, &c, &h, &w, NULL));
    assert_int_equal(count, N);
    assert_int_equal(c, C);
    assert_int_equal(h, H);
    assert_int_equal(w, W);
    /* Each sample comes out whole as (C, H, W): find it among the originals. */
    float x[N * C * H * W];
    GT_OK(gan_dataset_next_batch(ds, N, x, NULL));
    for (int k = 0; k < N; k++) {
        int match = -1;
        for (int i = 0; i < N; i++) {
            bool same = true;
            for (int j = 0; j < C * H * W; j++)
                same = same &&
                       x[k * C * H * W + j] == px[i * C * H * W + j] / 127.5f - 1.0f;
            match = same ? i : match;
        }
        assert_true(match >= 0);
    }
    gan_dataset_destroy(ds);
}

/* Plain, gzip (named .gz or not), plain named .gz, and two gzip members all read alike. */
static void test_gzip_reads_like_plain(void **state)
{
    (void)state;
    enum { N = 40 };
    char images[512], labels[512], gz[512], noext[512], fake[512], multi[512], lgz[512];
    write_synthetic("gz", N, images, labels, sizeof images);
    size_t n, ln;
    uint8_t *raw = read_bytes(images, &n), *lraw = read_bytes(labels, &ln);
    write_gz(in_dir(gz, sizeof gz, "images.gz"), raw, n, false);
    write_gz(in_dir(noext, sizeof noext, "images-compressed"), raw, n, false);
    write_bytes(in_dir(fake, sizeof fake, "plain.gz"), raw, n);
    write_gz(in_dir(multi, sizeof multi, "multi.gz"), raw, n / 2, false);
    write_gz(multi, raw + n / 2, n - n / 2, true);
    write_gz(in_dir(lgz, sizeof lgz, "labels.gz"), lraw, ln, false);
    free(raw);
    free(lraw);

    const char *paths[5] = {images, gz, noext, fake, multi};
    int first[N];
    for (int p = 0; p < 5; p++) {
        gan_dataset_t *ds;
        GT_OK(gan_dataset_open_idx(&ds, paths[p], p % 2 ? lgz : labels, 99));
        int who[N];
        take(ds, N, who);
        if (p == 0)
            memcpy(first, who, sizeof who);
        assert_memory_equal(first, who, sizeof who);
        gan_dataset_destroy(ds);
    }
}

/* ---- Malformed files ---- */

/* A valid 2x3x4 image file (40 bytes) and 2-label file (10 bytes) in memory. */
static size_t valid_images(uint8_t *out)
{
    uint8_t px[24];
    for (int i = 0; i < 24; i++)
        px[i] = (uint8_t)(i * 10);
    const uint32_t dims[3] = {2, 3, 4};
    return make_idx(out, 8, 3, dims, px, sizeof px);
}

static size_t valid_labels(uint8_t *out)
{
    const uint8_t lb[2] = {3, 1};
    const uint32_t dims[1] = {2};
    return make_idx(out, 8, 1, dims, lb, sizeof lb);
}

/* Write @p n bytes as @p name and expect opening them as images to fail. */
static void expect_images_fail(const char *name, const uint8_t *p, size_t n,
                               gan_status want, const char *needle)
{
    char path[512];
    write_bytes(in_dir(path, sizeof path, name), p, n);
    gan_dataset_t *ds = (gan_dataset_t *)&ds; /* must be reset to NULL */
    GT_FAILS(gan_dataset_open_idx(&ds, path, NULL, 1), want, path);
    assert_null(ds);
    if (needle && !strstr(gan_last_error(), needle))
        fail_msg("%s: message \"%s\" lacks \"%s\"", name, gan_last_error(), needle);
}

static void test_bad_headers(void **state)
{
    (void)state;
    uint8_t f[64], l[16];
    const size_t n = valid_images(f);
    /* One byte of a valid header changed: where, to what, and what the message says. */
    static const struct {
        int at;
        uint8_t value;
        const char *needle;
    } edits[] = {{0, 0x01, "not an IDX magic"},
                 {2, 0x0D, "data type 0x0D (float)"},
                 {3, 2, "rank 2"},
                 {3, 5, "rank 5"},
                 {7, 0, "include 0"},   /* N = 0 */
                 {15, 0, "include 0"}}; /* W = 0 */
    uint8_t bad[64];
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        memcpy(bad, f, n);
        bad[edits[i].at] = edits[i].value;
        expect_images_fail("edited", bad, n, GAN_E_FORMAT, edits[i].needle);
    }
    /* 65536 x 65536 x 1 values: more than 2^31 - 1, refused before any allocation. */
    const uint8_t huge[16] = {0, 0, 8, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1};
    expect_images_fail("huge", huge, sizeof huge, GAN_E_FORMAT, "2^31 - 1");
    /* A header that promises 2^31 - 1 bytes of a file holding 3. */
    const uint8_t liar[19] = {0, 0, 8, 3, 0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1, 0, 0, 0, 1,
                              1, 2, 3};
    expect_images_fail("liar", liar, sizeof liar, GAN_E_FORMAT, "the file holds 3");
    /* A label file is not an image file, nor the reverse. */
    const size_t ln = valid_labels(l);
    expect_images_fail("labels_as_images", l, ln, GAN_E_FORMAT, "rank 1");
    char images[512], labels[512];
    write_bytes(in_dir(images, sizeof images, "good_images"), f, n);
    gan_dataset_t *ds;
    GT_FAILS(gan_dataset_open_idx(&ds, images, images, 1), GAN_E_FORMAT, "rank 3");
    /* The message from the labels names the label file. */
    memcpy(bad, l, ln);
    bad[2] = 0x0C;
    write_bytes(in_dir(labels, sizeof labels, "bad_labels"), bad, ln);
    GT_FAILS(gan_dataset_open_idx(&ds, images, labels, 1), GAN_E_FORMAT, labels);
}

static void test_truncated_and_trailing(void **state)
{
    (void)state;
    uint8_t f[64], l[16];
    const size_t n = valid_images(f), ln = valid_labels(l);
    char images[512], labels[512];
    write_bytes(in_dir(images, sizeof images, "images"), f, n);
    gan_dataset_t *ds;
    for (size_t cut = 0; cut < n; cut++)
        expect_images_fail("cut", f, cut, GAN_E_FORMAT,
                           cut == 0 ? "empty" : cut < 16 ? "ends after" : "header says");
    expect_images_fail("short", f, n - 1, GAN_E_FORMAT,
                       "header says 2 images of 3x4 (24 bytes), the file holds 23");
    for (size_t cut = 0; cut < ln; cut++) {
        write_bytes(in_dir(labels, sizeof labels, "labels"), l, cut);
        GT_FAILS(gan_dataset_open_idx(&ds, images, labels, 1), GAN_E_FORMAT, labels);
    }
    uint8_t longer[80];
    memcpy(longer, f, n);
    memset(longer + n, 0, 5);
    expect_images_fail("trailing", longer, n + 1, GAN_E_FORMAT, "1 more bytes");
    expect_images_fail("trailing5", longer, n + 5, GAN_E_FORMAT, "5 more bytes");
}

/* Every prefix of a gzip file, a wrong CRC, and bytes after the gzip data. */
static void test_gzip_damage(void **state)
{
    (void)state;
    uint8_t f[64];
    const size_t n = valid_images(f);
    char path[512];
    write_gz(in_dir(path, sizeof path, "images.gz"), f, n, false);
    size_t zn;
    uint8_t *z = read_bytes(path, &zn);
    assert_true(zn > 20);
    for (size_t cut = 0; cut < zn; cut++)
        expect_images_fail("zcut", z, cut, GAN_E_FORMAT, NULL);
    expect_images_fail("zcut_trailer", z, zn - 1, GAN_E_FORMAT, "cut off");
    expect_images_fail("zcut_header", z, 12, GAN_E_FORMAT, "cut off");

    uint8_t bad[256];
    memcpy(bad, z, zn);
    bad[zn - 8] ^= 0xFF; /* the CRC-32 */
    expect_images_fail("zcrc", bad, zn, GAN_E_FORMAT, "corrupt gzip data");
    memcpy(bad, z, zn);
    memcpy(bad + zn, "junk", 4);
    expect_images_fail("zjunk", bad, zn + 4, GAN_E_FORMAT, "not gzip");
    memset(bad + zn, 0, 4);
    expect_images_fail("zzeros", bad, zn + 4, GAN_E_FORMAT, "not gzip");

    /* The decompressed data one byte short and one byte long. */
    write_gz(path, f, n - 1, false);
    gan_dataset_t *ds;
    GT_FAILS(gan_dataset_open_idx(&ds, path, NULL, 1), GAN_E_FORMAT, "the file holds 23");
    uint8_t longer[80];
    memcpy(longer, f, n);
    longer[n] = 9;
    write_gz(path, longer, n + 1, false);
    GT_FAILS(gan_dataset_open_idx(&ds, path, NULL, 1), GAN_E_FORMAT, "1 more bytes");
    write_gz(path, f, 0, false);
    GT_FAILS(gan_dataset_open_idx(&ds, path, NULL, 1), GAN_E_FORMAT, "gzip data is empty");
    free(z);
}

static void test_count_mismatch_and_missing(void **state)
{
    (void)state;
    uint8_t f[64], l[16];
    const size_t n = valid_images(f);
    const uint8_t lb[3] = {0, 1, 2};
    const uint32_t ldims[1] = {3};
    const size_t ln = make_idx(l, 8, 1, ldims, lb, sizeof lb);
    char images[512], labels[512], missing[512];
    write_bytes(in_dir(images, sizeof images, "images"), f, n);
    write_bytes(in_dir(labels, sizeof labels, "labels3"), l, ln);
    gan_dataset_t *ds;
    GT_FAILS(gan_dataset_open_idx(&ds, images, labels, 1), GAN_E_FORMAT,
             "holds 3 labels but");
    assert_non_null(strstr(gan_last_error(), images));

    in_dir(missing, sizeof missing, "no-such-file");
    GT_FAILS(gan_dataset_open_idx(&ds, missing, NULL, 1), GAN_E_IO, missing);
    assert_non_null(strstr(gan_last_error(), strerror(ENOENT)));
    GT_FAILS(gan_dataset_open_idx(&ds, images, missing, 1), GAN_E_IO, missing);
    GT_FAILS(gan_dataset_open_idx(&ds, dir, NULL, 1), GAN_E_IO, strerror(EISDIR));
    assert_non_null(strstr(gan_last_error(), dir));
    GT_FAILS(gan_dataset_open_idx(NULL, images, NULL, 1), GAN_E_INVALID_ARG, "out");
    GT_FAILS(gan_dataset_open_idx(&ds, NULL, NULL, 1), GAN_E_INVALID_ARG, "images_path");
}

/* Random damage to valid plain and gzip files: never a crash, only OK or FORMAT. */
static void test_mutations_never_crash(void **state)
{
    (void)state;
    uint8_t f[64], l[16];
    const size_t n = valid_images(f), ln = valid_labels(l);
    char path[512], labels[512], gzpath[512];
    write_bytes(in_dir(labels, sizeof labels, "labels"), l, ln);
    write_gz(in_dir(gzpath, sizeof gzpath, "z"), f, n, false);
    size_t zn;
    uint8_t *z = read_bytes(gzpath, &zn);
    in_dir(path, sizeof path, "mutant");
    gt_rng r;
    gt_seed(&r, 2024);
    int ok = 0;
    for (int iter = 0; iter < 3000; iter++) {
        const bool gz = iter % 2;
        uint8_t m[160];
        size_t mn = gz ? zn : n;
        memcpy(m, gz ? z : f, mn);
        const int edits = 1 + (int)(gt_uniform(&r) * 4);
        for (int e = 0; e < edits; e++) {
            const double what = gt_uniform(&r);
            if (what < 0.6)
                m[(size_t)(gt_uniform(&r) * (double)mn)] = (uint8_t)(gt_uniform(&r) * 256);
            else if (what < 0.8)
                mn = (size_t)(gt_uniform(&r) * (double)mn);
            else if (mn < sizeof m - 8)
                for (int k = 0; k < 8; k++)
                    m[mn++] = (uint8_t)(gt_uniform(&r) * 256);
            if (mn == 0)
                break;
        }
        write_bytes(path, m, mn);
        gan_dataset_t *ds = NULL;
        gan_status st = gan_dataset_open_idx(&ds, path, iter % 3 ? labels : NULL, 1);
        if (st != GAN_OK && st != GAN_E_FORMAT)
            fail_msg("mutant %d: %s: %s", iter, gan_status_string(st), gan_last_error());
        if (st == GAN_OK) {
            float x[160]; /* a sample is at most the file's size */
            GT_OK(gan_dataset_next_batch(ds, 1, x, NULL));
            ok++;
        }
        gan_dataset_destroy(ds);
    }
    assert_true(ok < 3000);
    free(z);
}

/* ---- Dataset order ---- */

static void test_scaling_endpoints(void **state)
{
    (void)state;
    const uint8_t px[4] = {0, 255, 127, 128};
    const int32_t dims[3] = {1, 2, 2};
    char path[512];
    GT_OK(gan_idx_write_u8(in_dir(path, sizeof path, "ends"), px, 3, dims));
    gan_dataset_t *ds;
    GT_OK(gan_dataset_open_idx(&ds, path, NULL, 0));
    float x[4];
    GT_OK(gan_dataset_next_batch(ds, 1, x, NULL));
    assert_true(x[0] == -1.0f);
    assert_true(x[1] == 1.0f);
    assert_true(x[2] == 127.0f / 127.5f - 1.0f);
    assert_true(x[3] == 128.0f / 127.5f - 1.0f);
    assert_true(x[2] < 0 && x[3] > 0);
    gan_dataset_destroy(ds);
}

/* Whole epochs: each sample once, epochs differ, the same seed repeats, another differs. */
static void test_epochs(void **state)
{
    (void)state;
    enum { N = 60, B = 12, EPOCHS = 4 };
    gan_dataset_t *a = synthetic(N, 5), *b = synthetic(N, 5), *c = synthetic(N, 6);
    int order[EPOCHS][N], other[N];
    for (int e = 0; e < EPOCHS; e++) {
        uint64_t epoch;
        GT_OK(gan_dataset_get_epoch(a, &epoch));
        assert_int_equal(epoch, e);
        int seen[N] = {0};
        for (int k = 0; k < N / B; k++)
            take(a, B, order[e] + k * B);
        for (int i = 0; i < N; i++)
            seen[order[e][i]]++;
        for (int i = 0; i < N; i++)
            assert_int_equal(seen[i], 1);
        assert_int_equal(position_of(a), (uint64_t)(e + 1) * N);
        /* The same seed, in other batch sizes (1 then N - 1): the same order. */
        take(b, 1, other);
        take(b, N - 1, other + 1);
        assert_memory_equal(order[e], other, sizeof other);
        take(c, N, other);
        assert_memory_not_equal(order[e], other, sizeof other);
    }
    for (int e = 1; e < EPOCHS; e++)
        assert_memory_not_equal(order[0], order[e], sizeof order[0]);
    bool identity = true;
    for (int i = 0; i < N; i++)
        identity = identity && order[0][i] == i;
    assert_false(identity);
    gan_dataset_destroy(a);
    gan_dataset_destroy(b);
    gan_dataset_destroy(c);
}

/* The documented algorithm (doc/IO.md), pinned: resumed runs rely on it across versions.
 * The vectors were computed by an independent implementation of the text. */
static void test_order_reference(void **state)
{
    (void)state;
    static const int want[2][2][10] = {{{6, 9, 1, 8, 0, 5, 4, 3, 2, 7},
                                        {3, 0, 4, 9, 5, 6, 2, 7, 8, 1}},
                                       {{1, 7, 6, 2, 0, 9, 8, 4, 5, 3},
                                        {0, 8, 1, 4, 2, 3, 6, 9, 7, 5}}};
    const uint64_t seeds[2] = {42, 0};
    for (int s = 0; s < 2; s++) {
        gan_dataset_t *ds = synthetic(10, seeds[s]);
        for (int e = 0; e < 2; e++) {
            int who[10];
            take(ds, 10, who);
            assert_memory_equal(who, want[s][e], sizeof who);
        }
        gan_dataset_destroy(ds);
    }
}

/* 10 samples in batches of 4: two batches, the tail of 2 is skipped, and the third
 * batch is the start of epoch 1. */
static void test_dropped_tail(void **state)
{
    (void)state;
    enum { N = 10, B = 4 };
    gan_dataset_t *ds = synthetic(N, 11), *ref = synthetic(N, 11);
    int first[2 * B], third[B], epoch0[N], epoch1[N];
    take(ds, B, first);
    take(ds, B, first + B);
    assert_int_equal(position_of(ds), 2 * B);
    uint64_t epoch;
    GT_OK(gan_dataset_get_epoch(ds, &epoch));
    assert_int_equal(epoch, 0);
    take(ds, B, third);
    assert_int_equal(position_of(ds), N + B); /* the skipped tail counts */
    GT_OK(gan_dataset_get_epoch(ds, &epoch));
    assert_int_equal(epoch, 1);

    take(ref, N, epoch0);
    take(ref, N, epoch1);
    assert_memory_equal(first, epoch0, sizeof first);
    assert_memory_equal(third, epoch1, sizeof third);
    /* A batch that still fits after the tail is not skipped: 8 + 2 = 10. */
    GT_OK(gan_dataset_set_position(ds, 2 * B));
    int two[2];
    take(ds, 2, two);
    assert_memory_equal(two, epoch0 + 2 * B, sizeof two);
    assert_int_equal(position_of(ds), N);
    gan_dataset_destroy(ds);
    gan_dataset_destroy(ref);
}

/* An uninterrupted run against a fresh dataset moved to each of its positions. */
static void test_position_round_trip(void **state)
{
    (void)state;
    enum { N = 23, STEPS = 40 };
    static const int32_t sizes[STEPS] = {3, 7, 1, 10, 4, 9, 2, 8, 5, 6, 23, 1, 22, 11, 4,
                                         12, 3, 3, 17, 5, 7, 1, 1, 9, 20, 2, 6, 13, 8, 4,
                                         16, 5, 3, 19, 2, 7, 10, 1, 15, 6};
    gan_dataset_t *run = synthetic(N, 77);
    int got[STEPS][N];
    uint64_t before[STEPS + 1], expect = 0;
    before[0] = 0;
    for (int s = 0; s < STEPS; s++) {
        take(run, sizes[s], got[s]);
        if (expect % N + (uint64_t)sizes[s] > N)
            expect += N - expect % N;
        expect += (uint64_t)sizes[s];
        before[s + 1] = position_of(run);
        assert_int_equal(before[s + 1], expect);
    }
    for (int cut = 0; cut < STEPS; cut += 3) {
        gan_dataset_t *resumed = synthetic(N, 77);
        GT_OK(gan_dataset_set_position(resumed, before[cut]));
        for (int s = cut; s < STEPS; s++) {
            int who[N];
            take(resumed, sizes[s], who);
            assert_memory_equal(who, got[s], sizeof(int) * (size_t)sizes[s]);
            assert_int_equal(position_of(resumed), before[s + 1]);
        }
        gan_dataset_destroy(resumed);
    }
    /* Any position: offset p mod N of epoch p / N, whatever happened before. */
    gan_dataset_t *ref = synthetic(N, 77);
    int epoch[N], part[5];
    GT_OK(gan_dataset_set_position(ref, 5 * N));
    take(ref, N, epoch);
    GT_OK(gan_dataset_set_position(run, 5 * N + 7));
    uint64_t e;
    GT_OK(gan_dataset_get_epoch(run, &e));
    assert_int_equal(e, 5);
    take(run, 5, part);
    assert_memory_equal(part, epoch + 7, sizeof part);
    gan_dataset_destroy(run);
    gan_dataset_destroy(ref);
}

static void test_dataset_errors(void **state)
{
    (void)state;
    enum { N = 8 };
    gan_dataset_t *ds = synthetic(N, 3);
    float x[(N + 1) * SAMPLE];
    int32_t y[N + 1];
    uint64_t v;
    int64_t count;
    GT_FAILS(gan_dataset_next_batch(ds, 0, x, y), GAN_E_OUT_OF_RANGE, "batch 0");
    GT_FAILS(gan_dataset_next_batch(ds, N + 1, x, y), GAN_E_OUT_OF_RANGE, "batch 9");
    GT_FAILS(gan_dataset_next_batch(ds, -1, x, y), GAN_E_OUT_OF_RANGE, "batch -1");
    GT_FAILS(gan_dataset_next_batch(ds, 1, NULL, y), GAN_E_INVALID_ARG, "images");
    GT_FAILS(gan_dataset_next_batch(NULL, 1, x, y), GAN_E_INVALID_ARG, "ds");
    assert_int_equal(position_of(ds), 0);
    GT_FAILS(gan_dataset_get_info(NULL, &count, NULL, NULL, NULL, NULL), GAN_E_INVALID_ARG,
             "ds");
    GT_FAILS(gan_dataset_get_position(NULL, &v), GAN_E_INVALID_ARG, "ds");
    GT_FAILS(gan_dataset_get_position(ds, NULL), GAN_E_INVALID_ARG, "position");
    GT_FAILS(gan_dataset_set_position(NULL, 1), GAN_E_INVALID_ARG, "ds");
    GT_FAILS(gan_dataset_get_epoch(NULL, &v), GAN_E_INVALID_ARG, "ds");
    GT_FAILS(gan_dataset_get_epoch(ds, NULL), GAN_E_INVALID_ARG, "epoch");
    /* A position at the very end of uint64_t cannot advance. */
    GT_OK(gan_dataset_set_position(ds, UINT64_MAX - 3));
    GT_FAILS(gan_dataset_next_batch(ds, 1, x, y), GAN_E_OUT_OF_RANGE, "2^64");
    assert_int_equal(position_of(ds), UINT64_MAX - 3);
    GT_OK(gan_dataset_get_epoch(ds, &v));
    assert_int_equal(v, (UINT64_MAX - 3) / N);
    gan_dataset_destroy(ds);
    gan_dataset_destroy(NULL);
}

/* open_dir: plain or .gz names, labels optional, plain preferred, the errors. */
static void test_open_dir(void **state)
{
    (void)state;
    char sub[512], path[1024], images[512], labels[512];
    write_synthetic("src", 9, images, labels, sizeof images);
    size_t n, ln;
    uint8_t *raw = read_bytes(images, &n), *lraw = read_bytes(labels, &ln);
    in_dir(sub, sizeof sub, "mnist");
    assert_int_equal(mkdir(sub, 0700), 0);
    gan_dataset_t *ds = (gan_dataset_t *)&ds;
    GT_FAILS(gan_dataset_open_dir(&ds, sub, 1), GAN_E_IO, "train-images-idx3-ubyte");
    assert_null(ds);
    assert_non_null(strstr(gan_last_error(), sub));

    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", sub);
    write_gz(path, raw, n, false);
    GT_OK(gan_dataset_open_dir(&ds, sub, 1));
    int32_t classes;
    GT_OK(gan_dataset_get_info(ds, NULL, NULL, NULL, NULL, &classes));
    assert_int_equal(classes, 0);
    gan_dataset_destroy(ds);

    snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte", sub);
    write_bytes(path, lraw, ln);
    GT_OK(gan_dataset_open_dir(&ds, sub, 1));
    int64_t count;
    GT_OK(gan_dataset_get_info(ds, &count, NULL, NULL, NULL, &classes));
    assert_int_equal(count, 9);
    assert_int_equal(classes, 7);
    int who[9];
    take(ds, 9, who);
    gan_dataset_destroy(ds);

    /* The plain name wins over .gz: a broken .gz next to a good plain file is unread. */
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte", sub);
    write_bytes(path, raw, n);
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", sub);
    write_bytes(path, (const uint8_t *)"junk", 4);
    GT_OK(gan_dataset_open_dir(&ds, sub, 1));
    gan_dataset_destroy(ds);

    /* Damaged labels are named. */
    snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte", sub);
    write_bytes(path, lraw, ln - 1);
    GT_FAILS(gan_dataset_open_dir(&ds, sub, 1), GAN_E_FORMAT, path);

    in_dir(path, sizeof path, "no-such-dir");
    GT_FAILS(gan_dataset_open_dir(&ds, path, 1), GAN_E_IO, path);
    GT_FAILS(gan_dataset_open_dir(&ds, images, 1), GAN_E_IO, strerror(ENOTDIR));
    GT_FAILS(gan_dataset_open_dir(&ds, NULL, 1), GAN_E_INVALID_ARG, "dir");
    GT_FAILS(gan_dataset_open_dir(NULL, sub, 1), GAN_E_INVALID_ARG, "out");
    free(raw);
    free(lraw);
}

/* A vendored data set in the directory named by @p env: 10000 digits of 28x28 with the
 * documented class counts, using both ends of [-1, 1]. */
/* How often each byte value occurs in the images of dir's gzip IDX file. */
static void raw_histogram(const char *dir, long histogram[256])
{
    char path[1024];
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", dir);
    gzFile z = gzopen(path, "rb");
    assert_non_null(z);
    uint8_t buf[4096];
    int n, skip_header = 16;
    memset(histogram, 0, sizeof(long) * 256);
    while ((n = gzread(z, buf, sizeof buf)) > 0)
        for (int i = 0; i < n; i++)
            if (skip_header > 0)
                skip_header--;
            else
                histogram[buf[i]]++;
    assert_int_equal(gzclose(z), Z_OK);
}

static void check_vendored(const char *env, const int expected[10])
{
    const char *dir = getenv(env);
    struct stat st;
    if (!dir || stat(dir, &st) != 0) {
        print_message("%s (%s) not found: skipped\n", env, dir ? dir : "unset");
        skip();
    }
    gan_dataset_t *ds;
    GT_OK(gan_dataset_open_dir(&ds, dir, 2024));
    int64_t count;
    int32_t c, h, w, classes;
    GT_OK(gan_dataset_get_info(ds, &count, &c, &h, &w, &classes));
    assert_int_equal(count, 10000);
    assert_int_equal(c, 1);
    assert_int_equal(h, 28);
    assert_int_equal(w, 28);
    assert_int_equal(classes, 10);
    int per_class[10] = {0};
    enum { B = 500 };
    float *x = malloc(sizeof *x * B * 28 * 28);
    int32_t y[B];
    assert_non_null(x);
    double lo = 1, hi = -1;
    long seen[256] = {0}, raw[256];
    for (int k = 0; k < 10000 / B; k++) {
        GT_OK(gan_dataset_next_batch(ds, B, x, y));
        for (int i = 0; i < B; i++) {
            assert_true(y[i] >= 0 && y[i] < 10);
            per_class[y[i]]++;
        }
        for (int i = 0; i < B * 28 * 28; i++) {
            lo = x[i] < lo ? x[i] : lo;
            hi = x[i] > hi ? x[i] : hi;
            const long p = lroundf((x[i] + 1.0f) * 127.5f);
            assert_true(p >= 0 && p <= 255 && x[i] == (float)p / 127.5f - 1.0f);
            seen[p]++;
        }
    }
    for (int k = 0; k < 10; k++)
        assert_int_equal(per_class[k], expected[k]);
    assert_true(lo == -1.0 && hi == 1.0); /* real digits use both ends */
    /* One epoch hands out every pixel of the file once (the images are held coded). */
    raw_histogram(dir, raw);
    for (int v = 0; v < 256; v++)
        assert_int_equal(seen[v], raw[v]);
    uint64_t epoch;
    GT_OK(gan_dataset_get_epoch(ds, &epoch));
    assert_int_equal(epoch, 1);
    free(x);
    gan_dataset_destroy(ds);
}

/* The vendored MNIST subset (handwritten, CycleGAN's domain A). */
static void test_vendored_mnist(void **state)
{
    (void)state;
    static const int expected[10] = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};
    check_vendored("GAN_TEST_MNIST_DIR", expected);
}

/* The vendored printed digits (CycleGAN's domain B): 1000 of each class. */
static void test_vendored_printed(void **state)
{
    (void)state;
    static const int expected[10] = {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000,
                                     1000};
    check_vendored("GAN_TEST_PRINTED_DIR", expected);
}

/* ---- Sparse images, held as zero runs ---- */

/* Code and decode @p n bytes: the counting pass agrees with the coding one, and the
 * decoder makes exactly the n bytes, nothing past them. */
static void round_trip(const uint8_t *src, size_t n)
{
    uint8_t *code = malloc(2 * n + 16), *back = malloc(n + 8);
    assert_non_null(code);
    assert_non_null(back);
    const size_t size = gan__zero_runs_encode(NULL, src, n);
    memset(code, 0xAB, 2 * n + 16);
    assert_int_equal(gan__zero_runs_encode(code, src, n), size);
    assert_int_equal(code[size], 0xAB);
    memset(back, 0xCD, n + 8);
    gan__zero_runs_decode(back, code, n);
    assert_memory_equal(back, src, n);
    for (size_t i = n; i < n + 8; i++)
        assert_int_equal(back[i], 0xCD);
    free(code);
    free(back);
}

static void test_zero_runs(void **state)
{
    (void)state;
    enum { N = 1200 };
    uint8_t src[N];
    /* runs longer than a pair holds (255), of zeros and of other bytes */
    memset(src, 0, N);
    round_trip(src, N);
    assert_true(gan__zero_runs_encode(NULL, src, N) <= 2 * (N / 255 + 2));
    memset(src, 200, N);
    round_trip(src, N);
    /* lengths around the pair limit, a zero at the end, single zeros among others */
    static const size_t lengths[] = {1, 2, 3, 254, 255, 256, 510, 511, 512};
    for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
        const size_t n = lengths[k];
        for (int pattern = 0; pattern < 6; pattern++) {
            for (size_t i = 0; i < n; i++)
                src[i] = pattern == 0 ? 0
                         : pattern == 1 ? (uint8_t)(i % 2 ? 0 : 9)      /* x0x0 */
                         : pattern == 2 ? (uint8_t)(i % 3 ? 0 : 255)    /* x00x00 */
                         : pattern == 3 ? (uint8_t)(i + 1 == n ? 0 : 1) /* ends in 0 */
                         : pattern == 4 ? (uint8_t)(i == 0 ? 0 : 3)
                                        : (uint8_t)(i % 300 < 280 ? 0 : i);
            round_trip(src, n);
        }
    }
    /* seeded noise, 80 % zeros like a digit, and 5 % */
    unsigned r = 12345;
    for (int density = 0; density < 2; density++) {
        for (int i = 0; i < N; i++) {
            r = r * 1103515245u + 12345u;
            src[i] = (uint8_t)((r >> 16) % 100 < (density ? 95u : 20u) ? (r >> 24) | 1 : 0);
        }
        round_trip(src, N);
    }
    /* A digit-like image takes a fraction of its bytes. */
    memset(src, 0, 784);
    for (int y = 6; y < 22; y++)
        memset(src + y * 28 + 12, 250, 4);
    assert_true(gan__zero_runs_encode(NULL, src, 784) < 784 / 5);
}

enum { SPARSE_N = 200, SPARSE_SIDE = 40, SPARSE = SPARSE_SIDE * SPARSE_SIDE };

/* Sample i of a sparse set: a stroke whose place and brightness say i; sample 0 black. */
static uint8_t sparse_pixel(int i, int j)
{
    const int y = j / SPARSE_SIDE, x = j % SPARSE_SIDE;
    if (i == 0 || y < 3 + i % 7 || y > 30 || x < i % 23 || x > i % 23 + 1 + i % 5)
        return 0;
    return (uint8_t)(1 + (i * 13 + y) % 255);
}

/* In use on glibc's heap (arenas and mapped blocks), or 0 elsewhere. */
static size_t heap_in_use(void)
{
#ifdef __GLIBC__
    const struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
#else
    return 0;
#endif
}

/* A dataset of mostly black images hands out the same floats, and holds less memory
 * than their bytes. */
static void test_sparse_dataset(void **state)
{
    (void)state;
    uint8_t *px = malloc((size_t)SPARSE_N * SPARSE), lb[SPARSE_N];
    assert_non_null(px);
    for (int i = 0; i < SPARSE_N; i++) {
        for (int j = 0; j < SPARSE; j++)
            px[(size_t)i * SPARSE + j] = sparse_pixel(i, j);
        lb[i] = (uint8_t)i;
    }
    char images[512], labels[512];
    const int32_t dims[3] = {SPARSE_N, SPARSE_SIDE, SPARSE_SIDE}, ldims[1] = {SPARSE_N};
    GT_OK(gan_idx_write_u8(in_dir(images, sizeof images, "sparse-images"), px, 3, dims));
    GT_OK(gan_idx_write_u8(in_dir(labels, sizeof labels, "sparse-labels"), lb, 1, ldims));
    free(px);

    const size_t before = heap_in_use();
    gan_dataset_t *ds;
    GT_OK(gan_dataset_open_idx(&ds, images, labels, 3));
    const size_t held = heap_in_use() - before;
    if (before) /* the images' 320,000 bytes are not all kept */
        assert_true(held < (size_t)SPARSE_N * SPARSE / 2);

    float *x = malloc(sizeof *x * SPARSE_N * SPARSE);
    int32_t y[SPARSE_N];
    assert_non_null(x);
    for (int epoch = 0; epoch < 2; epoch++) {
        GT_OK(gan_dataset_next_batch(ds, SPARSE_N, x, y));
        for (int k = 0; k < SPARSE_N; k++)
            for (int j = 0; j < SPARSE; j++)
                assert_true(x[(size_t)k * SPARSE + j] ==
                            (float)sparse_pixel(y[k], j) / 127.5f - 1.0f);
    }
    free(x);
    gan_dataset_destroy(ds);
}

/* ---- IDX writing errors ---- */

static void test_idx_write_errors(void **state)
{
    (void)state;
    const uint8_t data[4] = {1, 2, 3, 4};
    const int32_t dims[2] = {2, 2}, zero[2] = {2, 0}, huge[3] = {65536, 65536, 1};
    char path[512];
    in_dir(path, sizeof path, "out.idx");
    GT_FAILS(gan_idx_write_u8(NULL, data, 2, dims), GAN_E_INVALID_ARG, "path");
    GT_FAILS(gan_idx_write_u8(path, NULL, 2, dims), GAN_E_INVALID_ARG, "data");
    GT_FAILS(gan_idx_write_u8(path, data, 2, NULL), GAN_E_INVALID_ARG, "dims");
    GT_FAILS(gan_idx_write_u8(path, data, 0, dims), GAN_E_OUT_OF_RANGE, "ndim 0");
    GT_FAILS(gan_idx_write_u8(path, data, 256, dims), GAN_E_OUT_OF_RANGE, "ndim 256");
    GT_FAILS(gan_idx_write_u8(path, data, 2, zero), GAN_E_OUT_OF_RANGE, "dims[1] is 0");
    GT_FAILS(gan_idx_write_u8(path, data, 3, huge), GAN_E_OUT_OF_RANGE, "2^31 - 1");
    GT_FAILS(gan_idx_write_u8("/nonexistent-gan-dir/x.idx", data, 2, dims), GAN_E_IO,
             "/nonexistent-gan-dir/x.idx");
    assert_int_equal(count_entries(dir), 0);
    /* Replacing a file leaves only the new file; renaming over a directory fails and
     * leaves no temporary file. */
    GT_OK(gan_idx_write_u8(path, data, 2, dims));
    GT_OK(gan_idx_write_u8(path, data, 1, dims));
    size_t n;
    uint8_t *raw = read_bytes(path, &n);
    assert_int_equal(n, 8 + 2);
    free(raw);
    char sub[512];
    assert_int_equal(mkdir(in_dir(sub, sizeof sub, "subdir"), 0700), 0);
    GT_FAILS(gan_idx_write_u8(sub, data, 2, dims), GAN_E_IO, "rename");
    assert_int_equal(count_entries(dir), 2);
}

/* A write that runs into the file size limit (RLIMIT_FSIZE; the disk-full case) fails
 * with GAN_E_IO and the system's own reason, EFBIG, not a generic "I/O error"; the old
 * file stays and no temporary file is left. */
static void test_writes_past_file_size_limit(void **state)
{
    (void)state;
    enum { SIDE = 256 };
    char idx_path[512], png_path[512];
    in_dir(idx_path, sizeof idx_path, "big.idx");
    in_dir(png_path, sizeof png_path, "big.png");
    const uint8_t small[1] = {7};
    const int32_t one = 1, dims[2] = {SIDE, SIDE};
    GT_OK(gan_idx_write_u8(idx_path, small, 1, &one));
    GT_OK(gan_png_write_grid(png_path, (const float[1]){0.5f}, 1, 1, 1, 1, 1, 0));
    size_t idx_before, png_before;
    uint8_t *idx_old = read_bytes(idx_path, &idx_before);
    uint8_t *png_old = read_bytes(png_path, &png_before);
    /* Noise, so that the PNG cannot compress below the limit either. */
    uint8_t *bytes = malloc(SIDE * SIDE);
    float *pixels = malloc(sizeof *pixels * SIDE * SIDE);
    assert_true(bytes && pixels);
    gt_rng rng = {99};
    for (int i = 0; i < SIDE * SIDE; i++) {
        pixels[i] = (float)gt_uniform(&rng) * 2.0f - 1.0f;
        bytes[i] = (uint8_t)(pixels[i] * 100.0f + 128.0f);
    }
    struct rlimit old, limit;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    limit = old;
    limit.rlim_cur = 4096;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &limit), 0);
    gan_status idx_st = gan_idx_write_u8(idx_path, bytes, 2, dims);
    char idx_msg[512];
    snprintf(idx_msg, sizeof idx_msg, "%s", gan_last_error());
    gan_status png_st = gan_png_write_grid(png_path, pixels, 1, 1, SIDE, SIDE, 1, 0);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_handler);
    assert_int_equal(idx_st, GAN_E_IO);
    if (!strstr(idx_msg, idx_path) || !strstr(idx_msg, strerror(EFBIG)))
        fail_msg("idx: %s", idx_msg);
    GT_FAILS(png_st, GAN_E_IO, png_path);
    if (!strstr(gan_last_error(), strerror(EFBIG)))
        fail_msg("png: %s", gan_last_error());
    size_t n;
    uint8_t *now = read_bytes(idx_path, &n);
    assert_int_equal(n, idx_before);
    assert_memory_equal(now, idx_old, n);
    free(now);
    now = read_bytes(png_path, &n);
    assert_int_equal(n, png_before);
    assert_memory_equal(now, png_old, n);
    assert_int_equal(count_entries(dir), 2);
    free(now);
    free(idx_old);
    free(png_old);
    free(bytes);
    free(pixels);
}

/* ---- PNG ---- */

static uint8_t *read_png(const char *path, uint32_t format, int *w, int *h,
                         uint32_t *file_format)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&im, path))
        fail_msg("%s: %s", path, im.message);
    *file_format = im.format;
    im.format = format;
    uint8_t *p = malloc(PNG_IMAGE_SIZE(im));
    assert_non_null(p);
    if (!png_image_finish_read(&im, NULL, p, 0, NULL))
        fail_msg("%s: %s", path, im.message);
    *w = (int)im.width;
    *h = (int)im.height;
    return p;
}

static int expected_u8(float x)
{
    if (!(x == x))
        return 0;
    const double v = floor(((double)x + 1.0) * 127.5 + 0.5);
    return v < 0 ? 0 : v > 255 ? 255 : (int)v;
}

static void check_grid(int n, int channels, int columns, int pad)
{
    enum { H = 3, W = 4 };
    const int size = channels * H * W;
    float *x = malloc(sizeof *x * (size_t)(n * size));
    assert_non_null(x);
    static const float special[] = {-1.0f, 1.0f, 0.0f, 0.5f, -0.5f, -2.0f, 3.0f, NAN,
                                    0.25f, -0.75f};
    for (int i = 0; i < n * size; i++)
        x[i] = i < 10 ? special[i] : (float)((i * 37 % 201) - 100) / 101.0f;
    char path[512];
    in_dir(path, sizeof path, "grid.png");
    GT_OK(gan_png_write_grid(path, x, n, channels, H, W, columns, pad));
    int w, h;
    uint32_t format;
    uint8_t *p = read_png(path, channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY, &w, &h,
                          &format);
    assert_int_equal(format, channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY);
    const int rows = (n + columns - 1) / columns;
    assert_int_equal(w, columns * (W + pad) + pad);
    assert_int_equal(h, rows * (H + pad) + pad);
    /* Each pixel is its tile's value, or black (padding and empty slots). */
    for (int py = 0; py < h; py++)
        for (int px = 0; px < w; px++)
            for (int c = 0; c < channels; c++) {
                const int ty = (py - pad) / (H + pad), tx = (px - pad) / (W + pad);
                const int y = (py - pad) % (H + pad), xx = (px - pad) % (W + pad);
                const int i = ty * columns + tx;
                const bool in_tile = py >= pad && px >= pad && y < H && xx < W && i < n;
                const int want =
                    in_tile ? expected_u8(x[i * size + (c * H + y) * W + xx]) : 0;
                assert_int_equal(p[(py * w + px) * channels + c], want);
            }
    free(p);
    free(x);
}

static void test_png_grid(void **state)
{
    (void)state;
    check_grid(5, 1, 2, 1);  /* 3 rows, the last with an empty slot */
    check_grid(6, 3, 3, 2);  /* RGB */
    check_grid(1, 1, 1, 0);  /* no padding */
    check_grid(3, 1, 5, 3);  /* more columns than images */
    /* The values named in the contract. */
    assert_int_equal(expected_u8(-1.0f), 0);
    assert_int_equal(expected_u8(1.0f), 255);
    assert_int_equal(expected_u8(0.0f), 128);
}

static void test_png_grid_errors(void **state)
{
    (void)state;
    static const struct {
        int32_t n, channels, height, width, columns, padding;
        const char *needle;
    } bad[] = {{0, 1, 3, 4, 1, 0, "n 0"},         {1, 1, 3, 4, 0, 0, "columns 0"},
               {1, 1, 0, 4, 1, 0, "height 0"},    {1, 1, 3, -4, 1, 0, "width -4"},
               {1, 1, 3, 4, 1, -1, "padding -1"}, {1, 2, 3, 2, 1, 0, "channels 2"},
               {1, 4, 3, 1, 1, 0, "channels 4"},
               {1, 1, 3, 4, 1, 600000, "at most 1000000"}};
    float x[12] = {0};
    char path[512], sub[512];
    in_dir(path, sizeof path, "g.png");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        GT_FAILS(gan_png_write_grid(path, x, bad[i].n, bad[i].channels, bad[i].height,
                                    bad[i].width, bad[i].columns, bad[i].padding),
                 GAN_E_OUT_OF_RANGE, bad[i].needle);
    GT_FAILS(gan_png_write_grid(NULL, x, 1, 1, 3, 4, 1, 0), GAN_E_INVALID_ARG, "path");
    GT_FAILS(gan_png_write_grid(path, NULL, 1, 1, 3, 4, 1, 0), GAN_E_INVALID_ARG, "images");
    GT_FAILS(gan_png_write_grid("/nonexistent-gan-dir/g.png", x, 1, 1, 3, 4, 1, 0),
             GAN_E_IO, "/nonexistent-gan-dir/g.png");
    assert_int_equal(mkdir(in_dir(sub, sizeof sub, "subdir"), 0700), 0);
    GT_FAILS(gan_png_write_grid(sub, x, 1, 1, 3, 4, 1, 0), GAN_E_IO, sub);
    assert_int_equal(count_entries(dir), 1); /* no file, no temporary file */
}

/* How many pixels of the RGB image are (r, g, b). */
static int colour_count(const uint8_t *p, int w, int h, const uint8_t rgb[3])
{
    int n = 0;
    for (int i = 0; i < w * h; i++)
        n += p[3 * i] == rgb[0] && p[3 * i + 1] == rgb[1] && p[3 * i + 2] == rgb[2];
    return n;
}

/* The y range of the pixels of colour rgb, or {h, -1}. */
static void colour_rows(const uint8_t *p, int w, int h, const uint8_t rgb[3], int *top,
                        int *bottom)
{
    *top = h;
    *bottom = -1;
    for (int i = 0; i < w * h; i++)
        if (p[3 * i] == rgb[0] && p[3 * i + 1] == rgb[1] && p[3 * i + 2] == rgb[2]) {
            *top = i / w < *top ? i / w : *top;
            *bottom = i / w > *bottom ? i / w : *bottom;
        }
}

static bool black_in(const uint8_t *p, int w, int x0, int y0, int x1, int y1)
{
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            if (!p[3 * (y * w + x)] && !p[3 * (y * w + x) + 1] && !p[3 * (y * w + x) + 2])
                return true;
    return false;
}

/* The documented palette (doc/IO.md): series 0 to 9. */
static const uint8_t palette[10][3] = {
    {31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},  {148, 103, 189},
    {140, 86, 75},  {227, 119, 194}, {0, 0, 128},   {188, 189, 34}, {23, 190, 207}};
static const uint8_t white[3] = {255, 255, 255}, frame[3] = {200, 200, 200};

static uint8_t *plot(const char *name, int w, int h, const float *v, int series,
                     int points, const char *const *names, const char *title)
{
    char path[512];
    GT_OK(gan_png_write_plot(in_dir(path, sizeof path, name), w, h, v, series, points,
                             names, title));
    int rw, rh;
    uint32_t format;
    uint8_t *p = read_png(path, PNG_FORMAT_RGB, &rw, &rh, &format);
    assert_int_equal(rw, w);
    assert_int_equal(rh, h);
    assert_int_equal(format, PNG_FORMAT_RGB);
    return p;
}

static void test_png_plot(void **state)
{
    (void)state;
    enum { W = 320, H = 200, P = 50 };
    /* Three series on different ranges, with NaN and infinity among the points. */
    float v[3 * P];
    for (int i = 0; i < P; i++) {
        v[i] = 2.0f - 0.03f * (float)i;
        v[P + i] = 100.0f + 50.0f * sinf((float)i / 5.0f);
        v[2 * P + i] = i % 7 == 3 ? NAN : (float)i * 0.5f;
    }
    v[P + 10] = INFINITY;
    const char *names[3] = {"loss D", "loss G", NULL};
    uint8_t *p = plot("plot.png", W, H, v, 3, P, names, "Training: losses");
    assert_int_not_equal(colour_count(p, W, H, white), W * H);
    for (int k = 0; k < 3; k++)
        assert_true(colour_count(p, W, H, palette[k]) > 0);
    assert_true(colour_count(p, W, H, frame) > 0);           /* the legend box */
    assert_true(black_in(p, W, W / 2 - 20, 0, W / 2 + 20, 12)); /* the title */
    free(p);

    /* No legend, no title: the lines alone carry the colours. */
    p = plot("bare.png", W, H, v, 3, P, NULL, NULL);
    for (int k = 0; k < 3; k++)
        assert_true(colour_count(p, W, H, palette[k]) > 10);
    assert_int_equal(colour_count(p, W, H, frame), 0);
    assert_false(black_in(p, W, W / 2 - 20, 0, W / 2 + 20, 4));
    free(p);

    /* One y axis for all: a series at the global max lies above one at the min. */
    float two[2 * P];
    for (int i = 0; i < P; i++) {
        two[i] = 0.0f;
        two[P + i] = 1000.0f;
    }
    p = plot("axis.png", W, H, two, 2, P, NULL, NULL);
    int top0, bottom0, top1, bottom1;
    colour_rows(p, W, H, palette[0], &top0, &bottom0);
    colour_rows(p, W, H, palette[1], &top1, &bottom1);
    assert_true(bottom1 >= 0 && bottom0 >= 0);
    assert_true(bottom1 + 50 < top0);
    free(p);

    /* NaN breaks the line: two lone points, not a line between them. */
    const float broken[3] = {0.0f, NAN, 1.0f};
    p = plot("broken.png", W, H, broken, 1, 3, NULL, NULL);
    const int dots = colour_count(p, W, H, palette[0]);
    assert_true(dots > 0 && dots < 20);
    free(p);

    /* Edge cases: all NaN, one point, a flat line, a large image. */
    const float nan3[3] = {NAN, NAN, NAN}, one = 4.0f;
    p = plot("nan.png", W, H, nan3, 1, 3, NULL, "nothing");
    assert_int_equal(colour_count(p, W, H, palette[0]), 0);
    free(p);
    p = plot("one.png", 160, 120, &one, 1, 1, names, NULL);
    assert_true(colour_count(p, 160, 120, palette[0]) > 0);
    free(p);
    p = plot("large.png", 1200, 900, v, 3, P, names, "\x01 non-ASCII \xff title");
    for (int k = 0; k < 3; k++)
        assert_true(colour_count(p, 1200, 900, palette[k]) > 0);
    free(p);
}

/* Twelve series: the ten documented colours, then two more, all distinct. */
static void test_png_plot_many_series(void **state)
{
    (void)state;
    enum { W = 400, H = 300, S = 12, P = 20 };
    float v[S * P];
    for (int k = 0; k < S; k++)
        for (int i = 0; i < P; i++)
            v[k * P + i] = (float)k;
    uint8_t *p = plot("many.png", W, H, v, S, P, NULL, NULL);
    for (int k = 0; k < 10; k++)
        assert_true(colour_count(p, W, H, palette[k]) > 10);
    /* Distinct colours other than white and black: exactly one per series. */
    uint8_t seen[64][3];
    int distinct = 0;
    for (int i = 0; i < W * H; i++) {
        const uint8_t *c = p + 3 * i;
        if ((c[0] == 255 && c[1] == 255 && c[2] == 255) || (!c[0] && !c[1] && !c[2]))
            continue;
        bool known = false;
        for (int j = 0; j < distinct && !known; j++)
            known = !memcmp(seen[j], c, 3);
        if (!known && distinct < 64)
            memcpy(seen[distinct++], c, 3);
    }
    assert_int_equal(distinct, S);
    free(p);
}

static void test_png_plot_errors(void **state)
{
    (void)state;
    static const struct {
        int32_t width, height, series, points;
        const char *needle;
    } bad[] = {{100, 200, 1, 4, "100x200"},  {320, 100, 1, 4, "320x100"},
               {9000, 200, 1, 4, "9000x200"}, {320, 200, 0, 4, "0 series"},
               {320, 200, 257, 4, "257 series"}, {320, 200, 1, 0, "of 0 points"}};
    const float v[4] = {1, 2, 3, 4};
    char path[512];
    in_dir(path, sizeof path, "p.png");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        GT_FAILS(gan_png_write_plot(path, bad[i].width, bad[i].height, v, bad[i].series,
                                    bad[i].points, NULL, NULL),
                 GAN_E_OUT_OF_RANGE, bad[i].needle);
    GT_FAILS(gan_png_write_plot(NULL, 320, 200, v, 1, 4, NULL, NULL), GAN_E_INVALID_ARG,
             "path");
    GT_FAILS(gan_png_write_plot(path, 320, 200, NULL, 1, 4, NULL, NULL), GAN_E_INVALID_ARG,
             "series");
    GT_FAILS(gan_png_write_plot("/nonexistent-gan-dir/p.png", 320, 200, v, 1, 4, NULL,
                                NULL), GAN_E_IO, "/nonexistent-gan-dir/p.png");
    assert_int_equal(count_entries(dir), 0);
}

/* gan_set_error, libgan's hook for libgan-io, feeds gan_last_error(). */
static void test_set_error(void **state)
{
    (void)state;
    assert_int_equal(gan_set_error(GAN_E_FORMAT, "%s %d", "answer", 42), GAN_E_FORMAT);
    assert_string_equal(gan_last_error(), "answer 42");
    assert_int_equal(gan_set_error(GAN_E_IO, NULL), GAN_E_IO);
    assert_string_equal(gan_last_error(), "");
}

static int group_setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/gan_io_XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    clear(dir);
    return rmdir(dir);
}

static int test_teardown(void **state)
{
    (void)state;
    clear(dir);
    return 0;
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, test_teardown)
    const struct CMUnitTest tests[] = {
        T(test_idx_round_trip_rank3),
        T(test_idx_round_trip_rank4),
        T(test_gzip_reads_like_plain),
        T(test_bad_headers),
        T(test_truncated_and_trailing),
        T(test_gzip_damage),
        T(test_count_mismatch_and_missing),
        T(test_mutations_never_crash),
        T(test_scaling_endpoints),
        T(test_epochs),
        T(test_order_reference),
        T(test_dropped_tail),
        T(test_position_round_trip),
        T(test_dataset_errors),
        T(test_open_dir),
        T(test_vendored_mnist),
        T(test_vendored_printed),
        T(test_zero_runs),
        T(test_sparse_dataset),
        T(test_idx_write_errors),
        T(test_writes_past_file_size_limit),
        T(test_png_grid),
        T(test_png_grid_errors),
        T(test_png_plot),
        T(test_png_plot_many_series),
        T(test_png_plot_errors),
        T(test_set_error),
    };
#undef T
    return cmocka_run_group_tests_name("io", tests, group_setup, group_teardown);
}
