/* The model's handles on the carried state of its stateful LSTM layers (stepping,
 * rollouts that branch from a prefix). */
#include <string.h>

#include "core/error.h"
#include "layers/lstm.h"
#include "model.h"

/* The stateful LSTM at @p index of a built model. */
static gan_status gan__stateful_lstm(const gan_model_t *m, int32_t index, const char *who,
                                     gan_layer_t **l)
{
    gan_status st = gan__require_built(m, who);
    if (st == GAN_OK)
        st = gan__layer_at(m, index, who, l);
    if (st != GAN_OK)
        return st;
    if (!gan__is_lstm(*l))
        return gan__fail(GAN_E_INVALID_ARG, "%s: layer %d '%s' of model '%s' is a %s, not "
                         "an lstm", who, (int)(*l)->index, (*l)->name, m->name,
                         (*l)->ops->kind);
    if (!gan__lstm_stateful(*l))
        return gan__fail(GAN_E_STATE, "%s: lstm %d '%s' of model '%s' is not stateful "
                         "(gan_lstm_options_t.stateful)", who, (int)(*l)->index, (*l)->name,
                         m->name);
    return GAN_OK;
}

/* Rows [row, row + rows) of the model's batch, h and c given. */
static gan_status gan__lstm_rows(const gan_model_t *m, const gan_layer_t *l, int32_t row,
                                 int32_t rows, const void *h, const void *c, const char *who)
{
    if (!h || !c)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, !h ? "h" : "c");
    if (row < 0 || rows < 1 || row > m->batch - rows)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: rows [%d, %d + %d) of lstm %d '%s' are "
                         "outside the batch [0, %d) of model '%s'", who, (int)row, (int)row,
                         (int)rows, (int)l->index, l->name, (int)m->batch, m->name);
    return GAN_OK;
}

gan_status gan_model_reset_lstm_state(gan_model_t *m, int32_t index)
{
    gan_layer_t *l;
    gan_status st = gan__stateful_lstm(m, index, "gan_model_reset_lstm_state", &l);
    if (st != GAN_OK)
        return st;
    const size_t n = (size_t)m->batch * (size_t)gan__lstm_hidden(l);
    memset(gan__lstm_state_h(l, m->batch), 0, n * sizeof(float));
    memset(gan__lstm_state_c(l, m->batch), 0, n * sizeof(float));
    *gan__lstm_steps(l, m->batch) = 0;
    return GAN_OK;
}

gan_status gan_model_get_lstm_state(const gan_model_t *m, int32_t index, int32_t row,
                                    int32_t rows, float *h, float *c)
{
    static const char who[] = "gan_model_get_lstm_state";
    gan_layer_t *l;
    gan_status st = gan__stateful_lstm(m, index, who, &l);
    if (st == GAN_OK)
        st = gan__lstm_rows(m, l, row, rows, h, c, who);
    if (st != GAN_OK)
        return st;
    const size_t H = (size_t)gan__lstm_hidden(l), at = (size_t)row * H;
    memcpy(h, gan__lstm_state_h(l, m->batch) + at, (size_t)rows * H * sizeof *h);
    memcpy(c, gan__lstm_state_c(l, m->batch) + at, (size_t)rows * H * sizeof *c);
    return GAN_OK;
}

gan_status gan_model_set_lstm_state(gan_model_t *m, int32_t index, int32_t row,
                                    int32_t rows, const float *h, const float *c)
{
    static const char who[] = "gan_model_set_lstm_state";
    gan_layer_t *l;
    gan_status st = gan__stateful_lstm(m, index, who, &l);
    if (st == GAN_OK)
        st = gan__lstm_rows(m, l, row, rows, h, c, who);
    if (st != GAN_OK)
        return st;
    const size_t H = (size_t)gan__lstm_hidden(l), at = (size_t)row * H;
    /* memmove: the caller may pass a view of the state itself. */
    memmove(gan__lstm_state_h(l, m->batch) + at, h, (size_t)rows * H * sizeof *h);
    memmove(gan__lstm_state_c(l, m->batch) + at, c, (size_t)rows * H * sizeof *c);
    return GAN_OK;
}

gan_status gan_model_get_lstm_steps(const gan_model_t *m, int32_t index, int32_t *steps)
{
    static const char who[] = "gan_model_get_lstm_steps";
    gan_layer_t *l;
    gan_status st = gan__stateful_lstm(m, index, who, &l);
    if (st != GAN_OK)
        return st;
    if (!steps)
        return gan__fail(GAN_E_INVALID_ARG, "%s: steps is NULL", who);
    *steps = *gan__lstm_steps(l, m->batch);
    return GAN_OK;
}

gan_status gan_model_set_lstm_steps(gan_model_t *m, int32_t index, int32_t steps)
{
    static const char who[] = "gan_model_set_lstm_steps";
    gan_layer_t *l;
    gan_status st = gan__stateful_lstm(m, index, who, &l);
    if (st != GAN_OK)
        return st;
    const int32_t most = gan__lstm_max_steps(l);
    if (steps < 0 || (most > 0 && steps > most))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: steps %d of lstm %d '%s' must be in "
                         "[0, %d]", who, (int)steps, (int)l->index, l->name,
                         (int)(most > 0 ? most : INT32_MAX));
    *gan__lstm_steps(l, m->batch) = steps;
    return GAN_OK;
}
