/* Shared by the merge layers: shape checks and creation. */
#include "layers/merge.h"

#include "core/error.h"

gan_status gan__merge_same_shapes(const gan_layer_t *l)
{
    for (int32_t k = 1; k < l->n_in; k++)
        if (!gan__shape_equal(&l->ins[k], &l->ins[0]))
            return gan__fail(GAN_E_SHAPE, "%s needs inputs of one shape: input 0 is %s, "
                             "input %d is %s", l->ops->kind, gan__shape_str(&l->ins[0]).s,
                             (int)k, gan__shape_str(&l->ins[k]).s);
    return GAN_OK;
}

gan_status gan__merge_create(gan_layer_t **out, const gan__layer_ops *ops, const char *who)
{
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    return gan__layer_alloc(out, sizeof(gan_layer_t), ops, who);
}
