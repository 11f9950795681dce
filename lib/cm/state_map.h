/*
 * state_map.h - adaptive probabilities: a state map entry is a 32-bit word,
 * a 22-bit probability that the next bit is 1 and a 10-bit count of updates.
 * Each update moves p towards the bit by 1/(n + 1.5), so a young entry learns
 * fast and an old one averages, up to a count limit that sets how far back it
 * remembers (1023 for the context maps, 255 for SSE). The CM components keep
 * their maps in plain u32 arrays indexed by whatever they model (a bit-history
 * state, a match length, ...); this file is the arithmetic they share.
 */
#ifndef NZ_CM_STATE_MAP_H
#define NZ_CM_STATE_MAP_H

#include "cm/cm_common.h"

#define CM_SM_LIMIT 1023  /* the usual count limit */
#define CM_SM_HALF (1u << 31) /* p = 1/2, count 0 */

/* dt[n] = 2^17 / (2n + 3): the step of an update after n updates. */
typedef struct cm_sm_rates {
	s32 dt[1024];
} cm_sm_rates;

void nz_cm_sm_rates_init(cm_sm_rates *r);
/* Fill n entries with v (CM_SM_HALF, or a bit-history state's start). */
void nz_cm_sm_fill(u32 *t, size_t n, u32 v);

/* The 12-bit probability of an entry. */
NZ_INLINE u32 cm_sm_p12(u32 t) { return t >> 20; }

NZ_INLINE void cm_sm_update(const cm_sm_rates *r, u32 *e, int y, u32 limit)
{
	u32 t = *e;
	u32 n = t & 1023;
	s64 p22 = t >> 10;
	s64 target = y ? (1 << 22) - 1 : 0;
	p22 += ((target - p22) * r->dt[n]) >> 16;
	if (n < limit)
		n++;
	*e = ((u32)p22 << 10) | n;
}

#endif /* NZ_CM_STATE_MAP_H */
