/* AC-GAN in the one-call trainer (GAN_HACK_AUX_WEIGHT_REAL, GAN_HACK_AUX_WEIGHT_FAKE):
 * the first step's losses, statistics and both models' gradients against a
 * double-precision hand computation (exact for the class head's bias, finite differences
 * for every parameter), every error at create and step with its message, a second D
 * output that gets no gradient when AC-GAN is off, the statistics struct's old size, the
 * checkpoint (hack count, round trip bit for bit, mismatches refused), and a conditional
 * ring of 8 Gaussians that only the class term can teach to draw the asked mode.
 *
 * White-box: after a step it reads the latents and fake labels the trainer drew. */
#include "test_util.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "train/trainer.h"

#define AB 3     /* batch, odd */
#define AZ 3     /* latent */
#define AK 3     /* classes */
#define AX 4     /* D's input: a vector of 4 */
#define AH 5     /* D's hidden width */
#define ASEED 7  /* GAN_HACK_SEED */
#define ALR 0.05f

/* The rig's shape and settings. */
typedef struct ac_spec {
    const char *name;
    double wr, wf;      /* GAN_HACK_AUX_WEIGHT_REAL, _FAKE */
    bool combined;      /* one D batch of reals and fakes */
    int32_t g_classes;  /* G's Condition classes, 0: unconditional */
    int32_t d_classes;  /* D's Condition classes, 0: unconditional */
    int32_t aux;        /* D's class head width, 0: no second output */
    bool aux_matrix;    /* the head reshaped to (1, aux) */
    int32_t fm;         /* GAN_HACK_FEATURE_MATCHING_LAYER */
} ac_spec;

typedef struct ac_rig {
    gan_model_t *g, *d;
    gan_optimizer_t *go, *dopt;
    gan_trainer_t *t;
    int32_t head; /* D's class head's layer index, -1 without one */
} ac_rig;

static gan_model_t *ac_model(const int32_t *dims, int32_t ndim, uint64_t seed,
                             const char *name)
{
    gan_model_options_t o;
    GT_OK(gan_model_options_init(&o, sizeof o));
    o.seed = seed;
    o.name = name;
    gan_model_t *m = NULL;
    GT_OK(gan_model_create(&m, dims, ndim, &o));
    return m;
}

/* (AZ) -> [Condition] -> dense AX -> tanh. */
static gan_model_t *ac_generator(int32_t classes)
{
    const int32_t dims[1] = {AZ};
    gan_model_t *m = ac_model(dims, 1, 5, "G");
    gan_layer_t *l;
    if (classes)
        gt_add(m, gan_layer_condition_create(&l, classes, 0), l);
    gt_add(m, gan_layer_dense_create(&l, AX, true), l);
    gt_add(m, gan_layer_tanh_create(&l), l);
    GT_OK(gan_model_build(m, AB));
    return m;
}

/* (AX) -> [Condition] -> dense AH -> tanh -> dense 1 (output 0, the logit); and from the
 * tanh a class head dense aux [-> reshape (1, aux)] (output 1). */
static gan_model_t *ac_discriminator(const ac_spec *s, int32_t *head)
{
    const int32_t dims[1] = {AX};
    gan_model_t *m = ac_model(dims, 1, 6, "D");
    gan_layer_t *l;
    if (s->d_classes)
        gt_add(m, gan_layer_condition_create(&l, s->d_classes, 0), l);
    gt_add(m, gan_layer_dense_create(&l, AH, true), l);
    gt_add(m, gan_layer_tanh_create(&l), l);
    const int32_t trunk = s->d_classes ? 2 : 1;
    gt_add(m, gan_layer_dense_create(&l, 1, true), l);
    *head = -1;
    if (s->aux) {
        int32_t node;
        GT_OK(gan_layer_dense_create(&l, s->aux, true));
        GT_OK(gan_model_connect(m, l, &trunk, 1, &node));
        *head = node;
        if (s->aux_matrix) {
            const int32_t shape[2] = {1, s->aux};
            GT_OK(gan_layer_reshape_create(&l, shape, 2));
            GT_OK(gan_model_connect(m, l, &node, 1, &node));
        }
        GT_OK(gan_model_set_outputs(m, (const int32_t[]){trunk + 1, node}, 2));
    }
    GT_OK(gan_model_build(m, AB));
    return m;
}

static gan_hacks_t *ac_hacks(const ac_spec *s)
{
    gan_hacks_t *h;
    GT_OK(gan_hacks_create(&h));
    GT_OK(gan_hacks_set(h, GAN_HACK_SEED, ASEED));
    GT_OK(gan_hacks_set(h, GAN_HACK_AUX_WEIGHT_REAL, s->wr));
    GT_OK(gan_hacks_set(h, GAN_HACK_AUX_WEIGHT_FAKE, s->wf));
    GT_OK(gan_hacks_set(h, GAN_HACK_SEPARATE_BATCHES, !s->combined));
    GT_OK(gan_hacks_set(h, GAN_HACK_FEATURE_MATCHING_LAYER, s->fm));
    return h;
}

/* Build the models and optimizers; create the trainer, returning its status. */
static gan_status ac_try(ac_rig *r, const ac_spec *s)
{
    r->g = ac_generator(s->g_classes);
    r->d = ac_discriminator(s, &r->head);
    GT_OK(gan_optimizer_sgd_create(&r->go, r->g, ALR, 0.0f, false));
    GT_OK(gan_optimizer_sgd_create(&r->dopt, r->d, ALR, 0.0f, false));
    gan_hacks_t *h = ac_hacks(s);
    r->t = NULL;
    gan_status st = gan_trainer_create(&r->t, r->g, r->d, r->go, r->dopt, h);
    gan_hacks_destroy(h);
    return st;
}

static void ac_create(ac_rig *r, const ac_spec *s)
{
    GT_OK(ac_try(r, s));
}

static void ac_destroy(ac_rig *r)
{
    gt_gan_destroy(r->t, r->go, r->dopt, r->g, r->d);
}

/* Real batch @p k: values in (-1, 1), and its labels. */
static void ac_real(int k, float *x, int32_t *y)
{
    for (int i = 0; i < AB * AX; i++)
        x[i] = 0.8f * sinf(0.71f * (float)i + 1.3f * (float)k);
    for (int i = 0; i < AB; i++)
        y[i] = (i + k) % AK;
}

static void ac_step(ac_rig *r, int k, gan_step_stats_t *st)
{
    float x[AB * AX];
    int32_t y[AB];
    ac_real(k, x, y);
    *st = (gan_step_stats_t){.struct_size = sizeof *st};
    GT_OK(gan_trainer_step(r->t, x, y, AB, st));
}

/* A standard AC-GAN spec: conditional G, unconditional D with a class head. */
static ac_spec ac_standard(const char *name, double wr, double wf, bool combined)
{
    return (ac_spec){.name = name, .wr = wr, .wf = wf, .combined = combined,
                     .g_classes = AK, .aux = AK, .fm = -1};
}

/* ---- the hand computation ---------------------------------------------------------- */

static double ac_softplus(double x)
{
    return fmax(x, 0.0) + log1p(exp(-fabs(x)));
}

/* -log softmax(c)[y] and, if @p p, the softmax. */
static double ac_ce(const float *c, int32_t y, double *p)
{
    double top = c[0];
    for (int j = 1; j < AK; j++)
        top = fmax(top, c[j]);
    double sum = 0.0;
    for (int j = 0; j < AK; j++)
        sum += exp((double)c[j] - top);
    for (int j = 0; p && j < AK; j++)
        p[j] = exp((double)c[j] - top) / sum;
    return top + log(sum) - c[y];
}

static int ac_argmax(const float *c)
{
    int top = 0;
    for (int j = 1; j < AK; j++)
        if (c[j] > c[top])
            top = j;
    return top;
}

/* D's logits s and class logits c on the reals (rows 0..AB) and fakes (rows AB..2AB), as
 * the trainer's D sees them: in one batch when combined. */
static void ac_d_outputs(gan_model_t *d, bool combined, const float *real, const int32_t *yr,
                         const float *fake, const int32_t *yf, float *s, float *c)
{
    const float *outs[2];
    if (combined) {
        float x[2 * AB * AX];
        int32_t y[2 * AB];
        memcpy(x, real, AB * AX * sizeof *x);
        memcpy(x + AB * AX, fake, AB * AX * sizeof *x);
        memcpy(y, yr, AB * sizeof *y);
        memcpy(y + AB, yf, AB * sizeof *y);
        const float *in = x;
        GT_OK(gan_model_forward_multi(d, &in, y, 2 * AB, outs));
        memcpy(s, outs[0], 2 * AB * sizeof *s);
        memcpy(c, outs[1], 2 * AB * AK * sizeof *c);
        return;
    }
    for (int half = 0; half < 2; half++) {
        const float *in = half ? fake : real;
        GT_OK(gan_model_forward_multi(d, &in, half ? yf : yr, AB, outs));
        memcpy(s + half * AB, outs[0], AB * sizeof *s);
        memcpy(c + half * AB * AK, outs[1], AB * AK * sizeof *c);
    }
}

typedef struct ac_terms {
    double adv_r, adv_f, aux_r, aux_f, acc_r, acc_f, total;
} ac_terms;

/* D's loss: BCE against the default targets (reals 0.9, fakes 0) plus the class terms. */
static ac_terms ac_d_loss(const ac_spec *sp, gan_model_t *d, const float *real,
                          const int32_t *yr, const float *fake, const int32_t *yf)
{
    float s[2 * AB], c[2 * AB * AK];
    ac_d_outputs(d, sp->combined, real, yr, fake, yf, s, c);
    ac_terms t = {0};
    for (int i = 0; i < AB; i++) {
        t.adv_r += (ac_softplus(s[i]) - (double)0.9f * s[i]) / AB;
        t.adv_f += ac_softplus(s[AB + i]) / AB;
        t.aux_r += ac_ce(c + i * AK, yr[i], NULL) / AB;
        t.aux_f += ac_ce(c + (AB + i) * AK, yf[i], NULL) / AB;
        t.acc_r += (ac_argmax(c + i * AK) == yr[i]) / (double)AB;
        t.acc_f += (ac_argmax(c + (AB + i) * AK) == yf[i]) / (double)AB;
    }
    t.total = t.adv_r + t.adv_f + sp->wr * t.aux_r + sp->wf * t.aux_f;
    return t;
}

/* G's loss: non-saturating BCE on D's logits of G(z, yf), plus w_fake times the class
 * term; *aux receives the class term. */
static double ac_g_loss(const ac_spec *sp, gan_model_t *g, gan_model_t *d, const float *z,
                        const int32_t *yf, double *aux)
{
    const float *y;
    GT_OK(gan_model_forward(g, z, yf, AB, &y));
    float fake[AB * AX], s[2 * AB], c[2 * AB * AK];
    memcpy(fake, y, sizeof fake);
    ac_d_outputs(d, sp->combined, fake, yf, fake, yf, s, c);
    double adv = 0.0;
    *aux = 0.0;
    for (int i = 0; i < AB; i++) {
        adv += ac_softplus(-(double)s[AB + i]) / AB;
        *aux += ac_ce(c + (AB + i) * AK, yf[i], NULL) / AB;
    }
    return adv + sp->wf * *aux;
}

static void ac_close(const char *spec, const char *what, double got, double want,
                     double rtol, double atol)
{
    if (!(fabs(got - want) <= rtol * fabs(want) + atol))
        fail_msg("%s: %s is %.12g, the hand computation %.12g", spec, what, got, want);
}

static float *ac_copy(gan_model_t *m, size_t *n)
{
    float *p;
    GT_OK(gan_model_get_params(m, &p, n));
    float *c = malloc(*n * sizeof *c);
    assert_non_null(c);
    memcpy(c, p, *n * sizeof *c);
    return c;
}

static void ac_set(gan_model_t *m, const float *v)
{
    float *p;
    size_t n;
    GT_OK(gan_model_get_params(m, &p, &n));
    memcpy(p, v, n * sizeof *p);
}

/* Central differences of @p loss over every parameter of @p m (at @p at) against the
 * model's gradient arena @p grad. */
typedef double (*ac_loss_fn)(const void *ctx);

static void ac_check_grad(const char *spec, const char *who, gan_model_t *m,
                          const float *at, const float *grad, ac_loss_fn loss,
                          const void *ctx)
{
    float *p;
    size_t n;
    GT_OK(gan_model_get_params(m, &p, &n));
    double largest = 0.0;
    for (size_t k = 0; k < n; k++) {
        const float h = 1e-3f;
        memcpy(p, at, n * sizeof *p);
        p[k] = at[k] + h;
        const double up = loss(ctx);
        p[k] = at[k] - h;
        const double down = loss(ctx);
        const double fd = (up - down) / (2.0 * h);
        largest = fmax(largest, fabs(fd));
        if (!(fabs(grad[k] - fd) <= 2e-3 * fmax(fabs(fd), fabs(grad[k])) + 2e-4))
            fail_msg("%s: d %s loss / d theta[%zu] is %.7g, finite difference %.7g", spec,
                     who, k, (double)grad[k], fd);
    }
    memcpy(p, at, n * sizeof *p);
    if (largest < 1e-3)
        fail_msg("%s: all of %s's gradients are below 1e-3 (%g)", spec, who, largest);
}

typedef struct ac_ctx {
    const ac_spec *sp;
    gan_model_t *g, *d;
    const float *real, *fake, *z;
    const int32_t *yr, *yf;
} ac_ctx;

static double ac_d_loss_fn(const void *p)
{
    const ac_ctx *c = p;
    return ac_d_loss(c->sp, c->d, c->real, c->yr, c->fake, c->yf).total;
}

static double ac_g_loss_fn(const void *p)
{
    const ac_ctx *c = p;
    double aux;
    return ac_g_loss(c->sp, c->g, c->d, c->z, c->yf, &aux);
}

/* One step against the hand computation: D's terms and statistics at D's parameters
 * before the step; D's gradient (finite differences, and the class head's bias exactly:
 * w_real * mean(softmax - onehot) on reals + w_fake * the same on fakes); G's loss and
 * gradient through the updated D. */
static void ac_check_first_step(const ac_spec *sp)
{
    ac_rig r;
    ac_create(&r, sp);
    size_t nd, ng;
    float *d0 = ac_copy(r.d, &nd), *g0 = ac_copy(r.g, &ng);
    float real[AB * AX];
    int32_t yr[AB];
    ac_real(0, real, yr);
    gan_step_stats_t st;
    ac_step(&r, 0, &st);
    assert_int_equal(st.g_updated, 1);
    /* What the step drew: its latents and the fakes' labels (G's update reused them). */
    float z[AB * AZ];
    int32_t yf[AB];
    memcpy(z, r.t->z, sizeof z);
    memcpy(yf, r.t->fake_labels, sizeof yf);
    float *d1 = ac_copy(r.d, &nd), *g1 = ac_copy(r.g, &ng);
    float *dgrad, *ggrad;
    GT_OK(gan_model_get_grads(r.d, &dgrad, &nd));
    GT_OK(gan_model_get_grads(r.g, &ggrad, &ng));
    float *dg = malloc(nd * sizeof *dg), *gg = malloc(ng * sizeof *gg);
    memcpy(dg, dgrad, nd * sizeof *dg);
    memcpy(gg, ggrad, ng * sizeof *gg);

    /* The fakes D saw: G before its update. */
    ac_set(r.g, g0);
    const float *y;
    GT_OK(gan_model_forward(r.g, z, yf, AB, &y));
    float fake[AB * AX];
    memcpy(fake, y, sizeof fake);
    ac_set(r.d, d0);
    const ac_terms t = ac_d_loss(sp, r.d, real, yr, fake, yf);
    ac_close(sp->name, "d_loss_real", st.d_loss_real, t.adv_r, 1e-6, 1e-7);
    ac_close(sp->name, "d_loss_fake", st.d_loss_fake, t.adv_f, 1e-6, 1e-7);
    ac_close(sp->name, "aux_loss_real", st.aux_loss_real, t.aux_r, 1e-6, 1e-7);
    ac_close(sp->name, "aux_loss_fake", st.aux_loss_fake, t.aux_f, 1e-6, 1e-7);
    ac_close(sp->name, "aux_acc_real", st.aux_acc_real, t.acc_r, 0, 1e-12);
    ac_close(sp->name, "aux_acc_fake", st.aux_acc_fake, t.acc_f, 0, 1e-12);
    ac_close(sp->name, "d_loss", st.d_loss, t.total, 1e-6, 1e-7);

    /* The class head's bias, exactly. */
    float s[2 * AB], c[2 * AB * AK];
    ac_d_outputs(r.d, sp->combined, real, yr, fake, yf, s, c);
    size_t off, count;
    GT_OK(gan_model_get_layer_params(r.d, r.head, &off, &count));
    for (int j = 0; j < AK; j++) {
        double want = 0.0, p[AK];
        for (int i = 0; i < AB; i++) {
            ac_ce(c + i * AK, yr[i], p);
            want += sp->wr * (p[j] - (yr[i] == j)) / AB;
            ac_ce(c + (AB + i) * AK, yf[i], p);
            want += sp->wf * (p[j] - (yf[i] == j)) / AB;
        }
        ac_close(sp->name, "the class head's bias gradient", dg[off + count - AK + j], want,
                 1e-5, 1e-7);
    }
    ac_ctx ctx = {sp, r.g, r.d, real, fake, z, yr, yf};
    ac_check_grad(sp->name, "D's", r.d, d0, dg, ac_d_loss_fn, &ctx);

    /* G's loss and gradient: G before its update, D after its own. */
    ac_set(r.d, d1);
    double g_aux;
    const double g_loss = ac_g_loss(sp, r.g, r.d, z, yf, &g_aux);
    ac_close(sp->name, "g_loss", st.g_loss, g_loss, 1e-6, 1e-7);
    ac_close(sp->name, "g_aux_loss", st.g_aux_loss, g_aux, 1e-6, 1e-7);
    ac_check_grad(sp->name, "G's", r.g, g0, gg, ac_g_loss_fn, &ctx);
    ac_set(r.g, g1);
    free(d0);
    free(d1);
    free(g0);
    free(g1);
    free(dg);
    free(gg);
    ac_destroy(&r);
}

static void test_first_step_matches_hand_computation(void **state)
{
    (void)state;
    const ac_spec specs[] = {
        ac_standard("weights 1, 1", 1.0, 1.0, false),
        ac_standard("weights 0.5, 2", 0.5, 2.0, false),
        ac_standard("reals only (w_fake 0)", 1.0, 0.0, false),
        ac_standard("fakes only (w_real 0)", 0.0, 1.5, false),
        ac_standard("weights 1.5, 0.7, combined batch", 1.5, 0.7, true),
    };
    for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++)
        ac_check_first_step(&specs[k]);
    /* A conditional D (Condition layer) with a class head is accepted as well. */
    ac_spec cond = ac_standard("conditional D", 1.0, 1.0, false);
    cond.d_classes = AK;
    ac_check_first_step(&cond);
}

/* AC-GAN off: D's second output gets no gradient, so its head never moves; the
 * statistics' AC-GAN fields stay 0. */
static void test_second_output_without_acgan_gets_no_gradient(void **state)
{
    (void)state;
    ac_spec sp = ac_standard("off", 0.0, 0.0, false);
    sp.g_classes = 0;
    ac_rig r;
    ac_create(&r, &sp);
    size_t n, off, count;
    float *before = ac_copy(r.d, &n), *p, *grad;
    GT_OK(gan_model_get_layer_params(r.d, r.head, &off, &count));
    gan_step_stats_t st;
    for (int k = 0; k < 3; k++) {
        float x[AB * AX];
        int32_t y[AB];
        ac_real(k, x, y);
        st = (gan_step_stats_t){.struct_size = sizeof st};
        GT_OK(gan_trainer_step(r.t, x, NULL, AB, &st));
    }
    GT_OK(gan_model_get_params(r.d, &p, &n));
    GT_OK(gan_model_get_grads(r.d, &grad, &n));
    double moved = 0.0;
    for (size_t k = 0; k < n; k++) {
        const bool head = k >= off && k < off + count;
        if (head) {
            assert_true(grad[k] == 0.0f);
            assert_true(p[k] == before[k]);
        } else {
            moved += fabs(p[k] - before[k]);
        }
    }
    assert_true(moved > 0.0); /* the rest of D trains */
    assert_true(st.aux_loss_real == 0 && st.aux_loss_fake == 0 && st.aux_acc_real == 0 &&
                st.aux_acc_fake == 0 && st.g_aux_loss == 0);
    free(before);
    ac_destroy(&r);
}

/* ---- errors ------------------------------------------------------------------------ */

static void ac_expect_create_fails(const ac_spec *sp, gan_status want, const char *needle)
{
    ac_rig r;
    gan_status st = ac_try(&r, sp);
    gt_expect_failure(st, want, needle, sp->name);
    assert_null(r.t);
    ac_destroy(&r);
}

static void test_create_errors(void **state)
{
    (void)state;
    /* name, w_real, w_fake, combined, G's classes, D's classes, head width, head a
     * matrix, feature matching layer; then the status and message expected. */
    static const struct {
        ac_spec spec;
        gan_status status;
        const char *needle;
    } cases[] = {
        {{"unconditional G", 1, 1, false, 0, 0, AK, false, -1}, GAN_E_INVALID_ARG,
         "AC-GAN (aux_weight_real = 1, aux_weight_fake = 1) needs a conditional generator, "
         "and generator 'G' has no Condition layer"},
        {{"one output", 0, 1, false, AK, 0, 0, false, -1}, GAN_E_INVALID_ARG,
         "AC-GAN needs discriminator 'D' to have a second output of 3 class logits, and it "
         "has one output (layer 2 'dense_2', (1))"},
        {{"a matrix of logits", 1, 0, false, AK, 0, AK, true, -1}, GAN_E_SHAPE,
         "AC-GAN reads discriminator 'D' output 1 (layer 4 'reshape_4') as class logits, a "
         "vector (3), but its shape is (1,3)"},
        {{"4 logits for 3 classes", 1, 1, false, AK, 0, 4, false, -1}, GAN_E_SHAPE,
         "discriminator 'D' output 1 (layer 3 'dense_3') gives (4) class logits, generator "
         "'G' conditions on 3 classes"},
        {{"one class", 1, 1, false, 1, 0, 1, false, -1}, GAN_E_SHAPE,
         "AC-GAN needs at least 2 classes"},
        {{"feature matching", 1, 1, false, AK, 0, AK, false, 1}, GAN_E_INVALID_ARG,
         "AC-GAN cannot be combined with feature matching"},
        {{"D conditions on other classes", 1, 1, false, AK, AK + 1, AK, false, -1},
         GAN_E_INVALID_ARG, "generator conditions on 3 classes, discriminator on 4"},
        /* Without AC-GAN a conditional G still needs a D conditioned alike. */
        {{"off, unconditional D", 0, 0, false, AK, 0, AK, false, -1}, GAN_E_INVALID_ARG,
         "generator conditions on 3 classes, discriminator on 0"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        ac_expect_create_fails(&cases[k].spec, cases[k].status, cases[k].needle);
}

static void test_step_errors(void **state)
{
    (void)state;
    ac_spec sp = ac_standard("step", 1.0, 1.0, false);
    ac_rig r;
    ac_create(&r, &sp);
    float x[AB * AX];
    int32_t y[AB];
    ac_real(0, x, y);
    gan_step_stats_t st = {.struct_size = sizeof st};
    GT_FAILS(gan_trainer_step(r.t, x, NULL, AB, &st), GAN_E_INVALID_ARG,
             "gan_trainer_step: AC-GAN (GAN_HACK_AUX_WEIGHT_*) needs the real batch's "
             "labels, and labels is NULL");
    y[1] = AK;
    GT_FAILS(gan_trainer_step(r.t, x, y, AB, &st), GAN_E_OUT_OF_RANGE,
             "label 3 of sample 1 is outside [0, 3)");
    y[1] = -1;
    GT_FAILS(gan_trainer_step(r.t, x, y, AB, &st), GAN_E_OUT_OF_RANGE,
             "label -1 of sample 1");
    ac_destroy(&r);
}

static void test_hack_settings(void **state)
{
    (void)state;
    gan_hacks_t *h;
    GT_OK(gan_hacks_create(&h));
    double v = -1;
    GT_OK(gan_hacks_get(h, GAN_HACK_AUX_WEIGHT_REAL, &v));
    assert_true(v == 0.0);
    GT_OK(gan_hacks_get(h, GAN_HACK_AUX_WEIGHT_FAKE, &v));
    assert_true(v == 0.0);
    assert_int_equal(GAN_HACK_AUX_WEIGHT_REAL, 19);
    assert_int_equal(GAN_HACK_AUX_WEIGHT_FAKE, 20);
    GT_FAILS(gan_hacks_set(h, GAN_HACK_AUX_WEIGHT_REAL, -0.5), GAN_E_OUT_OF_RANGE,
             "aux_weight_real = -0.5 is outside [0, 1000]");
    GT_FAILS(gan_hacks_set(h, GAN_HACK_AUX_WEIGHT_FAKE, 1000.5), GAN_E_OUT_OF_RANGE,
             "aux_weight_fake = 1000.5 is outside [0, 1000]");
    GT_FAILS(gan_hacks_set(h, GAN_HACK_AUX_WEIGHT_FAKE, NAN), GAN_E_OUT_OF_RANGE,
             "aux_weight_fake");
    GT_FAILS(gan_hacks_set(h, 21, 1.0), GAN_E_INVALID_ARG, "unknown key 21");
    GT_OK(gan_hacks_get(h, GAN_HACK_AUX_WEIGHT_FAKE, &v));
    assert_true(v == 0.0); /* the old value stays */
    GT_OK(gan_hacks_set(h, GAN_HACK_AUX_WEIGHT_REAL, 1.0));
    GT_OK(gan_hacks_set(h, GAN_HACK_AUX_WEIGHT_FAKE, 0.25));
    char text[4096];
    GT_OK(gan_hacks_describe(h, text, sizeof text, NULL));
    assert_non_null(strstr(text, "aux_weight_real          = 1 *"));
    assert_non_null(strstr(text, "aux_weight_fake          = 0.25 *"));
    gan_hacks_destroy(h);
}

/* AC-GAN with the other tricks that touch D's batch or G's fakes: replay (replayed fakes
 * keep their labels), instance noise, label smoothing and flips, EMA, a Wasserstein
 * critic with gradient penalty, several D steps, and a combined batch (without the
 * penalty): every step finite, the class losses move. */
static void test_with_other_hacks(void **state)
{
    (void)state;
    for (int combined = 0; combined < 2; combined++) {
        ac_spec sp = ac_standard("hacks", 1.0, 1.0, combined);
        ac_rig r;
        r.g = ac_generator(AK);
        r.d = ac_discriminator(&sp, &r.head);
        GT_OK(gan_optimizer_adam_create(&r.go, r.g, 1e-3f, 0.5f, 0.9f, 1e-8f));
        GT_OK(gan_optimizer_adam_create(&r.dopt, r.d, 1e-3f, 0.5f, 0.9f, 1e-8f));
        gan_hacks_t *h = ac_hacks(&sp);
        GT_OK(gan_hacks_set(h, GAN_HACK_REPLAY_SIZE, 8));
        GT_OK(gan_hacks_set(h, GAN_HACK_REPLAY_FRACTION, 0.5));
        GT_OK(gan_hacks_set(h, GAN_HACK_INSTANCE_NOISE, 0.1));
        GT_OK(gan_hacks_set(h, GAN_HACK_FLIP_PROB, 0.1));
        GT_OK(gan_hacks_set_labels(h, true, 0.7f, 1.2f));
        GT_OK(gan_hacks_set(h, GAN_HACK_EMA_DECAY, 0.9));
        GT_OK(gan_hacks_set(h, GAN_HACK_D_STEPS, 2));
        if (!combined) {
            GT_OK(gan_hacks_set(h, GAN_HACK_LOSS, GAN_LOSS_WASSERSTEIN));
            GT_OK(gan_hacks_set(h, GAN_HACK_GP_WEIGHT, 10));
        }
        GT_OK(gan_trainer_create(&r.t, r.g, r.d, r.go, r.dopt, h));
        gan_hacks_destroy(h);
        gan_step_stats_t st, first = {0};
        for (int k = 0; k < 12; k++) {
            ac_step(&r, k, &st);
            if (!isfinite(st.d_loss) || !isfinite(st.g_loss) || !isfinite(st.aux_loss_real) ||
                !isfinite(st.aux_loss_fake))
                fail_msg("combined %d, step %d: d_loss %g, g_loss %g, aux %g %g", combined,
                         k, st.d_loss, st.g_loss, st.aux_loss_real, st.aux_loss_fake);
            if (k == 0)
                first = st;
        }
        assert_true(st.aux_loss_real != first.aux_loss_real);
        assert_true(st.aux_loss_fake != first.aux_loss_fake);
        assert_true(st.g_aux_loss > 0);
        ac_destroy(&r);
    }
}

/* ---- statistics -------------------------------------------------------------------- */

/* A caller compiled before the AC-GAN fields passes the old struct_size: the step fills
 * what it knew and does not touch the bytes after it. */
static void test_old_stats_size(void **state)
{
    (void)state;
    const size_t old = offsetof(gan_step_stats_t, aux_loss_real);
    assert_true(old < sizeof(gan_step_stats_t));
    ac_spec sp = ac_standard("stats", 1.0, 1.0, false);
    ac_rig a, b;
    ac_create(&a, &sp);
    ac_create(&b, &sp);
    for (int k = 0; k < 3; k++) {
        float x[AB * AX];
        int32_t y[AB];
        ac_real(k, x, y);
        gan_step_stats_t full = {.struct_size = sizeof full}, small;
        memset(&small, 0xAB, sizeof small);
        small.struct_size = old;
        GT_OK(gan_trainer_step(a.t, x, y, AB, &full));
        GT_OK(gan_trainer_step(b.t, x, y, AB, &small));
        assert_int_equal(small.struct_size, old);
        assert_memory_equal((const char *)&small + sizeof(size_t),
                            (const char *)&full + sizeof(size_t), old - sizeof(size_t));
        const unsigned char *tail = (const unsigned char *)&small + old;
        for (size_t i = 0; i < sizeof small - old; i++)
            assert_int_equal(tail[i], 0xAB);
        assert_true(full.aux_loss_real > 0 && full.aux_loss_fake > 0 && full.g_aux_loss > 0);
        assert_true(full.aux_acc_real >= 0 && full.aux_acc_real <= 1);
        assert_true(full.aux_acc_fake >= 0 && full.aux_acc_fake <= 1);
    }
    ac_destroy(&a);
    ac_destroy(&b);
}

/* ---- checkpoints ------------------------------------------------------------------- */

/* The trainer section's hack count, read from the file. */
static uint32_t ac_file_hack_count(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static unsigned char buf[1 << 16];
    const size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    for (size_t i = 24; i + 20 <= n; i++)
        if (memcmp(buf + i, "TRNR", 4) == 0)
            return (uint32_t)buf[i + 16] | (uint32_t)buf[i + 17] << 8 |
                   (uint32_t)buf[i + 18] << 16 | (uint32_t)buf[i + 19] << 24;
    fail_msg("%s has no TRNR section", path);
    return 0;
}

static void ac_params_equal(gan_model_t *a, gan_model_t *b, const char *what)
{
    float *pa, *pb;
    size_t na, nb;
    GT_OK(gan_model_get_params(a, &pa, &na));
    GT_OK(gan_model_get_params(b, &pb, &nb));
    assert_int_equal(na, nb);
    if (memcmp(pa, pb, na * sizeof *pa) != 0)
        fail_msg("%s: the parameters differ", what);
}

/* Save after 2 steps, load into a fresh trainer, and both go on bit for bit; the file
 * records all 21 hacks. A file of a trainer configured otherwise is refused, each way. */
static void test_checkpoint(void **state)
{
    (void)state;
    char dir[] = "/tmp/gan-test-acgan-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/acgan.gan", dir);
    const ac_spec specs[] = {ac_standard("separate", 1.0, 0.5, false),
                             ac_standard("combined", 0.3, 2.0, true)};
    for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
        ac_rig a, b;
        ac_create(&a, &specs[k]);
        ac_create(&b, &specs[k]);
        gan_step_stats_t sa, sb;
        for (int i = 0; i < 2; i++)
            ac_step(&a, i, &sa);
        GT_OK(gan_trainer_save(a.t, path));
        assert_int_equal(ac_file_hack_count(path), 21);
        GT_OK(gan_trainer_load(b.t, path));
        for (int i = 2; i < 6; i++) {
            ac_step(&a, i, &sa);
            ac_step(&b, i, &sb);
            assert_memory_equal(&sa, &sb, sizeof sa);
        }
        ac_params_equal(a.g, b.g, specs[k].name);
        ac_params_equal(a.d, b.d, specs[k].name);
        ac_destroy(&a);
        ac_destroy(&b);
    }

    /* A conditional D with a class head trains with AC-GAN on or off, so the same models
     * give both kinds of file. */
    ac_spec on = ac_standard("on", 1.0, 1.0, false), off = on, half = on;
    on.d_classes = off.d_classes = half.d_classes = AK;
    off.wr = off.wf = 0.0;
    half.wf = 0.0;
    ac_rig r_on, r_off, r_half;
    ac_create(&r_on, &on);
    ac_create(&r_off, &off);
    ac_create(&r_half, &half);
    gan_step_stats_t st;
    ac_step(&r_off, 0, &st);
    GT_OK(gan_trainer_save(r_off.t, path));
    assert_int_equal(ac_file_hack_count(path), 17); /* as before AC-GAN */
    GT_FAILS(gan_trainer_load(r_on.t, path), GAN_E_FORMAT,
             "has aux_weight_real = 0, this trainer was created with 1");
    ac_step(&r_on, 0, &st);
    GT_OK(gan_trainer_save(r_on.t, path));
    GT_FAILS(gan_trainer_load(r_off.t, path), GAN_E_FORMAT,
             "has aux_weight_real = 1, this trainer was created with 0");
    GT_FAILS(gan_trainer_load(r_half.t, path), GAN_E_FORMAT,
             "has aux_weight_fake = 1, this trainer was created with 0");
    /* The weights themselves, like other settings, come from the file. */
    ac_spec other = on;
    other.wr = 3.0;
    other.wf = 0.1;
    ac_rig r_other;
    ac_create(&r_other, &other);
    GT_OK(gan_trainer_load(r_other.t, path));
    ac_step(&r_on, 1, &st);
    gan_step_stats_t so;
    ac_step(&r_other, 1, &so);
    assert_memory_equal(&st, &so, sizeof st);
    ac_destroy(&r_on);
    ac_destroy(&r_off);
    ac_destroy(&r_half);
    ac_destroy(&r_other);
    unlink(path);
    rmdir(dir);
}

/* ---- learning: a conditional ring of 8 Gaussians ---------------------------------- */

#define RING_MODES GT_RING_MODES
#define RING_RADIUS GT_RING_RADIUS
#define RING_LATENT 2
#define RING_BATCH 64
#define RING_HIDDEN 64
#define TAU GT_TAU

/* G: (latent) -> Condition -> 2 x (dense, ReLU) -> dense 2. D, unconditional: 2 x
 * (dense, leaky ReLU) -> dense 1 (output 0) and dense 8 (output 1, class logits). */
static gan_model_t *ring_model(bool generator)
{
    const int32_t dims[1] = {generator ? RING_LATENT : 2};
    gan_model_t *m = ac_model(dims, 1, generator ? 1 : 2, generator ? "G" : "D");
    gan_layer_t *l;
    if (generator)
        gt_add(m, gan_layer_condition_create(&l, RING_MODES, 0), l);
    for (int i = 0; i < 2; i++) {
        gt_add(m, gan_layer_dense_create(&l, RING_HIDDEN, true), l);
        GT_OK(gan_layer_set_init(l, GAN_PARAM_WEIGHT, GAN_INIT_HE_NORMAL, 0, 0));
        if (generator)
            gt_add(m, gan_layer_relu_create(&l), l);
        else
            gt_add(m, gan_layer_leaky_relu_create(&l, 0.2f), l);
    }
    const int32_t trunk = generator ? 4 : 3;
    gt_add(m, gan_layer_dense_create(&l, generator ? 2 : 1, true), l);
    GT_OK(gan_layer_set_init(l, GAN_PARAM_WEIGHT, GAN_INIT_GLOROT_UNIFORM, 0, 0));
    if (!generator) {
        int32_t head;
        GT_OK(gan_layer_dense_create(&l, RING_MODES, true));
        GT_OK(gan_model_connect(m, l, &trunk, 1, &head));
        GT_OK(gan_model_set_outputs(m, (const int32_t[]){trunk + 1, head}, 2));
    }
    GT_OK(gan_model_build(m, RING_BATCH));
    return m;
}

typedef struct ring_result {
    double acc_real;   /* D's class accuracy on reals over the last 10% of steps */
    double on_request; /* share of 2000 samples within 0.3 of the asked mode */
} ring_result;

static ring_result ring_train(double wf, int steps)
{
    gan_model_t *g = ring_model(true), *d = ring_model(false);
    gan_optimizer_t *go, *dopt;
    GT_OK(gan_optimizer_adam_create(&go, g, 5e-4f, 0.5f, 0.999f, 1e-8f));
    GT_OK(gan_optimizer_adam_create(&dopt, d, 5e-4f, 0.5f, 0.999f, 1e-8f));
    gan_hacks_t *h;
    GT_OK(gan_hacks_create(&h));
    GT_OK(gan_hacks_set(h, GAN_HACK_AUX_WEIGHT_REAL, 1.0));
    GT_OK(gan_hacks_set(h, GAN_HACK_AUX_WEIGHT_FAKE, wf));
    gan_trainer_t *t;
    GT_OK(gan_trainer_create(&t, g, d, go, dopt, h));
    gan_hacks_destroy(h);
    gt_rng r;
    gt_seed(&r, 21);
    float x[2 * RING_BATCH];
    int32_t labels[RING_BATCH];
    ring_result res = {0, 0};
    const int window = steps / 10;
    for (int i = 0; i < steps; i++) {
        gt_ring_batch(&r, x, labels, RING_BATCH);
        gan_step_stats_t st = {.struct_size = sizeof st};
        GT_OK(gan_trainer_step(t, x, labels, RING_BATCH, &st));
        if (i >= steps - window)
            res.acc_real += st.aux_acc_real / window;
    }
    enum { N = 2000 };
    float *z = malloc(N * RING_LATENT * sizeof *z), *p = malloc(N * 2 * sizeof *p);
    int32_t *asked = malloc(N * sizeof *asked);
    for (int i = 0; i < N; i++)
        asked[i] = i % RING_MODES;
    GT_OK(gan_trainer_sample_latent(t, N, z));
    GT_OK(gan_trainer_generate(t, z, asked, N, false, p));
    int hits = 0;
    for (int i = 0; i < N; i++) {
        const double a = TAU * asked[i] / RING_MODES;
        const double dx = p[2 * i] - RING_RADIUS * cos(a), dy = p[2 * i + 1] - RING_RADIUS * sin(a);
        hits += dx * dx + dy * dy < 0.3 * 0.3;
    }
    res.on_request = (double)hits / N;
    print_message("AC-GAN w_fake %g, %d steps: D's class accuracy on reals %.1f%%, samples "
                  "at the asked mode %.1f%%\n", wf, steps, 100 * res.acc_real,
                  100 * res.on_request);
    free(z);
    free(p);
    free(asked);
    gt_gan_destroy(t, go, dopt, g, d);
    return res;
}

/* D is unconditional, so only the class term tells G which mode a label means: with it
 * G draws the asked mode; without it (w_fake 0, D still learns the classes) it cannot. */
static void test_ring_draws_the_asked_mode(void **state)
{
    (void)state;
    const ring_result with = ring_train(1.0, 3000);
    assert_true(with.acc_real > 0.9); /* chance is 1/8 */
    assert_true(with.on_request > 0.8);
    const ring_result without = ring_train(0.0, 1000);
    assert_true(without.acc_real > 0.9);
    assert_true(without.on_request < 0.4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hack_settings),
        cmocka_unit_test(test_first_step_matches_hand_computation),
        cmocka_unit_test(test_second_output_without_acgan_gets_no_gradient),
        cmocka_unit_test(test_create_errors),
        cmocka_unit_test(test_step_errors),
        cmocka_unit_test(test_with_other_hacks),
        cmocka_unit_test(test_old_stats_size),
        cmocka_unit_test(test_checkpoint),
        cmocka_unit_test(test_ring_draws_the_asked_mode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
