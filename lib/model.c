/* Models: creation, arenas at build, batch resizing, and what callers can read of them.
 * The graph is graph.c, the passes model_pass.c, the batch memory memory_plan.c. */
#include "model.h"

#include "core/pool.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/options.h"
#include "core/text.h"
#include "layers/spectral_norm.h"

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
    m->inputs[0].shape = in;
    m->n_inputs = 1;
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
    for (int32_t i = 0; i < m->n_layers; i++) {
        gan__layer_release_inputs(m, m->layers[i]);
        gan_layer_destroy(m->layers[i]);
    }
    gan__pass_free(m);
    gan__free(&m->alloc, m->layers);
    gan__free(&m->alloc, m->params);
    gan__free(&m->alloc, m->grads);
    gan__free(&m->alloc, m->state);
    gan__free(&m->alloc, m->batch_arena);
    gan__scratch_drop(m->scratch);
    gan__allocator alloc = m->alloc;
    gan__free(&alloc, m);
}

static gan_status gan__check_batch_fits(const gan_model_t *m, int32_t batch, const char *who)
{
    if (batch < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: batch size %d must be >= 1", who,
                         (int)batch);
    size_t largest = 0;
    for (int32_t k = 0; k < m->n_inputs; k++) {
        size_t s = gan__shape_size(&m->inputs[k].shape);
        largest = s > largest ? s : largest;
    }
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

gan_status gan__model_resize(gan_model_t *m, int32_t batch, const char *who)
{
    gan_status st = gan__check_batch_fits(m, batch, who);
    if (st == GAN_OK)
        st = gan__blas_reserve(who);
    if (st != GAN_OK)
        return st;
    const int32_t old_parts = m->parts;
    gan__model_set_parts(m, m->parts_setting ? m->parts_setting : gan__pool_size());
    size_t need;
    size_t floats = gan__batch_layout(m, batch, NULL, NULL, &need);
    size_t bytes;
    float *arena = NULL;
    if (gan__mul_size(floats, sizeof(float), &bytes))
        arena = gan__alloc(&m->alloc, bytes);
    /* A shared block large enough is kept; a model's own block is made to measure. */
    gan__scratch *scratch = m->scratch;
    const bool fits = scratch && (scratch->users > 1 ? scratch->floats >= need
                                                     : scratch->floats == need);
    if (arena && !fits)
        scratch = gan__scratch_new(&m->alloc, need);
    if (!arena || !scratch) {
        gan__free(&m->alloc, arena);
        gan__model_set_parts(m, old_parts);
        return gan__fail(GAN_E_NO_MEMORY,
                         "%s: cannot allocate %zu floats of activations and %zu of scratch "
                         "for batch %d", who, floats, need, (int)batch);
    }
    gan__free(&m->alloc, m->batch_arena);
    m->batch_arena = arena;
    if (scratch != m->scratch) {
        gan__scratch_drop(m->scratch);
        m->scratch = scratch;
    }
    gan__batch_layout(m, batch, arena, gan__scratch_floats(scratch), &need);
    m->scratch_need = need;
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
    gan__pass_free(m);
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
    gan_status st = gan__graph_check(m, who);
    if (st == GAN_OK)
        st = gan__check_batch_fits(m, batch_size, who);
    if (st == GAN_OK)
        st = gan__pass_alloc(m, who);
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
    gan__shape_to_dims(&l->out, dims, ndim);
    return GAN_OK;
}

gan_status gan_model_get_input_shape(const gan_model_t *m, int32_t dims[4], int32_t *ndim)
{
    return gan_model_get_input_shape_at(m, 0, dims, ndim);
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

/* A graph model's summary row ends with the nodes the layer reads, and "(out k)" for an
 * output. */
static void gan__summary_inputs(gan__text *t, const gan_model_t *m, const gan_layer_t *l)
{
    for (int32_t k = 0; k < l->n_in; k++) {
        char name[64];
        gan__node_label(m, l->src[k], name, sizeof name);
        gan__text_add(t, "%s%s", k ? ", " : "  ", name);
    }
    for (int32_t k = 0; k < m->n_outputs; k++)
        if (m->outputs[k] == l->index)
            gan__text_add(t, "  (out %d)", (int)k);
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
    gan__text_add(&t, "Model: \"%s\"  input %s", m->name, gan__shape_str(&m->in).s);
    for (int32_t k = 1; k < m->n_inputs; k++)
        gan__text_add(&t, ", input%d %s", (int)k, gan__shape_str(&m->inputs[k].shape).s);
    for (int32_t k = 0; m->n_outputs && k < m->n_outputs; k++)
        gan__text_add(&t, "%s%s", k ? ", " : "  outputs ", m->layers[m->outputs[k]]->name);
    gan__text_add(&t, "\n");
    gan__text_rule(&t, '_', width);
    gan__text_add(&t, "%-4s %-*s %-22s %-18s %10s%s\n", "#", name_w, "Layer (type)",
                  "Settings", "Output shape", "Param #", m->graph ? "  Inputs" : "");
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
        gan__text_add(&t, "%-4d %-*s %-22s %-18s %10zu", (int)i, name_w, layer_col,
                      settings, gan__shape_str(&l->out).s, n);
        if (m->graph)
            gan__summary_inputs(&t, m, l);
        gan__text_add(&t, "\n");
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

gan_status gan_model_set_reduce_hook(gan_model_t *m, gan_reduce_hook_fn fn, void *user)
{
    if (!m)
        return gan__fail(GAN_E_INVALID_ARG, "gan_model_set_reduce_hook: model is NULL");
    m->reduce = fn;
    m->reduce_user = fn ? user : NULL;
    return GAN_OK;
}
