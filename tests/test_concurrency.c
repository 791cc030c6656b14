/* Two trainers in two threads at once compute exactly what they compute one after the
 * other: libgan keeps no mutable global state besides its thread pool, which one caller
 * uses at a time (another runs its parts on its own thread, with the same results).
 * .ci/run also runs this under ThreadSanitizer. */
#include "test_util.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 8
#define STEPS 12

typedef struct job {
    uint64_t seed;
    gan_model_t *g, *d;
    gan_optimizer_t *g_opt, *d_opt;
    gan_trainer_t *t;
    gan_status status;
    pthread_barrier_t *start; /* both threads begin together, so their steps overlap */
} job;

/* A small DCGAN: convolutions, BatchNorm, Dropout, so the pool's paths all run. */
static void job_create(job *j)
{
    const int32_t z[1] = {8}, image[3] = {1, 8, 8}, grid[3] = {8, 4, 4};
    gan_layer_t *l;
    j->g = gt_model_seeded(z, 1, j->seed);
    gt_add(j->g, gan_layer_dense_create(&l, 8 * 4 * 4, false), l);
    gt_add(j->g, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l);
    gt_add(j->g, gan_layer_leaky_relu_create(&l, 0.2f), l);
    gt_add(j->g, gan_layer_reshape_create(&l, grid, 3), l);
    gt_add(j->g, gan_layer_conv2d_transpose_create(&l, 1, 5, 2, GAN_PADDING_SAME), l);
    gt_add(j->g, gan_layer_tanh_create(&l), l);
    GT_OK(gan_model_build(j->g, BATCH));
    j->d = gt_model_seeded(image, 3, j->seed + 1);
    gt_add(j->d, gan_layer_conv2d_create(&l, 8, 5, 2, GAN_PADDING_SAME), l);
    gt_add(j->d, gan_layer_leaky_relu_create(&l, 0.2f), l);
    gt_add(j->d, gan_layer_dropout_create(&l, 0.3f), l);
    gt_add(j->d, gan_layer_flatten_create(&l), l);
    gt_add(j->d, gan_layer_dense_create(&l, 1, true), l);
    GT_OK(gan_model_build(j->d, BATCH));
    GT_OK(gan_optimizer_adam_create(&j->g_opt, j->g, 2e-4f, 0.5f, 0.999f, 1e-8f));
    GT_OK(gan_optimizer_adam_create(&j->d_opt, j->d, 2e-4f, 0.5f, 0.999f, 1e-8f));
    gan_hacks_t *h;
    GT_OK(gan_hacks_create(&h));
    GT_OK(gan_hacks_set(h, GAN_HACK_SEED, (double)j->seed));
    GT_OK(gan_trainer_create(&j->t, j->g, j->d, j->g_opt, j->d_opt, h));
    gan_hacks_destroy(h);
}

/* No cmocka asserts here: they are not for other threads. */
static void *job_train(void *arg)
{
    job *j = arg;
    float real[BATCH * 64];
    if (j->start)
        pthread_barrier_wait(j->start);
    for (int step = 0; step < STEPS && j->status == GAN_OK; step++) {
        for (int i = 0; i < BATCH * 64; i++)
            real[i] = (float)((i * 7 + step + (int)j->seed) % 17) / 8.5f - 1.0f;
        j->status = gan_trainer_step(j->t, real, NULL, BATCH, NULL);
    }
    return NULL;
}

static void job_params(job *j, float **g, size_t *ng, float **d, size_t *nd)
{
    GT_OK(gan_model_get_params(j->g, g, ng));
    GT_OK(gan_model_get_params(j->d, d, nd));
}

static void run(int threads)
{
    GT_OK(gan_set_num_threads(threads));
    job seq[2] = {{.seed = 3}, {.seed = 11}}, par[2] = {{.seed = 3}, {.seed = 11}};
    for (int i = 0; i < 2; i++) {
        job_create(&seq[i]);
        job_train(&seq[i]);
        GT_OK(seq[i].status);
        job_create(&par[i]);
    }
    pthread_t th[2];
    pthread_barrier_t start;
    assert_int_equal(pthread_barrier_init(&start, NULL, 2), 0);
    for (int i = 0; i < 2; i++) {
        par[i].start = &start;
        assert_int_equal(pthread_create(&th[i], NULL, job_train, &par[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        GT_OK(par[i].status);
    }
    pthread_barrier_destroy(&start);
    float *ga, *gb, *da, *db;
    size_t nga, ngb, nda, ndb;
    job_params(&seq[0], &ga, &nga, &da, &nda);
    job_params(&seq[1], &gb, &ngb, &db, &ndb);
    assert_int_equal(nga, ngb); /* same shapes, other seeds: the comparison below can fail */
    assert_true(memcmp(ga, gb, nga * sizeof *ga) != 0);
    for (int i = 0; i < 2; i++) {
        float *g1, *d1, *g2, *d2;
        size_t ng1, nd1, ng2, nd2;
        job_params(&seq[i], &g1, &ng1, &d1, &nd1);
        job_params(&par[i], &g2, &ng2, &d2, &nd2);
        assert_int_equal(ng1, ng2);
        assert_int_equal(nd1, nd2);
        assert_memory_equal(g1, g2, ng1 * sizeof *g1);
        assert_memory_equal(d1, d2, nd1 * sizeof *d1);
        gt_gan_destroy(seq[i].t, seq[i].g_opt, seq[i].d_opt, seq[i].g, seq[i].d);
        gt_gan_destroy(par[i].t, par[i].g_opt, par[i].d_opt, par[i].g, par[i].d);
    }
}

static void test_two_trainers_one_pool_thread(void **state)
{
    (void)state;
    run(1);
}

static void test_two_trainers_two_pool_threads(void **state)
{
    (void)state;
    run(2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_trainers_one_pool_thread),
        cmocka_unit_test(test_two_trainers_two_pool_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
