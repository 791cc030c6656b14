/* Memory discipline of models: nothing is allocated per step (plain, token, caption,
 * graph and recurrent models; the tokenizer's encoding), failed allocations are errors
 * (the tokenizer's too), and a failed resize changes nothing.
 * The training runs' lives are in test_alloc_train.c.
 *
 * Linked against the internal archive with -Wl,--wrap for malloc and friends, so that
 * any allocation made by library code itself is counted, not only the model's arenas. */
#include "alloc_rig.h"

#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "blas/blas.h"
#include "kernels/sgemm.h"

static gan_status build_dcgan_discriminator(counting *c, gan_model_t **out)
{
    const int32_t dims[3] = {1, 28, 28};
    gan_model_t *m;
    gan_status st = counted_model(c, dims, 3, &m);
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


/* The token blocks of a sequence GAN: Embedding over (T) ids, Dense per time step and a
 * highway layer in the model; the weighted token loss and categorical sampling around
 * it. None of them allocates in the step. */
static void test_no_allocation_in_a_token_step(void **state)
{
    (void)state;
    enum { N = 3, T = 4, V = 5 };
    counting c = {0};
    const int32_t steps = T;
    gan_model_t *m = NULL;
    gan_status st = counted_model(&c, &steps, 1, &m);
    gan_layer_t *l = NULL;
    add_layer(m, &st, gan_layer_embedding_sequence_create(&l, V, 6), &l);
    add_layer(m, &st, gan_layer_highway_create(&l, -2.0f), &l);
    add_layer(m, &st, gan_layer_dense_create(&l, V, true), &l);
    GT_OK(build_or_destroy(m, st, &m));
    GT_OK(gan_model_set_batch_size(m, N));
    gan_rng_t *rng = NULL;
    GT_OK(gan_rng_create(&rng, 8));
    float ids[N * T], weights[N * T], dlogits[N * T * V];
    int32_t labels[N * T];
    for (int i = 0; i < N * T; i++) {
        ids[i] = (float)(i % V);
        weights[i] = 0.25f * (float)(i % 3);
    }
    const float *logits, *dx;
    double loss;
    GT_OK(gan_model_forward(m, ids, NULL, N, &logits)); /* warm-up: lazy BLAS set-up */
    long model_calls = c.calls, heap = heap_calls;
    for (int step = 0; step < 3; step++) {
        GT_OK(gan_model_zero_grad(m));
        GT_OK(gan_model_forward(m, ids, NULL, N, &logits));
        GT_OK(gan_categorical_sample(rng, logits, N * T, V, 0.7f, labels));
        GT_OK(gan_loss_softmax_cross_entropy_weighted(logits, labels, weights, N * T, V,
                                                      &loss, dlogits));
        GT_OK(gan_model_backward(m, dlogits, &dx));
    }
    assert_int_equal(c.calls, model_calls);
    assert_int_equal(heap_calls, heap);
    gan_rng_destroy(rng);
    gan_model_destroy(m);
    assert_int_equal(c.live, 0);
}

/* A caption encoder, BagOfWords, Dense and conditioning augmentation, fed by the
 * tokenizer: neither encoding a caption nor a training step allocates. */
static void test_no_allocation_in_a_caption_step(void **state)
{
    (void)state;
    enum { N = 2, T = 6, C = 3 };
    const char *const texts[] = {"a thick seven", "A thin, slanted 7", "the number ten"};
    gan_tokenizer_t *tok = NULL;
    GT_OK(gan_tokenizer_create(&tok, texts, 3, 1, 0));
    int32_t vocab, ids[N * T], n, unknown, id;
    GT_OK(gan_tokenizer_get_vocab_size(tok, &vocab));
    counting c = {0};
    const int32_t steps = T;
    gan_model_t *m = NULL;
    gan_status st = counted_model(&c, &steps, 1, &m);
    gan_layer_t *l = NULL;
    add_layer(m, &st, gan_layer_bag_of_words_create(&l, vocab, 5, GAN_TOKEN_PAD), &l);
    add_layer(m, &st, gan_layer_dense_create(&l, 2 * C, true), &l);
    add_layer(m, &st, gan_layer_cond_augment_create(&l, 1.0f), &l);
    GT_OK(build_or_destroy(m, st, &m));
    GT_OK(gan_model_set_batch_size(m, N));
    GT_OK(gan_model_get_layer(m, 2, &l));
    float x[N * T] = {0}, dy[N * C] = {1, -1, 0.5f, 0.25f, 2, -2};
    char unknown_words[32];
    size_t length;
    double kl;
    const float *y, *dx;
    GT_OK(gan_model_forward(m, x, NULL, N, &y)); /* warm-up: lazy BLAS set-up */
    long model_calls = c.calls, heap = heap_calls;
    for (int step = 0; step < 3; step++) {
        GT_OK(gan_tokenizer_encode(tok, "a squiggly thick seven", T, ids, &n, &unknown));
        GT_OK(gan_tokenizer_encode(tok, "THE NUMBER 7", T, ids + T, &n, &unknown));
        GT_OK(gan_tokenizer_unknown_words(tok, "a squiggly thick seven", unknown_words,
                                          sizeof unknown_words, &length));
        GT_OK(gan_tokenizer_get_id(tok, "Seven", &id));
        GT_FAILS(gan_tokenizer_encode(tok, "?!", T, ids, &n, &unknown), GAN_E_INVALID_ARG,
                 "empty caption");
        for (int i = 0; i < N * T; i++)
            x[i] = (float)ids[i];
        GT_OK(gan_model_zero_grad(m));
        GT_OK(gan_model_set_training(m, step != 1));
        GT_OK(gan_model_forward(m, x, NULL, N, &y));
        GT_OK(gan_layer_cond_augment_get_kl(l, &kl));
        GT_OK(gan_model_backward(m, dy, &dx));
    }
    assert_int_equal(c.calls, model_calls);
    assert_int_equal(heap_calls, heap);
    gan_model_destroy(m);
    assert_int_equal(c.live, 0);
    gan_tokenizer_destroy(tok);
}

/* Call @p which (0 create, 1 load from @p path, 2 save @p t to @p path) with library
 * allocation @p fail_at failing (0: none), and say how many allocations it made. */
static gan_status tokenizer_call(int which, const gan_tokenizer_t *t, const char *path,
                                 long fail_at, long *calls)
{
    static const char *const texts[] = {"a thick seven", "A thin, slanted 7", "ten"};
    gan_tokenizer_t *made = NULL;
    const long before = heap_calls;
    heap_fail_at = fail_at ? heap_calls + fail_at : 0;
    gan_status st = which == 0   ? gan_tokenizer_create(&made, texts, 3, 1, 0)
                    : which == 1 ? gan_tokenizer_load(&made, path)
                                 : gan_tokenizer_save(t, path);
    heap_fail_at = 0;
    *calls = heap_calls - before;
    if ((st == GAN_OK) != (made != NULL) && which < 2)
        fail_msg("call %d returned %d with the tokenizer %p", which, (int)st, (void *)made);
    gan_tokenizer_destroy(made);
    return st;
}

/* Each allocation of creating, loading and saving a tokenizer, failed in turn, is
 * GAN_E_NO_MEMORY with a message, and leaks nothing. */
static void test_tokenizer_failed_allocations(void **state)
{
    (void)state;
    char path[] = "/tmp/gan_tokenizer_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    const char *const texts[] = {"a thick seven", "A thin, slanted 7", "ten"};
    gan_tokenizer_t *t = NULL;
    GT_OK(gan_tokenizer_create(&t, texts, 3, 1, 0));
    GT_OK(gan_tokenizer_save(t, path));
    for (int which = 0; which < 3; which++) {
        const long live = heap_live;
        long calls, ignored;
        GT_OK(tokenizer_call(which, t, path, 0, &calls));
        assert_int_equal(heap_live, live);
        assert_true(calls >= 1);
        for (long k = 1; k <= calls; k++) {
            gan_status st = tokenizer_call(which, t, path, k, &ignored);
            if (st != GAN_E_NO_MEMORY)
                fail_msg("call %d, failing allocation %ld of %ld: %d (%s)", which, k, calls,
                         (int)st, gan_last_error());
            assert_true(strlen(gan_last_error()) > 0);
            assert_int_equal(heap_live, live); /* nothing leaked */
        }
    }
    gan_tokenizer_destroy(t);
    unlink(path);
}

/* A graph through the counting allocator: an image and a vector input, a residual
 * block, the vector tiled and concatenated, and a Concat of 17 nodes (more than the
 * connect call keeps on its stack). */
static gan_status build_graph(counting *c, gan_model_t **out)
{
    const int32_t image[3] = {2, 6, 6}, vec[1] = {3};
    gan_model_t *m;
    gan_status st = counted_model(c, image, 3, &m);
    if (st != GAN_OK)
        return st;
    int32_t v = 0, h = 0, x = GAN_MODEL_INPUT(0), p = 0, many[17];
    gan_layer_t *l = NULL;
#define CONNECT(create, node, ...)                                                       \
    do {                                                                                 \
        const int32_t in_[] = {__VA_ARGS__};                                             \
        if (st == GAN_OK && (st = (create)) == GAN_OK &&                                 \
            (st = gan_model_connect(m, l, in_, (int32_t)(sizeof in_ / sizeof in_[0]),    \
                                    &(node))) != GAN_OK)                                 \
            gan_layer_destroy(l);                                                        \
    } while (0)
    st = gan_model_add_input(m, vec, 1, &v);
    CONNECT(gan_layer_conv2d_create(&l, 2, 3, 1, GAN_PADDING_SAME), h, x);
    CONNECT(gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), h, h);
    CONNECT(gan_layer_relu_create(&l), h, h);
    CONNECT(gan_layer_add_create(&l), h, x, h);
    CONNECT(gan_layer_dense_create(&l, 2, true), p, v);
    CONNECT(gan_layer_tile_create(&l, 6, 6), p, p);
    CONNECT(gan_layer_concat_create(&l), h, h, p);
    CONNECT(gan_layer_global_avgpool_create(&l), h, h);
    for (int i = 0; i < 17; i++)
        many[i] = h;
    if (st == GAN_OK && (st = gan_layer_concat_create(&l)) == GAN_OK &&
        (st = gan_model_connect(m, l, many, 17, NULL)) != GAN_OK)
        gan_layer_destroy(l);
    CONNECT(gan_layer_dense_create(&l, 1, true), h, -1);
#undef CONNECT
    return build_or_destroy(m, st, out);
}

static void test_graph_allocations(void **state)
{
    (void)state;
    counting probe = {0};
    gan_model_t *m = NULL;
    GT_OK(build_graph(&probe, &m));
    float img[4 * 72], vec[4 * 3], dy[4] = {1, -1, 0.5f, 2};
    gt_rng r;
    gt_seed(&r, 4);
    gt_fill(&r, img, 4 * 72, -1, 1);
    gt_fill(&r, vec, 12, -1, 1);
    const float *in[2] = {img, vec}, *dout[1] = {dy}, *din[2];
    GT_OK(gan_model_forward_multi(m, in, NULL, 4, NULL));
    long model_calls = probe.calls, heap = heap_calls;
    for (int step = 0; step < 3; step++) {
        GT_OK(gan_model_forward_multi(m, in, NULL, 4, NULL));
        GT_OK(gan_model_backward_multi(m, dout, step ? din : NULL));
    }
    assert_int_equal(probe.calls, model_calls);
    assert_int_equal(heap_calls, heap);
    gan_model_destroy(m);
    assert_int_equal(probe.live, 0);
    for (long n = 1; n <= probe.calls; n++) {
        counting c = {.fail_at = n};
        m = NULL;
        gan_status st = build_graph(&c, &m);
        if (st != GAN_E_NO_MEMORY)
            fail_msg("failing allocation %ld of %ld gave %d (%s)", n, probe.calls, (int)st,
                     gan_last_error());
        assert_null(m);
        assert_int_equal(c.live, 0);
    }
}

/* A stateful LSTM, a GRU, a stateful GRU over (5, 3), then a Dense: batch 3. */
static gan_status build_recurrent(counting *c, gan_model_t **out)
{
    const int32_t dims[2] = {5, 3};
    gan_model_t *m;
    gan_status st = counted_model(c, dims, 2, &m);
    if (st != GAN_OK)
        return st;
    gan_recurrent_options_t o;
    gan_layer_t *l = NULL;
    gan_recurrent_options_init(&o, sizeof o);
    o.hidden = 4;
    o.stateful = 1;
    add_layer(m, &st, gan_layer_lstm_create_ex(&l, &o), &l);
    o.hidden = 6;
    o.stateful = 0;
    add_layer(m, &st, gan_layer_gru_create_ex(&l, &o), &l);
    o.hidden = 5;
    o.stateful = 1;
    o.return_sequences = 0;
    add_layer(m, &st, gan_layer_gru_create_ex(&l, &o), &l);
    add_layer(m, &st, gan_layer_dense_create(&l, 2, true), &l);
    if (st == GAN_OK)
        st = gan_model_build(m, 3);
    if (st != GAN_OK) {
        gan_model_destroy(m);
        return st;
    }
    *out = m;
    return GAN_OK;
}

/* Recurrent layers' passes and state functions allocate nothing and write only inside its
 * arenas (guarded blocks); every failed allocation while building it is an error. */
static void test_recurrent_allocations(void **state)
{
    (void)state;
    counting probe = {.guard = true};
    gan_model_t *m = NULL;
    GT_OK(build_recurrent(&probe, &m));
    float x[3 * 15], dy[3 * 2] = {1, -1, 0.5f, 2, -0.25f, 0.75f}, h[15], c[15];
    gt_rng r;
    gt_seed(&r, 5);
    gt_fill(&r, x, 3 * 15, -1, 1);
    const float *y, *dx;
    GT_OK(gan_model_forward(m, x, NULL, 3, &y));
    long model_calls = probe.calls, heap = heap_calls;
    for (int step = 0; step < 3; step++) {
        GT_OK(gan_model_zero_grad(m));
        GT_OK(gan_model_forward(m, x, NULL, 3, &y));
        GT_OK(gan_model_backward(m, dy, step ? &dx : NULL));
        GT_OK(gan_model_get_recurrent_state(m, 0, 0, 3, h, c));
        GT_OK(gan_model_set_recurrent_state(m, 0, 1, 2, h, c));
        GT_OK(gan_model_set_recurrent_steps(m, 0, step));
        GT_OK(gan_model_get_recurrent_state(m, 2, 0, 2, h, NULL));
        GT_OK(gan_model_set_recurrent_state(m, 2, 1, 2, h, NULL));
    }
    GT_OK(gan_model_reset_recurrent_state(m, 0));
    GT_OK(gan_model_reset_recurrent_state(m, 2));
    assert_int_equal(probe.calls, model_calls);
    assert_int_equal(heap_calls, heap);
    assert_true(guards_intact(&probe));
    gan_model_destroy(m);
    assert_int_equal(probe.live, 0);
    for (long n = 1; n <= probe.calls; n++) {
        counting c2 = {.fail_at = n};
        m = NULL;
        gan_status st = build_recurrent(&c2, &m);
        if (st != GAN_E_NO_MEMORY)
            fail_msg("failing allocation %ld of %ld gave %d (%s)", n, probe.calls, (int)st,
                     gan_last_error());
        assert_null(m);
        assert_int_equal(c2.live, 0);
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

/* build_graph's model (batch 4, guarded allocator) whose call @p call(model, @p arg)
 * fails at its first allocation, with @p needle in the message; then one step, whose
 * input gradients must be those of a model that never failed, bit for bit, with no
 * write past a block. */
static void assert_failed_call_changes_nothing(gan_status (*call)(gan_model_t *, int32_t),
                                               int32_t arg, const char *needle)
{
    counting c = {.guard = true}, fresh = {0};
    gan_model_t *m = NULL, *twin = NULL;
    GT_OK(build_graph(&c, &m));
    GT_OK(build_graph(&fresh, &twin));
    c.fail_at = c.calls + 1;
    GT_FAILS(call(m, arg), GAN_E_NO_MEMORY, needle);
    float img[4 * 72], vec[4 * 3], dy[4] = {1, -1, 0.5f, 2};
    gt_rng r;
    gt_seed(&r, 5);
    gt_fill(&r, img, 4 * 72, -1, 1);
    gt_fill(&r, vec, 12, -1, 1);
    const float *in[2] = {img, vec}, *dout[1] = {dy}, *din[2], *twin_din[2];
    GT_OK(gan_model_forward_multi(m, in, NULL, 4, NULL));
    GT_OK(gan_model_backward_multi(m, dout, din));
    assert_true(guards_intact(&c));
    GT_OK(gan_model_forward_multi(twin, in, NULL, 4, NULL));
    GT_OK(gan_model_backward_multi(twin, dout, twin_din));
    assert_memory_equal(din[0], twin_din[0], 4 * 72 * sizeof(float));
    assert_memory_equal(din[1], twin_din[1], 4 * 3 * sizeof(float));
    gan_model_destroy(m);
    gan_model_destroy(twin);
    assert_int_equal(c.live, 0);
}

/* A failed batch-size change used to leave the plan of the gradient sums sized for the
 * batch it refused: the next backward at the old batch wrote its 17 shares of the
 * Concat's input at the new spacing, past the end of the batch arena. */
static void test_failed_resize_keeps_the_gradient_sums(void **state)
{
    (void)state;
    assert_failed_call_changes_nothing(gan_model_set_batch_size, 9, "batch 9");
}

/* keep_layer_output on a built model lays the batch memory out again; when that
 * allocation fails the model is left as it was (BatchNorm's output, layer 1, still
 * overwritten by the ReLU after it). */
static void test_failed_keep_layer_output_leaves_the_layout(void **state)
{
    (void)state;
    assert_failed_call_changes_nothing(gan_model_keep_layer_output, 1, "batch 4");
}

/* A thread's first product on libgan's own blocked path allocates its packing space
 * (unless a model's build did): when that fails, the product fails with GAN_E_NO_MEMORY
 * and a message saying so (not the BLAS's generic error), and the thread's next product
 * gets the space. 64 x 64 x 300 is large enough for the blocked path. */
enum { FP_M = 64, FP_N = 64, FP_K = 300 };

typedef struct first_product {
    gan__blas blas;
    gan_status failed, retried;
    char message[256];
    int direct;
} first_product;

static void *run_first_product(void *arg)
{
    first_product *t = arg;
    static float a[FP_M * FP_K], b[FP_K * FP_N], c[FP_M * FP_N];
    for (int i = 0; i < FP_M * FP_K; i++)
        a[i] = (float)(i % 7) - 3.0f;
    for (int i = 0; i < FP_K * FP_N; i++)
        b[i] = (float)(i % 5) - 2.0f;
    heap_fail_at = heap_calls + 1;
    t->direct = gan__sgemm_own(0, 0, FP_M, FP_N, FP_K, 1.0f, a, FP_K, b, FP_N, 0.0f, c, FP_N);
    heap_fail_at = heap_calls + 1;
    t->failed = gan__gemm(&t->blas, 0, 0, FP_M, FP_N, FP_K, 1.0f, a, FP_K, b, FP_N, 0.0f, c,
                          FP_N);
    snprintf(t->message, sizeof t->message, "%s", gan_last_error());
    heap_fail_at = 0;
    t->retried = gan__gemm(&t->blas, 0, 0, FP_M, FP_N, FP_K, 1.0f, a, FP_K, b, FP_N, 0.0f, c,
                           FP_N);
    return NULL;
}

static void test_own_sgemm_without_packing_space(void **state)
{
    (void)state;
    first_product t = {0};
    gan__blas_default(&t.blas);
    if (strcmp(gan_blas_kernels(), "blas") == 0) {
        print_message("products on the BLAS's kernels here (GAN_SGEMM=own runs this)\n");
        return;
    }
    pthread_t thread; /* a fresh thread: no packing space yet */
    assert_int_equal(pthread_create(&thread, NULL, run_first_product, &t), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(t.direct, GAN__SGEMM_NO_SPACE);
    heap_fail_at = 0;
    assert_int_equal(t.failed, GAN_E_NO_MEMORY);
    assert_non_null(strstr(t.message, "packing space"));
    assert_int_equal(t.retried, GAN_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_allocation_in_the_step),
        cmocka_unit_test(test_no_allocation_in_a_token_step),
        cmocka_unit_test(test_no_allocation_in_a_caption_step),
        cmocka_unit_test(test_tokenizer_failed_allocations),
        cmocka_unit_test(test_every_failed_allocation_is_an_error),
        cmocka_unit_test(test_graph_allocations),
        cmocka_unit_test(test_recurrent_allocations),
        cmocka_unit_test(test_failed_resize_keeps_the_old_batch),
        cmocka_unit_test(test_failed_resize_keeps_the_gradient_sums),
        cmocka_unit_test(test_failed_keep_layer_output_leaves_the_layout),
        cmocka_unit_test(test_own_sgemm_without_packing_space),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
