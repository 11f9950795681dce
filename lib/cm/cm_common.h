/*
 * cm_common.h - what every component of the context-mixing model uses (internal
 * to lib/cm): the integer hashes, the limits that size fixed arrays, and the
 * allocator of the big randomly-read tables.
 */
#ifndef NZ_CM_COMMON_H
#define NZ_CM_COMMON_H

#include "cm/cm_model.h"

#define CM_MAXCTX CM_NKINDS /* hashed context kinds (bits of extra[CM_X_CTXMASK]) */
#define CM_MAXIN 256     /* mixer inputs at most, a multiple of 8 */
#define CM_WIN_MIN_BITS 16

NZ_INLINE u32 h32(u32 x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}
NZ_INLINE u32 hc(u32 a, u32 b) { return h32(a * 0x9E3779B1u + b); }
NZ_INLINE u32 hc3(u32 a, u32 b, u32 c) { return hc(hc(a, b), c); }

NZ_INLINE u32 cm_popcount32(u32 v)
{
	u32 n = 0;
	for (; v; v &= v - 1)
		n++;
	return n;
}
NZ_INLINE u32 cm_popcount64(u64 v) { return cm_popcount32((u32)v) + cm_popcount32((u32)(v >> 32)); }


#endif /* NZ_CM_COMMON_H */
