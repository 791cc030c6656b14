/* consumer.c: a program built against an INSTALLED libgan, the way a user's project is:
 *     cc -std=c11 consumer.c $(pkg-config --cflags --libs libgan) -lm
 * It trains a tiny GAN on points of a circle for 1,500 steps with the one-call
 * step, checkpoints it, and checks that the generated points moved onto the circle. */
#include <gan/gan.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define BATCH 64
#define LATENT 2

static gan_status add(gan_model_t *m, gan_status created, gan_layer_t *const *layer)
{
    if (created != GAN_OK)
        return created;
    gan_status st = gan_model_add(m, *layer);
    if (st != GAN_OK)
        gan_layer_destroy(*layer);
    return st;
}
#define ADD(m, create) add((m), (create), &l)

/* in -> 64 -> 64 -> out, LeakyReLU 0.2 in between. */
static gan_status mlp(gan_model_t **out, int32_t in, int32_t outputs, uint64_t seed)
{
    const int32_t dims[1] = {in};
    gan_model_options_t o;
    gan_model_options_init(&o, sizeof o);
    o.seed = seed;
    gan_layer_t *l;
    gan_status st = gan_model_create(out, dims, 1, &o);
    for (int i = 0; i < 2 && st == GAN_OK; i++) {
        st = ADD(*out, gan_layer_dense_create(&l, 64, true));
        if (st == GAN_OK)
            st = ADD(*out, gan_layer_leaky_relu_create(&l, 0.2f));
    }
    if (st == GAN_OK)
        st = ADD(*out, gan_layer_dense_create(&l, outputs, true));
    if (st == GAN_OK)
        st = gan_model_build(*out, BATCH);
    return st;
}

/* Mean distance of n points from the unit circle. */
static double off_circle(const float *p, int n)
{
    double sum = 0.0;
    for (int i = 0; i < n; i++)
        sum += fabs(hypot(p[2 * i], p[2 * i + 1]) - 1.0);
    return sum / n;
}

int main(void)
{
    printf("libgan %s (built against %s), backend %s\n", gan_version_string(),
           GAN_VERSION_STRING, gan_blas_default_backend());
    if (gan_version() != GAN_VERSION_NUMBER)
        printf("note: running against a different libgan than the headers\n");

    gan_model_t *g = NULL, *d = NULL;
    gan_optimizer_t *g_opt = NULL, *d_opt = NULL;
    gan_trainer_t *t = NULL;
    gan_rng_t *rng = NULL;
    float real[2 * BATCH], z[LATENT * BATCH], points[2 * BATCH];
    double before = 0.0, after = 0.0;
    gan_status st = mlp(&g, LATENT, 2, 1);
    if (st == GAN_OK)
        st = mlp(&d, 2, 1, 2);
    if (st == GAN_OK)
        st = gan_optimizer_adam_create(&g_opt, g, 1e-3f, 0.5f, 0.999f, 1e-8f);
    if (st == GAN_OK)
        st = gan_optimizer_adam_create(&d_opt, d, 1e-3f, 0.5f, 0.999f, 1e-8f);
    if (st == GAN_OK)
        st = gan_trainer_create(&t, g, d, g_opt, d_opt, NULL); /* the default hacks */
    if (st == GAN_OK)
        st = gan_rng_create(&rng, 3);
    if (st == GAN_OK)
        st = gan_trainer_sample_latent(t, BATCH, z);
    if (st == GAN_OK && (st = gan_trainer_generate(t, z, NULL, BATCH, false, points)) == GAN_OK)
        before = off_circle(points, BATCH);
    for (int step = 0; step < 1500 && st == GAN_OK; step++) {
        float angles[BATCH];
        st = gan_labels_fill(rng, angles, BATCH, 0.0f, 6.2831853f);
        for (int i = 0; i < BATCH; i++) {
            real[2 * i] = cosf(angles[i]);
            real[2 * i + 1] = sinf(angles[i]);
        }
        if (st == GAN_OK)
            st = gan_trainer_step(t, real, NULL, BATCH, NULL);
    }
    if (st == GAN_OK)
        st = gan_trainer_save(t, "consumer-checkpoint.gan");
    if (st == GAN_OK)
        st = gan_trainer_load(t, "consumer-checkpoint.gan");
    if (st == GAN_OK && (st = gan_trainer_generate(t, z, NULL, BATCH, false, points)) == GAN_OK)
        after = off_circle(points, BATCH);
    remove("consumer-checkpoint.gan");
    if (st != GAN_OK)
        fprintf(stderr, "consumer: %s (%s)\n", gan_last_error(), gan_status_string(st));
    else
        printf("mean distance from the circle: %.3f before training, %.3f after\n", before,
               after);
    gan_rng_destroy(rng);
    gan_trainer_destroy(t);
    gan_optimizer_destroy(g_opt);
    gan_optimizer_destroy(d_opt);
    gan_model_destroy(g);
    gan_model_destroy(d);
    return st == GAN_OK && after < 0.5 * before ? 0 : 1;
}
