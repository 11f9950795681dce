/*
 * match_model.h - the longest earlier occurrence of the current context
 * predicts the next bit. At each byte boundary, if no match is being
 * followed, three hashes (of the last 24 bytes, rolling; of the last 8; of the
 * last 5) give candidates from one index of 2^(match_bits - 2) positions; each
 * is verified backwards and the longest (at least CM_MATCH_MIN bytes) is
 * followed. After a miss the model keeps following the same pointer (like LZ's
 * "rep0") with its own state-map region, keyed by how many bytes in a row it
 * was right since; a new hash match replaces it.
 *
 * Two mixer inputs: a state map on (length bucket, expected bit, previous
 * byte) and a confidence +-32 min(len, 32). The index is also read by the
 * second match model (latest_match.h). Without a window (match_bits 0) the
 * inputs say "no match".
 */
#ifndef NZ_CM_MATCH_MODEL_H
#define NZ_CM_MATCH_MODEL_H

#include "cm/history.h"
#include "cm/tables.h"

#define CM_MATCH_MIN 4   /* shortest verified match the match model follows */
#define CM_K24 0x1688E435u /* 0x2F0F3C95^25 mod 2^32, see mh24 */

typedef struct cm_match {
	u32 *mt;              /* index: hash -> position after the context (lane's own) */
	u32 mt_mask;
	u32 match_bits;
	u32 mptr, mlen;
	u32 mh24;             /* rolling hash of the last 24 bytes */
	u32 mexp;             /* expected byte when mlen > 0 (or following after a miss) */
	u32 mrec, mok, mbad;  /* after a miss: keep following (LZ's rep0), right in a row, off this byte */
	u32 short_cand;       /* the index's entry for the last 5 bytes before this byte's update */
	u32 match_sm[96 * 256 + 256];
	u32 *msm;
} cm_match;

/* Mixer inputs the match model adds. */
u32 nz_cm_match_inputs(const cm_params *p);
int nz_cm_match_init(cm_match *mm, u32 match_bits);
void nz_cm_match_free(cm_match *mm);
u64 nz_cm_match_memory(u32 match_bits);
void nz_cm_match_reset(cm_match *mm);
/* After nz_cm_history_update_byte(h, c): follow or find a match, update the index. */
void nz_cm_match_update_byte(cm_match *mm, const cm_history *h, u32 c);
/* One bit before the end of a byte: load the index entries of both candidates. */
void nz_cm_match_prefetch(const cm_match *mm, const cm_history *h);

/* The index hashes of the last 8 and the last 5 bytes. */
NZ_INLINE u32 cm_match_hash_long(u32 c4, u32 c8) { return hc(c4, c8); }
NZ_INLINE u32 cm_match_hash_short(u32 c4, u32 c8) { return hc(c4 ^ 0x5bd1e995u, c8 & 0xff); }

/* Length bucket 0..31. */
NZ_INLINE u32 cm_match_q(u32 len)
{
	if (len < 16)
		return len;
	len = 12 + len / 4;
	return len > 31 ? 31 : len;
}

/* Writes 2 inputs; returns the expected bit (0 without a match). A mismatch in
 * this byte ends the match (mlen = 0), which the mixer contexts see. */
NZ_INLINE int cm_match_mix(cm_match *mm, const cm_tables *T, const cm_history *h, s32 *x)
{
	u32 mi;
	int mbit = 0;
	const u32 c0 = h->c0, bpos = h->bpos;
	if (mm->mlen > 0) {
		u32 expect = (mm->mexp | 256) >> (8 - bpos);
		if (expect == c0) {
			mbit = (mm->mexp >> (7 - bpos)) & 1;
			mi = (cm_match_q(mm->mlen) * 2 + (u32)mbit) << 8 | (h->c4 & 0xff);
		} else {
			mm->mlen = 0;
			mm->mbad = 1;
			mi = 96 * 256 + c0;
		}
	} else if (mm->mrec && !mm->mbad && ((mm->mexp | 256) >> (8 - bpos)) == c0) {
		int b = (mm->mexp >> (7 - bpos)) & 1;
		mi = ((32 + mm->mok) * 2 + (u32)b) << 8 | (h->c4 & 0xff);
	} else {
		mm->mbad = 1;
		mi = 96 * 256 + c0;
	}
	mm->msm = mm->match_sm + mi;
	x[0] = (s16)cm_sm_st(T, *mm->msm);
	if (mm->mlen > 0) {
		int conf = (int)(mm->mlen < 32 ? mm->mlen : 32) * 32;
		x[1] = (s16)(mbit ? conf : -conf);
	} else {
		x[1] = 0;
	}
	return mbit;
}

/* The match's mode at a byte boundary (paq8px's mode3): 0 none, 1..3 following
 * after a miss (right 0, 1, 2+ bytes since), 4..7 a match of 0-3, 4-7, 8-11, 12+
 * bytes. */
NZ_INLINE u32 cm_match_mode(const cm_match *mm)
{
	if (mm->mlen)
		return 4 + (mm->mlen >> 2 < 3 ? mm->mlen >> 2 : 3);
	return mm->mrec ? 1 + (mm->mok < 2 ? mm->mok : 2) : 0;
}

/* The hash of context kind MATCH1 (t = 0), MATCH2 (1) or MATCH3 (2) after
 * nz_cm_match_update_byte: what the match expects (or, without one, the bytes
 * before) and its mode (paq8px's match model's byte contexts). */
NZ_INLINE u32 cm_match_kind_hash(const cm_match *mm, const cm_history *h, u32 t)
{
	const u32 mode = cm_match_mode(mm), on = mm->mlen || mm->mrec, c4 = h->c4;
	if (t == 0)
		return hc3(on ? mm->mexp : c4 & 255, mode, 47);
	if (t == 2)
		return hc3(on ? mm->mexp : 256, c4 & 0xffffff, mode + 49 * 8);
	return hc(hc3(on ? mm->mexp : (c4 >> 8) & 255, c4 & 255, mode), 48);
}

NZ_INLINE void cm_match_update(cm_match *mm, const cm_tables *T, int y)
{
	cm_sm_update(&T->r, mm->msm, y, 1023);
}

#endif /* NZ_CM_MATCH_MODEL_H */
