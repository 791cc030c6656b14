/* Text written into a caller's buffer with snprintf semantics, counting the full length. */
#ifndef GAN_CORE_TEXT_H
#define GAN_CORE_TEXT_H

#include <stddef.h>

typedef struct gan__text {
    char *buf;
    size_t size, length;
} gan__text;

/* Start writing into buf (size may be 0 and buf NULL: only the length is counted). */
gan__text gan__text_begin(char *buf, size_t size);

void gan__text_add(gan__text *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A line of @p width copies of @p c. */
void gan__text_rule(gan__text *t, char c, int width);

#endif
