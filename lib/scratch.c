/* Scratch blocks: the memory a pass uses only while it runs, owned by one model or
 * shared by the networks of a trainer, which runs one of them at a time. */
#include <string.h>

#include "core/error.h"
#include "model.h"

gan__scratch *gan__scratch_new(const gan__allocator *alloc, size_t floats)
{
    size_t bytes;
    if (!gan__mul_size(floats, sizeof(float), &bytes) || bytes > SIZE_MAX - GAN__ALIGNMENT)
        return NULL;
    gan__scratch *s = gan__alloc(alloc, GAN__ALIGNMENT + bytes);
    if (!s)
        return NULL;
    s->alloc = *alloc;
    s->floats = floats;
    s->users = 1;
    return s;
}

float *gan__scratch_floats(gan__scratch *s)
{
    return s ? (float *)((unsigned char *)s + GAN__ALIGNMENT) : NULL;
}

void gan__scratch_drop(gan__scratch *s)
{
    if (s && --s->users == 0) {
        const gan__allocator alloc = s->alloc;
        gan__free(&alloc, s);
    }
}

/* Point @p m's scratch at @p s (one more user) and lay its batch memory out again: the
 * arena keeps its place and contents. */
static void gan__scratch_attach(gan_model_t *m, gan__scratch *s)
{
    s->users++;
    gan__scratch_drop(m->scratch);
    m->scratch = s;
    size_t need;
    gan__batch_layout(m, m->batch, m->batch_arena, gan__scratch_floats(s), &need);
}

gan_status gan__scratch_share(gan_model_t *const *models, int32_t n, const char *who)
{
    size_t need = 0;
    const gan_model_t *first = NULL;
    gan__scratch *s = NULL; /* a block already large enough, if one is */
    for (int32_t i = 0; i < n; i++) {
        if (!models[i])
            continue;
        if (!first)
            first = models[i];
        if (models[i]->scratch_need > need)
            need = models[i]->scratch_need;
    }
    for (int32_t i = 0; i < n && !s; i++)
        if (models[i] && models[i]->scratch && models[i]->scratch->floats >= need)
            s = models[i]->scratch;
    if (!first)
        return GAN_OK;
    if (s)
        s->users++;
    else if (!(s = gan__scratch_new(&first->alloc, need)))
        return gan__fail(GAN_E_NO_MEMORY, "%s: cannot allocate %zu floats of scratch "
                         "shared by the networks", who, need);
    for (int32_t i = 0; i < n; i++)
        if (models[i] && models[i]->scratch != s)
            gan__scratch_attach(models[i], s);
    gan__scratch_drop(s); /* the models hold it now */
    return GAN_OK;
}

void gan__scratch_unshare(gan_model_t *m)
{
    if (!m || !m->scratch || m->scratch->users == 1)
        return;
    gan__scratch *own = gan__scratch_new(&m->alloc, m->scratch_need);
    if (!own)
        return;
    gan__scratch_attach(m, own);
    gan__scratch_drop(own);
}
