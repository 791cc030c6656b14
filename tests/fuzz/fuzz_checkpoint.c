/* libFuzzer target: gan_trainer_load on arbitrary bytes, into a trainer with every
 * section (EMA and a replay pool on, a spectrally normalised D, BatchNorm state).
 *
 * The CRC-32 trailer would stop nearly every mutation at the first check, so the
 * harness rewrites it: the fuzzer then reaches the parser behind it. (Rejection of a bad
 * CRC is tested in tests/test_checkpoint.c.) A load that fails must leave the trainer
 * as it was, which the harness checks by saving it and comparing; a load that succeeds
 * is followed by a training step and a save. Run it with TMPDIR on a tmpfs: saving
 * syncs its file and directory. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "fuzz_util.h"
#include "gan/gan.h"

#define FZ_BATCH 4
#define FZ_LATENT 3
#define FZ_IMAGE 4
/* Saving costs more than loading: while fuzzing, a failed load is compared with the
 * trainer's snapshot every 16th time; the replay of the corpus compares every one. */
#ifdef FZ_REPLAY
#define FZ_CHECK_EVERY 1
#else
#define FZ_CHECK_EVERY 16
#endif

static gan_trainer_t *trainer;

static void fz_check(gan_status st)
{
    if (st != GAN_OK)
        abort();
}

static gan_model_t *fz_model(int32_t in, uint64_t seed, bool generator)
{
    gan_model_options_t o;
    fz_check(gan_model_options_init(&o, sizeof o));
    o.seed = seed;
    gan_model_t *m;
    fz_check(gan_model_create(&m, &in, 1, &o));
    gan_layer_t *l;
    fz_check(gan_layer_dense_create(&l, 6, true));
    fz_check(gan_layer_set_spectral_norm(l, !generator));
    fz_check(gan_model_add(m, l));
    fz_check(gan_layer_batchnorm_create(&l, 0.1f, 1e-5f));
    fz_check(gan_model_add(m, l));
    fz_check(gan_layer_leaky_relu_create(&l, 0.2f));
    fz_check(gan_model_add(m, l));
    fz_check(gan_layer_dropout_create(&l, 0.25f));
    fz_check(gan_model_add(m, l));
    fz_check(gan_layer_dense_create(&l, generator ? FZ_IMAGE : 1, true));
    fz_check(gan_model_add(m, l));
    if (generator) {
        fz_check(gan_layer_tanh_create(&l));
        fz_check(gan_model_add(m, l));
    }
    fz_check(gan_model_build(m, FZ_BATCH));
    return m;
}

static void fz_setup(void)
{
    gan_model_t *g = fz_model(FZ_LATENT, 1, true), *d = fz_model(FZ_IMAGE, 2, false);
    gan_optimizer_t *go, *dopt;
    fz_check(gan_optimizer_adam_create(&go, g, 2e-4f, 0.5f, 0.999f, 1e-8f));
    fz_check(gan_optimizer_rmsprop_create(&dopt, d, 1e-3f, 0.9f, 1e-8f));
    gan_hacks_t *h;
    fz_check(gan_hacks_create(&h));
    fz_check(gan_hacks_set(h, GAN_HACK_EMA_DECAY, 0.9));
    fz_check(gan_hacks_set(h, GAN_HACK_REPLAY_SIZE, 8));
    fz_check(gan_hacks_set(h, GAN_HACK_REPLAY_FRACTION, 0.5));
    fz_check(gan_trainer_create(&trainer, g, d, go, dopt, h));
    gan_hacks_destroy(h);
    /* The objects live as long as the process: libFuzzer never returns from its loop. */
    const char *seed = getenv("GAN_FUZZ_WRITE_SEED");
    if (seed) { /* a starting corpus entry: a real checkpoint of this rig after 3 steps */
        float real[FZ_BATCH * FZ_IMAGE];
        for (int i = 0; i < FZ_BATCH * FZ_IMAGE; i++)
            real[i] = (float)(i % 5) / 2.5f - 1.0f;
        for (int i = 0; i < 3; i++)
            fz_check(gan_trainer_step(trainer, real, NULL, FZ_BATCH, NULL));
        fz_check(gan_trainer_save(trainer, seed));
    }
}

static char fz_dir[4000], fz_path[4096];

static void fz_remove_dir(void)
{
    unlink(fz_path);
    rmdir(fz_dir);
}

/* The trainer's whole state as a checkpoint image (caller frees). Saved into a real
 * directory: gan_trainer_save writes a temporary file beside the target and renames it.
 * The directory is removed at exit. */
static uint8_t *fz_snapshot(size_t *size)
{
    const char *path = fz_path;
    if (!fz_path[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(fz_dir, sizeof fz_dir, "%s/gan-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(fz_dir))
            abort();
        snprintf(fz_path, sizeof fz_path, "%s/snapshot.gan", fz_dir);
        atexit(fz_remove_dir);
    }
    fz_check(gan_trainer_save(trainer, path));
    FILE *f = fopen(path, "rb");
    if (!f)
        abort();
    uint8_t *buf = malloc(1 << 16);
    *size = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!trainer)
        fz_setup();
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    if (size >= 4) {
        const uLong crc = crc32(0L, copy, (uInt)(size - 4));
        for (int i = 0; i < 4; i++)
            copy[size - 4 + i] = (uint8_t)(crc >> (8 * i));
    }
    const char *path = fz_file(0, copy, size);
    free(copy);
    if (!path)
        return 0;
    /* The trainer's state as a checkpoint image, taken again only when a load changed
     * it; a failed load is checked against it every FZ_CHECK_EVERY-th time. */
    static uint8_t *state;
    static size_t state_n;
    static unsigned long failures;
    if (!state)
        state = fz_snapshot(&state_n);
    gan_status st = fz_status(gan_trainer_load(trainer, path));
    if (st != GAN_OK) {
        if (failures++ % FZ_CHECK_EVERY == 0) {
            size_t after_n;
            uint8_t *after = fz_snapshot(&after_n);
            if (after_n != state_n || memcmp(state, after, state_n) != 0)
                abort(); /* a failed load changed the trainer */
            free(after);
        }
    } else {
        float real[FZ_BATCH * FZ_IMAGE];
        for (int i = 0; i < FZ_BATCH * FZ_IMAGE; i++)
            real[i] = (float)(i % 7) / 3.5f - 1.0f;
        /* Loaded weights may be anything (NaN: GAN_E_NUMERIC); it must not crash. */
        (void)gan_trainer_step(trainer, real, NULL, FZ_BATCH, NULL);
        free(state);
        state = fz_snapshot(&state_n);
    }
    return 0;
}
