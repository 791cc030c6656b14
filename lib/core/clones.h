/* Functions compiled again for newer x86-64 levels, picked at load time by the CPU
 * (GNU ifunc): the library itself is built for the baseline. Not in sanitizer builds:
 * an ifunc resolver runs during relocation, before the sanitizer's runtime is ready. */
#ifndef GAN_CORE_CLONES_H
#define GAN_CORE_CLONES_H

#include <limits.h> /* defines __GLIBC__ on glibc, whose loader runs ifunc resolvers */

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12 && \
    defined(__ELF__) && defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) &&        \
    !defined(__SANITIZE_THREAD__)
/* x86-64-v4: AVX-512 (64-bit lane multiplies among them); v3: AVX2 and FMA. */
#define GAN__CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define GAN__CLONES
#endif

#endif
