/*
 * latest_match.c - following the latest 5-byte context (latest_match.h).
 */
#include "cm/latest_match.h"

u32 nz_cm_latest_inputs(const cm_params *p) { return p->match_bits && (p->flags & CM_F_REC) ? 1 : 0; }

void nz_cm_latest_init(cm_latest *l, const cm_params *p) { l->on = nz_cm_latest_inputs(p) != 0; }

void nz_cm_latest_reset(cm_latest *l)
{
	l->mptr2 = l->mlen2 = l->mexp2 = l->mbad2 = 0;
	nz_cm_sm_fill(l->m2_sm, 32 * 256 + 256, CM_SM_HALF);
	l->m2e = l->m2_sm;
}

void nz_cm_latest_update_byte(cm_latest *l, const cm_match *mm, const cm_history *h, u32 c)
{
	if (!l->on)
		return;
	const u32 pos32 = (u32)h->pos, wm = h->win_mask;
	if (l->mlen2 > 0) {
		if (l->mexp2 == c && !l->mbad2) {
			if (l->mlen2 < 65535)
				l->mlen2++;
			l->mptr2++;
		} else {
			l->mlen2 = 0;
		}
	}
	l->mbad2 = 0;
	if (l->mlen2 == 0) {
		u32 cand = mm->short_cand;
		if (cand && pos32 - cand <= wm && cand != mm->mptr && h->win[(cand - 1) & wm] == c) {
			l->mptr2 = cand;
			l->mlen2 = 1;
		}
	}
	if (l->mlen2 && pos32 - l->mptr2 > wm)
		l->mlen2 = 0;
	l->mexp2 = l->mlen2 ? h->win[l->mptr2 & wm] : 0;
}
