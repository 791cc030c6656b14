/* IDX files (the format of the MNIST files): reading, plain or gzip, and writing.
 *
 * An IDX file is a magic number 0x0000TTRR (TT the data type, RR the rank), RR
 * big-endian 32-bit dimensions, then the values row-major. Only unsigned bytes
 * (TT = 0x08) are read or written here. The reader trusts nothing: every header field
 * is checked, the data must be exactly as long as the header says, and memory grows
 * with the data actually read, so a lying header cannot make it allocate much. */
#include "io/idx.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "gan/extend.h"
#include "gan/io.h"
#include "core/file.h"

#define GAN__IDX_TYPE_U8 0x08
#define GAN__IDX_CHUNK 65536
#define GAN__IDX_FIRST_ALLOC ((size_t)1 << 20)

/* A byte source over a plain or a gzip file; gzip is known by its first two bytes. */
typedef struct gan__src {
    FILE *file;
    const char *fn, *path;
    bool gz;
    bool z_live;      /* inflateInit2 succeeded */
    bool z_end;       /* the last gzip member ended where the file ends */
    bool cut;         /* the file ends inside a gzip member */
    unsigned members; /* gzip members begun */
    z_stream z;
    size_t pos, len; /* unread file bytes: buf[pos, len) */
    uint8_t buf[GAN__IDX_CHUNK];
} gan__src;

static uint32_t gan__be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static gan_status gan__src_fill(gan__src *s)
{
    s->pos = 0;
    s->len = fread(s->buf, 1, sizeof s->buf, s->file);
    if (s->len == 0 && ferror(s->file))
        return gan_set_error(GAN_E_IO, "%s: %s: cannot read it: %s", s->fn, s->path,
                             gan__io_strerror(errno).s);
    return GAN_OK;
}

static gan_status gan__src_plain(gan__src *s, uint8_t *dst, size_t n, size_t *got)
{
    while (*got < n) {
        if (s->pos == s->len) {
            gan_status st = gan__src_fill(s);
            if (st != GAN_OK || s->len == 0)
                return st;
        }
        size_t k = s->len - s->pos < n - *got ? s->len - s->pos : n - *got;
        memcpy(dst + *got, s->buf + s->pos, k);
        s->pos += k;
        *got += k;
    }
    return GAN_OK;
}

static gan_status gan__src_gzip(gan__src *s, uint8_t *dst, size_t n, size_t *got)
{
    while (*got < n && !s->z_end && !s->cut) {
        if (s->pos == s->len) {
            gan_status st = gan__src_fill(s);
            if (st != GAN_OK)
                return st;
            if (s->len == 0) {
                s->cut = true;
                break;
            }
        }
        /* avail_in and avail_out are uInt: feed at most a chunk and 1 GiB at a time. */
        const size_t room = n - *got < ((size_t)1 << 30) ? n - *got : (size_t)1 << 30;
        s->z.next_in = s->buf + s->pos;
        s->z.avail_in = (uInt)(s->len - s->pos);
        s->z.next_out = dst + *got;
        s->z.avail_out = (uInt)room;
        int ret = inflate(&s->z, Z_NO_FLUSH);
        s->pos = s->len - s->z.avail_in;
        *got += room - s->z.avail_out;
        if (ret == Z_STREAM_END) {
            /* Concatenated gzip members are one file; anything else after is an error. */
            if (s->pos == s->len) {
                gan_status st = gan__src_fill(s);
                if (st != GAN_OK)
                    return st;
            }
            if (s->len == 0)
                s->z_end = true;
            else if (inflateReset(&s->z) == Z_OK)
                s->members++;
            else
                return gan_set_error(GAN_E_INTERNAL, "%s: %s: inflateReset failed",
                                     s->fn, s->path);
        } else if (ret == Z_MEM_ERROR) {
            return gan_set_error(GAN_E_NO_MEMORY, "%s: %s: zlib is out of memory", s->fn,
                                 s->path);
        } else if (ret != Z_OK) {
            /* Z_BUF_ERROR cannot happen with room for input and output: bad data too. */
            const char *why = s->z.msg ? s->z.msg : "no progress possible";
            if (s->members > 1)
                return gan_set_error(GAN_E_FORMAT, "%s: %s: the bytes after the gzip data "
                                     "are not gzip (%s)", s->fn, s->path, why);
            return gan_set_error(GAN_E_FORMAT, "%s: %s: corrupt gzip data (%s)", s->fn,
                                 s->path, why);
        }
    }
    return GAN_OK;
}

/* Read up to @p n bytes; *got < n only at the end of the data (see s->cut). */
static gan_status gan__src_read(gan__src *s, uint8_t *dst, size_t n, size_t *got)
{
    *got = 0;
    return s->gz ? gan__src_gzip(s, dst, n, got) : gan__src_plain(s, dst, n, got);
}

static gan_status gan__src_open(gan__src *s)
{
    /* Close-on-exec: a child the host starts meanwhile must not inherit the file. */
    const int fd = open(s->path, O_RDONLY | O_CLOEXEC);
    s->file = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (!s->file) {
        const int err = errno;
        if (fd >= 0)
            close(fd);
        return gan_set_error(err == ENOMEM ? GAN_E_NO_MEMORY : GAN_E_IO,
                             "%s: %s: cannot open it: %s", s->fn, s->path,
                             gan__io_strerror(err).s);
    }
    gan_status st = gan__src_fill(s);
    if (st != GAN_OK || s->len < 2 || s->buf[0] != 0x1f || s->buf[1] != 0x8b)
        return st;
    s->gz = true;
    s->members = 1;
    /* 16 + MAX_WBITS: a gzip wrapper, not zlib's, with the largest window. */
    int ret = inflateInit2(&s->z, 16 + MAX_WBITS);
    if (ret != Z_OK)
        return gan_set_error(ret == Z_MEM_ERROR ? GAN_E_NO_MEMORY : GAN_E_INTERNAL,
                             "%s: %s: inflateInit2 failed (%d)", s->fn, s->path, ret);
    s->z_live = true;
    return GAN_OK;
}

static void gan__src_close(gan__src *s)
{
    if (s->z_live)
        inflateEnd(&s->z);
    if (s->file)
        fclose(s->file);
}

static const char *gan__cut_note(const gan__src *s)
{
    return s->cut ? " (the gzip data is cut off)" : "";
}

static const char *gan__idx_type_name(uint8_t type)
{
    switch (type) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "16-bit integer";
    case 0x0C: return "32-bit integer";
    case 0x0D: return "float";
    case 0x0E: return "double";
    default: return "no IDX type";
    }
}

/* "60000x28x28" from the raw header, for messages about the header itself. */
static void gan__dims_text(char *buf, size_t cap, const uint8_t *raw, int32_t rank)
{
    size_t k = 0;
    for (int32_t i = 0; i < rank && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%lu", i ? "x" : "",
                              (unsigned long)gan__be32(raw + 4 * i));
}

static gan_status gan__idx_header(gan__src *s, gan__idx *out, const gan__idx_kind *kind)
{
    uint8_t head[4], raw[4 * GAN__IDX_MAX_RANK];
    size_t got;
    gan_status st = gan__src_read(s, head, sizeof head, &got);
    if (st != GAN_OK)
        return st;
    if (got == 0) {
        const char *what = s->cut ? "the gzip data is cut off before its first byte"
                           : s->gz ? "the gzip data is empty" : "the file is empty";
        return gan_set_error(GAN_E_FORMAT, "%s: %s: %s; expected an IDX file, %s", s->fn,
                             s->path, what, kind->expected);
    }
    if (got < sizeof head)
        return gan_set_error(GAN_E_FORMAT, "%s: %s: the file ends after %zu bytes, inside "
                             "the 4-byte IDX magic%s", s->fn, s->path, got,
                             gan__cut_note(s));
    const unsigned long magic = gan__be32(head);
    if (head[0] != 0 || head[1] != 0)
        return gan_set_error(GAN_E_FORMAT, "%s: %s: magic 0x%08lX is not an IDX magic "
                             "(0x0000TTRR); expected %s", s->fn, s->path, magic,
                             kind->expected);
    if (head[2] != GAN__IDX_TYPE_U8)
        return gan_set_error(GAN_E_FORMAT, "%s: %s: magic 0x%08lX says data type 0x%02X "
                             "(%s); expected 0x08 (unsigned byte), %s", s->fn, s->path,
                             magic, head[2], gan__idx_type_name(head[2]), kind->expected);
    const int32_t rank = head[3];
    if (rank < kind->min_rank || rank > kind->max_rank)
        return gan_set_error(GAN_E_FORMAT, "%s: %s: magic 0x%08lX says rank %d; expected "
                             "%s", s->fn, s->path, magic, (int)rank, kind->expected);
    st = gan__src_read(s, raw, 4 * (size_t)rank, &got);
    if (st != GAN_OK)
        return st;
    if (got < 4 * (size_t)rank)
        return gan_set_error(GAN_E_FORMAT, "%s: %s: the file ends after %zu bytes, inside "
                             "the %d-byte header%s", s->fn, s->path, 4 + got,
                             (int)(4 + 4 * rank), gan__cut_note(s));
    char dims[4 * 11 + 1];
    gan__dims_text(dims, sizeof dims, raw, rank);
    for (int32_t i = 0; i < rank; i++)
        if (gan__be32(raw + 4 * i) == 0)
            return gan_set_error(GAN_E_FORMAT, "%s: %s: the header's dimensions %s "
                                 "include 0; each must be >= 1", s->fn, s->path, dims);
    /* Each factor < 2^32 and the product so far <= 2^31: no overflow in 64 bits. */
    uint64_t total = 1;
    for (int32_t i = 0; i < rank && total <= INT32_MAX; i++)
        total *= gan__be32(raw + 4 * i);
    if (total > INT32_MAX)
        return gan_set_error(GAN_E_FORMAT, "%s: %s: the header's dimensions %s make more "
                             "than 2^31 - 1 values", s->fn, s->path, dims);
    out->rank = rank;
    for (int32_t i = 0; i < rank; i++)
        out->dims[i] = (int32_t)gan__be32(raw + 4 * i);
    out->size = (size_t)total;
    return GAN_OK;
}

void gan__idx_describe(char *buf, size_t cap, const gan__idx *idx, const char *noun)
{
    size_t k = (size_t)snprintf(buf, cap, "%ld %s", (long)idx->dims[0], noun);
    for (int32_t i = 1; i < idx->rank && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%ld", i == 1 ? " of " : "x",
                              (long)idx->dims[i]);
}

static gan_status gan__idx_data(gan__src *s, gan__idx *out, const gan__idx_kind *kind)
{
    char what[96];
    gan__idx_describe(what, sizeof what, out, kind->noun);
    /* Grow with what is read, not with what the header claims. */
    size_t have = 0, cap = 0;
    while (have < out->size) {
        if (have == cap) {
            cap = cap ? 2 * cap : GAN__IDX_FIRST_ALLOC;
            cap = cap < out->size ? cap : out->size;
            uint8_t *data = realloc(out->data, cap);
            if (!data)
                return gan_set_error(GAN_E_NO_MEMORY, "%s: %s: cannot allocate %zu bytes "
                                     "for %s", s->fn, s->path, cap, what);
            out->data = data;
        }
        size_t got;
        gan_status st = gan__src_read(s, out->data + have, cap - have, &got);
        if (st != GAN_OK)
            return st;
        have += got;
        if (have < cap)
            break;
    }
    if (have < out->size)
        return gan_set_error(GAN_E_FORMAT, "%s: %s: header says %s (%zu bytes), the file "
                             "holds %zu%s", s->fn, s->path, what, out->size, have,
                             gan__cut_note(s));
    uint8_t extra[4096];
    uint64_t more = 0;
    size_t got;
    do {
        gan_status st = gan__src_read(s, extra, sizeof extra, &got);
        if (st != GAN_OK)
            return st;
        more += got;
    } while (got == sizeof extra);
    if (more)
        return gan_set_error(GAN_E_FORMAT, "%s: %s: header says %s (%zu bytes), the file "
                             "holds %llu more bytes after them", s->fn, s->path, what,
                             out->size, (unsigned long long)more);
    if (s->cut)
        return gan_set_error(GAN_E_FORMAT, "%s: %s: the gzip data is cut off after the "
                             "%zu bytes of %s", s->fn, s->path, out->size, what);
    return GAN_OK;
}

gan_status gan__idx_read(gan__idx *out, const char *fn, const char *path,
                         const gan__idx_kind *kind)
{
    memset(out, 0, sizeof *out);
    gan__src *s = calloc(1, sizeof *s);
    if (!s)
        return gan_set_error(GAN_E_NO_MEMORY, "%s: %s: cannot allocate a read buffer", fn,
                             path);
    s->fn = fn;
    s->path = path;
    gan_status st = gan__src_open(s);
    if (st == GAN_OK)
        st = gan__idx_header(s, out, kind);
    if (st == GAN_OK)
        st = gan__idx_data(s, out, kind);
    gan__src_close(s);
    free(s);
    if (st != GAN_OK)
        gan__idx_release(out);
    return st;
}

void gan__idx_release(gan__idx *idx)
{
    free(idx->data);
    memset(idx, 0, sizeof *idx);
}

gan_status gan_idx_write_u8(const char *path, const uint8_t *data, int32_t ndim,
                            const int32_t *dims)
{
    static const char fn[] = "gan_idx_write_u8";
    if (!path || !data || !dims)
        return gan_set_error(GAN_E_INVALID_ARG, "%s: %s is NULL", fn,
                             !path ? "path" : !data ? "data" : "dims");
    if (ndim < 1 || ndim > 255)
        return gan_set_error(GAN_E_OUT_OF_RANGE, "%s: %s: ndim %d is outside [1, 255]", fn,
                             path, (int)ndim);
    uint64_t total = 1;
    for (int32_t i = 0; i < ndim; i++) {
        if (dims[i] < 1)
            return gan_set_error(GAN_E_OUT_OF_RANGE, "%s: %s: dims[%d] is %ld; each "
                                 "dimension must be >= 1", fn, path, (int)i, (long)dims[i]);
        total *= (uint64_t)dims[i];
        if (total > INT32_MAX)
            return gan_set_error(GAN_E_OUT_OF_RANGE, "%s: %s: the dimensions make more "
                                 "than 2^31 - 1 values", fn, path);
    }
    gan__afile af;
    gan_status st = gan__afile_open(&af, fn, path);
    if (st != GAN_OK)
        return st;
    const uint8_t head[4] = {0, 0, GAN__IDX_TYPE_U8, (uint8_t)ndim};
    gan__afile_write(&af, head, sizeof head);
    for (int32_t i = 0; i < ndim; i++) {
        const uint32_t d = (uint32_t)dims[i];
        const uint8_t be[4] = {(uint8_t)(d >> 24), (uint8_t)(d >> 16), (uint8_t)(d >> 8),
                               (uint8_t)d};
        gan__afile_write(&af, be, sizeof be);
    }
    gan__afile_write(&af, data, (size_t)total);
    return gan__afile_close(&af, GAN_OK);
}
