/* Forward and backward passes over a model's graph, in layer order and back. */
#include <string.h>

#include "core/error.h"
#include "core/pool.h"
#include "layers/spectral_norm.h"
#include "model.h"

gan__ctx gan__model_ctx(const gan_model_t *m, bool param_grads)
{
    return (gan__ctx){
        .batch = m->batch,
        .training = m->training,
        .param_grads = param_grads,
        .blas = &m->blas,
        .workspace = m->workspace,
        .labels = m->needs_labels ? m->labels : NULL,
        .parts = m->parts,
        .reduce = m->reduce,
        .reduce_user = m->reduce_user,
    };
}

bool gan__layer_has_params(const gan_layer_t *l)
{
    for (int g = 0; g < GAN__PARAM_GROUPS; g++)
        if (l->param[g].present && l->param[g].count)
            return true;
    return false;
}

gan_status gan__pass_alloc(gan_model_t *m, const char *who)
{
    const size_t n = (size_t)m->n_layers, k = (size_t)(m->max_in > 1 ? m->max_in : 1);
    m->pass = gan__alloc(&m->alloc, n * sizeof *m->pass);
    m->xs = gan__alloc(&m->alloc, k * sizeof *m->xs);
    m->dxs = gan__alloc(&m->alloc, k * sizeof *m->dxs);
    m->acc_to = gan__alloc(&m->alloc, k * sizeof *m->acc_to);
    if (!m->pass || !m->xs || !m->dxs || !m->acc_to) {
        gan__pass_free(m);
        return gan__fail(GAN_E_NO_MEMORY, "%s: cannot allocate the pass state of '%s'",
                         who, m->name);
    }
    memset(m->pass, 0, n * sizeof *m->pass);
    return GAN_OK;
}

void gan__pass_free(gan_model_t *m)
{
    gan__free(&m->alloc, m->pass);
    gan__free(&m->alloc, m->xs);
    gan__free(&m->alloc, m->dxs);
    gan__free(&m->alloc, m->acc_to);
    m->pass = NULL;
    m->xs = NULL;
    m->dxs = m->acc_to = NULL;
}

static gan_status gan__layer_forward(gan_model_t *m, gan_layer_t *l, const gan__ctx *c)
{
    if (l->ops->max_inputs <= 1)
        return gan__sn_forward(l, c, gan__node_y(m, l->src[0]), l->y);
    for (int32_t k = 0; k < l->n_in; k++)
        m->xs[k] = gan__node_y(m, l->src[k]);
    return l->ops->forward_n(l, c, m->xs, l->y);
}

/* Copy the inputs in and run every layer. */
static gan_status gan__model_forward(gan_model_t *m, const float *const *inputs,
                                     const int32_t *labels, int32_t batch, const char *who)
{
    gan_status st = gan__require_built(m, who);
    if (st != GAN_OK)
        return st;
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
    for (int32_t k = 0; k < m->n_inputs; k++)
        memmove(m->inputs[k].x, inputs[k],
                (size_t)batch * gan__shape_size(&m->inputs[k].shape) * sizeof(float));
    if (m->needs_labels)
        memcpy(m->labels, labels, (size_t)batch * sizeof *labels);

    gan__ctx ctx = gan__model_ctx(m, false);
    m->forward_training = m->training;
    for (int32_t i = 0; i < m->n_layers; i++) {
        gan_layer_t *l = m->layers[i];
        const gan__profile_mark mark = gan__profile_begin(m);
        st = gan__layer_forward(m, l, &ctx);
        gan__profile_end(m, l, 0, mark);
        if (st != GAN_OK) {
            gan__error_prefix("%s: model '%s' layer %d '%s'", who, m->name, (int)i, l->name);
            return st;
        }
    }
    m->forward_done = true;
    return GAN_OK;
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
    if (m->n_inputs > 1)
        return gan__fail(GAN_E_INVALID_ARG, "%s: model '%s' has %d inputs (use "
                         "gan_model_forward_multi)", who, m->name, (int)m->n_inputs);
    st = gan__model_forward(m, &input, labels, batch, who);
    if (st == GAN_OK && output)
        *output = gan__model_output(m, 0)->y;
    return st;
}

gan_status gan_model_forward_multi(gan_model_t *m, const float *const *inputs,
                                   const int32_t *labels, int32_t batch,
                                   const float **outputs)
{
    static const char who[] = "gan_model_forward_multi";
    gan_status st = gan__require_built(m, who);
    if (st != GAN_OK)
        return st;
    if (!inputs)
        return gan__fail(GAN_E_INVALID_ARG, "%s: inputs is NULL", who);
    for (int32_t k = 0; k < m->n_inputs; k++)
        if (!inputs[k])
            return gan__fail(GAN_E_INVALID_ARG, "%s: inputs[%d] is NULL", who, (int)k);
    st = gan__model_forward(m, inputs, labels, batch, who);
    if (st == GAN_OK && outputs)
        for (int32_t k = 0; k < gan__model_output_count(m); k++)
            outputs[k] = gan__model_output(m, k)->y;
    return st;
}

/* Which layers take part in a gradient: their own parameters train, or a layer or an
 * input they read does. */
static void gan__mark_needs_grad(gan_model_t *m, bool want_dinputs)
{
    for (int32_t i = 0; i < m->n_layers; i++) {
        const gan_layer_t *l = m->layers[i];
        bool needs = m->trainable && gan__layer_has_params(l);
        for (int32_t k = 0; k < l->n_in && !needs; k++)
            needs = l->src[k] >= 0 ? m->pass[l->src[k]].needs_grad : want_dinputs;
        m->pass[i].needs_grad = needs;
    }
}

static size_t gan__node_floats(const gan_model_t *m, int32_t id)
{
    return (size_t)m->batch * gan__shape_size(gan__node_shape(m, id));
}

/* Where layer @p l's backward writes its input gradients: a node's first reader (in
 * backward order) writes its buffer, later readers a scratch slot that is then added
 * to it. A caller's seed for the node goes into its buffer before the first share is
 * added. *any says whether some input gradient is wanted. */
static gan_status gan__route_input_grads(gan_model_t *m, const gan_layer_t *l,
                                         bool want_dinputs, bool *input_started, bool *any)
{
    int32_t slots = 0;
    *any = false;
    for (int32_t k = 0; k < l->n_in; k++) {
        const int32_t s = l->src[k];
        m->dxs[k] = NULL;
        m->acc_to[k] = NULL;
        if (s >= 0 ? !m->pass[s].needs_grad : !want_dinputs)
            continue;
        *any = true;
        float *target = gan__node_dy(m, s);
        bool *started_input = s >= 0 ? NULL : &input_started[GAN_MODEL_INPUT(0) - s];
        const bool started = started_input ? *started_input : m->pass[s].dy != NULL;
        if (!started && s >= 0 && m->pass[s].seed) {
            memcpy(target, m->pass[s].seed, gan__node_floats(m, s) * sizeof *target);
        } else if (!started) {
            m->dxs[k] = target;
            if (started_input)
                *started_input = true;
            else
                m->pass[s].dy = target;
            continue;
        }
        if (s >= 0)
            m->pass[s].dy = target;
        if (slots == m->accum_slots)
            return gan__fail(GAN_E_INTERNAL, "layer '%s': more gradients to sum than "
                             "planned (%d)", l->name, (int)m->accum_slots);
        m->dxs[k] = m->accum + (size_t)slots++ * m->accum_floats;
        m->acc_to[k] = target;
    }
    return GAN_OK;
}

static void gan__add_input_grads(gan_model_t *m, const gan_layer_t *l)
{
    for (int32_t k = 0; k < l->n_in; k++) {
        float *restrict to = m->acc_to[k];
        const float *restrict share = m->dxs[k];
        if (!to)
            continue;
        const size_t n = gan__node_floats(m, l->src[k]);
        for (size_t j = 0; j < n; j++)
            to[j] += share[j];
    }
}

static gan_status gan__layer_backward(gan_model_t *m, gan_layer_t *l, const gan__ctx *c,
                                      const float *dy)
{
    if (l->ops->max_inputs <= 1)
        return gan__sn_backward(l, c, gan__node_y(m, l->src[0]), l->y, dy, m->dxs[0]);
    for (int32_t k = 0; k < l->n_in; k++)
        m->xs[k] = gan__node_y(m, l->src[k]);
    return l->ops->backward_n(l, c, m->xs, l->y, dy, m->dxs);
}

/* Backward from the seeds set in m->pass (layers up to @p top) down to the inputs. */
static gan_status gan__model_backward(gan_model_t *m, int32_t top, const float **dinputs,
                                      const char *who)
{
    const bool want_dinputs = dinputs != NULL;
    bool input_started[GAN_MODEL_MAX_IO] = {false};
    gan__mark_needs_grad(m, want_dinputs);
    gan__ctx ctx = gan__model_ctx(m, m->trainable);
    ctx.training = m->forward_training; /* a mode change since then must not matter */
    gan_status st = GAN_OK;
    for (int32_t i = top; i >= 0 && st == GAN_OK; i--) {
        gan_layer_t *l = m->layers[i];
        const float *dy = m->pass[i].dy ? m->pass[i].dy : m->pass[i].seed;
        if (!dy)
            continue; /* no gradient reaches it */
        bool any_dx;
        st = gan__route_input_grads(m, l, want_dinputs, input_started, &any_dx);
        if (st != GAN_OK)
            break;
        if (!any_dx && !(m->trainable && gan__layer_has_params(l)))
            continue;
        const gan__profile_mark mark = gan__profile_begin(m);
        st = gan__layer_backward(m, l, &ctx, dy);
        gan__profile_end(m, l, 1, mark);
        if (st == GAN_OK)
            gan__add_input_grads(m, l);
        else
            gan__error_prefix("%s: model '%s' layer %d '%s'", who, m->name, (int)i, l->name);
    }
    if (st == GAN_OK && dinputs)
        for (int32_t k = 0; k < m->n_inputs; k++) {
            if (!input_started[k])
                memset(m->inputs[k].dx, 0,
                       gan__node_floats(m, GAN_MODEL_INPUT(k)) * sizeof(float));
            dinputs[k] = m->inputs[k].dx;
        }
    return st;
}

/* The checks every backward makes, in the order callers have always seen them. */
static gan_status gan__backward_ready(const gan_model_t *m, const void *doutput,
                                      const char *what, const char *who)
{
    gan_status st = gan__require_built(m, who);
    if (st != GAN_OK)
        return st;
    if (!doutput)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, what);
    if (!m->forward_done)
        return gan__fail(GAN_E_STATE, "%s: model '%s' has no forward pass to go back "
                         "through (since build or the last batch-size change)", who, m->name);
    return GAN_OK;
}

static void gan__clear_seeds(gan_model_t *m)
{
    for (int32_t i = 0; i < m->n_layers; i++)
        m->pass[i].dy = m->pass[i].seed = NULL;
}

/* One seed at layer @p top; input 0's gradient to *dinput. */
static gan_status gan__backward_one(gan_model_t *m, int32_t top, const float *doutput,
                                    const float **dinput, const char *who)
{
    gan__clear_seeds(m);
    m->pass[top].seed = doutput;
    const float *dinputs[GAN_MODEL_MAX_IO];
    gan_status st = gan__model_backward(m, top, dinput ? dinputs : NULL, who);
    if (st == GAN_OK && dinput)
        *dinput = dinputs[0];
    return st;
}

gan_status gan_model_backward(gan_model_t *m, const float *doutput, const float **dinput)
{
    static const char who[] = "gan_model_backward";
    gan_status st = gan__backward_ready(m, doutput, "doutput", who);
    if (st != GAN_OK)
        return st;
    return gan__backward_one(m, gan__model_output(m, 0)->index, doutput, dinput, who);
}

/* GAN_E_STATE when a later layer ran in @p l's output buffer. */
gan_status gan__require_output_kept(const gan_model_t *m, const gan_layer_t *l,
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
    if (st == GAN_OK)
        st = gan__backward_ready(m, doutput, "doutput", who);
    if (st != GAN_OK)
        return st;
    return gan__backward_one(m, l->index, doutput, dinput, who);
}

gan_status gan_model_backward_multi(gan_model_t *m, const float *const *doutputs,
                                    const float **dinputs)
{
    static const char who[] = "gan_model_backward_multi";
    gan_status st = gan__backward_ready(m, doutputs, "doutputs", who);
    if (st != GAN_OK)
        return st;
    gan__clear_seeds(m);
    int32_t top = -1;
    for (int32_t k = 0; k < gan__model_output_count(m); k++) {
        if (!doutputs[k])
            continue;
        const int32_t i = gan__model_output(m, k)->index;
        m->pass[i].seed = doutputs[k];
        top = i > top ? i : top;
    }
    if (top < 0)
        return gan__fail(GAN_E_INVALID_ARG, "%s: every one of the %d doutputs is NULL",
                         who, (int)gan__model_output_count(m));
    return gan__model_backward(m, top, dinputs, who);
}
