/* libgan: SeqGAN, adversarial training of a token-sequence generator by policy gradient. */
#ifndef GAN_SEQGAN_H
#define GAN_SEQGAN_H

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
 * A SeqGAN trainer (Yu, Zhang, Wang & Yu 2017, "SeqGAN: Sequence Generative Adversarial
 * Nets with Policy Gradient"), after the authors' reference code (LantaoYu/SeqGAN):
 * maximum-likelihood pre-training of the generator, training of the discriminator on real
 * against generated sequences, and policy-gradient steps of the generator whose reward
 * for token t is the discriminator's mean probability of "real" over N Monte-Carlo
 * rollouts completing the prefix y_0..y_t (the last token's reward is the
 * discriminator's score of the whole sequence).
 *
 * Three user-built models, one input each, not conditional:
 * - G, the generator over whole sequences: input (T) token ids (floats with integral
 *   values), output 0 (T, V) logits of the next token, e.g. EmbeddingSequence(V, E) ->
 *   LSTM(H) -> Dense(V) per time step. Its input at step t is the token before t, the
 *   start token at step 0 (teacher forcing); its output at step t is the distribution of
 *   token t. G is what the optimizer trains and what checkpoints keep.
 * - G_step, the same layers built for one token (input (1), output (1, V)) with every
 *   recurrent layer stateful, at G's batch size: the sampler. Models do not share
 *   parameter arenas, so before every sampling phase (gan_seqgan_sample(), the fakes of
 *   gan_seqgan_d_step(), the rollouts of gan_seqgan_pg_step()) the trainer copies G's
 *   parameters into G_step (the layouts are the same, which create checks) and resets its
 *   carried state. The copy is the size of G's parameter arena, small next to a sampling
 *   phase. Stepping G_step equals G's whole-sequence pass bit for bit (doc/LAYERS.md).
 * - D, the discriminator: input (T) ids, output 0 one logit per sequence, the log-odds
 *   that the sequence is real (the paper's 2-class softmax is one logit: the difference
 *   of the two). examples/common/seqgan_models.c builds the paper's convolutional D.
 *
 * The start token: the reference feeds a fixed token (START_TOKEN = 0, an ordinary id of
 * the vocabulary whose embedding is learned) as G's input at step 0. So does the trainer:
 * gan_seqgan_options_t.start_token, an id in [0, V), 0 by default. Real sequences do
 * not contain it specially; any id may occur anywhere.
 *
 * Token ids are int32_t in every call; a sequence of a batch is T consecutive ids.
 *
 * Differences from the reference, all documented with the calls: the rollouts use the
 * current G (the reference rolls out with a copy updated as 0.8 old + 0.2 new); the
 * policy-gradient loss is a mean over the batch's tokens, not a sum (the update of Adam
 * barely depends on the scale, but clipping does); D's loss is binary cross-entropy
 * without the reference's L2 term (set GAN_OPT_WEIGHT_DECAY on D's optimizer for one).
 *
 * The trainer borrows the models and optimizers (they must outlive it). All its memory
 * is allocated at create from G's allocator; the step and sampling calls allocate
 * nothing.
 *
 * Thread safety: one thread at a time per trainer (and its models and optimizers).
 */
typedef struct gan_seqgan gan_seqgan_t;

/**
 * Settings fixed at create. Fill with gan_seqgan_options_init(&o, sizeof o), then change
 * fields.
 */
typedef struct gan_seqgan_options {
    size_t struct_size;
    int32_t rollouts;    /**< N, the Monte-Carlo rollouts per prefix, [1, 100000]; 16 */
    float temperature;   /**< of every sampled token, finite and > 0; 1 */
    double clip_norm;    /**< G's gradients are clipped to this global norm before each
                              update (gan_model_clip_grad_norm()), [0, 1e6]; 5; 0 is
                              off. D's are not clipped, as in the reference */
    int32_t start_token; /**< G's input at step 0, an id in [0, V); 0 */
    uint64_t seed;       /**< the trainer's generator (every sampled token); 42 */
    bool baseline;       /**< false (the paper): the policy gradient weighs log p(y_t) by
                              the reward Q_t. true: by Q_t minus the mean of the other
                              sequences' Q_t in the batch (a leave-one-out baseline,
                              Williams 1992), which leaves the gradient's expectation
                              unchanged and removes the part of its noise that rewards
                              alike for every sequence cause: with D scoring all about
                              0.5, the plain gradient is mostly noise. Needs batch >= 2
                              (create checks); false */
} gan_seqgan_options_t;

/**
 * @brief Fill @p opts with the defaults (16 rollouts, temperature 1, clip norm 5, start
 *        token 0, seed 42, no baseline).
 * @param opts the struct to fill.
 * @param struct_size sizeof *opts as the caller was compiled.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL, or struct_size smaller than the first
 *         version's). Thread-safe.
 */
GAN_API gan_status gan_seqgan_options_init(gan_seqgan_options_t *opts, size_t struct_size);

/**
 * What one step did. Set struct_size = sizeof(gan_seqgan_stats_t) before the call; the
 * library fills what it knows of the struct's version. Fields a step does not compute
 * are 0.
 */
typedef struct gan_seqgan_stats {
    size_t struct_size;
    double g_loss;      /**< MLE: G's mean negative log-likelihood per token of the real
                             batch (nats); PG: -mean_t log p(y_t) Q_t over the batch's
                             tokens, the loss whose gradient G followed */
    double d_loss;      /**< D step: mean BCE on the reals (target 1) + mean BCE on the
                             fakes (target 0) */
    double d_real;      /**< D step: mean probability D gives the reals */
    double d_fake;      /**< D step: mean probability D gives the fakes; PG: the
                             sampled sequences' mean score (the last token's reward) */
    double reward;      /**< PG: the mean reward Q_t over the batch's tokens (before
                             any baseline is subtracted) */
    double grad_norm;   /**< the updated model's gradient norm before clipping */
    uint64_t mle_steps; /**< maximum-likelihood steps so far, this one included */
    uint64_t d_steps;   /**< discriminator steps so far */
    uint64_t pg_steps;  /**< policy-gradient steps so far */
} gan_seqgan_stats_t;

/**
 * @brief Create a SeqGAN trainer.
 * @param out receives the trainer; free it with gan_seqgan_destroy().
 * @param g built generator over whole sequences: input (T) ids, output 0 (T, V) logits,
 *        V >= 2. Its batch size B is the trainer's.
 * @param g_step built one-token copy of G's architecture: input (1), output 0 (1, V),
 *        the same layers with the same parameter counts, every recurrent layer stateful
 *        (at least one), batch B, no max_steps below T.
 * @param d built discriminator: input (T), output 0 one logit. Re-sized to batch B if
 *        its batch differs (which forgets its last forward). If its first layer is an
 *        embedding of token ids, its vocabulary must be V. Until gan_seqgan_destroy(),
 *        G, G_step and D share the memory a pass uses only while it runs: do not run
 *        passes of them at the same time from two threads.
 * @param g_opt, d_opt optimizers created for @p g and @p d (the reference: Adam 0.01 for
 *        G, Adam 1e-4 for D).
 * @param opts NULL for the defaults.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL; a model passed twice; a model with several
 *         inputs or a Condition layer; an optimizer of another model; G_step without a
 *         stateful recurrent layer; options with unknown trailing bytes), GAN_E_STATE (a
 *         model not built), GAN_E_SHAPE (G's input not (T) or output not (T, V); G_step
 *         not (1) to (1, V) or not G's layers; D's input not G's (T) or output not one
 *         logit; an embedding of another vocabulary than V; a recurrent layer of G_step
 *         whose max_steps is below T), GAN_E_BATCH_SIZE (G_step's batch is not G's),
 *         GAN_E_OUT_OF_RANGE (an option outside its range, a start token outside
 *         [0, V)), GAN_E_NO_MEMORY. The message names the model and the shapes.
 */
GAN_API gan_status gan_seqgan_create(gan_seqgan_t **out, gan_model_t *g,
                                     gan_model_t *g_step, gan_model_t *d,
                                     gan_optimizer_t *g_opt, gan_optimizer_t *d_opt,
                                     const gan_seqgan_options_t *opts);

/** @brief Free a trainer (not its models or optimizers); NULL is a no-op. */
GAN_API void gan_seqgan_destroy(gan_seqgan_t *trainer);

/**
 * @brief One maximum-likelihood step of G (teacher forcing): input the start token and
 *        x_0..x_{T-2}, target x_0..x_{T-1}, the mean softmax cross-entropy over the
 *        batch's B*T tokens; gradients clipped to clip_norm; one update of G.
 * @param real (batch, T) ids in [0, V).
 * @param batch must equal the trainer's batch size.
 * @param stats NULL, or filled when the step succeeds (set its struct_size first).
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL trainer or real; stats without struct_size),
 *         GAN_E_BATCH_SIZE (another batch size, 0 included), GAN_E_OUT_OF_RANGE (an id
 *         outside [0, V): the message names the sequence and position; nothing changed),
 *         GAN_E_NUMERIC (a NaN or infinite loss or gradient: G is not updated),
 *         GAN_E_BACKEND.
 */
GAN_API gan_status gan_seqgan_mle_step(gan_seqgan_t *trainer, const int32_t *real,
                                       int32_t batch, gan_seqgan_stats_t *stats);

/**
 * @brief One step of D: B sequences freshly sampled from G (through G_step) against the
 *        real batch, D in training mode; loss mean BCE(D(real), 1) + mean BCE(D(fake), 0);
 *        one update of D.
 * @param real (batch, T) ids in [0, V).
 * @param batch must equal the trainer's batch size.
 * @param stats NULL, or filled when the step succeeds (set its struct_size first).
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL trainer or real; stats without struct_size),
 *         GAN_E_BATCH_SIZE (another batch size, 0 included), GAN_E_OUT_OF_RANGE (an id
 *         outside [0, V)), GAN_E_NUMERIC (D is not updated), GAN_E_BACKEND, as
 *         gan_seqgan_mle_step().
 */
GAN_API gan_status gan_seqgan_d_step(gan_seqgan_t *trainer, const int32_t *real,
                                     int32_t batch, gan_seqgan_stats_t *stats);

/**
 * @brief One policy-gradient step of G (the paper's equations 4 to 8): sample B sequences
 *        y with G_step; for every prefix length t = 1..T-1 run N rollouts that complete
 *        y_0..y_{t-1} with G_step, branching from the prefix's carried state (copied out
 *        once, set back before each rollout) rather than recomputing it, and score the
 *        completed sequences with D in inference mode; the reward Q of token t-1 is the
 *        mean probability sigmoid(D) over its N rollouts, and the last token's is D's
 *        probability of y itself. Then G's loss -(1/(B T)) sum_t Q_t log p(y_t | y_<t)
 *        (gan_loss_softmax_cross_entropy_weighted() on G's whole-sequence pass), clip,
 *        one update of G. Costs N (T - 1) (T - 2) / 2 + 2 T forwards of G_step
 *        and N (T - 1) + 1 of D.
 * @param batch must equal the trainer's batch size (the number of sequences sampled).
 * @param stats NULL, or filled when the step succeeds (set its struct_size first).
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL trainer; stats without struct_size),
 *         GAN_E_BATCH_SIZE, GAN_E_NUMERIC (non-finite logits, loss or gradient: G is not
 *         updated), GAN_E_BACKEND.
 */
GAN_API gan_status gan_seqgan_pg_step(gan_seqgan_t *trainer, int32_t batch,
                                      gan_seqgan_stats_t *stats);

/**
 * @brief Sample @p n sequences from G (through G_step, G's current parameters, the
 *        trainer's temperature and generator), a batch at a time.
 * @param n >= 1.
 * @param ids receives (n, T) ids.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL), GAN_E_OUT_OF_RANGE (n < 1), GAN_E_NUMERIC
 *         (non-finite logits), GAN_E_BACKEND.
 */
GAN_API gan_status gan_seqgan_sample(gan_seqgan_t *trainer, int32_t n, int32_t *ids);

/**
 * @brief Save the whole training state to a checkpoint file (doc/CHECKPOINT.md): G and
 *        D, both optimizers, the trainer's settings, random state, step counts and data
 *        position (G_step is not saved: it is G's copy, refreshed before each use).
 *        Training on from a loaded checkpoint gives bit for bit what training on without
 *        the interruption would have given. Written atomically, as gan_trainer_save().
 * @param path the file to create or replace; its directory must exist.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL, empty path), GAN_E_IO, GAN_E_NO_MEMORY.
 */
GAN_API gan_status gan_seqgan_save(gan_seqgan_t *trainer, const char *path);

/**
 * @brief Restore a state saved by gan_seqgan_save() into a trainer created from models
 *        and optimizers of the same architecture and kinds. The weights, optimizer
 *        settings, rollouts, temperature, clip norm, start token and random state come
 *        from the file. Everything is checked before anything changes: on failure the
 *        trainer, its models and optimizers are untouched.
 * @param path a file written by gan_seqgan_save().
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL, empty path), GAN_E_IO, GAN_E_FORMAT (not a
 *         SeqGAN checkpoint, damaged, or of another architecture: the message names the
 *         path and the first difference), GAN_E_NO_MEMORY.
 */
GAN_API gan_status gan_seqgan_load(gan_seqgan_t *trainer, const char *path);

/**
 * @brief Store the caller's position in its data order (e.g. batches consumed), kept by
 *        checkpoints and not interpreted. 0 after create.
 * @param position any value.
 * @return GAN_OK; GAN_E_INVALID_ARG.
 */
GAN_API gan_status gan_seqgan_set_data_position(gan_seqgan_t *trainer, uint64_t position);

/** @brief The data position last set or loaded. @param position receives it.
 *  @return GAN_OK; GAN_E_INVALID_ARG. */
GAN_API gan_status gan_seqgan_get_data_position(const gan_seqgan_t *trainer,
                                                uint64_t *position);

/**
 * @brief Install (or remove) the trainer's gradient hook (gan_grad_hook_fn), e.g. to
 *        average the gradients across the processes of data-parallel training. It is
 *        called once per update with the network's whole gradient arena: G's
 *        (GAN_NETWORK_GENERATOR) in gan_seqgan_mle_step() and gan_seqgan_pg_step(), D's
 *        (GAN_NETWORK_DISCRIMINATOR) in gan_seqgan_d_step(), after the backward pass and
 *        the loss's finite check and before the clipping (clip_norm), the gradient norm
 *        and the optimizer update. A hook's error ends the step with its status and no
 *        update. Not saved in checkpoints.
 * @param fn the hook, or NULL for none (the default).
 * @param user passed to every call of @p fn; borrowed, it must outlive the hook's use.
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL trainer). Thread safety: as the trainer.
 */
GAN_API gan_status gan_seqgan_set_grad_hook(gan_seqgan_t *trainer, gan_grad_hook_fn fn,
                                            void *user);

/**
 * @brief Make the trainer one of @p count shards of a global batch of count x its batch
 *        sequences, for data-parallel training: every token the steps sample (the fakes
 *        of gan_seqgan_d_step(), the sequences and Monte-Carlo rollouts of
 *        gan_seqgan_pg_step()) is drawn for the whole global batch, one draw per row in
 *        the order one trainer on the global batch draws, and this trainer keeps rows
 *        index x batch to (index + 1) x batch - 1. Shards started from the same state
 *        thus sample between them what one trainer on the global batch samples. The
 *        baseline (options.baseline) is the mean over the shard's own rows, not the
 *        global batch's. gan_seqgan_sample() is not sharded. Not saved in checkpoints.
 * @param index this trainer's shard, from 0 to count - 1.
 * @param count the number of shards, at least 1 (the default, with index 0: no shards).
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL trainer), GAN_E_OUT_OF_RANGE (an index or
 *         count out of range, or a global batch of more than 2^31 - 1 sequences).
 */
GAN_API gan_status gan_seqgan_set_shard(gan_seqgan_t *trainer, int32_t index, int32_t count);

/** @brief The trainer's shard (gan_seqgan_set_shard()): @param index receives its index,
 *  @param count the number of shards. @return GAN_OK; GAN_E_INVALID_ARG (NULL). */
GAN_API gan_status gan_seqgan_get_shard(const gan_seqgan_t *trainer, int32_t *index,
                                        int32_t *count);

/**
 * @brief The models the trainer trains (borrowed: the caller's own handles); G_step,
 *        which gets G's parameters before every sampling phase, is not one of them.
 * @param g receives G, or NULL if not wanted.
 * @param d receives D, or NULL.
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL trainer).
 */
GAN_API gan_status gan_seqgan_get_models(const gan_seqgan_t *trainer, gan_model_t **g,
                                         gan_model_t **d);

/**
 * @brief Sample @p n sequences of @p steps tokens from a one-token model such as
 *        G_step (input (1), output (1, V), its recurrent layers stateful), without a
 *        trainer: e.g. the synthetic-data oracle of the paper. Batch by batch of the
 *        model's batch size, the recurrent state is reset, the start token fed, and each
 *        sampled token (gan_categorical_sample()'s rule and draws: one per token) fed
 *        back. Allocates one batch of inputs from the model's allocator per call.
 * @param model the one-token model; its mode is set to inference for the call.
 * @param rng the generator, advanced by n * steps draws.
 * @param start_token in [0, V).
 * @param temperature finite and > 0.
 * @param steps T, >= 1, and at most every recurrent layer's max_steps.
 * @param n >= 1.
 * @param ids receives (n, steps) ids.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL; a model without a stateful recurrent layer),
 *         GAN_E_STATE (not built), GAN_E_SHAPE (input not (1), output not (1, V);
 *         steps beyond a recurrent layer's max_steps), GAN_E_OUT_OF_RANGE (steps or n
 *         < 1, start token, temperature), GAN_E_NUMERIC, GAN_E_NO_MEMORY, GAN_E_BACKEND.
 */
GAN_API gan_status gan_sequence_sample(gan_model_t *model, gan_rng_t *rng,
                                       int32_t start_token, float temperature,
                                       int32_t steps, int32_t n, int32_t *ids);

/**
 * @brief The mean negative log-likelihood per token (nats) of @p n sequences under a
 *        whole-sequence generator such as G (input (T), output (T, V)), fed the start
 *        token and each sequence shifted by one (teacher forcing), in inference mode.
 *        The paper's NLL-oracle is this under the oracle of sequences sampled from G.
 *        Allocates one batch of inputs and labels from the model's allocator per call.
 * @param start_token G's input at step 0, in [0, V).
 * @param ids (n, T) ids in [0, V).
 * @param n >= 1.
 * @param nll receives the mean over the n * T tokens.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL), GAN_E_STATE (not built), GAN_E_SHAPE (input
 *         not (T) or output not (T, V)), GAN_E_OUT_OF_RANGE (n < 1, start token, an id
 *         outside [0, V): the message names the sequence and position), GAN_E_NUMERIC,
 *         GAN_E_NO_MEMORY, GAN_E_BACKEND.
 */
GAN_API gan_status gan_sequence_nll(gan_model_t *model, int32_t start_token,
                                    const int32_t *ids, int32_t n, double *nll);

#ifdef __cplusplus
}
#endif

#endif /* GAN_SEQGAN_H */
