/* CycleGAN's reference networks: the ResNet generator and the PatchGAN discriminator. */
#include "common/cyclegan_models.h"

#include "common/models.h"

/* A convolution (or its transpose) of @p kernel with @p stride and @p pad zeros on every
 * side (and @p output_padding for a transpose), with a bias. */
static gan_status ex_conv(gan_model_t *m, bool transpose, int32_t filters, int32_t kernel,
                          int32_t stride, int32_t pad, int32_t output_padding)
{
    gan_conv_options_t o;
    gan_status st = gan_conv_options_init(&o, sizeof o);
    o.filters = filters;
    o.kernel_h = o.kernel_w = kernel;
    o.stride_h = o.stride_w = stride;
    o.padding = GAN_PADDING_EXPLICIT;
    o.pad_top = o.pad_bottom = o.pad_left = o.pad_right = pad;
    o.output_padding_h = o.output_padding_w = output_padding;
    gan_layer_t *l;
    if (st == GAN_OK)
        st = EX_ADD(m, transpose ? gan_layer_conv2d_transpose_create_ex(&l, &o)
                                 : gan_layer_conv2d_create_ex(&l, &o), l);
    return st;
}

static gan_status ex_norm(gan_model_t *m)
{
    gan_layer_t *l;
    return EX_ADD(m, gan_layer_instancenorm_create(&l, NULL), l);
}

static gan_status ex_relu(gan_model_t *m)
{
    gan_layer_t *l;
    return EX_ADD(m, gan_layer_relu_create(&l), l);
}

static gan_status ex_reflect(gan_model_t *m, int32_t pad)
{
    gan_layer_t *l;
    return EX_ADD(m, gan_layer_pad2d_create(&l, GAN_PAD_REFLECT, pad, pad, pad, pad), l);
}

/* x + [pad, conv, norm, relu, pad, conv, norm](x): a residual block on the last node. */
static gan_status ex_residual_block(gan_model_t *m, int32_t filters)
{
    int32_t skip = 0;
    gan_status st = gan_model_get_layer_count(m, &skip);
    skip--; /* the block's input: the last layer */
    for (int half = 0; half < 2 && st == GAN_OK; half++) {
        st = ex_reflect(m, 1);
        if (st == GAN_OK)
            st = ex_conv(m, false, filters, 3, 1, 0, 0);
        if (st == GAN_OK)
            st = ex_norm(m);
        if (st == GAN_OK && half == 0)
            st = ex_relu(m);
    }
    gan_layer_t *l;
    if (st == GAN_OK && (st = gan_layer_add_create(&l)) == GAN_OK) {
        const int32_t inputs[2] = {skip, -1};
        if ((st = gan_model_connect(m, l, inputs, 2, NULL)) != GAN_OK)
            gan_layer_destroy(l);
    }
    return st;
}

/* A model of (c, h, w) images. */
static gan_status ex_image_model(int32_t c, int32_t h, int32_t w, const char *name,
                                 uint64_t seed, gan_model_t **m)
{
    const int32_t dims[3] = {c, h, w};
    *m = NULL;
    return ex_model(m, dims, 3, name, seed);
}

gan_status ex_resnet_generator(int32_t channels_in, int32_t channels_out, int32_t h,
                               int32_t w, int32_t filters, int32_t blocks,
                               int32_t downsamplings, int32_t batch, const char *name,
                               uint64_t seed, gan_model_t **out)
{
    gan_model_t *m;
    gan_layer_t *l;
    gan_status st = ex_image_model(channels_in, h, w, name, seed, &m);
    if (st == GAN_OK)
        st = ex_reflect(m, 3);
    if (st == GAN_OK)
        st = ex_conv(m, false, filters, 7, 1, 0, 0);
    int32_t f = filters;
    for (int32_t k = 0; st == GAN_OK && k <= downsamplings; k++, f *= 2) {
        if (k > 0) /* downsampling */
            st = ex_conv(m, false, f, 3, 2, 1, 0);
        if (st == GAN_OK)
            st = ex_norm(m);
        if (st == GAN_OK)
            st = ex_relu(m);
    }
    for (int32_t b = 0; st == GAN_OK && b < blocks; b++)
        st = ex_residual_block(m, f / 2);
    for (f /= 4; st == GAN_OK && f >= filters; f /= 2) {
        st = ex_conv(m, true, f, 3, 2, 1, 1);
        if (st == GAN_OK)
            st = ex_norm(m);
        if (st == GAN_OK)
            st = ex_relu(m);
    }
    if (st == GAN_OK)
        st = ex_reflect(m, 3);
    if (st == GAN_OK)
        st = ex_conv(m, false, channels_out, 7, 1, 0, 0);
    if (st == GAN_OK)
        st = EX_ADD(m, gan_layer_tanh_create(&l), l);
    return ex_model_finish(st, m, batch, out);
}

gan_status ex_patchgan_discriminator(int32_t channels, int32_t h, int32_t w, int32_t filters,
                                     int32_t layers, int32_t batch, const char *name,
                                     uint64_t seed, gan_model_t **out)
{
    gan_model_t *m;
    gan_layer_t *l;
    gan_status st = ex_image_model(channels, h, w, name, seed, &m);
    int32_t mult = 1;
    for (int32_t k = 0; st == GAN_OK && k <= layers; k++) {
        if (k > 0)
            mult = mult * 2 > 8 ? 8 : mult * 2;
        /* layers strided convolutions, then one of stride 1 */
        st = ex_conv(m, false, filters * mult, 4, k < layers ? 2 : 1, 1, 0);
        if (st == GAN_OK && k > 0) /* no norm after the first */
            st = ex_norm(m);
        if (st == GAN_OK)
            st = EX_ADD(m, gan_layer_leaky_relu_create(&l, 0.2f), l);
    }
    if (st == GAN_OK)
        st = ex_conv(m, false, 1, 4, 1, 1, 0);
    return ex_model_finish(st, m, batch, out);
}

gan_status ex_cyclegan_build(const ex_cyclegan_sizes_t *s, int32_t batch, double lr,
                             uint64_t seed, const gan_cyclegan_options_t *opts,
                             gan_model_t *m[4], gan_optimizer_t *o[4], gan_cyclegan_t **t)
{
    static const char *const names[4] = {"G", "F", "D_A", "D_B"};
    gan_status st = GAN_OK;
    *t = NULL;
    for (int i = 0; i < 4; i++)
        m[i] = NULL, o[i] = NULL;
    for (int i = 0; i < 4 && st == GAN_OK; i++) {
        const uint64_t own = seed + 1 + (uint64_t)i;
        st = i < 2 ? ex_resnet_generator(1, 1, 28, 28, s->g_filters, s->g_blocks, s->g_down,
                                         batch, names[i], own, &m[i])
                   : ex_patchgan_discriminator(1, 28, 28, s->d_filters, s->d_layers, batch,
                                               names[i], own, &m[i]);
        if (st == GAN_OK)
            st = gan_optimizer_adam_create(&o[i], m[i], (float)lr, 0.5f, 0.999f, 1e-8f);
    }
    if (st == GAN_OK)
        st = gan_cyclegan_create(t, m[0], m[1], m[2], m[3], o[0], o[1], o[2], o[3], opts);
    return st;
}
