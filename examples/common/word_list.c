#define _POSIX_C_SOURCE 200809L
#include "common/word_list.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "common/rng.h"

static void wl_error(const char *program, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    fprintf(stderr, "%s: ", program);
    vfprintf(stderr, format, ap);
    va_end(ap);
}

int ex_cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

bool ex_words_contains(const uint64_t *codes, int32_t n, uint64_t code)
{
    return bsearch(&code, codes, (size_t)n, sizeof code, ex_cmp_u64) != NULL;
}

/* The ids of a word's code, padded with END to T. */
static void code_ids(uint64_t code, int32_t T, int32_t *ids)
{
    for (int32_t t = 0; t < T; t++, code /= VOCAB)
        ids[t] = (int32_t)(code % VOCAB);
}

static void sorted_codes(uint64_t *dst, const uint64_t *src, int32_t n)
{
    memcpy(dst, src, (size_t)n * sizeof *dst);
    qsort(dst, (size_t)n, sizeof *dst, ex_cmp_u64);
}

int ex_words_load(ex_words *w, const char *path, int32_t max_len, int32_t batch,
                  uint64_t seed, const char *program)
{
    *w = (ex_words){0};
    FILE *f = fopen(path, "r");
    if (!f) {
        wl_error(program, "cannot open the word list %s: %s\n", path,
                strerror(errno));
        return 1;
    }
    char *line = NULL;
    size_t cap = 0, n = 0, size = 0;
    long lines = 0, not_az = 0, too_short = 0, too_long = 0;
    uint64_t *codes = NULL;
    for (ssize_t len; (len = getline(&line, &cap, f)) >= 0;) {
        lines++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        bool az = len > 0;
        for (ssize_t i = 0; i < len && az; i++)
            az = line[i] >= 'a' && line[i] <= 'z';
        if (!az) {
            not_az++; /* apostrophes, capitals, digits, non-ASCII, empty lines */
            continue;
        }
        if (len < 2 || len > max_len) {
            len < 2 ? too_short++ : too_long++;
            continue;
        }
        uint64_t code = 0;
        for (ssize_t i = len - 1; i >= 0; i--)
            code = code * VOCAB + (uint64_t)(line[i] - 'a' + 1);
        if (n == size) {
            size = size ? 2 * size : 4096;
            uint64_t *grown = realloc(codes, size * sizeof *codes);
            if (!grown) {
                free(codes), free(line), fclose(f);
                return wl_error(program, "out of memory\n"), 1;
            }
            codes = grown;
        }
        codes[n++] = code;
    }
    const bool failed = ferror(f);
    free(line);
    fclose(f);
    if (failed) {
        free(codes);
        return wl_error(program, "cannot read %s: %s\n", path, strerror(errno)), 1;
    }
    if (lines == 0) {
        free(codes);
        return wl_error(program, "the word list %s is empty\n", path), 1;
    }
    if (n > 1) /* codes is NULL when no line was kept */
        qsort(codes, n, sizeof *codes, ex_cmp_u64);
    size_t unique = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || codes[i] != codes[i - 1])
            codes[unique++] = codes[i];
    printf("%s: %ld lines; kept %zu words (lower-case a-z, 2..%d letters, %zu repeats "
           "removed); dropped %ld not a-z (apostrophes, capitals, non-ASCII, empty), "
           "%ld of 1 letter, %ld longer than %d (%.1f %% of the a-z words)\n",
           path, lines, unique, (int)max_len, n - unique, not_az, too_short,
           too_long, (int)max_len,
           100.0 * (double)too_long / (double)(lines - not_az > 0 ? lines - not_az : 1));
    const size_t held = unique / 10 ? unique / 10 : 1;
    if (unique < held + (size_t)batch || unique > INT32_MAX / 16) {
        free(codes);
        wl_error(program, "%s has %zu usable words (lower-case a-z, 2..%d letters); "
                "at least %d are needed (a batch of %d to train on and one held out)\n",
                path, unique, (int)max_len, (int)batch + 1, (int)batch);
        return 1;
    }
    uint64_t state = seed ^ 0x3041b7d1c5a9e2f7ull;
    for (size_t i = unique - 1; i > 0; i--) {
        const size_t j = (size_t)(ex_splitmix64(&state) % (uint64_t)(i + 1));
        const uint64_t x = codes[i];
        codes[i] = codes[j], codes[j] = x;
    }
    w->T = max_len + 1;
    w->n_held = (int32_t)held;
    w->n_train = (int32_t)(unique - held);
    w->held_codes = malloc(held * sizeof *codes);
    w->train_codes = malloc((unique - held) * sizeof *codes);
    w->held = malloc(held * (size_t)w->T * sizeof *w->held);
    w->train = malloc((unique - held) * (size_t)w->T * sizeof *w->train);
    if (!w->held_codes || !w->train_codes || !w->held || !w->train) {
        free(codes);
        return wl_error(program, "out of memory\n"), 1;
    }
    for (size_t i = 0; i < unique; i++)
        code_ids(codes[i], w->T, i < held ? w->held + i * (size_t)w->T
                                          : w->train + (i - held) * (size_t)w->T);
    sorted_codes(w->held_codes, codes, w->n_held);
    sorted_codes(w->train_codes, codes + held, w->n_train);
    free(codes);
    printf("split (seed %llu): %d words to train on, %d held out; T = %d tokens (the "
           "letters, then the end token)\n", (unsigned long long)seed, (int)w->n_train,
           (int)w->n_held, (int)w->T);
    return 0;
}

void ex_words_free(ex_words *w)
{
    free(w->train_codes);
    free(w->held_codes);
    free(w->train);
    free(w->held);
    *w = (ex_words){0};
}

int32_t ex_word_of(const int32_t *ids, int32_t T, char *text, uint64_t *code)
{
    int32_t len = 0;
    while (len < T && ids[len] != END)
        len++;
    *code = 0;
    for (int32_t i = len - 1; i >= 0; i--)
        *code = *code * VOCAB + (uint64_t)ids[i];
    if (text) {
        for (int32_t i = 0; i < len; i++)
            text[i] = (char)('a' + ids[i] - 1);
        text[len] = '\0';
    }
    return len;
}
