/*
 * record_model.c - record-length detection and the record model's state
 * (record_model.h).
 */
#include "cm/record_model.h"

u32 nz_cm_record_inputs(const cm_params *p) { return (p->flags & CM_F_REC) ? 1 : 0; }

int nz_cm_record_init(cm_record *r, const cm_params *p)
{
	r->detect = (p->flags & CM_F_REC) || (p->ctx_mask & CM_C_RECORD);
	r->input = (p->flags & CM_F_REC) != 0;
	r->cpos = nz_malloc_aligned(256 * 4 * 4);
	r->rec_sm = nz_malloc_aligned(8 * 256 * 8 * 4);
	return r->cpos && r->rec_sm ? NZ_OK : NZ_ERR_NOMEM;
}

int nz_cm_record_init_lane(cm_record *r)
{
	r->cpos = nz_malloc_aligned(256 * 4 * 4);
	return r->cpos ? NZ_OK : NZ_ERR_NOMEM;
}

void nz_cm_record_free(cm_record *r, int lane)
{
	nz_free_aligned(r->cpos);
	r->cpos = NULL;
	if (!lane)
		nz_free_aligned(r->rec_sm);
	r->rec_sm = NULL;
}

u64 nz_cm_record_memory(const cm_params *p)
{
	(void)p;
	return 4 * 256 * 4 + 8 * 256 * 8 * 4;
}

void nz_cm_record_reset_shared(cm_record *r) { nz_cm_sm_fill(r->rec_sm, 8 * 256 * 8, CM_SM_HALF); }

void nz_cm_record_reset_lane(cm_record *r)
{
	memset(r->cpos, 0, 256 * 4 * 4);
	r->rlen = r->rcand = r->rcount = r->rhit = r->rchit = 0;
	r->rexp = r->rrun = 0;
	r->rec_e = NULL;
}

void nz_cm_record_update_byte(cm_record *r, const cm_history *h, u32 c)
{
	if (!r->detect)
		return;
	const u8 *win = h->win;
	const u32 wm = h->win_mask, pos32 = (u32)h->pos;
	u32 *cp = r->cpos + c * 4;
	u32 d = pos32 - cp[0];
	if (r->rlen)
		r->rhit = r->rhit << 1 | (win[(pos32 - 1 - r->rlen) & wm] == c);
	if (r->rcand)
		r->rchit = r->rchit << 1 | (win[(pos32 - 1 - r->rcand) & wm] == c);
	if (d > 1 && d < 4096 && d == cp[0] - cp[1] && d == cp[1] - cp[2] &&
	    d != r->rlen && d != r->rcand && pos32 > 2 * d + 32 &&
	    cm_popcount32(r->rchit) <= cm_popcount32(r->rhit)) {
		u32 hh = 0;
		for (u32 i = 1; i <= 32; i++)
			hh = hh << 1 | (win[(pos32 - i - d) & wm] == win[(pos32 - i) & wm]);
		r->rcand = d;
		r->rchit = hh;
	}
	if (r->rcand && cm_popcount32(r->rchit) > cm_popcount32(r->rhit) + 2) {
		u32 t = r->rlen, th = r->rhit;
		r->rlen = r->rcand;
		r->rhit = r->rchit;
		r->rcand = t;
		r->rchit = th;
		r->rrun = 0;
	}
	cp[2] = cp[1];
	cp[1] = cp[0];
	cp[0] = pos32;
	if (r->rlen) {
		r->rrun = c == r->rexp ? (r->rrun < 7 ? r->rrun + 1 : 7) : 0;
		r->rexp = win[(pos32 - r->rlen) & wm];
	}
}
