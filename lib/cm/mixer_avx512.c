/*
 * mixer_avx512.c - the mixer's AVX-512 kernels (mixer.h): the same integers as
 * the plain C ones, 16 inputs at a time; where the padded width is not a
 * multiple of 16, the last 8 go through the same step with a mask (the masked
 * lanes load as 0 and are not stored). Built for every x86-64 (target
 * attribute); chosen at run time by nz_cm_mixer_kernels_for for the AVX-512
 * backend. Integer sums are exact in any order. The inputs are loaded
 * unaligned: mixer.h promises only 32-byte alignment (the JPEG model's mixers
 * have just that).
 */
#include "cm/mixer.h"

#ifdef CM_HAVE_MIXER_AVX512
#include <immintrin.h>

/* the lanes of the step at i: all 16, or the 8 left of a width n that is a
 * multiple of 8 */
#define CM_LANES(i, n) ((__mmask16)((i) + 16 <= (n) ? 0xffff : 0x00ff))

__attribute__((target("avx512f"))) static s32 dot_avx512(const s32 *x, const s32 *w, u32 n)
{
	__m512i acc = _mm512_setzero_si512();
	for (u32 i = 0; i < n; i += 16) {
		const __mmask16 k = CM_LANES(i, n);
		__m512i a = _mm512_maskz_loadu_epi32(k, x + i);
		__m512i b = _mm512_maskz_loadu_epi32(k, w + i);
		acc = _mm512_add_epi32(acc, _mm512_srai_epi32(_mm512_mullo_epi32(a, b), 8));
	}
	return _mm512_reduce_add_epi32(acc);
}

__attribute__((target("avx512f"))) static void train_avx512(const s32 *x, s32 *w, u32 n, s32 err)
{
	const __m512i e = _mm512_set1_epi32(err), r = _mm512_set1_epi32(0x8000);
	const __m512i hi = _mm512_set1_epi32(CM_WMAX), lo = _mm512_set1_epi32(-CM_WMAX);
	for (u32 i = 0; i < n; i += 16) {
		const __mmask16 k = CM_LANES(i, n);
		__m512i a = _mm512_maskz_loadu_epi32(k, x + i);
		__m512i b = _mm512_maskz_loadu_epi32(k, w + i);
		__m512i d = _mm512_srai_epi32(_mm512_add_epi32(_mm512_mullo_epi32(a, e), r), 16);
		b = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(b, d), lo), hi);
		_mm512_mask_storeu_epi32(w + i, k, b);
	}
}

const cm_mixer_kernels nz_cm_mixer_kernels_avx512 = {dot_avx512, train_avx512, "avx512"};
#endif
