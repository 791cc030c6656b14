/* The examples' networks and the helpers that build them. */
#include "common/models.h"

gan_status ex_add(gan_model_t *m, gan_status created, gan_layer_t *const *layer)
{
    if (created != GAN_OK)
        return created;
    gan_status st = gan_model_add(m, *layer);
    if (st != GAN_OK)
        gan_layer_destroy(*layer);
    return st;
}

gan_status ex_model(gan_model_t **out, const int32_t *dims, int32_t ndim, const char *name,
                    uint64_t seed)
{
    gan_model_options_t o;
    gan_model_options_init(&o, sizeof o);
    o.name = name;
    o.seed = seed;
    return gan_model_create(out, dims, ndim, &o);
}

gan_status ex_model_finish(gan_status st, gan_model_t *m, int32_t batch, gan_model_t **out)
{
    if (st == GAN_OK)
        st = gan_model_build(m, batch);
    if (st != GAN_OK) {
        gan_model_destroy(m);
        return st;
    }
    *out = m;
    return GAN_OK;
}

/* Hand a finished model out, or free it after a failure. */
static gan_status ex_model_done(gan_status st, gan_model_t *m, gan_model_t **out)
{
    if (st != GAN_OK)
        gan_model_destroy(m);
    else
        *out = m;
    return st;
}

/* A weight layer of D, spectrally normalised when configured. */
static gan_status ex_d_weight_layer(const ex_config *c, gan_model_t *d, gan_status created,
                                    gan_layer_t *const *layer)
{
    if (created == GAN_OK && c->spectral_norm &&
        (created = gan_layer_set_spectral_norm(*layer, true)) != GAN_OK)
        gan_layer_destroy(*layer);
    return ex_add(d, created, layer);
}

gan_status ex_dcgan_generator(const ex_config *c, int32_t classes, gan_model_t **out)
{
    const int32_t latent[1] = {EX_LATENT}, planes[3] = {256, 7, 7};
    const int32_t filters[3] = {128, 64, 1}, strides[3] = {1, 2, 2};
    gan_model_t *g = NULL;
    gan_layer_t *l;
    gan_status st = ex_model(&g, latent, 1, "generator", c->seed);
    if (st == GAN_OK && classes)
        st = EX_ADD(g, gan_layer_condition_create(&l, classes, 0), l);
    if (st == GAN_OK)
        st = EX_ADD(g, gan_layer_dense_create(&l, 7 * 7 * 256, false), l);
    if (st == GAN_OK)
        st = EX_ADD(g, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l);
    if (st == GAN_OK)
        st = EX_ADD(g, gan_layer_leaky_relu_create(&l, 0.2f), l);
    if (st == GAN_OK)
        st = EX_ADD(g, gan_layer_reshape_create(&l, planes, 3), l);
    for (int i = 0; i < 3 && st == GAN_OK; i++) {
        if (classes) /* the label again at every scale: a firmer hold on the class */
            st = EX_ADD(g, gan_layer_condition_create(&l, classes, 0), l);
        if (st == GAN_OK)
            st = EX_ADD(g, gan_layer_conv2d_transpose_create(&l, filters[i], 5, strides[i],
                                                              GAN_PADDING_SAME), l);
        if (i < 2 && st == GAN_OK)
            st = EX_ADD(g, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l);
        if (i < 2 && st == GAN_OK)
            st = EX_ADD(g, gan_layer_leaky_relu_create(&l, 0.2f), l);
    }
    if (st == GAN_OK)
        st = EX_ADD(g, gan_layer_tanh_create(&l), l);
    return ex_model_done(st, g, out);
}

gan_status ex_dcgan_discriminator(const ex_config *c, int32_t classes, bool dropout,
                                  gan_model_t **out)
{
    const int32_t image[3] = {1, 28, 28}, filters[2] = {64, 128};
    gan_model_t *d = NULL;
    gan_layer_t *l;
    gan_status st = ex_model(&d, image, 3, "discriminator", c->seed + 1);
    if (st == GAN_OK && classes)
        st = EX_ADD(d, gan_layer_condition_create(&l, classes, 0), l);
    for (int i = 0; i < 2 && st == GAN_OK; i++) {
        if (i > 0 && classes)
            st = EX_ADD(d, gan_layer_condition_create(&l, classes, 0), l);
        if (st == GAN_OK)
            st = ex_d_weight_layer(c, d, gan_layer_conv2d_create(&l, filters[i], 5, 2,
                                                                 GAN_PADDING_SAME), &l);
        if (st == GAN_OK)
            st = EX_ADD(d, gan_layer_leaky_relu_create(&l, 0.2f), l);
        if (st == GAN_OK && dropout)
            st = EX_ADD(d, gan_layer_dropout_create(&l, 0.3f), l);
    }
    if (st == GAN_OK)
        st = EX_ADD(d, gan_layer_flatten_create(&l), l);
    if (st == GAN_OK && classes)
        st = EX_ADD(d, gan_layer_condition_create(&l, classes, 0), l);
    if (st == GAN_OK)
        st = ex_d_weight_layer(c, d, gan_layer_dense_create(&l, 1, true), &l);
    return ex_model_done(st, d, out);
}

gan_status ex_mlp_generator(const ex_config *c, gan_model_t **out)
{
    const int32_t latent[1] = {EX_LATENT}, image[3] = {1, 28, 28};
    const int32_t units[2] = {256, 512};
    gan_model_t *g = NULL;
    gan_layer_t *l;
    gan_status st = ex_model(&g, latent, 1, "generator", c->seed);
    for (int i = 0; i < 2 && st == GAN_OK; i++) {
        st = EX_ADD(g, gan_layer_dense_create(&l, units[i], true), l);
        if (st == GAN_OK)
            st = EX_ADD(g, gan_layer_relu_create(&l), l);
    }
    if (st == GAN_OK)
        st = EX_ADD(g, gan_layer_dense_create(&l, 784, true), l);
    if (st == GAN_OK)
        st = EX_ADD(g, gan_layer_tanh_create(&l), l);
    if (st == GAN_OK)
        st = EX_ADD(g, gan_layer_reshape_create(&l, image, 3), l);
    return ex_model_done(st, g, out);
}

gan_status ex_mlp_discriminator(const ex_config *c, gan_model_t **out)
{
    const int32_t image[3] = {1, 28, 28}, units[2] = {512, 256};
    gan_model_t *d = NULL;
    gan_layer_t *l;
    gan_status st = ex_model(&d, image, 3, "discriminator", c->seed + 1);
    if (st == GAN_OK)
        st = EX_ADD(d, gan_layer_flatten_create(&l), l);
    for (int i = 0; i < 2 && st == GAN_OK; i++) {
        st = ex_d_weight_layer(c, d, gan_layer_dense_create(&l, units[i], true), &l);
        if (st == GAN_OK)
            st = EX_ADD(d, gan_layer_leaky_relu_create(&l, 0.2f), l);
    }
    if (st == GAN_OK)
        st = ex_d_weight_layer(c, d, gan_layer_dense_create(&l, 1, true), &l);
    return ex_model_done(st, d, out);
}

/* ------------------------------------------------------------------ residual GAN */

void ex_resgan_widths_default(ex_resgan_widths_t *w)
{
    /* G 48 -> 24 channels, D 16 -> 32: a step costs about what the DCGAN's does
     * (doc/EXAMPLES.md); 64/32 cost 1.7 times as much. */
    *w = (ex_resgan_widths_t){.latent = 128, .g_channels = 48, .d_channels = 16};
}

/* A graph under construction: the first failure is kept and every later call is a
 * no-op that frees the layer it was given, so a builder checks once at the end. */
typedef struct ex_graph {
    gan_model_t *m;
    gan_status st;
    bool spectral_norm; /* on every weight layer */
} ex_graph;

/* Connect a layer just created (status @p created) to @p n nodes; its node, or -1. */
static int32_t ex_graph_connect(ex_graph *b, gan_status created, gan_layer_t *const *layer,
                                const int32_t *inputs, int32_t n)
{
    int32_t node = -1;
    if (created != GAN_OK) {
        if (b->st == GAN_OK)
            b->st = created;
        return -1;
    }
    if (b->st == GAN_OK)
        b->st = gan_model_connect(b->m, *layer, inputs, n, &node);
    if (b->st != GAN_OK) { /* this failure, or an earlier one: the layer is still ours */
        gan_layer_destroy(*layer);
        return -1;
    }
    return node;
}

static int32_t ex_graph_layer(ex_graph *b, gan_status created, gan_layer_t *const *layer,
                              int32_t from)
{
    return ex_graph_connect(b, created, layer, &from, 1);
}

/* A weight layer (Dense or stride-1 "same" Conv2D) with Glorot-uniform weights, as the
 * SNGAN code initialises its ResNets, spectrally normalised if the graph says so. */
static int32_t ex_graph_weights(ex_graph *b, int32_t from, int32_t units, int32_t kernel)
{
    gan_layer_t *l = NULL;
    gan_status st = kernel ? gan_layer_conv2d_create(&l, units, kernel, 1, GAN_PADDING_SAME)
                           : gan_layer_dense_create(&l, units, true);
    if (st == GAN_OK && (st = gan_layer_set_init(l, GAN_PARAM_WEIGHT, GAN_INIT_GLOROT_UNIFORM,
                                                 0.0f, 0.0f)) == GAN_OK && b->spectral_norm)
        st = gan_layer_set_spectral_norm(l, true);
    if (st != GAN_OK && l) {
        gan_layer_destroy(l);
        l = NULL;
    }
    return ex_graph_layer(b, st, &l, from);
}

static int32_t ex_graph_add(ex_graph *b, int32_t x, int32_t y)
{
    gan_layer_t *l;
    const int32_t nodes[2] = {x, y};
    return ex_graph_connect(b, gan_layer_add_create(&l), &l, nodes, 2);
}

static int32_t ex_graph_bn_relu(ex_graph *b, int32_t from)
{
    gan_layer_t *l;
    int32_t h = ex_graph_layer(b, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), &l, from);
    return ex_graph_layer(b, gan_layer_relu_create(&l), &l, h);
}

/* G's block: BN -> ReLU -> Upsample -> Conv3x3 -> BN -> ReLU -> Conv3x3, plus the
 * shortcut. Its 1x1 convolution runs before the upsampling: nearest upsampling commutes
 * with a per-pixel linear map, and this order costs a quarter of the other. */
static int32_t ex_resgan_up_block(ex_graph *b, int32_t x, int32_t in, int32_t out)
{
    gan_layer_t *l;
    int32_t h = ex_graph_bn_relu(b, x);
    h = ex_graph_layer(b, gan_layer_upsample_create(&l, 2), &l, h);
    h = ex_graph_weights(b, h, out, 3);
    h = ex_graph_bn_relu(b, h);
    h = ex_graph_weights(b, h, out, 3);
    int32_t s = in == out ? x : ex_graph_weights(b, x, out, 1);
    s = ex_graph_layer(b, gan_layer_upsample_create(&l, 2), &l, s);
    return ex_graph_add(b, h, s);
}

/* D's block: [ReLU ->] Conv3x3 -> ReLU -> Conv3x3 [-> AvgPool 2], plus the shortcut
 * [AvgPool 2 ->] [Conv1x1] (pooling first: it commutes with the 1x1 convolution, and is
 * 4 times cheaper that way). The first block reads the image without a ReLU. */
static int32_t ex_resgan_down_block(ex_graph *b, int32_t x, int32_t in, int32_t out,
                                    bool first, bool down)
{
    gan_layer_t *l;
    int32_t h = first ? x : ex_graph_layer(b, gan_layer_relu_create(&l), &l, x);
    h = ex_graph_weights(b, h, out, 3);
    h = ex_graph_layer(b, gan_layer_relu_create(&l), &l, h);
    h = ex_graph_weights(b, h, out, 3);
    int32_t s = x;
    if (down) {
        h = ex_graph_layer(b, gan_layer_avgpool2d_create(&l, 2, 2), &l, h);
        s = ex_graph_layer(b, gan_layer_avgpool2d_create(&l, 2, 2), &l, s);
    }
    if (in != out || down)
        s = ex_graph_weights(b, s, out, 1);
    return ex_graph_add(b, h, s);
}

gan_status ex_resgan_generator(const ex_config *c, const ex_resgan_widths_t *w,
                               gan_model_t **out)
{
    const int32_t latent[1] = {w->latent}, planes[3] = {w->g_channels, 7, 7};
    ex_graph b = {0};
    gan_layer_t *l;
    b.st = ex_model(&b.m, latent, 1, "generator", c->seed);
    int32_t h = ex_graph_weights(&b, GAN_MODEL_INPUT(0), 7 * 7 * w->g_channels, 0);
    h = ex_graph_layer(&b, gan_layer_reshape_create(&l, planes, 3), &l, h);
    h = ex_resgan_up_block(&b, h, w->g_channels, w->g_channels);
    h = ex_resgan_up_block(&b, h, w->g_channels, w->g_channels / 2);
    h = ex_graph_bn_relu(&b, h);
    h = ex_graph_weights(&b, h, 1, 3);
    ex_graph_layer(&b, gan_layer_tanh_create(&l), &l, h);
    return ex_model_done(b.st, b.m, out);
}

gan_status ex_resgan_discriminator(const ex_config *c, const ex_resgan_widths_t *w,
                                   gan_model_t **out)
{
    const int32_t image[3] = {1, 28, 28}, c1 = w->d_channels, c2 = 2 * w->d_channels;
    ex_graph b = {.spectral_norm = true};
    gan_layer_t *l;
    b.st = ex_model(&b.m, image, 3, "discriminator", c->seed + 1);
    int32_t h = ex_resgan_down_block(&b, GAN_MODEL_INPUT(0), 1, c1, true, true); /* 14x14 */
    h = ex_resgan_down_block(&b, h, c1, c2, false, true);                         /* 7x7 */
    h = ex_resgan_down_block(&b, h, c2, c2, false, false);
    h = ex_graph_layer(&b, gan_layer_relu_create(&l), &l, h);
    /* SNGAN sums over positions: the mean times the 7x7 positions. */
    h = ex_graph_layer(&b, gan_layer_global_avgpool_create(&l), &l, h);
    h = ex_graph_layer(&b, gan_layer_scale_create(&l, 7.0f * 7.0f, 0.0f), &l, h);
    ex_graph_weights(&b, h, 1, 0);
    return ex_model_done(b.st, b.m, out);
}

gan_status ex_resgan_settings(ex_config *c)
{
    c->epochs = 12; /* the DCGAN's 1,872 steps, at about its cost per step */
    c->lr_g = c->lr_d = 2e-4f;
    c->beta1 = 0.5f;
    c->beta2 = 0.999f;
    gan_status st = gan_hacks_set(c->hacks, GAN_HACK_LOSS, GAN_LOSS_HINGE);
    /* The average starts from the initial weights: after the 1,872 steps their share is
     * 0.995^1872, nothing; with 0.999 it would still be 15 %. */
    if (st == GAN_OK)
        st = gan_hacks_set(c->hacks, GAN_HACK_EMA_DECAY, 0.995);
    return st;
}
