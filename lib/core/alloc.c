/* Per-model memory hooks. */
#include "core/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The default hooks zero-fill through calloc: fresh pages of a large block stay
 * untouched until used, so memory a model lays out but a run never reaches (a block
 * freed before its first pass, as when a trainer's networks come to share scratch)
 * costs no resident memory. calloc does not align to 64 bytes: the block starts after
 * a pointer to what calloc returned. */
static void *gan__default_alloc(void *user, size_t size, size_t alignment)
{
    (void)user;
    const size_t extra = alignment + sizeof(void *);
    if (size > SIZE_MAX - extra)
        return NULL;
    unsigned char *raw = calloc(1, size + extra);
    if (!raw)
        return NULL;
    uintptr_t at = ((uintptr_t)raw + sizeof(void *) + alignment - 1) & ~(uintptr_t)(alignment - 1);
    memcpy((void *)(at - sizeof(void *)), &raw, sizeof raw);
    return (void *)at;
}

static void gan__default_free(void *user, void *ptr)
{
    (void)user;
    void *raw;
    memcpy(&raw, (unsigned char *)ptr - sizeof raw, sizeof raw);
    free(raw);
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
    if (p && a->alloc != gan__default_alloc) /* the default's memory is zero already */
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
