/* What every optimizer shares: settings and their ranges, state, the checked step. */
#include "optim/optimizer.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "core/error.h"
#include "core/pool.h"
#include "model.h"

/* One row per GAN_OPT_* key: the range a value must lie in. */
typedef struct gan__setting_range {
    const char *name;
    float lo, hi;       /* hi may be INFINITY: any finite value below it */
    bool lo_open, hi_open;
    bool flag;          /* only 0 and 1 */
} gan__setting_range;

static const gan__setting_range gan__ranges[GAN__OPT_KEYS] = {
    [GAN_OPT_LEARNING_RATE] = {"learning rate", 0.0f, INFINITY, true, true, false},
    [GAN_OPT_BETA1] = {"beta1", 0.0f, 1.0f, false, true, false},
    [GAN_OPT_BETA2] = {"beta2", 0.0f, 1.0f, false, true, false},
    [GAN_OPT_EPSILON] = {"epsilon", 0.0f, INFINITY, true, true, false},
    [GAN_OPT_MOMENTUM] = {"momentum", 0.0f, 1.0f, false, true, false},
    [GAN_OPT_NESTEROV] = {"nesterov", 0.0f, 1.0f, false, false, true},
    [GAN_OPT_ALPHA] = {"alpha", 0.0f, 1.0f, false, true, false},
    [GAN_OPT_WEIGHT_DECAY] = {"weight decay", 0.0f, INFINITY, false, true, false},
};

static bool gan__key_known(int32_t key)
{
    return key >= 0 && key < GAN__OPT_KEYS;
}

/* Check that @p key names a setting of @p ops's kind. */
static gan_status gan__check_key(const gan__optim_ops *ops, int32_t key, const char *who)
{
    if (!gan__key_known(key))
        return gan__fail(GAN_E_INVALID_ARG, "%s: unknown setting key %d", who, (int)key);
    if (!(ops->keys & GAN__OPT_BIT(key)))
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s has no setting '%s' (key %d)", who,
                         ops->name, gan__ranges[key].name, (int)key);
    return GAN_OK;
}

/* Check one value against its key's range. Values are checked as the float the
 * optimizer will use, so a double that rounds to a bound (beta 0.9999999999 -> 1) or
 * to 0 is rejected, as is anything beyond FLT_MAX; @p value is the caller's. */
static gan_status gan__check_value(int32_t key, double value, const char *who)
{
    const gan__setting_range *r = &gan__ranges[key];
    float f = (isfinite(value) && fabs(value) <= FLT_MAX) ? (float)value : NAN;
    bool ok;
    if (r->flag)
        ok = f == 0.0f || f == 1.0f;
    else
        ok = isfinite(f) && (r->lo_open ? f > r->lo : f >= r->lo) &&
             (r->hi_open ? f < r->hi : f <= r->hi);
    if (ok)
        return GAN_OK;
    if (r->flag)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: %s %g must be 0 or 1", who, r->name,
                         value);
    return gan__fail(GAN_E_OUT_OF_RANGE, "%s: %s %g is outside %c%g, %g%c (as a finite "
                     "float)", who, r->name, value, r->lo_open ? '(' : '[', (double)r->lo,
                     (double)r->hi, r->hi_open ? ')' : ']');
}

/* Every setting of the kind in its range, then the kind's own constraints. */
static gan_status gan__check_settings(const gan__optim_ops *ops, const float *s,
                                      const char *who)
{
    for (int32_t key = 0; key < GAN__OPT_KEYS; key++) {
        if (!(ops->keys & GAN__OPT_BIT(key)))
            continue;
        gan_status st = gan__check_value(key, s[key], who);
        if (st != GAN_OK)
            return st;
    }
    return ops->check ? ops->check(s, who) : GAN_OK;
}

/* State arrays start on cache lines: n rounded up to whole lines. */
static size_t gan__state_stride(size_t n)
{
    const size_t line = GAN__ALIGNMENT / sizeof(float);
    return (n + line - 1) / line * line;
}

gan_status gan__optimizer_create(gan_optimizer_t **out, gan_model_t *model,
                                 const gan__optim_ops *ops, const float *s,
                                 const char *who)
{
    if (!out)
        return gan__fail(GAN_E_INVALID_ARG, "%s: out is NULL", who);
    *out = NULL;
    gan_status st = gan__require_built(model, who);
    if (st != GAN_OK)
        return st;
    float settings[GAN__OPT_KEYS] = {0};
    for (int32_t key = 0; key < GAN__OPT_KEYS; key++)
        if (ops->keys & GAN__OPT_BIT(key))
            settings[key] = s[key];
    st = gan__check_settings(ops, settings, who);
    if (st != GAN_OK)
        return st;

    gan_optimizer_t *o = gan__alloc(&model->alloc, sizeof *o);
    if (!o)
        return gan__fail(GAN_E_NO_MEMORY, "%s: cannot allocate the optimizer", who);
    size_t stride = gan__state_stride(model->n_params), floats = 0, bytes = 0;
    if (model->n_params && ops->n_states) {
        if (stride >= model->n_params && /* no overflow in the rounding */
            gan__mul_size(stride, (size_t)ops->n_states, &floats) &&
            gan__mul_size(floats, sizeof(float), &bytes))
            o->block = gan__alloc(&model->alloc, bytes);
        if (!o->block) {
            gan__free(&model->alloc, o);
            return gan__fail(GAN_E_NO_MEMORY, "%s: cannot allocate %d x %zu floats of "
                             "%s state for model '%s'", who, ops->n_states,
                             model->n_params, ops->name, model->name);
        }
        for (int k = 0; k < ops->n_states; k++)
            o->state[k] = o->block + (size_t)k * stride;
    }
    o->ops = ops;
    o->model = model;
    o->alloc = model->alloc;
    memcpy(o->setting, settings, sizeof settings);
    *out = o;
    return GAN_OK;
}

void gan_optimizer_destroy(gan_optimizer_t *o)
{
    if (!o)
        return;
    gan__allocator alloc = o->alloc;
    gan__free(&alloc, o->block);
    gan__free(&alloc, o);
}

gan_model_t *gan__optimizer_model(const gan_optimizer_t *o)
{
    return o->model;
}

/* Index of the first NaN or infinity in @p g, or @p n. The scan is branch-free per
 * block of floats (it vectorises), so a finite arena costs one pass. */
static size_t gan__first_nonfinite(const float *g, size_t n)
{
    enum { BLOCK = 1024 };
    for (size_t at = 0; at < n; at += BLOCK) {
        size_t end = n - at < BLOCK ? n : at + BLOCK;
        int bad = 0;
        for (size_t i = at; i < end; i++)
            bad |= !(fabsf(g[i]) <= FLT_MAX);
        if (bad)
            for (size_t i = at; i < end; i++)
                if (!isfinite(g[i]))
                    return i;
    }
    return n;
}

/* Fail naming the bad gradient, its layer and its index within that layer. */
static gan_status gan__fail_nonfinite(const gan_model_t *m, size_t bad, const char *who)
{
    const char *what = isnan(m->grads[bad]) ? "NaN" : "infinite";
    for (int32_t i = 0; i < m->n_layers; i++) {
        size_t first = 0, count = 0;
        gan_model_get_layer_params(m, i, &first, &count);
        /* Layers tile the arena in order: the first one ending past bad holds it. */
        if (bad < first + count)
            return gan__fail(GAN_E_NUMERIC, "%s: gradient %zu of model '%s' (layer %d "
                             "'%s', its parameter %zu) is %s; nothing was updated", who,
                             bad, m->name, (int)i, m->layers[i]->name, bad - first, what);
    }
    return gan__fail(GAN_E_NUMERIC, "%s: gradient %zu of model '%s' is %s; nothing was "
                     "updated", who, bad, m->name, what);
}

/* Parameters per thread's range of an update: fewer are not worth waking a thread. */
#define GAN__OPT_GRAIN ((size_t)32768)

static void gan__optimizer_update_range(void *arg, size_t begin, size_t end)
{
    gan_optimizer_t *o = arg;
    gan_model_t *m = o->model;
    o->ops->update(o, begin, m->params + begin, m->grads + begin, end - begin);
}

gan_status gan_optimizer_step(gan_optimizer_t *o)
{
    static const char who[] = "gan_optimizer_step";
    if (!o)
        return gan__fail(GAN_E_INVALID_ARG, "%s: optimizer is NULL", who);
    gan_model_t *m = o->model;
    /* Check everything before touching anything, so a bad batch can be skipped. */
    size_t bad = gan__first_nonfinite(m->grads, m->n_params);
    if (bad < m->n_params)
        return gan__fail_nonfinite(m, bad, who);
    o->steps++;
    gan__pool_for(gan__optimizer_update_range, o, m->n_params, GAN__OPT_GRAIN,
                  gan__pool_size());
    return GAN_OK;
}

gan_status gan_optimizer_set(gan_optimizer_t *o, int32_t key, double value)
{
    static const char who[] = "gan_optimizer_set";
    if (!o)
        return gan__fail(GAN_E_INVALID_ARG, "%s: optimizer is NULL", who);
    gan_status st = gan__check_key(o->ops, key, who);
    if (st == GAN_OK)
        st = gan__check_value(key, value, who);
    if (st != GAN_OK)
        return st;
    float candidate[GAN__OPT_KEYS];
    memcpy(candidate, o->setting, sizeof candidate);
    candidate[key] = (float)value;
    st = o->ops->check ? o->ops->check(candidate, who) : GAN_OK;
    if (st == GAN_OK)
        o->setting[key] = candidate[key];
    return st;
}

gan_status gan_optimizer_get(const gan_optimizer_t *o, int32_t key, double *value)
{
    static const char who[] = "gan_optimizer_get";
    if (!o || !value)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, o ? "value" : "optimizer");
    gan_status st = gan__check_key(o->ops, key, who);
    if (st != GAN_OK)
        return st;
    *value = o->setting[key];
    return GAN_OK;
}

gan_status gan_optimizer_get_kind(const gan_optimizer_t *o, int32_t *kind)
{
    if (!o || !kind)
        return gan__fail(GAN_E_INVALID_ARG, "gan_optimizer_get_kind: %s is NULL",
                         o ? "kind" : "optimizer");
    *kind = o->ops->kind;
    return GAN_OK;
}

gan_status gan_optimizer_get_step_count(const gan_optimizer_t *o, uint64_t *steps)
{
    if (!o || !steps)
        return gan__fail(GAN_E_INVALID_ARG, "gan_optimizer_get_step_count: %s is NULL",
                         o ? "steps" : "optimizer");
    *steps = o->steps;
    return GAN_OK;
}

gan_status gan_optimizer_reset(gan_optimizer_t *o)
{
    if (!o)
        return gan__fail(GAN_E_INVALID_ARG, "gan_optimizer_reset: optimizer is NULL");
    for (int k = 0; k < o->ops->n_states; k++)
        if (o->state[k])
            memset(o->state[k], 0, o->model->n_params * sizeof(float));
    o->steps = 0;
    return GAN_OK;
}

gan_status gan_model_clip_params(gan_model_t *m, float c)
{
    static const char who[] = "gan_model_clip_params";
    gan_status st = gan__require_built(m, who);
    if (st != GAN_OK)
        return st;
    if (!(c > 0.0f && c <= FLT_MAX))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: bound %g must be > 0 and finite", who,
                         (double)c);
    float *restrict p = m->params;
    /* Comparisons rather than fminf/fmaxf, so a NaN parameter stays visible. */
    for (size_t i = 0; i < m->n_params; i++)
        p[i] = p[i] < -c ? -c : p[i] > c ? c : p[i];
    return GAN_OK;
}

gan_status gan_model_grad_norm(const gan_model_t *m, double *norm)
{
    static const char who[] = "gan_model_grad_norm";
    gan_status st = gan__require_built(m, who);
    if (st != GAN_OK)
        return st;
    if (!norm)
        return gan__fail(GAN_E_INVALID_ARG, "%s: norm is NULL", who);
    double sum = 0.0;
    for (size_t i = 0; i < m->n_params; i++)
        sum += (double)m->grads[i] * m->grads[i];
    *norm = sqrt(sum);
    return GAN_OK;
}

gan_status gan_model_clip_grad_norm(gan_model_t *m, double max_norm, double *norm)
{
    static const char who[] = "gan_model_clip_grad_norm";
    gan_status st = gan__require_built(m, who);
    if (st != GAN_OK)
        return st;
    if (!(max_norm > 0.0 && isfinite(max_norm)))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: max_norm %g must be > 0 and finite", who,
                         max_norm);
    double sum = 0.0;
    for (size_t i = 0; i < m->n_params; i++)
        sum += (double)m->grads[i] * m->grads[i];
    const double g = sqrt(sum);
    if (norm)
        *norm = g;
    if (!isfinite(g))
        return gan__fail(GAN_E_NUMERIC, "%s: model '%s' has a NaN or infinite gradient "
                         "(norm %g); nothing was clipped", who, m->name, g);
    if (g > max_norm) {
        /* tf.clip_by_global_norm: t * clip_norm / max(global_norm, clip_norm). */
        const double scale = max_norm / g;
        for (size_t i = 0; i < m->n_params; i++)
            m->grads[i] = (float)(m->grads[i] * scale);
    }
    return GAN_OK;
}
