/* Per-model memory hooks. */
#include "core/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *gan__default_alloc(void *user, size_t size, size_t alignment)
{
    (void)user;
    void *p = NULL;
    if (posix_memalign(&p, alignment, size) != 0)
        return NULL;
    return p;
}

static void gan__default_free(void *user, void *ptr)
{
    (void)user;
    free(ptr);
}

void gan__allocator_default(gan__allocator *a)
{
    a->alloc = gan__default_alloc;
    a->free = gan__default_free;
    a->user = NULL;
}

void *gan__alloc(const gan__allocator *a, size_t bytes)
{
    if (bytes == 0 || bytes > SIZE_MAX - GAN__ALIGNMENT)
        return NULL;
    void *p = a->alloc(a->user, bytes, GAN__ALIGNMENT);
    if (p)
        memset(p, 0, bytes);
    return p;
}

void gan__free(const gan__allocator *a, void *ptr)
{
    if (ptr)
        a->free(a->user, ptr);
}

int gan__mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return 0;
    *out = a * b;
    return 1;
}
