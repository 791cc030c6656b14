/* Global average and max pooling: (C, positions...) -> (C), one window per channel.
 *
 * (C,H,W), (C,L) and (C,D,H,W) inputs all are C planes of P positions, pooled by the
 * kernels of pool2d.c with a P x 1 window. */
#include "core/error.h"
#include "layers/pool.h"

static gan_status gan__global_pool_configure(gan_layer_t *l)
{
    gan__pool *p = (gan__pool *)l;
    if (l->in.ndim < 2)
        return gan__fail(GAN_E_SHAPE, "%s expects (C,L), (C,H,W) or (C,D,H,W), got %s; a "
                         "flat (F) input has no positions to pool", l->ops->kind,
                         gan__shape_str(&l->in).s);
    p->channels = l->in.d[0];
    p->h = (int32_t)(gan__shape_size(&l->in) / (size_t)p->channels);
    p->w = 1;
    p->kh = p->h;
    p->kw = p->sh = p->sw = p->oh = p->ow = 1;
    l->out = gan__shape1(p->channels);
    return GAN_OK;
}

static const gan__layer_ops gan__global_avgpool_ops = {
    .kind = "global_avgpool",
    .configure = gan__global_pool_configure,
    .forward = gan__pool_avg_forward,
    .backward = gan__pool_avg_backward,
    .memory = GAN__POOL_MEMORY,
};

static const gan__layer_ops gan__global_maxpool_ops = {
    .kind = "global_maxpool",
    .configure = gan__global_pool_configure,
    .saved_floats = gan__pool_max_saved,
    .forward = gan__pool_max_forward,
    .backward = gan__pool_max_backward,
    .memory = GAN__POOL_MEMORY,
};

gan_status gan_layer_global_avgpool_create(gan_layer_t **out)
{
    return gan__pool_alloc(out, &gan__global_avgpool_ops, 0, 0,
                           "gan_layer_global_avgpool_create");
}

gan_status gan_layer_global_maxpool_create(gan_layer_t **out)
{
    return gan__pool_alloc(out, &gan__global_maxpool_ops, 0, 0,
                           "gan_layer_global_maxpool_create");
}
