/* Files written atomically (libgan's tokenizer, libgan-io's images and datasets) and
 * thread-safe system error text. libgan-io compiles its own hidden copy of file.c. */
#ifndef GAN_CORE_FILE_H
#define GAN_CORE_FILE_H

#include <stdio.h>

#include "gan/status.h"

/* strerror_r's text for an errno value, by value so that it needs no buffer. */
typedef struct gan__errtext {
    char s[128];
} gan__errtext;

gan__errtext gan__io_strerror(int err);

/* A file being written under a temporary name next to its final path. */
typedef struct gan__afile {
    FILE *file;       /* write the content here, through gan__afile_write */
    int error;        /* errno of the first failed write, 0 if none */
    char *tmp;        /* the temporary name */
    const char *fn;   /* the public function, for messages */
    const char *path; /* the final name */
} gan__afile;

/* Create the temporary file (mode 0666 less the umask, as a new file would get). On
 * failure the error is set and nothing is left behind. */
gan_status gan__afile_open(gan__afile *af, const char *fn, const char *path);

/* Write @p n bytes; the first failure's errno is kept for the message of
 * gan__afile_close, since later calls may change errno. */
void gan__afile_write(gan__afile *af, const void *data, size_t n);

/* Finish: if @p st is GAN_OK, flush, sync and close the file and rename it over the
 * final path; otherwise, or if any of that fails, remove it. Returns @p st, or the
 * failure it met (with the error set). */
gan_status gan__afile_close(gan__afile *af, gan_status st);

#endif
