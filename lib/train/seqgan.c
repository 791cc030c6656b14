/* The SeqGAN trainer's life cycle: checking G, G_step, D and the optimizers, the
 * buffers, sampling, the data position. */
#include "train/seqgan.h"

#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/options.h"
#include "model.h"
#include "optim/optimizer.h"

gan_status gan_seqgan_options_init(gan_seqgan_options_t *o, size_t struct_size)
{
    gan_status st = gan__options_init(o, struct_size, sizeof *o, "gan_seqgan_options_init");
    if (st != GAN_OK)
        return st;
    o->rollouts = 16;
    o->temperature = 1.0f;
    o->clip_norm = 5.0;
    o->start_token = 0;
    o->seed = 42;
    o->baseline = false;
    return GAN_OK;
}

static gan_status gan__sg_check_options(const gan_seqgan_options_t *o, int32_t V,
                                        const char *who)
{
    if (o->rollouts < 1 || o->rollouts > 100000)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: rollouts %d is outside [1, 100000]", who,
                         (int)o->rollouts);
    if (!(o->temperature > 0.0f) || !isfinite(o->temperature))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: temperature %g must be finite and > 0",
                         who, (double)o->temperature);
    if (!(o->clip_norm >= 0.0 && o->clip_norm <= 1e6))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: clip_norm %g is outside [0, 1e6]", who,
                         o->clip_norm);
    if (o->start_token < 0 || o->start_token >= V)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: start_token %d is outside [0, %d) (G's "
                         "vocabulary)", who, (int)o->start_token, (int)V);
    return GAN_OK;
}

/* G_step has G's layers: the same count, kinds and parameter counts, so that G's arena
 * copies into it as it is. */
static gan_status gan__sg_same_layers(const gan_model_t *g, const gan_model_t *s,
                                      const char *who)
{
    if (g->n_layers != s->n_layers || g->n_params != s->n_params)
        return gan__fail(GAN_E_SHAPE, "%s: G_step '%s' has %d layers and %zu parameters, "
                         "G '%s' %d and %zu; G_step must be G's layers built for one token",
                         who, s->name, (int)s->n_layers, s->n_params, g->name,
                         (int)g->n_layers, g->n_params);
    for (int32_t i = 0; i < g->n_layers; i++) {
        const gan_layer_t *a = g->layers[i], *b = s->layers[i];
        size_t na = 0, nb = 0;
        for (int k = 0; k < GAN__PARAM_GROUPS; k++) {
            na += a->param[k].count;
            nb += b->param[k].count;
        }
        if (a->ops != b->ops || na != nb)
            return gan__fail(GAN_E_SHAPE, "%s: layer %d of G_step '%s' is a %s of %zu "
                             "parameters, of G '%s' a %s of %zu", who, (int)i, s->name,
                             b->ops->kind, nb, g->name, a->ops->kind, na);
    }
    return GAN_OK;
}

static gan_status gan__sg_check_models(gan_model_t *g, gan_model_t *g_step, gan_model_t *d,
                                       gan__seq_sampler *s, int32_t *T, int32_t *V,
                                       const char *who)
{
    if (g == g_step || g == d || g_step == d)
        return gan__fail(GAN_E_INVALID_ARG, "%s: G, G_step and D must be three models ('%s', "
                         "'%s', '%s')", who, g->name, g_step->name, d->name);
    gan_status st = gan__seq_check_whole(g, "G", who, T, V);
    if (st == GAN_OK)
        st = gan__seq_check_step(g_step, *T, "G_step", who, s);
    if (st != GAN_OK)
        return st;
    if (s->vocab != *V)
        return gan__fail(GAN_E_SHAPE, "%s: G_step '%s' has a vocabulary of %d tokens, G '%s' "
                         "of %d", who, g_step->name, (int)s->vocab, g->name, (int)*V);
    if ((st = gan__sg_same_layers(g, g_step, who)) != GAN_OK)
        return st;
    if (g_step->batch != g->batch)
        return gan__fail(GAN_E_BATCH_SIZE, "%s: G_step '%s' runs batches of %d, G '%s' of %d",
                         who, g_step->name, (int)g_step->batch, g->name, (int)g->batch);
    if (!d->built)
        return gan__fail(GAN_E_STATE, "%s: D '%s' is not built", who, d->name);
    if (d->n_inputs > 1 || gan__model_classes(d))
        return gan__fail(GAN_E_INVALID_ARG, "%s: D '%s' has %d inputs or class labels; "
                         "SeqGAN's D reads one (T) input of token ids", who, d->name,
                         (int)d->n_inputs);
    const gan__shape *dout = &gan__model_output(d, 0)->out;
    if (d->in.ndim != 1 || d->in.d[0] != *T)
        return gan__fail(GAN_E_SHAPE, "%s: D '%s' takes %s, G '%s' makes sequences of %d "
                         "tokens, (%d)", who, d->name, gan__shape_str(&d->in).s, g->name,
                         (int)*T, (int)*T);
    if (gan__shape_size(dout) != 1)
        return gan__fail(GAN_E_SHAPE, "%s: D '%s' outputs %s; SeqGAN's D outputs one logit "
                         "per sequence, (1)", who, d->name, gan__shape_str(dout).s);
    const gan_model_t *emb[2] = {g, d};
    for (int k = 0; k < 2; k++) {
        const int32_t v = gan__seq_embedded_vocab(emb[k]);
        if (v && v != *V)
            return gan__fail(GAN_E_SHAPE, "%s: %s '%s' embeds a vocabulary of %d tokens, G's "
                             "output has %d", who, k ? "D" : "G", emb[k]->name, (int)v,
                             (int)*V);
    }
    return GAN_OK;
}

static void gan__sg_free(gan_seqgan_t *t)
{
    gan__free(&t->alloc, t->g_in);
    gan__allocator alloc = t->alloc;
    gan__free(&alloc, t);
}

/* Every buffer in one block of floats and int32s. */
static gan_status gan__sg_buffers(gan_seqgan_t *t)
{
    const size_t B = (size_t)t->batch, T = (size_t)t->T, V = (size_t)t->V;
    size_t state = 0;
    for (int32_t k = 0; k < t->sampler.n_rnn; k++)
        state += (t->sampler.cell[k] ? 2u : 1u) * B * (size_t)t->sampler.hidden[k];
    /* In 4-byte units: g_in, weights, fake, roll, d_in (B T each), dlogits (B T V),
     * d_target, d_grad, step_in (B each), step_logits (B V), state, w (V). */
    size_t bt, btv, bv, n;
    if (!gan__mul_size(B, T, &bt) || !gan__mul_size(bt, V, &btv) || !gan__mul_size(B, V, &bv) ||
        btv > (size_t)INT32_MAX)
        return gan__fail(GAN_E_OUT_OF_RANGE, "gan_seqgan_create: a batch of %d sequences of "
                         "%d tokens of %d logits is too large", (int)B, (int)T, (int)V);
    n = 5 * bt + btv + 3 * B + bv + state + V;
    char *block = gan__alloc(&t->alloc, n * 4);
    if (!block)
        return gan__fail(GAN_E_NO_MEMORY, "gan_seqgan_create: cannot allocate the trainer's "
                         "buffers (batch %d, T %d, V %d)", (int)B, (int)T, (int)V);
    float *f = (float *)block;
    t->g_in = f, f += bt;
    t->weights = f, f += bt;
    t->fake = (int32_t *)f, f += bt;
    t->roll = (int32_t *)f, f += bt;
    t->d_in = f, f += bt;
    t->dlogits = f, f += btv;
    t->d_target = f, f += B;
    t->d_grad = f, f += B;
    t->step_in = f, f += B;
    t->step_logits = f, f += bv;
    t->state = f, f += state;
    t->w = f;
    t->sampler.in = t->step_in;
    t->sampler.w = t->w;
    return GAN_OK;
}

gan_status gan_seqgan_create(gan_seqgan_t **out, gan_model_t *g, gan_model_t *g_step,
                             gan_model_t *d, gan_optimizer_t *g_opt, gan_optimizer_t *d_opt,
                             const gan_seqgan_options_t *opts)
{
    static const char who[] = "gan_seqgan_create";
    if (!out)
        return gan__fail(GAN_E_INVALID_ARG, "%s: out is NULL", who);
    *out = NULL;
    if (!g || !g_step || !d || !g_opt || !d_opt)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                         !g ? "G" : !g_step ? "G_step" : !d ? "D" : !g_opt ? "g_opt"
                                                                             : "d_opt");
    gan_seqgan_options_t config;
    gan_seqgan_options_init(&config, sizeof config);
    gan_status st = gan__options_read(&config, sizeof config, opts, sizeof config, who);
    gan__seq_sampler sampler;
    int32_t T = 0, V = 0;
    if (st == GAN_OK)
        st = gan__sg_check_models(g, g_step, d, &sampler, &T, &V, who);
    if (st == GAN_OK)
        st = gan__sg_check_options(&config, V, who);
    if (st == GAN_OK && config.baseline && g->batch < 2)
        st = gan__fail(GAN_E_BATCH_SIZE, "%s: the reward baseline is the mean of the other "
                       "sequences of the batch; G '%s' runs batches of 1", who, g->name);
    if (st != GAN_OK)
        return st;
    if (g_opt->model != g || d_opt->model != d)
        return gan__fail(GAN_E_INVALID_ARG, "%s: the optimizer given for %s '%s' was created "
                         "for model '%s'", who, g_opt->model != g ? "G" : "D",
                         g_opt->model != g ? g->name : d->name,
                         g_opt->model != g ? g_opt->model->name : d_opt->model->name);
    gan_seqgan_t *t = gan__alloc(&g->alloc, sizeof *t);
    if (!t)
        return gan__fail(GAN_E_NO_MEMORY, "%s: cannot allocate the trainer", who);
    memset(t, 0, sizeof *t);
    t->alloc = g->alloc;
    t->g = g, t->g_step = g_step, t->d = d;
    t->g_opt = g_opt, t->d_opt = d_opt;
    t->opts = config;
    t->sampler = sampler;
    t->batch = g->batch, t->T = T, t->V = V;
    t->par.shards = 1;
    gan__rng_seed(&t->rng, config.seed);
    st = gan__sg_buffers(t);
    if (st != GAN_OK) {
        gan__allocator alloc = t->alloc;
        gan__free(&alloc, t);
        return st;
    }
    if (d->batch != t->batch)
        st = gan_model_set_batch_size(d, t->batch);
    if (st == GAN_OK) /* the steps and rollouts run one network at a time */
        st = gan__scratch_share((gan_model_t *const[]){g, g_step, d}, 3, who);
    if (st != GAN_OK) {
        gan__sg_free(t);
        return st;
    }
    *out = t;
    return GAN_OK;
}

void gan_seqgan_destroy(gan_seqgan_t *t)
{
    if (!t)
        return;
    gan__scratch_unshare(t->g);
    gan__scratch_unshare(t->g_step);
    gan__scratch_unshare(t->d);
    gan__sg_free(t);
}

void gan__sg_sync(gan_seqgan_t *t)
{
    memcpy(t->g_step->params, t->g->params, t->g->n_params * sizeof *t->g->params);
}

void gan__sg_shard_draws(gan_seqgan_t *t, bool on)
{
    const int64_t b = on ? t->batch : 0;
    t->sampler.skip_before = b * t->par.shard;
    t->sampler.skip_after = b * (t->par.shards - 1 - t->par.shard);
}

gan_status gan__sg_sample_batch(gan_seqgan_t *t, int32_t *ids, bool sharded,
                                const char *who)
{
    gan__sg_shard_draws(t, sharded);
    gan_status st = gan__seq_sample_batch(&t->sampler, &t->rng, t->opts.start_token,
                                          (double)t->opts.temperature, t->T, ids, who);
    gan__sg_shard_draws(t, false);
    return st;
}

gan_status gan_seqgan_sample(gan_seqgan_t *t, int32_t n, int32_t *ids)
{
    static const char who[] = "gan_seqgan_sample";
    if (!t || !ids)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, t ? "ids" : "trainer");
    if (n < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: n %d must be >= 1", who, (int)n);
    gan__sg_sync(t);
    const bool training = t->g_step->training;
    t->g_step->training = false;
    gan_status st = GAN_OK;
    const size_t T = (size_t)t->T;
    for (int32_t n0 = 0; st == GAN_OK && n0 < n; n0 += t->batch) {
        const int32_t nb = n - n0 < t->batch ? n - n0 : t->batch;
        st = gan__sg_sample_batch(t, t->fake, false, who);
        if (st == GAN_OK)
            memcpy(ids + (size_t)n0 * T, t->fake, (size_t)nb * T * sizeof *ids);
    }
    t->g_step->training = training;
    return st;
}

gan_status gan_seqgan_set_grad_hook(gan_seqgan_t *t, gan_grad_hook_fn fn, void *user)
{
    return gan__parallel_set_hook(t ? &t->par : NULL, fn, user, "gan_seqgan_set_grad_hook");
}

gan_status gan_seqgan_set_shard(gan_seqgan_t *t, int32_t index, int32_t count)
{
    return gan__parallel_set_shard(t ? &t->par : NULL, t ? t->batch : 1, index, count,
                                   "gan_seqgan_set_shard");
}

gan_status gan_seqgan_get_shard(const gan_seqgan_t *t, int32_t *index, int32_t *count)
{
    return gan__parallel_get_shard(t ? &t->par : NULL, index, count, "gan_seqgan_get_shard");
}

gan_status gan_seqgan_get_models(const gan_seqgan_t *t, gan_model_t **g, gan_model_t **d)
{
    if (!t)
        return gan__fail(GAN_E_INVALID_ARG, "gan_seqgan_get_models: trainer is NULL");
    if (g)
        *g = t->g;
    if (d)
        *d = t->d;
    return GAN_OK;
}

gan_status gan_seqgan_set_data_position(gan_seqgan_t *t, uint64_t position)
{
    if (!t)
        return gan__fail(GAN_E_INVALID_ARG, "gan_seqgan_set_data_position: trainer is NULL");
    t->data_position = position;
    return GAN_OK;
}

gan_status gan_seqgan_get_data_position(const gan_seqgan_t *t, uint64_t *position)
{
    if (!t || !position)
        return gan__fail(GAN_E_INVALID_ARG, "gan_seqgan_get_data_position: %s is NULL",
                         t ? "position" : "trainer");
    *position = t->data_position;
    return GAN_OK;
}
