/* The tokenizer (gan/text.h) on fixed inputs: splitting, case folding, numerals, the
 * vocabulary's order, unknown words, every bad caption, and its file (round trip and
 * every kind of damage). Its layers are in test_text_layers.c; that encoding allocates
 * nothing is checked in test_alloc.c. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Training captions in the style of issue 15's MNIST captions. */
static const char *const tx_captions[] = {
    "A thick, slanted 7!",
    "a thin seven",
    "the number seven written upright",
    "7, thin and slanted to the right",
    "a wide, bold zero",
    "The number 10 is not a digit",
};
#define TX_N_CAPTIONS ((int32_t)(sizeof tx_captions / sizeof tx_captions[0]))

static gan_tokenizer_t *tx_tokenizer(void)
{
    gan_tokenizer_t *t = NULL;
    GT_OK(gan_tokenizer_create(&t, tx_captions, TX_N_CAPTIONS, 1, 0));
    return t;
}

static int32_t tx_id(const gan_tokenizer_t *t, const char *word)
{
    int32_t id = -1;
    GT_OK(gan_tokenizer_get_id(t, word, &id));
    return id;
}

/* Encode @p text into 8 ids and compare them with the ids of @p words (NULL-ended). */
static void tx_expect(const gan_tokenizer_t *t, const char *text, const char *const *words)
{
    int32_t ids[8], n = -1, unknown = -1, k = 0;
    GT_OK(gan_tokenizer_encode(t, text, 8, ids, &n, &unknown));
    for (; words[k]; k++)
        if (ids[k] != tx_id(t, words[k]))
            fail_msg("\"%s\": token %d is id %d, want %d (\"%s\")", text, k, ids[k],
                     tx_id(t, words[k]), words[k]);
    assert_int_equal(n, k);
    for (; k < 8; k++)
        assert_int_equal(ids[k], GAN_TOKEN_PAD);
}

static void test_tokenizer_splits_words_and_numerals(void **state)
{
    (void)state;
    gan_tokenizer_t *t = tx_tokenizer();
    int32_t ids[6], n, unknown;
    GT_OK(gan_tokenizer_encode(t, "A thick, slanted 7!", 6, ids, &n, &unknown));
    assert_int_equal(n, 4);
    assert_int_equal(unknown, 0);
    const int32_t want[6] = {tx_id(t, "a"), tx_id(t, "thick"), tx_id(t, "slanted"),
                             tx_id(t, "7"), GAN_TOKEN_PAD, GAN_TOKEN_PAD};
    assert_memory_equal(ids, want, sizeof want);
    for (int k = 0; k < 4; k++)
        assert_true(ids[k] >= 2); /* all in the vocabulary */

    /* Case folding of ASCII letters, anywhere in the word. */
    tx_expect(t, "A THICK SlAnTeD 7", (const char *const[]){"a", "thick", "slanted", "7", NULL});
    /* Numerals are runs of digits; a letter after a digit starts a new token. */
    tx_expect(t, "10 7th x10y", (const char *const[]){"10", "7", "th", "x", "10", "y", NULL});
    /* Spaces, punctuation, hyphens and controls separate. */
    tx_expect(t, "\tthin-bold,zero;(seven)\n",
              (const char *const[]){"thin", "bold", "zero", "seven", NULL});
    /* Non-ASCII letters belong to words, unchanged; a no-break space, an em dash and
     * curly quotes separate. */
    tx_expect(t, "caf\xc3\xa9\xc2\xa0na\xc3\xafve\xe2\x80\x94\xe2\x80\x9cseven\xe2\x80\x9d",
              (const char *const[]){"caf\xc3\xa9", "na\xc3\xafve", "seven", NULL});
    const char *word;
    GT_OK(gan_tokenizer_encode(t, "CAF\xc3\x89", 6, ids, &n, &unknown));
    assert_int_equal(n, 1);
    assert_int_equal(unknown, 1);
    char buf[16];
    GT_OK(gan_tokenizer_unknown_words(t, "CAF\xc3\x89", buf, sizeof buf, NULL));
    assert_string_equal(buf, "caf\xc3\x89"); /* É is kept as it is */

    /* ids NULL: count only, whatever max_tokens says. */
    GT_OK(gan_tokenizer_encode(t, "a thin seven, a thick seven", 0, NULL, &n, &unknown));
    assert_int_equal(n, 6);
    GT_OK(gan_tokenizer_get_word(t, tx_id(t, "Slanted"), &word));
    assert_string_equal(word, "slanted");
    gan_tokenizer_destroy(t);
}

static void test_tokenizer_vocabulary_order(void **state)
{
    (void)state;
    /* Counts: a 3, b 2, c 2, d 1. Ties go by bytes, so b before c. */
    const char *const texts[] = {"b a c a", "c A d", "B"};
    const char *const reversed[] = {"B", "c A d", "b a c a"};
    const char *const order[] = {"<pad>", "<unk>", "a", "b", "c", "d"};
    gan_tokenizer_t *t, *u;
    GT_OK(gan_tokenizer_create(&t, texts, 3, 1, 0));
    GT_OK(gan_tokenizer_create(&u, reversed, 3, 1, 0));
    int32_t size;
    GT_OK(gan_tokenizer_get_vocab_size(t, &size));
    assert_int_equal(size, 6);
    for (int32_t id = 0; id < size; id++) {
        const char *w, *v;
        GT_OK(gan_tokenizer_get_word(t, id, &w));
        GT_OK(gan_tokenizer_get_word(u, id, &v));
        assert_string_equal(w, order[id]);
        assert_string_equal(v, order[id]); /* the texts' order does not matter */
        if (id >= 2)
            assert_int_equal(tx_id(t, w), id);
    }
    /* The reserved ids are not looked up by their names. */
    assert_int_equal(tx_id(t, "<pad>"), GAN_TOKEN_UNKNOWN);
    gan_tokenizer_destroy(u);
    gan_tokenizer_destroy(t);

    /* min_count 2 drops d; max_vocab 4 keeps a and b only. */
    GT_OK(gan_tokenizer_create(&t, texts, 3, 2, 0));
    GT_OK(gan_tokenizer_get_vocab_size(t, &size));
    assert_int_equal(size, 5);
    assert_int_equal(tx_id(t, "d"), GAN_TOKEN_UNKNOWN);
    gan_tokenizer_destroy(t);
    GT_OK(gan_tokenizer_create(&t, texts, 3, 1, 4));
    GT_OK(gan_tokenizer_get_vocab_size(t, &size));
    assert_int_equal(size, 4);
    assert_int_equal(tx_id(t, "b"), 3);
    assert_int_equal(tx_id(t, "c"), GAN_TOKEN_UNKNOWN);
    gan_tokenizer_destroy(t);
    /* max_vocab 2: every word is unknown. */
    GT_OK(gan_tokenizer_create(&t, texts, 3, 1, 2));
    GT_OK(gan_tokenizer_get_vocab_size(t, &size));
    assert_int_equal(size, 2);
    gan_tokenizer_destroy(t);
}

static void test_tokenizer_unknown_words(void **state)
{
    (void)state;
    gan_tokenizer_t *t = tx_tokenizer();
    const char *text = "A squiggly seven, SQUIGGLY-ish plus 42";
    int32_t ids[8], n, unknown;
    GT_OK(gan_tokenizer_encode(t, text, 8, ids, &n, &unknown));
    assert_int_equal(n, 7);
    assert_int_equal(unknown, 5); /* squiggly twice, ish, plus, 42 */
    assert_int_equal(ids[1], GAN_TOKEN_UNKNOWN);
    assert_int_equal(ids[3], GAN_TOKEN_UNKNOWN);
    assert_int_equal(ids[2], tx_id(t, "seven"));
    char buf[64];
    size_t length;
    GT_OK(gan_tokenizer_unknown_words(t, text, buf, sizeof buf, &length));
    assert_string_equal(buf, "squiggly, ish, plus, 42");
    assert_int_equal(length, strlen("squiggly, ish, plus, 42"));
    /* Cut after the last whole word that fits; the full length is still reported. */
    GT_OK(gan_tokenizer_unknown_words(t, text, buf, 15, &length));
    assert_string_equal(buf, "squiggly, ish");
    assert_int_equal(length, strlen("squiggly, ish, plus, 42"));
    GT_OK(gan_tokenizer_unknown_words(t, text, buf, 8, &length));
    assert_string_equal(buf, "");
    GT_OK(gan_tokenizer_unknown_words(t, text, NULL, 0, &length));
    assert_int_equal(length, strlen("squiggly, ish, plus, 42"));
    /* Every word known, or no word at all: an empty list. */
    GT_OK(gan_tokenizer_unknown_words(t, "a thin seven", buf, sizeof buf, &length));
    assert_string_equal(buf, "");
    assert_int_equal(length, 0);
    GT_OK(gan_tokenizer_unknown_words(t, "?!", buf, sizeof buf, &length));
    assert_int_equal(length, 0);
    GT_FAILS(gan_tokenizer_unknown_words(t, "ok \xff", buf, sizeof buf, &length),
             GAN_E_INVALID_ARG, "byte offset 3");
    GT_FAILS(gan_tokenizer_unknown_words(t, text, NULL, 4, &length), GAN_E_INVALID_ARG,
             "buf is NULL");
    GT_FAILS(gan_tokenizer_unknown_words(NULL, text, buf, 4, &length), GAN_E_INVALID_ARG,
             "tokenizer is NULL");
    gan_tokenizer_destroy(t);
}

static void test_tokenizer_bad_captions(void **state)
{
    (void)state;
    gan_tokenizer_t *t = tx_tokenizer();
    int32_t ids[4] = {-7, -7, -7, -7}, n;
    const int32_t untouched[4] = {-7, -7, -7, -7};
    GT_FAILS(gan_tokenizer_encode(t, "", 4, ids, &n, NULL), GAN_E_INVALID_ARG,
             "gan_tokenizer_encode: empty caption");
    GT_FAILS(gan_tokenizer_encode(t, " ?! -- ...", 4, ids, &n, NULL), GAN_E_INVALID_ARG,
             "empty caption");
    GT_FAILS(gan_tokenizer_encode(t, "a thin seven, a thick seven", 4, ids, &n, NULL),
             GAN_E_OUT_OF_RANGE, "the caption has 6 tokens, more than max_tokens 4");
    GT_OK(gan_tokenizer_encode(t, "a thin seven, thick", 4, ids, &n, NULL)); /* exactly 4 */
    memcpy(ids, untouched, sizeof ids);
    /* Invalid UTF-8: the message names the offset of the sequence's first byte. */
    static const struct {
        const char *text, *needle;
    } bad[] = {
        {"\xff", "byte offset 0 (0xff: not a byte of UTF-8)"},
        {"seven \x80", "byte offset 6 (0x80: a continuation byte"},
        {"ab \xc3", "byte offset 3 (0xc3: a truncated sequence)"},
        {"ab \xe2\x80 cd", "byte offset 3 (0xe2: a truncated sequence)"},
        {"x\xc0\xaf", "byte offset 1 (0xc0: an overlong encoding)"},
        {"\xe0\x80\xaf", "byte offset 0 (0xe0: an overlong encoding)"},
        {"\xf0\x80\x80\xaf", "an overlong encoding"},
        {"a\xed\xa0\x80", "byte offset 1 (0xed: a UTF-16 surrogate)"},
        {"\xf4\x90\x80\x80", "a code point above U+10FFFF"},
        {"seven\xf8", "byte offset 5 (0xf8: not a byte of UTF-8)"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        GT_FAILS(gan_tokenizer_encode(t, bad[k].text, 4, ids, &n, NULL), GAN_E_INVALID_ARG,
                 bad[k].needle);
        assert_non_null(strstr(gan_last_error(), "invalid UTF-8"));
    }
    assert_memory_equal(ids, untouched, sizeof ids); /* unchanged by every failure */
    GT_FAILS(gan_tokenizer_encode(t, "seven", 0, ids, &n, NULL), GAN_E_OUT_OF_RANGE,
             "max_tokens 0");
    GT_FAILS(gan_tokenizer_encode(NULL, "seven", 4, ids, &n, NULL), GAN_E_INVALID_ARG,
             "tokenizer is NULL");
    GT_FAILS(gan_tokenizer_encode(t, NULL, 4, ids, &n, NULL), GAN_E_INVALID_ARG,
             "text is NULL");

    /* Lookups. */
    const char *word;
    int32_t id, size;
    GT_OK(gan_tokenizer_get_vocab_size(t, &size));
    GT_FAILS(gan_tokenizer_get_word(t, size, &word), GAN_E_OUT_OF_RANGE, "outside [0,");
    GT_FAILS(gan_tokenizer_get_word(t, -1, &word), GAN_E_OUT_OF_RANGE, "id -1");
    GT_FAILS(gan_tokenizer_get_word(t, 0, NULL), GAN_E_INVALID_ARG, "word is NULL");
    GT_FAILS(gan_tokenizer_get_id(t, "thin seven", &id), GAN_E_INVALID_ARG, "2 tokens");
    GT_FAILS(gan_tokenizer_get_id(t, "--", &id), GAN_E_INVALID_ARG, "0 tokens");
    GT_FAILS(gan_tokenizer_get_id(t, "\xc3", &id), GAN_E_INVALID_ARG, "invalid UTF-8");
    GT_FAILS(gan_tokenizer_get_vocab_size(NULL, &size), GAN_E_INVALID_ARG, "NULL");
    gan_tokenizer_destroy(t);
    gan_tokenizer_destroy(NULL);

    /* Building: every training text must hold a token and be valid UTF-8. */
    const char *const empty[] = {"a seven", "  ,  "};
    const char *const broken[] = {"ok", "fine", "a \xc3\x28"};
    const char *const with_null[] = {"a seven", NULL};
    GT_FAILS(gan_tokenizer_create(&t, empty, 2, 1, 0), GAN_E_INVALID_ARG,
             "gan_tokenizer_create: texts[1]: empty caption");
    GT_FAILS(gan_tokenizer_create(&t, broken, 3, 1, 0), GAN_E_INVALID_ARG,
             "texts[2]: invalid UTF-8 at byte offset 2");
    GT_FAILS(gan_tokenizer_create(&t, with_null, 2, 1, 0), GAN_E_INVALID_ARG,
             "texts[1] is NULL");
    GT_FAILS(gan_tokenizer_create(&t, tx_captions, 0, 1, 0), GAN_E_OUT_OF_RANGE, "n 0");
    GT_FAILS(gan_tokenizer_create(&t, tx_captions, 2, 0, 0), GAN_E_OUT_OF_RANGE,
             "min_count 0");
    GT_FAILS(gan_tokenizer_create(&t, tx_captions, 2, 1, 1), GAN_E_OUT_OF_RANGE,
             "max_vocab 1");
    GT_FAILS(gan_tokenizer_create(NULL, tx_captions, 2, 1, 0), GAN_E_INVALID_ARG,
             "out is NULL");
    GT_FAILS(gan_tokenizer_create(&t, NULL, 2, 1, 0), GAN_E_INVALID_ARG, "texts is NULL");
}

/* ---- The file ------------------------------------------------------------------------ */

typedef struct tx_dir {
    char path[64];
    char file[96];
} tx_dir;

static void tx_dir_make(tx_dir *d)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(d->path, sizeof d->path, "%s/gan_text_XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    assert_non_null(mkdtemp(d->path));
    snprintf(d->file, sizeof d->file, "%s/vocab.txt", d->path);
}

static void tx_dir_remove(tx_dir *d)
{
    unlink(d->file);
    assert_int_equal(rmdir(d->path), 0); /* nothing else, no temporary file, was left */
}

static void tx_write(const char *path, const char *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void test_tokenizer_file_round_trip(void **state)
{
    (void)state;
    tx_dir d;
    tx_dir_make(&d);
    gan_tokenizer_t *t = tx_tokenizer(), *u = NULL;
    GT_OK(gan_tokenizer_save(t, d.file));
    GT_OK(gan_tokenizer_load(&u, d.file));
    int32_t size_t_, size_u;
    GT_OK(gan_tokenizer_get_vocab_size(t, &size_t_));
    GT_OK(gan_tokenizer_get_vocab_size(u, &size_u));
    assert_int_equal(size_t_, size_u);
    for (int32_t id = 0; id < size_t_; id++) {
        const char *a, *b;
        GT_OK(gan_tokenizer_get_word(t, id, &a));
        GT_OK(gan_tokenizer_get_word(u, id, &b));
        assert_string_equal(a, b);
    }
    for (int32_t k = 0; k < TX_N_CAPTIONS; k++) {
        int32_t a[8], b[8];
        GT_OK(gan_tokenizer_encode(t, tx_captions[k], 8, a, NULL, NULL));
        GT_OK(gan_tokenizer_encode(u, tx_captions[k], 8, b, NULL, NULL));
        assert_memory_equal(a, b, sizeof a);
    }
    /* The format as documented: magic and version, count, then the words by id. */
    FILE *f = fopen(d.file, "rb");
    char line[64];
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "libgan-tokenizer 1\n");
    assert_non_null(fgets(line, sizeof line, f));
    char want[32];
    snprintf(want, sizeof want, "words %d\n", (int)size_t_ - 2);
    assert_string_equal(line, want);
    assert_non_null(fgets(line, sizeof line, f));
    const char *first;
    GT_OK(gan_tokenizer_get_word(t, 2, &first));
    assert_int_equal(strncmp(line, first, strlen(first)), 0);
    fclose(f);
    /* Saving over the file replaces it. */
    GT_OK(gan_tokenizer_save(u, d.file));
    gan_tokenizer_destroy(u);
    GT_OK(gan_tokenizer_load(&u, d.file));
    gan_tokenizer_destroy(u);

    /* An empty vocabulary (max_vocab 2) round-trips too. */
    const char *const one[] = {"seven"};
    gan_tokenizer_t *tiny;
    GT_OK(gan_tokenizer_create(&tiny, one, 1, 1, 2));
    GT_OK(gan_tokenizer_save(tiny, d.file));
    gan_tokenizer_destroy(tiny);
    GT_OK(gan_tokenizer_load(&tiny, d.file));
    GT_OK(gan_tokenizer_get_vocab_size(tiny, &size_u));
    assert_int_equal(size_u, 2);
    gan_tokenizer_destroy(tiny);
    gan_tokenizer_destroy(t);
    tx_dir_remove(&d);
}

static void test_tokenizer_file_damage(void **state)
{
    (void)state;
    tx_dir d;
    tx_dir_make(&d);
    static const struct {
        const char *bytes;
        size_t n; /* 0: strlen */
        const char *needle;
    } bad[] = {
        {"", 0, "not a libgan tokenizer file"},
        {"libgan-checkpoint 1\nwords 0\n", 0, "not a libgan tokenizer file"},
        {"libgan-tokenizer 2\nwords 0\n", 0, "line 1: version \"2\""},
        {"libgan-tokenizer 1x\nwords 0\n", 0, "line 1: version"},
        {"libgan-tokenizer 1", 0, "line 1: version"},
        {"libgan-tokenizer 1\nwords -1\n", 0, "line 2 is not \"words N\""},
        {"libgan-tokenizer 1\nwords 2147483646\n", 0, "line 2 is not"},
        {"libgan-tokenizer 1\nwords two\n", 0, "line 2 is not"},
        {"libgan-tokenizer 1\nwords 2\nseven\n", 0, "ends after line 3, before the 2 words"},
        {"libgan-tokenizer 1\nwords 2\nseven\nthin", 0, "line 4: it has no '\\n'"},
        {"libgan-tokenizer 1\nwords 1\nseven\nthin\n", 0, "line 4: more lines than"},
        {"libgan-tokenizer 1\nwords 1\nseven\n\n", 0, "line 4: more lines"},
        {"libgan-tokenizer 1\nwords 3\nseven\nthin\nseven\n", 0,
         "line 5: \"seven\" repeats line 3"},
        {"libgan-tokenizer 1\nwords 1\nSeven\n", 0, "line 3: it is not in lower case"},
        {"libgan-tokenizer 1\nwords 1\nthin seven\n", 0, "line 3: it is not one word"},
        {"libgan-tokenizer 1\nwords 1\nseven\r\n", 0, "line 3: it is not one word"},
        {"libgan-tokenizer 1\nwords 1\n7th\n", 0, "line 3: it is not one word"},
        {"libgan-tokenizer 1\nwords 1\n\n", 0, "line 3: it holds no word"},
        {"libgan-tokenizer 1\nwords 1\n<pad>\n", 0, "line 3: it is not one word"},
        {"libgan-tokenizer 1\nwords 1\nse\xc3ven\n", 0, "line 3: invalid UTF-8 at byte 2"},
        {"libgan-tokenizer 1\nwords 1\nse\0ven\n", 34, "line 3: it holds a NUL byte"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        tx_write(d.file, bad[k].bytes, bad[k].n ? bad[k].n : strlen(bad[k].bytes));
        gan_tokenizer_t *t = NULL;
        GT_FAILS(gan_tokenizer_load(&t, d.file), GAN_E_FORMAT, bad[k].needle);
        assert_null(t);
        assert_non_null(strstr(gan_last_error(), d.file)); /* the file is named */
        assert_non_null(strstr(gan_last_error(), "gan_tokenizer_load"));
    }
    gan_tokenizer_t *t = NULL;
    char missing[128];
    snprintf(missing, sizeof missing, "%s/none.txt", d.path);
    GT_FAILS(gan_tokenizer_load(&t, missing), GAN_E_IO, "none.txt: cannot open it");
    GT_FAILS(gan_tokenizer_load(&t, d.path), GAN_E_IO, "cannot read it");
    GT_FAILS(gan_tokenizer_load(NULL, d.file), GAN_E_INVALID_ARG, "out is NULL");
    GT_FAILS(gan_tokenizer_load(&t, NULL), GAN_E_INVALID_ARG, "path is NULL");
    t = tx_tokenizer();
    snprintf(missing, sizeof missing, "%s/no/such/dir.txt", d.path);
    GT_FAILS(gan_tokenizer_save(t, missing), GAN_E_IO, "dir.txt");
    GT_FAILS(gan_tokenizer_save(NULL, d.file), GAN_E_INVALID_ARG, "tokenizer is NULL");
    GT_FAILS(gan_tokenizer_save(t, NULL), GAN_E_INVALID_ARG, "path is NULL");
    gan_tokenizer_destroy(t);
    tx_dir_remove(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokenizer_splits_words_and_numerals),
        cmocka_unit_test(test_tokenizer_vocabulary_order),
        cmocka_unit_test(test_tokenizer_unknown_words),
        cmocka_unit_test(test_tokenizer_bad_captions),
        cmocka_unit_test(test_tokenizer_file_round_trip),
        cmocka_unit_test(test_tokenizer_file_damage),
    };
    return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
