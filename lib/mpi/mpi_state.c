/* libgan-mpi's collective plumbing: verdicts every rank agrees on, rank 0's training state
 * copied to all ranks (through a checkpoint), and the check that all ranks train the
 * same models. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mpi_internal.h"

/* One rank's verdict in gan__mpi_agree. */
typedef struct gan__verdict {
    int32_t status;
    char text[GAN__MPI_TEXT];
} gan__verdict;

gan_status gan__mpi_fail(int rc, const char *who, const char *call)
{
    char text[MPI_MAX_ERROR_STRING] = "";
    int len = 0;
    MPI_Error_string(rc, text, &len);
    return gan_set_error(GAN_E_IO, "%s: %s failed: %s", who, call, text);
}

gan_status gan__mpi_agree(gan_mpi_t *m, gan_status st, const char *who)
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
    st = gan__mpi_trainer_file(m, true, file);
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
        st = gan__mpi_trainer_file(m, false, file);
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

gan_status gan__mpi_share_state(gan_mpi_t *m, const char *path, const char *who)
{
    uint8_t *data = NULL;
    uint64_t size = 0;
    gan_status st = GAN_OK;
    if (m->rank == 0 && path)
        st = gan__mpi_trainer_file(m, false, path);
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

uint64_t gan__fnv(uint64_t h, const void *data, size_t n)
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
gan_status gan__mpi_check_models(gan_mpi_t *m, const char *who)
{
    enum { N = 1 + GAN__MPI_MODELS }; /* the batch size, then each model's hash */
    int32_t batch = 0;
    uint64_t mine[N] = {0};
    gan_status st = gan_model_get_batch_size(m->models[0], &batch);
    for (int k = 0; k < m->n_models && st == GAN_OK; k++)
        st = gan__mpi_model_hash(m->models[k], &mine[1 + k], who);
    mine[0] = (uint64_t)(uint32_t)batch;
    if ((st = gan__mpi_agree(m, st, who)) != GAN_OK)
        return st;
    uint64_t *all = malloc((size_t)m->size * sizeof mine);
    if (!all)
        st = gan_set_error(GAN_E_NO_MEMORY, "%s: cannot allocate %d descriptions", who,
                           m->size);
    if ((st = gan__mpi_agree(m, st, who)) != GAN_OK)
        return st;
    int rc = MPI_Allgather(mine, N, MPI_UINT64_T, all, N, MPI_UINT64_T, m->comm);
    if (rc != MPI_SUCCESS)
        st = gan__mpi_fail(rc, who, "MPI_Allgather");
    for (int r = 1; r < m->size && st == GAN_OK; r++) {
        const uint64_t *a = all, *b = all + N * (size_t)r;
        if (b[0] != a[0])
            st = gan_set_error(GAN_E_BATCH_SIZE, "%s: rank %d trains batches of %d and "
                               "rank 0 batches of %d: every rank needs the same batch size",
                               who, r, (int)b[0], (int)a[0]);
        for (int k = 0; k < m->n_models && st == GAN_OK; k++)
            if (b[1 + k] != a[1 + k])
                st = gan_set_error(GAN_E_SHAPE, "%s: rank %d's %s differs from rank 0's "
                                   "(gan_model_summary: layer kinds, names, shapes or "
                                   "parameter counts): every rank needs the same models",
                                   who, r, m->roles[k]);
    }
    free(all);
    return st; /* every rank compared the same table: the same verdict everywhere */
}
