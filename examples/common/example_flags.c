/* The MNIST examples' configuration: its defaults, the flags and their parsing. */
#define _POSIX_C_SOURCE 200809L
#include "example.h"

#include "flags.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef EX_DEFAULT_DATA
#define EX_DEFAULT_DATA "examples/data/mnist-10k"
#endif

/* ------------------------------------------------------------------ configuration */

int ex_config_init(ex_config *c, const char *program)
{
    *c = (ex_config){
        .program = program, .data_dir = EX_DEFAULT_DATA, .epochs = 5, .batch = 64,
        .threads = 2, .sample_every = 200, .seed = 1, .out_dir = "out",
        .lr_g = 2e-4f, .lr_d = 2e-4f, .beta1 = 0.5f, .beta2 = 0.999f,
    };
    if (gan_hacks_create(&c->hacks) != GAN_OK) {
        fprintf(stderr, "%s: %s\n", program, gan_last_error());
        return 1;
    }
    return 0;
}

void ex_config_free(ex_config *c)
{
    gan_hacks_destroy(c->hacks);
    c->hacks = NULL;
}

enum {
    OPT_DATA = 256, OPT_EPOCHS, OPT_BATCH, OPT_SEED, OPT_THREADS, OPT_OUT, OPT_SAMPLE_EVERY,
    OPT_RESUME, OPT_SAMPLES, OPT_SAMPLES_OUT, OPT_LABELS_OUT, OPT_LR_G, OPT_LR_D, OPT_LOSS,
    OPT_SMOOTH_REAL, OPT_SMOOTH_FAKE, OPT_ONE_SIDED, OPT_NO_SMOOTHING, OPT_FLIP, OPT_COMBINED,
    OPT_FRESH_G,
    OPT_UNIFORM, OPT_NOISE, OPT_NOISE_STEPS, OPT_N_CRITIC, OPT_G_STEPS, OPT_REPLAY, OPT_EMA,
    OPT_SPECTRAL, OPT_FEATURE, OPT_GP, OPT_CLIP, OPT_RMSPROP, OPT_HELP, OPT_PARTS, OPT_MPI, OPT_SYNC_BN
};

static const struct option ex_options[] = {
    {"data", required_argument, NULL, OPT_DATA},
    {"epochs", required_argument, NULL, OPT_EPOCHS},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"seed", required_argument, NULL, OPT_SEED},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"out", required_argument, NULL, OPT_OUT},
    {"sample-every", required_argument, NULL, OPT_SAMPLE_EVERY},
    {"resume", required_argument, NULL, OPT_RESUME},
    {"samples", required_argument, NULL, OPT_SAMPLES},
    {"samples-out", required_argument, NULL, OPT_SAMPLES_OUT},
    {"labels-out", required_argument, NULL, OPT_LABELS_OUT},
    {"lr-g", required_argument, NULL, OPT_LR_G},
    {"lr-d", required_argument, NULL, OPT_LR_D},
    {"loss", required_argument, NULL, OPT_LOSS},
    {"smooth-real", required_argument, NULL, OPT_SMOOTH_REAL},
    {"smooth-fake", required_argument, NULL, OPT_SMOOTH_FAKE},
    {"one-sided", no_argument, NULL, OPT_ONE_SIDED},
    {"no-smoothing", no_argument, NULL, OPT_NO_SMOOTHING},
    {"flip", required_argument, NULL, OPT_FLIP},
    {"combined", no_argument, NULL, OPT_COMBINED},
    {"fresh-g-latent", no_argument, NULL, OPT_FRESH_G},
    {"uniform-latent", no_argument, NULL, OPT_UNIFORM},
    {"instance-noise", required_argument, NULL, OPT_NOISE},
    {"instance-noise-steps", required_argument, NULL, OPT_NOISE_STEPS},
    {"n-critic", required_argument, NULL, OPT_N_CRITIC},
    {"g-steps", required_argument, NULL, OPT_G_STEPS},
    {"replay", required_argument, NULL, OPT_REPLAY},
    {"ema", required_argument, NULL, OPT_EMA},
    {"spectral-norm", no_argument, NULL, OPT_SPECTRAL},
    {"feature-matching", required_argument, NULL, OPT_FEATURE},
    {"gp", required_argument, NULL, OPT_GP},
    {"clip", required_argument, NULL, OPT_CLIP},
    {"rmsprop", no_argument, NULL, OPT_RMSPROP},
    {"help", no_argument, NULL, OPT_HELP},
    {"parts", required_argument, NULL, OPT_PARTS},
    {"mpi", no_argument, NULL, OPT_MPI},
    {"sync-bn", no_argument, NULL, OPT_SYNC_BN},
    {NULL, 0, NULL, 0},
};

static void ex_usage(const ex_config *c, FILE *f, const char *description)
{
    fprintf(f,
        "usage: %s [options]\n%s\n\n"
        "Data and run:\n"
        "  --data DIR              IDX data: DIR/train-images-idx3-ubyte[.gz] and\n"
        "                          train-labels-idx1-ubyte[.gz] (default %s)\n"
        "  --epochs N              total epochs, also when resuming (default %d)\n"
        "  --batch N               batch size (default %d)\n"
        "  --seed N                seed of models, data order and trainer (default %llu)\n"
        "  --threads N             threads libgan computes with (default %d)\n"
        "  --parts N               cut each batch into N parts, whatever the threads, and\n"
        "                          keep the BLAS at one thread, so that runs with any\n"
        "                          --threads give the same bits (default 0: as many\n"
        "                          parts as threads)\n"
        "  --mpi                   data-parallel training under mpirun (libgan-mpi): each\n"
        "                          rank trains on its shard, --batch is per rank, rank 0\n"
        "                          writes the outputs (doc/MPI.md)%s\n"
        "  --sync-bn               with --mpi: BatchNorm statistics over all ranks' batches\n"
        "  --out DIR               outputs: sample grids, metrics.csv, loss_curve.png,\n"
        "                          checkpoint.gan (default %s)\n"
        "  --sample-every N        write a sample grid every N steps (default %d, 0: off)\n"
        "  --resume FILE           continue from a checkpoint written by this program\n"
        "  --samples N             after training, generate N images ...\n"
        "  --samples-out FILE      ... into this IDX3 unsigned-byte file\n"
        "  --labels-out FILE       conditional models: their labels as IDX1\n"
        "Optimizers (Adam, beta1 0.5):\n"
        "  --lr-g X, --lr-d X      learning rates of G and D (default %g, %g)\n"
        "  --rmsprop               RMSProp for both (the original WGAN)\n"
        "GAN hacks (doc/TRAINING.md):\n"
        "  --loss bce|wasserstein|hinge|lsgan\n"
        "  --smooth-real LO,HI     real targets uniform in [LO,HI] (default 0.9,0.9)\n"
        "  --smooth-fake LO,HI     fake targets uniform in [LO,HI] (default 0,0)\n"
        "  --one-sided             real 0.9, fake 0 (the default)\n"
        "  --no-smoothing          real 1, fake 0\n"
        "  --flip P                flip each D label with probability P\n"
        "  --combined              one mixed real+fake D batch\n"
        "  --fresh-g-latent        G's update draws new latents (default: reuse the fakes)\n"
        "  --uniform-latent        latent U[-1,1) instead of N(0,1)\n"
        "  --instance-noise STD    Gaussian noise on D's inputs ...\n"
        "  --instance-noise-steps N  ... annealed to 0 over N steps\n"
        "  --n-critic N            D updates per G update\n"
        "  --g-steps N             G updates per G turn\n"
        "  --replay N              replay pool of N past fakes\n"
        "  --ema DECAY             EMA of G's weights for samples (e.g. 0.999)\n"
        "  --spectral-norm         spectral normalisation of D's weight layers\n"
        "  --feature-matching L    G matches D layer L's mean features\n"
        "  --gp LAMBDA             WGAN-GP gradient penalty\n"
        "  --clip C                WGAN weight clipping\n"
        "  --help                  this text\n",
        c->program, description, EX_DEFAULT_DATA, (int)c->epochs, (int)c->batch,
        (unsigned long long)c->seed, (int)c->threads,
#ifdef EX_MPI
        "",
#else
        "; not in this build",
#endif
        c->out_dir, (int)c->sample_every,
        (double)c->lr_g, (double)c->lr_d);
}

static bool ex_float(const char *s, float *out)
{
    char *end;
    errno = 0;
    float v = strtof(s, &end);
    if (errno || end == s || *end || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static bool ex_pair(const char *s, float *lo, float *hi)
{
    char buf[64];
    const char *comma = strchr(s, ',');
    if (!comma || (size_t)(comma - s) >= sizeof buf)
        return false;
    memcpy(buf, s, (size_t)(comma - s));
    buf[comma - s] = '\0';
    return ex_float(buf, lo) && ex_float(comma + 1, hi);
}

/* A hack flag: check the value and set it, with libgan's own message on a refusal. */
static bool ex_hack(ex_config *c, int32_t key, double value)
{
    if (gan_hacks_set(c->hacks, key, value) == GAN_OK)
        return true;
    fprintf(stderr, "%s: %s\n", c->program, gan_last_error());
    return false;
}

static bool ex_hack_arg(ex_config *c, int32_t key, const char *arg)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno || end == arg || *end) {
        fprintf(stderr, "%s: '%s' is not a number\n", c->program, arg);
        return false;
    }
    return ex_hack(c, key, v);
}

static bool ex_labels(ex_config *c, bool real, const char *arg)
{
    float lo, hi;
    if (!ex_pair(arg, &lo, &hi)) {
        fprintf(stderr, "%s: '%s' is not LO,HI\n", c->program, arg);
        return false;
    }
    if (gan_hacks_set_labels(c->hacks, real, lo, hi) != GAN_OK) {
        fprintf(stderr, "%s: %s\n", c->program, gan_last_error());
        return false;
    }
    return true;
}

static bool ex_option(ex_config *c, int opt, const char *arg)
{
    unsigned long long seed;
    char *end;
    switch (opt) {
    case OPT_DATA: c->data_dir = arg; return true;
    case OPT_OUT: c->out_dir = arg; return true;
    case OPT_RESUME: c->resume = arg; return true;
    case OPT_SAMPLES_OUT: c->samples_out = arg; return true;
    case OPT_LABELS_OUT: c->labels_out = arg; return true;
    case OPT_EPOCHS: return ex_parse_int(arg, 1, 100000, &c->epochs);
    case OPT_BATCH: return ex_parse_int(arg, 1, 65536, &c->batch);
    case OPT_THREADS: return ex_parse_int(arg, 1, 1024, &c->threads);
    case OPT_PARTS: return ex_parse_int(arg, 0, GAN_MODEL_MAX_PARTS, &c->parts);
    case OPT_SAMPLE_EVERY: return ex_parse_int(arg, 0, INT32_MAX, &c->sample_every);
    case OPT_SAMPLES: return ex_parse_int(arg, 1, 10000000, &c->samples);
    case OPT_SEED:
        errno = 0;
        seed = strtoull(arg, &end, 10);
        c->seed = seed;
        return !errno && end != arg && !*end;
    case OPT_LR_G: return ex_float(arg, &c->lr_g) && c->lr_g > 0;
    case OPT_LR_D: return ex_float(arg, &c->lr_d) && c->lr_d > 0;
    case OPT_RMSPROP: c->rmsprop = true; return true;
    case OPT_MPI: c->mpi = true; return true;
    case OPT_SYNC_BN: c->sync_bn = true; return true;
    case OPT_SPECTRAL: c->spectral_norm = true; return true;
    case OPT_LOSS: {
        static const char *const names[] = {"bce", "wasserstein", "hinge", "lsgan"};
        for (int k = 0; k < 4; k++)
            if (strcmp(arg, names[k]) == 0)
                return ex_hack(c, GAN_HACK_LOSS, k);
        return false;
    }
    case OPT_SMOOTH_REAL: return ex_labels(c, true, arg);
    case OPT_SMOOTH_FAKE: return ex_labels(c, false, arg);
    case OPT_ONE_SIDED: return ex_labels(c, true, "0.9,0.9") && ex_labels(c, false, "0,0");
    case OPT_NO_SMOOTHING: return ex_labels(c, true, "1,1") && ex_labels(c, false, "0,0");
    case OPT_FLIP: return ex_hack_arg(c, GAN_HACK_FLIP_PROB, arg);
    case OPT_COMBINED: return ex_hack(c, GAN_HACK_SEPARATE_BATCHES, 0);
    case OPT_FRESH_G: return ex_hack(c, GAN_HACK_FRESH_G_LATENT, 1);
    case OPT_UNIFORM: return ex_hack(c, GAN_HACK_LATENT, GAN_LATENT_UNIFORM);
    case OPT_NOISE: return ex_hack_arg(c, GAN_HACK_INSTANCE_NOISE, arg);
    case OPT_NOISE_STEPS: return ex_hack_arg(c, GAN_HACK_INSTANCE_NOISE_STEPS, arg);
    case OPT_N_CRITIC: return ex_hack_arg(c, GAN_HACK_D_STEPS, arg);
    case OPT_G_STEPS: return ex_hack_arg(c, GAN_HACK_G_STEPS, arg);
    case OPT_REPLAY: return ex_hack_arg(c, GAN_HACK_REPLAY_SIZE, arg);
    case OPT_EMA: return ex_hack_arg(c, GAN_HACK_EMA_DECAY, arg);
    case OPT_FEATURE: return ex_hack_arg(c, GAN_HACK_FEATURE_MATCHING_LAYER, arg);
    case OPT_GP: return ex_hack_arg(c, GAN_HACK_GP_WEIGHT, arg);
    case OPT_CLIP: return ex_hack_arg(c, GAN_HACK_CLIP, arg);
    default:
        return false;
    }
}

int ex_parse(ex_config *c, int argc, char **argv, const char *description)
{
    for (int opt; (opt = getopt_long(argc, argv, "h", ex_options, NULL)) != -1;) {
        if (opt == OPT_HELP || opt == 'h') {
            ex_usage(c, stdout, description);
            return -1;
        }
        if (opt == '?' || !ex_option(c, opt, optarg)) {
            if (opt != '?')
                fprintf(stderr, "%s: bad value '%s' for --%s\n", c->program,
                        optarg ? optarg : "", ex_options[opt - OPT_DATA].name);
            fprintf(stderr, "Try '%s --help'.\n", c->program);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument '%s'\n", c->program, argv[optind]);
        return 2;
    }
#ifndef EX_MPI
    if (c->mpi) {
        fprintf(stderr, "%s: --mpi: this build has no libgan-mpi (build with Open MPI's "
                "libopenmpi-dev installed, meson -Dmpi=enabled)\n", c->program);
        return 2;
    }
#endif
    if (c->sync_bn && !c->mpi) {
        fprintf(stderr, "%s: --sync-bn goes with --mpi\n", c->program);
        return 2;
    }
    if ((c->samples_out != NULL) != (c->samples > 0)) {
        fprintf(stderr, "%s: --samples and --samples-out go together\n", c->program);
        return 2;
    }
    return 0;
}
