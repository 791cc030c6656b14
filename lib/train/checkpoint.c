/* Checkpoints: the whole training state of a trainer in one checksummed file, written
 * atomically and validated completely before anything is loaded (doc/CHECKPOINT.md). */
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
#include "train/trainer.h"

#define GAN__CKPT_VERSION 1u
#define GAN__CKPT_HEADER 24u         /* magic, version, section count, file length */
#define GAN__CKPT_SECTION_HEADER 16u /* tag, reserved, payload length */
#define GAN__CKPT_TRAILER 4u         /* CRC-32 of every byte before it */
#define GAN__CKPT_MAX_SECTIONS 7

/* PNG's trick: a high byte, then CR LF, ^Z and LF, so text-mode copies and 7-bit
 * channels that damage a file are caught by the magic already. */
static const uint8_t gan__ckpt_magic[8] = {0x89, 'G', 'A', 'N', '\r', '\n', 0x1a, '\n'};

/* Section tags: four ASCII characters, stored as a little-endian u32. */
#define GAN__TAG(a, b, c, d)                                                             \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

enum {
    GAN__TAG_G_MODEL = GAN__TAG('G', 'M', 'D', 'L'),
    GAN__TAG_D_MODEL = GAN__TAG('D', 'M', 'D', 'L'),
    GAN__TAG_G_OPTIM = GAN__TAG('G', 'O', 'P', 'T'),
    GAN__TAG_D_OPTIM = GAN__TAG('D', 'O', 'P', 'T'),
    GAN__TAG_TRAINER = GAN__TAG('T', 'R', 'N', 'R'),
    GAN__TAG_EMA = GAN__TAG('G', 'E', 'M', 'A'),
    GAN__TAG_POOL = GAN__TAG('P', 'O', 'O', 'L')
};

static const char *gan__section_what(uint32_t tag)
{
    switch (tag) {
    case GAN__TAG_G_MODEL: return "generator";
    case GAN__TAG_D_MODEL: return "discriminator";
    case GAN__TAG_G_OPTIM: return "generator's optimizer";
    case GAN__TAG_D_OPTIM: return "discriminator's optimizer";
    case GAN__TAG_TRAINER: return "trainer";
    case GAN__TAG_EMA: return "EMA weights";
    case GAN__TAG_POOL: return "replay pool";
    default: return NULL;
    }
}

/* The sections a trainer's checkpoint holds, in file order: architecture first, so a
 * mismatched model is what a load reports before anything else. */
static int gan__section_list(const gan_trainer_t *t, uint32_t tags[GAN__CKPT_MAX_SECTIONS])
{
    int n = 0;
    tags[n++] = GAN__TAG_G_MODEL;
    tags[n++] = GAN__TAG_D_MODEL;
    tags[n++] = GAN__TAG_G_OPTIM;
    tags[n++] = GAN__TAG_D_OPTIM;
    tags[n++] = GAN__TAG_TRAINER;
    if (t->ema)
        tags[n++] = GAN__TAG_EMA;
    if (t->pool)
        tags[n++] = GAN__TAG_POOL;
    return n;
}

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

static void gan__put_trainer(gan__sink *s, const gan_trainer_t *t)
{
    /* The keys added after the first 17 (the loss mix, then AC-GAN) are written only up
     * to the last group with a key set: a checkpoint without them is the one earlier
     * libgan wrote and read. */
    const int n_hacks = gan__hacks_default_from(&t->hacks, GAN__HACK_COUNT_V1)
                            ? GAN__HACK_COUNT_V1
                        : gan__hacks_default_from(&t->hacks, GAN__HACK_COUNT_V2)
                            ? GAN__HACK_COUNT_V2 : GAN__HACK_COUNT;
    gan__sink_u32(s, (uint32_t)n_hacks);
    for (int k = 0; k < n_hacks; k++)
        gan__sink_f64(s, t->hacks.value[k]);
    const float labels[4] = {t->hacks.real_lo, t->hacks.real_hi, t->hacks.fake_lo,
                             t->hacks.fake_hi};
    for (int k = 0; k < 4; k++)
        gan__sink_u32(s, gan__f32_bits(labels[k]));
    gan__sink_rng(s, &t->rng);
    gan__sink_u64(s, t->d_updates);
    gan__sink_u64(s, t->g_updates);
    gan__sink_u64(s, t->data_position);
}

static void gan__put_pool(gan__sink *s, const gan_trainer_t *t)
{
    const size_t count = (size_t)t->pool_count;
    gan__sink_u64(s, (uint64_t)t->pool_size);
    gan__sink_u64(s, (uint64_t)t->pool_count);
    gan__sink_u64(s, t->image);
    gan__sink_floats(s, t->pool, count * t->image);
    for (size_t i = 0; i < count; i++)
        gan__sink_u32(s, (uint32_t)t->pool_labels[i]);
}

static void gan__put_payload(gan__sink *s, const gan_trainer_t *t, uint32_t tag)
{
    switch (tag) {
    case GAN__TAG_G_MODEL: gan__put_model(s, t->g); break;
    case GAN__TAG_D_MODEL: gan__put_model(s, t->d); break;
    case GAN__TAG_G_OPTIM: gan__put_optimizer(s, t->g_opt); break;
    case GAN__TAG_D_OPTIM: gan__put_optimizer(s, t->d_opt); break;
    case GAN__TAG_TRAINER: gan__put_trainer(s, t); break;
    case GAN__TAG_EMA:
        gan__sink_u64(s, t->g->n_params);
        gan__sink_floats(s, t->ema, t->g->n_params);
        break;
    default: gan__put_pool(s, t); break;
    }
}

/* Everything but the trailing checksum. @p total is the whole file's length. */
static void gan__put_file(gan__sink *s, const gan_trainer_t *t, uint64_t total)
{
    uint32_t tags[GAN__CKPT_MAX_SECTIONS];
    const int n = gan__section_list(t, tags);
    gan__sink_bytes(s, gan__ckpt_magic, sizeof gan__ckpt_magic);
    gan__sink_u32(s, GAN__CKPT_VERSION);
    gan__sink_u32(s, (uint32_t)n);
    gan__sink_u64(s, total);
    for (int i = 0; i < n; i++) {
        gan__sink count = {0};
        gan__put_payload(&count, t, tags[i]);
        gan__sink_u32(s, tags[i]);
        gan__sink_u32(s, 0);
        gan__sink_u64(s, count.length);
        gan__put_payload(s, t, tags[i]);
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
static gan_status gan__write_synced(const gan_trainer_t *t, int fd)
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
    gan__put_file(&count, t, 0);
    gan__sink s = {.file = f, .crc = &crc};
    gan__put_file(&s, t, count.length + GAN__CKPT_TRAILER);
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

static gan_status gan__save(const gan_trainer_t *t, const char *path)
{
    static const char suffix[] = ".tmp.XXXXXX";
    const size_t n = strlen(path);
    char *tmp = gan__alloc(&t->alloc, n + sizeof suffix);
    if (!tmp)
        return gan__fail(GAN_E_NO_MEMORY, "cannot allocate the temporary file name");
    int dir_fd = -1;
    gan_status st = gan__open_dir(tmp, path, &dir_fd);
    if (st != GAN_OK) {
        gan__free(&t->alloc, tmp);
        return st;
    }
    memcpy(tmp, path, n);
    memcpy(tmp + n, suffix, sizeof suffix);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        st = gan__fail_sys("cannot create a temporary file next to it");
        close(dir_fd);
        gan__free(&t->alloc, tmp);
        return st;
    }
    /* mkostemp is not POSIX 2008; a child started between these two calls is the only
     * one that can inherit the descriptor. */
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    st = gan__keep_mode(fd, path);
    if (st != GAN_OK)
        close(fd);
    else
        st = gan__write_synced(t, fd);
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
    gan__free(&t->alloc, tmp);
    return st;
}

gan_status gan_trainer_save(gan_trainer_t *t, const char *path)
{
    if (!t || !path || !path[0])
        return gan__fail(GAN_E_INVALID_ARG, "gan_trainer_save: %s", !t ? "trainer is NULL"
                         : !path ? "path is NULL" : "path is empty");
    gan_status st = gan__save(t, path);
    if (st != GAN_OK)
        gan__error_prefix("gan_trainer_save: '%s'", path);
    return st;
}

/* Hacks that shaped the trainer's buffers at create: a checkpoint must agree on them. */
static gan_status gan__check_layout_hacks(const gan__load *c, const gan_trainer_t *t,
                                          const gan_hacks_t *h)
{
    static const struct {
        int32_t key;
        bool on_off; /* only whether the value is > 0 matters */
        const char *name;
    } keys[] = {
        {GAN_HACK_LOSS, false, "loss"},
        {GAN_HACK_SEPARATE_BATCHES, false, "separate_batches"},
        {GAN_HACK_REPLAY_SIZE, false, "replay_size"},
        {GAN_HACK_FEATURE_MATCHING_LAYER, false, "feature_matching_layer"},
        {GAN_HACK_EMA_DECAY, true, "ema_decay"},
        {GAN_HACK_GP_WEIGHT, true, "gp_weight"},
        {GAN_HACK_AUX_WEIGHT_REAL, true, "aux_weight_real"},
        {GAN_HACK_AUX_WEIGHT_FAKE, true, "aux_weight_fake"},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const double mine = t->hacks.value[keys[i].key], theirs = h->value[keys[i].key];
        if (keys[i].on_off ? (mine > 0) != (theirs > 0) : mine != theirs)
            return gan__fail(GAN_E_FORMAT, "the checkpoint's %s has %s = %g, this trainer was "
                             "created with %g (create it with the checkpoint's value)",
                             c->what, keys[i].name, theirs, mine);
    }
    return GAN_OK;
}

static gan_status gan__get_trainer(gan__load *c, gan_trainer_t *t)
{
    const uint32_t n_hacks = gan__read_u32(&c->r);
    if (!c->r.short_read && n_hacks != GAN__HACK_COUNT && n_hacks != GAN__HACK_COUNT_V1 &&
        n_hacks != GAN__HACK_COUNT_V2)
        return gan__fail(GAN_E_FORMAT, "the trainer section has %u hack settings, expected "
                         "%d, %d or %d", (unsigned)n_hacks, GAN__HACK_COUNT_V1,
                         GAN__HACK_COUNT_V2, GAN__HACK_COUNT);
    /* Each value goes through gan_hacks_set, so the loaded set obeys every range. Keys
     * the file lacks take their defaults, which is what its writer ran with. */
    gan_hacks_t h;
    gan__hacks_defaults(&h);
    gan_status st = GAN_OK;
    for (int32_t k = 0; k < (int32_t)n_hacks && k < GAN__HACK_COUNT && st == GAN_OK; k++)
        st = gan_hacks_set(&h, k, gan__read_f64(&c->r));
    float labels[4];
    for (int k = 0; k < 4; k++)
        labels[k] = gan__f32_from(gan__read_u32(&c->r));
    if (st == GAN_OK)
        st = gan_hacks_set_labels(&h, true, labels[0], labels[1]);
    if (st == GAN_OK)
        st = gan_hacks_set_labels(&h, false, labels[2], labels[3]);
    gan__rng rng;
    bool ok = gan__read_rng(&c->r, &rng);
    const uint64_t d_updates = gan__read_u64(&c->r), g_updates = gan__read_u64(&c->r);
    const uint64_t position = gan__read_u64(&c->r);
    if (c->r.short_read)
        return gan__fail_short(c);
    if (st != GAN_OK) {
        char why[256];
        snprintf(why, sizeof why, "%s", gan_last_error());
        return gan__fail(GAN_E_FORMAT, "the trainer's settings are invalid (%s)", why);
    }
    if (!ok)
        return gan__fail(GAN_E_FORMAT, "the trainer's random state is malformed");
    if ((st = gan__check_layout_hacks(c, t, &h)) != GAN_OK)
        return st;
    if (c->apply) {
        t->hacks = h;
        t->rng = rng;
        t->d_updates = d_updates;
        t->g_updates = g_updates;
        t->data_position = position;
    }
    return GAN_OK;
}

static gan_status gan__get_ema(gan__load *c, gan_trainer_t *t)
{
    const uint64_t n = gan__read_u64(&c->r);
    if (!c->r.short_read && n != t->g->n_params)
        return gan__fail(GAN_E_FORMAT, "the checkpoint has %llu EMA weights, the generator "
                         "%zu parameters", (unsigned long long)n, t->g->n_params);
    const uint8_t *ema = gan__read_floats(&c->r, n);
    if (c->r.short_read)
        return gan__fail_short(c);
    if (c->apply)
        gan__decode_floats(t->ema, ema, t->g->n_params);
    return GAN_OK;
}

static gan_status gan__get_pool(gan__load *c, gan_trainer_t *t)
{
    const uint64_t size = gan__read_u64(&c->r), count = gan__read_u64(&c->r);
    const uint64_t image = gan__read_u64(&c->r);
    if (c->r.short_read)
        return gan__fail_short(c);
    if (size != (uint64_t)t->pool_size || count > size || image != t->image)
        return gan__fail(GAN_E_FORMAT, "the checkpoint's replay pool holds %llu of %llu "
                         "images of %llu values, this trainer's takes %lld of %zu",
                         (unsigned long long)count, (unsigned long long)size,
                         (unsigned long long)image, (long long)t->pool_size, t->image);
    const uint8_t *rows = gan__read_floats(&c->r, count * image);
    const uint8_t *labels = gan__take(&c->r, 4 * count);
    if (c->r.short_read)
        return gan__fail_short(c);
    /* Unconditional pools keep label 0; conditional ones feed labels to D's layers. */
    for (uint64_t i = 0; i < count; i++) {
        int32_t label = (int32_t)gan__le32_get(labels + 4 * i);
        if (t->classes ? label < 0 || label >= t->classes : label != 0)
            return gan__fail(GAN_E_FORMAT, "replay pool entry %llu has label %d, outside "
                             "[0, %d)", (unsigned long long)i, (int)label,
                             (int)(t->classes ? t->classes : 1));
    }
    if (c->apply) {
        const size_t n = (size_t)count, total = (size_t)t->pool_size;
        gan__decode_floats(t->pool, rows, n * t->image);
        memset(t->pool + n * t->image, 0, (total - n) * t->image * sizeof *t->pool);
        for (size_t i = 0; i < n; i++)
            t->pool_labels[i] = (int32_t)gan__le32_get(labels + 4 * i);
        memset(t->pool_labels + n, 0, (total - n) * sizeof *t->pool_labels);
        t->pool_count = (int64_t)count;
    }
    return GAN_OK;
}

static gan_status gan__get_payload(gan__load *c, gan_trainer_t *t, uint32_t tag)
{
    switch (tag) {
    case GAN__TAG_G_MODEL: return gan__get_model(c, t->g);
    case GAN__TAG_D_MODEL: return gan__get_model(c, t->d);
    case GAN__TAG_G_OPTIM: return gan__get_optimizer(c, t->g_opt);
    case GAN__TAG_D_OPTIM: return gan__get_optimizer(c, t->d_opt);
    case GAN__TAG_TRAINER: return gan__get_trainer(c, t);
    case GAN__TAG_EMA: return gan__get_ema(c, t);
    default: return gan__get_pool(c, t);
    }
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

/* Is @p tag one of the trainer's expected sections, and not seen yet? */
static gan_status gan__expect_section(uint32_t tag, const uint32_t *tags, int n, bool *seen)
{
    for (int i = 0; i < n; i++)
        if (tags[i] == tag) {
            if (seen[i])
                return gan__fail(GAN_E_FORMAT, "the %s section appears twice",
                                 gan__section_what(tag));
            seen[i] = true;
            return GAN_OK;
        }
    if (tag == GAN__TAG_EMA || tag == GAN__TAG_POOL)
        return gan__fail(GAN_E_FORMAT, "the checkpoint has a %s, this trainer has %s off",
                         gan__section_what(tag), tag == GAN__TAG_EMA ? "EMA" : "replay");
    return gan__fail(GAN_E_FORMAT, "unknown section '%s'", gan__tag_str(tag).s);
}

/* Walk the sections of a checked file (header and checksum already verified). */
static gan_status gan__get_sections(gan_trainer_t *t, const uint8_t *data, size_t size,
                                    uint32_t count, bool apply)
{
    uint32_t tags[GAN__CKPT_MAX_SECTIONS];
    bool seen[GAN__CKPT_MAX_SECTIONS] = {false};
    const int n = gan__section_list(t, tags);
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
        gan_status st = gan__expect_section(tag, tags, n, seen);
        if (st != GAN_OK)
            return st;
        gan__load c = {.r = {.p = payload, .size = (size_t)length}, .apply = apply,
                       .what = gan__section_what(tag)};
        if ((st = gan__get_payload(&c, t, tag)) != GAN_OK)
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
                             "from a trainer without it)", gan__section_what(tags[i]));
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

gan_status gan_trainer_load(gan_trainer_t *t, const char *path)
{
    if (!t || !path || !path[0])
        return gan__fail(GAN_E_INVALID_ARG, "gan_trainer_load: %s", !t ? "trainer is NULL"
                         : !path ? "path is NULL" : "path is empty");
    uint8_t *data = NULL;
    size_t size = 0;
    uint32_t sections = 0;
    gan_status st = gan__read_checked(&t->alloc, path, &data, &size, &sections);
    /* Everything is checked before the first byte of the trainer changes; the second
     * pass repeats the same checks on the same bytes, so it cannot fail. */
    if (st == GAN_OK)
        st = gan__get_sections(t, data, size, sections, false);
    if (st == GAN_OK) {
        st = gan__get_sections(t, data, size, sections, true);
        assert(st == GAN_OK);
    }
    gan__free(&t->alloc, data);
    if (st != GAN_OK)
        gan__error_prefix("gan_trainer_load: '%s'", path);
    return st;
}

gan_status gan_trainer_set_data_position(gan_trainer_t *t, uint64_t position)
{
    if (!t)
        return gan__fail(GAN_E_INVALID_ARG, "gan_trainer_set_data_position: trainer is NULL");
    t->data_position = position;
    return GAN_OK;
}

gan_status gan_trainer_get_data_position(const gan_trainer_t *t, uint64_t *position)
{
    if (!t || !position)
        return gan__fail(GAN_E_INVALID_ARG, "gan_trainer_get_data_position: %s is NULL",
                         t ? "position" : "trainer");
    *position = t->data_position;
    return GAN_OK;
}
