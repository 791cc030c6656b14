/* BagOfWords: (T) token ids -> (E), the mean of the embeddings of the tokens that are not
 * padding; the caption encoder of a text-conditioned GAN (with a Dense after it). */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "gan/text.h"
#include "layers/embedding.h"
#include "layers/layer.h"

typedef struct gan__bag_of_words {
    gan_layer_t base;
    int32_t vocab, dim;
    int32_t pad_id; /* -1: no padding id, every token counts */
} gan__bag_of_words;

static gan_status gan__bag_of_words_configure(gan_layer_t *l)
{
    const gan__bag_of_words *b = (const gan__bag_of_words *)l;
    if (l->in.ndim != 1)
        return gan__fail(GAN_E_SHAPE, "bag_of_words expects a sequence (T) of token ids, "
                         "got %s", gan__shape_str(&l->in).s);
    l->out = gan__shape1(b->dim);
    l->param[GAN_PARAM_WEIGHT].count = (size_t)b->vocab * (size_t)b->dim;
    l->param[GAN_PARAM_WEIGHT].fan_in = b->vocab;
    l->param[GAN_PARAM_WEIGHT].fan_out = b->dim;
    return GAN_OK;
}

/* Tokens of one sample that are not padding (its ids already checked). */
static int32_t gan__bag_of_words_count(const gan__bag_of_words *b, const float *ids,
                                       int32_t steps)
{
    int32_t n = 0;
    for (int32_t t = 0; t < steps; t++)
        n += (int32_t)ids[t] != b->pad_id;
    return n;
}

static gan_status gan__bag_of_words_forward(gan_layer_t *l, const gan__ctx *c,
                                            const float *x, float *y)
{
    const gan__bag_of_words *b = (const gan__bag_of_words *)l;
    const float *table = l->param[GAN_PARAM_WEIGHT].value;
    const int32_t steps = l->in.d[0], dim = b->dim;
    for (int32_t n = 0; n < c->batch; n++) {
        const float *ids = x + (size_t)n * (size_t)steps;
        float *yn = y + (size_t)n * (size_t)dim;
        memset(yn, 0, (size_t)dim * sizeof *yn);
        for (int32_t t = 0; t < steps; t++) {
            gan_status st = gan__check_token(ids[t], (size_t)t, (size_t)n, b->vocab);
            if (st != GAN_OK)
                return st;
            if ((int32_t)ids[t] == b->pad_id)
                continue;
            const float *row = table + (size_t)ids[t] * (size_t)dim;
            for (int32_t k = 0; k < dim; k++)
                yn[k] += row[k];
        }
        const int32_t count = gan__bag_of_words_count(b, ids, steps);
        for (int32_t k = 0; count > 1 && k < dim; k++)
            yn[k] /= (float)count;
    }
    return GAN_OK;
}

static gan_status gan__bag_of_words_backward(gan_layer_t *l, const gan__ctx *c,
                                             const float *x, const float *y,
                                             const float *dy, float *dx)
{
    (void)y;
    const gan__bag_of_words *b = (const gan__bag_of_words *)l;
    const int32_t steps = l->in.d[0], dim = b->dim;
    float *dtable = l->param[GAN_PARAM_WEIGHT].grad;
    for (int32_t n = 0; c->param_grads && n < c->batch; n++) {
        const float *ids = x + (size_t)n * (size_t)steps;
        const float *g = dy + (size_t)n * (size_t)dim;
        const int32_t count = gan__bag_of_words_count(b, ids, steps);
        for (int32_t t = 0; t < steps; t++) { /* an all-padding row adds nothing */
            if ((int32_t)ids[t] == b->pad_id)
                continue;
            float *row = dtable + (size_t)ids[t] * (size_t)dim;
            for (int32_t k = 0; k < dim; k++)
                row[k] += g[k] / (float)count;
        }
    }
    if (dx) /* token ids are not differentiable */
        memset(dx, 0, (size_t)c->batch * (size_t)steps * sizeof *dx);
    return GAN_OK;
}

static void gan__bag_of_words_describe(const gan_layer_t *l, char *buf, size_t size)
{
    const gan__bag_of_words *b = (const gan__bag_of_words *)l;
    snprintf(buf, size, "vocab=%d pad=%d", (int)b->vocab, (int)b->pad_id);
}

static const gan__layer_ops gan__bag_of_words_ops = {
    .kind = "bag_of_words",
    .configure = gan__bag_of_words_configure,
    .forward = gan__bag_of_words_forward,
    .backward = gan__bag_of_words_backward,
    .describe = gan__bag_of_words_describe,
    .memory = GAN__MEM_NO_Y,
};

gan_status gan_layer_bag_of_words_create(gan_layer_t **out, int32_t vocab, int32_t dim,
                                         int32_t pad_id)
{
    static const char who[] = "gan_layer_bag_of_words_create";
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    if (vocab < 1 || dim < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: vocab %d and dim %d must be >= 1", who,
                         (int)vocab, (int)dim);
    if (pad_id < -1 || pad_id >= vocab)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: pad_id %d is outside [-1, vocab %d)", who,
                         (int)pad_id, (int)vocab);
    st = gan__layer_alloc(out, sizeof(gan__bag_of_words), &gan__bag_of_words_ops, who);
    if (st != GAN_OK)
        return st;
    gan__bag_of_words *b = (gan__bag_of_words *)*out;
    b->vocab = vocab;
    b->dim = dim;
    b->pad_id = pad_id;
    gan__embedding_defaults(&b->base);
    return GAN_OK;
}
