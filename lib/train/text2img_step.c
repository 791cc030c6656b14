/* One text-to-image step (Reed et al. 2016, "Generative Adversarial Text to Image
 * Synthesis", algorithm 1 and section 4.3): the matching-aware update of D (GAN-CLS) with
 * E learning through D's gradient of its text input, then G's update on a batch whose
 * first rows have interpolated text vectors (GAN-INT).
 *
 * Each model holds the activations of its last forward only, so every pass of E runs its
 * backward before E runs forward again: E on the wrong captions, D on them and back into
 * E; then E on the right captions, whose vector D sees twice (with the real and with the
 * generated images) before one backward of E with the two gradients summed. */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/options.h"
#include "gan/loss.h"
#include "gan/text.h"
#include "model.h"
#include "optim/optimizer.h"
#include "train/latent.h"
#include "train/sequence.h"
#include "train/text2img.h"

static double gan__t2i_mean_probability(const float *logits, int32_t n)
{
    double sum = 0.0;
    for (int32_t i = 0; i < n; i++) {
        const double x = logits[i];
        sum += x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
    }
    return sum / n;
}

/* D on (@p image, @p phi) against @p target: forward, mean BCE, the gradient times
 * @p weight back through D (which adds its parameter gradients unless frozen). With
 * @p dinputs, the gradients with respect to D's two inputs are written there. */
static gan_status gan__t2i_judge(gan_text2img_t *t, const float *image, const float *phi,
                                 float target, double weight, double *loss, double *prob,
                                 const float **dinputs)
{
    const int32_t n = t->batch * t->per;
    const float *in[2] = {image, phi}, *out[GAN_MODEL_MAX_IO];
    gan_status st = gan_model_forward_multi(t->d, in, NULL, t->batch, out);
    for (int32_t i = 0; st == GAN_OK && i < n; i++)
        t->targets[i] = target;
    if (st == GAN_OK)
        st = gan_loss_bce_logits(out[0], t->targets, n, loss, t->dscores);
    if (st != GAN_OK)
        return st;
    *prob = gan__t2i_mean_probability(out[0], n);
    for (int32_t i = 0; weight != 1.0 && i < n; i++)
        t->dscores[i] = (float)(weight * t->dscores[i]);
    const float *dout[GAN_MODEL_MAX_IO] = {t->dscores};
    return gan_model_backward_multi(t->d, dout, dinputs);
}

/* G's latents for this shard's rows of the global batch (gan_text2img_set_shard): the
 * other shards' draws are made and dropped. */
static void gan__t2i_latents(gan_text2img_t *t)
{
    const size_t rows = (size_t)t->batch * (size_t)t->Z;
    const int32_t kind = t->opts.latent;
    gan__latent_skip(&t->rng, kind, (size_t)t->par.shard * rows);
    gan__latent_fill(&t->rng, kind, t->z, rows);
    gan__latent_skip(&t->rng, kind, (size_t)(t->par.shards - 1 - t->par.shard) * rows);
}

/* E in training mode on (B, T) @p ids (@p rotate: each row's successor); its
 * vectors into *phi. An error of E's own is prefixed with the argument's name. */
static gan_status gan__t2i_encode(gan_text2img_t *t, const int32_t *ids, bool rotate,
                                  const char *what, const float **phi, const char *who)
{
    gan__t2i_fill_ids(t, ids, t->batch, rotate);
    gan_status st = gan_model_forward(t->e, t->e_in, NULL, t->batch, phi);
    if (st != GAN_OK)
        gan__error_prefix("%s: %s", who, what);
    return st;
}

/* A model's gradient norm into *norm, GAN_E_NUMERIC when it is not finite. */
static gan_status gan__t2i_norm(const gan_model_t *m, const char *role, double *norm,
                                const char *skipped, const char *who)
{
    gan_status st = gan_model_grad_norm(m, norm);
    if (st == GAN_OK && !isfinite(*norm))
        st = gan__fail(GAN_E_NUMERIC, "%s: %s '%s' has a NaN or infinite gradient; %s", who,
                       role, m->name, skipped);
    return st;
}

static gan_status gan__t2i_d_update(gan_text2img_t *t, const float *images,
                                    const int32_t *captions, const int32_t *wrong,
                                    gan_text2img_stats_t *s, const char *who)
{
    static const char skipped[] = "D and E were not updated";
    const bool train_e = t->e_opt != NULL;
    const float *dins[GAN_MODEL_MAX_IO], *fake[GAN_MODEL_MAX_IO], *phi;
    const float **want = train_e ? dins : NULL; /* D's input gradients: only E needs them */
    const size_t bk = (size_t)t->batch * (size_t)t->K;
    const double w = t->opts.wrong_weight;
    gan_status st = gan_model_zero_grad(t->d);
    if (st == GAN_OK && train_e)
        st = gan_model_zero_grad(t->e);
    /* Real images with wrong captions. */
    if (st == GAN_OK)
        st = gan__t2i_encode(t, wrong ? wrong : captions, !wrong,
                             wrong ? "wrong" : "wrong (the captions rotated)", &phi, who);
    if (st == GAN_OK)
        st = gan__t2i_judge(t, images, phi, 0.0f, w, &s->d_loss_wrong, &s->d_wrong, want);
    if (st == GAN_OK && train_e)
        st = gan_model_backward(t->e, dins[1], NULL);
    /* Real and generated images with their captions. */
    if (st == GAN_OK)
        st = gan__t2i_encode(t, captions, false, "captions", &phi, who);
    if (st == GAN_OK)
        st = gan__t2i_judge(t, images, phi, (float)(1.0 - t->opts.label_smoothing), 1.0,
                            &s->d_loss_real, &s->d_real, want);
    if (st == GAN_OK && train_e)
        memcpy(t->dphi, dins[1], bk * sizeof *t->dphi);
    if (st == GAN_OK) {
        const float *in[2] = {t->z, phi};
        gan__t2i_latents(t);
        st = gan_model_forward_multi(t->g, in, NULL, t->batch, fake);
    }
    if (st == GAN_OK)
        st = gan__t2i_judge(t, fake[0], phi, 0.0f, 1.0 - w, &s->d_loss_fake, &s->d_fake,
                            want);
    for (size_t i = 0; st == GAN_OK && train_e && i < bk; i++)
        t->dphi[i] += dins[1][i];
    if (st == GAN_OK && train_e)
        st = gan_model_backward(t->e, t->dphi, NULL);
    if (st == GAN_E_NUMERIC)
        gan__error_prefix("%s: %s", who, skipped);
    if (st != GAN_OK)
        return st;
    s->d_loss = s->d_loss_real + w * s->d_loss_wrong + (1.0 - w) * s->d_loss_fake;
    if (!isfinite(s->d_loss))
        return gan__fail(GAN_E_NUMERIC, "%s: D's loss is %g; %s", who, s->d_loss, skipped);
    st = gan__parallel_run_hook(&t->par, t->d, GAN_NETWORK_DISCRIMINATOR, "D", who);
    if (st == GAN_OK && train_e)
        st = gan__parallel_run_hook(&t->par, t->e, GAN_NETWORK_TEXT2IMG_E, "E", who);
    if (st == GAN_OK)
        st = gan__t2i_norm(t->d, "D", &s->d_grad_norm, skipped, who);
    if (st == GAN_OK && train_e)
        st = gan__t2i_norm(t->e, "E", &s->e_grad_norm, skipped, who);
    if (st == GAN_OK)
        st = gan_optimizer_step(t->d_opt);
    if (st == GAN_OK && train_e)
        st = gan_optimizer_step(t->e_opt);
    if (st == GAN_OK)
        t->d_updates++;
    return st;
}

/* G's text vectors: E's @p phi with the first @p rows rows mixed with their successor's. */
static void gan__t2i_interpolate(gan_text2img_t *t, const float *phi, int32_t rows)
{
    const size_t K = (size_t)t->K;
    const double beta = t->opts.interp_beta;
    memcpy(t->phi, phi, (size_t)t->batch * K * sizeof *phi);
    for (int32_t i = 0; i < rows; i++) {
        const float *a = phi + (size_t)i * K, *b = phi + (size_t)((i + 1) % t->batch) * K;
        for (size_t k = 0; k < K; k++)
            t->phi[(size_t)i * K + k] = (float)(beta * a[k] + (1.0 - beta) * b[k]);
    }
}

/* The KL terms of G's conditioning-augmentation layers in the forward just run. */
static void gan__t2i_kl(const gan_model_t *g, double *kl)
{
    *kl = 0.0;
    for (int32_t i = 0; i < g->n_layers; i++) {
        double k;
        if (strcmp(g->layers[i]->ops->kind, "cond_augment") == 0 &&
            gan_layer_cond_augment_get_kl(g->layers[i], &k) == GAN_OK)
            *kl += k;
    }
}

static gan_status gan__t2i_g_update(gan_text2img_t *t, const int32_t *captions,
                                    gan_text2img_stats_t *s, const char *who)
{
    static const char skipped[] = "G was not updated";
    const float *phi, *fake[GAN_MODEL_MAX_IO], *dins[GAN_MODEL_MAX_IO];
    s->interp_rows = (int32_t)floor(t->opts.interp_share * t->batch + 0.5);
    gan_status st = gan_model_zero_grad(t->g);
    if (st == GAN_OK)
        st = gan__t2i_encode(t, captions, false, "captions", &phi, who);
    if (st == GAN_OK) {
        const float *in[2] = {t->z, t->phi};
        gan__t2i_interpolate(t, phi, s->interp_rows);
        gan__t2i_latents(t);
        st = gan_model_forward_multi(t->g, in, NULL, t->batch, fake);
    }
    if (st == GAN_OK) {
        const bool trainable = t->d->trainable;
        t->d->trainable = false; /* D gives G its gradient and learns nothing here */
        st = gan__t2i_judge(t, fake[0], t->phi, 1.0f, 1.0, &s->g_loss, &s->g_fake, dins);
        t->d->trainable = trainable;
    }
    if (st == GAN_OK) {
        const float *dout[GAN_MODEL_MAX_IO] = {dins[0]};
        st = gan_model_backward_multi(t->g, dout, NULL);
    }
    if (st == GAN_OK)
        gan__t2i_kl(t->g, &s->kl);
    if (st == GAN_E_NUMERIC)
        gan__error_prefix("%s: %s", who, skipped);
    if (st != GAN_OK)
        return st;
    if (!isfinite(s->g_loss))
        return gan__fail(GAN_E_NUMERIC, "%s: G's loss is %g; %s", who, s->g_loss, skipped);
    st = gan__parallel_run_hook(&t->par, t->g, GAN_NETWORK_GENERATOR, "G", who);
    if (st == GAN_OK)
        st = gan__t2i_norm(t->g, "G", &s->g_grad_norm, skipped, who);
    if (st == GAN_OK)
        st = gan_optimizer_step(t->g_opt);
    if (st == GAN_OK)
        t->g_updates++;
    return st;
}

gan_status gan_text2img_step(gan_text2img_t *t, const float *images, const int32_t *captions,
                             const int32_t *wrong, int32_t batch, gan_text2img_stats_t *stats)
{
    static const char who[] = "gan_text2img_step";
    if (!t || !images || !captions)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                         !t ? "trainer" : !images ? "images" : "captions");
    if (batch != t->batch)
        return gan__fail(GAN_E_BATCH_SIZE, "%s: the trainer runs batches of %d images and "
                         "captions, got %d", who, (int)t->batch, (int)batch);
    gan_status st = gan__stats_check(stats, who);
    if (st == GAN_OK)
        st = gan__seq_check_ids(captions, batch, t->T, t->vocab, "captions", who);
    if (st == GAN_OK && wrong)
        st = gan__seq_check_ids(wrong, batch, t->T, t->vocab, "wrong", who);
    if (st != GAN_OK)
        return st;
    /* A step trains (batch statistics, dropout) whatever mode the caller left; a fixed E
     * (no e_opt) runs in inference mode, so that nothing of it changes. */
    gan_model_t *const m[3] = {t->g, t->d, t->e};
    bool training[3];
    for (int i = 0; i < 3; i++) {
        training[i] = m[i]->training;
        m[i]->training = i < 2 || t->e_opt;
    }
    gan_text2img_stats_t s = {.struct_size = sizeof s};
    st = gan__t2i_d_update(t, images, captions, wrong, &s, who);
    if (st == GAN_OK)
        st = gan__t2i_g_update(t, captions, &s, who);
    for (int i = 0; i < 3; i++)
        m[i]->training = training[i];
    if (st != GAN_OK)
        return st;
    s.d_updates = t->d_updates;
    s.g_updates = t->g_updates;
    gan__stats_copy(stats, &s, sizeof s);
    return GAN_OK;
}
