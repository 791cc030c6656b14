/* The checkpoint file: header, sections, CRC-32 trailer; its atomic writing and its
 * complete validation before anything is loaded (doc/CHECKPOINT.md). Which sections a
 * file holds and what they say is the trainer's business (checkpoint.c for the pair
 * trainer, cyclegan_checkpoint.c for CycleGAN), through a gan__ckpt_doc. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "train/checkpoint.h"

#define GAN__CKPT_VERSION 1u
#define GAN__CKPT_HEADER 24u         /* magic, version, section count, file length */
#define GAN__CKPT_SECTION_HEADER 16u /* tag, reserved, payload length */
#define GAN__CKPT_TRAILER 4u         /* CRC-32 of every byte before it */

/* PNG's trick: a high byte, then CR LF, ^Z and LF, so text-mode copies and 7-bit
 * channels that damage a file are caught by the magic already. */
static const uint8_t gan__ckpt_magic[8] = {0x89, 'G', 'A', 'N', '\r', '\n', 0x1a, '\n'};

/* strerror is not thread-safe; this is the XSI strerror_r that _POSIX_C_SOURCE gives. */
typedef struct gan__errtext {
    char s[128];
} gan__errtext;

static gan__errtext gan__strerror(int err)
{
    gan__errtext t;
    if (strerror_r(err, t.s, sizeof t.s) != 0)
        snprintf(t.s, sizeof t.s, "error %d", err);
    return t;
}

/* Everything but the trailing checksum. @p total is the whole file's length. */
static void gan__put_file(gan__sink *s, const gan__ckpt_doc *doc, uint64_t total)
{
    gan__sink_bytes(s, gan__ckpt_magic, sizeof gan__ckpt_magic);
    gan__sink_u32(s, GAN__CKPT_VERSION);
    gan__sink_u32(s, (uint32_t)doc->n);
    gan__sink_u64(s, total);
    for (int i = 0; i < doc->n; i++) {
        gan__sink count = {0};
        doc->put(&count, doc->obj, doc->tags[i]);
        gan__sink_u32(s, doc->tags[i]);
        gan__sink_u32(s, 0);
        gan__sink_u64(s, count.length);
        doc->put(s, doc->obj, doc->tags[i]);
    }
}

/* Fail with "@p what: " and the system's reason, read from errno first thing. ENOMEM is
 * a lack of memory like any other; the rest are I/O errors. */
static gan_status gan__fail_sys(const char *what)
{
    const int err = errno;
    return gan__fail(err == ENOMEM ? GAN_E_NO_MEMORY : GAN_E_IO, "%s: %s", what,
                     gan__strerror(err).s);
}

/* Write the checkpoint to @p fd and make it durable; closes fd in every case. */
static gan_status gan__write_synced(const gan__ckpt_doc *doc, int fd)
{
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        gan_status st = gan__fail_sys("cannot open the temporary file for writing");
        close(fd);
        return st;
    }
    gan__crc crc;
    gan__crc_init(&crc);
    gan__sink count = {0};
    gan__put_file(&count, doc, 0);
    gan__sink s = {.file = f, .crc = &crc};
    gan__put_file(&s, doc, count.length + GAN__CKPT_TRAILER);
    uint8_t trailer[GAN__CKPT_TRAILER];
    gan__le32_put(trailer, gan__crc_final(&crc));
    gan__sink_bytes(&s, trailer, sizeof trailer);

    /* The data must be on disk before the rename makes it the checkpoint. */
    const char *step = s.error ? "write" : fflush(f) != 0 ? "flush"
                                 : fsync(fileno(f)) != 0 ? "sync" : NULL;
    int err = s.error ? s.error : step ? errno : 0;
    if (fclose(f) != 0 && !step) {
        err = errno;
        step = "close";
    }
    if (step)
        return gan__fail(GAN_E_IO, "cannot %s the temporary file: %s", step,
                         gan__strerror(err).s);
    return GAN_OK;
}

/* A new checkpoint keeps mkstemp's private 0600; one that replaces a file takes that
 * file's permission bits, so a shared checkpoint stays shared. */
static gan_status gan__keep_mode(int fd, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return GAN_OK;
    return fchmod(fd, st.st_mode & 07777) == 0
               ? GAN_OK
               : gan__fail_sys("cannot set the temporary file's mode");
}

/* Open the directory that holds @p path, using @p name (room for strlen(path) + 1) for
 * its name. It is opened before anything is written so that, once the rename has put the
 * new file in place, syncing the directory is the only step left that can fail. */
static gan_status gan__open_dir(char *name, const char *path, int *dir_fd)
{
    const char *slash = strrchr(path, '/');
    const size_t n = !slash ? 1 : slash == path ? 1 : (size_t)(slash - path);
    memcpy(name, !slash ? "." : path, n);
    name[n] = '\0';
    *dir_fd = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return *dir_fd >= 0 ? GAN_OK
                        : gan__fail_sys("cannot open its directory, which must be synced "
                                        "to make the replacement durable");
}

gan_status gan__ckpt_save(const gan__ckpt_doc *doc, const char *path)
{
    static const char suffix[] = ".tmp.XXXXXX";
    const size_t n = strlen(path);
    char *tmp = gan__alloc(doc->alloc, n + sizeof suffix);
    if (!tmp)
        return gan__fail(GAN_E_NO_MEMORY, "cannot allocate the temporary file name");
    int dir_fd = -1;
    gan_status st = gan__open_dir(tmp, path, &dir_fd);
    if (st != GAN_OK) {
        gan__free(doc->alloc, tmp);
        return st;
    }
    memcpy(tmp, path, n);
    memcpy(tmp + n, suffix, sizeof suffix);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        st = gan__fail_sys("cannot create a temporary file next to it");
        close(dir_fd);
        gan__free(doc->alloc, tmp);
        return st;
    }
    /* mkostemp is not POSIX 2008; a child started between these two calls is the only
     * one that can inherit the descriptor. */
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    st = gan__keep_mode(fd, path);
    if (st != GAN_OK)
        close(fd);
    else
        st = gan__write_synced(doc, fd);
    if (st == GAN_OK && rename(tmp, path) != 0)
        st = gan__fail_sys("cannot rename the temporary file over it");
    if (st != GAN_OK)
        unlink(tmp);
    /* Some file systems cannot sync a directory (EINVAL): nothing more can be done. */
    else if (fsync(dir_fd) != 0 && errno != EINVAL)
        st = gan__fail(GAN_E_IO, "the new checkpoint is in place, but its directory could "
                       "not be synced, so a power loss may still bring back the old one: %s",
                       gan__strerror(errno).s);
    close(dir_fd);
    gan__free(doc->alloc, tmp);
    return st;
}


/* A tag as text for messages, with anything unprintable as '?'. */
typedef struct gan__tag_text {
    char s[5];
} gan__tag_text;

static gan__tag_text gan__tag_str(uint32_t tag)
{
    gan__tag_text t;
    for (int i = 0; i < 4; i++) {
        char ch = (char)(tag >> (8 * i));
        t.s[i] = ch >= 0x20 && ch < 0x7f ? ch : '?';
    }
    t.s[4] = '\0';
    return t;
}

/* Is @p tag one of the document's expected sections, and not seen yet? */
static gan_status gan__expect_section(const gan__ckpt_doc *doc, uint32_t tag, bool *seen)
{
    for (int i = 0; i < doc->n; i++)
        if (doc->tags[i] == tag) {
            if (seen[i])
                return gan__fail(GAN_E_FORMAT, "the %s section appears twice",
                                 doc->what(tag));
            seen[i] = true;
            return GAN_OK;
        }
    const char *feature = doc->optional ? doc->optional(tag) : NULL;
    if (feature)
        return gan__fail(GAN_E_FORMAT, "the checkpoint has the %s section, and this "
                         "trainer has %s off", doc->what(tag), feature);
    return gan__fail(GAN_E_FORMAT, "unknown section '%s'", gan__tag_str(tag).s);
}

/* Walk the sections of a checked file (header and checksum already verified). */
static gan_status gan__get_sections(const gan__ckpt_doc *doc, const uint8_t *data,
                                    size_t size, uint32_t count, bool apply)
{
    bool seen[GAN__CKPT_MAX_SECTIONS] = {false};
    const int n = doc->n;
    gan__reader file = {.p = data, .size = size - GAN__CKPT_TRAILER, .at = GAN__CKPT_HEADER};
    for (uint32_t i = 0; i < count; i++) {
        const uint32_t tag = gan__read_u32(&file), reserved = gan__read_u32(&file);
        const uint64_t length = gan__read_u64(&file);
        const uint8_t *payload = gan__take(&file, length);
        if (file.short_read)
            return gan__fail(GAN_E_FORMAT, "section %u of %u runs past the end of the "
                             "file", (unsigned)i + 1, (unsigned)count);
        if (reserved != 0)
            return gan__fail(GAN_E_FORMAT, "section '%s' has reserved bits set",
                             gan__tag_str(tag).s);
        gan_status st = gan__expect_section(doc, tag, seen);
        if (st != GAN_OK)
            return st;
        gan__load c = {.r = {.p = payload, .size = (size_t)length}, .apply = apply,
                       .what = doc->what(tag)};
        if ((st = doc->get(&c, doc->obj, tag)) != GAN_OK)
            return st;
        if (c.r.at != c.r.size)
            return gan__fail(GAN_E_FORMAT, "the %s section has %zu unexpected trailing "
                             "bytes", c.what, c.r.size - c.r.at);
    }
    if (file.at != file.size)
        return gan__fail(GAN_E_FORMAT, "%zu unexpected bytes follow the %u sections",
                         file.size - file.at, (unsigned)count);
    for (int i = 0; i < n; i++)
        if (!seen[i])
            return gan__fail(GAN_E_FORMAT, "the checkpoint has no %s section (it was saved "
                             "from a trainer without it)", doc->what(doc->tags[i]));
    return GAN_OK;
}

/* Magic, version and length from the first bytes; *total receives the file's length. */
static gan_status gan__check_header(const uint8_t *head, size_t got, uint64_t file_size,
                                    uint64_t *total, uint32_t *sections)
{
    if (file_size == 0)
        return gan__fail(GAN_E_FORMAT, "the file is empty, not a libgan checkpoint");
    size_t m = got < sizeof gan__ckpt_magic ? got : sizeof gan__ckpt_magic;
    if (memcmp(head, gan__ckpt_magic, m) != 0)
        return gan__fail(GAN_E_FORMAT, "not a libgan checkpoint (its first bytes are not "
                         "the checkpoint magic)");
    if (got < GAN__CKPT_HEADER)
        return gan__fail(GAN_E_FORMAT, "truncated: %zu bytes, shorter than the %u-byte "
                         "header", got, GAN__CKPT_HEADER);
    const uint32_t version = gan__le32_get(head + 8);
    *sections = gan__le32_get(head + 12);
    *total = gan__le64_get(head + 16);
    if (version > GAN__CKPT_VERSION)
        return gan__fail(GAN_E_FORMAT, "format version %u was written by a newer libgan; "
                         "this one reads up to version %u", (unsigned)version,
                         GAN__CKPT_VERSION);
    if (version != GAN__CKPT_VERSION)
        return gan__fail(GAN_E_FORMAT, "format version %u is not one this libgan reads "
                         "(version %u)", (unsigned)version, GAN__CKPT_VERSION);
    if (*total < GAN__CKPT_HEADER + GAN__CKPT_TRAILER || *sections > GAN__CKPT_MAX_SECTIONS)
        return gan__fail(GAN_E_FORMAT, "the header is malformed (length %llu, %u sections)",
                         (unsigned long long)*total, (unsigned)*sections);
    if (file_size < *total)
        return gan__fail(GAN_E_FORMAT, "truncated: %llu of its %llu bytes",
                         (unsigned long long)file_size, (unsigned long long)*total);
    if (file_size > *total)
        return gan__fail(GAN_E_FORMAT, "%llu unexpected bytes follow the checkpoint's %llu",
                         (unsigned long long)(file_size - *total), (unsigned long long)*total);
    if ((uint64_t)(size_t)*total != *total)
        return gan__fail(GAN_E_NO_MEMORY, "%llu bytes do not fit in memory",
                         (unsigned long long)*total);
    return GAN_OK;
}

/* Open @p path for reading if it is a regular file. O_NONBLOCK keeps the open of a FIFO
 * from waiting for a writer; it is refused after fstat, and has no effect on a regular
 * file's reads. */
static gan_status gan__open_regular(const char *path, FILE **f, struct stat *sb)
{
    const int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return gan__fail_sys("cannot open it");
    gan_status st = fstat(fd, sb) != 0          ? gan__fail_sys("cannot stat it")
                    : !S_ISREG(sb->st_mode)     ? gan__fail(GAN_E_IO, "not a regular file")
                    : !(*f = fdopen(fd, "rb")) ? gan__fail_sys("cannot open it")
                                                : GAN_OK;
    if (st != GAN_OK)
        close(fd);
    return st;
}

/* Read and check the whole file into memory from @p a; the caller frees *data. */
static gan_status gan__read_checked(const gan__allocator *a, const char *path,
                                    uint8_t **data, size_t *size, uint32_t *sections)
{
    struct stat sb;
    FILE *f = NULL;
    gan_status st = gan__open_regular(path, &f, &sb);
    if (st != GAN_OK)
        return st;
    uint8_t head[GAN__CKPT_HEADER];
    size_t got = fread(head, 1, sizeof head, f);
    uint64_t total = 0;
    st = ferror(f) ? gan__fail(GAN_E_IO, "cannot read it: %s",
                                          gan__strerror(errno).s)
                              : gan__check_header(head, got, (uint64_t)sb.st_size, &total,
                                                  sections);
    uint8_t *buf = NULL;
    if (st == GAN_OK && !(buf = gan__alloc(a, (size_t)total)))
        st = gan__fail(GAN_E_NO_MEMORY, "cannot allocate %llu bytes to read it",
                       (unsigned long long)total);
    if (st == GAN_OK) {
        memcpy(buf, head, sizeof head);
        size_t rest = (size_t)total - sizeof head;
        size_t n = fread(buf + sizeof head, 1, rest, f);
        if (n != rest)
            st = ferror(f) ? gan__fail(GAN_E_IO, "cannot read it: %s", gan__strerror(errno).s)
                           : gan__fail(GAN_E_FORMAT, "truncated while being read (%zu of "
                                       "%llu bytes)", n + sizeof head,
                                       (unsigned long long)total);
    }
    fclose(f);
    if (st == GAN_OK) {
        gan__crc crc;
        gan__crc_init(&crc);
        gan__crc_add(&crc, buf, (size_t)total - GAN__CKPT_TRAILER);
        const uint32_t stored = gan__le32_get(buf + total - GAN__CKPT_TRAILER);
        if (stored != gan__crc_final(&crc))
            st = gan__fail(GAN_E_FORMAT, "checksum mismatch (stored %08x, computed %08x): "
                           "the file is corrupted", (unsigned)stored,
                           (unsigned)gan__crc_final(&crc));
    }
    if (st != GAN_OK) {
        gan__free(a, buf);
        return st;
    }
    *data = buf;
    *size = (size_t)total;
    return GAN_OK;
}

gan_status gan__ckpt_load(const gan__ckpt_doc *doc, const char *path)
{
    uint8_t *data = NULL;
    size_t size = 0;
    uint32_t sections = 0;
    gan_status st = gan__read_checked(doc->alloc, path, &data, &size, &sections);
    /* Everything is checked before the first byte of the object changes; the second
     * pass repeats the same checks on the same bytes, so it cannot fail. */
    if (st == GAN_OK)
        st = gan__get_sections(doc, data, size, sections, false);
    if (st == GAN_OK) {
        st = gan__get_sections(doc, data, size, sections, true);
        assert(st == GAN_OK);
    }
    gan__free(doc->alloc, data);
    return st;
}

gan_status gan__ckpt_public(const char *who, void *trainer, const char *path,
                            gan__ckpt_doc (*doc)(void *trainer), bool save)
{
    if (!trainer || !path || !path[0])
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s", who, !trainer ? "trainer is NULL"
                         : !path ? "path is NULL" : "path is empty");
    const gan__ckpt_doc d = doc(trainer);
    gan_status st = save ? gan__ckpt_save(&d, path) : gan__ckpt_load(&d, path);
    if (st != GAN_OK)
        gan__error_prefix("%s: '%s'", who, path);
    return st;
}
