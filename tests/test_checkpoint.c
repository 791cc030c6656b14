/* Training-state checkpoints through the public API: exact resumption, every kind of
 * damaged, foreign or mismatched file, and atomic saving. */
#include "test_util.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint_rig.h"

static char dir[256]; /* the tests' scratch directory */

static const char *in_dir(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
    return buf;
}

/* A checkpoint of the rig @p s after @p steps. */
static void save_spec_trained(const char *path, const rig_spec *s, uint64_t steps)
{
    rig r;
    rig_trained(&r, s, steps);
    GT_OK(gan_trainer_save(r.t, path));
    rig_destroy(&r);
}

/* A checkpoint of the base rig after @p steps. */
static void save_trained(const char *path, uint64_t steps)
{
    save_spec_trained(path, &base_spec, steps);
}

/* Both parameter arenas, concatenated, in a malloc'ed block of *n floats. */
static float *params_copy(const rig *r, size_t *n)
{
    float *gp, *dp;
    size_t gn, dn;
    GT_OK(gan_model_get_params(r->g, &gp, &gn));
    GT_OK(gan_model_get_params(r->d, &dp, &dn));
    float *all = malloc((gn + dn) * sizeof *all);
    assert_non_null(all);
    memcpy(all, gp, gn * sizeof *all);
    memcpy(all + gn, dp, dn * sizeof *all);
    *n = gn + dn;
    return all;
}

static bool params_equal(const rig *r, const float *want, size_t n)
{
    size_t have_n;
    float *have = params_copy(r, &have_n);
    bool same = have_n == n && memcmp(have, want, n * sizeof *want) == 0;
    free(have);
    return same;
}

static uint8_t *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    uint8_t *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return buf;
}

static void write_all(const char *path, const void *data, size_t size)
{
    /* A new file each time: ext4 syncs a file rewritten after truncation on close. */
    unlink(path);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, size, f), size);
    assert_int_equal(fclose(f), 0);
}

static void assert_same_file(const char *a, const char *b)
{
    size_t na, nb;
    uint8_t *da = read_all(a, &na), *db = read_all(b, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(da, db, na);
    free(da);
    free(db);
}

/* Names in the scratch directory other than @p keep (temporary files left behind). */
static int stray_files(const char *keep)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int stray = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, keep)) {
            print_message("stray file %s\n", e->d_name);
            stray++;
        }
    closedir(d);
    return stray;
}

static void remove_all(void)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    char path[512];
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            unlink(in_dir(path, sizeof path, e->d_name));
    closedir(d);
}

static int group_setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/gan_ckpt_XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    chmod(dir, 0700);
    remove_all();
    return rmdir(dir);
}

static int test_teardown(void **state)
{
    (void)state;
    chmod(dir, 0700);
    remove_all();
    return 0;
}

/* 20 steps straight equal 10 steps, save, rebuild everything (other seeds, settings and
 * hacks, which the load must overwrite), load, 10 steps: bit for bit. */
static void test_exact_resume(void **state)
{
    (void)state;
    char straight[512], half[512], resumed[512];
    in_dir(straight, sizeof straight, "straight");
    in_dir(half, sizeof half, "half");
    in_dir(resumed, sizeof resumed, "resumed");

    rig a;
    rig_trained(&a, &base_spec, 20);
    GT_OK(gan_trainer_save(a.t, straight));
    save_trained(half, 10);

    rig_spec other = base_spec;
    other.seed = 77;
    other.alt_settings = true;
    rig c;
    rig_create(&c, &other);
    size_t n;
    float *before = params_copy(&c, &n);
    GT_OK(gan_trainer_load(c.t, half));
    assert_false(params_equal(&c, before, n));
    free(before);
    uint64_t pos;
    GT_OK(gan_trainer_get_data_position(c.t, &pos));
    assert_int_equal(pos, 10);
    double lr;
    GT_OK(gan_optimizer_get(c.d_opt, GAN_OPT_LEARNING_RATE, &lr));
    assert_true(lr == (double)1e-3f);
    train_to(&c, 20);

    float *want = params_copy(&a, &n);
    assert_true(params_equal(&c, want, n));
    free(want);
    uint64_t sa, sc;
    GT_OK(gan_optimizer_get_step_count(a.g_opt, &sa));
    GT_OK(gan_optimizer_get_step_count(c.g_opt, &sc));
    assert_int_equal(sa, sc);

    /* The EMA weights and BatchNorm running statistics show in inference samples. */
    enum { N = 2 * BATCH };
    float z[N * LATENT], ya[N * IMAGE], yc[N * IMAGE];
    gt_rng g;
    gt_seed(&g, 5);
    gt_fill(&g, z, N * LATENT, -2.0f, 2.0f);
    GT_OK(gan_trainer_generate(a.t, z, NULL, N, true, ya));
    GT_OK(gan_trainer_generate(c.t, z, NULL, N, true, yc));
    assert_memory_equal(ya, yc, sizeof ya);

    /* Everything else (optimizer state, every random stream, replay pool, counters):
     * the two trainers' checkpoints are the same bytes. */
    GT_OK(gan_trainer_save(c.t, resumed));
    assert_same_file(straight, resumed);
    rig_destroy(&a);
    rig_destroy(&c);
}

/* The model flags and the data position travel with the checkpoint. */
static void test_flags_and_position(void **state)
{
    (void)state;
    char path[512];
    in_dir(path, sizeof path, "flags");
    rig a, b;
    rig_trained(&a, &base_spec, 2);
    GT_OK(gan_trainer_set_data_position(a.t, UINT64_C(12345678901234)));
    GT_OK(gan_model_set_training(a.g, false));
    GT_OK(gan_model_set_trainable(a.d, false));
    GT_OK(gan_trainer_save(a.t, path));
    rig_create(&b, &base_spec);
    GT_OK(gan_trainer_load(b.t, path));
    uint64_t pos, steps;
    bool flag;
    GT_OK(gan_trainer_get_data_position(b.t, &pos));
    assert_true(pos == UINT64_C(12345678901234));
    GT_OK(gan_model_get_training(b.g, &flag));
    assert_false(flag);
    GT_OK(gan_model_get_trainable(b.d, &flag));
    assert_false(flag);
    GT_OK(gan_optimizer_get_step_count(b.d_opt, &steps));
    assert_int_equal(steps, 2);
    rig_destroy(&a);
    rig_destroy(&b);
}

/* A load of @p path must fail with @p status and a message naming the path (and
 * @p needle), leaving the parameters as they were. */
static void expect_rejected(const rig *r, const char *path, gan_status status,
                            const char *needle, const float *params, size_t n)
{
    gan_status st = gan_trainer_load(r->t, path);
    if (st != status)
        fail_msg("load of %s -> %d, wanted %d: %s", path, (int)st, (int)status,
                 gan_last_error());
    if (!strstr(gan_last_error(), path) || (needle && !strstr(gan_last_error(), needle)))
        fail_msg("message \"%s\" lacks the path or \"%s\"", gan_last_error(),
                 needle ? needle : "");
    assert_true(params_equal(r, params, n));
}

/* A good checkpoint, damaged every way: truncated, each byte flipped, foreign. */
static void test_damaged_files(void **state)
{
    (void)state;
    char good[512], bad[512], before[512], after[512];
    in_dir(good, sizeof good, "good");
    in_dir(bad, sizeof bad, "bad");
    in_dir(before, sizeof before, "before");
    in_dir(after, sizeof after, "after");
    save_trained(good, 3);
    rig_spec other = base_spec;
    other.seed = 5;
    rig victim;
    rig_trained(&victim, &other, 2);
    GT_OK(gan_trainer_save(victim.t, before));
    size_t n, size;
    float *params = params_copy(&victim, &n);
    uint8_t *bytes = read_all(good, &size);
    uint8_t *copy = malloc(size + 1);
    assert_non_null(copy);

    /* Every 97th length, then the file without its last byte. */
    int truncations = 0;
    for (size_t cut = 0;; cut += 97) {
        cut = cut < size - 1 ? cut : size - 1;
        write_all(bad, bytes, cut);
        expect_rejected(&victim, bad, GAN_E_FORMAT, cut == 0 ? "empty" : NULL, params, n);
        truncations++;
        if (cut == size - 1)
            break;
    }
    for (size_t i = 0; i < size; i++) {
        memcpy(copy, bytes, size);
        copy[i] ^= 0xFF;
        write_all(bad, copy, size);
        expect_rejected(&victim, bad, GAN_E_FORMAT, NULL, params, n);
    }
    print_message("%d truncations and %zu flipped bytes of a %zu-byte checkpoint rejected\n",
                  truncations, size, size);

    memcpy(copy, bytes, size);
    copy[size] = 0;
    write_all(bad, copy, size + 1);
    expect_rejected(&victim, bad, GAN_E_FORMAT, "unexpected bytes", params, n);
    copy[1] = 'X';
    write_all(bad, copy, size);
    expect_rejected(&victim, bad, GAN_E_FORMAT, "not a libgan checkpoint", params, n);
    memcpy(copy, bytes, size);
    copy[8] = 2; /* the version field, little-endian */
    write_all(bad, copy, size);
    expect_rejected(&victim, bad, GAN_E_FORMAT, "newer", params, n);

    static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                  'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0};
    write_all(bad, png, sizeof png);
    expect_rejected(&victim, bad, GAN_E_FORMAT, "not a libgan checkpoint", params, n);
    gt_rng g;
    gt_seed(&g, 9);
    for (size_t i = 0; i < size; i++)
        copy[i] = (uint8_t)(gt_uniform(&g) * 256);
    write_all(bad, copy, size);
    expect_rejected(&victim, bad, GAN_E_FORMAT, "not a libgan checkpoint", params, n);
    write_all(bad, "", 0);
    expect_rejected(&victim, bad, GAN_E_FORMAT, "empty", params, n);

    char missing[512];
    expect_rejected(&victim, in_dir(missing, sizeof missing, "missing"), GAN_E_IO,
                    strerror(ENOENT), params, n);
    expect_rejected(&victim, dir, GAN_E_IO, "not a regular file", params, n);

    /* Nothing else moved either: the whole state saves to the same bytes. */
    GT_OK(gan_trainer_save(victim.t, after));
    assert_same_file(before, after);
    free(copy);
    free(bytes);
    free(params);
    rig_destroy(&victim);
}

/* A checkpoint written by the release before graph models (tests/fixtures/
 * make_checkpoint.c) loads and resumes, and today's library writes the same bytes for
 * the same training. */
static void test_earlier_release_fixture(void **state)
{
    (void)state;
    const char *fixtures = getenv("GAN_TEST_FIXTURES");
    if (!fixtures)
        skip();
    char old_path[512], new_path[512];
    snprintf(old_path, sizeof old_path, "%s/checkpoint-0.1.gan", fixtures);
    save_spec_trained(in_dir(new_path, sizeof new_path, "today"), &fixture_spec, 5);
    assert_same_file(old_path, new_path);

    rig resumed, straight;
    rig_create(&resumed, &fixture_spec);
    GT_OK(gan_trainer_load(resumed.t, old_path));
    uint64_t pos;
    GT_OK(gan_trainer_get_data_position(resumed.t, &pos));
    assert_int_equal(pos, 5);
    train_to(&resumed, 8);
    rig_trained(&straight, &fixture_spec, 8);
    size_t n;
    float *want = params_copy(&straight, &n);
    assert_true(params_equal(&resumed, want, n));
    free(want);
    rig_destroy(&resumed);
    rig_destroy(&straight);
}

/* Trainers whose models, optimizers or buffer-shaping hacks differ from the file's. */
static void test_mismatch(void **state)
{
    (void)state;
    char good[512];
    in_dir(good, sizeof good, "good");
    save_trained(good, 1);

    static const struct {
        rig_spec spec;
        const char *needle;
    } cases[] = {
        /* one layer fewer: layer 3 is Dropout in the file and Dense here */
        {{32, false, false, GAN_OPTIM_RMSPROP, 1, false, true, true, false},
         "generator layer 3 'dense_3' differs in its kind"},
        /* one layer more at the end of D */
        {{32, true, true, GAN_OPTIM_RMSPROP, 1, false, true, true, false},
         "layer 5 'dense_5' (dense)"},
        /* 33 filters instead of 32 */
        {{33, true, false, GAN_OPTIM_RMSPROP, 1, false, true, true, false},
         "generator layer 0 'dense_0' differs in its output shape"},
        {{32, true, false, GAN_OPTIM_RMSPROP, 1, false, true, false, false},
         "discriminator layer 0 'dense_0' differs in its spectral normalisation"},
        {{32, true, false, GAN_OPTIM_SGD, 1, false, true, true, false},
         "is rmsprop, this trainer's is sgd"},
        {{32, true, false, GAN_OPTIM_RMSPROP, 1, false, false, true, false}, "ema_decay"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rig r;
        rig_create(&r, &cases[i].spec);
        size_t n;
        float *params = params_copy(&r, &n);
        expect_rejected(&r, good, GAN_E_FORMAT, cases[i].needle, params, n);
        print_message("%s\n", gan_last_error());
        free(params);
        rig_destroy(&r);
    }
}

/* Saves are atomic: a failed save leaves the previous checkpoint and no stray file. */
static void test_atomic_save(void **state)
{
    (void)state;
    char path[512], probe[512], lost[512];
    in_dir(path, sizeof path, "ckpt");
    in_dir(probe, sizeof probe, "probe");
    snprintf(lost, sizeof lost, "%s/no/such/dir/ckpt", dir);
    rig r;
    rig_trained(&r, &base_spec, 2);
    GT_OK(gan_trainer_save(r.t, path));
    size_t n;
    float *saved = params_copy(&r, &n);
    assert_int_equal(stray_files("ckpt"), 0);

    /* A replaced checkpoint keeps its permission bits. */
    struct stat sb;
    assert_int_equal(chmod(path, 0640), 0);
    GT_OK(gan_trainer_save(r.t, path));
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0640);

    train_to(&r, 3);
    assert_int_equal(chmod(dir, 0555), 0);
    FILE *f = fopen(probe, "w"); /* root ignores the mode */
    if (f) {
        fclose(f);
        unlink(probe);
        print_message("skipping the read-only directory case: running as root\n");
    } else {
        GT_FAILS(gan_trainer_save(r.t, path), GAN_E_IO, strerror(EACCES));
        assert_non_null(strstr(gan_last_error(), path));
    }
    assert_int_equal(chmod(dir, 0700), 0);
    GT_FAILS(gan_trainer_save(r.t, lost), GAN_E_IO, strerror(ENOENT));
    assert_int_equal(stray_files("ckpt"), 0);

    rig fresh;
    rig_create(&fresh, &base_spec);
    GT_OK(gan_trainer_load(fresh.t, path));
    assert_true(params_equal(&fresh, saved, n));
    free(saved);
    rig_destroy(&fresh);
    rig_destroy(&r);
}

static void test_errors(void **state)
{
    (void)state;
    rig r;
    rig_create(&r, &base_spec);
    uint64_t pos;
    GT_FAILS(gan_trainer_save(NULL, "x"), GAN_E_INVALID_ARG, "trainer");
    GT_FAILS(gan_trainer_save(r.t, NULL), GAN_E_INVALID_ARG, "path");
    GT_FAILS(gan_trainer_save(r.t, ""), GAN_E_INVALID_ARG, "empty");
    GT_FAILS(gan_trainer_load(NULL, "x"), GAN_E_INVALID_ARG, "trainer");
    GT_FAILS(gan_trainer_load(r.t, NULL), GAN_E_INVALID_ARG, "path");
    GT_FAILS(gan_trainer_set_data_position(NULL, 1), GAN_E_INVALID_ARG, "trainer");
    GT_FAILS(gan_trainer_get_data_position(NULL, &pos), GAN_E_INVALID_ARG, "trainer");
    GT_FAILS(gan_trainer_get_data_position(r.t, NULL), GAN_E_INVALID_ARG, "position");
    GT_OK(gan_trainer_get_data_position(r.t, &pos));
    assert_int_equal(pos, 0);
    rig_destroy(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_exact_resume, test_teardown),
        cmocka_unit_test_teardown(test_flags_and_position, test_teardown),
        cmocka_unit_test_teardown(test_damaged_files, test_teardown),
        cmocka_unit_test_teardown(test_earlier_release_fixture, test_teardown),
        cmocka_unit_test_teardown(test_mismatch, test_teardown),
        cmocka_unit_test_teardown(test_atomic_save, test_teardown),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
