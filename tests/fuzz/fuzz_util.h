/* What the fuzz targets share: fuzzer bytes as a file the public API can open, and a
 * reader of small integers from the bytes. */
#ifndef GAN_FUZZ_UTIL_H
#define GAN_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* A path whose file holds exactly @p data (a memfd, rewritten each call); slot 0 or 1
 * for targets that need two files. NULL if the file cannot be written. */
const char *fz_file(int slot, const uint8_t *data, size_t size);

/* Fuzzer bytes consumed front to back; past the end every read gives 0. */
typedef struct fz_bytes {
    const uint8_t *data;
    size_t size, at;
} fz_bytes;

/* A public call's status, passed through. A failure must come with a message and a
 * status that has a name; otherwise the target aborts (a finding). The message is then
 * cleared, so that the next failure has to write its own. */
int fz_status(int status);

uint8_t fz_u8(fz_bytes *b);
/* An integer in [lo, hi] taken from one byte. */
int32_t fz_range(fz_bytes *b, int32_t lo, int32_t hi);

#endif
