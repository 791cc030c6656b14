/* One CycleGAN step (Zhu et al. 2017, section 3 and 7.1; the reference's
 * cycle_gan_model.py optimize_parameters): the generators' update on adversarial, cycle
 * and identity terms through frozen discriminators, then the discriminators' update on
 * reals and pooled fakes.
 *
 * Each model holds the activations of its last forward only, so every term runs its
 * forward and backward before the same model runs forward again: G(a) is judged by D_B
 * and reconstructed by F, whose input gradients are summed before G's backward. All
 * passes use the parameters from before the step, so the gradients are those of the
 * reference's single backward of the summed loss. */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/options.h"
#include "gan/loss.h"
#include "model.h"
#include "optim/optimizer.h"
#include "train/cyclegan.h"

/* What the terms of one step measured. */
typedef struct gan__cg_terms {
    double adv[2];      /* the generator's adversarial MSE, by the domain it makes */
    double cycle[2];    /* by the domain reconstructed */
    double identity[2]; /* by the domain of the images */
    double d_loss[2], d_real[2], d_fake[2];
} gan__cg_terms;

static double gan__mean(const float *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s / (double)n;
}

static void gan__scale(float *x, size_t n, double w)
{
    for (size_t i = 0; w != 1.0 && i < n; i++)
        x[i] = (float)(w * x[i]);
}

/* @p side's discriminator (frozen) on its generator's fakes: the generator's loss
 * mean (D(fake) - 1)^2, the reference's MSELoss, which is twice libgan's least-squares
 * loss (0.5 mean); its gradient with respect to the fakes into side->dimage. */
static gan_status gan__cg_adversarial(gan_cyclegan_t *t, gan__cg_side *side, double *loss)
{
    const int32_t n = t->batch * side->per;
    const float *scores, *dx;
    gan_status st = gan_model_forward(side->disc, side->fake, NULL, t->batch, &scores);
    if (st == GAN_OK)
        st = gan_loss_least_squares(scores, 1.0f, n, loss, side->dscores);
    if (st != GAN_OK)
        return st;
    *loss *= 2.0;
    gan__scale(side->dscores, (size_t)n, 2.0);
    if ((st = gan_model_backward(side->disc, side->dscores, &dx)) != GAN_OK)
        return st;
    memcpy(side->dimage, dx, (size_t)t->batch * side->image * sizeof *dx);
    return GAN_OK;
}

/* @p weight times mean |m(x) - target|: forward m on @p x, backward with the weighted
 * gradient; its input gradient is added to @p dx_sum when that is given. */
static gan_status gan__cg_l1_term(gan_cyclegan_t *t, gan_model_t *m, const float *x,
                                  const float *target, size_t image, double weight,
                                  float *dx_sum, double *loss)
{
    const size_t count = (size_t)t->batch * image;
    const float *y, *dx;
    gan_status st = gan_model_forward(m, x, NULL, t->batch, &y);
    if (st == GAN_OK)
        st = gan_loss_l1(y, target, count, loss, t->drec);
    if (st != GAN_OK)
        return st;
    gan__scale(t->drec, count, weight);
    if ((st = gan_model_backward(m, t->drec, dx_sum ? &dx : NULL)) != GAN_OK)
        return st;
    const size_t inputs = dx_sum ? gan__shape_size(&m->in) * (size_t)t->batch : 0;
    for (size_t i = 0; i < inputs; i++)
        dx_sum[i] += dx[i];
    return GAN_OK;
}

/* The generators' terms for the images of domain @p s made from @p real of the other
 * domain: adversarial through s's discriminator, then the cycle back; gradients of the
 * fakes are summed, then run back through their generator. */
static gan_status gan__cg_branch(gan_cyclegan_t *t, int s, const float *real,
                                 gan__cg_terms *terms)
{
    gan__cg_side *side = &t->side[s], *back = &t->side[1 - s];
    const float *y;
    gan_status st = gan_model_forward(side->gen, real, NULL, t->batch, &y);
    if (st != GAN_OK)
        return st;
    memcpy(side->fake, y, (size_t)t->batch * side->image * sizeof *y);
    if ((st = gan__cg_adversarial(t, side, &terms->adv[s])) != GAN_OK)
        return st;
    if (t->opts.cycle_weight > 0 &&
        (st = gan__cg_l1_term(t, back->gen, side->fake, real, back->image,
                              t->opts.cycle_weight, side->dimage, &terms->cycle[1 - s])))
        return st;
    return gan_model_backward(side->gen, side->dimage, NULL);
}

static gan_status gan__cg_finite(double value, const char *what)
{
    if (!isfinite(value))
        return gan__fail(GAN_E_NUMERIC, "gan_cyclegan_step: %s is %g; neither model of the "
                         "pair was updated", what, value);
    return GAN_OK;
}

/* Both optimizers of a pair, only when both models' gradients are finite: one optimizer
 * over both models would refuse the update as a whole. The caller's gradient hook sees
 * each model's gradients first (network ids @p net), so that the finite check and the
 * norm are of what the update uses (averaged, in data-parallel training). */
static gan_status gan__cg_update_pair(gan_cyclegan_t *t, gan_model_t *const m[2],
                                      gan_optimizer_t *const o[2], const int32_t net[2],
                                      double loss, const char *what, double *norm)
{
    double n[2] = {0, 0};
    gan_status st = gan__cg_finite(loss, what);
    for (int i = 0; st == GAN_OK && i < 2; i++)
        st = gan__parallel_run_hook(&t->par, m[i], net[i],
                                    gan__cg_role[net[i] - GAN_NETWORK_CYCLEGAN_G],
                                    "gan_cyclegan_step");
    for (int i = 0; st == GAN_OK && i < 2; i++)
        if ((st = gan_model_grad_norm(m[i], &n[i])) == GAN_OK && !isfinite(n[i]))
            st = gan__fail(GAN_E_NUMERIC, "gan_cyclegan_step: model '%s' has a NaN or "
                           "infinite gradient; neither model of the pair was updated",
                           m[i]->name);
    for (int i = 0; st == GAN_OK && i < 2; i++)
        st = gan_optimizer_step(o[i]);
    *norm = sqrt(n[0] * n[0] + n[1] * n[1]);
    return st;
}

static gan_status gan__cg_generators(gan_cyclegan_t *t, const float *const real[2],
                                     gan__cg_terms *terms, double *loss, double *norm)
{
    /* G (which makes domain B) first, then F, in the order of the networks' ids. */
    gan_model_t *const gens[2] = {t->side[1].gen, t->side[0].gen};
    gan_optimizer_t *const opts[2] = {t->side[1].gen_opt, t->side[0].gen_opt};
    static const int32_t net[2] = {GAN_NETWORK_CYCLEGAN_G, GAN_NETWORK_CYCLEGAN_F};
    gan_status st = GAN_OK;
    for (int s = 0; s < 2 && st == GAN_OK; s++)
        st = gan_model_zero_grad(gens[s]);
    /* Domain B's images from a (G), then domain A's from b (F), as the reference. */
    for (int s = 1; s >= 0 && st == GAN_OK; s--)
        st = gan__cg_branch(t, s, real[1 - s], terms);
    /* Identity: G on b should give b, F on a should give a. */
    for (int s = 1; s >= 0 && st == GAN_OK && t->opts.identity_weight > 0; s--)
        st = gan__cg_l1_term(t, t->side[s].gen, real[s], real[s], t->side[s].image,
                             t->opts.identity_weight, NULL, &terms->identity[s]);
    if (st != GAN_OK)
        return st;
    *loss = 0.0;
    for (int s = 0; s < 2; s++)
        *loss += terms->adv[s] + t->opts.cycle_weight * terms->cycle[s] +
                 t->opts.identity_weight * terms->identity[s];
    return gan__cg_update_pair(t, gens, opts, net, *loss, "the generators' loss", norm);
}

/* One half of a discriminator's loss: 0.5 mean (D(x) - target)^2, libgan's
 * least-squares loss, whose sum over reals and fakes is the reference's halved MSE. */
static gan_status gan__cg_d_half(gan_cyclegan_t *t, gan__cg_side *side, const float *x,
                                 float target, double *loss, double *mean)
{
    const int32_t n = t->batch * side->per;
    const float *scores;
    gan_status st = gan_model_forward(side->disc, x, NULL, t->batch, &scores);
    if (st == GAN_OK)
        st = gan_loss_least_squares(scores, target, n, loss, side->dscores);
    if (st != GAN_OK)
        return st;
    *mean = gan__mean(scores, (size_t)n);
    return gan_model_backward(side->disc, side->dscores, NULL);
}

/* The pool's answer to this step's fakes. A shard (gan_cyclegan_set_shard) keeps a pool of
 * its own, filled from its own rows, and makes the draws of the global batch's rows in
 * their order, the other shards' as they would (their pools hold as many images as its
 * own: every shard stores a batch a step), so that all shards' generators stay alike. */
static void gan__cg_pool_query(gan_cyclegan_t *t, gan__cg_side *side)
{
    const int64_t count = side->pool.count;
    for (int32_t k = 0; k < t->par.shard; k++)
        gan__image_pool_skip(&side->pool, &t->rng, count, t->batch);
    gan__image_pool_query(&side->pool, &t->rng, side->fake, t->batch, side->shown);
    for (int32_t k = t->par.shard + 1; k < t->par.shards; k++)
        gan__image_pool_skip(&side->pool, &t->rng, count, t->batch);
}

static gan_status gan__cg_discriminators(gan_cyclegan_t *t, const float *const real[2],
                                         gan__cg_terms *terms, double *norm)
{
    gan_model_t *const discs[2] = {t->side[0].disc, t->side[1].disc};
    gan_optimizer_t *const opts[2] = {t->side[0].disc_opt, t->side[1].disc_opt};
    static const int32_t net[2] = {GAN_NETWORK_CYCLEGAN_D_A, GAN_NETWORK_CYCLEGAN_D_B};
    gan_status st = GAN_OK;
    double real_loss[2] = {0, 0}, fake_loss[2] = {0, 0};
    for (int s = 1; s >= 0 && st == GAN_OK; s--) { /* D_B, then D_A, as the reference */
        gan__cg_side *side = &t->side[s];
        gan__cg_pool_query(t, side);
        st = gan_model_zero_grad(side->disc);
        if (st == GAN_OK)
            st = gan__cg_d_half(t, side, real[s], 1.0f, &real_loss[s], &terms->d_real[s]);
        if (st == GAN_OK)
            st = gan__cg_d_half(t, side, side->shown, 0.0f, &fake_loss[s], &terms->d_fake[s]);
        terms->d_loss[s] = real_loss[s] + fake_loss[s];
    }
    if (st != GAN_OK)
        return st;
    return gan__cg_update_pair(t, discs, opts, net, terms->d_loss[0] + terms->d_loss[1],
                               "the discriminators' loss", norm);
}

/* Check that the schedules have a rate for this step, then set them: nothing changes
 * when one is over. */
static gan_status gan__cg_schedule(gan_cyclegan_t *t, double lr[2])
{
    gan_optimizer_t *const o[2][2] = {{t->side[0].gen_opt, t->side[1].gen_opt},
                                      {t->side[0].disc_opt, t->side[1].disc_opt}};
    for (int p = 0; p < 2; p++) {
        double rate;
        if (t->scheduled[p] && !gan__lr_schedule_rate(&t->schedule[p], o[p][0]->steps, &rate))
            return gan__fail(GAN_E_OUT_OF_RANGE, "gan_cyclegan_step: the %s learning-rate "
                             "schedule is over: it has %llu updates and they are made",
                             p ? "discriminators'" : "generators'",
                             (unsigned long long)(t->schedule[p].constant +
                                                  t->schedule[p].decay));
    }
    for (int p = 0; p < 2; p++) {
        for (int i = 0; i < 2 && t->scheduled[p]; i++) {
            gan_status st = gan_lr_schedule_apply(&t->schedule[p], o[p][i]);
            if (st != GAN_OK)
                return st;
        }
        lr[p] = o[p][0]->setting[GAN_OPT_LEARNING_RATE];
    }
    return GAN_OK;
}

static void gan__cg_fill_stats(const gan_cyclegan_t *t, const gan__cg_terms *x,
                               gan_cyclegan_stats_t *s)
{
    s->g_adv_a2b = x->adv[GAN__CG_B];
    s->g_adv_b2a = x->adv[GAN__CG_A];
    s->cycle_a = x->cycle[GAN__CG_A];
    s->cycle_b = x->cycle[GAN__CG_B];
    s->identity_a = x->identity[GAN__CG_A];
    s->identity_b = x->identity[GAN__CG_B];
    s->d_a_loss = x->d_loss[GAN__CG_A];
    s->d_b_loss = x->d_loss[GAN__CG_B];
    s->d_a_real = x->d_real[GAN__CG_A];
    s->d_a_fake = x->d_fake[GAN__CG_A];
    s->d_b_real = x->d_real[GAN__CG_B];
    s->d_b_fake = x->d_fake[GAN__CG_B];
    s->steps = t->steps;
}

gan_status gan_cyclegan_step(gan_cyclegan_t *t, const float *a, const float *b,
                             int32_t batch, gan_cyclegan_stats_t *stats)
{
    static const char who[] = "gan_cyclegan_step";
    if (!t || !a || !b)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                         !t ? "trainer" : !a ? "a (the domain A batch)"
                                        : "b (the domain B batch)");
    if (batch != t->batch)
        return gan__fail(GAN_E_BATCH_SIZE, "%s: the trainer runs batches of %d images of "
                         "each domain, got %d", who, (int)t->batch, (int)batch);
    gan_status st = gan__stats_check(stats, who);
    if (st != GAN_OK)
        return st;
    gan_cyclegan_stats_t s = {.struct_size = sizeof s};
    double lr[2];
    st = gan__cg_schedule(t, lr);
    if (st != GAN_OK)
        return st;
    s.g_learning_rate = lr[0];
    s.d_learning_rate = lr[1];

    /* A step trains (batch statistics, dropout) whatever mode the caller left; the
     * discriminators are frozen while the generators learn through them. */
    gan_model_t *m[4] = {t->side[0].gen, t->side[1].gen, t->side[0].disc, t->side[1].disc};
    bool training[4], trainable[2];
    for (int i = 0; i < 4; i++) {
        training[i] = m[i]->training;
        m[i]->training = true;
    }
    for (int i = 0; i < 2; i++) {
        trainable[i] = m[2 + i]->trainable;
        m[2 + i]->trainable = false;
    }
    const float *const real[2] = {a, b};
    gan__cg_terms terms = {0};
    st = gan__cg_generators(t, real, &terms, &s.g_loss, &s.g_grad_norm);
    for (int i = 0; i < 2; i++)
        m[2 + i]->trainable = trainable[i];
    if (st == GAN_OK)
        st = gan__cg_discriminators(t, real, &terms, &s.d_grad_norm);
    for (int i = 0; i < 4; i++)
        m[i]->training = training[i];
    if (st != GAN_OK)
        return st;
    t->steps++;
    gan__cg_fill_stats(t, &terms, &s);
    gan__stats_copy(stats, &s, sizeof s);
    return GAN_OK;
}
