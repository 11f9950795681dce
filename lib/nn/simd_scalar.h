/*
 * simd_scalar.h - the vector primitives of kernels_template.h for plain C, one
 * lane wide. Every primitive is one IEEE-754 binary32 operation (or an exact bit
 * or integer operation), the same one the AVX2 and AVX-512 versions perform on
 * each lane; fmaf() is the fused multiply-add (glibc uses the FMA instruction
 * when the CPU has one, and a correctly rounded software fallback otherwise).
 */
#ifndef NZ_NN_SIMD_SCALAR_H
#define NZ_NN_SIMD_SCALAR_H

#include <math.h>

#include "common/common.h"

#define VW 1
#define ATTR
#define KSUFFIX(name) name##_scalar
#define VINL NZ_INLINE

typedef float V;
typedef s32 VI;
typedef int VM;

NZ_INLINE V v_zero(void) { return 0.0f; }
NZ_INLINE V v_set1(float a) { return a; }
NZ_INLINE V v_load(const float *p) { return *p; }
NZ_INLINE void v_store(float *p, V a) { *p = a; }
NZ_INLINE V v_add(V a, V b) { return a + b; }
NZ_INLINE V v_sub(V a, V b) { return a - b; }
NZ_INLINE V v_mul(V a, V b) { return a * b; }
NZ_INLINE V v_div(V a, V b) { return a / b; }
NZ_INLINE V v_sqrt(V a) { return sqrtf(a); }
NZ_INLINE V v_fma(V a, V b, V c) { return fmaf(a, b, c); }
NZ_INLINE V v_max(V a, V b) { return a > b ? a : b; }
NZ_INLINE V v_min(V a, V b) { return a < b ? a : b; }
NZ_INLINE VM v_lt(V a, V b) { return a < b; }
NZ_INLINE VM v_gt(V a, V b) { return a > b; }
NZ_INLINE VM v_eq(V a, V b) { return a == b; }
NZ_INLINE VM v_unord(V a, V b) { return a != a || b != b; }
NZ_INLINE VM vm_or(VM a, VM b) { return a | b; }
NZ_INLINE V v_sel(VM m, V a, V b) { return m ? a : b; }
NZ_INLINE VI v_bits(V a)
{
	VI i;
	memcpy(&i, &a, 4);
	return i;
}
NZ_INLINE V v_frombits(VI i)
{
	V a;
	memcpy(&a, &i, 4);
	return a;
}
NZ_INLINE VI vi_set1(s32 a) { return a; }
NZ_INLINE VI vi_add(VI a, VI b) { return (VI)((u32)a + (u32)b); }
NZ_INLINE VI vi_sub(VI a, VI b) { return (VI)((u32)a - (u32)b); }
NZ_INLINE VI vi_and(VI a, VI b) { return a & b; }
NZ_INLINE VI vi_or(VI a, VI b) { return a | b; }
NZ_INLINE VI vi_xor(VI a, VI b) { return a ^ b; }
#define vi_sll(a, n) ((VI)((u32)(a) << (n)))
#define vi_sra(a, n) ((VI)((a) >> (n)))
NZ_INLINE V v_cvt_i2f(VI a) { return (float)a; }

/* Tails (n is 0 here: a lane of one is never a tail). */
NZ_INLINE V v_loadn(const float *p, size_t n, float fill) { return n ? *p : fill; }
NZ_INLINE void v_storen(float *p, V a, size_t n)
{
	if (n)
		*p = a;
}
#define SG_MR 4
#define SG_NV 4

#endif /* NZ_NN_SIMD_SCALAR_H */
