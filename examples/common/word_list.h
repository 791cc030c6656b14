/* A word list for character-level sequence models: lower-case a-z words as token ids
 * (END, then the letters a..z as 1..26), deduplicated, shuffled with a seed and split. */
#ifndef GAN_EXAMPLE_WORD_LIST_H
#define GAN_EXAMPLE_WORD_LIST_H

#include <stdbool.h>
#include <stdint.h>

#define END 0      /* the end token, padding every word to T; also G's start token */
#define VOCAB 27   /* END and the letters a..z as 1..26 */
#define MAX_LEN 12 /* T = max + 1 <= 13 letters: a word's base-27 code fits 64 bits */

/* The word list: codes (a word's letters 1..26 as base-27 digits, first letter lowest)
 * and sequences (n, T) of ids padded with END. */
typedef struct ex_words {
    int32_t T, n_train, n_held;
    uint64_t *train_codes, *held_codes; /* sorted, for look-ups */
    int32_t *train, *held;              /* (n, T) ids in the shuffled order */
} ex_words;

/* Read @p path, keep its lines of lower-case a-z of 2..max_len letters, deduplicate,
 * shuffle with @p seed and hold out the first tenth (at least one word); print what was
 * kept and dropped. 0, or 1 after a message prefixed with @p program (a missing, empty
 * or unreadable file, fewer than batch + 1 usable words, no memory). */
int ex_words_load(ex_words *w, const char *path, int32_t max_len, int32_t batch,
                  uint64_t seed, const char *program);
void ex_words_free(ex_words *w);

/* qsort/bsearch order of uint64_t. */
int ex_cmp_u64(const void *a, const void *b);

/* Whether @p code is among the n sorted codes. */
bool ex_words_contains(const uint64_t *codes, int32_t n, uint64_t code);

/* A generated word: the letters before the first end token (into text, if not NULL, with
 * a terminating 0); its code, and its length as the return value. */
int32_t ex_word_of(const int32_t *ids, int32_t T, char *text, uint64_t *code);

#endif
