/* libgan: GAN losses and their gradients, as plain functions over batches of scores. */
#ifndef GAN_LOSS_H
#define GAN_LOSS_H

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
 * @return GAN_OK; the common errors above.
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
 * @return GAN_OK; the common errors above.
 */
GAN_API gan_status gan_loss_generator_bce(int32_t kind, const float *fake_logits,
                                          int32_t n, double *loss, float *dlogits);

/**
 * @brief Wasserstein loss term sign * mean(scores) (Arjovsky et al. 2017). The critic
 *        minimises mean(fake) - mean(real): call with the fakes and sign +1 and with the
 *        reals and sign -1; the generator minimises -mean(fake): sign -1.
 * @param sign +1 or -1 (else GAN_E_INVALID_ARG). Gradient: sign / n.
 * @return GAN_OK; the common errors above.
 */
GAN_API gan_status gan_loss_wasserstein(const float *scores, float sign, int32_t n,
                                        double *loss, float *dscores);

/**
 * @brief Hinge loss term mean(max(0, 1 + sign * x)) (Lim & Ye 2017; SAGAN). The
 *        discriminator uses sign -1 on reals (max(0, 1 - x)) and +1 on fakes; the
 *        generator's hinge loss is gan_loss_wasserstein(fakes, -1).
 * @param sign +1 or -1 (else GAN_E_INVALID_ARG).
 * @return GAN_OK; the common errors above.
 */
GAN_API gan_status gan_loss_hinge(const float *scores, float sign, int32_t n,
                                  double *loss, float *dscores);

/**
 * @brief Least-squares loss 0.5 * mean((x - target)^2) (LSGAN, Mao et al. 2017): the
 *        discriminator uses target 1 on reals and 0 on fakes, the generator target 1
 *        on fakes. Gradient: (x - target) / n.
 * @param target a finite value (else GAN_E_NUMERIC).
 * @return GAN_E_NUMERIC also when dscores is given and a gradient does not fit a float,
 *         which only a batch of one with |x - target| > FLT_MAX can cause.
 */
GAN_API gan_status gan_loss_least_squares(const float *scores, float target, int32_t n,
                                          double *loss, float *dscores);

/**
 * @brief Softmax cross-entropy -mean(log softmax(x)[label]) for classifiers and AC-GAN,
 *        computed with the log-sum-exp shift. Gradient: (softmax(x) - onehot) / n.
 * @param logits (n, classes) row-major.
 * @param labels n class ids in [0, classes) (else GAN_E_OUT_OF_RANGE naming the sample).
 * @param classes >= 2 (else GAN_E_OUT_OF_RANGE).
 * @param dlogits NULL, or receives (n, classes) gradients.
 * @return GAN_OK; the common errors above.
 */
GAN_API gan_status gan_loss_softmax_cross_entropy(const float *logits,
                                                  const int32_t *labels, int32_t n,
                                                  int32_t classes, double *loss,
                                                  float *dlogits);

#ifdef __cplusplus
}
#endif

#endif /* GAN_LOSS_H */
