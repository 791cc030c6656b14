/* AC-GAN (Odena et al. 2017, "Conditional Image Synthesis with Auxiliary Classifier
 * GANs"): the discriminator's second output classifies every image, real or generated,
 * and both models learn from the log-likelihood of the right class, L_C = E[log P(C = c |
 * X)]: D maximises L_S + L_C, G maximises L_C - L_S. As losses to minimise: D's
 * adversarial loss + w_real * CE(reals) + w_fake * CE(fakes), G's adversarial loss +
 * w_fake * CE(fakes), CE being the softmax cross-entropy of the class logits. */
#include "core/error.h"
#include "gan/loss.h"
#include "train/trainer.h"

gan_status gan__aux_check(const gan_model_t *g, const gan_model_t *d, const gan_hacks_t *h,
                          const char *who, int32_t *classes)
{
    const double w_real = h->value[GAN_HACK_AUX_WEIGHT_REAL];
    const double w_fake = h->value[GAN_HACK_AUX_WEIGHT_FAKE];
    *classes = 0;
    if (w_real <= 0 && w_fake <= 0)
        return GAN_OK;
    const int32_t want = gan__model_classes(g);
    if (want == 0)
        return gan__fail(GAN_E_INVALID_ARG, "%s: AC-GAN (aux_weight_real = %g, "
                         "aux_weight_fake = %g) needs a conditional generator, and "
                         "generator '%s' has no Condition layer", who, w_real, w_fake,
                         g->name);
    const int32_t n_out = gan__model_output_count(d);
    if (n_out < 2) {
        const gan_layer_t *l = gan__model_output(d, 0);
        return gan__fail(GAN_E_INVALID_ARG, "%s: AC-GAN needs discriminator '%s' to have a "
                         "second output of %d class logits, and it has one output (layer "
                         "%d '%s', %s): add the classifier head with "
                         "gan_model_set_outputs()", who, d->name, (int)want, (int)l->index,
                         l->name, gan__shape_str(&l->out).s);
    }
    const gan_layer_t *aux = gan__model_output(d, 1);
    if (aux->out.ndim != 1)
        return gan__fail(GAN_E_SHAPE, "%s: AC-GAN reads discriminator '%s' output 1 (layer "
                         "%d '%s') as class logits, a vector (%d), but its shape is %s",
                         who, d->name, (int)aux->index, aux->name, (int)want,
                         gan__shape_str(&aux->out).s);
    if (aux->out.d[0] != want)
        return gan__fail(GAN_E_SHAPE, "%s: discriminator '%s' output 1 (layer %d '%s') "
                         "gives %s class logits, generator '%s' conditions on %d classes",
                         who, d->name, (int)aux->index, aux->name,
                         gan__shape_str(&aux->out).s, g->name, (int)want);
    if (want < 2)
        return gan__fail(GAN_E_SHAPE, "%s: AC-GAN needs at least 2 classes, generator '%s' "
                         "conditions on %d", who, g->name, (int)want);
    if (h->value[GAN_HACK_FEATURE_MATCHING_LAYER] >= 0)
        return gan__fail(GAN_E_INVALID_ARG, "%s: AC-GAN cannot be combined with feature "
                         "matching (feature_matching_layer = %g): the generator's class "
                         "term needs D's class logits, feature matching replaces D's "
                         "outputs by a layer's features", who,
                         h->value[GAN_HACK_FEATURE_MATCHING_LAYER]);
    *classes = want;
    return GAN_OK;
}

gan_status gan__aux_term(const gan_trainer_t *t, const float *logits, const int32_t *labels,
                         int32_t rows, double weight, float *dlogits, double *loss,
                         double *acc)
{
    const int32_t classes = t->aux_classes;
    gan_status st = gan_loss_softmax_cross_entropy(logits, labels, rows, classes, loss,
                                                   dlogits);
    if (st != GAN_OK)
        return st;
    const size_t n = (size_t)rows * (size_t)classes;
    for (size_t k = 0; dlogits && weight != 1.0 && k < n; k++)
        dlogits[k] = (float)(weight * dlogits[k]);
    double correct = 0.0;
    for (int32_t i = 0; i < rows; i++) {
        const float *x = logits + (size_t)i * (size_t)classes;
        int32_t top = 0;
        for (int32_t j = 1; j < classes; j++)
            if (x[j] > x[top])
                top = j;
        correct += top == labels[i];
    }
    *acc = correct / rows;
    return GAN_OK;
}
