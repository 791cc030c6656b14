/* AC-GAN in the one-call trainer, through the public API: checkpoints (the hack count,
 * the round trip bit for bit, mismatched trainers refused) and learning (a conditional
 * ring of 8 Gaussians that only the class term can teach to draw the asked mode). */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acgan_rig.h"

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
        cmocka_unit_test(test_checkpoint),
        cmocka_unit_test(test_ring_draws_the_asked_mode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
