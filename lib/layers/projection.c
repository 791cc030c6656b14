/* Projection output (Miyato & Koyama 2018, "cGANs with projection discriminator"): the
 * last layer of a conditional discriminator, (F) -> (1):
 *
 *     y = (w + e_c) . x + b   for a sample of class c,
 *
 * a Dense(1) whose weight row gains a learned vector of the sample's class. The inner
 * product scores how well the features fit the class, which conditions a discriminator
 * much more firmly than label planes at its input.
 * Weights (1 + classes, F): row 0 is w, row 1 + c is e_c. */
#include <stdio.h>

#include "core/error.h"
#include "layers/embedding.h"
#include "layers/layer.h"

typedef struct gan__projection {
    gan_layer_t base;
    int32_t num_classes;
} gan__projection;

static gan_status gan__projection_configure(gan_layer_t *l)
{
    const gan__projection *p = (const gan__projection *)l;
    if (l->in.ndim != 1)
        return gan__fail(GAN_E_SHAPE, "projection expects features (F), got %s; add a "
                         "Flatten layer first", gan__shape_str(&l->in).s);
    const int32_t features = l->in.d[0];
    if ((int64_t)features * (p->num_classes + 1) > INT32_MAX)
        return gan__fail(GAN_E_SHAPE, "projection: %d features x %d classes is too large",
                         (int)features, (int)p->num_classes);
    l->out = gan__shape1(1);
    l->param[GAN_PARAM_WEIGHT].count = (size_t)features * (size_t)(p->num_classes + 1);
    l->param[GAN_PARAM_WEIGHT].fan_in = features;
    l->param[GAN_PARAM_WEIGHT].fan_out = 1;
    l->param[GAN_PARAM_BIAS].count = 1;
    return GAN_OK;
}

static gan_status gan__projection_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                          float *y)
{
    const gan__projection *p = (const gan__projection *)l;
    const size_t f = (size_t)l->in.d[0];
    const float *w = l->param[GAN_PARAM_WEIGHT].value;
    const float b = l->param[GAN_PARAM_BIAS].value[0];
    for (int32_t i = 0; i < c->batch; i++) {
        gan_status st = gan__check_class(c->labels[i], i, p->num_classes, "label");
        if (st != GAN_OK)
            return st;
        const float *xi = x + (size_t)i * f, *e = w + (size_t)(c->labels[i] + 1) * f;
        double sum = 0.0;
        for (size_t k = 0; k < f; k++)
            sum += (double)(w[k] + e[k]) * xi[k];
        y[i] = (float)sum + b;
    }
    return GAN_OK;
}

static gan_status gan__projection_backward(gan_layer_t *l, const gan__ctx *c,
                                           const float *x, const float *y, const float *dy,
                                           float *dx)
{
    (void)y;
    const size_t f = (size_t)l->in.d[0];
    const float *w = l->param[GAN_PARAM_WEIGHT].value;
    float *dw = l->param[GAN_PARAM_WEIGHT].grad;
    for (int32_t i = 0; i < c->batch; i++) {
        const size_t row = (size_t)(c->labels[i] + 1) * f;
        const float *xi = x + (size_t)i * f;
        const float g = dy[i];
        if (dx)
            for (size_t k = 0; k < f; k++)
                dx[(size_t)i * f + k] = g * (w[k] + w[row + k]);
        if (!c->param_grads)
            continue;
        for (size_t k = 0; k < f; k++) {
            dw[k] += g * xi[k];
            dw[row + k] += g * xi[k];
        }
        l->param[GAN_PARAM_BIAS].grad[0] += g;
    }
    return GAN_OK;
}

static void gan__projection_describe(const gan_layer_t *l, char *buf, size_t size)
{
    snprintf(buf, size, "%d classes", (int)((const gan__projection *)l)->num_classes);
}

static int32_t gan__projection_classes(const gan_layer_t *l)
{
    return ((const gan__projection *)l)->num_classes;
}

static const gan__layer_ops gan__projection_ops = {
    .kind = "projection",
    .configure = gan__projection_configure,
    .forward = gan__projection_forward,
    .backward = gan__projection_backward,
    .describe = gan__projection_describe,
    .num_classes = gan__projection_classes,
    .needs_labels = true,
};

gan_status gan_layer_projection_create(gan_layer_t **out, int32_t num_classes)
{
    static const char who[] = "gan_layer_projection_create";
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    if (num_classes < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: num_classes %d must be >= 1", who,
                         (int)num_classes);
    st = gan__layer_alloc(out, sizeof(gan__projection), &gan__projection_ops, who);
    if (st != GAN_OK)
        return st;
    ((gan__projection *)*out)->num_classes = num_classes;
    (*out)->param[GAN_PARAM_WEIGHT].present = true;
    (*out)->param[GAN_PARAM_BIAS].present = true;
    return GAN_OK;
}
