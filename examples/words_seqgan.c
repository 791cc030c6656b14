/* words_seqgan: SeqGAN (Yu et al. 2017) on real text, character-level generation of
 * English words. Reads a word list (Debian's wamerican by default), keeps the lower-case
 * a-z words of 2..max letters, holds out a seeded tenth, pre-trains the generator by
 * maximum likelihood and the discriminator on real against generated words, then runs
 * adversarial rounds. Compares three generators on 10,000 generated words each: after
 * MLE, MLE continued for the adversarial phase's CPU time (the fair baseline), and
 * SeqGAN: the share of real words, of real words not in the training part, the
 * per-token NLL of the held-out words and the distinct words. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <gan/gan.h>

#include "common/flags.h"
#include "common/rng.h"
#include "common/seqgan_models.h"
#include "common/word_list.h"
#include "common/words_flags.h"

#define PROG "words_seqgan"
#define SHOWN 20    /* generated words printed per row */

/* The discriminator's widths and filters before --d-filter-scale: the paper's widths up
 * to 10 with its filter counts (seqgan_models.h); a word is at most T tokens. */
static const int32_t d_widths[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
static const int32_t d_filters[] = {100, 200, 200, 200, 200, 100, 100, 100, 100, 100};

typedef ex_words_config config;

/* What a generator's 10,000 words give. */
typedef struct scores {
    double real, fresh, nll, distinct;
    char shown[SHOWN][MAX_LEN + 2];
    int shown_kind[SHOWN]; /* 0 not a word, 1 a training word, 2 a held-out word */
} scores;

typedef struct run {
    config c;
    ex_words w;
    gan_model_t *g, *g_step, *d;
    gan_optimizer_t *g_opt, *d_opt;
    gan_seqgan_t *t;
    FILE *metrics;
    int32_t *batch_ids, *perm, *gen; /* a real batch; an epoch's order; generated words */
    int64_t perm_epoch;
    uint64_t m, dk, p; /* MLE steps, D steps and adversarial rounds done */
    double t0;
} run;

#define CHECK(call)                                                                 \
    do {                                                                            \
        gan_status st_ = (call);                                                    \
        if (st_ != GAN_OK) {                                                        \
            fprintf(stderr, PROG ": %s (%s)\n", gan_last_error(),                   \
                    gan_status_string(st_));                                        \
            return 1;                                                               \
        }                                                                           \
    } while (0)

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The process's CPU time, every thread's: the phases' cost on a shared machine. */
static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ------------------------------------------------------------------ models */

static int build(run *r)
{
    const config *c = &r->c;
    const int32_t T = r->w.T;
    CHECK(ex_seqgan_generator(VOCAB, T, c->embed, c->hidden, false, c->batch, "g",
                              c->seed + 100, &r->g));
    CHECK(ex_seqgan_generator(VOCAB, T, c->embed, c->hidden, true, c->batch, "g_step",
                              c->seed + 101, &r->g_step));
    enum { NW = sizeof d_widths / sizeof d_widths[0] };
    int32_t widths[NW], filters[NW], n = 0, total = 0;
    for (int i = 0; i < NW; i++)
        if (d_widths[i] <= T) {
            widths[n] = d_widths[i];
            filters[n] = (int32_t)(d_filters[i] * c->d_filter_scale + 0.5);
            filters[n] = filters[n] < 1 ? 1 : filters[n];
            total += filters[n++];
        }
    CHECK(ex_seqgan_discriminator(VOCAB, T, c->d_embed, widths, filters, n, 0.25f,
                                  c->batch, "d", c->seed + 102, &r->d));
    CHECK(gan_optimizer_adam_create(&r->g_opt, r->g, (float)c->g_lr, 0.9f, 0.999f, 1e-8f));
    CHECK(gan_optimizer_adam_create(&r->d_opt, r->d, (float)c->d_lr, 0.9f, 0.999f, 1e-8f));
    gan_seqgan_options_t o;
    CHECK(gan_seqgan_options_init(&o, sizeof o));
    o.rollouts = c->rollouts;
    o.temperature = (float)c->temperature;
    o.start_token = END;
    o.seed = c->seed + 200;
    o.baseline = c->reward_baseline;
    CHECK(gan_seqgan_create(&r->t, r->g, r->g_step, r->d, r->g_opt, r->d_opt, &o));
    printf("G: embedding %d, LSTM %d, Dense %d; D: embedding %d, widths 1..%d, %d "
           "filters, highway, dropout 0.25; batch %d, %d rollouts, backend %s (kernels: %s), "
           "%d threads\n", (int)c->embed, (int)c->hidden, VOCAB, (int)c->d_embed,
           (int)widths[n - 1], (int)total, (int)c->batch, (int)c->rollouts,
           gan_blas_default_backend(), gan_blas_kernels(), (int)c->threads);
    return 0;
}

/* The checkpoints' data position: MLE batches (bits 0..23), D batches (24..47) and
 * adversarial rounds (48..63) done; the flags' ranges keep each in its field. */
static uint64_t position(const run *r)
{
    return r->m | r->dk << 24 | r->p << 48;
}

static int save(run *r, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", r->c.out, name);
    CHECK(gan_seqgan_set_data_position(r->t, position(r)));
    CHECK(gan_seqgan_save(r->t, path));
    return 0;
}

static int load(run *r, const char *path)
{
    uint64_t pos;
    CHECK(gan_seqgan_load(r->t, path));
    CHECK(gan_seqgan_get_data_position(r->t, &pos));
    r->m = pos & 0xffffff;
    r->dk = pos >> 24 & 0xffffff;
    r->p = pos >> 48;
    return 0;
}

/* ------------------------------------------------------------------ data order */

/* MLE step k reads batch k % E of epoch k / E (E batches an epoch), each epoch in its
 * own seeded order: any step's batch is known without replaying the ones before. */
static const int32_t *mle_batch(run *r, uint64_t k)
{
    const int32_t B = r->c.batch, n = r->w.n_train, T = r->w.T;
    const uint64_t per_epoch = (uint64_t)(n / B), epoch = k / per_epoch;
    if ((int64_t)epoch != r->perm_epoch) {
        uint64_t state = r->c.seed * 0x9E3779B97F4A7C15ull ^ (epoch + 1) * 0xD1B54A32D192ED03ull;
        for (int32_t i = 0; i < n; i++)
            r->perm[i] = i;
        for (int32_t i = n - 1; i > 0; i--) {
            const int32_t j = (int32_t)(ex_splitmix64(&state) % (uint64_t)(i + 1));
            const int32_t x = r->perm[i];
            r->perm[i] = r->perm[j], r->perm[j] = x;
        }
        r->perm_epoch = (int64_t)epoch;
    }
    const int32_t *slot = r->perm + (k % per_epoch) * (uint64_t)B;
    for (int32_t b = 0; b < B; b++)
        memcpy(r->batch_ids + (size_t)b * T, r->w.train + (size_t)slot[b] * T,
               (size_t)T * sizeof *r->batch_ids);
    return r->batch_ids;
}

/* D step k's real batch: B training words drawn with the step's own seed. */
static const int32_t *d_batch(run *r, uint64_t k)
{
    const int32_t B = r->c.batch, T = r->w.T;
    uint64_t state = r->c.seed * 0xA24BAED4963EE407ull ^ (k + 1) * 0x9FB21C651E98DF25ull;
    for (int32_t b = 0; b < B; b++) {
        const uint64_t i = ex_splitmix64(&state) % (uint64_t)r->w.n_train;
        memcpy(r->batch_ids + (size_t)b * T, r->w.train + i * T,
               (size_t)T * sizeof *r->batch_ids);
    }
    return r->batch_ids;
}

/* ------------------------------------------------------------------ evaluation */

/* n words from G's current weights, through G_step with its own generator (seeded from
 * @p seed), so that evaluating leaves the trainer's random state alone. */
static int generate(run *r, int32_t n, uint64_t seed)
{
    float *pg, *ps;
    size_t ng, ns;
    gan_rng_t *rng;
    CHECK(gan_model_get_params(r->g, &pg, &ng));
    CHECK(gan_model_get_params(r->g_step, &ps, &ns));
    memcpy(ps, pg, ng * sizeof *pg);
    CHECK(gan_rng_create(&rng, seed));
    const gan_status st = gan_sequence_sample(r->g_step, rng, END, (float)r->c.temperature,
                                              r->w.T, n, r->gen);
    gan_rng_destroy(rng);
    CHECK(st);
    return 0;
}

static int score(run *r, int32_t n, uint64_t seed, scores *s)
{
    const ex_words *w = &r->w;
    if (generate(r, n, seed))
        return 1;
    uint64_t *codes = malloc((size_t)n * sizeof *codes);
    if (!codes)
        return fprintf(stderr, PROG ": out of memory\n"), 1;
    int32_t real = 0, fresh = 0;
    for (int32_t i = 0; i < n; i++) {
        char *text = i < SHOWN ? s->shown[i] : NULL;
        const int32_t len = ex_word_of(r->gen + (size_t)i * w->T, w->T, text, &codes[i]);
        const bool held = len <= r->c.max_len && ex_words_contains(w->held_codes, w->n_held, codes[i]);
        const bool trained = !held && len <= r->c.max_len &&
                             ex_words_contains(w->train_codes, w->n_train, codes[i]);
        real += held || trained;
        fresh += held;
        if (text)
            s->shown_kind[i] = held ? 2 : trained ? 1 : 0;
    }
    qsort(codes, (size_t)n, sizeof *codes, ex_cmp_u64);
    int32_t distinct = 0;
    for (int32_t i = 0; i < n; i++)
        distinct += i == 0 || codes[i] != codes[i - 1];
    free(codes);
    s->real = (double)real / n;
    s->fresh = (double)fresh / n;
    s->distinct = distinct;
    CHECK(gan_sequence_nll(r->g, END, w->held, w->n_held, &s->nll));
    return 0;
}

static void print_scores(const char *name, const scores *s, int32_t n, int32_t T)
{
    printf("%-14s real %6.2f %%  new real %5.2f %%  held-out NLL %.4f/token (%.2f/word)  "
           "distinct %5.0f of %d\n  ", name, 100 * s->real, 100 * s->fresh, s->nll,
           s->nll * T, s->distinct, (int)n);
    for (int i = 0; i < SHOWN && i < n; i++)
        printf("%s%s%s", s->shown[i], s->shown_kind[i] == 2 ? "+" : s->shown_kind[i] ? "*" : "",
               i + 1 < SHOWN && i + 1 < n ? " " : "\n");
}

/* A progress line: held-out NLL and the real share of 1,000 words. */
static int progress(run *r, const char *what)
{
    scores s;
    if (score(r, r->c.eval < 1000 ? r->c.eval : 1000, r->c.seed ^ 0x9e57, &s))
        return 1;
    printf("%s: held-out NLL %.4f, real %.1f %%, new real %.1f %%, distinct %.0f  "
           "[%.0f s]\n", what, s.nll, 100 * s.real, 100 * s.fresh, s.distinct,
           wall() - r->t0);
    return 0;
}

/* ------------------------------------------------------------------ training */

static void row(run *r, const char *phase, uint64_t step, const gan_seqgan_stats_t *s,
                double seconds)
{
    fprintf(r->metrics, "%s,%llu,%.6g,%.6g,%.4g,%.4g,%.4g,%.4g,%.4f\n", phase,
            (unsigned long long)step, s->g_loss, s->d_loss, s->d_real, s->d_fake,
            s->reward, s->grad_norm, seconds);
}

static int pretrain(run *r)
{
    const config *c = &r->c;
    const uint64_t per_epoch = (uint64_t)(r->w.n_train / c->batch);
    const uint64_t total = per_epoch * (uint64_t)c->mle_epochs;
    gan_seqgan_stats_t s = {.struct_size = sizeof s};
    double sum = 0.0;
    int32_t summed = 0;
    while (r->m < total) {
        const double c0 = cpu();
        CHECK(gan_seqgan_mle_step(r->t, mle_batch(r, r->m), c->batch, &s));
        row(r, "mle", ++r->m, &s, cpu() - c0);
        sum += s.g_loss;
        summed++;
        if (r->m % per_epoch == 0) {
            char what[96];
            snprintf(what, sizeof what, "MLE epoch %llu/%d: train NLL %.4f",
                     (unsigned long long)(r->m / per_epoch), (int)c->mle_epochs,
                     sum / summed);
            sum = 0.0, summed = 0;
            if (progress(r, what) || save(r, "checkpoint.gan"))
                return 1;
        }
    }
    if (r->p > 0)
        return 0; /* resumed in the adversarial rounds */
    const double w0 = wall();
    while (r->dk < (uint64_t)c->d_pretrain) {
        const double c0 = cpu();
        CHECK(gan_seqgan_d_step(r->t, d_batch(r, r->dk), c->batch, &s));
        row(r, "d", ++r->dk, &s, cpu() - c0);
    }
    printf("D pre-training: %d steps, loss %.4f (real %.3f, fake %.3f)  [%.0f s]\n",
           (int)c->d_pretrain, s.d_loss, s.d_real, s.d_fake, wall() - w0);
    return save(r, "pretrained.gan") || save(r, "checkpoint.gan");
}

static int adversarial(run *r)
{
    const config *c = &r->c;
    gan_seqgan_stats_t s = {.struct_size = sizeof s}, pg = s;
    /* A fresh Adam for the policy gradient, as the reference's separate optimizer: the
     * second moments of pre-training's far larger gradients would shrink its steps. A
     * resumed run has the fresh one's state from its checkpoint. */
    if (r->p == 0 && !c->keep_adam)
        CHECK(gan_optimizer_reset(r->g_opt));
    CHECK(gan_optimizer_set(r->g_opt, GAN_OPT_LEARNING_RATE, c->pg_lr));
    for (; r->p < (uint64_t)c->adv_rounds;) {
        const double c0 = cpu();
        CHECK(gan_seqgan_pg_step(r->t, c->batch, &pg));
        for (int32_t k = 0; k < c->d_steps; k++, r->dk++)
            CHECK(gan_seqgan_d_step(r->t, d_batch(r, r->dk), c->batch, &s));
        pg.d_loss = s.d_loss, pg.d_real = s.d_real, pg.d_fake = s.d_fake;
        row(r, "adv", ++r->p, &pg, cpu() - c0);
        if (r->p % 10 == 0 || r->p == (uint64_t)c->adv_rounds) {
            char what[128];
            snprintf(what, sizeof what, "adversarial round %llu/%d: reward %.3f, D real "
                     "%.3f fake %.3f", (unsigned long long)r->p, (int)c->adv_rounds,
                     pg.reward, s.d_real, s.d_fake);
            if (progress(r, what) || save(r, "checkpoint.gan"))
                return 1;
        }
    }
    return 0;
}

/* The adversarial rounds' CPU seconds from metrics.csv (the last row of each round, so
 * rounds run again after a resume count once). */
static double adversarial_seconds(run *r)
{
    char path[4096], line[512];
    snprintf(path, sizeof path, "%s/metrics.csv", r->c.out);
    double *round = calloc((size_t)r->c.adv_rounds + 1, sizeof *round), sum = 0.0;
    FILE *f = fopen(path, "r");
    if (f && round)
        while (fgets(line, sizeof line, f)) {
            unsigned long long k;
            double sec;
            if (sscanf(line, "adv,%llu,%*[^,],%*[^,],%*[^,],%*[^,],%*[^,],%*[^,],%lf", &k,
                       &sec) == 2 && k >= 1 && k <= (unsigned long long)r->c.adv_rounds)
                round[k] = sec;
        }
    for (int32_t k = 1; round && k <= r->c.adv_rounds; k++)
        sum += round[k];
    if (f)
        fclose(f);
    free(round);
    return sum;
}

/* From the pre-trained state, maximum likelihood on, for --baseline-steps steps or the
 * adversarial rounds' CPU time. */
static int baseline(run *r, char *pretrained)
{
    const config *c = &r->c;
    const double budget = adversarial_seconds(r);
    const uint64_t rounds = r->p;
    if (load(r, pretrained))
        return 1;
    gan_seqgan_stats_t s = {.struct_size = sizeof s};
    double spent = 0.0;
    int64_t steps = 0;
    while (c->baseline_steps >= 0 ? steps < c->baseline_steps : spent < budget) {
        const double c0 = cpu();
        CHECK(gan_seqgan_mle_step(r->t, mle_batch(r, r->m), c->batch, &s));
        const double sec = cpu() - c0;
        spent += sec;
        row(r, "baseline", (uint64_t)++steps, &s, sec);
        r->m++;
    }
    printf("MLE baseline: %lld more steps in %.0f CPU s (the %llu adversarial rounds: "
           "%.0f CPU s)\n", (long long)steps, spent, (unsigned long long)rounds, budget);
    return save(r, "baseline.gan");
}

static int write_samples(run *r)
{
    const config *c = &r->c;
    if (generate(r, c->samples, c->seed ^ 0x5a3b1e5ull))
        return 1;
    FILE *f = fopen(c->samples_out, "w");
    if (!f)
        return fprintf(stderr, PROG ": cannot write %s: %s\n", c->samples_out,
                       strerror(errno)), 1;
    char text[MAX_LEN + 2];
    uint64_t code;
    for (int32_t i = 0; i < c->samples; i++) {
        ex_word_of(r->gen + (size_t)i * r->w.T, r->w.T, text, &code);
        fprintf(f, "%s\n", text);
    }
    if (fclose(f) != 0)
        return fprintf(stderr, PROG ": writing %s failed\n", c->samples_out), 1;
    printf("%d words of the SeqGAN generator in %s\n", (int)c->samples, c->samples_out);
    return 0;
}

/* The three rows, each from its checkpoint, on the same sampling seed. */
static int report(run *r, char *pretrained, char *final)
{
    const config *c = &r->c;
    static const char *const names[3] = {"after MLE", "MLE continued", "SeqGAN"};
    char path[4096];
    snprintf(path, sizeof path, "%s/baseline.gan", c->out);
    char *const files[3] = {pretrained, path, final};
    scores s[3];
    for (int i = 0; i < 3; i++)
        if (load(r, files[i]) || score(r, c->eval, c->seed ^ 0xe7a1, &s[i]))
            return 1;
    snprintf(path, sizeof path, "%s/results.csv", c->out);
    FILE *f = fopen(path, "w");
    if (!f)
        return fprintf(stderr, PROG ": cannot write %s\n", path), 1;
    fprintf(f, "row,real,new_real,heldout_nll_token,distinct,words\n");
    printf("\n%d generated words per row (* a training word, + a held-out word):\n",
           (int)c->eval);
    for (int i = 0; i < 3; i++) {
        print_scores(names[i], &s[i], c->eval, r->w.T);
        fprintf(f, "%s,%.4f,%.4f,%.4f,%.0f,%d\n", names[i], s[i].real, s[i].fresh,
                s[i].nll, s[i].distinct, (int)c->eval);
    }
    if (fclose(f) != 0)
        return fprintf(stderr, PROG ": writing %s failed\n", path), 1;
    if (c->samples_out && write_samples(r))
        return 1;
    printf("words real=%.4f,%.4f,%.4f new=%.4f,%.4f,%.4f nll=%.4f,%.4f,%.4f "
           "distinct=%.0f,%.0f,%.0f\n", s[0].real, s[1].real, s[2].real, s[0].fresh,
           s[1].fresh, s[2].fresh, s[0].nll, s[1].nll, s[2].nll, s[0].distinct,
           s[1].distinct, s[2].distinct);
    return 0;
}

static int train(run *r)
{
    const config *c = &r->c;
    const size_t T = (size_t)r->w.T;
    const int32_t n_gen = c->eval > c->samples ? c->eval : c->samples;
    r->batch_ids = malloc((size_t)c->batch * T * sizeof *r->batch_ids);
    r->perm = malloc((size_t)r->w.n_train * sizeof *r->perm);
    r->gen = malloc((size_t)(n_gen > 1000 ? n_gen : 1000) * T * sizeof *r->gen);
    r->perm_epoch = -1;
    if (!r->batch_ids || !r->perm || !r->gen)
        return fprintf(stderr, PROG ": out of memory\n"), 1;
    if (mkdir(c->out, 0777) != 0 && errno != EEXIST)
        return fprintf(stderr, PROG ": cannot create %s: %s\n", c->out, strerror(errno)), 1;
    char pretrained[4096], final[4096], metrics[4096];
    snprintf(pretrained, sizeof pretrained, "%s/pretrained.gan", c->out);
    snprintf(final, sizeof final, "%s/checkpoint.gan", c->out);
    snprintf(metrics, sizeof metrics, "%s/metrics.csv", c->out);
    if (c->resume) {
        if (load(r, c->resume))
            return 1;
        CHECK(gan_optimizer_set(r->d_opt, GAN_OPT_LEARNING_RATE, c->d_lr));
        printf("resumed from %s: %llu MLE steps, %llu D steps, %llu adversarial rounds "
               "done\n", c->resume, (unsigned long long)r->m, (unsigned long long)r->dk,
               (unsigned long long)r->p);
    }
    r->metrics = fopen(metrics, c->resume ? "a" : "w");
    if (!r->metrics)
        return fprintf(stderr, PROG ": cannot write %s: %s\n", metrics, strerror(errno)), 1;
    if (!c->resume)
        fprintf(r->metrics, "phase,step,g_loss,d_loss,d_real,d_fake,reward,grad_norm,"
                            "cpu_seconds\n");
    const double c0 = cpu();
    if (!c->resume && progress(r, "untrained G"))
        return 1;
    if (pretrain(r))
        return 1;
    const double a0 = wall(), ac0 = cpu();
    if (adversarial(r))
        return 1;
    printf("adversarial phase: %.0f s wall, %.0f s CPU in this run\n", wall() - a0,
           cpu() - ac0);
    if (save(r, "checkpoint.gan") || fflush(r->metrics) || baseline(r, pretrained) ||
        report(r, pretrained, final))
        return 1;
    printf("total %.0f s wall, %.0f s CPU\n", wall() - r->t0, cpu() - c0);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* progress lines as they come, also into a file */
    run r = {.t0 = wall()};
    int status = ex_words_parse(&r.c, argc, argv);
    if (status)
        return status < 0 ? 0 : status;
    if (gan_set_num_threads(r.c.threads) != GAN_OK)
        return fprintf(stderr, PROG ": %s\n", gan_last_error()), 1;
    status = ex_words_load(&r.w, r.c.words, r.c.max_len, r.c.batch, r.c.seed, PROG);
    if (!status)
        status = build(&r);
    if (!status)
        status = train(&r);
    if (r.metrics && fclose(r.metrics) != 0 && !status) {
        fprintf(stderr, PROG ": writing metrics.csv failed\n");
        status = 1;
    }
    gan_seqgan_destroy(r.t);
    gan_optimizer_destroy(r.g_opt);
    gan_optimizer_destroy(r.d_opt);
    gan_model_destroy(r.g);
    gan_model_destroy(r.g_step);
    gan_model_destroy(r.d);
    ex_words_free(&r.w);
    free(r.batch_ids);
    free(r.perm);
    free(r.gen);
    return status;
}
