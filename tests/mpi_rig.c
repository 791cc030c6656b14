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
 *   die       rank 1 exits at step 2 (without MPI_Finalize): mpirun must end the job */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gan/gan.h>
#include <gan/io.h>
#include <gan/mpi.h>

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

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: mpi_rig exact|bn|syncbn|mismatch|model|die DATA_DIR STEPS\n");
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
    bool same;
    CHECK(gan_mpi_check_params(mpi, &same));
    uint64_t calls, bytes;
    double seconds;
    CHECK(gan_mpi_get_stats(mpi, &calls, &bytes, &seconds));
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
