/* The LSTM layer's carried state, as the model's gan_model_*_lstm_* functions reach it. */
#ifndef GAN_LAYERS_LSTM_H
#define GAN_LAYERS_LSTM_H

#include <stdbool.h>
#include <stdint.h>

#include "gan/layer.h"

bool gan__is_lstm(const gan_layer_t *l);
bool gan__lstm_stateful(const gan_layer_t *l);
int32_t gan__lstm_hidden(const gan_layer_t *l);
/* 0: no limit. */
int32_t gan__lstm_max_steps(const gan_layer_t *l);

/* The carried state of a layer in a model built for @p batch samples: h and c (batch,
 * hidden) and the steps run since the last reset, in the layer's saved buffer. */
float *gan__lstm_state_h(gan_layer_t *l, int32_t batch);
float *gan__lstm_state_c(gan_layer_t *l, int32_t batch);
int32_t *gan__lstm_steps(gan_layer_t *l, int32_t batch);

#endif
