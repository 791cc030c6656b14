/* What the MNIST examples share: the training loop, progress, metrics, pictures,
 * checkpoints and exact resume (the flags are in example_flags.c). */
#define _POSIX_C_SOURCE 200809L
#include "example.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef EX_MPI
#include <gan/mpi.h>
#include <mpi.h>
#endif

#define EX_GRID 64          /* the fixed-z sample grid: 8 x 8, or 10 x 10 conditional */
#define EX_GRID_COLUMNS 8
#define EX_SEED_GRID 0x5eedULL

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
    int32_t rank, ranks; /* --mpi: this process's rank and their number; else 0 and 1 */
    int32_t global;      /* the batch of all ranks together: ranks x --batch */
#ifdef EX_MPI
    gan_mpi_t *mpi;
#endif
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
    if (c->parts) /* the same bits at any --threads: the BLAS must not thread either */
        EX_CHECK(gan_blas_set_num_threads(1));
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
    EX_CHECK(gan_model_set_parts(r->g, c->parts));
    EX_CHECK(gan_model_set_parts(r->d, c->parts));
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
#ifdef EX_MPI
    if (c->mpi) { /* rank 0's state to all, each rank its shard, gradients averaged */
        EX_CHECK(gan_mpi_create(&r->mpi, r->trainer, NULL));
        EX_CHECK(gan_mpi_get_rank(r->mpi, &r->rank, &r->ranks));
        EX_CHECK(gan_mpi_set_sync_bn(r->mpi, c->sync_bn));
    }
#endif
    r->global = r->ranks * c->batch;
    if (count < r->global) {
        fprintf(stderr, "%s: %s holds %lld images, fewer than one global batch of %d\n",
                c->program, c->data_dir, (long long)count, (int)r->global);
        return 1;
    }
    r->steps_per_epoch = count / r->global;
    r->total_steps = r->steps_per_epoch * c->epochs;
    if (c->resume) {
        uint64_t position;
#ifdef EX_MPI
        if (r->mpi) /* rank 0 reads the file; every rank gets its state */
            EX_CHECK(gan_mpi_load(r->mpi, c->resume));
        else
#endif
            EX_CHECK(gan_trainer_load(r->trainer, c->resume));
        EX_CHECK(gan_trainer_get_data_position(r->trainer, &position));
        EX_CHECK(gan_dataset_set_position(r->data, position));
        r->step = (int64_t)(position / (uint64_t)r->global);
    }
    if (r->rank == 0 && mkdir(c->out_dir, 0777) != 0 && errno != EEXIST) {
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
    double rate = (double)(r->step - r->first_step) * r->global /
                  fmax(now - r->started, 1e-9);
    double eta = rate > 0 ? (double)(r->total_steps - r->step) * r->global / rate : 0;
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
#ifdef EX_MPI
    if (st == GAN_OK && r->mpi) /* written by rank 0; every rank learns how it went */
        st = gan_mpi_save(r->mpi, path);
    else
#endif
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
    if (!r->metrics) /* --mpi: only rank 0 writes (its own shard's losses) */
        return;
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
        int32_t *labels = c->conditional ? r->labels : NULL;
#ifdef EX_MPI
        if (r->mpi)
            EX_CHECK(gan_mpi_next_batch(r->mpi, r->data, r->real, labels));
        else
#endif
            EX_CHECK(gan_dataset_next_batch(r->data, c->batch, r->real, labels));
        EX_CHECK(gan_trainer_step(r->trainer, r->real, c->conditional ? r->labels : NULL,
                                  c->batch, &s));
        r->step++;
        ex_metrics_row(r, &s);
        if (r->rank == 0)
            ex_progress(r, &s, r->step == r->total_steps);
        if (r->rank == 0 && c->sample_every > 0 && r->step % c->sample_every == 0) {
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
    if (r->rank != 0) /* --mpi: the other ranks only take part in the checkpoint */
        return ex_checkpoint(r);
    if (ex_write_grid(r, "samples_final.png") || ex_checkpoint(r))
        return 1;
    /* The data is done with (the checkpoint has its position): the plot's image and the
     * samples take its place instead of adding to the peak. */
    gan_dataset_destroy(r->data);
    r->data = NULL;
    char *path = ex_path(c, "loss_curve.png");
    if (!path)
        return 1;
    gan_status st = gan_png_write_plot(path, 960, 540, r->curve, 4, (int32_t)r->total_steps,
                                       names, c->program);
    free(path);
    EX_CHECK(st);
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
    ex_run_state run = {.c = c, .ranks = 1}, *r = &run;
#ifdef EX_MPI
    if (c->mpi && MPI_Init(NULL, NULL) != MPI_SUCCESS) {
        fprintf(stderr, "%s: MPI_Init failed\n", c->program);
        return 1;
    }
#endif
    int rc = ex_setup(r, build);
    if (rc == 0 && r->rank == 0)
        rc = ex_open_metrics(r);
    if (rc == 0 && r->rank == 0) {
        size_t length = 0;
        gan_hacks_describe(c->hacks, NULL, 0, &length);
        char *text = malloc(length + 1);
        if (text) {
            gan_hacks_describe(c->hacks, text, length + 1, NULL);
            printf("%s: %lld steps of batch %d", c->program, (long long)r->total_steps,
                   (int)c->batch);
            if (r->ranks > 1)
                printf(" on each of %d ranks (%d in all)", (int)r->ranks, (int)r->global);
            const char *backend = gan_blas_default_backend();
            gan_model_get_backend(r->g, &backend);
            printf(" over %d epochs of %s, backend %s (kernels: %s)\n%s", (int)c->epochs,
                   c->data_dir, backend, gan_blas_kernels(), text);
            fflush(stdout);
            free(text);
        }
    }
    if (rc == 0)
        rc = ex_train(r);
    if (rc == 0)
        rc = ex_finish(r);
    if (r->metrics && fclose(r->metrics) != 0 && rc == 0) {
        fprintf(stderr, "%s: writing metrics.csv failed: %s\n", c->program, strerror(errno));
        rc = 1;
    }
#ifdef EX_MPI
    uint64_t calls, bytes;
    double seconds;
    if (rc == 0 && r->rank == 0 && r->mpi &&
        gan_mpi_get_stats(r->mpi, &calls, &bytes, &seconds) == GAN_OK && calls)
        printf("%s: all-reduce (rank 0): %llu calls, %.2f MB each, %.2f ms each\n",
               c->program, (unsigned long long)calls, (double)bytes / 1e6 / (double)calls,
               1e3 * seconds / (double)calls);
#endif
    if (rc == 0 && r->rank == 0)
        printf("%s: done; outputs in %s/\n", c->program, c->out_dir);
#ifdef EX_MPI
    if (c->mpi && rc != 0) { /* the other ranks may wait in a collective: end them all */
        fflush(NULL);
        MPI_Abort(MPI_COMM_WORLD, rc);
    }
    gan_mpi_destroy(r->mpi);
#endif
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
#ifdef EX_MPI
    if (c->mpi)
        MPI_Finalize();
#endif
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
