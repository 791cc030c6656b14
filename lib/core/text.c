/* Text written into a caller's buffer with snprintf semantics. */
#include "core/text.h"

#include <stdarg.h>
#include <stdio.h>

gan__text gan__text_begin(char *buf, size_t size)
{
    if (size)
        buf[0] = '\0';
    return (gan__text){.buf = buf, .size = size, .length = 0};
}

void gan__text_add(gan__text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *at = t->length < t->size ? t->buf + t->length : NULL;
    int n = vsnprintf(at, at ? t->size - t->length : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->length += (size_t)n;
}

void gan__text_rule(gan__text *t, char c, int width)
{
    for (int i = 0; i < width; i++)
        gan__text_add(t, "%c", c);
    gan__text_add(t, "\n");
}
