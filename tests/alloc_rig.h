/* The allocation tests' rig: the C allocator wrapped (-Wl,--wrap) so that library code's
 * own calls are counted and can be failed, and a counting model allocator. */
#ifndef GAN_TEST_ALLOC_RIG_H
#define GAN_TEST_ALLOC_RIG_H

#include "test_util.h"

#include <stdbool.h>
#include <stddef.h>

extern long heap_calls;   /* malloc/calloc/realloc/posix_memalign calls seen */
extern long heap_fail_at; /* > 0: that call fails */
extern long heap_live;    /* blocks handed out and not yet freed */

#define GUARDED_BLOCKS 64
#define GUARD_BYTE 0xa5

/* A model allocator that counts, tracks live blocks and can fail the Nth request. With
 * guard set, each block is followed by as many bytes of GUARD_BYTE, so that a write past
 * its end shows without a sanitizer (guards_intact). */
typedef struct counting {
    long calls, live, fail_at;
    bool guard;
    unsigned char *blocks[GUARDED_BLOCKS];
    size_t sizes[GUARDED_BLOCKS];
} counting;

void *counting_alloc(void *user, size_t size, size_t alignment);
void counting_free(void *user, void *p);

/* Whether every live block's guard is untouched. */
bool guards_intact(const counting *c);

/* A model of input @p dims whose memory comes from the counting allocator @p c. */
gan_status counted_model(counting *c, const int32_t *dims, int32_t ndim, gan_model_t **m);

/* Add *@p l, created with status @p created, to @p m unless *st is already a failure; a
 * layer that is not added is freed (on a failed add it is still ours). The layer is read
 * through its address, after the create call in the arguments has run. */
void add_layer(gan_model_t *m, gan_status *st, gan_status created, gan_layer_t *const *l);

/* Build @p m for batch 4 if everything before went well (@p st); on any failure the
 * model is destroyed. */
gan_status build_or_destroy(gan_model_t *m, gan_status st, gan_model_t **out);

#endif
