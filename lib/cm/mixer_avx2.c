/*
 * mixer_avx2.c - the mixer's AVX2 kernels (mixer.h): the same integers as the
 * plain C ones, 8 inputs at a time. Built for every x86-64 (target attribute,
 * no global -mavx2); chosen at run time by nz_cm_mixer_kernels_for.
 */
#include "cm/mixer.h"

#ifdef CM_HAVE_MIXER_AVX2
#include <immintrin.h>

__attribute__((target("avx2"))) static s32 dot_avx2(const s32 *x, const s32 *w, u32 n)
{
	__m256i acc = _mm256_setzero_si256();
	for (u32 i = 0; i < n; i += 8) {
		__m256i a = _mm256_load_si256((const __m256i *)(x + i));
		__m256i b = _mm256_loadu_si256((const __m256i *)(w + i));
		acc = _mm256_add_epi32(acc, _mm256_srai_epi32(_mm256_mullo_epi32(a, b), 8));
	}
	__m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
	return _mm_cvtsi128_si32(s);
}

__attribute__((target("avx2"))) static void train_avx2(const s32 *x, s32 *w, u32 n, s32 err)
{
	__m256i e = _mm256_set1_epi32(err), r = _mm256_set1_epi32(0x8000);
	__m256i hi = _mm256_set1_epi32(CM_WMAX), lo = _mm256_set1_epi32(-CM_WMAX);
	for (u32 i = 0; i < n; i += 8) {
		__m256i a = _mm256_load_si256((const __m256i *)(x + i));
		__m256i b = _mm256_loadu_si256((__m256i *)(w + i));
		__m256i d = _mm256_srai_epi32(_mm256_add_epi32(_mm256_mullo_epi32(a, e), r), 16);
		b = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(b, d), lo), hi);
		_mm256_storeu_si256((__m256i *)(w + i), b);
	}
}

const cm_mixer_kernels nz_cm_mixer_kernels_avx2 = {dot_avx2, train_avx2, "avx2"};
#endif
