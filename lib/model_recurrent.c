/* The model's handles on the carried state of its stateful recurrent layers (stepping,
 * rollouts that branch from a prefix). */
#include <string.h>

#include "core/error.h"
#include "layers/recurrent.h"
#include "model.h"

/* The stateful recurrent layer at @p index of a built model. */
static gan_status gan__stateful_rnn(const gan_model_t *m, int32_t index, const char *who,
                                    gan__rnn **out)
{
    gan_layer_t *l = NULL;
    gan_status st = gan__require_built(m, who);
    if (st == GAN_OK)
        st = gan__layer_at(m, index, who, &l);
    if (st != GAN_OK)
        return st;
    if (!l->ops->recurrent)
        return gan__fail(GAN_E_INVALID_ARG, "%s: layer %d '%s' of model '%s' is a %s, not "
                         "a recurrent layer (lstm, gru)", who, (int)l->index, l->name,
                         m->name, l->ops->kind);
    gan__rnn *r = (gan__rnn *)l;
    if (!r->stateful)
        return gan__fail(GAN_E_STATE, "%s: %s %d '%s' of model '%s' is not stateful "
                         "(gan_recurrent_options_t.stateful)", who, l->ops->kind,
                         (int)l->index, l->name, m->name);
    *out = r;
    return GAN_OK;
}

/* Rows [row, row + rows) of the model's batch; h given, and c exactly for an LSTM. */
static gan_status gan__rnn_rows(const gan_model_t *m, const gan__rnn *r, int32_t row,
                                int32_t rows, const void *h, const void *c, const char *who)
{
    const gan_layer_t *l = &r->base;
    if (!h)
        return gan__fail(GAN_E_INVALID_ARG, "%s: h is NULL", who);
    if (r->cell && !c)
        return gan__fail(GAN_E_INVALID_ARG, "%s: c is NULL, but %s %d '%s' has a cell "
                         "state", who, l->ops->kind, (int)l->index, l->name);
    if (!r->cell && c)
        return gan__fail(GAN_E_INVALID_ARG, "%s: c must be NULL: %s %d '%s' has no cell "
                         "state", who, l->ops->kind, (int)l->index, l->name);
    if (row < 0 || rows < 1 || row > m->batch - rows)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: rows [%d, %d + %d) of %s %d '%s' are "
                         "outside the batch [0, %d) of model '%s'", who, (int)row, (int)row,
                         (int)rows, l->ops->kind, (int)l->index, l->name, (int)m->batch,
                         m->name);
    return GAN_OK;
}

gan_status gan_model_reset_recurrent_state(gan_model_t *m, int32_t index)
{
    gan__rnn *r = NULL;
    gan_status st = gan__stateful_rnn(m, index, "gan_model_reset_recurrent_state", &r);
    if (st != GAN_OK)
        return st;
    gan__rnn_buf b = gan__rnn_layout(&r->base, m->batch);
    const size_t n = (size_t)m->batch * (size_t)r->hidden;
    memset(b.h, 0, n * sizeof *b.h);
    if (b.c)
        memset(b.c, 0, n * sizeof *b.c);
    *b.steps = 0;
    return GAN_OK;
}

/* Rows [row, row + rows) of the carried state copied out to h, c (@p get), or in from
 * them (h and c are then only read). */
static gan_status gan__rnn_copy_rows(const gan_model_t *m, int32_t index, int32_t row,
                                     int32_t rows, float *h, float *c, bool get,
                                     const char *who)
{
    gan__rnn *r = NULL;
    gan_status st = gan__stateful_rnn(m, index, who, &r);
    if (st == GAN_OK)
        st = gan__rnn_rows(m, r, row, rows, h, c, who);
    if (st != GAN_OK)
        return st;
    gan__rnn_buf b = gan__rnn_layout(&r->base, m->batch);
    const size_t H = (size_t)r->hidden, at = (size_t)row * H, n = (size_t)rows * H;
    /* memmove: the caller may pass a view of the state itself. */
    memmove(get ? h : b.h + at, get ? b.h + at : h, n * sizeof *h);
    if (c)
        memmove(get ? c : b.c + at, get ? b.c + at : c, n * sizeof *c);
    return GAN_OK;
}

gan_status gan_model_get_recurrent_state(const gan_model_t *m, int32_t index, int32_t row,
                                         int32_t rows, float *h, float *c)
{
    return gan__rnn_copy_rows(m, index, row, rows, h, c, true,
                              "gan_model_get_recurrent_state");
}

gan_status gan_model_set_recurrent_state(gan_model_t *m, int32_t index, int32_t row,
                                         int32_t rows, const float *h, const float *c)
{
    /* read only: the copy goes into the state */
    return gan__rnn_copy_rows(m, index, row, rows, (float *)h, (float *)c, false,
                              "gan_model_set_recurrent_state");
}

gan_status gan_model_get_recurrent_steps(const gan_model_t *m, int32_t index,
                                         int32_t *steps)
{
    static const char who[] = "gan_model_get_recurrent_steps";
    gan__rnn *r = NULL;
    gan_status st = gan__stateful_rnn(m, index, who, &r);
    if (st != GAN_OK)
        return st;
    if (!steps)
        return gan__fail(GAN_E_INVALID_ARG, "%s: steps is NULL", who);
    *steps = *gan__rnn_layout(&r->base, m->batch).steps;
    return GAN_OK;
}

gan_status gan_model_set_recurrent_steps(gan_model_t *m, int32_t index, int32_t steps)
{
    static const char who[] = "gan_model_set_recurrent_steps";
    gan__rnn *r = NULL;
    gan_status st = gan__stateful_rnn(m, index, who, &r);
    if (st != GAN_OK)
        return st;
    const int32_t most = r->max_steps;
    if (steps < 0 || (most > 0 && steps > most))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: steps %d of %s %d '%s' must be in "
                         "[0, %d]", who, (int)steps, r->base.ops->kind, (int)r->base.index,
                         r->base.name, (int)(most > 0 ? most : INT32_MAX));
    *gan__rnn_layout(&r->base, m->batch).steps = steps;
    return GAN_OK;
}
