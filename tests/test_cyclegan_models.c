/* The examples' CycleGAN networks (examples/common/cyclegan_models.c): shapes and
 * parameter counts by hand for 28x28 digits at the default sizes and with fewer
 * downsamplings, and a CycleGAN trainer
 * that steps, translates and times a step with them. */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "common/cyclegan_models.h"
#include "test_util.h"

enum { B = 2, PIX = 28 * 28 };

static void expect_shapes(gan_model_t *m, const int32_t in[3], const int32_t out[3],
                          size_t params)
{
    int32_t dims[4], ndim, n_layers;
    GT_OK(gan_model_get_input_shape(m, dims, &ndim));
    assert_int_equal(ndim, 3);
    assert_memory_equal(dims, in, 3 * sizeof *in);
    GT_OK(gan_model_get_layer_count(m, &n_layers));
    GT_OK(gan_model_get_output_shape(m, n_layers - 1, dims, &ndim));
    assert_int_equal(ndim, 3);
    assert_memory_equal(dims, out, 3 * sizeof *out);
    size_t count;
    GT_OK(gan_model_get_param_count(m, &count));
    assert_int_equal(count, params);
}

static void test_reference_networks(void **state)
{
    (void)state;
    gan_model_t *m[4];
    for (int i = 0; i < 2; i++)
        GT_OK(ex_resnet_generator(1, 1, 28, 28, EX_CYCLEGAN_G_FILTERS, EX_CYCLEGAN_G_BLOCKS,
                                  EX_CYCLEGAN_G_DOWNSAMPLINGS, B, i ? "F" : "G", 1 + i, &m[i]));
    for (int i = 2; i < 4; i++)
        GT_OK(ex_patchgan_discriminator(1, 28, 28, EX_CYCLEGAN_D_FILTERS,
                                        EX_CYCLEGAN_D_LAYERS, B, i == 2 ? "D_A" : "D_B",
                                        1 + i, &m[i]));
    /* G: 7x7 1->16 (800), 3x3 16->32 s2 (4640), 32->64 s2 (18496), 3 blocks of two 3x3
     * 64->64 (6 x 36928), ConvT 64->32 (18464), 32->16 (4624), 7x7 16->1 (785). */
    const int32_t image[3] = {1, 28, 28}, patches[3] = {1, 5, 5};
    expect_shapes(m[0], image, image, 269377);
    /* D: 4x4 1->16 s2 (272), 16->32 s2 (8224), 32->64 s1 (32832), 64->1 s1 (1025). */
    expect_shapes(m[2], image, patches, 42353);

    gan_optimizer_t *o[4];
    for (int i = 0; i < 4; i++)
        GT_OK(gan_optimizer_adam_create(&o[i], m[i], 2e-4f, 0.5f, 0.999f, 1e-8f));
    gan_cyclegan_t *t;
    GT_OK(gan_cyclegan_create(&t, m[0], m[1], m[2], m[3], o[0], o[1], o[2], o[3], NULL));
    static float a[B * PIX], b[B * PIX], y[B * PIX];
    gt_rng rng;
    gt_seed(&rng, 3);
    gt_fill(&rng, a, B * PIX, -1, 1);
    gt_fill(&rng, b, B * PIX, -1, 1);
    gan_cyclegan_stats_t s = {.struct_size = sizeof s};
    struct timespec t0, t1;
    GT_OK(gan_cyclegan_step(t, a, b, B, &s));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    GT_OK(gan_cyclegan_step(t, a, b, B, &s));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(isfinite(s.g_loss) && s.cycle_a > 0 && s.identity_b > 0 && s.d_a_loss > 0);
    GT_OK(gan_cyclegan_translate(t, GAN_CYCLEGAN_A2B, a, B, y));
    for (int i = 0; i < B * PIX; i++)
        assert_true(y[i] >= -1 && y[i] <= 1);
    print_message("    reference networks at 28x28 (G %d filters, %d blocks; D %d filters, "
                  "%d layers): one CycleGAN step of batch %d in %.3f s\n",
                  EX_CYCLEGAN_G_FILTERS, EX_CYCLEGAN_G_BLOCKS, EX_CYCLEGAN_D_FILTERS,
                  EX_CYCLEGAN_D_LAYERS, B,
                  (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    gan_cyclegan_destroy(t);
    for (int i = 0; i < 4; i++) {
        gan_optimizer_destroy(o[i]);
        gan_model_destroy(m[i]);
    }
}

/* Fewer stride-2 stages: the blocks run at 14x14 (one) or 28x28 (none), with half or a
 * quarter of the filters, and the image keeps its size. */
static void test_generator_downsamplings(void **state)
{
    (void)state;
    const int32_t image[3] = {1, 28, 28};
    /* one: 7x7 1->16 (800), 3x3 16->32 s2 (4640), 3 blocks of two 3x3 32->32 (6 x 9248),
     * ConvT 32->16 (4624), 7x7 16->1 (785); none: 7x7 1->16 (800), 3 blocks of two 3x3
     * 16->16 (6 x 2320), 7x7 16->1 (785). */
    const size_t params[2] = {800 + 4640 + 6 * 9248 + 4624 + 785, 800 + 6 * 2320 + 785};
    for (int32_t down = 1; down >= 0; down--) {
        gan_model_t *g;
        GT_OK(ex_resnet_generator(1, 1, 28, 28, 16, 3, down, B, "G", 1, &g));
        expect_shapes(g, image, image, params[1 - down]);
        gan_model_destroy(g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_networks),
        cmocka_unit_test(test_generator_downsamplings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
