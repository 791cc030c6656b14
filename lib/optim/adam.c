/* Adam: adaptive moment estimation with bias correction and L2 weight decay. */
#include <math.h>

#include "core/clones.h"
#include "optim/optimizer.h"

/* Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, Algorithm 1,
 * step for step as torch.optim.Adam (amsgrad off, weight decay added to the gradient):
 * https://pytorch.org/docs/stable/generated/torch.optim.Adam.html
 *
 *   g = g + wd p;  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 *   p -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 *
 * eps is added after the square root of the bias-corrected v, as in torch (the paper's
 * "epsilon-hat" variant of section 2 moves it inside the correction). */
GAN__CLONES static void gan__adam_update(gan_optimizer_t *o, size_t first,
                                         float *restrict p, const float *restrict g,
                                         size_t n)
{
    const float *s = o->setting;
    const float lr = s[GAN_OPT_LEARNING_RATE], b1 = s[GAN_OPT_BETA1],
                b2 = s[GAN_OPT_BETA2], eps = s[GAN_OPT_EPSILON],
                wd = s[GAN_OPT_WEIGHT_DECAY];
    const float c1 = 1.0f - b1, c2 = 1.0f - b2;
    /* The corrections in double, as torch computes them in Python floats. */
    const double t = (double)o->steps;
    const float step_size = (float)(lr / (1.0 - pow(b1, t)));
    const float bc2_sqrt = (float)sqrt(1.0 - pow(b2, t));
    float *restrict m = o->state[0] + first, *restrict v = o->state[1] + first;
    for (size_t i = 0; i < n; i++) {
        const float gi = g[i] + wd * p[i];
        m[i] = b1 * m[i] + c1 * gi;
        v[i] = b2 * v[i] + c2 * (gi * gi);
        p[i] -= step_size * (m[i] / (sqrtf(v[i]) / bc2_sqrt + eps));
    }
}

static const gan__optim_ops gan__adam_ops = {
    .kind = GAN_OPTIM_ADAM,
    .name = "adam",
    .keys = GAN__OPT_BIT(GAN_OPT_LEARNING_RATE) | GAN__OPT_BIT(GAN_OPT_BETA1) |
            GAN__OPT_BIT(GAN_OPT_BETA2) | GAN__OPT_BIT(GAN_OPT_EPSILON) |
            GAN__OPT_BIT(GAN_OPT_WEIGHT_DECAY),
    .n_states = 2, /* m, v */
    .update = gan__adam_update,
};

gan_status gan_optimizer_adam_create(gan_optimizer_t **out, gan_model_t *model, float lr,
                                     float beta1, float beta2, float epsilon)
{
    const float s[GAN__OPT_KEYS] = {
        [GAN_OPT_LEARNING_RATE] = lr,
        [GAN_OPT_BETA1] = beta1,
        [GAN_OPT_BETA2] = beta2,
        [GAN_OPT_EPSILON] = epsilon,
    };
    return gan__optimizer_create(out, model, &gan__adam_ops, s, "gan_optimizer_adam_create");
}
