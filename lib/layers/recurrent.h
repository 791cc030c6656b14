/* What the recurrent layers (LSTM, GRU) share: settings, shapes, the carried state. */
#ifndef GAN_LAYERS_RECURRENT_H
#define GAN_LAYERS_RECURRENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layers/layer.h"

typedef struct gan__rnn {
    gan_layer_t base;
    int32_t hidden;
    int32_t gates;  /* gate blocks of hidden rows in W_ih and W_hh: LSTM 4, GRU 3 */
    bool cell;      /* the state has a c besides h (LSTM) */
    bool sequences; /* output every step's h, else only the last */
    bool stateful;  /* start each forward from the carried state */
    int32_t max_steps;
} gan__rnn;

/* The head of a recurrent layer's saved buffer of a batch of N, which the model zeroes
 * whenever it allocates it (build, batch-size change): the steps counter, the carried
 * state, and the state the last forward started from. The layer's own tensors follow
 * at `rest`. Nothing in the saved buffer is shared with another layer. */
typedef struct gan__rnn_buf {
    int32_t *steps;
    float *h, *c;   /* (N, H) carried from one forward to the next; c NULL without cell */
    float *h0, *c0; /* (N, H) the state the last forward started from */
    float *rest;
} gan__rnn_buf;

static inline int32_t gan__rnn_T(const gan_layer_t *l)
{
    return l->in.d[0];
}

static inline int32_t gan__rnn_F(const gan_layer_t *l)
{
    return l->in.d[1];
}

/* Floats of the head for @p batch, and its pointers into l->saved. */
size_t gan__rnn_head_floats(const gan_layer_t *l, int32_t batch);
gan__rnn_buf gan__rnn_layout(gan_layer_t *l, int32_t batch);

/* Check the (T, F) input and set the output shape and the parameter counts: W_ih
 * (gates*H, F) then W_hh (gates*H, H); b_ih then b_hh (gates*H each). */
gan_status gan__rnn_configure(gan_layer_t *l);

/* Before a forward: check max_steps against the steps run (stateful), then set h0, c0
 * to the carried state or to zeros. Fails changing nothing. */
gan_status gan__rnn_begin(gan_layer_t *l, const gan__rnn_buf *b, int32_t batch);

/* After a forward that left every h_t and c_t in hs and cs (N, T, H; cs NULL without
 * cell): write y, and the carried state and steps when stateful. */
void gan__rnn_end(gan_layer_t *l, const gan__rnn_buf *b, int32_t batch, const float *hs,
                  const float *cs, float *y);

/* h_prev(N, T, H): h0 at step 0, h_{t-1} from hs at step t. */
void gan__rnn_h_prev(float *h_prev, const gan__rnn_buf *b, const float *hs, int32_t batch,
                     int32_t T, int32_t hidden);

/* The output gradient of step t for the rows, and its row stride: NULL at steps whose
 * h is not an output. */
const float *gan__rnn_dy_step(const gan_layer_t *l, const float *dy, int32_t t,
                              size_t *ld);

void gan__rnn_describe(const gan_layer_t *l, char *buf, size_t size);

/* Validate @p o (read from the caller with gan__options_read) and create a layer of
 * @p bytes, a struct starting with gan__rnn; parameters U(-1/sqrt(H), 1/sqrt(H)). */
gan_status gan__rnn_create(gan_layer_t **out, size_t bytes, const gan__layer_ops *ops,
                           int32_t gates, bool cell, const gan_recurrent_options_t *o,
                           const char *who);

/* Read a caller's options (NULL: INVALID_ARG) over the defaults, then gan__rnn_create. */
gan_status gan__rnn_create_ex(gan_layer_t **out, size_t bytes, const gan__layer_ops *ops,
                              int32_t gates, bool cell, const gan_recurrent_options_t *opts,
                              const char *who);

/* The same with the defaults and @p hidden. */
gan_status gan__rnn_create_hidden(gan_layer_t **out, size_t bytes,
                                  const gan__layer_ops *ops, int32_t gates, bool cell,
                                  int32_t hidden, const char *who);

#endif
