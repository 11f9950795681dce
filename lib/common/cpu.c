/*
 * cpu.c - see cpu.h. CPUID leaf 1 gives FMA/AVX/OSXSAVE, leaf 7 AVX2 and AVX-512;
 * XGETBV(0) tells which register states the OS saves (bits 1-2 for YMM, 5-7 for
 * the opmask and ZMM registers). A feature counts only if both say yes.
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <unistd.h>

#include "common/cpu.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static u64 read_xcr0(void)
{
	u32 lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((u64)hi << 32) | lo;
}

static u32 detect(void)
{
	u32 a, b, c, d, f = 0;
	if (!__get_cpuid(0, &a, &b, &c, &d) || a < 7)
		return 0;
	__cpuid(1, a, b, c, d);
	const int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
	const int f16c = (c >> 29) & 1;
	if (!osxsave || !avx)
		return 0;
	const u64 xcr0 = read_xcr0();
	if ((xcr0 & 0x6) != 0x6)
		return 0;
	__cpuid_count(7, 0, a, b, c, d);
	if ((b >> 5) & 1)
		f |= NZ_CPU_AVX2;
	if (fma)
		f |= NZ_CPU_FMA;
	if (f16c)
		f |= NZ_CPU_F16C;
	if ((xcr0 & 0xe6) == 0xe6) {
		if ((b >> 16) & 1)
			f |= NZ_CPU_AVX512F;
		if ((b >> 17) & 1)
			f |= NZ_CPU_AVX512DQ;
		if ((b >> 30) & 1)
			f |= NZ_CPU_AVX512BW;
		if ((b >> 31) & 1)
			f |= NZ_CPU_AVX512VL;
	}
	return f;
}

void nz_cpu_brand(char *buf, size_t size)
{
	u32 r[12], a, b, c, d;
	if (!size)
		return;
	buf[0] = 0;
	if (!__get_cpuid(0x80000000, &a, &b, &c, &d) || a < 0x80000004)
		return;
	for (u32 i = 0; i < 3; i++)
		__cpuid(0x80000002 + i, r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3]);
	char s[49];
	memcpy(s, r, 48);
	s[48] = 0;
	const char *p = s;
	while (*p == ' ')
		p++;
	size_t n = strlen(p);
	while (n && p[n - 1] == ' ')
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(buf, p, n);
	buf[n] = 0;
}
#else
static u32 detect(void) { return 0; }
void nz_cpu_brand(char *buf, size_t size)
{
	if (size)
		buf[0] = 0;
}
#endif

/* Bit 31 marks the cache as filled; the features never use it. Atomic (relaxed):
 * threads that race to fill it store the same value, and a data race would still
 * be undefined behaviour (ThreadSanitizer found it under the CLI's batch jobs). */
static _Atomic u32 cpu_cache;

u32 nz_cpu_features(void)
{
	u32 v = atomic_load_explicit(&cpu_cache, memory_order_relaxed);
	if (nz_likely(v))
		return v & 0x7fffffffu;
	v = detect() | 0x80000000u;
	atomic_store_explicit(&cpu_cache, v, memory_order_relaxed);
	return v & 0x7fffffffu;
}

void nz_cpu_features_string(u32 f, char *buf, size_t size)
{
	static const char *const names[] = {"avx2", "fma", "avx512f", "avx512dq",
		"avx512bw", "avx512vl", "f16c"};
	size_t n = 0;
	if (!size)
		return;
	for (u32 i = 0; i < NZ_ARRAY_LEN(names); i++) {
		if (!(f & (1u << i)))
			continue;
		size_t l = strlen(names[i]);
		if (n + l + 2 > size)
			break;
		if (n)
			buf[n++] = ' ';
		memcpy(buf + n, names[i], l);
		n += l;
	}
	buf[n] = 0;
	if (!n && size > 4)
		memcpy(buf, "none", 5);
}

u32 nz_cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : (u32)n;
}
