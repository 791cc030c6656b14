/* The hacks configuration: one table gives every setting its name, default and range. */
#include "train/hacks.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/text.h"
#include "gan/loss.h"

typedef struct gan__hack_spec {
    const char *name;
    double fallback, lo, hi;
    bool integer;
} gan__hack_spec;

/* Indexed by GAN_HACK_*; the public header documents each. */
static const gan__hack_spec gan__hack_specs[GAN__HACK_COUNT] = {
    [GAN_HACK_LOSS] = {"loss", GAN_LOSS_BCE, GAN_LOSS_BCE, GAN_LOSS_LEAST_SQUARES, true},
    [GAN_HACK_GENERATOR_LOSS] = {"generator_loss", GAN_GLOSS_NON_SATURATING,
                                 GAN_GLOSS_NON_SATURATING, GAN_GLOSS_MINIMAX, true},
    [GAN_HACK_LATENT] = {"latent", GAN_LATENT_GAUSSIAN, GAN_LATENT_GAUSSIAN,
                         GAN_LATENT_UNIFORM, true},
    [GAN_HACK_SEPARATE_BATCHES] = {"separate_batches", 1, 0, 1, true},
    [GAN_HACK_FLIP_PROB] = {"flip_prob", 0, 0, 0.5, false},
    [GAN_HACK_INSTANCE_NOISE] = {"instance_noise", 0, 0, 10, false},
    [GAN_HACK_INSTANCE_NOISE_STEPS] = {"instance_noise_steps", 0, 0, 1e9, true},
    [GAN_HACK_D_STEPS] = {"d_steps", 1, 1, 100, true},
    [GAN_HACK_G_STEPS] = {"g_steps", 1, 1, 100, true},
    [GAN_HACK_REPLAY_SIZE] = {"replay_size", 0, 0, 1e7, true},
    [GAN_HACK_REPLAY_FRACTION] = {"replay_fraction", 0.5, 0, 1, false},
    [GAN_HACK_FEATURE_MATCHING_LAYER] = {"feature_matching_layer", -1, -1, 1e6, true},
    [GAN_HACK_EMA_DECAY] = {"ema_decay", 0, 0, 0.999999, false},
    [GAN_HACK_GP_WEIGHT] = {"gp_weight", 0, 0, 1e6, false},
    [GAN_HACK_CLIP] = {"clip", 0, 0, 1e6, false},
    [GAN_HACK_SEED] = {"seed", 42, 0, 9007199254740992.0, true},
    [GAN_HACK_FRESH_G_LATENT] = {"fresh_g_latent", 0, 0, 1, true},
    [GAN_HACK_MIX_LOSS] = {"mix_loss", GAN_LOSS_WASSERSTEIN, GAN_LOSS_BCE,
                           GAN_LOSS_LEAST_SQUARES, true},
    [GAN_HACK_MIX_WEIGHT] = {"mix_weight", 0, 0, 1, false},
    [GAN_HACK_AUX_WEIGHT_REAL] = {"aux_weight_real", 0, 0, 1000, false},
    [GAN_HACK_AUX_WEIGHT_FAKE] = {"aux_weight_fake", 0, 0, 1000, false},
};

static const char *const gan__loss_names[] = {"bce", "wasserstein", "hinge", "least_squares"};

void gan__hacks_defaults(gan_hacks_t *h)
{
    *h = (gan_hacks_t){.real_lo = 0.9f, .real_hi = 0.9f};
    for (int i = 0; i < GAN__HACK_COUNT; i++)
        h->value[i] = gan__hack_specs[i].fallback;
}

bool gan__hacks_default_from(const gan_hacks_t *h, int32_t first)
{
    for (int32_t k = first; k < GAN__HACK_COUNT; k++)
        if (h->value[k] != gan__hack_specs[k].fallback)
            return false;
    return true;
}

gan_status gan_hacks_create(gan_hacks_t **out)
{
    if (!out)
        return gan__fail(GAN_E_INVALID_ARG, "gan_hacks_create: out is NULL");
    gan_hacks_t *h = malloc(sizeof *h);
    if (!h)
        return gan__fail(GAN_E_NO_MEMORY, "gan_hacks_create: out of memory");
    gan__hacks_defaults(h);
    *out = h;
    return GAN_OK;
}

void gan_hacks_destroy(gan_hacks_t *hacks)
{
    free(hacks);
}

gan_status gan_hacks_copy(gan_hacks_t *dst, const gan_hacks_t *src)
{
    if (!dst || !src)
        return gan__fail(GAN_E_INVALID_ARG, "gan_hacks_copy: %s is NULL", dst ? "src" : "dst");
    *dst = *src;
    return GAN_OK;
}

static gan_status gan__hack_key(const gan_hacks_t *h, int32_t key, const char *who)
{
    if (!h)
        return gan__fail(GAN_E_INVALID_ARG, "%s: hacks is NULL", who);
    if (key < 0 || key >= GAN__HACK_COUNT)
        return gan__fail(GAN_E_INVALID_ARG, "%s: unknown key %d", who, (int)key);
    return GAN_OK;
}

gan_status gan_hacks_set(gan_hacks_t *hacks, int32_t key, double value)
{
    static const char who[] = "gan_hacks_set";
    gan_status st = gan__hack_key(hacks, key, who);
    if (st != GAN_OK)
        return st;
    const gan__hack_spec *s = &gan__hack_specs[key];
    if (!(value >= s->lo && value <= s->hi))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: %s = %.9g is outside [%g, %g]", who,
                         s->name, value, s->lo, s->hi);
    if (s->integer && value != floor(value))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: %s = %g must be an integer", who, s->name,
                         value);
    hacks->value[key] = value;
    return GAN_OK;
}

gan_status gan_hacks_get(const gan_hacks_t *hacks, int32_t key, double *value)
{
    static const char who[] = "gan_hacks_get";
    gan_status st = gan__hack_key(hacks, key, who);
    if (st == GAN_OK && !value)
        st = gan__fail(GAN_E_INVALID_ARG, "%s: value is NULL", who);
    if (st == GAN_OK)
        *value = hacks->value[key];
    return st;
}

gan_status gan_hacks_set_labels(gan_hacks_t *hacks, bool real, float lo, float hi)
{
    static const char who[] = "gan_hacks_set_labels";
    if (!hacks)
        return gan__fail(GAN_E_INVALID_ARG, "%s: hacks is NULL", who);
    if (!(lo >= -1.0f && hi <= 2.0f && lo <= hi))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: %s labels [%g, %g] must satisfy -1 <= lo "
                         "<= hi <= 2", who, real ? "real" : "fake", (double)lo, (double)hi);
    if (real) {
        hacks->real_lo = lo;
        hacks->real_hi = hi;
    } else {
        hacks->fake_lo = lo;
        hacks->fake_hi = hi;
    }
    return GAN_OK;
}

gan_status gan_hacks_get_labels(const gan_hacks_t *hacks, bool real, float *lo, float *hi)
{
    if (!hacks || !lo || !hi)
        return gan__fail(GAN_E_INVALID_ARG, "gan_hacks_get_labels: %s is NULL",
                         !hacks ? "hacks" : !lo ? "lo" : "hi");
    *lo = real ? hacks->real_lo : hacks->fake_lo;
    *hi = real ? hacks->real_hi : hacks->fake_hi;
    return GAN_OK;
}

static void gan__describe_value(gan__text *t, int32_t key, double v, const char *mark)
{
    const gan__hack_spec *s = &gan__hack_specs[key];
    if (key == GAN_HACK_LOSS || key == GAN_HACK_MIX_LOSS)
        gan__text_add(t, "%-24s = %s%s\n", s->name, gan__loss_names[(int)v], mark);
    else if (key == GAN_HACK_GENERATOR_LOSS)
        gan__text_add(t, "%-24s = %s%s\n", s->name,
                      v == GAN_GLOSS_MINIMAX ? "minimax" : "non_saturating", mark);
    else if (key == GAN_HACK_LATENT)
        gan__text_add(t, "%-24s = %s%s\n", s->name,
                      v == GAN_LATENT_UNIFORM ? "uniform" : "gaussian", mark);
    else
        gan__text_add(t, "%-24s = %.17g%s\n", s->name, v, mark);
}

gan_status gan_hacks_describe(const gan_hacks_t *hacks, char *buf, size_t size,
                              size_t *length)
{
    if (!hacks || (!buf && size))
        return gan__fail(GAN_E_INVALID_ARG, "gan_hacks_describe: %s is NULL",
                         hacks ? "buf" : "hacks");
    gan__text t = gan__text_begin(buf, size);
    /* Changed settings first, marked with '*', so a log shows what this run does. */
    for (int pass = 0; pass < 2; pass++) {
        for (int32_t k = 0; k < GAN__HACK_COUNT; k++) {
            bool changed = hacks->value[k] != gan__hack_specs[k].fallback;
            if (changed == (pass == 0))
                gan__describe_value(&t, k, hacks->value[k], changed ? " *" : "");
        }
        bool labels_changed = hacks->real_lo != 0.9f || hacks->real_hi != 0.9f ||
                              hacks->fake_lo != 0.0f || hacks->fake_hi != 0.0f;
        if (labels_changed == (pass == 0))
            gan__text_add(&t, "%-24s = real [%g, %g], fake [%g, %g]%s\n", "labels",
                          (double)hacks->real_lo, (double)hacks->real_hi,
                          (double)hacks->fake_lo, (double)hacks->fake_hi,
                          labels_changed ? " *" : "");
    }
    if (length)
        *length = t.length;
    return GAN_OK;
}
