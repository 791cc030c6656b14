/* The SeqGAN trainer (issue 14): every error of create and the steps with its message,
 * sampling equal to gan_categorical_sample() token by token, the log-likelihood against
 * a plain computation, exact resume from a checkpoint, and no allocation in the steps. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seqgan_rig.h"

enum { V = 7, T = 5, B = 4 };

static void random_ids(uint64_t seed, int32_t *ids, size_t n, int32_t vocab)
{
    gt_rng r;
    gt_seed(&r, seed);
    for (size_t i = 0; i < n; i++)
        ids[i] = (int32_t)(gt_uniform(&r) * vocab);
}

static gan_seqgan_options_t defaults(void)
{
    gan_seqgan_options_t o;
    GT_OK(gan_seqgan_options_init(&o, sizeof o));
    return o;
}

static void test_options_defaults(void **state)
{
    (void)state;
    gan_seqgan_options_t o = defaults();
    assert_int_equal(o.rollouts, 16);
    assert_true(o.temperature == 1.0f && o.clip_norm == 5.0);
    assert_int_equal(o.start_token, 0);
    assert_true(o.seed == 42);
    assert_false(o.baseline);
    GT_FAILS(gan_seqgan_options_init(NULL, sizeof o), GAN_E_INVALID_ARG, "NULL");
    GT_FAILS(gan_seqgan_options_init(&o, 4), GAN_E_INVALID_ARG, "struct_size");
}

/* Every create error names the model and the shapes. */
static void test_create_errors(void **state)
{
    (void)state;
    gan_model_t *g = sg_generator(V, T, 4, 5, B, false, 1, NULL);
    gan_model_t *s = sg_generator(V, T, 4, 5, B, true, 2, NULL);
    gan_model_t *d = sg_discriminator(V, T, 4, 5, B, 3, NULL);
    gan_optimizer_t *go, *dop;
    GT_OK(gan_optimizer_adam_create(&go, g, 1e-2f, 0.9f, 0.999f, 1e-8f));
    GT_OK(gan_optimizer_adam_create(&dop, d, 1e-3f, 0.9f, 0.999f, 1e-8f));
    gan_seqgan_t *t = (gan_seqgan_t *)1;
    GT_FAILS(gan_seqgan_create(NULL, g, s, d, go, dop, NULL), GAN_E_INVALID_ARG, "out");
    GT_FAILS(gan_seqgan_create(&t, NULL, s, d, go, dop, NULL), GAN_E_INVALID_ARG, "G is NULL");
    assert_null(t);
    GT_FAILS(gan_seqgan_create(&t, g, NULL, d, go, dop, NULL), GAN_E_INVALID_ARG, "G_step");
    GT_FAILS(gan_seqgan_create(&t, g, s, d, go, NULL, NULL), GAN_E_INVALID_ARG, "d_opt");
    GT_FAILS(gan_seqgan_create(&t, g, g, d, go, dop, NULL), GAN_E_INVALID_ARG, "three models");
    GT_FAILS(gan_seqgan_create(&t, g, s, d, dop, go, NULL), GAN_E_INVALID_ARG,
             "created for model 'd'");
    /* G_step not stateful, or unable to run T steps. */
    gan_model_t *plain = sg_generator(V, 1, 4, 5, B, false, 2, NULL);
    GT_FAILS(gan_seqgan_create(&t, g, plain, d, go, dop, NULL), GAN_E_INVALID_ARG,
             "is not stateful");
    gan_model_t *short_step = sg_generator(V, T - 1, 4, 5, B, true, 2, NULL);
    GT_FAILS(gan_seqgan_create(&t, g, short_step, d, go, dop, NULL), GAN_E_SHAPE,
             "runs at most 4 steps, the sequences have 5");
    /* Another vocabulary, another T, another batch, another architecture. */
    gan_model_t *s8 = sg_generator(V + 1, T, 4, 5, B, true, 2, NULL);
    GT_FAILS(gan_seqgan_create(&t, g, s8, d, go, dop, NULL), GAN_E_SHAPE,
             "vocabulary of 8 tokens, G 'g' of 7");
    gan_model_t *d6 = sg_discriminator(V, T + 1, 4, 5, B, 3, NULL);
    gan_optimizer_t *d6o;
    GT_OK(gan_optimizer_adam_create(&d6o, d6, 1e-3f, 0.9f, 0.999f, 1e-8f));
    GT_FAILS(gan_seqgan_create(&t, g, s, d6, go, d6o, NULL), GAN_E_SHAPE,
             "D 'd' takes (6), G 'g' makes sequences of 5 tokens");
    gan_model_t *dv = sg_discriminator(V + 2, T, 4, 5, B, 3, NULL);
    gan_optimizer_t *dvo;
    GT_OK(gan_optimizer_adam_create(&dvo, dv, 1e-3f, 0.9f, 0.999f, 1e-8f));
    GT_FAILS(gan_seqgan_create(&t, g, s, dv, go, dvo, NULL), GAN_E_SHAPE,
             "D 'd' embeds a vocabulary of 9 tokens, G's output has 7");
    gan_model_t *sb = sg_generator(V, T, 4, 5, B + 1, true, 2, NULL);
    GT_FAILS(gan_seqgan_create(&t, g, sb, d, go, dop, NULL), GAN_E_BATCH_SIZE,
             "runs batches of 5, G 'g' of 4");
    gan_model_t *sh = sg_generator(V, T, 4, 6, B, true, 2, NULL);
    GT_FAILS(gan_seqgan_create(&t, g, sh, d, go, dop, NULL), GAN_E_SHAPE, "parameters");
    /* G the wrong way round: a D is not a generator. */
    GT_FAILS(gan_seqgan_create(&t, d, s, g, dop, go, NULL), GAN_E_SHAPE,
             "maps (5) to (1); a sequence generator maps (T) token ids to (T, V) logits");
    /* Options. */
    gan_seqgan_options_t o = defaults();
    o.rollouts = 0;
    GT_FAILS(gan_seqgan_create(&t, g, s, d, go, dop, &o), GAN_E_OUT_OF_RANGE, "rollouts 0");
    o = defaults();
    o.temperature = 0.0f;
    GT_FAILS(gan_seqgan_create(&t, g, s, d, go, dop, &o), GAN_E_OUT_OF_RANGE, "temperature");
    o = defaults();
    o.clip_norm = -1.0;
    GT_FAILS(gan_seqgan_create(&t, g, s, d, go, dop, &o), GAN_E_OUT_OF_RANGE, "clip_norm");
    o = defaults();
    o.start_token = V;
    GT_FAILS(gan_seqgan_create(&t, g, s, d, go, dop, &o), GAN_E_OUT_OF_RANGE,
             "start_token 7 is outside [0, 7)");
    /* The leave-one-out baseline needs a second sequence in the batch. */
    gan_model_t *g1 = sg_generator(V, T, 4, 5, 1, false, 1, NULL);
    gan_model_t *s1 = sg_generator(V, T, 4, 5, 1, true, 2, NULL);
    gan_optimizer_t *g1o;
    GT_OK(gan_optimizer_adam_create(&g1o, g1, 1e-2f, 0.9f, 0.999f, 1e-8f));
    o = defaults();
    o.baseline = true;
    GT_FAILS(gan_seqgan_create(&t, g1, s1, d, g1o, dop, &o), GAN_E_BATCH_SIZE,
             "G 'g' runs batches of 1");
    o.baseline = false;
    GT_OK(gan_seqgan_create(&t, g1, s1, d, g1o, dop, &o));
    gan_seqgan_destroy(t);
    gan_optimizer_destroy(g1o);
    /* A sequence of 0 tokens cannot be modelled at all. */
    gan_model_t *empty = NULL;
    const int32_t zero = 0;
    GT_FAILS(gan_model_create(&empty, &zero, 1, NULL), GAN_E_OUT_OF_RANGE, "");
    GT_OK(gan_seqgan_create(&t, g, s, d, go, dop, NULL));
    gan_seqgan_destroy(t);
    gan_seqgan_destroy(NULL);
    gan_model_t *extra[] = {plain, short_step, s8, d6, dv, sb, sh, g1, s1};
    gan_optimizer_destroy(d6o);
    gan_optimizer_destroy(dvo);
    for (size_t i = 0; i < sizeof extra / sizeof *extra; i++)
        gan_model_destroy(extra[i]);
    gan_optimizer_destroy(go);
    gan_optimizer_destroy(dop);
    gan_model_destroy(g);
    gan_model_destroy(s);
    gan_model_destroy(d);
}

/* Bad input to the steps: a status and a message, and nothing changes. */
static void test_step_errors(void **state)
{
    (void)state;
    sg_rig r;
    sg_rig_make(&r, V, T, B, 7, NULL, NULL);
    int32_t ids[B * T];
    random_ids(1, ids, B * T, V);
    float *p;
    size_t n;
    GT_OK(gan_model_get_params(r.g, &p, &n));
    float *before = gt_copy_floats(p, n);
    ids[1 * T + 3] = V;
    GT_FAILS(gan_seqgan_mle_step(r.t, ids, B, NULL), GAN_E_OUT_OF_RANGE,
             "real: token id 7 at position 3 of sequence 1 is outside [0, 7)");
    ids[1 * T + 3] = -1;
    GT_FAILS(gan_seqgan_d_step(r.t, ids, B, NULL), GAN_E_OUT_OF_RANGE,
             "token id -1 at position 3 of sequence 1");
    ids[1 * T + 3] = 0;
    GT_FAILS(gan_seqgan_mle_step(r.t, ids, B - 1, NULL), GAN_E_BATCH_SIZE,
             "batches of 4 sequences, got 3");
    GT_FAILS(gan_seqgan_pg_step(r.t, 0, NULL), GAN_E_BATCH_SIZE, "got 0");
    GT_FAILS(gan_seqgan_mle_step(NULL, ids, B, NULL), GAN_E_INVALID_ARG, "trainer");
    GT_FAILS(gan_seqgan_d_step(r.t, NULL, B, NULL), GAN_E_INVALID_ARG, "real");
    gan_seqgan_stats_t bad = {0};
    GT_FAILS(gan_seqgan_mle_step(r.t, ids, B, &bad), GAN_E_INVALID_ARG, "struct_size");
    GT_FAILS(gan_seqgan_sample(r.t, 0, ids), GAN_E_OUT_OF_RANGE, "n 0");
    GT_FAILS(gan_seqgan_sample(r.t, 1, NULL), GAN_E_INVALID_ARG, "ids");
    assert_memory_equal(p, before, n * sizeof *p);
    free(before);

    /* The standalone calls: T = 0, a sequence longer than the model's, bad ids. */
    gan_rng_t *rng;
    GT_OK(gan_rng_create(&rng, 1));
    GT_FAILS(gan_sequence_sample(r.g_step, rng, 0, 1.0f, 0, 1, ids), GAN_E_OUT_OF_RANGE,
             "steps 0");
    GT_FAILS(gan_sequence_sample(r.g_step, rng, 0, 1.0f, T + 1, 1, ids), GAN_E_SHAPE,
             "runs at most 5 steps, the sequences have 6");
    GT_FAILS(gan_sequence_sample(r.g, rng, 0, 1.0f, T, 1, ids), GAN_E_SHAPE,
             "a one-token sampler maps (1) to (1, V)");
    GT_FAILS(gan_sequence_sample(r.g_step, rng, V, 1.0f, T, 1, ids), GAN_E_OUT_OF_RANGE,
             "start token 7");
    GT_FAILS(gan_sequence_sample(r.g_step, NULL, 0, 1.0f, T, 1, ids), GAN_E_INVALID_ARG,
             "rng");
    double nll;
    ids[2 * T] = 9;
    GT_FAILS(gan_sequence_nll(r.g, 0, ids, B, &nll), GAN_E_OUT_OF_RANGE,
             "token id 9 at position 0 of sequence 2");
    GT_FAILS(gan_sequence_nll(r.d, 0, ids, B, &nll), GAN_E_SHAPE, "maps (5) to (1)");
    GT_FAILS(gan_sequence_nll(r.g, 0, ids, 0, &nll), GAN_E_OUT_OF_RANGE, "n 0");
    gan_rng_destroy(rng);
    sg_rig_free(&r);
}

/* gan_sequence_sample() draws token by token as gan_categorical_sample() from the same
 * generator would; gan_seqgan_sample() uses G's current parameters. */
static void test_sampling_is_categorical(void **state)
{
    (void)state;
    sg_rig r;
    sg_rig_make(&r, V, T, B, 9, NULL, NULL);
    enum { N = 6 }; /* one full batch and a partial one */
    int32_t got[N * T], want[N * T], batch_ids[B * T];
    gan_rng_t *a, *b;
    GT_OK(gan_rng_create(&a, 5));
    GT_OK(gan_rng_create(&b, 5));
    sg_copy_params(r.g_step, r.g);
    GT_OK(gan_sequence_sample(r.g_step, a, 2, 0.7f, T, N, got));
    for (int32_t n0 = 0; n0 < N; n0 += B) {
        for (int32_t k = 0; k < 1; k++)
            GT_OK(gan_model_reset_recurrent_state(r.g_step, 1));
        float in[B];
        for (int32_t i = 0; i < B; i++)
            in[i] = 2.0f;
        for (int32_t t = 0; t < T; t++) {
            const float *logits;
            int32_t tok[B];
            GT_OK(gan_model_forward(r.g_step, in, NULL, B, &logits));
            GT_OK(gan_categorical_sample(b, logits, B, V, 0.7f, tok));
            for (int32_t i = 0; i < B; i++) {
                batch_ids[i * T + t] = tok[i];
                in[i] = (float)tok[i];
            }
        }
        const int32_t nb = N - n0 < B ? N - n0 : B;
        memcpy(want + n0 * T, batch_ids, (size_t)nb * T * sizeof *want);
    }
    assert_memory_equal(got, want, sizeof got);
    /* The trainer samples with G's parameters whatever G_step held. */
    float *p;
    size_t n;
    GT_OK(gan_model_get_params(r.g_step, &p, &n));
    memset(p, 0, n * sizeof *p);
    gan_seqgan_options_t o = defaults();
    GT_OK(gan_seqgan_sample(r.t, N, got));
    sg_rig other;
    o.rollouts = 2;
    sg_rig_make(&other, V, T, B, 9, &o, NULL);
    int32_t again[N * T];
    GT_OK(gan_seqgan_sample(other.t, N, again));
    assert_memory_equal(got, again, sizeof got);
    for (size_t i = 0; i < sizeof got / sizeof *got; i++)
        assert_true(got[i] >= 0 && got[i] < V);
    sg_rig_free(&other);
    gan_rng_destroy(a);
    gan_rng_destroy(b);
    sg_rig_free(&r);
}

/* gan_sequence_nll() is the mean of -log softmax over the teacher-forced pass. */
static void test_nll(void **state)
{
    (void)state;
    sg_rig r;
    sg_rig_make(&r, V, T, B, 11, NULL, NULL);
    enum { N = 5 };
    int32_t ids[N * T];
    random_ids(3, ids, N * T, V);
    double got;
    GT_OK(gan_sequence_nll(r.g, 3, ids, N, &got));
    double sum = 0.0;
    for (int32_t n0 = 0; n0 < N; n0 += B) {
        float in[B * T];
        for (int32_t i = 0; i < B; i++)
            for (int32_t t = 0; t < T; t++) {
                const int32_t s = n0 + i < N ? n0 + i : 0;
                in[i * T + t] = t == 0 ? 3.0f : (float)ids[s * T + t - 1];
            }
        const float *logits;
        GT_OK(gan_model_forward(r.g, in, NULL, B, &logits));
        for (int32_t i = 0; i < B && n0 + i < N; i++)
            for (int32_t t = 0; t < T; t++) {
                const float *x = logits + (i * T + t) * V;
                double m = x[0], z = 0.0;
                for (int32_t j = 1; j < V; j++)
                    m = x[j] > m ? x[j] : m;
                for (int32_t j = 0; j < V; j++)
                    z += exp(x[j] - m);
                sum += m + log(z) - x[ids[(n0 + i) * T + t]];
            }
    }
    assert_float_equal(got, sum / (N * T), 1e-6);
    sg_rig_free(&r);
}

/* k steps of every kind, save, a new trainer, load, m more steps: the parameters,
 * optimizer step counts, statistics and samples of k + m straight steps, bit for bit. */
static void run(sg_rig *r, uint64_t *data, int steps, gan_seqgan_stats_t *s)
{
    int32_t real[B * T];
    for (int k = 0; k < steps; k++) {
        random_ids(*data += 1, real, B * T, V);
        switch (k % 3) {
        case 0: GT_OK(gan_seqgan_mle_step(r->t, real, B, s)); break;
        case 1: GT_OK(gan_seqgan_d_step(r->t, real, B, s)); break;
        default: GT_OK(gan_seqgan_pg_step(r->t, B, s));
        }
    }
}

static void make(sg_rig *r)
{
    gan_seqgan_options_t o = defaults();
    o.rollouts = 3;
    o.seed = 8;
    o.start_token = 1;
    o.baseline = true; /* the loaded trainer, made with the defaults, must take it */
    sg_rig_make(r, V, T, B, 21, &o, NULL);
}

static void test_resume_is_exact(void **state)
{
    (void)state;
    sg_rig straight, first, resumed;
    gan_seqgan_stats_t s1 = {.struct_size = sizeof s1}, s2 = {.struct_size = sizeof s2};
    uint64_t data = 0;
    make(&straight);
    run(&straight, &data, 20, &s1);

    char path[64];
    gt_temp_path(path, sizeof path, "seqgan");
    data = 0;
    make(&first);
    run(&first, &data, 10, &s2);
    GT_OK(gan_seqgan_set_data_position(first.t, 10));
    GT_OK(gan_seqgan_save(first.t, path));
    sg_rig_free(&first);
    sg_rig_make(&resumed, V, T, B, 99, NULL, NULL); /* other weights, seed, settings */
    GT_OK(gan_seqgan_load(resumed.t, path));
    uint64_t pos;
    GT_OK(gan_seqgan_get_data_position(resumed.t, &pos));
    assert_int_equal(pos, 10);
    /* Steps 10 to 19: k % 3 continues from 10. */
    int32_t real[B * T];
    for (int k = 10; k < 20; k++) {
        random_ids(data += 1, real, B * T, V);
        switch (k % 3) {
        case 0: GT_OK(gan_seqgan_mle_step(resumed.t, real, B, &s2)); break;
        case 1: GT_OK(gan_seqgan_d_step(resumed.t, real, B, &s2)); break;
        default: GT_OK(gan_seqgan_pg_step(resumed.t, B, &s2));
        }
    }
    remove(path);
    gan_model_t *a[2] = {straight.g, straight.d}, *b[2] = {resumed.g, resumed.d};
    for (int i = 0; i < 2; i++)
        gt_same_params(a[i], b[i]);
    assert_memory_equal(&s1, &s2, sizeof s1);
    assert_int_equal(s2.mle_steps, 7);
    assert_int_equal(s2.d_steps, 7);
    assert_int_equal(s2.pg_steps, 6);
    int32_t x1[B * T], x2[B * T];
    GT_OK(gan_seqgan_sample(straight.t, B, x1));
    GT_OK(gan_seqgan_sample(resumed.t, B, x2));
    assert_memory_equal(x1, x2, sizeof x1);
    sg_rig_free(&straight);
    sg_rig_free(&resumed);
}

/* Loading another architecture's file fails and changes nothing. */
static void test_checkpoint_mismatch(void **state)
{
    (void)state;
    char path[64];
    gt_temp_path(path, sizeof path, "seqgan");
    sg_rig r, other;
    make(&r);
    GT_OK(gan_seqgan_save(r.t, path));
    sg_rig_make(&other, V + 1, T, B, 3, NULL, NULL);
    float *p;
    size_t n;
    GT_OK(gan_model_get_params(other.g, &p, &n));
    float *before = gt_copy_floats(p, n);
    GT_FAILS(gan_seqgan_load(other.t, path), GAN_E_FORMAT, "generator G");
    assert_memory_equal(p, before, n * sizeof *p);
    GT_FAILS(gan_seqgan_load(other.t, ""), GAN_E_INVALID_ARG, "path");
    GT_FAILS(gan_seqgan_save(NULL, path), GAN_E_INVALID_ARG, "NULL");
    free(before);
    remove(path);
    sg_rig_free(&other);
    sg_rig_free(&r);
}

/* The trainer allocates at create, never in a step or while sampling. */
static void test_steps_do_not_allocate(void **state)
{
    (void)state;
    long calls = 0;
    const gan_allocator_t a = gt_counting_allocator(&calls);
    sg_rig r;
    sg_rig_make(&r, V, T, B, 13, NULL, &a);
    int32_t real[B * T], out[2 * B * T];
    random_ids(4, real, B * T, V);
    const long before = calls;
    gan_seqgan_stats_t s = {.struct_size = sizeof s};
    for (int k = 0; k < 2; k++) {
        GT_OK(gan_seqgan_mle_step(r.t, real, B, &s));
        GT_OK(gan_seqgan_d_step(r.t, real, B, &s));
        GT_OK(gan_seqgan_pg_step(r.t, B, &s));
        GT_OK(gan_seqgan_sample(r.t, 2 * B - 1, out));
    }
    assert_int_equal(calls, before);
    sg_rig_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_defaults),
        cmocka_unit_test(test_create_errors),
        cmocka_unit_test(test_step_errors),
        cmocka_unit_test(test_sampling_is_categorical),
        cmocka_unit_test(test_nll),
        cmocka_unit_test(test_resume_is_exact),
        cmocka_unit_test(test_checkpoint_mismatch),
        cmocka_unit_test(test_steps_do_not_allocate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
