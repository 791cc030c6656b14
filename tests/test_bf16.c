/* bfloat16 matrix products (GAN_MATMUL_BF16): the rounding, the kernel against the
 * definition on bfloat16 operands, bits that do not depend on the packing path, and a
 * model's passes through the setting. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas/blas.h"
#include "kernels/gemm_bf16.h"

static float bits_to_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static float bf16_to_float(uint16_t h)
{
    return bits_to_float((uint32_t)h << 16);
}

static void test_round(void **state)
{
    (void)state;
    const struct {
        uint32_t in;
        uint16_t out;
    } cases[] = {
        {0x3f800000u, 0x3f80u}, /* 1 */
        {0x3f808000u, 0x3f80u}, /* half way, even below */
        {0x3f818000u, 0x3f82u}, /* half way, even above */
        {0x3f808001u, 0x3f81u}, /* above half way */
        {0xbf80ffffu, 0xbf81u}, /* negative, rounds away */
        {0x00000001u, 0x0000u}, /* subnormal: zero */
        {0x807fffffu, 0x8000u}, /* subnormal: zero of the same sign */
        {0x7f7fffffu, 0x7f80u}, /* the largest float rounds to infinity */
        {0xff800000u, 0xff80u}, /* -infinity */
        {0x7f800001u, 0x7fc0u}, /* a signalling NaN comes back quiet */
        {0x7fffffffu, 0x7fffu}, /* a NaN with every payload bit stays a NaN */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (gan__bf16_round(bits_to_float(cases[i].in)) != cases[i].out)
            fail_msg("0x%08x rounds to 0x%04x, want 0x%04x", (unsigned)cases[i].in,
                     (unsigned)gan__bf16_round(bits_to_float(cases[i].in)),
                     (unsigned)cases[i].out);
}

/* op(X)[r][c] of a stored matrix. */
static float at(const float *x, int ld, int trans, int r, int c)
{
    return trans ? x[(size_t)c * ld + r] : x[(size_t)r * ld + c];
}

/* Random in [-1, 1], with rounding ties, subnormals and signed zeros sprinkled in. */
static float *fill(gt_rng *r, size_t n)
{
    static const uint32_t specials[] = {0x3f808000u, 0x3f818000u, 0xbe7f8000u, 0x00000007u,
                                        0x80400000u, 0x80000000u};
    float *v = malloc(n * sizeof *v);
    gt_fill(r, v, n, -1.0f, 1.0f);
    for (size_t i = 0; i < n; i += 13)
        v[i] = bits_to_float(specials[(i / 13) % (sizeof specials / sizeof specials[0])]);
    return v;
}

/* Every transpose pair, every edge of the blocking (12-row and 32-column tiles, 96-row
 * and 1024-column packed blocks, 512-deep k blocks, odd k), padded leading dimensions,
 * alpha, and beta 0 over NaN. The reference is the definition in double on the
 * bfloat16-rounded operands, so the only difference allowed is float32 summation. */
static void test_gemm_against_definition(void **state)
{
    (void)state;
    if (!gan__bf16_supported())
        skip();
    const int sizes[][3] = {{1, 1, 1},    {13, 33, 3},  {12, 32, 2},  {97, 40, 515},
                            {5, 1030, 7}, {25, 70, 1040}, {130, 3, 64}};
    const float betas[] = {0.0f, 1.0f, -0.5f};
    void *pack = aligned_alloc(64, (gan__bf16_pack_bytes() + 63) & ~(size_t)63);
    gt_rng r;
    gt_seed(&r, 5);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++)
                for (size_t bi = 0; bi < 3; bi++) {
                    const int m = sizes[s][0], n = sizes[s][1], k = sizes[s][2];
                    const int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
                    const size_t na = (size_t)(ta ? k : m) * lda;
                    const size_t nb = (size_t)(tb ? n : k) * ldb, nc = (size_t)m * ldc;
                    float *a = fill(&r, na), *b = fill(&r, nb), *c = fill(&r, nc);
                    if (betas[bi] == 0.0f)
                        for (size_t i = 0; i < nc; i++)
                            c[i] = NAN;
                    float *c0 = gt_copy_floats(c, nc);
                    gan__sgemm_bf16(pack, ta, tb, m, n, k, 0.75f, a, lda, b, ldb, betas[bi],
                                    c, ldc);
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < n; j++) {
                            double sum = 0.0, size = 0.0;
                            for (int p = 0; p < k; p++) {
                                const double t =
                                    (double)bf16_to_float(gan__bf16_round(at(a, lda, ta, i, p))) *
                                    bf16_to_float(gan__bf16_round(at(b, ldb, tb, p, j)));
                                sum += t;
                                size += fabs(t);
                            }
                            const double old =
                                betas[bi] == 0.0f ? 0.0 : c0[(size_t)i * ldc + j];
                            const double want = 0.75 * sum + betas[bi] * old;
                            const double got = c[(size_t)i * ldc + j];
                            if (!(fabs(got - want) <= 1e-6 * (size + fabs(old) + 1.0)))
                                fail_msg("%c%c m=%d n=%d k=%d beta=%g: C[%d][%d] = %.9g, "
                                         "want %.9g", ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k,
                                         (double)betas[bi], i, j, got, want);
                        }
                    for (int i = 0; i < m; i++) /* the padding of C is not touched */
                        for (int j = n; j < ldc; j++)
                            if (memcmp(&c[(size_t)i * ldc + j], &c0[(size_t)i * ldc + j],
                                       sizeof(float)) != 0)
                                fail_msg("%c%c m=%d n=%d k=%d: C[%d][%d] beyond n written",
                                         ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, i, j);
                    free(a);
                    free(b);
                    free(c);
                    free(c0);
                }
    free(pack);
}

static float *transposed(const float *x, int rows, int cols)
{
    float *t = malloc((size_t)rows * cols * sizeof *t);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            t[(size_t)c * rows + r] = x[(size_t)r * cols + c];
    return t;
}

/* A stored as is or transposed goes through different packing code (vector or scalar
 * rounding); the products must be the same bits. The operands hold rounding ties,
 * subnormals and signed zeros. */
static void test_packing_paths_agree(void **state)
{
    (void)state;
    if (!gan__bf16_supported())
        skip();
    const int m = 29, n = 45, k = 37;
    gt_rng r;
    gt_seed(&r, 9);
    float *a = fill(&r, (size_t)m * k), *b = fill(&r, (size_t)k * n);
    const uint32_t specials[] = {0x3f808000u, 0x3f818000u, 0x00000007u, 0x80400000u,
                                 0x80000000u, 0xbe7f8000u};
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++) {
        a[i * 7] = bits_to_float(specials[i]);
        b[i * 11] = bits_to_float(specials[i]);
    }
    float *at_ = transposed(a, m, k), *bt = transposed(b, k, n);
    float *c_nn = calloc((size_t)m * n, sizeof(float)), *c_tt = calloc((size_t)m * n, 4);
    void *pack = aligned_alloc(64, (gan__bf16_pack_bytes() + 63) & ~(size_t)63);
    gan__sgemm_bf16(pack, 0, 0, m, n, k, 1.0f, a, k, b, n, 0.0f, c_nn, n);
    gan__sgemm_bf16(pack, 1, 1, m, n, k, 1.0f, at_, m, bt, k, 0.0f, c_tt, n);
    assert_memory_equal(c_nn, c_tt, (size_t)m * n * sizeof(float));
    free(pack);
    free(a);
    free(b);
    free(at_);
    free(bt);
    free(c_nn);
    free(c_tt);
}

static const int32_t image_dims[3] = {3, 10, 10};

static gan_model_t *conv_model(int32_t precision)
{
    gan_model_t *m = gt_model(image_dims, 3);
    gan_layer_t *l;
    gt_add(m, gan_layer_conv2d_create(&l, 16, 5, 2, GAN_PADDING_SAME), l);
    gt_add(m, gan_layer_leaky_relu_create(&l, 0.2f), l);
    gt_add(m, gan_layer_conv2d_transpose_create(&l, 8, 5, 2, GAN_PADDING_SAME), l);
    gt_add(m, gan_layer_flatten_create(&l), l);
    gt_add(m, gan_layer_dense_create(&l, 7, true), l);
    GT_OK(gan_model_set_matmul_precision(m, precision));
    return m;
}

#define BATCH 6

/* Output, input gradient and parameter gradients of one pass, copied. */
static float *pass(gan_model_t *m, size_t *n_total)
{
    const size_t n_in = BATCH * gt_input_size(m), n_out = BATCH * gt_output_size(m);
    float *x = malloc(n_in * sizeof *x), *dy = malloc(n_out * sizeof *dy);
    gt_rng g;
    gt_seed(&g, 3);
    gt_fill(&g, x, n_in, -1.0f, 1.0f);
    gt_fill(&g, dy, n_out, -1.0f, 1.0f);
    const float *out, *dx;
    float *grads;
    size_t n_grads;
    GT_OK(gan_model_zero_grad(m));
    GT_OK(gan_model_forward(m, x, NULL, BATCH, &out));
    GT_OK(gan_model_backward(m, dy, &dx));
    GT_OK(gan_model_get_grads(m, &grads, &n_grads));
    *n_total = n_out + n_in + n_grads;
    float *all = malloc(*n_total * sizeof *all);
    memcpy(all, out, n_out * sizeof *all);
    memcpy(all + n_out, dx, n_in * sizeof *all);
    memcpy(all + n_out + n_in, grads, n_grads * sizeof *all);
    free(x);
    free(dy);
    return all;
}

/* Built for 2 parts: the same bits on 1 and on 2 threads, close to float32 (bfloat16's
 * 2^-9 per operand), and back to float32's own bits when the setting is undone. */
static void test_model_passes(void **state)
{
    (void)state;
    if (!gan_matmul_precision_available(GAN_MATMUL_BF16))
        skip();
    gan_model_t *fp32 = conv_model(GAN_MATMUL_FP32);
    GT_OK(gan_model_set_parts(fp32, 2));
    GT_OK(gan_model_build(fp32, BATCH));
    size_t n, n2;
    float *want = pass(fp32, &n);

    float *got[2];
    for (int32_t threads = 1; threads <= 2; threads++) {
        GT_OK(gan_set_num_threads(threads));
        gan_model_t *m = conv_model(GAN_MATMUL_BF16);
        GT_OK(gan_model_set_parts(m, 2));
        GT_OK(gan_model_build(m, BATCH));
        const char *name;
        GT_OK(gan_model_get_backend(m, &name));
        assert_string_equal(name, "bf16");
        got[threads - 1] = pass(m, &n2);
        assert_int_equal(n, n2);
        if (threads == 2) { /* undone on a built model: float32's bits again */
            GT_OK(gan_model_set_matmul_precision(m, GAN_MATMUL_FP32));
            int32_t p;
            GT_OK(gan_model_get_matmul_precision(m, &p));
            assert_int_equal(p, GAN_MATMUL_FP32);
            float *again = pass(m, &n2);
            assert_memory_equal(again, want, n * sizeof *want);
            free(again);
        }
        gan_model_destroy(m);
    }
    GT_OK(gan_set_num_threads(1));
    assert_memory_equal(got[0], got[1], n * sizeof *want);
    double diff = 0.0, size = 0.0;
    for (size_t i = 0; i < n; i++) {
        diff = fmax(diff, fabs((double)got[0][i] - want[i]));
        size = fmax(size, fabs((double)want[i]));
    }
    print_message("bf16 against float32: largest difference %.3g of largest value %.3g\n",
                  diff, size);
    assert_true(diff > 0.0);         /* the products did run in bfloat16 */
    assert_true(diff < 2e-2 * size); /* and no further from float32 than that allows */
    free(want);
    free(got[0]);
    free(got[1]);
    gan_model_destroy(fp32);
}

static int32_t user_calls;
static int counting_sgemm(void *user, int32_t ta, int32_t tb, int32_t m, int32_t n,
                          int32_t k, float alpha, const float *a, int32_t lda,
                          const float *b, int32_t ldb, float beta, float *c, int32_t ldc)
{
    user_calls++;
    return gan__sgemm_reference(user, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

static void test_setting_errors_and_backends(void **state)
{
    (void)state;
    gan_model_t *m = conv_model(GAN_MATMUL_FP32);
    int32_t p = -1;
    GT_FAILS(gan_model_set_matmul_precision(NULL, GAN_MATMUL_FP32),
                      GAN_E_INVALID_ARG, "model is NULL");
    GT_FAILS(gan_model_set_matmul_precision(m, 2), GAN_E_OUT_OF_RANGE,
                      "precision 2");
    GT_FAILS(gan_model_get_matmul_precision(m, NULL), GAN_E_INVALID_ARG,
                      "precision is NULL");
    assert_int_equal(gan_matmul_precision_available(GAN_MATMUL_FP32), 1);
    assert_int_equal(gan_matmul_precision_available(7), 0);
    if (!gan_matmul_precision_available(GAN_MATMUL_BF16)) {
        GT_FAILS(gan_model_set_matmul_precision(m, GAN_MATMUL_BF16),
                          GAN_E_BACKEND, "AVX512_BF16");
        gan_model_destroy(m);
        return;
    }
    /* A user's sgemm takes the products back to float32, and replaces bf16. */
    GT_OK(gan_model_set_matmul_precision(m, GAN_MATMUL_BF16));
    GT_OK(gan_model_build(m, BATCH));
    GT_OK(gan_model_set_sgemm(m, counting_sgemm, NULL));
    GT_OK(gan_model_get_matmul_precision(m, &p));
    assert_int_equal(p, GAN_MATMUL_FP32);
    size_t n;
    free(pass(m, &n));
    assert_true(user_calls > 0);
    GT_OK(gan_model_set_matmul_precision(m, GAN_MATMUL_BF16));
    const int32_t calls = user_calls;
    free(pass(m, &n));
    assert_int_equal(user_calls, calls);
    gan_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round),
        cmocka_unit_test(test_gemm_against_definition),
        cmocka_unit_test(test_packing_paths_agree),
        cmocka_unit_test(test_model_passes),
        cmocka_unit_test(test_setting_errors_and_backends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
