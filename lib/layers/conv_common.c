/* What Conv2D and Conv2DTranspose share: options, geometry, GEMM chunking. */
#include "layers/conv_common.h"

#include <stdio.h>

#include "core/error.h"
#include "core/options.h"
#include "kernels/conv_direct.h"
#include "kernels/elementwise.h"

/* Largest column buffer a chunk may use, in floats (4 MiB): larger chunks made no
 * product faster (doc/PERFORMANCE.md). 2 MiB was as fast and saved 8 MB, but it changes
 * the order in which weight gradients sum over images, and the DCGAN it trained scored
 * worse; this size keeps training bit for bit what it was. */
#define GAN__CONV_COL_CAP ((size_t)1 << 20)
/* Kernel, stride and padding beyond this are surely mistakes (and would overflow). */
#define GAN__CONV_MAX_EXTENT 4096

gan_status gan_conv_options_init(gan_conv_options_t *opts, size_t struct_size)
{
    gan_status st = gan__options_init(opts, struct_size, sizeof *opts,
                                      "gan_conv_options_init");
    if (st != GAN_OK)
        return st;
    opts->filters = 1;
    opts->kernel_h = opts->kernel_w = 5;
    opts->stride_h = opts->stride_w = 1;
    opts->padding = GAN_PADDING_SAME;
    opts->use_bias = 1;
    return GAN_OK;
}

static gan_status gan__conv_check(const gan_conv_options_t *o, bool transpose,
                                  const char *who)
{
    struct {
        const char *name;
        int32_t value, lo, hi;
    } fields[] = {
        {"filters", o->filters, 1, INT32_MAX},
        {"kernel_h", o->kernel_h, 1, GAN__CONV_MAX_EXTENT},
        {"kernel_w", o->kernel_w, 1, GAN__CONV_MAX_EXTENT},
        {"stride_h", o->stride_h, 1, GAN__CONV_MAX_EXTENT},
        {"stride_w", o->stride_w, 1, GAN__CONV_MAX_EXTENT},
        {"padding", o->padding, GAN_PADDING_SAME, GAN_PADDING_EXPLICIT},
        {"pad_top", o->pad_top, 0, GAN__CONV_MAX_EXTENT},
        {"pad_bottom", o->pad_bottom, 0, GAN__CONV_MAX_EXTENT},
        {"pad_left", o->pad_left, 0, GAN__CONV_MAX_EXTENT},
        {"pad_right", o->pad_right, 0, GAN__CONV_MAX_EXTENT},
        {"output_padding_h", o->output_padding_h, 0, transpose ? o->stride_h - 1 : 0},
        {"output_padding_w", o->output_padding_w, 0, transpose ? o->stride_w - 1 : 0},
        {"use_bias", o->use_bias, 0, 1},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (fields[i].value < fields[i].lo || fields[i].value > fields[i].hi)
            return gan__fail(GAN_E_OUT_OF_RANGE, "%s: %s %d is outside [%d, %d]%s", who,
                             fields[i].name, (int)fields[i].value, (int)fields[i].lo,
                             (int)fields[i].hi,
                             fields[i].name[0] == 'o' ? " (below the stride, and 0 for "
                                                        "Conv2D)"
                                                      : "");
    if (o->padding != GAN_PADDING_EXPLICIT &&
        (o->pad_top | o->pad_bottom | o->pad_left | o->pad_right | o->output_padding_h |
         o->output_padding_w))
        return gan__fail(GAN_E_INVALID_ARG, "%s: pad_* and output_padding_* need "
                         "padding = GAN_PADDING_EXPLICIT", who);
    return GAN_OK;
}

gan_status gan__conv_create(gan_layer_t **out, const gan_conv_options_t *opts,
                            const gan__layer_ops *ops, bool transpose, const char *who)
{
    gan_status st = gan__check_out(out, who);
    if (st != GAN_OK)
        return st;
    if (!opts)
        return gan__fail(GAN_E_INVALID_ARG, "%s: opts is NULL", who);
    gan_conv_options_t o;
    gan_conv_options_init(&o, sizeof o);
    st = gan__options_read(&o, sizeof o, opts, sizeof o, who);
    if (st == GAN_OK)
        st = gan__conv_check(&o, transpose, who);
    if (st == GAN_OK)
        st = gan__layer_alloc(out, sizeof(gan__conv), ops, who);
    if (st != GAN_OK)
        return st;
    gan__conv *c = (gan__conv *)*out;
    c->opt = o;
    c->transpose = transpose;
    c->base.param[GAN_PARAM_WEIGHT].present = true;
    c->base.param[GAN_PARAM_BIAS].present = o.use_bias != 0;
    return GAN_OK;
}

gan_status gan__conv_create_simple(gan_layer_t **out, int32_t filters, int32_t kernel,
                                   int32_t stride, int32_t padding,
                                   const gan__layer_ops *ops, bool transpose,
                                   const char *who)
{
    if (padding != GAN_PADDING_SAME && padding != GAN_PADDING_VALID)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: padding %d must be GAN_PADDING_SAME or "
                         "GAN_PADDING_VALID (explicit pads: use the _ex function)", who,
                         (int)padding);
    gan_conv_options_t o;
    gan_conv_options_init(&o, sizeof o);
    o.filters = filters;
    o.kernel_h = o.kernel_w = kernel;
    o.stride_h = o.stride_w = stride;
    o.padding = padding;
    return gan__conv_create(out, &o, ops, transpose, who);
}

/* One axis of a convolution over an image of @p image: grid size and leading pad. */
static gan_status gan__conv_axis(int32_t image, int32_t k, int32_t s, int32_t padding,
                                 int32_t pad_lo, int32_t pad_hi, int32_t *grid,
                                 int32_t *lead, const char *axis)
{
    int64_t g;
    if (padding == GAN_PADDING_SAME) {
        g = ((int64_t)image + s - 1) / s;
        int64_t total = (g - 1) * s + k - image;
        pad_lo = total > 0 ? (int32_t)(total / 2) : 0;
    } else {
        if (padding == GAN_PADDING_VALID)
            pad_lo = pad_hi = 0;
        int64_t span = (int64_t)image + pad_lo + pad_hi;
        if (span < k)
            return gan__fail(GAN_E_SHAPE, "conv2d: kernel %s %d does not fit the %s of %d "
                             "plus padding %d+%d", axis, (int)k, axis, (int)image,
                             (int)pad_lo, (int)pad_hi);
        g = (span - k) / s + 1;
    }
    *grid = (int32_t)g;
    *lead = pad_lo;
    return GAN_OK;
}

/* One axis of a transposed convolution from a grid of @p grid: image size and pad. */
static gan_status gan__conv_transpose_axis(int32_t grid, int32_t k, int32_t s,
                                           int32_t padding, int32_t pad_lo, int32_t pad_hi,
                                           int32_t output_padding, int32_t *image,
                                           int32_t *lead, const char *axis)
{
    int64_t size;
    if (padding == GAN_PADDING_SAME) {
        size = (int64_t)grid * s;
        int64_t total = k - s;
        pad_lo = total > 0 ? (int32_t)(total / 2) : 0;
    } else {
        if (padding == GAN_PADDING_VALID)
            pad_lo = pad_hi = output_padding = 0;
        size = ((int64_t)grid - 1) * s + k - pad_lo - pad_hi + output_padding;
    }
    if (size < 1 || size > INT32_MAX)
        return gan__fail(GAN_E_SHAPE, "conv2d_transpose: a %s of %d gives an output %s "
                         "of %lld", axis, (int)grid, axis, (long long)size);
    *image = (int32_t)size;
    *lead = pad_lo;
    return GAN_OK;
}

gan_status gan__conv_configure(gan_layer_t *l)
{
    gan__conv *c = (gan__conv *)l;
    const gan_conv_options_t *o = &c->opt;
    if (l->in.ndim != 3)
        return gan__fail(GAN_E_SHAPE, "%s expects an image (C,H,W), got %s; add a Reshape "
                         "layer first", l->ops->kind, gan__shape_str(&l->in).s);
    const int32_t in_c = l->in.d[0];
    gan__conv_geom g = {
        .kernel_h = o->kernel_h, .kernel_w = o->kernel_w,
        .stride_h = o->stride_h, .stride_w = o->stride_w,
    };
    gan_status st;
    if (!c->transpose) {
        g.channels = in_c;
        g.in_h = l->in.d[1];
        g.in_w = l->in.d[2];
        st = gan__conv_axis(g.in_h, g.kernel_h, g.stride_h, o->padding, o->pad_top,
                            o->pad_bottom, &g.out_h, &g.pad_top, "height");
        if (st == GAN_OK)
            st = gan__conv_axis(g.in_w, g.kernel_w, g.stride_w, o->padding, o->pad_left,
                                o->pad_right, &g.out_w, &g.pad_left, "width");
        c->other_channels = o->filters;
        l->out = gan__shape3(o->filters, g.out_h, g.out_w);
    } else {
        g.channels = o->filters;
        g.out_h = l->in.d[1];
        g.out_w = l->in.d[2];
        st = gan__conv_transpose_axis(g.out_h, g.kernel_h, g.stride_h, o->padding,
                                      o->pad_top, o->pad_bottom, o->output_padding_h,
                                      &g.in_h, &g.pad_top, "height");
        if (st == GAN_OK)
            st = gan__conv_transpose_axis(g.out_w, g.kernel_w, g.stride_w, o->padding,
                                          o->pad_left, o->pad_right, o->output_padding_w,
                                          &g.in_w, &g.pad_left, "width");
        c->other_channels = in_c;
        l->out = gan__shape3(o->filters, g.in_h, g.in_w);
    }
    if (st != GAN_OK)
        return st;
    int64_t rows = (int64_t)g.channels * g.kernel_h * g.kernel_w;
    int64_t grid = (int64_t)g.out_h * g.out_w;
    if (rows * grid > INT32_MAX || rows * c->other_channels > INT32_MAX)
        return gan__fail(GAN_E_SHAPE, "%s: %lld x %lld column matrix is too large",
                         l->ops->kind, (long long)rows, (long long)grid);
    c->geom = g;
    const int32_t kk = o->kernel_h * o->kernel_w;
    gan__param *w = &l->param[GAN_PARAM_WEIGHT];
    w->count = (size_t)rows * (size_t)c->other_channels;
    /* PyTorch's fans: dim 1 and dim 0 of the weight tensor times the kernel area. */
    w->fan_in = (int32_t)(c->transpose ? (int64_t)o->filters * kk : (int64_t)in_c * kk);
    w->fan_out = (int32_t)(c->transpose ? (int64_t)in_c * kk : (int64_t)o->filters * kk);
    l->param[GAN_PARAM_BIAS].count = (size_t)o->filters;
    return GAN_OK;
}

size_t gan__conv_col_floats(const gan__conv *c)
{
    const gan__conv_geom *g = &c->geom;
    return (size_t)g->channels * g->kernel_h * g->kernel_w * (size_t)g->out_h * g->out_w;
}

int32_t gan__conv_chunk(const gan__conv *c, int32_t batch)
{
    size_t per_image = gan__conv_col_floats(c);
    size_t fit = per_image ? GAN__CONV_COL_CAP / per_image : (size_t)batch;
    if (fit < 1)
        fit = 1;
    if (fit >= (size_t)batch)
        return batch;
    /* Equal chunks: 64 images that fit 53 at a time run as 32 + 32, not 53 + 11. */
    size_t chunks = ((size_t)batch + fit - 1) / fit;
    return (int32_t)(((size_t)batch + chunks - 1) / chunks);
}

static int32_t gan__conv_parts(const gan_layer_t *l, int32_t batch)
{
    int32_t parts = l->parts > 1 ? l->parts : 1;
    return parts < batch ? parts : batch;
}

/* Whether the layer's geometry suits the direct kernels (whatever its backend): a
 * Conv2D they apply to (not the transpose: its stride-1 layers here, the DCGAN's 256 ->
 * 128 at 7x7 with 6,400 taps, ran slower on them than as one deep GEMM). */
static bool gan__conv_direct_fits(const gan__conv *c)
{
    return !c->transpose && gan__dconv_applies(&c->geom, c->other_channels);
}

/* Floats of one part's column buffer, reordering space and planes. */
static size_t gan__conv_part_floats(const gan__conv *c, int32_t batch, int32_t parts)
{
    size_t grid = (size_t)c->geom.out_h * c->geom.out_w;
    size_t per_image = gan__conv_col_floats(c) + (size_t)c->other_channels * grid;
    int32_t images = (int32_t)(((size_t)batch + (size_t)parts - 1) / (size_t)parts);
    const int32_t chunk = gan__conv_chunk(c, images);
    size_t floats = per_image * (size_t)chunk + gan__conv_planes_floats(&c->geom);
    if (gan__conv_direct_fits(c)) {
        const int32_t group = gan__dconv_group(&c->geom, c->other_channels, images);
        const size_t direct = gan__dconv_scratch_floats(&c->geom, c->other_channels, group);
        floats = floats > direct ? floats : direct;
    }
    return (floats + 15) & ~(size_t)15; /* every part starts on a 64-byte line */
}

size_t gan__conv_workspace(const gan_layer_t *l, int32_t batch)
{
    const gan__conv *c = (const gan__conv *)l;
    const int32_t parts = gan__conv_parts(l, batch);
    /* Parts after the first add their weight gradients into private copies; the direct
     * kernels' packed weights, shared by the parts, come last. */
    const bool direct = gan__conv_direct_fits(c);
    return gan__conv_part_floats(c, batch, parts) * (size_t)parts +
           l->param[GAN_PARAM_WEIGHT].count * (size_t)(parts - 1) +
           (direct ? gan__dconv_pack_floats(&c->geom, c->other_channels) : 0);
}

float *gan__conv_direct_pack(const gan_layer_t *l, const gan__ctx *c)
{
    const gan__conv *cv = (const gan__conv *)l;
    const int32_t parts = gan__conv_parts(l, c->batch);
    return c->workspace + gan__conv_part_floats(cv, c->batch, parts) * (size_t)parts +
           l->param[GAN_PARAM_WEIGHT].count * (size_t)(parts - 1);
}

gan__conv_pass gan__conv_pass_begin(const gan_layer_t *l, const gan__ctx *c, int32_t part)
{
    const gan__conv *cv = (const gan__conv *)l;
    const int32_t parts = gan__conv_parts(l, c->batch);
    size_t begin, end;
    gan__part_range((size_t)c->batch, part, parts, &begin, &end);
    gan__conv_pass p = {
        .g = &cv->geom,
        .other = cv->other_channels,
        .rows = cv->geom.channels * cv->geom.kernel_h * cv->geom.kernel_w,
        .grid = (size_t)cv->geom.out_h * cv->geom.out_w,
        .in_size = gan__shape_size(&l->in),
        .out_size = gan__shape_size(&l->out),
        .parts = parts,
        .n_begin = (int32_t)begin,
        .n_end = (int32_t)end,
    };
    const size_t part_floats = gan__conv_part_floats(cv, c->batch, parts);
    p.chunk = gan__conv_chunk(cv, (int32_t)(((size_t)c->batch + parts - 1) / parts));
    p.col = c->workspace + part_floats * (size_t)part;
    p.tmp = p.col + (size_t)p.rows * p.chunk * p.grid;
    p.planes = p.tmp + (size_t)p.other * p.chunk * p.grid;
    const size_t weights = l->param[GAN_PARAM_WEIGHT].count;
    p.dw = part == 0 ? l->param[GAN_PARAM_WEIGHT].grad
                     : c->workspace + part_floats * (size_t)parts + weights * (size_t)(part - 1);
    return p;
}

bool gan__conv_direct(const gan_layer_t *l, const gan__ctx *c)
{
    return gan__blas_own_kernels(c->blas) && gan__conv_direct_fits((const gan__conv *)l);
}

typedef struct gan__conv_bias_job {
    float *db;
    const float *dy;
    int32_t batch, channels;
    size_t inner;
} gan__conv_bias_job;

static void gan__conv_bias_range(void *arg, size_t begin, size_t end)
{
    const gan__conv_bias_job *job = arg;
    gan__sum_channels_range(job->db, NULL, job->dy, job->batch, job->channels, job->inner,
                            (int32_t)begin, (int32_t)end);
}

void gan__conv_bias_grad(const gan_layer_t *l, const gan__ctx *c, const float *dy,
                         int32_t channels, size_t inner)
{
    gan__conv_bias_job job = {.db = l->param[GAN_PARAM_BIAS].grad, .dy = dy,
                              .batch = c->batch, .channels = channels, .inner = inner};
    const size_t per_channel = (size_t)c->batch * inner;
    const size_t grain = 4096 / (per_channel ? per_channel : 1) + 1;
    gan__pool_for(gan__conv_bias_range, &job, (size_t)channels, grain,
                  gan__conv_parts(l, c->batch));
}

typedef struct gan__conv_pack_job {
    float *wpack;
    const float *w;
    const gan__conv *cv;
    bool input_grad;
} gan__conv_pack_job;

static void gan__conv_pack_range(void *arg, size_t begin, size_t end)
{
    const gan__conv_pack_job *job = arg;
    gan__dconv_pack(job->wpack, job->w, &job->cv->geom, job->cv->other_channels,
                    job->input_grad, begin, end);
}

void gan__conv_direct_pack_weights(const gan_layer_t *l, const gan__ctx *c, bool input_grad)
{
    const gan__conv *cv = (const gan__conv *)l;
    gan__conv_pack_job job = {.wpack = gan__conv_direct_pack(l, c),
                              .w = l->param[GAN_PARAM_WEIGHT].value,
                              .cv = cv,
                              .input_grad = input_grad};
    const size_t taps = gan__dconv_pack_taps(&cv->geom, cv->other_channels, input_grad);
    const size_t outs = (size_t)(input_grad ? cv->geom.channels : cv->other_channels);
    /* a range worth waking a thread for: some 8,192 weights */
    const size_t grain = 8192 / (outs ? outs : 1) + 1;
    gan__pool_for(gan__conv_pack_range, &job, taps, grain, gan__conv_parts(l, c->batch));
}

gan_status gan__conv_run(gan_layer_t *l, const gan__ctx *c, gan__part_fn fn, void *job,
                         bool weight_grads)
{
    const int32_t parts = gan__conv_parts(l, c->batch);
    gan_status st = gan__pool_run(fn, job, parts);
    if (st != GAN_OK || !weight_grads || parts == 1)
        return st;
    const size_t weights = l->param[GAN_PARAM_WEIGHT].count;
    float *grad = l->param[GAN_PARAM_WEIGHT].grad;
    const float *priv = gan__conv_pass_begin(l, c, 1).dw;
    for (int32_t part = 1; part < parts; part++, priv += weights)
        for (size_t i = 0; i < weights; i++)
            grad[i] += priv[i];
    return GAN_OK;
}

void gan__conv_describe(const gan_layer_t *l, char *buf, size_t size)
{
    const gan__conv *c = (const gan__conv *)l;
    const gan_conv_options_t *o = &c->opt;
    static const char *const modes[] = {"same", "valid", "explicit"};
    snprintf(buf, size, "%dx%d/%d %s%s", (int)o->kernel_h, (int)o->kernel_w,
             (int)o->stride_h, modes[o->padding], o->use_bias ? "" : " nobias");
}
