/* SeqGAN's steps (Yu et al. 2017, algorithm 1; the reference's sequence_gan.py): G by
 * maximum likelihood, D on real against sampled sequences, and G by policy gradient with
 * Monte-Carlo rollouts that branch from each prefix's carried recurrent state. */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/options.h"
#include "gan/loss.h"
#include "model.h"
#include "optim/optimizer.h"
#include "train/seqgan.h"

static gan_status gan__sg_args(const gan_seqgan_t *t, const void *real, bool need_real,
                               int32_t batch, const gan_seqgan_stats_t *stats,
                               const char *who)
{
    if (!t || (need_real && !real))
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                         !t ? "trainer" : "real (the batch of real sequences)");
    if (batch != t->batch)
        return gan__fail(GAN_E_BATCH_SIZE, "%s: the trainer runs batches of %d sequences, "
                         "got %d", who, (int)t->batch, (int)batch);
    gan_status st = gan__stats_check(stats, who);
    if (st != GAN_OK)
        return st;
    if (need_real)
        return gan__seq_check_ids(real, batch, t->T, t->V, "real", who);
    return GAN_OK;
}

static void gan__sg_stats(const gan_seqgan_t *t, gan_seqgan_stats_t *s,
                          gan_seqgan_stats_t *out)
{
    s->mle_steps = t->mle_steps;
    s->d_steps = t->d_steps;
    s->pg_steps = t->pg_steps;
    gan__stats_copy(out, s, sizeof *s);
}

/* The update of G on the token loss -(1/(B T)) sum w log p(labels) with t->weights,
 * G's input in t->g_in: forward, loss, backward, clip, step. */
static gan_status gan__sg_g_update(gan_seqgan_t *t, const int32_t *labels, double *loss,
                                   double *norm, const char *who)
{
    const int32_t rows = t->batch * t->T;
    const bool training = t->g->training;
    t->g->training = true;
    const float *logits;
    gan_status st = gan_model_zero_grad(t->g);
    if (st == GAN_OK)
        st = gan_model_forward(t->g, t->g_in, NULL, t->batch, &logits);
    if (st == GAN_OK)
        st = gan_loss_softmax_cross_entropy_weighted(logits, labels, t->weights, rows, t->V,
                                                     loss, t->dlogits);
    if (st == GAN_OK)
        st = gan_model_backward(t->g, t->dlogits, NULL);
    t->g->training = training;
    if (st != GAN_OK)
        return st;
    if (!isfinite(*loss))
        return gan__fail(GAN_E_NUMERIC, "%s: G's loss is %g; G was not updated", who, *loss);
    if ((st = gan__parallel_run_hook(&t->par, t->g, GAN_NETWORK_GENERATOR, "G", who)))
        return st;
    if (t->opts.clip_norm > 0.0)
        st = gan_model_clip_grad_norm(t->g, t->opts.clip_norm, norm);
    else if ((st = gan_model_grad_norm(t->g, norm)) == GAN_OK && !isfinite(*norm))
        st = gan__fail(GAN_E_NUMERIC, "%s: G '%s' has a NaN or infinite gradient; G was not "
                       "updated", who, t->g->name);
    if (st == GAN_OK)
        st = gan_optimizer_step(t->g_opt);
    return st;
}

gan_status gan_seqgan_mle_step(gan_seqgan_t *t, const int32_t *real, int32_t batch,
                               gan_seqgan_stats_t *stats)
{
    static const char who[] = "gan_seqgan_mle_step";
    gan_status st = gan__sg_args(t, real, true, batch, stats, who);
    if (st != GAN_OK)
        return st;
    const size_t rows = (size_t)t->batch * (size_t)t->T;
    gan__seq_shift(t->g_in, real, t->batch, t->T, t->opts.start_token);
    for (size_t i = 0; i < rows; i++)
        t->weights[i] = 1.0f;
    gan_seqgan_stats_t s = {.struct_size = sizeof s};
    if ((st = gan__sg_g_update(t, real, &s.g_loss, &s.grad_norm, who)) != GAN_OK)
        return st;
    t->mle_steps++;
    gan__sg_stats(t, &s, stats);
    return GAN_OK;
}

static double gan__sigmoid(double x)
{
    return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
}

/* D on @p ids (B, T) against @p target: forward, BCE, backward (accumulates); the mean
 * probability of "real" into *mean. */
static gan_status gan__sg_d_half(gan_seqgan_t *t, const int32_t *ids, float target,
                                 double *loss, double *mean)
{
    const size_t rows = (size_t)t->batch * (size_t)t->T;
    for (size_t i = 0; i < rows; i++)
        t->d_in[i] = (float)ids[i];
    for (int32_t b = 0; b < t->batch; b++)
        t->d_target[b] = target;
    const float *scores;
    gan_status st = gan_model_forward(t->d, t->d_in, NULL, t->batch, &scores);
    if (st == GAN_OK)
        st = gan_loss_bce_logits(scores, t->d_target, t->batch, loss, t->d_grad);
    if (st != GAN_OK)
        return st;
    double sum = 0.0;
    for (int32_t b = 0; b < t->batch; b++)
        sum += gan__sigmoid(scores[b]);
    *mean = sum / t->batch;
    return gan_model_backward(t->d, t->d_grad, NULL);
}

gan_status gan_seqgan_d_step(gan_seqgan_t *t, const int32_t *real, int32_t batch,
                             gan_seqgan_stats_t *stats)
{
    static const char who[] = "gan_seqgan_d_step";
    gan_status st = gan__sg_args(t, real, true, batch, stats, who);
    if (st != GAN_OK)
        return st;
    gan__sg_sync(t);
    const bool step_training = t->g_step->training, training = t->d->training;
    t->g_step->training = false;
    st = gan__sg_sample_batch(t, t->fake, true, who);
    t->g_step->training = step_training;
    if (st != GAN_OK)
        return st;
    gan_seqgan_stats_t s = {.struct_size = sizeof s};
    double real_loss = 0.0, fake_loss = 0.0;
    t->d->training = true;
    st = gan_model_zero_grad(t->d);
    if (st == GAN_OK)
        st = gan__sg_d_half(t, real, 1.0f, &real_loss, &s.d_real);
    if (st == GAN_OK)
        st = gan__sg_d_half(t, t->fake, 0.0f, &fake_loss, &s.d_fake);
    t->d->training = training;
    if (st != GAN_OK)
        return st;
    s.d_loss = real_loss + fake_loss;
    if (!isfinite(s.d_loss))
        return gan__fail(GAN_E_NUMERIC, "%s: D's loss is %g; D was not updated", who,
                         s.d_loss);
    if ((st = gan__parallel_run_hook(&t->par, t->d, GAN_NETWORK_DISCRIMINATOR, "D", who)))
        return st;
    if ((st = gan_model_grad_norm(t->d, &s.grad_norm)) == GAN_OK && !isfinite(s.grad_norm))
        st = gan__fail(GAN_E_NUMERIC, "%s: D '%s' has a NaN or infinite gradient; D was not "
                       "updated", who, t->d->name);
    if (st == GAN_OK)
        st = gan_optimizer_step(t->d_opt);
    if (st != GAN_OK)
        return st;
    t->d_steps++;
    gan__sg_stats(t, &s, stats);
    return GAN_OK;
}

/* D's probability of "real" for each of the B sequences of @p ids, added times @p scale
 * to the weights at position @p pos (weights (B, T)). */
static gan_status gan__sg_score(gan_seqgan_t *t, const int32_t *ids, int32_t pos,
                                double scale)
{
    const size_t rows = (size_t)t->batch * (size_t)t->T;
    for (size_t i = 0; i < rows; i++)
        t->d_in[i] = (float)ids[i];
    const float *scores;
    gan_status st = gan_model_forward(t->d, t->d_in, NULL, t->batch, &scores);
    for (int32_t b = 0; st == GAN_OK && b < t->batch; b++)
        t->weights[(size_t)b * (size_t)t->T + (size_t)pos] +=
            (float)(gan__sigmoid(scores[b]) * scale);
    return st;
}

/* The carried state of G_step's recurrent layers: out to t->state (@p save) or back. */
static gan_status gan__sg_state(gan_seqgan_t *t, bool save, int32_t steps[])
{
    const gan__seq_sampler *s = &t->sampler;
    float *p = t->state;
    gan_status st = GAN_OK;
    for (int32_t k = 0; st == GAN_OK && k < s->n_rnn; k++) {
        const size_t n = (size_t)t->batch * (size_t)s->hidden[k];
        float *h = p, *c = s->cell[k] ? p + n : NULL;
        p += s->cell[k] ? 2 * n : n;
        if (save) {
            st = gan_model_get_recurrent_state(s->m, s->rnn[k], 0, t->batch, h, c);
            if (st == GAN_OK)
                st = gan_model_get_recurrent_steps(s->m, s->rnn[k], &steps[k]);
        } else {
            st = gan_model_set_recurrent_state(s->m, s->rnn[k], 0, t->batch, h, c);
            if (st == GAN_OK)
                st = gan_model_set_recurrent_steps(s->m, s->rnn[k], steps[k]);
        }
    }
    return st;
}

/* Feed column @p j of (B, T) @p ids to G_step. */
static gan_status gan__sg_feed(gan_seqgan_t *t, const int32_t *ids, int32_t j,
                               const float **logits)
{
    for (int32_t b = 0; b < t->batch; b++)
        t->step_in[b] = (float)ids[(size_t)b * (size_t)t->T + (size_t)j];
    return gan__seq_feed(&t->sampler, logits);
}

/* The N rollouts of prefix length @p k (tokens 0..k-1 of t->fake fed, the logits of
 * token k in t->step_logits): each completes the prefix into t->roll from the prefix's
 * state, D scores it, and the mean probability is token k-1's reward. */
static gan_status gan__sg_rollouts(gan_seqgan_t *t, int32_t k, const char *who)
{
    const int32_t N = t->opts.rollouts, T = t->T;
    const double temp = (double)t->opts.temperature;
    int32_t steps[GAN__SEQ_MAX_RNN];
    gan_status st = gan__sg_state(t, true, steps);
    for (int32_t r = 0; st == GAN_OK && r < N; r++) {
        if (r > 0 && (st = gan__sg_state(t, false, steps)) != GAN_OK)
            break;
        memcpy(t->roll, t->fake, (size_t)t->batch * (size_t)T * sizeof *t->roll);
        st = gan__seq_draw(&t->sampler, &t->rng, t->step_logits, t->batch, temp, t->roll + k,
                           (size_t)T, who);
        for (int32_t j = k + 1; st == GAN_OK && j < T; j++) {
            const float *logits;
            st = gan__sg_feed(t, t->roll, j - 1, &logits);
            if (st == GAN_OK)
                st = gan__seq_draw(&t->sampler, &t->rng, logits, t->batch, temp, t->roll + j,
                                   (size_t)T, who);
        }
        if (st == GAN_OK)
            st = gan__sg_score(t, t->roll, k - 1, 1.0 / N);
    }
    /* The main pass goes on from the prefix. */
    if (st == GAN_OK)
        st = gan__sg_state(t, false, steps);
    return st;
}

/* Sample the batch into t->fake and its rewards into t->weights; every draw (the
 * sequences', the rollouts') is this shard's rows' of the global batch's. */
static gan_status gan__sg_rewards(gan_seqgan_t *t, const char *who)
{
    const int32_t T = t->T;
    const size_t rows = (size_t)t->batch * (size_t)T;
    gan_status st = gan__sg_sample_batch(t, t->fake, true, who);
    if (st != GAN_OK)
        return st;
    memset(t->weights, 0, rows * sizeof *t->weights);
    if ((st = gan__seq_reset(&t->sampler)) != GAN_OK)
        return st;
    const float *logits;
    for (int32_t b = 0; b < t->batch; b++)
        t->step_in[b] = (float)t->opts.start_token;
    gan__sg_shard_draws(t, true);
    st = gan__seq_feed(&t->sampler, &logits);
    for (int32_t k = 1; st == GAN_OK && k < T; k++) {
        st = gan__sg_feed(t, t->fake, k - 1, &logits);
        if (st != GAN_OK)
            break;
        memcpy(t->step_logits, logits, (size_t)t->batch * (size_t)t->V * sizeof *logits);
        st = gan__sg_rollouts(t, k, who);
    }
    if (st == GAN_OK) /* the last token: D's score of the whole sequence */
        st = gan__sg_score(t, t->fake, T - 1, 1.0);
    gan__sg_shard_draws(t, false);
    return st;
}

/* Each reward Q[b][t] minus the mean of Q[b'][t] over the other rows b' of the batch. */
static void gan__sg_subtract_baseline(gan_seqgan_t *t)
{
    const size_t T = (size_t)t->T;
    const double others = (double)(t->batch - 1);
    for (size_t j = 0; j < T; j++) {
        double sum = 0.0;
        for (int32_t b = 0; b < t->batch; b++)
            sum += t->weights[(size_t)b * T + j];
        for (int32_t b = 0; b < t->batch; b++) {
            float *w = &t->weights[(size_t)b * T + j];
            *w = (float)(*w - (sum - *w) / others);
        }
    }
}

gan_status gan_seqgan_pg_step(gan_seqgan_t *t, int32_t batch, gan_seqgan_stats_t *stats)
{
    static const char who[] = "gan_seqgan_pg_step";
    gan_status st = gan__sg_args(t, NULL, false, batch, stats, who);
    if (st != GAN_OK)
        return st;
    gan__sg_sync(t);
    const bool step_training = t->g_step->training, d_training = t->d->training;
    t->g_step->training = false;
    t->d->training = false; /* rewards without dropout, as the reference */
    st = gan__sg_rewards(t, who);
    t->g_step->training = step_training;
    t->d->training = d_training;
    if (st != GAN_OK)
        return st;
    gan_seqgan_stats_t s = {.struct_size = sizeof s};
    const size_t rows = (size_t)t->batch * (size_t)t->T;
    double sum = 0.0, last = 0.0;
    for (size_t i = 0; i < rows; i++)
        sum += t->weights[i];
    for (int32_t b = 0; b < t->batch; b++)
        last += t->weights[(size_t)b * (size_t)t->T + (size_t)(t->T - 1)];
    s.reward = sum / (double)rows;
    s.d_fake = last / t->batch;
    if (t->opts.baseline)
        gan__sg_subtract_baseline(t);
    gan__seq_shift(t->g_in, t->fake, t->batch, t->T, t->opts.start_token);
    if ((st = gan__sg_g_update(t, t->fake, &s.g_loss, &s.grad_norm, who)) != GAN_OK)
        return st;
    t->pg_steps++;
    gan__sg_stats(t, &s, stats);
    return GAN_OK;
}
