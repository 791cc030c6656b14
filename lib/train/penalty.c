/* WGAN-GP gradient penalty (Gulrajani et al. 2017, algorithm 1):
 * lambda * mean_i (||grad_x D(x_hat_i)|| - 1)^2 on x_hat = e x + (1 - e) G(z), e ~ U[0,1].
 *
 * Its gradient with respect to D's parameters needs the mixed second derivative of D.
 * With v_i = lambda * 2 (||g_i|| - 1) / ||g_i|| / B * g_i (g_i = grad_x D(x_hat_i)) it is
 * grad_theta <grad_x D(x_hat), v>, which a central difference of two ordinary backward
 * passes gives: (grad_theta D(x_hat + h v) - grad_theta D(x_hat - h v)) / 2h. Both passes
 * add into the gradient arena with weights +-1/2h. Every pass starts from the same dropout
 * streams and the same state arena (BatchNorm running statistics, spectral-norm vectors,
 * which a training forward updates), and the state is put back afterwards: the penalty
 * leaves no trace but its gradient.
 *
 * With a patch-map critic (PatchGAN: several scores per sample), D(x) is the mean of the
 * sample's scores, the critic whose expectation the mean-over-scores loss estimates; code
 * that calls autograd with grad_outputs = ones penalises the gradient of their sum, which
 * is per times larger. */
#include <math.h>
#include <string.h>

#include "train/trainer.h"

/* Step of the difference: h * max|v| is this fraction of the input's scale. */
#define GAN__PENALTY_STEP 1e-3f
/* Inside the square root, so a zero gradient gives no NaN. */
#define GAN__PENALTY_EPS 1e-12

static void gan__penalty_restore(gan_trainer_t *t)
{
    gan__model_streams_restore(t->d, t->d_streams);
    if (t->d->n_state)
        memcpy(t->d->state, t->d_state, t->d->n_state * sizeof *t->d_state);
}

static gan_status gan__penalty_pass(gan_trainer_t *t, const float *x, const int32_t *labels,
                                    float weight, const float **dx)
{
    gan_model_t *d = t->d;
    gan__penalty_restore(t);
    gan_status st = gan_model_forward(d, x, labels, t->batch, NULL);
    /* A sample's critic value is the mean of its scores, whose gradient the penalty
     * constrains: weight / per on each (exactly weight for one score per sample). */
    const size_t n = (size_t)t->batch * (size_t)t->per;
    const float w = weight / (float)t->per;
    for (size_t i = 0; i < n; i++)
        t->dscores[i] = w;
    if (st == GAN_OK)
        st = gan_model_backward(d, t->dscores, dx);
    return st;
}

/* The penalty's value from g = grad_x D(x_hat), and v (t->gp_v) with its largest
 * magnitude (t->gp_vmax). */
static void gan__penalty_value(gan_trainer_t *t, const float *g, float lambda,
                               double *penalty)
{
    const size_t image = t->image;
    const int32_t b = t->batch;
    double sum = 0.0;
    float vmax = 0.0f;
    for (int32_t i = 0; i < b; i++) {
        const float *gi = g + (size_t)i * image;
        double sq = 0.0;
        for (size_t j = 0; j < image; j++)
            sq += (double)gi[j] * gi[j];
        double norm = sqrt(sq + GAN__PENALTY_EPS);
        sum += (norm - 1.0) * (norm - 1.0);
        float c = (float)(lambda * 2.0 * (norm - 1.0) / norm / b);
        for (size_t j = 0; j < image; j++) {
            t->gp_v[(size_t)i * image + j] = c * gi[j];
            vmax = fmaxf(vmax, fabsf(c * gi[j]));
        }
    }
    *penalty = lambda * sum / b;
    t->gp_vmax = vmax;
}

gan_status gan__gradient_penalty(gan_trainer_t *t, const float *real, const float *fake,
                                 const int32_t *labels, double *penalty)
{
    const float lambda = (float)t->hacks.value[GAN_HACK_GP_WEIGHT];
    const size_t image = t->image;
    const int32_t b = t->batch;
    float scale = 0.0f;
    for (int32_t i = 0; i < b; i++) {
        const float e = gan__rng_uniform(&t->rng);
        for (size_t j = 0; j < image; j++) {
            size_t k = (size_t)i * image + j;
            t->gp_x[k] = e * real[k] + (1.0f - e) * fake[k];
            scale = fmaxf(scale, fabsf(t->gp_x[k]));
        }
    }
    gan_model_t *d = t->d;
    gan__model_streams_save(d, t->d_streams);
    if (d->n_state)
        memcpy(t->d_state, d->state, d->n_state * sizeof *t->d_state);

    /* g = grad_x sum_i D(x_hat_i), parameters untouched. */
    const float *g;
    const bool trainable = d->trainable; /* a caller's frozen D stays frozen */
    d->trainable = false;
    gan_status st = gan__penalty_pass(t, t->gp_x, labels, 1.0f, &g);
    d->trainable = trainable;
    if (st == GAN_OK)
        gan__penalty_value(t, g, lambda, penalty);
    const float vmax = st == GAN_OK ? t->gp_vmax : 0.0f;
    if (vmax > 0.0f && isfinite(vmax)) { /* else no gradient to add */
        const float h = GAN__PENALTY_STEP * fmaxf(scale, 1.0f) / vmax;
        for (int side = 1; side >= -1 && st == GAN_OK; side -= 2) {
            for (size_t k = 0; k < (size_t)b * image; k++)
                t->d_in[k] = t->gp_x[k] + (float)side * h * t->gp_v[k];
            st = gan__penalty_pass(t, t->d_in, labels, (float)side / (2.0f * h), NULL);
        }
    }
    gan__penalty_restore(t);
    return st;
}
