/* Zero-run coding of 8-bit samples (zero_runs.h). */
#include "io/zero_runs.h"

#include <string.h>

enum { GAN__RUN_MAX = 255 };

size_t gan__zero_runs_encode(uint8_t *code, const uint8_t *src, size_t n)
{
    size_t at = 0, size = 0;
    do {
        size_t zeros = 0;
        while (at < n && src[at] == 0 && zeros < GAN__RUN_MAX)
            at++, zeros++;
        /* Literals run on over single zeros (one byte each, where a new pair costs two)
         * and stop before two zeros in a row or a zero that ends the sample. */
        size_t lits = 0;
        while (at + lits < n && lits < GAN__RUN_MAX &&
               !(src[at + lits] == 0 && (at + lits + 1 == n || src[at + lits + 1] == 0)))
            lits++;
        if (code) {
            code[size] = (uint8_t)zeros;
            code[size + 1] = (uint8_t)lits;
            memcpy(code + size + 2, src + at, lits);
        }
        size += 2 + lits;
        at += lits;
    } while (at < n);
    return size;
}

void gan__zero_runs_decode(uint8_t *dst, const uint8_t *code, size_t n)
{
    size_t at = 0;
    while (at < n) {
        const size_t zeros = code[0], lits = code[1];
        memset(dst + at, 0, zeros);
        memcpy(dst + at + zeros, code + 2, lits);
        at += zeros + lits;
        code += 2 + lits;
    }
}
