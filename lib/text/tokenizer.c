/* The tokenizer: a vocabulary from training texts, and texts to ids (gan/text.h). */
#include "text/tokenizer.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "text/scan.h"

gan_status gan__tokenizer_new(gan_tokenizer_t **out)
{
    static const char *const reserved[2] = {"<pad>", "<unk>"}; /* ids 0 and 1 */
    gan_tokenizer_t *t = calloc(1, sizeof *t);
    if (!t)
        return gan__fail(GAN_E_NO_MEMORY, "cannot allocate a tokenizer");
    for (int i = 0; i < 2; i++) {
        gan_status st = gan__vocab_add(&t->vocab, reserved[i],
                                       (gan__span){0, strlen(reserved[i])}, NULL, NULL);
        if (st != GAN_OK) {
            gan_tokenizer_destroy(t);
            return st;
        }
    }
    *out = t;
    return GAN_OK;
}

void gan_tokenizer_destroy(gan_tokenizer_t *tokenizer)
{
    if (!tokenizer)
        return;
    gan__vocab_free(&tokenizer->vocab);
    free(tokenizer);
}

/* Check a text and count its tokens: "empty caption" when it has none. */
static gan_status gan__caption_tokens(const char *text, size_t *tokens)
{
    gan_status st = gan__scan_count(text, tokens);
    if (st == GAN_OK && *tokens == 0)
        return gan__fail(GAN_E_INVALID_ARG, "empty caption: the text has no word or "
                         "numeral");
    return st;
}

/* Every token of every text, counted. */
static gan_status gan__count_words(gan__vocab *counts, const char *const *texts, int32_t n)
{
    for (int32_t i = 0; i < n; i++) {
        if (!texts[i])
            return gan__fail(GAN_E_INVALID_ARG, "texts[%d] is NULL", (int)i);
        size_t tokens, pos = 0;
        gan_status st = gan__caption_tokens(texts[i], &tokens);
        gan__span tok;
        const char *why;
        while (st == GAN_OK && gan__scan_next(texts[i], &pos, &tok, &why) == GAN__SCAN_TOKEN)
            st = gan__vocab_add(counts, texts[i], tok, NULL, NULL);
        if (st != GAN_OK) {
            gan__error_prefix("texts[%d]", (int)i);
            return st;
        }
    }
    return GAN_OK;
}

/* A word of the counted vocabulary, for sorting. */
typedef struct gan__ranked {
    const char *word;
    int64_t count;
} gan__ranked;

/* Descending count, then ascending bytes (strcmp compares them as unsigned char). */
static int gan__ranked_order(const void *a, const void *b)
{
    const gan__ranked *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->word, y->word);
}

/* The tokenizer of the counted words seen at least min_count times, the most frequent
 * first, at most @p keep of them. */
static gan_status gan__tokenizer_rank(gan_tokenizer_t **out, const gan__vocab *counts,
                                      int32_t min_count, size_t keep)
{
    gan__ranked *ranked = malloc((size_t)counts->n * sizeof *ranked);
    if (!ranked)
        return gan__fail(GAN_E_NO_MEMORY, "cannot allocate the ranking of %d words",
                         (int)counts->n);
    size_t n = 0;
    for (int32_t w = 0; w < counts->n; w++)
        if (counts->count[w] >= min_count)
            ranked[n++] = (gan__ranked){gan__vocab_word(counts, w), counts->count[w]};
    qsort(ranked, n, sizeof *ranked, gan__ranked_order);
    gan_tokenizer_t *t = NULL;
    gan_status st = gan__tokenizer_new(&t);
    for (size_t i = 0; st == GAN_OK && i < n && i < keep; i++)
        st = gan__vocab_add(&t->vocab, ranked[i].word, (gan__span){0, strlen(ranked[i].word)},
                            NULL, NULL);
    free(ranked);
    if (st != GAN_OK)
        gan_tokenizer_destroy(t);
    else
        *out = t;
    return st;
}

gan_status gan_tokenizer_create(gan_tokenizer_t **out, const char *const *texts, int32_t n,
                                int32_t min_count, int32_t max_vocab)
{
    static const char who[] = "gan_tokenizer_create";
    if (!out || !texts)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, !out ? "out" : "texts");
    if (n < 1 || min_count < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: n %d and min_count %d must be >= 1", who,
                         (int)n, (int)min_count);
    if (max_vocab != 0 && max_vocab < 2)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: max_vocab %d must be 0 (no limit) or >= 2 "
                         "(the ids of padding and of unknown words)", who, (int)max_vocab);
    gan__vocab counts = {0};
    gan_status st = gan__count_words(&counts, texts, n);
    if (st == GAN_OK)
        st = gan__tokenizer_rank(out, &counts, min_count,
                                 max_vocab ? (size_t)max_vocab - 2 : SIZE_MAX);
    gan__vocab_free(&counts);
    if (st != GAN_OK)
        gan__error_prefix("%s", who);
    return st;
}

gan_status gan_tokenizer_encode(const gan_tokenizer_t *tokenizer, const char *text,
                                int32_t max_tokens, int32_t *ids, int32_t *n_tokens,
                                int32_t *n_unknown)
{
    static const char who[] = "gan_tokenizer_encode";
    if (!tokenizer || !text)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                         !tokenizer ? "tokenizer" : "text");
    if (ids && max_tokens < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: max_tokens %d must be >= 1", who,
                         (int)max_tokens);
    size_t count;
    gan_status st = gan__caption_tokens(text, &count);
    if (st != GAN_OK) {
        gan__error_prefix("%s", who);
        return st;
    }
    const int32_t limit = ids ? max_tokens : INT32_MAX;
    if (count > (size_t)limit)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: the caption has %zu tokens, more than %s %d",
                         who, count, ids ? "max_tokens" : "the limit of", (int)limit);
    size_t pos = 0, k = 0;
    int32_t unknown = 0;
    gan__span tok;
    const char *why;
    for (; gan__scan_next(text, &pos, &tok, &why) == GAN__SCAN_TOKEN; k++) {
        int32_t id = gan__vocab_find(&tokenizer->vocab, text, tok);
        if (id < 0) {
            id = GAN_TOKEN_UNKNOWN;
            unknown++;
        }
        if (ids)
            ids[k] = id;
    }
    for (; ids && k < (size_t)max_tokens; k++)
        ids[k] = GAN_TOKEN_PAD;
    if (n_tokens)
        *n_tokens = (int32_t)count;
    if (n_unknown)
        *n_unknown = unknown;
    return GAN_OK;
}

/* Is @p tok the repetition of a token before it? */
static bool gan__seen_before(const char *text, gan__span tok)
{
    size_t pos = 0;
    gan__span earlier;
    const char *why;
    while (gan__scan_next(text, &pos, &earlier, &why) == GAN__SCAN_TOKEN &&
           earlier.begin < tok.begin)
        if (gan__span_equal(text, earlier, text, tok))
            return true;
    return false;
}

gan_status gan_tokenizer_unknown_words(const gan_tokenizer_t *tokenizer, const char *text,
                                       char *buf, size_t size, size_t *length)
{
    static const char who[] = "gan_tokenizer_unknown_words";
    if (!tokenizer || !text || (!buf && size))
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                         !tokenizer ? "tokenizer" : !text ? "text" : "buf");
    size_t count, pos = 0, len = 0;
    gan_status st = gan__scan_count(text, &count);
    if (st != GAN_OK) {
        gan__error_prefix("%s", who);
        return st;
    }
    if (size)
        buf[0] = '\0';
    bool full = false; /* a word did not fit: none after it is written */
    gan__span tok;
    const char *why;
    while (gan__scan_next(text, &pos, &tok, &why) == GAN__SCAN_TOKEN) {
        if (gan__vocab_find(&tokenizer->vocab, text, tok) >= 0 || gan__seen_before(text, tok))
            continue;
        const size_t sep = len ? 2 : 0, piece = sep + tok.end - tok.begin;
        full = full || len + piece >= size;
        if (!full) {
            memcpy(buf + len, ", ", sep);
            for (size_t i = tok.begin; i < tok.end; i++)
                buf[len + sep + i - tok.begin] = (char)gan__fold((unsigned char)text[i]);
            buf[len + piece] = '\0';
        }
        len += piece;
    }
    if (length)
        *length = len;
    return GAN_OK;
}

gan_status gan_tokenizer_get_vocab_size(const gan_tokenizer_t *tokenizer, int32_t *size)
{
    if (!tokenizer || !size)
        return gan__fail(GAN_E_INVALID_ARG, "gan_tokenizer_get_vocab_size: %s is NULL",
                         !tokenizer ? "tokenizer" : "size");
    *size = tokenizer->vocab.n;
    return GAN_OK;
}

gan_status gan_tokenizer_get_word(const gan_tokenizer_t *tokenizer, int32_t id,
                                  const char **word)
{
    static const char who[] = "gan_tokenizer_get_word";
    if (!tokenizer || !word)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                         !tokenizer ? "tokenizer" : "word");
    if (id < 0 || id >= tokenizer->vocab.n)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: id %d is outside [0, %d)", who, (int)id,
                         (int)tokenizer->vocab.n);
    *word = gan__vocab_word(&tokenizer->vocab, id);
    return GAN_OK;
}

gan_status gan_tokenizer_get_id(const gan_tokenizer_t *tokenizer, const char *word,
                                int32_t *id)
{
    static const char who[] = "gan_tokenizer_get_id";
    if (!tokenizer || !word || !id)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                         !tokenizer ? "tokenizer" : !word ? "word" : "id");
    size_t count, pos = 0;
    gan_status st = gan__scan_count(word, &count);
    if (st != GAN_OK) {
        gan__error_prefix("%s", who);
        return st;
    }
    if (count != 1)
        return gan__fail(GAN_E_INVALID_ARG, "%s: \"%s\" holds %zu tokens, not one", who,
                         word, count);
    gan__span tok;
    const char *why;
    (void)gan__scan_next(word, &pos, &tok, &why);
    const int32_t found = gan__vocab_find(&tokenizer->vocab, word, tok);
    *id = found < 0 ? GAN_TOKEN_UNKNOWN : found;
    return GAN_OK;
}
