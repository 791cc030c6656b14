/* libgan-mpi's internals: the handle, shared by mpi.c (the public functions, the hooks)
 * and mpi_state.c (verdicts, rank 0's state to all, the models' check). */
#ifndef GAN_MPI_INTERNAL_H
#define GAN_MPI_INTERNAL_H

#include <mpi.h>
#include <stdint.h>

#include "gan/extend.h"
#include "gan/mpi.h"

#define GAN__MPI_TEXT 448 /* a rank's message in a collective verdict */
#define GAN__MPI_MODELS 4 /* the most networks a trainer has (CycleGAN's) */

/* The kinds of trainer a handle attaches to (mpi_trainers.c). */
enum { GAN__MPI_GAN, GAN__MPI_CYCLEGAN, GAN__MPI_SEQGAN, GAN__MPI_TEXT2IMG };

/* The handle, attached to one trainer of any kind. */
struct gan_mpi {
    int kind;                 /* GAN__MPI_* */
    void *trainer;            /* a gan_trainer_t, gan_cyclegan_t, ... as kind says */
    gan_model_t *models[GAN__MPI_MODELS]; /* the trainer's networks */
    const char *const *roles; /* their names in messages */
    int n_models;
    MPI_Comm comm; /* the caller's, duplicated */
    int rank, size;
    float *scratch;  /* (size x batch, image): the global batch of gan_mpi_next_batch */
    int32_t *scratch_labels;
    size_t scratch_floats;
    uint64_t calls, bytes;
    double seconds;
};

/* GAN_E_IO with MPI's text for @p rc, naming @p who and the MPI @p call. */
gan_status gan__mpi_fail(int rc, const char *who, const char *call);
/* Every rank learns the first failing rank's status and message (or GAN_OK), so that
 * a collective call returns the same on every rank. */
gan_status gan__mpi_agree(gan_mpi_t *m, gan_status st, const char *who);
/* Rank 0's training state (saved, or loaded from @p path first) to every rank. */
gan_status gan__mpi_share_state(gan_mpi_t *m, const char *path, const char *who);
/* Every rank's batch size and model descriptions against rank 0's. */
gan_status gan__mpi_check_models(gan_mpi_t *m, const char *who);
/* FNV-1a, 64 bits, of @p n bytes, on from @p h. */
uint64_t gan__fnv(uint64_t h, const void *data, size_t n);
/* The attached trainer's models (into models, n_models, roles), its shard and gradient
 * hook, its checkpoint's save or load. */
gan_status gan__mpi_kind_models(gan_mpi_t *m);
gan_status gan__mpi_kind_attach(gan_mpi_t *m, gan_grad_hook_fn hook, int32_t index,
                                int32_t count);
gan_status gan__mpi_trainer_file(gan_mpi_t *m, bool save, const char *path);

#endif
