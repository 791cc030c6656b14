/* The benchmarks' shared reporting (bench_machine.h). */
#include "bench/bench_machine.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

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
    printf("libgan %s, backend %s, %ld thread%s (%s)\n", gan_version_string(), backend,
           threads, threads == 1 ? "" : "s", placement);
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
