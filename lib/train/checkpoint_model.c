/* Checkpoints' model and optimizer sections: each layer's architecture record (kind,
 * settings, wiring, shapes, counts) compared layer by layer on load, the arenas, and the
 * optimizers' settings, step counts and state. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "model.h"
#include "optim/optimizer.h"
#include "train/checkpoint.h"

/* One layer's architecture as a checkpoint records it. */
typedef struct gan__layer_rec {
    char kind[GAN__CKPT_MAX_TEXT + 1], name[GAN__CKPT_MAX_TEXT + 1];
    char settings[GAN__CKPT_MAX_TEXT + 1]; /* the summary's settings, e.g. "rate=0.3" */
    gan__shape in, out;
    uint64_t groups[GAN__PARAM_GROUPS]; /* weights, bias (0 when absent) */
    uint64_t state;    /* floats in the model's state arena, spectral norm's u, v included */
    bool spectral;     /* spectrally normalised weights */
} gan__layer_rec;

/* One piece of a layer's wiring text: input k (" <- 3", ",in1") or output k (" out0"). */
static int gan__wiring_piece(char *buf, size_t size, bool output, int32_t k, int32_t id)
{
    if (output)
        return snprintf(buf, size, " out%d", (int)k);
    return id >= 0 ? snprintf(buf, size, "%s%d", k ? "," : " <- ", (int)id)
                   : snprintf(buf, size, "%sin%d", k ? "," : " <- ",
                              (int)(GAN_MODEL_INPUT(0) - id));
}

/* The marker of a wiring too long for a record: " #" and 16 hex digits. */
#define GAN__WIRING_HASH_CHARS 18

/* A graph model's layer records its wiring after its settings, e.g. " <- 3,in1 out0":
 * the nodes it reads and which output it is. A chain's records stay as they were, and a
 * chain built with gan_model_connect records what one built with gan_model_add does.
 * A record holds GAN__CKPT_MAX_TEXT characters; a wiring that does not fit (a merge of
 * a hundred nodes) keeps the pieces that fit with room for " #" and the 64-bit FNV-1a
 * hash of the whole wiring text behind them, so that wirings differing past the cut
 * still differ. */
static void gan__rec_add_wiring(const gan_model_t *m, const gan_layer_t *l, char *text,
                                size_t size)
{
    const size_t limit = size - 1 < GAN__CKPT_MAX_TEXT ? size - 1 : GAN__CKPT_MAX_TEXT;
    const size_t start = strlen(text);
    uint64_t hash = 1469598103934665603u; /* FNV-1a offset basis */
    size_t total = start, keep = start;   /* keep: the pieces that leave room for a hash */
    for (int32_t p = 0; p < l->n_in + m->n_outputs; p++) {
        const bool output = p >= l->n_in;
        const int32_t k = output ? p - l->n_in : p;
        if (output && m->outputs[k] != l->index)
            continue;
        char piece[32];
        int w = gan__wiring_piece(piece, sizeof piece, output, k, output ? 0 : l->src[k]);
        const size_t len = w > 0 ? (size_t)w : 0;
        for (size_t c = 0; c < len; c++)
            hash = (hash ^ (uint8_t)piece[c]) * 1099511628211u; /* FNV-1a prime */
        if (total + len <= limit)
            memcpy(text + total, piece, len);
        if (keep == total && total + len + GAN__WIRING_HASH_CHARS <= limit)
            keep += len;
        total += len;
    }
    if (total <= limit)
        text[total] = '\0';
    else
        snprintf(text + keep, size - keep, " #%016llx", (unsigned long long)hash);
}

static void gan__layer_rec_of(const gan_model_t *m, const gan_layer_t *l, gan__layer_rec *r)
{
    snprintf(r->kind, sizeof r->kind, "%s", l->ops->kind);
    snprintf(r->name, sizeof r->name, "%s", l->name);
    r->settings[0] = '\0';
    if (l->ops->describe)
        l->ops->describe(l, r->settings, sizeof r->settings);
    if (!gan__model_wired_as_chain(m))
        gan__rec_add_wiring(m, l, r->settings, sizeof r->settings);
    r->in = l->in;
    r->out = l->out;
    for (int g = 0; g < GAN__PARAM_GROUPS; g++)
        r->groups[g] = l->param[g].present ? l->param[g].count : 0;
    r->state = gan__layer_state_floats(l);
    r->spectral = l->sn.on;
}

/* What differs between two records, or NULL. Names are not compared: renaming a layer
 * does not change what the model computes. */
static const char *gan__layer_rec_diff(const gan__layer_rec *a, const gan__layer_rec *b)
{
    return strcmp(a->kind, b->kind) ? "kind"
           : !gan__shape_equal(&a->in, &b->in) ? "input shape"
           : !gan__shape_equal(&a->out, &b->out) ? "output shape"
           : strcmp(a->settings, b->settings) ? "settings or wiring"
           : a->spectral != b->spectral ? "spectral normalisation"
           : a->groups[0] != b->groups[0] ? "weight count"
           : a->groups[1] != b->groups[1] ? "bias count"
           : a->state != b->state ? "state size" : NULL;
}

typedef struct gan__rec_text {
    char s[512];
} gan__rec_text;

static gan__rec_text gan__layer_rec_str(const gan__layer_rec *r)
{
    gan__rec_text t;
    snprintf(t.s, sizeof t.s, "%.31s '%.47s' %s -> %s [%.63s]%s with %llu+%llu parameters "
             "and %llu state", r->kind, r->name, gan__shape_str(&r->in).s,
             gan__shape_str(&r->out).s, r->settings, r->spectral ? " spectral-normalised" : "",
             (unsigned long long)r->groups[0], (unsigned long long)r->groups[1],
             (unsigned long long)r->state);
    return t;
}

void gan__put_model(gan__sink *s, const gan_model_t *m)
{
    gan__sink_shape(s, &m->in);
    gan__sink_u32(s, (uint32_t)m->n_layers);
    gan__sink_u64(s, m->n_params);
    gan__sink_u64(s, m->n_state);
    gan__sink_u32(s, m->training);
    gan__sink_u32(s, m->trainable);
    for (int32_t i = 0; i < m->n_layers; i++) {
        gan__layer_rec r;
        gan__layer_rec_of(m, m->layers[i], &r);
        gan__sink_text(s, r.kind);
        gan__sink_text(s, r.name);
        gan__sink_text(s, r.settings);
        gan__sink_shape(s, &r.in);
        gan__sink_shape(s, &r.out);
        for (int g = 0; g < GAN__PARAM_GROUPS; g++)
            gan__sink_u64(s, r.groups[g]);
        gan__sink_u64(s, r.state);
        gan__sink_u32(s, r.spectral);
        gan__sink_rng(s, &m->layers[i]->rng);
    }
    gan__sink_floats(s, m->params, m->n_params);
    gan__sink_floats(s, m->state, m->n_state);
}

void gan__put_optimizer(gan__sink *s, const gan_optimizer_t *o)
{
    const size_t n = o->model->n_params;
    gan__sink_u32(s, (uint32_t)o->ops->kind);
    gan__sink_u32(s, GAN__OPT_KEYS);
    for (int k = 0; k < GAN__OPT_KEYS; k++)
        gan__sink_u32(s, gan__f32_bits(o->setting[k]));
    gan__sink_u64(s, o->steps);
    gan__sink_u64(s, n);
    gan__sink_u32(s, (uint32_t)o->ops->n_states);
    for (int k = 0; k < o->ops->n_states; k++)
        gan__sink_floats(s, o->state[k], o->state[k] ? n : 0);
}

/* One layer record against the model's layer @p i, which may not exist. */
static gan_status gan__get_layer(gan__load *c, gan_model_t *m, int32_t i, uint32_t file_layers)
{
    gan__layer_rec rec, here;
    gan__rng rng;
    gan__read_text(&c->r, rec.kind);
    gan__read_text(&c->r, rec.name);
    gan__read_text(&c->r, rec.settings);
    bool ok = gan__read_shape(&c->r, &rec.in);
    ok = gan__read_shape(&c->r, &rec.out) && ok;
    for (int g = 0; g < GAN__PARAM_GROUPS; g++)
        rec.groups[g] = gan__read_u64(&c->r);
    rec.state = gan__read_u64(&c->r);
    const uint32_t spectral = gan__read_u32(&c->r);
    rec.spectral = spectral == 1;
    ok = gan__read_rng(&c->r, &rng) && ok && spectral <= 1;
    if (c->r.short_read)
        return gan__fail_short(c);
    if (!ok)
        return gan__fail(GAN_E_FORMAT, "%s layer %d '%s' has a malformed shape, flag or "
                         "random state", c->what, (int)i, rec.name);
    if (i >= m->n_layers)
        return gan__fail(GAN_E_FORMAT, "the checkpoint's %s has %u layers, this model %d: "
                         "the first extra one is layer %d, %s", c->what,
                         (unsigned)file_layers, (int)m->n_layers, (int)i,
                         gan__layer_rec_str(&rec).s);
    gan_layer_t *l = m->layers[i];
    gan__layer_rec_of(m, l, &here);
    const char *differs = gan__layer_rec_diff(&rec, &here);
    if (differs)
        return gan__fail(GAN_E_FORMAT, "%s layer %d '%s' differs in its %s: the checkpoint "
                         "has %s; this model has %s", c->what, (int)i, l->name, differs,
                         gan__layer_rec_str(&rec).s, gan__layer_rec_str(&here).s);
    if (c->apply)
        l->rng = rng;
    return GAN_OK;
}

gan_status gan__get_model(gan__load *c, gan_model_t *m)
{
    gan__shape in;
    bool ok = gan__read_shape(&c->r, &in);
    const uint32_t n_layers = gan__read_u32(&c->r);
    const uint64_t n_params = gan__read_u64(&c->r), n_state = gan__read_u64(&c->r);
    const uint32_t training = gan__read_u32(&c->r), trainable = gan__read_u32(&c->r);
    if (c->r.short_read)
        return gan__fail_short(c);
    if (!ok || training > 1 || trainable > 1 || n_layers > INT32_MAX)
        return gan__fail(GAN_E_FORMAT, "the %s section's header is malformed", c->what);
    if (!gan__shape_equal(&in, &m->in))
        return gan__fail(GAN_E_FORMAT, "the checkpoint's %s takes %s, this model '%s' %s",
                         c->what, gan__shape_str(&in).s, m->name, gan__shape_str(&m->in).s);
    for (int32_t i = 0; i < (int32_t)n_layers; i++) {
        gan_status st = gan__get_layer(c, m, i, n_layers);
        if (st != GAN_OK)
            return st;
    }
    if ((int32_t)n_layers < m->n_layers)
        return gan__fail(GAN_E_FORMAT, "the checkpoint's %s has %u layers, this model %d: "
                         "the first extra one here is layer %u '%s' (%s)", c->what,
                         (unsigned)n_layers, (int)m->n_layers, (unsigned)n_layers,
                         m->layers[n_layers]->name, m->layers[n_layers]->ops->kind);
    if (n_params != m->n_params || n_state != m->n_state)
        return gan__fail(GAN_E_FORMAT, "the checkpoint's %s has %llu parameters and %llu "
                         "state values, this model %zu and %zu", c->what,
                         (unsigned long long)n_params, (unsigned long long)n_state,
                         m->n_params, m->n_state);
    const uint8_t *params = gan__read_floats(&c->r, n_params);
    const uint8_t *state = gan__read_floats(&c->r, n_state);
    if (c->r.short_read)
        return gan__fail_short(c);
    if (c->apply) {
        gan__decode_floats(m->params, params, m->n_params);
        gan__decode_floats(m->state, state, m->n_state);
        m->training = training;
        m->trainable = trainable;
    }
    return GAN_OK;
}

static const char *gan__optim_name(uint32_t kind)
{
    static const char *const names[] = {[GAN_OPTIM_SGD] = "sgd", [GAN_OPTIM_ADAM] = "adam",
                                        [GAN_OPTIM_RMSPROP] = "rmsprop"};
    return kind < sizeof names / sizeof names[0] ? names[kind] : "an unknown kind";
}

/* Settings are checked as gan_optimizer_set checks them, on a copy of the optimizer that
 * already holds all the loaded values, so constraints between keys see the final set. */
static gan_status gan__check_settings(const gan__load *c, const gan_optimizer_t *o,
                                      const float *setting)
{
    gan_optimizer_t probe = *o;
    memcpy(probe.setting, setting, sizeof probe.setting);
    for (int32_t k = 0; k < GAN__OPT_KEYS; k++) {
        bool has = o->ops->keys & GAN__OPT_BIT(k);
        if (!has && setting[k] != 0.0f)
            return gan__fail(GAN_E_FORMAT, "the %s has a value for setting %d, which %s "
                             "does not have", c->what, (int)k, o->ops->name);
        if (has && gan_optimizer_set(&probe, k, setting[k]) != GAN_OK) {
            char why[256];
            snprintf(why, sizeof why, "%s", gan_last_error());
            return gan__fail(GAN_E_FORMAT, "the %s's settings are invalid (%s)", c->what, why);
        }
    }
    return GAN_OK;
}

gan_status gan__get_optimizer(gan__load *c, gan_optimizer_t *o)
{
    const uint32_t kind = gan__read_u32(&c->r), n_keys = gan__read_u32(&c->r);
    if (c->r.short_read)
        return gan__fail_short(c);
    if (kind != (uint32_t)o->ops->kind)
        return gan__fail(GAN_E_FORMAT, "the checkpoint's %s is %s, this trainer's is %s",
                         c->what, gan__optim_name(kind), o->ops->name);
    if (n_keys != GAN__OPT_KEYS)
        return gan__fail(GAN_E_FORMAT, "the %s has %u settings, expected %d", c->what,
                         (unsigned)n_keys, GAN__OPT_KEYS);
    float setting[GAN__OPT_KEYS];
    for (int k = 0; k < GAN__OPT_KEYS; k++)
        setting[k] = gan__f32_from(gan__read_u32(&c->r));
    const uint64_t steps = gan__read_u64(&c->r), n = gan__read_u64(&c->r);
    const uint32_t n_states = gan__read_u32(&c->r);
    if (c->r.short_read)
        return gan__fail_short(c);
    if (n != o->model->n_params || n_states != (uint32_t)o->ops->n_states)
        return gan__fail(GAN_E_FORMAT, "the %s has %u state arrays of %llu values, this "
                         "one %d of %zu", c->what, (unsigned)n_states,
                         (unsigned long long)n, o->ops->n_states, o->model->n_params);
    gan_status st = gan__check_settings(c, o, setting);
    if (st != GAN_OK)
        return st;
    const uint8_t *state[GAN__OPT_MAX_STATES] = {NULL};
    for (int k = 0; k < o->ops->n_states; k++)
        state[k] = gan__read_floats(&c->r, o->state[k] ? n : 0);
    if (c->r.short_read)
        return gan__fail_short(c);
    if (c->apply) {
        memcpy(o->setting, setting, sizeof setting);
        o->steps = steps;
        for (int k = 0; k < o->ops->n_states; k++)
            if (o->state[k])
                gan__decode_floats(o->state[k], state[k], (size_t)n);
    }
    return GAN_OK;
}

void gan__put_schedule(gan__sink *s, const gan_lr_schedule_t *sched)
{
    gan__sink_u32(s, sched ? 1u : 0u);
    gan__sink_u32(s, sched ? (uint32_t)sched->kind : 0u);
    gan__sink_f64(s, sched ? sched->base : 0.0);
    gan__sink_u64(s, sched ? sched->constant : 0u);
    gan__sink_u64(s, sched ? sched->decay : 0u);
}

gan_status gan__get_schedule(gan__load *c, bool *on, gan_lr_schedule_t *sched)
{
    const uint32_t flag = gan__read_u32(&c->r), kind = gan__read_u32(&c->r);
    const double base = gan__read_f64(&c->r);
    const uint64_t constant = gan__read_u64(&c->r), decay = gan__read_u64(&c->r);
    if (c->r.short_read)
        return gan__fail_short(c);
    if (flag > 1)
        return gan__fail(GAN_E_FORMAT, "the %s has a learning-rate schedule flag %u, "
                         "expected 0 or 1", c->what, (unsigned)flag);
    if (flag && gan__lr_schedule_check((int32_t)kind, base, constant, decay,
                                       "learning-rate schedule") != GAN_OK) {
        char why[256];
        snprintf(why, sizeof why, "%s", gan_last_error());
        return gan__fail(GAN_E_FORMAT, "the %s has an invalid %s", c->what, why);
    }
    if (c->apply) {
        *on = flag == 1;
        if (flag) {
            sched->kind = (int32_t)kind;
            sched->base = base;
            sched->constant = constant;
            sched->decay = decay;
        }
    }
    return GAN_OK;
}
