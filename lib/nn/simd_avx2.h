/*
 * simd_avx2.h - the vector primitives of kernels_template.h for AVX2 + FMA, eight
 * lanes. Each lane does exactly what simd_scalar.h does: the same IEEE-754
 * operation, the same NaN-free comparison semantics (min/max return the second
 * operand when the comparison is false, like `a > b ? a : b`).
 */
#ifndef NZ_NN_SIMD_AVX2_H
#define NZ_NN_SIMD_AVX2_H

#include <immintrin.h>
#include <math.h>

#include "common/common.h"

#define VW 8
#define ATTR __attribute__((target("avx2,fma")))
#define KSUFFIX(name) name##_avx2
#define VINL static inline __attribute__((always_inline, target("avx2,fma")))

typedef __m256 V;
typedef __m256i VI;
typedef __m256 VM;

VINL V v_zero(void) { return _mm256_setzero_ps(); }
VINL V v_set1(float a) { return _mm256_set1_ps(a); }
VINL V v_load(const float *p) { return _mm256_loadu_ps(p); }
VINL void v_store(float *p, V a) { _mm256_storeu_ps(p, a); }
VINL V v_add(V a, V b) { return _mm256_add_ps(a, b); }
VINL V v_sub(V a, V b) { return _mm256_sub_ps(a, b); }
VINL V v_mul(V a, V b) { return _mm256_mul_ps(a, b); }
VINL V v_div(V a, V b) { return _mm256_div_ps(a, b); }
VINL V v_sqrt(V a) { return _mm256_sqrt_ps(a); }
VINL V v_fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
VINL V v_max(V a, V b) { return _mm256_max_ps(a, b); }
VINL V v_min(V a, V b) { return _mm256_min_ps(a, b); }
VINL VM v_lt(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
VINL VM v_gt(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
VINL VM v_eq(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
VINL VM v_unord(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_UNORD_Q); }
VINL VM vm_or(VM a, VM b) { return _mm256_or_ps(a, b); }
VINL V v_sel(VM m, V a, V b) { return _mm256_blendv_ps(b, a, m); }
VINL VI v_bits(V a) { return _mm256_castps_si256(a); }
VINL V v_frombits(VI i) { return _mm256_castsi256_ps(i); }
VINL VI vi_set1(s32 a) { return _mm256_set1_epi32(a); }
VINL VI vi_add(VI a, VI b) { return _mm256_add_epi32(a, b); }
VINL VI vi_sub(VI a, VI b) { return _mm256_sub_epi32(a, b); }
VINL VI vi_and(VI a, VI b) { return _mm256_and_si256(a, b); }
VINL VI vi_or(VI a, VI b) { return _mm256_or_si256(a, b); }
VINL VI vi_xor(VI a, VI b) { return _mm256_xor_si256(a, b); }
#define vi_sll(a, n) _mm256_slli_epi32((a), (n))
#define vi_sra(a, n) _mm256_srai_epi32((a), (n))
VINL V v_cvt_i2f(VI a) { return _mm256_cvtepi32_ps(a); }

/* Tails: the first n < VW lanes from memory, the others `fill`; masked, so
 * nothing past p + n is read or written. */
VINL __m256i v_nmask(size_t n)
{
	return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
VINL V v_loadn(const float *p, size_t n, float fill)
{
	const __m256i m = v_nmask(n);
	return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
}
VINL void v_storen(float *p, V a, size_t n) { _mm256_maskstore_ps(p, v_nmask(n), a); }
#define SG_MR 2
#define SG_NV 4

#endif /* NZ_NN_SIMD_AVX2_H */
