/* CycleGAN's image pool under shards (white-box): gan__image_pool_skip makes exactly the
 * draws a query would, and CycleGAN shards (gan_cyclegan_set_shard) keep the same random
 * state while their pools fill and once they are full. */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "cyclegan_rig.h"
#include "train/cyclegan.h"
#include "train/image_pool.h"

#define IMAGE 3

/* The generators' states (field by field: the struct has padding). */
static bool rng_equal(const gan__rng *a, const gan__rng *b)
{
    return memcmp(a->s, b->s, sizeof a->s) == 0 && a->has_spare == b->has_spare &&
           (!a->has_spare || a->spare_normal == b->spare_normal);
}

/* For pools of 4 holding 0 to 4 images, and queries of 1 to 9 images: a skip from the
 * same count leaves the generator where the query does, and the pool as it was. */
static void test_skip_draws_as_a_query(void **state)
{
    (void)state;
    float stored[4 * IMAGE], fresh[9 * IMAGE], out[9 * IMAGE];
    for (int i = 0; i < 9 * IMAGE; i++)
        fresh[i] = (float)i;
    for (int64_t count = 0; count <= 4; count++)
        for (int32_t n = 1; n <= 9; n++) {
            gan__image_pool p = {.images = stored, .size = 4, .count = count, .image = IMAGE};
            gan__rng a, b;
            gan__rng_seed(&a, 100 + (uint64_t)(count * 10 + n));
            b = a;
            memset(stored, 0, sizeof stored);
            gan__image_pool_skip(&p, &b, p.count, n);
            assert_int_equal(p.count, count);
            gan__image_pool_query(&p, &a, fresh, n, out);
            assert_true(rng_equal(&a, &b));
        }
    /* A pool that is off draws nothing. */
    gan__image_pool off = {.size = 0, .image = IMAGE};
    gan__rng a, b;
    gan__rng_seed(&a, 7);
    b = a;
    gan__image_pool_skip(&off, &b, 0, 5);
    assert_true(rng_equal(&a, &b));
}

/* Two CycleGAN shards of batch 2 with pools of 5, each on its own rows, without a hook:
 * whatever their models do, their generators stay together through the steps that fill
 * the pools (2 a step, full at the third) and the ones that draw from them. */
static void test_shards_keep_one_random_state(void **state)
{
    (void)state;
    gan_cyclegan_options_t o;
    GT_OK(gan_cyclegan_options_init(&o, sizeof o));
    o.pool_size = 5;
    enum { STEPS = 6, BATCH = 2 };
    float *a = malloc(sizeof *a * STEPS * 2 * BATCH * 64);
    float *b = malloc(sizeof *b * STEPS * 2 * BATCH * 64);
    assert_true(a && b);
    uint64_t data = 9;
    cg_toy_batch(&data, a, NULL, STEPS * 2 * BATCH, false);
    cg_toy_batch(&data, b, NULL, STEPS * 2 * BATCH, true);
    cg_rig s[2];
    for (int32_t k = 0; k < 2; k++) {
        cg_rig_make(&s[k], BATCH, 1, 8, 8, 0, &o);
        GT_OK(gan_cyclegan_set_shard(s[k].t, k, 2));
    }
    for (int i = 0; i < STEPS; i++) {
        for (int32_t k = 0; k < 2; k++) {
            const size_t at = (size_t)(2 * i + k) * BATCH * 64;
            GT_OK(gan_cyclegan_step(s[k].t, a + at, b + at, BATCH, NULL));
        }
        assert_true(rng_equal(&s[0].t->rng, &s[1].t->rng));
    }
    assert_int_equal(s[0].t->side[0].pool.count, 5);
    /* Not sharded, the same trainer draws otherwise: the skips made a difference. */
    cg_rig alone;
    cg_rig_make(&alone, BATCH, 1, 8, 8, 0, &o);
    for (int i = 0; i < STEPS; i++)
        GT_OK(gan_cyclegan_step(alone.t, a + (size_t)i * BATCH * 64, b, BATCH, NULL));
    assert_false(rng_equal(&alone.t->rng, &s[0].t->rng));
    cg_rig_free(&alone);
    for (int k = 0; k < 2; k++)
        cg_rig_free(&s[k]);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_skip_draws_as_a_query),
        cmocka_unit_test(test_shards_keep_one_random_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
