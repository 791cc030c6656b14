/* What the fuzz targets share (fuzz_util.h). */
#define _GNU_SOURCE
#include "fuzz_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gan/extend.h"
#include "gan/gan.h"

int fz_status(int status)
{
    if (status != GAN_OK) {
        const char *message = gan_last_error();
        if (!message || !message[0] ||
            strcmp(gan_status_string((gan_status)status), "unknown status") == 0)
            abort();
        gan_set_error(GAN_OK, NULL);
    }
    return status;
}

const char *fz_file(int slot, const uint8_t *data, size_t size)
{
    static int fds[2] = {-1, -1};
    static char paths[2][64];
    if (fds[slot] < 0) {
        fds[slot] = memfd_create(slot ? "fuzz-b" : "fuzz-a", 0);
        if (fds[slot] < 0)
            return NULL;
        snprintf(paths[slot], sizeof paths[slot], "/proc/self/fd/%d", fds[slot]);
    }
    if (ftruncate(fds[slot], 0) != 0)
        return NULL;
    size_t done = 0;
    while (done < size) {
        ssize_t n = pwrite(fds[slot], data + done, size - done, (off_t)done);
        if (n <= 0)
            return NULL;
        done += (size_t)n;
    }
    return paths[slot];
}

uint8_t fz_u8(fz_bytes *b)
{
    return b->at < b->size ? b->data[b->at++] : 0;
}

int32_t fz_range(fz_bytes *b, int32_t lo, int32_t hi)
{
    return lo + (int32_t)(fz_u8(b) % (uint32_t)(hi - lo + 1));
}
