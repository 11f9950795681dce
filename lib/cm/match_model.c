/*
 * match_model.c - finding and following the longest match (match_model.h).
 */
#include "cm/match_model.h"

u32 nz_cm_match_inputs(const cm_params *p)
{
	(void)p;
	return 2;
}

int nz_cm_match_init(cm_match *mm, u32 match_bits)
{
	mm->match_bits = match_bits;
	mm->mt = NULL;
	mm->mt_mask = 0;
	if (!match_bits)
		return NZ_OK;
	mm->mt_mask = (u32)(((u64)1 << (match_bits - 2)) - 1);
	mm->mt = nz_big_alloc((size_t)1 << match_bits);
	return mm->mt ? NZ_OK : NZ_ERR_NOMEM;
}

void nz_cm_match_free(cm_match *mm)
{
	if (mm->mt)
		nz_big_free(mm->mt, (size_t)1 << mm->match_bits);
	mm->mt = NULL;
}

u64 nz_cm_match_memory(u32 match_bits) { return match_bits ? (u64)1 << match_bits : 0; }

void nz_cm_match_reset(cm_match *mm)
{
	if (mm->mt)
		memset(mm->mt, 0, (size_t)1 << mm->match_bits);
	mm->mptr = mm->mlen = mm->mexp = 0;
	mm->mrec = mm->mok = mm->mbad = 0;
	mm->mh24 = 0;
	mm->short_cand = 0;
	nz_cm_sm_fill(mm->match_sm, 96 * 256 + 256, CM_SM_HALF);
	mm->msm = mm->match_sm;
}

void nz_cm_match_update_byte(cm_match *mm, const cm_history *h, u32 c)
{
	if (!mm->match_bits)
		return;
	const u8 *win = h->win;
	const u32 wm = h->win_mask, pos32 = (u32)h->pos;
	u32 hl = cm_match_hash_long(h->c4, h->c8) & mm->mt_mask;
	u32 hs = cm_match_hash_short(h->c4, h->c8) & mm->mt_mask;
	/* rolling: h = sum of byte[i] * K^(age), K^24 precomputed below */
	mm->mh24 = (mm->mh24 + c + 1) * 0x2F0F3C95u - ((u32)win[(pos32 - 25) & wm] + 1) * CM_K24;
	u32 hv = h32(mm->mh24) & mm->mt_mask;
	if (mm->mlen > 0 || mm->mrec) {
		if (mm->mexp == c) {
			if (mm->mlen > 0 && mm->mlen < 65535)
				mm->mlen++;
			else if (mm->mlen == 0 && mm->mok < 15)
				mm->mok++;
		} else {
			mm->mlen = 0;
			mm->mrec = 1;
			mm->mok = 0;
		}
		mm->mptr++;
	}
	mm->mbad = 0;
	if (mm->mlen == 0 && pos32 > 8) {
		/* the longest of the candidates (verified backwards) */
		u32 best = 0, bestl = 0;
		for (int q = 0; q < 3; q++) {
			u32 cand = q == 0 ? mm->mt[hv] : q == 1 ? mm->mt[hl] : mm->mt[hs];
			if (!cand || pos32 - cand > wm || cand == best)
				continue;
			u32 l = 0;
			while (l < 400 && l < cand && win[(cand - 1 - l) & wm] == win[(pos32 - 1 - l) & wm])
				l++;
			if (l > bestl) {
				bestl = l;
				best = cand;
			}
		}
		if (bestl >= CM_MATCH_MIN) {
			mm->mlen = bestl;
			mm->mptr = best;
			mm->mrec = 0;
		}
	}
	mm->short_cand = mm->mt[hs];
	mm->mt[hl] = pos32;
	mm->mt[hs] = pos32;
	if (pos32 >= 24)
		mm->mt[hv] = pos32;
	if (pos32 - mm->mptr > wm)
		mm->mlen = mm->mrec = 0;
	mm->mexp = (mm->mlen || mm->mrec) ? win[mm->mptr & wm] : 0;
}

void nz_cm_match_prefetch(const cm_match *mm, const cm_history *h)
{
	if (!mm->mt)
		return;
	for (u32 b = 0; b < 2; b++) {
		u32 c = ((h->c0 << 1) | b) & 255;
		u32 c4 = (h->c4 << 8) | c, c8 = (h->c8 << 8) | (h->c4 >> 24);
		u32 h24 = (mm->mh24 + c + 1) * 0x2F0F3C95u -
			  ((u32)h->win[((u32)h->pos - 24) & h->win_mask] + 1) * CM_K24;
		__builtin_prefetch(&mm->mt[h32(h24) & mm->mt_mask]);
		__builtin_prefetch(&mm->mt[cm_match_hash_long(c4, c8) & mm->mt_mask]);
		__builtin_prefetch(&mm->mt[cm_match_hash_short(c4, c8) & mm->mt_mask]);
	}
}
