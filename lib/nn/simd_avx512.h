/*
 * simd_avx512.h - the vector primitives of kernels_template.h for AVX-512 (F, DQ,
 * BW, VL) + FMA, sixteen lanes. Lane for lane the same operations as
 * simd_scalar.h.
 */
#ifndef NZ_NN_SIMD_AVX512_H
#define NZ_NN_SIMD_AVX512_H

#include <immintrin.h>
#include <math.h>

#include "common/common.h"

#define VW 16
#define NZ_AVX512_TARGET "avx512f,avx512dq,avx512bw,avx512vl,avx2,fma"
#define ATTR __attribute__((target(NZ_AVX512_TARGET)))
#define KSUFFIX(name) name##_avx512
#define VINL static inline __attribute__((always_inline, target(NZ_AVX512_TARGET)))

typedef __m512 V;
typedef __m512i VI;
typedef __mmask16 VM;

VINL V v_zero(void) { return _mm512_setzero_ps(); }
VINL V v_set1(float a) { return _mm512_set1_ps(a); }
VINL V v_load(const float *p) { return _mm512_loadu_ps(p); }
VINL void v_store(float *p, V a) { _mm512_storeu_ps(p, a); }
VINL V v_add(V a, V b) { return _mm512_add_ps(a, b); }
VINL V v_sub(V a, V b) { return _mm512_sub_ps(a, b); }
VINL V v_mul(V a, V b) { return _mm512_mul_ps(a, b); }
VINL V v_div(V a, V b) { return _mm512_div_ps(a, b); }
VINL V v_sqrt(V a) { return _mm512_sqrt_ps(a); }
VINL V v_fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
VINL V v_max(V a, V b) { return _mm512_max_ps(a, b); }
VINL V v_min(V a, V b) { return _mm512_min_ps(a, b); }
VINL VM v_lt(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
VINL VM v_gt(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
VINL VM v_eq(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
VINL VM v_unord(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q); }
VINL VM vm_or(VM a, VM b) { return (VM)(a | b); }
VINL V v_sel(VM m, V a, V b) { return _mm512_mask_blend_ps(m, b, a); }
VINL VI v_bits(V a) { return _mm512_castps_si512(a); }
VINL V v_frombits(VI i) { return _mm512_castsi512_ps(i); }
VINL VI vi_set1(s32 a) { return _mm512_set1_epi32(a); }
VINL VI vi_add(VI a, VI b) { return _mm512_add_epi32(a, b); }
VINL VI vi_sub(VI a, VI b) { return _mm512_sub_epi32(a, b); }
VINL VI vi_and(VI a, VI b) { return _mm512_and_si512(a, b); }
VINL VI vi_or(VI a, VI b) { return _mm512_or_si512(a, b); }
VINL VI vi_xor(VI a, VI b) { return _mm512_xor_si512(a, b); }
#define vi_sll(a, n) _mm512_slli_epi32((a), (n))
#define vi_sra(a, n) _mm512_srai_epi32((a), (n))
VINL V v_cvt_i2f(VI a) { return _mm512_cvtepi32_ps(a); }

/* Tails: the first n < VW lanes from memory, the others `fill`; masked, so
 * nothing past p + n is read or written. */
VINL __mmask16 v_nmask(size_t n) { return (__mmask16)((1u << n) - 1); }
VINL V v_loadn(const float *p, size_t n, float fill)
{
	return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), v_nmask(n), p);
}
VINL void v_storen(float *p, V a, size_t n) { _mm512_mask_storeu_ps(p, v_nmask(n), a); }
/* Rows of the small-product kernel's tile, and vectors per row. */
#define SG_MR 4
#define SG_NV 4

#endif /* NZ_NN_SIMD_AVX512_H */
