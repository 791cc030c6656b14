/* mnist_cyclegan: CycleGAN (Zhu et al. 2017) between handwritten digits (domain A,
 * mnist-10k) and printed digits (domain B, printed-10k), unpaired, with libgan's
 * CycleGAN trainer and the reference networks of common/cyclegan_models.c. Writes
 * pictures of a -> G(a) -> F(G(a)) and b -> F(b) -> G(F(b)), metrics.csv, a loss
 * curve and a checkpoint to --out; with --translate, translates an IDX file with a
 * trained checkpoint instead of training. With --mpi (built with libgan-mpi), trains
 * data-parallel under mpirun: each rank its shard of every global batch, gradients
 * averaged, rank 0 writing the outputs (doc/MPI.md). */
#include <errno.h>
#include <float.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <gan/gan.h>
#include <gan/io.h>

#include "common/cyclegan_models.h"
#include "common/flags.h"
#include "common/rng.h"

#ifdef EX_MPI
#include <gan/mpi.h>
#include <mpi.h>
#endif

#ifndef EX_DEFAULT_DATA_A
#define EX_DEFAULT_DATA_A "examples/data/mnist-10k"
#endif
#ifndef EX_DEFAULT_DATA_B
#define EX_DEFAULT_DATA_B "examples/data/printed-10k"
#endif

#define SHOWN 8 /* fixed images of each domain in the pictures */

typedef struct config {
    const char *data_a, *data_b, *out, *resume;
    const char *translate, *translate_out;
    int32_t direction; /* GAN_CYCLEGAN_A2B or B2A, -1 unset */
    int32_t steps, stop_after, batch, threads, sample_every;
    ex_cyclegan_sizes_t net;
    double lr, cycle, identity;
    uint64_t seed;
    bool mpi;
} config;

typedef struct run {
    config c;
    gan_model_t *m[4]; /* G, F, D_A, D_B */
    gan_optimizer_t *o[4];
    gan_cyclegan_t *t;
    gan_dataset_t *ds[2];
    float *x[2];       /* one batch of each domain */
    float *shown[2];   /* SHOWN fixed images of each domain */
    FILE *metrics;
    float *curve;      /* (4, steps): G loss, D_A, D_B, cycle A */
    int32_t rank, ranks; /* --mpi: this process's rank and their number; else 0 and 1 */
#ifdef EX_MPI
    gan_mpi_t *mpi;
#endif
} run;

#define CHECK(call)                                                                 \
    do {                                                                            \
        gan_status st_ = (call);                                                    \
        if (st_ != GAN_OK) {                                                        \
            fprintf(stderr, "mnist_cyclegan: %s (%s)\n", gan_last_error(),          \
                    gan_status_string(st_));                                        \
            return 1;                                                               \
        }                                                                           \
    } while (0)

static void usage(FILE *f)
{
    fprintf(f,
            "usage: mnist_cyclegan [options]\n"
            "Train CycleGAN between handwritten (A) and printed (B) digits and write\n"
            "pictures, metrics.csv, loss.png and checkpoint.gan to --out.\n"
            "  --out DIR           outputs (default out-cycle)\n"
            "  --data-a DIR        domain A, MNIST-format files (default mnist-10k)\n"
            "  --data-b DIR        domain B (default printed-10k)\n"
            "  --steps N           training steps (default 6000)\n"
            "  --stop-after N      stop (with a checkpoint) after step N of the run\n"
            "  --batch N           images of each domain per step (default 8)\n"
            "  --lr X              Adam's rate, constant for half the run, then linear to 0\n"
            "                      (default 0.0002)\n"
            "  --cycle X           cycle weight lambda (default 10)\n"
            "  --identity X        identity weight (default 0: off; the reference's is 5)\n"
            "  --g-filters N --g-blocks N --d-filters N --d-layers N   network sizes\n"
            "                      (defaults %d, %d, %d, %d)\n"
            "  --g-downsamplings N the generators' stride-2 stages, 0 to 2 (default %d)\n"
            "  --sample-every N    a picture every N steps (default 500)\n"
            "  --seed N            (default 42)\n"
            "  --threads N         libgan's threads (default 1)\n"
            "  --resume FILE       continue from a checkpoint\n"
            "  --mpi               data-parallel training under mpirun (libgan-mpi): each\n"
            "                      rank trains on its shard, --batch is per rank, rank 0\n"
            "                      writes the outputs (doc/MPI.md)%s\n"
            "  --translate FILE --direction a2b|b2a --translate-out FILE\n"
            "                      with --resume: translate every image of an IDX file\n"
            "                      (plain or gzip) and write the result as IDX\n",
            EX_CYCLEGAN_G_FILTERS, EX_CYCLEGAN_G_BLOCKS, EX_CYCLEGAN_D_FILTERS,
            EX_CYCLEGAN_D_LAYERS, EX_CYCLEGAN_G_DOWNSAMPLINGS,
#ifdef EX_MPI
            ""
#else
            " (not in this build)"
#endif
    );
}

/* 0 to go on, else the exit status (-1: --help). */
static int parse(config *c, int argc, char **argv)
{
    enum { DATA_A = 1000, DATA_B, OUT, STEPS, STOP, BATCH, LR, CYCLE, IDENTITY, GF, GB, DF, DL,
           GD, SAMPLE, SEED, THREADS, RESUME, TRANSLATE, DIRECTION, TRANSLATE_OUT, MPI, HELP };
    static const struct option opts[] = {
        {"data-a", 1, NULL, DATA_A}, {"data-b", 1, NULL, DATA_B}, {"out", 1, NULL, OUT},
        {"steps", 1, NULL, STEPS}, {"stop-after", 1, NULL, STOP}, {"batch", 1, NULL, BATCH}, {"lr", 1, NULL, LR},
        {"cycle", 1, NULL, CYCLE}, {"identity", 1, NULL, IDENTITY},
        {"g-filters", 1, NULL, GF}, {"g-blocks", 1, NULL, GB}, {"d-filters", 1, NULL, DF},
        {"d-layers", 1, NULL, DL}, {"g-downsamplings", 1, NULL, GD},
        {"sample-every", 1, NULL, SAMPLE},
        {"seed", 1, NULL, SEED}, {"threads", 1, NULL, THREADS},
        {"resume", 1, NULL, RESUME}, {"translate", 1, NULL, TRANSLATE},
        {"direction", 1, NULL, DIRECTION}, {"translate-out", 1, NULL, TRANSLATE_OUT},
        {"mpi", 0, NULL, MPI},
        {"help", 0, NULL, HELP}, {NULL, 0, NULL, 0}};
    *c = (config){.data_a = EX_DEFAULT_DATA_A, .data_b = EX_DEFAULT_DATA_B,
                  .out = "out-cycle", .direction = -1, .steps = 6000,
                  .batch = EX_CYCLEGAN_BATCH, .threads = 1, .sample_every = 500,
                  .net = EX_CYCLEGAN_SIZES_DEFAULT, .lr = EX_CYCLEGAN_LR,
                  .cycle = EX_CYCLEGAN_CYCLE, .identity = EX_CYCLEGAN_IDENTITY, .seed = 42};
    for (int opt; (opt = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        bool ok = true;
        int32_t seed;
        switch (opt) {
        case DATA_A: c->data_a = optarg; break;
        case DATA_B: c->data_b = optarg; break;
        case OUT: c->out = optarg; break;
        case STEPS: ok = ex_parse_int(optarg, 1, 100000000, &c->steps); break;
        case STOP: ok = ex_parse_int(optarg, 1, 100000000, &c->stop_after); break;
        case BATCH: ok = ex_parse_int(optarg, 1, 4096, &c->batch); break;
        case LR: ok = ex_parse_double(optarg, 0, DBL_MAX, &c->lr) && c->lr > 0; break;
        case CYCLE: ok = ex_parse_double(optarg, 0, DBL_MAX, &c->cycle); break;
        case IDENTITY: ok = ex_parse_double(optarg, 0, DBL_MAX, &c->identity); break;
        case GF: ok = ex_parse_int(optarg, 1, 1024, &c->net.g_filters); break;
        case GB: ok = ex_parse_int(optarg, 0, 64, &c->net.g_blocks); break;
        case GD: ok = ex_parse_int(optarg, 0, 2, &c->net.g_down); break; /* 28 = 4 x 7 */
        case DF: ok = ex_parse_int(optarg, 1, 1024, &c->net.d_filters); break;
        case DL: ok = ex_parse_int(optarg, 0, 4, &c->net.d_layers); break;
        case SAMPLE: ok = ex_parse_int(optarg, 1, 100000000, &c->sample_every); break;
        case SEED: ok = ex_parse_int(optarg, 0, 2147483647, &seed); c->seed = (uint64_t)seed; break;
        case THREADS: ok = ex_parse_int(optarg, 1, 256, &c->threads); break;
        case RESUME: c->resume = optarg; break;
        case TRANSLATE: c->translate = optarg; break;
        case TRANSLATE_OUT: c->translate_out = optarg; break;
        case DIRECTION:
            c->direction = !strcmp(optarg, "a2b") ? GAN_CYCLEGAN_A2B
                           : !strcmp(optarg, "b2a") ? GAN_CYCLEGAN_B2A : -1;
            ok = c->direction >= 0;
            break;
        case MPI: c->mpi = true; break;
        case HELP: case 'h': usage(stdout); return -1;
        default: ok = false; break;
        }
        if (!ok) {
            fprintf(stderr, "mnist_cyclegan: bad value '%s'\n", optarg ? optarg : "");
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc || (c->translate && (!c->resume || c->direction < 0 ||
                                           !c->translate_out))) {
        fprintf(stderr, "mnist_cyclegan: --translate needs --resume, --direction and "
                        "--translate-out\n");
        return 2;
    }
#ifndef EX_MPI
    if (c->mpi) {
        fprintf(stderr, "mnist_cyclegan: --mpi: this build has no libgan-mpi (build with "
                "Open MPI's libopenmpi-dev installed, meson -Dmpi=enabled)\n");
        return 2;
    }
#endif
    if (c->mpi && c->translate) {
        fprintf(stderr, "mnist_cyclegan: --translate runs in one process, not with --mpi\n");
        return 2;
    }
    return 0;
}

static char *path_in(const config *c, const char *name)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", c->out, name);
    return buf;
}

/* The four networks, their Adams (beta1 0.5) and the trainer with the schedule. */
static int build(run *r)
{
    const config *c = &r->c;
    gan_cyclegan_options_t o;
    CHECK(gan_cyclegan_options_init(&o, sizeof o));
    o.cycle_weight = c->cycle;
    o.identity_weight = c->identity;
    o.seed = c->seed;
    CHECK(ex_cyclegan_build(&c->net, c->batch, c->lr, c->seed, &o, r->m, r->o, &r->t));
#ifdef EX_MPI
    if (c->mpi) { /* rank 0's state to all, each rank its shard, gradients averaged */
        CHECK(gan_mpi_create_cyclegan(&r->mpi, r->t, NULL));
        CHECK(gan_mpi_get_rank(r->mpi, &r->rank, &r->ranks));
        if (c->resume) /* rank 0 reads the file; every rank gets its state */
            CHECK(gan_mpi_load(r->mpi, c->resume));
    }
#endif
    if (c->resume && !c->mpi)
        CHECK(gan_cyclegan_load(r->t, c->resume));
    /* After the load: --steps says how long the run is, also when it is resumed. */
    gan_lr_schedule_t *s;
    CHECK(gan_lr_schedule_linear_create(&s, c->lr, (uint64_t)c->steps / 2,
                                        (uint64_t)(c->steps - c->steps / 2)));
    gan_status st = gan_cyclegan_set_lr_schedule(r->t, s, s);
    gan_lr_schedule_destroy(s);
    CHECK(st);
    return 0;
}

/* The dataset position after @p steps batches of @p batch: whole epochs of
 * floor(count / batch) batches, each epoch's tail skipped (gan_dataset_t). */
static uint64_t position_after(int64_t count, int32_t batch, uint64_t steps)
{
    const uint64_t per_epoch = (uint64_t)(count / batch);
    return steps / per_epoch * (uint64_t)count + steps % per_epoch * (uint64_t)batch;
}

static int open_data(run *r, uint64_t steps)
{
    const char *dirs[2] = {r->c.data_a, r->c.data_b};
    for (int d = 0; d < 2; d++) {
        int64_t count;
        int32_t ch, h, w;
        gan_dataset_t *fixed;
        CHECK(gan_dataset_open_dir(&r->ds[d], dirs[d], r->c.seed + 100 * (uint64_t)d));
        CHECK(gan_dataset_get_info(r->ds[d], &count, &ch, &h, &w, NULL));
        const int32_t global = r->c.batch * r->ranks; /* --mpi: every rank reads it */
        if (ch != 1 || h != 28 || w != 28 || count < global || count < SHOWN) {
            fprintf(stderr, "mnist_cyclegan: %s holds %lld images of (%d,%d,%d); 28x28 "
                    "gray and at least a (global) batch are needed\n", dirs[d],
                    (long long)count, ch, h, w);
            return 1;
        }
        CHECK(gan_dataset_set_position(r->ds[d], position_after(count, global, steps)));
        r->x[d] = malloc(sizeof(float) * 784 * (size_t)r->c.batch);
        r->shown[d] = malloc(sizeof(float) * 784 * SHOWN);
        if (!r->x[d] || !r->shown[d])
            return fprintf(stderr, "mnist_cyclegan: out of memory\n"), 1;
        /* The pictures' images: the first of another seed's order, the same every run. */
        CHECK(gan_dataset_open_dir(&fixed, dirs[d], 7));
        gan_status st = gan_dataset_next_batch(fixed, SHOWN, r->shown[d], NULL);
        gan_dataset_destroy(fixed);
        CHECK(st);
    }
    return 0;
}

/* Rows: a, G(a), F(G(a)), b, F(b), G(F(b)), SHOWN images each. */
static int picture(run *r, const char *name)
{
    static float grid[6 * SHOWN * 784];
    for (int d = 0; d < 2; d++) {
        float *row = grid + (size_t)(3 * d) * SHOWN * 784;
        const int32_t there = d == 0 ? GAN_CYCLEGAN_A2B : GAN_CYCLEGAN_B2A;
        memcpy(row, r->shown[d], sizeof(float) * SHOWN * 784);
        CHECK(gan_cyclegan_translate(r->t, there, row, SHOWN, row + SHOWN * 784));
        CHECK(gan_cyclegan_translate(r->t, 1 - there, row + SHOWN * 784, SHOWN,
                                     row + 2 * SHOWN * 784));
    }
    CHECK(gan_png_write_grid(path_in(&r->c, name), grid, 6 * SHOWN, 1, 28, 28, SHOWN, 2));
    return 0;
}

/* This rank's batch of domain @p d: with --mpi its shard of the global batch. */
static gan_status next_batch(run *r, int d)
{
#ifdef EX_MPI
    if (r->mpi)
        return gan_mpi_next_batch(r->mpi, r->ds[d], r->x[d], NULL);
#endif
    return gan_dataset_next_batch(r->ds[d], r->c.batch, r->x[d], NULL);
}

/* The checkpoint: with --mpi written by rank 0, every rank taking part. */
static gan_status save(run *r)
{
#ifdef EX_MPI
    if (r->mpi)
        return gan_mpi_save(r->mpi, path_in(&r->c, "checkpoint.gan"));
#endif
    return gan_cyclegan_save(r->t, path_in(&r->c, "checkpoint.gan"));
}

static int train(run *r)
{
    const config *c = &r->c;
    uint64_t done = 0;
    CHECK(gan_cyclegan_get_data_position(r->t, &done));
    if (open_data(r, done) != 0)
        return 1;
    const bool writer = r->rank == 0; /* --mpi: rank 0 writes the outputs */
    if (writer && mkdir(c->out, 0777) != 0 && errno != EEXIST)
        return fprintf(stderr, "mnist_cyclegan: cannot create %s\n", c->out), 1;
    r->metrics = writer ? fopen(path_in(c, "metrics.csv"), done ? "a" : "w") : NULL;
    r->curve = malloc(4 * (size_t)c->steps * sizeof *r->curve);
    if ((writer && !r->metrics) || !r->curve)
        return fprintf(stderr, "mnist_cyclegan: cannot open metrics.csv\n"), 1;
    for (size_t i = 0; i < 4 * (size_t)c->steps; i++)
        r->curve[i] = NAN; /* steps before a resume: not drawn */
    if (!done && writer)
        fprintf(r->metrics, "step,g_loss,g_adv_a2b,g_adv_b2a,cycle_a,cycle_b,identity_a,"
                            "identity_b,d_a_loss,d_b_loss,lr\n");
    const clock_t t0 = clock();
    gan_cyclegan_stats_t s = {.struct_size = sizeof s};
    const uint64_t end = c->stop_after && c->stop_after < c->steps ? (uint64_t)c->stop_after
                                                                   : (uint64_t)c->steps;
    for (uint64_t k = done; k < end; k++) {
        for (int d = 0; d < 2; d++)
            CHECK(next_batch(r, d));
        CHECK(gan_cyclegan_step(r->t, r->x[0], r->x[1], c->batch, &s));
        CHECK(gan_cyclegan_set_data_position(r->t, k + 1));
        if (writer) /* --mpi: rank 0's own shard's losses */
            fprintf(r->metrics, "%llu,%g,%g,%g,%g,%g,%g,%g,%g,%g,%g\n",
                    (unsigned long long)(k + 1), s.g_loss, s.g_adv_a2b, s.g_adv_b2a,
                    s.cycle_a, s.cycle_b, s.identity_a, s.identity_b, s.d_a_loss,
                    s.d_b_loss, s.g_learning_rate);
        const float point[4] = {(float)s.g_loss, (float)s.d_a_loss, (float)s.d_b_loss,
                                (float)s.cycle_a};
        for (int i = 0; i < 4; i++)
            r->curve[(size_t)i * c->steps + k] = point[i];
        if ((k + 1) % (uint64_t)c->sample_every == 0 || k + 1 == end) {
            char name[64];
            snprintf(name, sizeof name, "samples_%06llu.png", (unsigned long long)(k + 1));
            const double sec = (double)(clock() - t0) / CLOCKS_PER_SEC;
            if (writer)
                printf("step %llu/%d  G %.3f (adv %.3f %.3f, cycle %.3f %.3f, id %.3f "
                       "%.3f)  D_A %.3f D_B %.3f  lr %.2g  %.2f s/step\n",
                       (unsigned long long)(k + 1), c->steps, s.g_loss, s.g_adv_a2b,
                       s.g_adv_b2a, s.cycle_a, s.cycle_b, s.identity_a, s.identity_b,
                       s.d_a_loss, s.d_b_loss, s.g_learning_rate,
                       sec / (double)(k + 1 - done));
            fflush(stdout);
            if (writer && picture(r, name) != 0)
                return 1;
            CHECK(save(r));
        }
    }
    if (end < (uint64_t)c->steps || !writer)
        return 0; /* stopped early: the checkpoint is written */
    if (picture(r, "samples.png") != 0)
        return 1;
    static const char *const names[4] = {"G loss", "D_A loss", "D_B loss", "cycle A"};
    CHECK(gan_png_write_plot(path_in(c, "loss.png"), 800, 400, r->curve, 4, c->steps, names,
                             "mnist_cyclegan"));
    return 0;
}

/* The epoch-0 order of a dataset (doc/IO.md, pinned by test_io): batch slot k holds
 * file image perm[k]. */
static void epoch0_order(uint64_t seed, uint32_t *perm, uint32_t n)
{
    uint64_t e = 0, s = seed ^ ex_splitmix64(&e), state = ex_splitmix64(&s);
    for (uint32_t i = 0; i < n; i++)
        perm[i] = i;
    for (uint32_t i = n - 1; i >= 1 && n > 1; i--) {
        const uint64_t m = (uint64_t)i + 1, floor = (0 - m) % m; /* 2^64 mod m */
        uint64_t x;
        do
            x = ex_splitmix64(&state);
        while (x < floor);
        const uint32_t j = (uint32_t)(x % m), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

static int translate(run *r)
{
    const config *c = &r->c;
    gan_dataset_t *ds;
    int64_t count;
    int32_t ch, h, w;
    CHECK(gan_dataset_open_idx(&ds, c->translate, NULL, 0));
    CHECK(gan_dataset_get_info(ds, &count, &ch, &h, &w, NULL));
    if (ch != 1 || h != 28 || w != 28)
        return fprintf(stderr, "mnist_cyclegan: %s is not 28x28 gray\n", c->translate), 1;
    const size_t n = (size_t)count;
    float *x = malloc(sizeof *x * n * 784), *y = malloc(sizeof *y * n * 784);
    uint8_t *bytes = malloc(n * 784);
    uint32_t *perm = malloc(sizeof *perm * n);
    if (!x || !y || !bytes || !perm)
        return fprintf(stderr, "mnist_cyclegan: out of memory\n"), 1;
    CHECK(gan_dataset_next_batch(ds, (int32_t)count, x, NULL));
    gan_dataset_destroy(ds);
    CHECK(gan_cyclegan_translate(r->t, c->direction, x, (int32_t)count, y));
    epoch0_order(0, perm, (uint32_t)n);
    for (size_t k = 0; k < n; k++)
        for (size_t p = 0; p < 784; p++) {
            const double v = round(((double)y[k * 784 + p] + 1.0) * 127.5);
            bytes[(size_t)perm[k] * 784 + p] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    const int32_t dims[3] = {(int32_t)count, 28, 28};
    CHECK(gan_idx_write_u8(c->translate_out, bytes, 3, dims));
    printf("translated %lld images (%s) into %s\n", (long long)count,
           c->direction == GAN_CYCLEGAN_A2B ? "a2b" : "b2a", c->translate_out);
    free(x);
    free(y);
    free(bytes);
    free(perm);
    return 0;
}

int main(int argc, char **argv)
{
    run r = {.ranks = 1};
    int status = parse(&r.c, argc, argv);
    if (status)
        return status < 0 ? 0 : status;
#ifdef EX_MPI
    if (r.c.mpi && MPI_Init(NULL, NULL) != MPI_SUCCESS)
        return fprintf(stderr, "mnist_cyclegan: MPI_Init failed\n"), 1;
#endif
    if (gan_set_num_threads(r.c.threads) != GAN_OK)
        return fprintf(stderr, "mnist_cyclegan: %s\n", gan_last_error()), 1;
    status = build(&r);
    if (!status)
        status = r.c.translate ? translate(&r) : train(&r);
    if (r.metrics)
        fclose(r.metrics);
#ifdef EX_MPI
    uint64_t calls, bytes;
    double seconds;
    if (!status && r.rank == 0 && r.mpi &&
        gan_mpi_get_stats(r.mpi, &calls, &bytes, &seconds) == GAN_OK && calls)
        printf("mnist_cyclegan: all-reduce (rank 0) on %d ranks: %llu calls, %.2f MB each, "
               "%.2f ms each\n", (int)r.ranks, (unsigned long long)calls,
               (double)bytes / 1e6 / (double)calls, 1e3 * seconds / (double)calls);
    if (r.c.mpi && status) { /* the other ranks may wait in a collective: end them all */
        fflush(NULL);
        MPI_Abort(MPI_COMM_WORLD, status);
    }
    gan_mpi_destroy(r.mpi);
#endif
    gan_cyclegan_destroy(r.t);
    for (int i = 0; i < 4; i++) {
        gan_optimizer_destroy(r.o[i]);
        gan_model_destroy(r.m[i]);
    }
    for (int d = 0; d < 2; d++) {
        gan_dataset_destroy(r.ds[d]);
        free(r.x[d]);
        free(r.shown[d]);
    }
    free(r.curve);
#ifdef EX_MPI
    if (r.c.mpi)
        MPI_Finalize();
#endif
    return status;
}
