/* libgan-mpi: a trainer's gradients averaged across MPI ranks through its gradient hook,
 * rank 0's state copied to all, each rank's data shard, checkpoints from rank 0. The
 * public functions and the hooks; the collective plumbing is mpi_state.c's. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpi_internal.h"

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
    gan_status st = GAN_OK;
    for (int k = 0; k < m->n_models && st == GAN_OK; k++)
        st = gan_model_set_reduce_hook(m->models[k], on ? gan__mpi_sum : NULL, m);
    return st;
}

/* The attached trainer's hook and shard (NULL hook: none, and one shard of one). */
static gan_status gan__mpi_attach(gan_mpi_t *m, gan_grad_hook_fn hook)
{
    return gan__mpi_kind_attach(m, hook, hook ? m->rank : 0, hook ? m->size : 1);
}

/* Every create function: a handle on @p trainer of @p kind and its models, the
 * communicator, the checks, rank 0's state, the shard and the hook. */
static gan_status gan__mpi_start(gan_mpi_t **out, int kind, void *trainer, const void *comm,
                                 const char *who)
{
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
    m->kind = kind;
    m->trainer = trainer;
    gan_status st = gan__mpi_kind_models(m);
    int rc = st == GAN_OK ? MPI_Comm_dup(comm ? *(const MPI_Comm *)comm : MPI_COMM_WORLD,
                                         &m->comm)
                          : MPI_SUCCESS;
    if (st != GAN_OK || rc != MPI_SUCCESS) {
        free(m);
        return st != GAN_OK ? st : gan__mpi_fail(rc, who, "MPI_Comm_dup");
    }
    MPI_Comm_set_errhandler(m->comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(m->comm, &m->rank);
    MPI_Comm_size(m->comm, &m->size);
    st = gan__mpi_check_models(m, who);
    if (st == GAN_OK)
        st = gan__mpi_share_state(m, NULL, who);
    if (st == GAN_OK)
        st = gan__mpi_attach(m, gan__mpi_average);
    if ((st = gan__mpi_agree(m, st, who)) != GAN_OK) {
        gan__mpi_attach(m, NULL);
        MPI_Comm_free(&m->comm);
        free(m);
        return st;
    }
    *out = m;
    return GAN_OK;
}

gan_status gan_mpi_create(gan_mpi_t **out, gan_trainer_t *trainer, const void *comm)
{
    return gan__mpi_start(out, GAN__MPI_GAN, trainer, comm, "gan_mpi_create");
}

gan_status gan_mpi_create_cyclegan(gan_mpi_t **out, gan_cyclegan_t *trainer,
                                   const void *comm)
{
    return gan__mpi_start(out, GAN__MPI_CYCLEGAN, trainer, comm, "gan_mpi_create_cyclegan");
}

gan_status gan_mpi_create_seqgan(gan_mpi_t **out, gan_seqgan_t *trainer, const void *comm)
{
    return gan__mpi_start(out, GAN__MPI_SEQGAN, trainer, comm, "gan_mpi_create_seqgan");
}

gan_status gan_mpi_create_text2img(gan_mpi_t **out, gan_text2img_t *trainer,
                                   const void *comm)
{
    return gan__mpi_start(out, GAN__MPI_TEXT2IMG, trainer, comm, "gan_mpi_create_text2img");
}

void gan_mpi_destroy(gan_mpi_t *m)
{
    if (!m)
        return;
    gan__mpi_attach(m, NULL);
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
    int32_t batch, c, h, w;
    gan_status st = gan_model_get_batch_size(m->models[0], &batch);
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
    gan_status st = m->rank == 0 ? gan__mpi_trainer_file(m, true, path) : GAN_OK;
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
    gan_status st = GAN_OK;
    uint64_t hash = 0xcbf29ce484222325ull, lo, hi;
    for (int k = 0; k < m->n_models && st == GAN_OK; k++) {
        float *p;
        size_t n;
        if ((st = gan_model_get_params(m->models[k], &p, &n)) == GAN_OK)
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
