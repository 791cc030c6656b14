/* libgan: GAN losses and their gradients, as plain functions over batches of scores.
 *
 * Thread safety: every function here is thread-safe: it keeps no state and touches only
 * its arguments (calls on distinct output arrays may run at once). */
#ifndef GAN_LOSS_H
#define GAN_LOSS_H

#include <stddef.h>
#include <stdint.h>

#include <gan/export.h>
#include <gan/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Every loss here is a MEAN over the n samples of a batch, reduced in double, and writes
 * d loss / d score (already divided by n) into the optional gradient array, so that
 * gan_model_backward(model, dscores, ...) applies it directly. Scores are the raw
 * outputs of a discriminator or critic (logits: no sigmoid at the end of the model).
 *
 * Common errors: GAN_E_INVALID_ARG (scores, targets, labels or loss NULL),
 * GAN_E_OUT_OF_RANGE (n < 1), GAN_E_NUMERIC (a score or target that is NaN or infinite;
 * the message gives its index). Outputs are left untouched on failure. All functions
 * are thread-safe.
 */

/**
 * @brief Binary cross-entropy from logits, in the stable softplus form
 *        l = softplus(x) - t*x = max(x,0) - t*x + log1p(exp(-|x|)),
 *        for any finite target t, so smoothed labels such as 0.9, 1.2 or 0.3 work;
 *        finite for every finite logit. Gradient: (sigmoid(x) - t) / n.
 * @param logits n discriminator scores.
 * @param targets n targets (1 = real, 0 = fake, or smoothed/flipped values).
 * @param n batch size, >= 1.
 * @param loss receives the mean loss.
 * @param dlogits NULL, or receives n gradients.
 * @return GAN_OK; the common errors above: GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE,
 *         GAN_E_NUMERIC.
 */
GAN_API gan_status gan_loss_bce_logits(const float *logits, const float *targets,
                                       int32_t n, double *loss, float *dlogits);

/** Generator losses for a BCE discriminator (the `kind` of gan_loss_generator_bce()). */
enum {
    /** -mean(log D(G(z))) = mean(softplus(-x)): strong gradients early (Goodfellow et
     *  al. 2014, section 3); the default. */
    GAN_GLOSS_NON_SATURATING = 0,
    /** mean(log(1 - D(G(z)))) = -mean(softplus(x)): the original minimax objective. */
    GAN_GLOSS_MINIMAX = 1
};

/**
 * @brief The generator's loss on the discriminator's logits for fakes.
 * @param kind GAN_GLOSS_NON_SATURATING or GAN_GLOSS_MINIMAX (else GAN_E_INVALID_ARG).
 * @param fake_logits n discriminator scores of fakes.
 * @param n batch size, >= 1.
 * @param loss receives the mean loss.
 * @param dlogits NULL, or receives n gradients.
 * @return GAN_OK; the common errors above: GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE,
 *         GAN_E_NUMERIC.
 */
GAN_API gan_status gan_loss_generator_bce(int32_t kind, const float *fake_logits,
                                          int32_t n, double *loss, float *dlogits);

/**
 * @brief Wasserstein loss term sign * mean(scores) (Arjovsky et al. 2017). The critic
 *        minimises mean(fake) - mean(real): call with the fakes and sign +1 and with the
 *        reals and sign -1; the generator minimises -mean(fake): sign -1.
 * @param scores n critic scores.
 * @param sign +1 or -1 (else GAN_E_INVALID_ARG). Gradient: sign / n.
 * @param n batch size, >= 1.
 * @param loss receives the mean term.
 * @param dscores NULL, or receives n gradients.
 * @return GAN_OK; the common errors above: GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE,
 *         GAN_E_NUMERIC.
 */
GAN_API gan_status gan_loss_wasserstein(const float *scores, float sign, int32_t n,
                                        double *loss, float *dscores);

/**
 * @brief Hinge loss term mean(max(0, 1 + sign * x)) (Lim & Ye 2017; SAGAN). The
 *        discriminator uses sign -1 on reals (max(0, 1 - x)) and +1 on fakes; the
 *        generator's hinge loss is gan_loss_wasserstein(fakes, -1).
 * @param scores n discriminator scores.
 * @param sign +1 or -1 (else GAN_E_INVALID_ARG).
 * @param n batch size, >= 1.
 * @param loss receives the mean term.
 * @param dscores NULL, or receives n gradients.
 * @return GAN_OK; the common errors above: GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE,
 *         GAN_E_NUMERIC.
 */
GAN_API gan_status gan_loss_hinge(const float *scores, float sign, int32_t n,
                                  double *loss, float *dscores);

/**
 * @brief Least-squares loss 0.5 * mean((x - target)^2) (LSGAN, Mao et al. 2017): the
 *        discriminator uses target 1 on reals and 0 on fakes, the generator target 1
 *        on fakes. Gradient: (x - target) / n.
 * @param scores n discriminator scores.
 * @param target a finite value (else GAN_E_NUMERIC).
 * @param n batch size, >= 1.
 * @param loss receives the mean loss.
 * @param dscores NULL, or receives n gradients.
 * @return GAN_OK; the common errors above: GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE,
 *         GAN_E_NUMERIC; GAN_E_NUMERIC also when dscores is given and a gradient does
 *         not fit a float, which only a batch of one with |x - target| > FLT_MAX can
 *         cause.
 */
GAN_API gan_status gan_loss_least_squares(const float *scores, float target, int32_t n,
                                          double *loss, float *dscores);

/**
 * @brief Softmax cross-entropy -mean(log softmax(x)[label]) for classifiers and AC-GAN,
 *        computed with the log-sum-exp shift. Gradient: (softmax(x) - onehot) / n. The
 *        weights e^(x_j - max x) are floats (the library's expf, within 2 ulp) summed in
 *        double, so a row's loss is within about 2^-22 of its value, relative; a
 *        confident row keeps its small loss log1p(sum of the other weights).
 * @param logits (n, classes) row-major.
 * @param labels n class ids in [0, classes) (else GAN_E_OUT_OF_RANGE naming the sample).
 * @param n rows, >= 1.
 * @param classes >= 2 (else GAN_E_OUT_OF_RANGE).
 * @param loss receives the mean loss.
 * @param dlogits NULL, or receives (n, classes) gradients.
 * @return GAN_OK; the common errors above: GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE,
 *         GAN_E_NUMERIC.
 */
GAN_API gan_status gan_loss_softmax_cross_entropy(const float *logits,
                                                  const int32_t *labels, int32_t n,
                                                  int32_t classes, double *loss,
                                                  float *dlogits);

/**
 * @brief Softmax cross-entropy with a weight per row, for token sequences:
 *        loss = -(1/n) sum_r w_r log softmax(x_r)[label_r], a MEAN over the n rows (not
 *        divided by the sum of the weights). Gradient: w_r (softmax(x_r) - onehot) / n.
 *        With every weight 1 it is gan_loss_softmax_cross_entropy() bit for bit, loss
 *        and gradient. For a batch of N sequences of T tokens the rows are the N*T time
 *        steps (n = N*T, the (N, T, classes) output of a Dense per time step); plain
 *        maximum likelihood uses weights 1, SeqGAN's policy gradient
 *        -sum_t log p(y_t) Q_t (Yu et al. 2017) the rewards Q_t, and a weight 0 drops a
 *        row (padding) from the gradient. Weights may be negative (rewards minus a
 *        baseline). The loss is reduced in double.
 * @param logits (n, classes) row-major.
 * @param labels n class ids in [0, classes) (else GAN_E_OUT_OF_RANGE naming the row and
 *        the id), also where the weight is 0.
 * @param weights n finite weights (else GAN_E_NUMERIC naming the row).
 * @param n rows, >= 1.
 * @param classes >= 2 (else GAN_E_OUT_OF_RANGE).
 * @param loss receives the weighted mean.
 * @param dlogits NULL, or receives (n, classes) gradients; may be logits itself.
 * @return GAN_OK; the common errors above, and GAN_E_INVALID_ARG when labels or weights
 *         is NULL.
 */
GAN_API gan_status gan_loss_softmax_cross_entropy_weighted(const float *logits,
                                                           const int32_t *labels,
                                                           const float *weights, int32_t n,
                                                           int32_t classes, double *loss,
                                                           float *dlogits);

/*
 * Reconstruction losses between two tensors of the same shape (cycle consistency and
 * identity in CycleGAN, pix2pix's L1 term): a MEAN over all @p count elements, as
 * torch.nn.L1Loss and MSELoss with reduction 'mean', reduced in double, with the gradient
 * with respect to pred already divided by count. They take no weight: the generator's
 * total gradient (adversarial + lambda * reconstruction) is summed into one array before
 * gan_model_backward() anyway, and lambda is applied in that sum.
 * Errors: GAN_E_INVALID_ARG (pred, target or loss NULL), GAN_E_OUT_OF_RANGE (count 0),
 * GAN_E_NUMERIC (an element of pred or target that is NaN or infinite; the message gives
 * its index). Outputs are left untouched on failure. dpred may be pred or target itself.
 * Thread-safe.
 */

/**
 * @brief Mean absolute error mean |pred - target| (torch.nn.L1Loss; pix2pix uses it with
 *        lambda = 100, CycleGAN's cycle loss with lambda = 10).
 *        Gradient: sign(pred - target) / count, with the subgradient 0 where
 *        pred == target (as PyTorch's sign(0) = 0).
 * @param pred count values, e.g. (N, C, H, W) generated images.
 * @param target count values of the same layout, e.g. the paired or reconstructed images.
 * @param count number of elements, >= 1.
 * @param loss receives the mean.
 * @param dpred NULL, or receives count gradients.
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE, GAN_E_NUMERIC as above.
 */
GAN_API gan_status gan_loss_l1(const float *pred, const float *target, size_t count,
                               double *loss, float *dpred);

/**
 * @brief Mean squared error mean (pred - target)^2 (torch.nn.MSELoss; no factor 1/2,
 *        unlike gan_loss_least_squares()). Gradient: 2 (pred - target) / count.
 * @param pred count values.
 * @param target count values of the same layout.
 * @param count number of elements, >= 1.
 * @param loss receives the mean.
 * @param dpred NULL, or receives count gradients.
 * @return GAN_OK; GAN_E_INVALID_ARG, GAN_E_OUT_OF_RANGE, GAN_E_NUMERIC as above, and
 *         GAN_E_NUMERIC when dpred is given and a gradient does not fit a float, which
 *         only count < 4 with |pred - target| > FLT_MAX can cause.
 */
GAN_API gan_status gan_loss_l2(const float *pred, const float *target, size_t count,
                               double *loss, float *dpred);

#ifdef __cplusplus
}
#endif

#endif /* GAN_LOSS_H */
