/*
 * latest_match.h - the second match model: it follows the latest occurrence
 * of the last 5 bytes (from the match model's index) when that differs from
 * the longest one the first model follows. On low-entropy data the latest
 * occurrence and the longest one often disagree. One mixer input (a state map
 * on the length bucket, the expected bit and the previous byte), with flag
 * CM_F_REC and a match window.
 */
#ifndef NZ_CM_LATEST_MATCH_H
#define NZ_CM_LATEST_MATCH_H

#include "cm/match_model.h"

typedef struct cm_latest {
	int on;               /* CM_F_REC and a match window */
	u32 mptr2, mlen2, mexp2, mbad2;
	u32 m2_sm[32 * 256 + 256];
	u32 *m2e;
} cm_latest;

/* Mixer inputs the second match model adds. */
u32 nz_cm_latest_inputs(const cm_params *p);
void nz_cm_latest_init(cm_latest *l, const cm_params *p);
void nz_cm_latest_reset(cm_latest *l);
/* After nz_cm_match_update_byte(mm, h, c). */
void nz_cm_latest_update_byte(cm_latest *l, const cm_match *mm, const cm_history *h, u32 c);

NZ_INLINE void cm_latest_mix(cm_latest *l, const cm_tables *T, const cm_history *h, s32 *x)
{
	if (!l->on)
		return;
	u32 i2;
	const u32 bpos = h->bpos;
	if (l->mlen2 && !l->mbad2 && ((l->mexp2 | 256) >> (8 - bpos)) == h->c0) {
		u32 b2 = (l->mexp2 >> (7 - bpos)) & 1;
		i2 = ((l->mlen2 < 15 ? l->mlen2 : 15) * 2 + b2) << 8 | (h->c4 & 0xff);
	} else {
		l->mbad2 = l->mlen2 != 0;
		i2 = 32 * 256 + h->c0;
	}
	l->m2e = &l->m2_sm[i2];
	x[0] = (s16)cm_sm_st(T, *l->m2e);
}

NZ_INLINE void cm_latest_update(cm_latest *l, const cm_tables *T, int y)
{
	if (l->on)
		cm_sm_update(&T->r, l->m2e, y, 1023);
}

#endif /* NZ_CM_LATEST_MATCH_H */
