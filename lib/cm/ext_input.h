/*
 * ext_input.h - an external 256-way byte distribution (a neural byte model of
 * the engine, cm_neural.h, or any nz_cm_ext_predictor) as bit predictions:
 * P(bit | bits so far) = the summed weight of the byte values that agree with
 * the known bits and have the bit set, over the summed weight of those that
 * agree. Two mixer inputs with flag CM_F_EXT: that stretched probability and a
 * state map refining it by bucket (zeros while no predictor is attached).
 */
#ifndef NZ_CM_EXT_INPUT_H
#define NZ_CM_EXT_INPUT_H

#include "cm/history.h"
#include "cm/tables.h"

typedef struct cm_ext_input {
	int on;               /* CM_F_EXT */
	int has_ext;          /* a predictor (or the lane driver's weights) is there */
	nz_cm_ext_predictor ext;
	u32 *ext_cum;         /* 257 cumulative weights of the current byte (lane's own) */
	u32 ext_sm[2 * 256];
	u32 ext_idx;
} cm_ext_input;

/* Mixer inputs the external predictor adds. */
u32 nz_cm_ext_inputs(const cm_params *p);
int nz_cm_ext_init(cm_ext_input *e, const cm_params *p);
void nz_cm_ext_free(cm_ext_input *e);
void nz_cm_ext_reset(cm_ext_input *e);
/* The distribution of the next byte: given, or asked of the predictor with the
 * segment's bytes so far. */
void nz_cm_ext_set_probs(cm_ext_input *e, const u16 probs[256]);
int nz_cm_ext_begin_byte(cm_ext_input *e, const u8 *hist, size_t n);
/* Ask the predictor before each byte. */
NZ_INLINE int cm_ext_active(const cm_ext_input *e) { return e->on && e->has_ext; }

NZ_INLINE void cm_ext_mix(cm_ext_input *e, const cm_tables *T, const cm_history *h, s32 *x)
{
	if (!e->on)
		return;
	if (!e->has_ext) {
		x[0] = 0;
		x[1] = 0;
		return;
	}
	const u32 bpos = h->bpos;
	u32 lo = h->c0 << (8 - bpos) & 255;
	u32 half = 1u << (7 - bpos);
	u32 n0 = e->ext_cum[lo + half] - e->ext_cum[lo];
	u32 n1 = e->ext_cum[lo + 2 * half] - e->ext_cum[lo + half];
	u32 pr = (u32)(((u64)n1 * 4096 + 2048) / ((u64)n0 + n1 + 1));
	if (pr < 1)
		pr = 1;
	if (pr > 4095)
		pr = 4095;
	x[0] = (s16)cm_stretch(&T->lg, (int)pr);
	e->ext_idx = (pr >> 4) + (bpos == 0 ? 256 : 0);
	x[1] = (s16)cm_sm_st(T, e->ext_sm[e->ext_idx]);
}

NZ_INLINE void cm_ext_update(cm_ext_input *e, const cm_tables *T, int y)
{
	if (cm_ext_active(e))
		cm_sm_update(&T->r, &e->ext_sm[e->ext_idx], y, 1023);
}

#endif /* NZ_CM_EXT_INPUT_H */
