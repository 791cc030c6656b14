/* libgan: the one-call GAN training step, sampling, and training-state checkpoints. */
#ifndef GAN_TRAIN_H
#define GAN_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gan/export.h>
#include <gan/hacks.h>
#include <gan/model.h>
#include <gan/optim.h>
#include <gan/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A trainer runs full GAN steps on a generator G and a discriminator (critic) D with their
 * optimizers and a hacks configuration. It borrows the models and optimizers (they must
 * outlive it) and copies the configuration. All its memory (latents, targets, replay
 * pool, EMA weights, penalty buffers) is allocated at create time from G's allocator.
 *
 * G's input is the latent vector (its size is the latent dimension) and its output must
 * have D's input shape; D's output is one score per sample or a map of them (PatchGAN:
 * every element is a score, each loss is the mean over all the batch's scores, and a
 * sample's smoothed or flipped target applies to all its scores). For a conditional GAN, both
 * models contain a Condition layer: real labels come with each real batch, and fakes get
 * class labels drawn uniformly.
 *
 * AC-GAN (GAN_HACK_AUX_WEIGHT_REAL, GAN_HACK_AUX_WEIGHT_FAKE): G is conditional and D has
 * a second output, class logits of shape (classes); D minimises its adversarial loss +
 * w_real * CE(logits on reals, real labels) + w_fake * CE(logits on fakes, their drawn
 * labels), G its adversarial loss + w_fake * CE(fakes). With AC-GAN off, outputs of D
 * after the first get no gradient.
 *
 * Users who want their own loop use gan_model_forward/backward/zero_grad, the losses of
 * gan/loss.h and gan_optimizer_step directly: the trainer uses nothing else internally
 * that they could not.
 *
 * Thread safety: one thread at a time per trainer (and its models and optimizers).
 */
typedef struct gan_trainer gan_trainer_t;

/** Warning flags (gan_step_stats_t.warnings): the known signs of a failing GAN. */
enum {
    /** The discriminator's loss is within 1e-3 of the least its targets allow: it wins
     *  outright and the generator learns nothing (Chintala's hack #10). */
    GAN_WARN_D_LOSS_ZERO = 1u << 0,
    /** A gradient norm (D's or G's) exceeds 100. */
    GAN_WARN_GRAD_EXPLODING = 1u << 1,
    /** The fakes of the batch are nearly identical: their per-pixel spread is below a
     *  tenth of the real batch's (mode collapse). */
    GAN_WARN_COLLAPSE = 1u << 2
};

/**
 * What one gan_trainer_step() did. Set struct_size = sizeof(gan_step_stats_t) before the
 * call; the library fills what it knows of the struct's version.
 */
typedef struct gan_step_stats {
    size_t struct_size;
    double d_loss;           /**< d_loss_real + d_loss_fake + gradient_penalty, plus
                                  w_real * aux_loss_real + w_fake * aux_loss_fake with
                                  AC-GAN */
    double d_loss_real;      /**< D's loss on the real batch */
    double d_loss_fake;      /**< D's loss on the fake batch */
    double gradient_penalty; /**< lambda * mean((||dD/dx|| - 1)^2), 0 when off */
    double g_loss;           /**< G's loss of the last G update in this call, else 0;
                                  with AC-GAN it includes w_fake * g_aux_loss */
    double d_real;           /**< mean D(x): probability for BCE, raw score otherwise */
    double d_fake;           /**< mean D(G(z)), likewise */
    double d_acc_real;       /**< share of reals D scores as real */
    double d_acc_fake;       /**< share of fakes D scores as fake */
    double d_grad_norm;      /**< norm of D's gradient before its update */
    double g_grad_norm;      /**< norm of G's gradient before its last update, else 0 */
    double wasserstein;      /**< mean score on reals minus mean score on fakes */
    double fake_spread;      /**< per-pixel std across fakes / the same across reals */
    uint64_t d_updates;      /**< D updates so far (this one included) */
    uint64_t g_updates;      /**< G updates so far */
    int32_t g_updated;       /**< 1 if this call updated G */
    uint32_t warnings;       /**< GAN_WARN_* bits */
    /* Added with AC-GAN (GAN_HACK_AUX_WEIGHT_*); a struct_size that ends before them
     * leaves them out. All 0 when AC-GAN is off. */
    double aux_loss_real;    /**< cross-entropy of D's class logits on reals (unweighted) */
    double aux_loss_fake;    /**< the same on the fakes of the D update */
    double aux_acc_real;     /**< share of reals whose largest class logit is their label */
    double aux_acc_fake;     /**< share of fakes whose largest logit is their drawn label */
    double g_aux_loss;       /**< the fakes' cross-entropy at G's last update, else 0 */
} gan_step_stats_t;

/**
 * @brief Create a trainer.
 * @param out receives the trainer; free it with gan_trainer_destroy().
 * @param generator, discriminator built models; D is re-sized here to G's batch size
 *        (twice that with combined batches). With feature matching, D keeps the
 *        feature layer's output (gan_model_keep_layer_output(), which lays D's batch
 *        memory out again if that output was overwritten in place; the flag stays even
 *        if this call fails later). A re-size or a new layout forgets D's last forward.
 *        Until gan_trainer_destroy(), G and D share the memory a pass uses only while it
 *        runs (gradient buffers, layers' workspace): do not run passes of them at the
 *        same time from two threads.
 * @param g_opt, d_opt optimizers created for exactly these models.
 * @param hacks the configuration, copied; NULL for the defaults.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL, an optimizer of another model, a feature
 *         layer index outside D, a penalty with combined batches, a latent dimension or
 *         label classes that G and D disagree on; with AC-GAN: an unconditional G, a D
 *         with one output, feature matching), GAN_E_STATE (a model not built),
 *         GAN_E_SHAPE (G's output is not D's input; with AC-GAN: D's output 1 is not a
 *         vector of as many class logits as G has classes),
 *         GAN_E_OUT_OF_RANGE (a batch too large to double, or D's scores of a batch
 *         beyond 2^31 - 1), GAN_E_NO_MEMORY.
 */
GAN_API gan_status gan_trainer_create(gan_trainer_t **out, gan_model_t *generator,
                                      gan_model_t *discriminator, gan_optimizer_t *g_opt,
                                      gan_optimizer_t *d_opt, const gan_hacks_t *hacks);

/** @brief Free a trainer (not its models or optimizers); NULL is a no-op. */
GAN_API void gan_trainer_destroy(gan_trainer_t *trainer);

/**
 * @brief One training step on a batch of real images: one discriminator update (real and
 *        fake batches, targets smoothed and flipped as configured, instance noise,
 *        replayed fakes, gradient penalty, clipping after the update), then — on every
 *        d_steps-th call — g_steps generator updates through the frozen D (with feature
 *        matching if configured) followed by the EMA update. Both models run in
 *        training mode during the step; the modes they had are restored afterwards.
 * @param real (batch, D's input shape) images, scaled to [-1, 1] for a tanh generator.
 * @param labels batch class ids for conditional models and AC-GAN, else NULL.
 * @param batch must equal G's batch size.
 * @param stats NULL, or filled when the step succeeds (set its struct_size first); left
 *        as it was on failure.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL; labels NULL for conditional models or
 *         AC-GAN), GAN_E_BATCH_SIZE, GAN_E_OUT_OF_RANGE (a label);
 *         GAN_E_NUMERIC when a loss or a gradient is NaN or infinite: the update that
 *         saw it is skipped, so the parameters stay the last good ones (the message says
 *         which loss or model); GAN_E_BACKEND.
 */
GAN_API gan_status gan_trainer_step(gan_trainer_t *trainer, const float *real,
                                    const int32_t *labels, int32_t batch,
                                    gan_step_stats_t *stats);

/**
 * @brief Generate images from given latent vectors, in inference mode (BatchNorm running
 *        statistics, no dropout), with the EMA weights or the raw generator. The
 *        generator's mode and weights are restored afterwards.
 * @param z (n, latent dimension) latents, e.g. one fixed batch to watch progress.
 * @param labels n class ids for a conditional generator; ignored (may be NULL) for an
 *        unconditional one.
 * @param n any number >= 1 (processed in batches of G's size).
 * @param use_ema true for the EMA weights (GAN_E_STATE if EMA is off).
 * @param images receives (n, G's output shape).
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE, GAN_E_STATE, GAN_E_BACKEND.
 */
GAN_API gan_status gan_trainer_generate(gan_trainer_t *trainer, const float *z,
                                        const int32_t *labels, int32_t n, bool use_ema,
                                        float *images);

/**
 * @brief Draw @p n latent vectors from the trainer's distribution and generator (this
 *        advances the trainer's random state, which checkpoints keep).
 * @param n number of vectors, >= 1.
 * @param z receives (n, latent dimension) floats.
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE.
 */
GAN_API gan_status gan_trainer_sample_latent(gan_trainer_t *trainer, int32_t n, float *z);

/** @brief The latent dimension (G's input size). @param dim receives it.
 *  @return GAN_OK; GAN_E_INVALID_ARG. */
GAN_API gan_status gan_trainer_get_latent_dim(const gan_trainer_t *trainer, int32_t *dim);

/**
 * @brief Save the whole training state to a checkpoint file (format: doc/CHECKPOINT.md):
 *        both models' architecture, parameters, state (BatchNorm running statistics and
 *        other persistent values), per-layer random streams and training/trainable
 *        flags; both optimizers' kind, settings, step count and state; the trainer's
 *        hacks, random state, update counts, data position, EMA weights and replay pool.
 *        Training on from a loaded checkpoint gives bit for bit what training on without
 *        the interruption would have given.
 *
 *        The write is atomic: the directory is opened (to sync it later), the file is
 *        written to a temporary file next to @p path (path + ".tmp.XXXXXX"), flushed
 *        and synced, renamed over @p path, and the directory is synced. On failure the
 *        temporary file is removed and an existing checkpoint at @p path is left as it
 *        was, with one exception: if only the final sync of the directory fails, the new
 *        checkpoint is already in place (readable, but not yet certain to survive a
 *        power loss), and the message says so.
 *        A file size limit (RLIMIT_FSIZE) makes the kernel send SIGXFSZ, which ends the
 *        process unless the host ignores or handles it; with it ignored, the save
 *        returns GAN_E_IO.
 * @param path file to create or replace; its directory must exist and be readable and
 *        writable.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL, empty path), GAN_E_IO (the directory cannot
 *         be opened; the temporary file cannot be created, written, synced or renamed;
 *         or the directory cannot be synced after the rename. The message names the path
 *         and the system's reason), GAN_E_NO_MEMORY (including the system's ENOMEM).
 */
GAN_API gan_status gan_trainer_save(gan_trainer_t *trainer, const char *path);

/**
 * @brief Restore the training state saved by gan_trainer_save() into a trainer created
 *        from models and optimizers of the same architecture (each layer's kind, shapes,
 *        settings and parameter counts; the optimizers' kinds) and with the same
 *        buffer-shaping hacks (loss, separate batches, replay size, feature-matching
 *        layer, EMA, gradient penalty and each AC-GAN weight on or off). Layer names need not match. The
 *        other hacks, the optimizer settings and the data position are taken from the
 *        file. The whole file is read and checked (magic, version, length, CRC-32,
 *        architecture, every value's range) before anything changes: on failure the
 *        trainer, its models and its optimizers are untouched.
 * @param path a file written by gan_trainer_save().
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL, empty path); GAN_E_IO (the file cannot be
 *         opened or read, or is not a regular file: a FIFO is refused without waiting
 *         for a writer); GAN_E_FORMAT (not a checkpoint,
 *         truncated, corrupted, a newer format version, or a trainer that does not
 *         match: the message names the path and the first difference, e.g. the layer);
 *         GAN_E_NO_MEMORY.
 */
GAN_API gan_status gan_trainer_load(gan_trainer_t *trainer, const char *path);

/**
 * @brief Store the caller's position in its data order (e.g. the number of batches
 *        consumed, from which a shuffled epoch order can be rebuilt). The trainer does
 *        not interpret it; checkpoints save and restore it. 0 after create.
 * @param position any value.
 * @return GAN_OK; GAN_E_INVALID_ARG.
 */
GAN_API gan_status gan_trainer_set_data_position(gan_trainer_t *trainer, uint64_t position);

/** @brief The data position last set or loaded. @param position receives it.
 *  @return GAN_OK; GAN_E_INVALID_ARG. */
GAN_API gan_status gan_trainer_get_data_position(const gan_trainer_t *trainer,
                                                 uint64_t *position);

/**
 * @brief The models the trainer was created with (borrowed: the caller's own handles).
 * @param generator receives G, or NULL if not wanted.
 * @param discriminator receives D, or NULL if not wanted.
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL trainer).
 */
GAN_API gan_status gan_trainer_get_models(const gan_trainer_t *trainer,
                                          gan_model_t **generator,
                                          gan_model_t **discriminator);

/* The network a gradient hook is called for (gan_grad_hook_fn's network). Macros, not an
 * enum: an anonymous enum added to a header is a new type to the ABI check (abidiff),
 * and these values never change. */
#define GAN_NETWORK_GENERATOR 0     /**< G: called once per G update */
#define GAN_NETWORK_DISCRIMINATOR 1 /**< D: called once per D update */

/**
 * A gradient hook (gan_trainer_set_grad_hook()): called by gan_trainer_step() for each
 * network update after the backward passes (and the gradient penalty) and before the
 * gradient norm, the optimizer update and clipping, with the network's whole gradient
 * arena, to read or change in place, e.g. to average it across the processes of
 * data-parallel training. The layout is gan_model_get_grads()'s. The other trainers
 * take the same kind of hook: gan_cyclegan_set_grad_hook(), gan_seqgan_set_grad_hook(),
 * gan_text2img_set_grad_hook().
 *
 * @param user the pointer given to gan_trainer_set_grad_hook() (or the other trainer's).
 * @param network GAN_NETWORK_GENERATOR or GAN_NETWORK_DISCRIMINATOR; for the other
 *        trainers also GAN_NETWORK_CYCLEGAN_G, _F, _D_A, _D_B and GAN_NETWORK_TEXT2IMG_E.
 * @param grads (count) the gradient arena, valid for the call only.
 * @param count its number of floats (gan_model_get_param_count()).
 * @return GAN_OK to go on with the update; any other status stops the step, which returns
 *         it without updating this network (a message set with gan_set_error() is kept
 *         in the step's message).
 */
typedef gan_status (*gan_grad_hook_fn)(void *user, int32_t network, float *grads,
                                       size_t count);

/**
 * @brief Install (or remove) the trainer's gradient hook. The trainer does not save it in
 *        checkpoints.
 * @param fn the hook, or NULL for none (the default).
 * @param user passed to every call of @p fn; borrowed, it must outlive the hook's use.
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL trainer).
 */
GAN_API gan_status gan_trainer_set_grad_hook(gan_trainer_t *trainer, gan_grad_hook_fn fn,
                                             void *user);

/**
 * @brief Make the trainer one of @p count shards of a global batch of count x its batch
 *        size, for data-parallel training: every random draw of a step that is made per
 *        sample (the latents, the fakes' class labels, the soft and flipped targets,
 *        instance noise) is drawn for the whole global batch, in the order one trainer
 *        with the global batch would draw it, and this trainer keeps rows
 *        index x batch to (index + 1) x batch of each. Trainers that start from the same
 *        state (same seed or checkpoint) then draw what one trainer with the global batch
 *        would, split among them. Replay and the gradient penalty's draws are not
 *        sharded (each shard makes its own draws, the same in number on every shard).
 *        Not saved in checkpoints.
 * @param index this trainer's shard, 0 <= index < count.
 * @param count the number of shards, >= 1; 1 (and index 0) is the default, no sharding.
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL trainer), GAN_E_OUT_OF_RANGE (an index or
 *         count outside the range, or a global batch beyond 2^31 - 1).
 */
GAN_API gan_status gan_trainer_set_shard(gan_trainer_t *trainer, int32_t index,
                                         int32_t count);

/**
 * @brief The trainer's shard (gan_trainer_set_shard()).
 * @param index receives the shard's index.
 * @param count receives the number of shards.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL).
 */
GAN_API gan_status gan_trainer_get_shard(const gan_trainer_t *trainer, int32_t *index,
                                         int32_t *count);

#ifdef __cplusplus
}
#endif

#endif /* GAN_TRAIN_H */
