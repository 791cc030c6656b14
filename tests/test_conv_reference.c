/* Conv2D and Conv2DTranspose forward outputs and shapes against the direct definitions,
 * and their backward over a batch cut into several column chunks against the same
 * images one at a time. */
#include "test_util.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One layer under test: its input images and every field of gan_conv_options_t. */
typedef struct cr_case {
    const char *name;
    bool transpose;
    struct { int32_t batch, c, h, w; } in;
    struct { int32_t filters, kh, kw, sh, sw, padding; } k;
    struct { int32_t top, bottom, left, right; } pad; /* GAN_PADDING_EXPLICIT only */
    struct { int32_t h, w; } out_pad;                  /* the transpose's output_padding */
    bool no_bias;
    /* The documented output size, given literally so that the formulas below are
     * checked too; 0 when only the formulas apply. */
    struct { int32_t h, w; } expect;
} cr_case;

/* One axis of the geometry: output size and leading (top or left) pad. */
typedef struct cr_axis {
    int32_t out, lead;
} cr_axis;

/* The textbook formulas for an axis of @p in elements. */
static cr_axis cr_axis_of(const cr_case *t, int32_t in, int32_t k, int32_t s, int32_t lo,
                          int32_t hi, int32_t out_pad)
{
    cr_axis a = {0, 0};
    switch (t->k.padding) {
    case GAN_PADDING_SAME: {
        /* TensorFlow: grid = ceil(image/s) (the transpose's image is grid*s), and the
         * total pad (grid-1)*s + k - image is split with the extra row at the bottom. */
        a.out = t->transpose ? in * s : (in + s - 1) / s;
        const int32_t image = t->transpose ? a.out : in, grid = t->transpose ? in : a.out;
        const int32_t total = (grid - 1) * s + k - image;
        a.lead = total > 0 ? total / 2 : 0;
        break;
    }
    case GAN_PADDING_VALID:
        a.out = t->transpose ? (in - 1) * s + k : (in - k) / s + 1;
        break;
    default: /* PyTorch's Conv2d and ConvTranspose2d */
        a.out = t->transpose ? (in - 1) * s - lo - hi + k + out_pad
                             : (in + lo + hi - k) / s + 1;
        a.lead = lo;
        break;
    }
    return a;
}

/* Expected y (N, F, OH, OW) in double by the direct definition, and for each element
 * the sum of the magnitudes of its terms, which bounds the float32 rounding error.
 *   Conv2D:    y[n,f,oh,ow] = b[f] + sum w[f,c,i,j] x[n,c, oh*sh-pt+i, ow*sw-pl+j]
 *   Transpose: y[n,f, gh*sh-pt+i, gw*sw-pl+j] += x[n,c,gh,gw] w[c,f,i,j], then + b[f]
 * Both pair a grid point (gh, gw) with an image point: the grid is Conv2D's output and
 * the transpose's input; image points outside the image are dropped (zero padding). */
static void cr_reference(const cr_case *t, cr_axis ah, cr_axis aw, const float *x,
                         const float *wts, const float *bias, double *y, double *mag)
{
    const int32_t F = t->k.filters, C = t->in.c, H = t->in.h, W = t->in.w;
    const int32_t OH = ah.out, OW = aw.out;
    const int32_t grid_h = t->transpose ? H : OH, grid_w = t->transpose ? W : OW;
    const int32_t img_h = t->transpose ? OH : H, img_w = t->transpose ? OW : W;
    const size_t out_size = (size_t)F * OH * OW;
    for (size_t i = 0; i < (size_t)t->in.batch * out_size; i++)
        y[i] = mag[i] = 0.0;
    for (int32_t n = 0; n < t->in.batch; n++)
        for (int32_t c = 0; c < C; c++)
            for (int32_t f = 0; f < F; f++)
                for (int32_t i = 0; i < t->k.kh; i++)
                    for (int32_t j = 0; j < t->k.kw; j++) {
                        /* w[f,c,i,j] for Conv2D, w[c,f,i,j] for the transpose */
                        const size_t pair =
                            t->transpose ? (size_t)c * F + f : (size_t)f * C + c;
                        const double wv = wts[(pair * t->k.kh + i) * t->k.kw + j];
                        for (int32_t gh = 0; gh < grid_h; gh++)
                            for (int32_t gw = 0; gw < grid_w; gw++) {
                                const int32_t ih = gh * t->k.sh - ah.lead + i;
                                const int32_t iw = gw * t->k.sw - aw.lead + j;
                                if (ih < 0 || ih >= img_h || iw < 0 || iw >= img_w)
                                    continue;
                                const size_t at_grid = (size_t)gh * grid_w + gw;
                                const size_t at_img = (size_t)ih * img_w + iw;
                                const size_t xi = ((size_t)n * C + c) * H * W +
                                                  (t->transpose ? at_grid : at_img);
                                const size_t yi = ((size_t)n * F + f) * OH * OW +
                                                  (t->transpose ? at_img : at_grid);
                                const double term = wv * x[xi];
                                y[yi] += term;
                                mag[yi] += fabs(term);
                            }
                    }
    if (!bias)
        return;
    for (int32_t n = 0; n < t->in.batch; n++)
        for (int32_t f = 0; f < F; f++)
            for (size_t p = 0; p < (size_t)OH * OW; p++) {
                const size_t yi = ((size_t)n * F + f) * OH * OW + p;
                y[yi] += bias[f];
                mag[yi] += fabs(bias[f]);
            }
}

/* A float32 sum of T products, each rounded, is within about T * 2^-24 * sum|terms| of
 * the exact value; T <= C*kh*kw + 1 <= 76 here, so 1e-5 bounds it with room. */
#define CR_RTOL 1e-5
#define CR_ATOL 1e-7

static gan_model_t *cr_build(const cr_case *t)
{
    const int32_t dims[3] = {t->in.c, t->in.h, t->in.w};
    gan_model_t *m = gt_model(dims, 3);
    gan_conv_options_t o;
    GT_OK(gan_conv_options_init(&o, sizeof o));
    o.filters = t->k.filters;
    o.kernel_h = t->k.kh;
    o.kernel_w = t->k.kw;
    o.stride_h = t->k.sh;
    o.stride_w = t->k.sw;
    o.padding = t->k.padding;
    o.pad_top = t->pad.top;
    o.pad_bottom = t->pad.bottom;
    o.pad_left = t->pad.left;
    o.pad_right = t->pad.right;
    o.output_padding_h = t->out_pad.h;
    o.output_padding_w = t->out_pad.w;
    o.use_bias = !t->no_bias;
    gan_layer_t *l = NULL;
    const gan_status st = t->transpose ? gan_layer_conv2d_transpose_create_ex(&l, &o)
                                       : gan_layer_conv2d_create_ex(&l, &o);
    gt_add(m, st, l);
    GT_OK(gan_model_build(m, t->in.batch));
    return m;
}

static void cr_check_case(void **state)
{
    const cr_case *t = *state;
    const cr_axis ah = cr_axis_of(t, t->in.h, t->k.kh, t->k.sh, t->pad.top, t->pad.bottom,
                                  t->out_pad.h);
    const cr_axis aw = cr_axis_of(t, t->in.w, t->k.kw, t->k.sw, t->pad.left, t->pad.right,
                                  t->out_pad.w);
    if (t->expect.h) {
        assert_int_equal(ah.out, t->expect.h);
        assert_int_equal(aw.out, t->expect.w);
    }
    gan_model_t *m = cr_build(t);

    int32_t dims[4], ndim;
    GT_OK(gan_model_get_output_shape(m, -1, dims, &ndim));
    if (ndim != 3 || dims[0] != t->k.filters || dims[1] != ah.out || dims[2] != aw.out)
        fail_msg("%s: output shape (%d,%d,%d) of rank %d, want (%d,%d,%d)", t->name,
                 (int)dims[0], (int)dims[1], (int)dims[2], (int)ndim, (int)t->k.filters,
                 (int)ah.out, (int)aw.out);

    float *params;
    size_t n_params;
    GT_OK(gan_model_get_params(m, &params, &n_params));
    const size_t n_w = (size_t)t->in.c * t->k.filters * t->k.kh * t->k.kw;
    assert_int_equal(n_params, n_w + (t->no_bias ? 0 : (size_t)t->k.filters));
    gt_rng rng;
    gt_seed(&rng, 2024);
    gt_fill(&rng, params, n_params, -1.0f, 1.0f);

    const size_t n_in = (size_t)t->in.batch * t->in.c * t->in.h * t->in.w;
    const size_t n_out = (size_t)t->in.batch * t->k.filters * ah.out * aw.out;
    float *x = malloc(n_in * sizeof *x);
    double *want = malloc(2 * n_out * sizeof *want);
    assert_non_null(x);
    assert_non_null(want);
    double *mag = want + n_out;
    gt_fill(&rng, x, n_in, -1.0f, 1.0f);
    cr_reference(t, ah, aw, x, params, t->no_bias ? NULL : params + n_w, want, mag);

    const float *y;
    GT_OK(gan_model_forward(m, x, NULL, t->in.batch, &y));
    size_t worst = 0;
    double worst_ratio = -1.0;
    for (size_t i = 0; i < n_out; i++) {
        const double ratio = fabs(y[i] - want[i]) / (CR_ATOL + CR_RTOL * mag[i]);
        if (ratio > worst_ratio) {
            worst_ratio = ratio;
            worst = i;
        }
    }
    if (worst_ratio > 1.0)
        fail_msg("%s: y[%zu] = %.9g, reference %.9g (sum of |terms| %.3g): %.3g times the "
                 "tolerance", t->name, worst, (double)y[worst], want[worst], mag[worst],
                 worst_ratio);
    free(want);
    free(x);
    gan_model_destroy(m);
}

#define SAME GAN_PADDING_SAME
#define VALID GAN_PADDING_VALID
#define EXPLICIT GAN_PADDING_EXPLICIT

/* .in = {batch, C, H, W}, .k = {filters, kh, kw, stride h, stride w, padding} */
static const cr_case cr_cases[] = {
    /* Conv2D */
    {.name = "conv k3 s1 same 7x5", .in = {2, 2, 7, 5}, .k = {3, 3, 3, 1, 1, SAME}},
    {.name = "conv k4 s2 same 7x5 (even kernel, odd size)", .in = {3, 2, 7, 5},
     .k = {2, 4, 4, 2, 2, SAME}},
    {.name = "conv k5 s2 same 9x9, one image", .in = {1, 3, 9, 9},
     .k = {2, 5, 5, 2, 2, SAME}},
    {.name = "conv k3 s3 same 8x10", .in = {2, 1, 8, 10}, .k = {2, 3, 3, 3, 3, SAME}},
    {.name = "conv k1 s2 same 5x6 (kernel < stride)", .in = {2, 2, 5, 6},
     .k = {3, 1, 1, 2, 2, SAME}},
    {.name = "conv k3 s3 valid 10x8", .in = {2, 2, 10, 8}, .k = {2, 3, 3, 3, 3, VALID}},
    {.name = "conv k5 s2 valid 11x7", .in = {1, 2, 11, 7}, .k = {3, 5, 5, 2, 2, VALID}},
    {.name = "conv 5x3 s1x3 valid 9x10", .in = {2, 3, 9, 10}, .k = {2, 5, 3, 1, 3, VALID}},
    {.name = "conv 3x5 s2x1 explicit 2/0/1/3", .in = {2, 2, 7, 5},
     .k = {2, 3, 5, 2, 1, EXPLICIT}, .pad = {2, 0, 1, 3}},
    {.name = "conv 2x3 s3 explicit 1/2/0/1 no bias", .in = {3, 2, 8, 7},
     .k = {2, 2, 3, 3, 3, EXPLICIT}, .pad = {1, 2, 0, 1}, .no_bias = true},
    {.name = "conv k2 s1 explicit 3/1/0/2 (pad beyond kernel)", .in = {1, 1, 4, 3},
     .k = {2, 2, 2, 1, 1, EXPLICIT}, .pad = {3, 1, 0, 2}},
    /* Conv2DTranspose */
    {.name = "convT k3 s1 same 5x4", .transpose = true, .in = {2, 2, 5, 4},
     .k = {3, 3, 3, 1, 1, SAME}},
    {.name = "convT k4 s2 same 4x3", .transpose = true, .in = {3, 2, 4, 3},
     .k = {2, 4, 4, 2, 2, SAME}},
    {.name = "convT k5 s2 same 3x5, one image", .transpose = true, .in = {1, 3, 3, 5},
     .k = {2, 5, 5, 2, 2, SAME}},
    {.name = "convT k2 s3 same 3x4 (kernel < stride)", .transpose = true,
     .in = {2, 2, 3, 4}, .k = {2, 2, 2, 3, 3, SAME}},
    {.name = "convT k3 s2 valid 4x5", .transpose = true, .in = {2, 2, 4, 5},
     .k = {3, 3, 3, 2, 2, VALID}},
    {.name = "convT k1 s3 valid 3x2 (kernel < stride)", .transpose = true,
     .in = {2, 2, 3, 2}, .k = {2, 1, 1, 3, 3, VALID}},
    {.name = "convT k4 s2 explicit 1/1/1/1", .transpose = true, .in = {2, 2, 4, 4},
     .k = {2, 4, 4, 2, 2, EXPLICIT}, .pad = {1, 1, 1, 1}},
    {.name = "convT k3 s2 explicit 1/0/2/1 output padding 1/1", .transpose = true,
     .in = {3, 2, 4, 5}, .k = {2, 3, 3, 2, 2, EXPLICIT}, .pad = {1, 0, 2, 1},
     .out_pad = {1, 1}},
    {.name = "convT 3x5 s3x2 explicit 0/2/1/1 output padding 2/1 no bias",
     .transpose = true, .in = {2, 2, 3, 4}, .k = {3, 3, 5, 3, 2, EXPLICIT},
     .pad = {0, 2, 1, 1}, .out_pad = {2, 1}, .no_bias = true},
    {.name = "convT k2 s1 explicit 3/2/0/1 (pads beyond the kernel)", .transpose = true,
     .in = {2, 2, 6, 5}, .k = {2, 2, 2, 1, 1, EXPLICIT}, .pad = {3, 2, 0, 1}},
    {.name = "convT k2 s3 explicit output padding 2/2 (kernel < stride)", .transpose = true,
     .in = {1, 2, 3, 3}, .k = {2, 2, 2, 3, 3, EXPLICIT}, .out_pad = {2, 2}},
    /* The documented sizes. */
    {.name = "conv 64x64 k4 s2 same -> 32x32", .in = {1, 1, 64, 64},
     .k = {2, 4, 4, 2, 2, SAME}, .expect = {32, 32}},
    {.name = "conv 64x64 k5 s2 same -> 32x32", .in = {1, 1, 64, 64},
     .k = {2, 5, 5, 2, 2, SAME}, .expect = {32, 32}},
    {.name = "convT 64x64 k4 s2 same -> 128x128", .transpose = true, .in = {1, 1, 64, 64},
     .k = {2, 4, 4, 2, 2, SAME}, .expect = {128, 128}},
    {.name = "convT 64x64 k5 s2 same -> 128x128", .transpose = true, .in = {1, 1, 64, 64},
     .k = {1, 5, 5, 2, 2, SAME}, .expect = {128, 128}},
    {.name = "conv 28x28 k5 s2 same -> 14x14", .in = {2, 1, 28, 28},
     .k = {2, 5, 5, 2, 2, SAME}, .expect = {14, 14}},
    {.name = "conv 14x14 k5 s2 same -> 7x7", .in = {2, 2, 14, 14},
     .k = {2, 5, 5, 2, 2, SAME}, .expect = {7, 7}},
    {.name = "convT 7x7 k5 s1 same -> 7x7", .transpose = true, .in = {2, 3, 7, 7},
     .k = {2, 5, 5, 1, 1, SAME}, .expect = {7, 7}},
    {.name = "convT 7x7 k5 s2 same -> 14x14", .transpose = true, .in = {2, 2, 7, 7},
     .k = {2, 5, 5, 2, 2, SAME}, .expect = {14, 14}},
    {.name = "convT 14x14 k5 s2 same -> 28x28", .transpose = true, .in = {2, 2, 14, 14},
     .k = {1, 5, 5, 2, 2, SAME}, .expect = {28, 28}},
    /* PyTorch: out = (in-1)*stride - pad_top - pad_bottom + kernel + output_padding */
    {.name = "convT 4x4 k4 s2 pad 1 -> 8x8 (PyTorch DCGAN)", .transpose = true,
     .in = {2, 2, 4, 4}, .k = {2, 4, 4, 2, 2, EXPLICIT}, .pad = {1, 1, 1, 1},
     .expect = {8, 8}},
    {.name = "convT 1x1 k4 s1 pad 0 -> 4x4 (PyTorch DCGAN)", .transpose = true,
     .in = {2, 3, 1, 1}, .k = {2, 4, 4, 1, 1, EXPLICIT}, .expect = {4, 4}},
    {.name = "convT 7x5 k3 s2 pad 1/1/0/2 output padding 1/0 -> 14x9", .transpose = true,
     .in = {1, 2, 7, 5}, .k = {2, 3, 3, 2, 2, EXPLICIT}, .pad = {1, 1, 0, 2},
     .out_pad = {1, 0}, .expect = {14, 9}},
    {.name = "convT 5x3 k5x2 s3 pad 2/0/0/1 output padding 2/1 -> 17x8", .transpose = true,
     .in = {1, 2, 5, 3}, .k = {2, 5, 2, 3, 3, EXPLICIT}, .pad = {2, 0, 0, 1},
     .out_pad = {2, 1}, .expect = {17, 8}},
};

#define CR_N_CASES (sizeof cr_cases / sizeof cr_cases[0])

/* A stack of 5x5 SAME convolutions and the size after each layer (0 ends the list). */
typedef struct cr_chain {
    const char *name;
    bool transpose;
    int32_t c, size, stride[3], expect[3];
} cr_chain;

static void test_dcgan_chains(void **state)
{
    (void)state;
    static const cr_chain chains[] = {
        {"MNIST generator 7->7->14->28", true, 8, 7, {1, 2, 2}, {7, 14, 28}},
        {"MNIST discriminator 28->14->7", false, 1, 28, {2, 2, 0}, {14, 7, 0}},
    };
    for (size_t i = 0; i < sizeof chains / sizeof chains[0]; i++) {
        const cr_chain *ch = &chains[i];
        const int32_t dims[3] = {ch->c, ch->size, ch->size};
        gan_model_t *m = gt_model(dims, 3);
        int32_t n = 0;
        for (; n < 3 && ch->stride[n]; n++) {
            gan_layer_t *l = NULL;
            const int32_t s = ch->stride[n];
            gt_add(m,
                   ch->transpose ? gan_layer_conv2d_transpose_create(&l, 4, 5, s, SAME)
                                 : gan_layer_conv2d_create(&l, 4, 5, s, SAME),
                   l);
        }
        for (int32_t j = 0; j < n; j++) {
            int32_t out[4], ndim;
            GT_OK(gan_model_get_output_shape(m, j, out, &ndim));
            if (ndim != 3 || out[0] != 4 || out[1] != ch->expect[j] ||
                out[2] != ch->expect[j])
                fail_msg("%s: layer %d gives (%d,%d,%d), want (4,%d,%d)", ch->name, (int)j,
                         (int)out[0], (int)out[1], (int)out[2], (int)ch->expect[j],
                         (int)ch->expect[j]);
        }
        gan_model_destroy(m);
    }
}

/* A batch whose column matrix exceeds the column chunk (GAN__CONV_COL_CAP) runs in
 * chunks of a few images, split over 2 parts: outputs and input gradients must equal
 * those of the images one at a time bit for bit, and the weight gradient, the one sum
 * over images, theirs to rounding. Shapes of the MNIST DCGAN's big convolutions, 16
 * images a part: several chunks each with a cap of 4 MiB or 2 MiB. */
static void test_column_chunks(void **state)
{
    (void)state;
    static const struct {
        bool transpose;
        int32_t c, size, filters, stride;
    } layers[] = {
        {true, 256, 7, 128, 1}, /* 156,800 column floats per image */
        {true, 128, 7, 64, 2},   /* 78,400 */
        {false, 64, 14, 128, 2}, /* 78,400 */
    };
    enum { B = 32 };
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
        const int32_t dims[3] = {layers[i].c, layers[i].size, layers[i].size};
        gan_model_t *m[2];
        for (int k = 0; k < 2; k++) {
            m[k] = gt_model_seeded(dims, 3, 5);
            gan_layer_t *l = NULL;
            const int32_t f = layers[i].filters, s = layers[i].stride;
            gt_add(m[k], layers[i].transpose ? gan_layer_conv2d_transpose_create(&l, f, 5, s, SAME)
                                             : gan_layer_conv2d_create(&l, f, 5, s, SAME), l);
            GT_OK(gan_model_set_parts(m[k], k == 0 ? 2 : 1));
            GT_OK(gan_model_build(m[k], k == 0 ? B : 1));
        }
        const size_t in = gt_input_size(m[0]), out = gt_output_size(m[0]);
        float *x = malloc(B * in * sizeof *x), *dy = malloc(B * out * sizeof *dy);
        float *y = malloc(B * out * sizeof *y), *dx = malloc(B * in * sizeof *dx);
        assert_non_null(x && dy && y && dx);
        gt_rng r;
        gt_seed(&r, 3);
        gt_fill(&r, x, B * in, -1, 1);
        gt_fill(&r, dy, B * out, -1, 1);
        const float *yb, *dxb;
        GT_OK(gan_model_zero_grad(m[0]));
        GT_OK(gan_model_forward(m[0], x, NULL, B, &yb));
        memcpy(y, yb, B * out * sizeof *y);
        GT_OK(gan_model_backward(m[0], dy, &dxb));
        memcpy(dx, dxb, B * in * sizeof *dx);
        GT_OK(gan_model_zero_grad(m[1]));
        for (int n = 0; n < B; n++) {
            const float *y1, *dx1;
            GT_OK(gan_model_forward(m[1], x + n * in, NULL, 1, &y1));
            assert_memory_equal(y1, y + n * out, out * sizeof *y1);
            GT_OK(gan_model_backward(m[1], dy + n * out, &dx1));
            assert_memory_equal(dx1, dx + n * in, in * sizeof *dx1);
        }
        float *g[2];
        size_t count[2];
        for (int k = 0; k < 2; k++)
            GT_OK(gan_model_get_grads(m[k], &g[k], &count[k]));
        assert_int_equal(count[0], count[1]);
        double largest = 0, diff = 0;
        for (size_t j = 0; j < count[0]; j++) {
            largest = fmax(largest, fabs(g[1][j]));
            diff = fmax(diff, fabs((double)g[0][j] - g[1][j]));
        }
        if (!(largest > 1 && diff < 1e-6 * largest * B))
            fail_msg("layer %zu: weight gradients differ by %g (largest %g)", i, diff, largest);
        for (int k = 0; k < 2; k++)
            gan_model_destroy(m[k]);
        free(x), free(dy), free(y), free(dx);
    }
}

int main(void)
{
    struct CMUnitTest tests[CR_N_CASES + 2];
    for (size_t i = 0; i < CR_N_CASES; i++)
        tests[i] = (struct CMUnitTest){.name = cr_cases[i].name,
                                       .test_func = cr_check_case,
                                       .initial_state = (void *)&cr_cases[i]};
    tests[CR_N_CASES] = (struct CMUnitTest)cmocka_unit_test(test_dcgan_chains);
    tests[CR_N_CASES + 1] = (struct CMUnitTest)cmocka_unit_test(test_column_chunks);
    return cmocka_run_group_tests_name("conv_reference", tests, NULL, NULL);
}
