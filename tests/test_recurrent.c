/* The recurrent layers (LSTM, GRU): PyTorch's equations against a plain reference,
 * stepping with a carried state against the whole-sequence pass bit for bit, branching
 * the state, gradients through a carried state, and every error. (Their stateless
 * gradients are checked with the other layers' in test_gradcheck.c.) */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Which layer a test runs. */
static bool use_gru;

/* The c argument of the state functions: an LSTM's, NULL for a GRU. */
#define CELL(c) (use_gru ? NULL : (c))

static gan_status rnn_create(gan_layer_t **l, const gan_recurrent_options_t *o)
{
    return use_gru ? gan_layer_gru_create_ex(l, o) : gan_layer_lstm_create_ex(l, o);
}

/* A model of input (T, F) and one LSTM or GRU, or two stacked when hidden2 > 0. */
static gan_model_t *rnn_model(int32_t T, int32_t F, int32_t hidden, int32_t hidden2,
                              bool sequences, bool stateful, int32_t max_steps,
                              int32_t batch)
{
    const int32_t dims[2] = {T, F};
    gan_model_t *m = gt_model(dims, 2);
    for (int k = 0; k < (hidden2 > 0 ? 2 : 1); k++) {
        gan_recurrent_options_t o;
        GT_OK(gan_recurrent_options_init(&o, sizeof o));
        o.hidden = k ? hidden2 : hidden;
        o.return_sequences = k || hidden2 == 0 ? sequences : 1;
        o.stateful = stateful;
        o.max_steps = max_steps;
        gan_layer_t *l = NULL;
        gt_add(m, rnn_create(&l, &o), l);
    }
    GT_OK(gan_model_build(m, batch));
    return m;
}

static double sigm(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

/* PyTorch's nn.LSTM or nn.GRU, in double, from the parameters as laid out in the
 * arena; h0, c0 (N, H) or NULL for zeros (c0 unused by a GRU). */
static void reference_rnn(const float *p, const float *x, int32_t N, int32_t T, int32_t F,
                          int32_t H, const float *h0, const float *c0, double *hs)
{
    const int32_t G = (use_gru ? 3 : 4) * H;
    const float *w_ih = p, *w_hh = p + G * F, *b_ih = w_hh + G * H, *b_hh = b_ih + G;
    double *h = malloc((size_t)H * sizeof *h), *c = malloc((size_t)H * sizeof *c),
           *pi = malloc((size_t)G * sizeof *pi), *ph = malloc((size_t)G * sizeof *ph);
    assert_non_null(h);
    assert_non_null(c);
    assert_non_null(pi);
    assert_non_null(ph);
    for (int32_t n = 0; n < N; n++) {
        for (int32_t j = 0; j < H; j++) {
            h[j] = h0 ? h0[n * H + j] : 0.0;
            c[j] = c0 ? c0[n * H + j] : 0.0;
        }
        for (int32_t t = 0; t < T; t++) {
            const float *xt = x + ((size_t)n * T + t) * F;
            for (int32_t r = 0; r < G; r++) {
                double si = b_ih[r], sh = b_hh[r];
                for (int32_t k = 0; k < F; k++)
                    si += (double)w_ih[r * F + k] * xt[k];
                for (int32_t k = 0; k < H; k++)
                    sh += (double)w_hh[r * H + k] * h[k];
                pi[r] = si;
                ph[r] = sh;
            }
            for (int32_t j = 0; j < H; j++) {
                if (use_gru) {
                    const double r = sigm(pi[j] + ph[j]), z = sigm(pi[H + j] + ph[H + j]),
                                 nn = tanh(pi[2 * H + j] + r * ph[2 * H + j]);
                    h[j] = (1.0 - z) * nn + z * h[j];
                } else {
                    const double i = sigm(pi[j] + ph[j]), f = sigm(pi[H + j] + ph[H + j]),
                                 g = tanh(pi[2 * H + j] + ph[2 * H + j]),
                                 o = sigm(pi[3 * H + j] + ph[3 * H + j]);
                    c[j] = f * c[j] + i * g;
                    h[j] = o * tanh(c[j]);
                }
                hs[((size_t)n * T + t) * H + j] = h[j];
            }
        }
    }
    free(ph);
    free(pi);
    free(c);
    free(h);
}

static float *random_floats(gt_rng *r, size_t n, float lo, float hi)
{
    float *v = malloc((n ? n : 1) * sizeof *v);
    assert_non_null(v);
    gt_fill(r, v, n, lo, hi);
    return v;
}

/* The forward pass computes PyTorch's LSTM (gate order i, f, g, o) or GRU (r, z, n), with
 * two biases, every step or the last; the default initialisation is
 * U(-1/sqrt(H), 1/sqrt(H)). */
static void test_matches_reference(void **state)
{
    use_gru = *(const bool *)*state;
    const int32_t N = 3, T = 5, F = 4, H = 6;
    gt_rng r;
    gt_seed(&r, 11);
    float *x = random_floats(&r, (size_t)N * T * F, -2.0f, 2.0f);
    double *want = malloc((size_t)N * T * H * sizeof *want);
    assert_non_null(want);
    for (int last = 0; last <= 1; last++) {
        gan_model_t *m = rnn_model(T, F, H, 0, !last, false, 0, N);
        float *p;
        size_t count;
        GT_OK(gan_model_get_params(m, &p, &count));
        assert_int_equal(count, (size_t)(use_gru ? 3 : 4) * H * (F + H + 2));
        const float k = 1.0f / sqrtf((float)H);
        float lo = 1.0f, hi = -1.0f;
        for (size_t i = 0; i < count; i++) {
            assert_true(p[i] >= -k && p[i] <= k);
            lo = fminf(lo, p[i]);
            hi = fmaxf(hi, p[i]);
        }
        assert_true(lo < -0.5f * k && hi > 0.5f * k);
        gt_fill(&r, p, count, -0.8f, 0.8f); /* larger than the default, to saturate some */
        const float *y;
        GT_OK(gan_model_forward(m, x, NULL, N, &y));
        reference_rnn(p, x, N, T, F, H, NULL, NULL, want);
        for (int32_t n = 0; n < N; n++)
            for (int32_t t = last ? T - 1 : 0; t < T; t++)
                for (int32_t j = 0; j < H; j++) {
                    const double w = want[((size_t)n * T + t) * H + j];
                    const float got = last ? y[n * H + j] : y[((size_t)n * T + t) * H + j];
                    if (fabs(got - w) > 2e-6)
                        fail_msg("last %d: h[%d][%d][%d] is %.9g, want %.9g", last, (int)n,
                                 (int)t, (int)j, (double)got, w);
                }
        int32_t dims[4], ndim;
        GT_OK(gan_model_get_output_shape(m, -1, dims, &ndim));
        assert_int_equal(ndim, last ? 1 : 2);
        assert_int_equal(dims[0], last ? H : T);
        gan_model_destroy(m);
    }
    free(want);
    free(x);
}

/* Run @p steps one-step forwards of a stateful T = 1 model and compare each step's
 * output, bit for bit, with step t of the whole-sequence model's output. */
static void assert_steps_equal_sequence(gan_model_t *seq, gan_model_t *step, const float *x,
                                        int32_t N, int32_t T, int32_t F, int32_t H,
                                        const char *what)
{
    const float *ys, *y1;
    GT_OK(gan_model_forward(seq, x, NULL, N, &ys));
    float *xt = malloc((size_t)N * F * sizeof *xt);
    assert_non_null(xt);
    for (int32_t t = 0; t < T; t++) {
        for (int32_t n = 0; n < N; n++)
            memcpy(xt + (size_t)n * F, x + ((size_t)n * T + t) * F, (size_t)F * sizeof *xt);
        GT_OK(gan_model_forward(step, xt, NULL, N, &y1));
        for (int32_t n = 0; n < N; n++)
            if (memcmp(y1 + (size_t)n * H, ys + ((size_t)n * T + t) * H,
                       (size_t)H * sizeof *y1) != 0)
                fail_msg("%s: step %d of sample %d differs from the whole sequence's", what,
                         (int)t, (int)n);
    }
    int32_t steps;
    int32_t count;
    GT_OK(gan_model_get_layer_count(step, &count));
    for (int32_t k = 0; k < count; k++) {
        gan_layer_t *l;
        GT_OK(gan_model_get_layer(step, k, &l));
        if (strcmp(gan_layer_get_kind(l), use_gru ? "gru" : "lstm") != 0)
            continue;
        GT_OK(gan_model_get_recurrent_steps(step, k, &steps));
        assert_int_equal(steps, T);
    }
    free(xt);
}

/* Copy @p from's parameters into @p to (same layout). */
static void copy_params(gan_model_t *to, gan_model_t *from)
{
    float *a, *b;
    size_t na, nb;
    GT_OK(gan_model_get_params(to, &a, &na));
    GT_OK(gan_model_get_params(from, &b, &nb));
    assert_int_equal(na, nb);
    memcpy(a, b, na * sizeof *a);
}

/* Stepping a T = 1 stateful model equals the whole-sequence forward bit for bit: one
 * LSTM and two stacked, batches of 1 and 4, after a reset, after a batch-size change. */
static void test_steps_equal_sequence(void **state)
{
    use_gru = *(const bool *)*state;
    const int32_t T = 7, F = 3, H = 5, H2 = 4;
    gt_rng r;
    gt_seed(&r, 12);
    for (int stacked = 0; stacked <= 1; stacked++) {
        const int32_t out = stacked ? H2 : H, h2 = stacked ? H2 : 0;
        for (int32_t N = 1; N <= 4; N += 3) {
            float *x = random_floats(&r, (size_t)N * T * F, -1.5f, 1.5f);
            gan_model_t *seq = rnn_model(T, F, H, h2, true, false, 0, N);
            gan_model_t *step = rnn_model(1, F, H, h2, true, true, T, N);
            copy_params(step, seq);
            const char *what = stacked ? "stacked" : "one lstm";
            assert_steps_equal_sequence(seq, step, x, N, T, F, out, what);
            for (int32_t k = 0; k <= stacked; k++)
                GT_OK(gan_model_reset_recurrent_state(step, k));
            assert_steps_equal_sequence(seq, step, x, N, T, F, out, what);
            /* A batch-size change starts from zero as well. */
            GT_OK(gan_model_set_batch_size(step, N + 1));
            GT_OK(gan_model_set_batch_size(step, N));
            assert_steps_equal_sequence(seq, step, x, N, T, F, out, what);
            gan_model_destroy(step);
            gan_model_destroy(seq);
            free(x);
        }
    }
}

/* SeqGAN's generator, EmbeddingSequence(V, E), the recurrent layer, Dense(V) per time
 * step, for token sequences of length T, or one token when T = 1. */
static gan_model_t *generator(int32_t T, bool stateful, int32_t batch)
{
    gan_model_t *m = gt_model(&T, 1);
    gan_recurrent_options_t o;
    GT_OK(gan_recurrent_options_init(&o, sizeof o));
    o.hidden = 6;
    o.stateful = stateful;
    gan_layer_t *l = NULL;
    gt_add(m, gan_layer_embedding_sequence_create(&l, 7, 4), l);
    gt_add(m, rnn_create(&l, &o), l);
    gt_add(m, gan_layer_dense_create(&l, 7, true), l);
    GT_OK(gan_model_build(m, batch));
    return m;
}

/* The generator stepped one token at a time gives the logits of the whole-sequence
 * pass (teacher forcing) bit for bit. */
static void test_generator_steps_equal_sequence(void **state)
{
    use_gru = *(const bool *)*state;
    const int32_t N = 5, T = 6, V = 7;
    gt_rng r;
    gt_seed(&r, 15);
    float ids[N * T];
    for (int32_t i = 0; i < N * T; i++)
        ids[i] = (float)(int32_t)(gt_uniform(&r) * V);
    gan_model_t *seq = generator(T, false, N), *step = generator(1, true, N);
    copy_params(step, seq);
    assert_steps_equal_sequence(seq, step, ids, N, T, 1, V, "generator");
    gan_model_destroy(step);
    gan_model_destroy(seq);
}

/* Rollouts branch from a prefix: the state after the prefix, copied out and back in,
 * gives the same continuation; one row's state copied into every row gives every row
 * that row's continuation. */
static void test_state_branches(void **state)
{
    use_gru = *(const bool *)*state;
    const int32_t N = 3, F = 2, H = 4, prefix = 3, rest = 4;
    gt_rng r;
    gt_seed(&r, 13);
    gan_model_t *m = rnn_model(1, F, H, 0, true, true, prefix + rest, N);
    float *x = random_floats(&r, (size_t)(prefix + rest) * N * F, -1.0f, 1.0f);
    float h[N * H], c[N * H], h1[H], c1[H];
    float *first = malloc((size_t)rest * N * H * sizeof *first);
    assert_non_null(first);
    const float *y;
    for (int32_t t = 0; t < prefix; t++)
        GT_OK(gan_model_forward(m, x + (size_t)t * N * F, NULL, N, &y));
    GT_OK(gan_model_get_recurrent_state(m, 0, 0, N, h, CELL(c)));
    for (int32_t j = 0; j < N * H; j++) /* h is the last output */
        assert_memory_equal(&h[j], &y[j], sizeof *y);
    for (int32_t t = 0; t < rest; t++) {
        GT_OK(gan_model_forward(m, x + (size_t)(prefix + t) * N * F, NULL, N, &y));
        memcpy(first + (size_t)t * N * H, y, (size_t)N * H * sizeof *y);
    }
    GT_FAILS(gan_model_forward(m, x, NULL, N, &y), GAN_E_OUT_OF_RANGE, "max_steps 7");

    /* Back to the prefix: the same rollout again. */
    GT_OK(gan_model_set_recurrent_state(m, 0, 0, N, h, CELL(c)));
    GT_OK(gan_model_set_recurrent_steps(m, 0, prefix));
    for (int32_t t = 0; t < rest; t++) {
        GT_OK(gan_model_forward(m, x + (size_t)(prefix + t) * N * F, NULL, N, &y));
        assert_memory_equal(y, first + (size_t)t * N * H, (size_t)N * H * sizeof *y);
    }

    /* One row's state is its part of the whole batch's. */
    GT_OK(gan_model_get_recurrent_state(m, 0, 0, N, h, CELL(c)));
    GT_OK(gan_model_get_recurrent_state(m, 0, 2, 1, h1, CELL(c1)));
    assert_memory_equal(h1, h + 2 * H, sizeof h1);
    if (!use_gru)
        assert_memory_equal(c1, c + 2 * H, sizeof c1);

    /* Row 1's prefix state into every row, and every row fed row 1's inputs. */
    float hp[N * H], cp[N * H], xr[N * F];
    GT_OK(gan_model_reset_recurrent_state(m, 0));
    for (int32_t t = 0; t < prefix; t++)
        GT_OK(gan_model_forward(m, x + (size_t)t * N * F, NULL, N, &y));
    GT_OK(gan_model_get_recurrent_state(m, 0, 0, N, hp, CELL(cp)));
    for (int32_t n = 0; n < N; n++)
        GT_OK(gan_model_set_recurrent_state(m, 0, n, 1, hp + H, CELL(cp + H)));
    for (int32_t t = 0; t < rest; t++) {
        for (int32_t n = 0; n < N; n++)
            memcpy(xr + n * F, x + ((size_t)(prefix + t) * N + 1) * F, (size_t)F * sizeof *xr);
        GT_OK(gan_model_forward(m, xr, NULL, N, &y));
        for (int32_t n = 0; n < N; n++)
            assert_memory_equal(y + n * H, first + ((size_t)t * N + 1) * H,
                                (size_t)H * sizeof *y);
    }
    free(first);
    free(x);
    gan_model_destroy(m);
}

/* Gradients of a stateful layer started from a non-zero state: the loss sets the state,
 * runs the sequence and weighs the output. The state is a constant of the pass. */
typedef struct carried {
    gan_model_t *m;
    float *x, *r, *h0, *c0;
    int32_t N, T, F, H;
    bool sequences;
} carried;

static double carried_loss(void *arg)
{
    carried *s = arg;
    const float *y;
    GT_OK(gan_model_set_recurrent_state(s->m, 0, 0, s->N, s->h0, CELL(s->c0)));
    GT_OK(gan_model_forward(s->m, s->x, NULL, s->N, &y));
    const size_t n = (size_t)s->N * (s->sequences ? s->T : 1) * s->H;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += (double)s->r[i] * y[i];
    return sum;
}

static void test_gradient_from_carried_state(void **state)
{
    use_gru = *(const bool *)*state;
    static const struct { int32_t T; bool sequences; } cases[] = {{1, true}, {2, true},
                                                                  {5, true}, {4, false}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        carried s = {.N = 2, .T = cases[k].T, .F = 3, .H = 3, .sequences = cases[k].sequences};
        s.m = rnn_model(s.T, s.F, s.H, 0, s.sequences, true, 0, s.N);
        gt_rng r;
        gt_seed(&r, 14 + k);
        const size_t nx = (size_t)s.N * s.T * s.F, nh = (size_t)s.N * s.H;
        const size_t ny = (size_t)s.N * (s.sequences ? s.T : 1) * s.H;
        s.x = random_floats(&r, nx, -1.0f, 1.0f);
        s.r = random_floats(&r, ny, -1.0f, 1.0f);
        s.h0 = random_floats(&r, nh, -0.9f, 0.9f);
        s.c0 = random_floats(&r, nh, -2.0f, 2.0f);
        float *p, *g;
        size_t np;
        GT_OK(gan_model_get_params(s.m, &p, &np));
        GT_OK(gan_model_get_grads(s.m, &g, &np));
        gt_fill(&r, p, np, -1.0f, 1.0f);

        /* The forward starts from the carried state (the reference), which changes
         * the output. */
        const float *y;
        GT_OK(gan_model_reset_recurrent_state(s.m, 0));
        GT_OK(gan_model_forward(s.m, s.x, NULL, s.N, &y));
        float *from_zero = gt_copy_floats(y, ny);
        (void)carried_loss(&s);
        GT_OK(gan_model_get_layer_output(s.m, 0, &y));
        assert_true(memcmp(y, from_zero, ny * sizeof *y) != 0);
        double want[2 * 5 * 3];
        reference_rnn(p, s.x, s.N, s.T, s.F, s.H, s.h0, s.c0, want);
        for (int32_t n = 0; n < s.N; n++)
            for (int32_t t = s.sequences ? 0 : s.T - 1; t < s.T; t++)
                for (int32_t j = 0; j < s.H; j++) {
                    const float got = y[((size_t)n * (s.sequences ? s.T : 1) +
                                         (s.sequences ? t : 0)) * s.H + j];
                    assert_float_equal(got, want[((size_t)n * s.T + t) * s.H + j], 2e-6);
                }

        GT_OK(gan_model_zero_grad(s.m));
        (void)carried_loss(&s);
        const float *dinput;
        GT_OK(gan_model_backward(s.m, s.r, &dinput));
        float *dx = gt_copy_floats(dinput, nx), *dp = gt_copy_floats(g, np);
        char name[64];
        snprintf(name, sizeof name, "stateful %s T=%d%s", use_gru ? "gru" : "lstm",
                 (int)s.T, s.sequences ? "" : " last");
        gt_check_gradient(carried_loss, &s, name, "input", dx, s.x, nx);
        gt_check_gradient(carried_loss, &s, name, "param", dp, p, np);
        free(dp);
        free(dx);
        free(from_zero);
        free(s.c0);
        free(s.h0);
        free(s.r);
        free(s.x);
        gan_model_destroy(s.m);
    }
}

/* T = 0 and a sequence longer than the layer's max_steps, when the model is put together
 * and when a stateful layer is stepped past it; every error of the create functions and
 * of the state functions, with a message. */
static void test_errors(void **state)
{
    use_gru = *(const bool *)*state;
    const char *kind = use_gru ? "gru" : "lstm";
    gan_status (*create)(gan_layer_t **, int32_t) =
        use_gru ? gan_layer_gru_create : gan_layer_lstm_create;
    char want[160];
    gan_layer_t *l = NULL;
    gan_recurrent_options_t o;
    GT_FAILS(gan_recurrent_options_init(NULL, sizeof o), GAN_E_INVALID_ARG, "NULL");
    GT_FAILS(gan_recurrent_options_init(&o, 4), GAN_E_INVALID_ARG, "struct_size");
    GT_OK(gan_recurrent_options_init(&o, sizeof o));
    GT_FAILS(create(NULL, 4), GAN_E_INVALID_ARG, "out is NULL");
    GT_FAILS(create(&l, 0), GAN_E_OUT_OF_RANGE, "hidden 0");
    GT_FAILS(create(&l, INT32_MAX), GAN_E_OUT_OF_RANGE, "hidden 2147483647");
    GT_FAILS(rnn_create(&l, NULL), GAN_E_INVALID_ARG, "opts is NULL");
    o.return_sequences = 2;
    GT_FAILS(rnn_create(&l, &o), GAN_E_OUT_OF_RANGE, "return_sequences 2");
    GT_OK(gan_recurrent_options_init(&o, sizeof o));
    o.stateful = -1;
    GT_FAILS(rnn_create(&l, &o), GAN_E_OUT_OF_RANGE, "stateful -1");
    GT_OK(gan_recurrent_options_init(&o, sizeof o));
    o.max_steps = -1;
    GT_FAILS(rnn_create(&l, &o), GAN_E_OUT_OF_RANGE, "max_steps -1");
    GT_OK(gan_recurrent_options_init(&o, sizeof o));
    o.struct_size = 8;
    GT_FAILS(rnn_create(&l, &o), GAN_E_INVALID_ARG, "struct_size");

    /* T = 0: no such input or reshape; a flat input is not a sequence. */
    gan_model_t *m = NULL;
    GT_FAILS(gan_model_create(&m, (const int32_t[]){0, 3}, 2, NULL), GAN_E_OUT_OF_RANGE,
             "0");
    int32_t flat = 6;
    m = gt_model(&flat, 1);
    GT_OK(create(&l, 4));
    snprintf(want, sizeof want, "%s expects a sequence (T, F), got (6)", kind);
    GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, want);
    gan_layer_destroy(l);
    GT_OK(gan_layer_dense_create(&l, 3, true));
    GT_OK(gan_model_add(m, l));
    GT_FAILS(gan_model_reset_recurrent_state(m, 0), GAN_E_STATE, "not built");
    GT_OK(gan_model_build(m, 2));
    GT_FAILS(gan_model_reset_recurrent_state(m, 0), GAN_E_INVALID_ARG,
             "layer 0 'dense_0' of model 'test' is a dense, not a recurrent layer");
    GT_FAILS(gan_model_reset_recurrent_state(m, 1), GAN_E_OUT_OF_RANGE, "layer index 1");
    gan_model_destroy(m);

    /* A sequence longer than the layer's. */
    m = gt_model((const int32_t[]){5, 2}, 2);
    GT_OK(gan_recurrent_options_init(&o, sizeof o));
    o.hidden = 3;
    o.max_steps = 4;
    GT_OK(rnn_create(&l, &o));
    snprintf(want, sizeof want, "%s: a sequence of 5 steps (5,2) is longer than its "
             "max_steps 4", kind);
    GT_FAILS(gan_model_add(m, l), GAN_E_SHAPE, want);
    gan_layer_destroy(l);
    gan_model_destroy(m);

    /* Stepped past it: the failing forward names the layer and changes nothing. */
    m = rnn_model(1, 2, 3, 0, true, true, 3, 2);
    const float x[4] = {0.5f, -0.25f, 1.0f, 0.75f};
    float h[6], c[6], h2[6], c2[6];
    int32_t steps;
    for (int t = 0; t < 3; t++)
        GT_OK(gan_model_forward(m, x, NULL, 2, NULL));
    GT_OK(gan_model_get_recurrent_state(m, -1, 0, 2, h, CELL(c)));
    snprintf(want, sizeof want, "gan_model_forward: model 'test' layer 0 '%s_0': %s: steps "
             "4 to 4 run past max_steps 3", kind, kind);
    GT_FAILS(gan_model_forward(m, x, NULL, 2, NULL), GAN_E_OUT_OF_RANGE, want);
    GT_OK(gan_model_get_recurrent_state(m, -1, 0, 2, h2, CELL(c2)));
    assert_memory_equal(h, h2, sizeof h);
    if (!use_gru)
        assert_memory_equal(c, c2, sizeof c);
    GT_OK(gan_model_get_recurrent_steps(m, 0, &steps));
    assert_int_equal(steps, 3);
    GT_OK(gan_model_set_recurrent_steps(m, 0, 2));
    GT_OK(gan_model_forward(m, x, NULL, 2, NULL));
    GT_FAILS(gan_model_set_recurrent_steps(m, 0, 4), GAN_E_OUT_OF_RANGE, "steps 4");
    GT_FAILS(gan_model_set_recurrent_steps(m, 0, -1), GAN_E_OUT_OF_RANGE, "steps -1");
    GT_FAILS(gan_model_get_recurrent_steps(m, 0, NULL), GAN_E_INVALID_ARG, "steps is NULL");
    GT_FAILS(gan_model_get_recurrent_state(m, 0, 1, 2, h, CELL(c)), GAN_E_OUT_OF_RANGE,
             "rows [1, 1 + 2)");
    GT_FAILS(gan_model_get_recurrent_state(m, 0, -1, 1, h, CELL(c)), GAN_E_OUT_OF_RANGE,
             "outside");
    GT_FAILS(gan_model_set_recurrent_state(m, 0, 0, 0, h, CELL(c)), GAN_E_OUT_OF_RANGE,
             "outside");
    GT_FAILS(gan_model_get_recurrent_state(m, 0, 0, 1, NULL, CELL(c)), GAN_E_INVALID_ARG,
             "h is NULL");
    if (use_gru)
        GT_FAILS(gan_model_set_recurrent_state(m, 0, 0, 1, h, c), GAN_E_INVALID_ARG,
                 "c must be NULL: gru 0 'gru_0' has no cell state");
    else
        GT_FAILS(gan_model_set_recurrent_state(m, 0, 0, 1, h, NULL), GAN_E_INVALID_ARG,
                 "c is NULL, but lstm 0 'lstm_0' has a cell state");
    GT_FAILS(gan_model_get_recurrent_state(m, 1, 0, 1, h, CELL(c)), GAN_E_OUT_OF_RANGE,
             "layer index 1");
    GT_FAILS(gan_model_get_recurrent_state(NULL, 0, 0, 1, h, CELL(c)), GAN_E_INVALID_ARG,
             "model is NULL");
    GT_OK(gan_model_reset_recurrent_state(m, 0));
    GT_OK(gan_model_get_recurrent_steps(m, 0, &steps));
    assert_int_equal(steps, 0);
    gan_model_destroy(m);

    /* The state functions want a stateful layer. */
    m = rnn_model(3, 2, 3, 0, true, false, 0, 2);
    snprintf(want, sizeof want, "%s 0 '%s_0' of model 'test' is not stateful", kind, kind);
    GT_FAILS(gan_model_get_recurrent_state(m, 0, 0, 1, h, CELL(c)), GAN_E_STATE, want);
    GT_FAILS(gan_model_set_recurrent_steps(m, 0, 0), GAN_E_STATE, want);
    char summary[1024];
    GT_OK(gan_model_summary(m, summary, sizeof summary, NULL));
    assert_non_null(strstr(summary, kind));
    gan_model_destroy(m);
}

static bool lstm = false, gru = true;

#define BOTH(test)                                                                   \
    {"lstm " #test, test, NULL, NULL, &lstm}, {"gru " #test, test, NULL, NULL, &gru}

int main(void)
{
    /* Each test runs for the LSTM, then for the GRU. */
    const struct CMUnitTest tests[] = {
        BOTH(test_matches_reference),
        BOTH(test_steps_equal_sequence),
        BOTH(test_generator_steps_equal_sequence),
        BOTH(test_state_branches),
        BOTH(test_gradient_from_carried_state),
        BOTH(test_errors),
    };
    return cmocka_run_group_tests_name("recurrent", tests, NULL, NULL);
}
