/* libgan-mpi: a trainer's gradients averaged across MPI ranks through its gradient hook,
 * rank 0's state copied to all, each rank's data shard, checkpoints from rank 0. */
#include <limits.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gan/extend.h"
#include "gan/mpi.h"

#define GAN__MPI_TEXT 448 /* a rank's message in a collective verdict */

struct gan_mpi {
    gan_trainer_t *trainer;
    MPI_Comm comm; /* the caller's, duplicated */
    int rank, size;
    float *scratch;  /* (size x batch, image): the global batch of gan_mpi_next_batch */
    int32_t *scratch_labels;
    size_t scratch_floats;
    uint64_t calls, bytes;
    double seconds;
};

/* One rank's verdict in gan__mpi_agree. */
typedef struct gan__verdict {
    int32_t status;
    char text[GAN__MPI_TEXT];
} gan__verdict;

static gan_status gan__mpi_fail(int rc, const char *who, const char *call)
{
    char text[MPI_MAX_ERROR_STRING] = "";
    int len = 0;
    MPI_Error_string(rc, text, &len);
    return gan_set_error(GAN_E_IO, "%s: %s failed: %s", who, call, text);
}

/* Every rank learns the first failing rank's status and message (or GAN_OK), so that
 * a collective call returns the same on every rank. */
static gan_status gan__mpi_agree(gan_mpi_t *m, gan_status st, const char *who)
{
    gan__verdict mine = {.status = st}, *all = malloc((size_t)m->size * sizeof *all);
    if (!all)
        return gan_set_error(GAN_E_NO_MEMORY, "%s: cannot allocate %d verdicts", who,
                             m->size);
    if (st != GAN_OK)
        snprintf(mine.text, sizeof mine.text, "%s", gan_last_error());
    int rc = MPI_Allgather(&mine, (int)sizeof mine, MPI_BYTE, all, (int)sizeof mine,
                           MPI_BYTE, m->comm);
    if (rc != MPI_SUCCESS) {
        free(all);
        return gan__mpi_fail(rc, who, "MPI_Allgather");
    }
    gan_status out = GAN_OK;
    for (int r = 0; r < m->size && out == GAN_OK; r++)
        if (all[r].status != GAN_OK) {
            out = (gan_status)all[r].status;
            if (r != m->rank) /* our own failure keeps its own message */
                gan_set_error(out, "%s: rank %d failed: %s", who, r, all[r].text);
        }
    free(all);
    return out;
}

/* A file in a fresh private directory under $TMPDIR (or /tmp): @p dir and @p file. */
static gan_status gan__mpi_tempfile(char *dir, size_t dir_size, char *file, size_t file_size,
                                    const char *who)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    if ((size_t)snprintf(dir, dir_size, "%s/gan-mpi-XXXXXX", tmp) >= dir_size ||
        (size_t)snprintf(file, file_size, "%s/state", dir) >= file_size)
        return gan_set_error(GAN_E_IO, "%s: the temporary directory '%s' has too long a "
                             "name", who, tmp);
    if (!mkdtemp(dir))
        return gan_set_error(GAN_E_IO, "%s: cannot create a temporary directory in '%s'",
                             who, tmp);
    snprintf(file, file_size, "%s/state", dir);
    return GAN_OK;
}

static void gan__mpi_remove(const char *dir, const char *file)
{
    unlink(file);
    rmdir(dir);
}

/* Rank 0's checkpoint as bytes (*data, *size; the caller frees). */
static gan_status gan__mpi_save_bytes(gan_mpi_t *m, uint8_t **data, uint64_t *size,
                                      const char *who)
{
    char dir[PATH_MAX], file[PATH_MAX];
    gan_status st = gan__mpi_tempfile(dir, sizeof dir, file, sizeof file, who);
    if (st != GAN_OK)
        return st;
    st = gan_trainer_save(m->trainer, file);
    FILE *f = st == GAN_OK ? fopen(file, "rb") : NULL;
    if (st == GAN_OK && !f)
        st = gan_set_error(GAN_E_IO, "%s: cannot read back '%s'", who, file);
    long len = -1;
    if (f && fseek(f, 0, SEEK_END) == 0)
        len = ftell(f);
    if (f && len < 0)
        st = gan_set_error(GAN_E_IO, "%s: cannot size '%s'", who, file);
    uint8_t *buf = NULL;
    if (st == GAN_OK && !(buf = malloc(len > 0 ? (size_t)len : 1)))
        st = gan_set_error(GAN_E_NO_MEMORY, "%s: cannot allocate %ld bytes", who, len);
    if (st == GAN_OK && (fseek(f, 0, SEEK_SET) != 0 ||
                         fread(buf, 1, (size_t)len, f) != (size_t)len))
        st = gan_set_error(GAN_E_IO, "%s: cannot read back '%s'", who, file);
    if (f)
        fclose(f);
    gan__mpi_remove(dir, file);
    if (st != GAN_OK) {
        free(buf);
        return st;
    }
    *data = buf;
    *size = (uint64_t)len;
    return GAN_OK;
}

/* Load a checkpoint given as bytes, through a private temporary file. */
static gan_status gan__mpi_load_bytes(gan_mpi_t *m, const uint8_t *data, uint64_t size,
                                      const char *who)
{
    char dir[PATH_MAX], file[PATH_MAX];
    gan_status st = gan__mpi_tempfile(dir, sizeof dir, file, sizeof file, who);
    if (st != GAN_OK)
        return st;
    FILE *f = fopen(file, "wb");
    if (!f || fwrite(data, 1, (size_t)size, f) != (size_t)size)
        st = gan_set_error(GAN_E_IO, "%s: cannot write '%s'", who, file);
    if (f && fclose(f) != 0 && st == GAN_OK)
        st = gan_set_error(GAN_E_IO, "%s: cannot write '%s'", who, file);
    if (st == GAN_OK)
        st = gan_trainer_load(m->trainer, file);
    gan__mpi_remove(dir, file);
    return st;
}

/* MPI_Bcast of @p n bytes from rank 0, in pieces an int counts. */
static int gan__mpi_bcast(void *data, uint64_t n, MPI_Comm comm)
{
    uint8_t *p = data;
    int rc = MPI_SUCCESS;
    for (uint64_t at = 0; at < n && rc == MPI_SUCCESS; at += INT_MAX) {
        const uint64_t piece = n - at < INT_MAX ? n - at : INT_MAX;
        rc = MPI_Bcast(p + at, (int)piece, MPI_BYTE, 0, comm);
    }
    return rc;
}

/* Rank 0's training state (saved, or loaded from @p path first) to every rank. */
static gan_status gan__mpi_share_state(gan_mpi_t *m, const char *path, const char *who)
{
    uint8_t *data = NULL;
    uint64_t size = 0;
    gan_status st = GAN_OK;
    if (m->rank == 0 && path)
        st = gan_trainer_load(m->trainer, path);
    if (m->rank == 0 && st == GAN_OK)
        st = gan__mpi_save_bytes(m, &data, &size, who);
    if ((st = gan__mpi_agree(m, st, who)) != GAN_OK)
        return st;
    int rc = MPI_Bcast(&size, 1, MPI_UINT64_T, 0, m->comm);
    if (rc != MPI_SUCCESS)
        st = gan__mpi_fail(rc, who, "MPI_Bcast");
    if (st == GAN_OK && m->rank != 0 && !(data = malloc(size ? (size_t)size : 1)))
        st = gan_set_error(GAN_E_NO_MEMORY, "%s: cannot allocate %llu bytes", who,
                           (unsigned long long)size);
    if ((st = gan__mpi_agree(m, st, who)) == GAN_OK) {
        if ((rc = gan__mpi_bcast(data, size, m->comm)) != MPI_SUCCESS)
            st = gan__mpi_fail(rc, who, "MPI_Bcast");
        else if (m->rank != 0)
            st = gan__mpi_load_bytes(m, data, size, who);
        st = gan__mpi_agree(m, st, who);
    }
    free(data);
    return st;
}

/* FNV-1a, 64 bits. */
static uint64_t gan__fnv(uint64_t h, const void *data, size_t n)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* A hash of the model's description (gan_model_summary: layer names, kinds, output
 * shapes, parameter counts). */
static gan_status gan__mpi_model_hash(const gan_model_t *model, uint64_t *hash,
                                      const char *who)
{
    size_t len = 0;
    gan_status st = gan_model_summary(model, NULL, 0, &len);
    char *text = st == GAN_OK ? malloc(len + 1) : NULL;
    if (st == GAN_OK && !text)
        return gan_set_error(GAN_E_NO_MEMORY, "%s: cannot allocate %zu bytes", who, len + 1);
    if (st == GAN_OK)
        st = gan_model_summary(model, text, len + 1, NULL);
    if (st == GAN_OK)
        *hash = gan__fnv(0xcbf29ce484222325ull, text, len);
    free(text);
    return st;
}

/* Every rank's batch size and model hashes against rank 0's. */
static gan_status gan__mpi_check_models(gan_mpi_t *m, const char *who)
{
    gan_model_t *g, *d;
    int32_t batch = 0;
    uint64_t mine[3] = {0, 0, 0};
    gan_status st = gan_trainer_get_models(m->trainer, &g, &d);
    if (st == GAN_OK)
        st = gan_model_get_batch_size(g, &batch);
    if (st == GAN_OK)
        st = gan__mpi_model_hash(g, &mine[1], who);
    if (st == GAN_OK)
        st = gan__mpi_model_hash(d, &mine[2], who);
    mine[0] = (uint64_t)(uint32_t)batch;
    if ((st = gan__mpi_agree(m, st, who)) != GAN_OK)
        return st;
    uint64_t *all = malloc((size_t)m->size * sizeof mine);
    if (!all)
        st = gan_set_error(GAN_E_NO_MEMORY, "%s: cannot allocate %d descriptions", who,
                           m->size);
    if ((st = gan__mpi_agree(m, st, who)) != GAN_OK)
        return st;
    int rc = MPI_Allgather(mine, 3, MPI_UINT64_T, all, 3, MPI_UINT64_T, m->comm);
    if (rc != MPI_SUCCESS)
        st = gan__mpi_fail(rc, who, "MPI_Allgather");
    for (int r = 1; r < m->size && st == GAN_OK; r++) {
        const uint64_t *a = all, *b = all + 3 * (size_t)r;
        if (b[0] != a[0])
            st = gan_set_error(GAN_E_BATCH_SIZE, "%s: rank %d trains batches of %d and "
                               "rank 0 batches of %d: every rank needs the same batch size",
                               who, r, (int)b[0], (int)a[0]);
        else if (b[1] != a[1] || b[2] != a[2])
            st = gan_set_error(GAN_E_SHAPE, "%s: rank %d's %s differs from rank 0's "
                               "(gan_model_summary: layer kinds, names, shapes or parameter "
                               "counts): every rank needs the same models", who, r,
                               b[1] != a[1] ? "generator" : "discriminator");
    }
    free(all);
    return st; /* every rank compared the same table: the same verdict everywhere */
}

/* MPI_Allreduce(SUM) in place over every rank, in pieces of at most INT_MAX elements
 * (MPI counts are int). */
static gan_status gan__mpi_sum_in_place(gan_mpi_t *m, void *data, size_t count,
                                        MPI_Datatype type, size_t element, const char *who)
{
    for (size_t at = 0; at < count; at += INT_MAX) {
        const size_t piece = count - at < INT_MAX ? count - at : INT_MAX;
        int rc = MPI_Allreduce(MPI_IN_PLACE, (char *)data + at * element, (int)piece, type,
                               MPI_SUM, m->comm);
        if (rc != MPI_SUCCESS)
            return gan__mpi_fail(rc, who, "MPI_Allreduce");
    }
    return GAN_OK;
}

/* The gradient hook: the sum over ranks, times 1/size. */
static gan_status gan__mpi_average(void *user, int32_t network, float *grads, size_t count)
{
    gan_mpi_t *m = user;
    (void)network;
    const double t0 = MPI_Wtime();
    gan_status st = gan__mpi_sum_in_place(m, grads, count, MPI_FLOAT, sizeof *grads,
                                          "gan_mpi (gradient hook)");
    if (st != GAN_OK)
        return st;
    const float scale = 1.0f / (float)m->size;
    for (size_t i = 0; m->size > 1 && i < count; i++)
        grads[i] *= scale;
    m->seconds += MPI_Wtime() - t0;
    m->calls++;
    m->bytes += (uint64_t)count * sizeof *grads;
    return GAN_OK;
}

/* Sync-BN's reduction hook: BatchNorm's per-channel sums over all ranks. */
static gan_status gan__mpi_sum(void *user, int32_t layer, double *sums, size_t count)
{
    gan_mpi_t *m = user;
    (void)layer;
    return gan__mpi_sum_in_place(m, sums, count, MPI_DOUBLE, sizeof *sums, "gan_mpi (sync-BN)");
}

gan_status gan_mpi_set_sync_bn(gan_mpi_t *m, bool on)
{
    if (!m)
        return gan_set_error(GAN_E_INVALID_ARG, "gan_mpi_set_sync_bn: handle is NULL");
    gan_model_t *g, *d;
    gan_status st = gan_trainer_get_models(m->trainer, &g, &d);
    if (st == GAN_OK)
        st = gan_model_set_reduce_hook(g, on ? gan__mpi_sum : NULL, m);
    if (st == GAN_OK)
        st = gan_model_set_reduce_hook(d, on ? gan__mpi_sum : NULL, m);
    return st;
}

gan_status gan_mpi_create(gan_mpi_t **out, gan_trainer_t *trainer, const void *comm)
{
    static const char who[] = "gan_mpi_create";
    if (!out || !trainer)
        return gan_set_error(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                             out ? "trainer" : "out");
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (!initialized || finalized)
        return gan_set_error(GAN_E_STATE, "%s: MPI is %s (call MPI_Init first)", who,
                             finalized ? "finalised" : "not initialised");
    gan_mpi_t *m = calloc(1, sizeof *m);
    if (!m)
        return gan_set_error(GAN_E_NO_MEMORY, "%s: cannot allocate the handle", who);
    m->trainer = trainer;
    int rc = MPI_Comm_dup(comm ? *(const MPI_Comm *)comm : MPI_COMM_WORLD, &m->comm);
    if (rc != MPI_SUCCESS) {
        free(m);
        return gan__mpi_fail(rc, who, "MPI_Comm_dup");
    }
    MPI_Comm_set_errhandler(m->comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(m->comm, &m->rank);
    MPI_Comm_size(m->comm, &m->size);
    gan_status st = gan__mpi_check_models(m, who);
    if (st == GAN_OK)
        st = gan__mpi_share_state(m, NULL, who);
    if (st == GAN_OK)
        st = gan_trainer_set_shard(trainer, m->rank, m->size);
    if (st == GAN_OK)
        st = gan_trainer_set_grad_hook(trainer, gan__mpi_average, m);
    if ((st = gan__mpi_agree(m, st, who)) != GAN_OK) {
        gan_trainer_set_grad_hook(trainer, NULL, NULL);
        gan_trainer_set_shard(trainer, 0, 1);
        MPI_Comm_free(&m->comm);
        free(m);
        return st;
    }
    *out = m;
    return GAN_OK;
}

void gan_mpi_destroy(gan_mpi_t *m)
{
    if (!m)
        return;
    gan_trainer_set_grad_hook(m->trainer, NULL, NULL);
    gan_trainer_set_shard(m->trainer, 0, 1);
    gan_mpi_set_sync_bn(m, false);
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized)
        MPI_Comm_free(&m->comm);
    free(m->scratch);
    free(m->scratch_labels);
    free(m);
}

gan_status gan_mpi_get_rank(const gan_mpi_t *m, int32_t *rank, int32_t *size)
{
    if (!m)
        return gan_set_error(GAN_E_INVALID_ARG, "gan_mpi_get_rank: handle is NULL");
    if (rank)
        *rank = m->rank;
    if (size)
        *size = m->size;
    return GAN_OK;
}

gan_status gan_mpi_next_batch(gan_mpi_t *m, gan_dataset_t *ds, float *x, int32_t *labels)
{
    static const char who[] = "gan_mpi_next_batch";
    if (!m || !ds || !x)
        return gan_set_error(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                             !m ? "handle" : !ds ? "ds" : "x");
    gan_model_t *g;
    int32_t batch, c, h, w;
    gan_status st = gan_trainer_get_models(m->trainer, &g, NULL);
    if (st == GAN_OK)
        st = gan_model_get_batch_size(g, &batch);
    if (st == GAN_OK)
        st = gan_dataset_get_info(ds, NULL, &c, &h, &w, NULL);
    if (st != GAN_OK)
        return st;
    const size_t image = (size_t)c * h * w, rows = (size_t)batch * m->size;
    if (rows > INT32_MAX)
        return gan_set_error(GAN_E_OUT_OF_RANGE, "%s: a global batch of %zu samples is "
                             "more than %d", who, rows, INT32_MAX);
    if (m->scratch_floats < rows * image) {
        float *s = realloc(m->scratch, rows * image * sizeof *s);
        if (!s)
            return gan_set_error(GAN_E_NO_MEMORY, "%s: cannot allocate the global batch "
                                 "(%zu floats)", who, rows * image);
        m->scratch = s;
        int32_t *l = realloc(m->scratch_labels, rows * sizeof *l);
        if (!l)
            return gan_set_error(GAN_E_NO_MEMORY, "%s: cannot allocate %zu labels", who,
                                 rows);
        m->scratch_labels = l;
        m->scratch_floats = rows * image;
    }
    st = gan_dataset_next_batch(ds, (int32_t)rows, m->scratch, labels ? m->scratch_labels : NULL);
    if (st != GAN_OK)
        return st;
    const size_t first = (size_t)m->rank * batch;
    memcpy(x, m->scratch + first * image, (size_t)batch * image * sizeof *x);
    if (labels)
        memcpy(labels, m->scratch_labels + first, (size_t)batch * sizeof *labels);
    return GAN_OK;
}

gan_status gan_mpi_save(gan_mpi_t *m, const char *path)
{
    static const char who[] = "gan_mpi_save";
    if (!m)
        return gan_set_error(GAN_E_INVALID_ARG, "%s: handle is NULL", who);
    gan_status st = m->rank == 0 ? gan_trainer_save(m->trainer, path) : GAN_OK;
    return gan__mpi_agree(m, st, who);
}

gan_status gan_mpi_load(gan_mpi_t *m, const char *path)
{
    static const char who[] = "gan_mpi_load";
    if (!m)
        return gan_set_error(GAN_E_INVALID_ARG, "%s: handle is NULL", who);
    if (m->rank == 0 && !path) /* told to every rank, as the load's own error would be */
        return gan__mpi_agree(m, gan_set_error(GAN_E_INVALID_ARG, "%s: path is NULL", who),
                              who);
    return gan__mpi_share_state(m, path ? path : "", who);
}

gan_status gan_mpi_check_params(gan_mpi_t *m, bool *same)
{
    static const char who[] = "gan_mpi_check_params";
    if (!m || !same)
        return gan_set_error(GAN_E_INVALID_ARG, "%s: %s is NULL", who, m ? "same" : "handle");
    gan_model_t *net[2];
    gan_status st = gan_trainer_get_models(m->trainer, &net[0], &net[1]);
    uint64_t hash = 0xcbf29ce484222325ull, lo, hi;
    for (int k = 0; k < 2 && st == GAN_OK; k++) {
        float *p;
        size_t n;
        if ((st = gan_model_get_params(net[k], &p, &n)) == GAN_OK)
            hash = gan__fnv(hash, p, n * sizeof *p);
    }
    if ((st = gan__mpi_agree(m, st, who)) != GAN_OK)
        return st;
    int rc = MPI_Allreduce(&hash, &lo, 1, MPI_UINT64_T, MPI_MIN, m->comm);
    if (rc == MPI_SUCCESS)
        rc = MPI_Allreduce(&hash, &hi, 1, MPI_UINT64_T, MPI_MAX, m->comm);
    if (rc != MPI_SUCCESS)
        return gan__mpi_fail(rc, who, "MPI_Allreduce");
    *same = lo == hi;
    return GAN_OK;
}

gan_status gan_mpi_get_stats(const gan_mpi_t *m, uint64_t *calls, uint64_t *bytes,
                             double *seconds)
{
    if (!m)
        return gan_set_error(GAN_E_INVALID_ARG, "gan_mpi_get_stats: handle is NULL");
    if (calls)
        *calls = m->calls;
    if (bytes)
        *bytes = m->bytes;
    if (seconds)
        *seconds = m->seconds;
    return GAN_OK;
}
