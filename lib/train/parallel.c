/* The gradient hook and the shards that every trainer has (train/parallel.h). */
#include "train/parallel.h"

#include <stdio.h>

#include "core/error.h"
#include "gan/extend.h"

gan_status gan__parallel_set_hook(gan__parallel *p, gan_grad_hook_fn fn, void *user,
                                  const char *who)
{
    if (!p)
        return gan__fail(GAN_E_INVALID_ARG, "%s: trainer is NULL", who);
    p->hook = fn;
    p->hook_user = fn ? user : NULL;
    return GAN_OK;
}

gan_status gan__parallel_set_shard(gan__parallel *p, int32_t batch, int32_t index,
                                   int32_t count, const char *who)
{
    if (!p)
        return gan__fail(GAN_E_INVALID_ARG, "%s: trainer is NULL", who);
    if (count < 1 || count > INT32_MAX / batch)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: count %d must be >= 1 and make a global "
                         "batch of at most %d (the batch is %d)", who, (int)count, INT32_MAX,
                         (int)batch);
    if (index < 0 || index >= count)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: index %d is outside [0, %d)", who,
                         (int)index, (int)count);
    p->shard = index;
    p->shards = count;
    return GAN_OK;
}

gan_status gan__parallel_get_shard(const gan__parallel *p, int32_t *index, int32_t *count,
                                   const char *who)
{
    if (!p || !index || !count)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                         !p ? "trainer" : !index ? "index" : "count");
    *index = p->shard;
    *count = p->shards;
    return GAN_OK;
}

gan_status gan__parallel_run_hook(const gan__parallel *p, gan_model_t *m, int32_t network,
                                  const char *name, const char *who)
{
    if (!p->hook)
        return GAN_OK;
    float *grads;
    size_t count;
    gan_status st = gan_model_get_grads(m, &grads, &count);
    if (st != GAN_OK)
        return st;
    /* The message of a hook that returns an error without setting one may be stale;
     * it is quoted only as the hook's, after naming the status. */
    (void)gan_set_error(GAN_OK, "%s", "");
    st = p->hook(p->hook_user, network, grads, count);
    if (st == GAN_OK)
        return GAN_OK;
    char said[512];
    snprintf(said, sizeof said, "%s", gan_last_error());
    return gan__fail(st, "%s: the gradient hook returned %s on %s's gradients%s%s; that "
                     "update was skipped", who, gan_status_string(st), name,
                     said[0] ? ": " : "", said);
}
