/*
 * run_model.c - the run table (run_model.h).
 */
#include "cm/run_model.h"

u32 nz_cm_run_inputs(const cm_params *p)
{
	if (!(p->flags & CM_F_RUN))
		return 0;
	return cm_popcount64(p->ctx_mask) * ((p->flags & CM_F_BHIST) ? 2 : 1);
}

int nz_cm_run_init(cm_run *r, const cm_params *p)
{
	r->nctx = cm_popcount64(p->ctx_mask);
	r->hash_bits = p->hash_bits;
	r->rt = NULL;
	r->rt_mask = 0;
	r->bhist = (p->flags & CM_F_BHIST) != 0;
	r->runbp = (p->flags & CM_F_RUNBP) != 0;
	if (!(p->flags & CM_F_RUN))
		return NZ_OK;
	r->rt_mask = (u32)(((u64)1 << (p->hash_bits - 4)) - 1);
	r->rt = nz_big_alloc((size_t)1 << (p->hash_bits - 2));
	return r->rt ? NZ_OK : NZ_ERR_NOMEM;
}

void nz_cm_run_free(cm_run *r)
{
	if (r->rt)
		nz_big_free(r->rt, (size_t)1 << (r->hash_bits - 2));
	r->rt = NULL;
}

u64 nz_cm_run_memory(const cm_params *p)
{
	return (p->flags & CM_F_RUN) ? (u64)1 << (p->hash_bits - 2) : 0;
}

void nz_cm_run_reset_shared(cm_run *r)
{
	if (r->rt)
		memset(r->rt, 0, (size_t)1 << (r->hash_bits - 2));
}

void nz_cm_run_reset_lane(cm_run *r)
{
	nz_cm_sm_fill(r->run_sm, CM_MAXCTX * CM_RUN_SM, CM_SM_HALF);
	if (r->bhist)
		nz_cm_sm_fill(r->bh_sm, CM_MAXCTX * 256, CM_SM_HALF);
	for (u32 i = 0; i < CM_MAXCTX; i++) {
		r->rp[i] = NULL;
		r->run[i] = 0;
		r->prev[i] = 0;
		r->bsm[i] = NULL;
	}
	r->nact = 0;
}

void nz_cm_run_update_byte(cm_run *r, const u32 *chash_before, u32 c)
{
	if (!r->rt)
		return;
	for (u32 i = 0; i < r->nctx; i++) {
		u32 *e = r->rp[i];
		if (!e)
			continue;
		u32 chk = chash_before[i] >> 24;
		if ((*e >> 24) == chk && ((*e >> 16) & 255) == c)
			*e += ((*e >> 8) & 255) < 255 ? 256 : 0;
		else if ((*e >> 24) != chk && ((*e >> 8) & 255) > 1)
			*e -= 256; /* another context owns it: age it first */
		else if (r->bhist && (*e >> 24) == chk)
			*e = chk << 24 | c << 16 | 1u << 8 | ((*e >> 16) & 255); /* the old byte moves down */
		else
			*e = chk << 24 | c << 16 | 1u << 8 | (r->bhist ? c : 0);
	}
}

void nz_cm_run_prefetch(const cm_run *r, const u32 *chash, u32 n)
{
	if (!r->rt)
		return;
	for (u32 i = 0; i < n; i++)
		__builtin_prefetch(r->rt + (chash[i] & r->rt_mask));
}

void nz_cm_run_lookup(cm_run *r, const u32 *chash)
{
	if (!r->rt)
		return;
	for (u32 i = 0; i < r->nctx; i++) {
		u32 *e = r->rt + (chash[i] & r->rt_mask);
		r->rp[i] = e;
		const u32 v = (*e >> 24) == (chash[i] >> 24) ? ((*e >> 16) & 255) | (*e & 0xff00) : 0;
		r->run[i] = v;
		if (r->bhist)
			r->prev[i] = *e & 255;
		/* the count's bucket, the index of cm_run_mix's probability less the bit's part:
		 * (q * 2 + expected bit) * 8 + bit-position bucket * 2 + differ */
		const u32 cnt = v >> 8;
		const u32 q = cnt < 16 ? cnt : cnt < 32 ? 16 + (cnt - 16) / 4 : cnt < 64 ? 20 + (cnt - 32) / 8 : 24 + (cnt >= 128);
		const u32 unc = r->runbp && r->prev[i] != (v & 255);
		r->rbase[i] = i * CM_RUN_SM + q * 16 + unc;
		r->rhalf[i] = unc;
	}
}
