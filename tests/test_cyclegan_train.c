/* The CycleGAN trainer through the public API: a toy translation that must work, exact
 * resume from a checkpoint, and checkpoint mismatches. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cyclegan_rig.h"
#include "test_util.h"

enum { IMG = 64 };

/* The toy: 8x8 bars on -1 (domain A) and their negatives (domain B), two classes
 * (horizontal, vertical), unpaired batches of 8. The right translation is x -> -x. After
 * TOY_STEPS steps (Adam 2e-3, the reference's losses, pools of 50, the learning rate
 * constant for half the run and decaying over the other half), both directions must
 * keep the class of at least TOY_KEPT of 512 fresh images, as a classifier of the target
 * domain sees them (untranslated images score 0: they are on the wrong background),
 * land within TOY_EXACT of the negative (mean |G(a) + a|), and the cycle error mean
 * |F(G(a)) - a| must be below TOY_CYCLE in both directions.
 *
 * Identity is off and the cycle weight is 1, not the reference's 10 and 5: G(b) = b is
 * the opposite of this toy's translation, and G = F = identity is a cycle-consistent
 * solution that a large weight makes a trap (with identity off and weight 10, 2 of 5
 * seeds stay there; 5: 2 of 8; 3: 1 of 8, and one more ends elsewhere; 1: none of
 * 8). */
#define TOY_STEPS 300
#define TOY_CYCLE_WEIGHT 1.0
#define TOY_KEPT 0.95
#define TOY_EXACT 0.2
#define TOY_CYCLE 0.15

static void test_toy_translation(void **state)
{
    (void)state;
    enum { BATCH = 8, N = 512 };
    cg_rig r;
    gan_cyclegan_options_t o;
    GT_OK(gan_cyclegan_options_init(&o, sizeof o));
    o.cycle_weight = TOY_CYCLE_WEIGHT;
    o.identity_weight = 0;
    cg_rig_make(&r, BATCH, 1, 8, 8, 21, &o);
    gan_lr_schedule_t *s;
    GT_OK(gan_lr_schedule_linear_create(&s, 2e-3, TOY_STEPS / 2, TOY_STEPS - TOY_STEPS / 2));
    GT_OK(gan_cyclegan_set_lr_schedule(r.t, s, s));
    gan_lr_schedule_destroy(s);
    uint64_t da = 1, db = 2; /* independent draws: no pairing */
    float a[BATCH * IMG], b[BATCH * IMG];
    gan_cyclegan_stats_t st = {.struct_size = sizeof st};
    const clock_t start = clock();
    for (int k = 0; k < TOY_STEPS; k++) {
        cg_toy_batch(&da, a, NULL, BATCH, false);
        cg_toy_batch(&db, b, NULL, BATCH, true);
        GT_OK(gan_cyclegan_step(r.t, a, b, BATCH, &st));
    }
    const double seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
    assert_true(st.g_learning_rate == (double)(float)(2e-3 / (TOY_STEPS / 2 + 1)));

    float *x = malloc(sizeof *x * N * IMG), *y = malloc(sizeof *y * N * IMG);
    float *back = malloc(sizeof *back * N * IMG);
    int32_t labels[N];
    assert_true(x && y && back);
    double kept[2], untranslated[2], cycle[2], exact[2];
    uint64_t seed = 99;
    for (int dir = 0; dir < 2; dir++) {
        const bool to_b = dir == GAN_CYCLEGAN_A2B;
        cg_toy_batch(&seed, x, labels, N, !to_b);
        GT_OK(gan_cyclegan_translate(r.t, dir, x, N, y));
        GT_OK(gan_cyclegan_translate(r.t, 1 - dir, y, N, back));
        int same = 0, before = 0;
        double err = 0, neg = 0;
        for (int i = 0; i < N; i++) {
            same += cg_toy_class(y + (size_t)i * IMG, to_b) == labels[i];
            before += cg_toy_class(x + (size_t)i * IMG, to_b) == labels[i];
        }
        for (size_t k = 0; k < (size_t)N * IMG; k++) {
            err += fabs((double)back[k] - x[k]);
            neg += fabs((double)y[k] + x[k]);
        }
        kept[dir] = (double)same / N;
        untranslated[dir] = (double)before / N;
        cycle[dir] = err / ((double)N * IMG);
        exact[dir] = neg / ((double)N * IMG);
    }
    print_message("    toy CycleGAN, %d steps in %.1f s CPU: label kept A->B %.1f %%, B->A "
                  "%.1f %% (untranslated: %.1f %%, %.1f %%); cycle error |F(G(a)) - a| "
                  "%.4f, |G(F(b)) - b| %.4f; distance to the negative %.4f, %.4f; last "
                  "step: D_A %.3f D_B %.3f G %.3f\n", TOY_STEPS, seconds, 100 * kept[0],
                  100 * kept[1], 100 * untranslated[0], 100 * untranslated[1], cycle[0],
                  cycle[1], exact[0], exact[1], st.d_a_loss, st.d_b_loss, st.g_loss);
    for (int dir = 0; dir < 2; dir++) {
        assert_true(kept[dir] >= TOY_KEPT);
        assert_true(exact[dir] < TOY_EXACT);
        assert_true(cycle[dir] < TOY_CYCLE);
    }
    free(x);
    free(y);
    free(back);
    cg_rig_free(&r);
}

/* k steps + save + a new trainer + load + m steps gives the parameters, optimizer state
 * and statistics of k + m straight steps, bit for bit: pools filled and drawn from,
 * schedule half-way through its decay. */
static void run(cg_rig *r, uint64_t *da, uint64_t *db, int steps, gan_cyclegan_stats_t *st)
{
    float a[4 * IMG], b[4 * IMG];
    for (int k = 0; k < steps; k++) {
        cg_toy_batch(da, a, NULL, 4, false);
        cg_toy_batch(db, b, NULL, 4, true);
        GT_OK(gan_cyclegan_step(r->t, a, b, 4, st));
    }
}

static void make(cg_rig *r)
{
    gan_cyclegan_options_t o;
    GT_OK(gan_cyclegan_options_init(&o, sizeof o));
    o.pool_size = 6;
    o.seed = 5;
    cg_rig_make(r, 4, 1, 8, 8, 8, &o);
    gan_lr_schedule_t *s;
    GT_OK(gan_lr_schedule_linear_create(&s, 2e-3, 3, 8));
    GT_OK(gan_cyclegan_set_lr_schedule(r->t, s, NULL));
    gan_lr_schedule_destroy(s);
}

static void test_resume_is_exact(void **state)
{
    (void)state;
    cg_rig straight, first, resumed;
    gan_cyclegan_stats_t s1 = {.struct_size = sizeof s1}, s2 = {.struct_size = sizeof s2};
    uint64_t da = 3, db = 4;
    make(&straight);
    run(&straight, &da, &db, 7, &s1);

    char path[64];
    gt_temp_path(path, sizeof path, "cyclegan");
    da = 3;
    db = 4;
    make(&first);
    run(&first, &da, &db, 4, &s2);
    GT_OK(gan_cyclegan_set_data_position(first.t, 4));
    GT_OK(gan_cyclegan_save(first.t, path));
    cg_rig_free(&first);
    make(&resumed);
    GT_OK(gan_cyclegan_set_lr_schedule(resumed.t, NULL, NULL)); /* the file's comes back */
    GT_OK(gan_cyclegan_load(resumed.t, path));
    uint64_t pos;
    GT_OK(gan_cyclegan_get_data_position(resumed.t, &pos));
    assert_int_equal(pos, 4);
    run(&resumed, &da, &db, 3, &s2);
    remove(path);

    for (int i = 0; i < 4; i++) {
        gt_same_params(straight.m[i], resumed.m[i]);
        uint64_t t1, t2;
        GT_OK(gan_optimizer_get_step_count(straight.o[i], &t1));
        GT_OK(gan_optimizer_get_step_count(resumed.o[i], &t2));
        assert_int_equal(t1, 7);
        assert_int_equal(t2, 7);
    }
    assert_memory_equal(&s1, &s2, sizeof s1);
    assert_true(s2.g_learning_rate == (double)(float)(2e-3 * 5 / 9.0));
    assert_true(s2.d_learning_rate == (double)2e-3f);
    cg_rig_free(&straight);
    cg_rig_free(&resumed);
}

/* Loading refuses another trainer's file, and changes nothing when it does. */
static void test_checkpoint_mismatch(void **state)
{
    (void)state;
    char path[64];
    gt_temp_path(path, sizeof path, "cyclegan");
    cg_rig r, other;
    make(&r);
    GT_OK(gan_cyclegan_save(r.t, path));

    gan_cyclegan_options_t o;
    GT_OK(gan_cyclegan_options_init(&o, sizeof o));
    o.pool_size = 0;
    cg_rig_make(&other, 4, 1, 8, 8, 8, &o);
    GT_FAILS(gan_cyclegan_load(other.t, path), GAN_E_FORMAT, "image pools hold 6 images");
    cg_rig_free(&other);
    o.pool_size = 6;
    o.identity_weight = 0;
    cg_rig_make(&other, 4, 1, 8, 8, 8, &o);
    GT_FAILS(gan_cyclegan_load(other.t, path), GAN_E_FORMAT, "identity terms on");
    cg_rig_free(&other);
    /* Another architecture: D_B with 2 channels of input is another model. */
    o.identity_weight = 0;
    cg_rig_make(&other, 4, 2, 8, 8, 8, &o);
    GT_FAILS(gan_cyclegan_load(other.t, path), GAN_E_FORMAT, "generator G (A to B)");
    cg_rig_free(&other);

    /* A pair trainer's file is not a CycleGAN's, and the other way round. */
    gan_trainer_t *pair;
    GT_OK(gan_trainer_create(&pair, r.m[0], r.m[3], r.o[0], r.o[3], NULL));
    GT_FAILS(gan_trainer_load(pair, path), GAN_E_FORMAT, "unknown section 'FMDL'");
    char pair_path[64];
    gt_temp_path(pair_path, sizeof pair_path, "cyclegan");
    GT_OK(gan_trainer_save(pair, pair_path));
    GT_FAILS(gan_cyclegan_load(r.t, pair_path), GAN_E_FORMAT, pair_path);
    gan_trainer_destroy(pair);
    remove(pair_path);

    GT_FAILS(gan_cyclegan_load(r.t, "/nonexistent/x"), GAN_E_IO, "/nonexistent/x");
    GT_FAILS(gan_cyclegan_load(r.t, ""), GAN_E_INVALID_ARG, "empty");
    GT_FAILS(gan_cyclegan_load(NULL, path), GAN_E_INVALID_ARG, "trainer");
    GT_FAILS(gan_cyclegan_save(r.t, NULL), GAN_E_INVALID_ARG, "path");
    GT_FAILS(gan_cyclegan_save(r.t, "/nonexistent/x"), GAN_E_IO, "/nonexistent/x");
    GT_OK(gan_cyclegan_load(r.t, path));
    remove(path);
    cg_rig_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_toy_translation),
        cmocka_unit_test(test_resume_is_exact),
        cmocka_unit_test(test_checkpoint_mismatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
