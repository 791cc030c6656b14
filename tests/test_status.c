/* Status strings, the per-thread error message and the version queries. */
#include "test_util.h"

#include <pthread.h>
#include <string.h>

static void test_status_strings_are_distinct(void **state)
{
    (void)state;
    const gan_status all[] = {GAN_OK,          GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE,
                              GAN_E_SHAPE,     GAN_E_BATCH_SIZE,  GAN_E_STATE,
                              GAN_E_NO_MEMORY, GAN_E_BACKEND,     GAN_E_IO,
                              GAN_E_FORMAT,    GAN_E_NUMERIC,     GAN_E_INTERNAL};
    const size_t n = sizeof all / sizeof all[0];
    for (size_t i = 0; i < n; i++) {
        const char *s = gan_status_string(all[i]);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
        assert_string_not_equal(s, "unknown status");
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(s, gan_status_string(all[j]));
    }
    assert_string_equal(gan_status_string((gan_status)-12345), "unknown status");
    assert_int_equal(GAN_OK, 0);
}

static void test_version_matches_header(void **state)
{
    (void)state;
    assert_int_equal(gan_version(), GAN_VERSION_NUMBER);
    assert_string_equal(gan_version_string(), GAN_VERSION_STRING);
    assert_int_equal(GAN_VERSION_NUMBER, GAN_VERSION_MAJOR * 10000 + GAN_VERSION_MINOR * 100 +
                                             GAN_VERSION_PATCH);
}

static void *fail_in_thread(void *arg)
{
    (void)arg;
    gan_layer_t *l = NULL;
    (void)gan_layer_dense_create(&l, -7, true);
    return NULL;
}

static void test_error_message_is_per_thread(void **state)
{
    (void)state;
    gan_layer_t *l = NULL;
    GT_FAILS(gan_layer_dense_create(&l, 0, true), GAN_E_OUT_OF_RANGE, "units 0");
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, fail_in_thread, NULL), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    /* The other thread's failure ("units -7") must not show through here. */
    assert_non_null(strstr(gan_last_error(), "units 0"));
}

static void test_long_messages_are_cut_not_overflowed(void **state)
{
    (void)state;
    char name[200];
    memset(name, 'x', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    gan_model_options_t o;
    GT_OK(gan_model_options_init(&o, sizeof o));
    o.name = name;
    const int32_t dims[1] = {4};
    gan_model_t *m = NULL;
    GT_OK(gan_model_create(&m, dims, 1, &o));
    gan_layer_t *l = NULL;
    GT_OK(gan_layer_conv2d_create(&l, 1, 3, 1, GAN_PADDING_SAME));
    GT_OK(gan_layer_set_name(l, name));
    GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, "expects an image");
    assert_true(strlen(gan_last_error()) < 512);
    gan_layer_destroy(l);
    gan_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_strings_are_distinct),
        cmocka_unit_test(test_version_matches_header),
        cmocka_unit_test(test_error_message_is_per_thread),
        cmocka_unit_test(test_long_messages_are_cut_not_overflowed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
