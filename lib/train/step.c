/* One GAN training step: the discriminator update, then (every d_steps calls) the
 * generator update(s) through the frozen discriminator.
 *
 * D may output one score per sample or a map of them (PatchGAN, Isola et al. 2017): each
 * element is a score, every loss is the mean over all batch * per scores (as PyTorch's
 * BCEWithLogitsLoss or MSELoss on the map), and a sample's target (smoothed, flipped)
 * is drawn once and shared by all its scores. */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/options.h"
#include "gan/extend.h"
#include "gan/loss.h"
#include "train/labels.h"
#include "train/latent.h"
#include "train/trainer.h"

#define GAN__WARN_GRAD_NORM 100.0
#define GAN__WARN_SPREAD 0.1
#define GAN__WARN_D_LOSS 1e-3

/* Scores of one half of D's batch and what the step learns from them. */
typedef struct gan__half {
    double loss;
    double mean;     /* mean D output: probability for BCE, raw score otherwise */
    double raw_mean; /* mean raw score */
    double correct;  /* share judged as what it is */
    double floor;    /* the least loss the targets allow */
    double aux_loss; /* AC-GAN: the class logits' cross-entropy (unweighted) */
    double aux_acc;  /* AC-GAN: share classified right */
} gan__half;

static double gan__binary_entropy(double t)
{
    if (t <= 0.0 || t >= 1.0)
        return 0.0;
    return -(t * log(t) + (1.0 - t) * log(1.0 - t));
}

/* The loss family that decides the statistics: the primary, unless a mix weight of 1
 * replaces it by the secondary. */
static int32_t gan__main_loss(const gan_trainer_t *t)
{
    if (t->hacks.value[GAN_HACK_MIX_WEIGHT] == 1.0)
        return (int32_t)gan__hack_int(&t->hacks, GAN_HACK_MIX_LOSS);
    return t->loss;
}

/* Whether a second loss is mixed in: a weight strictly between 0 and 1 (0 is off, 1 has
 * gan__main_loss() use the secondary alone). */
static bool gan__mixing(const gan_trainer_t *t)
{
    const double w = t->hacks.value[GAN_HACK_MIX_WEIGHT];
    return w > 0.0 && w < 1.0;
}

/* *loss = (1 - w) loss + w other and d = (1 - w) d + w dother over n gradients. */
static void gan__mix(const gan_trainer_t *t, double *loss, double other, float *d,
                     const float *dother, int32_t n)
{
    const double w = t->hacks.value[GAN_HACK_MIX_WEIGHT];
    *loss = (1.0 - w) * *loss + w * other;
    for (int32_t i = 0; i < n; i++)
        d[i] = (float)((1.0 - w) * d[i] + w * dother[i]);
}

/* The kinds of per-sample draws a shard skips for the other shards' rows. */
enum { GAN__DRAW_UNIFORM, GAN__DRAW_NORMAL, GAN__DRAW_NEXT };

/* Make @p n draws of @p kind and drop them: a shard's (gan_trainer_set_shard) view of
 * the draws for other shards' rows, so that every shard's generator stays in step with
 * one trainer's on the global batch. */
static void gan__skip_draws(gan_trainer_t *t, int32_t kind, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (kind == GAN__DRAW_UNIFORM)
            (void)gan__rng_uniform(&t->rng);
        else if (kind == GAN__DRAW_NORMAL)
            (void)gan__rng_normal(&t->rng);
        else
            (void)gan__rng_next(&t->rng);
    }
}

/* The draws for the shards before this one (@p after false) or after it (true), for
 * @p per_row draws of @p kind on each of @p rows rows per shard. */
static void gan__shard_skip(gan_trainer_t *t, int32_t kind, int32_t rows, size_t per_row,
                            bool after)
{
    const int32_t shards = after ? t->par.shards - 1 - t->par.shard : t->par.shard;
    gan__skip_draws(t, kind, (size_t)shards * (size_t)rows * per_row);
}

/* Copy each of the @p rows targets at the front of @p targets to its sample's @p per
 * scores, from the last sample down so that no target is overwritten before it is read. */
static void gan__spread_targets(float *targets, int32_t rows, int32_t per)
{
    for (int32_t i = rows - 1; per > 1 && i >= 0; i--) {
        const float v = targets[i];
        for (int32_t j = per - 1; j >= 0; j--)
            targets[(size_t)i * per + j] = v;
    }
}

/* One loss family's discriminator term on the rows * per scores of one half: its value,
 * its gradient and the least value its targets allow. */
static gan_status gan__d_term(gan_trainer_t *t, int32_t kind, const float *scores,
                              float *targets, float *dscores, int32_t rows, bool real,
                              double *loss, double *floor)
{
    gan_status st;
    const int32_t n = rows * t->per;
    const float sign = real ? -1.0f : 1.0f;
    switch (kind) {
    case GAN_LOSS_BCE: {
        float lo = real ? t->hacks.real_lo : t->hacks.fake_lo;
        float hi = real ? t->hacks.real_hi : t->hacks.fake_hi;
        const float flip = (float)t->hacks.value[GAN_HACK_FLIP_PROB];
        const size_t fills = lo == hi ? 0 : 1, flips = flip > 0.0f ? 1 : 0;
        gan__shard_skip(t, GAN__DRAW_UNIFORM, rows, fills, false);
        gan__labels_fill(&t->rng, targets, rows, lo, hi);
        gan__shard_skip(t, GAN__DRAW_UNIFORM, rows, fills, true);
        gan__shard_skip(t, GAN__DRAW_UNIFORM, rows, flips, false);
        gan__labels_flip(&t->rng, targets, rows, flip);
        gan__shard_skip(t, GAN__DRAW_UNIFORM, rows, flips, true);
        gan__spread_targets(targets, rows, t->per);
        st = gan_loss_bce_logits(scores, targets, n, loss, dscores);
        *floor = 0.0;
        for (int32_t i = 0; i < n; i++)
            *floor += gan__binary_entropy(targets[i]) / n;
        break;
    }
    case GAN_LOSS_LEAST_SQUARES:
        st = gan_loss_least_squares(scores, real ? 1.0f : 0.0f, n, loss, dscores);
        *floor = 0.0;
        break;
    case GAN_LOSS_HINGE:
        st = gan_loss_hinge(scores, sign, n, loss, dscores);
        *floor = 0.0;
        break;
    default:
        st = gan_loss_wasserstein(scores, sign, n, loss, dscores);
        *floor = -INFINITY;
        break;
    }
    return st;
}

/* The discriminator's loss on the scores of @p rows samples that should be judged real
 * or fake: the main loss, with the secondary mixed in (its gradient through @p dmix). */
static gan_status gan__d_loss(gan_trainer_t *t, const float *scores, float *targets,
                              float *dscores, float *dmix, int32_t rows, bool real,
                              gan__half *out)
{
    const int32_t kind = gan__main_loss(t), n = rows * t->per;
    gan_status st = gan__d_term(t, kind, scores, targets, dscores, rows, real, &out->loss,
                                &out->floor);
    if (st == GAN_OK && gan__mixing(t)) {
        const double w = t->hacks.value[GAN_HACK_MIX_WEIGHT];
        double loss, floor;
        st = gan__d_term(t, (int32_t)gan__hack_int(&t->hacks, GAN_HACK_MIX_LOSS), scores,
                         targets, dmix, rows, real, &loss, &floor);
        if (st == GAN_OK) {
            gan__mix(t, &out->loss, loss, dscores, dmix, n);
            out->floor = (1.0 - w) * out->floor + w * floor;
        }
    }
    if (st != GAN_OK)
        return st;
    /* Judged real above: 0 for logits and hinge, 0.5 for least squares. */
    const double threshold = kind == GAN_LOSS_LEAST_SQUARES ? 0.5 : 0.0;
    double sum = 0.0, raw = 0.0, correct = 0.0;
    for (int32_t i = 0; i < n; i++) {
        double s = scores[i];
        raw += s;
        sum += kind == GAN_LOSS_BCE ? 1.0 / (1.0 + exp(-s)) : s;
        correct += real ? s > threshold : s <= threshold;
    }
    out->mean = sum / n;
    out->raw_mean = raw / n;
    out->correct = correct / n;
    return GAN_OK;
}

static float gan__noise_std(const gan_trainer_t *t)
{
    const double std = t->hacks.value[GAN_HACK_INSTANCE_NOISE];
    const double steps = t->hacks.value[GAN_HACK_INSTANCE_NOISE_STEPS];
    if (std <= 0.0)
        return 0.0f;
    if (steps <= 0.0)
        return (float)std;
    double left = 1.0 - (double)t->d_updates / steps;
    return left > 0.0 ? (float)(std * left) : 0.0f;
}

/* Put B samples (and labels) into D's input at @p row, with instance noise; x may already
 * be those rows. */
static void gan__d_input(gan_trainer_t *t, int32_t row, const float *x, const int32_t *labels)
{
    float *dst = t->d_in + (size_t)row * t->image;
    const size_t count = (size_t)t->batch * t->image;
    if (dst != x)
        memcpy(dst, x, count * sizeof *dst);
    if (labels)
        memcpy(t->d_labels + row, labels, (size_t)t->batch * sizeof *labels);
    const float std = gan__noise_std(t);
    if (std > 0.0f) {
        gan__shard_skip(t, GAN__DRAW_NORMAL, t->batch, t->image, false);
        for (size_t k = 0; k < count; k++)
            dst[k] += std * gan__rng_normal(&t->rng);
        gan__shard_skip(t, GAN__DRAW_NORMAL, t->batch, t->image, true);
    }
}

/* A fake batch from fresh latents (and uniformly drawn labels). */
static gan_status gan__fake_batch(gan_trainer_t *t, const float **fake)
{
    const int32_t dist = (int32_t)gan__hack_int(&t->hacks, GAN_HACK_LATENT);
    const int32_t kind = dist == GAN_LATENT_UNIFORM ? GAN__DRAW_UNIFORM : GAN__DRAW_NORMAL;
    gan__shard_skip(t, kind, t->batch, (size_t)t->zdim, false);
    gan__latent_fill(&t->rng, dist, t->z, (size_t)t->batch * t->zdim);
    gan__shard_skip(t, kind, t->batch, (size_t)t->zdim, true);
    const size_t label_draws = t->classes ? 1 : 0;
    gan__shard_skip(t, GAN__DRAW_NEXT, t->batch, label_draws, false);
    for (int32_t i = 0; t->classes && i < t->batch; i++)
        t->fake_labels[i] = (int32_t)(gan__rng_next(&t->rng) % (uint64_t)t->classes);
    gan__shard_skip(t, GAN__DRAW_NEXT, t->batch, label_draws, true);
    return gan_model_forward(t->g, t->z, t->classes ? t->fake_labels : NULL, t->batch, fake);
}

static void gan__feature_mean(const gan_trainer_t *t, const float *features, int32_t rows,
                              float *mean)
{
    for (size_t j = 0; j < t->fm_size; j++) {
        double s = 0.0;
        for (int32_t i = 0; i < rows; i++)
            s += features[(size_t)i * t->fm_size + j];
        mean[j] = (float)(s / rows);
    }
}

static gan_status gan__check_finite(double value, const char *what)
{
    if (!isfinite(value))
        return gan__fail(GAN_E_NUMERIC, "gan_trainer_step: %s is %g; the update was skipped "
                         "and the parameters are the last good ones", what, value);
    return GAN_OK;
}

/* AC-GAN's terms of the D update on the class logits of a real half, a fake half, or
 * both (reals first), with D's input labels as the classes. */
static gan_status gan__d_aux(gan_trainer_t *t, const float *logits, gan__half *real,
                             gan__half *fake)
{
    const int32_t b = t->batch, c = t->aux_classes;
    gan_status st = GAN_OK;
    if (real)
        st = gan__aux_term(t, logits, t->d_labels, b,
                           t->hacks.value[GAN_HACK_AUX_WEIGHT_REAL], t->daux,
                           &real->aux_loss, &real->aux_acc);
    const size_t at = real ? (size_t)b : 0;
    if (st == GAN_OK && fake)
        st = gan__aux_term(t, logits + at * c, t->d_labels + at, b,
                           t->hacks.value[GAN_HACK_AUX_WEIGHT_FAKE], t->daux + at * c,
                           &fake->aux_loss, &fake->aux_acc);
    return st;
}

/* D's forward and backward on d_in: a real half, a fake half, or both (reals first). */
static gan_status gan__d_pass(gan_trainer_t *t, gan__half *real, gan__half *fake)
{
    const float *in = t->d_in, *outs[GAN_MODEL_MAX_IO];
    gan_status st = gan_model_forward_multi(t->d, &in, t->classes ? t->d_labels : NULL,
                                            t->mult * t->batch, outs);
    if (st != GAN_OK)
        return st;
    const float *scores = outs[0];
    const int32_t b = t->batch;
    if (real && (st = gan__d_loss(t, scores, t->targets, t->dscores, t->dmix, b, true, real)))
        return st;
    const size_t at = real ? (size_t)b * (size_t)t->per : 0;
    if (fake && (st = gan__d_loss(t, scores + at, t->targets + at, t->dscores + at,
                                  t->dmix + at, b, false, fake)))
        return st;
    if (real && t->fm_layer >= 0) {
        const float *features;
        if ((st = gan_model_get_layer_output(t->d, t->fm_layer, &features)) != GAN_OK)
            return st;
        gan__feature_mean(t, features, b, t->fm_real);
    }
    if (!t->aux_classes) /* D's other outputs get no gradient */
        return gan_model_backward(t->d, t->dscores, NULL);
    if ((st = gan__d_aux(t, outs[1], real, fake)) != GAN_OK)
        return st;
    const float *douts[GAN_MODEL_MAX_IO] = {t->dscores, t->daux};
    return gan_model_backward_multi(t->d, douts, NULL);
}

/* The caller's gradient hook (gan_trainer_set_grad_hook) on @p m's gradient arena. */
static gan_status gan__run_hook(gan_trainer_t *t, gan_model_t *m, int32_t network)
{
    return gan__parallel_run_hook(&t->par, m, network,
                                  network == GAN_NETWORK_GENERATOR ? "the generator"
                                                                   : "the discriminator",
                                  "gan_trainer_step");
}

static gan_status gan__d_update(gan_trainer_t *t, const float *real, const int32_t *labels,
                                gan_step_stats_t *s)
{
    gan_model_t *d = t->d;
    const int32_t b = t->batch;
    const int32_t *fake_labels = t->classes ? t->fake_labels : NULL;
    gan__half hr = {0}, hf = {0};
    gan_status st = gan_model_zero_grad(d);
    const float *fake = NULL;
    if (st == GAN_OK)
        st = gan__fake_batch(t, &fake);
    if (st != GAN_OK)
        return st;
    s->fake_spread = gan__batch_spread(fake, b, t->image) /
                     fmax(gan__batch_spread(real, b, t->image), 1e-12);

    /* Separate batches: reals, then fakes, at row 0. Combined: fakes at row b. */
    const int32_t fake_row = t->mult == 2 ? b : 0;
    float *fake_rows = t->d_in + (size_t)fake_row * t->image;
    gan__d_input(t, 0, real, labels);
    if (t->mult == 1)
        st = gan__d_pass(t, &hr, NULL);
    if (st == GAN_OK) {
        memcpy(fake_rows, fake, (size_t)b * t->image * sizeof *fake);
        if (fake_labels)
            memcpy(t->d_labels + fake_row, fake_labels, (size_t)b * sizeof *fake_labels);
        gan__replay_mix(t, fake_rows, fake_labels ? t->d_labels + fake_row : NULL, fake,
                        fake_labels);
        gan__d_input(t, fake_row, fake_rows, NULL);
        st = gan__d_pass(t, t->mult == 2 ? &hr : NULL, &hf);
    }
    double penalty = 0.0;
    if (st == GAN_OK && t->gp_x) /* G's output still holds the fakes: only D runs */
        st = gan__gradient_penalty(t, real, fake, labels, &penalty);
    if (st == GAN_OK)
        st = gan__check_finite(hr.loss, "the discriminator's loss on reals");
    if (st == GAN_OK)
        st = gan__check_finite(hf.loss, "the discriminator's loss on fakes");
    if (st == GAN_OK)
        st = gan__check_finite(penalty, "the gradient penalty");
    if (st == GAN_OK)
        st = gan__check_finite(hr.aux_loss + hf.aux_loss, "the discriminator's class loss");
    if (st == GAN_OK)
        st = gan__run_hook(t, d, GAN_NETWORK_DISCRIMINATOR);
    if (st == GAN_OK)
        st = gan_model_grad_norm(d, &s->d_grad_norm);
    if (st == GAN_OK)
        st = gan_optimizer_step(t->d_opt);
    if (st == GAN_OK && t->hacks.value[GAN_HACK_CLIP] > 0)
        st = gan_model_clip_params(d, (float)t->hacks.value[GAN_HACK_CLIP]);
    if (st != GAN_OK)
        return st;
    t->d_updates++;
    s->d_loss_real = hr.loss;
    s->d_loss_fake = hf.loss;
    s->gradient_penalty = penalty;
    s->d_loss = hr.loss + hf.loss + penalty +
                t->hacks.value[GAN_HACK_AUX_WEIGHT_REAL] * hr.aux_loss +
                t->hacks.value[GAN_HACK_AUX_WEIGHT_FAKE] * hf.aux_loss;
    s->aux_loss_real = hr.aux_loss;
    s->aux_loss_fake = hf.aux_loss;
    s->aux_acc_real = hr.aux_acc;
    s->aux_acc_fake = hf.aux_acc;
    s->d_real = hr.mean;
    s->d_fake = hf.mean;
    s->d_acc_real = hr.correct;
    s->d_acc_fake = hf.correct;
    s->wasserstein = hr.raw_mean - hf.raw_mean;
    if (hr.loss + hf.loss - (hr.floor + hf.floor) < GAN__WARN_D_LOSS)
        s->warnings |= GAN_WARN_D_LOSS_ZERO;
    return GAN_OK;
}

/* One loss family's generator term on n scores of fakes, its gradient into @p dscores. */
static gan_status gan__g_term(const gan_trainer_t *t, int32_t kind, const float *scores,
                              int32_t n, double *loss, float *dscores)
{
    switch (kind) {
    case GAN_LOSS_BCE:
        return gan_loss_generator_bce((int32_t)gan__hack_int(&t->hacks, GAN_HACK_GENERATOR_LOSS),
                                      scores, n, loss, dscores);
    case GAN_LOSS_LEAST_SQUARES:
        return gan_loss_least_squares(scores, 1.0f, n, loss, dscores);
    default: /* Wasserstein and hinge: -mean D(G(z)) */
        return gan_loss_wasserstein(scores, -1.0f, n, loss, dscores);
    }
}

/* G's loss on D's outputs (or features) of the fakes in d_in, and its gradient into
 * t->dfake, summed over the copies of a combined batch; *aux: AC-GAN's class loss. */
static gan_status gan__g_loss(gan_trainer_t *t, const float *const *outs, double *loss,
                              double *aux)
{
    const float *scores = outs[0];
    const int32_t rows = t->mult * t->batch;
    const float *dx;
    gan_status st;
    if (t->fm_layer >= 0) {
        const float *features;
        if ((st = gan_model_get_layer_output(t->d, t->fm_layer, &features)) != GAN_OK)
            return st;
        float *mean_fake = t->fm_grad; /* its first row, before it is overwritten */
        gan__feature_mean(t, features, rows, mean_fake);
        double sum = 0.0;
        for (size_t j = 0; j < t->fm_size; j++) {
            double diff = (double)t->fm_real[j] - mean_fake[j];
            sum += diff * diff;
            mean_fake[j] = (float)(-2.0 * diff / rows);
        }
        for (int32_t i = 1; i < rows; i++)
            memcpy(t->fm_grad + (size_t)i * t->fm_size, t->fm_grad, t->fm_size * sizeof(float));
        *loss = sum;
        st = gan_model_backward_from(t->d, t->fm_layer, t->fm_grad, &dx);
    } else {
        const int32_t n = rows * t->per;
        st = gan__g_term(t, gan__main_loss(t), scores, n, loss, t->dscores);
        if (st == GAN_OK && gan__mixing(t)) {
            double other;
            st = gan__g_term(t, (int32_t)gan__hack_int(&t->hacks, GAN_HACK_MIX_LOSS), scores,
                             n, &other, t->dmix);
            if (st == GAN_OK)
                gan__mix(t, loss, other, t->dscores, t->dmix, n);
        }
        const double w = t->hacks.value[GAN_HACK_AUX_WEIGHT_FAKE];
        double acc;
        if (st == GAN_OK && t->aux_classes)
            st = gan__aux_term(t, outs[1], t->d_labels, rows, w, t->daux, aux, &acc);
        if (st == GAN_OK && t->aux_classes && w > 0) {
            *loss += w * *aux;
            const float *douts[GAN_MODEL_MAX_IO] = {t->dscores, t->daux}, *dins[1];
            st = gan_model_backward_multi(t->d, douts, dins);
            dx = dins[0];
        } else if (st == GAN_OK) {
            st = gan_model_backward(t->d, t->dscores, &dx);
        }
    }
    if (st != GAN_OK)
        return st;
    const size_t n = (size_t)t->batch * t->image;
    memcpy(t->dfake, dx, n * sizeof *dx);
    for (int32_t c = 1; c < t->mult; c++)
        for (size_t k = 0; k < n; k++)
            t->dfake[k] += dx[c * n + k];
    return GAN_OK;
}

/* @p reuse: G's last forward, that of the D update just made, gives the fakes. */
static gan_status gan__g_update(gan_trainer_t *t, bool reuse, gan_step_stats_t *s)
{
    gan_model_t *g = t->g, *d = t->d;
    const int32_t b = t->batch;
    const float *fake, *outs[GAN_MODEL_MAX_IO];
    gan_status st = gan_model_zero_grad(g);
    if (st == GAN_OK)
        st = reuse ? gan_model_get_layer_output(g, gan__model_output(g, 0)->index, &fake) : gan__fake_batch(t, &fake);
    if (st != GAN_OK)
        return st;
    for (int32_t c = 0; c < t->mult; c++) /* a combined batch holds the fakes twice */
        gan__d_input(t, c * b, fake, t->classes ? t->fake_labels : NULL);
    double loss = 0.0, aux = 0.0;
    const bool trainable = d->trainable;
    d->trainable = false; /* D's gradients stay as they are: only G learns here */
    const float *in = t->d_in;
    st = gan_model_forward_multi(d, &in, t->classes ? t->d_labels : NULL, t->mult * b, outs);
    if (st == GAN_OK)
        st = gan__g_loss(t, outs, &loss, &aux);
    d->trainable = trainable;
    if (st == GAN_OK)
        st = gan_model_backward(g, t->dfake, NULL);
    if (st == GAN_OK)
        st = gan__check_finite(loss, "the generator's loss");
    if (st == GAN_OK)
        st = gan__check_finite(aux, "the generator's class loss");
    if (st == GAN_OK)
        st = gan__run_hook(t, g, GAN_NETWORK_GENERATOR);
    if (st == GAN_OK)
        st = gan_model_grad_norm(g, &s->g_grad_norm);
    if (st == GAN_OK)
        st = gan_optimizer_step(t->g_opt);
    if (st != GAN_OK)
        return st;
    gan__ema_update(t);
    t->g_updates++;
    s->g_loss = loss;
    s->g_aux_loss = aux;
    s->g_updated = 1;
    return GAN_OK;
}

gan_status gan_trainer_step(gan_trainer_t *t, const float *real, const int32_t *labels,
                            int32_t batch, gan_step_stats_t *stats)
{
    static const char who[] = "gan_trainer_step";
    if (!t || !real)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, t ? "real" : "trainer");
    if (batch != t->batch)
        return gan__fail(GAN_E_BATCH_SIZE, "%s: the trainer runs batches of %d, got %d", who,
                         (int)t->batch, (int)batch);
    if (t->aux_classes && !labels)
        return gan__fail(GAN_E_INVALID_ARG, "%s: AC-GAN (GAN_HACK_AUX_WEIGHT_*) needs the "
                         "real batch's labels, and labels is NULL", who);
    if (t->classes && !labels)
        return gan__fail(GAN_E_INVALID_ARG, "%s: the models are conditional and need the "
                         "real batch's labels", who);
    gan_status st = gan__stats_check(stats, who);
    if (st != GAN_OK)
        return st;
    for (int32_t i = 0; t->classes && i < batch; i++)
        if (labels[i] < 0 || labels[i] >= t->classes)
            return gan__fail(GAN_E_OUT_OF_RANGE, "%s: label %d of sample %d is outside "
                             "[0, %d)", who, (int)labels[i], (int)i, (int)t->classes);

    /* A training step trains: batch statistics and dropout, whatever mode a caller left
     * the models in (e.g. after sampling); their modes are put back afterwards. */
    const bool g_training = t->g->training, d_training = t->d->training;
    t->g->training = t->d->training = true;
    gan_step_stats_t s = {.struct_size = sizeof s};
    st = gan__d_update(t, real, t->classes ? labels : NULL, &s);
    const int64_t d_steps = gan__hack_int(&t->hacks, GAN_HACK_D_STEPS);
    const bool reuse = gan__hack_int(&t->hacks, GAN_HACK_FRESH_G_LATENT) == 0;
    if (st == GAN_OK && t->d_updates % (uint64_t)d_steps == 0)
        for (int64_t k = 0; st == GAN_OK && k < gan__hack_int(&t->hacks, GAN_HACK_G_STEPS); k++)
            st = gan__g_update(t, reuse && k == 0, &s);
    t->g->training = g_training;
    t->d->training = d_training;
    if (st != GAN_OK)
        return st; /* stats are written only for a complete step */
    s.d_updates = t->d_updates;
    s.g_updates = t->g_updates;
    if (s.d_grad_norm > GAN__WARN_GRAD_NORM || s.g_grad_norm > GAN__WARN_GRAD_NORM)
        s.warnings |= GAN_WARN_GRAD_EXPLODING;
    if (t->batch >= 2 && s.fake_spread < GAN__WARN_SPREAD) /* one sample has no spread */
        s.warnings |= GAN_WARN_COLLAPSE;
    gan__stats_copy(stats, &s, sizeof s);
    return GAN_OK;
}
