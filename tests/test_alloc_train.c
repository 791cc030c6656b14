/* Memory discipline of whole training runs: every allocation of a GAN trainer's, a
 * CycleGAN trainer's and a text-to-image trainer's life (build, optimizers, trainer,
 * steps, save, load) is failed in turn, through the model allocator and through the C
 * library's, and each gives GAN_E_NO_MEMORY with nothing leaked (but in the trainer's
 * destroy, which reports nothing); the steps allocate nothing. A trainer's networks
 * share one scratch block while it lives.
 *
 * Linked with -Wl,--wrap for malloc and friends (alloc_rig.h). */
#include "alloc_rig.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Where a life's teardown began: allocator calls and heap calls made before its trainer
 * was destroyed. The destroy gives the networks their own scratch blocks again; a
 * failure there cannot be reported (they keep sharing theirs, which is safe), so the
 * run ends GAN_OK. */
static long teardown_calls, teardown_heap;

static void mark_teardown(const counting *c)
{
    teardown_calls = c->calls;
    teardown_heap = heap_calls;
}

/* What failing allocation @p n of a life gave (@p st, or NULL when a model-allocator
 * failure), given where the probe's teardown began: GAN_E_NO_MEMORY before it, GAN_OK
 * in it. */
static void expect_failure_or_teardown(gan_status st, bool in_teardown, long n, long total)
{
    const gan_status want = in_teardown ? GAN_OK : GAN_E_NO_MEMORY;
    if (st != want)
        fail_msg("failing allocation %ld of %ld gave %d (%s), not %d", n, total, (int)st,
                 gan_last_error(), (int)want);
    if (!in_teardown)
        assert_true(strlen(gan_last_error()) > 0);
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
    mark_teardown(c);
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
        const long teardown = teardown_calls;
        assert_int_equal(probe.live, 0);
        assert_int_equal(step_calls, 0);
        assert_true(probe.calls >= 10);
        assert_int_equal(probe.calls - teardown, 1); /* D's own scratch again */
        for (long n = 1; n <= probe.calls; n++) {
            counting c = {.fail_at = n};
            gan_status st = trainer_life(&c, ckpt, (uint64_t)n, &step_calls, acgan);
            expect_failure_or_teardown(st, n > teardown, n, probe.calls);
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
        const long total = heap_calls - start, teardown = teardown_heap - start;
        assert_int_equal(heap_live, live);
        assert_int_equal(step_calls, 0);
        assert_true(total >= 5);
        for (long n = 1; n <= total; n++) {
            counting c = {0};
            heap_fail_at = heap_calls + n;
            gan_status st = trainer_life(&c, ckpt, (uint64_t)n, &step_calls, acgan);
            heap_fail_at = 0;
            expect_failure_or_teardown(st, n > teardown, n, total);
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
    mark_teardown(c);
    gan_cyclegan_destroy(t);
    for (int i = 0; i < 4; i++) {
        gan_optimizer_destroy(o[i]);
        gan_model_destroy(m[i]);
    }
    return st;
}

/* A trainer's life through the counting allocator, returning the first failure; the
 * allocations of its steps into *step_calls. */
typedef gan_status (*life_fn)(counting *c, const char *ckpt, long *step_calls);

/* @p life allocates nothing in its steps, and each of its allocations, through the
 * models' allocator or the C library's, failed in turn gives GAN_E_NO_MEMORY and leaks
 * nothing; @p what names the run in the summary printed. */
static void fail_every_allocation(life_fn life, const char *what)
{
    char ckpt[] = "/tmp/gan_life_alloc_XXXXXX";
    int fd = mkstemp(ckpt);
    assert_true(fd >= 0);
    close(fd);
    counting probe = {0};
    long step_calls = -1;
    const long start = heap_calls, live = heap_live;
    GT_OK(life(&probe, ckpt, &step_calls));
    const long heap_total = heap_calls - start, teardown = teardown_calls,
               heap_teardown = teardown_heap - start;
    assert_int_equal(step_calls, 0);
    assert_int_equal(probe.live, 0);
    assert_int_equal(heap_live, live);
    for (long n = 1; n <= probe.calls + heap_total; n++) {
        counting c = {.fail_at = n <= probe.calls ? n : 0};
        if (n > probe.calls)
            heap_fail_at = heap_calls + (n - probe.calls);
        gan_status st = life(&c, ckpt, &step_calls);
        heap_fail_at = 0;
        const bool in_teardown = n <= probe.calls ? n > teardown
                                                  : n - probe.calls > heap_teardown;
        expect_failure_or_teardown(st, in_teardown, n, probe.calls + heap_total);
        assert_int_equal(c.live, 0);
        assert_int_equal(heap_live, live);
    }
    print_message("%ld + %ld heap allocations in %s, none in its steps, each failed in "
                  "turn\n", probe.calls, heap_total, what);
    unlink(ckpt);
}

/* CycleGAN steps allocate nothing; every failed allocation of its life is
 * GAN_E_NO_MEMORY and leaks nothing. */
static void test_cyclegan_allocations(void **state)
{
    (void)state;
    fail_every_allocation(cyclegan_life, "a CycleGAN run");
}

/* Text-to-image networks through the counting allocator, on 3 token ids, text vectors of
 * 4, latents of 4 and 1x4x4 images: E (0) EmbeddingSequence(5, 3) -> Flatten -> Dense(4);
 * G (1) Concat(latent, text) -> Dense(16) -> BatchNorm -> LeakyReLU -> Dense(16) -> Tanh
 * -> Reshape; D (2) Flatten(image), Concat(it, text) -> Dense(8) -> LeakyReLU -> Dropout
 * -> Dense(1). */
static gan_status build_t2i_net(counting *c, int which, gan_model_t **out)
{
    const int32_t ids = 3, four = 4, image[3] = {1, 4, 4};
    gan_model_t *m;
    gan_status st = which == 0 ? counted_model(c, &ids, 1, &m)
                    : counted_model(c, which == 1 ? &four : image, which == 1 ? 1 : 3, &m);
    gan_layer_t *l = NULL;
    if (st == GAN_OK && which > 0)
        st = gan_model_add_input(m, &four, 1, NULL);
    if (which == 0)
        add_layer(m, &st, gan_layer_embedding_sequence_create(&l, 5, 3), &l);
    if (which != 1)
        add_layer(m, &st, gan_layer_flatten_create(&l), &l);
    if (which > 0) {
        const int32_t nodes[2] = {which == 1 ? GAN_MODEL_INPUT(0) : 0, GAN_MODEL_INPUT(1)};
        const gan_status created = gan_layer_concat_create(&l);
        if (st == GAN_OK)
            st = created != GAN_OK ? created : gan_model_connect(m, l, nodes, 2, NULL);
        if (created == GAN_OK && st != GAN_OK)
            gan_layer_destroy(l);
    }
    const int32_t units = which == 0 ? 4 : which == 1 ? 16 : 8;
    add_layer(m, &st, gan_layer_dense_create(&l, units, true), &l);
    if (which == 1)
        add_layer(m, &st, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), &l);
    if (which > 0)
        add_layer(m, &st, gan_layer_leaky_relu_create(&l, 0.2f), &l);
    if (which == 2)
        add_layer(m, &st, gan_layer_dropout_create(&l, 0.3f), &l);
    if (which > 0)
        add_layer(m, &st, gan_layer_dense_create(&l, which == 1 ? 16 : 1, true), &l);
    if (which == 1) {
        add_layer(m, &st, gan_layer_tanh_create(&l), &l);
        add_layer(m, &st, gan_layer_reshape_create(&l, image, 3), &l);
    }
    return build_or_destroy(m, st, out);
}

/* A text-to-image trainer's life: three networks, three Adams, a trainer, two steps (the
 * wrong captions rotated, then given), encoding, drawing 5 images (more than a batch),
 * a save and a load; encoding and drawing count as steps. */
static gan_status text2img_life(counting *c, const char *ckpt, long *step_calls)
{
    gan_model_t *m[3] = {NULL};
    gan_optimizer_t *o[3] = {NULL};
    gan_text2img_t *t = NULL;
    gan_status st = GAN_OK;
    for (int i = 0; i < 3 && st == GAN_OK; i++)
        st = build_t2i_net(c, i, &m[i]);
    for (int i = 0; i < 3 && st == GAN_OK; i++)
        st = gan_optimizer_adam_create(&o[i], m[i], 2e-4f, 0.5f, 0.999f, 1e-8f);
    if (st == GAN_OK)
        st = gan_text2img_create(&t, m[1], m[2], m[0], o[1], o[2], o[0], NULL);
    float images[4 * 16], vectors[5 * 4], out[5 * 16];
    int32_t captions[5 * 3], wrong[4 * 3];
    for (int i = 0; i < 5 * 3; i++)
        captions[i] = i % 5;
    for (int i = 0; i < 4 * 3; i++)
        wrong[i] = (i + 2) % 5;
    for (int i = 0; i < 4 * 16; i++)
        images[i] = (float)(i % 5) / 2.5f - 1.0f;
    const long before = c->calls, heap_before = heap_calls;
    for (int i = 0; st == GAN_OK && i < 2; i++)
        st = gan_text2img_step(t, images, captions, i ? wrong : NULL, 4, NULL);
    if (st == GAN_OK)
        st = gan_text2img_encode(t, captions, 5, vectors);
    if (st == GAN_OK)
        st = gan_text2img_generate(t, captions, 5, NULL, out);
    if (st == GAN_OK)
        st = gan_text2img_generate_from_vectors(t, vectors, 5, NULL, out);
    *step_calls = (c->calls - before) + (heap_calls - heap_before);
    if (st == GAN_OK)
        st = gan_text2img_save(t, ckpt);
    if (st == GAN_OK)
        st = gan_text2img_load(t, ckpt);
    mark_teardown(c);
    gan_text2img_destroy(t);
    for (int i = 0; i < 3; i++) {
        gan_optimizer_destroy(o[i]);
        gan_model_destroy(m[i]);
    }
    return st;
}

/* Text-to-image steps, encoding and drawing allocate nothing; every failed allocation
 * of its life is GAN_E_NO_MEMORY and leaks nothing. */
static void test_text2img_allocations(void **state)
{
    (void)state;
    fail_every_allocation(text2img_life, "a text-to-image run");
}

/* Blocks the models' allocator gave back during a call: allocations made minus the
 * growth in live blocks since @p calls, @p live. */
static long blocks_freed(const counting *c, long calls, long live)
{
    return (c->calls - calls) - (c->live - live);
}

/* While a trainer lives its networks share one scratch block: creating a GAN trainer
 * frees one of G's and D's, a CycleGAN trainer three of its four networks'; destroying
 * the trainer allocates as many again, and the networks then train alone. */
static void test_networks_share_scratch_while_trained(void **state)
{
    (void)state;
    counting c = {0};
    gan_model_t *m[4] = {NULL};
    gan_optimizer_t *o[4] = {NULL};
    GT_OK(build_mlp(&c, true, false, &m[0]));
    GT_OK(build_mlp(&c, false, false, &m[1]));
    for (int i = 0; i < 2; i++)
        GT_OK(gan_optimizer_adam_create(&o[i], m[i], 2e-4f, 0.5f, 0.999f, 1e-8f));
    long calls = c.calls, live = c.live;
    gan_trainer_t *t = NULL;
    GT_OK(gan_trainer_create(&t, m[0], m[1], o[0], o[1], NULL));
    assert_int_equal(blocks_freed(&c, calls, live), 1);
    float real[4 * 16] = {0};
    GT_OK(gan_trainer_step(t, real, NULL, 4, NULL));
    calls = c.calls;
    gan_trainer_destroy(t);
    assert_int_equal(c.calls - calls, 1);
    /* Alone again: D's passes leave G's gradient buffers alone. */
    float z[4 * 8] = {0}, dy[4 * 16], score_grad[4] = {1, 1, 1, 1};
    for (int i = 0; i < 4 * 16; i++)
        dy[i] = 0.01f * (float)(i % 7);
    GT_OK(gan_model_forward(m[0], z, NULL, 4, NULL));
    GT_OK(gan_model_forward(m[1], real, NULL, 4, NULL));
    GT_OK(gan_model_backward(m[1], score_grad, NULL));
    GT_OK(gan_model_backward(m[0], dy, NULL));
    for (int i = 0; i < 2; i++) {
        gan_optimizer_destroy(o[i]);
        gan_model_destroy(m[i]);
    }
    assert_int_equal(c.live, 0);

    for (int i = 0; i < 4; i++)
        GT_OK(build_cyclegan_net(&c, i >= 2, &m[i]));
    for (int i = 0; i < 4; i++)
        GT_OK(gan_optimizer_adam_create(&o[i], m[i], 2e-4f, 0.5f, 0.999f, 1e-8f));
    calls = c.calls, live = c.live;
    gan_cyclegan_t *cg = NULL;
    GT_OK(gan_cyclegan_create(&cg, m[0], m[1], m[2], m[3], o[0], o[1], o[2], o[3], NULL));
    assert_int_equal(blocks_freed(&c, calls, live), 3);
    calls = c.calls;
    gan_cyclegan_destroy(cg);
    assert_int_equal(c.calls - calls, 3);
    for (int i = 0; i < 4; i++) {
        gan_optimizer_destroy(o[i]);
        gan_model_destroy(m[i]);
    }
    assert_int_equal(c.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_failed_allocation_of_a_training_run),
        cmocka_unit_test(test_every_failed_heap_allocation_of_a_training_run),
        cmocka_unit_test(test_cyclegan_allocations),
        cmocka_unit_test(test_text2img_allocations),
        cmocka_unit_test(test_networks_share_scratch_while_trained),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
