/* libgan: optimizers that update a model's parameters from its gradients. */
#ifndef GAN_OPTIM_H
#define GAN_OPTIM_H

#include <stdbool.h>
#include <stdint.h>

#include <gan/export.h>
#include <gan/model.h>
#include <gan/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * An optimizer bound to one built model: its state (moments, velocities) is laid out
 * parallel to the model's parameter arena and allocated from the model's allocator when
 * the optimizer is created; stepping never allocates. Each model gets its own optimizer,
 * so G and D may differ in kind and learning rate (TTUR). The optimizer keeps a pointer
 * to its model: the model must outlive its optimizer.
 *
 * Thread safety: as its model (one thread at a time per model/optimizer pair).
 */
typedef struct gan_optimizer gan_optimizer_t;

/** Optimizer kinds, as gan_optimizer_get_kind() reports them. */
enum {
    GAN_OPTIM_SGD = 0,
    GAN_OPTIM_ADAM = 1,
    GAN_OPTIM_RMSPROP = 2
};

/**
 * Settings, for gan_optimizer_set() and gan_optimizer_get(). Values are kept as float:
 * a value is range-checked after rounding to float (0.99999999999 rounds to 1 and is
 * refused as a beta) and gan_optimizer_get() returns the float in use. Settings not
 * taken by a create function start at 0 (weight decay; RMSProp's momentum).
 */
enum {
    GAN_OPT_LEARNING_RATE = 0, /**< all kinds; > 0 */
    GAN_OPT_BETA1 = 1,         /**< Adam; [0, 1) */
    GAN_OPT_BETA2 = 2,         /**< Adam; [0, 1) */
    GAN_OPT_EPSILON = 3,       /**< Adam, RMSProp; > 0 */
    GAN_OPT_MOMENTUM = 4,      /**< SGD, RMSProp; [0, 1), > 0 while Nesterov is on */
    GAN_OPT_NESTEROV = 5,      /**< SGD; 0 or 1, needs momentum > 0 */
    GAN_OPT_ALPHA = 6,         /**< RMSProp smoothing constant; [0, 1) */
    GAN_OPT_WEIGHT_DECAY = 7   /**< all kinds, L2 term added to the gradient; >= 0 */
};

/**
 * @brief Adam (Kingma & Ba 2015) with bias correction, as torch.optim.Adam:
 *        m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 *        p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps).
 *        The DCGAN setting is gan_optimizer_adam_create(&o, m, 0.0002f, 0.5f, 0.999f, 1e-8f).
 *        With GAN_OPT_WEIGHT_DECAY wd > 0, g + wd p replaces g (L2, not AdamW).
 * @param out receives the optimizer; *out is set to NULL on failure.
 * @param model a built model; borrowed, it must outlive the optimizer. Its allocator
 *        provides the state (two arrays of its parameter count for Adam and RMSProp,
 *        one for SGD).
 * @param lr the learning rate, > 0 and finite.
 * @param beta1 the first moment's decay, in [0, 1) (0.9 in the paper, 0.5 for DCGAN).
 * @param beta2 the second moment's decay, in [0, 1) (0.999).
 * @param epsilon > 0 and finite (1e-8).
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL), GAN_E_STATE (model not built),
 *         GAN_E_OUT_OF_RANGE (lr <= 0, betas outside [0, 1), eps <= 0, non-finite),
 *         GAN_E_NO_MEMORY.
 */
GAN_API gan_status gan_optimizer_adam_create(gan_optimizer_t **out, gan_model_t *model,
                                             float lr, float beta1, float beta2,
                                             float epsilon);

/**
 * @brief SGD with optional momentum and Nesterov momentum, as torch.optim.SGD
 *        (no dampening): b = momentum b + g (b = g on the first step);
 *        p -= lr * (nesterov ? g + momentum b : b).
 * @param out receives the optimizer; *out is set to NULL on failure.
 * @param model a built model; borrowed, it must outlive the optimizer.
 * @param lr the learning rate, > 0 and finite.
 * @param momentum [0, 1); 0 is plain SGD.
 * @param nesterov true for Nesterov momentum (needs momentum > 0).
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL), GAN_E_STATE (model not built),
 *         GAN_E_OUT_OF_RANGE (a value outside its range, or not finite),
 *         GAN_E_NO_MEMORY, as gan_optimizer_adam_create().
 */
GAN_API gan_status gan_optimizer_sgd_create(gan_optimizer_t **out, gan_model_t *model,
                                            float lr, float momentum, bool nesterov);

/**
 * @brief RMSProp (Tieleman & Hinton 2012; the original WGAN's optimizer, lr 5e-5), as
 *        torch.optim.RMSprop without centring: s = alpha s + (1-alpha) g^2;
 *        p -= lr * g / (sqrt(s) + eps). With GAN_OPT_MOMENTUM mu > 0 (set after
 *        creation; 0 by default), b = mu b + g / (sqrt(s) + eps); p -= lr * b.
 * @param out receives the optimizer; *out is set to NULL on failure.
 * @param model a built model; borrowed, it must outlive the optimizer.
 * @param lr the learning rate, > 0 and finite.
 * @param alpha [0, 1); PyTorch's default is 0.99.
 * @param epsilon > 0 and finite.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL), GAN_E_STATE (model not built),
 *         GAN_E_OUT_OF_RANGE (a value outside its range, or not finite),
 *         GAN_E_NO_MEMORY, as gan_optimizer_adam_create().
 */
GAN_API gan_status gan_optimizer_rmsprop_create(gan_optimizer_t **out,
                                                gan_model_t *model, float lr,
                                                float alpha, float epsilon);

/** @brief Free an optimizer; NULL is a no-op. Call it before destroying its model. */
GAN_API void gan_optimizer_destroy(gan_optimizer_t *opt);

/**
 * @brief Apply one update to the model's parameters from its gradient arena (which is
 *        read, not cleared: call gan_model_zero_grad() before the next backward).
 *        Frozen models (gan_model_set_trainable false) are updated all the same: freezing
 *        only stops gradients from accumulating.
 *        Every gradient is checked before anything is written; a model without
 *        parameters steps trivially (the step count still advances). Never allocates.
 * @return GAN_OK; GAN_E_INVALID_ARG; GAN_E_NUMERIC if a gradient is NaN or infinite
 *         (nothing is changed: the parameters, the optimizer state and the step count
 *         stay as they were; the message names the first bad index and its layer).
 */
GAN_API gan_status gan_optimizer_step(gan_optimizer_t *opt);

/**
 * @brief Change a setting (a GAN_OPT_* key) between steps, e.g. a learning-rate schedule.
 * @param key a GAN_OPT_* value.
 * @param value the new setting, within the key's range.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL, unknown key, or a key this kind does not
 *         have), GAN_E_OUT_OF_RANGE (the value is outside the key's range; nothing is
 *         clamped).
 */
GAN_API gan_status gan_optimizer_set(gan_optimizer_t *opt, int32_t key, double value);

/** @brief Read a setting.
 *  @param key a GAN_OPT_* value.
 *  @param value receives the setting.
 *  @return GAN_OK; GAN_E_INVALID_ARG (NULL or key not of this kind). */
GAN_API gan_status gan_optimizer_get(const gan_optimizer_t *opt, int32_t key,
                                     double *value);

/** @brief The kind (GAN_OPTIM_*). @param kind receives it.
 *  @return GAN_OK; GAN_E_INVALID_ARG. */
GAN_API gan_status gan_optimizer_get_kind(const gan_optimizer_t *opt, int32_t *kind);

/**
 * @brief Successful gan_optimizer_step() calls since creation or the last reset (Adam's t).
 * @param steps receives the count.
 * @return GAN_OK; GAN_E_INVALID_ARG.
 */
GAN_API gan_status gan_optimizer_get_step_count(const gan_optimizer_t *opt,
                                                uint64_t *steps);

/**
 * @brief Clear the state (moments, velocities) and the step count; settings are kept.
 * @return GAN_OK; GAN_E_INVALID_ARG.
 */
GAN_API gan_status gan_optimizer_reset(gan_optimizer_t *opt);

/**
 * A learning-rate schedule: the rate an optimizer should use for each of its updates,
 * set on it with gan_lr_schedule_apply() before the update. The step is the optimizer's
 * own update count (gan_optimizer_get_step_count(), Adam's t), so the schedule has no
 * state of its own: an optimizer restored from a checkpoint continues the schedule
 * exactly, and one schedule may serve several optimizers (a GAN's G and D, or each
 * optimizer of a CycleGAN). It works with any trainer whose optimizers the caller holds
 * (apply it to each before gan_trainer_step()) and in a loop of one's own; the CycleGAN
 * trainer applies a copy itself (gan_cyclegan_set_lr_schedule()).
 *
 * Thread safety: a schedule is read-only after create and may be used from any thread.
 */
typedef struct gan_lr_schedule gan_lr_schedule_t;

/** Schedule kinds (stored in CycleGAN checkpoints). */
enum {
    /** Constant, then linear decay to 0 (CycleGAN, Zhu et al. 2017, section 7.1). */
    GAN_LR_SCHEDULE_LINEAR_DECAY = 1
};

/**
 * @brief A schedule that keeps @p base_lr for the first @p constant_steps updates, then
 *        decays it linearly towards 0 over @p decay_steps updates: update k (0 is the
 *        first) runs at base_lr for k < constant_steps and at
 *        base_lr * (1 - (k - constant_steps + 1) / (decay_steps + 1)) after that. This is
 *        the CycleGAN reference's rule (lambda_rule in its networks.py, with an update for
 *        an epoch): 2e-4 over n steps is constant_steps = n/2, decay_steps = n - n/2; the
 *        last update runs at base_lr / (decay_steps + 1), and the schedule ends after
 *        constant_steps + decay_steps updates (the next rate would be 0, which no
 *        optimizer takes). decay_steps 0 is a constant rate for constant_steps updates.
 * @param out receives the schedule (allocated with the C library's allocator); NULL on
 *        failure.
 * @param base_lr > 0 and finite as a float.
 * @param constant_steps, decay_steps not both 0, and their sum at most UINT64_MAX
 *        (UINT64_MAX constant steps is a constant rate for ever).
 * @return GAN_OK; GAN_E_INVALID_ARG (out NULL), GAN_E_OUT_OF_RANGE (base_lr, or no steps,
 *         or a sum that overflows), GAN_E_NO_MEMORY.
 */
GAN_API gan_status gan_lr_schedule_linear_create(gan_lr_schedule_t **out, double base_lr,
                                                 uint64_t constant_steps,
                                                 uint64_t decay_steps);

/** @brief Free a schedule; NULL is a no-op. */
GAN_API void gan_lr_schedule_destroy(gan_lr_schedule_t *schedule);

/**
 * @brief The rate of update @p step (0 is the first), in double (an optimizer keeps it
 *        as the nearest float).
 * @param step the update's number, from 0.
 * @param lr receives the rate.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL), GAN_E_OUT_OF_RANGE (step at or past the
 *         schedule's end).
 */
GAN_API gan_status gan_lr_schedule_get_rate(const gan_lr_schedule_t *schedule,
                                            uint64_t step, double *lr);

/**
 * @brief The number of updates the schedule covers (constant_steps + decay_steps).
 * @param steps receives the number.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL).
 */
GAN_API gan_status gan_lr_schedule_get_length(const gan_lr_schedule_t *schedule,
                                              uint64_t *steps);

/**
 * @brief Set @p opt's GAN_OPT_LEARNING_RATE to the schedule's rate for its next update,
 *        the one numbered by its current step count. Call it before each
 *        gan_optimizer_step() (or trainer step). Never allocates.
 * @param opt the optimizer whose learning rate is set.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL), GAN_E_OUT_OF_RANGE (the optimizer has made
 *         all the schedule's updates, or the rate rounds to 0 as a float: the learning
 *         rate is left as it was).
 *
 * Thread safety: the schedule may be shared by any threads; @p opt is used as in its
 * model's thread (one thread at a time per model/optimizer pair).
 */
GAN_API gan_status gan_lr_schedule_apply(const gan_lr_schedule_t *schedule,
                                         gan_optimizer_t *opt);

/**
 * @brief Clip every trainable parameter of @p model (its parameter arena: weights and
 *        biases, not BatchNorm running statistics; frozen or not) into [-c, c] (WGAN
 *        weight clipping, c = 0.01 in Arjovsky et al. 2017). A NaN parameter stays NaN.
 * @param c the bound, > 0 and finite.
 * @return GAN_OK; GAN_E_INVALID_ARG; GAN_E_STATE (not built); GAN_E_OUT_OF_RANGE (c <= 0
 *         or not finite).
 */
GAN_API gan_status gan_model_clip_params(gan_model_t *model, float c);

/**
 * @brief Euclidean norm of the model's whole gradient arena (accumulated in double).
 * @param norm receives the norm.
 * @return GAN_OK; GAN_E_INVALID_ARG; GAN_E_STATE (not built).
 */
GAN_API gan_status gan_model_grad_norm(const gan_model_t *model, double *norm);

/**
 * @brief Clip the model's whole gradient arena by its global norm (Pascanu et al. 2013;
 *        TensorFlow's tf.clip_by_global_norm, which SeqGAN's reference code applies with
 *        5.0): when the Euclidean norm g of all gradients exceeds @p max_norm, every
 *        gradient is multiplied by max_norm / g; otherwise nothing changes. Call it
 *        between the backward passes and gan_optimizer_step(). Never allocates.
 * @param max_norm > 0 and finite.
 * @param norm NULL, or receives g, the norm before clipping (accumulated in double).
 * @return GAN_OK; GAN_E_INVALID_ARG (model NULL); GAN_E_STATE (not built);
 *         GAN_E_OUT_OF_RANGE (max_norm <= 0 or not finite); GAN_E_NUMERIC (a gradient is
 *         NaN or infinite: nothing is changed, *norm receives the non-finite norm).
 */
GAN_API gan_status gan_model_clip_grad_norm(gan_model_t *model, double max_norm,
                                           double *norm);

#ifdef __cplusplus
}
#endif

#endif /* GAN_OPTIM_H */
