/* The CycleGAN trainer's life cycle: checking the four models and their optimizers,
 * the buffers, learning-rate schedules, translation. */
#include "train/cyclegan.h"

#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/options.h"
#include "model.h"
#include "optim/optimizer.h"

gan_status gan_cyclegan_options_init(gan_cyclegan_options_t *o, size_t struct_size)
{
    gan_status st = gan__options_init(o, struct_size, sizeof *o, "gan_cyclegan_options_init");
    if (st != GAN_OK)
        return st;
    o->cycle_weight = 10.0;
    o->identity_weight = 5.0;
    o->pool_size = 50;
    o->seed = 42;
    return GAN_OK;
}

static gan_status gan__cg_check_options(const gan_cyclegan_options_t *o, const char *who)
{
    const double w[2] = {o->cycle_weight, o->identity_weight};
    static const char *const names[2] = {"cycle_weight", "identity_weight"};
    for (int i = 0; i < 2; i++)
        if (!(w[i] >= 0.0 && w[i] <= 1e6))
            return gan__fail(GAN_E_OUT_OF_RANGE, "%s: %s %g is outside [0, 1e6]", who,
                             names[i], w[i]);
    if (o->pool_size < 0 || o->pool_size > 1000000)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: pool_size %d is outside [0, 1000000]", who,
                         (int)o->pool_size);
    return GAN_OK;
}

/* Role names for messages, indexed like the create arguments. */
const char *const gan__cg_role[4] = {"G (A to B)", "F (B to A)", "D_A", "D_B"};

static gan_status gan__cg_check_models(gan_model_t *const m[4], const char *who)
{
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < i; j++)
            if (m[i] == m[j])
                return gan__fail(GAN_E_INVALID_ARG, "%s: %s and %s are the same model '%s'",
                                 who, gan__cg_role[j], gan__cg_role[i], m[i]->name);
        if (!m[i]->built)
            return gan__fail(GAN_E_STATE, "%s: %s '%s' is not built", who, gan__cg_role[i],
                             m[i]->name);
        if (m[i]->n_inputs > 1)
            return gan__fail(GAN_E_INVALID_ARG, "%s: %s '%s' has %d inputs; CycleGAN feeds "
                             "one image", who, gan__cg_role[i], m[i]->name,
                             (int)m[i]->n_inputs);
        if (gan__model_classes(m[i]))
            return gan__fail(GAN_E_INVALID_ARG, "%s: %s '%s' is conditional (%d classes); "
                             "CycleGAN has no labels", who, gan__cg_role[i], m[i]->name,
                             (int)gan__model_classes(m[i]));
    }
    return GAN_OK;
}

/* The shapes every model's neighbour expects: @p what's @p got must be @p want. */
static gan_status gan__cg_same_shape(const gan__shape *got, const gan__shape *want,
                                     const char *what, const char *domain, const char *who)
{
    if (gan__shape_equal(got, want))
        return GAN_OK;
    return gan__fail(GAN_E_SHAPE, "%s: %s is %s, but domain %s images are %s (G's input "
                     "and F's output are domain A, G's output and F's input domain B)", who,
                     what, gan__shape_str(got).s, domain, gan__shape_str(want).s);
}

static gan_status gan__cg_check_shapes(gan_model_t *const m[4], bool identity,
                                       const char *who)
{
    const gan__shape *a = &m[0]->in, *b = &gan__model_output(m[0], 0)->out;
    gan_status st = gan__cg_same_shape(&m[1]->in, b, "F's input", "B", who);
    if (st == GAN_OK)
        st = gan__cg_same_shape(&gan__model_output(m[1], 0)->out, a, "F's output", "A", who);
    if (st == GAN_OK)
        st = gan__cg_same_shape(&m[2]->in, a, "D_A's input", "A", who);
    if (st == GAN_OK)
        st = gan__cg_same_shape(&m[3]->in, b, "D_B's input", "B", who);
    if (st == GAN_OK && identity && !gan__shape_equal(a, b))
        return gan__fail(GAN_E_SHAPE, "%s: the identity terms run G on domain B images and "
                         "F on domain A images, so both domains need one shape, and A is "
                         "%s, B is %s; set identity_weight to 0", who, gan__shape_str(a).s,
                         gan__shape_str(b).s);
    if (st == GAN_OK && m[1]->batch != m[0]->batch)
        return gan__fail(GAN_E_BATCH_SIZE, "%s: G '%s' runs batches of %d, F '%s' of %d",
                         who, m[0]->name, (int)m[0]->batch, m[1]->name, (int)m[1]->batch);
    return st;
}

/* Optimizer @p i belongs to model @p i; the generators' pair (0, 1) and the
 * discriminators' (2, 3) agree in kind, settings and step count, so that together they
 * are one optimizer over both models. */
static gan_status gan__cg_check_optimizers(gan_model_t *const m[4],
                                           gan_optimizer_t *const o[4], const char *who)
{
    for (int i = 0; i < 4; i++)
        if (o[i]->model != m[i])
            return gan__fail(GAN_E_INVALID_ARG, "%s: the optimizer given for %s '%s' was "
                             "created for model '%s'", who, gan__cg_role[i], m[i]->name,
                             o[i]->model->name);
    for (int i = 0; i < 4; i += 2) {
        const gan_optimizer_t *x = o[i], *y = o[i + 1];
        const char *pair = i ? "discriminators'" : "generators'";
        if (x->ops != y->ops)
            return gan__fail(GAN_E_INVALID_ARG, "%s: the %s optimizers differ in kind (%s, "
                             "%s); CycleGAN has one optimizer for both", who, pair,
                             x->ops->name, y->ops->name);
        for (int k = 0; k < GAN__OPT_KEYS; k++)
            if (x->setting[k] != y->setting[k])
                return gan__fail(GAN_E_INVALID_ARG, "%s: the %s optimizers differ in setting "
                                 "%d (%g, %g); CycleGAN has one optimizer for both", who,
                                 pair, k, (double)x->setting[k], (double)y->setting[k]);
        if (x->steps != y->steps)
            return gan__fail(GAN_E_INVALID_ARG, "%s: the %s optimizers have made %llu and "
                             "%llu updates; CycleGAN steps them together", who, pair,
                             (unsigned long long)x->steps, (unsigned long long)y->steps);
    }
    return GAN_OK;
}

static void gan__cg_free(gan_cyclegan_t *t)
{
    for (int s = 0; s < 2; s++) {
        gan__cg_side *d = &t->side[s];
        void *blocks[] = {d->fake, d->shown, d->dimage, d->dscores, d->pool.images};
        for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
            gan__free(&t->alloc, blocks[i]);
    }
    gan__free(&t->alloc, t->drec);
    gan__free(&t->alloc, t->pad);
    gan__allocator alloc = t->alloc;
    gan__free(&alloc, t);
}

/* rows * cols floats into *p; false on failure or overflow. */
static bool gan__cg_take(const gan_cyclegan_t *t, float **p, size_t rows, size_t cols)
{
    size_t n, bytes;
    *p = NULL;
    if (gan__mul_size(rows, cols, &n) && gan__mul_size(n, sizeof(float), &bytes))
        *p = gan__alloc(&t->alloc, bytes);
    return *p != NULL;
}

static gan_status gan__cg_buffers(gan_cyclegan_t *t)
{
    const size_t b = (size_t)t->batch;
    const size_t big = t->side[0].image > t->side[1].image ? t->side[0].image
                                                           : t->side[1].image;
    bool ok = gan__cg_take(t, &t->drec, b, big) && gan__cg_take(t, &t->pad, b, big);
    for (int s = 0; ok && s < 2; s++) {
        gan__cg_side *d = &t->side[s];
        ok = gan__cg_take(t, &d->fake, b, d->image) && gan__cg_take(t, &d->shown, b, d->image) &&
             gan__cg_take(t, &d->dimage, b, d->image) &&
             gan__cg_take(t, &d->dscores, b, (size_t)d->per) &&
             (d->pool.size == 0 ||
              gan__cg_take(t, &d->pool.images, (size_t)d->pool.size, d->image));
    }
    if (!ok)
        return gan__fail(GAN_E_NO_MEMORY, "gan_cyclegan_create: cannot allocate the "
                         "trainer's buffers (batch %d, pools of %d images)", (int)t->batch,
                         (int)t->opts.pool_size);
    return GAN_OK;
}

gan_status gan_cyclegan_create(gan_cyclegan_t **out, gan_model_t *g, gan_model_t *f,
                               gan_model_t *d_a, gan_model_t *d_b, gan_optimizer_t *g_opt,
                               gan_optimizer_t *f_opt, gan_optimizer_t *d_a_opt,
                               gan_optimizer_t *d_b_opt, const gan_cyclegan_options_t *opts)
{
    static const char who[] = "gan_cyclegan_create";
    gan_model_t *const m[4] = {g, f, d_a, d_b};
    gan_optimizer_t *const o[4] = {g_opt, f_opt, d_a_opt, d_b_opt};
    static const char *const opt_names[4] = {"g_opt", "f_opt", "d_a_opt", "d_b_opt"};
    if (!out)
        return gan__fail(GAN_E_INVALID_ARG, "%s: out is NULL", who);
    *out = NULL;
    for (int i = 0; i < 4; i++) {
        if (!m[i])
            return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, gan__cg_role[i]);
        if (!o[i])
            return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, opt_names[i]);
    }
    gan_cyclegan_options_t config;
    gan_cyclegan_options_init(&config, sizeof config);
    gan_status st = gan__options_read(&config, sizeof config, opts, sizeof config, who);
    if (st == GAN_OK)
        st = gan__cg_check_options(&config, who);
    if (st == GAN_OK)
        st = gan__cg_check_models(m, who);
    if (st == GAN_OK)
        st = gan__cg_check_shapes(m, config.identity_weight > 0, who);
    if (st == GAN_OK)
        st = gan__cg_check_optimizers(m, o, who);
    if (st != GAN_OK)
        return st;
    const size_t per[2] = {gan__shape_size(&gan__model_output(d_a, 0)->out),
                           gan__shape_size(&gan__model_output(d_b, 0)->out)};
    for (int s = 0; s < 2; s++) /* the losses take a batch's scores as one int32_t */
        if (per[s] > (size_t)INT32_MAX / (size_t)g->batch)
            return gan__fail(GAN_E_OUT_OF_RANGE, "%s: batch %d of %s '%s' makes more than "
                             "%d scores (%zu per image)", who, (int)g->batch,
                             gan__cg_role[2 + s], m[2 + s]->name, INT32_MAX, per[s]);

    gan_cyclegan_t *t = gan__alloc(&g->alloc, sizeof *t);
    if (!t)
        return gan__fail(GAN_E_NO_MEMORY, "%s: cannot allocate the trainer", who);
    t->alloc = g->alloc;
    t->opts = config;
    t->batch = g->batch;
    t->par.shards = 1;
    gan__rng_seed(&t->rng, config.seed);
    for (int s = 0; s < 2; s++) {
        gan__cg_side *d = &t->side[s];
        d->gen = s == GAN__CG_A ? f : g;
        d->gen_opt = s == GAN__CG_A ? f_opt : g_opt;
        d->disc = m[2 + s];
        d->disc_opt = o[2 + s];
        d->image = gan__shape_size(&d->disc->in);
        d->per = (int32_t)per[s];
        d->pool = (gan__image_pool){.size = config.pool_size, .image = d->image};
    }
    st = gan__cg_buffers(t);
    for (int s = 2; st == GAN_OK && s < 4; s++)
        if (m[s]->batch != t->batch)
            st = gan_model_set_batch_size(m[s], t->batch);
    if (st == GAN_OK) /* the step runs one network at a time */
        st = gan__scratch_share(m, 4, who);
    if (st != GAN_OK) {
        gan__cg_free(t);
        return st;
    }
    *out = t;
    return GAN_OK;
}

void gan_cyclegan_destroy(gan_cyclegan_t *t)
{
    if (!t)
        return;
    for (int s = 0; s < 2; s++) {
        gan__scratch_unshare(t->side[s].gen);
        gan__scratch_unshare(t->side[s].disc);
    }
    gan__cg_free(t);
}

gan_status gan_cyclegan_set_lr_schedule(gan_cyclegan_t *t, const gan_lr_schedule_t *gens,
                                        const gan_lr_schedule_t *discs)
{
    if (!t)
        return gan__fail(GAN_E_INVALID_ARG, "gan_cyclegan_set_lr_schedule: trainer is NULL");
    const gan_lr_schedule_t *s[2] = {gens, discs};
    for (int i = 0; i < 2; i++) {
        t->scheduled[i] = s[i] != NULL;
        if (s[i])
            t->schedule[i] = *s[i];
    }
    return GAN_OK;
}

gan_status gan_cyclegan_translate(gan_cyclegan_t *t, int32_t direction, const float *in,
                                  int32_t n, float *out)
{
    static const char who[] = "gan_cyclegan_translate";
    if (!t || !in || !out)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                         !t ? "trainer" : !in ? "in" : "out");
    if (direction != GAN_CYCLEGAN_A2B && direction != GAN_CYCLEGAN_B2A)
        return gan__fail(GAN_E_INVALID_ARG, "%s: direction %d is neither GAN_CYCLEGAN_A2B "
                         "(0) nor GAN_CYCLEGAN_B2A (1)", who, (int)direction);
    if (n < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: n %d must be >= 1", who, (int)n);
    const int dst = direction == GAN_CYCLEGAN_A2B ? GAN__CG_B : GAN__CG_A;
    gan_model_t *m = t->side[dst].gen;
    const size_t src_image = t->side[1 - dst].image, dst_image = t->side[dst].image;
    const bool training = m->training;
    m->training = false;
    gan_status st = GAN_OK;
    for (int32_t n0 = 0; st == GAN_OK && n0 < n; n0 += t->batch) {
        const int32_t nb = n - n0 < t->batch ? n - n0 : t->batch;
        const float *x = in + (size_t)n0 * src_image, *y;
        if (nb < t->batch) { /* a partial batch, padded with zeros */
            memcpy(t->pad, x, (size_t)nb * src_image * sizeof *x);
            memset(t->pad + (size_t)nb * src_image, 0,
                   (size_t)(t->batch - nb) * src_image * sizeof *x);
            x = t->pad;
        }
        st = gan_model_forward(m, x, NULL, t->batch, &y);
        if (st == GAN_OK)
            memcpy(out + (size_t)n0 * dst_image, y, (size_t)nb * dst_image * sizeof *y);
    }
    m->training = training;
    return st;
}

gan_status gan_cyclegan_set_data_position(gan_cyclegan_t *t, uint64_t position)
{
    if (!t)
        return gan__fail(GAN_E_INVALID_ARG, "gan_cyclegan_set_data_position: trainer is NULL");
    t->data_position = position;
    return GAN_OK;
}

gan_status gan_cyclegan_set_grad_hook(gan_cyclegan_t *t, gan_grad_hook_fn fn, void *user)
{
    return gan__parallel_set_hook(t ? &t->par : NULL, fn, user, "gan_cyclegan_set_grad_hook");
}

gan_status gan_cyclegan_set_shard(gan_cyclegan_t *t, int32_t index, int32_t count)
{
    return gan__parallel_set_shard(t ? &t->par : NULL, t ? t->batch : 1, index, count,
                                   "gan_cyclegan_set_shard");
}

gan_status gan_cyclegan_get_shard(const gan_cyclegan_t *t, int32_t *index, int32_t *count)
{
    return gan__parallel_get_shard(t ? &t->par : NULL, index, count, "gan_cyclegan_get_shard");
}

gan_status gan_cyclegan_get_models(const gan_cyclegan_t *t, gan_model_t **g, gan_model_t **f,
                                   gan_model_t **d_a, gan_model_t **d_b)
{
    if (!t)
        return gan__fail(GAN_E_INVALID_ARG, "gan_cyclegan_get_models: trainer is NULL");
    gan_model_t *const m[4] = {t->side[GAN__CG_B].gen, t->side[GAN__CG_A].gen,
                               t->side[GAN__CG_A].disc, t->side[GAN__CG_B].disc};
    gan_model_t **const out[4] = {g, f, d_a, d_b};
    for (int i = 0; i < 4; i++)
        if (out[i])
            *out[i] = m[i];
    return GAN_OK;
}

gan_status gan_cyclegan_get_data_position(const gan_cyclegan_t *t, uint64_t *position)
{
    if (!t || !position)
        return gan__fail(GAN_E_INVALID_ARG, "gan_cyclegan_get_data_position: %s is NULL",
                         t ? "position" : "trainer");
    *position = t->data_position;
    return GAN_OK;
}
