/* The MPI rig (run under mpirun by check_mpi.sh): mnist_gan's MLP GAN trained with
 * libgan-mpi on each rank's shard of the vendored digits, against one process on the
 * global batch; and the faults: mismatched batch sizes, a rank that dies.
 * usage: mpi_rig MODE DATA_DIR STEPS
 *   exact     rank 0 first trains one trainer on the global batch (ranks x 32, built
 *             for as many parts as ranks), then all ranks train with batch 32 each;
 *             prints the largest parameter difference and fails above 1e-5
 *   bn        the same with BatchNorm after each hidden Dense layer (and no biases
 *             before it or at the output), each rank with its own statistics: prints
 *   syncbn    the same with sync-BN (gan_mpi_set_sync_bn); fails above 1e-4
 *   mismatch  rank 1 builds batch 31: gan_mpi_create must refuse on every rank
 *   model     rank 1's D has 255 units where rank 0's has 256: refused likewise
 *   die       rank 1 exits at step 2 (without MPI_Finalize): mpirun must end the job
 *   cyclegan  CycleGAN (gan_mpi_create_cyclegan): the examples' ResNet generators and
 *             PatchGAN discriminators, small, on handwritten (A, DATA_DIR) and printed
 *             (B, DATA_B) digits, pools off; rank 0 first trains one trainer on the
 *             global batch (ranks x 8, as many parts as ranks); prints the largest
 *             differences and fails above 1e-5, or above 2 x steps x the learning
 *             rate for the biases before an InstanceNorm (see cg_diff)
 *   cgpool    the same with pools of 4 images (each rank's own): prints the difference
 *   cgmodel   rank 1's D_B has 5 filters where rank 0's has 4: gan_mpi_create_cyclegan
 *             must refuse on every rank, naming D_B
 * usage for these: mpi_rig cyclegan|cgpool|cgmodel DATA_DIR STEPS DATA_B
 *   seqgan    SeqGAN (gan_mpi_create_seqgan): the tests' small rig (seqgan_rig.c) on
 *             synthetic sequences, maximum-likelihood and policy-gradient steps, 2 ranks
 *             x 4 against 1 process x 8; fails above 1e-5
 *   text2img  text to image (gan_mpi_create_text2img, sync-BN for G's BatchNorm): the
 *             tests' rig (t2i_rig_make_parallel) on synthetic images and captions; fails
 *             above 1e-5 for D and E, 1e-3 for G (the bias before its BatchNorm)
 * usage for these: mpi_rig seqgan|text2img DATA_DIR STEPS (DATA_DIR unused) */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gan/gan.h>
#include <gan/io.h>
#include <gan/mpi.h>

#include "common/cyclegan_models.h"
#include "seqgan_rig.h"
#include "test_util.h"
#include "text2img_rig.h"

#define LATENT 100
#define BATCH 32

typedef struct rig {
    gan_model_t *g, *d;
    gan_optimizer_t *g_opt, *d_opt;
    gan_trainer_t *trainer;
    gan_dataset_t *data;
    float *real;
} rig;

#define CHECK(call)                                                                    \
    do {                                                                               \
        if ((call) != GAN_OK) {                                                        \
            fprintf(stderr, "mpi_rig: rank %d: %s: %s\n", rank, #call, gan_last_error()); \
            MPI_Abort(MPI_COMM_WORLD, 1);                                              \
        }                                                                              \
    } while (0)

static int rank, size;
static bool with_bn; /* modes bn and syncbn */

static gan_model_t *mlp(int32_t in, const int32_t *units, int32_t out, bool generator,
                        int32_t batch, int32_t parts, uint64_t seed)
{
    gan_model_options_t o;
    CHECK(gan_model_options_init(&o, sizeof o));
    o.seed = seed;
    gan_model_t *m;
    const int32_t dims[1] = {in};
    CHECK(gan_model_create(&m, dims, 1, &o));
    gan_layer_t *l;
    for (int i = 0; i < 2; i++) {
        /* Before BatchNorm a bias has a zero gradient but for rounding, which Adam would
         * turn into steps of the learning rate either way. */
        CHECK(gan_layer_dense_create(&l, units[i], !with_bn));
        CHECK(gan_model_add(m, l));
        if (with_bn) {
            CHECK(gan_layer_batchnorm_create(&l, 0.1f, 1e-5f));
            CHECK(gan_model_add(m, l));
        }
        if (generator)
            CHECK(gan_layer_relu_create(&l));
        else
            CHECK(gan_layer_leaky_relu_create(&l, 0.2f));
        CHECK(gan_model_add(m, l));
    }
    /* Nor at G's output: a shift of all the fakes is invisible to D's BatchNorm. */
    CHECK(gan_layer_dense_create(&l, out, !(with_bn && generator)));
    CHECK(gan_model_add(m, l));
    if (generator) {
        CHECK(gan_layer_tanh_create(&l));
        CHECK(gan_model_add(m, l));
    }
    CHECK(gan_model_set_parts(m, parts));
    CHECK(gan_model_build(m, batch));
    return m;
}

static void rig_create(rig *r, int32_t batch, int32_t parts, const char *data, bool odd)
{
    static const int32_t gu[2] = {256, 512}, du[2] = {512, 256}, odd_du[2] = {512, 255};
    r->g = mlp(LATENT, gu, 784, true, batch, parts, 1);
    r->d = mlp(784, odd ? odd_du : du, 1, false, batch, parts, 2);
    CHECK(gan_optimizer_adam_create(&r->g_opt, r->g, 2e-4f, 0.5f, 0.999f, 1e-8f));
    CHECK(gan_optimizer_adam_create(&r->d_opt, r->d, 2e-4f, 0.5f, 0.999f, 1e-8f));
    gan_hacks_t *h;
    CHECK(gan_hacks_create(&h));
    CHECK(gan_hacks_set(h, GAN_HACK_SEED, 7));
    CHECK(gan_hacks_set(h, GAN_HACK_FLIP_PROB, 0.05)); /* per-sample draws */
    CHECK(gan_trainer_create(&r->trainer, r->g, r->d, r->g_opt, r->d_opt, h));
    gan_hacks_destroy(h);
    CHECK(gan_dataset_open_dir(&r->data, data, 7));
    r->real = malloc((size_t)batch * 784 * sizeof *r->real);
    if (!r->real)
        MPI_Abort(MPI_COMM_WORLD, 1);
}

static void rig_destroy(rig *r)
{
    gan_trainer_destroy(r->trainer);
    gan_optimizer_destroy(r->g_opt);
    gan_optimizer_destroy(r->d_opt);
    gan_model_destroy(r->g);
    gan_model_destroy(r->d);
    gan_dataset_destroy(r->data);
    free(r->real);
}

static double max_diff(gan_model_t *a, gan_model_t *b, bool *same_bits)
{
    float *pa, *pb;
    size_t na, nb;
    CHECK(gan_model_get_params(a, &pa, &na));
    CHECK(gan_model_get_params(b, &pb, &nb));
    double m = 0.0;
    for (size_t i = 0; i < na && i < nb; i++)
        m = fmax(m, fabs((double)pa[i] - pb[i]));
    *same_bits = na == nb && memcmp(pa, pb, na * sizeof *pa) == 0;
    return m;
}

/* CycleGAN (modes cyclegan and cgpool): four small networks on 28x28 digits. */
#define CG_BATCH 8

typedef struct cg {
    gan_model_t *m[4]; /* G, F, D_A, D_B */
    gan_optimizer_t *o[4];
    gan_cyclegan_t *t;
    gan_dataset_t *data[2];
    float *x[2];
} cg;

static void cg_create(cg *c, int32_t batch, int32_t parts, const char *const data[2],
                      int32_t pool, bool odd)
{
    static const char *const names[4] = {"G", "F", "D_A", "D_B"};
    for (int i = 0; i < 4; i++) {
        if (i < 2) /* 4 filters, 1 residual block, 1 downsampling */
            CHECK(ex_resnet_generator(1, 1, 28, 28, 4, 1, 1, batch, names[i], 11 + i,
                                      &c->m[i]));
        else /* 4 filters, 1 layer: a 12x12 map of scores */
            CHECK(ex_patchgan_discriminator(1, 28, 28, odd && i == 3 ? 5 : 4, 1, batch,
                                            names[i], 11 + i, &c->m[i]));
        CHECK(gan_model_set_parts(c->m[i], parts));
        CHECK(gan_optimizer_adam_create(&c->o[i], c->m[i], 2e-4f, 0.5f, 0.999f, 1e-8f));
    }
    gan_cyclegan_options_t o;
    CHECK(gan_cyclegan_options_init(&o, sizeof o));
    o.pool_size = pool;
    CHECK(gan_cyclegan_create(&c->t, c->m[0], c->m[1], c->m[2], c->m[3], c->o[0], c->o[1],
                              c->o[2], c->o[3], &o));
    for (int d = 0; d < 2; d++) {
        CHECK(gan_dataset_open_dir(&c->data[d], data[d], 7 + (uint64_t)d));
        if (!(c->x[d] = malloc((size_t)batch * 784 * sizeof *c->x[d])))
            MPI_Abort(MPI_COMM_WORLD, 1);
    }
}

static void cg_destroy(cg *c)
{
    gan_cyclegan_destroy(c->t);
    for (int i = 0; i < 4; i++) {
        gan_optimizer_destroy(c->o[i]);
        gan_model_destroy(c->m[i]);
    }
    for (int d = 0; d < 2; d++) {
        gan_dataset_destroy(c->data[d]);
        free(c->x[d]);
    }
}

static double max_diff(gan_model_t *a, gan_model_t *b, bool *same_bits);

/* Whether all ranks hold the same parameters (collective), and the all-reduces' cost. */
static bool ranks_agree(gan_mpi_t *mpi, uint64_t *calls, uint64_t *bytes, double *seconds)
{
    bool same;
    CHECK(gan_mpi_check_params(mpi, &same));
    CHECK(gan_mpi_get_stats(mpi, calls, bytes, seconds));
    return same;
}

/* The largest |difference| of @p a's and @p b's parameters, apart (*norm_bias) for the
 * biases of the layers an InstanceNorm follows: InstanceNorm takes away any shift of a
 * channel, so their gradient is zero but for rounding, which Adam turns into steps of
 * the learning rate either way (in the one process and on the ranks alike). */
static double cg_diff(gan_model_t *a, gan_model_t *b, double *norm_bias)
{
    float *pa, *pb;
    size_t n, nb, offset, count;
    int32_t layers, dims[4], ndim;
    CHECK(gan_model_get_params(a, &pa, &n));
    CHECK(gan_model_get_params(b, &pb, &nb));
    CHECK(gan_model_get_layer_count(a, &layers));
    size_t skip_from = n, skip_to = n; /* the bias range checked below */
    double rest = 0.0;
    *norm_bias = 0.0;
    for (size_t i = 0; i < n && i < nb; i++) {
        if (i >= skip_to || i == 0) { /* find the next layer's bias range, if any */
            skip_from = skip_to = n;
            for (int32_t k = 0; k + 1 < layers; k++) {
                gan_layer_t *next;
                CHECK(gan_model_get_layer_params(a, k, &offset, &count));
                CHECK(gan_model_get_layer(a, k + 1, &next));
                CHECK(gan_model_get_output_shape(a, k, dims, &ndim));
                if (count && strcmp(gan_layer_get_kind(next), "instancenorm") == 0 &&
                    offset + count > i && offset + count - (size_t)dims[0] < skip_from) {
                    skip_from = offset + count - (size_t)dims[0];
                    skip_to = offset + count;
                }
            }
        }
        const double d = fabs((double)pa[i] - pb[i]);
        if (i >= skip_from && i < skip_to)
            *norm_bias = fmax(*norm_bias, d);
        else
            rest = fmax(rest, d);
    }
    return rest;
}

/* 2 ranks x CG_BATCH against one process on the global batch: 0 when it passes. */
static int cg_main(const char *mode, const char *const data[2], int steps)
{
    const int32_t pool = strcmp(mode, "cgpool") == 0 ? 4 : 0;
    cg one = {0}, r;
    if (rank == 0 && strcmp(mode, "cgmodel") != 0) {
        cg_create(&one, size * CG_BATCH, size, data, pool, false);
        for (int i = 0; i < steps; i++) {
            for (int d = 0; d < 2; d++)
                CHECK(gan_dataset_next_batch(one.data[d], size * CG_BATCH, one.x[d], NULL));
            CHECK(gan_cyclegan_step(one.t, one.x[0], one.x[1], size * CG_BATCH, NULL));
        }
    }
    const bool refuse = strcmp(mode, "cgmodel") == 0;
    cg_create(&r, CG_BATCH, 1, data, pool, refuse && rank == 1);
    gan_mpi_t *mpi;
    gan_status st = gan_mpi_create_cyclegan(&mpi, r.t, NULL);
    if (refuse) {
        const bool ok = st == GAN_E_SHAPE && strstr(gan_last_error(), "rank 1's D_B") &&
                        gan_mpi_create_cyclegan(NULL, r.t, NULL) == GAN_E_INVALID_ARG &&
                        gan_mpi_create_cyclegan(&mpi, NULL, NULL) == GAN_E_INVALID_ARG;
        printf("rank %d: %s\n", rank, ok ? "refused" : "NOT refused as expected");
        cg_destroy(&r);
        MPI_Finalize();
        return ok ? 0 : 1;
    }
    CHECK(st);
    for (int i = 0; i < steps; i++) {
        for (int d = 0; d < 2; d++)
            CHECK(gan_mpi_next_batch(mpi, r.data[d], r.x[d], NULL));
        CHECK(gan_cyclegan_step(r.t, r.x[0], r.x[1], CG_BATCH, NULL));
    }
    uint64_t calls, bytes;
    double seconds;
    const bool same = ranks_agree(mpi, &calls, &bytes, &seconds);
    int rc = same ? 0 : 1;
    if (rank == 0) {
        static const char *const names[4] = {"G", "F", "D_A", "D_B"};
        printf("%s: %d ranks x batch %d against 1 process x batch %d (%d parts), %d steps, "
               "pools of %d: the ranks' parameters %s; largest |difference| from the one "
               "process:", mode, size, CG_BATCH, size * CG_BATCH, size, steps, (int)pool,
               same ? "agree bit for bit" : "DIFFER");
        double worst = 0.0, worst_bias = 0.0;
        for (int i = 0; i < 4; i++) {
            double bias;
            const double d = cg_diff(one.m[i], r.m[i], &bias);
            worst = fmax(worst, d);
            worst_bias = fmax(worst_bias, bias);
            printf(" %s %.3g (its biases before an InstanceNorm %.3g)", names[i], d, bias);
        }
        printf("\nall-reduce: %llu calls, %.3f MB a step per rank, %.3f ms per call\n",
               (unsigned long long)calls, (double)bytes / 1e6 / steps,
               calls ? 1e3 * seconds / (double)calls : 0.0);
        /* Adam moves a parameter by about the learning rate (2e-4) a step at most. */
        if (pool == 0 && (worst > 1e-5 || worst_bias > 2.0 * steps * 2e-4))
            rc = 1;
        cg_destroy(&one);
    }
    gan_mpi_destroy(mpi);
    cg_destroy(&r);
    MPI_Finalize();
    return rc;
}

/* SeqGAN and text to image (modes seqgan and text2img): batches of PT_B a rank. */
#define PT_B 4

typedef struct pt_data {
    int32_t *seq;      /* (rows, 5): real sequences of 6 tokens */
    float *images;     /* (rows, 16): 4x4 images */
    int32_t *captions; /* (rows, 3) */
    int32_t *wrong;    /* (rows, 3): another caption of each row */
} pt_data;

/* @p rows rows of each, the same on every rank. */
static void pt_data_make(pt_data *d, size_t rows)
{
    d->seq = malloc(rows * 5 * sizeof *d->seq);
    d->images = malloc(rows * 16 * sizeof *d->images);
    d->captions = malloc(rows * 3 * sizeof *d->captions);
    d->wrong = malloc(rows * 3 * sizeof *d->wrong);
    if (!d->seq || !d->images || !d->captions || !d->wrong)
        MPI_Abort(MPI_COMM_WORLD, 1);
    gt_rng rng;
    gt_seed(&rng, 8);
    gt_fill(&rng, d->images, rows * 16, -1.0f, 1.0f);
    for (size_t i = 0; i < rows * 5; i++)
        d->seq[i] = (int32_t)((i * 7 + i / 5) % 6);
    for (size_t i = 0; i < rows * 3; i++) {
        d->captions[i] = (int32_t)(gt_uniform(&rng) * 6);
        d->wrong[i] = (d->captions[i] + 1 + (int32_t)(gt_uniform(&rng) * 5)) % 6;
    }
}

/* Step @p i on rows @p row to @p row + @p batch - 1 of the @p global rows of a step. */
static gan_status pt_step(bool seq, sg_rig *sg, t2i_rig *ti, const pt_data *d, int i,
                          int32_t row, int32_t batch, int32_t global)
{
    const size_t at = (size_t)i * (size_t)global + (size_t)row;
    if (seq) {
        gan_status st = gan_seqgan_mle_step(sg->t, d->seq + at * 5, batch, NULL);
        return st != GAN_OK ? st : gan_seqgan_pg_step(sg->t, batch, NULL);
    }
    return gan_text2img_step(ti->t, d->images + at * 16, d->captions + at * 3,
                             d->wrong + at * 3, batch, NULL);
}

/* 2 ranks x PT_B against one process on the global batch: 0 when it passes. */
static int pt_main(const char *mode, int steps)
{
    const bool seq = strcmp(mode, "seqgan") == 0;
    const int32_t global = size * PT_B;
    pt_data d;
    pt_data_make(&d, (size_t)steps * (size_t)global);
    sg_rig sg_one = {0}, sg = {0};
    t2i_rig ti_one = {0}, ti = {0};
    if (rank == 0) {
        if (seq)
            sg_rig_make(&sg_one, 6, 5, global, 3, NULL, NULL);
        else
            t2i_rig_make_parallel(&ti_one, global);
        for (int i = 0; i < steps; i++)
            CHECK(pt_step(seq, &sg_one, &ti_one, &d, i, 0, global, global));
    }
    if (seq)
        sg_rig_make(&sg, 6, 5, PT_B, 3, NULL, NULL);
    else
        t2i_rig_make_parallel(&ti, PT_B);
    gan_mpi_t *mpi;
    CHECK(seq ? gan_mpi_create_seqgan(&mpi, sg.t, NULL)
              : gan_mpi_create_text2img(&mpi, ti.t, NULL));
    CHECK(gan_mpi_set_sync_bn(mpi, !seq));
    for (int i = 0; i < steps; i++)
        CHECK(pt_step(seq, &sg, &ti, &d, i, rank * PT_B, PT_B, global));
    uint64_t calls, bytes;
    double seconds;
    const bool same = ranks_agree(mpi, &calls, &bytes, &seconds);
    int rc = same ? 0 : 1;
    if (rank == 0) {
        gan_model_t *const ref[3] = {seq ? sg_one.g : ti_one.g, seq ? sg_one.d : ti_one.d,
                                     ti_one.e};
        gan_model_t *const mine[3] = {seq ? sg.g : ti.g, seq ? sg.d : ti.d, ti.e};
        static const char *const names[3] = {"G", "D", "E"};
        printf("%s: %d ranks x batch %d against 1 process x batch %d, %d steps: the ranks' "
               "parameters %s; largest |difference| from the one process:", mode, size,
               PT_B, global, steps, same ? "agree bit for bit" : "DIFFER");
        for (int k = 0; k < (seq ? 2 : 3); k++) {
            bool bits;
            const double diff = max_diff(ref[k], mine[k], &bits);
            printf(" %s %.3g", names[k], diff);
            if (diff > (k == 0 && !seq ? 1e-3 : 1e-5))
                rc = 1;
        }
        printf("\nall-reduce: %llu calls, %.3f ms per call\n", (unsigned long long)calls,
               calls ? 1e3 * seconds / (double)calls : 0.0);
    }
    gan_mpi_destroy(mpi);
    if (seq) {
        sg_rig_free(&sg);
        if (rank == 0)
            sg_rig_free(&sg_one);
    } else {
        t2i_rig_free(&ti);
        if (rank == 0)
            t2i_rig_free(&ti_one);
    }
    free(d.seq);
    free(d.images);
    free(d.captions);
    free(d.wrong);
    MPI_Finalize();
    return rc;
}

int main(int argc, char **argv)
{
    const bool cyclegan = argc == 5 && (strcmp(argv[1], "cyclegan") == 0 ||
                                        strcmp(argv[1], "cgpool") == 0 ||
                                        strcmp(argv[1], "cgmodel") == 0);
    if (argc != 4 && !cyclegan) {
        fprintf(stderr, "usage: mpi_rig exact|bn|syncbn|mismatch|model|die DATA_DIR STEPS\n"
                        "       mpi_rig cyclegan|cgpool|cgmodel DATA_DIR STEPS DATA_B\n"
                        "       mpi_rig seqgan|text2img DATA_DIR STEPS\n");
        return 2;
    }
    const char *mode = argv[1], *data = argv[2];
    const bool exact = strcmp(mode, "exact") == 0 || strcmp(mode, "bn") == 0 ||
                       strcmp(mode, "syncbn") == 0;
    with_bn = strcmp(mode, "bn") == 0 || strcmp(mode, "syncbn") == 0;
    const int steps = atoi(argv[3]);
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECK(gan_set_num_threads(1));
    CHECK(gan_blas_set_num_threads(1));
    if (cyclegan) {
        const char *const domains[2] = {data, argv[4]};
        return cg_main(mode, domains, steps);
    }
    if (strcmp(mode, "seqgan") == 0 || strcmp(mode, "text2img") == 0)
        return pt_main(mode, steps);

    rig one = {0};
    if (rank == 0 && exact) {
        rig_create(&one, size * BATCH, size, data, false);
        for (int i = 0; i < steps; i++) {
            CHECK(gan_dataset_next_batch(one.data, size * BATCH, one.real, NULL));
            CHECK(gan_trainer_step(one.trainer, one.real, NULL, size * BATCH, NULL));
        }
    }

    const int32_t batch = strcmp(mode, "mismatch") == 0 && rank == 1 ? BATCH - 1 : BATCH;
    rig r;
    rig_create(&r, batch, 1, data, strcmp(mode, "model") == 0 && rank == 1);
    gan_mpi_t *mpi;
    gan_status st = gan_mpi_create(&mpi, r.trainer, NULL);
    if (strcmp(mode, "mismatch") == 0 || strcmp(mode, "model") == 0) {
        int ok = strcmp(mode, "model") == 0
                     ? st == GAN_E_SHAPE && strstr(gan_last_error(), "rank 1's discriminator")
                     : st == GAN_E_BATCH_SIZE && strstr(gan_last_error(), "batches of 31");
        printf("rank %d: %s: %s\n", rank, gan_status_string(st), gan_last_error());
        rig_destroy(&r);
        MPI_Finalize();
        return ok ? 0 : 1;
    }
    CHECK(st);
    CHECK(gan_mpi_set_sync_bn(mpi, strcmp(mode, "syncbn") == 0));
    gan_step_stats_t s = {.struct_size = sizeof s};
    for (int i = 0; i < steps; i++) {
        if (strcmp(mode, "die") == 0 && rank == 1 && i == 2) {
            fprintf(stderr, "mpi_rig: rank 1 exits at step 2 on purpose\n");
            _exit(3);
        }
        CHECK(gan_mpi_next_batch(mpi, r.data, r.real, NULL));
        CHECK(gan_trainer_step(r.trainer, r.real, NULL, BATCH, &s));
    }
    uint64_t calls, bytes;
    double seconds;
    const bool same = ranks_agree(mpi, &calls, &bytes, &seconds);
    int rc = same ? 0 : 1;
    if (rank == 0) {
        bool gs, ds;
        const double dg = max_diff(one.g, r.g, &gs), dd = max_diff(one.d, r.d, &ds);
        printf("%s: %d ranks x batch %d against 1 process x batch %d (%d parts), %d steps: "
               "the ranks' parameters %s; largest |difference| from the one process: "
               "G %.3g%s, D %.3g%s\n", mode, size, BATCH, size * BATCH, size, steps,
               same ? "agree bit for bit" : "DIFFER", dg, gs ? " (the same bits)" : "",
               dd, ds ? " (the same bits)" : "");
        printf("all-reduce: %llu calls, %.2f MB each way per rank, %.3f ms per call\n",
               (unsigned long long)calls, (double)bytes / 1e6,
               calls ? 1e3 * seconds / (double)calls : 0.0);
        /* Sync-BN's statistics round differently in their last bit (two double sums
         * added, against one), and a few of these models' gradients are so near zero
         * (~1e-8) that Adam's first step, g / (|g| + 1e-8), turns that into 4e-6. */
        const double tolerance = strcmp(mode, "syncbn") == 0 ? 1e-4 : 1e-5;
        if (strcmp(mode, "bn") != 0 && (dg > tolerance || dd > tolerance))
            rc = 1;
        rig_destroy(&one);
    }
    gan_mpi_destroy(mpi);
    rig_destroy(&r);
    MPI_Finalize();
    return rc;
}
