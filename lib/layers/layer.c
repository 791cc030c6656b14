/* What every layer kind shares: allocation, names, destruction. */
#include "layers/layer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

gan_status gan__check_out(const void *out, const char *who)
{
    if (!out)
        return gan__fail(GAN_E_INVALID_ARG, "%s: out is NULL", who);
    return GAN_OK;
}

gan_status gan__layer_rows(const gan_layer_t *l, const gan__ctx *c, int32_t *rows)
{
    const int64_t steps = l->in.ndim == 2 ? l->in.d[0] : 1;
    const int64_t n = (int64_t)c->batch * steps;
    if (n > INT32_MAX)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: batch %d times %lld time steps is more "
                         "than %d rows", l->ops->kind, (int)c->batch, (long long)steps,
                         (int)INT32_MAX);
    *rows = (int32_t)n;
    return GAN_OK;
}

gan_status gan__layer_alloc(gan_layer_t **out, size_t bytes, const gan__layer_ops *ops,
                            const char *who)
{
    gan_layer_t *l = calloc(1, bytes);
    if (!l)
        return gan__fail(GAN_E_NO_MEMORY, "%s: cannot allocate %zu bytes", who, bytes);
    l->ops = ops;
    l->index = -1;
    l->overwritten_by = -1;
    strncpy(l->name, ops->kind, sizeof l->name - 1);
    l->param[GAN_PARAM_WEIGHT].init_kind = GAN_INIT_NORMAL;
    l->param[GAN_PARAM_WEIGHT].init_a = 0.0f;
    l->param[GAN_PARAM_WEIGHT].init_b = 0.02f;
    l->param[GAN_PARAM_BIAS].init_kind = GAN_INIT_ZEROS;
    *out = l;
    return GAN_OK;
}

void gan_layer_destroy(gan_layer_t *layer)
{
    /* Layers own no memory beyond their struct: arenas belong to the model. */
    free(layer);
}

gan_status gan_layer_set_name(gan_layer_t *layer, const char *name)
{
    if (!layer || !name || !name[0])
        return gan__fail(GAN_E_INVALID_ARG, "gan_layer_set_name: %s",
                         !layer ? "layer is NULL" : !name ? "name is NULL" : "name is empty");
    size_t n = strlen(name);
    if (n > sizeof layer->name - 1)
        n = sizeof layer->name - 1;
    memcpy(layer->name, name, n);
    layer->name[n] = '\0';
    layer->named = true;
    return GAN_OK;
}

const char *gan_layer_get_name(const gan_layer_t *layer)
{
    return layer ? layer->name : "";
}

const char *gan_layer_get_kind(const gan_layer_t *layer)
{
    return layer ? layer->ops->kind : "";
}
