/* libgan's thread pool: a model split into parts computes what the unsplit model does,
 * the same bits whichever thread runs a part (training too, with the part count set on
 * the model), and a failure in a worker reaches the caller with its message. */
#include "test_util.h"

#include <math.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 5
static const int32_t image_dims[3] = {2, 8, 8};

/* Conv -> BN -> LeakyReLU -> Dropout -> ConvT -> Tanh: every parallel layer kind. */
static gan_model_t *conv_stack(void)
{
    gan_model_t *m = gt_model(image_dims, 3);
    gan_layer_t *l;
    gt_add(m, gan_layer_conv2d_create(&l, 6, 3, 2, GAN_PADDING_SAME), l);
    gt_add(m, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l);
    gt_add(m, gan_layer_leaky_relu_create(&l, 0.2f), l);
    gt_add(m, gan_layer_dropout_create(&l, 0.3f), l);
    gt_add(m, gan_layer_conv2d_transpose_create(&l, 3, 5, 2, GAN_PADDING_SAME), l);
    gt_add(m, gan_layer_tanh_create(&l), l);
    return m;
}

typedef struct pass_result {
    float *out, *dx, *grads;
    size_t n_out, n_in, n_grads;
} pass_result;

/* Build with the pool at @p build_threads, run at @p run_threads: forward, backward. */
static pass_result run_pass(int32_t build_threads, int32_t run_threads, int32_t batch)
{
    GT_OK(gan_set_num_threads(build_threads));
    gan_model_t *m = conv_stack();
    GT_OK(gan_model_build(m, batch));
    GT_OK(gan_set_num_threads(run_threads));
    pass_result r = {.n_in = (size_t)batch * gt_input_size(m),
                     .n_out = (size_t)batch * gt_output_size(m)};
    float *x = malloc(r.n_in * sizeof *x), *dy = malloc(r.n_out * sizeof *dy);
    gt_rng g;
    gt_seed(&g, 7);
    gt_fill(&g, x, r.n_in, -1.0f, 1.0f);
    gt_fill(&g, dy, r.n_out, -1.0f, 1.0f);
    const float *out, *dx;
    float *grads;
    GT_OK(gan_model_zero_grad(m));
    GT_OK(gan_model_forward(m, x, NULL, batch, &out));
    GT_OK(gan_model_backward(m, dy, &dx));
    GT_OK(gan_model_get_grads(m, &grads, &r.n_grads));
    r.out = malloc(r.n_out * sizeof *r.out);
    r.dx = malloc(r.n_in * sizeof *r.dx);
    r.grads = malloc(r.n_grads * sizeof *r.grads);
    memcpy(r.out, out, r.n_out * sizeof *r.out);
    memcpy(r.dx, dx, r.n_in * sizeof *r.dx);
    memcpy(r.grads, grads, r.n_grads * sizeof *r.grads);
    free(x);
    free(dy);
    gan_model_destroy(m);
    GT_OK(gan_set_num_threads(1));
    return r;
}

static void result_free(pass_result *r)
{
    free(r->out);
    free(r->dx);
    free(r->grads);
}

static void expect_close(const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fabsf(a[i] - b[i]) > 1e-5f + 1e-5f * fabsf(b[i]))
            fail_msg("element %zu: %.9g vs %.9g", i, (double)a[i], (double)b[i]);
}

static void test_parts_match_one_part(void **state)
{
    (void)state;
    const int32_t batches[3] = {BATCH, 1, 2}; /* batch 1: fewer images than threads */
    for (int i = 0; i < 3; i++) {
        pass_result one = run_pass(1, 1, batches[i]), split = run_pass(3, 3, batches[i]);
        expect_close(split.out, one.out, one.n_out);
        expect_close(split.dx, one.dx, one.n_in);
        expect_close(split.grads, one.grads, one.n_grads);
        result_free(&one);
        result_free(&split);
    }
}

static void test_same_bits_on_any_thread(void **state)
{
    (void)state;
    /* Built for 3 parts: run on 3 threads, on 2 (parts wrap around) and on the caller. */
    pass_result pooled = run_pass(3, 3, BATCH), fewer = run_pass(3, 2, BATCH),
                inline_run = run_pass(3, 1, BATCH);
    assert_memory_equal(pooled.out, inline_run.out, pooled.n_out * sizeof(float));
    assert_memory_equal(pooled.dx, inline_run.dx, pooled.n_in * sizeof(float));
    assert_memory_equal(pooled.grads, inline_run.grads, pooled.n_grads * sizeof(float));
    assert_memory_equal(pooled.grads, fewer.grads, pooled.n_grads * sizeof(float));
    result_free(&pooled);
    result_free(&fewer);
    result_free(&inline_run);
}

/* Elementwise layers large enough to be split: the same bits as unsplit. */
static float *dropout_tanh_output(int32_t threads)
{
    enum { WIDE = 100001 }; /* odd: ranges start at odd halves of the dropout's pairs */
    const int32_t dims[1] = {WIDE};
    GT_OK(gan_set_num_threads(threads));
    gan_model_t *m = gt_model(dims, 1);
    gan_layer_t *l;
    gt_add(m, gan_layer_dropout_create(&l, 0.3f), l);
    gt_add(m, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l);
    gt_add(m, gan_layer_tanh_create(&l), l);
    GT_OK(gan_model_build(m, 3));
    float *x = malloc(3 * (size_t)WIDE * sizeof *x), *copy = malloc(3 * (size_t)WIDE * sizeof *x);
    gt_rng g;
    gt_seed(&g, 11);
    gt_fill(&g, x, 3 * (size_t)WIDE, -2.0f, 2.0f);
    const float *y;
    GT_OK(gan_model_forward(m, x, NULL, 3, &y));
    memcpy(copy, y, 3 * (size_t)WIDE * sizeof *copy);
    free(x);
    gan_model_destroy(m);
    GT_OK(gan_set_num_threads(1));
    return copy;
}

static void test_split_elementwise_layers(void **state)
{
    (void)state;
    float *one = dropout_tanh_output(1), *split = dropout_tanh_output(3);
    assert_memory_equal(one, split, 3 * 100001 * sizeof *one);
    free(one);
    free(split);
}

/* Products counted from several threads at once add up exactly. */
static double profiled_flops(int32_t threads)
{
    GT_OK(gan_set_num_threads(threads));
    gan_model_t *m = conv_stack();
    GT_OK(gan_model_build(m, BATCH));
    GT_OK(gan_model_set_profiling(m, 1));
    float x[BATCH * 2 * 8 * 8] = {0};
    for (int i = 0; i < 20; i++)
        GT_OK(gan_model_forward(m, x, NULL, BATCH, NULL));
    double total = 0.0;
    for (int32_t i = 0; i < 6; i++) {
        double f;
        GT_OK(gan_model_get_layer_profile(m, i, NULL, NULL, &f, NULL));
        total += f;
    }
    gan_model_destroy(m);
    GT_OK(gan_set_num_threads(1));
    return total;
}

static void test_profile_counts_parts(void **state)
{
    (void)state;
    const double one = profiled_flops(1);
    assert_true(one > 0.0);
    assert_true(profiled_flops(3) == one);
}

/* Five Adam steps of Conv -> BN -> LeakyReLU -> Flatten -> Dense(16) towards fixed
 * targets, the pool at @p threads, the BLAS at one thread (its own threads change the
 * order of additions) and the model at @p parts parts (0: the default): the parameters
 * (*n floats). */
static float *trained_params(int32_t threads, int32_t parts, size_t *n)
{
    enum { B = 8, OUT = 16 };
    GT_OK(gan_set_num_threads(threads));
    GT_OK(gan_blas_set_num_threads(1));
    gan_model_t *m = gt_model(image_dims, 3);
    gan_layer_t *l;
    gt_add(m, gan_layer_conv2d_create(&l, 6, 3, 2, GAN_PADDING_SAME), l);
    gt_add(m, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l);
    gt_add(m, gan_layer_leaky_relu_create(&l, 0.2f), l);
    gt_add(m, gan_layer_flatten_create(&l), l);
    gt_add(m, gan_layer_dense_create(&l, OUT, true), l);
    GT_OK(gan_model_set_parts(m, parts));
    GT_OK(gan_model_build(m, B));
    gan_optimizer_t *opt;
    GT_OK(gan_optimizer_adam_create(&opt, m, 1e-2f, 0.5f, 0.999f, 1e-8f));
    float x[B * 2 * 8 * 8], target[B * OUT], dy[B * OUT];
    gt_rng g;
    gt_seed(&g, 5);
    gt_fill(&g, x, sizeof x / sizeof *x, -1.0f, 1.0f);
    gt_fill(&g, target, sizeof target / sizeof *target, -1.0f, 1.0f);
    for (int step = 0; step < 5; step++) {
        const float *y;
        GT_OK(gan_model_zero_grad(m));
        GT_OK(gan_model_forward(m, x, NULL, B, &y));
        for (int i = 0; i < B * OUT; i++)
            dy[i] = y[i] - target[i];
        GT_OK(gan_model_backward(m, dy, NULL));
        GT_OK(gan_optimizer_step(opt));
    }
    float *params;
    GT_OK(gan_model_get_params(m, &params, n));
    float *copy = malloc(*n * sizeof *copy);
    memcpy(copy, params, *n * sizeof *copy);
    gan_optimizer_destroy(opt);
    gan_model_destroy(m);
    GT_OK(gan_set_num_threads(1));
    return copy;
}

/* The part count, not the thread count, decides what training computes. */
static void test_part_count_decides_the_bits(void **state)
{
    (void)state;
    size_t n1, n2, n3;
    float *one_thread = trained_params(1, 2, &n1), *two_threads = trained_params(2, 2, &n2),
          *following = trained_params(2, 0, &n3); /* the default: 2 parts at 2 threads */
    assert_int_equal(n1, n2);
    assert_int_equal(n1, n3);
    assert_memory_equal(one_thread, two_threads, n1 * sizeof *one_thread);
    assert_memory_equal(one_thread, following, n1 * sizeof *one_thread);
    free(one_thread);
    free(two_threads);
    free(following);
}

static void test_part_count_api(void **state)
{
    (void)state;
    int32_t parts = -1;
    gan_model_t *m = conv_stack();
    GT_OK(gan_model_get_parts(m, &parts));
    assert_int_equal(parts, 0); /* not built: follows the threads */
    GT_FAILS(gan_model_set_parts(m, -1), GAN_E_OUT_OF_RANGE, "-1 parts");
    GT_FAILS(gan_model_set_parts(m, GAN_MODEL_MAX_PARTS + 1), GAN_E_OUT_OF_RANGE, "257 parts");
    GT_FAILS(gan_model_set_parts(NULL, 1), GAN_E_INVALID_ARG, "model is NULL");
    GT_FAILS(gan_model_get_parts(m, NULL), GAN_E_INVALID_ARG, "parts is NULL");
    GT_OK(gan_model_build(m, BATCH));
    GT_OK(gan_model_get_parts(m, &parts));
    assert_int_equal(parts, 1); /* the pool's size at build */
    GT_OK(gan_model_set_parts(m, 3)); /* on a built model: laid out again */
    GT_OK(gan_model_get_parts(m, &parts));
    assert_int_equal(parts, 3);
    float x[BATCH * 2 * 8 * 8] = {0};
    GT_OK(gan_model_forward(m, x, NULL, BATCH, NULL));
    GT_OK(gan_set_num_threads(2));
    GT_OK(gan_model_set_parts(m, 0)); /* follows the threads again */
    GT_OK(gan_model_get_parts(m, &parts));
    assert_int_equal(parts, 2);
    gan_model_destroy(m);
    GT_OK(gan_set_num_threads(1));
}

static pthread_t main_thread;

/* A user sgemm that fails on any thread but the test's own. */
static int failing_off_main(void *user, int32_t ta, int32_t tb, int32_t m, int32_t n,
                            int32_t k, float alpha, const float *a, int32_t lda,
                            const float *b, int32_t ldb, float beta, float *c, int32_t ldc)
{
    (void)user, (void)ta, (void)tb, (void)alpha, (void)a, (void)lda, (void)b, (void)ldb;
    if (!pthread_equal(pthread_self(), main_thread))
        return 7;
    for (int32_t i = 0; i < m; i++) /* any values: only the failure is checked */
        for (int32_t j = 0; j < n; j++)
            c[(size_t)i * ldc + j] = beta == 0.0f ? 0.0f : c[(size_t)i * ldc + j];
    (void)k;
    return 0;
}

static void test_worker_failure_reaches_the_caller(void **state)
{
    (void)state;
    main_thread = pthread_self();
    GT_OK(gan_set_num_threads(2));
    gan_model_t *m = conv_stack();
    GT_OK(gan_model_build(m, BATCH));
    GT_OK(gan_model_set_sgemm(m, failing_off_main, NULL));
    float x[BATCH * 2 * 8 * 8] = {0};
    GT_FAILS(gan_model_forward(m, x, NULL, BATCH, NULL), GAN_E_BACKEND, "returned 7");
    GT_FAILS(gan_model_forward(m, x, NULL, BATCH, NULL), GAN_E_BACKEND, "layer 0");
    gan_model_destroy(m);
    GT_OK(gan_set_num_threads(1));
}

/* A forked child has no workers: its pool is back to 1 and passes run, not hang. */
static void test_fork_child_runs_without_workers(void **state)
{
    (void)state;
    GT_OK(gan_set_num_threads(2));
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(60); /* a hang fails the test instead of blocking it */
        gan_model_t *m = conv_stack();
        float x[BATCH * 2 * 8 * 8] = {0};
        int ok = gan_get_num_threads() == 1 && gan_model_build(m, BATCH) == GAN_OK &&
                 gan_model_forward(m, x, NULL, BATCH, NULL) == GAN_OK &&
                 gan_set_num_threads(2) == GAN_OK &&
                 gan_model_set_batch_size(m, BATCH + 1) == GAN_OK;
        gan_model_destroy(m);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    GT_OK(gan_set_num_threads(1));
}

static void test_thread_count_api(void **state)
{
    (void)state;
    assert_int_equal(gan_get_num_threads(), 1);
    GT_FAILS(gan_set_num_threads(0), GAN_E_OUT_OF_RANGE, "0 threads");
    GT_FAILS(gan_set_num_threads(257), GAN_E_OUT_OF_RANGE, "257 threads");
    GT_OK(gan_set_num_threads(4));
    assert_int_equal(gan_get_num_threads(), 4);
    GT_OK(gan_set_num_threads(4)); /* unchanged */
    GT_OK(gan_set_num_threads(1));
    assert_int_equal(gan_get_num_threads(), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thread_count_api),
        cmocka_unit_test(test_parts_match_one_part),
        cmocka_unit_test(test_same_bits_on_any_thread),
        cmocka_unit_test(test_split_elementwise_layers),
        cmocka_unit_test(test_profile_counts_parts),
        cmocka_unit_test(test_part_count_decides_the_bits),
        cmocka_unit_test(test_part_count_api),
        cmocka_unit_test(test_worker_failure_reaches_the_caller),
        cmocka_unit_test(test_fork_child_runs_without_workers),
    };
    return cmocka_run_group_tests_name("threads", tests, NULL, NULL);
}
