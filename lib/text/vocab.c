/* A set of words: open addressing with linear probing, at most half full. */
#include "text/vocab.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

void gan__vocab_free(gan__vocab *v)
{
    free(v->chars);
    free(v->start);
    free(v->count);
    free(v->slots);
    *v = (gan__vocab){0};
}

static size_t gan__vocab_len(const gan__vocab *v, int32_t i)
{
    const size_t next = i + 1 < v->n ? v->start[i + 1] : v->n_chars;
    return next - v->start[i] - 1; /* without the NUL */
}

/* The slot of text[s]: where it is, or the empty slot where it would go. */
static size_t gan__vocab_slot(const gan__vocab *v, const char *text, gan__span s)
{
    size_t i = (size_t)gan__span_hash(text, s) & v->mask;
    for (; v->slots[i] >= 0; i = (i + 1) & v->mask) {
        const int32_t w = v->slots[i];
        const gan__span ws = {v->start[w], v->start[w] + gan__vocab_len(v, w)};
        if (gan__span_equal(v->chars, ws, text, s))
            break;
    }
    return i;
}

int32_t gan__vocab_find(const gan__vocab *v, const char *text, gan__span s)
{
    return v->slots ? v->slots[gan__vocab_slot(v, text, s)] : -1;
}

/* Room for one more word in start and count. */
static gan_status gan__vocab_grow_words(gan__vocab *v)
{
    if ((size_t)v->n < v->cap)
        return GAN_OK;
    const size_t cap = v->cap ? 2 * v->cap : 16;
    size_t *start = realloc(v->start, cap * sizeof *start);
    if (!start)
        return gan__fail(GAN_E_NO_MEMORY, "cannot allocate room for %zu words", cap);
    v->start = start; /* bigger, while cap still says the old size */
    int64_t *count = realloc(v->count, cap * sizeof *count);
    if (!count)
        return gan__fail(GAN_E_NO_MEMORY, "cannot allocate room for %zu words", cap);
    v->count = count;
    v->cap = cap;
    return GAN_OK;
}

static gan_status gan__vocab_grow_chars(gan__vocab *v, size_t len)
{
    if (len >= SIZE_MAX / 4 - v->n_chars)
        return gan__fail(GAN_E_NO_MEMORY, "a word of %zu bytes does not fit", len);
    const size_t need = v->n_chars + len + 1;
    if (need <= v->cap_chars)
        return GAN_OK;
    const size_t cap = need > 2 * v->cap_chars ? need : 2 * v->cap_chars;
    char *chars = realloc(v->chars, cap);
    if (!chars)
        return gan__fail(GAN_E_NO_MEMORY, "cannot allocate %zu bytes of words", cap);
    v->chars = chars;
    v->cap_chars = cap;
    return GAN_OK;
}

/* A table for one more word, at most half full: a new one, filled again, when needed. */
static gan_status gan__vocab_grow_slots(gan__vocab *v)
{
    const size_t size = v->slots ? v->mask + 1 : 0;
    if (2 * ((size_t)v->n + 1) <= size)
        return GAN_OK;
    const size_t grown = size ? 2 * size : 64;
    int32_t *slots = malloc(grown * sizeof *slots);
    if (!slots)
        return gan__fail(GAN_E_NO_MEMORY, "cannot allocate a table of %zu words", grown);
    memset(slots, 0xff, grown * sizeof *slots); /* -1 */
    free(v->slots);
    v->slots = slots;
    v->mask = grown - 1;
    for (int32_t w = 0; w < v->n; w++) {
        const gan__span ws = {v->start[w], v->start[w] + gan__vocab_len(v, w)};
        v->slots[gan__vocab_slot(v, v->chars, ws)] = w;
    }
    return GAN_OK;
}

gan_status gan__vocab_add(gan__vocab *v, const char *text, gan__span s, int32_t *index,
                          bool *added)
{
    int32_t w = gan__vocab_find(v, text, s);
    if (added)
        *added = w < 0;
    if (w < 0) {
        if (v->n == INT32_MAX)
            return gan__fail(GAN_E_OUT_OF_RANGE, "more than %d distinct words",
                             (int)INT32_MAX);
        const size_t len = s.end - s.begin;
        gan_status st = gan__vocab_grow_words(v);
        if (st == GAN_OK)
            st = gan__vocab_grow_chars(v, len);
        if (st == GAN_OK)
            st = gan__vocab_grow_slots(v);
        if (st != GAN_OK)
            return st;
        w = v->n++;
        v->start[w] = v->n_chars;
        v->count[w] = 0;
        for (size_t i = 0; i < len; i++)
            v->chars[v->n_chars + i] = (char)gan__fold((unsigned char)text[s.begin + i]);
        v->chars[v->n_chars + len] = '\0';
        v->n_chars += len + 1;
        const gan__span ws = {v->start[w], v->start[w] + len};
        v->slots[gan__vocab_slot(v, v->chars, ws)] = w;
    }
    v->count[w]++;
    if (index)
        *index = w;
    return GAN_OK;
}
