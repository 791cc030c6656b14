/* Embedding: class id (a float holding an integer) -> learned vector; its sequence form
 * looks up every id of a (T) sequence, (T) -> (T, dim). */
#include "layers/embedding.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "layers/layer.h"

typedef struct gan__embedding {
    gan_layer_t base;
    int32_t num_classes, dim;
    bool sequence; /* gan_layer_embedding_sequence_create: (T) ids -> (T, dim) */
} gan__embedding;

gan_status gan__check_class(int64_t id, int32_t sample, int32_t num_classes,
                            const char *what)
{
    if (id < 0 || id >= num_classes)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s %lld of sample %d is outside [0, %d)",
                         what, (long long)id, (int)sample, (int)num_classes);
    return GAN_OK;
}

gan_status gan__check_token(float id, size_t position, size_t sample, int32_t num_classes)
{
    /* NaN fails every comparison, so it is refused here too. */
    if (!(id == floorf(id) && id >= 0.0f && (double)id < num_classes))
        return gan__fail(GAN_E_OUT_OF_RANGE, "token id %g at position %zu of sample %zu is "
                         "not an integer in [0, %d)", (double)id, position, sample,
                         (int)num_classes);
    return GAN_OK;
}

void gan__embedding_defaults(gan_layer_t *l)
{
    l->param[GAN_PARAM_WEIGHT].present = true;
    l->param[GAN_PARAM_WEIGHT].init_kind = GAN_INIT_NORMAL;
    l->param[GAN_PARAM_WEIGHT].init_a = 0.0f;
    l->param[GAN_PARAM_WEIGHT].init_b = 1.0f;
}

static gan_status gan__embedding_configure(gan_layer_t *l)
{
    gan__embedding *e = (gan__embedding *)l;
    if (e->sequence) {
        if (l->in.ndim != 1)
            return gan__fail(GAN_E_SHAPE, "embedding_sequence expects a sequence (T) of "
                             "token ids, got %s", gan__shape_str(&l->in).s);
        l->out = gan__shape1(l->in.d[0]);
        l->out.ndim = 2;
        l->out.d[1] = e->dim;
    } else {
        if (l->in.ndim != 1 || l->in.d[0] != 1)
            return gan__fail(GAN_E_SHAPE, "embedding expects an input of shape (1) holding "
                             "a class id, got %s", gan__shape_str(&l->in).s);
        l->out = gan__shape1(e->dim);
    }
    l->param[GAN_PARAM_WEIGHT].count = (size_t)e->num_classes * (size_t)e->dim;
    l->param[GAN_PARAM_WEIGHT].fan_in = e->num_classes;
    l->param[GAN_PARAM_WEIGHT].fan_out = e->dim;
    return GAN_OK;
}

static gan_status gan__embedding_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                         float *y)
{
    gan__embedding *e = (gan__embedding *)l;
    const float *table = l->param[GAN_PARAM_WEIGHT].value;
    const size_t steps = (size_t)l->in.d[0], ids = (size_t)c->batch * steps;
    for (size_t i = 0; i < ids; i++) {
        if (e->sequence) {
            gan_status st = gan__check_token(x[i], i % steps, i / steps, e->num_classes);
            if (st != GAN_OK)
                return st;
        } else {
            if (!(x[i] == floorf(x[i]) && fabsf(x[i]) < 2147483648.0f))
                return gan__fail(GAN_E_OUT_OF_RANGE, "class id %g of sample %d is not an "
                                 "integer", (double)x[i], (int)i);
            gan_status st = gan__check_class((int64_t)x[i], (int32_t)i, e->num_classes,
                                             "class id");
            if (st != GAN_OK)
                return st;
        }
        memcpy(y + i * (size_t)e->dim, table + (size_t)x[i] * e->dim,
               (size_t)e->dim * sizeof *y);
    }
    return GAN_OK;
}

static gan_status gan__embedding_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                          const float *y, const float *dy, float *dx)
{
    (void)y;
    gan__embedding *e = (gan__embedding *)l;
    const size_t ids = (size_t)c->batch * (size_t)l->in.d[0];
    if (c->param_grads) {
        float *dtable = l->param[GAN_PARAM_WEIGHT].grad;
        for (size_t i = 0; i < ids; i++) {
            float *row = dtable + (size_t)x[i] * e->dim;
            const float *g = dy + i * (size_t)e->dim;
            for (int32_t k = 0; k < e->dim; k++)
                row[k] += g[k];
        }
    }
    if (dx) /* a class id is not differentiable */
        memset(dx, 0, ids * sizeof *dx);
    return GAN_OK;
}

static void gan__embedding_describe(const gan_layer_t *l, char *buf, size_t size)
{
    snprintf(buf, size, "classes=%d", (int)((const gan__embedding *)l)->num_classes);
}

static const gan__layer_ops gan__embedding_ops = {
    .kind = "embedding",
    .configure = gan__embedding_configure,
    .forward = gan__embedding_forward,
    .backward = gan__embedding_backward,
    .describe = gan__embedding_describe,
};

static const gan__layer_ops gan__embedding_sequence_ops = {
    .kind = "embedding_sequence",
    .configure = gan__embedding_configure,
    .forward = gan__embedding_forward,
    .backward = gan__embedding_backward,
    .describe = gan__embedding_describe,
};

static gan_status gan__embedding_create(gan_layer_t **out, int32_t num_classes,
                                        int32_t dim, bool sequence, const char *who)
{
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    if (num_classes < 1 || dim < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: num_classes %d and dim %d must be >= 1",
                         who, (int)num_classes, (int)dim);
    st = gan__layer_alloc(out, sizeof(gan__embedding),
                          sequence ? &gan__embedding_sequence_ops : &gan__embedding_ops,
                          who);
    if (st != GAN_OK)
        return st;
    gan__embedding *e = (gan__embedding *)*out;
    e->num_classes = num_classes;
    e->dim = dim;
    e->sequence = sequence;
    gan__embedding_defaults(&e->base);
    return GAN_OK;
}

gan_status gan_layer_embedding_create(gan_layer_t **out, int32_t num_classes, int32_t dim)
{
    return gan__embedding_create(out, num_classes, dim, false,
                                 "gan_layer_embedding_create");
}

gan_status gan_layer_embedding_sequence_create(gan_layer_t **out, int32_t num_classes,
                                               int32_t dim)
{
    return gan__embedding_create(out, num_classes, dim, true,
                                 "gan_layer_embedding_sequence_create");
}
