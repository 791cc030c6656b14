/* White-box checks of categorical sampling (train/categorical.c): the sampler of
 * gan_categorical_sample(), which computes its weights chunk by chunk on the stack, and
 * gan__categorical_row(), which keeps them in a buffer (the SeqGAN trainer's and
 * gan_sequence_sample()'s), return the same id for the same row and uniform, across
 * chunk edges, past the chunk sums kept on the stack (16700 classes), and at the ends
 * of [0, 1). */
#include "test_util.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "train/sequence.h"

/* The inverse of an odd number modulo 2^64 (Newton's iteration). */
static uint64_t cat_inverse(uint64_t a)
{
    uint64_t x = a;
    for (int i = 0; i < 6; i++)
        x *= 2 - a * x;
    return x;
}

/* Set @p rng so that its next 64-bit draw is @p out: xoshiro256** returns
 * rotl(s[1] * 5, 7) * 9, and 5 and 9 are invertible. */
static void cat_next_draw(gan_rng_t *rng, uint64_t out)
{
    const uint64_t v = out * cat_inverse(9);
    rng->r.s[1] = ((v >> 7) | (v << 57)) * cat_inverse(5);
}

/* gan_categorical_sample()'s uniform for a draw. */
static double cat_u(uint64_t draw)
{
    return (double)(draw >> 11) * 0x1.0p-53;
}

/* One row through both samplers with the draw @p draw; returns the id. */
static int32_t cat_both(gan_rng_t *rng, const float *x, int32_t V, float temperature,
                        uint64_t draw, float *w)
{
    int32_t id = -1;
    cat_next_draw(rng, draw);
    GT_OK(gan_categorical_sample(rng, x, 1, V, temperature, &id));
    const int32_t row = gan__categorical_row(x, V, temperature, cat_u(draw), w);
    if (row != id)
        fail_msg("V %d, T %g, u %.17g: gan_categorical_sample gives %d, "
                 "gan__categorical_row %d", (int)V, (double)temperature, cat_u(draw),
                 (int)id, (int)row);
    return id;
}

static void test_samplers_agree(void **state)
{
    (void)state;
    static const int32_t widths[] = {1, 2, 7, 255, 256, 257, 1000, 5000, 16700};
    static const float temperatures[] = {1.0f, 0.7f, 10.0f, 1e-3f};
    static const uint64_t ends[] = {0, 1u << 11, ~(uint64_t)0, ~(uint64_t)0 << 11 >> 1};
    gan_rng_t *rng;
    GT_OK(gan_rng_create(&rng, 8));
    gt_rng g;
    gt_seed(&g, 9);
    for (size_t k = 0; k < sizeof widths / sizeof widths[0]; k++) {
        const int32_t V = widths[k];
        float *x = malloc((size_t)V * sizeof *x), *w = malloc((size_t)V * sizeof *w);
        assert_true(x && w);
        for (size_t t = 0; t < sizeof temperatures / sizeof temperatures[0]; t++) {
            gt_fill(&g, x, (size_t)V, -8.0f, 8.0f);
            for (size_t e = 0; e < sizeof ends / sizeof ends[0]; e++)
                cat_both(rng, x, V, temperatures[t], ends[e], w);
            for (int i = 0; i < 200; i++) {
                uint64_t draw = (uint64_t)(gt_uniform(&g) * 0x1p32) << 32;
                draw |= (uint64_t)(gt_uniform(&g) * 0x1p32);
                cat_both(rng, x, V, temperatures[t], draw, w);
            }
        }
        free(w);
        free(x);
    }
    gan_rng_destroy(rng);
}

/* Two tied tops in different chunks at a tiny temperature: each takes half of [0, 1).
 * The largest u goes to the last class of non-zero weight, not the last class. */
static void test_chunk_edges_and_ends(void **state)
{
    (void)state;
    enum { V = 600 };
    float x[V], w[V];
    for (int j = 0; j < V; j++)
        x[j] = j == 255 || j == 256 ? 3.0f : 2.0f;
    gan_rng_t *rng;
    GT_OK(gan_rng_create(&rng, 1));
    assert_int_equal(cat_both(rng, x, V, 1e-6f, 0, w), 255);
    assert_int_equal(cat_both(rng, x, V, 1e-6f, (uint64_t)1 << 62, w), 255);
    assert_int_equal(cat_both(rng, x, V, 1e-6f, ((uint64_t)1 << 63) - 2048, w), 255);
    assert_int_equal(cat_both(rng, x, V, 1e-6f, (uint64_t)1 << 63, w), 256);
    assert_int_equal(cat_both(rng, x, V, 1e-6f, ~(uint64_t)0, w), 256);
    /* Weights of 1 up to class 400, 0 after (e^-1000 in float). */
    for (int j = 0; j < V; j++)
        x[j] = j <= 400 ? 0.0f : -1000.0f;
    assert_int_equal(cat_both(rng, x, V, 1.0f, ~(uint64_t)0, w), 400);
    assert_int_equal(cat_both(rng, x, V, 1.0f, 0, w), 0);
    /* 1/T past FLT_MAX still scales exactly: logits FLT_TRUE_MIN apart at that temperature
     * weigh 1 and e^-1, so the second takes u >= 1 / (1 + e^-1) = 0.731. */
    const float pair[2] = {0.0f, -FLT_TRUE_MIN};
    assert_int_equal(cat_both(rng, pair, 2, FLT_TRUE_MIN, (uint64_t)(0.72 * 0x1p64), w), 0);
    assert_int_equal(cat_both(rng, pair, 2, FLT_TRUE_MIN, (uint64_t)(0.74 * 0x1p64), w), 1);
    gan_rng_destroy(rng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samplers_agree),
        cmocka_unit_test(test_chunk_edges_and_ends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
