/* libgan: CycleGAN, unpaired image-to-image translation between two domains. */
#ifndef GAN_CYCLEGAN_H
#define GAN_CYCLEGAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gan/export.h>
#include <gan/model.h>
#include <gan/optim.h>
#include <gan/status.h>
#include <gan/train.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A CycleGAN trainer (Zhu, Park, Isola & Efros 2017, "Unpaired Image-to-Image Translation
 * using Cycle-Consistent Adversarial Networks"), step for step as the authors' PyTorch
 * reference (junyanz/pytorch-CycleGAN-and-pix2pix, cycle_gan_model.py) with its
 * defaults: least-squares adversarial losses, cycle-consistency L1 with weight lambda,
 * identity L1 with weight 0.5 lambda, a pool of 50 past fakes per discriminator.
 *
 * Four user-built models, any graphs, one input each and not conditional:
 * - G translates domain A to domain B, F translates B to A (the reference's G_A, G_B);
 * - D_A judges domain A images (real a against F(b)), D_B judges domain B images (real
 *   b against G(a)); the reference names them the other way round (its D_A judges
 *   G_A's outputs, in domain B). A discriminator outputs one score per image or a map
 *   of them (PatchGAN): every element is a score and each loss is the mean over all.
 *
 * Optimizers: the reference has one Adam over the parameters of both generators and one
 * over both discriminators. Adam (like SGD and RMSProp) updates each parameter from its
 * own gradient and the shared step count only, so one optimizer over two models is
 * exactly two optimizers of the same kind and settings stepped together. The trainer
 * therefore takes one optimizer per model (so that each keeps the state laid out
 * parallel to its model's arena) and requires G's and F's to agree in kind, settings
 * and step count, and likewise D_A's and D_B's; it steps each pair together, and only
 * when both gradients of the pair are finite.
 *
 * The trainer borrows the models and optimizers (they must outlive it). All its memory
 * (fakes, pools, gradient buffers) is allocated at create from G's allocator; a step
 * allocates nothing.
 *
 * Thread safety: one thread at a time per trainer (and its models and optimizers).
 */
typedef struct gan_cyclegan gan_cyclegan_t;

/** Translation directions, for gan_cyclegan_translate(). */
enum {
    GAN_CYCLEGAN_A2B = 0, /**< G: domain A in, domain B out */
    GAN_CYCLEGAN_B2A = 1  /**< F: domain B in, domain A out */
};

/**
 * Settings fixed at create. Fill with gan_cyclegan_options_init(&o, sizeof o), then
 * change fields.
 */
typedef struct gan_cyclegan_options {
    size_t struct_size;
    double cycle_weight;    /**< lambda of the cycle L1 terms, [0, 1e6]; 10; 0 is off */
    double identity_weight; /**< weight of the identity L1 terms, [0, 1e6]; 5 (the
                                 reference's lambda_identity 0.5 times lambda); 0 is
                                 off. On, G must take domain B images and F domain A
                                 images: both domains of one shape */
    int32_t pool_size;      /**< images per discriminator's pool of past fakes,
                                 [0, 1e6]; 50; 0 is off (D sees the current fakes) */
    uint64_t seed;          /**< the trainer's generator (the pools' draws); 42 */
} gan_cyclegan_options_t;

/**
 * @brief Fill @p opts with the defaults (cycle 10, identity 5, pool 50, seed 42).
 * @param opts the struct to fill.
 * @param struct_size sizeof *opts as the caller was compiled.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL, or struct_size smaller than the first
 *         version's). Thread-safe.
 */
GAN_API gan_status gan_cyclegan_options_init(gan_cyclegan_options_t *opts,
                                             size_t struct_size);

/**
 * What one gan_cyclegan_step() did. Set struct_size = sizeof(gan_cyclegan_stats_t)
 * before the call; the library fills what it knows of the struct's version. Losses are
 * the reference's: MSE for the adversarial terms, means over all elements.
 */
typedef struct gan_cyclegan_stats {
    size_t struct_size;
    double g_loss;        /**< G's and F's total: g_adv_a2b + g_adv_b2a +
                               cycle_weight (cycle_a + cycle_b) +
                               identity_weight (identity_a + identity_b) */
    double g_adv_a2b;     /**< mean (D_B(G(a)) - 1)^2 */
    double g_adv_b2a;     /**< mean (D_A(F(b)) - 1)^2 */
    double cycle_a;       /**< mean |F(G(a)) - a|, unweighted */
    double cycle_b;       /**< mean |G(F(b)) - b| */
    double identity_a;    /**< mean |F(a) - a|; 0 when identity is off (cycle_a and
                               cycle_b are 0 when the cycle terms are off) */
    double identity_b;    /**< mean |G(b) - b|; 0 when identity is off */
    double d_a_loss;      /**< 0.5 (mean (D_A(a) - 1)^2 + mean D_A(pooled F(b))^2) */
    double d_b_loss;      /**< 0.5 (mean (D_B(b) - 1)^2 + mean D_B(pooled G(a))^2) */
    double d_a_real;      /**< mean D_A score on the real a batch */
    double d_a_fake;      /**< mean D_A score on the pooled fakes it was trained on */
    double d_b_real;      /**< mean D_B score on the real b batch */
    double d_b_fake;      /**< mean D_B score on its pooled fakes */
    double g_grad_norm;   /**< norm of G's and F's gradients together, before the update */
    double d_grad_norm;   /**< norm of D_A's and D_B's gradients together */
    double g_learning_rate; /**< the generators' learning rate in this step */
    double d_learning_rate; /**< the discriminators' */
    uint64_t steps;       /**< steps made so far, this one included */
} gan_cyclegan_stats_t;

/**
 * @brief Create a CycleGAN trainer.
 * @param out receives the trainer; free it with gan_cyclegan_destroy().
 * @param g built model from domain A images to domain B images; its input shape is
 *        domain A's, its output 0's shape domain B's. Its batch size is the trainer's.
 * @param f built model from domain B to domain A, of the same batch size as @p g.
 * @param d_a, d_b built discriminators of domain A and domain B images; re-sized to G's
 *        batch if theirs differs (which forgets their last forward). Output 0 is the
 *        score (or patch map of scores); further outputs get no gradient. Until
 *        gan_cyclegan_destroy(), the four networks share the memory a pass uses only
 *        while it runs: do not run passes of them at the same time from two threads.
 * @param g_opt, f_opt, d_a_opt, d_b_opt optimizers created for exactly these models;
 *        g_opt and f_opt of one kind with equal settings and step counts, likewise
 *        d_a_opt and d_b_opt (e.g. Adam 2e-4, beta1 0.5 for all four).
 * @param opts NULL for the defaults.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL; a model passed twice; a model with several
 *         inputs or a Condition layer; an optimizer of another model; a pair of
 *         optimizers that differ in kind, a setting or step count; options with unknown
 *         trailing bytes), GAN_E_STATE (a model not built), GAN_E_SHAPE (the models
 *         disagree on a domain's image shape: F's output is not G's input, G's output
 *         is not F's input, a discriminator's input is not its domain's shape; identity
 *         on with domains of different shapes), GAN_E_BATCH_SIZE (G and F differ),
 *         GAN_E_OUT_OF_RANGE (an option outside its range; a batch of more than
 *         2^31 - 1 scores), GAN_E_NO_MEMORY. The message names the models and shapes.
 */
GAN_API gan_status gan_cyclegan_create(gan_cyclegan_t **out, gan_model_t *g,
                                       gan_model_t *f, gan_model_t *d_a, gan_model_t *d_b,
                                       gan_optimizer_t *g_opt, gan_optimizer_t *f_opt,
                                       gan_optimizer_t *d_a_opt, gan_optimizer_t *d_b_opt,
                                       const gan_cyclegan_options_t *opts);

/** @brief Free a trainer (not its models or optimizers); NULL is a no-op. */
GAN_API void gan_cyclegan_destroy(gan_cyclegan_t *trainer);

/**
 * @brief Schedule the learning rates: each step first sets the generators' optimizers
 *        to @p generators's rate and the discriminators' to @p discriminators's, for
 *        the update numbered by their step count (gan_lr_schedule_apply()). The
 *        schedules are copied (the caller may destroy them); NULL keeps that pair's
 *        rate as it is. Checkpoints keep the copies. CycleGAN's own schedule for an
 *        n-step run is gan_lr_schedule_linear_create(&s, 2e-4, n / 2, n - n / 2) for
 *        both pairs.
 * @param generators the schedule of G's and F's optimizers, copied; or NULL.
 * @param discriminators the schedule of D_A's and D_B's optimizers, copied; or NULL.
 * @return GAN_OK; GAN_E_INVALID_ARG (trainer NULL).
 */
GAN_API gan_status gan_cyclegan_set_lr_schedule(gan_cyclegan_t *trainer,
                                                const gan_lr_schedule_t *generators,
                                                const gan_lr_schedule_t *discriminators);

/**
 * @brief One CycleGAN step on a batch of each domain (unpaired: any a with any b).
 *        First the generators: G(a) through D_B (D frozen), F(G(a)) against a, F(b)
 *        through D_A, G(F(b)) against b, and with identity on G(b) against b and F(a)
 *        against a; one update of G and F. Then the discriminators: D_B on b (target 1)
 *        and on the pool's answer for this step's G(a) (target 0), D_A likewise with a
 *        and F(b), each loss halved; one update of D_A and D_B. All four models run in
 *        training mode; the modes they had are restored afterwards.
 * @param a (batch, domain A shape) images, e.g. in [-1, 1] for tanh generators.
 * @param b (batch, domain B shape) images.
 * @param batch must equal the trainer's batch size.
 * @param stats NULL, or filled when the step succeeds (set its struct_size first).
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL trainer, a or b; stats without struct_size),
 *         GAN_E_BATCH_SIZE (another batch size, 0 included), GAN_E_OUT_OF_RANGE (a
 *         learning-rate schedule is over: nothing changed), GAN_E_NUMERIC (a loss or
 *         gradient is NaN or infinite; the pair of models that saw it is not updated,
 *         the message says which: a failure in the discriminators' half leaves the
 *         generators' update of this step made, and the step count as it was),
 *         GAN_E_BACKEND.
 */
GAN_API gan_status gan_cyclegan_step(gan_cyclegan_t *trainer, const float *a,
                                     const float *b, int32_t batch,
                                     gan_cyclegan_stats_t *stats);

/**
 * @brief Translate @p n images with G (GAN_CYCLEGAN_A2B) or F (GAN_CYCLEGAN_B2A) in
 *        inference mode (BatchNorm running statistics, no dropout), a batch at a time;
 *        the model's mode is restored afterwards.
 * @param direction GAN_CYCLEGAN_A2B or GAN_CYCLEGAN_B2A.
 * @param in (n, source domain shape).
 * @param n >= 1.
 * @param out receives (n, target domain shape); may not overlap @p in.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL; a direction other than the two),
 *         GAN_E_OUT_OF_RANGE (n < 1), GAN_E_BACKEND.
 */
GAN_API gan_status gan_cyclegan_translate(gan_cyclegan_t *trainer, int32_t direction,
                                          const float *in, int32_t n, float *out);

/**
 * @brief Save the whole training state to a checkpoint file (doc/CHECKPOINT.md): the
 *        four models, the four optimizers, the trainer's settings, random state, step
 *        count, data position, learning-rate schedules and both pools. Training on from
 *        a loaded checkpoint gives bit for bit what training on without the
 *        interruption would have given. Written atomically, as gan_trainer_save().
 * @param path the file to create or replace; its directory must exist.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL, empty path), GAN_E_IO, GAN_E_NO_MEMORY.
 */
GAN_API gan_status gan_cyclegan_save(gan_cyclegan_t *trainer, const char *path);

/**
 * @brief Restore a state saved by gan_cyclegan_save() into a trainer created from models
 *        and optimizers of the same architecture and kinds, with the same pool size and
 *        identity on or off. The weights, schedules and optimizer settings come from the
 *        file. Everything is checked before anything changes: on failure the trainer,
 *        its models and optimizers are untouched.
 * @param path a file written by gan_cyclegan_save().
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL, empty path), GAN_E_IO, GAN_E_FORMAT (not a
 *         CycleGAN checkpoint, damaged, or of another trainer: the message names the
 *         path and the first difference), GAN_E_NO_MEMORY.
 */
GAN_API gan_status gan_cyclegan_load(gan_cyclegan_t *trainer, const char *path);

/**
 * @brief Store the caller's position in its data order (e.g. batches consumed), kept
 *        by checkpoints and not interpreted. 0 after create.
 * @param position any value.
 * @return GAN_OK; GAN_E_INVALID_ARG.
 */
GAN_API gan_status gan_cyclegan_set_data_position(gan_cyclegan_t *trainer,
                                                  uint64_t position);

/** @brief The data position last set or loaded. @param position receives it.
 *  @return GAN_OK; GAN_E_INVALID_ARG. */
GAN_API gan_status gan_cyclegan_get_data_position(const gan_cyclegan_t *trainer,
                                                  uint64_t *position);

/* The networks a CycleGAN gradient hook is called for (gan_grad_hook_fn's network):
 * macros, as GAN_NETWORK_GENERATOR, and other values than the GAN trainer's, so that
 * one hook can serve both kinds of trainer. */
#define GAN_NETWORK_CYCLEGAN_G 2   /**< G (A to B): once per step, before F */
#define GAN_NETWORK_CYCLEGAN_F 3   /**< F (B to A) */
#define GAN_NETWORK_CYCLEGAN_D_A 4 /**< D_A: once per step, after the generators */
#define GAN_NETWORK_CYCLEGAN_D_B 5 /**< D_B: last */

/**
 * @brief Install (or remove) the trainer's gradient hook (gan_grad_hook_fn), e.g. to
 *        average the gradients across the processes of data-parallel training
 *        (libgan-mpi's gan_mpi_create_cyclegan()). gan_cyclegan_step() calls it once for
 *        each of the four networks, in the order G, F (after the generators' backward
 *        passes), then D_A, D_B (after the discriminators'), with the network's whole
 *        gradient arena (gan_model_get_grads()'s layout) and before that pair's finite
 *        check, gradient norm and optimizer update. It is not called when the pair's
 *        loss is already NaN or infinite. A hook that returns an error stops the step
 *        with that status, without updating that pair (a failure in the
 *        discriminators' pair leaves the generators' update of the step made). Not saved
 *        in checkpoints.
 * @param fn the hook, or NULL for none (the default); its network is one of
 *        GAN_NETWORK_CYCLEGAN_G, _F, _D_A, _D_B.
 * @param user passed to every call of @p fn; borrowed, it must outlive the hook's use.
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL trainer). Thread safety: as the trainer.
 */
GAN_API gan_status gan_cyclegan_set_grad_hook(gan_cyclegan_t *trainer, gan_grad_hook_fn fn,
                                              void *user);

/**
 * @brief Make the trainer one of @p count shards of a global batch of count x its batch
 *        size of each domain, for data-parallel training. CycleGAN's only per-sample
 *        random draws are its pools': each shard keeps a pool of its own (pool_size
 *        images, filled from its own fakes, as each process of a data-parallel PyTorch
 *        CycleGAN has its own ImagePool), and makes the draws of every row of the
 *        global batch in their order, using its own rows' (rows index x batch to
 *        (index + 1) x batch - 1) and dropping the others', which it makes as a pool
 *        like its own would. Trainers that start from the same state (same seed or
 *        checkpoint) thus keep the same random state. With the pools off (pool_size 0)
 *        the shards, their gradients averaged, train as one trainer on the global batch
 *        does, up to the order of the sums over the batch; with the pools on, the
 *        discriminators see each shard's own history instead of the global one. Not
 *        saved in checkpoints.
 * @param index this trainer's shard, from 0 to count - 1.
 * @param count the number of shards, at least 1 (the default, with index 0: no shards).
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL trainer), GAN_E_OUT_OF_RANGE (an index or
 *         count out of range, or a global batch of more than 2^31 - 1 images).
 */
GAN_API gan_status gan_cyclegan_set_shard(gan_cyclegan_t *trainer, int32_t index,
                                          int32_t count);

/** @brief The trainer's shard (gan_cyclegan_set_shard()): @param index receives its index,
 *  @param count the number of shards. @return GAN_OK; GAN_E_INVALID_ARG (NULL). */
GAN_API gan_status gan_cyclegan_get_shard(const gan_cyclegan_t *trainer, int32_t *index,
                                          int32_t *count);

/**
 * @brief The models the trainer was created with (borrowed: the caller's own handles).
 * @param g receives G (A to B), or NULL if not wanted.
 * @param f receives F (B to A), or NULL.
 * @param d_a receives D_A, or NULL.
 * @param d_b receives D_B, or NULL.
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL trainer).
 */
GAN_API gan_status gan_cyclegan_get_models(const gan_cyclegan_t *trainer, gan_model_t **g,
                                           gan_model_t **f, gan_model_t **d_a,
                                           gan_model_t **d_b);

#ifdef __cplusplus
}
#endif

#endif /* GAN_CYCLEGAN_H */
