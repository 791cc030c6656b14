/* The text-to-image trainer's life cycle: checking E, G, D and the optimizers against
 * each other, the buffers, encoding captions, drawing images, the data position. */
#include "train/text2img.h"

#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/options.h"
#include "model.h"
#include "optim/optimizer.h"
#include "train/latent.h"
#include "train/sequence.h"

gan_status gan_text2img_options_init(gan_text2img_options_t *o, size_t struct_size)
{
    gan_status st = gan__options_init(o, struct_size, sizeof *o, "gan_text2img_options_init");
    if (st != GAN_OK)
        return st;
    o->wrong_weight = 0.5;
    o->interp_share = 0.5;
    o->interp_beta = 0.5;
    o->label_smoothing = 0.0;
    o->latent = GAN_LATENT_GAUSSIAN;
    o->seed = 42;
    return GAN_OK;
}

gan_status gan__t2i_check_options(const gan_text2img_options_t *o, const char *who)
{
    const double v[4] = {o->wrong_weight, o->interp_share, o->interp_beta,
                         o->label_smoothing};
    static const char *const names[4] = {"wrong_weight", "interp_share", "interp_beta",
                                         "label_smoothing"};
    static const double hi[4] = {1.0, 1.0, 1.0, 0.5};
    for (int i = 0; i < 4; i++)
        if (!(v[i] >= 0.0 && v[i] <= hi[i]))
            return gan__fail(GAN_E_OUT_OF_RANGE, "%s: %s %g is outside [0, %g]", who,
                             names[i], v[i], hi[i]);
    if (o->latent != GAN_LATENT_GAUSSIAN && o->latent != GAN_LATENT_UNIFORM)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: latent %d is neither GAN_LATENT_GAUSSIAN "
                         "(0) nor GAN_LATENT_UNIFORM (1)", who, (int)o->latent);
    return GAN_OK;
}

/* Role names for messages, in the order G, D, E, and the inputs each reads. */
static const char *const gan__t2i_role[3] = {"G", "D", "E"};
static const int32_t gan__t2i_inputs[3] = {2, 2, 1};
static const char *const gan__t2i_reads[3] = {
    "the latent (input 0) and the text vector (input 1)",
    "the image (input 0) and the text vector (input 1)", "the caption's token ids"};

static gan_status gan__t2i_check_models(gan_model_t *const m[3], const char *who)
{
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < i; j++)
            if (m[i] == m[j])
                return gan__fail(GAN_E_INVALID_ARG, "%s: %s and %s are the same model '%s'",
                                 who, gan__t2i_role[j], gan__t2i_role[i], m[i]->name);
        if (!m[i]->built)
            return gan__fail(GAN_E_STATE, "%s: %s '%s' is not built", who, gan__t2i_role[i],
                             m[i]->name);
        if (m[i]->n_inputs != gan__t2i_inputs[i])
            return gan__fail(GAN_E_INVALID_ARG, "%s: %s '%s' has %d inputs; it reads %s", who,
                             gan__t2i_role[i], m[i]->name, (int)m[i]->n_inputs,
                             gan__t2i_reads[i]);
        if (gan__model_classes(m[i]))
            return gan__fail(GAN_E_INVALID_ARG, "%s: %s '%s' is conditional on %d classes; "
                             "the text vector is its condition", who, gan__t2i_role[i],
                             m[i]->name, (int)gan__model_classes(m[i]));
    }
    return GAN_OK;
}

/* G's and D's input 1 (@p i 0 or 1) is E's text vector @p k. */
static gan_status gan__t2i_text_input(const gan_model_t *m, int i, const gan__shape *k,
                                      const gan_model_t *e, const char *who)
{
    if (gan__shape_equal(&m->inputs[1].shape, k))
        return GAN_OK;
    return gan__fail(GAN_E_SHAPE, "%s: %s '%s' takes a text vector of %s at input 1, E '%s' "
                     "makes %s", who, gan__t2i_role[i], m->name,
                     gan__shape_str(&m->inputs[1].shape).s, e->name, gan__shape_str(k).s);
}

static gan_status gan__t2i_check_shapes(gan_text2img_t *t, const char *who)
{
    const gan_model_t *g = t->g, *d = t->d, *e = t->e;
    const gan__shape *ein = &e->inputs[0].shape, *k = &gan__model_output(e, 0)->out;
    const gan__shape *z = &g->inputs[0].shape, *img = &gan__model_output(g, 0)->out;
    if (ein->ndim != 1 || k->ndim != 1)
        return gan__fail(GAN_E_SHAPE, "%s: E '%s' maps %s to %s; a text encoder maps (T) "
                         "token ids to a vector (K)", who, e->name, gan__shape_str(ein).s,
                         gan__shape_str(k).s);
    if (z->ndim != 1)
        return gan__fail(GAN_E_SHAPE, "%s: G '%s' takes %s at input 0; the latent is a "
                         "vector (Z)", who, g->name, gan__shape_str(z).s);
    gan_status st = gan__t2i_text_input(g, 0, k, e, who);
    if (st == GAN_OK)
        st = gan__t2i_text_input(d, 1, k, e, who);
    if (st != GAN_OK)
        return st;
    if (!gan__shape_equal(&d->inputs[0].shape, img))
        return gan__fail(GAN_E_SHAPE, "%s: G '%s' makes %s, D '%s' takes %s at input 0", who,
                         g->name, gan__shape_str(img).s, d->name,
                         gan__shape_str(&d->inputs[0].shape).s);
    const size_t per = gan__shape_size(&gan__model_output(d, 0)->out);
    if (per > (size_t)INT32_MAX / (size_t)g->batch) /* the loss takes them as an int32_t */
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: batch %d of D '%s' makes more than %d "
                         "logits (%zu per image)", who, (int)g->batch, d->name, INT32_MAX,
                         per);
    t->T = ein->d[0];
    t->K = k->d[0];
    t->Z = z->d[0];
    t->per = (int32_t)per;
    t->image = gan__shape_size(img);
    t->vocab = gan__seq_embedded_vocab(e);
    if (t->vocab == 0)
        t->vocab = GAN__T2I_MAX_ID;
    return GAN_OK;
}

static gan_status gan__t2i_check_optimizers(gan_model_t *const m[3],
                                            gan_optimizer_t *const o[3], const char *who)
{
    for (int i = 0; i < 3; i++)
        if (o[i] && o[i]->model != m[i])
            return gan__fail(GAN_E_INVALID_ARG, "%s: the optimizer given for %s '%s' was "
                             "created for model '%s'", who, gan__t2i_role[i], m[i]->name,
                             o[i]->model->name);
    return GAN_OK;
}

static void gan__t2i_free(gan_text2img_t *t)
{
    gan__free(&t->alloc, t->e_in);
    gan__allocator alloc = t->alloc;
    gan__free(&alloc, t);
}

/* Every buffer in one block of floats. */
static gan_status gan__t2i_buffers(gan_text2img_t *t)
{
    const size_t B = (size_t)t->batch;
    const size_t cols[6] = {(size_t)t->T, (size_t)t->K, (size_t)t->K, (size_t)t->Z,
                            (size_t)t->per, (size_t)t->per};
    float **slot[6] = {&t->e_in, &t->phi, &t->dphi, &t->z, &t->targets, &t->dscores};
    size_t size[6], total = 0, bytes = 0;
    bool ok = true;
    for (int i = 0; ok && i < 6; i++) {
        ok = gan__mul_size(B, cols[i], &size[i]) && total + size[i] >= total;
        total += size[i];
    }
    float *block = ok && gan__mul_size(total, sizeof(float), &bytes)
                       ? gan__alloc(&t->alloc, bytes) : NULL;
    if (!block)
        return gan__fail(GAN_E_NO_MEMORY, "gan_text2img_create: cannot allocate the "
                         "trainer's buffers (batch %d, T %d, K %d, Z %d)", (int)t->batch,
                         (int)t->T, (int)t->K, (int)t->Z);
    for (int i = 0; i < 6; i++) {
        *slot[i] = block;
        block += size[i];
    }
    return GAN_OK;
}

gan_status gan_text2img_create(gan_text2img_t **out, gan_model_t *g, gan_model_t *d,
                               gan_model_t *e, gan_optimizer_t *g_opt, gan_optimizer_t *d_opt,
                               gan_optimizer_t *e_opt, const gan_text2img_options_t *opts)
{
    static const char who[] = "gan_text2img_create";
    gan_model_t *const m[3] = {g, d, e};
    gan_optimizer_t *const o[3] = {g_opt, d_opt, e_opt};
    if (!out)
        return gan__fail(GAN_E_INVALID_ARG, "%s: out is NULL", who);
    *out = NULL;
    if (!g || !d || !e || !g_opt || !d_opt)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                         !g ? "G" : !d ? "D" : !e ? "E" : !g_opt ? "g_opt" : "d_opt");
    gan_text2img_options_t config;
    gan_text2img_options_init(&config, sizeof config);
    gan_status st = gan__options_read(&config, sizeof config, opts, sizeof config, who);
    if (st == GAN_OK)
        st = gan__t2i_check_options(&config, who);
    if (st == GAN_OK)
        st = gan__t2i_check_models(m, who);
    gan_text2img_t probe = {.g = g, .d = d, .e = e};
    if (st == GAN_OK)
        st = gan__t2i_check_shapes(&probe, who);
    if (st == GAN_OK)
        st = gan__t2i_check_optimizers(m, o, who);
    if (st != GAN_OK)
        return st;
    gan_text2img_t *t = gan__alloc(&g->alloc, sizeof *t);
    if (!t)
        return gan__fail(GAN_E_NO_MEMORY, "%s: cannot allocate the trainer", who);
    *t = probe;
    t->g_opt = g_opt, t->d_opt = d_opt, t->e_opt = e_opt;
    t->alloc = g->alloc;
    t->opts = config;
    t->batch = g->batch;
    t->par = (gan__parallel){.shards = 1};
    gan__rng_seed(&t->rng, config.seed);
    if ((st = gan__t2i_buffers(t)) != GAN_OK) {
        gan__allocator alloc = t->alloc;
        gan__free(&alloc, t);
        return st;
    }
    for (int i = 1; st == GAN_OK && i < 3; i++) /* D and E run G's batch */
        if (m[i]->batch != t->batch)
            st = gan_model_set_batch_size(m[i], t->batch);
    if (st == GAN_OK) /* the step runs one network at a time */
        st = gan__scratch_share(m, 3, who);
    if (st != GAN_OK) {
        gan__t2i_free(t);
        return st;
    }
    *out = t;
    return GAN_OK;
}

void gan_text2img_destroy(gan_text2img_t *t)
{
    if (!t)
        return;
    gan__scratch_unshare(t->g);
    gan__scratch_unshare(t->d);
    gan__scratch_unshare(t->e);
    gan__t2i_free(t);
}

void gan__t2i_fill_ids(gan_text2img_t *t, const int32_t *ids, int32_t n, bool rotate)
{
    const size_t T = (size_t)t->T;
    for (int32_t r = 0; r < n; r++) {
        const int32_t *src = ids + (size_t)(rotate ? (r + 1) % n : r) * T;
        for (size_t j = 0; j < T; j++)
            t->e_in[(size_t)r * T + j] = (float)src[j];
    }
    memset(t->e_in + (size_t)n * T, 0, (size_t)(t->batch - n) * T * sizeof *t->e_in);
}

/* The checks shared by encode and the two generate calls. */
static gan_status gan__t2i_args(const gan_text2img_t *t, const void *in, const char *in_name,
                                int32_t n, const void *out, const char *out_name,
                                const char *who)
{
    if (!t || !in || !out)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                         !t ? "trainer" : !in ? in_name : out_name);
    if (n < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: n %d must be >= 1", who, (int)n);
    return GAN_OK;
}

/* G in inference mode on text vectors @p phi (B, K), of which the first @p nb rows are
 * wanted, with @p z's nb rows or freshly drawn latents; the nb images into @p images. */
static gan_status gan__t2i_draw(gan_text2img_t *t, const float *phi, int32_t nb,
                                const float *z, float *images)
{
    const size_t Z = (size_t)t->Z, rows = (size_t)nb;
    if (z)
        memcpy(t->z, z, rows * Z * sizeof *z);
    else
        gan__latent_fill(&t->rng, t->opts.latent, t->z, rows * Z);
    memset(t->z + rows * Z, 0, ((size_t)t->batch - rows) * Z * sizeof *t->z);
    const float *in[2] = {t->z, phi}, *out[GAN_MODEL_MAX_IO];
    const bool training = t->g->training;
    t->g->training = false;
    gan_status st = gan_model_forward_multi(t->g, in, NULL, t->batch, out);
    t->g->training = training;
    if (st == GAN_OK)
        memcpy(images, out[0], rows * t->image * sizeof *images);
    return st;
}

/* E in inference mode on @p n captions, a batch at a time: their vectors into @p out,
 * or with @p draw the images G draws for them (latents from @p z or drawn). */
static gan_status gan__t2i_captions(gan_text2img_t *t, const int32_t *captions, int32_t n,
                                    bool draw, const float *z, float *out, const char *who)
{
    gan_status st = gan__t2i_args(t, captions, "captions", n, out,
                                  draw ? "images" : "vectors", who);
    if (st == GAN_OK)
        st = gan__seq_check_ids(captions, n, t->T, t->vocab, "captions", who);
    if (st != GAN_OK)
        return st;
    const bool training = t->e->training;
    t->e->training = false;
    const size_t K = (size_t)t->K, Z = (size_t)t->Z;
    for (int32_t n0 = 0; st == GAN_OK && n0 < n; n0 += t->batch) {
        const int32_t nb = n - n0 < t->batch ? n - n0 : t->batch;
        const size_t at = (size_t)n0;
        const float *phi;
        gan__t2i_fill_ids(t, captions + at * (size_t)t->T, nb, false);
        st = gan_model_forward(t->e, t->e_in, NULL, t->batch, &phi);
        if (st == GAN_OK && draw)
            st = gan__t2i_draw(t, phi, nb, z ? z + at * Z : NULL, out + at * t->image);
        else if (st == GAN_OK)
            memcpy(out + at * K, phi, (size_t)nb * K * sizeof *phi);
    }
    t->e->training = training;
    return st;
}

gan_status gan_text2img_encode(gan_text2img_t *t, const int32_t *captions, int32_t n,
                               float *vectors)
{
    return gan__t2i_captions(t, captions, n, false, NULL, vectors, "gan_text2img_encode");
}

gan_status gan_text2img_generate(gan_text2img_t *t, const int32_t *captions, int32_t n,
                                 const float *z, float *images)
{
    return gan__t2i_captions(t, captions, n, true, z, images, "gan_text2img_generate");
}

gan_status gan_text2img_generate_from_vectors(gan_text2img_t *t, const float *vectors,
                                              int32_t n, const float *z, float *images)
{
    static const char who[] = "gan_text2img_generate_from_vectors";
    gan_status st = gan__t2i_args(t, vectors, "vectors", n, images, "images", who);
    const size_t K = (size_t)(t ? t->K : 0);
    for (int32_t n0 = 0; st == GAN_OK && n0 < n; n0 += t->batch) {
        const int32_t nb = n - n0 < t->batch ? n - n0 : t->batch;
        memcpy(t->phi, vectors + (size_t)n0 * K, (size_t)nb * K * sizeof *t->phi);
        memset(t->phi + (size_t)nb * K, 0, (size_t)(t->batch - nb) * K * sizeof *t->phi);
        st = gan__t2i_draw(t, t->phi, nb, z ? z + (size_t)n0 * (size_t)t->Z : NULL,
                           images + (size_t)n0 * t->image);
    }
    return st;
}

gan_status gan_text2img_sample_latent(gan_text2img_t *t, int32_t n, float *z)
{
    static const char who[] = "gan_text2img_sample_latent";
    if (!t || !z)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who, t ? "z" : "trainer");
    if (n < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: n %d must be >= 1", who, (int)n);
    gan__latent_fill(&t->rng, t->opts.latent, z, (size_t)n * (size_t)t->Z);
    return GAN_OK;
}

gan_status gan_text2img_set_grad_hook(gan_text2img_t *t, gan_grad_hook_fn fn, void *user)
{
    return gan__parallel_set_hook(t ? &t->par : NULL, fn, user, "gan_text2img_set_grad_hook");
}

gan_status gan_text2img_set_shard(gan_text2img_t *t, int32_t index, int32_t count)
{
    return gan__parallel_set_shard(t ? &t->par : NULL, t ? t->batch : 1, index, count,
                                   "gan_text2img_set_shard");
}

gan_status gan_text2img_get_shard(const gan_text2img_t *t, int32_t *index, int32_t *count)
{
    return gan__parallel_get_shard(t ? &t->par : NULL, index, count, "gan_text2img_get_shard");
}

gan_status gan_text2img_get_models(const gan_text2img_t *t, gan_model_t **g, gan_model_t **d,
                                   gan_model_t **e)
{
    if (!t)
        return gan__fail(GAN_E_INVALID_ARG, "gan_text2img_get_models: trainer is NULL");
    gan_model_t *const m[3] = {t->g, t->d, t->e};
    gan_model_t **const out[3] = {g, d, e};
    for (int i = 0; i < 3; i++)
        if (out[i])
            *out[i] = m[i];
    return GAN_OK;
}

gan_status gan_text2img_set_data_position(gan_text2img_t *t, uint64_t position)
{
    if (!t)
        return gan__fail(GAN_E_INVALID_ARG, "gan_text2img_set_data_position: trainer is "
                         "NULL");
    t->data_position = position;
    return GAN_OK;
}

gan_status gan_text2img_get_data_position(const gan_text2img_t *t, uint64_t *position)
{
    if (!t || !position)
        return gan__fail(GAN_E_INVALID_ARG, "gan_text2img_get_data_position: %s is NULL",
                         t ? "position" : "trainer");
    *position = t->data_position;
    return GAN_OK;
}
