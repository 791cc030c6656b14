/* Splitting UTF-8 text into tokens (gan/text.h states the rules), without allocating. */
#ifndef GAN_TEXT_SCAN_H
#define GAN_TEXT_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gan/status.h"

/* A token: the bytes [begin, end) of its text, before case folding. */
typedef struct gan__span {
    size_t begin, end;
} gan__span;

/* Where scanning a text stopped. */
typedef enum gan__scan_result {
    GAN__SCAN_BAD = -1, /* invalid UTF-8 at *pos */
    GAN__SCAN_END = 0,  /* no token after *pos */
    GAN__SCAN_TOKEN = 1 /* *tok holds the next token and *pos is past it */
} gan__scan_result;

/* The next token of @p text at or after byte *pos. On GAN__SCAN_BAD, *pos is the offset
 * of the invalid sequence's first byte and *why says what is wrong with it. */
gan__scan_result gan__scan_next(const char *text, size_t *pos, gan__span *tok,
                                const char **why);

/* Check the whole text and count its tokens. On invalid UTF-8, fail with
 * GAN_E_INVALID_ARG: "invalid UTF-8 at byte offset N (0xBB: why)". */
gan_status gan__scan_count(const char *text, size_t *tokens);

/* A byte as the vocabulary stores it: ASCII upper case folded to lower case. */
static inline unsigned char gan__fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* FNV-1a (64 bits) of the folded bytes of text[s]. */
uint64_t gan__span_hash(const char *text, gan__span s);

/* Do two spans fold to the same bytes? */
bool gan__span_equal(const char *a, gan__span sa, const char *b, gan__span sb);

#endif
