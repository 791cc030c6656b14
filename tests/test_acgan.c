/* AC-GAN in the one-call trainer (GAN_HACK_AUX_WEIGHT_REAL, GAN_HACK_AUX_WEIGHT_FAKE):
 * the first step's losses, statistics and both models' gradients against a
 * double-precision hand computation (exact for the class head's bias, finite differences
 * for every parameter), every error at create and step with its message, a second D
 * output that gets no gradient when AC-GAN is off, the other hacks alongside, and the
 * statistics struct's old size. Checkpoints and learning: tests/test_acgan_train.c.
 *
 * White-box: after a step it reads the latents and fake labels the trainer drew. */
#include "test_util.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "acgan_rig.h"
#include "train/trainer.h"

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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
