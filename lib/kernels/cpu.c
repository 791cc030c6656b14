/* CPU features (cpu.h). Compilers without the x86 CPUID header report none. */
#include "kernels/cpu.h"

#include <stdatomic.h>
#include <stdint.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>

/* The state components XCR0 says the OS saves on a context switch. */
static uint32_t gan__xcr0(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid_count(1, 0, &a, &b, &c, &d) || !(c & (1u << 27))) /* OSXSAVE */
        return 0;
    uint32_t lo, hi;
    __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return lo;
}

static bool gan__probe_avx2(void)
{
    unsigned a, b, c, d;
    if ((gan__xcr0() & 0x6u) != 0x6u) /* SSE and AVX state */
        return false;
    if (!__get_cpuid_count(1, 0, &a, &b, &c, &d) || !(c & (1u << 12))) /* FMA */
        return false;
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 5)); /* AVX2 */
}

static bool gan__probe_avx512(void)
{
    unsigned a, b, c, d;
    if ((gan__xcr0() & 0xe6u) != 0xe6u) /* SSE, AVX and the AVX-512 state */
        return false;
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 16)) && /* F */
           (b & (1u << 30));                                              /* BW */
}

/* CPUID traps to the hypervisor in a virtual machine (microseconds): asked once. */
static bool gan__cached(atomic_int *known, bool (*probe)(void))
{
    int v = atomic_load_explicit(known, memory_order_relaxed);
    if (v < 0) {
        v = probe();
        atomic_store_explicit(known, v, memory_order_relaxed);
    }
    return v != 0;
}

bool gan__cpu_avx2(void)
{
    static atomic_int known = -1;
    return gan__cached(&known, gan__probe_avx2);
}

bool gan__cpu_avx512(void)
{
    static atomic_int known = -1;
    return gan__cached(&known, gan__probe_avx512);
}

#else

bool gan__cpu_avx2(void)
{
    return false;
}

bool gan__cpu_avx512(void)
{
    return false;
}

#endif
