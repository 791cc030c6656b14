/* libgan: text-to-image GANs, the matching-aware GAN-CLS with interpolated captions
 * (GAN-INT). */
#ifndef GAN_TEXT2IMG_H
#define GAN_TEXT2IMG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gan/export.h>
#include <gan/hacks.h>
#include <gan/model.h>
#include <gan/optim.h>
#include <gan/status.h>
#include <gan/train.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A text-to-image trainer (Reed, Akata, Yan, Logeswaran, Schiele & Lee 2016, "Generative
 * Adversarial Text to Image Synthesis"): GAN-CLS, a discriminator that judges whether an
 * image is real *and* matches its caption, with GAN-INT, generator batches in which part
 * of the caption vectors are interpolations of two captions' vectors.
 *
 * Three user-built models, borrowed (they and the optimizers must outlive the trainer):
 * - E, the text encoder: one input, (T) token ids (floats with integral values; id 0 is
 *   padding by convention, which is E's business), output 0 a vector (K). E.g.
 *   EmbeddingSequence(V, W) -> Flatten -> Dense(K), or EmbeddingSequence -> LSTM (last
 *   step) -> Dense(K).
 * - G, the generator: input 0 the latent (Z), input 1 the text vector (K); output 0 an
 *   image of any shape, e.g. (C, H, W). G may hold a conditioning-augmentation layer on
 *   its text input (StackGAN): its KL term's gradient comes from that layer's own
 *   backward, so the trainer needs to know nothing of it.
 * - D, the discriminator: input 0 an image of G's output shape, input 1 the text vector
 *   (K); output 0 one logit per image, or a map of logits (PatchGAN): every element is a
 *   logit, each loss is the mean over all of them, as with gan_trainer_create().
 *   Further outputs of G or D get no gradient.
 * None may hold a Condition layer (class labels).
 *
 * Token ids are int32_t in every call; a batch of captions is (B, T) row-major.
 *
 * One step (gan_text2img_step()) is one update of D and E on the matching-aware loss,
 * then one update of G. E learns from D's loss only, through D's gradient with respect
 * to its text input; G's loss does not train E (Reed et al. pre-train their encoder and
 * keep it fixed, StackGAN likewise: a G that could move the text vectors could make its
 * own task easier instead of drawing better). With e_opt NULL, E is frozen. The
 * mismatched pair is a real image with a wrong caption, as in the paper's algorithm 1
 * (the authors' code pairs a wrong image with the right caption instead).
 *
 * All the trainer's memory is allocated at create from G's allocator; the step, encode
 * and generate calls allocate nothing.
 *
 * Thread safety: one thread at a time per trainer (and its models and optimizers).
 */
typedef struct gan_text2img gan_text2img_t;

/**
 * Settings. Fill with gan_text2img_options_init(&o, sizeof o), then change fields.
 * Checkpoints keep them, and a load takes them from the file.
 */
typedef struct gan_text2img_options {
    size_t struct_size;
    double wrong_weight;    /**< weight of the real image / wrong caption term of D's loss,
                                 [0, 1]; the fake term gets 1 - wrong_weight. 0.5, the
                                 paper's (the two "fake" kinds weighed by 1/2 each) */
    double interp_share;    /**< the share of G's batch whose text vectors are
                                 interpolations (GAN-INT), [0, 1]: the first
                                 round(interp_share * B) rows. 0.5: as many
                                 interpolated rows (B/2) as the reference, which adds
                                 them to G's batch where this trainer replaces rows
                                 (doc/TRAINING.md); 0 is GAN-CLS alone */
    double interp_beta;     /**< beta of beta * phi(t_i) + (1 - beta) * phi(t_(i+1) mod B),
                                 [0, 1]; 0.5, the paper's */
    double label_smoothing; /**< D's target for real images with their captions is
                                 1 - label_smoothing (one-sided, Salimans et al. 2016),
                                 [0, 0.5]; 0 (off) */
    int32_t latent;         /**< GAN_LATENT_GAUSSIAN (default) or GAN_LATENT_UNIFORM */
    uint64_t seed;          /**< the trainer's generator (the latents); 42 */
} gan_text2img_options_t;

/**
 * @brief Fill @p opts with the defaults (wrong weight 0.5, interpolated share 0.5, beta
 *        0.5, no label smoothing, Gaussian latents, seed 42).
 * @param opts the struct to fill.
 * @param struct_size sizeof *opts as the caller was compiled.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL, or struct_size smaller than the first
 *         version's). Thread-safe.
 */
GAN_API gan_status gan_text2img_options_init(gan_text2img_options_t *opts,
                                             size_t struct_size);

/**
 * What one gan_text2img_step() did. Set struct_size = sizeof(gan_text2img_stats_t)
 * before the call; the library fills what it knows of the struct's version.
 * Probabilities are means of sigmoid(logit) over all the batch's logits.
 */
typedef struct gan_text2img_stats {
    size_t struct_size;
    double d_loss;        /**< loss_real + wrong_weight loss_wrong +
                               (1 - wrong_weight) loss_fake */
    double d_loss_real;   /**< mean BCE of D(image, its caption) against 1 (or the
                               smoothed target) */
    double d_loss_wrong;  /**< mean BCE of D(image, a wrong caption) against 0 */
    double d_loss_fake;   /**< mean BCE of D(G(z, caption), caption) against 0 */
    double d_real;        /**< mean probability D gives real images with their captions */
    double d_wrong;       /**< ... real images with wrong captions */
    double d_fake;        /**< ... generated images with their captions (D's update) */
    double g_loss;        /**< mean BCE of D(G(z, phi'), phi') against 1, phi' with the
                               interpolated rows (non-saturating) */
    double g_fake;        /**< mean probability D gives G's batch in G's update */
    double d_grad_norm;   /**< norm of D's gradient before its update */
    double e_grad_norm;   /**< norm of E's gradient before its update; 0 when E is frozen */
    double g_grad_norm;   /**< norm of G's gradient before its update */
    double kl;            /**< the KL terms (unweighted) of G's conditioning-augmentation
                               layers (gan_layer_cond_augment_create()) in G's update;
                               0 when G has none */
    int32_t interp_rows;  /**< rows of G's batch with interpolated text vectors */
    uint64_t d_updates;   /**< D (and E) updates so far, this one included */
    uint64_t g_updates;   /**< G updates so far, this one included */
} gan_text2img_stats_t;

/**
 * @brief Create a text-to-image trainer.
 * @param out receives the trainer; free it with gan_text2img_destroy().
 * @param g built generator: input 0 (Z), input 1 (K), output 0 the image. Its batch
 *        size B is the trainer's.
 * @param d built discriminator: input 0 G's output shape, input 1 (K), output 0 the
 *        logit or logit map. Re-sized to batch B if its batch differs (which forgets its
 *        last forward).
 * @param e built text encoder: input (T), output 0 (K). Re-sized to batch B likewise.
 *        Until gan_text2img_destroy(), G, D and E share the memory a pass uses only
 *        while it runs: do not run passes of them at the same time from two threads.
 * @param g_opt, d_opt optimizers created for @p g and @p d (e.g. Adam 2e-4, beta1 0.5).
 * @param e_opt an optimizer created for @p e, or NULL to keep E fixed (a pre-trained
 *        encoder).
 * @param opts NULL for the defaults.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL; a model passed twice; E without one input, G
 *         or D without two; a model with a Condition layer; an optimizer of another
 *         model; options with unknown trailing bytes), GAN_E_STATE (a model not built),
 *         GAN_E_SHAPE (E's input not (T) or output 0 not a vector (K); G's input 0 not a
 *         vector, G's input 1 or D's input 1 not E's (K); D's input 0 not G's output),
 *         GAN_E_OUT_OF_RANGE (an option outside its range; a batch of more than
 *         2^31 - 1 logits), GAN_E_NO_MEMORY. The message names the models and shapes.
 */
GAN_API gan_status gan_text2img_create(gan_text2img_t **out, gan_model_t *g,
                                       gan_model_t *d, gan_model_t *e,
                                       gan_optimizer_t *g_opt, gan_optimizer_t *d_opt,
                                       gan_optimizer_t *e_opt,
                                       const gan_text2img_options_t *opts);

/** @brief Free a trainer (not its models or optimizers); NULL is a no-op. */
GAN_API void gan_text2img_destroy(gan_text2img_t *trainer);

/**
 * @brief One step: an update of D and E, then one of G. G, D and a trained E run in
 *        training mode, a fixed E (e_opt NULL) in inference mode, so that nothing of it
 *        changes (BatchNorm running statistics, dropout streams); the modes they had are
 *        restored afterwards.
 *
 *        D and E (Reed et al., algorithm 1): with phi = E(caption) and phi_w =
 *        E(wrong caption), D's loss is BCE(D(x, phi), 1) + wrong_weight BCE(D(x, phi_w),
 *        0) + (1 - wrong_weight) BCE(D(G(z, phi), phi), 0), fresh z, G not updated
 *        (phi reaches G as a constant). Each D pass is differentiated and its gradient
 *        with respect to the text vector runs on into E: the wrong captions' pass first
 *        (E run on them, then its backward), then the right captions' two passes, whose
 *        gradients are summed for one backward of E run on the captions (with e_opt NULL
 *        E runs forward only). One update of D and, with an e_opt, of E.
 *
 *        G: phi = E(caption) again (E not updated); the first
 *        round(interp_share B) rows get beta phi_i + (1 - beta) phi_(i+1) mod B (GAN-INT);
 *        fresh z; loss BCE(D(G(z, phi'), phi'), 1) through D frozen; one update of G.
 * @param images (batch, G's output shape) real images, e.g. in [-1, 1] for a tanh G.
 * @param captions (batch, T) token ids, row i describing image i.
 * @param wrong (batch, T) captions that do not describe the images, or NULL for the
 *        batch's captions rotated by one (row i gets caption (i + 1) mod batch: with
 *        few distinct captions some may match their image; pass your own to avoid it).
 * @param batch must equal the trainer's batch size.
 * @param stats NULL, or filled when the step succeeds (set its struct_size first).
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL trainer, images or captions; stats without
 *         struct_size), GAN_E_BATCH_SIZE (another batch size, 0 included),
 *         GAN_E_OUT_OF_RANGE (a token id outside E's vocabulary, when E's first layer
 *         embeds ids, else negative or above 2^24: the message names the argument, row
 *         and position, and nothing changed; other ids E's own forward refuses are
 *         reported from it, prefixed with the argument), GAN_E_NUMERIC (a NaN or
 *         infinite loss or gradient: the models of that half are not updated, the
 *         message says which; a failure in G's half leaves the D and E update of this
 *         step made), GAN_E_BACKEND.
 */
GAN_API gan_status gan_text2img_step(gan_text2img_t *trainer, const float *images,
                                     const int32_t *captions, const int32_t *wrong,
                                     int32_t batch, gan_text2img_stats_t *stats);

/**
 * @brief Encode @p n captions with E in inference mode (BatchNorm running statistics, no
 *        dropout), a batch at a time; E's mode is restored afterwards.
 * @param captions (n, T) token ids.
 * @param n >= 1.
 * @param vectors receives (n, K).
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL), GAN_E_OUT_OF_RANGE (n < 1; a token id, as
 *         for gan_text2img_step()), GAN_E_BACKEND.
 */
GAN_API gan_status gan_text2img_encode(gan_text2img_t *trainer, const int32_t *captions,
                                       int32_t n, float *vectors);

/**
 * @brief Draw images for @p n captions: E and G in inference mode, a batch at a time;
 *        their modes are restored afterwards.
 * @param captions (n, T) token ids.
 * @param n >= 1.
 * @param z (n, Z) latents, or NULL to draw them from the trainer's generator (which
 *        advances it, as gan_text2img_sample_latent() of n would, and gives the same
 *        images as that call followed by this one with its latents).
 * @param images receives (n, G's output shape).
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL), GAN_E_OUT_OF_RANGE (n < 1; a token id, as
 *         for gan_text2img_step()), GAN_E_BACKEND.
 */
GAN_API gan_status gan_text2img_generate(gan_text2img_t *trainer, const int32_t *captions,
                                         int32_t n, const float *z, float *images);

/**
 * @brief Draw images for @p n text vectors (from gan_text2img_encode(), or mixtures of
 *        them to picture an interpolation): G in inference mode, a batch at a time.
 * @param vectors (n, K).
 * @param n >= 1.
 * @param z (n, Z) latents, or NULL to draw them as gan_text2img_generate() does.
 * @param images receives (n, G's output shape).
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL), GAN_E_OUT_OF_RANGE (n < 1), GAN_E_BACKEND.
 */
GAN_API gan_status gan_text2img_generate_from_vectors(gan_text2img_t *trainer,
                                                      const float *vectors, int32_t n,
                                                      const float *z, float *images);

/**
 * @brief Draw @p n latent vectors (n, Z) from the trainer's distribution and generator
 *        (this advances its random state, which checkpoints keep).
 * @param n number of vectors, >= 1.
 * @param z receives (n, Z) floats.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL), GAN_E_OUT_OF_RANGE (n < 1).
 */
GAN_API gan_status gan_text2img_sample_latent(gan_text2img_t *trainer, int32_t n,
                                              float *z);

/**
 * @brief Save the whole training state to a checkpoint file (doc/CHECKPOINT.md): G, D
 *        and E, their optimizers (E's when there is one), the settings, the random
 *        state, the update counts and the data position. Training on from a loaded
 *        checkpoint gives bit for bit what training on without the interruption would
 *        have given. Written atomically, as gan_trainer_save().
 * @param path the file to create or replace; its directory must exist.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL, empty path), GAN_E_IO, GAN_E_NO_MEMORY.
 */
GAN_API gan_status gan_text2img_save(gan_text2img_t *trainer, const char *path);

/**
 * @brief Restore a state saved by gan_text2img_save() into a trainer created from models
 *        and optimizers of the same architecture and kinds, with an E optimizer if and
 *        only if the saving trainer had one (a checkpoint of a trained E does not load
 *        into a trainer that keeps E fixed, nor the other way round). The weights,
 *        optimizer settings and the trainer's settings come from the file. Everything is
 *        checked before anything changes: on failure the trainer, its models and
 *        optimizers are untouched.
 * @param path a file written by gan_text2img_save().
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL, empty path), GAN_E_IO, GAN_E_FORMAT (not a
 *         text-to-image checkpoint, damaged, of another architecture, or with E's
 *         optimizer present on one side only: the message names the path and the first
 *         difference), GAN_E_NO_MEMORY.
 */
GAN_API gan_status gan_text2img_load(gan_text2img_t *trainer, const char *path);

/**
 * @brief Store the caller's position in its data order (e.g. batches consumed), kept by
 *        checkpoints and not interpreted. 0 after create.
 * @param position any value.
 * @return GAN_OK; GAN_E_INVALID_ARG.
 */
GAN_API gan_status gan_text2img_set_data_position(gan_text2img_t *trainer,
                                                  uint64_t position);

/** @brief The data position last set or loaded. @param position receives it.
 *  @return GAN_OK; GAN_E_INVALID_ARG. */
GAN_API gan_status gan_text2img_get_data_position(const gan_text2img_t *trainer,
                                                  uint64_t *position);

/* The text encoder E's value of gan_grad_hook_fn's network (G and D are
 * GAN_NETWORK_GENERATOR and GAN_NETWORK_DISCRIMINATOR). */
#define GAN_NETWORK_TEXT2IMG_E 6 /**< E: after D, when E is trained (an e_opt) */

/**
 * @brief Install (or remove) the trainer's gradient hook (gan_grad_hook_fn), e.g. to
 *        average the gradients across the processes of data-parallel training.
 *        gan_text2img_step() calls it with each trained network's whole gradient arena,
 *        after its backward passes and the loss's finite check and before its gradient
 *        norm and optimizer update: D's (GAN_NETWORK_DISCRIMINATOR), then E's
 *        (GAN_NETWORK_TEXT2IMG_E, when E is trained), then G's (GAN_NETWORK_GENERATOR).
 *        A hook's error ends the step with its status; D and E are then not updated (G's
 *        failure leaves D's and E's update of the step made). Not saved in checkpoints.
 * @param fn the hook, or NULL for none (the default).
 * @param user passed to every call of @p fn; borrowed, it must outlive the hook's use.
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL trainer). Thread safety: as the trainer.
 */
GAN_API gan_status gan_text2img_set_grad_hook(gan_text2img_t *trainer, gan_grad_hook_fn fn,
                                              void *user);

/**
 * @brief Make the trainer one of @p count shards of a global batch of count x its batch,
 *        for data-parallel training: the latents of both updates are drawn for the
 *        whole global batch, in the order one trainer on it draws them, and this trainer
 *        keeps rows index x batch to (index + 1) x batch - 1. What is formed within a
 *        batch stays within the shard's rows: the rotated wrong captions (without
 *        @p wrong, row i's successor), the interpolated text vectors (the first
 *        interp_share of the shard's rows, each with its successor), and the noise of
 *        conditioning augmentation, which the model's own generator draws. Not saved in
 *        checkpoints.
 * @param index this trainer's shard, from 0 to count - 1.
 * @param count the number of shards, at least 1 (the default, with index 0: no shards).
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL trainer), GAN_E_OUT_OF_RANGE (an index or
 *         count out of range, or a global batch of more than 2^31 - 1 images).
 */
GAN_API gan_status gan_text2img_set_shard(gan_text2img_t *trainer, int32_t index,
                                          int32_t count);

/** @brief The trainer's shard (gan_text2img_set_shard()): @param index receives its index,
 *  @param count the number of shards. @return GAN_OK; GAN_E_INVALID_ARG (NULL). */
GAN_API gan_status gan_text2img_get_shard(const gan_text2img_t *trainer, int32_t *index,
                                          int32_t *count);

/**
 * @brief The models the trainer was created with (borrowed: the caller's own handles).
 * @param g receives G, or NULL if not wanted.
 * @param d receives D, or NULL.
 * @param e receives E, the text encoder (trained or fixed), or NULL.
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL trainer).
 */
GAN_API gan_status gan_text2img_get_models(const gan_text2img_t *trainer, gan_model_t **g,
                                           gan_model_t **d, gan_model_t **e);

#ifdef __cplusplus
}
#endif

#endif /* GAN_TEXT2IMG_H */
