/* Where a model's batch tensors live: which layers run in their input's buffer, and
 * which gradient buffers layers share. */
#include <string.h>

#include "model.h"

#include "layers/spectral_norm.h"

/* Offsets in the batch arena are rounded to whole cache lines. */
#define GAN__FLOATS_PER_LINE (GAN__ALIGNMENT / sizeof(float))

static size_t gan__round_line(size_t floats)
{
    return (floats + GAN__FLOATS_PER_LINE - 1) / GAN__FLOATS_PER_LINE * GAN__FLOATS_PER_LINE;
}

static bool gan__is_layer_node(int32_t id)
{
    return id >= 0;
}

/* May layer i overwrite the buffer its input is in? Every layer whose output lives in
 * that buffer (its input, and on through the views and in-place layers it runs over) must
 * be done with it by its backward, be read by nobody else, and not have been asked to
 * keep its output or be a model output. */
static bool gan__may_overwrite(const gan_model_t *m, const gan_layer_t *l)
{
    const unsigned mine = l->ops->memory;
    if (!(mine & GAN__MEM_FWD_IN_PLACE) || !(mine & GAN__MEM_NO_X))
        return false;
    for (int32_t j = l->src[0];;) {
        const gan_layer_t *prev = m->layers[j];
        const unsigned theirs = prev->ops->memory;
        const bool y_unread = (theirs & GAN__MEM_NO_Y) ||
                              ((theirs & GAN__MEM_SIGN_Y) && (mine & GAN__MEM_KEEPS_SIGN));
        if (prev->keep_output || prev->is_output || prev->consumers != 1 || !y_unread)
            return false;
        if (!prev->shares_input)
            return true;
        j = prev->src[0];
    }
}

/* A layer with one input that is a layer may share that input's buffer. */
static bool gan__reads_one_layer(const gan_layer_t *l)
{
    return l->n_in == 1 && gan__is_layer_node(l->src[0]);
}

void gan__plan_sharing(gan_model_t *m)
{
    for (int32_t i = 0; i < m->n_layers; i++) {
        gan_layer_t *l = m->layers[i];
        l->overwritten_by = -1;
        l->shares_input = false;
        if (!gan__reads_one_layer(l))
            continue;
        if (l->ops->memory & GAN__MEM_VIEW) {
            l->shares_input = true;
        } else if (gan__may_overwrite(m, l)) {
            l->shares_input = true;
            for (int32_t j = l->src[0];; j = m->layers[j]->src[0]) {
                gan_layer_t *prev = m->layers[j];
                if (prev->overwritten_by < 0)
                    prev->overwritten_by = i;
                if (!prev->shares_input)
                    break;
            }
        }
    }
}

static size_t gan__out_floats(const gan_layer_t *l, int32_t batch)
{
    return gan__round_line((size_t)batch * gan__shape_size(&l->out));
}

/* The lowest free gradient buffer, grown to @p floats; *count buffers exist. */
static int32_t gan__take_buffer(gan__pass_state *p, int32_t *count, size_t floats)
{
    int32_t b = 0;
    while (b < *count && p[b].plan_busy)
        b++;
    if (b == *count)
        (*count)++; /* its entry was cleared when planning began */
    p[b].plan_busy = true;
    if (floats > p[b].plan_floats)
        p[b].plan_floats = floats;
    return b;
}

/* Backward visits layers from the last to the first. A layer's output gradient is alive
 * from its first reader's backward (the latest reader) to its own, and takes the lowest
 * buffer free then; a layer whose backward may write dx over dy (or is a view) hands its
 * buffer down to a single-reader input. For a chain this gives the two alternating
 * buffers. Returns the number of buffers; p[b].plan_floats their sizes. */
static int32_t gan__plan_gradients(gan_model_t *m, int32_t batch)
{
    gan__pass_state *p = m->pass;
    int32_t count = 0;
    for (int32_t i = 0; i < m->n_layers; i++) {
        p[i].plan_buffer = -1;
        p[i].plan_busy = false;
        p[i].plan_floats = 0;
    }
    for (int32_t i = m->n_layers - 1; i >= 0; i--) {
        const gan_layer_t *l = m->layers[i];
        if (p[i].plan_buffer < 0)
            p[i].plan_buffer = gan__take_buffer(p, &count, gan__out_floats(l, batch));
        bool handed_down = false;
        for (int32_t k = 0; k < l->n_in; k++) {
            const int32_t s = l->src[k];
            if (!gan__is_layer_node(s) || p[s].plan_buffer >= 0)
                continue;
            const size_t floats = gan__out_floats(m->layers[s], batch);
            /* An output's buffer receives the caller's gradient before its reader's
             * share is added: it cannot be the reader's own. */
            if (l->n_in == 1 && (l->ops->memory & (GAN__MEM_BWD_IN_PLACE | GAN__MEM_VIEW)) &&
                m->layers[s]->consumers == 1 && !m->layers[s]->is_output) {
                p[s].plan_buffer = p[i].plan_buffer;
                if (floats > p[p[i].plan_buffer].plan_floats)
                    p[p[i].plan_buffer].plan_floats = floats;
                handed_down = true;
            } else {
                p[s].plan_buffer = gan__take_buffer(p, &count, floats);
            }
        }
        if (!handed_down)
            p[p[i].plan_buffer].plan_busy = false;
    }
    return count;
}

/* How many of a layer's input gradients may have to be summed with another reader's,
 * and the largest such input: the scratch slots accumulation needs. */
static void gan__plan_accumulation(gan_model_t *m, int32_t batch, int32_t *slots,
                                   size_t *floats)
{
    *slots = 0;
    *floats = 0;
    for (int32_t i = 0; i < m->n_layers; i++) {
        const gan_layer_t *l = m->layers[i];
        int32_t n = 0;
        for (int32_t k = 0; k < l->n_in; k++) {
            const int32_t s = l->src[k];
            const bool output = gan__is_layer_node(s) && m->layers[s]->is_output;
            if (gan__node_consumers(m, s) < 2 && !output)
                continue;
            n++;
            size_t f = gan__round_line((size_t)batch * gan__shape_size(gan__node_shape(m, s)));
            if (f > *floats)
                *floats = f;
        }
        if (n > *slots)
            *slots = n;
    }
}

/* Where each batch tensor goes; with arena NULL only the sizes are computed. The arena
 * holds, in order, the inputs and their gradients, each layer's output, saved tensors and
 * spectral shadow, and the labels; the scratch (gan__scratch) what a pass uses only
 * while it runs: the gradient buffers, the accumulation slots, the workspace and the
 * packing space. Returns the arena's floats; *scratch_floats the scratch's. */
size_t gan__batch_layout(gan_model_t *m, int32_t batch, float *arena, float *scratch,
                         size_t *scratch_floats)
{
    gan__plan_sharing(m);
    size_t at = 0, ws = 0;
    for (int32_t k = 0; k < m->n_inputs; k++) {
        gan__model_input *in = &m->inputs[k];
        const size_t floats = gan__round_line((size_t)batch * gan__shape_size(&in->shape));
        if (arena) {
            in->x = arena + at;
            in->dx = arena + at + floats;
        }
        at += 2 * floats;
    }
    if (arena) {
        m->input = m->inputs[0].x;
        m->dinput = m->inputs[0].dx;
    }
    for (int32_t i = 0; i < m->n_layers; i++) {
        gan_layer_t *l = m->layers[i];
        const size_t out_floats = gan__out_floats(l, batch);
        size_t saved = l->ops->saved_floats ? gan__round_line(l->ops->saved_floats(l, batch)) : 0;
        size_t shadow = gan__round_line(gan__sn_shadow_floats(l));
        size_t w = gan__sn_workspace_floats(l, batch);
        if (w > ws)
            ws = w;
        const size_t own = l->shares_input ? 0 : out_floats;
        if (arena) {
            l->y = l->shares_input ? m->layers[l->src[0]]->y : arena + at;
            l->saved = saved ? arena + at + own : NULL;
            l->sn.w = shadow ? arena + at + own + saved : NULL;
        }
        at += own + saved + shadow;
    }
    /* Labels live after the floats, as int32. */
    if (arena)
        m->labels = (int32_t *)(arena + at);
    at += gan__round_line((size_t)batch);

    size_t sat = 0; /* offsets in the scratch */
    const int32_t buffers = gan__plan_gradients(m, batch);
    for (int32_t b = 0; b < buffers; b++) {
        const size_t floats = m->pass[b].plan_floats;
        m->pass[b].plan_floats = sat; /* from here on: the buffer's offset */
        sat += floats;
    }
    if (arena)
        for (int32_t i = 0; i < m->n_layers; i++)
            m->layers[i]->dy = scratch + m->pass[m->pass[i].plan_buffer].plan_floats;

    /* Only a layout that is applied changes the model: a size query for a batch whose
     * arena then cannot be allocated must leave the slots of the arena in use. */
    int32_t slots;
    size_t slot_floats;
    gan__plan_accumulation(m, batch, &slots, &slot_floats);
    if (arena) {
        m->accum_slots = slots;
        m->accum_floats = slot_floats;
        m->accum = slots ? scratch + sat : NULL;
    }
    sat += (size_t)slots * slot_floats;

    ws = gan__round_line(ws);
    if (arena)
        m->workspace = ws ? scratch + sat : NULL;
    sat += ws;
    *scratch_floats = sat;
    return at;
}
