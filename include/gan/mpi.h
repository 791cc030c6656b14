/* libgan-mpi: data-parallel training of a GAN trainer over MPI (libgan-mpi.so, its own
 * library; this header is not part of the umbrella gan/gan.h). */
#ifndef GAN_MPI_H
#define GAN_MPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gan/cyclegan.h>
#include <gan/export.h>
#include <gan/io.h>
#include <gan/seqgan.h>
#include <gan/status.h>
#include <gan/text2img.h>
#include <gan/train.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Data-parallel training as Horovod does it: every rank of an MPI communicator runs the
 * same program with the same models, optimizers and hacks, and trains on its own shard
 * of each global batch (size x the trainer's batch); a gradient hook
 * (gan_trainer_set_grad_hook()) all-reduces each network's gradient arena at every
 * update (MPI_Allreduce with MPI_SUM, then times 1/size), so that every rank makes the
 * same update and the parameters stay the same on all ranks. Link with `pkg-config
 * --libs libgan-mpi`; the program initialises MPI itself (MPI_Init) and finalises it
 * after gan_mpi_destroy().
 *
 * The header includes no MPI header: a communicator is passed by address (a pointer to
 * the caller's MPI_Comm).
 *
 * Thread safety: one thread at a time per handle, and MPI's rules for the communicator
 * (the handle works on a duplicate of it, so its messages never mix with the caller's).
 */
typedef struct gan_mpi gan_mpi_t;

/**
 * @brief Attach a trainer to a communicator: a collective call that every rank makes
 *        with its own trainer. It checks that all ranks describe the same training (the
 *        batch size, and a hash of each model's layer kinds, names, shapes and parameter
 *        counts), copies rank 0's whole training state (both models' parameters and
 *        state, both optimizers' state, the trainer's random state and EMA weights, as a
 *        checkpoint carries them) to the other ranks, makes rank r shard r of size
 *        (gan_trainer_set_shard()) and installs the averaging gradient hook.
 * @param out receives the handle; free it with gan_mpi_destroy() before the trainer.
 * @param trainer the rank's trainer, borrowed (it must outlive the handle); its hook and
 *        shard are the handle's until gan_mpi_destroy().
 * @param comm the address of an MPI_Comm, or NULL for MPI_COMM_WORLD; duplicated (the
 *        caller's communicator is not kept).
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL), GAN_E_STATE (MPI not initialised or already
 *         finalised), GAN_E_BATCH_SIZE (the ranks' batch sizes differ: the message names
 *         both), GAN_E_SHAPE (the ranks' models differ), GAN_E_IO (an MPI call failed, or
 *         the state could not be passed through a temporary file), GAN_E_FORMAT (a
 *         rank could not load rank 0's state), GAN_E_NO_MEMORY. Every rank returns the
 *         same status; on failure the trainer has no hook and no shard, and holds its
 *         own state, or rank 0's if the failure came after the copy (another rank's
 *         load failed).
 */
GAN_API gan_status gan_mpi_create(gan_mpi_t **out, gan_trainer_t *trainer, const void *comm);

/**
 * @brief Attach a CycleGAN trainer to a communicator, as gan_mpi_create() attaches a GAN
 *        trainer: a collective call that checks the batch size and a hash of each of the
 *        four models (G, F, D_A, D_B), copies rank 0's whole training state (the four
 *        models and optimizers, the random state, the step count, the schedules and the
 *        pools, as gan_cyclegan_save() writes them) to the other ranks, makes rank r
 *        shard r of size (gan_cyclegan_set_shard(): each rank keeps a pool of its own)
 *        and installs the averaging gradient hook (gan_cyclegan_set_grad_hook(): four
 *        all-reduces a step, G, F, D_A, D_B). All the other gan_mpi_* functions work on
 *        the handle as on a GAN trainer's: gan_mpi_next_batch() once per domain (each
 *        domain's data set with the same seed on every rank), gan_mpi_save() and
 *        gan_mpi_load() with gan_cyclegan_save() and gan_cyclegan_load(), sync-BN on
 *        all four models.
 * @param out receives the handle; free it with gan_mpi_destroy() before the trainer.
 * @param trainer the rank's CycleGAN trainer, borrowed (it must outlive the handle); its
 *        hook and shard are the handle's until gan_mpi_destroy().
 * @param comm the address of an MPI_Comm, or NULL for MPI_COMM_WORLD; duplicated.
 * @return as gan_mpi_create(): GAN_OK; GAN_E_INVALID_ARG (NULL), GAN_E_STATE (MPI not
 *         initialised or already finalised), GAN_E_BATCH_SIZE (the ranks' batch sizes
 *         differ), GAN_E_SHAPE (a rank's model differs from rank 0's: the message names
 *         it), GAN_E_IO, GAN_E_FORMAT, GAN_E_NO_MEMORY; the same status on every rank.
 */
GAN_API gan_status gan_mpi_create_cyclegan(gan_mpi_t **out, gan_cyclegan_t *trainer,
                                           const void *comm);

/**
 * @brief Attach a SeqGAN trainer, as gan_mpi_create() attaches a GAN trainer: the batch
 *        size and G's and D's descriptions checked, rank 0's state (gan_seqgan_save()'s)
 *        copied to all ranks, rank r made shard r of size (gan_seqgan_set_shard(): the
 *        sampled tokens and rollouts of the global batch) and the averaging hook
 *        installed (gan_seqgan_set_grad_hook(): one all-reduce per update of G or D).
 *        The caller hands each rank its rows of each global batch of real sequences
 *        (gan_mpi_next_batch() reads image data sets only). A collective call.
 * @param out receives the handle; free it with gan_mpi_destroy() before the trainer.
 * @param trainer the rank's SeqGAN trainer, borrowed; its hook and shard are the
 *        handle's until gan_mpi_destroy().
 * @param comm the address of an MPI_Comm, or NULL for MPI_COMM_WORLD; duplicated.
 * @return as gan_mpi_create(), the same on every rank: GAN_OK; GAN_E_INVALID_ARG (NULL),
 *         GAN_E_STATE (MPI not initialised or finalised), GAN_E_BATCH_SIZE, GAN_E_SHAPE
 *         (a rank's model differs: the message names it), GAN_E_IO, GAN_E_FORMAT,
 *         GAN_E_NO_MEMORY.
 */
GAN_API gan_status gan_mpi_create_seqgan(gan_mpi_t **out, gan_seqgan_t *trainer,
                                         const void *comm);

/**
 * @brief Attach a text-to-image trainer, as gan_mpi_create() attaches a GAN trainer: the
 *        batch size and G's, D's and E's descriptions checked, rank 0's state
 *        (gan_text2img_save()'s) copied to all ranks, rank r made shard r of size
 *        (gan_text2img_set_shard(): the latents of the global batch) and the averaging
 *        hook installed (gan_text2img_set_grad_hook(): D, E when trained, then G, each
 *        an all-reduce). The caller hands each rank its rows of images, captions and
 *        wrong captions (gan_mpi_next_batch() gives the images and labels of an image
 *        data set). A collective call.
 * @param out receives the handle; free it with gan_mpi_destroy() before the trainer.
 * @param trainer the rank's text-to-image trainer, borrowed; its hook and shard are the
 *        handle's until gan_mpi_destroy().
 * @param comm the address of an MPI_Comm, or NULL for MPI_COMM_WORLD; duplicated.
 * @return as gan_mpi_create(), the same on every rank: GAN_OK; GAN_E_INVALID_ARG (NULL),
 *         GAN_E_STATE (MPI not initialised or finalised), GAN_E_BATCH_SIZE, GAN_E_SHAPE
 *         (a rank's model differs: the message names it), GAN_E_IO, GAN_E_FORMAT,
 *         GAN_E_NO_MEMORY.
 */
GAN_API gan_status gan_mpi_create_text2img(gan_mpi_t **out, gan_text2img_t *trainer,
                                           const void *comm);

/** @brief Detach: remove the hooks (gradients, sync-BN), make the trainer one shard of
 *         one again and free the handle (not collective); NULL is a no-op. */
GAN_API void gan_mpi_destroy(gan_mpi_t *mpi);

/**
 * @brief Synchronised batch normalisation (sync-BN): install (or remove) on all of the
 *        trainer's models (two, text to image's three or CycleGAN's four) a reduction hook (gan_model_set_reduce_hook()) that all-reduces
 *        every BatchNorm layer's per-channel sums (MPI_Allreduce, MPI_DOUBLE, MPI_SUM),
 *        so that the statistics are the global batch's and the ranks train as one
 *        process on the global batch does. Off by default: each rank's BatchNorm then
 *        normalises with its own shard's statistics. Every rank must make the same
 *        choice (it is not checked).
 * @param on true to synchronise, false to stop.
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL handle).
 */
GAN_API gan_status gan_mpi_set_sync_bn(gan_mpi_t *mpi, bool on);

/**
 * @brief This process's rank and the number of ranks.
 * @param rank receives the rank (0 is the one that writes checkpoints), or NULL.
 * @param size receives the number of ranks, or NULL.
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL handle).
 */
GAN_API gan_status gan_mpi_get_rank(const gan_mpi_t *mpi, int32_t *rank, int32_t *size);

/**
 * @brief Hand out this rank's shard of the next global batch of a data set: every rank
 *        reads the same global batch of size x batch samples in the data set's seeded
 *        order (so every rank must open it with the same seed) and keeps samples
 *        rank x batch to (rank + 1) x batch - 1, the rows a single process on the global
 *        batch would give shard rank. Every rank's data set advances by the global batch.
 * @param ds an open data set (libgan-io).
 * @param x receives (batch, c, h, w) floats: this rank's samples.
 * @param labels receives batch labels, or NULL.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL), GAN_E_NO_MEMORY, or what
 *         gan_dataset_next_batch() returns (GAN_E_OUT_OF_RANGE, GAN_E_STATE).
 */
GAN_API gan_status gan_mpi_next_batch(gan_mpi_t *mpi, gan_dataset_t *ds, float *x,
                                      int32_t *labels);

/**
 * @brief Save a checkpoint from rank 0 only (gan_trainer_save(), or the attached
 *        trainer's own: gan_cyclegan_save(), gan_seqgan_save(), gan_text2img_save()); a
 *        collective call, so that every rank learns rank 0's result.
 * @param path the file rank 0 writes; the other ranks ignore it (may be NULL there).
 * @return GAN_OK; rank 0's failure on every rank (GAN_E_INVALID_ARG, GAN_E_IO,
 *         GAN_E_NO_MEMORY: the message on rank 0 is gan_trainer_save()'s); GAN_E_IO
 *         (an MPI call failed).
 */
GAN_API gan_status gan_mpi_save(gan_mpi_t *mpi, const char *path);

/**
 * @brief Resume: rank 0 loads a checkpoint (gan_trainer_load(), or the trainer's own)
 *        and its state is copied to every rank as gan_mpi_create() does, so the file
 *        needs to be on rank 0's host only. A collective call.
 * @param path the file rank 0 reads; the other ranks ignore it (may be NULL there).
 * @return GAN_OK; rank 0's failure on every rank (GAN_E_INVALID_ARG, GAN_E_IO,
 *         GAN_E_FORMAT, GAN_E_NO_MEMORY); GAN_E_IO (an MPI call or a temporary file
 *         failed). On failure a rank's trainer may hold rank 0's old state or its own.
 */
GAN_API gan_status gan_mpi_load(gan_mpi_t *mpi, const char *path);

/**
 * @brief Check that every rank holds the same parameters (bit for bit), as the averaged
 *        updates should keep them: a collective call comparing a hash of all the
 *        trainer's models' parameter arenas.
 * @param same receives true when all ranks agree.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL), GAN_E_IO (an MPI call failed).
 */
GAN_API gan_status gan_mpi_check_params(gan_mpi_t *mpi, bool *same);

/**
 * @brief What the all-reduces have cost this rank so far.
 * @param calls receives the number of all-reduces (one per network update), or NULL.
 * @param bytes receives the bytes of gradient each rank contributed, or NULL.
 * @param seconds receives the wall time spent in them (MPI_Wtime), or NULL.
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL handle).
 */
GAN_API gan_status gan_mpi_get_stats(const gan_mpi_t *mpi, uint64_t *calls, uint64_t *bytes,
                                     double *seconds);

#ifdef __cplusplus
}
#endif

#endif /* GAN_MPI_H */
