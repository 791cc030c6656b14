/* Class-id and token-id lookups shared by Embedding, Condition and BagOfWords. */
#ifndef GAN_LAYERS_EMBEDDING_H
#define GAN_LAYERS_EMBEDDING_H

#include <stddef.h>
#include <stdint.h>

#include "gan/layer.h"
#include "gan/status.h"

/* Check a class id; on failure the message names the sample and the range. */
gan_status gan__check_class(int64_t id, int32_t sample, int32_t num_classes,
                            const char *what);

/* Check a token id of a (T) sequence (a float holding an integer in [0, num_classes));
 * on failure the message names the id, the position and the sample. */
gan_status gan__check_token(float id, size_t position, size_t sample, int32_t num_classes);

/* Default initialiser of embedding tables: N(0, 1), as PyTorch's nn.Embedding. */
void gan__embedding_defaults(gan_layer_t *l);

#endif
