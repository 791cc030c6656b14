/* The direct stride-1 convolution kernels (kernels/conv_direct.h): forward, input
 * gradient and weight gradient against their definitions computed in double, over
 * geometries that reach every edge of the tiles; and Conv2D layers on them against the
 * im2col path with the reference GEMM, the oracle, split over parts. meson runs this
 * once with the CPU's best instruction set and once with GAN_CONV_DIRECT=avx2. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas/blas.h"
#include "kernels/conv_direct.h"

/* channels, in_h, in_w, kh, kw, sh, sw, pad_top, pad_left, out_h, out_w, and filters */
static const struct {
    gan__conv_geom g;
    int32_t filters;
} shapes[] = {
    {{16, 14, 14, 3, 3, 1, 1, 1, 1, 14, 14}, 32}, /* the residual GAN's */
    {{24, 28, 28, 3, 3, 1, 1, 1, 1, 28, 28}, 1},  /* its last layer: one filter */
    {{1, 28, 28, 3, 3, 1, 1, 1, 1, 28, 28}, 16},  /* D's first: one channel, 9 taps */
    {{4, 28, 28, 3, 3, 1, 1, 1, 1, 28, 28}, 32},  /* rows of 28 points in 3 tiles */
    {{3, 7, 5, 3, 3, 1, 1, 1, 1, 7, 5}, 13},      /* filters past every tile size */
    {{5, 9, 11, 5, 5, 1, 1, 2, 2, 9, 11}, 9},     /* 5x5 same */
    {{2, 6, 9, 3, 5, 1, 1, 0, 1, 4, 7}, 11},      /* valid rows, explicit columns 1/1 */
    {{7, 8, 8, 1, 1, 1, 1, 0, 0, 8, 8}, 17},      /* pointwise */
    {{4, 5, 6, 4, 2, 1, 1, 3, 0, 5, 5}, 7},       /* asymmetric: pads 3/0 rows, 0/0 */
    {{3, 3, 3, 3, 3, 1, 1, 2, 2, 5, 5}, 5},       /* pads 2: the output beyond the image */
    {{64, 9, 9, 3, 3, 1, 1, 0, 0, 7, 7}, 64},     /* CycleGAN's residual blocks */
    {{40, 8, 6, 4, 4, 1, 1, 1, 1, 7, 5}, 70},     /* PatchGAN's last: 4x4, pad 1 */
    {{48, 5, 5, 4, 4, 1, 1, 1, 1, 4, 4}, 1},      /* and its one-filter output */
    {{1, 11, 32, 3, 32, 1, 1, 0, 0, 9, 1}, 20},   /* SeqGAN's D: a kernel as wide as the rows */
    {{2, 9, 30, 1, 19, 1, 1, 0, 9, 9, 30}, 3},    /* wide kernel, wide pads */
};

#define N_SHAPES (sizeof shapes / sizeof shapes[0])

/* |got - want| within float32 summation's error of the terms' magnitude */
static void expect_close(const char *what, size_t shape, const float *got,
                         const double *want, const double *mag, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const double tol = 1e-7 + 2e-6 * mag[i];
        if (!(fabs(got[i] - want[i]) <= tol))
            fail_msg("shape %zu %s[%zu] = %.9g, definition %.9g (sum of |terms| %.3g)", shape,
                     what, i, (double)got[i], want[i], mag[i]);
    }
}

/* The three products by their definition: y = conv(x, w); dx and dw for dy. */
static void definition(const gan__conv_geom *g, int32_t F, int32_t N, const float *x,
                       const float *w, const float *dy, double *y, double *ymag,
                       double *dx, double *dxmag, double *dw, double *dwmag)
{
    const int32_t C = g->channels, KH = g->kernel_h, KW = g->kernel_w;
    const size_t in = (size_t)C * g->in_h * g->in_w, out = (size_t)F * g->out_h * g->out_w;
    memset(y, 0, N * out * sizeof *y), memset(ymag, 0, N * out * sizeof *ymag);
    memset(dx, 0, N * in * sizeof *dx), memset(dxmag, 0, N * in * sizeof *dxmag);
    const size_t nw = (size_t)F * C * KH * KW;
    memset(dw, 0, nw * sizeof *dw), memset(dwmag, 0, nw * sizeof *dwmag);
    for (int32_t n = 0; n < N; n++)
        for (int32_t f = 0; f < F; f++)
            for (int32_t c = 0; c < C; c++)
                for (int32_t i = 0; i < KH; i++)
                    for (int32_t j = 0; j < KW; j++)
                        for (int32_t oh = 0; oh < g->out_h; oh++)
                            for (int32_t ow = 0; ow < g->out_w; ow++) {
                                const int32_t ih = oh - g->pad_top + i, iw = ow - g->pad_left + j;
                                if (ih < 0 || ih >= g->in_h || iw < 0 || iw >= g->in_w)
                                    continue;
                                const size_t wi = (((size_t)f * C + c) * KH + i) * KW + j;
                                const size_t xi = n * in + ((size_t)c * g->in_h + ih) * g->in_w + iw;
                                const size_t yi = n * out + ((size_t)f * g->out_h + oh) * g->out_w + ow;
                                const double t = (double)w[wi] * x[xi];
                                y[yi] += t, ymag[yi] += fabs(t);
                                const double u = (double)w[wi] * dy[yi];
                                dx[xi] += u, dxmag[xi] += fabs(u);
                                const double v = (double)dy[yi] * x[xi];
                                dw[wi] += v, dwmag[wi] += fabs(v);
                            }
}

static void test_kernels_against_definition(void **state)
{
    (void)state;
    enum { N = 5 };
    for (size_t s = 0; s < N_SHAPES; s++) {
        const gan__conv_geom *g = &shapes[s].g;
        const int32_t F = shapes[s].filters;
        if (!gan__dconv_applies(g, F))
            skip(); /* no AVX2 here: nothing of this file runs */
        const size_t in = (size_t)g->channels * g->in_h * g->in_w;
        const size_t out = (size_t)F * g->out_h * g->out_w;
        const size_t nw = (size_t)F * g->channels * g->kernel_h * g->kernel_w;
        float *x = malloc(N * in * sizeof *x), *dy = malloc(N * out * sizeof *dy);
        float *w = malloc(nw * sizeof *w), *y = malloc(N * out * sizeof *y);
        float *dx = malloc(N * in * sizeof *dx), *dw = malloc(nw * sizeof *dw);
        double *ref = malloc(2 * (N * out + N * in + nw) * sizeof *ref);
        const int32_t group = 2; /* the weight gradient in calls of 2, 2 and 1 images */
        float *scratch = aligned_alloc(64, (gan__dconv_scratch_floats(g, F, group) * 4 + 63) /
                                               64 * 64);
        float *wpack = malloc(gan__dconv_pack_floats(g, F) * sizeof *wpack);
        assert_non_null(x && dy && w && y && dx && dw && ref && scratch && wpack);
        gt_rng r;
        gt_seed(&r, 11 + s);
        gt_fill(&r, x, N * in, -1, 1), gt_fill(&r, dy, N * out, -1, 1);
        gt_fill(&r, w, nw, -1, 1), gt_fill(&r, dw, nw, -1, 1);
        double *ry = ref, *rym = ry + N * out, *rdx = rym + N * out, *rdxm = rdx + N * in;
        double *rdw = rdxm + N * in, *rdwm = rdw + nw;
        definition(g, F, N, x, w, dy, ry, rym, rdx, rdxm, rdw, rdwm);
        for (size_t i = 0; i < nw; i++) /* dw is added to: start from what it holds */
            rdw[i] += dw[i], rdwm[i] += fabs(dw[i]);
        memset(y, 0xff, N * out * sizeof *y); /* NaN: every output must be written */
        memset(dx, 0xff, N * in * sizeof *dx);
        gan__dconv_pack(wpack, w, g, F, false, 0, gan__dconv_pack_taps(g, F, false));
        gan__dconv_forward(y, x, wpack, g, F, N, scratch);
        expect_close("y", s, y, ry, rym, N * out);
        gan__dconv_pack(wpack, w, g, F, true, 0, gan__dconv_pack_taps(g, F, true));
        gan__dconv_input_grad(dx, dy, wpack, g, F, N, scratch);
        expect_close("dx", s, dx, rdx, rdxm, N * in);
        for (int32_t n0 = 0; n0 < N; n0 += group)
            gan__dconv_weight_grad(dw, dy + n0 * out, x + n0 * in, g, F,
                                   N - n0 < group ? N - n0 : group, scratch);
        expect_close("dw", s, dw, rdw, rdwm, nw);
        free(x), free(dy), free(w), free(y), free(dx), free(dw), free(ref), free(scratch), free(wpack);
    }
}

static void test_where_they_apply(void **state)
{
    (void)state;
    gan__conv_geom g = shapes[0].g;
    if (!gan__dconv_applies(&g, 8))
        skip();
    gan__conv_geom s2 = g;
    s2.stride_w = 2, s2.out_w = 7;
    assert_false(gan__dconv_applies(&s2, 8));
    gan__conv_geom wide_pad = {1, 4, 3, 2, 2, 1, 1, 3, 0, 6, 2}; /* top pad 3 > kernel - 1 */
    assert_false(gan__dconv_applies(&wide_pad, 2));
}

/* A stack of stride-1 Conv2D layers run with 2 parts on the direct kernels (the default
 * backend) and on im2col with the reference GEMM: outputs, input gradients and
 * parameter gradients agree to rounding; and 1 part gives the same outputs and input
 * gradients bit for bit (each image's sums do not depend on the split). */
static void test_layers_against_im2col(void **state)
{
    (void)state;
    if (!gan__dconv_applies(&shapes[0].g, 8))
        skip();
    enum { B = 9 };
    const int32_t dims[3] = {3, 12, 10};
    gan_model_t *m[3];
    for (int k = 0; k < 3; k++) {
        m[k] = gt_model_seeded(dims, 3, 7);
        gan_layer_t *l = NULL;
        gt_add(m[k], gan_layer_conv2d_create(&l, 20, 3, 1, GAN_PADDING_SAME), l);
        gt_add(m[k], gan_layer_conv2d_create(&l, 5, 5, 1, GAN_PADDING_SAME), l);
        gt_add(m[k], gan_layer_conv2d_create(&l, 6, 3, 1, GAN_PADDING_VALID), l);
        gt_add(m[k], gan_layer_conv2d_create(&l, 2, 1, 1, GAN_PADDING_SAME), l);
        GT_OK(gan_model_set_parts(m[k], k == 1 ? 1 : 2));
        if (k == 2)
            GT_OK(gan_model_set_sgemm(m[k], gan__sgemm_reference, NULL));
        GT_OK(gan_model_build(m[k], B));
    }
    const size_t in = gt_input_size(m[0]), out = gt_output_size(m[0]);
    float *x = malloc(B * in * sizeof *x), *dy = malloc(B * out * sizeof *dy);
    float *y[3], *dx[3], *grad[3];
    gt_rng r;
    gt_seed(&r, 5);
    gt_fill(&r, x, B * in, -1, 1), gt_fill(&r, dy, B * out, -1, 1);
    size_t count = 0;
    for (int k = 0; k < 3; k++) {
        const float *yk, *dxk;
        y[k] = malloc(B * out * sizeof *y[k]), dx[k] = malloc(B * in * sizeof *dx[k]);
        GT_OK(gan_model_zero_grad(m[k]));
        GT_OK(gan_model_forward(m[k], x, NULL, B, &yk));
        memcpy(y[k], yk, B * out * sizeof *yk);
        GT_OK(gan_model_backward(m[k], dy, &dxk));
        memcpy(dx[k], dxk, B * in * sizeof *dxk);
        GT_OK(gan_model_get_grads(m[k], &grad[k], &count));
    }
    assert_memory_equal(y[0], y[1], B * out * sizeof *y[0]);
    assert_memory_equal(dx[0], dx[1], B * in * sizeof *dx[0]);
    const struct {
        const char *what;
        const float *a, *b;
        size_t n;
    } pairs[] = {{"y", y[0], y[2], B * out}, {"dx", dx[0], dx[2], B * in},
                 {"grads", grad[0], grad[2], count}};
    for (size_t p = 0; p < 3; p++) {
        double largest = 0, diff = 0;
        for (size_t i = 0; i < pairs[p].n; i++) {
            largest = fmax(largest, fabs(pairs[p].b[i]));
            diff = fmax(diff, fabs((double)pairs[p].a[i] - pairs[p].b[i]));
        }
        if (!(largest > 1e-6 && diff <= 1e-5 * largest))
            fail_msg("%s: direct and im2col differ by %g (largest %g)", pairs[p].what, diff,
                     largest);
    }
    for (int k = 0; k < 3; k++)
        gan_model_destroy(m[k]), free(y[k]), free(dx[k]);
    free(x), free(dy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernels_against_definition),
        cmocka_unit_test(test_where_they_apply),
        cmocka_unit_test(test_layers_against_im2col),
    };
    return cmocka_run_group_tests_name("conv_direct", tests, NULL, NULL);
}
