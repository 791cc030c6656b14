/* The graph of a model: which nodes each layer reads, the inputs and the outputs. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "model.h"

static bool gan__is_input_node(int32_t id)
{
    return id <= GAN_MODEL_INPUT(0);
}

static int32_t gan__input_of(int32_t id)
{
    return GAN_MODEL_INPUT(0) - id;
}

float *gan__node_y(const gan_model_t *m, int32_t id)
{
    return gan__is_input_node(id) ? m->inputs[gan__input_of(id)].x : m->layers[id]->y;
}

float *gan__node_dy(const gan_model_t *m, int32_t id)
{
    return gan__is_input_node(id) ? m->inputs[gan__input_of(id)].dx : m->layers[id]->dy;
}

const gan__shape *gan__node_shape(const gan_model_t *m, int32_t id)
{
    return gan__is_input_node(id) ? &m->inputs[gan__input_of(id)].shape
                                  : &m->layers[id]->out;
}

int32_t gan__node_consumers(const gan_model_t *m, int32_t id)
{
    return gan__is_input_node(id) ? m->inputs[gan__input_of(id)].consumers
                                  : m->layers[id]->consumers;
}

int32_t gan__model_output_count(const gan_model_t *m)
{
    return m->n_outputs ? m->n_outputs : 1;
}

/* Layer @p index reads exactly what gan_model_add would have given it. */
static bool gan__reads_previous(const gan_layer_t *l, int32_t index)
{
    return l->n_in == 1 && l->src[0] == (index ? index - 1 : GAN_MODEL_INPUT(0));
}

bool gan__model_wired_as_chain(const gan_model_t *m)
{
    if (m->n_inputs != 1 || gan__model_output_count(m) != 1 ||
        (m->n_layers && gan__model_output(m, 0) != m->layers[m->n_layers - 1]))
        return false;
    for (int32_t i = 0; i < m->n_layers; i++)
        if (!gan__reads_previous(m->layers[i], i))
            return false;
    return true;
}

gan_layer_t *gan__model_output(const gan_model_t *m, int32_t k)
{
    return m->layers[m->n_outputs ? m->outputs[k] : m->n_layers - 1];
}

/* Printable node name, e.g. "layer 3 'conv2d_3' (64,14,14)" or "input 1 (16)". */
typedef struct gan__node_text {
    char s[192];
} gan__node_text;

static gan__node_text gan__node_str(const gan_model_t *m, int32_t id)
{
    gan__node_text t;
    if (gan__is_input_node(id))
        snprintf(t.s, sizeof t.s, "input %d %s", (int)gan__input_of(id),
                 gan__shape_str(gan__node_shape(m, id)).s);
    else
        snprintf(t.s, sizeof t.s, "layer %d '%s' %s", (int)id, m->layers[id]->name,
                 gan__shape_str(&m->layers[id]->out).s);
    return t;
}

gan_status gan_model_add_input(gan_model_t *m, const int32_t *dims, int32_t ndim,
                               int32_t *node)
{
    static const char who[] = "gan_model_add_input";
    if (!m || !dims)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, m ? "dims" : "model");
    if (m->built)
        return gan__fail(GAN_E_STATE, "%s: model '%s' is already built", who, m->name);
    if (m->n_inputs == GAN_MODEL_MAX_IO)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: model '%s' already has %d inputs", who,
                         m->name, GAN_MODEL_MAX_IO);
    gan__shape shape;
    gan_status st = gan__shape_from(&shape, dims, ndim, "gan_model_add_input: shape");
    if (st != GAN_OK)
        return st;
    const int32_t k = m->n_inputs++;
    m->inputs[k] = (gan__model_input){.shape = shape};
    m->graph = true;
    if (node)
        *node = GAN_MODEL_INPUT(k);
    return GAN_OK;
}

/* The node @p id as the @p k-th input of the layer being added (index @p at): -1 is the
 * last layer; anything else must exist already. */
static gan_status gan__resolve_node(const gan_model_t *m, int32_t id, int32_t k,
                                    int32_t at, int32_t *out, const char *who)
{
    if (id == -1)
        id = m->n_layers - 1;
    if (id >= 0 && id < m->n_layers) {
        *out = id;
        return GAN_OK;
    }
    if (gan__is_input_node(id) && gan__input_of(id) < m->n_inputs) {
        *out = id;
        return GAN_OK;
    }
    if (id >= at)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: model '%s': input %d of the new layer %d "
                         "is node %d, which does not exist yet (a layer reads only earlier "
                         "layers, so the graph has no cycles)", who, m->name, (int)k,
                         (int)at, (int)id);
    if (gan__is_input_node(id))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: model '%s': input %d of the new layer is "
                         "model input %d, but the model has %d", who, m->name, (int)k,
                         (int)gan__input_of(id), (int)m->n_inputs);
    return gan__fail(GAN_E_OUT_OF_RANGE, "%s: model '%s': input %d of the new layer is "
                     "node %d, which is no layer and no model input (layers are >= 0, "
                     "inputs GAN_MODEL_INPUT(k))", who, m->name, (int)k, (int)id);
}

static gan_status gan__grow_layers(gan_model_t *m, const char *who)
{
    if (m->n_layers < m->cap_layers)
        return GAN_OK;
    int32_t cap = m->cap_layers ? m->cap_layers * 2 : 8;
    gan_layer_t **grown = gan__alloc(&m->alloc, (size_t)cap * sizeof *grown);
    if (!grown)
        return gan__fail(GAN_E_NO_MEMORY, "%s: cannot grow the layer list", who);
    if (m->n_layers)
        memcpy(grown, m->layers, (size_t)m->n_layers * sizeof *grown);
    gan__free(&m->alloc, m->layers);
    m->layers = grown;
    m->cap_layers = cap;
    return GAN_OK;
}

void gan__layer_release_inputs(gan_model_t *m, gan_layer_t *l)
{
    if (l->src != &l->src_one)
        gan__free(&m->alloc, l->src);
    if (l->ins != &l->in)
        gan__free(&m->alloc, l->ins);
    l->src = NULL;
    l->ins = NULL;
    l->n_in = 0;
}

/* Point the layer at its n input nodes and their shapes. */
static gan_status gan__layer_take_inputs(gan_model_t *m, gan_layer_t *l, const int32_t *ids,
                                         int32_t n, const char *who)
{
    l->n_in = n;
    if (n == 1) {
        l->src = &l->src_one;
        l->ins = &l->in;
    } else {
        l->src = gan__alloc(&m->alloc, (size_t)n * sizeof *l->src);
        l->ins = gan__alloc(&m->alloc, (size_t)n * sizeof *l->ins);
        if (!l->src || !l->ins) {
            gan__layer_release_inputs(m, l);
            return gan__fail(GAN_E_NO_MEMORY, "%s: cannot allocate %d inputs", who, (int)n);
        }
    }
    for (int32_t k = 0; k < n; k++) {
        l->src[k] = ids[k];
        l->ins[k] = *gan__node_shape(m, ids[k]);
    }
    l->in = l->ins[0];
    return GAN_OK;
}

/* Prefix the configure error with the layer and its inputs. */
static void gan__prefix_layer_error(const gan_model_t *m, const gan_layer_t *l,
                                    int32_t index, const char *who)
{
    if (gan__reads_previous(l, index)) {
        gan__error_prefix("%s: model '%s' layer %d '%s' (%s) with input %s", who, m->name,
                          (int)index, l->name, l->ops->kind, gan__shape_str(&l->in).s);
        return;
    }
    char list[512];
    size_t at = 0;
    for (int32_t k = 0; k < l->n_in && at < sizeof list; k++) {
        int w = snprintf(list + at, sizeof list - at, "%s%s", k ? ", " : "",
                         gan__node_str(m, l->src[k]).s);
        at += w > 0 ? (size_t)w : 0;
    }
    gan__error_prefix("%s: model '%s' layer %d '%s' (%s) with inputs %s", who, m->name,
                      (int)index, l->name, l->ops->kind, list);
}

/* Shared by gan_model_add and gan_model_connect: @p ids are resolved node ids. */
static gan_status gan__model_attach(gan_model_t *m, gan_layer_t *l, const int32_t *ids,
                                    int32_t n, const char *who)
{
    const int32_t index = m->n_layers;
    const int32_t most = l->ops->max_inputs > 1 ? l->ops->max_inputs : 1;
    if (n > most)
        return gan__fail(GAN_E_INVALID_ARG, "%s: model '%s': a %s layer takes %s%d "
                         "input%s, got %d", who, m->name, l->ops->kind,
                         most > 1 ? "at most " : "", (int)most, most > 1 ? "s" : "", (int)n);
    gan_status st = gan__grow_layers(m, who);
    if (st != GAN_OK)
        return st;
    st = gan__layer_take_inputs(m, l, ids, n, who);
    if (st != GAN_OK)
        return st;
    if (!l->named)
        snprintf(l->name, sizeof l->name, "%s_%d", l->ops->kind, (int)index);
    st = l->ops->configure(l);
    if (st == GAN_OK)
        st = gan__shape_check(&l->out, "output shape");
    if (st != GAN_OK) {
        gan__prefix_layer_error(m, l, index, who);
        if (!l->named)
            snprintf(l->name, sizeof l->name, "%s", l->ops->kind);
        gan__layer_release_inputs(m, l);
        return st;
    }
    for (int32_t k = 0; k < n; k++) {
        if (gan__is_input_node(ids[k]))
            m->inputs[gan__input_of(ids[k])].consumers++;
        else
            m->layers[ids[k]]->consumers++;
    }
    l->index = index;
    m->layers[m->n_layers++] = l;
    if (l->ops->needs_labels)
        m->needs_labels = true;
    if (n > m->max_in)
        m->max_in = n;
    return GAN_OK;
}

static gan_status gan__check_attachable(const gan_model_t *m, const gan_layer_t *l,
                                        const char *who)
{
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
    return GAN_OK;
}

gan_status gan_model_add(gan_model_t *m, gan_layer_t *l)
{
    static const char who[] = "gan_model_add";
    gan_status st = gan__check_attachable(m, l, who);
    if (st != GAN_OK)
        return st;
    const int32_t previous = m->n_layers ? m->n_layers - 1 : GAN_MODEL_INPUT(0);
    return gan__model_attach(m, l, &previous, 1, who);
}

gan_status gan_model_connect(gan_model_t *m, gan_layer_t *l, const int32_t *inputs,
                             int32_t n_inputs, int32_t *node)
{
    static const char who[] = "gan_model_connect";
    gan_status st = gan__check_attachable(m, l, who);
    if (st != GAN_OK)
        return st;
    if (!inputs)
        return gan__fail(GAN_E_INVALID_ARG, "%s: inputs is NULL", who);
    if (n_inputs < 1 || n_inputs > 4096)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: n_inputs %d is outside [1, 4096]", who,
                         (int)n_inputs);
    int32_t stack_ids[16];
    int32_t *ids = stack_ids;
    if (n_inputs > 16) {
        ids = gan__alloc(&m->alloc, (size_t)n_inputs * sizeof *ids);
        if (!ids)
            return gan__fail(GAN_E_NO_MEMORY, "%s: cannot allocate %d node ids", who,
                             (int)n_inputs);
    }
    for (int32_t k = 0; k < n_inputs && st == GAN_OK; k++)
        st = gan__resolve_node(m, inputs[k], k, m->n_layers, &ids[k], who);
    if (st == GAN_OK)
        st = gan__model_attach(m, l, ids, n_inputs, who);
    if (ids != stack_ids)
        gan__free(&m->alloc, ids);
    if (st != GAN_OK)
        return st;
    m->graph = true;
    if (node)
        *node = l->index;
    return GAN_OK;
}

gan_status gan_model_set_outputs(gan_model_t *m, const int32_t *nodes, int32_t n)
{
    static const char who[] = "gan_model_set_outputs";
    if (!m || !nodes)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, m ? "nodes" : "model");
    if (m->built)
        return gan__fail(GAN_E_STATE, "%s: model '%s' is already built", who, m->name);
    if (n < 1 || n > GAN_MODEL_MAX_IO)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: %d outputs is outside [1, %d]", who,
                         (int)n, GAN_MODEL_MAX_IO);
    int32_t chosen[GAN_MODEL_MAX_IO];
    for (int32_t k = 0; k < n; k++) {
        int32_t id = nodes[k] == -1 ? m->n_layers - 1 : nodes[k];
        if (id < 0 || id >= m->n_layers)
            return gan__fail(GAN_E_OUT_OF_RANGE, "%s: output %d is node %d; outputs are "
                             "layers of model '%s', indices in [0, %d)", who, (int)k,
                             (int)nodes[k], m->name, (int)m->n_layers);
        for (int32_t j = 0; j < k; j++)
            if (chosen[j] == id)
                return gan__fail(GAN_E_INVALID_ARG, "%s: layer %d '%s' is given as output "
                                 "%d and %d", who, (int)id, m->layers[id]->name, (int)j,
                                 (int)k);
        chosen[k] = id;
    }
    for (int32_t i = 0; i < m->n_layers; i++)
        m->layers[i]->is_output = false;
    for (int32_t k = 0; k < n; k++) {
        m->outputs[k] = chosen[k];
        m->layers[chosen[k]]->is_output = true;
    }
    m->n_outputs = n;
    m->graph = true;
    return GAN_OK;
}

gan_status gan__graph_check(const gan_model_t *m, const char *who)
{
    for (int32_t k = 0; k < m->n_inputs; k++)
        if (!m->inputs[k].consumers)
            return gan__fail(GAN_E_STATE, "%s: model '%s': input %d %s is read by no layer",
                             who, m->name, (int)k, gan__shape_str(&m->inputs[k].shape).s);
    const gan_layer_t *last = m->layers[m->n_layers - 1];
    for (int32_t i = 0; i < m->n_layers; i++) {
        const gan_layer_t *l = m->layers[i];
        const bool output = m->n_outputs ? l->is_output : l == last;
        if (!output && !l->consumers)
            return gan__fail(GAN_E_STATE, "%s: model '%s' layer %d '%s': its output is read "
                             "by no layer and is not a model output (see "
                             "gan_model_set_outputs)", who, m->name, (int)i, l->name);
    }
    return GAN_OK;
}

gan_status gan_model_get_io_count(const gan_model_t *m, int32_t *n_inputs,
                                  int32_t *n_outputs)
{
    if (!m)
        return gan__fail(GAN_E_INVALID_ARG, "gan_model_get_io_count: model is NULL");
    if (n_inputs)
        *n_inputs = m->n_inputs;
    if (n_outputs)
        *n_outputs = gan__model_output_count(m);
    return GAN_OK;
}

gan_status gan_model_get_input_shape_at(const gan_model_t *m, int32_t k, int32_t dims[4],
                                        int32_t *ndim)
{
    static const char who[] = "gan_model_get_input_shape_at";
    if (!m || !dims || !ndim)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                         !m ? "model" : !dims ? "dims" : "ndim");
    if (k < 0 || k >= m->n_inputs)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: input %d is outside [0, %d) of model "
                         "'%s'", who, (int)k, (int)m->n_inputs, m->name);
    gan__shape_to_dims(&m->inputs[k].shape, dims, ndim);
    return GAN_OK;
}

gan_status gan_model_get_output_node(const gan_model_t *m, int32_t k, int32_t *index)
{
    static const char who[] = "gan_model_get_output_node";
    if (!m || !index)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, m ? "index" : "model");
    if (!m->n_layers || k < 0 || k >= gan__model_output_count(m))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: output %d is outside [0, %d) of model "
                         "'%s'", who, (int)k, m->n_layers ? (int)gan__model_output_count(m) : 0,
                         m->name);
    *index = gan__model_output(m, k)->index;
    return GAN_OK;
}

gan_status gan_model_get_layer_inputs(const gan_model_t *m, int32_t index, int32_t *inputs,
                                      int32_t capacity, int32_t *n_inputs)
{
    static const char who[] = "gan_model_get_layer_inputs";
    if (!m || !n_inputs || (!inputs && capacity > 0))
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                         !m ? "model" : !n_inputs ? "n_inputs" : "inputs");
    gan_layer_t *l = NULL;
    gan_status st = gan__layer_at(m, index, who, &l);
    if (st != GAN_OK)
        return st;
    for (int32_t k = 0; k < l->n_in && k < capacity; k++)
        inputs[k] = l->src[k];
    *n_inputs = l->n_in;
    return GAN_OK;
}

void gan__node_label(const gan_model_t *m, int32_t id, char *buf, size_t size)
{
    if (gan__is_input_node(id))
        snprintf(buf, size, "input%d", (int)gan__input_of(id));
    else
        snprintf(buf, size, "%s", m->layers[id]->name);
}
