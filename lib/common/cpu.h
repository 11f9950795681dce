/*
 * cpu.h - run-time CPU feature detection (x86-64: AVX2, FMA, AVX-512).
 *
 * The features are read once with CPUID/XGETBV (checking that the OS saves the
 * wide registers) and cached; the cache is the library's only global mutable
 * state and filling it is idempotent, so concurrent first calls are harmless.
 * On other architectures every query returns 0 and the scalar code runs.
 */
#ifndef NZ_CPU_H
#define NZ_CPU_H

#include "common/common.h"

enum {
	NZ_CPU_AVX2 = 1u << 0,     /* AVX2 (and AVX), OS saves YMM */
	NZ_CPU_FMA = 1u << 1,      /* FMA3 */
	NZ_CPU_AVX512F = 1u << 2,  /* AVX-512 F, OS saves ZMM and opmasks */
	NZ_CPU_AVX512DQ = 1u << 3,
	NZ_CPU_AVX512BW = 1u << 4,
	NZ_CPU_AVX512VL = 1u << 5,
	NZ_CPU_F16C = 1u << 6
};

/* Every kernel family needs all of these bits. */
#define NZ_CPU_NEED_AVX2 (NZ_CPU_AVX2 | NZ_CPU_FMA)
#define NZ_CPU_NEED_AVX512 (NZ_CPU_AVX2 | NZ_CPU_FMA | NZ_CPU_AVX512F | \
			    NZ_CPU_AVX512DQ | NZ_CPU_AVX512BW | NZ_CPU_AVX512VL)

/* The feature mask of this CPU (NZ_CPU_* bits), detected once and cached. */
u32 nz_cpu_features(void);

/* Writes "avx2 fma avx512f ..." (or "none") into buf, for logs and benchmark
 * headers; at most size bytes including the terminating zero. */
void nz_cpu_features_string(u32 features, char *buf, size_t size);

/* The CPU's brand string ("AMD EPYC ..."), or "" if unknown. Writes at most
 * size bytes including the terminating zero. */
void nz_cpu_brand(char *buf, size_t size);

/* The number of online processors (at least 1). */
u32 nz_cpu_count(void);

#endif /* NZ_CPU_H */
