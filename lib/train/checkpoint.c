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
#include "optim/optimizer.h"
#include "train/trainer.h"

#define GAN__CKPT_VERSION 1u
#define GAN__CKPT_HEADER 24u         /* magic, version, section count, file length */
#define GAN__CKPT_SECTION_HEADER 16u /* tag, reserved, payload length */
#define GAN__CKPT_TRAILER 4u         /* CRC-32 of every byte before it */
#define GAN__CKPT_MAX_TEXT 255u      /* longest name or settings text */
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

/* ---- Byte order: every field is little-endian whatever the host. ---- */

static void gan__le32_put(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void gan__le64_put(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t gan__le32_get(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static uint64_t gan__le64_get(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint32_t gan__f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float gan__f32_from(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* ---- CRC-32 (ISO-HDLC, as zlib's crc32): reflected 0xEDB88320, init and final xor
 * 0xFFFFFFFF. The table is built per call: no global state, and 256 entries cost
 * nothing next to the file. ---- */

typedef struct gan__crc {
    uint32_t table[256];
    uint32_t value; /* running register, not yet inverted */
} gan__crc;

static void gan__crc_init(gan__crc *c)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t r = i;
        for (int k = 0; k < 8; k++)
            r = r & 1 ? (r >> 1) ^ 0xEDB88320u : r >> 1;
        c->table[i] = r;
    }
    c->value = 0xFFFFFFFFu;
}

static void gan__crc_add(gan__crc *c, const uint8_t *p, size_t n)
{
    uint32_t r = c->value;
    for (size_t i = 0; i < n; i++)
        r = c->table[(r ^ p[i]) & 0xFF] ^ (r >> 8);
    c->value = r;
}

static uint32_t gan__crc_final(const gan__crc *c)
{
    return c->value ^ 0xFFFFFFFFu;
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

/* ---- Writing. A sink without a file only counts, which is how section and file
 * lengths are known before their bytes are written. ---- */

typedef struct gan__sink {
    FILE *file;      /* NULL: count only */
    gan__crc *crc;
    uint64_t length; /* bytes so far */
    int error;       /* errno of the first failed write, or 0 */
} gan__sink;

static void gan__sink_bytes(gan__sink *s, const void *p, size_t n)
{
    s->length += n;
    if (!s->file || s->error)
        return;
    gan__crc_add(s->crc, p, n);
    errno = 0;
    if (fwrite(p, 1, n, s->file) != n)
        s->error = errno ? errno : EIO;
}

static void gan__sink_u32(gan__sink *s, uint32_t v)
{
    uint8_t b[4];
    gan__le32_put(b, v);
    gan__sink_bytes(s, b, sizeof b);
}

static void gan__sink_u64(gan__sink *s, uint64_t v)
{
    uint8_t b[8];
    gan__le64_put(b, v);
    gan__sink_bytes(s, b, sizeof b);
}

static void gan__sink_f64(gan__sink *s, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    gan__sink_u64(s, u);
}

/* n floats, converted a block at a time so the file sees few large writes. */
static void gan__sink_floats(gan__sink *s, const float *v, size_t n)
{
    if (!s->file) {
        s->length += (uint64_t)n * 4;
        return;
    }
    uint8_t block[4096];
    for (size_t at = 0; at < n;) {
        size_t k = 0;
        for (; k < sizeof block / 4 && at < n; k++, at++)
            gan__le32_put(block + 4 * k, gan__f32_bits(v[at]));
        gan__sink_bytes(s, block, 4 * k);
    }
}

static void gan__sink_text(gan__sink *s, const char *text)
{
    size_t n = strlen(text);
    n = n > GAN__CKPT_MAX_TEXT ? GAN__CKPT_MAX_TEXT : n;
    gan__sink_u32(s, (uint32_t)n);
    gan__sink_bytes(s, text, n);
}

static void gan__sink_shape(gan__sink *s, const gan__shape *sh)
{
    gan__sink_u32(s, (uint32_t)sh->ndim);
    for (int i = 0; i < GAN__MAX_RANK; i++)
        gan__sink_u32(s, (uint32_t)(i < sh->ndim ? sh->d[i] : 0));
}

static void gan__sink_rng(gan__sink *s, const gan__rng *r)
{
    for (int i = 0; i < 4; i++)
        gan__sink_u64(s, r->s[i]);
    gan__sink_u32(s, gan__f32_bits(r->spare_normal));
    gan__sink_u32(s, r->has_spare ? 1u : 0u);
}

/* One layer's architecture as a checkpoint records it. */
typedef struct gan__layer_rec {
    char kind[GAN__CKPT_MAX_TEXT + 1], name[GAN__CKPT_MAX_TEXT + 1];
    char settings[GAN__CKPT_MAX_TEXT + 1]; /* the summary's settings, e.g. "rate=0.3" */
    gan__shape in, out;
    uint64_t groups[GAN__PARAM_GROUPS]; /* weights, bias (0 when absent) */
    uint64_t state;    /* floats in the model's state arena, spectral norm's u, v included */
    bool spectral;     /* spectrally normalised weights */
} gan__layer_rec;

/* One piece of a layer's wiring text: input k (" <- 3", ",in1") or output k (" out0"). */
static int gan__wiring_piece(char *buf, size_t size, bool output, int32_t k, int32_t id)
{
    if (output)
        return snprintf(buf, size, " out%d", (int)k);
    return id >= 0 ? snprintf(buf, size, "%s%d", k ? "," : " <- ", (int)id)
                   : snprintf(buf, size, "%sin%d", k ? "," : " <- ",
                              (int)(GAN_MODEL_INPUT(0) - id));
}

/* The marker of a wiring too long for a record: " #" and 16 hex digits. */
#define GAN__WIRING_HASH_CHARS 18

/* A graph model's layer records its wiring after its settings, e.g. " <- 3,in1 out0":
 * the nodes it reads and which output it is. A chain's records stay as they were.
 * A record holds GAN__CKPT_MAX_TEXT characters; a wiring that does not fit (a merge of
 * a hundred nodes) keeps the pieces that fit with room for " #" and the 64-bit FNV-1a
 * hash of the whole wiring text behind them, so that wirings differing past the cut
 * still differ. */
static void gan__rec_add_wiring(const gan_model_t *m, const gan_layer_t *l, char *text,
                                size_t size)
{
    const size_t limit = size - 1 < GAN__CKPT_MAX_TEXT ? size - 1 : GAN__CKPT_MAX_TEXT;
    const size_t start = strlen(text);
    uint64_t hash = 1469598103934665603u; /* FNV-1a offset basis */
    size_t total = start, keep = start;   /* keep: the pieces that leave room for a hash */
    for (int32_t p = 0; p < l->n_in + m->n_outputs; p++) {
        const bool output = p >= l->n_in;
        const int32_t k = output ? p - l->n_in : p;
        if (output && m->outputs[k] != l->index)
            continue;
        char piece[32];
        int w = gan__wiring_piece(piece, sizeof piece, output, k, output ? 0 : l->src[k]);
        const size_t len = w > 0 ? (size_t)w : 0;
        for (size_t c = 0; c < len; c++)
            hash = (hash ^ (uint8_t)piece[c]) * 1099511628211u; /* FNV-1a prime */
        if (total + len <= limit)
            memcpy(text + total, piece, len);
        if (keep == total && total + len + GAN__WIRING_HASH_CHARS <= limit)
            keep += len;
        total += len;
    }
    if (total <= limit)
        text[total] = '\0';
    else
        snprintf(text + keep, size - keep, " #%016llx", (unsigned long long)hash);
}

static void gan__layer_rec_of(const gan_model_t *m, const gan_layer_t *l, gan__layer_rec *r)
{
    snprintf(r->kind, sizeof r->kind, "%s", l->ops->kind);
    snprintf(r->name, sizeof r->name, "%s", l->name);
    r->settings[0] = '\0';
    if (l->ops->describe)
        l->ops->describe(l, r->settings, sizeof r->settings);
    if (m->graph)
        gan__rec_add_wiring(m, l, r->settings, sizeof r->settings);
    r->in = l->in;
    r->out = l->out;
    for (int g = 0; g < GAN__PARAM_GROUPS; g++)
        r->groups[g] = l->param[g].present ? l->param[g].count : 0;
    r->state = gan__layer_state_floats(l);
    r->spectral = l->sn.on;
}

/* What differs between two records, or NULL. Names are not compared: renaming a layer
 * does not change what the model computes. */
static const char *gan__layer_rec_diff(const gan__layer_rec *a, const gan__layer_rec *b)
{
    return strcmp(a->kind, b->kind) ? "kind"
           : !gan__shape_equal(&a->in, &b->in) ? "input shape"
           : !gan__shape_equal(&a->out, &b->out) ? "output shape"
           : strcmp(a->settings, b->settings) ? "settings or wiring"
           : a->spectral != b->spectral ? "spectral normalisation"
           : a->groups[0] != b->groups[0] ? "weight count"
           : a->groups[1] != b->groups[1] ? "bias count"
           : a->state != b->state ? "state size" : NULL;
}

typedef struct gan__rec_text {
    char s[512];
} gan__rec_text;

static gan__rec_text gan__layer_rec_str(const gan__layer_rec *r)
{
    gan__rec_text t;
    snprintf(t.s, sizeof t.s, "%.31s '%.47s' %s -> %s [%.63s]%s with %llu+%llu parameters "
             "and %llu state", r->kind, r->name, gan__shape_str(&r->in).s,
             gan__shape_str(&r->out).s, r->settings, r->spectral ? " spectral-normalised" : "",
             (unsigned long long)r->groups[0], (unsigned long long)r->groups[1],
             (unsigned long long)r->state);
    return t;
}

static void gan__put_model(gan__sink *s, const gan_model_t *m)
{
    gan__sink_shape(s, &m->in);
    gan__sink_u32(s, (uint32_t)m->n_layers);
    gan__sink_u64(s, m->n_params);
    gan__sink_u64(s, m->n_state);
    gan__sink_u32(s, m->training);
    gan__sink_u32(s, m->trainable);
    for (int32_t i = 0; i < m->n_layers; i++) {
        gan__layer_rec r;
        gan__layer_rec_of(m, m->layers[i], &r);
        gan__sink_text(s, r.kind);
        gan__sink_text(s, r.name);
        gan__sink_text(s, r.settings);
        gan__sink_shape(s, &r.in);
        gan__sink_shape(s, &r.out);
        for (int g = 0; g < GAN__PARAM_GROUPS; g++)
            gan__sink_u64(s, r.groups[g]);
        gan__sink_u64(s, r.state);
        gan__sink_u32(s, r.spectral);
        gan__sink_rng(s, &m->layers[i]->rng);
    }
    gan__sink_floats(s, m->params, m->n_params);
    gan__sink_floats(s, m->state, m->n_state);
}

static void gan__put_optimizer(gan__sink *s, const gan_optimizer_t *o)
{
    const size_t n = o->model->n_params;
    gan__sink_u32(s, (uint32_t)o->ops->kind);
    gan__sink_u32(s, GAN__OPT_KEYS);
    for (int k = 0; k < GAN__OPT_KEYS; k++)
        gan__sink_u32(s, gan__f32_bits(o->setting[k]));
    gan__sink_u64(s, o->steps);
    gan__sink_u64(s, n);
    gan__sink_u32(s, (uint32_t)o->ops->n_states);
    for (int k = 0; k < o->ops->n_states; k++)
        gan__sink_floats(s, o->state[k], o->state[k] ? n : 0);
}

static void gan__put_trainer(gan__sink *s, const gan_trainer_t *t)
{
    /* The keys added after the first 17 (the loss mix) are written only when one of them
     * is set: a checkpoint without them is the one earlier libgan wrote and read. */
    const int n_hacks = gan__hacks_default_from(&t->hacks, GAN__HACK_COUNT_V1)
                            ? GAN__HACK_COUNT_V1 : GAN__HACK_COUNT;
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

/* ---- Reading. Every field is read through a bounds-checked cursor; a load parses the
 * file twice with the same code, first only checking, then storing. ---- */

typedef struct gan__reader {
    const uint8_t *p;
    size_t size, at;
    bool short_read; /* a read ran past the end: every later read gives zeros */
} gan__reader;

static const uint8_t *gan__take(gan__reader *r, uint64_t n)
{
    if (r->short_read || n > r->size - r->at) {
        r->short_read = true;
        return NULL;
    }
    const uint8_t *q = r->p + r->at;
    r->at += (size_t)n;
    return q;
}

static uint32_t gan__read_u32(gan__reader *r)
{
    const uint8_t *q = gan__take(r, 4);
    return q ? gan__le32_get(q) : 0;
}

static uint64_t gan__read_u64(gan__reader *r)
{
    const uint8_t *q = gan__take(r, 8);
    return q ? gan__le64_get(q) : 0;
}

static double gan__read_f64(gan__reader *r)
{
    uint64_t u = gan__read_u64(r);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* @p n floats left in the file: the place to decode them from once all is checked. */
static const uint8_t *gan__read_floats(gan__reader *r, uint64_t n)
{
    return n > UINT64_MAX / 4 ? gan__take(r, UINT64_MAX) : gan__take(r, 4 * n);
}

static void gan__decode_floats(float *dst, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = gan__f32_from(gan__le32_get(src + 4 * i));
}

static void gan__read_text(gan__reader *r, char out[GAN__CKPT_MAX_TEXT + 1])
{
    uint32_t n = gan__read_u32(r);
    const uint8_t *q = n <= GAN__CKPT_MAX_TEXT ? gan__take(r, n) : gan__take(r, UINT64_MAX);
    if (q)
        memcpy(out, q, n);
    out[q ? n : 0] = '\0';
}

/* Reads a shape; false (and *sh left invalid) when its rank or a dimension is bad. */
static bool gan__read_shape(gan__reader *r, gan__shape *sh)
{
    uint32_t ndim = gan__read_u32(r);
    bool ok = ndim >= 1 && ndim <= GAN__MAX_RANK;
    sh->ndim = ok ? (int32_t)ndim : 1;
    for (int i = 0; i < GAN__MAX_RANK; i++) {
        int32_t d = (int32_t)gan__read_u32(r);
        sh->d[i] = i < sh->ndim ? d : 0;
        ok = ok && (i >= sh->ndim || d >= 1);
    }
    return ok;
}

static bool gan__read_rng(gan__reader *r, gan__rng *out)
{
    for (int i = 0; i < 4; i++)
        out->s[i] = gan__read_u64(r);
    out->spare_normal = gan__f32_from(gan__read_u32(r));
    uint32_t has = gan__read_u32(r);
    out->has_spare = has == 1;
    return has <= 1;
}

/* What a section parser needs: where to read, whether to store, and for messages the
 * section's role ("generator"). */
typedef struct gan__load {
    gan__reader r;
    bool apply;
    const char *what;
} gan__load;

static gan_status gan__fail_short(const gan__load *c)
{
    return gan__fail(GAN_E_FORMAT, "the %s section ends early", c->what);
}

/* One layer record against the model's layer @p i, which may not exist. */
static gan_status gan__get_layer(gan__load *c, gan_model_t *m, int32_t i, uint32_t file_layers)
{
    gan__layer_rec rec, here;
    gan__rng rng;
    gan__read_text(&c->r, rec.kind);
    gan__read_text(&c->r, rec.name);
    gan__read_text(&c->r, rec.settings);
    bool ok = gan__read_shape(&c->r, &rec.in);
    ok = gan__read_shape(&c->r, &rec.out) && ok;
    for (int g = 0; g < GAN__PARAM_GROUPS; g++)
        rec.groups[g] = gan__read_u64(&c->r);
    rec.state = gan__read_u64(&c->r);
    const uint32_t spectral = gan__read_u32(&c->r);
    rec.spectral = spectral == 1;
    ok = gan__read_rng(&c->r, &rng) && ok && spectral <= 1;
    if (c->r.short_read)
        return gan__fail_short(c);
    if (!ok)
        return gan__fail(GAN_E_FORMAT, "%s layer %d '%s' has a malformed shape, flag or "
                         "random state", c->what, (int)i, rec.name);
    if (i >= m->n_layers)
        return gan__fail(GAN_E_FORMAT, "the checkpoint's %s has %u layers, this model %d: "
                         "the first extra one is layer %d, %s", c->what,
                         (unsigned)file_layers, (int)m->n_layers, (int)i,
                         gan__layer_rec_str(&rec).s);
    gan_layer_t *l = m->layers[i];
    gan__layer_rec_of(m, l, &here);
    const char *differs = gan__layer_rec_diff(&rec, &here);
    if (differs)
        return gan__fail(GAN_E_FORMAT, "%s layer %d '%s' differs in its %s: the checkpoint "
                         "has %s; this model has %s", c->what, (int)i, l->name, differs,
                         gan__layer_rec_str(&rec).s, gan__layer_rec_str(&here).s);
    if (c->apply)
        l->rng = rng;
    return GAN_OK;
}

static gan_status gan__get_model(gan__load *c, gan_model_t *m)
{
    gan__shape in;
    bool ok = gan__read_shape(&c->r, &in);
    const uint32_t n_layers = gan__read_u32(&c->r);
    const uint64_t n_params = gan__read_u64(&c->r), n_state = gan__read_u64(&c->r);
    const uint32_t training = gan__read_u32(&c->r), trainable = gan__read_u32(&c->r);
    if (c->r.short_read)
        return gan__fail_short(c);
    if (!ok || training > 1 || trainable > 1 || n_layers > INT32_MAX)
        return gan__fail(GAN_E_FORMAT, "the %s section's header is malformed", c->what);
    if (!gan__shape_equal(&in, &m->in))
        return gan__fail(GAN_E_FORMAT, "the checkpoint's %s takes %s, this model '%s' %s",
                         c->what, gan__shape_str(&in).s, m->name, gan__shape_str(&m->in).s);
    for (int32_t i = 0; i < (int32_t)n_layers; i++) {
        gan_status st = gan__get_layer(c, m, i, n_layers);
        if (st != GAN_OK)
            return st;
    }
    if ((int32_t)n_layers < m->n_layers)
        return gan__fail(GAN_E_FORMAT, "the checkpoint's %s has %u layers, this model %d: "
                         "the first extra one here is layer %u '%s' (%s)", c->what,
                         (unsigned)n_layers, (int)m->n_layers, (unsigned)n_layers,
                         m->layers[n_layers]->name, m->layers[n_layers]->ops->kind);
    if (n_params != m->n_params || n_state != m->n_state)
        return gan__fail(GAN_E_FORMAT, "the checkpoint's %s has %llu parameters and %llu "
                         "state values, this model %zu and %zu", c->what,
                         (unsigned long long)n_params, (unsigned long long)n_state,
                         m->n_params, m->n_state);
    const uint8_t *params = gan__read_floats(&c->r, n_params);
    const uint8_t *state = gan__read_floats(&c->r, n_state);
    if (c->r.short_read)
        return gan__fail_short(c);
    if (c->apply) {
        gan__decode_floats(m->params, params, m->n_params);
        gan__decode_floats(m->state, state, m->n_state);
        m->training = training;
        m->trainable = trainable;
    }
    return GAN_OK;
}

static const char *gan__optim_name(uint32_t kind)
{
    static const char *const names[] = {[GAN_OPTIM_SGD] = "sgd", [GAN_OPTIM_ADAM] = "adam",
                                        [GAN_OPTIM_RMSPROP] = "rmsprop"};
    return kind < sizeof names / sizeof names[0] ? names[kind] : "an unknown kind";
}

/* Settings are checked as gan_optimizer_set checks them, on a copy of the optimizer that
 * already holds all the loaded values, so constraints between keys see the final set. */
static gan_status gan__check_settings(const gan__load *c, const gan_optimizer_t *o,
                                      const float *setting)
{
    gan_optimizer_t probe = *o;
    memcpy(probe.setting, setting, sizeof probe.setting);
    for (int32_t k = 0; k < GAN__OPT_KEYS; k++) {
        bool has = o->ops->keys & GAN__OPT_BIT(k);
        if (!has && setting[k] != 0.0f)
            return gan__fail(GAN_E_FORMAT, "the %s has a value for setting %d, which %s "
                             "does not have", c->what, (int)k, o->ops->name);
        if (has && gan_optimizer_set(&probe, k, setting[k]) != GAN_OK) {
            char why[256];
            snprintf(why, sizeof why, "%s", gan_last_error());
            return gan__fail(GAN_E_FORMAT, "the %s's settings are invalid (%s)", c->what, why);
        }
    }
    return GAN_OK;
}

static gan_status gan__get_optimizer(gan__load *c, gan_optimizer_t *o)
{
    const uint32_t kind = gan__read_u32(&c->r), n_keys = gan__read_u32(&c->r);
    if (c->r.short_read)
        return gan__fail_short(c);
    if (kind != (uint32_t)o->ops->kind)
        return gan__fail(GAN_E_FORMAT, "the checkpoint's %s is %s, this trainer's is %s",
                         c->what, gan__optim_name(kind), o->ops->name);
    if (n_keys != GAN__OPT_KEYS)
        return gan__fail(GAN_E_FORMAT, "the %s has %u settings, expected %d", c->what,
                         (unsigned)n_keys, GAN__OPT_KEYS);
    float setting[GAN__OPT_KEYS];
    for (int k = 0; k < GAN__OPT_KEYS; k++)
        setting[k] = gan__f32_from(gan__read_u32(&c->r));
    const uint64_t steps = gan__read_u64(&c->r), n = gan__read_u64(&c->r);
    const uint32_t n_states = gan__read_u32(&c->r);
    if (c->r.short_read)
        return gan__fail_short(c);
    if (n != o->model->n_params || n_states != (uint32_t)o->ops->n_states)
        return gan__fail(GAN_E_FORMAT, "the %s has %u state arrays of %llu values, this "
                         "one %d of %zu", c->what, (unsigned)n_states,
                         (unsigned long long)n, o->ops->n_states, o->model->n_params);
    gan_status st = gan__check_settings(c, o, setting);
    if (st != GAN_OK)
        return st;
    const uint8_t *state[GAN__OPT_MAX_STATES] = {NULL};
    for (int k = 0; k < o->ops->n_states; k++)
        state[k] = gan__read_floats(&c->r, o->state[k] ? n : 0);
    if (c->r.short_read)
        return gan__fail_short(c);
    if (c->apply) {
        memcpy(o->setting, setting, sizeof setting);
        o->steps = steps;
        for (int k = 0; k < o->ops->n_states; k++)
            if (o->state[k])
                gan__decode_floats(o->state[k], state[k], (size_t)n);
    }
    return GAN_OK;
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
    if (!c->r.short_read && n_hacks != GAN__HACK_COUNT && n_hacks != GAN__HACK_COUNT_V1)
        return gan__fail(GAN_E_FORMAT, "the trainer section has %u hack settings, expected "
                         "%d or %d", (unsigned)n_hacks, GAN__HACK_COUNT_V1, GAN__HACK_COUNT);
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
