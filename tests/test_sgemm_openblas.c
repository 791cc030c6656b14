/* libgan's own sgemm against OpenBLAS's Cooperlake kernels, bit for bit: the two sum
 * every element in the same order, on the blocked path (large products) and on the
 * small-matrix path (lib/kernels/sgemm_small.c). meson runs this under
 * OPENBLAS_CORETYPE=Cooperlake, with the own kernels' AVX-512 and AVX2 tiles; without
 * AVX-512 here (OpenBLAS cannot run those kernels) it is skipped. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu.h"
#include "kernels/sgemm.h"

char *openblas_get_corename(void);
void openblas_set_num_threads(int threads);

static unsigned long next_random(unsigned long *state)
{
    *state = *state * 6364136223846793005ul + 1442695040888963407ul;
    return *state >> 33;
}

static float uniform(unsigned long *state)
{
    return (float)(next_random(state) % 1000003) / 1000003.0f - 0.5f;
}

/* A product drawn from four families: small in every way, narrow (one to four
 * columns), flat (one to four rows), and large; every transpose, beta 0 or 1, leading
 * dimensions with padding. Returns the number of elements whose bits differ. */
static long one_product(unsigned long *rng, char *what, size_t what_size)
{
    const int ta = (int)(next_random(rng) & 1), tb = (int)(next_random(rng) & 1);
    const float beta = (float)(next_random(rng) & 1);
    int m, n, k;
    switch (next_random(rng) % 4) {
    case 0:
        m = 1 + (int)(next_random(rng) % 40), n = 1 + (int)(next_random(rng) % 40);
        k = 1 + (int)(next_random(rng) % 900);
        break;
    case 1:
        m = 1 + (int)(next_random(rng) % 200), n = 1 + (int)(next_random(rng) % 4);
        k = 1 + (int)(next_random(rng) % 8000);
        break;
    case 2:
        m = 1 + (int)(next_random(rng) % 4), n = 1 + (int)(next_random(rng) % 300);
        k = 1 + (int)(next_random(rng) % 3000);
        break;
    default:
        m = 1 + (int)(next_random(rng) % 300), n = 1 + (int)(next_random(rng) % 300);
        k = 1 + (int)(next_random(rng) % 1500);
        break;
    }
    const int lda = (ta ? m : k) + (int)(next_random(rng) % 3);
    const int ldb = (tb ? k : n) + (int)(next_random(rng) % 3);
    const int ldc = n + (int)(next_random(rng) % 3);
    const size_t na = (size_t)(ta ? k : m) * lda, nb = (size_t)(tb ? n : k) * ldb,
                 nc = (size_t)m * ldc;
    float *a = malloc(na * sizeof *a), *b = malloc(nb * sizeof *b);
    float *want = malloc(nc * sizeof *want), *got = malloc(nc * sizeof *got);
    if (!a || !b || !want || !got) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < na; i++)
        a[i] = uniform(rng);
    for (size_t i = 0; i < nb; i++)
        b[i] = uniform(rng);
    for (size_t i = 0; i < nc; i++)
        want[i] = got[i] = uniform(rng);
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                m, n, k, 1.0f, a, lda, b, ldb, beta, want, ldc);
    long differ = -1;
    if (gan__sgemm_own(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, got, ldc) == 0) {
        differ = 0;
        for (int i = 0; i < m; i++)
            differ += memcmp(want + (size_t)i * ldc, got + (size_t)i * ldc,
                             (size_t)n * sizeof *got) != 0;
    }
    snprintf(what, what_size, "%c%c m=%d n=%d k=%d lda=%d ldb=%d ldc=%d beta=%g",
             ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, lda, ldb, ldc, (double)beta);
    free(a);
    free(b);
    free(want);
    free(got);
    return differ;
}

int main(void)
{
    const char *core = openblas_get_corename();
    if (!gan__cpu_avx512() || gan__sgemm_own_isa() == 0 || strcmp(core, "Cooperlake") != 0) {
        printf("skipped: OpenBLAS runs its %s kernels, the CPU %s AVX-512, the own "
               "kernels %s\n", core, gan__cpu_avx512() ? "has" : "lacks",
               gan__sgemm_own_isa() ? "can run" : "cannot run");
        return 77;
    }
    openblas_set_num_threads(1); /* its threaded driver cuts k otherwise */
    unsigned long rng = 20261206;
    int failed = 0;
    const int products = 600;
    for (int t = 0; t < products; t++) {
        char what[160];
        const long differ = one_product(&rng, what, sizeof what);
        if (differ != 0) {
            failed++;
            if (failed <= 10)
                printf("%s: %s\n", what,
                       differ < 0 ? "the own sgemm failed" : "rows differ from OpenBLAS's");
        }
    }
    printf("%d of %d products differ from OpenBLAS %s's bits (own kernels: %d bits)\n",
           failed, products, core, (int)gan__sgemm_own_isa());
    return failed ? 1 : 0;
}
