/* words_seqgan's command line (words_flags.h). */
#define _POSIX_C_SOURCE 200809L
#include "common/words_flags.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/flags.h"
#include "common/seqgan_models.h"
#include "common/word_list.h"

#define PROG "words_seqgan"
#ifndef EX_DEFAULT_WORDS
#define EX_DEFAULT_WORDS "/usr/share/dict/american-english"
#endif

static void usage(FILE *f, const ex_words_config *c)
{
    fprintf(f,
        "usage: " PROG " [options]\n"
        "Train SeqGAN on English words, one character a token, and compare it with\n"
        "maximum likelihood on 10,000 generated words.\n"
        "  --words FILE          word list, one word a line (default %s);\n"
        "                        kept: lower-case a-z words of 2..--max-len letters\n"
        "  --max-len N           longest word kept, 2..%d (default %d); T = N + 1\n"
        "  --out DIR             metrics.csv, pretrained.gan, checkpoint.gan,\n"
        "                        baseline.gan, results.csv (default %s)\n"
        "  --resume FILE         continue from OUT's checkpoint.gan (pretraining or\n"
        "                        adversarial rounds); the baseline then reruns\n"
        "  --seed N              models, data split and order, sampling (default %llu)\n"
        "  --threads N           libgan's threads (default %d)\n"
        "  --samples N --samples-out FILE   N words of the SeqGAN generator, one a line\n"
        "  --eval N              generated words per row (default %d)\n"
        "Sizes and schedule:\n"
        "  --embed N --hidden N  G's embedding and LSTM sizes (default %d, %d)\n"
        "  --batch N             (default %d)\n"
        "  --mle-epochs N        maximum-likelihood pre-training epochs (default %d)\n"
        "  --d-pretrain N        D pre-training steps (default %d)\n"
        "  --adv-rounds N        adversarial rounds: 1 policy-gradient step, then\n"
        "  --d-steps K           K D steps (default %d, %d)\n"
        "  --rollouts N          Monte-Carlo rollouts per token (default %d)\n"
        "  --d-embed N           D's embedding (default %d)\n"
        "  --d-filter-scale X    D's filters: the paper's counts (widths 1..10) times X\n"
        "                        (default %g)\n"
        "  --g-lr X --d-lr X     Adam's rates of G (MLE) and D (default %g, %g)\n"
        "  --pg-lr X             G's rate in the adversarial rounds (default %g)\n"
        "  --temperature X       of sampling, in training and evaluation (default %g)\n"
        "  --baseline-steps N    the MLE baseline's steps (default: as many as fit in\n"
        "                        the adversarial rounds' CPU time)\n"
        "  --reward-baseline     subtract the batch's mean reward (leave-one-out) from\n"
        "                        each token's reward\n"
        "  --keep-adam           the adversarial rounds go on with pre-training's Adam\n"
        "                        state (default: a fresh one, as the reference)\n",
        c->words, MAX_LEN, (int)c->max_len, c->out, (unsigned long long)c->seed,
        (int)c->threads, (int)c->eval, (int)c->embed, (int)c->hidden, (int)c->batch,
        (int)c->mle_epochs, (int)c->d_pretrain, (int)c->adv_rounds, (int)c->d_steps,
        (int)c->rollouts, (int)c->d_embed, c->d_filter_scale, c->g_lr, c->d_lr, c->pg_lr,
        c->temperature);
}

/* A number in (lo, hi]: the rates, scale and temperature must be above 0. */
static bool parse_positive(const char *s, double lo, double hi, double *out)
{
    double v;
    if (!ex_parse_double(s, lo, hi, &v) || !(v > lo))
        return false;
    *out = v;
    return true;
}

int ex_words_parse(ex_words_config *c, int argc, char **argv)
{
    enum { WORDS = 1000, MAXLEN, OUT, RESUME, SEED, THREADS, SAMPLES, SAMPLES_OUT, EVAL,
           EMBED, HIDDEN, BATCH, EPOCHS, DPRE, ROUNDS, DSTEPS, ROLLOUTS, DEMBED, DSCALE,
           GLR, DLR, PGLR, TEMP, BASE, RBASE, KEEPADAM, HELP };
    static const struct option opts[] = {
        {"words", 1, NULL, WORDS}, {"max-len", 1, NULL, MAXLEN}, {"out", 1, NULL, OUT},
        {"resume", 1, NULL, RESUME}, {"seed", 1, NULL, SEED},
        {"threads", 1, NULL, THREADS}, {"samples", 1, NULL, SAMPLES},
        {"samples-out", 1, NULL, SAMPLES_OUT}, {"eval", 1, NULL, EVAL},
        {"embed", 1, NULL, EMBED}, {"hidden", 1, NULL, HIDDEN}, {"batch", 1, NULL, BATCH},
        {"mle-epochs", 1, NULL, EPOCHS}, {"d-pretrain", 1, NULL, DPRE},
        {"adv-rounds", 1, NULL, ROUNDS}, {"d-steps", 1, NULL, DSTEPS},
        {"rollouts", 1, NULL, ROLLOUTS}, {"d-embed", 1, NULL, DEMBED},
        {"d-filter-scale", 1, NULL, DSCALE}, {"g-lr", 1, NULL, GLR},
        {"d-lr", 1, NULL, DLR}, {"pg-lr", 1, NULL, PGLR}, {"temperature", 1, NULL, TEMP},
        {"baseline-steps", 1, NULL, BASE}, {"reward-baseline", 0, NULL, RBASE},
        {"keep-adam", 0, NULL, KEEPADAM},
        {"help", 0, NULL, HELP}, {NULL, 0, NULL, 0}};
    *c = (ex_words_config){.words = EX_DEFAULT_WORDS, .out = "out-words", .max_len = EX_WORDS_MAX_LEN,
                  .threads = 2, .embed = EX_WORDS_EMBED, .hidden = EX_WORDS_HIDDEN,
                  .batch = EX_WORDS_BATCH, .rollouts = 16,
                  .mle_epochs = 10, .d_pretrain = 1000, .adv_rounds = 100, .d_steps = 5,
                  .d_embed = 32, .eval = 10000, .baseline_steps = -1,
                  .d_filter_scale = 0.25, .g_lr = EX_WORDS_G_LR, .d_lr = 1e-3, .pg_lr = 1e-3,
                  .temperature = 1.0, .seed = 1};
    for (int opt; (opt = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        bool ok = true;
        char *end;
        switch (opt) {
        case WORDS: c->words = optarg; break;
        case OUT: c->out = optarg; break;
        case RESUME: c->resume = optarg; break;
        case SAMPLES_OUT: c->samples_out = optarg; break;
        case MAXLEN: ok = ex_parse_int(optarg, 2, MAX_LEN, &c->max_len); break;
        case SEED:
            errno = 0;
            c->seed = strtoull(optarg, &end, 10);
            ok = !errno && end != optarg && !*end && optarg[0] != '-';
            break;
        case THREADS: ok = ex_parse_int(optarg, 1, 256, &c->threads); break;
        case SAMPLES: ok = ex_parse_int(optarg, 1, 10000000, &c->samples); break;
        case EVAL: ok = ex_parse_int(optarg, 1, 10000000, &c->eval); break;
        case EMBED: ok = ex_parse_int(optarg, 1, 4096, &c->embed); break;
        case HIDDEN: ok = ex_parse_int(optarg, 1, 4096, &c->hidden); break;
        case BATCH: ok = ex_parse_int(optarg, 1, 4096, &c->batch); break;
        case EPOCHS: ok = ex_parse_int(optarg, 0, 100000, &c->mle_epochs); break;
        case DPRE: ok = ex_parse_int(optarg, 0, 1000000, &c->d_pretrain); break;
        case ROUNDS: ok = ex_parse_int(optarg, 0, 100000, &c->adv_rounds); break;
        case DSTEPS: ok = ex_parse_int(optarg, 0, 1000, &c->d_steps); break;
        case ROLLOUTS: ok = ex_parse_int(optarg, 1, 100000, &c->rollouts); break;
        case DEMBED: ok = ex_parse_int(optarg, 1, 4096, &c->d_embed); break;
        case DSCALE: ok = parse_positive(optarg, 0, 100, &c->d_filter_scale); break;
        case GLR: ok = parse_positive(optarg, 0, 10, &c->g_lr); break;
        case DLR: ok = parse_positive(optarg, 0, 10, &c->d_lr); break;
        case PGLR: ok = parse_positive(optarg, 0, 10, &c->pg_lr); break;
        case TEMP: ok = parse_positive(optarg, 0, 100, &c->temperature); break;
        case BASE: ok = ex_parse_int(optarg, 0, 100000000, &c->baseline_steps); break;
        case RBASE: c->reward_baseline = true; break;
        case KEEPADAM: c->keep_adam = true; break;
        case HELP: case 'h': usage(stdout, c); return -1;
        default: ok = false; break;
        }
        if (!ok) {
            if (opt != '?')
                fprintf(stderr, PROG ": bad value '%s'\n", optarg ? optarg : "");
            fprintf(stderr, "Try '" PROG " --help'.\n");
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if ((c->samples_out != NULL) != (c->samples > 0)) {
        fprintf(stderr, PROG ": --samples and --samples-out go together\n");
        return 2;
    }
    return 0;
}
