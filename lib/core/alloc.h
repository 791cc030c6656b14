/* Per-model memory hooks; every arena goes through them, 64-byte aligned. */
#ifndef GAN_CORE_ALLOC_H
#define GAN_CORE_ALLOC_H

#include <stddef.h>

#include "gan/model.h"

/* Cache-line and AVX-512 alignment for every arena. */
#define GAN__ALIGNMENT 64

typedef struct gan__allocator {
    void *(*alloc)(void *user, size_t size, size_t alignment);
    void (*free)(void *user, void *ptr);
    void *user;
} gan__allocator;

/* The C library's calloc, aligned. */
void gan__allocator_default(gan__allocator *a);

/* Zero-filled, GAN__ALIGNMENT-aligned; NULL on failure or size overflow. bytes == 0
 * returns NULL without calling the hook. */
void *gan__alloc(const gan__allocator *a, size_t bytes);

/* NULL is a no-op. */
void gan__free(const gan__allocator *a, void *ptr);

/* a*b without overflow; returns 0 and leaves *out untouched on overflow. */
int gan__mul_size(size_t a, size_t b, size_t *out);

#endif
