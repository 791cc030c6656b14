/* RMSProp: gradients scaled by a running RMS, optional momentum, L2 weight decay. */
#include <math.h>

#include "optim/optimizer.h"

/* Tieleman & Hinton, COURSERA "Neural Networks for Machine Learning", lecture 6.5
 * (2012), as torch.optim.RMSprop with centered=False
 * (https://pytorch.org/docs/stable/generated/torch.optim.RMSprop.html):
 *
 *   g = g + wd p;  s = alpha s + (1-alpha) g^2;  d = g / (sqrt(s) + eps)
 *   momentum 0:  p -= lr d
 *   otherwise:   b = mu b + d;  p -= lr b   (b starts at 0)
 *
 * The original WGAN (Arjovsky et al. 2017) trains its critic this way with lr 5e-5. */

/* Update @p s with @p gi and return the scaled gradient d. */
static inline float gan__rms_scaled(float *restrict s, float gi, float alpha, float eps)
{
    *s = alpha * *s + (1.0f - alpha) * (gi * gi);
    return gi / (sqrtf(*s) + eps);
}

static void gan__rmsprop_update(gan_optimizer_t *o, size_t first, float *restrict p,
                                const float *restrict g, size_t n)
{
    const float *set = o->setting;
    const float lr = set[GAN_OPT_LEARNING_RATE], alpha = set[GAN_OPT_ALPHA],
                eps = set[GAN_OPT_EPSILON], mu = set[GAN_OPT_MOMENTUM],
                wd = set[GAN_OPT_WEIGHT_DECAY];
    float *restrict s = o->state[0] + first, *restrict b = o->state[1] + first;
    if (mu == 0.0f) {
        for (size_t i = 0; i < n; i++)
            p[i] -= lr * gan__rms_scaled(&s[i], g[i] + wd * p[i], alpha, eps);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        b[i] = mu * b[i] + gan__rms_scaled(&s[i], g[i] + wd * p[i], alpha, eps);
        p[i] -= lr * b[i];
    }
}

static const gan__optim_ops gan__rmsprop_ops = {
    .kind = GAN_OPTIM_RMSPROP,
    .name = "rmsprop",
    .keys = GAN__OPT_BIT(GAN_OPT_LEARNING_RATE) | GAN__OPT_BIT(GAN_OPT_ALPHA) |
            GAN__OPT_BIT(GAN_OPT_EPSILON) | GAN__OPT_BIT(GAN_OPT_MOMENTUM) |
            GAN__OPT_BIT(GAN_OPT_WEIGHT_DECAY),
    /* square average, momentum buffer (allocated at momentum 0: it may be set later) */
    .n_states = 2,
    .update = gan__rmsprop_update,
};

gan_status gan_optimizer_rmsprop_create(gan_optimizer_t **out, gan_model_t *model,
                                        float lr, float alpha, float epsilon)
{
    const float s[GAN__OPT_KEYS] = {
        [GAN_OPT_LEARNING_RATE] = lr,
        [GAN_OPT_ALPHA] = alpha,
        [GAN_OPT_EPSILON] = epsilon,
    };
    return gan__optimizer_create(out, model, &gan__rmsprop_ops, s,
                                 "gan_optimizer_rmsprop_create");
}
