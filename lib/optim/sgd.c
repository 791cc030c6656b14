/* SGD: plain, with heavy-ball momentum or Nesterov momentum, and L2 weight decay. */
#include <stdbool.h>

#include "core/error.h"
#include "optim/optimizer.h"

/* As torch.optim.SGD with dampening 0
 * (https://pytorch.org/docs/stable/generated/torch.optim.SGD.html); Nesterov's form is
 * Sutskever et al., "On the importance of initialization and momentum in deep learning",
 * ICML 2013, as torch rewrites it:
 *
 *   g = g + wd p
 *   momentum 0:  p -= lr g
 *   otherwise:   b = mu b + g  (b = g on the first step: b starts at 0)
 *                p -= lr (nesterov ? g + mu b : b)
 *
 * Steps with momentum 0 leave b alone, so turning momentum back on resumes from it, as
 * torch does with its momentum_buffer. */
static void gan__sgd_update(gan_optimizer_t *o, size_t first, float *restrict p,
                            const float *restrict g, size_t n)
{
    const float *s = o->setting;
    const float lr = s[GAN_OPT_LEARNING_RATE], mu = s[GAN_OPT_MOMENTUM],
                wd = s[GAN_OPT_WEIGHT_DECAY];
    if (mu == 0.0f) {
        for (size_t i = 0; i < n; i++)
            p[i] -= lr * (g[i] + wd * p[i]);
        return;
    }
    const bool nesterov = s[GAN_OPT_NESTEROV] != 0.0f;
    float *restrict b = o->state[0] + first;
    for (size_t i = 0; i < n; i++) {
        const float gi = g[i] + wd * p[i];
        b[i] = mu * b[i] + gi;
        p[i] -= lr * (nesterov ? gi + mu * b[i] : b[i]);
    }
}

/* torch: "Nesterov momentum requires a momentum and zero dampening". */
static gan_status gan__sgd_check(const float *s, const char *who)
{
    if (s[GAN_OPT_NESTEROV] != 0.0f && !(s[GAN_OPT_MOMENTUM] > 0.0f))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: Nesterov momentum needs momentum > 0 "
                         "(turn Nesterov off before setting momentum 0)", who);
    return GAN_OK;
}

static const gan__optim_ops gan__sgd_ops = {
    .kind = GAN_OPTIM_SGD,
    .name = "sgd",
    .keys = GAN__OPT_BIT(GAN_OPT_LEARNING_RATE) | GAN__OPT_BIT(GAN_OPT_MOMENTUM) |
            GAN__OPT_BIT(GAN_OPT_NESTEROV) | GAN__OPT_BIT(GAN_OPT_WEIGHT_DECAY),
    .n_states = 1, /* momentum buffer, allocated even at momentum 0: it may be set later */
    .check = gan__sgd_check,
    .update = gan__sgd_update,
};

gan_status gan_optimizer_sgd_create(gan_optimizer_t **out, gan_model_t *model, float lr,
                                    float momentum, bool nesterov)
{
    const float s[GAN__OPT_KEYS] = {
        [GAN_OPT_LEARNING_RATE] = lr,
        [GAN_OPT_MOMENTUM] = momentum,
        [GAN_OPT_NESTEROV] = nesterov ? 1.0f : 0.0f,
    };
    return gan__optimizer_create(out, model, &gan__sgd_ops, s, "gan_optimizer_sgd_create");
}
