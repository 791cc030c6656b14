/* Multiply: the element-wise product of N inputs of one shape (gates). */
#include <string.h>

#include "layers/merge.h"

static gan_status gan__multiply_configure(gan_layer_t *l)
{
    l->out = l->in;
    return gan__merge_same_shapes(l);
}

static gan_status gan__multiply_forward(gan_layer_t *l, const gan__ctx *c,
                                        const float *const *xs, float *y)
{
    const size_t n = (size_t)c->batch * gan__shape_size(&l->out);
    memcpy(y, xs[0], n * sizeof *y);
    for (int32_t k = 1; k < l->n_in; k++) {
        const float *restrict x = xs[k];
        for (size_t i = 0; i < n; i++)
            y[i] *= x[i];
    }
    return GAN_OK;
}

/* dx_k = dy times the product of the other inputs (not y / x_k, which fails at 0). */
static gan_status gan__multiply_backward(gan_layer_t *l, const gan__ctx *c,
                                         const float *const *xs, const float *y,
                                         const float *dy, float *const *dxs)
{
    (void)y;
    const size_t n = (size_t)c->batch * gan__shape_size(&l->out);
    for (int32_t k = 0; k < l->n_in; k++) {
        float *restrict dx = dxs[k];
        if (!dx)
            continue;
        memcpy(dx, dy, n * sizeof *dx);
        for (int32_t j = 0; j < l->n_in; j++) {
            if (j == k)
                continue;
            const float *restrict x = xs[j];
            for (size_t i = 0; i < n; i++)
                dx[i] *= x[i];
        }
    }
    return GAN_OK;
}

static const gan__layer_ops gan__multiply_ops = {
    .kind = "multiply",
    .configure = gan__multiply_configure,
    .max_inputs = 4096,
    .forward_n = gan__multiply_forward,
    .backward_n = gan__multiply_backward,
};

gan_status gan_layer_multiply_create(gan_layer_t **out)
{
    return gan__merge_create(out, &gan__multiply_ops, "gan_layer_multiply_create");
}
