/* The tokenizer's file: a magic and version line, the word count, one word a line,
 * written atomically and checked line by line before a tokenizer is made. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/file.h"
#include "text/scan.h"
#include "text/tokenizer.h"

#define GAN__TOKENIZER_MAGIC "libgan-tokenizer"
#define GAN__TOKENIZER_VERSION 1
/* Far above any caption vocabulary; a bigger file is something else. */
#define GAN__TOKENIZER_MAX_BYTES ((size_t)1 << 30)

gan_status gan_tokenizer_save(const gan_tokenizer_t *tokenizer, const char *path)
{
    static const char who[] = "gan_tokenizer_save";
    if (!tokenizer || !path)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                         !tokenizer ? "tokenizer" : "path");
    gan__afile af;
    gan_status st = gan__afile_open(&af, who, path);
    if (st != GAN_OK)
        return st;
    const gan__vocab *v = &tokenizer->vocab;
    char head[64];
    const int n = snprintf(head, sizeof head, "%s %d\nwords %d\n", GAN__TOKENIZER_MAGIC,
                           GAN__TOKENIZER_VERSION, (int)v->n - 2);
    gan__afile_write(&af, head, (size_t)n);
    for (int32_t w = 2; w < v->n; w++) {
        const char *word = gan__vocab_word(v, w);
        gan__afile_write(&af, word, strlen(word));
        gan__afile_write(&af, "\n", 1);
    }
    return gan__afile_close(&af, GAN_OK);
}

/* The whole file, NUL-terminated (it may hold NULs of its own: *size says its end). */
static gan_status gan__read_all(const char *who, const char *path, char **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return gan__fail(GAN_E_IO, "%s: %s: cannot open it: %s", who, path,
                         gan__io_strerror(errno).s);
    size_t n = 0, cap = 0;
    char *buf = NULL;
    gan_status st = GAN_OK;
    for (;;) {
        if (n + 1 >= cap) {
            cap = cap ? 2 * cap : 4096;
            char *grown = realloc(buf, cap);
            if (!grown) {
                st = gan__fail(GAN_E_NO_MEMORY, "%s: %s: cannot allocate %zu bytes to read "
                               "it", who, path, cap);
                break;
            }
            buf = grown;
        }
        n += fread(buf + n, 1, cap - 1 - n, f);
        if (ferror(f)) {
            st = gan__fail(GAN_E_IO, "%s: %s: cannot read it: %s", who, path,
                           gan__io_strerror(errno).s);
            break;
        }
        if (n > GAN__TOKENIZER_MAX_BYTES) {
            st = gan__fail(GAN_E_FORMAT, "%s: %s: larger than %zu bytes: not a tokenizer "
                           "file", who, path, GAN__TOKENIZER_MAX_BYTES);
            break;
        }
        if (feof(f))
            break;
    }
    fclose(f);
    if (st != GAN_OK) {
        free(buf);
        return st;
    }
    buf[n] = '\0';
    *data = buf;
    *size = n;
    return GAN_OK;
}

/* The file's lines, cut in place: each '\n' becomes a NUL. */
typedef struct gan__lines {
    char *data;
    size_t size, pos;
    size_t number; /* of the line last taken, from 1 */
} gan__lines;

/* The next line as a C string, or NULL at the end of the file; *ended says whether a
 * '\n' ends it and *len its length (it may hold NULs of its own). */
static char *gan__next_line(gan__lines *l, size_t *len, bool *ended)
{
    if (l->pos >= l->size)
        return NULL;
    char *line = l->data + l->pos;
    char *nl = memchr(line, '\n', l->size - l->pos);
    *ended = nl != NULL;
    *len = nl ? (size_t)(nl - line) : l->size - l->pos;
    line[*len] = '\0';
    l->pos += *len + 1;
    l->number++;
    return line;
}

/* Why a line is not a word as the file stores it, or NULL. */
static const char *gan__word_problem(const char *line, size_t len, char *why_buf, size_t cap)
{
    if (strlen(line) != len)
        return "it holds a NUL byte";
    size_t pos = 0;
    gan__span tok;
    const char *why;
    switch (gan__scan_next(line, &pos, &tok, &why)) {
    case GAN__SCAN_BAD:
        snprintf(why_buf, cap, "invalid UTF-8 at byte %zu of the line (%s)", pos, why);
        return why_buf;
    case GAN__SCAN_END:
        return "it holds no word";
    case GAN__SCAN_TOKEN:
        break;
    }
    if (tok.begin != 0 || tok.end != len)
        return "it is not one word (a separator, a space or a carriage return in it)";
    for (size_t i = 0; i < len; i++)
        if (gan__fold((unsigned char)line[i]) != (unsigned char)line[i])
            return "it is not in lower case";
    return NULL;
}

/* The header: the magic and version line, then "words N". */
static gan_status gan__parse_header(gan__lines *l, int32_t *words)
{
    static const char magic[] = GAN__TOKENIZER_MAGIC " ";
    size_t len;
    bool ended;
    const char *line = gan__next_line(l, &len, &ended);
    if (!line || strncmp(line, magic, sizeof magic - 1) != 0)
        return gan__fail(GAN_E_FORMAT, "not a libgan tokenizer file (line 1 is not \"%s "
                         "%d\")", GAN__TOKENIZER_MAGIC, GAN__TOKENIZER_VERSION);
    char *end;
    const long version = strtol(line + sizeof magic - 1, &end, 10);
    if (!ended || *end || end == line + sizeof magic - 1 || version != GAN__TOKENIZER_VERSION)
        return gan__fail(GAN_E_FORMAT, "line 1: version \"%.16s\"; this library reads "
                         "version %d", line + sizeof magic - 1, GAN__TOKENIZER_VERSION);
    line = gan__next_line(l, &len, &ended);
    errno = 0;
    const char *digits = line && strncmp(line, "words ", 6) == 0 ? line + 6 : NULL;
    const long long n = digits ? strtoll(digits, &end, 10) : -1;
    if (!ended || !digits || *digits < '0' || *digits > '9' || *end || errno ||
        n > INT32_MAX - 2)
        return gan__fail(GAN_E_FORMAT, "line 2 is not \"words N\" with N in [0, %d]",
                         (int)INT32_MAX - 2);
    *words = (int32_t)n;
    return GAN_OK;
}

/* Lines 3 to words + 2, one word each, then the end of the file. */
static gan_status gan__parse_words(gan__lines *l, int32_t words, gan_tokenizer_t *t)
{
    size_t len;
    bool ended;
    char why[96];
    for (int32_t k = 0; k < words; k++) {
        const char *line = gan__next_line(l, &len, &ended);
        if (!line)
            return gan__fail(GAN_E_FORMAT, "the file ends after line %zu, before the %d "
                             "words line 2 announces: it is truncated", l->number,
                             (int)words);
        const char *problem = !ended ? "it has no '\\n' at its end: the file is truncated"
                                     : gan__word_problem(line, len, why, sizeof why);
        if (problem)
            return gan__fail(GAN_E_FORMAT, "line %zu: %s", l->number, problem);
        int32_t index;
        bool added;
        gan_status st = gan__vocab_add(&t->vocab, line, (gan__span){0, len}, &index, &added);
        if (st != GAN_OK)
            return st;
        if (!added)
            return gan__fail(GAN_E_FORMAT, "line %zu: \"%s\" repeats line %d", l->number,
                             line, (int)index + 1);
    }
    if (gan__next_line(l, &len, &ended))
        return gan__fail(GAN_E_FORMAT, "line %zu: more lines than the %d words line 2 "
                         "announces", l->number, (int)words);
    return GAN_OK;
}

gan_status gan_tokenizer_load(gan_tokenizer_t **out, const char *path)
{
    static const char who[] = "gan_tokenizer_load";
    if (!out || !path)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, !out ? "out" : "path");
    gan__lines lines = {0};
    gan_status st = gan__read_all(who, path, &lines.data, &lines.size);
    if (st != GAN_OK)
        return st;
    int32_t words = 0;
    gan_tokenizer_t *t = NULL;
    st = gan__parse_header(&lines, &words);
    if (st == GAN_OK)
        st = gan__tokenizer_new(&t);
    if (st == GAN_OK)
        st = gan__parse_words(&lines, words, t);
    free(lines.data);
    if (st != GAN_OK) {
        gan_tokenizer_destroy(t);
        gan__error_prefix("%s: %s", who, path);
        return st;
    }
    *out = t;
    return GAN_OK;
}
