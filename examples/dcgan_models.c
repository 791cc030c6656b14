/* dcgan_models: build the MNIST DCGAN generator and discriminator (common/models.c), print
 * their summaries and time forward/backward passes of G -> D. Needs no data. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gan/gan.h>

#include "common/models.h"

#define CHECK(call)                                                                   \
    do {                                                                              \
        gan_status st_ = (call);                                                      \
        if (st_ != GAN_OK) {                                                          \
            fprintf(stderr, "dcgan_models: %s (%s)\n", gan_last_error(),              \
                    gan_status_string(st_));                                          \
            goto fail;                                                                \
        }                                                                             \
    } while (0)

static int print_summary(const gan_model_t *m)
{
    size_t length = 0;
    if (gan_model_summary(m, NULL, 0, &length) != GAN_OK)
        return -1;
    char *text = malloc(length + 1);
    if (!text)
        return -1;
    gan_model_summary(m, text, length + 1, NULL);
    fputs(text, stdout);
    free(text);
    return 0;
}

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: dcgan_models [--batch N] [--steps N] [--seed N]\n"
            "Build the MNIST DCGAN generator and discriminator with libgan %s, print their\n"
            "summaries and time N passes of forward G, forward D, backward D, backward G.\n"
            "  --batch N   batch size (default 64)\n"
            "  --steps N   timed passes (default 5)\n"
            "  --seed N    initialisation seed (default 42)\n"
            "  --help      this text\n",
            gan_version_string());
}

int main(int argc, char **argv)
{
    long batch = 64, steps = 5;
    unsigned long long seed = 42;
    static const struct option options[] = {
        {"batch", required_argument, NULL, 'b'}, {"steps", required_argument, NULL, 's'},
        {"seed", required_argument, NULL, 'r'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    for (int c; (c = getopt_long(argc, argv, "h", options, NULL)) != -1;) {
        char *end = NULL;
        switch (c) {
        case 'b': batch = strtol(optarg, &end, 10); break;
        case 's': steps = strtol(optarg, &end, 10); break;
        case 'r': seed = strtoull(optarg, &end, 10); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
        if (end && (*end || end == optarg)) {
            fprintf(stderr, "dcgan_models: '%s' is not a number\n", optarg);
            return 2;
        }
    }
    if (optind < argc || batch < 1 || batch > 100000 || steps < 0) {
        usage(stderr);
        return 2;
    }

    int rc = 1;
    gan_model_t *g = NULL, *d = NULL;
    float *z = NULL, *dlogits = NULL;
    const float *fake, *logits, *dfake, *dz;
    const ex_config config = {.seed = seed};
    CHECK(ex_dcgan_generator(&config, 0, &g));
    CHECK(ex_dcgan_discriminator(&config, 0, true, &d));
    CHECK(gan_model_build(g, (int32_t)batch));
    CHECK(gan_model_build(d, (int32_t)batch));
    if (print_summary(g) || print_summary(d))
        goto fail;

    z = malloc((size_t)batch * 100 * sizeof *z);
    dlogits = malloc((size_t)batch * sizeof *dlogits);
    if (!z || !dlogits)
        goto fail;
    srand((unsigned)seed);
    for (long i = 0; i < batch * 100; i++)
        z[i] = 2.0f * (float)rand() / (float)RAND_MAX - 1.0f;
    for (long i = 0; i < batch; i++)
        dlogits[i] = 1.0f / (float)batch;

    const char *backend;
    CHECK(gan_model_get_backend(g, &backend));
    double start = seconds();
    for (long s = 0; s < steps; s++) {
        CHECK(gan_model_zero_grad(g));
        CHECK(gan_model_zero_grad(d));
        CHECK(gan_model_forward(g, z, NULL, (int32_t)batch, &fake));
        CHECK(gan_model_forward(d, fake, NULL, (int32_t)batch, &logits));
        CHECK(gan_model_backward(d, dlogits, &dfake));
        CHECK(gan_model_backward(g, dfake, &dz));
    }
    double elapsed = seconds() - start;
    if (steps > 0)
        printf("backend %s, batch %ld: %.1f ms per G->D forward+backward, %.0f images/s\n",
               backend, batch, 1e3 * elapsed / (double)steps,
               (double)batch * (double)steps / elapsed);
    rc = 0;
fail:
    free(z);
    free(dlogits);
    gan_model_destroy(g);
    gan_model_destroy(d);
    return rc;
}
