/* long_run: the MNIST MLP GAN (mnist_gan's networks, optimizers and hacks) for many
 * steps, to show that memory stays flat and nothing turns NaN. Prints the resident set
 * size every --report steps and a verdict at the end; exits 1 if a loss, a gradient
 * norm or a parameter is not finite, or if RSS grew by more than 1 MB after the first
 * report (doc/RELIABILITY.md).
 *
 *   long_run [--steps N] [--report N] [--batch N] [--threads N] [--data DIR] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/example.h"
#include "common/models.h"

/* VmRSS or VmHWM of this process in kB, from /proc/self/status; -1 if unknown. */
static long status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    const size_t n = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            kb = strtol(line + n + 1, NULL, 10);
    fclose(f);
    return kb;
}

static bool all_finite(gan_model_t *m)
{
    float *p;
    size_t n;
    if (gan_model_get_params(m, &p, &n) != GAN_OK)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(p[i]))
            return false;
    return true;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#define LR_CHECK(expr)                                                                \
    do {                                                                             \
        gan_status st_ = (expr);                                                     \
        if (st_ != GAN_OK) {                                                         \
            fprintf(stderr, "long_run: %s: %s\n", #expr, gan_last_error());          \
            return 1;                                                                \
        }                                                                            \
    } while (0)

int main(int argc, char **argv)
{
    long steps = 50000, report = 5000;
    ex_config c;
    if (ex_config_init(&c, "long_run") != 0)
        return 1;
    for (int i = 1; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--steps") && next)
            steps = atol(argv[++i]);
        else if (!strcmp(argv[i], "--report") && next)
            report = atol(argv[++i]);
        else if (!strcmp(argv[i], "--batch") && next)
            c.batch = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && next)
            c.threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--data") && next)
            c.data_dir = argv[++i];
        else {
            fprintf(stderr, "usage: long_run [--steps N] [--report N] [--batch N] "
                            "[--threads N] [--data DIR]\n");
            return 2;
        }
    }
    if (steps < 1 || report < 1 || c.batch < 1)
        return 2;
    gan_model_t *g, *d;
    gan_optimizer_t *g_opt, *d_opt;
    gan_trainer_t *t;
    gan_dataset_t *ds;
    LR_CHECK(gan_set_num_threads(c.threads));
    LR_CHECK(ex_mlp_generator(&c, &g));
    LR_CHECK(ex_mlp_discriminator(&c, &d));
    LR_CHECK(gan_model_build(g, c.batch));
    LR_CHECK(gan_model_build(d, c.batch));
    LR_CHECK(gan_optimizer_adam_create(&g_opt, g, c.lr_g, c.beta1, c.beta2, 1e-8f));
    LR_CHECK(gan_optimizer_adam_create(&d_opt, d, c.lr_d, c.beta1, c.beta2, 1e-8f));
    LR_CHECK(gan_trainer_create(&t, g, d, g_opt, d_opt, c.hacks));
    LR_CHECK(gan_dataset_open_dir(&ds, c.data_dir, c.seed));
    int64_t count;
    int32_t ch, h, w;
    LR_CHECK(gan_dataset_get_info(ds, &count, &ch, &h, &w, NULL));
    float *real = malloc(sizeof *real * (size_t)c.batch * (size_t)(ch * h * w));
    if (!real)
        return 1;
    printf("long_run: MNIST MLP GAN (mnist_gan's networks), batch %d, %ld steps, %d "
           "thread(s), data %s (%lld images)\n", (int)c.batch, steps, (int)c.threads,
           c.data_dir, (long long)count);
    printf("%8s %10s %10s %10s %10s %9s\n", "step", "RSS kB", "peak kB", "d_loss", "g_loss",
           "seconds");
    long rss_first = -1, rss_last = -1, bad = 0;
    const double start = now();
    for (long s = 1; s <= steps; s++) {
        gan_step_stats_t stats = {.struct_size = sizeof stats};
        LR_CHECK(gan_dataset_next_batch(ds, c.batch, real, NULL));
        gan_status st = gan_trainer_step(t, real, NULL, c.batch, &stats);
        if (st == GAN_E_NUMERIC) {
            bad++;
            fprintf(stderr, "long_run: step %ld: %s\n", s, gan_last_error());
        } else {
            LR_CHECK(st);
            if (!isfinite(stats.d_loss) || !isfinite(stats.g_loss) ||
                !isfinite(stats.d_grad_norm) || !isfinite(stats.g_grad_norm))
                bad++;
        }
        if (s % report == 0 || s == 1 || s == steps) {
            rss_last = status_kb("VmRSS");
            if (s == report || (report > steps && s == steps))
                rss_first = rss_last;
            printf("%8ld %10ld %10ld %10.4f %10.4f %9.1f\n", s, rss_last, status_kb("VmHWM"),
                   stats.d_loss, stats.g_loss, now() - start);
            fflush(stdout);
        }
    }
    if (!all_finite(g) || !all_finite(d))
        bad++;
    const long growth = rss_last - rss_first;
    printf("RSS at step %ld: %ld kB; at the end: %ld kB (%+ld kB); steps with a "
           "non-finite loss or gradient, or non-finite parameters at the end: %ld\n",
           report < steps ? report : steps, rss_first, rss_last, growth, bad);
    free(real);
    gan_dataset_destroy(ds);
    gan_trainer_destroy(t);
    gan_optimizer_destroy(g_opt);
    gan_optimizer_destroy(d_opt);
    gan_model_destroy(g);
    gan_model_destroy(d);
    ex_config_free(&c);
    const bool ok = bad == 0 && growth <= 1024;
    printf("%s\n", ok ? "flat and finite" : "FAILED");
    return ok ? 0 : 1;
}
