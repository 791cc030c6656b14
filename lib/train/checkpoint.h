/* Checkpoints' internals: the byte-level record writer and reader with their CRC-32
 * (checkpoint_io.c) and the model and optimizer sections (checkpoint_model.c), shared
 * with the file and trainer sections of checkpoint.c. */
#ifndef GAN_TRAIN_CHECKPOINT_H
#define GAN_TRAIN_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/bits.h"
#include "core/rng.h"
#include "gan/optim.h"
#include "optim/schedule.h"
#include "gan/status.h"
#include "tensor.h"

#define GAN__CKPT_MAX_TEXT 255u /* longest name or settings text */

/* ---- Byte order: every field is little-endian whatever the host. ---- */

static inline void gan__le32_put(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline void gan__le64_put(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t gan__le32_get(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static inline uint64_t gan__le64_get(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* ---- CRC-32 (ISO-HDLC, as zlib's crc32). ---- */

typedef struct gan__crc {
    uint32_t table[256];
    uint32_t value; /* running register, not yet inverted */
} gan__crc;

void gan__crc_init(gan__crc *c);
void gan__crc_add(gan__crc *c, const uint8_t *p, size_t n);
uint32_t gan__crc_final(const gan__crc *c);

/* ---- Writing. A sink without a file only counts, which is how section and file
 * lengths are known before their bytes are written. ---- */

typedef struct gan__sink {
    FILE *file;      /* NULL: count only */
    gan__crc *crc;
    uint64_t length; /* bytes so far */
    int error;       /* errno of the first failed write, or 0 */
} gan__sink;

void gan__sink_bytes(gan__sink *s, const void *p, size_t n);
void gan__sink_u32(gan__sink *s, uint32_t v);
void gan__sink_u64(gan__sink *s, uint64_t v);
void gan__sink_f64(gan__sink *s, double v);
void gan__sink_floats(gan__sink *s, const float *v, size_t n);
/* u32 length (at most GAN__CKPT_MAX_TEXT, longer text is cut), then the bytes. */
void gan__sink_text(gan__sink *s, const char *text);
void gan__sink_shape(gan__sink *s, const gan__shape *sh);
void gan__sink_rng(gan__sink *s, const gan__rng *r);

/* ---- Reading: a bounds-checked cursor. ---- */

typedef struct gan__reader {
    const uint8_t *p;
    size_t size, at;
    bool short_read; /* a read ran past the end: every later read gives zeros */
} gan__reader;

/* The next @p n bytes, or NULL (and short_read set) when fewer are left. */
const uint8_t *gan__take(gan__reader *r, uint64_t n);
uint32_t gan__read_u32(gan__reader *r);
uint64_t gan__read_u64(gan__reader *r);
double gan__read_f64(gan__reader *r);
/* @p n floats left in the file: the place to decode them from once all is checked. */
const uint8_t *gan__read_floats(gan__reader *r, uint64_t n);
void gan__decode_floats(float *dst, const uint8_t *src, size_t n);
void gan__read_text(gan__reader *r, char out[GAN__CKPT_MAX_TEXT + 1]);
/* A shape; false (and *sh left invalid) when its rank or a dimension is bad. */
bool gan__read_shape(gan__reader *r, gan__shape *sh);
/* A random stream; false when its spare flag is neither 0 nor 1. */
bool gan__read_rng(gan__reader *r, gan__rng *out);

/* What a section parser needs: where to read, whether to store, and for messages the
 * section's role ("generator"). */
typedef struct gan__load {
    gan__reader r;
    bool apply;
    const char *what;
} gan__load;

/* GAN_E_FORMAT: "the <what> section ends early". */
gan_status gan__fail_short(const gan__load *c);

/* ---- The model and optimizer sections (checkpoint_model.c). A get checks the record
 * against @p m or @p o and stores it only when c->apply is set. ---- */

void gan__put_model(gan__sink *s, const gan_model_t *m);
void gan__put_optimizer(gan__sink *s, const gan_optimizer_t *o);
gan_status gan__get_model(gan__load *c, gan_model_t *m);
gan_status gan__get_optimizer(gan__load *c, gan_optimizer_t *o);

/* A learning-rate schedule, or its absence (@p sched NULL): u32 present, u32 kind,
 * f64 base rate, u64 constant steps, u64 decay steps (all 0 when absent). */
void gan__put_schedule(gan__sink *s, const gan_lr_schedule_t *sched);
gan_status gan__get_schedule(gan__load *c, bool *on, gan_lr_schedule_t *sched);

/* ---- The file (checkpoint_file.c): header, sections, CRC-32; written atomically,
 * validated completely before anything is loaded. ---- */

#define GAN__CKPT_MAX_SECTIONS 16

/* Section tags: four ASCII characters, stored as a little-endian u32. */
#define GAN__TAG(a, b, c, d)                                                             \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

/* What a trainer's checkpoint holds: its sections in file order and how to write and
 * read each. */
typedef struct gan__ckpt_doc {
    uint32_t tags[GAN__CKPT_MAX_SECTIONS];
    int n;
    /* A section's role for messages ("generator"); every tag of @p tags has one. */
    const char *(*what)(uint32_t tag);
    /* For a known tag this object lacks because a feature is off, the feature's name
     * ("EMA"), else NULL; may itself be NULL. */
    const char *(*optional)(uint32_t tag);
    void (*put)(gan__sink *s, const void *obj, uint32_t tag);
    /* Checks the payload against @p obj, and stores it only when c->apply is set. */
    gan_status (*get)(gan__load *c, void *obj, uint32_t tag);
    void *obj;
    const gan__allocator *alloc; /* for the temporary name and the bytes read */
} gan__ckpt_doc;

/* Write @p doc's object to @p path atomically (GAN_E_IO, GAN_E_NO_MEMORY). The caller
 * prefixes the message with its function and the path. */
gan_status gan__ckpt_save(const gan__ckpt_doc *doc, const char *path);

/* Read @p path whole, check it all (header, CRC, every section through doc->get without
 * apply), then apply it; on failure nothing changed (GAN_E_IO, GAN_E_FORMAT,
 * GAN_E_NO_MEMORY). */
gan_status gan__ckpt_load(const gan__ckpt_doc *doc, const char *path);

/* A trainer's public save (@p save) or load: a NULL trainer, a NULL or empty path is
 * GAN_E_INVALID_ARG named after @p who; otherwise the document @p doc makes of the
 * trainer is saved to or loaded from @p path, a failure's message prefixed with
 * "who: 'path'". */
gan_status gan__ckpt_public(const char *who, void *trainer, const char *path,
                            gan__ckpt_doc (*doc)(void *trainer), bool save);

#endif
