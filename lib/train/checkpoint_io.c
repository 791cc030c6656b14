/* Checkpoints' byte-level records: the little-endian writer (a sink that streams to a
 * file or only counts), the bounds-checked reader, and the CRC-32 over them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "train/checkpoint.h"

/* ---- CRC-32 (ISO-HDLC, as zlib's crc32): reflected 0xEDB88320, init and final xor
 * 0xFFFFFFFF. The table is built per call: no global state, and 256 entries cost
 * nothing next to the file. ---- */

void gan__crc_init(gan__crc *c)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t r = i;
        for (int k = 0; k < 8; k++)
            r = r & 1 ? (r >> 1) ^ 0xEDB88320u : r >> 1;
        c->table[i] = r;
    }
    c->value = 0xFFFFFFFFu;
}

void gan__crc_add(gan__crc *c, const uint8_t *p, size_t n)
{
    uint32_t r = c->value;
    for (size_t i = 0; i < n; i++)
        r = c->table[(r ^ p[i]) & 0xFF] ^ (r >> 8);
    c->value = r;
}

uint32_t gan__crc_final(const gan__crc *c)
{
    return c->value ^ 0xFFFFFFFFu;
}

/* ---- Writing. A sink without a file only counts, which is how section and file
 * lengths are known before their bytes are written. ---- */

void gan__sink_bytes(gan__sink *s, const void *p, size_t n)
{
    s->length += n;
    if (!s->file || s->error)
        return;
    gan__crc_add(s->crc, p, n);
    errno = 0;
    if (fwrite(p, 1, n, s->file) != n)
        s->error = errno ? errno : EIO;
}

void gan__sink_u32(gan__sink *s, uint32_t v)
{
    uint8_t b[4];
    gan__le32_put(b, v);
    gan__sink_bytes(s, b, sizeof b);
}

void gan__sink_u64(gan__sink *s, uint64_t v)
{
    uint8_t b[8];
    gan__le64_put(b, v);
    gan__sink_bytes(s, b, sizeof b);
}

void gan__sink_f64(gan__sink *s, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    gan__sink_u64(s, u);
}

/* n floats, converted a block at a time so the file sees few large writes. */
void gan__sink_floats(gan__sink *s, const float *v, size_t n)
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

void gan__sink_text(gan__sink *s, const char *text)
{
    size_t n = strlen(text);
    n = n > GAN__CKPT_MAX_TEXT ? GAN__CKPT_MAX_TEXT : n;
    gan__sink_u32(s, (uint32_t)n);
    gan__sink_bytes(s, text, n);
}

void gan__sink_shape(gan__sink *s, const gan__shape *sh)
{
    gan__sink_u32(s, (uint32_t)sh->ndim);
    for (int i = 0; i < GAN__MAX_RANK; i++)
        gan__sink_u32(s, (uint32_t)(i < sh->ndim ? sh->d[i] : 0));
}

void gan__sink_rng(gan__sink *s, const gan__rng *r)
{
    for (int i = 0; i < 4; i++)
        gan__sink_u64(s, r->s[i]);
    gan__sink_u32(s, gan__f32_bits(r->spare_normal));
    gan__sink_u32(s, r->has_spare ? 1u : 0u);
}

/* ---- Reading. Every field is read through a bounds-checked cursor; a load parses the
 * file twice with the same code, first only checking, then storing. ---- */

const uint8_t *gan__take(gan__reader *r, uint64_t n)
{
    if (r->short_read || n > r->size - r->at) {
        r->short_read = true;
        return NULL;
    }
    const uint8_t *q = r->p + r->at;
    r->at += (size_t)n;
    return q;
}

uint32_t gan__read_u32(gan__reader *r)
{
    const uint8_t *q = gan__take(r, 4);
    return q ? gan__le32_get(q) : 0;
}

uint64_t gan__read_u64(gan__reader *r)
{
    const uint8_t *q = gan__take(r, 8);
    return q ? gan__le64_get(q) : 0;
}

double gan__read_f64(gan__reader *r)
{
    uint64_t u = gan__read_u64(r);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* @p n floats left in the file: the place to decode them from once all is checked. */
const uint8_t *gan__read_floats(gan__reader *r, uint64_t n)
{
    return n > UINT64_MAX / 4 ? gan__take(r, UINT64_MAX) : gan__take(r, 4 * n);
}

void gan__decode_floats(float *dst, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = gan__f32_from(gan__le32_get(src + 4 * i));
}

void gan__read_text(gan__reader *r, char out[GAN__CKPT_MAX_TEXT + 1])
{
    uint32_t n = gan__read_u32(r);
    const uint8_t *q = n <= GAN__CKPT_MAX_TEXT ? gan__take(r, n) : gan__take(r, UINT64_MAX);
    if (q)
        memcpy(out, q, n);
    out[q ? n : 0] = '\0';
}

/* Reads a shape; false (and *sh left invalid) when its rank or a dimension is bad. */
bool gan__read_shape(gan__reader *r, gan__shape *sh)
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

bool gan__read_rng(gan__reader *r, gan__rng *out)
{
    for (int i = 0; i < 4; i++)
        out->s[i] = gan__read_u64(r);
    out->spare_normal = gan__f32_from(gan__read_u32(r));
    uint32_t has = gan__read_u32(r);
    out->has_spare = has == 1;
    return has <= 1;
}

gan_status gan__fail_short(const gan__load *c)
{
    return gan__fail(GAN_E_FORMAT, "the %s section ends early", c->what);
}
