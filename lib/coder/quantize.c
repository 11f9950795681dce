/*
 * quantize.c - see quantize.h. The rules are the format's: change nothing here
 * without a new format version.
 */
#include "coder/quantize.h"
#include "coder/range_coder.h"

void nz_quantize(const float *p, u32 *freq)
{
	const float scale = (float)(NZ_RC_TOTAL - 256); /* exact in binary32 */
	/* Branch-free so it vectorises. The sum fits 32 bits: 256 * (scale + 1) < 2^32. */
	u32 sum = 0;
	for (int s = 0; s < 256; s++) {
		float x = p[s] * scale;
		x = x > 0.0f ? x : 0.0f; /* also maps NaN to 0 */
		x = x < scale ? x : scale;
		freq[s] = (u32)(s32)x + 1; /* x < 2^31: the signed conversion vectorises */
		sum += freq[s];
	}
	if (sum > NZ_RC_TOTAL) {
		/* Probabilities summed above 1: scale the excess over 1 down in exact
		 * integers. (f-1) <= scale, so the products fit in 64 bits. */
		const u64 num = NZ_RC_TOTAL - 256, den = (u64)sum - 256;
		sum = 0;
		for (int s = 0; s < 256; s++) {
			freq[s] = 1 + (u32)((u64)(freq[s] - 1) * num / den);
			sum += freq[s];
		}
	}
	u32 top = 0;
	for (int s = 0; s < 256; s++) /* a max reduction: vectorises */
		top = freq[s] > top ? freq[s] : top;
	unsigned m = 0;
	while (freq[m] != top)
		m++;
	freq[m] += NZ_RC_TOTAL - sum;
}

void nz_cumulate(const u32 *freq, u32 *cum)
{
	u32 c = 0;
	cum[0] = 0;
	for (int s = 0; s < 256; s++) {
		c += freq[s];
		cum[s + 1] = c;
	}
}
