/* What the trainers share for data-parallel training: the caller's gradient hook and the
 * shard of a global batch (gan_trainer_set_grad_hook, gan_cyclegan_set_shard, ...). */
#ifndef GAN_TRAIN_PARALLEL_H
#define GAN_TRAIN_PARALLEL_H

#include <stdint.h>

#include "gan/model.h"
#include "gan/train.h"

/* Check a shard of @p count for a trainer of @p batch and store it in *index_out and
 * *count_out; @p who names the public function in the message. */
gan_status gan__shard_set(int32_t *index_out, int32_t *count_out, int32_t batch,
                          int32_t index, int32_t count, const char *who);

/* The caller's hook @p fn on @p m's gradient arena; its failure becomes a message naming
 * @p who (the step function) and @p name (the network, e.g. "the generator"). */
gan_status gan__grad_hook_run(gan_grad_hook_fn fn, void *user, gan_model_t *m,
                              int32_t network, const char *name, const char *who);

#endif
