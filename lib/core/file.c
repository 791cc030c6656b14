/* Files written atomically and thread-safe system error text (core/file.h). */
#include "core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gan/extend.h"

/* strerror is not thread-safe; this is the XSI strerror_r that _POSIX_C_SOURCE gives. */
gan__errtext gan__io_strerror(int err)
{
    gan__errtext t;
    if (strerror_r(err, t.s, sizeof t.s) != 0)
        snprintf(t.s, sizeof t.s, "error %d", err);
    return t;
}

/* splitmix64's output function, used only to spread the bits of a name candidate. */
static uint64_t gan__io_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

gan_status gan__afile_open(gan__afile *af, const char *fn, const char *path)
{
    /* mkstemp would make the file 0600; O_EXCL with a hard-to-guess name lets the umask
     * decide, as it does for any new file. The name mixes time, process id and a stack
     * address, so concurrent writers (threads or processes) do not collide. */
    static const char infix[] = ".tmp-";
    const size_t n = strlen(path);
    af->file = NULL;
    af->error = 0;
    af->fn = fn;
    af->path = path;
    af->tmp = malloc(n + sizeof infix + 16);
    if (!af->tmp)
        return gan_set_error(GAN_E_NO_MEMORY, "%s: %s: cannot allocate the temporary "
                             "file name", fn, path);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t x = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    x ^= (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)&now;
    int fd = -1;
    for (int attempt = 0; attempt < 64 && fd < 0; attempt++) {
        x = gan__io_mix(x + 0x9E3779B97F4A7C15u);
        snprintf(af->tmp, n + sizeof infix + 16, "%s%s%010llx", path, infix,
                 (unsigned long long)(x >> 24));
        fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        gan__errtext e = gan__io_strerror(errno);
        free(af->tmp);
        af->tmp = NULL;
        return gan_set_error(GAN_E_IO, "%s: %s: cannot create a temporary file next to "
                             "it: %s", fn, path, e.s);
    }
    af->file = fdopen(fd, "wb");
    if (!af->file) {
        gan__errtext e = gan__io_strerror(errno);
        close(fd);
        return gan__afile_close(af, gan_set_error(GAN_E_IO, "%s: %s: cannot open the "
                                                  "temporary file: %s", fn, path, e.s));
    }
    return GAN_OK;
}

void gan__afile_write(gan__afile *af, const void *data, size_t n)
{
    if (fwrite(data, 1, n, af->file) != n && !af->error)
        af->error = errno ? errno : EIO;
}

gan_status gan__afile_close(gan__afile *af, gan_status st)
{
    errno = 0;
    if (af->file) {
        /* The data must be on disk before the rename makes it the file. */
        const char *step = st != GAN_OK ? NULL
                           : af->error || fflush(af->file) != 0 || ferror(af->file) ? "write"
                           : fsync(fileno(af->file)) != 0 ? "sync" : NULL;
        int err = !step ? 0 : af->error ? af->error : errno ? errno : EIO;
        if (fclose(af->file) != 0 && st == GAN_OK && !step) {
            err = errno;
            step = "close";
        }
        if (step)
            st = gan_set_error(GAN_E_IO, "%s: %s: cannot %s the temporary file: %s",
                               af->fn, af->path, step, gan__io_strerror(err).s);
        af->file = NULL;
    }
    if (st == GAN_OK && rename(af->tmp, af->path) != 0)
        st = gan_set_error(GAN_E_IO, "%s: %s: cannot rename the temporary file over it: "
                           "%s", af->fn, af->path, gan__io_strerror(errno).s);
    if (st != GAN_OK)
        unlink(af->tmp);
    free(af->tmp);
    af->tmp = NULL;
    return st;
}
