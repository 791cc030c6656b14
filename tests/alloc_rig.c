/* The allocation tests' rig (alloc_rig.h). */
#include "alloc_rig.h"

#include <stdlib.h>
#include <string.h>

long heap_calls;   /* malloc/calloc/realloc/posix_memalign calls seen */
long heap_fail_at; /* > 0: that call fails */
long heap_live;    /* blocks handed out and not yet freed */

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
int __real_posix_memalign(void **p, size_t alignment, size_t size);
void __real_free(void *p);

static bool heap_fails(void)
{
    return ++heap_calls == heap_fail_at;
}

void *__wrap_malloc(size_t size)
{
    void *p = heap_fails() ? NULL : __real_malloc(size);
    heap_live += p != NULL;
    return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
    void *p = heap_fails() ? NULL : __real_calloc(n, size);
    heap_live += p != NULL;
    return p;
}

void *__wrap_realloc(void *p, size_t size)
{
    if (heap_fails())
        return NULL;
    void *q = __real_realloc(p, size);
    heap_live += !p && q;
    return q;
}

int __wrap_posix_memalign(void **p, size_t alignment, size_t size)
{
    if (heap_fails())
        return 12; /* ENOMEM */
    int err = __real_posix_memalign(p, alignment, size);
    heap_live += err == 0;
    return err;
}

void __wrap_free(void *p)
{
    heap_live -= p != NULL;
    __real_free(p);
}


void *counting_alloc(void *user, size_t size, size_t alignment)
{
    counting *c = user;
    c->calls++;
    if (c->fail_at > 0 && c->calls == c->fail_at)
        return NULL;
    void *p = NULL;
    if (posix_memalign(&p, alignment, c->guard ? 2 * size : size) != 0)
        return NULL;
    c->live++;
    for (int i = 0; c->guard && i < GUARDED_BLOCKS; i++)
        if (!c->blocks[i]) {
            c->blocks[i] = p;
            c->sizes[i] = size;
            memset(c->blocks[i] + size, GUARD_BYTE, size);
            break;
        }
    return p;
}

bool guards_intact(const counting *c)
{
    for (int i = 0; i < GUARDED_BLOCKS; i++)
        for (size_t j = 0; c->blocks[i] && j < c->sizes[i]; j++)
            if (c->blocks[i][c->sizes[i] + j] != GUARD_BYTE)
                return false;
    return true;
}

void counting_free(void *user, void *p)
{
    counting *c = user;
    c->live--;
    for (int i = 0; i < GUARDED_BLOCKS; i++)
        if (c->blocks[i] == p)
            c->blocks[i] = NULL;
    free(p);
}

gan_status counted_model(counting *c, const int32_t *dims, int32_t ndim,
                                gan_model_t **m)
{
    gan_allocator_t a = {sizeof a, counting_alloc, counting_free, c};
    gan_model_options_t o;
    gan_model_options_init(&o, sizeof o);
    o.allocator = &a;
    *m = NULL;
    return gan_model_create(m, dims, ndim, &o);
}

void add_layer(gan_model_t *m, gan_status *st, gan_status created,
                      gan_layer_t *const *l)
{
    if (created != GAN_OK) {
        if (*st == GAN_OK)
            *st = created;
        return;
    }
    if (*st == GAN_OK)
        *st = gan_model_add(m, *l);
    if (*st != GAN_OK)
        gan_layer_destroy(*l);
}

gan_status build_or_destroy(gan_model_t *m, gan_status st, gan_model_t **out)
{
    if (st == GAN_OK)
        st = gan_model_build(m, 4);
    if (st != GAN_OK) {
        gan_model_destroy(m);
        return st;
    }
    *out = m;
    return GAN_OK;
}
