/* The learning-rate schedule's internals, so trainers can hold one by value and write it
 * into their checkpoints. */
#ifndef GAN_OPTIM_SCHEDULE_H
#define GAN_OPTIM_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/alloc.h"
#include "gan/optim.h"

struct gan_lr_schedule {
    int32_t kind;       /* GAN_LR_SCHEDULE_* */
    double base;        /* the rate of the constant part, > 0 */
    uint64_t constant;  /* updates at the base rate */
    uint64_t decay;     /* updates of the linear decay after them */
    gan__allocator alloc;
};

/* Check a schedule's settings (as a checkpoint reader must): GAN_E_OUT_OF_RANGE naming
 * @p who and the bad value. */
gan_status gan__lr_schedule_check(int32_t kind, double base, uint64_t constant,
                                  uint64_t decay, const char *who);

/* The rate of update number @p step (0 is the first); false past the schedule's end. */
bool gan__lr_schedule_rate(const gan_lr_schedule_t *s, uint64_t step, double *lr);

#endif
