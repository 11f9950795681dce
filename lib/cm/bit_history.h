/*
 * bit_history.h - the bit-history state machine: what a context has seen, in
 * one byte. 251 states, each a pair of bounded counts (n0, n1) plus the last
 * bit when both counts are non-zero and small. On a bit its count grows and
 * the opposite count, if above 2, is roughly halved ("non-stationary": recent
 * bits weigh more). States are numbered by increasing total count (state 0 =
 * no history), so the number doubles as the replacement priority of a hash
 * slot (context_map.h). Generated at creation by integer code.
 */
#ifndef NZ_CM_BIT_HISTORY_H
#define NZ_CM_BIT_HISTORY_H

#include "cm/cm_common.h"

typedef struct cm_bit_history {
	u8 nex[256][2];       /* next state after bit y */
	u8 sn0[256], sn1[256]; /* the counts of each state */
	int8_t det[256];        /* 1: a state (not 0) that has seen only 1s, -1: only 0s, else 0 */
	u32 init_sm[256];     /* a state map's start: (n1 + 1/2) / (n + 1), 22 bits << 10 */
} cm_bit_history;

void nz_cm_bit_history_init(cm_bit_history *bh);

/* The state after bit y. */
NZ_INLINE u8 cm_bh_next(const cm_bit_history *bh, u8 s, int y) { return bh->nex[s][y]; }

/* The state has seen only one kind of bit (or nothing). */
NZ_INLINE int cm_bh_deterministic(const cm_bit_history *bh, u8 s)
{
	return bh->sn0[s] == 0 || bh->sn1[s] == 0;
}

#endif /* NZ_CM_BIT_HISTORY_H */
