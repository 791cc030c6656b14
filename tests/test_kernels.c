/* White-box checks of the kernels, the generator and the shape helpers. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "kernels/elementwise.h"
#include "kernels/im2col.h"
#include "kernels/transpose.h"
#include "tensor.h"

static const gan__conv_geom geometries[] = {
    /* channels, in_h, in_w, kh, kw, sh, sw, pad_top, pad_left, out_h, out_w */
    {2, 5, 5, 3, 3, 1, 1, 1, 1, 5, 5},
    {3, 7, 6, 5, 5, 2, 2, 2, 1, 4, 3},
    {1, 4, 9, 2, 3, 3, 2, 0, 1, 2, 5},
    {2, 6, 6, 4, 4, 2, 2, 1, 1, 3, 3},
    {1, 3, 3, 5, 5, 1, 1, 2, 2, 3, 3}, /* kernel larger than the image */
    {2, 8, 5, 1, 1, 1, 1, 0, 0, 8, 5}, /* pointwise */
    {2, 14, 14, 5, 5, 2, 2, 1, 1, 7, 7}, /* the DCGAN's: same padding, stride 2 */
    {3, 7, 7, 5, 5, 1, 1, 2, 2, 7, 7},   /* and stride 1 */
    {1, 9, 8, 3, 2, 3, 3, 0, 0, 3, 3},   /* valid: the last rows and columns unread */
    {2, 5, 7, 4, 3, 3, 2, 3, 2, 3, 5},   /* padding wider than the kernel's reach */
};

static size_t geom_rows(const gan__conv_geom *g)
{
    return (size_t)g->channels * g->kernel_h * g->kernel_w;
}

/* im2col against the definition, element by element, with a wider leading dimension. */
static void test_im2col_matches_definition(void **state)
{
    (void)state;
    gt_rng r;
    gt_seed(&r, 11);
    for (size_t t = 0; t < sizeof geometries / sizeof geometries[0]; t++) {
        const gan__conv_geom *g = &geometries[t];
        size_t grid = (size_t)g->out_h * g->out_w, ld = grid + 3;
        size_t im_n = (size_t)g->channels * g->in_h * g->in_w;
        float *im = malloc(im_n * sizeof *im), *col = malloc(geom_rows(g) * ld * sizeof *col);
        gt_fill(&r, im, im_n, -1, 1);
        float *planes = malloc(gan__conv_planes_floats(g) * sizeof *planes);
        for (int path = 0; path < 2; path++) { /* the planes, then the direct loops */
        gt_fill(&r, col, geom_rows(g) * ld, 5, 6); /* every element must be written */
        gan__im2col(col, ld, im, g, path ? NULL : planes);
        for (int c = 0; c < g->channels; c++)
            for (int ki = 0; ki < g->kernel_h; ki++)
                for (int kj = 0; kj < g->kernel_w; kj++)
                    for (int oh = 0; oh < g->out_h; oh++)
                        for (int ow = 0; ow < g->out_w; ow++) {
                            int ih = oh * g->stride_h - g->pad_top + ki;
                            int iw = ow * g->stride_w - g->pad_left + kj;
                            float want = ih >= 0 && ih < g->in_h && iw >= 0 && iw < g->in_w
                                             ? im[((size_t)c * g->in_h + ih) * g->in_w + iw]
                                             : 0.0f;
                            size_t row = ((size_t)c * g->kernel_h + ki) * g->kernel_w + kj;
                            if (col[row * ld + (size_t)oh * g->out_w + ow] != want)
                                fail_msg("geometry %zu path %d: col[%zu][%d,%d] wrong", t,
                                         path, row, oh, ow);
                        }
        }
        free(planes);
        free(im);
        free(col);
    }
}

/* col2im is im2col's adjoint: <col2im(c), x> == <c, im2col(x)>. */
static void test_col2im_is_adjoint(void **state)
{
    (void)state;
    gt_rng r;
    gt_seed(&r, 12);
    for (size_t t = 0; t < sizeof geometries / sizeof geometries[0]; t++) {
        const gan__conv_geom *g = &geometries[t];
        size_t grid = (size_t)g->out_h * g->out_w, n_col = geom_rows(g) * grid;
        size_t im_n = (size_t)g->channels * g->in_h * g->in_w;
        float *x = malloc(im_n * sizeof *x), *folded = calloc(im_n, sizeof *x);
        float *c = malloc(n_col * sizeof *c), *unfolded = malloc(n_col * sizeof *c);
        gt_fill(&r, x, im_n, -1, 1);
        gt_fill(&r, c, n_col, -1, 1);
        gan__im2col(unfolded, grid, x, g, NULL);
        gan__col2im_add(folded, c, grid, g);
        /* gan__col2im writes the same bits, through its planes or directly */
        float *written = malloc(im_n * sizeof *written);
        float *planes = malloc(gan__conv_planes_floats(g) * sizeof *planes);
        for (int path = 0; path < 2; path++) {
            gt_fill(&r, written, im_n, 5, 6);
            gan__col2im(written, c, grid, g, path ? NULL : planes);
            assert_memory_equal(written, folded, im_n * sizeof *written);
        }
        free(planes);
        free(written);
        double lhs = 0, rhs = 0;
        for (size_t i = 0; i < im_n; i++)
            lhs += (double)folded[i] * x[i];
        for (size_t i = 0; i < n_col; i++)
            rhs += (double)c[i] * unfolded[i];
        assert_float_equal(lhs, rhs, 1e-4 * (1 + fabs(lhs)));
        free(x);
        free(folded);
        free(c);
        free(unfolded);
    }
}

static void test_valid_range(void **state)
{
    (void)state;
    for (int32_t in = 1; in < 9; in++)
        for (int32_t stride = 1; stride < 4; stride++)
            for (int32_t pad = 0; pad < 4; pad++)
                for (int32_t k = 0; k < 6; k++) {
                    const int32_t out = 7;
                    int32_t lo, hi;
                    gan__conv_valid_range(out, in, stride, pad, k, &lo, &hi);
                    assert_true(0 <= lo && lo <= hi && hi <= out);
                    for (int32_t o = 0; o < out; o++) {
                        int32_t i = o * stride - pad + k;
                        bool inside = i >= 0 && i < in;
                        assert_int_equal(inside, o >= lo && o < hi);
                    }
                }
}

static void test_channel_reorder_round_trip(void **state)
{
    (void)state;
    enum { N = 3, C = 4, P = 5 };
    float a[N * C * P], b[N * C * P], back[N * C * P];
    for (int i = 0; i < N * C * P; i++)
        a[i] = (float)i;
    gan__batch_to_channels(b, a, N, C, P);
    assert_true(b[(1 * N + 2) * P + 3] == a[(2 * C + 1) * P + 3]); /* channel 1, sample 2 */
    gan__channels_to_batch(back, b, N, C, P);
    assert_memory_equal(a, back, sizeof a);

    float bias[C] = {1, 2, 3, 4}, db[C] = {0};
    float y[N * C * P] = {0};
    gan__add_channel_bias(y, bias, N, C, P);
    gan__sum_channels(db, y, N, C, P);
    for (int c = 0; c < C; c++)
        assert_float_equal(db[c], bias[c] * N * P, 1e-5);
}

static void test_rng_is_reproducible_and_normal(void **state)
{
    (void)state;
    gan__rng a, b, other;
    gan__rng_seed(&a, 2024);
    gan__rng_seed(&b, 2024);
    gan__rng_seed_stream(&other, 2024, 1);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = gan__rng_next(&a);
        assert_true(x == gan__rng_next(&b));
        differ += x != gan__rng_next(&other);
    }
    assert_true(differ > 990);
    double sum = 0, sq = 0, usum = 0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        double z = gan__rng_normal(&a);
        sum += z;
        sq += z * z;
        float u = gan__rng_uniform(&b);
        assert_true(u >= 0.0f && u < 1.0f);
        usum += u;
    }
    assert_true(fabs(sum / n) < 0.01);
    assert_true(fabs(sq / n - 1.0) < 0.015);
    assert_true(fabs(usum / n - 0.5) < 0.005);
}

static void test_shape_helpers(void **state)
{
    (void)state;
    gan__shape s = gan__shape3(64, 14, 14);
    assert_int_equal(gan__shape_size(&s), 64 * 14 * 14);
    assert_string_equal(gan__shape_str(&s).s, "(64,14,14)");
    gan__shape f = gan__shape1(6272);
    assert_false(gan__shape_equal(&s, &f));
    assert_string_equal(gan__shape_str(&f).s, "(6272)");
    const int32_t dims[4] = {2147483647, 1, 1, 2};
    gan__shape big;
    assert_int_equal(gan__shape_from(&big, dims, 4, "t"), GAN_E_OUT_OF_RANGE);
    assert_int_equal(gan__shape_from(&big, dims, 3, "t"), GAN_OK);
}

/* The tiled transposition against its definition, element for element: sizes below,
 * at and past a tile, rows picked through an index, copies and additions. */
static void test_transpose_matches_definition(void **state)
{
    (void)state;
    const size_t sizes[][2] = {{1, 1}, {7, 64}, {8, 8}, {49, 64}, {64, 49}, {576, 64},
                               {13, 21}, {16, 3}};
    gt_rng rng;
    gt_seed(&rng, 23);
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        for (int variant = 0; variant < 4; variant++) {
            const bool add = variant & 1, indexed = variant & 2;
            const size_t rows = sizes[k][0], cols = sizes[k][1];
            const size_t lds = cols + 5, ldd = rows + 3, src_rows = 2 * rows + 1;
            float *src = malloc(src_rows * lds * sizeof *src);
            float *dst = malloc(cols * ldd * sizeof *dst), *want = malloc(cols * ldd * sizeof *want);
            int32_t *row_of = malloc(rows * sizeof *row_of);
            assert_non_null(src);
            assert_non_null(dst);
            assert_non_null(want);
            assert_non_null(row_of);
            gt_fill(&rng, src, src_rows * lds, -1e3f, 1e3f);
            gt_fill(&rng, dst, cols * ldd, -1e-3f, 1e-3f);
            memcpy(want, dst, cols * ldd * sizeof *want);
            for (size_t r = 0; r < rows; r++)
                row_of[r] = (int32_t)(2 * r + (r % 3 == 0));
            for (size_t r = 0; r < rows; r++)
                for (size_t c = 0; c < cols; c++) {
                    const float v = src[(indexed ? (size_t)row_of[r] : r) * lds + c];
                    want[c * ldd + r] = add ? want[c * ldd + r] + v : v;
                }
            gan__transpose(dst, ldd, src, lds, indexed ? row_of : NULL, rows, cols, add);
            assert_memory_equal(dst, want, cols * ldd * sizeof *dst);
            free(row_of);
            free(want);
            free(dst);
            free(src);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_im2col_matches_definition),
        cmocka_unit_test(test_col2im_is_adjoint),
        cmocka_unit_test(test_valid_range),
        cmocka_unit_test(test_channel_reorder_round_trip),
        cmocka_unit_test(test_transpose_matches_definition),
        cmocka_unit_test(test_rng_is_reproducible_and_normal),
        cmocka_unit_test(test_shape_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
