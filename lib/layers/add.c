/* Add: the element-wise sum of N inputs of one shape (residual and skip connections). */
#include <string.h>

#include "layers/merge.h"

static gan_status gan__add_configure(gan_layer_t *l)
{
    l->out = l->in;
    return gan__merge_same_shapes(l);
}

/* y = x0 + x1 + ... in input order. */
static gan_status gan__add_forward(gan_layer_t *l, const gan__ctx *c, const float *const *xs,
                                   float *y)
{
    const size_t n = (size_t)c->batch * gan__shape_size(&l->out);
    memcpy(y, xs[0], n * sizeof *y);
    for (int32_t k = 1; k < l->n_in; k++) {
        const float *restrict x = xs[k];
        for (size_t i = 0; i < n; i++)
            y[i] += x[i];
    }
    return GAN_OK;
}

/* Every input receives dy. */
static gan_status gan__add_backward(gan_layer_t *l, const gan__ctx *c,
                                    const float *const *xs, const float *y, const float *dy,
                                    float *const *dxs)
{
    (void)xs;
    (void)y;
    const size_t n = (size_t)c->batch * gan__shape_size(&l->out);
    for (int32_t k = 0; k < l->n_in; k++)
        if (dxs[k])
            memcpy(dxs[k], dy, n * sizeof *dy);
    return GAN_OK;
}

static const gan__layer_ops gan__add_ops = {
    .kind = "add",
    .configure = gan__add_configure,
    .max_inputs = 4096,
    .forward_n = gan__add_forward,
    .backward_n = gan__add_backward,
};

gan_status gan_layer_add_create(gan_layer_t **out)
{
    return gan__merge_create(out, &gan__add_ops, "gan_layer_add_create");
}
