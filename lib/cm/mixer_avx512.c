/*
 * mixer_avx512.c - the mixer's AVX-512 kernels (mixer.h): the same integers as
 * the plain C ones, 16 inputs at a time, and a last 8 with AVX2 where the
 * padded width is not a multiple of 16. Built for every x86-64 (target
 * attribute); chosen at run time by nz_cm_mixer_kernels_for for the AVX-512
 * backend. Integer sums are exact in any order, so the lanes' order does not
 * matter.
 */
#include "cm/mixer.h"

#ifdef CM_HAVE_MIXER_AVX512
#include <immintrin.h>

#define CM_AVX512_TARGET __attribute__((target("avx512f,avx2")))

CM_AVX512_TARGET static s32 dot_avx512(const s32 *x, const s32 *w, u32 n)
{
	__m512i acc = _mm512_setzero_si512();
	u32 i = 0;
	for (; i + 16 <= n; i += 16) {
		__m512i a = _mm512_loadu_si512((const void *)(x + i)); /* x is 32-byte aligned */
		__m512i b = _mm512_loadu_si512((const void *)(w + i));
		acc = _mm512_add_epi32(acc, _mm512_srai_epi32(_mm512_mullo_epi32(a, b), 8));
	}
	s32 s = _mm512_reduce_add_epi32(acc);
	if (i < n) { /* n is a multiple of 8: one half left */
		__m256i a = _mm256_load_si256((const __m256i *)(x + i));
		__m256i b = _mm256_loadu_si256((const __m256i *)(w + i));
		__m256i p = _mm256_srai_epi32(_mm256_mullo_epi32(a, b), 8);
		__m128i q = _mm_add_epi32(_mm256_castsi256_si128(p), _mm256_extracti128_si256(p, 1));
		q = _mm_add_epi32(q, _mm_shuffle_epi32(q, 0x4e));
		q = _mm_add_epi32(q, _mm_shuffle_epi32(q, 0xb1));
		s += _mm_cvtsi128_si32(q);
	}
	return s;
}

CM_AVX512_TARGET static void train_avx512(const s32 *x, s32 *w, u32 n, s32 err)
{
	const __m512i e = _mm512_set1_epi32(err), r = _mm512_set1_epi32(0x8000);
	const __m512i hi = _mm512_set1_epi32(CM_WMAX), lo = _mm512_set1_epi32(-CM_WMAX);
	u32 i = 0;
	for (; i + 16 <= n; i += 16) {
		__m512i a = _mm512_loadu_si512((const void *)(x + i)); /* x is 32-byte aligned */
		__m512i b = _mm512_loadu_si512((const void *)(w + i));
		__m512i d = _mm512_srai_epi32(_mm512_add_epi32(_mm512_mullo_epi32(a, e), r), 16);
		b = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(b, d), lo), hi);
		_mm512_storeu_si512((void *)(w + i), b);
	}
	if (i < n) {
		const __m256i e8 = _mm512_castsi512_si256(e), r8 = _mm512_castsi512_si256(r);
		__m256i a = _mm256_load_si256((const __m256i *)(x + i));
		__m256i b = _mm256_loadu_si256((const __m256i *)(w + i));
		__m256i d = _mm256_srai_epi32(_mm256_add_epi32(_mm256_mullo_epi32(a, e8), r8), 16);
		b = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(b, d), _mm512_castsi512_si256(lo)),
				     _mm512_castsi512_si256(hi));
		_mm256_storeu_si256((__m256i *)(w + i), b);
	}
}

const cm_mixer_kernels nz_cm_mixer_kernels_avx512 = {dot_avx512, train_avx512, "avx512"};
#endif
