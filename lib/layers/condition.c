/* Condition: append a code of each sample's label (one-hot or learned) to the data.
 *
 * (F) -> (F + K): concatenation, as a conditional generator does to z.
 * (C,H,W) -> (C + K, H, W): K constant planes, as a conditional discriminator does.
 * Both are "C channels of P pixels" with P = 1 for flat inputs. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "layers/embedding.h"
#include "layers/layer.h"

typedef struct gan__condition {
    gan_layer_t base;
    int32_t num_classes;
    int32_t code;      /* K */
    bool learned;      /* embedding table, else one-hot */
    int32_t channels;  /* C of the input */
    size_t pixels;     /* P */
} gan__condition;

static gan_status gan__condition_configure(gan_layer_t *l)
{
    gan__condition *cd = (gan__condition *)l;
    if (l->in.ndim != 1 && l->in.ndim != 3)
        return gan__fail(GAN_E_SHAPE, "condition expects (F) or (C,H,W), got %s",
                         gan__shape_str(&l->in).s);
    cd->channels = l->in.d[0];
    cd->pixels = l->in.ndim == 3 ? (size_t)l->in.d[1] * (size_t)l->in.d[2] : 1;
    if (cd->channels > INT32_MAX - cd->code)
        return gan__fail(GAN_E_SHAPE, "condition: %d + %d channels overflow",
                         (int)cd->channels, (int)cd->code);
    l->out = l->in;
    l->out.d[0] = cd->channels + cd->code;
    if (cd->learned) {
        l->param[GAN_PARAM_WEIGHT].count = (size_t)cd->num_classes * (size_t)cd->code;
        l->param[GAN_PARAM_WEIGHT].fan_in = cd->num_classes;
        l->param[GAN_PARAM_WEIGHT].fan_out = cd->code;
    }
    return GAN_OK;
}

static gan_status gan__condition_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                         float *y)
{
    gan__condition *cd = (gan__condition *)l;
    const size_t in_size = (size_t)cd->channels * cd->pixels;
    const size_t out_size = in_size + (size_t)cd->code * cd->pixels;
    const float *table = l->param[GAN_PARAM_WEIGHT].value;
    for (int32_t i = 0; i < c->batch; i++) {
        int32_t label = c->labels[i];
        gan_status st = gan__check_class(label, i, cd->num_classes, "label");
        if (st != GAN_OK)
            return st;
        float *yi = y + (size_t)i * out_size;
        memcpy(yi, x + (size_t)i * in_size, in_size * sizeof *y);
        float *planes = yi + in_size;
        for (int32_t k = 0; k < cd->code; k++) {
            float v = cd->learned ? table[(size_t)label * cd->code + k]
                                  : (k == label ? 1.0f : 0.0f);
            for (size_t p = 0; p < cd->pixels; p++)
                planes[(size_t)k * cd->pixels + p] = v;
        }
    }
    return GAN_OK;
}

static gan_status gan__condition_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                          const float *y, const float *dy, float *dx)
{
    (void)x;
    (void)y;
    gan__condition *cd = (gan__condition *)l;
    const size_t in_size = (size_t)cd->channels * cd->pixels;
    const size_t out_size = in_size + (size_t)cd->code * cd->pixels;
    for (int32_t i = 0; i < c->batch; i++) {
        const float *dyi = dy + (size_t)i * out_size;
        if (dx)
            memcpy(dx + (size_t)i * in_size, dyi, in_size * sizeof *dx);
        if (!cd->learned || !c->param_grads)
            continue;
        float *row = l->param[GAN_PARAM_WEIGHT].grad + (size_t)c->labels[i] * cd->code;
        for (int32_t k = 0; k < cd->code; k++) {
            const float *plane = dyi + in_size + (size_t)k * cd->pixels;
            double sum = 0.0;
            for (size_t p = 0; p < cd->pixels; p++)
                sum += plane[p];
            row[k] += (float)sum;
        }
    }
    return GAN_OK;
}

static void gan__condition_describe(const gan_layer_t *l, char *buf, size_t size)
{
    const gan__condition *cd = (const gan__condition *)l;
    snprintf(buf, size, "%d classes %s", (int)cd->num_classes,
             cd->learned ? "embedded" : "one-hot");
}

static int32_t gan__condition_classes(const gan_layer_t *l)
{
    return ((const gan__condition *)l)->num_classes;
}

static const gan__layer_ops gan__condition_ops = {
    .kind = "condition",
    .configure = gan__condition_configure,
    .forward = gan__condition_forward,
    .backward = gan__condition_backward,
    .describe = gan__condition_describe,
    .num_classes = gan__condition_classes,
    .needs_labels = true,
};

gan_status gan_layer_condition_create(gan_layer_t **out, int32_t num_classes,
                                      int32_t embed_dim)
{
    static const char who[] = "gan_layer_condition_create";
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    if (num_classes < 1 || embed_dim < 0)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: num_classes %d must be >= 1 and "
                         "embed_dim %d >= 0", who, (int)num_classes, (int)embed_dim);
    st = gan__layer_alloc(out, sizeof(gan__condition), &gan__condition_ops, who);
    if (st != GAN_OK)
        return st;
    gan__condition *cd = (gan__condition *)*out;
    cd->num_classes = num_classes;
    cd->learned = embed_dim > 0;
    cd->code = cd->learned ? embed_dim : num_classes;
    if (cd->learned)
        gan__embedding_defaults(&cd->base);
    return GAN_OK;
}
