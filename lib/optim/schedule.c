/* Learning-rate schedules, set on an optimizer before each of its updates. The step is
 * the optimizer's own update count, which checkpoints keep, so a resumed run continues
 * its schedule exactly without the schedule having state of its own. */
#include "optim/schedule.h"

#include <float.h>
#include <math.h>

#include "core/error.h"
#include "model.h"
#include "optim/optimizer.h"

gan_status gan__lr_schedule_check(int32_t kind, double base, uint64_t constant,
                                  uint64_t decay, const char *who)
{
    if (kind != GAN_LR_SCHEDULE_LINEAR_DECAY)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: unknown schedule kind %d", who, (int)kind);
    /* As the optimizer will hold it: a float, > 0 and finite. */
    if (!(base > 0.0 && base <= FLT_MAX && (float)base > 0.0f))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: base learning rate %g must be > 0 and "
                         "finite (as a float)", who, base);
    if (decay > UINT64_MAX - constant)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: %llu constant + %llu decay steps overflow "
                         "a 64-bit step count", who, (unsigned long long)constant,
                         (unsigned long long)decay);
    if (constant + decay == 0)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: the schedule has no steps (constant and "
                         "decay steps both 0)", who);
    return GAN_OK;
}

bool gan__lr_schedule_rate(const gan_lr_schedule_t *s, uint64_t step, double *lr)
{
    if (step >= s->constant + s->decay)
        return false;
    if (step < s->constant) {
        *lr = s->base;
        return true;
    }
    /* Update constant + k (k = 0 .. decay - 1) runs at base * (1 - (k + 1) / (decay + 1)),
     * the CycleGAN reference's lambda_rule with epochs read as updates: the rate reaches
     * 0 one update after the last, which never runs at 0. */
    *lr = s->base * ((double)(s->constant + s->decay - step) / ((double)s->decay + 1.0));
    return true;
}

gan_status gan_lr_schedule_linear_create(gan_lr_schedule_t **out, double base_lr,
                                         uint64_t constant_steps, uint64_t decay_steps)
{
    static const char who[] = "gan_lr_schedule_linear_create";
    if (!out)
        return gan__fail(GAN_E_INVALID_ARG, "%s: out is NULL", who);
    *out = NULL;
    gan_status st = gan__lr_schedule_check(GAN_LR_SCHEDULE_LINEAR_DECAY, base_lr,
                                           constant_steps, decay_steps, who);
    if (st != GAN_OK)
        return st;
    gan__allocator alloc;
    gan__allocator_default(&alloc);
    gan_lr_schedule_t *s = gan__alloc(&alloc, sizeof *s);
    if (!s)
        return gan__fail(GAN_E_NO_MEMORY, "%s: cannot allocate the schedule", who);
    *s = (gan_lr_schedule_t){.kind = GAN_LR_SCHEDULE_LINEAR_DECAY, .base = base_lr,
                             .constant = constant_steps, .decay = decay_steps,
                             .alloc = alloc};
    *out = s;
    return GAN_OK;
}

void gan_lr_schedule_destroy(gan_lr_schedule_t *s)
{
    if (!s)
        return;
    gan__allocator alloc = s->alloc;
    gan__free(&alloc, s);
}

gan_status gan_lr_schedule_get_rate(const gan_lr_schedule_t *s, uint64_t step, double *lr)
{
    static const char who[] = "gan_lr_schedule_get_rate";
    if (!s || !lr)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, s ? "lr" : "schedule");
    if (!gan__lr_schedule_rate(s, step, lr))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: step %llu is past the schedule's end "
                         "(%llu updates)", who, (unsigned long long)step,
                         (unsigned long long)(s->constant + s->decay));
    return GAN_OK;
}

gan_status gan_lr_schedule_get_length(const gan_lr_schedule_t *s, uint64_t *steps)
{
    if (!s || !steps)
        return gan__fail(GAN_E_INVALID_ARG, "gan_lr_schedule_get_length: %s is NULL",
                         s ? "steps" : "schedule");
    *steps = s->constant + s->decay;
    return GAN_OK;
}

gan_status gan_lr_schedule_apply(const gan_lr_schedule_t *s, gan_optimizer_t *opt)
{
    static const char who[] = "gan_lr_schedule_apply";
    if (!s || !opt)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, s ? "opt" : "schedule");
    double lr;
    if (!gan__lr_schedule_rate(s, opt->steps, &lr))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: the optimizer of model '%s' has made "
                         "%llu updates, the schedule is over after %llu (its rate would be "
                         "0); the learning rate is unchanged", who, opt->model->name,
                         (unsigned long long)opt->steps,
                         (unsigned long long)(s->constant + s->decay));
    return gan_optimizer_set(opt, GAN_OPT_LEARNING_RATE, lr);
}
