/* What the benchmarks share: the median of repeated timings, and the line that says
 * which BLAS, kernels and threads a figure ran with. */
#ifndef EX_BENCH_MACHINE_H
#define EX_BENCH_MACHINE_H

#include <stdbool.h>

#include <gan/gan.h>

/* Median of v[0..n), which is sorted in place; its min and max into *lo and *hi when
 * they are not NULL. */
double ex_bench_median(double *v, long n, double *lo, double *hi);

/* libgan's version and backend, @p threads and @p placement (where they run), and
 * OpenBLAS's kernel name and configuration if the process runs OpenBLAS (looked up at
 * run time so that a program links libgan alone); with @p blas_threads also OpenBLAS's
 * own thread count. */
void ex_bench_print_machine(const gan_model_t *m, long threads, const char *placement,
                            bool blas_threads);

/* The cores' float32 arithmetic peak in GFLOP/s (a multiply-add counts 2), all @p
 * threads at once, median of 5: register-only loops of FMAs on the widest vectors the
 * CPU has; *name says which. 0 when the CPU has neither AVX2 with FMA nor AVX-512. */
double ex_bench_arith_peak(int threads, const char **name);

/* The lines by which a benchmark and its PyTorch twin show that they run the same
 * network, printed for @p m under @p name:
 *   parameters NAME TOTAL: C1 C2 ...   (each layer's parameter count, largest first,
 *                                       layers without parameters left out)
 *   forward FLOP per sample NAME F      (the matrix products of one inference-mode
 *                                       forward at the model's batch, divided by it)
 * The forward runs on zeros (token 0 for ids); it advances a stateful layer's carried
 * state and resets the model's profile counters. */
gan_status ex_bench_print_model(gan_model_t *m, const char *name);

#endif
