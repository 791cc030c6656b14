/* The CycleGAN trainer's internals: the borrowed models and optimizers, the settings and
 * every buffer, shared by cyclegan.c (life cycle, translation), cyclegan_step.c and
 * cyclegan_checkpoint.c. */
#ifndef GAN_TRAIN_CYCLEGAN_H
#define GAN_TRAIN_CYCLEGAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "gan/cyclegan.h"
#include "train/parallel.h"
#include "optim/schedule.h"
#include "train/image_pool.h"

/* The two domains' sides of the trainer: index 0 is domain A, 1 is domain B. */
enum { GAN__CG_A = 0, GAN__CG_B = 1 };

/* One domain: the generator that makes its images, the discriminator that judges them,
 * and the buffers of that judgement. */
typedef struct gan__cg_side {
    gan_model_t *gen;       /* makes this domain's images: F for A, G for B */
    gan_model_t *disc;      /* D_A or D_B */
    gan_optimizer_t *gen_opt, *disc_opt;
    size_t image;           /* floats per image of this domain */
    int32_t per;            /* the discriminator's scores per image */
    float *fake;            /* (B, image): this step's generated images, before updates */
    float *shown;           /* (B, image): the pool's answer, shown to the discriminator */
    float *dimage;          /* (B, image): d loss / d the generated images */
    float *dscores;         /* (B, per) */
    gan__image_pool pool;
} gan__cg_side;

struct gan_cyclegan {
    gan__cg_side side[2];
    gan_cyclegan_options_t opts;
    gan__rng rng;
    gan__allocator alloc; /* G's */
    int32_t batch;
    uint64_t steps, data_position;
    bool scheduled[2];               /* generators', discriminators' */
    gan_lr_schedule_t schedule[2];
    float *drec;                     /* (B, larger image): a reconstruction's gradient */
    float *pad;                      /* (B, larger image): translation's partial batches */
    gan__parallel par;               /* gan_cyclegan_set_grad_hook(), _set_shard() */
};

/* Role names for messages, indexed like the create arguments (G, F, D_A, D_B) and the
 * networks' hook ids (GAN_NETWORK_CYCLEGAN_G + index). */
extern const char *const gan__cg_role[4];

#endif
