/* bench_lstm: throughput of the LSTM layer (forward, forward + backward, tokens/s),
 * the cost of SeqGAN's Monte-Carlo rollouts for one batch with a stepped generator
 * (EmbeddingSequence -> stateful LSTM -> Dense, T = 1, categorical sampling), and
 * SeqGAN's maximum-likelihood step (gan_seqgan_mle_step) with words_seqgan's generator
 * (sequences/s). The PyTorch twin is examples/bench/bench_lstm.py;
 * examples/bench/compare_lstm.sh runs both. Needs no data. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gan/gan.h>

#include "bench/bench_machine.h"

#include "common/seqgan_models.h"
#include "common/word_list.h"

#define CHECK(call)                                                                   \
    do {                                                                              \
        gan_status st_ = (call);                                                      \
        if (st_ != GAN_OK) {                                                          \
            fprintf(stderr, "bench_lstm: %s (%s)\n", gan_last_error(),                \
                    gan_status_string(st_));                                          \
            goto fail;                                                                \
        }                                                                             \
    } while (0)

#define MAX_REPEATS 101
#define MAX_HIDDEN_SIZES 8

typedef struct bench_options {
    long batch, steps, embed, vocab, rollouts, threads, repeats, warmup, passes;
    long hidden[MAX_HIDDEN_SIZES], n_hidden, gen_hidden;
    unsigned long long seed;
    int blas_only;   /* threads in OpenBLAS only, libgan's pool at 1 */
    int do_lstm, do_rollout, do_mle;
    int wide;        /* rollouts as one (batch * rollouts)-row model instead of branching */
} bench_options;

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Forward and forward + backward of one LSTM(hidden) over (batch, T, E) floats, as
 * nn.LSTM(E, hidden, batch_first=True): tokens/s = batch * T * passes / seconds. The
 * backward computes the parameter gradients (accumulated, never cleared, as PyTorch's
 * .grad without zero_grad) and the input gradient. */
static int bench_layer(const bench_options *o, long hidden)
{
    int rc = 1;
    gan_model_t *m = NULL;
    gan_layer_t *layer = NULL;
    float *x = NULL, *dy = NULL;
    gan_rng_t *rng = NULL;
    const int32_t N = (int32_t)o->batch, T = (int32_t)o->steps, E = (int32_t)o->embed;
    const int32_t dims[2] = {T, E};
    gan_model_options_t mo;
    CHECK(gan_model_options_init(&mo, sizeof mo));
    mo.seed = o->seed;
    mo.name = "lstm";
    CHECK(gan_model_create(&m, dims, 2, &mo));
    CHECK(gan_layer_lstm_create(&layer, (int32_t)hidden));
    CHECK(gan_model_add(m, layer));
    layer = NULL;
    CHECK(gan_model_build(m, N));

    const size_t nx = (size_t)N * T * E, ny = (size_t)N * T * (size_t)hidden;
    x = malloc(nx * sizeof *x);
    dy = malloc(ny * sizeof *dy);
    if (!x || !dy)
        goto fail;
    CHECK(gan_rng_create(&rng, o->seed));
    CHECK(gan_latent_sample(rng, GAN_LATENT_GAUSSIAN, N, T * E, x));
    CHECK(gan_latent_sample(rng, GAN_LATENT_GAUSSIAN, N, T * (int32_t)hidden, dy));

    const double tokens = (double)N * T * (double)o->passes;
    double fwd[MAX_REPEATS], both[MAX_REPEATS], lo, hi;
    const float *dx = NULL;
    for (long w = 0; w < o->warmup; w++) {
        CHECK(gan_model_forward(m, x, NULL, N, NULL));
        CHECK(gan_model_backward(m, dy, &dx));
    }
    /* The two measurements alternate repeat by repeat, so that a change of the
     * machine's load hits both alike. */
    for (long r = 0; r < o->repeats; r++) {
        double start = seconds();
        for (long p = 0; p < o->passes; p++)
            CHECK(gan_model_forward(m, x, NULL, N, NULL));
        fwd[r] = tokens / (seconds() - start);
        start = seconds();
        for (long p = 0; p < o->passes; p++) {
            CHECK(gan_model_forward(m, x, NULL, N, NULL));
            CHECK(gan_model_backward(m, dy, &dx));
        }
        both[r] = tokens / (seconds() - start);
    }
    double rate = ex_bench_median(fwd, o->repeats, &lo, &hi);
    printf("lstm hidden %ld forward: %.0f tokens/s (median of %ld repeats of %ld passes; "
           "min %.0f, max %.0f)\n",
           hidden, rate, o->repeats, o->passes, lo, hi);
    rate = ex_bench_median(both, o->repeats, &lo, &hi);
    printf("lstm hidden %ld forward+backward: %.0f tokens/s (median of %ld repeats of %ld "
           "passes; min %.0f, max %.0f)\n",
           hidden, rate, o->repeats, o->passes, lo, hi);
    rc = 0;
fail:
    gan_rng_destroy(rng);
    gan_layer_destroy(layer);
    gan_model_destroy(m);
    free(x);
    free(dy);
    return rc;
}

/* SeqGAN's generator for one token at a time (ex_seqgan_generator's sampler): (1) id ->
 * EmbeddingSequence(V, E) -> stateful LSTM(H) -> Dense(V) per step -> (1, V) logits. */
static gan_status make_generator(const bench_options *o, int32_t batch, gan_model_t **out)
{
    return ex_seqgan_generator((int32_t)o->vocab, (int32_t)o->steps, (int32_t)o->embed,
                               (int32_t)o->gen_hidden, true, batch, "generator", o->seed,
                               out);
}

/* Where the rollout's time goes, summed over the timed repeat. */
typedef struct rollout_clock {
    double forward, sample, state;
} rollout_clock;

/* One forward of the stepped generator on ids[0..n), then one token per row drawn from
 * its logits into ids (as floats, the generator's next input). */
static gan_status step_and_sample(gan_model_t *g, gan_rng_t *rng, float *ids, int32_t *drawn,
                                  int32_t n, int32_t vocab, rollout_clock *clk)
{
    const float *logits = NULL;
    double t0 = seconds();
    gan_status st = gan_model_forward(g, ids, NULL, n, &logits);
    double t1 = seconds();
    if (st == GAN_OK)
        st = gan_categorical_sample(rng, logits, n, vocab, 1.0f, drawn);
    double t2 = seconds();
    clk->forward += t1 - t0;
    clk->sample += t2 - t1;
    for (int32_t i = 0; st == GAN_OK && i < n; i++)
        ids[i] = (float)drawn[i];
    return st;
}

/* The rollouts of one batch of N sequences y (N, T) (ids as floats, generated before
 * the clock starts). Step 0's input is the start token 0 and step k's is y_{k-1}, so
 * the state before y_t is drawn is the state after t + 1 inputs.
 *
 * Prefix pass: feed start, y_0 .. y_{T-3} (T - 1 forwards) and keep the state after
 * each, S_1 .. S_{T-1}. Then for every prefix length t = 1 .. T-1 (y_0 .. y_{t-1}
 * given) and every rollout: start from S_t (after start, y_0 .. y_{t-2}), feed y_{t-1}
 * and draw y_t, feed it and draw y_{t+1}, ... up to y_{T-1}: T - t forwards and draws.
 * In all, T - 1 + R * T(T-1)/2 forwards of N rows and R * T(T-1)/2 draws of N rows.
 *
 * Branching layout: one N-row model, the state set back to S_t before each rollout.
 * Wide layout: an N*R-row model, each S_t copied into R rows per sequence, and the R
 * rollouts of a prefix run together (T - t forwards of N*R rows); the prefix pass runs
 * in an N-row model with the same parameters. */
typedef struct rollout_ctx {
    gan_model_t *g;      /* N rows: the prefix pass, and the rollouts when branching */
    gan_model_t *wide;   /* N*R rows, or NULL */
    gan_rng_t *rng;
    const float *y;      /* (N, T) */
    float *hs, *cs;      /* (T, N, H): S_t at t */
    float *wh, *wc;      /* (N*R, H) */
    float *ids;          /* (N*R) */
    int32_t *drawn;      /* (N*R) */
    int32_t N, T, H, V, R;
} rollout_ctx;

static gan_status rollout_batch(rollout_ctx *c, rollout_clock *clk)
{
    const int32_t N = c->N, T = c->T, H = c->H, V = c->V, R = c->R;
    const size_t nh = (size_t)N * (size_t)H;
    gan_status st;
    double t0 = seconds();
    if ((st = gan_model_reset_recurrent_state(c->g, 1)) != GAN_OK)
        return st;
    clk->state += seconds() - t0;
    for (int32_t k = 0; k < T - 1; k++) {
        for (int32_t i = 0; i < N; i++)
            c->ids[i] = k ? c->y[(size_t)i * T + (size_t)(k - 1)] : 0.0f;
        t0 = seconds();
        if ((st = gan_model_forward(c->g, c->ids, NULL, N, NULL)) != GAN_OK)
            return st;
        double t1 = seconds();
        st = gan_model_get_recurrent_state(c->g, 1, 0, N, c->hs + (size_t)(k + 1) * nh,
                                           c->cs + (size_t)(k + 1) * nh);
        if (st != GAN_OK)
            return st;
        clk->forward += t1 - t0;
        clk->state += seconds() - t1;
    }
    for (int32_t t = 1; t < T; t++) {
        const float *h = c->hs + (size_t)t * nh, *cc = c->cs + (size_t)t * nh;
        if (c->wide) {
            t0 = seconds();
            for (int32_t i = 0; i < N; i++)
                for (int32_t r = 0; r < R; r++) {
                    const size_t row = (size_t)i * R + (size_t)r;
                    memcpy(c->wh + row * H, h + (size_t)i * H, (size_t)H * sizeof *h);
                    memcpy(c->wc + row * H, cc + (size_t)i * H, (size_t)H * sizeof *cc);
                    c->ids[row] = c->y[(size_t)i * T + (size_t)(t - 1)];
                }
            if ((st = gan_model_set_recurrent_state(c->wide, 1, 0, N * R, c->wh, c->wc)) !=
                    GAN_OK ||
                (st = gan_model_set_recurrent_steps(c->wide, 1, t)) != GAN_OK)
                return st;
            clk->state += seconds() - t0;
            for (int32_t k = t; k < T; k++)
                if ((st = step_and_sample(c->wide, c->rng, c->ids, c->drawn, N * R, V, clk)) !=
                    GAN_OK)
                    return st;
            continue;
        }
        for (int32_t r = 0; r < R; r++) {
            t0 = seconds();
            if ((st = gan_model_set_recurrent_state(c->g, 1, 0, N, h, cc)) != GAN_OK ||
                (st = gan_model_set_recurrent_steps(c->g, 1, t)) != GAN_OK)
                return st;
            for (int32_t i = 0; i < N; i++)
                c->ids[i] = c->y[(size_t)i * T + (size_t)(t - 1)];
            clk->state += seconds() - t0;
            for (int32_t k = t; k < T; k++)
                if ((st = step_and_sample(c->g, c->rng, c->ids, c->drawn, N, V, clk)) != GAN_OK)
                    return st;
        }
    }
    return GAN_OK;
}

static int bench_rollout(const bench_options *o)
{
    int rc = 1;
    rollout_ctx c = {.N = (int32_t)o->batch, .T = (int32_t)o->steps,
                     .H = (int32_t)o->gen_hidden, .V = (int32_t)o->vocab,
                     .R = (int32_t)o->rollouts};
    float *y = NULL;
    const size_t nh = (size_t)c.N * (size_t)c.H, rows = (size_t)c.N * (size_t)c.R;
    CHECK(make_generator(o, c.N, &c.g));
    CHECK(ex_bench_print_model(c.g, "G_step"));
    if (o->wide) {
        float *src, *dst;
        size_t ns, nd;
        CHECK(make_generator(o, c.N * c.R, &c.wide));
        CHECK(gan_model_get_params(c.g, &src, &ns));
        CHECK(gan_model_get_params(c.wide, &dst, &nd));
        memcpy(dst, src, ns * sizeof *src);
    }
    CHECK(gan_rng_create(&c.rng, o->seed));
    y = malloc((size_t)c.N * (size_t)c.T * sizeof *y);
    c.hs = calloc((size_t)c.T * nh, sizeof *c.hs);
    c.cs = calloc((size_t)c.T * nh, sizeof *c.cs);
    c.wh = malloc(rows * (size_t)c.H * sizeof *c.wh);
    c.wc = malloc(rows * (size_t)c.H * sizeof *c.wc);
    c.ids = malloc(rows * sizeof *c.ids);
    c.drawn = malloc(rows * sizeof *c.drawn);
    if (!y || !c.hs || !c.cs || !c.wh || !c.wc || !c.ids || !c.drawn)
        goto fail;
    c.y = y;

    /* The batch to roll out: N sequences sampled from the generator. */
    rollout_clock untimed = {0};
    CHECK(gan_model_reset_recurrent_state(c.g, 1));
    for (int32_t i = 0; i < c.N; i++)
        c.ids[i] = 0.0f;
    for (int32_t k = 0; k < c.T; k++) {
        CHECK(step_and_sample(c.g, c.rng, c.ids, c.drawn, c.N, c.V, &untimed));
        for (int32_t i = 0; i < c.N; i++)
            y[(size_t)i * c.T + (size_t)k] = c.ids[i];
    }

    const long half = (long)c.T * (c.T - 1) / 2;
    printf("rollout %s: batch %d, T %d, V %d, E %ld, H %d, %d rollouts per prefix: %ld "
           "forwards of %d rows and %ld of %d, %ld draws of %d rows\n",
           o->wide ? "wide" : "branch", (int)c.N, (int)c.T, (int)c.V, o->embed, (int)c.H,
           (int)c.R, (long)c.T - 1, (int)c.N, o->wide ? half : c.R * half,
           o->wide ? (int)rows : (int)c.N, o->wide ? half : c.R * half,
           o->wide ? (int)rows : (int)c.N);
    for (long w = 0; w < o->warmup; w++)
        CHECK(rollout_batch(&c, &untimed));
    double ms[MAX_REPEATS], fwd[MAX_REPEATS], smp[MAX_REPEATS], sta[MAX_REPEATS], lo, hi;
    for (long r = 0; r < o->repeats; r++) {
        rollout_clock clk = {0};
        double start = seconds();
        CHECK(rollout_batch(&c, &clk));
        ms[r] = 1e3 * (seconds() - start);
        fwd[r] = 1e3 * clk.forward;
        smp[r] = 1e3 * clk.sample;
        sta[r] = 1e3 * clk.state;
    }
    /* The parts are those of the repeat whose time is the median (the upper middle one
     * for an even count), so that they add up to a time that was measured. */
    long mid = 0;
    for (long r = 0; r < o->repeats; r++) {
        long below = 0;
        for (long q = 0; q < o->repeats; q++)
            below += ms[q] < ms[r] || (ms[q] == ms[r] && q < r);
        if (below == o->repeats / 2)
            mid = r;
    }
    const double whole = ms[mid], mf = fwd[mid], msmp = smp[mid], mst = sta[mid];
    const double med = ex_bench_median(ms, o->repeats, &lo, &hi);
    printf("rollout %s: %.1f ms per batch of %d sequences (median of %ld repeats; min "
           "%.1f, max %.1f)\n",
           o->wide ? "wide" : "branch", med, (int)c.N, o->repeats, lo, hi);
    printf("rollout %s parts (the median repeat, %.1f ms): generator forward %.1f ms, "
           "sampling %.1f ms, state copies %.1f ms, rest %.1f ms\n",
           o->wide ? "wide" : "branch", whole, mf, msmp, mst, whole - mf - msmp - mst);
    rc = 0;
fail:
    gan_model_destroy(c.g);
    gan_model_destroy(c.wide);
    gan_rng_destroy(c.rng);
    free(y);
    free(c.hs);
    free(c.cs);
    free(c.wh);
    free(c.wc);
    free(c.ids);
    free(c.drawn);
    return rc;
}

/* SeqGAN's maximum-likelihood step, gan_seqgan_mle_step, as words_seqgan pre-trains its
 * generator with its defaults: (T) ids -> EmbeddingSequence(VOCAB, E) -> LSTM(H) ->
 * Dense(VOCAB) per step, T = EX_WORDS_MAX_LEN + 1, Adam(EX_WORDS_G_LR, 0.9, 0.999), the
 * trainer's defaults (start token 0, gradients clipped to norm 5). The trainer needs a
 * discriminator, which this step never runs: the smallest one is built. The real batch
 * is uniform ids, which cost what words cost. sequences/s = batch * passes / seconds. */
static int bench_mle(const bench_options *o)
{
    int rc = 1;
    gan_model_t *m[3] = {NULL, NULL, NULL}; /* G, G_step, D */
    gan_optimizer_t *opt[2] = {NULL, NULL};
    gan_seqgan_t *t = NULL;
    int32_t *real = NULL;
    const int32_t B = (int32_t)o->batch, T = EX_WORDS_MAX_LEN + 1, one = 1;
    for (int k = 0; k < 2; k++)
        CHECK(ex_seqgan_generator(VOCAB, T, EX_WORDS_EMBED, EX_WORDS_HIDDEN, k == 1, B,
                                  k ? "g_step" : "g", o->seed + (uint64_t)k, &m[k]));
    CHECK(ex_seqgan_discriminator(VOCAB, T, 1, &one, &one, 1, 0.0f, B, "d", o->seed + 2,
                                  &m[2]));
    CHECK(gan_optimizer_adam_create(&opt[0], m[0], (float)EX_WORDS_G_LR, 0.9f, 0.999f,
                                    1e-8f));
    CHECK(gan_optimizer_adam_create(&opt[1], m[2], 1e-3f, 0.9f, 0.999f, 1e-8f));
    CHECK(gan_seqgan_create(&t, m[0], m[1], m[2], opt[0], opt[1], NULL));
    printf("mle: words_seqgan's generator, batch %d, T %d, V %d, E %d, H %d, Adam %g, "
           "clip 5\n", (int)B, (int)T, VOCAB, EX_WORDS_EMBED, EX_WORDS_HIDDEN, EX_WORDS_G_LR);
    CHECK(ex_bench_print_model(m[0], "G"));
    if (!(real = malloc((size_t)B * T * sizeof *real)))
        goto fail;
    srand((unsigned)o->seed);
    for (size_t i = 0; i < (size_t)B * T; i++)
        real[i] = rand() % VOCAB;
    for (long w = 0; w < o->warmup; w++)
        CHECK(gan_seqgan_mle_step(t, real, B, NULL));
    double rates[MAX_REPEATS], lo, hi;
    for (long r = 0; r < o->repeats; r++) {
        double start = seconds();
        for (long p = 0; p < o->passes; p++)
            CHECK(gan_seqgan_mle_step(t, real, B, NULL));
        rates[r] = (double)B * (double)o->passes / (seconds() - start);
    }
    const double rate = ex_bench_median(rates, o->repeats, &lo, &hi);
    printf("mle: %.0f sequences/s (median of %ld repeats of %ld steps; min %.0f, max "
           "%.0f)\n", rate, o->repeats, o->passes, lo, hi);
    rc = 0;
fail:
    gan_seqgan_destroy(t);
    for (int k = 0; k < 2; k++)
        gan_optimizer_destroy(opt[k]);
    for (int k = 0; k < 3; k++)
        gan_model_destroy(m[k]);
    free(real);
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_lstm [--part lstm|rollout|mle|all] [--threads N] [--blas-threads]\n"
            "                  [--repeats N] [--warmup N] [--passes N] [--seed N]\n"
            "                  [--batch N] [--steps T] [--embed E] [--hidden H[,H...]]\n"
            "                  [--vocab V] [--gen-hidden H] [--rollouts R]\n"
            "                  [--layout branch|wide]\n"
            "Time the LSTM layer (forward, forward+backward; tokens/s, median of the\n"
            "repeats), SeqGAN's Monte-Carlo rollouts of one batch with a generator\n"
            "stepped one token at a time (ms per batch) and SeqGAN's maximum-likelihood\n"
            "step with words_seqgan's generator (sequences/s). PyTorch twin: bench_lstm.py.\n"
            "  --part P       lstm, rollout, mle or all (default all)\n"
            "  --threads N    threads (default 1): libgan's pool, the BLAS single-threaded\n"
            "  --blas-threads put the threads in the BLAS instead (libgan's pool at 1)\n"
            "  --repeats N    timed repeats, 1 to %d (default 5)\n"
            "  --warmup N     untimed passes (rollout batches) first (default 2)\n"
            "  --passes N     LSTM passes (MLE steps) per timed repeat (default 20)\n"
            "  --seed N       initialisation and sampling seed (default 42)\n"
            "  --batch N      batch size (default 64; words_seqgan's for the MLE step)\n"
            "  --steps T      sequence length (default 20)\n"
            "  --embed E      LSTM input / embedding size (default 32)\n"
            "  --hidden LIST  LSTM sizes to time, up to %d (default 32,256)\n"
            "  --vocab V      generator vocabulary (default 5000)\n"
            "  --gen-hidden H generator LSTM size (default 32)\n"
            "  --rollouts R   rollouts per prefix (default 16)\n"
            "  --layout L     branch (default): an N-row model, the state set back to the\n"
            "                 prefix's before each rollout; wide: the R rollouts of a\n"
            "                 prefix together in an N*R-row model\n",
            MAX_REPEATS, MAX_HIDDEN_SIZES);
}

static int parse_hidden(bench_options *o, char *list)
{
    o->n_hidden = 0;
    for (char *s = list;;) {
        char *end = NULL;
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > 65536 || o->n_hidden == MAX_HIDDEN_SIZES)
            return -1;
        o->hidden[o->n_hidden++] = v;
        if (*end == '\0')
            return 0;
        if (*end != ',')
            return -1;
        s = end + 1;
    }
}

static int parse(bench_options *o, int argc, char **argv)
{
    static const struct option options[] = {
        {"part", required_argument, NULL, 'P'},    {"threads", required_argument, NULL, 't'},
        {"repeats", required_argument, NULL, 'r'}, {"warmup", required_argument, NULL, 'w'},
        {"passes", required_argument, NULL, 'p'},  {"seed", required_argument, NULL, 'S'},
        {"batch", required_argument, NULL, 'b'},   {"steps", required_argument, NULL, 'T'},
        {"embed", required_argument, NULL, 'E'},   {"hidden", required_argument, NULL, 'H'},
        {"vocab", required_argument, NULL, 'V'},   {"gen-hidden", required_argument, NULL, 'G'},
        {"rollouts", required_argument, NULL, 'R'}, {"layout", required_argument, NULL, 'L'},
        {"blas-threads", no_argument, NULL, 'B'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    for (int c; (c = getopt_long(argc, argv, "h", options, NULL)) != -1;) {
        char *end = NULL;
        switch (c) {
        case 'P':
            if (strcmp(optarg, "lstm") && strcmp(optarg, "rollout") && strcmp(optarg, "mle") &&
                strcmp(optarg, "all")) {
                fprintf(stderr, "bench_lstm: --part is lstm, rollout, mle or all, not '%s'\n",
                        optarg);
                return 2;
            }
            o->do_lstm = !strcmp(optarg, "lstm") || !strcmp(optarg, "all");
            o->do_rollout = !strcmp(optarg, "rollout") || !strcmp(optarg, "all");
            o->do_mle = !strcmp(optarg, "mle") || !strcmp(optarg, "all");
            break;
        case 'L':
            if (strcmp(optarg, "branch") && strcmp(optarg, "wide")) {
                fprintf(stderr, "bench_lstm: --layout is branch or wide, not '%s'\n", optarg);
                return 2;
            }
            o->wide = strcmp(optarg, "wide") == 0;
            break;
        case 'H':
            if (parse_hidden(o, optarg) != 0) {
                fprintf(stderr, "bench_lstm: --hidden takes up to %d sizes in [1, 65536] "
                        "separated by commas, not '%s'\n", MAX_HIDDEN_SIZES, optarg);
                return 2;
            }
            break;
        case 't': o->threads = strtol(optarg, &end, 10); break;
        case 'r': o->repeats = strtol(optarg, &end, 10); break;
        case 'w': o->warmup = strtol(optarg, &end, 10); break;
        case 'p': o->passes = strtol(optarg, &end, 10); break;
        case 'S': o->seed = strtoull(optarg, &end, 10); break;
        case 'b': o->batch = strtol(optarg, &end, 10); break;
        case 'T': o->steps = strtol(optarg, &end, 10); break;
        case 'E': o->embed = strtol(optarg, &end, 10); break;
        case 'V': o->vocab = strtol(optarg, &end, 10); break;
        case 'G': o->gen_hidden = strtol(optarg, &end, 10); break;
        case 'R': o->rollouts = strtol(optarg, &end, 10); break;
        case 'B': o->blas_only = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
        if (end && (*end || end == optarg)) {
            fprintf(stderr, "bench_lstm: '%s' is not a number\n", optarg);
            return 2;
        }
    }
    if (optind < argc || o->threads < 1 || o->threads > 256 || o->repeats < 1 ||
        o->repeats > MAX_REPEATS || o->warmup < 0 || o->passes < 1 || o->batch < 1 ||
        o->batch > 4096 || o->steps < 2 || o->steps > 1000 || o->embed < 1 ||
        o->embed > 65536 || o->vocab < 1 || o->vocab > 1000000 || o->gen_hidden < 1 ||
        o->gen_hidden > 65536 || o->rollouts < 1 || o->rollouts > 1024) {
        usage(stderr);
        return 2;
    }
    return -1;
}

int main(int argc, char **argv)
{
    bench_options o = {.batch = 64, .steps = 20, .embed = 32, .vocab = 5000, .rollouts = 16,
                       .threads = 1, .repeats = 5, .warmup = 2, .passes = 20,
                       .hidden = {32, 256}, .n_hidden = 2, .gen_hidden = 32, .seed = 42,
                       .do_lstm = 1, .do_rollout = 1, .do_mle = 1};
    int parsed = parse(&o, argc, argv);
    if (parsed >= 0)
        return parsed;
    gan_model_t *probe = NULL;
    gan_layer_t *layer = NULL;
    const int32_t one[1] = {1};
    /* Both levels set explicitly: gan_set_num_threads(1) alone would leave the BLAS at
     * the thread count it started with (all the cores, unless OPENBLAS_NUM_THREADS). */
    CHECK(gan_set_num_threads(o.blas_only ? 1 : (int32_t)o.threads));
    CHECK(gan_blas_set_num_threads(o.blas_only ? (int32_t)o.threads : 1));
    /* A model only to ask for the backend's name. */
    CHECK(gan_model_create(&probe, one, 1, NULL));
    CHECK(gan_layer_dense_create(&layer, 1, true));
    CHECK(gan_model_add(probe, layer));
    layer = NULL;
    CHECK(gan_model_build(probe, 1));
    ex_bench_print_machine(probe, o.threads,
                           o.blas_only ? "inside the BLAS" : "libgan's pool, BLAS single-threaded",
                           true);
    gan_model_destroy(probe);
    probe = NULL;
    for (long i = 0; o.do_lstm && i < o.n_hidden; i++)
        if (bench_layer(&o, o.hidden[i]) != 0)
            return 1;
    if (o.do_rollout && bench_rollout(&o) != 0)
        return 1;
    if (o.do_mle && bench_mle(&o) != 0)
        return 1;
    return 0;
fail:
    gan_layer_destroy(layer);
    gan_model_destroy(probe);
    return 1;
}
