/* The trainer's life cycle, its buffers, and sampling from the generator. */
#include "train/trainer.h"

#include <math.h>
#include <string.h>

#include "core/error.h"
#include "train/latent.h"

/* @p aux: AC-GAN is on, and then D may be unconditional (its classifier head gives the
 * classes instead). */
static gan_status gan__check_pair(const gan_model_t *g, const gan_model_t *d, bool aux,
                                  size_t *image, size_t *per, const char *who)
{
    if (!g->built || !d->built)
        return gan__fail(GAN_E_STATE, "%s: model '%s' is not built", who,
                         g->built ? d->name : g->name);
    const gan_model_t *multi = g->n_inputs > 1 ? g : d->n_inputs > 1 ? d : NULL;
    if (multi)
        return gan__fail(GAN_E_INVALID_ARG, "%s: model '%s' has %d inputs; the trainer "
                         "feeds one (the latent vector, or the image)", who, multi->name,
                         (int)multi->n_inputs);
    const gan__shape *out = &gan__model_output(g, 0)->out;
    if (!gan__shape_equal(out, &d->in))
        return gan__fail(GAN_E_SHAPE, "%s: generator '%s' makes %s, discriminator '%s' "
                         "takes %s", who, g->name, gan__shape_str(out).s, d->name,
                         gan__shape_str(&d->in).s);
    /* Any output shape: every element is a score (a PatchGAN map of h*w of them). */
    *per = gan__shape_size(&gan__model_output(d, 0)->out);
    if (gan__model_classes(g) != gan__model_classes(d) && !(aux && !gan__model_classes(d)))
        return gan__fail(GAN_E_INVALID_ARG, "%s: generator conditions on %d classes, "
                         "discriminator on %d", who, (int)gan__model_classes(g),
                         (int)gan__model_classes(d));
    *image = gan__shape_size(&d->in);
    return GAN_OK;
}

static void gan__trainer_free(gan_trainer_t *t)
{
    void *blocks[] = {t->z, t->fake_labels, t->d_labels, t->d_in, t->targets, t->dscores,
                      t->dmix, t->daux, t->dfake, t->fm_real, t->fm_grad, t->ema, t->swap, t->pool,
                      t->pool_labels, t->gp_x, t->gp_v, t->d_streams, t->d_state};
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
        gan__free(&t->alloc, blocks[i]);
    gan__allocator alloc = t->alloc;
    gan__free(&alloc, t);
}

/* Allocate rows*cols elements of unit bytes into *slot; false on failure or overflow.
 * An empty block leaves NULL. */
static bool gan__trainer_take(gan_trainer_t *t, void *slot, size_t rows, size_t cols,
                              size_t unit)
{
    size_t count, bytes;
    if (rows == 0 || cols == 0)
        return true;
    void *p = NULL;
    if (gan__mul_size(rows, cols, &count) && gan__mul_size(count, unit, &bytes))
        p = gan__alloc(&t->alloc, bytes);
    memcpy(slot, &p, sizeof p);
    return p != NULL;
}

static gan_status gan__trainer_buffers(gan_trainer_t *t)
{
    const size_t b = (size_t)t->batch, db = (size_t)t->mult * b, per = (size_t)t->per;
    const bool ema = t->hacks.value[GAN_HACK_EMA_DECAY] > 0;
    const bool gp = t->hacks.value[GAN_HACK_GP_WEIGHT] > 0;
    const size_t pool = (size_t)t->pool_size;
    bool ok = gan__trainer_take(t, &t->z, b, (size_t)t->zdim, sizeof(float)) &&
              gan__trainer_take(t, &t->fake_labels, b, 1, sizeof(int32_t)) &&
              gan__trainer_take(t, &t->d_labels, db, 1, sizeof(int32_t)) &&
              gan__trainer_take(t, &t->d_in, db, t->image, sizeof(float)) &&
              gan__trainer_take(t, &t->targets, db, per, sizeof(float)) &&
              gan__trainer_take(t, &t->dscores, db, per, sizeof(float)) &&
              gan__trainer_take(t, &t->dmix, db, per, sizeof(float)) &&
              gan__trainer_take(t, &t->daux, db, (size_t)t->aux_classes, sizeof(float)) &&
              gan__trainer_take(t, &t->dfake, b, t->image, sizeof(float)) &&
              gan__trainer_take(t, &t->fm_real, t->fm_size, 1, sizeof(float)) &&
              gan__trainer_take(t, &t->fm_grad, db, t->fm_size, sizeof(float)) &&
              gan__trainer_take(t, &t->ema, ema ? t->g->n_params : 0, 1, sizeof(float)) &&
              gan__trainer_take(t, &t->swap, ema ? t->g->n_params : 0, 1, sizeof(float)) &&
              gan__trainer_take(t, &t->pool, pool, t->image, sizeof(float)) &&
              gan__trainer_take(t, &t->pool_labels, pool, 1, sizeof(int32_t)) &&
              gan__trainer_take(t, &t->gp_x, gp ? b : 0, t->image, sizeof(float)) &&
              gan__trainer_take(t, &t->gp_v, gp ? b : 0, t->image, sizeof(float)) &&
              gan__trainer_take(t, &t->d_streams, (size_t)t->d->n_layers, 1, sizeof(gan__rng)) &&
              gan__trainer_take(t, &t->d_state, gp ? t->d->n_state : 0, 1, sizeof(float));
    if (!ok)
        return gan__fail(GAN_E_NO_MEMORY, "gan_trainer_create: cannot allocate the "
                         "trainer's buffers (batch %d, replay pool %lld)", (int)t->batch,
                         (long long)t->pool_size);
    if (ema)
        memcpy(t->ema, t->g->params, t->g->n_params * sizeof *t->ema);
    return GAN_OK;
}

gan_status gan_trainer_create(gan_trainer_t **out, gan_model_t *g, gan_model_t *d,
                              gan_optimizer_t *g_opt, gan_optimizer_t *d_opt,
                              const gan_hacks_t *hacks)
{
    static const char who[] = "gan_trainer_create";
    if (!out || !g || !d || !g_opt || !d_opt)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                         !out ? "out" : !g ? "generator" : !d ? "discriminator"
                                                   : !g_opt ? "g_opt" : "d_opt");
    *out = NULL;
    if (g == d)
        return gan__fail(GAN_E_INVALID_ARG, "%s: generator and discriminator are the same "
                         "model", who);
    if (gan__optimizer_model(g_opt) != g || gan__optimizer_model(d_opt) != d)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s optimizer was created for another model",
                         who, gan__optimizer_model(g_opt) != g ? "the generator's"
                                                               : "the discriminator's");
    gan_hacks_t config;
    if (hacks)
        config = *hacks;
    else
        gan__hacks_defaults(&config);
    const bool aux = config.value[GAN_HACK_AUX_WEIGHT_REAL] > 0 ||
                     config.value[GAN_HACK_AUX_WEIGHT_FAKE] > 0;
    size_t image = 0, per = 1;
    int32_t aux_classes = 0;
    gan_status st = gan__check_pair(g, d, aux, &image, &per, who);
    if (st == GAN_OK)
        st = gan__aux_check(g, d, &config, who, &aux_classes);
    if (st != GAN_OK)
        return st;
    const bool combined = config.value[GAN_HACK_SEPARATE_BATCHES] == 0;
    const int32_t fm_layer = (int32_t)gan__hack_int(&config, GAN_HACK_FEATURE_MATCHING_LAYER);
    if (fm_layer >= d->n_layers)
        return gan__fail(GAN_E_INVALID_ARG, "%s: feature-matching layer %d is outside "
                         "discriminator '%s' (%d layers)", who, (int)fm_layer, d->name,
                         (int)d->n_layers);
    if (combined && config.value[GAN_HACK_GP_WEIGHT] > 0)
        return gan__fail(GAN_E_INVALID_ARG, "%s: the gradient penalty needs separate real "
                         "and fake batches (GAN_HACK_SEPARATE_BATCHES = 1)", who);
    if (combined && (int64_t)g->batch * 2 > INT32_MAX / 2)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: batch %d is too large", who, (int)g->batch);
    /* The losses take the batch's scores as one int32_t count. */
    if (per > (size_t)INT32_MAX / ((size_t)g->batch * (combined ? 2u : 1u)))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: batch %d of discriminator '%s' makes "
                         "more than %d scores (%zu per sample)", who, (int)g->batch,
                         d->name, INT32_MAX, per);

    gan_trainer_t *t = gan__alloc(&g->alloc, sizeof *t);
    if (!t)
        return gan__fail(GAN_E_NO_MEMORY, "%s: cannot allocate the trainer", who);
    *t = (gan_trainer_t){
        .g = g, .d = d, .g_opt = g_opt, .d_opt = d_opt, .hacks = config, .alloc = g->alloc,
        .batch = g->batch, .mult = combined ? 2 : 1, .par = {.shards = 1},
        .zdim = (int32_t)gan__shape_size(&g->in), .classes = gan__model_classes(g),
        .image = image, .per = (int32_t)per, .aux_classes = aux_classes,
        .loss = (int32_t)gan__hack_int(&config, GAN_HACK_LOSS),
        .fm_layer = fm_layer,
        .fm_size = fm_layer >= 0 ? gan__shape_size(&d->layers[fm_layer]->out) : 0,
        .pool_size = gan__hack_int(&config, GAN_HACK_REPLAY_SIZE),
    };
    gan__rng_seed(&t->rng, (uint64_t)gan__hack_int(&config, GAN_HACK_SEED));
    st = gan__trainer_buffers(t);
    if (st == GAN_OK && fm_layer >= 0) /* feature matching reads that layer's output */
        st = gan_model_keep_layer_output(d, fm_layer);
    if (st == GAN_OK && d->batch != t->mult * t->batch)
        st = gan_model_set_batch_size(d, t->mult * t->batch);
    if (st == GAN_OK) /* the step runs one network at a time */
        st = gan__scratch_share((gan_model_t *const[]){g, d}, 2, who);
    if (st != GAN_OK) {
        gan__trainer_free(t);
        return st;
    }
    *out = t;
    return GAN_OK;
}

void gan_trainer_destroy(gan_trainer_t *t)
{
    if (!t)
        return;
    gan__scratch_unshare(t->g);
    gan__scratch_unshare(t->d);
    gan__trainer_free(t);
}

void gan__ema_update(gan_trainer_t *t)
{
    if (!t->ema)
        return;
    const float decay = (float)t->hacks.value[GAN_HACK_EMA_DECAY];
    const float *p = t->g->params;
    for (size_t i = 0; i < t->g->n_params; i++)
        t->ema[i] = decay * t->ema[i] + (1.0f - decay) * p[i];
}

double gan__batch_spread(const float *x, int32_t n, size_t size)
{
    if (n < 2)
        return 0.0;
    double total = 0.0;
    for (size_t j = 0; j < size; j++) {
        double sum = 0.0, sq = 0.0;
        for (int32_t i = 0; i < n; i++) {
            double v = x[(size_t)i * size + j];
            sum += v;
            sq += v * v;
        }
        double mean = sum / n, var = sq / n - mean * mean;
        total += var > 0 ? sqrt(var) : 0.0;
    }
    return total / (double)size;
}

gan_status gan_trainer_sample_latent(gan_trainer_t *t, int32_t n, float *z)
{
    static const char who[] = "gan_trainer_sample_latent";
    if (!t || !z)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, t ? "z" : "trainer");
    if (n < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: n %d must be >= 1", who, (int)n);
    gan__latent_fill(&t->rng, (int32_t)gan__hack_int(&t->hacks, GAN_HACK_LATENT), z,
                     (size_t)n * (size_t)t->zdim);
    return GAN_OK;
}

gan_status gan_trainer_get_latent_dim(const gan_trainer_t *t, int32_t *dim)
{
    if (!t || !dim)
        return gan__fail(GAN_E_INVALID_ARG, "gan_trainer_get_latent_dim: %s is NULL",
                         t ? "dim" : "trainer");
    *dim = t->zdim;
    return GAN_OK;
}

/* Forward G in inference mode over n latents, a batch at a time. */
static gan_status gan__generate_batches(gan_trainer_t *t, const float *z, const int32_t *labels,
                                        int32_t n, float *images)
{
    const size_t out = gan__shape_size(&gan__model_output(t->g, 0)->out);
    for (int32_t n0 = 0; n0 < n; n0 += t->batch) {
        const int32_t nb = n - n0 < t->batch ? n - n0 : t->batch;
        memcpy(t->z, z + (size_t)n0 * t->zdim, (size_t)nb * t->zdim * sizeof *t->z);
        memset(t->z + (size_t)nb * t->zdim, 0, (size_t)(t->batch - nb) * t->zdim * sizeof *t->z);
        if (labels) {
            memcpy(t->fake_labels, labels + n0, (size_t)nb * sizeof *labels);
            memset(t->fake_labels + nb, 0, (size_t)(t->batch - nb) * sizeof *labels);
        }
        const float *y;
        gan_status st = gan_model_forward(t->g, t->z, labels ? t->fake_labels : NULL,
                                          t->batch, &y);
        if (st != GAN_OK)
            return st;
        memcpy(images + (size_t)n0 * out, y, (size_t)nb * out * sizeof *y);
    }
    return GAN_OK;
}

gan_status gan_trainer_generate(gan_trainer_t *t, const float *z, const int32_t *labels,
                                int32_t n, bool use_ema, float *images)
{
    static const char who[] = "gan_trainer_generate";
    if (!t || !z || !images)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                         !t ? "trainer" : !z ? "z" : "images");
    if (n < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: n %d must be >= 1", who, (int)n);
    if (!t->classes)
        labels = NULL; /* an unconditional generator ignores labels, as the step does */
    else if (!labels)
        return gan__fail(GAN_E_INVALID_ARG, "%s: the generator is conditional and needs "
                         "labels", who);
    if (use_ema && !t->ema)
        return gan__fail(GAN_E_STATE, "%s: EMA is off (GAN_HACK_EMA_DECAY = 0)", who);
    for (int32_t i = 0; labels && i < n; i++)
        if (labels[i] < 0 || labels[i] >= t->classes)
            return gan__fail(GAN_E_OUT_OF_RANGE, "%s: label %d of sample %d is outside "
                             "[0, %d)", who, (int)labels[i], (int)i, (int)t->classes);
    gan_model_t *g = t->g;
    const size_t bytes = g->n_params * sizeof(float);
    if (use_ema) {
        memcpy(t->swap, g->params, bytes);
        memcpy(g->params, t->ema, bytes);
    }
    const bool training = g->training;
    g->training = false;
    gan_status st = gan__generate_batches(t, z, labels ? labels : NULL, n, images);
    g->training = training;
    if (use_ema)
        memcpy(g->params, t->swap, bytes);
    return st;
}

gan_status gan_trainer_set_grad_hook(gan_trainer_t *t, gan_grad_hook_fn fn, void *user)
{
    return gan__parallel_set_hook(t ? &t->par : NULL, fn, user, "gan_trainer_set_grad_hook");
}

gan_status gan_trainer_set_shard(gan_trainer_t *t, int32_t index, int32_t count)
{
    return gan__parallel_set_shard(t ? &t->par : NULL, t ? t->batch : 1, index, count,
                                   "gan_trainer_set_shard");
}

gan_status gan_trainer_get_shard(const gan_trainer_t *t, int32_t *index, int32_t *count)
{
    return gan__parallel_get_shard(t ? &t->par : NULL, index, count, "gan_trainer_get_shard");
}

gan_status gan_trainer_get_models(const gan_trainer_t *t, gan_model_t **g, gan_model_t **d)
{
    if (!t)
        return gan__fail(GAN_E_INVALID_ARG, "gan_trainer_get_models: trainer is NULL");
    if (g)
        *g = t->g;
    if (d)
        *d = t->d;
    return GAN_OK;
}
