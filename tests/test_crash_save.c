/* What a checkpoint file survives: the saving process killed (SIGKILL) at any moment, a
 * full disk, a directory it may not write or not read, a rename that fails. Each time
 * the file on disk is a whole checkpoint, the last one saved or the one before, and
 * loads. And a load of a FIFO is refused at once instead of waiting for a writer. */
#define _GNU_SOURCE
#include "test_util.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BATCH 8
#define LATENT 4
#define IMAGE 6
#define KILLS 40

typedef struct rig {
    gan_model_t *g, *d;
    gan_optimizer_t *g_opt, *d_opt;
    gan_trainer_t *t;
} rig;

static char dir[256];
static char path[320];

static gan_model_t *mlp(int32_t in, int32_t out, uint64_t seed, bool tanh_out)
{
    const int32_t dims[1] = {in};
    gan_model_t *m = gt_model_seeded(dims, 1, seed);
    gan_layer_t *l;
    gt_add(m, gan_layer_dense_create(&l, 64, true), l);
    gt_add(m, gan_layer_leaky_relu_create(&l, 0.2f), l);
    gt_add(m, gan_layer_dense_create(&l, out, true), l);
    if (tanh_out)
        gt_add(m, gan_layer_tanh_create(&l), l);
    GT_OK(gan_model_build(m, BATCH));
    return m;
}

static void rig_create(rig *r)
{
    r->g = mlp(LATENT, IMAGE, 1, true);
    r->d = mlp(IMAGE, 1, 2, false);
    GT_OK(gan_optimizer_adam_create(&r->g_opt, r->g, 2e-4f, 0.5f, 0.999f, 1e-8f));
    GT_OK(gan_optimizer_adam_create(&r->d_opt, r->d, 2e-4f, 0.5f, 0.999f, 1e-8f));
    GT_OK(gan_trainer_create(&r->t, r->g, r->d, r->g_opt, r->d_opt, NULL));
}

static void rig_destroy(rig *r)
{
    gt_gan_destroy(r->t, r->g_opt, r->d_opt, r->g, r->d);
}

/* One step; the data position counts the steps, so a loaded file tells which save it
 * was. */
static void rig_step(rig *r)
{
    float real[BATCH * IMAGE];
    uint64_t pos;
    GT_OK(gan_trainer_get_data_position(r->t, &pos));
    for (int i = 0; i < BATCH * IMAGE; i++)
        real[i] = (float)((i + (int)pos) % 9) / 4.5f - 1.0f;
    GT_OK(gan_trainer_step(r->t, real, NULL, BATCH, NULL));
    GT_OK(gan_trainer_set_data_position(r->t, pos + 1));
}

static size_t read_file(const char *p, unsigned char **bytes)
{
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    size_t cap = 1 << 20, n;
    *bytes = malloc(cap);
    n = fread(*bytes, 1, cap, f);
    fclose(f);
    return n;
}

/* Files in dir other than the checkpoint: temporary files ("ckpt.tmp.XXXXXX") a killed
 * save left; with @p remove, deleted as the documentation says a user may. */
static int strays(bool remove)
{
    DIR *d = opendir(dir);
    int n = 0;
    char p[600];
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "ckpt")) {
            if (strncmp(e->d_name, "ckpt.tmp.", 9) != 0)
                fail_msg("unexpected file %s", e->d_name);
            n++;
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            if (remove)
                unlink(p);
        }
    if (d)
        closedir(d);
    return n;
}

/* A child saves after every step, as fast as it can; it is killed at a random moment;
 * the file must then load, and hold the save before the kill or the one it was writing
 * (its position never goes back). */
static void test_sigkill_during_save(void **state)
{
    (void)state;
    srand((unsigned)time(NULL));
    uint64_t last = 0;
    int mid_save_kills = 0;
    for (int k = 0; k < KILLS; k++) {
        int ready[2];
        assert_int_equal(pipe(ready), 0);
        pid_t child = fork();
        assert_true(child >= 0);
        if (child == 0) {
            close(ready[0]);
            rig r;
            rig_create(&r);
            if (gan_trainer_load(r.t, path) != GAN_OK && k > 0)
                _exit(3); /* the previous kill left a file that does not load */
            rig_step(&r);
            if (gan_trainer_save(r.t, path) != GAN_OK)
                _exit(4);
            if (write(ready[1], "r", 1) != 1)
                _exit(5);
            for (;;) {
                rig_step(&r);
                if (gan_trainer_save(r.t, path) != GAN_OK)
                    _exit(6);
            }
        }
        close(ready[1]);
        char c;
        assert_int_equal(read(ready[0], &c, 1), 1);
        close(ready[0]);
        struct timespec pause = {0, (long)(rand() % 20000) * 1000L}; /* 0 to 20 ms */
        nanosleep(&pause, NULL);
        kill(child, SIGKILL);
        int status;
        assert_int_equal(waitpid(child, &status, 0), child);
        if (!WIFSIGNALED(status))
            fail_msg("kill %d: the saver exited with %d before the kill", k,
                     WEXITSTATUS(status));
        mid_save_kills += strays(true) > 0;

        rig r;
        rig_create(&r);
        GT_OK(gan_trainer_load(r.t, path));
        uint64_t pos;
        GT_OK(gan_trainer_get_data_position(r.t, &pos));
        assert_true(pos > last); /* each child saved at least once more than it loaded */
        last = pos;
        rig_destroy(&r);
    }
    print_message("%d kills, the last checkpoint at step %llu; %d of the kills left a "
                  "temporary file beside it\n", KILLS, (unsigned long long)last,
                  mid_save_kills);
    /* Otherwise no kill hit a save and the test showed nothing (about 60 % do). */
    assert_true(mid_save_kills > 0);
}

/* A rig with a checkpoint saved after one step and one more step taken since: what a
 * failed save must not lose. Returns the checkpoint's bytes in @p before. */
static size_t rig_saved_then_stepped(rig *r, unsigned char **before)
{
    rig_create(r);
    rig_step(r);
    GT_OK(gan_trainer_save(r->t, path));
    size_t n = read_file(path, before);
    rig_step(r);
    return n;
}

/* The checkpoint on disk is still @p before, and no temporary file is left. */
static void assert_checkpoint_kept(unsigned char *before, size_t n_before)
{
    unsigned char *after;
    size_t n_after = read_file(path, &after);
    assert_int_equal(n_after, n_before);
    assert_memory_equal(after, before, n_before);
    assert_int_equal(strays(false), 0);
    free(before);
    free(after);
}

/* A disk that fills up mid-write (RLIMIT_FSIZE makes writes past a size fail with
 * EFBIG): the save fails with GAN_E_IO, the old file stays byte for byte, no temporary
 * file remains. */
static void test_disk_full(void **state)
{
    (void)state;
    rig r;
    unsigned char *before;
    const size_t n_before = rig_saved_then_stepped(&r, &before);
    struct rlimit old, small = {(rlim_t)(n_before / 2), 0};
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small.rlim_max = old.rlim_max;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    gan_status st = gan_trainer_save(r.t, path);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_handler);
    GT_FAILS(st, GAN_E_IO, path);
    assert_non_null(strstr(gan_last_error(), strerror(EFBIG)));
    assert_checkpoint_kept(before, n_before);
    rig_destroy(&r);
}

/* A save into a directory of mode @p mode by a process that is not root (as root, a
 * child drops to "nobody": root may do anything). It must fail with GAN_E_IO, naming
 * the file and EACCES, and keep the old file. */
static void save_refused_in_directory_of_mode(mode_t mode)
{
    rig r;
    unsigned char *before;
    const size_t n_before = rig_saved_then_stepped(&r, &before);
    assert_int_equal(chmod(dir, mode), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(2);
        gan_status st = gan_trainer_save(r.t, path);
        _exit(st == GAN_E_IO && strstr(gan_last_error(), path) &&
                      strstr(gan_last_error(), strerror(EACCES))
                  ? 0
                  : 1);
    }
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_int_equal(chmod(dir, 0700), 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_checkpoint_kept(before, n_before);
    rig_destroy(&r);
}

/* A directory the process may not write: no temporary file can be made. */
static void test_read_only_directory(void **state)
{
    (void)state;
    save_refused_in_directory_of_mode(0555);
}

/* A directory the process may write but not read: the file could be replaced, but the
 * directory could not be synced after the rename, so the save must fail before it. */
static void test_unreadable_directory(void **state)
{
    (void)state;
    save_refused_in_directory_of_mode(0333);
}

/* The rename fails (the target is a directory): GAN_E_IO with the system's reason, the
 * directory stays, no temporary file is left. */
static void test_rename_fails(void **state)
{
    (void)state;
    rig r;
    rig_create(&r);
    rig_step(&r);
    assert_int_equal(mkdir(path, 0700), 0);
    GT_FAILS(gan_trainer_save(r.t, path), GAN_E_IO, "rename");
    assert_non_null(strstr(gan_last_error(), strerror(EISDIR)));
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    assert_int_equal(strays(false), 0);
    assert_int_equal(rmdir(path), 0);
    rig_destroy(&r);
}

/* A FIFO is not a checkpoint: the load says so at once, without waiting for a writer
 * (the alarm ends the test if it blocks). */
static void test_load_fifo(void **state)
{
    (void)state;
    rig r;
    rig_create(&r);
    assert_int_equal(mkfifo(path, 0600), 0);
    alarm(20);
    GT_FAILS(gan_trainer_load(r.t, path), GAN_E_IO, "not a regular file");
    alarm(0);
    rig_destroy(&r);
}

static int remove_dir(void **state)
{
    (void)state;
    DIR *d = opendir(dir);
    char p[600];
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    if (d)
        closedir(d);
    return rmdir(dir);
}

static int make_dir(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/gan_crash_XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return -1;
    /* "nobody" must reach the directory to be refused by its mode, not by the path */
    chmod(dir, 0755);
    snprintf(path, sizeof path, "%s/ckpt", dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sigkill_during_save, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_disk_full, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_read_only_directory, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_unreadable_directory, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_rename_fails, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_load_fifo, make_dir, remove_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
