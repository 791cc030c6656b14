/* The optimizer's internals: the common struct and the per-kind vtable. */
#ifndef GAN_OPTIM_OPTIMIZER_H
#define GAN_OPTIM_OPTIMIZER_H

#include <stddef.h>
#include <stdint.h>

#include "core/alloc.h"
#include "gan/optim.h"

/* Settings are indexed by their GAN_OPT_* key; keys run from 0 to GAN__OPT_KEYS - 1. */
#define GAN__OPT_KEYS 8
#define GAN__OPT_BIT(key) (1u << (key))

/* At most this many arrays of n_params floats of state per kind. */
#define GAN__OPT_MAX_STATES 2

typedef struct gan__optim_ops {
    int32_t kind;      /* GAN_OPTIM_* */
    const char *name;  /* for messages: "adam" */
    uint32_t keys;     /* GAN__OPT_BIT of every setting this kind has */
    int n_states;      /* state arrays, each the model's n_params floats */
    /* Constraints between settings (e.g. Nesterov needs momentum), checked on the
     * candidate settings @p s at create and at every set; NULL means none. Each setting
     * is already inside its own range. Fails with gan__fail naming @p who. */
    gan_status (*check)(const float *s, const char *who);
    /* One update of @p n parameters @p p from gradients @p g (all finite), the model's
     * parameters [first, first + n) and so those of each state array; o->steps already
     * counts this update. Each parameter's update depends on its own values alone, so
     * ranges may run side by side. */
    void (*update)(gan_optimizer_t *o, size_t first, float *p, const float *g, size_t n);
} gan__optim_ops;

struct gan_optimizer {
    const gan__optim_ops *ops;
    gan_model_t *model;          /* borrowed: the model outlives its optimizer */
    gan__allocator alloc;        /* the model's, copied */
    float setting[GAN__OPT_KEYS]; /* by GAN_OPT_* key; 0 for keys the kind lacks */
    uint64_t steps;
    float *block;                /* one allocation holding every state array */
    float *state[GAN__OPT_MAX_STATES]; /* n_params floats each, zero at create and reset */
};

/* The part of every *_create: check the arguments and the settings @p s (indexed by
 * key, only the kind's keys are read), allocate the state from the model's allocator. */
gan_status gan__optimizer_create(gan_optimizer_t **out, gan_model_t *model,
                                 const gan__optim_ops *ops, const float *s,
                                 const char *who);

/* The optimizer's model, to check it belongs to the trainer's. */
gan_model_t *gan__optimizer_model(const gan_optimizer_t *opt);

#endif
