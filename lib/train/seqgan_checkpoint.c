/* The SeqGAN trainer's checkpoint: G's and D's model and optimizer sections (the pair
 * trainer's section writers) and the trainer's own state, on the file layer of
 * checkpoint_file.c (doc/CHECKPOINT.md). G_step is not saved: it is G's copy. */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "model.h"
#include "train/checkpoint.h"
#include "train/seqgan.h"

enum {
    GAN__TAG_SG_G = GAN__TAG('S', 'G', 'M', 'D'),
    GAN__TAG_SG_D = GAN__TAG('S', 'D', 'M', 'D'),
    GAN__TAG_SG_GOPT = GAN__TAG('S', 'G', 'O', 'P'),
    GAN__TAG_SG_DOPT = GAN__TAG('S', 'D', 'O', 'P'),
    GAN__TAG_SG_TRAINER = GAN__TAG('S', 'E', 'Q', 'G')
};

static const char *gan__sg_what(uint32_t tag)
{
    switch (tag) {
    case GAN__TAG_SG_G: return "generator G";
    case GAN__TAG_SG_D: return "discriminator D";
    case GAN__TAG_SG_GOPT: return "optimizer of G";
    case GAN__TAG_SG_DOPT: return "optimizer of D";
    case GAN__TAG_SG_TRAINER: return "SeqGAN trainer";
    default: return NULL;
    }
}

static void gan__sg_put(gan__sink *s, const void *obj, uint32_t tag)
{
    const gan_seqgan_t *t = obj;
    switch (tag) {
    case GAN__TAG_SG_G: gan__put_model(s, t->g); break;
    case GAN__TAG_SG_D: gan__put_model(s, t->d); break;
    case GAN__TAG_SG_GOPT: gan__put_optimizer(s, t->g_opt); break;
    case GAN__TAG_SG_DOPT: gan__put_optimizer(s, t->d_opt); break;
    default:
        gan__sink_u64(s, (uint64_t)t->opts.rollouts);
        gan__sink_f64(s, (double)t->opts.temperature);
        gan__sink_f64(s, t->opts.clip_norm);
        gan__sink_u64(s, (uint64_t)t->opts.start_token);
        gan__sink_rng(s, &t->rng);
        gan__sink_u64(s, t->mle_steps);
        gan__sink_u64(s, t->d_steps);
        gan__sink_u64(s, t->pg_steps);
        gan__sink_u64(s, t->data_position);
        gan__sink_u64(s, t->opts.baseline ? 1 : 0);
    }
}

static gan_status gan__sg_get_trainer(gan__load *c, gan_seqgan_t *t)
{
    gan_seqgan_options_t o = t->opts;
    const uint64_t rollouts = gan__read_u64(&c->r);
    const double temperature = gan__read_f64(&c->r);
    o.clip_norm = gan__read_f64(&c->r);
    const uint64_t start = gan__read_u64(&c->r);
    gan__rng rng;
    const bool rng_ok = gan__read_rng(&c->r, &rng);
    uint64_t count[4];
    for (int i = 0; i < 4; i++)
        count[i] = gan__read_u64(&c->r);
    const uint64_t baseline = gan__read_u64(&c->r);
    if (c->r.short_read)
        return gan__fail_short(c);
    o.temperature = (float)temperature;
    if (rollouts < 1 || rollouts > 100000 || !(o.temperature > 0.0f) ||
        !isfinite(o.temperature) || !(o.clip_norm >= 0.0 && o.clip_norm <= 1e6))
        return gan__fail(GAN_E_FORMAT, "the %s has settings outside their ranges (rollouts "
                         "%llu, temperature %g, clip norm %g)", c->what,
                         (unsigned long long)rollouts, temperature, o.clip_norm);
    if (start >= (uint64_t)t->V)
        return gan__fail(GAN_E_FORMAT, "the %s's start token %llu is outside this trainer's "
                         "vocabulary of %d", c->what, (unsigned long long)start, (int)t->V);
    if (!rng_ok)
        return gan__fail(GAN_E_FORMAT, "the %s's random state is malformed", c->what);
    if (baseline > 1 || (baseline && t->batch < 2))
        return gan__fail(GAN_E_FORMAT, "the %s's baseline setting %llu is not 0 or 1, or "
                         "needs a batch of 2 or more (this trainer's: %d)", c->what,
                         (unsigned long long)baseline, (int)t->batch);
    if (c->apply) {
        o.rollouts = (int32_t)rollouts;
        o.start_token = (int32_t)start;
        o.baseline = baseline == 1;
        t->opts = o;
        t->rng = rng;
        t->mle_steps = count[0];
        t->d_steps = count[1];
        t->pg_steps = count[2];
        t->data_position = count[3];
    }
    return GAN_OK;
}

static gan_status gan__sg_get(gan__load *c, void *obj, uint32_t tag)
{
    gan_seqgan_t *t = obj;
    switch (tag) {
    case GAN__TAG_SG_G: return gan__get_model(c, t->g);
    case GAN__TAG_SG_D: return gan__get_model(c, t->d);
    case GAN__TAG_SG_GOPT: return gan__get_optimizer(c, t->g_opt);
    case GAN__TAG_SG_DOPT: return gan__get_optimizer(c, t->d_opt);
    default: return gan__sg_get_trainer(c, t);
    }
}

/* Models first, so an architecture mismatch is what a load reports first. */
static gan__ckpt_doc gan__sg_doc(void *trainer)
{
    gan_seqgan_t *t = trainer;
    gan__ckpt_doc doc = {.what = gan__sg_what, .put = gan__sg_put, .get = gan__sg_get,
                         .obj = t, .alloc = &t->alloc};
    const uint32_t tags[] = {GAN__TAG_SG_G, GAN__TAG_SG_D, GAN__TAG_SG_GOPT,
                             GAN__TAG_SG_DOPT, GAN__TAG_SG_TRAINER};
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
        doc.tags[doc.n++] = tags[i];
    return doc;
}

gan_status gan_seqgan_save(gan_seqgan_t *t, const char *path)
{
    return gan__ckpt_public("gan_seqgan_save", t, path, gan__sg_doc, true);
}

gan_status gan_seqgan_load(gan_seqgan_t *t, const char *path)
{
    return gan__ckpt_public("gan_seqgan_load", t, path, gan__sg_doc, false);
}
