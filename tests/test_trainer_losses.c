/* The trainer's adversarial losses on a patch-map discriminator (PatchGAN: a (1,3,3) map
 * of scores per sample) checked against a hand computation, and the mixed loss
 * (GAN_HACK_MIX_LOSS, GAN_HACK_MIX_WEIGHT): off, secondary only, half and half, and its
 * checkpoint round trip. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TL_B 3      /* odd batch */
#define TL_Z 4      /* latent */
#define TL_HW 6     /* images (1,6,6) */
#define TL_IMAGE (TL_HW * TL_HW)
#define TL_PER 9    /* D's (1,3,3) map */
#define TL_SEED 11  /* GAN_HACK_SEED */
#define TL_LR 0.05f

typedef struct tl_rig {
    gan_model_t *g, *d;
    gan_optimizer_t *go, *dopt;
    gan_trainer_t *t;
} tl_rig;

/* What a run sets: the loss and its tricks. */
typedef struct tl_spec {
    const char *name;
    int32_t loss, mix_loss;
    double mix_weight, gp, clip, flip;
    bool smooth;   /* labels real [0.7, 1.2], fake [0, 0.3] */
    bool combined; /* one D batch of reals and fakes */
    bool single;   /* D ends in one score instead of the map */
} tl_spec;

static gan_model_t *tl_generator(void)
{
    const int32_t dims[1] = {TL_Z};
    gan_model_t *m = gt_model_seeded(dims, 1, 5);
    gan_layer_t *l;
    gt_add(m, gan_layer_dense_create(&l, TL_IMAGE, true), l);
    gt_add(m, gan_layer_tanh_create(&l), l);
    const int32_t image[3] = {1, TL_HW, TL_HW};
    gt_add(m, gan_layer_reshape_create(&l, image, 3), l);
    GT_OK(gan_model_build(m, TL_B));
    return m;
}

/* Conv 3x3 (4 filters) -> tanh -> conv 2x2 (1 filter): a (1,3,3) map; or the same
 * trunk flattened into one score. */
static gan_model_t *tl_discriminator(bool single)
{
    const int32_t dims[3] = {1, TL_HW, TL_HW};
    gan_model_t *m = gt_model_seeded(dims, 3, 6);
    gan_layer_t *l;
    gt_add(m, gan_layer_conv2d_create(&l, 4, 3, 1, GAN_PADDING_VALID), l);
    gt_add(m, gan_layer_tanh_create(&l), l); /* smooth: finite differences stay exact */
    gt_add(m, gan_layer_conv2d_create(&l, 1, 2, 1, GAN_PADDING_VALID), l);
    if (single) {
        gt_add(m, gan_layer_flatten_create(&l), l);
        gt_add(m, gan_layer_dense_create(&l, 1, true), l);
    }
    GT_OK(gan_model_build(m, TL_B));
    return m;
}

static gan_hacks_t *tl_hacks(const tl_spec *s)
{
    gan_hacks_t *h;
    GT_OK(gan_hacks_create(&h));
    GT_OK(gan_hacks_set(h, GAN_HACK_LOSS, s->loss));
    GT_OK(gan_hacks_set(h, GAN_HACK_SEED, TL_SEED));
    GT_OK(gan_hacks_set(h, GAN_HACK_GP_WEIGHT, s->gp));
    GT_OK(gan_hacks_set(h, GAN_HACK_CLIP, s->clip));
    GT_OK(gan_hacks_set(h, GAN_HACK_FLIP_PROB, s->flip));
    GT_OK(gan_hacks_set(h, GAN_HACK_SEPARATE_BATCHES, !s->combined));
    if (s->mix_weight > 0 || s->mix_loss != GAN_LOSS_WASSERSTEIN) {
        GT_OK(gan_hacks_set(h, GAN_HACK_MIX_LOSS, s->mix_loss));
        GT_OK(gan_hacks_set(h, GAN_HACK_MIX_WEIGHT, s->mix_weight));
    }
    if (s->smooth) {
        GT_OK(gan_hacks_set_labels(h, true, 0.7f, 1.2f));
        GT_OK(gan_hacks_set_labels(h, false, 0.0f, 0.3f));
    }
    return h;
}

static void tl_create(tl_rig *r, const tl_spec *s)
{
    r->g = tl_generator();
    r->d = tl_discriminator(s->single);
    GT_OK(gan_optimizer_sgd_create(&r->go, r->g, TL_LR, 0.0f, false));
    GT_OK(gan_optimizer_sgd_create(&r->dopt, r->d, TL_LR, 0.0f, false));
    gan_hacks_t *h = tl_hacks(s);
    GT_OK(gan_trainer_create(&r->t, r->g, r->d, r->go, r->dopt, h));
    gan_hacks_destroy(h);
}

static void tl_destroy(tl_rig *r)
{
    gt_gan_destroy(r->t, r->go, r->dopt, r->g, r->d);
}

/* Real batch @p k: smooth images in (-1, 1). */
static void tl_real(int k, float *x)
{
    for (int i = 0; i < TL_B * TL_IMAGE; i++)
        x[i] = 0.8f * sinf(0.37f * (float)i + 1.3f * (float)k);
}

static void tl_step(tl_rig *r, int k, gan_step_stats_t *st)
{
    float x[TL_B * TL_IMAGE];
    tl_real(k, x);
    *st = (gan_step_stats_t){.struct_size = sizeof *st};
    GT_OK(gan_trainer_step(r->t, x, NULL, TL_B, st));
}

/* ---- the hand computation ---------------------------------------------------------- */

static double tl_softplus(double x)
{
    return fmax(x, 0.0) + log1p(exp(-fabs(x)));
}

/* One D loss term on a half's TL_B * per scores, with per-sample targets @p t. */
static double tl_d_term(int32_t kind, const float *s, const float *t, int per, bool real)
{
    double sum = 0.0;
    for (int i = 0; i < TL_B; i++)
        for (int j = 0; j < per; j++) {
            const double x = s[i * per + j];
            switch (kind) {
            case GAN_LOSS_BCE: sum += tl_softplus(x) - t[i] * x; break;
            case GAN_LOSS_WASSERSTEIN: sum += real ? -x : x; break;
            case GAN_LOSS_HINGE: sum += fmax(0.0, 1.0 + (real ? -x : x)); break;
            default: sum += 0.5 * (x - (real ? 1.0 : 0.0)) * (x - (real ? 1.0 : 0.0)); break;
            }
        }
    return sum / (TL_B * per);
}

/* The generator's term (non-saturating for BCE, target 1 for least squares). */
static double tl_g_term(int32_t kind, const float *s, int per)
{
    double sum = 0.0;
    for (int k = 0; k < TL_B * per; k++) {
        const double x = s[k];
        sum += kind == GAN_LOSS_BCE ? tl_softplus(-x)
             : kind == GAN_LOSS_LEAST_SQUARES ? 0.5 * (x - 1.0) * (x - 1.0) : -x;
    }
    return sum / (TL_B * per);
}

/* Everything the first step draws, in the trainer's order, from its seed: the latents,
 * then per sample the real targets, the fake targets, the penalty's mixing weights. */
typedef struct tl_draws {
    float z[TL_B * TL_Z], t_real[TL_B], t_fake[TL_B], e[TL_B];
} tl_draws;

static bool tl_bce(const tl_spec *s)
{
    return s->loss == GAN_LOSS_BCE || (s->mix_weight > 0 && s->mix_loss == GAN_LOSS_BCE);
}

static void tl_draw(const tl_spec *s, tl_draws *d)
{
    gan_rng_t *rng;
    GT_OK(gan_rng_create(&rng, TL_SEED));
    GT_OK(gan_latent_sample(rng, GAN_LATENT_GAUSSIAN, TL_B, TL_Z, d->z));
    const float lo[2] = {s->smooth ? 0.7f : 0.9f, 0.0f};
    const float hi[2] = {s->smooth ? 1.2f : 0.9f, s->smooth ? 0.3f : 0.0f};
    float *t[2] = {d->t_real, d->t_fake};
    for (int h = 0; h < 2; h++) {
        for (int i = 0; i < TL_B; i++)
            t[h][i] = lo[h];
        if (tl_bce(s) && lo[h] != hi[h])
            GT_OK(gan_labels_fill(rng, t[h], TL_B, lo[h], hi[h]));
        if (tl_bce(s) && s->flip > 0)
            GT_OK(gan_labels_flip(rng, t[h], TL_B, (float)s->flip, NULL));
    }
    if (s->gp > 0)
        GT_OK(gan_labels_fill(rng, d->e, TL_B, 0.0f, 1.0f));
    gan_rng_destroy(rng);
}

/* D's scores on a batch, copied out. */
static void tl_scores(gan_model_t *d, const float *x, float *out)
{
    const float *y;
    GT_OK(gan_model_forward(d, x, NULL, TL_B, &y));
    memcpy(out, y, TL_B * TL_PER * sizeof *out);
}

/* D's mixed loss on reals and fakes at its current parameters. */
static double tl_d_loss(const tl_spec *s, gan_model_t *d, const float *real,
                        const float *fake, const tl_draws *dr, int per, double *lr,
                        double *lf)
{
    float sr[TL_B * TL_PER], sf[TL_B * TL_PER];
    tl_scores(d, real, sr);
    tl_scores(d, fake, sf);
    const double w = s->mix_weight;
    *lr = (1 - w) * tl_d_term(s->loss, sr, dr->t_real, per, true);
    *lf = (1 - w) * tl_d_term(s->loss, sf, dr->t_fake, per, false);
    if (w > 0) {
        *lr += w * tl_d_term(s->mix_loss, sr, dr->t_real, per, true);
        *lf += w * tl_d_term(s->mix_loss, sf, dr->t_fake, per, false);
    }
    return *lr + *lf;
}

/* The critic value f(x) = mean of the sample's scores, and the penalty
 * lambda * mean (||grad f(x_hat)|| - 1)^2 with the gradient by central differences. */
static double tl_penalty(const tl_spec *s, gan_model_t *d, const float *real,
                         const float *fake, const tl_draws *dr, int per)
{
    float x[TL_B * TL_IMAGE], sc[TL_B * TL_PER];
    for (int i = 0; i < TL_B; i++)
        for (int j = 0; j < TL_IMAGE; j++) {
            const int k = i * TL_IMAGE + j;
            x[k] = dr->e[i] * real[k] + (1.0f - dr->e[i]) * fake[k];
        }
    double sq[TL_B] = {0};
    const float h = 1e-2f;
    for (int j = 0; j < TL_IMAGE; j++) {
        double f[2][TL_B];
        for (int side = 0; side < 2; side++) {
            float xs[TL_B * TL_IMAGE];
            memcpy(xs, x, sizeof xs);
            for (int i = 0; i < TL_B; i++)
                xs[i * TL_IMAGE + j] += side ? h : -h;
            tl_scores(d, xs, sc);
            for (int i = 0; i < TL_B; i++) {
                f[side][i] = 0.0;
                for (int q = 0; q < per; q++)
                    f[side][i] += sc[i * per + q] / per;
            }
        }
        for (int i = 0; i < TL_B; i++) {
            const double gij = (f[1][i] - f[0][i]) / (2.0 * h);
            sq[i] += gij * gij;
        }
    }
    double sum = 0.0;
    for (int i = 0; i < TL_B; i++)
        sum += (sqrt(sq[i]) - 1.0) * (sqrt(sq[i]) - 1.0);
    return s->gp * sum / TL_B;
}

static void tl_close(const char *spec, const char *what, double got, double want,
                     double rtol, double atol)
{
    if (!(fabs(got - want) <= rtol * fabs(want) + atol))
        fail_msg("%s: %s is %.12g, the hand computation %.12g", spec, what, got, want);
}

/* One step of the trainer against the hand computation of its losses, its penalty, its
 * D gradient (by finite differences over D's parameters) and its G loss. */
static void tl_check_first_step(const tl_spec *s)
{
    tl_rig r;
    tl_create(&r, s);
    const int per = s->single ? 1 : TL_PER;
    tl_draws dr;
    tl_draw(s, &dr);
    float real[TL_B * TL_IMAGE], fake[TL_B * TL_IMAGE];
    tl_real(0, real);
    const float *y;
    GT_OK(gan_model_forward(r.g, dr.z, NULL, TL_B, &y));
    memcpy(fake, y, sizeof fake);

    float *p, *grad;
    size_t n;
    GT_OK(gan_model_get_params(r.d, &p, &n));
    float *before = malloc(n * sizeof *before), *after = malloc(n * sizeof *after);
    assert_non_null(before);
    assert_non_null(after);
    memcpy(before, p, n * sizeof *p);
    double want_real, want_fake;
    tl_d_loss(s, r.d, real, fake, &dr, per, &want_real, &want_fake);
    const double want_gp = s->gp > 0 ? tl_penalty(s, r.d, real, fake, &dr, per) : 0.0;

    gan_step_stats_t st;
    tl_step(&r, 0, &st);
    tl_close(s->name, "d_loss_real", st.d_loss_real, want_real, 1e-6, 1e-7);
    tl_close(s->name, "d_loss_fake", st.d_loss_fake, want_fake, 1e-6, 1e-7);
    tl_close(s->name, "gradient_penalty", st.gradient_penalty, want_gp, 2e-3, 1e-6);
    if (s->gp > 0 && want_gp < 1e-3)
        fail_msg("%s: a vanishing penalty %g proves nothing", s->name, want_gp);

    /* G's loss on the reused fakes through the updated D. */
    float sf[TL_B * TL_PER];
    tl_scores(r.d, fake, sf);
    const double w = s->mix_weight;
    double want_g = (1 - w) * tl_g_term(s->loss, sf, per);
    if (w > 0)
        want_g += w * tl_g_term(s->mix_loss, sf, per);
    tl_close(s->name, "g_loss", st.g_loss, want_g, 1e-6, 1e-7);

    /* D's gradient arena still holds the D step's gradient (G's update leaves it). */
    if (s->gp == 0) {
        GT_OK(gan_model_get_grads(r.d, &grad, &n));
        memcpy(after, p, n * sizeof *p);
        double largest = 0.0;
        for (size_t k = 0; k < n; k++) {
            memcpy(p, before, n * sizeof *p);
            const float h = 1e-3f;
            double lr, lf;
            p[k] = before[k] + h;
            const double up = tl_d_loss(s, r.d, real, fake, &dr, per, &lr, &lf);
            p[k] = before[k] - h;
            const double down = tl_d_loss(s, r.d, real, fake, &dr, per, &lr, &lf);
            const double fd = (up - down) / (2.0 * h);
            largest = fmax(largest, fabs(fd));
            if (!(fabs(grad[k] - fd) <= 2e-3 * fmax(fabs(fd), fabs(grad[k])) + 2e-4))
                fail_msg("%s: d loss / d theta[%zu] is %.7g, finite difference %.7g",
                         s->name, k, (double)grad[k], fd);
        }
        if (largest < 1e-3) /* a check on vanishing gradients would prove nothing */
            fail_msg("%s: all gradients are below 1e-3 (%g)", s->name, largest);
        memcpy(p, after, n * sizeof *p);
    }
    free(before);
    free(after);
    tl_destroy(&r);
}

static const tl_spec tl_losses[] = {
    {.name = "bce", .loss = GAN_LOSS_BCE, .mix_loss = GAN_LOSS_WASSERSTEIN},
    {.name = "bce smoothed and flipped", .loss = GAN_LOSS_BCE,
     .mix_loss = GAN_LOSS_WASSERSTEIN, .smooth = true, .flip = 0.4},
    {.name = "wasserstein", .loss = GAN_LOSS_WASSERSTEIN, .mix_loss = GAN_LOSS_WASSERSTEIN},
    {.name = "wasserstein clipped", .loss = GAN_LOSS_WASSERSTEIN,
     .mix_loss = GAN_LOSS_WASSERSTEIN, .clip = 0.05},
    {.name = "wasserstein-gp", .loss = GAN_LOSS_WASSERSTEIN,
     .mix_loss = GAN_LOSS_WASSERSTEIN, .gp = 10},
    {.name = "hinge", .loss = GAN_LOSS_HINGE, .mix_loss = GAN_LOSS_WASSERSTEIN},
    {.name = "least squares", .loss = GAN_LOSS_LEAST_SQUARES,
     .mix_loss = GAN_LOSS_WASSERSTEIN},
    {.name = "bce, combined batch", .loss = GAN_LOSS_BCE, .mix_loss = GAN_LOSS_WASSERSTEIN,
     .smooth = true, .combined = true},
};

#define TL_N_LOSSES (sizeof tl_losses / sizeof tl_losses[0])

static void test_patch_map_matches_hand_computation(void **state)
{
    (void)state;
    for (size_t k = 0; k < TL_N_LOSSES; k++) {
        if (tl_losses[k].combined)
            continue; /* the hand computation runs D on each half alone */
        tl_check_first_step(&tl_losses[k]);
        tl_spec single = tl_losses[k];
        single.single = true; /* and the same through one score per sample */
        tl_check_first_step(&single);
    }
}

/* A few steps of every loss: finite, changing losses and moving parameters. */
static void test_patch_map_trains_with_every_loss(void **state)
{
    (void)state;
    for (size_t k = 0; k < TL_N_LOSSES; k++) {
        const tl_spec *s = &tl_losses[k];
        tl_rig r;
        tl_create(&r, s);
        gan_step_stats_t st, first;
        for (int i = 0; i < 6; i++) {
            tl_step(&r, i, &st);
            if (!isfinite(st.d_loss) || !isfinite(st.g_loss) || !isfinite(st.d_grad_norm))
                fail_msg("%s: step %d: d_loss %g, g_loss %g", s->name, i, st.d_loss,
                         st.g_loss);
            if (i == 0)
                first = st;
        }
        if (st.d_loss == first.d_loss || st.g_loss == first.g_loss)
            fail_msg("%s: the losses did not change (d %g, g %g)", s->name, st.d_loss,
                     st.g_loss);
        assert_true(st.d_grad_norm > 0 && st.g_grad_norm > 0);
        tl_destroy(&r);
    }
}

/* ---- the mixed loss -------------------------------------------------------------- */

/* Run @p steps and keep the stats of each and both models' parameters at the end. */
typedef struct tl_run {
    gan_step_stats_t st[8];
    float *g, *d;
    size_t ng, nd;
} tl_run;

static void tl_run_steps(const tl_spec *s, int steps, tl_run *out)
{
    tl_rig r;
    tl_create(&r, s);
    for (int i = 0; i < steps; i++)
        tl_step(&r, i, &out->st[i]);
    float *p;
    GT_OK(gan_model_get_params(r.g, &p, &out->ng));
    out->g = malloc(out->ng * sizeof *p);
    memcpy(out->g, p, out->ng * sizeof *p);
    GT_OK(gan_model_get_params(r.d, &p, &out->nd));
    out->d = malloc(out->nd * sizeof *p);
    memcpy(out->d, p, out->nd * sizeof *p);
    tl_destroy(&r);
}

static void tl_expect_identical(const char *what, const tl_run *a, const tl_run *b,
                                int steps)
{
    for (int i = 0; i < steps; i++)
        if (memcmp(&a->st[i], &b->st[i], sizeof a->st[i]) != 0)
            fail_msg("%s: the stats of step %d differ (d_loss %.17g vs %.17g)", what, i,
                     a->st[i].d_loss, b->st[i].d_loss);
    assert_true(a->ng == b->ng && a->nd == b->nd);
    if (memcmp(a->g, b->g, a->ng * sizeof *a->g) || memcmp(a->d, b->d, a->nd * sizeof *a->d))
        fail_msg("%s: the parameters differ", what);
}

static void tl_run_free(tl_run *r)
{
    free(r->g);
    free(r->d);
}

/* Weight 0 is off, whatever the secondary: bit for bit the unmixed run. */
static void test_mix_weight_zero_is_off(void **state)
{
    (void)state;
    for (size_t k = 0; k < TL_N_LOSSES; k++) {
        tl_spec plain = tl_losses[k], off = plain;
        off.mix_loss = plain.loss == GAN_LOSS_BCE ? GAN_LOSS_HINGE : GAN_LOSS_BCE;
        tl_run a = {0}, b = {0};
        tl_run_steps(&plain, 5, &a);
        tl_run_steps(&off, 5, &b);
        tl_expect_identical(plain.name, &a, &b, 5);
        tl_run_free(&a);
        tl_run_free(&b);
    }
}

/* Weight 1 with secondary X is the run of primary X, bit for bit (stats included): the
 * primary is not evaluated, so its label draws are not made either. */
static void test_mix_weight_one_is_the_secondary(void **state)
{
    (void)state;
    for (size_t k = 0; k < TL_N_LOSSES; k++) {
        tl_spec plain = tl_losses[k], mixed = plain;
        mixed.loss = plain.loss == GAN_LOSS_BCE ? GAN_LOSS_LEAST_SQUARES : GAN_LOSS_BCE;
        mixed.mix_loss = plain.loss;
        mixed.mix_weight = 1.0;
        tl_run a = {0}, b = {0};
        tl_run_steps(&plain, 5, &a);
        tl_run_steps(&mixed, 5, &b);
        tl_expect_identical(plain.name, &a, &b, 5);
        tl_run_free(&a);
        tl_run_free(&b);
    }
}

static const tl_spec tl_mixes[] = {
    {.name = "bce + 0.5 wasserstein", .loss = GAN_LOSS_BCE, .mix_loss = GAN_LOSS_WASSERSTEIN,
     .mix_weight = 0.5, .smooth = true, .flip = 0.2},
    {.name = "wasserstein + 0.3 bce", .loss = GAN_LOSS_WASSERSTEIN,
     .mix_loss = GAN_LOSS_BCE, .mix_weight = 0.3, .smooth = true},
    {.name = "least squares + 0.5 hinge", .loss = GAN_LOSS_LEAST_SQUARES,
     .mix_loss = GAN_LOSS_HINGE, .mix_weight = 0.5},
    {.name = "hinge + 0.25 least squares, gp", .loss = GAN_LOSS_HINGE,
     .mix_loss = GAN_LOSS_LEAST_SQUARES, .mix_weight = 0.25, .gp = 5},
};

/* Mixed D and G losses, gradients included, against the hand computation; then a few
 * steps train. */
static void test_mix_half_and_half(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof tl_mixes / sizeof tl_mixes[0]; k++) {
        tl_check_first_step(&tl_mixes[k]);
        tl_spec single = tl_mixes[k];
        single.single = true;
        tl_check_first_step(&single);
        tl_run a = {0};
        tl_run_steps(&tl_mixes[k], 6, &a);
        for (int i = 0; i < 6; i++)
            assert_true(isfinite(a.st[i].d_loss) && isfinite(a.st[i].g_loss));
        assert_true(a.st[5].d_loss != a.st[0].d_loss && a.st[5].g_loss != a.st[0].g_loss);
        tl_run_free(&a);
    }
}

/* The mix is saved: a trainer created without it takes it from the checkpoint; and a
 * checkpoint without it (17 hack values, as earlier libgan wrote) turns it off. */
static void test_mix_checkpoint(void **state)
{
    (void)state;
    char dir[] = "/tmp/gan-test-mix-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/mix.gan", dir);
    const tl_spec mixed = tl_mixes[0];
    tl_spec plain = mixed;
    plain.mix_weight = 0;
    plain.mix_loss = GAN_LOSS_WASSERSTEIN;
    for (int from_mixed = 1; from_mixed >= 0; from_mixed--) {
        const tl_spec *saved = from_mixed ? &mixed : &plain;
        const tl_spec *other = from_mixed ? &plain : &mixed;
        tl_rig a, b;
        tl_create(&a, saved);
        tl_create(&b, other);
        gan_step_stats_t sa, sb;
        for (int i = 0; i < 2; i++)
            tl_step(&a, i, &sa);
        GT_OK(gan_trainer_save(a.t, path));
        GT_OK(gan_trainer_load(b.t, path));
        for (int i = 2; i < 5; i++) {
            tl_step(&a, i, &sa);
            tl_step(&b, i, &sb);
            assert_memory_equal(&sa, &sb, sizeof sa);
        }
        tl_destroy(&a);
        tl_destroy(&b);
    }
    unlink(path);
    rmdir(dir);
}

static void test_mix_hack_settings(void **state)
{
    (void)state;
    gan_hacks_t *h;
    GT_OK(gan_hacks_create(&h));
    double v;
    GT_OK(gan_hacks_get(h, GAN_HACK_MIX_WEIGHT, &v));
    assert_true(v == 0.0);
    GT_OK(gan_hacks_get(h, GAN_HACK_MIX_LOSS, &v));
    assert_true(v == GAN_LOSS_WASSERSTEIN);
    GT_FAILS(gan_hacks_set(h, GAN_HACK_MIX_WEIGHT, 1.5), GAN_E_OUT_OF_RANGE, "mix_weight");
    GT_FAILS(gan_hacks_set(h, GAN_HACK_MIX_WEIGHT, -0.1), GAN_E_OUT_OF_RANGE, "mix_weight");
    GT_FAILS(gan_hacks_set(h, GAN_HACK_MIX_LOSS, 4), GAN_E_OUT_OF_RANGE, "mix_loss");
    GT_FAILS(gan_hacks_set(h, GAN_HACK_MIX_LOSS, 0.5), GAN_E_OUT_OF_RANGE, "integer");
    GT_OK(gan_hacks_set(h, GAN_HACK_MIX_LOSS, GAN_LOSS_HINGE));
    GT_OK(gan_hacks_set(h, GAN_HACK_MIX_WEIGHT, 0.25));
    char text[2048];
    GT_OK(gan_hacks_describe(h, text, sizeof text, NULL));
    assert_non_null(strstr(text, "mix_loss                 = hinge *"));
    assert_non_null(strstr(text, "mix_weight               = 0.25 *"));
    gan_hacks_destroy(h);
}

/* D's batch of scores must fit the losses' int32_t count. */
static void test_patch_map_too_many_scores(void **state)
{
    (void)state;
    const int32_t zd[1] = {2}, dims[1] = {2};
    gan_model_t *g = gt_model(zd, 1), *d = gt_model(dims, 1);
    gan_layer_t *l;
    gt_add(g, gan_layer_dense_create(&l, 2, true), l);
    gt_add(d, gan_layer_dense_create(&l, 1 << 20, false), l);
    GT_OK(gan_model_build(g, 1 << 11));
    GT_OK(gan_model_build(d, 1));
    gan_optimizer_t *go, *dopt;
    GT_OK(gan_optimizer_sgd_create(&go, g, 0.1f, 0.0f, false));
    GT_OK(gan_optimizer_sgd_create(&dopt, d, 0.1f, 0.0f, false));
    gan_trainer_t *t = NULL;
    GT_FAILS(gan_trainer_create(&t, g, d, go, dopt, NULL), GAN_E_OUT_OF_RANGE,
             "more than 2147483647 scores (1048576 per sample)");
    gt_gan_destroy(NULL, go, dopt, g, d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_patch_map_matches_hand_computation),
        cmocka_unit_test(test_patch_map_trains_with_every_loss),
        cmocka_unit_test(test_patch_map_too_many_scores),
        cmocka_unit_test(test_mix_hack_settings),
        cmocka_unit_test(test_mix_weight_zero_is_off),
        cmocka_unit_test(test_mix_weight_one_is_the_secondary),
        cmocka_unit_test(test_mix_half_and_half),
        cmocka_unit_test(test_mix_checkpoint),
    };
    return cmocka_run_group_tests_name("trainer_losses", tests, NULL, NULL);
}
