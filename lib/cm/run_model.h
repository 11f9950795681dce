/*
 * run_model.h - per context, the last byte seen and how many times in a row
 * (flag CM_F_RUN). A 4-byte entry per context hash (checksum, byte, repeat
 * count) in a table of 2^(hash_bits - 2) bytes predicts the whole next byte;
 * while the bits coded so far agree with it, the expected bit and a count
 * bucket select a learned probability (with CM_F_RUNBP also the bit position's
 * bucket and whether the byte before it differed, paq8px's run map). One mixer
 * input per hashed context.
 * Lanes share the table; the learned probabilities are each lane's.
 */
#ifndef NZ_CM_RUN_MODEL_H
#define NZ_CM_RUN_MODEL_H

#include "cm/history.h"
#include "cm/tables.h"

/* Probabilities per context: 26 count buckets x expected bit x (CM_F_RUNBP) 4
 * bit-position buckets x whether the bytes differ */
#define CM_RUN_SM 512

typedef struct cm_run {
	u32 *rt;              /* chk:8 | byte:8 | count:8 (| byte before:8 with CM_F_BHIST)
			       * per context hash; NULL: off */
	int bhist;            /* CM_F_BHIST */
	int runbp;            /* CM_F_RUNBP */
	u32 rt_mask;
	u32 hash_bits;
	u32 nctx;
	u32 *rp[CM_MAXCTX];   /* each context's entry */
	u32 run[CM_MAXCTX];   /* byte | count << 8 (count 0: none) */
	u32 prev[CM_MAXCTX];  /* CM_F_BHIST: the byte before it (where count > 0) */
	u32 rbase[CM_MAXCTX]; /* where count > 0: the context's probabilities for this byte's
			       * count bucket (and with CM_F_RUNBP whether the bytes differ) */
	u32 rhalf[CM_MAXCTX]; /* CM_F_RUNBP and the bytes differ: the input is halved */
	u32 run_sm[CM_MAXCTX * CM_RUN_SM];
	u32 *rsm[CM_MAXCTX];
	u8 act[CM_MAXCTX];    /* the contexts whose byte agrees with the bits so far (with rsm set) */
	u32 nact;
	u32 bh_sm[CM_MAXCTX * 256]; /* CM_F_BHIST: per context, agreement x bits x bpos */
	u32 *bsm[CM_MAXCTX];
} cm_run;

/* Mixer inputs the run model adds. */
u32 nz_cm_run_inputs(const cm_params *p);
int nz_cm_run_init(cm_run *r, const cm_params *p);
void nz_cm_run_free(cm_run *r);
u64 nz_cm_run_memory(const cm_params *p);
void nz_cm_run_reset_shared(cm_run *r);
void nz_cm_run_reset_lane(cm_run *r);
/* The byte c just coded follows the contexts of the byte before (their
 * entries, from nz_cm_run_lookup). */
void nz_cm_run_update_byte(cm_run *r, const u32 *chash_before, u32 c);
/* Start loading the entries of the first n contexts that nz_cm_run_lookup(r,
 * chash) will read. */
void nz_cm_run_prefetch(const cm_run *r, const u32 *chash, u32 n);
/* Look up the entries of the new contexts. */
void nz_cm_run_lookup(cm_run *r, const u32 *chash);

NZ_INLINE void cm_run_mix(cm_run *r, const cm_tables *T, const cm_history *h, s32 *x)
{
	if (!r->rt)
		return;
	/* locals: the stores to x and to the entry pointers could alias r's fields */
	const u32 c0 = h->c0, bpos = h->bpos, n = r->nctx, bhist = r->bhist;
	const u32 *run = r->run, *rbase = r->rbase, *rhalf = r->rhalf;
	u32 *run_sm = r->run_sm, **rsm = r->rsm;
	u8 *act = r->act;
	/* bit positions {0}, {1}, {2-4}, {5-7} */
	const u32 bp = r->runbp ? ((0x33322210u >> (bpos << 2)) & 15) * 2 : 0;
	u32 na = 0;
	if (bpos == 0) {
		/* every context with a byte is in the list, every other one's input is 0 */
		for (u32 i = 0; i < n; i++) {
			rsm[i] = NULL;
			x[i] = 0;
			if (run[i] >> 8)
				act[na++] = (u8)i;
		}
	} else {
		/* the list: the contexts whose byte agreed with the bits before this one;
		 * the others' inputs were set to 0 when they left it */
		for (u32 k = 0; k < r->nact; k++) {
			const u32 i = act[k];
			if (((run[i] & 255) | 256) >> (8 - bpos) == c0) {
				act[na++] = (u8)i;
			} else {
				rsm[i] = NULL;
				x[i] = 0;
			}
		}
	}
	r->nact = na;
	for (u32 k = 0; k < na; k++) {
		const u32 i = act[k], v = run[i];
		const u32 b = (v >> (7 - bpos)) & 1;
		u32 *e = &run_sm[rbase[i] + b * 8 + bp];
		rsm[i] = e;
		const s32 st = cm_sm_st(T, *e);
		x[i] = (s16)(rhalf[i] ? st / 2 : st);
	}
	if (!bhist)
		return;
	/* CM_F_BHIST's inputs follow: the last two different bytes of the context,
	 * do they agree with the bits so far, and which bit does each expect */
	s32 *xb = x + n;
	for (u32 i = 0; i < n; i++) {
		const u32 v = run[i], b1 = v & 255;
		r->bsm[i] = NULL;
		xb[i] = 0;
		if (!(v >> 8))
			continue;
		const u32 m1 = ((b1 | 256) >> (8 - bpos)) == c0;
		const u32 b2 = r->prev[i];
		const u32 m2 = ((b2 | 256) >> (8 - bpos)) == c0;
		const u32 ctx = m1 | m2 << 1 | ((b1 >> (7 - bpos)) & 1) << 2 |
				((b2 >> (7 - bpos)) & 1) << 3 | (b1 != b2) << 4 | bpos << 5;
		r->bsm[i] = &r->bh_sm[i * 256 + ctx];
		xb[i] = (s16)cm_sm_st(T, *r->bsm[i]);
	}
}

NZ_INLINE void cm_run_update(cm_run *r, const cm_tables *T, int y)
{
	if (!r->rt)
		return;
	for (u32 k = 0; k < r->nact; k++)
		cm_sm_update(&T->r, r->rsm[r->act[k]], y, 1023);
	if (r->bhist)
		for (u32 i = 0; i < r->nctx; i++)
			if (r->bsm[i])
				cm_sm_update(&T->r, r->bsm[i], y, 1023);
}

#endif /* NZ_CM_RUN_MODEL_H */
