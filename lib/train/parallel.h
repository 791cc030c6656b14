/* What the trainers share for data-parallel training: the caller's gradient hook and the
 * shard of a global batch (gan_trainer_set_grad_hook, gan_cyclegan_set_shard, ...). */
#ifndef GAN_TRAIN_PARALLEL_H
#define GAN_TRAIN_PARALLEL_H

#include <stdint.h>

#include "gan/model.h"
#include "gan/train.h"

/* A trainer's hook and shard; {0} is no hook, and the trainer sets shards to 1. */
typedef struct gan__parallel {
    gan_grad_hook_fn hook; /* NULL when none */
    void *hook_user;
    int32_t shard, shards; /* this trainer's rows of the global batch's draws: 0 of 1 */
} gan__parallel;

/* The public setters and getter on a trainer's @p p (NULL when the trainer is NULL);
 * @p who names the public function in messages, @p batch is the trainer's. */
gan_status gan__parallel_set_hook(gan__parallel *p, gan_grad_hook_fn fn, void *user,
                                  const char *who);
gan_status gan__parallel_set_shard(gan__parallel *p, int32_t batch, int32_t index,
                                   int32_t count, const char *who);
gan_status gan__parallel_get_shard(const gan__parallel *p, int32_t *index, int32_t *count,
                                   const char *who);

/* The hook, if any, on @p m's gradient arena; its failure becomes a message naming
 * @p who (the step function) and @p name (the network, e.g. "the generator"). */
gan_status gan__parallel_run_hook(const gan__parallel *p, gan_model_t *m, int32_t network,
                                  const char *name, const char *who);

#endif
