/* What this CPU and its operating system can run, asked once through CPUID. */
#ifndef GAN_KERNELS_CPU_H
#define GAN_KERNELS_CPU_H

#include <stdbool.h>

/* AVX2 and FMA, with the OS saving the ymm state. */
bool gan__cpu_avx2(void);

/* AVX-512 F and BW, with the OS saving the zmm and mask state. */
bool gan__cpu_avx512(void);

#endif
