/* seqgan_oracle: the synthetic-data experiment of SeqGAN (Yu et al. 2017, section 5 and
 * table 1) with libgan's SeqGAN trainer. An "oracle" LSTM with every weight drawn from
 * N(0, 1) (vocabulary 5,000, 20 tokens, embedding and hidden 32) samples 10,000 real
 * sequences; a generator of the same shape is pre-trained on them by maximum likelihood,
 * the discriminator is pre-trained, and then adversarial rounds run (a policy-gradient
 * step of G, then D steps on fresh samples). From the pre-trained state saved in a
 * checkpoint, the MLE row trains on by maximum likelihood for the CPU time the
 * adversarial phase took (CPU time, not wall time: a shared machine slows both alike
 * only by luck). Every row is the NLL-oracle: the oracle's mean per-token
 * negative log-likelihood of 10,000 sequences sampled from the generator. The last line
 * is for scripts: nll_oracle floor=... random=... mle=... seqgan=... */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gan/gan.h>

#include "common/rng.h"
#include "common/seqgan_models.h"

#define CHECK(call)                                                                 \
    do {                                                                            \
        gan_status st_ = (call);                                                    \
        if (st_ != GAN_OK) {                                                        \
            fprintf(stderr, "seqgan_oracle: %s (%s)\n", gan_last_error(),           \
                    gan_status_string(st_));                                        \
            exit(1);                                                                \
        }                                                                           \
    } while (0)

/* The discriminator's default widths and filters: the paper's widths up to 20, with a
 * fifth of its 1,720 filters (see doc/EXAMPLES.md). */
static const int32_t d_widths[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20};
static const int32_t d_filters[] = {20, 40, 40, 40, 40, 20, 20, 20, 20, 20, 32, 32};

typedef struct config {
    uint64_t seed;
    int32_t threads, vocab, steps, embed, hidden, n_real, n_eval, batch, rollouts;
    int32_t pretrain_epochs, d_pretrain, adv_rounds, d_steps, d_embed;
    double d_filter_scale;
    float g_lr, d_lr, pg_lr; /* pg_lr 0: G keeps g_lr in the adversarial rounds */
    bool baseline, fresh_adam;
    const char *pretrained; /* loaded when it exists, else written after G's pre-training */
} config;

static double seconds(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double now(void)
{
    return seconds(CLOCK_MONOTONIC);
}

/* The budget clock: the CPU time of every thread of the process, so that the MLE row
 * gets the computation the adversarial phase used even on a shared machine. */
static double cpu_now(void)
{
    return seconds(CLOCK_PROCESS_CPUTIME_ID);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: seqgan_oracle [--seed S] [--threads N] [--pretrain-epochs E]\n"
            "         [--d-pretrain STEPS] [--adv-rounds R] [--d-steps K] [--rollouts N]\n"
            "         [--batch B] [--real N] [--eval N] [--d-filter-scale X]\n"
            "         [--g-lr LR] [--d-lr LR] [--pg-lr LR] [--reward-baseline]\n"
            "         [--keep-adam]\n"
            "         [--pretrained FILE]\n");
    exit(2);
}

static config parse(int argc, char **argv)
{
    config c = {.seed = 1, .threads = 2, .vocab = 5000, .steps = 20, .embed = 32,
                .hidden = 32, .n_real = 10000, .n_eval = 10000, .batch = 64,
                .rollouts = 16, .pretrain_epochs = 40, .d_pretrain = 500,
                .adv_rounds = 30, .d_steps = 15, .fresh_adam = true, .d_embed = 64,
                .d_filter_scale = 1.0, .g_lr = 0.01f, .d_lr = 1e-4f};
    static const struct option opts[] = {
        {"seed", 1, 0, 's'}, {"threads", 1, 0, 't'}, {"pretrain-epochs", 1, 0, 'p'},
        {"d-pretrain", 1, 0, 'q'}, {"adv-rounds", 1, 0, 'a'}, {"d-steps", 1, 0, 'k'},
        {"rollouts", 1, 0, 'r'}, {"batch", 1, 0, 'b'}, {"real", 1, 0, 'n'},
        {"eval", 1, 0, 'e'}, {"d-filter-scale", 1, 0, 'f'}, {"g-lr", 1, 0, 'g'},
        {"d-lr", 1, 0, 'd'}, {"pg-lr", 1, 0, 'l'}, {"reward-baseline", 0, 0, 'B'},
        {"keep-adam", 0, 0, 'A'},
        {"pretrained", 1, 0, 'P'}, {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 's': c.seed = strtoull(optarg, NULL, 10); break;
        case 't': c.threads = atoi(optarg); break;
        case 'p': c.pretrain_epochs = atoi(optarg); break;
        case 'q': c.d_pretrain = atoi(optarg); break;
        case 'a': c.adv_rounds = atoi(optarg); break;
        case 'k': c.d_steps = atoi(optarg); break;
        case 'r': c.rollouts = atoi(optarg); break;
        case 'b': c.batch = atoi(optarg); break;
        case 'n': c.n_real = atoi(optarg); break;
        case 'e': c.n_eval = atoi(optarg); break;
        case 'f': c.d_filter_scale = atof(optarg); break;
        case 'g': c.g_lr = (float)atof(optarg); break;
        case 'd': c.d_lr = (float)atof(optarg); break;
        case 'l': c.pg_lr = (float)atof(optarg); break;
        case 'B': c.baseline = true; break;
        case 'A': c.fresh_adam = false; break;
        case 'P': c.pretrained = optarg; break;
        default: usage();
        }
    }
    if (optind != argc || c.threads < 1 || c.pretrain_epochs < 0 || c.d_pretrain < 0 ||
        c.adv_rounds < 1 || c.d_steps < 0 || c.rollouts < 1 || c.batch < 1 ||
        c.n_real < c.batch || c.n_eval < 1 || !(c.d_filter_scale > 0) || c.pg_lr < 0)
        usage();
    return c;
}

/* Every parameter of @p m N(0, 1), the paper's oracle. */
static void normal_params(gan_model_t *m, uint64_t seed)
{
    float *p;
    size_t n;
    gan_rng_t *rng;
    CHECK(gan_model_get_params(m, &p, &n));
    CHECK(gan_rng_create(&rng, seed));
    CHECK(gan_latent_sample(rng, GAN_LATENT_GAUSSIAN, 1, (int32_t)n, p));
    gan_rng_destroy(rng);
}

/* The oracle's NLL of n_eval sequences sampled from the trainer's G. */
static double nll_oracle(gan_seqgan_t *t, gan_model_t *oracle, int32_t *buf, int32_t n)
{
    double nll;
    CHECK(gan_seqgan_sample(t, n, buf));
    CHECK(gan_sequence_nll(oracle, 0, buf, n, &nll));
    return nll;
}

/* G's own mean NLL per token of held-out oracle sequences (NLL-test): NLL-oracle rewards
 * a G that samples only the oracle's likeliest sequences; this one punishes it. */
static double nll_test(gan_model_t *g, const int32_t *heldout, int32_t n)
{
    double nll;
    CHECK(gan_sequence_nll(g, 0, heldout, n, &nll));
    return nll;
}

/* The NLL-oracle of G sampled at a lower temperature: how far sharpening G's
 * distribution alone goes, without a discriminator (G_step gets G's parameters). */
static double nll_oracle_at(gan_model_t *g, gan_model_t *g_step, gan_model_t *oracle,
                            float temperature, uint64_t seed, int32_t *buf, const config *c)
{
    float *pg, *ps;
    size_t ng, ns;
    CHECK(gan_model_get_params(g, &pg, &ng));
    CHECK(gan_model_get_params(g_step, &ps, &ns));
    memcpy(ps, pg, ng * sizeof *pg);
    gan_rng_t *rng;
    CHECK(gan_rng_create(&rng, seed));
    CHECK(gan_sequence_sample(g_step, rng, 0, temperature, c->steps, c->n_eval, buf));
    gan_rng_destroy(rng);
    double nll;
    CHECK(gan_sequence_nll(oracle, 0, buf, c->n_eval, &nll));
    return nll;
}

/* One epoch of maximum likelihood over the real data in a shuffled batch order; stops
 * early (returning the steps made) once the CPU clock passes @p deadline when it is > 0. */
static int32_t mle_epoch(gan_seqgan_t *t, const int32_t *real, const config *c,
                         uint64_t *order, double deadline, double *loss)
{
    const int32_t batches = c->n_real / c->batch;
    int32_t steps = 0;
    gan_seqgan_stats_t s = {.struct_size = sizeof s};
    int32_t *perm = malloc((size_t)batches * sizeof *perm);
    if (!perm)
        exit(1);
    for (int32_t i = 0; i < batches; i++)
        perm[i] = i;
    for (int32_t i = batches - 1; i > 0; i--) {
        const int32_t j = (int32_t)(ex_splitmix64(order) % (uint64_t)(i + 1));
        const int32_t x = perm[i];
        perm[i] = perm[j], perm[j] = x;
    }
    double sum = 0.0;
    for (int32_t i = 0; i < batches && !(deadline > 0 && cpu_now() >= deadline); i++) {
        CHECK(gan_seqgan_mle_step(t, real + (size_t)perm[i] * c->batch * c->steps, c->batch,
                                  &s));
        sum += s.g_loss;
        steps++;
    }
    free(perm);
    *loss = steps ? sum / steps : 0.0;
    return steps;
}

/* K discriminator steps on random real batches against fresh samples. */
static void d_steps(gan_seqgan_t *t, const int32_t *real, const config *c, int32_t k,
                    uint64_t *order, gan_seqgan_stats_t *s)
{
    const int32_t batches = c->n_real / c->batch;
    for (int32_t i = 0; i < k; i++) {
        const int32_t b = (int32_t)(ex_splitmix64(order) % (uint64_t)batches);
        CHECK(gan_seqgan_d_step(t, real + (size_t)b * c->batch * c->steps, c->batch, s));
    }
}

/* G by maximum likelihood for the pre-training epochs. */
static void pretrain(gan_seqgan_t *t, gan_model_t *oracle, const int32_t *real, int32_t *buf,
                     const config *c, uint64_t *order, double t0)
{
    double loss = 0.0;
    for (int32_t e = 0; e < c->pretrain_epochs; e++) {
        mle_epoch(t, real, c, order, 0.0, &loss);
        if ((e + 1) % 5 == 0 || e + 1 == c->pretrain_epochs)
            printf("pre-training epoch %d: NLL of the real data %.4f, nll_oracle %.4f  "
                   "[%.0f s]\n", (int)(e + 1), loss,
                   nll_oracle(t, oracle, buf, c->n_eval < 2000 ? c->n_eval : 2000),
                   now() - t0);
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* progress lines as they come, also into a file */
    const config c = parse(argc, argv);
    CHECK(gan_set_num_threads(c.threads));
    const double t0 = now();
    const size_t T = (size_t)c.steps;
    uint64_t order = c.seed * 0x9E3779B97F4A7C15ull + 7;

    /* The oracle and its real data. */
    gan_model_t *oracle, *oracle_step;
    CHECK(ex_seqgan_generator(c.vocab, c.steps, c.embed, c.hidden, false, c.batch, "oracle",
                              c.seed, &oracle));
    CHECK(ex_seqgan_generator(c.vocab, c.steps, c.embed, c.hidden, true, c.batch,
                              "oracle_step", c.seed, &oracle_step));
    normal_params(oracle, c.seed * 1000003u + 1);
    float *po, *ps;
    size_t no, ns;
    CHECK(gan_model_get_params(oracle, &po, &no));
    CHECK(gan_model_get_params(oracle_step, &ps, &ns));
    memcpy(ps, po, no * sizeof *po);
    int32_t *real = malloc((size_t)c.n_real * T * sizeof *real);
    int32_t *buf = malloc((size_t)c.n_eval * T * sizeof *buf);
    int32_t *heldout = malloc((size_t)c.n_eval * T * sizeof *heldout);
    if (!real || !buf || !heldout)
        return 1;
    gan_rng_t *rng;
    CHECK(gan_rng_create(&rng, c.seed + 17));
    CHECK(gan_sequence_sample(oracle_step, rng, 0, 1.0f, c.steps, c.n_real, real));
    CHECK(gan_sequence_sample(oracle_step, rng, 0, 1.0f, c.steps, c.n_eval, heldout));
    double floor_nll;
    CHECK(gan_sequence_nll(oracle, 0, real, c.n_real, &floor_nll));
    printf("oracle: V %d, T %d, E = H = %d, weights N(0, 1), seed %llu; %d real sequences; "
           "floor (its NLL of its samples) %.4f  [%.0f s]\n", (int)c.vocab, (int)c.steps,
           (int)c.embed, (unsigned long long)c.seed, (int)c.n_real, floor_nll, now() - t0);

    /* G, its sampler, D and the trainer. */
    gan_model_t *g, *g_step, *d;
    CHECK(ex_seqgan_generator(c.vocab, c.steps, c.embed, c.hidden, false, c.batch, "g",
                              c.seed + 100, &g));
    CHECK(ex_seqgan_generator(c.vocab, c.steps, c.embed, c.hidden, true, c.batch, "g_step",
                              c.seed + 101, &g_step));
    enum { NW = sizeof d_widths / sizeof d_widths[0] };
    int32_t widths[NW], filters[NW], n_widths = 0, total = 0;
    for (int i = 0; i < NW; i++)
        if (d_widths[i] <= c.steps) {
            widths[n_widths] = d_widths[i];
            filters[n_widths] = (int32_t)(d_filters[i] * c.d_filter_scale + 0.5);
            if (filters[n_widths] < 1)
                filters[n_widths] = 1;
            total += filters[n_widths++];
        }
    CHECK(ex_seqgan_discriminator(c.vocab, c.steps, c.d_embed, widths, filters, n_widths,
                                  0.25f, c.batch, "d", c.seed + 102, &d));
    gan_optimizer_t *g_opt, *d_opt;
    CHECK(gan_optimizer_adam_create(&g_opt, g, c.g_lr, 0.9f, 0.999f, 1e-8f));
    CHECK(gan_optimizer_adam_create(&d_opt, d, c.d_lr, 0.9f, 0.999f, 1e-8f));
    gan_seqgan_options_t o;
    CHECK(gan_seqgan_options_init(&o, sizeof o));
    o.rollouts = c.rollouts;
    o.seed = c.seed + 200;
    o.baseline = c.baseline;
    gan_seqgan_t *t;
    CHECK(gan_seqgan_create(&t, g, g_step, d, g_opt, d_opt, &o));
    printf("D: embedding %d, %d widths up to %d, %d filters, highway, dropout 0.25\n",
           (int)c.d_embed, (int)n_widths, (int)widths[n_widths - 1], (int)total);

    const double random_nll = nll_oracle(t, oracle, buf, c.n_eval);
    printf("random (untrained G): %.4f  [%.0f s]\n", random_nll, now() - t0);

    /* Pre-training: G by maximum likelihood (or its state from --pretrained), then D. */
    double loss = 0.0;
    gan_seqgan_stats_t s = {.struct_size = sizeof s};
    if (c.pretrained && access(c.pretrained, F_OK) == 0) {
        /* The models and optimizers keep what the file holds; a new trainer takes this
         * run's settings (the file's are the run's that wrote it). */
        CHECK(gan_seqgan_load(t, c.pretrained));
        gan_seqgan_destroy(t);
        CHECK(gan_seqgan_create(&t, g, g_step, d, g_opt, d_opt, &o));
        printf("pre-trained state loaded from %s\n", c.pretrained);
    } else {
        pretrain(t, oracle, real, buf, &c, &order, t0);
        if (c.pretrained)
            CHECK(gan_seqgan_save(t, c.pretrained));
    }
    const double d0 = now();
    d_steps(t, real, &c, c.d_pretrain, &order, &s);
    printf("D pre-training: %d steps, loss %.4f (real %.3f, fake %.3f)  [%.0f s]\n",
           (int)c.d_pretrain, s.d_loss, s.d_real, s.d_fake, now() - d0);
    const double pretrained = nll_oracle(t, oracle, buf, c.n_eval);
    printf("pre-trained G: nll_oracle %.4f, nll_test %.4f  [%.0f s]\n", pretrained,
           nll_test(g, heldout, c.n_eval), now() - t0);
    char ckpt[] = "/tmp/seqgan_oracle_XXXXXX";
    const int fd = mkstemp(ckpt);
    if (fd < 0)
        return 1;
    close(fd);
    CHECK(gan_seqgan_save(t, ckpt));

    /* Adversarial rounds, timed; the checkpoint keeps G's pre-training rate for MLE. */
    if (c.pg_lr > 0)
        CHECK(gan_optimizer_set(g_opt, GAN_OPT_LEARNING_RATE, c.pg_lr));
    /* A fresh Adam for the policy gradient, as the reference's separate optimizer: the
     * second moments of pre-training's far larger gradients would shrink its steps. */
    if (c.fresh_adam)
        CHECK(gan_optimizer_reset(g_opt));
    const double a0 = now(), a0_cpu = cpu_now();
    double eval_seconds = 0.0, eval_cpu = 0.0; /* the progress lines' evaluations, off the
                                                 clocks */
    for (int32_t r = 0; r < c.adv_rounds; r++) {
        CHECK(gan_seqgan_pg_step(t, c.batch, &s));
        const double reward = s.reward;
        d_steps(t, real, &c, c.d_steps, &order, &s);
        if ((r + 1) % 5 == 0 || r + 1 == c.adv_rounds) {
            const double e0 = now(), e0_cpu = cpu_now();
            const double nll = nll_oracle(t, oracle, buf, c.n_eval < 2000 ? c.n_eval : 2000);
            eval_seconds += now() - e0;
            eval_cpu += cpu_now() - e0_cpu;
            printf("adversarial round %d: reward %.3f, D real %.3f fake %.3f, nll_oracle "
                   "%.4f  [%.0f s]\n", (int)(r + 1), reward, s.d_real, s.d_fake, nll,
                   now() - t0);
        }
    }
    const double adv_seconds = now() - a0 - eval_seconds;
    const double adv_cpu = cpu_now() - a0_cpu - eval_cpu;
    const double seqgan_nll = nll_oracle(t, oracle, buf, c.n_eval);
    printf("SeqGAN: %d rounds in %.0f s (CPU %.0f s), nll_oracle %.4f, nll_test %.4f\n",
           (int)c.adv_rounds, adv_seconds, adv_cpu, seqgan_nll,
           nll_test(g, heldout, c.n_eval));

    /* MLE for the same CPU time from the pre-trained state, both without the
     * evaluations. */
    CHECK(gan_seqgan_load(t, ckpt));
    remove(ckpt);
    const double m0 = now(), m0_cpu = cpu_now();
    int32_t mle_steps = 0;
    while (cpu_now() - m0_cpu < adv_cpu)
        mle_steps += mle_epoch(t, real, &c, &order, m0_cpu + adv_cpu, &loss);
    const double mle_nll = nll_oracle(t, oracle, buf, c.n_eval);
    printf("MLE: %d more steps in %.0f s (CPU %.0f s), nll_oracle %.4f, nll_test %.4f\n",
           (int)mle_steps, now() - m0, cpu_now() - m0_cpu, mle_nll,
           nll_test(g, heldout, c.n_eval));
    static const float temperatures[] = {0.9f, 0.8f, 0.7f};
    printf("MLE sampled at a lower temperature, nll_oracle:");
    for (size_t k = 0; k < sizeof temperatures / sizeof *temperatures; k++)
        printf(" %.1f: %.4f", (double)temperatures[k],
               nll_oracle_at(g, g_step, oracle, temperatures[k], c.seed + 300 + k, buf, &c));
    printf("\n");
    printf("total %.0f s\n", now() - t0);
    printf("nll_oracle floor=%.4f random=%.4f mle=%.4f seqgan=%.4f\n", floor_nll,
           random_nll, mle_nll, seqgan_nll);

    gan_seqgan_destroy(t);
    gan_optimizer_destroy(g_opt);
    gan_optimizer_destroy(d_opt);
    gan_model_destroy(g);
    gan_model_destroy(g_step);
    gan_model_destroy(d);
    gan_model_destroy(oracle);
    gan_model_destroy(oracle_step);
    gan_rng_destroy(rng);
    free(real);
    free(buf);
    free(heldout);
    return 0;
}
