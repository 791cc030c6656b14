/* Sequential models: shapes checked at add, arenas at build, forward and backward. */
#include "model.h"

#include "core/pool.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/options.h"
#include "core/text.h"
#include "layers/spectral_norm.h"

/* Offsets in the batch arena are rounded to whole cache lines. */
#define GAN__FLOATS_PER_LINE (GAN__ALIGNMENT / sizeof(float))

static size_t gan__round_line(size_t floats)
{
    return (floats + GAN__FLOATS_PER_LINE - 1) / GAN__FLOATS_PER_LINE * GAN__FLOATS_PER_LINE;
}

gan_status gan_model_options_init(gan_model_options_t *opts, size_t struct_size)
{
    gan_status st = gan__options_init(opts, struct_size, sizeof *opts,
                                      "gan_model_options_init");
    if (st != GAN_OK)
        return st;
    opts->seed = 42;
    opts->name = "model";
    return GAN_OK;
}

gan_status gan_model_create(gan_model_t **out, const int32_t *input_dims, int32_t ndim,
                            const gan_model_options_t *opts)
{
    static const char who[] = "gan_model_create";
    if (!out)
        return gan__fail(GAN_E_INVALID_ARG, "%s: out is NULL", who);
    *out = NULL;
    gan_model_options_t o;
    gan_model_options_init(&o, sizeof o);
    gan_status st = gan__options_read(&o, sizeof o, opts, sizeof o, who);
    if (st != GAN_OK)
        return st;
    gan__shape in;
    st = gan__shape_from(&in, input_dims, ndim, "gan_model_create: input shape");
    if (st != GAN_OK)
        return st;

    gan__allocator alloc;
    gan__allocator_default(&alloc);
    if (o.allocator) {
        if (o.allocator->struct_size < sizeof *o.allocator || !o.allocator->alloc ||
            !o.allocator->free)
            return gan__fail(GAN_E_INVALID_ARG,
                             "%s: allocator needs struct_size >= %zu and both alloc and "
                             "free set",
                             who, sizeof *o.allocator);
        alloc.alloc = o.allocator->alloc;
        alloc.free = o.allocator->free;
        alloc.user = o.allocator->user;
    }
    gan_model_t *m = gan__alloc(&alloc, sizeof *m);
    if (!m)
        return gan__fail(GAN_E_NO_MEMORY, "%s: cannot allocate the model", who);
    m->alloc = alloc;
    snprintf(m->name, sizeof m->name, "%s", o.name && o.name[0] ? o.name : "model");
    m->seed = o.seed;
    m->in = in;
    m->training = true;
    m->trainable = true;
    gan__blas_default(&m->blas);
    *out = m;
    return GAN_OK;
}

void gan_model_destroy(gan_model_t *m)
{
    if (!m)
        return;
    for (int32_t i = 0; i < m->n_layers; i++)
        gan_layer_destroy(m->layers[i]);
    gan__free(&m->alloc, m->layers);
    gan__free(&m->alloc, m->params);
    gan__free(&m->alloc, m->grads);
    gan__free(&m->alloc, m->state);
    gan__free(&m->alloc, m->batch_arena);
    gan__allocator alloc = m->alloc;
    gan__free(&alloc, m);
}

static const gan__shape *gan__model_tail_shape(const gan_model_t *m)
{
    return m->n_layers ? &m->layers[m->n_layers - 1]->out : &m->in;
}

gan_status gan_model_add(gan_model_t *m, gan_layer_t *l)
{
    static const char who[] = "gan_model_add";
    if (!m || !l)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, m ? "layer" : "model");
    if (m->built)
        return gan__fail(GAN_E_STATE, "%s: model '%s' is already built; layers can only "
                         "be added before gan_model_build", who, m->name);
    if (l->index >= 0)
        return gan__fail(GAN_E_INVALID_ARG, "%s: layer '%s' already belongs to a model",
                         who, l->name);
    if (m->n_layers == INT32_MAX)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: too many layers", who);

    int32_t index = m->n_layers;
    if (!l->named)
        snprintf(l->name, sizeof l->name, "%s_%d", l->ops->kind, (int)index);
    l->in = *gan__model_tail_shape(m);
    gan_status st = l->ops->configure(l);
    if (st == GAN_OK)
        st = gan__shape_check(&l->out, "output shape");
    if (st != GAN_OK) {
        gan__error_prefix("%s: model '%s' layer %d '%s' (%s) with input %s", who, m->name,
                          (int)index, l->name, l->ops->kind, gan__shape_str(&l->in).s);
        if (!l->named)
            snprintf(l->name, sizeof l->name, "%s", l->ops->kind);
        return st;
    }
    if (m->n_layers == m->cap_layers) {
        int32_t cap = m->cap_layers ? m->cap_layers * 2 : 8;
        gan_layer_t **grown = gan__alloc(&m->alloc, (size_t)cap * sizeof *grown);
        if (!grown)
            return gan__fail(GAN_E_NO_MEMORY, "%s: cannot grow the layer list", who);
        if (m->n_layers)
            memcpy(grown, m->layers, (size_t)m->n_layers * sizeof *grown);
        gan__free(&m->alloc, m->layers);
        m->layers = grown;
        m->cap_layers = cap;
    }
    l->index = index;
    m->layers[m->n_layers++] = l;
    if (l->ops->needs_labels)
        m->needs_labels = true;
    return GAN_OK;
}

/* May layer i overwrite the buffer its input is in, shared by layers owner..i-1? Every
 * earlier user of the buffer must be done with it by its backward, and must not have
 * been asked to keep its output. */
static bool gan__may_overwrite(const gan_model_t *m, int32_t owner, int32_t i)
{
    const unsigned mine = m->layers[i]->ops->memory;
    if (!(mine & GAN__MEM_FWD_IN_PLACE) || !(mine & GAN__MEM_NO_X))
        return false;
    for (int32_t j = owner; j < i; j++) {
        const gan_layer_t *prev = m->layers[j];
        const unsigned theirs = prev->ops->memory;
        const bool y_unread = (theirs & GAN__MEM_NO_Y) ||
                              ((theirs & GAN__MEM_SIGN_Y) && (mine & GAN__MEM_KEEPS_SIGN));
        if (prev->keep_output || !y_unread)
            return false;
    }
    return true;
}

/* Decide which layers run in their input's buffer (views and in-place layers) and which
 * outputs that destroys. The model's input is never shared. */
static void gan__plan_sharing(gan_model_t *m)
{
    int32_t owner = 0; /* the layer whose own buffer layer i-1's output is in */
    for (int32_t i = 0; i < m->n_layers; i++) {
        gan_layer_t *l = m->layers[i];
        l->overwritten_by = -1;
        l->shares_input = false;
        if (i > 0 && (l->ops->memory & GAN__MEM_VIEW)) {
            l->shares_input = true;
        } else if (i > 0 && gan__may_overwrite(m, owner, i)) {
            l->shares_input = true;
            for (int32_t j = owner; j < i; j++)
                if (m->layers[j]->overwritten_by < 0)
                    m->layers[j]->overwritten_by = i;
        } else {
            owner = i;
        }
    }
}

/* Where each layer's batch tensors go; with arena NULL only the size is computed.
 * Backward needs two gradients at a time, the dy a layer reads and the dx it writes
 * into the layer below's dy: two buffers of the largest output's size, which a layer
 * that may write dx over dy (or is a view) passes down unchanged. */
static size_t gan__batch_layout(gan_model_t *m, int32_t batch, float *arena,
                                size_t *workspace_floats)
{
    gan__plan_sharing(m);
    size_t at = 0, ws = 0, largest_out = 0;
    size_t in_floats = gan__round_line((size_t)batch * gan__shape_size(&m->in));
    if (arena) {
        m->input = arena + at;
        m->dinput = arena + at + in_floats;
    }
    at += 2 * in_floats;
    for (int32_t i = 0; i < m->n_layers; i++) {
        gan_layer_t *l = m->layers[i];
        size_t out_floats = gan__round_line((size_t)batch * gan__shape_size(&l->out));
        size_t saved = l->ops->saved_floats ? gan__round_line(l->ops->saved_floats(l, batch)) : 0;
        size_t shadow = gan__round_line(gan__sn_shadow_floats(l));
        size_t w = gan__sn_workspace_floats(l, batch);
        if (w > ws)
            ws = w;
        if (out_floats > largest_out)
            largest_out = out_floats;
        const size_t own = l->shares_input ? 0 : out_floats;
        if (arena) {
            l->y = l->shares_input ? m->layers[i - 1]->y : arena + at;
            l->saved = saved ? arena + at + own : NULL;
            l->sn.w = shadow ? arena + at + own + saved : NULL;
        }
        at += own + saved + shadow;
    }
    if (arena && m->n_layers) {
        int32_t buffer = 0;
        for (int32_t i = m->n_layers - 1; i >= 0; i--) {
            m->layers[i]->dy = arena + at + (size_t)buffer * largest_out;
            if (!(m->layers[i]->ops->memory & (GAN__MEM_BWD_IN_PLACE | GAN__MEM_VIEW)))
                buffer ^= 1;
        }
    }
    at += 2 * largest_out;
    ws = gan__round_line(ws);
    if (arena)
        m->workspace = ws ? arena + at : NULL;
    at += ws;
    /* Labels live after the floats, as int32. */
    if (arena)
        m->labels = (int32_t *)(arena + at);
    at += gan__round_line((size_t)batch);
    if (workspace_floats)
        *workspace_floats = ws;
    return at;
}

static gan_status gan__check_batch_fits(const gan_model_t *m, int32_t batch, const char *who)
{
    if (batch < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: batch size %d must be >= 1", who,
                         (int)batch);
    size_t largest = gan__shape_size(&m->in);
    for (int32_t i = 0; i < m->n_layers; i++) {
        size_t s = gan__shape_size(&m->layers[i]->out);
        if (s > largest)
            largest = s;
    }
    if ((size_t)batch * largest > INT32_MAX)
        return gan__fail(GAN_E_OUT_OF_RANGE,
                         "%s: batch %d times %zu elements per sample exceeds %d", who,
                         (int)batch, largest, INT32_MAX);
    return GAN_OK;
}

static void gan__model_set_parts(gan_model_t *m, int32_t parts)
{
    m->parts = parts;
    for (int32_t i = 0; i < m->n_layers; i++)
        m->layers[i]->parts = parts;
}

static gan_status gan__model_resize(gan_model_t *m, int32_t batch, const char *who)
{
    gan_status st = gan__check_batch_fits(m, batch, who);
    if (st != GAN_OK)
        return st;
    const int32_t old_parts = m->parts;
    gan__model_set_parts(m, gan__pool_size());
    size_t floats = gan__batch_layout(m, batch, NULL, NULL);
    size_t bytes;
    float *arena = NULL;
    if (gan__mul_size(floats, sizeof(float), &bytes))
        arena = gan__alloc(&m->alloc, bytes);
    if (!arena) {
        gan__model_set_parts(m, old_parts);
        return gan__fail(GAN_E_NO_MEMORY,
                         "%s: cannot allocate %zu floats of activations for batch %d", who,
                         floats, (int)batch);
    }
    gan__free(&m->alloc, m->batch_arena);
    m->batch_arena = arena;
    gan__batch_layout(m, batch, arena, NULL);
    m->batch = batch;
    m->forward_done = false;
    return GAN_OK;
}

static void gan__model_seed_streams(gan_model_t *m, uint64_t seed)
{
    /* Stream 0 initialises parameters; layer i's run-time stream is i + 1. */
    for (int32_t i = 0; i < m->n_layers; i++)
        gan__rng_seed_stream(&m->layers[i]->rng, seed, (uint64_t)i + 1);
}

static void gan__model_free_params(gan_model_t *m)
{
    gan__free(&m->alloc, m->params);
    gan__free(&m->alloc, m->grads);
    gan__free(&m->alloc, m->state);
    m->params = m->grads = m->state = NULL;
    for (int32_t i = 0; i < m->n_layers; i++) {
        gan_layer_t *l = m->layers[i];
        for (int g = 0; g < GAN__PARAM_GROUPS; g++)
            l->param[g].value = l->param[g].grad = NULL;
        l->state = NULL;
    }
}

size_t gan__layer_state_floats(const gan_layer_t *l)
{
    return (l->ops->state_floats ? l->ops->state_floats(l) : 0) + gan__sn_state_floats(l);
}

static float *gan__alloc_floats(gan_model_t *m, size_t n)
{
    size_t bytes;
    if (n == 0 || !gan__mul_size(n, sizeof(float), &bytes))
        return NULL;
    return gan__alloc(&m->alloc, bytes);
}

gan_status gan_model_build(gan_model_t *m, int32_t batch_size)
{
    static const char who[] = "gan_model_build";
    if (!m)
        return gan__fail(GAN_E_INVALID_ARG, "%s: model is NULL", who);
    if (m->built)
        return gan__fail(GAN_E_STATE, "%s: model '%s' is already built (use "
                         "gan_model_set_batch_size to change the batch)", who, m->name);
    if (m->n_layers == 0)
        return gan__fail(GAN_E_STATE, "%s: model '%s' has no layers", who, m->name);
    gan_status st = gan__check_batch_fits(m, batch_size, who);
    if (st != GAN_OK)
        return st;

    size_t n_params = 0, n_state = 0;
    for (int32_t i = 0; i < m->n_layers; i++) {
        gan_layer_t *l = m->layers[i];
        for (int g = 0; g < GAN__PARAM_GROUPS; g++)
            n_params += l->param[g].present ? l->param[g].count : 0;
        n_state += gan__layer_state_floats(l);
    }
    m->n_params = n_params;
    m->n_state = n_state;
    if (n_params) {
        m->params = gan__alloc_floats(m, n_params);
        m->grads = gan__alloc_floats(m, n_params);
    }
    if (n_state)
        m->state = gan__alloc_floats(m, n_state);
    if ((n_params && (!m->params || !m->grads)) || (n_state && !m->state)) {
        gan__model_free_params(m);
        return gan__fail(GAN_E_NO_MEMORY, "%s: cannot allocate %zu parameters for '%s'",
                         who, n_params, m->name);
    }

    gan__rng init_rng;
    gan__rng_seed_stream(&init_rng, m->seed, 0);
    size_t p_at = 0, s_at = 0;
    for (int32_t i = 0; i < m->n_layers; i++) {
        gan_layer_t *l = m->layers[i];
        for (int g = 0; g < GAN__PARAM_GROUPS; g++) {
            gan__param *p = &l->param[g];
            if (!p->present || !p->count)
                continue;
            p->value = m->params + p_at;
            p->grad = m->grads + p_at;
            p_at += p->count;
            gan__param_init(p, &init_rng);
        }
        const size_t state_floats = gan__layer_state_floats(l);
        if (state_floats) {
            l->state = m->state + s_at;
            s_at += state_floats;
            if (l->ops->reset_state)
                l->ops->reset_state(l);
            gan__sn_reset(l, m->seed);
        }
    }
    gan__model_seed_streams(m, m->seed);

    st = gan__model_resize(m, batch_size, who);
    if (st != GAN_OK) {
        gan__model_free_params(m);
        return st;
    }
    m->built = true;
    return GAN_OK;
}

gan_status gan__require_built(const gan_model_t *m, const char *who)
{
    if (!m)
        return gan__fail(GAN_E_INVALID_ARG, "%s: model is NULL", who);
    if (!m->built)
        return gan__fail(GAN_E_STATE, "%s: model '%s' is not built (call gan_model_build)",
                         who, m->name);
    return GAN_OK;
}

gan_status gan_model_set_batch_size(gan_model_t *m, int32_t batch_size)
{
    static const char who[] = "gan_model_set_batch_size";
    gan_status st = gan__require_built(m, who);
    if (st != GAN_OK)
        return st;
    if (batch_size == m->batch)
        return GAN_OK;
    return gan__model_resize(m, batch_size, who);
}

gan_status gan_model_get_batch_size(const gan_model_t *m, int32_t *batch_size)
{
    gan_status st = gan__require_built(m, "gan_model_get_batch_size");
    if (st != GAN_OK)
        return st;
    if (!batch_size)
        return gan__fail(GAN_E_INVALID_ARG, "gan_model_get_batch_size: batch_size is NULL");
    *batch_size = m->batch;
    return GAN_OK;
}

static gan__ctx gan__model_ctx(const gan_model_t *m, bool param_grads)
{
    return (gan__ctx){
        .batch = m->batch,
        .training = m->training,
        .param_grads = param_grads,
        .blas = &m->blas,
        .workspace = m->workspace,
        .labels = m->needs_labels ? m->labels : NULL,
        .parts = m->parts,
    };
}

gan_status gan_model_forward(gan_model_t *m, const float *input, const int32_t *labels,
                             int32_t batch, const float **output)
{
    static const char who[] = "gan_model_forward";
    gan_status st = gan__require_built(m, who);
    if (st != GAN_OK)
        return st;
    if (!input)
        return gan__fail(GAN_E_INVALID_ARG, "%s: input is NULL", who);
    if (batch != m->batch)
        return gan__fail(GAN_E_BATCH_SIZE,
                         "%s: model '%s' is built for batch %d, got %d (call "
                         "gan_model_set_batch_size first)",
                         who, m->name, (int)m->batch, (int)batch);
    if (m->needs_labels && !labels)
        return gan__fail(GAN_E_INVALID_ARG,
                         "%s: model '%s' has a condition layer and needs labels", who,
                         m->name);
    m->forward_done = false;
    memmove(m->input, input, (size_t)batch * gan__shape_size(&m->in) * sizeof *input);
    if (m->needs_labels)
        memcpy(m->labels, labels, (size_t)batch * sizeof *labels);

    gan__ctx ctx = gan__model_ctx(m, false);
    m->forward_training = m->training;
    const float *x = m->input;
    for (int32_t i = 0; i < m->n_layers; i++) {
        gan_layer_t *l = m->layers[i];
        const gan__profile_mark mark = gan__profile_begin(m);
        st = gan__sn_forward(l, &ctx, x, l->y);
        gan__profile_end(m, l, 0, mark);
        if (st != GAN_OK) {
            gan__error_prefix("%s: model '%s' layer %d '%s'", who, m->name, (int)i, l->name);
            return st;
        }
        x = l->y;
    }
    m->forward_done = true;
    if (output)
        *output = x;
    return GAN_OK;
}

static bool gan__layer_has_params(const gan_layer_t *l)
{
    for (int g = 0; g < GAN__PARAM_GROUPS; g++)
        if (l->param[g].present && l->param[g].count)
            return true;
    return false;
}

int32_t gan__model_classes(const gan_model_t *m)
{
    int32_t classes = 0;
    for (int32_t i = 0; i < m->n_layers; i++) {
        const gan_layer_t *l = m->layers[i];
        const int32_t c = l->ops->num_classes ? l->ops->num_classes(l) : 0;
        classes = c > classes ? c : classes;
    }
    return classes;
}

gan_status gan__layer_at(const gan_model_t *m, int32_t index, const char *who,
                         gan_layer_t **l)
{
    if (index == -1)
        index = m->n_layers - 1;
    if (index < 0 || index >= m->n_layers)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: layer index %d is outside [0, %d) of "
                         "model '%s'", who, (int)index, (int)m->n_layers, m->name);
    *l = m->layers[index];
    return GAN_OK;
}

/* GAN_E_STATE when a later layer ran in @p l's output buffer. */
static gan_status gan__require_output_kept(const gan_model_t *m, const gan_layer_t *l,
                                           const char *who)
{
    if (l->overwritten_by < 0)
        return GAN_OK;
    const gan_layer_t *by = m->layers[l->overwritten_by];
    return gan__fail(GAN_E_STATE, "%s: model '%s' layer %d '%s': its output is overwritten "
                     "in place by layer %d '%s' (call gan_model_keep_layer_output(model, %d) "
                     "to keep it)", who, m->name, (int)l->index, l->name,
                     (int)by->index, by->name, (int)l->index);
}

/* Backward from the output of layer @p top down to the input. */
static gan_status gan__model_backward(gan_model_t *m, int32_t top, const float *doutput,
                                      const float **dinput, const char *who)
{
    gan_status st = gan__require_built(m, who);
    if (st != GAN_OK)
        return st;
    if (!doutput)
        return gan__fail(GAN_E_INVALID_ARG, "%s: doutput is NULL", who);
    if (!m->forward_done)
        return gan__fail(GAN_E_STATE, "%s: model '%s' has no forward pass to go back "
                         "through (since build or the last batch-size change)", who, m->name);

    /* Layer i must produce dx when anything below it needs a gradient. */
    int32_t lowest_needing_dy = dinput ? 0 : top + 1;
    if (m->trainable && !dinput)
        for (int32_t i = 0; i <= top; i++)
            if (gan__layer_has_params(m->layers[i])) {
                lowest_needing_dy = i + 1;
                break;
            }

    gan__ctx ctx = gan__model_ctx(m, m->trainable);
    ctx.training = m->forward_training; /* a mode change since then must not matter */
    const float *dy = doutput;
    for (int32_t i = top; i >= 0; i--) {
        gan_layer_t *l = m->layers[i];
        const float *x = i ? m->layers[i - 1]->y : m->input;
        float *dx = NULL;
        if (i >= lowest_needing_dy)
            dx = i ? m->layers[i - 1]->dy : m->dinput;
        if (!dx && !(m->trainable && gan__layer_has_params(l)))
            break;
        const gan__profile_mark mark = gan__profile_begin(m);
        st = gan__sn_backward(l, &ctx, x, l->y, dy, dx);
        gan__profile_end(m, l, 1, mark);
        if (st != GAN_OK) {
            gan__error_prefix("%s: model '%s' layer %d '%s'", who, m->name, (int)i, l->name);
            return st;
        }
        dy = dx;
    }
    if (dinput)
        *dinput = m->dinput;
    return GAN_OK;
}

gan_status gan_model_backward(gan_model_t *m, const float *doutput, const float **dinput)
{
    return gan__model_backward(m, m ? m->n_layers - 1 : 0, doutput, dinput,
                               "gan_model_backward");
}

gan_status gan_model_backward_from(gan_model_t *m, int32_t index, const float *doutput,
                                   const float **dinput)
{
    static const char who[] = "gan_model_backward_from";
    if (!m)
        return gan__fail(GAN_E_INVALID_ARG, "%s: model is NULL", who);
    gan_layer_t *l = NULL;
    gan_status st = gan__layer_at(m, index, who, &l);
    if (st == GAN_OK && m->built)
        st = gan__require_output_kept(m, l, who);
    if (st != GAN_OK)
        return st;
    return gan__model_backward(m, l->index, doutput, dinput, who);
}

gan_status gan_model_zero_grad(gan_model_t *m)
{
    gan_status st = gan__require_built(m, "gan_model_zero_grad");
    if (st != GAN_OK)
        return st;
    if (m->n_params)
        memset(m->grads, 0, m->n_params * sizeof *m->grads);
    return GAN_OK;
}

gan_status gan_model_set_training(gan_model_t *m, bool training)
{
    if (!m)
        return gan__fail(GAN_E_INVALID_ARG, "gan_model_set_training: model is NULL");
    m->training = training;
    return GAN_OK;
}

gan_status gan_model_get_training(const gan_model_t *m, bool *training)
{
    if (!m || !training)
        return gan__fail(GAN_E_INVALID_ARG, "gan_model_get_training: %s is NULL",
                         m ? "training" : "model");
    *training = m->training;
    return GAN_OK;
}

gan_status gan_model_set_trainable(gan_model_t *m, bool trainable)
{
    if (!m)
        return gan__fail(GAN_E_INVALID_ARG, "gan_model_set_trainable: model is NULL");
    m->trainable = trainable;
    return GAN_OK;
}

gan_status gan_model_get_trainable(const gan_model_t *m, bool *trainable)
{
    if (!m || !trainable)
        return gan__fail(GAN_E_INVALID_ARG, "gan_model_get_trainable: %s is NULL",
                         m ? "trainable" : "model");
    *trainable = m->trainable;
    return GAN_OK;
}

gan_status gan_model_reseed(gan_model_t *m, uint64_t seed)
{
    if (!m)
        return gan__fail(GAN_E_INVALID_ARG, "gan_model_reseed: model is NULL");
    gan__model_seed_streams(m, seed);
    return GAN_OK;
}

gan_status gan_model_get_layer_count(const gan_model_t *m, int32_t *count)
{
    if (!m || !count)
        return gan__fail(GAN_E_INVALID_ARG, "gan_model_get_layer_count: %s is NULL",
                         m ? "count" : "model");
    *count = m->n_layers;
    return GAN_OK;
}

gan_status gan_model_get_layer(const gan_model_t *m, int32_t index, gan_layer_t **layer)
{
    static const char who[] = "gan_model_get_layer";
    if (!m || !layer)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, m ? "layer" : "model");
    return gan__layer_at(m, index, who, layer);
}

static void gan__shape_out(const gan__shape *s, int32_t dims[4], int32_t *ndim)
{
    for (int32_t i = 0; i < GAN__MAX_RANK; i++)
        dims[i] = i < s->ndim ? s->d[i] : 0;
    *ndim = s->ndim;
}

gan_status gan_model_get_output_shape(const gan_model_t *m, int32_t index, int32_t dims[4],
                                      int32_t *ndim)
{
    static const char who[] = "gan_model_get_output_shape";
    if (!m || !dims || !ndim)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                         !m ? "model" : !dims ? "dims" : "ndim");
    gan_layer_t *l = NULL;
    gan_status st = gan__layer_at(m, index, who, &l);
    if (st != GAN_OK)
        return st;
    gan__shape_out(&l->out, dims, ndim);
    return GAN_OK;
}

gan_status gan_model_get_input_shape(const gan_model_t *m, int32_t dims[4], int32_t *ndim)
{
    if (!m || !dims || !ndim)
        return gan__fail(GAN_E_INVALID_ARG, "gan_model_get_input_shape: %s is NULL",
                         !m ? "model" : !dims ? "dims" : "ndim");
    gan__shape_out(&m->in, dims, ndim);
    return GAN_OK;
}

gan_status gan_model_get_layer_output(const gan_model_t *m, int32_t index,
                                      const float **output)
{
    static const char who[] = "gan_model_get_layer_output";
    if (!m || !output)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, m ? "output" : "model");
    gan_layer_t *l = NULL;
    gan_status st = gan__layer_at(m, index, who, &l);
    if (st != GAN_OK)
        return st;
    if (!m->forward_done)
        return gan__fail(GAN_E_STATE, "%s: model '%s' has no forward pass yet", who,
                         m->name);
    st = gan__require_output_kept(m, l, who);
    if (st == GAN_OK)
        *output = l->y;
    return st;
}

gan_status gan_model_keep_layer_output(gan_model_t *m, int32_t index)
{
    static const char who[] = "gan_model_keep_layer_output";
    if (!m)
        return gan__fail(GAN_E_INVALID_ARG, "%s: model is NULL", who);
    gan_layer_t *l = NULL;
    gan_status st = gan__layer_at(m, index, who, &l);
    if (st != GAN_OK || l->keep_output)
        return st;
    l->keep_output = true;
    if (!m->built || l->overwritten_by < 0)
        return GAN_OK;
    st = gan__model_resize(m, m->batch, who);
    if (st != GAN_OK) {
        l->keep_output = false;
        gan__plan_sharing(m); /* back to the layout the arena still has */
    }
    return st;
}

static size_t gan__layer_param_count(const gan_layer_t *l)
{
    size_t n = 0;
    for (int g = 0; g < GAN__PARAM_GROUPS; g++)
        n += l->param[g].present ? l->param[g].count : 0;
    return n;
}

gan_status gan_model_get_param_count(const gan_model_t *m, size_t *count)
{
    if (!m || !count)
        return gan__fail(GAN_E_INVALID_ARG, "gan_model_get_param_count: %s is NULL",
                         m ? "count" : "model");
    size_t n = 0;
    for (int32_t i = 0; i < m->n_layers; i++)
        n += gan__layer_param_count(m->layers[i]);
    *count = n;
    return GAN_OK;
}

static gan_status gan__arena_out(gan_model_t *m, float *arena, float **ptr, size_t *count,
                                 const char *who)
{
    gan_status st = gan__require_built(m, who);
    if (st != GAN_OK)
        return st;
    if (!ptr || !count)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, ptr ? "count" : "pointer");
    *ptr = arena;
    *count = m->n_params;
    return GAN_OK;
}

gan_status gan_model_get_params(gan_model_t *m, float **params, size_t *count)
{
    return gan__arena_out(m, m ? m->params : NULL, params, count, "gan_model_get_params");
}

gan_status gan_model_get_grads(gan_model_t *m, float **grads, size_t *count)
{
    return gan__arena_out(m, m ? m->grads : NULL, grads, count, "gan_model_get_grads");
}

gan_status gan_model_get_layer_params(const gan_model_t *m, int32_t index, size_t *offset,
                                      size_t *count)
{
    static const char who[] = "gan_model_get_layer_params";
    if (!m || !offset || !count)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                         !m ? "model" : !offset ? "offset" : "count");
    gan_layer_t *l = NULL;
    gan_status st = gan__layer_at(m, index, who, &l);
    if (st != GAN_OK)
        return st;
    size_t at = 0;
    for (int32_t i = 0; i < l->index; i++)
        at += gan__layer_param_count(m->layers[i]);
    *offset = at;
    *count = gan__layer_param_count(l);
    return GAN_OK;
}

gan_status gan_model_summary(const gan_model_t *m, char *buf, size_t size, size_t *length)
{
    if (!m || (!buf && size))
        return gan__fail(GAN_E_INVALID_ARG, "gan_model_summary: %s is NULL",
                         m ? "buf" : "model");
    int name_w = (int)strlen("Layer (type)");
    for (int32_t i = 0; i < m->n_layers; i++) {
        const gan_layer_t *l = m->layers[i];
        int w = (int)(strlen(l->name) + strlen(l->ops->kind) + 3);
        if (w > name_w)
            name_w = w;
    }
    const int width = 4 + 1 + name_w + 1 + 22 + 1 + 18 + 1 + 10;
    gan__text t = gan__text_begin(buf, size);
    gan__text_add(&t, "Model: \"%s\"  input %s\n", m->name, gan__shape_str(&m->in).s);
    gan__text_rule(&t, '_', width);
    gan__text_add(&t, "%-4s %-*s %-22s %-18s %10s\n", "#", name_w, "Layer (type)", "Settings",
                  "Output shape", "Param #");
    gan__text_rule(&t, '=', width);
    size_t total = 0, state = 0;
    for (int32_t i = 0; i < m->n_layers; i++) {
        const gan_layer_t *l = m->layers[i];
        char layer_col[128], settings[32] = "";
        snprintf(layer_col, sizeof layer_col, "%s (%s)", l->name, l->ops->kind);
        if (l->ops->describe)
            l->ops->describe(l, settings, sizeof settings);
        size_t n = gan__layer_param_count(l);
        total += n;
        state += gan__layer_state_floats(l);
        gan__text_add(&t, "%-4d %-*s %-22s %-18s %10zu\n", (int)i, name_w, layer_col,
                      settings, gan__shape_str(&l->out).s, n);
    }
    gan__text_rule(&t, '=', width);
    gan__text_add(&t, "Total params: %zu (%.2f KiB)\n", total + state,
                  (double)(total + state) * sizeof(float) / 1024.0);
    gan__text_add(&t, "Trainable params: %zu\n", total);
    gan__text_add(&t, "Non-trainable params: %zu\n", state);
    gan__text_rule(&t, '_', width);
    if (length)
        *length = t.length;
    return GAN_OK;
}

void gan__model_streams_save(const gan_model_t *m, gan__rng *dst)
{
    for (int32_t i = 0; i < m->n_layers; i++)
        dst[i] = m->layers[i]->rng;
}

void gan__model_streams_restore(gan_model_t *m, const gan__rng *src)
{
    for (int32_t i = 0; i < m->n_layers; i++)
        m->layers[i]->rng = src[i];
}
