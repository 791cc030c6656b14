/* bench_dcgan: throughput of one full GAN training step (D on a real batch, D on a fake
 * batch, G update) with the mnist_dcgan networks, or with --model resgan those of
 * mnist_resgan and its trainer settings (hinge loss, EMA of G), or with --model cyclegan
 * one gan_cyclegan_step of mnist_cyclegan's four networks; per-layer time and GFLOP/s,
 * the sgemm peak measured in the same run, and peak RSS. Needs no data: the "real"
 * batches are noise in [-1, 1], which costs exactly what digits cost. The PyTorch twin
 * is examples/bench/dcgan_torch.py. */
#include <dlfcn.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <gan/gan.h>

#include "bench/bench_machine.h"

#include "common/cyclegan_models.h"
#include "common/models.h"

#define CHECK(call)                                                                   \
    do {                                                                              \
        gan_status st_ = (call);                                                      \
        if (st_ != GAN_OK) {                                                          \
            fprintf(stderr, "bench_dcgan: %s (%s)\n", gan_last_error(),               \
                    gan_status_string(st_));                                          \
            goto fail;                                                                \
        }                                                                             \
    } while (0)

#define MAX_REPEATS 101

enum { MODEL_DCGAN, MODEL_RESGAN, MODEL_CYCLEGAN, MODEL_COUNT };
static const char *const model_names[MODEL_COUNT] = {"dcgan", "resgan", "cyclegan"};

typedef struct bench_options {
    long batch, threads, steps, repeats, warmup;
    unsigned long long seed;
    int peak;        /* measure the sgemm peak */
    int blas_only;   /* threads in OpenBLAS only, libgan's pool at 1 */
    int model;       /* MODEL_* */
    double identity; /* CycleGAN's identity weight */
} bench_options;

/* The models of a run and what steps them: a GAN trainer, or the CycleGAN trainer. */
typedef struct bench_run {
    int n;                 /* models */
    gan_model_t *m[4];     /* G, D; or G, F, D_A, D_B */
    gan_optimizer_t *o[4];
    const char *names[4];
    gan_trainer_t *trainer;
    gan_hacks_t *hacks;
    gan_cyclegan_t *cycle;
    float *real[2];        /* the real batch; CycleGAN's of domains A and B */
    int32_t batch;
} bench_run;

static double clock_seconds(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double seconds(void)
{
    return clock_seconds(CLOCK_MONOTONIC);
}

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
                         const float *, int, float, float *, int);

/* Median GFLOP/s of a square sgemm through the process's CBLAS, or 0 if there is none. */
static double sgemm_peak(int n, int repeats)
{
    sgemm_fn sgemm;
    *(void **)&sgemm = dlsym(RTLD_DEFAULT, "cblas_sgemm");
    if (!sgemm)
        return 0.0;
    float *a = malloc((size_t)n * n * sizeof *a), *b = malloc((size_t)n * n * sizeof *b);
    float *c = malloc((size_t)n * n * sizeof *c);
    double best[MAX_REPEATS];
    double peak = 0.0;
    if (a && b && c) {
        for (size_t i = 0; i < (size_t)n * n; i++)
            a[i] = b[i] = (float)(i % 7) * 0.1f;
        enum { ROW_MAJOR = 101, NO_TRANS = 111 };
        sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        for (int r = 0; r < repeats; r++) {
            double t = seconds();
            sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
            best[r] = 2.0 * n * n * (double)n / (seconds() - t) * 1e-9;
        }
        peak = ex_bench_median(best, repeats, NULL, NULL);
    }
    free(a);
    free(b);
    free(c);
    return peak;
}

/* Median GFLOP/s of libgan's own sgemm (where it runs the products in place of the
 * BLAS's, gan_blas_kernels()): the forward pass of one Dense layer n -> n over a batch of
 * n, a single n^3 product split over libgan's pool as a model's are. */
static double own_sgemm_peak(int n, int repeats)
{
    gan_model_t *m = NULL;
    gan_layer_t *dense = NULL;
    const int32_t dims[1] = {n};
    float *x = malloc((size_t)n * n * sizeof *x);
    double best[MAX_REPEATS];
    double peak = 0.0;
    bool built = false;
    if (x && gan_model_create(&m, dims, 1, NULL) == GAN_OK &&
        gan_layer_dense_create(&dense, n, false) == GAN_OK &&
        gan_model_add(m, dense) == GAN_OK) {
        dense = NULL; /* the model owns it */
        built = gan_model_build(m, n) == GAN_OK;
    }
    if (built) {
        for (size_t i = 0; i < (size_t)n * n; i++)
            x[i] = (float)(i % 7) * 0.1f;
        const float *y;
        int r = 0;
        if (gan_model_forward(m, x, NULL, n, &y) == GAN_OK)
            for (; r < repeats; r++) {
                double t = seconds();
                if (gan_model_forward(m, x, NULL, n, &y) != GAN_OK)
                    break;
                best[r] = 2.0 * n * n * (double)n / (seconds() - t) * 1e-9;
            }
        if (r == repeats)
            peak = ex_bench_median(best, repeats, NULL, NULL);
    }
    gan_layer_destroy(dense);
    gan_model_destroy(m);
    free(x);
    return peak;
}

static void print_profile(const char *model_name, const gan_model_t *m, long steps,
                          double step_seconds, double *total_flops)
{
    int32_t count = 0;
    gan_model_get_layer_count(m, &count);
    for (int32_t i = 0; i < count; i++) {
        double fs, bs, ff, bf;
        gan_layer_t *layer = NULL;
        gan_model_get_layer(m, i, &layer);
        gan_model_get_layer_profile(m, i, &fs, &bs, &ff, &bf);
        *total_flops += ff + bf;
        char fwd_rate[16] = "", bwd_rate[16] = "";
        if (ff > 0)
            snprintf(fwd_rate, sizeof fwd_rate, "%.1f", ff / fs * 1e-9);
        if (bf > 0)
            snprintf(bwd_rate, sizeof bwd_rate, "%.1f", bf / bs * 1e-9);
        printf("%-3s %-24s %-17s %8.3f %8.3f %8s %8s %6.1f%%\n", model_name,
               gan_layer_get_name(layer), gan_layer_get_kind(layer), 1e3 * fs / (double)steps,
               1e3 * bs / (double)steps, fwd_rate, bwd_rate,
               100.0 * (fs + bs) / (step_seconds * (double)steps));
    }
}

static long peak_rss_kib(void)
{
    struct rusage u;
    return getrusage(RUSAGE_SELF, &u) == 0 ? u.ru_maxrss : -1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_dcgan [--batch N] [--threads N] [--steps N] [--repeats N]\n"
            "                   [--warmup N] [--seed N] [--no-peak] [--blas-threads]\n"
            "                   [--model dcgan|resgan|cyclegan] [--identity W]\n"
            "Time full training steps of the mnist_dcgan networks (Adam, BCE, separate\n"
            "real and fake batches) and print images/s (median of the repeats), each\n"
            "network's parameter count and forward GEMM work per image, each layer's\n"
            "time and GFLOP/s, the sgemm peak of the same run and peak RSS.\n"
            "  --model M    dcgan (default); resgan: mnist_resgan's residual networks,\n"
            "               hinge loss and EMA of G's weights; cyclegan: one\n"
            "               gan_cyclegan_step of mnist_cyclegan's four networks (images/s\n"
            "               counts the images of domain A: a step also takes as many of B)\n"
            "  --identity W cyclegan: the identity weight (default %g, mnist_cyclegan's)\n"
            "  --batch N    batch size (default 64; cyclegan %d, mnist_cyclegan's)\n"
            "  --threads N  threads (default 2): libgan's pool, the BLAS single-threaded\n"
            "  --blas-threads  put the threads in the BLAS instead (libgan's pool at 1)\n"
            "  --steps N    steps per timed repeat (default 20)\n"
            "  --repeats N  timed repeats, 1 to %d (default 5)\n"
            "  --warmup N   untimed steps first (default 3)\n"
            "  --seed N     initialisation seed (default 42)\n"
            "  --no-peak    skip the sgemm peak measurement\n",
            EX_CYCLEGAN_IDENTITY, EX_CYCLEGAN_BATCH, MAX_REPEATS);
}

static int parse(bench_options *o, int argc, char **argv)
{
    static const struct option options[] = {
        {"batch", required_argument, NULL, 'b'},  {"threads", required_argument, NULL, 't'},
        {"steps", required_argument, NULL, 's'},  {"repeats", required_argument, NULL, 'r'},
        {"warmup", required_argument, NULL, 'w'}, {"seed", required_argument, NULL, 'S'},
        {"no-peak", no_argument, NULL, 'n'},      {"help", no_argument, NULL, 'h'},
        {"blas-threads", no_argument, NULL, 'B'}, {"model", required_argument, NULL, 'm'},
        {"identity", required_argument, NULL, 'i'}, 
        {NULL, 0, NULL, 0},
    };
    for (int c; (c = getopt_long(argc, argv, "h", options, NULL)) != -1;) {
        char *end = NULL;
        switch (c) {
        case 'b': o->batch = strtol(optarg, &end, 10); break;
        case 't': o->threads = strtol(optarg, &end, 10); break;
        case 's': o->steps = strtol(optarg, &end, 10); break;
        case 'r': o->repeats = strtol(optarg, &end, 10); break;
        case 'w': o->warmup = strtol(optarg, &end, 10); break;
        case 'S': o->seed = strtoull(optarg, &end, 10); break;
        case 'n': o->peak = 0; break;
        case 'B': o->blas_only = 1; break;
        case 'i': o->identity = strtod(optarg, &end); break;
        case 'm':
            for (o->model = 0; o->model < MODEL_COUNT; o->model++)
                if (strcmp(optarg, model_names[o->model]) == 0)
                    break;
            if (o->model == MODEL_COUNT) {
                fprintf(stderr, "bench_dcgan: --model is dcgan, resgan or cyclegan, not "
                        "'%s'\n", optarg);
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
        if (end && (*end || end == optarg)) {
            fprintf(stderr, "bench_dcgan: '%s' is not a number\n", optarg);
            return 2;
        }
    }
    if (o->batch == 0)
        o->batch = o->model == MODEL_CYCLEGAN ? EX_CYCLEGAN_BATCH : 64;
    if (optind < argc || o->batch < 1 || o->batch > 4096 || o->threads < 1 ||
        !(o->identity >= 0.0 && o->identity <= 1e6) ||
        o->threads > 1024 || o->steps < 1 || o->repeats < 1 || o->repeats > MAX_REPEATS ||
        o->warmup < 0) {
        usage(stderr);
        return 2;
    }
    return -1;
}

/* The models, optimizers and trainer of o->model, built for o->batch. */
static gan_status build(const bench_options *o, bench_run *r)
{
    /* mnist_dcgan's optimizer settings; --model resgan takes mnist_resgan's. */
    ex_config config = {.seed = o->seed, .lr_g = 0.0002f, .lr_d = 0.0002f, .beta1 = 0.5f,
                        .beta2 = 0.999f};
    gan_status st = GAN_OK;
    r->batch = (int32_t)o->batch;
    if (o->model == MODEL_CYCLEGAN) {
        static const char *const names[4] = {"G", "F", "D_A", "D_B"};
        const ex_cyclegan_sizes_t sizes = EX_CYCLEGAN_SIZES_DEFAULT;
        gan_cyclegan_options_t co;
        r->n = 4;
        memcpy(r->names, names, sizeof names);
        if ((st = gan_cyclegan_options_init(&co, sizeof co)) != GAN_OK)
            return st;
        co.cycle_weight = EX_CYCLEGAN_CYCLE;
        co.identity_weight = o->identity;
        co.seed = o->seed;
        st = ex_cyclegan_build(&sizes, r->batch, EX_CYCLEGAN_LR, o->seed, &co, r->m, r->o,
                               &r->cycle);
        return st;
    }
    r->n = 2;
    r->names[0] = "G";
    r->names[1] = "D";
    if (o->model == MODEL_RESGAN) {
        ex_resgan_widths_t w;
        ex_resgan_widths_default(&w);
        st = ex_resgan_generator(&config, &w, &r->m[0]);
        if (st == GAN_OK)
            st = ex_resgan_discriminator(&config, &w, &r->m[1]);
        if (st == GAN_OK)
            st = gan_hacks_create(&r->hacks);
        config.hacks = r->hacks;
        if (st == GAN_OK)
            st = ex_resgan_settings(&config);
    } else {
        st = ex_dcgan_generator(&config, 0, &r->m[0]);
        if (st == GAN_OK)
            st = ex_dcgan_discriminator(&config, 0, true, &r->m[1]);
    }
    for (int i = 0; i < 2 && st == GAN_OK; i++)
        st = gan_model_build(r->m[i], r->batch);
    if (st == GAN_OK)
        st = gan_optimizer_adam_create(&r->o[0], r->m[0], config.lr_g, config.beta1,
                                       config.beta2, 1e-8f);
    if (st == GAN_OK)
        st = gan_optimizer_adam_create(&r->o[1], r->m[1], config.lr_d, config.beta1,
                                       config.beta2, 1e-8f);
    if (st == GAN_OK)
        st = gan_trainer_create(&r->trainer, r->m[0], r->m[1], r->o[0], r->o[1], r->hacks);
    return st;
}

static gan_status step(bench_run *r)
{
    if (r->cycle)
        return gan_cyclegan_step(r->cycle, r->real[0], r->real[1], r->batch, NULL);
    return gan_trainer_step(r->trainer, r->real[0], NULL, r->batch, NULL);
}

int main(int argc, char **argv)
{
    bench_options o = {.threads = 2, .steps = 20, .repeats = 5, .warmup = 3, .seed = 42,
                       .peak = 1, .identity = EX_CYCLEGAN_IDENTITY};
    int parsed = parse(&o, argc, argv);
    if (parsed >= 0)
        return parsed;

    int rc = 1;
    bench_run r = {0};
    const int32_t batch = (int32_t)o.batch;
    if (o.blas_only) {
        CHECK(gan_set_num_threads(1));
        CHECK(gan_blas_set_num_threads((int32_t)o.threads));
    } else {
        /* Both levels set: gan_set_num_threads(1) alone leaves the BLAS at its own count
         * (OpenBLAS's: every core), which made "1 thread" runs use two before. */
        CHECK(gan_set_num_threads((int32_t)o.threads));
        CHECK(gan_blas_set_num_threads(1));
    }
    CHECK(build(&o, &r));
    ex_bench_print_machine(r.m[0], o.threads,
                           o.blas_only ? "inside the BLAS only" : "libgan's pool, BLAS single-threaded",
                           false);
    if (o.model == MODEL_RESGAN)
        printf("model mnist_resgan (hinge loss, EMA of G, spectral norm in D)\n");
    if (o.model == MODEL_CYCLEGAN)
        printf("model mnist_cyclegan (G, F, D_A, D_B; least squares, cycle %g, identity %g, "
               "pools of 50)\n", EX_CYCLEGAN_CYCLE, o.identity);
    for (int i = 0; i < r.n; i++)
        CHECK(ex_bench_print_model(r.m[i], r.names[i]));

    const size_t image = 28 * 28;
    srand((unsigned)o.seed);
    for (int d = 0; d < (r.cycle ? 2 : 1); d++) {
        if (!(r.real[d] = malloc((size_t)batch * image * sizeof *r.real[d])))
            goto fail;
        for (size_t i = 0; i < (size_t)batch * image; i++)
            r.real[d][i] = 2.0f * (float)rand() / (float)RAND_MAX - 1.0f;
    }

    for (long s = 0; s < o.warmup; s++)
        CHECK(step(&r));
    /* Also per second of the process's CPU time: on a shared machine a run at one
     * thread loses wall time to other processes but not CPU time. (With more threads
     * the pool's waiting counts as CPU time too.) */
    double rates[MAX_REPEATS], cpu_rates[MAX_REPEATS];
    for (long k = 0; k < o.repeats; k++) {
        double start = seconds(), cpu_start = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
        for (long s = 0; s < o.steps; s++)
            CHECK(step(&r));
        rates[k] = (double)batch * (double)o.steps / (seconds() - start);
        cpu_rates[k] = (double)batch * (double)o.steps /
                       (clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_start);
    }
    double lo, hi;
    const double rate = ex_bench_median(rates, o.repeats, &lo, &hi);
    printf("batch %d: %.1f images/s (median of %ld repeats of %ld steps; min %.1f, max "
           "%.1f)\n",
           (int)batch, rate, o.repeats, o.steps, lo, hi);
    printf("per CPU second: %.1f images (median)\n",
           ex_bench_median(cpu_rates, o.repeats, NULL, NULL));

    /* One more repeat with the per-layer counters on. */
    for (int i = 0; i < r.n; i++)
        CHECK(gan_model_set_profiling(r.m[i], 1));
    double start = seconds();
    for (long s = 0; s < o.steps; s++)
        CHECK(step(&r));
    const double step_seconds = (seconds() - start) / (double)o.steps;
    printf("\nper step, profiled: %.2f ms\n", 1e3 * step_seconds);
    printf("%-3s %-24s %-17s %8s %8s %8s %8s %7s\n", "", "layer", "kind", "fwd ms",
           "bwd ms", "fwd GF/s", "bwd GF/s", "share");
    double flops = 0.0;
    for (int i = 0; i < r.n; i++)
        print_profile(r.names[i], r.m[i], o.steps, step_seconds, &flops);
    const double flops_per_image = flops / (double)o.steps / (double)batch;
    printf("\nGEMM work: %.3f GFLOP per image; at %.1f images/s that is %.1f GFLOP/s\n",
           flops_per_image * 1e-9, rate, flops_per_image * rate * 1e-9);
    printf("peak RSS (before the sgemm peak run): %.1f MB\n", (double)peak_rss_kib() / 1024.0);
    if (o.peak) {
        /* The pool set the BLAS to one thread; the peak is that of all the threads. */
        CHECK(gan_blas_set_num_threads((int32_t)o.threads));
        const bool own = strcmp(gan_blas_kernels(), "blas") != 0;
        double peak = own ? own_sgemm_peak(2048, 5) : sgemm_peak(2048, 5);
        if (peak > 0)
            printf("sgemm peak (%s, 2048^3, median of 5, %ld threads): %.1f GFLOP/s; the "
                   "step reaches %.0f%% of it, limit %.0f images/s\n",
                   own ? gan_blas_kernels() : "the BLAS's cblas_sgemm", o.threads, peak,
                   100.0 * flops_per_image * rate * 1e-9 / peak, peak * 1e9 / flops_per_image);
        const char *kind;
        const double fma = ex_bench_arith_peak((int)o.threads, &kind);
        if (fma > 0)
            printf("FMA peak (register-only %s loop, %ld threads): %.1f GFLOP/s; the step "
                   "reaches %.0f%% of it, limit %.0f images/s\n",
                   kind, o.threads, fma, 100.0 * flops_per_image * rate * 1e-9 / fma,
                   fma * 1e9 / flops_per_image);
    }
    rc = 0;
fail:
    gan_trainer_destroy(r.trainer);
    gan_cyclegan_destroy(r.cycle);
    gan_hacks_destroy(r.hacks);
    for (int i = 0; i < 4; i++) {
        gan_optimizer_destroy(r.o[i]);
        gan_model_destroy(r.m[i]);
    }
    free(r.real[0]);
    free(r.real[1]);
    return rc;
}
