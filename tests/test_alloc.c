/* Memory discipline: nothing is allocated per step, and failed allocations are errors.
 *
 * Linked against the internal archive with -Wl,--wrap for malloc and friends, so that
 * any allocation made by library code itself is counted, not only the model's arenas. */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

static long heap_calls; /* malloc/calloc/realloc/posix_memalign calls seen */

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
int __real_posix_memalign(void **p, size_t alignment, size_t size);

void *__wrap_malloc(size_t size)
{
    heap_calls++;
    return __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
    heap_calls++;
    return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
    heap_calls++;
    return __real_realloc(p, size);
}

int __wrap_posix_memalign(void **p, size_t alignment, size_t size)
{
    heap_calls++;
    return __real_posix_memalign(p, alignment, size);
}

/* A model allocator that counts, tracks live blocks and can fail the Nth request. */
typedef struct counting {
    long calls, live, fail_at;
} counting;

static void *counting_alloc(void *user, size_t size, size_t alignment)
{
    counting *c = user;
    c->calls++;
    if (c->fail_at > 0 && c->calls == c->fail_at)
        return NULL;
    void *p = NULL;
    if (posix_memalign(&p, alignment, size) != 0)
        return NULL;
    c->live++;
    return p;
}

static void counting_free(void *user, void *p)
{
    counting *c = user;
    c->live--;
    free(p);
}

static gan_status build_dcgan_discriminator(counting *c, gan_model_t **out)
{
    const int32_t dims[3] = {1, 28, 28};
    gan_allocator_t a = {sizeof a, counting_alloc, counting_free, c};
    gan_model_options_t o;
    gan_model_options_init(&o, sizeof o);
    o.allocator = &a;
    gan_model_t *m = NULL;
    gan_status st = gan_model_create(&m, dims, 3, &o);
    if (st != GAN_OK)
        return st;
    gan_layer_t *l = NULL;
    /* On a failed add the layer is still ours to free. */
#define ADD(create)                                   \
    do {                                              \
        if ((st = (create)) == GAN_OK &&              \
            (st = gan_model_add(m, l)) != GAN_OK)     \
            gan_layer_destroy(l);                     \
        if (st != GAN_OK)                             \
            goto fail;                                \
    } while (0)
    ADD(gan_layer_conv2d_create(&l, 8, 5, 2, GAN_PADDING_SAME));
    ADD(gan_layer_batchnorm_create(&l, 0.1f, 1e-5f));
    ADD(gan_layer_leaky_relu_create(&l, 0.2f));
    ADD(gan_layer_dropout_create(&l, 0.3f));
    ADD(gan_layer_conv2d_create(&l, 16, 5, 2, GAN_PADDING_SAME));
    ADD(gan_layer_flatten_create(&l));
    ADD(gan_layer_dense_create(&l, 1, true));
#undef ADD
    /* Spectrally normalised layers must not allocate in the step either. */
    for (int32_t i = 4; i <= 6; i += 2)
        if ((st = gan_model_get_layer(m, i, &l)) != GAN_OK ||
            (st = gan_layer_set_spectral_norm(l, true)) != GAN_OK)
            goto fail;
    if ((st = gan_model_build(m, 4)) != GAN_OK)
        goto fail;
    *out = m;
    return GAN_OK;
fail:
    gan_model_destroy(m);
    return st;
}

static void test_no_allocation_in_the_step(void **state)
{
    (void)state;
    counting c = {0};
    gan_model_t *m = NULL;
    GT_OK(build_dcgan_discriminator(&c, &m));
    float x[4 * 784], dlogit[4] = {1, -1, 0.5f, 2};
    gt_rng r;
    gt_seed(&r, 3);
    gt_fill(&r, x, 4 * 784, -1, 1);
    const float *y, *dx;
    GT_OK(gan_model_forward(m, x, NULL, 4, &y)); /* warm-up: lazy BLAS set-up */
    long model_calls = c.calls, heap = heap_calls;
    for (int step = 0; step < 3; step++) {
        GT_OK(gan_model_zero_grad(m));
        GT_OK(gan_model_forward(m, x, NULL, 4, &y));
        GT_OK(gan_model_backward(m, dlogit, &dx));
        GT_OK(gan_model_set_trainable(m, step != 1));
        GT_OK(gan_model_set_training(m, step != 2));
    }
    assert_int_equal(c.calls, model_calls);
    assert_int_equal(heap_calls, heap);
    /* A batch-size change is where memory may be allocated, and is. */
    GT_OK(gan_model_set_batch_size(m, 8));
    assert_true(c.calls > model_calls);
    gan_model_destroy(m);
    assert_int_equal(c.live, 0);
}

static void test_every_failed_allocation_is_an_error(void **state)
{
    (void)state;
    counting probe = {0};
    gan_model_t *m = NULL;
    GT_OK(build_dcgan_discriminator(&probe, &m));
    gan_model_destroy(m);
    assert_int_equal(probe.live, 0);
    assert_true(probe.calls >= 4);
    for (long n = 1; n <= probe.calls; n++) {
        counting c = {.fail_at = n};
        m = NULL;
        gan_status st = build_dcgan_discriminator(&c, &m);
        if (st != GAN_E_NO_MEMORY)
            fail_msg("failing allocation %ld of %ld gave %d (%s)", n, probe.calls, (int)st,
                     gan_last_error());
        assert_null(m);
        assert_int_equal(c.live, 0); /* nothing leaked */
        assert_true(strlen(gan_last_error()) > 0);
    }
}

static void test_failed_resize_keeps_the_old_batch(void **state)
{
    (void)state;
    counting c = {0};
    gan_model_t *m = NULL;
    GT_OK(build_dcgan_discriminator(&c, &m));
    c.fail_at = c.calls + 1;
    GT_FAILS(gan_model_set_batch_size(m, 16), GAN_E_NO_MEMORY, "batch 16");
    int32_t batch;
    GT_OK(gan_model_get_batch_size(m, &batch));
    assert_int_equal(batch, 4);
    float x[4 * 784] = {0};
    GT_OK(gan_model_forward(m, x, NULL, 4, NULL));
    gan_model_destroy(m);
    assert_int_equal(c.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_allocation_in_the_step),
        cmocka_unit_test(test_every_failed_allocation_is_an_error),
        cmocka_unit_test(test_failed_resize_keeps_the_old_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
