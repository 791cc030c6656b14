/* The hacks configuration and the public label, latent and image utilities. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_defaults_and_ranges(void **state)
{
    (void)state;
    gan_hacks_t *h = NULL;
    GT_OK(gan_hacks_create(&h));
    const struct {
        int32_t key;
        double fallback, good, bad;
    } keys[] = {
        {GAN_HACK_LOSS, GAN_LOSS_BCE, GAN_LOSS_HINGE, 4},
        {GAN_HACK_GENERATOR_LOSS, GAN_GLOSS_NON_SATURATING, GAN_GLOSS_MINIMAX, 2},
        {GAN_HACK_LATENT, GAN_LATENT_GAUSSIAN, GAN_LATENT_UNIFORM, -1},
        {GAN_HACK_SEPARATE_BATCHES, 1, 0, 0.5},
        {GAN_HACK_FLIP_PROB, 0, 0.05, 0.6},
        {GAN_HACK_INSTANCE_NOISE, 0, 0.1, -0.1},
        {GAN_HACK_INSTANCE_NOISE_STEPS, 0, 1000, 1.5},
        {GAN_HACK_D_STEPS, 1, 5, 0},
        {GAN_HACK_G_STEPS, 1, 2, 101},
        {GAN_HACK_REPLAY_SIZE, 0, 512, -3},
        {GAN_HACK_REPLAY_FRACTION, 0.5, 0.25, 1.5},
        {GAN_HACK_FEATURE_MATCHING_LAYER, -1, 3, -2},
        {GAN_HACK_EMA_DECAY, 0, 0.999, 1.0},
        {GAN_HACK_GP_WEIGHT, 0, 10, -1},
        {GAN_HACK_CLIP, 0, 0.01, -0.01},
        {GAN_HACK_SEED, 42, 7, -1},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        double v = -123;
        GT_OK(gan_hacks_get(h, keys[i].key, &v));
        if (v != keys[i].fallback)
            fail_msg("key %d default %g, wanted %g", (int)keys[i].key, v, keys[i].fallback);
        GT_FAILS(gan_hacks_set(h, keys[i].key, keys[i].bad), GAN_E_OUT_OF_RANGE, "=");
        GT_FAILS(gan_hacks_set(h, keys[i].key, NAN), GAN_E_OUT_OF_RANGE, "nan");
        GT_OK(gan_hacks_get(h, keys[i].key, &v));
        assert_true(v == keys[i].fallback); /* a refused value leaves the old one */
        GT_OK(gan_hacks_set(h, keys[i].key, keys[i].good));
        GT_OK(gan_hacks_get(h, keys[i].key, &v));
        assert_true(v == keys[i].good);
    }
    GT_FAILS(gan_hacks_set(h, 99, 1), GAN_E_INVALID_ARG, "unknown key 99");
    GT_FAILS(gan_hacks_set(NULL, GAN_HACK_LOSS, 1), GAN_E_INVALID_ARG, "hacks");
    double v;
    GT_FAILS(gan_hacks_get(h, -1, &v), GAN_E_INVALID_ARG, "unknown key -1");
    GT_FAILS(gan_hacks_get(h, GAN_HACK_LOSS, NULL), GAN_E_INVALID_ARG, "value");
    GT_FAILS(gan_hacks_create(NULL), GAN_E_INVALID_ARG, "out");

    gan_hacks_t *copy = NULL;
    GT_OK(gan_hacks_create(&copy));
    GT_OK(gan_hacks_copy(copy, h));
    GT_OK(gan_hacks_get(copy, GAN_HACK_CLIP, &v));
    assert_true(v == 0.01);
    GT_FAILS(gan_hacks_copy(copy, NULL), GAN_E_INVALID_ARG, "src");
    gan_hacks_destroy(copy);
    gan_hacks_destroy(h);
    gan_hacks_destroy(NULL);
}

static void test_label_ranges_and_describe(void **state)
{
    (void)state;
    gan_hacks_t *h = NULL;
    GT_OK(gan_hacks_create(&h));
    float lo, hi;
    GT_OK(gan_hacks_get_labels(h, true, &lo, &hi));
    assert_true(lo == 0.9f && hi == 0.9f); /* one-sided smoothing by default */
    GT_OK(gan_hacks_get_labels(h, false, &lo, &hi));
    assert_true(lo == 0.0f && hi == 0.0f);
    GT_OK(gan_hacks_set_labels(h, true, 0.7f, 1.2f));
    GT_OK(gan_hacks_set_labels(h, false, 0.0f, 0.3f));
    GT_FAILS(gan_hacks_set_labels(h, true, 1.0f, 0.5f), GAN_E_OUT_OF_RANGE, "real labels");
    GT_FAILS(gan_hacks_set_labels(h, false, -2.0f, 0.0f), GAN_E_OUT_OF_RANGE, "fake labels");
    GT_FAILS(gan_hacks_set_labels(h, false, NAN, 0.0f), GAN_E_OUT_OF_RANGE, "fake");
    GT_OK(gan_hacks_get_labels(h, true, &lo, &hi));
    assert_true(lo == 0.7f && hi == 1.2f);
    GT_OK(gan_hacks_set(h, GAN_HACK_LOSS, GAN_LOSS_WASSERSTEIN));
    GT_OK(gan_hacks_set(h, GAN_HACK_D_STEPS, 5));

    size_t length = 0;
    GT_OK(gan_hacks_describe(h, NULL, 0, &length));
    char *text = malloc(length + 1);
    GT_OK(gan_hacks_describe(h, text, length + 1, NULL));
    assert_int_equal(strlen(text), length);
    assert_non_null(strstr(text, "loss                     = wasserstein *"));
    assert_non_null(strstr(text, "d_steps                  = 5 *"));
    assert_non_null(strstr(text, "real [0.7, 1.2], fake [0, 0.3] *"));
    assert_non_null(strstr(text, "ema_decay                = 0\n"));
    /* Changed settings come first. */
    assert_true(strstr(text, "d_steps") < strstr(text, "ema_decay"));
    free(text);
    GT_FAILS(gan_hacks_describe(NULL, NULL, 0, NULL), GAN_E_INVALID_ARG, "hacks");
    gan_hacks_destroy(h);
}

static void test_labels_fill_and_flip(void **state)
{
    (void)state;
    gan_rng_t *rng = NULL;
    GT_OK(gan_rng_create(&rng, 5));
    enum { N = 10000 };
    float *labels = malloc(N * sizeof *labels);
    GT_OK(gan_labels_fill(rng, labels, N, 0.7f, 1.2f));
    double sum = 0;
    for (int i = 0; i < N; i++) {
        assert_true(labels[i] >= 0.7f && labels[i] <= 1.2f);
        sum += labels[i];
    }
    assert_float_equal(sum / N, 0.95, 0.01);
    GT_OK(gan_labels_fill(rng, labels, N, 1.0f, 1.0f));
    int32_t flipped = -1;
    GT_OK(gan_labels_flip(rng, labels, N, 0.05f, &flipped));
    int zeros = 0;
    for (int i = 0; i < N; i++)
        zeros += labels[i] == 0.0f;
    assert_int_equal(zeros, flipped);
    assert_in_range(flipped, 400, 600); /* 5% of 10000, +-4.6 sigma */
    GT_FAILS(gan_labels_flip(rng, labels, N, 1.5f, NULL), GAN_E_OUT_OF_RANGE, "probability");
    GT_FAILS(gan_labels_fill(rng, labels, 0, 0, 1), GAN_E_OUT_OF_RANGE, "n 0");
    GT_FAILS(gan_labels_fill(rng, labels, N, 1, 0), GAN_E_OUT_OF_RANGE, "empty");
    GT_FAILS(gan_labels_fill(NULL, labels, N, 0, 1), GAN_E_INVALID_ARG, "rng");
    free(labels);
    gan_rng_destroy(rng);
}

static void test_latent_sampling_and_slerp(void **state)
{
    (void)state;
    gan_rng_t *a = NULL, *b = NULL;
    GT_OK(gan_rng_create(&a, 9));
    GT_OK(gan_rng_create(&b, 9));
    enum { N = 500, DIM = 100 };
    float *z = malloc(N * DIM * sizeof *z), *z2 = malloc(N * DIM * sizeof *z);
    GT_OK(gan_latent_sample(a, GAN_LATENT_GAUSSIAN, N, DIM, z));
    GT_OK(gan_latent_sample(b, GAN_LATENT_GAUSSIAN, N, DIM, z2));
    assert_memory_equal(z, z2, N * DIM * sizeof *z); /* same seed, same points */
    double sum = 0, sq = 0;
    for (int i = 0; i < N * DIM; i++) {
        sum += z[i];
        sq += (double)z[i] * z[i];
    }
    assert_true(fabs(sum / (N * DIM)) < 0.02 && fabs(sq / (N * DIM) - 1.0) < 0.03);
    GT_OK(gan_latent_sample(a, GAN_LATENT_UNIFORM, N, DIM, z));
    for (int i = 0; i < N * DIM; i++)
        assert_true(z[i] >= -1.0f && z[i] < 1.0f);
    GT_FAILS(gan_latent_sample(a, 7, N, DIM, z), GAN_E_INVALID_ARG, "distribution 7");
    GT_FAILS(gan_latent_sample(a, GAN_LATENT_GAUSSIAN, N, 0, z), GAN_E_OUT_OF_RANGE, "dim 0");

    /* slerp: endpoints exact, the midpoint of two orthogonal unit vectors on the circle. */
    const float e1[2] = {1, 0}, e2[2] = {0, 1};
    float out[2];
    GT_OK(gan_latent_slerp(e1, e2, 2, 0.0f, out));
    assert_float_equal(out[0], 1, 1e-6);
    assert_float_equal(out[1], 0, 1e-6);
    GT_OK(gan_latent_slerp(e1, e2, 2, 1.0f, out));
    assert_float_equal(out[1], 1, 1e-6);
    GT_OK(gan_latent_slerp(e1, e2, 2, 0.5f, out));
    assert_float_equal(out[0], sqrt(0.5), 1e-6);
    assert_float_equal(out[1], sqrt(0.5), 1e-6);
    GT_OK(gan_latent_slerp(e1, e1, 2, 0.3f, out)); /* parallel: no NaN */
    assert_float_equal(out[0], 1, 1e-6);
    GT_FAILS(gan_latent_slerp(e1, e2, 2, NAN, out), GAN_E_OUT_OF_RANGE, "t nan");
    GT_FAILS(gan_latent_slerp(NULL, e2, 2, 0.5f, out), GAN_E_INVALID_ARG, "a");
    free(z);
    free(z2);
    gan_rng_destroy(a);
    gan_rng_destroy(b);
}

static void test_image_scaling(void **state)
{
    (void)state;
    uint8_t pixels[256], back[256];
    float x[256];
    for (int i = 0; i < 256; i++)
        pixels[i] = (uint8_t)i;
    GT_OK(gan_images_from_u8(pixels, 256, x));
    assert_float_equal(x[0], -1.0, 1e-7);
    assert_float_equal(x[255], 1.0, 1e-7);
    assert_float_equal(x[128], 128 / 127.5 - 1, 1e-7);
    GT_OK(gan_images_to_u8(x, 256, back));
    assert_memory_equal(pixels, back, 256);
    const float odd[5] = {-3.0f, 7.0f, NAN, 0.0f, -0.996f};
    GT_OK(gan_images_to_u8(odd, 5, back));
    assert_int_equal(back[0], 0);
    assert_int_equal(back[1], 255);
    assert_int_equal(back[2], 0);
    assert_int_equal(back[3], 128); /* round(127.5) */
    assert_int_equal(back[4], 1);   /* round(0.51) */
    GT_FAILS(gan_images_to_u8(NULL, 5, back), GAN_E_INVALID_ARG, "values");
    GT_FAILS(gan_images_from_u8(pixels, 5, NULL), GAN_E_INVALID_ARG, "out");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_ranges),
        cmocka_unit_test(test_label_ranges_and_describe),
        cmocka_unit_test(test_labels_fill_and_flip),
        cmocka_unit_test(test_latent_sampling_and_slerp),
        cmocka_unit_test(test_image_scaling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
