/* Embedding: class id (a float holding an integer) -> learned vector. */
#include "layers/embedding.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "layers/layer.h"

typedef struct gan__embedding {
    gan_layer_t base;
    int32_t num_classes, dim;
} gan__embedding;

gan_status gan__check_class(int64_t id, int32_t sample, int32_t num_classes,
                            const char *what)
{
    if (id < 0 || id >= num_classes)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s %lld of sample %d is outside [0, %d)",
                         what, (long long)id, (int)sample, (int)num_classes);
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
    if (l->in.ndim != 1 || l->in.d[0] != 1)
        return gan__fail(GAN_E_SHAPE, "embedding expects an input of shape (1) holding a "
                         "class id, got %s", gan__shape_str(&l->in).s);
    l->out = gan__shape1(e->dim);
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
    for (int32_t i = 0; i < c->batch; i++) {
        if (!(x[i] == floorf(x[i]) && fabsf(x[i]) < 2147483648.0f))
            return gan__fail(GAN_E_OUT_OF_RANGE, "class id %g of sample %d is not an "
                             "integer", (double)x[i], (int)i);
        gan_status st = gan__check_class((int64_t)x[i], i, e->num_classes, "class id");
        if (st != GAN_OK)
            return st;
        memcpy(y + (size_t)i * e->dim, table + (size_t)x[i] * e->dim,
               (size_t)e->dim * sizeof *y);
    }
    return GAN_OK;
}

static gan_status gan__embedding_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                          const float *y, const float *dy, float *dx)
{
    (void)y;
    gan__embedding *e = (gan__embedding *)l;
    if (c->param_grads) {
        float *dtable = l->param[GAN_PARAM_WEIGHT].grad;
        for (int32_t i = 0; i < c->batch; i++) {
            float *row = dtable + (size_t)x[i] * e->dim;
            const float *g = dy + (size_t)i * e->dim;
            for (int32_t k = 0; k < e->dim; k++)
                row[k] += g[k];
        }
    }
    if (dx) /* a class id is not differentiable */
        memset(dx, 0, (size_t)c->batch * sizeof *dx);
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

gan_status gan_layer_embedding_create(gan_layer_t **out, int32_t num_classes, int32_t dim)
{
    static const char who[] = "gan_layer_embedding_create";
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    if (num_classes < 1 || dim < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: num_classes %d and dim %d must be >= 1",
                         who, (int)num_classes, (int)dim);
    st = gan__layer_alloc(out, sizeof(gan__embedding), &gan__embedding_ops, who);
    if (st != GAN_OK)
        return st;
    gan__embedding *e = (gan__embedding *)*out;
    e->num_classes = num_classes;
    e->dim = dim;
    gan__embedding_defaults(&e->base);
    return GAN_OK;
}
