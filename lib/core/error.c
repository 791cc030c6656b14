/* Per-thread error message. */
#include "core/error.h"

#include "gan/extend.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define GAN__ERROR_CAP 512

static _Thread_local char gan__error_text[GAN__ERROR_CAP];

static void gan__error_format(const char *fmt, va_list ap)
{
    if (fmt)
        vsnprintf(gan__error_text, sizeof gan__error_text, fmt, ap);
    else
        gan__error_text[0] = '\0';
}

gan_status gan__fail(gan_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gan__error_format(fmt, ap);
    va_end(ap);
    return status;
}

/* gan__fail for libraries built on libgan, which cannot reach the internal one. */
gan_status gan_set_error(gan_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gan__error_format(fmt, ap);
    va_end(ap);
    return status;
}

void gan__error_prefix(const char *fmt, ...)
{
    char prefix[GAN__ERROR_CAP / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    /* The message moves right to make room; its tail is cut if the whole is too long. */
    size_t head = strlen(prefix) + 2;
    size_t keep = strlen(gan__error_text);
    if (keep > GAN__ERROR_CAP - 1 - head)
        keep = GAN__ERROR_CAP - 1 - head;
    memmove(gan__error_text + head, gan__error_text, keep);
    gan__error_text[head + keep] = '\0';
    memcpy(gan__error_text, prefix, head - 2);
    gan__error_text[head - 2] = ':';
    gan__error_text[head - 1] = ' ';
}

const char *gan_last_error(void)
{
    return gan__error_text;
}
