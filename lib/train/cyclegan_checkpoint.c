/* The CycleGAN trainer's checkpoint: four model and four optimizer sections (the pair
 * trainer's section writers), the trainer's own state and the two image pools, on the
 * file layer of checkpoint_file.c (doc/CHECKPOINT.md). */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "model.h"
#include "train/checkpoint.h"
#include "train/cyclegan.h"

/* Tags: a model and an optimizer section per network, in the order G, F, D_A, D_B. */
enum {
    GAN__TAG_CG_TRAINER = GAN__TAG('C', 'Y', 'C', 'L'),
    GAN__TAG_CG_POOL_A = GAN__TAG('A', 'P', 'O', 'L'),
    GAN__TAG_CG_POOL_B = GAN__TAG('B', 'P', 'O', 'L')
};

static const uint32_t gan__cg_model_tags[4] = {
    GAN__TAG('G', 'M', 'D', 'L'), GAN__TAG('F', 'M', 'D', 'L'),
    GAN__TAG('A', 'M', 'D', 'L'), GAN__TAG('B', 'M', 'D', 'L')};
static const uint32_t gan__cg_optim_tags[4] = {
    GAN__TAG('G', 'O', 'P', 'T'), GAN__TAG('F', 'O', 'P', 'T'),
    GAN__TAG('A', 'O', 'P', 'T'), GAN__TAG('B', 'O', 'P', 'T')};
static const char *const gan__cg_model_what[4] = {
    "generator G (A to B)", "generator F (B to A)", "discriminator D_A",
    "discriminator D_B"};
static const char *const gan__cg_optim_what[4] = {
    "optimizer of G", "optimizer of F", "optimizer of D_A", "optimizer of D_B"};

static const char *gan__cg_what(uint32_t tag)
{
    for (int i = 0; i < 4; i++) {
        if (tag == gan__cg_model_tags[i])
            return gan__cg_model_what[i];
        if (tag == gan__cg_optim_tags[i])
            return gan__cg_optim_what[i];
    }
    return tag == GAN__TAG_CG_TRAINER ? "CycleGAN trainer"
           : tag == GAN__TAG_CG_POOL_A ? "domain A image pool"
           : tag == GAN__TAG_CG_POOL_B ? "domain B image pool" : NULL;
}

static const char *gan__cg_optional(uint32_t tag)
{
    return tag == GAN__TAG_CG_POOL_A || tag == GAN__TAG_CG_POOL_B ? "the image pool" : NULL;
}

/* Network i (G, F, D_A, D_B) and its optimizer. */
static gan_model_t *gan__cg_model(const gan_cyclegan_t *t, int i)
{
    return i < 2 ? t->side[1 - i].gen : t->side[i - 2].disc;
}

static gan_optimizer_t *gan__cg_optim(const gan_cyclegan_t *t, int i)
{
    return i < 2 ? t->side[1 - i].gen_opt : t->side[i - 2].disc_opt;
}

static void gan__cg_put_trainer(gan__sink *s, const gan_cyclegan_t *t)
{
    gan__sink_f64(s, t->opts.cycle_weight);
    gan__sink_f64(s, t->opts.identity_weight);
    gan__sink_u64(s, (uint64_t)t->opts.pool_size);
    gan__sink_rng(s, &t->rng);
    gan__sink_u64(s, t->steps);
    gan__sink_u64(s, t->data_position);
    for (int p = 0; p < 2; p++)
        gan__put_schedule(s, t->scheduled[p] ? &t->schedule[p] : NULL);
}

static void gan__cg_put_pool(gan__sink *s, const gan__image_pool *p)
{
    gan__sink_u64(s, (uint64_t)p->size);
    gan__sink_u64(s, (uint64_t)p->count);
    gan__sink_u64(s, p->image);
    gan__sink_floats(s, p->images, (size_t)p->count * p->image);
}

static void gan__cg_put(gan__sink *s, const void *obj, uint32_t tag)
{
    const gan_cyclegan_t *t = obj;
    for (int i = 0; i < 4; i++) {
        if (tag == gan__cg_model_tags[i])
            gan__put_model(s, gan__cg_model(t, i));
        if (tag == gan__cg_optim_tags[i])
            gan__put_optimizer(s, gan__cg_optim(t, i));
    }
    if (tag == GAN__TAG_CG_TRAINER)
        gan__cg_put_trainer(s, t);
    else if (tag == GAN__TAG_CG_POOL_A || tag == GAN__TAG_CG_POOL_B)
        gan__cg_put_pool(s, &t->side[tag == GAN__TAG_CG_POOL_B].pool);
}

static gan_status gan__cg_get_trainer(gan__load *c, gan_cyclegan_t *t)
{
    gan_cyclegan_options_t o = t->opts;
    o.cycle_weight = gan__read_f64(&c->r);
    o.identity_weight = gan__read_f64(&c->r);
    const uint64_t pool = gan__read_u64(&c->r);
    gan__rng rng;
    const bool rng_ok = gan__read_rng(&c->r, &rng);
    const uint64_t steps = gan__read_u64(&c->r), position = gan__read_u64(&c->r);
    if (c->r.short_read)
        return gan__fail_short(c);
    if (!(o.cycle_weight >= 0 && o.cycle_weight <= 1e6 && o.identity_weight >= 0 &&
          o.identity_weight <= 1e6))
        return gan__fail(GAN_E_FORMAT, "the %s has weights outside [0, 1e6] (cycle %g, "
                         "identity %g)", c->what, o.cycle_weight, o.identity_weight);
    if (pool != (uint64_t)t->opts.pool_size)
        return gan__fail(GAN_E_FORMAT, "the checkpoint's image pools hold %llu images, this "
                         "trainer's %d (create it with the checkpoint's pool_size)",
                         (unsigned long long)pool, (int)t->opts.pool_size);
    if ((o.identity_weight > 0) != (t->opts.identity_weight > 0))
        return gan__fail(GAN_E_FORMAT, "the checkpoint has the identity terms %s (weight "
                         "%g), this trainer %s", o.identity_weight > 0 ? "on" : "off",
                         o.identity_weight, t->opts.identity_weight > 0 ? "on" : "off");
    if (!rng_ok)
        return gan__fail(GAN_E_FORMAT, "the %s's random state is malformed", c->what);
    for (int p = 0; p < 2; p++) {
        gan_status st = gan__get_schedule(c, &t->scheduled[p], &t->schedule[p]);
        if (st != GAN_OK)
            return st;
    }
    if (c->apply) {
        t->opts = o;
        t->rng = rng;
        t->steps = steps;
        t->data_position = position;
    }
    return GAN_OK;
}

static gan_status gan__cg_get_pool(gan__load *c, gan__image_pool *p)
{
    const uint64_t size = gan__read_u64(&c->r), count = gan__read_u64(&c->r);
    const uint64_t image = gan__read_u64(&c->r);
    if (c->r.short_read)
        return gan__fail_short(c);
    if (size != (uint64_t)p->size || count > size || image != p->image)
        return gan__fail(GAN_E_FORMAT, "the checkpoint's %s holds %llu of %llu images of "
                         "%llu values, this trainer's takes %lld of %zu", c->what,
                         (unsigned long long)count, (unsigned long long)size,
                         (unsigned long long)image, (long long)p->size, p->image);
    const uint8_t *rows = gan__read_floats(&c->r, count * image);
    if (c->r.short_read)
        return gan__fail_short(c);
    if (c->apply) {
        const size_t n = (size_t)count;
        gan__decode_floats(p->images, rows, n * p->image);
        memset(p->images + n * p->image, 0, ((size_t)p->size - n) * p->image * sizeof(float));
        p->count = (int64_t)count;
    }
    return GAN_OK;
}

static gan_status gan__cg_get(gan__load *c, void *obj, uint32_t tag)
{
    gan_cyclegan_t *t = obj;
    for (int i = 0; i < 4; i++) {
        if (tag == gan__cg_model_tags[i])
            return gan__get_model(c, gan__cg_model(t, i));
        if (tag == gan__cg_optim_tags[i])
            return gan__get_optimizer(c, gan__cg_optim(t, i));
    }
    if (tag == GAN__TAG_CG_TRAINER)
        return gan__cg_get_trainer(c, t);
    return gan__cg_get_pool(c, &t->side[tag == GAN__TAG_CG_POOL_B].pool);
}

/* Models first, so an architecture mismatch is what a load reports first. */
static gan__ckpt_doc gan__cg_doc(void *trainer)
{
    gan_cyclegan_t *t = trainer;
    gan__ckpt_doc doc = {.what = gan__cg_what, .optional = gan__cg_optional,
                         .put = gan__cg_put, .get = gan__cg_get, .obj = t,
                         .alloc = &t->alloc};
    for (int i = 0; i < 4; i++)
        doc.tags[doc.n++] = gan__cg_model_tags[i];
    for (int i = 0; i < 4; i++)
        doc.tags[doc.n++] = gan__cg_optim_tags[i];
    doc.tags[doc.n++] = GAN__TAG_CG_TRAINER;
    if (t->opts.pool_size > 0) {
        doc.tags[doc.n++] = GAN__TAG_CG_POOL_A;
        doc.tags[doc.n++] = GAN__TAG_CG_POOL_B;
    }
    return doc;
}

gan_status gan_cyclegan_save(gan_cyclegan_t *t, const char *path)
{
    return gan__ckpt_public("gan_cyclegan_save", t, path, gan__cg_doc, true);
}

gan_status gan_cyclegan_load(gan_cyclegan_t *t, const char *path)
{
    return gan__ckpt_public("gan_cyclegan_load", t, path, gan__cg_doc, false);
}
