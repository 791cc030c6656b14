/* Splitting UTF-8 text into tokens: strict decoding (RFC 3629) and character classes. */
#include "text/scan.h"

#include "core/error.h"

typedef enum gan__char_class { GAN__SEPARATOR, GAN__LETTER, GAN__DIGIT } gan__char_class;

/* Decode the code point at @p s: its length in bytes, or 0 with *why set. The NUL that
 * ends the text is not a continuation byte, so a sequence cut by it is truncated. */
static int gan__utf8_decode(const unsigned char *s, uint32_t *cp, const char **why)
{
    const unsigned char b = s[0];
    int len;
    uint32_t min; /* the smallest code point of this length: below it is overlong */
    if (b < 0x80) {
        *cp = b;
        return 1;
    } else if (b < 0xC0) {
        *why = "a continuation byte where a character should start";
        return 0;
    } else if (b < 0xE0) {
        len = 2, min = 0x80, *cp = b & 0x1Fu;
    } else if (b < 0xF0) {
        len = 3, min = 0x800, *cp = b & 0x0Fu;
    } else if (b < 0xF8) {
        len = 4, min = 0x10000, *cp = b & 0x07u;
    } else {
        *why = "not a byte of UTF-8";
        return 0;
    }
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0u) != 0x80u) {
            *why = "a truncated sequence";
            return 0;
        }
        *cp = *cp << 6 | (s[i] & 0x3Fu);
    }
    *why = *cp < min                      ? "an overlong encoding"
           : *cp >= 0xD800 && *cp < 0xE000 ? "a UTF-16 surrogate"
           : *cp > 0x10FFFF                ? "a code point above U+10FFFF"
                                           : NULL;
    return *why ? 0 : len;
}

static gan__char_class gan__classify(uint32_t cp)
{
    if (cp < 0x80)
        return (cp | 0x20u) >= 'a' && (cp | 0x20u) <= 'z' ? GAN__LETTER
               : cp >= '0' && cp <= '9'                  ? GAN__DIGIT
                                                          : GAN__SEPARATOR;
    const bool separator = cp <= 0xBF || cp == 0xD7 || cp == 0xF7 ||
                           (cp >= 0x2000 && cp <= 0x206F) ||
                           (cp >= 0x3000 && cp <= 0x303F) || cp == 0xFEFF;
    return separator ? GAN__SEPARATOR : GAN__LETTER;
}

gan__scan_result gan__scan_next(const char *text, size_t *pos, gan__span *tok,
                                const char **why)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = *pos;
    gan__char_class run = GAN__SEPARATOR;
    while (s[i]) {
        uint32_t cp;
        const int len = gan__utf8_decode(s + i, &cp, why);
        if (!len) {
            *pos = i;
            return GAN__SCAN_BAD;
        }
        const gan__char_class k = gan__classify(cp);
        if (run != GAN__SEPARATOR && k != run)
            break; /* the token ends; the next call reads this character again */
        if (run == GAN__SEPARATOR && k != GAN__SEPARATOR) {
            run = k;
            tok->begin = i;
        }
        i += (size_t)len;
    }
    *pos = i;
    if (run == GAN__SEPARATOR)
        return GAN__SCAN_END;
    tok->end = i;
    return GAN__SCAN_TOKEN;
}

gan_status gan__scan_count(const char *text, size_t *tokens)
{
    size_t pos = 0, n = 0;
    gan__span tok;
    const char *why = NULL;
    gan__scan_result r;
    while ((r = gan__scan_next(text, &pos, &tok, &why)) == GAN__SCAN_TOKEN)
        n++;
    if (r == GAN__SCAN_BAD)
        return gan__fail(GAN_E_INVALID_ARG, "invalid UTF-8 at byte offset %zu (0x%02x: %s)",
                         pos, (unsigned)(unsigned char)text[pos], why);
    *tokens = n;
    return GAN_OK;
}

uint64_t gan__span_hash(const char *text, gan__span s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = s.begin; i < s.end; i++)
        h = (h ^ gan__fold((unsigned char)text[i])) * 0x100000001b3ull;
    return h;
}

bool gan__span_equal(const char *a, gan__span sa, const char *b, gan__span sb)
{
    if (sa.end - sa.begin != sb.end - sb.begin)
        return false;
    for (size_t i = 0; i < sa.end - sa.begin; i++)
        if (gan__fold((unsigned char)a[sa.begin + i]) !=
            gan__fold((unsigned char)b[sb.begin + i]))
            return false;
    return true;
}
