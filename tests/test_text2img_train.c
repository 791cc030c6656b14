/* Text-to-image training that must work (issue 15): the gradients a step follows are
 * those of GAN-CLS and GAN-INT's losses (central differences of the losses computed by
 * hand), and a tiny problem whose caption must be read is learned: each caption names
 * the bright quadrant of an 8x8 image, in several wordings. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text2img_rig.h"

/* ---- The gradients. ---- */

enum { GB = 4, GT = 3, GK = 5, GZ = 4, GSIDE = 4, GIMAGE = GSIDE * GSIDE };
#define WRONG_WEIGHT 0.7
#define SMOOTHING 0.1
#define BETA 0.3

typedef struct loss_ctx {
    gan_model_t *g, *d, *e;
    const float *images, *fakes, *z;
    float e_in[GB * GT], w_in[GB * GT];
    int32_t rows; /* interpolated rows of G's batch */
} loss_ctx;

static double bce(const float *logits, float target)
{
    float targets[GB];
    double loss;
    for (int i = 0; i < GB; i++)
        targets[i] = target;
    GT_OK(gan_loss_bce_logits(logits, targets, GB, &loss, NULL));
    return loss;
}

static double judge(gan_model_t *d, const float *image, const float *phi, float target)
{
    const float *in[2] = {image, phi}, *out[1];
    GT_OK(gan_model_forward_multi(d, in, NULL, GB, out));
    return bce(out[0], target);
}

static void encode(gan_model_t *e, const float *ids, float *phi)
{
    const float *y;
    GT_OK(gan_model_forward(e, ids, NULL, GB, &y));
    memcpy(phi, y, GB * GK * sizeof *y);
}

/* D's loss: the fakes are constants (G is not differentiated in D's update). */
static double d_loss(void *p)
{
    loss_ctx *c = p;
    float phi[GB * GK], phi_w[GB * GK];
    encode(c->e, c->e_in, phi);
    encode(c->e, c->w_in, phi_w);
    return judge(c->d, c->images, phi, 1.0f - SMOOTHING) +
           WRONG_WEIGHT * judge(c->d, c->images, phi_w, 0.0f) +
           (1.0 - WRONG_WEIGHT) * judge(c->d, c->fakes, phi, 0.0f);
}

/* G's text vectors: the first rows mixed with the next row's. */
static void interpolate(const loss_ctx *c, float *mixed)
{
    float phi[GB * GK];
    encode(c->e, c->e_in, phi);
    memcpy(mixed, phi, sizeof phi);
    for (int i = 0; i < c->rows; i++)
        for (int k = 0; k < GK; k++)
            mixed[i * GK + k] = (float)(BETA * phi[i * GK + k] +
                                        (1.0 - BETA) * phi[((i + 1) % GB) * GK + k]);
}

static double g_loss(void *p)
{
    loss_ctx *c = p;
    float phi[GB * GK];
    interpolate(c, phi);
    const float *in[2] = {c->z, phi}, *out[1];
    GT_OK(gan_model_forward_multi(c->g, in, NULL, GB, out));
    return judge(c->d, out[0], phi, 1.0f);
}

static float *params(gan_model_t *m, size_t *n)
{
    float *p;
    GT_OK(gan_model_get_params(m, &p, n));
    return p;
}

static float *grads_copy(gan_model_t *m)
{
    float *p;
    size_t n;
    GT_OK(gan_model_get_grads(m, &p, &n));
    return gt_copy_floats(p, n);
}

static void set_params(gan_model_t *m, const float *v)
{
    size_t n;
    float *p = params(m, &n);
    memcpy(p, v, n * sizeof *p);
}

/* One step with a fixed E trained, wrong captions given and every setting away from its
 * default; then D's and E's gradients against d_loss at the parameters before the step,
 * G's against g_loss at D's and E's parameters after their update (G's update follows
 * D's). A second trainer on the same models with the same seed gives the latents. */
static void test_gradients_are_the_losses(void **state)
{
    (void)state;
    const t2i_size s = {.V = 6, .T = GT, .K = GK, .Z = GZ, .side = GSIDE, .hidden = 8,
                        .B = GB};
    gan_model_t *g = t2i_generator(&s, 1, NULL), *d = t2i_discriminator(&s, 0, 2, NULL);
    gan_model_t *e = t2i_encoder(&s, 3, NULL);
    gan_optimizer_t *go = t2i_adam(g, 1e-2f), *dop = t2i_adam(d, 1e-2f);
    gan_optimizer_t *eo = t2i_adam(e, 1e-2f);
    gan_text2img_options_t o;
    GT_OK(gan_text2img_options_init(&o, sizeof o));
    o.wrong_weight = WRONG_WEIGHT;
    o.label_smoothing = SMOOTHING;
    o.interp_share = 0.5;
    o.interp_beta = BETA;
    gan_text2img_t *t, *twin;
    GT_OK(gan_text2img_create(&t, g, d, e, go, dop, eo, &o));
    GT_OK(gan_text2img_create(&twin, g, d, e, go, dop, eo, &o));
    float z[2 * GB * GZ], images[GB * GIMAGE], fakes[GB * GIMAGE];
    GT_OK(gan_text2img_sample_latent(twin, 2 * GB, z)); /* the D update's, then G's */
    int32_t captions[GB * GT], wrong[GB * GT];
    gt_rng r;
    gt_seed(&r, 9);
    gt_fill(&r, images, GB * GIMAGE, -1.0f, 1.0f);
    loss_ctx c = {.g = g, .d = d, .e = e, .images = images, .fakes = fakes,
                  .z = z + GB * GZ, .rows = 2};
    for (int i = 0; i < GB * GT; i++) {
        captions[i] = (int32_t)(gt_uniform(&r) * 6);
        wrong[i] = (int32_t)(gt_uniform(&r) * 6);
        c.e_in[i] = (float)captions[i];
        c.w_in[i] = (float)wrong[i];
    }
    size_t n[3];
    gan_model_t *m[3] = {g, d, e};
    /* D's weights larger, for gradients of E through D large enough to check, and its
     * hidden biases away from 0: G's first fakes are nearly constant and would put
     * LeakyReLU's kink within a difference step of their pre-activations. */
    float *dp = params(d, &n[1]);
    for (size_t i = 0; i < n[1]; i++)
        dp[i] = i >= n[1] - 17 && i < n[1] - 9 ? (i % 2 ? 0.3f : -0.3f) : 6.0f * dp[i];
    /* G's first Dense of weights about N(0, 1) rather than N(0, 0.02): BatchNorm over 4
     * samples amplifies a unit of little spread so much that a difference step of its
     * weights would leave the range where the loss is nearly linear. */
    float *gp = params(g, &n[0]);
    for (int i = 0; i < (GZ + GK) * 8; i++)
        gp[i] *= 50.0f;
    float *before[3], *after[3], *grad[3];
    for (int i = 0; i < 3; i++) {
        const float *p = params(m[i], &n[i]);
        before[i] = gt_copy_floats(p, n[i]);
    }
    GT_OK(gan_text2img_step(t, images, captions, wrong, GB, NULL));
    for (int i = 0; i < 3; i++) {
        const float *p = params(m[i], &n[i]);
        after[i] = gt_copy_floats(p, n[i]);
        grad[i] = grads_copy(m[i]);
        set_params(m[i], before[i]);
    }
    float phi[GB * GK];
    encode(e, c.e_in, phi);
    const float *in[2] = {z, phi}, *out[1];
    GT_OK(gan_model_forward_multi(g, in, NULL, GB, out));
    memcpy(fakes, out[0], sizeof fakes);
    gt_check_gradient(d_loss, &c, "text2img D update", "D", grad[1], params(d, &n[1]), n[1]);
    gt_check_gradient(d_loss, &c, "text2img D update", "E", grad[2], params(e, &n[2]), n[2]);
    set_params(d, after[1]);
    set_params(e, after[2]);
    gt_check_gradient(g_loss, &c, "text2img G update", "G", grad[0], params(g, &n[0]), n[0]);
    for (int i = 0; i < 3; i++) {
        free(before[i]);
        free(after[i]);
        free(grad[i]);
    }
    gan_text2img_destroy(twin);
    gan_text2img_destroy(t);
    gan_optimizer_destroy(eo);
    gan_model_destroy(e);
    gt_gan_destroy(NULL, go, dop, g, d);
}

/* ---- Learning which quadrant a caption names. ---- */

enum { V = 10, T = 4, SIDE = 8, B = 32, STEPS = 2500, SAMPLES = 64 };
enum { PAD, TOP, BOTTOM, LEFT, RIGHT, THE, CORNER, BRIGHT, UPPER, LOWER };

/* Quadrant q: row q / 2 (top, bottom), column q % 2 (left, right), in one of four
 * wordings with synonyms: "top left", "the upper left corner", "bright left top",
 * "corner right lower". */
static void caption(gt_rng *r, int q, int32_t *ids)
{
    const int32_t row = q / 2 ? (gt_uniform(r) < 0.5 ? BOTTOM : LOWER)
                              : (gt_uniform(r) < 0.5 ? TOP : UPPER);
    const int32_t col = q % 2 ? RIGHT : LEFT;
    const int32_t forms[4][T] = {{row, col, PAD, PAD},
                                 {THE, row, col, CORNER},
                                 {BRIGHT, col, row, PAD},
                                 {CORNER, col, row, PAD}};
    memcpy(ids, forms[(int)(gt_uniform(r) * 4)], sizeof forms[0]);
}

/* A dark image (-0.8 to -0.7) whose quadrant q is bright (0.2 to 0.8): values away from
 * tanh's -1 and 1, which G could only reach with vanishing gradients (a G stuck drawing
 * saturated blocks in the wrong quadrant was the failure seen before). */
static void picture(gt_rng *r, int q, float *x)
{
    const float level = (float)(0.2 + 0.5 * gt_uniform(r));
    for (int i = 0; i < SIDE; i++)
        for (int j = 0; j < SIDE; j++) {
            const bool lit = (i >= SIDE / 2) == (q / 2 == 1) &&
                             (j >= SIDE / 2) == (q % 2 == 1);
            x[i * SIDE + j] = (lit ? level : -0.8f) + (float)(0.1 * gt_uniform(r));
        }
}

/* The quadrant with the largest mean. */
static int brightest(const float *x)
{
    double sum[4] = {0};
    for (int i = 0; i < SIDE; i++)
        for (int j = 0; j < SIDE; j++)
            sum[(i >= SIDE / 2) * 2 + (j >= SIDE / 2)] += x[i * SIDE + j];
    int best = 0;
    for (int q = 1; q < 4; q++)
        if (sum[q] > sum[best])
            best = q;
    return best;
}

/* The share of SAMPLES images drawn for captions of each quadrant whose brightest
 * quadrant is the one named; the least of the four. */
static double worst_share(gan_text2img_t *t, gt_rng *r, double share[4])
{
    int32_t ids[SAMPLES * T];
    float *x = malloc((size_t)SAMPLES * SIDE * SIDE * sizeof *x);
    assert_non_null(x);
    double worst = 1.0;
    for (int q = 0; q < 4; q++) {
        for (int i = 0; i < SAMPLES; i++)
            caption(r, q, ids + i * T);
        GT_OK(gan_text2img_generate(t, ids, SAMPLES, NULL, x));
        int hits = 0;
        for (int i = 0; i < SAMPLES; i++)
            hits += brightest(x + (size_t)i * SIDE * SIDE) == q;
        share[q] = (double)hits / SAMPLES;
        worst = fmin(worst, share[q]);
    }
    free(x);
    return worst;
}

/* STEPS steps of batch 32, wrong captions naming another quadrant: G draws the quadrant
 * the caption names for at least 90 % of samples of each quadrant (a quarter by chance),
 * and D scores real images with their captions above real images with wrong ones.
 * Measured: see doc/TRAINING.md. */
static void test_learns_the_named_quadrant(void **state)
{
    (void)state;
    const t2i_size s = {.V = V, .T = T, .K = 32, .Z = 8, .side = SIDE, .hidden = 128, .B = B};
    t2i_rig rig;
    t2i_rig_make(&rig, &s, 5, true, 1e-3f, NULL, NULL);
    gt_rng r;
    gt_seed(&r, 1);
    double share[4];
    const double untrained = worst_share(rig.t, &r, share);
    float images[B * SIDE * SIDE];
    int32_t captions[B * T], wrong[B * T];
    gan_text2img_stats_t st = {.struct_size = sizeof st};
    double real = 0, mismatched = 0;
    int last = 0;
    for (int k = 0; k < STEPS; k++) {
        for (int i = 0; i < B; i++) {
            const int q = (int)(gt_uniform(&r) * 4);
            const int other = (q + 1 + (int)(gt_uniform(&r) * 3)) % 4;
            picture(&r, q, images + i * SIDE * SIDE);
            caption(&r, q, captions + i * T);
            caption(&r, other, wrong + i * T);
        }
        GT_OK(gan_text2img_step(rig.t, images, captions, wrong, B, &st));
        if (k >= STEPS - 100) {
            real += st.d_real;
            mismatched += st.d_wrong;
            last++;
        }
    }
    real /= last;
    mismatched /= last;
    const double trained = worst_share(rig.t, &r, share);
    print_message("named quadrant drawn: untrained %.3f, after %d steps %.3f (by quadrant "
                  "%.3f %.3f %.3f %.3f); D over the last 100 steps: real/right %.3f, "
                  "real/wrong %.3f, fake %.3f\n", untrained, STEPS, trained, share[0],
                  share[1], share[2], share[3], real, mismatched, st.d_fake);
    assert_true(trained >= 0.9);
    assert_true(real > mismatched + 0.1);
    t2i_rig_free(&rig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradients_are_the_losses),
        cmocka_unit_test(test_learns_the_named_quadrant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
