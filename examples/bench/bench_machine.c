/* The benchmarks' shared reporting (bench_machine.h). */
#include "bench/bench_machine.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

static int larger_first(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x < y) - (x > y);
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double ex_bench_median(double *v, long n, double *lo, double *hi)
{
    qsort(v, (size_t)n, sizeof *v, compare_doubles);
    if (lo)
        *lo = v[0];
    if (hi)
        *hi = v[n - 1];
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void ex_bench_print_machine(const gan_model_t *m, long threads, const char *placement,
                            bool blas_threads)
{
    const char *backend = "?";
    gan_model_get_backend(m, &backend);
    char *(*corename)(void), *(*config)(void);
    int (*num_threads)(void);
    /* POSIX's idiom for a function from dlsym (ISO C has no object-to-function cast). */
    *(void **)&corename = dlsym(RTLD_DEFAULT, "openblas_get_corename");
    *(void **)&config = dlsym(RTLD_DEFAULT, "openblas_get_config");
    *(void **)&num_threads = dlsym(RTLD_DEFAULT, "openblas_get_num_threads");
    const char *env = getenv("OPENBLAS_CORETYPE");
    printf("libgan %s, backend %s, %ld thread%s (%s), products on %s kernels\n",
           gan_version_string(), backend, threads, threads == 1 ? "" : "s", placement,
           gan_blas_kernels());
    if (!corename)
        return;
    if (blas_threads)
        printf("OpenBLAS core type %s (OPENBLAS_CORETYPE=%s), %d thread%s, %s\n",
               corename(), env ? env : "unset", num_threads ? num_threads() : -1,
               num_threads && num_threads() == 1 ? "" : "s", config ? config() : "");
    else
        printf("OpenBLAS core type %s (OPENBLAS_CORETYPE=%s), %s\n", corename(),
               env ? env : "unset", config ? config() : "");
}

/* The cores' arithmetic peak: register-only loops of 12 independent multiply-add chains
 * (more than a core's FMA latency times its FMA units), no memory traffic. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#include <pthread.h>
#include <time.h>

#define EX_PEAK_CHAINS 12

static double ex_thread_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

__attribute__((target("avx512f"))) static float ex_fma_zmm(long rounds)
{
    __m512 acc[EX_PEAK_CHAINS];
    const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < EX_PEAK_CHAINS; i++)
        acc[i] = _mm512_set1_ps((float)i);
    for (long r = 0; r < rounds; r++)
        for (int i = 0; i < EX_PEAK_CHAINS; i++)
            acc[i] = _mm512_fmadd_ps(acc[i], x, y);
    __m512 s = acc[0];
    for (int i = 1; i < EX_PEAK_CHAINS; i++)
        s = _mm512_add_ps(s, acc[i]);
    return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"))) static float ex_fma_ymm(long rounds)
{
    __m256 acc[EX_PEAK_CHAINS];
    const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < EX_PEAK_CHAINS; i++)
        acc[i] = _mm256_set1_ps((float)i);
    for (long r = 0; r < rounds; r++)
        for (int i = 0; i < EX_PEAK_CHAINS; i++)
            acc[i] = _mm256_fmadd_ps(acc[i], x, y);
    __m256 s = acc[0];
    for (int i = 1; i < EX_PEAK_CHAINS; i++)
        s = _mm256_add_ps(s, acc[i]);
    float out[8];
    _mm256_storeu_ps(out, s);
    return out[0];
}

typedef struct ex_peak_job {
    float (*loop)(long);
    long rounds;
    double flops_per_round;
    pthread_barrier_t *start;
    double rate;
    float sink;
} ex_peak_job;

static void *ex_peak_thread(void *arg)
{
    ex_peak_job *j = arg;
    pthread_barrier_wait(j->start);
    double t = ex_thread_seconds();
    j->sink = j->loop(j->rounds);
    j->rate = 1e-9 * j->flops_per_round * (double)j->rounds / (ex_thread_seconds() - t);
    return NULL;
}

double ex_bench_arith_peak(int threads, const char **name)
{
    __builtin_cpu_init();
    float (*loop)(long) = NULL;
    double lanes = 0.0; /* multiply-adds per instruction */
    *name = "none";
    if (__builtin_cpu_supports("avx512f")) {
        loop = ex_fma_zmm, lanes = 16.0, *name = "FMA zmm";
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        loop = ex_fma_ymm, lanes = 8.0, *name = "FMA ymm";
    }
    if (!loop || threads < 1 || threads > 256)
        return 0.0;
    const long rounds = 20000000; /* about 0.1 s a thread */
    double runs[5];
    for (int run = 0; run < 5; run++) {
        pthread_barrier_t start;
        pthread_barrier_init(&start, NULL, (unsigned)threads);
        ex_peak_job jobs[256];
        pthread_t ids[256];
        int started = 0;
        for (int t = 0; t < threads; t++) {
            jobs[t] = (ex_peak_job){.loop = loop, .rounds = rounds,
                                    .flops_per_round = 2.0 * lanes * EX_PEAK_CHAINS,
                                    .start = &start};
            if (t > 0 && pthread_create(&ids[t], NULL, ex_peak_thread, &jobs[t]) != 0)
                break;
            started = t + 1;
        }
        if (started < threads) { /* cannot start them all: no figure */
            pthread_barrier_destroy(&start);
            return 0.0;
        }
        ex_peak_thread(&jobs[0]);
        double total = jobs[0].rate;
        for (int t = 1; t < threads; t++) {
            pthread_join(ids[t], NULL);
            total += jobs[t].rate;
        }
        pthread_barrier_destroy(&start);
        runs[run] = total;
    }
    return ex_bench_median(runs, 5, NULL, NULL);
}
#else
double ex_bench_arith_peak(int threads, const char **name)
{
    (void)threads, (void)kind;
    *name = "none";
    return 0.0;
}
#endif

gan_status ex_bench_print_model(gan_model_t *m, const char *name)
{
    int32_t layers = 0, batch = 0, dims[4], ndim = 0;
    size_t total = 0, per_sample = 1;
    bool training = true;
    gan_status st = gan_model_get_layer_count(m, &layers);
    if (st == GAN_OK)
        st = gan_model_get_param_count(m, &total);
    if (st == GAN_OK)
        st = gan_model_get_batch_size(m, &batch);
    if (st == GAN_OK)
        st = gan_model_get_input_shape(m, dims, &ndim);
    if (st == GAN_OK)
        st = gan_model_get_training(m, &training);
    if (st != GAN_OK)
        return st;
    for (int32_t i = 0; i < ndim; i++)
        per_sample *= (size_t)dims[i];
    size_t *counts = malloc((size_t)layers * sizeof *counts);
    float *zeros = calloc((size_t)batch * per_sample, sizeof *zeros);
    if (!counts || !zeros) {
        free(counts);
        free(zeros);
        return GAN_E_NO_MEMORY;
    }
    size_t n = 0, offset;
    for (int32_t i = 0; st == GAN_OK && i < layers; i++)
        if ((st = gan_model_get_layer_params(m, i, &offset, &counts[n])) == GAN_OK &&
            counts[n] > 0)
            n++;
    qsort(counts, n, sizeof *counts, larger_first);
    double flops = 0.0;
    if (st == GAN_OK)
        st = gan_model_set_training(m, false);
    if (st == GAN_OK)
        st = gan_model_set_profiling(m, 1);
    if (st == GAN_OK)
        st = gan_model_forward(m, zeros, NULL, batch, NULL);
    for (int32_t i = 0; st == GAN_OK && i < layers; i++) {
        double ff = 0.0;
        st = gan_model_get_layer_profile(m, i, NULL, NULL, &ff, NULL);
        flops += ff;
    }
    gan_model_set_profiling(m, 0);
    gan_model_set_training(m, training);
    if (st == GAN_OK) {
        printf("parameters %s %zu:", name, total);
        for (size_t i = 0; i < n; i++)
            printf(" %zu", counts[i]);
        printf("\nforward FLOP per sample %s %.0f\n", name, flops / (double)batch);
    }
    free(counts);
    free(zeros);
    return st;
}
