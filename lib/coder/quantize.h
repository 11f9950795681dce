/*
 * quantize.h - float probabilities to integer frequencies for the range coder
 * (docs/FORMAT.md, "Probability quantisation"). Deterministic: only binary32
 * multiplication, truncation and integer arithmetic, so every machine builds the
 * same table from the same floats.
 */
#ifndef NZ_QUANTIZE_H
#define NZ_QUANTIZE_H

#include "common/common.h"

/* freq[0..255] >= 1, summing to 2^24, from p[0..255]. */
void nz_quantize(const float *p, u32 *freq);

/* cum[0] = 0, cum[s + 1] = cum[s] + freq[s]. */
void nz_cumulate(const u32 *freq, u32 *cum);

#endif /* NZ_QUANTIZE_H */
