/* What the MNIST examples share: flags, the training loop, progress, metrics, pictures,
 * checkpoints and exact resume. */
#define _POSIX_C_SOURCE 200809L
#include "example.h"

#include "flags.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef EX_DEFAULT_DATA
#define EX_DEFAULT_DATA "examples/data/mnist-10k"
#endif

#define EX_GRID 64          /* the fixed-z sample grid: 8 x 8, or 10 x 10 conditional */
#define EX_GRID_COLUMNS 8
#define EX_SEED_GRID 0x5eedULL

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
    OPT_SPECTRAL, OPT_FEATURE, OPT_GP, OPT_CLIP, OPT_RMSPROP, OPT_HELP
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
        (unsigned long long)c->seed, (int)c->threads, c->out_dir, (int)c->sample_every,
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
    if ((c->samples_out != NULL) != (c->samples > 0)) {
        fprintf(stderr, "%s: --samples and --samples-out go together\n", c->program);
        return 2;
    }
    return 0;
}

/* ------------------------------------------------------------------ helpers */

static double ex_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static char *ex_path(const ex_config *c, const char *name)
{
    size_t n = strlen(c->out_dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", c->out_dir, name);
    return p;
}

/* ------------------------------------------------------------------ the run */

typedef struct ex_run_state {
    ex_config *c;
    gan_dataset_t *data;
    gan_model_t *g, *d;
    gan_optimizer_t *g_opt, *d_opt;
    gan_trainer_t *trainer;
    int32_t classes, zdim, image, height, width, channels;
    int64_t steps_per_epoch, total_steps, step, first_step;
    float *real, *grid_z, *grid_images;
    int32_t *labels, *grid_labels;
    int32_t grid_n, grid_columns;
    float *curve;  /* 4 series (D loss, G loss, D(x), D(G(z))) x total_steps */
    double last_g_loss;
    FILE *metrics;
    double started, last_print;
    bool tty;
} ex_run_state;

#define EX_CHECK(call)                                                                 \
    do {                                                                               \
        if ((call) != GAN_OK) {                                                        \
            fprintf(stderr, "%s: %s\n", r->c->program, gan_last_error());              \
            return 1;                                                                  \
        }                                                                              \
    } while (0)

static int ex_setup(ex_run_state *r, ex_build_fn build)
{
    ex_config *c = r->c;
    EX_CHECK(gan_set_num_threads(c->threads));
    EX_CHECK(gan_dataset_open_dir(&r->data, c->data_dir, c->seed));
    int64_t count;
    EX_CHECK(gan_dataset_get_info(r->data, &count, &r->channels, &r->height, &r->width,
                                  &r->classes));
    if (count < c->batch) {
        fprintf(stderr, "%s: %s holds %lld images, fewer than one batch of %d\n", c->program,
                c->data_dir, (long long)count, (int)c->batch);
        return 1;
    }
    if (c->conditional && r->classes < 2) {
        fprintf(stderr, "%s: %s has no labels (or one class): a conditional model needs "
                "train-labels-idx1-ubyte\n", c->program, c->data_dir);
        return 1;
    }
    r->image = r->channels * r->height * r->width;
    EX_CHECK(build(c, c->conditional ? r->classes : 0, &r->g, &r->d));
    EX_CHECK(gan_model_build(r->g, c->batch));
    EX_CHECK(gan_model_build(r->d, c->batch));
    if (c->rmsprop) {
        EX_CHECK(gan_optimizer_rmsprop_create(&r->g_opt, r->g, c->lr_g, 0.99f, 1e-8f));
        EX_CHECK(gan_optimizer_rmsprop_create(&r->d_opt, r->d, c->lr_d, 0.99f, 1e-8f));
    } else {
        EX_CHECK(gan_optimizer_adam_create(&r->g_opt, r->g, c->lr_g, c->beta1, c->beta2, 1e-8f));
        EX_CHECK(gan_optimizer_adam_create(&r->d_opt, r->d, c->lr_d, c->beta1, c->beta2, 1e-8f));
    }
    EX_CHECK(gan_hacks_set(c->hacks, GAN_HACK_SEED, (double)(c->seed % 9007199254740992ULL)));
    EX_CHECK(gan_trainer_create(&r->trainer, r->g, r->d, r->g_opt, r->d_opt, c->hacks));
    EX_CHECK(gan_trainer_get_latent_dim(r->trainer, &r->zdim));
    r->steps_per_epoch = count / c->batch;
    r->total_steps = r->steps_per_epoch * c->epochs;
    if (c->resume) {
        uint64_t position;
        EX_CHECK(gan_trainer_load(r->trainer, c->resume));
        EX_CHECK(gan_trainer_get_data_position(r->trainer, &position));
        EX_CHECK(gan_dataset_set_position(r->data, position));
        r->step = (int64_t)(position / (uint64_t)c->batch);
    }
    if (mkdir(c->out_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: cannot create %s: %s\n", c->program, c->out_dir, strerror(errno));
        return 1;
    }
    /* The fixed latent batch of the sample grids: one row per class when conditional. */
    r->grid_columns = c->conditional ? 10 : EX_GRID_COLUMNS;
    r->grid_n = c->conditional ? r->classes * 10 : EX_GRID;
    r->real = malloc((size_t)c->batch * r->image * sizeof *r->real);
    r->labels = malloc((size_t)c->batch * sizeof *r->labels);
    r->grid_z = malloc((size_t)r->grid_n * r->zdim * sizeof *r->grid_z);
    r->grid_images = malloc((size_t)r->grid_n * r->image * sizeof *r->grid_images);
    r->grid_labels = malloc((size_t)r->grid_n * sizeof *r->grid_labels);
    r->curve = calloc((size_t)4 * (size_t)(r->total_steps + 1), sizeof *r->curve);
    if (!r->real || !r->labels || !r->grid_z || !r->grid_images || !r->grid_labels || !r->curve) {
        fprintf(stderr, "%s: out of memory\n", c->program);
        return 1;
    }
    gan_rng_t *rng;
    EX_CHECK(gan_rng_create(&rng, c->seed ^ EX_SEED_GRID));
    gan_status st = gan_latent_sample(rng, GAN_LATENT_GAUSSIAN, r->grid_n, r->zdim, r->grid_z);
    gan_rng_destroy(rng);
    EX_CHECK(st);
    for (int32_t i = 0; i < r->grid_n; i++)
        r->grid_labels[i] = i / r->grid_columns % (r->classes ? r->classes : 1);
    r->tty = isatty(STDERR_FILENO);
    return 0;
}

/* On resume, the loss curve starts from the rows metrics.csv already has. */
static void ex_curve_reload(ex_run_state *r, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        long long step;
        double v[7];
        if (sscanf(line, "%lld,%*d,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &step, &v[0], &v[1], &v[2],
                   &v[3], &v[4], &v[5], &v[6]) != 8 || step < 1 || step > r->total_steps)
            continue;
        float *at = r->curve + (step - 1);
        at[0] = (float)v[0];
        at[r->total_steps] = (float)v[4];
        at[2 * r->total_steps] = (float)v[5];
        at[3 * r->total_steps] = (float)v[6];
    }
    fclose(f);
}

static int ex_open_metrics(ex_run_state *r)
{
    char *path = ex_path(r->c, "metrics.csv");
    if (!path)
        return 1;
    if (r->c->resume)
        ex_curve_reload(r, path);
    r->metrics = fopen(path, r->c->resume ? "a" : "w");
    if (!r->metrics) {
        fprintf(stderr, "%s: cannot write %s: %s\n", r->c->program, path, strerror(errno));
        free(path);
        return 1;
    }
    free(path);
    if (!r->c->resume)
        fprintf(r->metrics, "step,epoch,d_loss,d_loss_real,d_loss_fake,gradient_penalty,"
                "g_loss,d_real,d_fake,d_acc_real,d_acc_fake,d_grad_norm,g_grad_norm,"
                "wasserstein,fake_spread,g_updated,warnings\n");
    return 0;
}

static int ex_write_grid(ex_run_state *r, const char *name)
{
    char *path = ex_path(r->c, name);
    if (!path)
        return 1;
    double ema;
    gan_hacks_get(r->c->hacks, GAN_HACK_EMA_DECAY, &ema);
    gan_status st = gan_trainer_generate(r->trainer, r->grid_z,
                                         r->c->conditional ? r->grid_labels : NULL, r->grid_n,
                                         ema > 0, r->grid_images);
    if (st == GAN_OK)
        st = gan_png_write_grid(path, r->grid_images, r->grid_n, r->channels, r->height,
                                r->width, r->grid_columns, 2);
    free(path);
    EX_CHECK(st);
    return 0;
}

static void ex_progress(ex_run_state *r, const gan_step_stats_t *s, bool last)
{
    double now = ex_now();
    bool due = r->tty ? now - r->last_print > 0.25 : r->step % 100 == 0;
    if (!due && !last)
        return;
    r->last_print = now;
    double rate = (double)(r->step - r->first_step) * r->c->batch /
                  fmax(now - r->started, 1e-9);
    double eta = rate > 0 ? (double)(r->total_steps - r->step) * r->c->batch / rate : 0;
    fprintf(stderr, "%sepoch %lld/%d  step %lld/%lld  %.0f img/s  ETA %d:%02d  D %.4f  G %.4f%s",
            r->tty ? "\r" : "", (long long)((r->step - 1) / r->steps_per_epoch + 1),
            (int)r->c->epochs, (long long)r->step, (long long)r->total_steps, rate,
            (int)(eta / 60), (int)fmod(eta, 60), s->d_loss, r->last_g_loss,
            r->tty && !last ? "   " : "\n");
    fflush(stderr);
}

static int ex_checkpoint(ex_run_state *r)
{
    char *path = ex_path(r->c, "checkpoint.gan");
    if (!path)
        return 1;
    uint64_t position;
    gan_status st = gan_dataset_get_position(r->data, &position);
    if (st == GAN_OK)
        st = gan_trainer_set_data_position(r->trainer, position);
    if (st == GAN_OK)
        st = gan_trainer_save(r->trainer, path);
    free(path);
    EX_CHECK(st);
    return 0;
}

static void ex_metrics_row(ex_run_state *r, const gan_step_stats_t *s)
{
    if (s->g_updated)
        r->last_g_loss = s->g_loss;
    fprintf(r->metrics, "%lld,%lld,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.4g,%.4g,%.6g,%.6g,"
            "%.6g,%.4g,%d,%u\n", (long long)r->step,
            (long long)((r->step - 1) / r->steps_per_epoch + 1), s->d_loss, s->d_loss_real,
            s->d_loss_fake, s->gradient_penalty, r->last_g_loss, s->d_real, s->d_fake,
            s->d_acc_real, s->d_acc_fake, s->d_grad_norm, s->g_grad_norm, s->wasserstein,
            s->fake_spread, (int)s->g_updated, (unsigned)s->warnings);
    float *at = r->curve + (r->step - 1);
    at[0] = (float)s->d_loss;
    at[r->total_steps] = (float)r->last_g_loss;
    at[2 * r->total_steps] = (float)s->d_real;
    at[3 * r->total_steps] = (float)s->d_fake;
}

static int ex_train(ex_run_state *r)
{
    ex_config *c = r->c;
    gan_step_stats_t s = {.struct_size = sizeof s};
    r->started = ex_now();
    r->first_step = r->step;
    while (r->step < r->total_steps) {
        EX_CHECK(gan_dataset_next_batch(r->data, c->batch, r->real,
                                        c->conditional ? r->labels : NULL));
        EX_CHECK(gan_trainer_step(r->trainer, r->real, c->conditional ? r->labels : NULL,
                                  c->batch, &s));
        r->step++;
        ex_metrics_row(r, &s);
        ex_progress(r, &s, r->step == r->total_steps);
        if (c->sample_every > 0 && r->step % c->sample_every == 0) {
            char name[64];
            snprintf(name, sizeof name, "samples_step%07lld.png", (long long)r->step);
            if (ex_write_grid(r, name) || ex_write_grid(r, "samples_latest.png"))
                return 1;
        }
        if (r->step % r->steps_per_epoch == 0 && ex_checkpoint(r))
            return 1;
    }
    return 0;
}

static int ex_finish(ex_run_state *r)
{
    ex_config *c = r->c;
    static const char *const names[4] = {"D loss", "G loss", "D(x)", "D(G(z))"};
    char *path = ex_path(c, "loss_curve.png");
    if (!path)
        return 1;
    gan_status st = gan_png_write_plot(path, 960, 540, r->curve, 4, (int32_t)r->total_steps,
                                       names, c->program);
    free(path);
    EX_CHECK(st);
    if (ex_write_grid(r, "samples_final.png") || ex_checkpoint(r))
        return 1;
    if (!c->samples_out)
        return 0;
    /* N generated images as IDX3 bytes, classes balanced for a conditional model. */
    float *z = malloc((size_t)c->samples * r->zdim * sizeof *z);
    float *images = malloc((size_t)c->samples * r->image * sizeof *images);
    uint8_t *bytes = malloc((size_t)c->samples * r->image);
    int32_t *labels = malloc((size_t)c->samples * sizeof *labels);
    uint8_t *label_bytes = malloc((size_t)c->samples);
    int rc = 1;
    if (z && images && bytes && labels && label_bytes) {
        double ema;
        gan_rng_t *rng = NULL;
        const int32_t dims[3] = {c->samples, r->height, r->width}, ldims[1] = {c->samples};
        for (int32_t i = 0; i < c->samples; i++) {
            labels[i] = r->classes ? i % r->classes : 0;
            label_bytes[i] = (uint8_t)labels[i];
        }
        gan_hacks_get(c->hacks, GAN_HACK_EMA_DECAY, &ema);
        st = gan_rng_create(&rng, c->seed ^ 0x5a3b1e5ULL);
        if (st == GAN_OK)
            st = gan_latent_sample(rng, GAN_LATENT_GAUSSIAN, c->samples, r->zdim, z);
        gan_rng_destroy(rng);
        if (st == GAN_OK)
            st = gan_trainer_generate(r->trainer, z, c->conditional ? labels : NULL, c->samples,
                                      ema > 0, images);
        if (st == GAN_OK)
            st = gan_images_to_u8(images, (size_t)c->samples * r->image, bytes);
        if (st == GAN_OK)
            st = gan_idx_write_u8(c->samples_out, bytes, 3, dims);
        if (st == GAN_OK && c->labels_out && c->conditional)
            st = gan_idx_write_u8(c->labels_out, label_bytes, 1, ldims);
        if (st == GAN_OK)
            rc = 0;
        else
            fprintf(stderr, "%s: %s\n", c->program, gan_last_error());
    } else {
        fprintf(stderr, "%s: out of memory for %d samples\n", c->program, (int)c->samples);
    }
    free(z);
    free(images);
    free(bytes);
    free(labels);
    free(label_bytes);
    return rc;
}

int ex_run(ex_config *c, ex_build_fn build)
{
    ex_run_state run = {.c = c}, *r = &run;
    int rc = ex_setup(r, build);
    if (rc == 0)
        rc = ex_open_metrics(r);
    if (rc == 0) {
        size_t length = 0;
        gan_hacks_describe(c->hacks, NULL, 0, &length);
        char *text = malloc(length + 1);
        if (text) {
            gan_hacks_describe(c->hacks, text, length + 1, NULL);
            printf("%s: %lld steps of batch %d over %d epochs of %s, backend %s\n%s",
                   c->program, (long long)r->total_steps, (int)c->batch, (int)c->epochs,
                   c->data_dir, gan_blas_default_backend(), text);
            fflush(stdout);
            free(text);
        }
        rc = ex_train(r);
    }
    if (rc == 0)
        rc = ex_finish(r);
    if (r->metrics && fclose(r->metrics) != 0 && rc == 0) {
        fprintf(stderr, "%s: writing metrics.csv failed: %s\n", c->program, strerror(errno));
        rc = 1;
    }
    if (rc == 0)
        printf("%s: done; outputs in %s/\n", c->program, c->out_dir);
    gan_trainer_destroy(r->trainer);
    gan_optimizer_destroy(r->g_opt);
    gan_optimizer_destroy(r->d_opt);
    gan_model_destroy(r->g);
    gan_model_destroy(r->d);
    gan_dataset_destroy(r->data);
    free(r->real);
    free(r->labels);
    free(r->grid_z);
    free(r->grid_images);
    free(r->grid_labels);
    free(r->curve);
    return rc;
}

int ex_main(int argc, char **argv, const char *program, const char *description,
            int (*settings)(ex_config *c), ex_build_fn build)
{
    ex_config c;
    if (ex_config_init(&c, program))
        return 1;
    int rc = settings && settings(&c) ? 1 : 0;
    if (rc)
        fprintf(stderr, "%s: %s\n", program, gan_last_error());
    if (rc == 0)
        rc = ex_parse(&c, argc, argv, description);
    if (rc == 0)
        rc = ex_run(&c, build);
    ex_config_free(&c);
    return rc < 0 ? 0 : rc;
}
