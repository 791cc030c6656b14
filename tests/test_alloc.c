/* Memory discipline: nothing is allocated per step, and failed allocations are errors.
 *
 * Linked against the internal archive with -Wl,--wrap for malloc and friends, so that
 * any allocation made by library code itself is counted, not only the model's arenas. */
#include "test_util.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long heap_calls;   /* malloc/calloc/realloc/posix_memalign calls seen */
static long heap_fail_at; /* > 0: that call fails */
static long heap_live;    /* blocks handed out and not yet freed */

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
int __real_posix_memalign(void **p, size_t alignment, size_t size);
void __real_free(void *p);

static bool heap_fails(void)
{
    return ++heap_calls == heap_fail_at;
}

void *__wrap_malloc(size_t size)
{
    void *p = heap_fails() ? NULL : __real_malloc(size);
    heap_live += p != NULL;
    return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
    void *p = heap_fails() ? NULL : __real_calloc(n, size);
    heap_live += p != NULL;
    return p;
}

void *__wrap_realloc(void *p, size_t size)
{
    if (heap_fails())
        return NULL;
    void *q = __real_realloc(p, size);
    heap_live += !p && q;
    return q;
}

int __wrap_posix_memalign(void **p, size_t alignment, size_t size)
{
    if (heap_fails())
        return 12; /* ENOMEM */
    int err = __real_posix_memalign(p, alignment, size);
    heap_live += err == 0;
    return err;
}

void __wrap_free(void *p)
{
    heap_live -= p != NULL;
    __real_free(p);
}

#define GUARDED_BLOCKS 64
#define GUARD_BYTE 0xa5

/* A model allocator that counts, tracks live blocks and can fail the Nth request. With
 * guard set, each block is followed by as many bytes of GUARD_BYTE, so that a write past
 * its end shows without a sanitizer (guards_intact). */
typedef struct counting {
    long calls, live, fail_at;
    bool guard;
    unsigned char *blocks[GUARDED_BLOCKS];
    size_t sizes[GUARDED_BLOCKS];
} counting;

static void *counting_alloc(void *user, size_t size, size_t alignment)
{
    counting *c = user;
    c->calls++;
    if (c->fail_at > 0 && c->calls == c->fail_at)
        return NULL;
    void *p = NULL;
    if (posix_memalign(&p, alignment, c->guard ? 2 * size : size) != 0)
        return NULL;
    c->live++;
    for (int i = 0; c->guard && i < GUARDED_BLOCKS; i++)
        if (!c->blocks[i]) {
            c->blocks[i] = p;
            c->sizes[i] = size;
            memset(c->blocks[i] + size, GUARD_BYTE, size);
            break;
        }
    return p;
}

/* Whether every live block's guard is untouched. */
static bool guards_intact(const counting *c)
{
    for (int i = 0; i < GUARDED_BLOCKS; i++)
        for (size_t j = 0; c->blocks[i] && j < c->sizes[i]; j++)
            if (c->blocks[i][c->sizes[i] + j] != GUARD_BYTE)
                return false;
    return true;
}

static void counting_free(void *user, void *p)
{
    counting *c = user;
    c->live--;
    for (int i = 0; i < GUARDED_BLOCKS; i++)
        if (c->blocks[i] == p)
            c->blocks[i] = NULL;
    free(p);
}

/* A model of input @p dims whose memory comes from the counting allocator @p c. */
static gan_status counted_model(counting *c, const int32_t *dims, int32_t ndim,
                                gan_model_t **m)
{
    gan_allocator_t a = {sizeof a, counting_alloc, counting_free, c};
    gan_model_options_t o;
    gan_model_options_init(&o, sizeof o);
    o.allocator = &a;
    *m = NULL;
    return gan_model_create(m, dims, ndim, &o);
}

/* Add *@p l, created with status @p created, to @p m unless *st is already a failure; a
 * layer that is not added is freed (on a failed add it is still ours). The layer is read
 * through its address, after the create call in the arguments has run. */
static void add_layer(gan_model_t *m, gan_status *st, gan_status created,
                      gan_layer_t *const *l)
{
    if (created != GAN_OK) {
        if (*st == GAN_OK)
            *st = created;
        return;
    }
    if (*st == GAN_OK)
        *st = gan_model_add(m, *l);
    if (*st != GAN_OK)
        gan_layer_destroy(*l);
}

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

/* Build @p m for batch 4 if everything before went well (@p st); on any failure the
 * model is destroyed. */
static gan_status build_or_destroy(gan_model_t *m, gan_status st, gan_model_t **out)
{
    if (st == GAN_OK)
        st = gan_model_build(m, 4);
    if (st != GAN_OK) {
        gan_model_destroy(m);
        return st;
    }
    *out = m;
    return GAN_OK;
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

/* An MLP through the counting allocator: G (8 -> 16, BatchNorm, tanh) or D (16 -> 1,
 * spectral norm, dropout). For AC-GAN, G is conditioned on 4 classes and D has a second
 * output of 4 class logits. */
static gan_status build_mlp(counting *c, bool generator, bool acgan, gan_model_t **out)
{
    const int32_t dims[1] = {generator ? 8 : 16};
    gan_model_t *m;
    gan_status st = counted_model(c, dims, 1, &m);
    gan_layer_t *l = NULL;
    if (acgan && generator)
        add_layer(m, &st, gan_layer_condition_create(&l, 4, 0), &l);
    add_layer(m, &st, gan_layer_dense_create(&l, 32, true), &l);
    if (st == GAN_OK && !generator)
        st = gan_layer_set_spectral_norm(l, true);
    add_layer(m, &st, generator ? gan_layer_batchnorm_create(&l, 0.1f, 1e-5f)
                                : gan_layer_dropout_create(&l, 0.3f), &l);
    add_layer(m, &st, gan_layer_leaky_relu_create(&l, 0.2f), &l);
    add_layer(m, &st, gan_layer_dense_create(&l, generator ? 16 : 1, true), &l);
    if (generator)
        add_layer(m, &st, gan_layer_tanh_create(&l), &l);
    if (acgan && !generator) { /* class logits from the leaky ReLU (node 2) */
        const int32_t trunk = 2, outputs[2] = {3, 4};
        if (st == GAN_OK && (st = gan_layer_dense_create(&l, 4, true)) == GAN_OK &&
            (st = gan_model_connect(m, l, &trunk, 1, NULL)) != GAN_OK)
            gan_layer_destroy(l);
        if (st == GAN_OK)
            st = gan_model_set_outputs(m, outputs, 2);
    }
    return build_or_destroy(m, st, out);
}

/* The bytes of @p path into @p buf (read(2), not malloc: these tests fail malloc). */
static size_t file_bytes(const char *path, unsigned char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    size_t n = 0;
    for (ssize_t got; n < cap && (got = read(fd, buf + n, cap - n)) > 0;)
        n += (size_t)got;
    close(fd);
    assert_true(n < cap);
    return n;
}

/* Save, marked with @p mark as its data position so that every save's file differs; if
 * the save fails, the file on disk must be the one that was there before. */
static gan_status save_or_keep(gan_trainer_t *t, const char *ckpt, uint64_t mark)
{
    static unsigned char before[1 << 20], after[1 << 20];
    const size_t n_before = file_bytes(ckpt, before, sizeof before);
    gan_status st = gan_trainer_set_data_position(t, mark);
    if (st == GAN_OK && (st = gan_trainer_save(t, ckpt)) != GAN_OK) {
        const size_t n_after = file_bytes(ckpt, after, sizeof after);
        assert_int_equal(n_after, n_before);
        assert_memory_equal(after, before, n_before);
    }
    return st;
}

/* A trainer's whole life through the counting allocator: models, Adam, a trainer with
 * EMA and a replay pool (and AC-GAN if @p acgan), two steps, a save (marked @p mark) and
 * a load. Returns the first failure; @p step_calls receives the allocations the steps
 * made, through the models' allocator or the C library's. */
static gan_status trainer_life(counting *c, const char *ckpt, uint64_t mark,
                               long *step_calls, bool acgan)
{
    gan_model_t *g = NULL, *d = NULL;
    gan_optimizer_t *go = NULL, *dop = NULL;
    gan_trainer_t *t = NULL;
    gan_hacks_t *h = NULL;
    gan_status st = build_mlp(c, true, acgan, &g);
    if (st == GAN_OK)
        st = build_mlp(c, false, acgan, &d);
    if (st == GAN_OK)
        st = gan_optimizer_adam_create(&go, g, 2e-4f, 0.5f, 0.999f, 1e-8f);
    if (st == GAN_OK)
        st = gan_optimizer_adam_create(&dop, d, 2e-4f, 0.5f, 0.999f, 1e-8f);
    if (st == GAN_OK)
        st = gan_hacks_create(&h);
    if (st == GAN_OK && acgan && (st = gan_hacks_set(h, GAN_HACK_AUX_WEIGHT_REAL, 1)) == GAN_OK)
        st = gan_hacks_set(h, GAN_HACK_AUX_WEIGHT_FAKE, 0.5);
    if (st == GAN_OK && (st = gan_hacks_set(h, GAN_HACK_EMA_DECAY, 0.9)) == GAN_OK &&
        (st = gan_hacks_set(h, GAN_HACK_REPLAY_SIZE, 8)) == GAN_OK)
        st = gan_trainer_create(&t, g, d, go, dop, h);
    float real[4 * 16];
    for (int i = 0; i < 4 * 16; i++)
        real[i] = (float)(i % 5) / 2.5f - 1.0f;
    const int32_t labels[4] = {3, 0, 2, 1};
    const long before = c->calls, heap_before = heap_calls;
    gan_step_stats_t stats = {.struct_size = sizeof stats};
    for (int i = 0; st == GAN_OK && i < 2; i++)
        st = gan_trainer_step(t, real, acgan ? labels : NULL, 4, &stats);
    *step_calls = (c->calls - before) + (heap_calls - heap_before);
    if (st == GAN_OK && acgan && !(stats.aux_loss_real > 0 && stats.g_aux_loss > 0))
        fail_msg("the AC-GAN steps did not run the class terms");
    if (st == GAN_OK)
        st = save_or_keep(t, ckpt, mark);
    if (st == GAN_OK)
        st = gan_trainer_load(t, ckpt);
    gan_hacks_destroy(h);
    gt_gan_destroy(t, go, dop, g, d);
    return st;
}

/* Fail every allocation of a trainer's life in turn (building, creating, stepping,
 * saving, loading): each gives GAN_E_NO_MEMORY with a message, everything taken is
 * given back, and a failed save keeps the file that was there. The steps themselves
 * take nothing. */
static void test_every_failed_allocation_of_a_training_run(void **state)
{
    (void)state;
    char ckpt[] = "/tmp/gan_alloc_XXXXXX";
    int fd = mkstemp(ckpt);
    assert_true(fd >= 0);
    close(fd);
    for (int acgan = 0; acgan < 2; acgan++) {
        counting probe = {0};
        long step_calls = -1;
        GT_OK(trainer_life(&probe, ckpt, 0, &step_calls, acgan));
        assert_int_equal(probe.live, 0);
        assert_int_equal(step_calls, 0);
        assert_true(probe.calls >= 10);
        for (long n = 1; n <= probe.calls; n++) {
            counting c = {.fail_at = n};
            gan_status st = trainer_life(&c, ckpt, (uint64_t)n, &step_calls, acgan);
            if (st != GAN_E_NO_MEMORY)
                fail_msg("failing allocation %ld of %ld gave %d (%s)", n, probe.calls,
                         (int)st, gan_last_error());
            assert_true(strlen(gan_last_error()) > 0);
            assert_int_equal(c.live, 0); /* nothing leaked */
        }
        print_message("%ld allocations in a training run%s, each failed in turn\n",
                      probe.calls, acgan ? " with AC-GAN" : "");
    }
    unlink(ckpt);
}

/* The same with the C library's allocator failing instead, call by call: layers and
 * hacks objects come from malloc and calloc. */
static void test_every_failed_heap_allocation_of_a_training_run(void **state)
{
    (void)state;
    char ckpt[] = "/tmp/gan_heap_XXXXXX";
    int fd = mkstemp(ckpt);
    assert_true(fd >= 0);
    close(fd);
    for (int acgan = 0; acgan < 2; acgan++) {
        counting probe = {0};
        long step_calls;
        const long start = heap_calls, live = heap_live;
        GT_OK(trainer_life(&probe, ckpt, 0, &step_calls, acgan));
        const long total = heap_calls - start;
        assert_int_equal(heap_live, live);
        assert_int_equal(step_calls, 0);
        assert_true(total >= 5);
        for (long n = 1; n <= total; n++) {
            counting c = {0};
            heap_fail_at = heap_calls + n;
            gan_status st = trainer_life(&c, ckpt, (uint64_t)n, &step_calls, acgan);
            heap_fail_at = 0;
            if (st != GAN_E_NO_MEMORY)
                fail_msg("failing heap allocation %ld of %ld gave %d (%s)", n, total,
                         (int)st, gan_last_error());
            assert_int_equal(c.live, 0);
            assert_int_equal(heap_live, live); /* nothing leaked */
        }
        print_message("%ld heap allocations in a training run%s, each failed in turn\n",
                      total, acgan ? " with AC-GAN" : "");
    }
    unlink(ckpt);
}

/* CycleGAN's networks through the counting allocator: @p disc a patch discriminator
 * (conv 4x4 stride 2, InstanceNorm, LeakyReLU, conv 3x3), else a generator (conv 3x3,
 * InstanceNorm, ReLU, conv 3x3, tanh), on 1x8x8 images. */
static gan_status build_cyclegan_net(counting *c, bool disc, gan_model_t **out)
{
    const int32_t dims[3] = {1, 8, 8};
    gan_model_t *m;
    gan_status st = counted_model(c, dims, 3, &m);
    gan_layer_t *l = NULL;
    add_layer(m, &st, gan_layer_conv2d_create(&l, 4, disc ? 4 : 3, disc ? 2 : 1,
                                              GAN_PADDING_SAME), &l);
    add_layer(m, &st, gan_layer_instancenorm_create(&l, NULL), &l);
    add_layer(m, &st, disc ? gan_layer_leaky_relu_create(&l, 0.2f) : gan_layer_relu_create(&l), &l);
    add_layer(m, &st, gan_layer_conv2d_create(&l, 1, 3, 1, GAN_PADDING_SAME), &l);
    if (!disc)
        add_layer(m, &st, gan_layer_tanh_create(&l), &l);
    return build_or_destroy(m, st, out);
}

/* A CycleGAN trainer's life: four networks, four Adams, a trainer with pools of 2 and a
 * schedule, three steps (the pools fill, then answer), a save and a load. */
static gan_status cyclegan_life(counting *c, const char *ckpt, long *step_calls)
{
    gan_model_t *m[4] = {NULL};
    gan_optimizer_t *o[4] = {NULL};
    gan_cyclegan_t *t = NULL;
    gan_lr_schedule_t *s = NULL;
    gan_status st = GAN_OK;
    for (int i = 0; i < 4 && st == GAN_OK; i++)
        st = build_cyclegan_net(c, i >= 2, &m[i]);
    for (int i = 0; i < 4 && st == GAN_OK; i++)
        st = gan_optimizer_adam_create(&o[i], m[i], 2e-4f, 0.5f, 0.999f, 1e-8f);
    gan_cyclegan_options_t opts;
    gan_cyclegan_options_init(&opts, sizeof opts);
    opts.pool_size = 2;
    if (st == GAN_OK)
        st = gan_cyclegan_create(&t, m[0], m[1], m[2], m[3], o[0], o[1], o[2], o[3], &opts);
    if (st == GAN_OK)
        st = gan_lr_schedule_linear_create(&s, 2e-4, 1, 4);
    if (st == GAN_OK)
        st = gan_cyclegan_set_lr_schedule(t, s, s);
    float a[4 * 64], b[4 * 64];
    for (int i = 0; i < 4 * 64; i++) {
        a[i] = (float)(i % 5) / 2.5f - 1.0f;
        b[i] = (float)(i % 7) / 3.5f - 1.0f;
    }
    const long before = c->calls, heap_before = heap_calls;
    for (int i = 0; st == GAN_OK && i < 3; i++)
        st = gan_cyclegan_step(t, a, b, 4, NULL);
    *step_calls = (c->calls - before) + (heap_calls - heap_before);
    if (st == GAN_OK)
        st = gan_cyclegan_save(t, ckpt);
    if (st == GAN_OK)
        st = gan_cyclegan_load(t, ckpt);
    gan_lr_schedule_destroy(s);
    gan_cyclegan_destroy(t);
    for (int i = 0; i < 4; i++) {
        gan_optimizer_destroy(o[i]);
        gan_model_destroy(m[i]);
    }
    return st;
}

/* CycleGAN steps allocate nothing; every failed allocation of its life, through the
 * models' allocator or the C library's, is GAN_E_NO_MEMORY and leaks nothing. */
static void test_cyclegan_allocations(void **state)
{
    (void)state;
    char ckpt[] = "/tmp/gan_cyclegan_alloc_XXXXXX";
    int fd = mkstemp(ckpt);
    assert_true(fd >= 0);
    close(fd);
    counting probe = {0};
    long step_calls = -1;
    const long start = heap_calls, live = heap_live;
    GT_OK(cyclegan_life(&probe, ckpt, &step_calls));
    const long heap_total = heap_calls - start;
    assert_int_equal(step_calls, 0);
    assert_int_equal(probe.live, 0);
    assert_int_equal(heap_live, live);
    for (long n = 1; n <= probe.calls + heap_total; n++) {
        counting c = {.fail_at = n <= probe.calls ? n : 0};
        if (n > probe.calls)
            heap_fail_at = heap_calls + (n - probe.calls);
        gan_status st = cyclegan_life(&c, ckpt, &step_calls);
        heap_fail_at = 0;
        if (st != GAN_E_NO_MEMORY)
            fail_msg("failing allocation %ld of %ld gave %d (%s)", n,
                     probe.calls + heap_total, (int)st, gan_last_error());
        assert_int_equal(c.live, 0);
        assert_int_equal(heap_live, live);
    }
    print_message("%ld + %ld heap allocations in a CycleGAN run, none in its steps, each "
                  "failed in turn\n", probe.calls, heap_total);
    unlink(ckpt);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_allocation_in_the_step),
        cmocka_unit_test(test_no_allocation_in_a_token_step),
        cmocka_unit_test(test_every_failed_allocation_is_an_error),
        cmocka_unit_test(test_graph_allocations),
        cmocka_unit_test(test_recurrent_allocations),
        cmocka_unit_test(test_every_failed_allocation_of_a_training_run),
        cmocka_unit_test(test_every_failed_heap_allocation_of_a_training_run),
        cmocka_unit_test(test_failed_resize_keeps_the_old_batch),
        cmocka_unit_test(test_cyclegan_allocations),
        cmocka_unit_test(test_failed_resize_keeps_the_gradient_sums),
        cmocka_unit_test(test_failed_keep_layer_output_leaves_the_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
