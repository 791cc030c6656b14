/* The pair trainer's checkpoint: its sections (models, optimizers, the trainer's own
 * state, EMA weights, replay pool) on the file layer of checkpoint_file.c
 * (doc/CHECKPOINT.md). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

/* Section tags (GAN__TAG: four ASCII characters as a little-endian u32). */
enum {
    GAN__TAG_G_MODEL = GAN__TAG('G', 'M', 'D', 'L'),
    GAN__TAG_D_MODEL = GAN__TAG('D', 'M', 'D', 'L'),
    GAN__TAG_G_OPTIM = GAN__TAG('G', 'O', 'P', 'T'),
    GAN__TAG_D_OPTIM = GAN__TAG('D', 'O', 'P', 'T'),
    GAN__TAG_TRAINER = GAN__TAG('T', 'R', 'N', 'R'),
    GAN__TAG_EMA = GAN__TAG('G', 'E', 'M', 'A'),
    GAN__TAG_POOL = GAN__TAG('P', 'O', 'O', 'L')
};

static const char *gan__section_what(uint32_t tag)
{
    switch (tag) {
    case GAN__TAG_G_MODEL: return "generator";
    case GAN__TAG_D_MODEL: return "discriminator";
    case GAN__TAG_G_OPTIM: return "generator's optimizer";
    case GAN__TAG_D_OPTIM: return "discriminator's optimizer";
    case GAN__TAG_TRAINER: return "trainer";
    case GAN__TAG_EMA: return "EMA weights";
    case GAN__TAG_POOL: return "replay pool";
    default: return NULL;
    }
}

/* The sections a trainer's checkpoint holds, in file order: architecture first, so a
 * mismatched model is what a load reports before anything else. */
static int gan__section_list(const gan_trainer_t *t, uint32_t tags[GAN__CKPT_MAX_SECTIONS])
{
    int n = 0;
    tags[n++] = GAN__TAG_G_MODEL;
    tags[n++] = GAN__TAG_D_MODEL;
    tags[n++] = GAN__TAG_G_OPTIM;
    tags[n++] = GAN__TAG_D_OPTIM;
    tags[n++] = GAN__TAG_TRAINER;
    if (t->ema)
        tags[n++] = GAN__TAG_EMA;
    if (t->pool)
        tags[n++] = GAN__TAG_POOL;
    return n;
}

static void gan__put_trainer(gan__sink *s, const gan_trainer_t *t)
{
    /* The keys added after the first 17 (the loss mix, then AC-GAN) are written only up
     * to the last group with a key set: a checkpoint without them is the one earlier
     * libgan wrote and read. */
    const int n_hacks = gan__hacks_default_from(&t->hacks, GAN__HACK_COUNT_V1)
                            ? GAN__HACK_COUNT_V1
                        : gan__hacks_default_from(&t->hacks, GAN__HACK_COUNT_V2)
                            ? GAN__HACK_COUNT_V2 : GAN__HACK_COUNT;
    gan__sink_u32(s, (uint32_t)n_hacks);
    for (int k = 0; k < n_hacks; k++)
        gan__sink_f64(s, t->hacks.value[k]);
    const float labels[4] = {t->hacks.real_lo, t->hacks.real_hi, t->hacks.fake_lo,
                             t->hacks.fake_hi};
    for (int k = 0; k < 4; k++)
        gan__sink_u32(s, gan__f32_bits(labels[k]));
    gan__sink_rng(s, &t->rng);
    gan__sink_u64(s, t->d_updates);
    gan__sink_u64(s, t->g_updates);
    gan__sink_u64(s, t->data_position);
}

static void gan__put_pool(gan__sink *s, const gan_trainer_t *t)
{
    const size_t count = (size_t)t->pool_count;
    gan__sink_u64(s, (uint64_t)t->pool_size);
    gan__sink_u64(s, (uint64_t)t->pool_count);
    gan__sink_u64(s, t->image);
    gan__sink_floats(s, t->pool, count * t->image);
    for (size_t i = 0; i < count; i++)
        gan__sink_u32(s, (uint32_t)t->pool_labels[i]);
}

static void gan__put_payload(gan__sink *s, const void *obj, uint32_t tag)
{
    const gan_trainer_t *t = obj;
    switch (tag) {
    case GAN__TAG_G_MODEL: gan__put_model(s, t->g); break;
    case GAN__TAG_D_MODEL: gan__put_model(s, t->d); break;
    case GAN__TAG_G_OPTIM: gan__put_optimizer(s, t->g_opt); break;
    case GAN__TAG_D_OPTIM: gan__put_optimizer(s, t->d_opt); break;
    case GAN__TAG_TRAINER: gan__put_trainer(s, t); break;
    case GAN__TAG_EMA:
        gan__sink_u64(s, t->g->n_params);
        gan__sink_floats(s, t->ema, t->g->n_params);
        break;
    default: gan__put_pool(s, t); break;
    }
}


/* Hacks that shaped the trainer's buffers at create: a checkpoint must agree on them. */
static gan_status gan__check_layout_hacks(const gan__load *c, const gan_trainer_t *t,
                                          const gan_hacks_t *h)
{
    static const struct {
        int32_t key;
        bool on_off; /* only whether the value is > 0 matters */
        const char *name;
    } keys[] = {
        {GAN_HACK_LOSS, false, "loss"},
        {GAN_HACK_SEPARATE_BATCHES, false, "separate_batches"},
        {GAN_HACK_REPLAY_SIZE, false, "replay_size"},
        {GAN_HACK_FEATURE_MATCHING_LAYER, false, "feature_matching_layer"},
        {GAN_HACK_EMA_DECAY, true, "ema_decay"},
        {GAN_HACK_GP_WEIGHT, true, "gp_weight"},
        {GAN_HACK_AUX_WEIGHT_REAL, true, "aux_weight_real"},
        {GAN_HACK_AUX_WEIGHT_FAKE, true, "aux_weight_fake"},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const double mine = t->hacks.value[keys[i].key], theirs = h->value[keys[i].key];
        if (keys[i].on_off ? (mine > 0) != (theirs > 0) : mine != theirs)
            return gan__fail(GAN_E_FORMAT, "the checkpoint's %s has %s = %g, this trainer was "
                             "created with %g (create it with the checkpoint's value)",
                             c->what, keys[i].name, theirs, mine);
    }
    return GAN_OK;
}

static gan_status gan__get_trainer(gan__load *c, gan_trainer_t *t)
{
    const uint32_t n_hacks = gan__read_u32(&c->r);
    if (!c->r.short_read && n_hacks != GAN__HACK_COUNT && n_hacks != GAN__HACK_COUNT_V1 &&
        n_hacks != GAN__HACK_COUNT_V2)
        return gan__fail(GAN_E_FORMAT, "the trainer section has %u hack settings, expected "
                         "%d, %d or %d", (unsigned)n_hacks, GAN__HACK_COUNT_V1,
                         GAN__HACK_COUNT_V2, GAN__HACK_COUNT);
    /* Each value goes through gan_hacks_set, so the loaded set obeys every range. Keys
     * the file lacks take their defaults, which is what its writer ran with. */
    gan_hacks_t h;
    gan__hacks_defaults(&h);
    gan_status st = GAN_OK;
    for (int32_t k = 0; k < (int32_t)n_hacks && k < GAN__HACK_COUNT && st == GAN_OK; k++)
        st = gan_hacks_set(&h, k, gan__read_f64(&c->r));
    float labels[4];
    for (int k = 0; k < 4; k++)
        labels[k] = gan__f32_from(gan__read_u32(&c->r));
    if (st == GAN_OK)
        st = gan_hacks_set_labels(&h, true, labels[0], labels[1]);
    if (st == GAN_OK)
        st = gan_hacks_set_labels(&h, false, labels[2], labels[3]);
    gan__rng rng;
    bool ok = gan__read_rng(&c->r, &rng);
    const uint64_t d_updates = gan__read_u64(&c->r), g_updates = gan__read_u64(&c->r);
    const uint64_t position = gan__read_u64(&c->r);
    if (c->r.short_read)
        return gan__fail_short(c);
    if (st != GAN_OK) {
        char why[256];
        snprintf(why, sizeof why, "%s", gan_last_error());
        return gan__fail(GAN_E_FORMAT, "the trainer's settings are invalid (%s)", why);
    }
    if (!ok)
        return gan__fail(GAN_E_FORMAT, "the trainer's random state is malformed");
    if ((st = gan__check_layout_hacks(c, t, &h)) != GAN_OK)
        return st;
    if (c->apply) {
        t->hacks = h;
        t->rng = rng;
        t->d_updates = d_updates;
        t->g_updates = g_updates;
        t->data_position = position;
    }
    return GAN_OK;
}

static gan_status gan__get_ema(gan__load *c, gan_trainer_t *t)
{
    const uint64_t n = gan__read_u64(&c->r);
    if (!c->r.short_read && n != t->g->n_params)
        return gan__fail(GAN_E_FORMAT, "the checkpoint has %llu EMA weights, the generator "
                         "%zu parameters", (unsigned long long)n, t->g->n_params);
    const uint8_t *ema = gan__read_floats(&c->r, n);
    if (c->r.short_read)
        return gan__fail_short(c);
    if (c->apply)
        gan__decode_floats(t->ema, ema, t->g->n_params);
    return GAN_OK;
}

static gan_status gan__get_pool(gan__load *c, gan_trainer_t *t)
{
    const uint64_t size = gan__read_u64(&c->r), count = gan__read_u64(&c->r);
    const uint64_t image = gan__read_u64(&c->r);
    if (c->r.short_read)
        return gan__fail_short(c);
    if (size != (uint64_t)t->pool_size || count > size || image != t->image)
        return gan__fail(GAN_E_FORMAT, "the checkpoint's replay pool holds %llu of %llu "
                         "images of %llu values, this trainer's takes %lld of %zu",
                         (unsigned long long)count, (unsigned long long)size,
                         (unsigned long long)image, (long long)t->pool_size, t->image);
    const uint8_t *rows = gan__read_floats(&c->r, count * image);
    const uint8_t *labels = gan__take(&c->r, 4 * count);
    if (c->r.short_read)
        return gan__fail_short(c);
    /* Unconditional pools keep label 0; conditional ones feed labels to D's layers. */
    for (uint64_t i = 0; i < count; i++) {
        int32_t label = (int32_t)gan__le32_get(labels + 4 * i);
        if (t->classes ? label < 0 || label >= t->classes : label != 0)
            return gan__fail(GAN_E_FORMAT, "replay pool entry %llu has label %d, outside "
                             "[0, %d)", (unsigned long long)i, (int)label,
                             (int)(t->classes ? t->classes : 1));
    }
    if (c->apply) {
        const size_t n = (size_t)count, total = (size_t)t->pool_size;
        gan__decode_floats(t->pool, rows, n * t->image);
        memset(t->pool + n * t->image, 0, (total - n) * t->image * sizeof *t->pool);
        for (size_t i = 0; i < n; i++)
            t->pool_labels[i] = (int32_t)gan__le32_get(labels + 4 * i);
        memset(t->pool_labels + n, 0, (total - n) * sizeof *t->pool_labels);
        t->pool_count = (int64_t)count;
    }
    return GAN_OK;
}

static gan_status gan__get_payload(gan__load *c, void *obj, uint32_t tag)
{
    gan_trainer_t *t = obj;
    switch (tag) {
    case GAN__TAG_G_MODEL: return gan__get_model(c, t->g);
    case GAN__TAG_D_MODEL: return gan__get_model(c, t->d);
    case GAN__TAG_G_OPTIM: return gan__get_optimizer(c, t->g_opt);
    case GAN__TAG_D_OPTIM: return gan__get_optimizer(c, t->d_opt);
    case GAN__TAG_TRAINER: return gan__get_trainer(c, t);
    case GAN__TAG_EMA: return gan__get_ema(c, t);
    default: return gan__get_pool(c, t);
    }
}

/* The replay pool and EMA sections are there only when the feature is on. */
static const char *gan__optional_feature(uint32_t tag)
{
    return tag == GAN__TAG_EMA ? "EMA" : tag == GAN__TAG_POOL ? "replay" : NULL;
}

static gan__ckpt_doc gan__trainer_doc(void *trainer)
{
    gan_trainer_t *t = trainer;
    gan__ckpt_doc doc = {.what = gan__section_what, .optional = gan__optional_feature,
                         .put = gan__put_payload, .get = gan__get_payload, .obj = t,
                         .alloc = &t->alloc};
    doc.n = gan__section_list(t, doc.tags);
    return doc;
}

gan_status gan_trainer_save(gan_trainer_t *t, const char *path)
{
    return gan__ckpt_public("gan_trainer_save", t, path, gan__trainer_doc, true);
}

gan_status gan_trainer_load(gan_trainer_t *t, const char *path)
{
    return gan__ckpt_public("gan_trainer_load", t, path, gan__trainer_doc, false);
}

gan_status gan_trainer_set_data_position(gan_trainer_t *t, uint64_t position)
{
    if (!t)
        return gan__fail(GAN_E_INVALID_ARG, "gan_trainer_set_data_position: trainer is NULL");
    t->data_position = position;
    return GAN_OK;
}

gan_status gan_trainer_get_data_position(const gan_trainer_t *t, uint64_t *position)
{
    if (!t || !position)
        return gan__fail(GAN_E_INVALID_ARG, "gan_trainer_get_data_position: %s is NULL",
                         t ? "position" : "trainer");
    *position = t->data_position;
    return GAN_OK;
}
