/* The CBLAS backend: OpenBLAS, netlib's reference CBLAS, or the system's libblas.so.3,
 * chosen at build time. */
#if defined(GAN_BLAS_SYSTEM)
#define _GNU_SOURCE /* dladdr */
#endif
#include "blas/blas.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/sgemm.h"

#include GAN_CBLAS_HEADER

#if defined(GAN_BLAS_OPENBLAS)
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_corename(void);
#elif defined(GAN_BLAS_SYSTEM)
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

/* blas=system links the generic -lblas, which update-alternatives points at OpenBLAS,
 * BLIS or netlib after the build. The thread control is OpenBLAS's own, so it is looked
 * up once, at run time, in the library that really provides cblas_sgemm and in the
 * libraries it loads (Debian's OpenBLAS libblas.so.3 needs libopenblas.so.0, which
 * defines it); found nowhere, the BLAS is taken as single-threaded. Searching from that
 * library's handle, not the global scope, finds it even when libgan itself was opened
 * with RTLD_LOCAL. */
static void (*gan__blas_set_fn)(int);
static int (*gan__blas_get_fn)(void);
static char *(*gan__blas_corename_fn)(void);
static pthread_once_t gan__blas_lookup_once = PTHREAD_ONCE_INIT;

static void gan__blas_lookup(void)
{
    void (*sgemm)(void) = (void (*)(void))cblas_sgemm;
    void *addr;
    memcpy(&addr, &sgemm, sizeof addr); /* ISO C has no function-to-object cast */
    Dl_info info;
    void *lib = NULL;
    if (dladdr(addr, &info) != 0 && info.dli_fname)
        lib = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
    void *where = lib ? lib : RTLD_DEFAULT;
    *(void **)&gan__blas_set_fn = dlsym(where, "openblas_set_num_threads");
    *(void **)&gan__blas_get_fn = dlsym(where, "openblas_get_num_threads");
    *(void **)&gan__blas_corename_fn = dlsym(where, "openblas_get_corename");
    if (!gan__blas_set_fn || !gan__blas_get_fn) {
        gan__blas_set_fn = NULL;
        gan__blas_get_fn = NULL;
    }
    /* The handle is kept: the library is loaded for as long as libgan is. */
}
#endif

void gan__blas_threads(int32_t threads)
{
#if defined(GAN_BLAS_OPENBLAS)
    openblas_set_num_threads(threads);
#elif defined(GAN_BLAS_SYSTEM)
    pthread_once(&gan__blas_lookup_once, gan__blas_lookup);
    if (gan__blas_set_fn)
        gan__blas_set_fn(threads);
#else
    (void)threads; /* netlib is single-threaded */
#endif
}

int32_t gan__blas_get_threads(void)
{
#if defined(GAN_BLAS_OPENBLAS)
    return (int32_t)openblas_get_num_threads();
#elif defined(GAN_BLAS_SYSTEM)
    pthread_once(&gan__blas_lookup_once, gan__blas_lookup);
    return gan__blas_get_fn ? (int32_t)gan__blas_get_fn() : 1;
#else
    return 1;
#endif
}

/* OpenBLAS's kernel sets for processors before AVX2 and FMA. Its DYNAMIC_ARCH builds
 * take Prescott's (SSE3) on a processor they do not know: Debian 12's 0.3.21 does so on
 * Intel's Xeons of 2023, where its sgemm then runs at a fifth of what the CPU can do. */
static bool gan__blas_core_outdated(const char *core)
{
    static const char *const outdated[] = {
        "Prescott", "Core2",   "Penryn",   "Dunnington", "Nehalem",  "Atom",
        "Sandybridge", "Katmai", "Coppermine", "Northwood", "Banias", "Athlon",
        "Opteron", "Opteron(SSE3)", "Barcelona", "Bobcat", "Bulldozer", "Piledriver",
        "Steamroller", "Nano", "Unknown",
    };
    for (size_t i = 0; i < sizeof outdated / sizeof outdated[0]; i++)
        if (strcmp(core, outdated[i]) == 0)
            return true;
    return false;
}

/* Its AVX2 sets: on a CPU with AVX-512 (OPENBLAS_CORETYPE=Haswell forced on one, or an
 * AVX-512 CPU it files under Zen) libgan's AVX-512 kernels run the DCGAN's products
 * 1.4 times as fast (doc/PERFORMANCE.md, "One speed whatever the core type"). */
static bool gan__blas_core_avx2_only(const char *core)
{
    return strcmp(core, "Haswell") == 0 || strcmp(core, "Zen") == 0 ||
           strcmp(core, "Excavator") == 0;
}

/* The name of the kernel set OpenBLAS chose, or NULL for another BLAS. */
static const char *gan__blas_corename(void)
{
#if defined(GAN_BLAS_OPENBLAS)
    return openblas_get_corename();
#elif defined(GAN_BLAS_SYSTEM)
    pthread_once(&gan__blas_lookup_once, gan__blas_lookup);
    return gan__blas_corename_fn ? gan__blas_corename_fn() : NULL;
#else
    return NULL;
#endif
}

bool gan__blas_prefer_own(const char *core, int32_t isa, const char *env)
{
    if (isa == 0 || (env && strcmp(env, "blas") == 0))
        return false;
    if (env && (strcmp(env, "own") == 0 || strcmp(env, "avx2") == 0))
        return true;
    return core && (gan__blas_core_outdated(core) ||
                    (isa == 512 && gan__blas_core_avx2_only(core)));
}

bool gan__blas_own_sgemm(void)
{
    static atomic_int cached = -1;
    int own = atomic_load_explicit(&cached, memory_order_relaxed);
    if (own >= 0)
        return own != 0;
    const int32_t isa = gan__sgemm_own_isa();
    own = isa != 0 && gan__blas_prefer_own(gan__blas_corename(), isa, getenv("GAN_SGEMM"));
    atomic_store_explicit(&cached, own, memory_order_relaxed);
    return own != 0;
}

int gan__sgemm_cblas(void *user, int32_t trans_a, int32_t trans_b, int32_t m, int32_t n,
                     int32_t k, float alpha, const float *a, int32_t lda, const float *b,
                     int32_t ldb, float beta, float *c, int32_t ldc)
{
    (void)user;
    if (gan__blas_own_sgemm())
        return gan__sgemm_own(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c,
                              ldc);
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta,
                c, ldc);
    return 0;
}
