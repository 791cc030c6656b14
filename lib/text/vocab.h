/* A set of words with their indices and counts: a hash table over folded bytes, so
 * that a text's token is looked up where it stands, without a copy. */
#ifndef GAN_TEXT_VOCAB_H
#define GAN_TEXT_VOCAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gan/status.h"
#include "text/scan.h"

typedef struct gan__vocab {
    char *chars;        /* the words, folded, each followed by a NUL */
    size_t n_chars, cap_chars;
    size_t *start;      /* (n) where word i starts in chars */
    int64_t *count;     /* (n) how many times gan__vocab_add met word i */
    int32_t n;          /* words */
    size_t cap;         /* room in start and count */
    int32_t *slots;     /* (mask + 1) a word's index, or -1 for an empty slot */
    size_t mask;
} gan__vocab;

/* Free the vocabulary's memory and make it empty; a zeroed vocab is empty too. */
void gan__vocab_free(gan__vocab *v);

/* The index of the word that text[s] folds to, or -1. */
int32_t gan__vocab_find(const gan__vocab *v, const char *text, gan__span s);

/* Count text[s] once more, adding it (folded) if it is new; *index receives its index
 * (may be NULL) and *added whether it was new (may be NULL). GAN_E_NO_MEMORY or
 * GAN_E_OUT_OF_RANGE (INT32_MAX words) leave the vocabulary as it was. */
gan_status gan__vocab_add(gan__vocab *v, const char *text, gan__span s, int32_t *index,
                          bool *added);

static inline const char *gan__vocab_word(const gan__vocab *v, int32_t i)
{
    return v->chars + v->start[i];
}

#endif
