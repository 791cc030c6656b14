/* The text-to-image trainer's checkpoint: the model and optimizer sections of G, D and E
 * (the pair trainer's section writers; E's optimizer only when E trains) and the
 * trainer's own state, on the file layer of checkpoint_file.c (doc/CHECKPOINT.md). */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "model.h"
#include "train/checkpoint.h"
#include "train/text2img.h"

/* A model and an optimizer section per network, in the order G, D, E. */
enum { GAN__TAG_T2I_TRAINER = GAN__TAG('T', 'X', 'I', 'M') };

static const uint32_t gan__t2i_model_tags[3] = {
    GAN__TAG('T', 'G', 'M', 'D'), GAN__TAG('T', 'D', 'M', 'D'), GAN__TAG('T', 'E', 'M', 'D')};
static const uint32_t gan__t2i_optim_tags[3] = {
    GAN__TAG('T', 'G', 'O', 'P'), GAN__TAG('T', 'D', 'O', 'P'), GAN__TAG('T', 'E', 'O', 'P')};
static const char *const gan__t2i_model_what[3] = {"generator G", "discriminator D",
                                                   "text encoder E"};
static const char *const gan__t2i_optim_what[3] = {"optimizer of G", "optimizer of D",
                                                   "optimizer of E"};

static const char *gan__t2i_what(uint32_t tag)
{
    for (int i = 0; i < 3; i++) {
        if (tag == gan__t2i_model_tags[i])
            return gan__t2i_model_what[i];
        if (tag == gan__t2i_optim_tags[i])
            return gan__t2i_optim_what[i];
    }
    return tag == GAN__TAG_T2I_TRAINER ? "text-to-image trainer" : NULL;
}

static const char *gan__t2i_optional(uint32_t tag)
{
    return tag == gan__t2i_optim_tags[2] ? "E's training (e_opt NULL)" : NULL;
}

static gan_model_t *gan__t2i_model(const gan_text2img_t *t, int i)
{
    return i == 0 ? t->g : i == 1 ? t->d : t->e;
}

static gan_optimizer_t *gan__t2i_optim(const gan_text2img_t *t, int i)
{
    return i == 0 ? t->g_opt : i == 1 ? t->d_opt : t->e_opt;
}

static void gan__t2i_put(gan__sink *s, const void *obj, uint32_t tag)
{
    const gan_text2img_t *t = obj;
    for (int i = 0; i < 3; i++) {
        if (tag == gan__t2i_model_tags[i])
            gan__put_model(s, gan__t2i_model(t, i));
        if (tag == gan__t2i_optim_tags[i])
            gan__put_optimizer(s, gan__t2i_optim(t, i));
    }
    if (tag != GAN__TAG_T2I_TRAINER)
        return;
    gan__sink_f64(s, t->opts.wrong_weight);
    gan__sink_f64(s, t->opts.interp_share);
    gan__sink_f64(s, t->opts.interp_beta);
    gan__sink_f64(s, t->opts.label_smoothing);
    gan__sink_u64(s, (uint64_t)t->opts.latent);
    gan__sink_rng(s, &t->rng);
    gan__sink_u64(s, t->d_updates);
    gan__sink_u64(s, t->g_updates);
    gan__sink_u64(s, t->data_position);
}

static gan_status gan__t2i_get_trainer(gan__load *c, gan_text2img_t *t)
{
    gan_text2img_options_t o = t->opts;
    o.wrong_weight = gan__read_f64(&c->r);
    o.interp_share = gan__read_f64(&c->r);
    o.interp_beta = gan__read_f64(&c->r);
    o.label_smoothing = gan__read_f64(&c->r);
    const uint64_t latent = gan__read_u64(&c->r);
    gan__rng rng;
    const bool rng_ok = gan__read_rng(&c->r, &rng);
    uint64_t count[3];
    for (int i = 0; i < 3; i++)
        count[i] = gan__read_u64(&c->r);
    if (c->r.short_read)
        return gan__fail_short(c);
    o.latent = latent <= 1 ? (int32_t)latent : -1;
    if (gan__t2i_check_options(&o, "") != GAN_OK)
        return gan__fail(GAN_E_FORMAT, "the %s has settings outside their ranges (wrong "
                         "weight %g, interpolated share %g, beta %g, label smoothing %g, "
                         "latent %llu)", c->what, o.wrong_weight, o.interp_share,
                         o.interp_beta, o.label_smoothing, (unsigned long long)latent);
    if (!rng_ok)
        return gan__fail(GAN_E_FORMAT, "the %s's random state is malformed", c->what);
    if (c->apply) {
        t->opts = o;
        t->rng = rng;
        t->d_updates = count[0];
        t->g_updates = count[1];
        t->data_position = count[2];
    }
    return GAN_OK;
}

static gan_status gan__t2i_get(gan__load *c, void *obj, uint32_t tag)
{
    gan_text2img_t *t = obj;
    for (int i = 0; i < 3; i++) {
        if (tag == gan__t2i_model_tags[i])
            return gan__get_model(c, gan__t2i_model(t, i));
        if (tag == gan__t2i_optim_tags[i])
            return gan__get_optimizer(c, gan__t2i_optim(t, i));
    }
    return gan__t2i_get_trainer(c, t);
}

/* Models first, so an architecture mismatch is what a load reports first. */
static gan__ckpt_doc gan__t2i_doc(void *trainer)
{
    gan_text2img_t *t = trainer;
    gan__ckpt_doc doc = {.what = gan__t2i_what, .optional = gan__t2i_optional,
                         .put = gan__t2i_put, .get = gan__t2i_get, .obj = t,
                         .alloc = &t->alloc};
    for (int i = 0; i < 3; i++)
        doc.tags[doc.n++] = gan__t2i_model_tags[i];
    for (int i = 0; i < 3; i++)
        if (gan__t2i_optim(t, i))
            doc.tags[doc.n++] = gan__t2i_optim_tags[i];
    doc.tags[doc.n++] = GAN__TAG_T2I_TRAINER;
    return doc;
}

gan_status gan_text2img_save(gan_text2img_t *t, const char *path)
{
    return gan__ckpt_public("gan_text2img_save", t, path, gan__t2i_doc, true);
}

gan_status gan_text2img_load(gan_text2img_t *t, const char *path)
{
    return gan__ckpt_public("gan_text2img_load", t, path, gan__t2i_doc, false);
}
