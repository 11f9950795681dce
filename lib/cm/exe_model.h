/*
 * exe_model.h - the x86-64 executable model (flag CM_F_EXE): contexts from the
 * instruction structure (x86_parse.h) instead of the byte order alone, so that
 * "the second immediate byte of an 81 /7 after a REX.W" or "the opcode after a
 * call" are contexts of their own, as in paq8px's ExeModel, and an operand
 * byte is predicted from the same opcode's operand last time. Six contexts, each
 * a bit history in hashed nibble slots of a table of its own (as the context
 * map keeps them) and a state map, give two mixer inputs each (the stretched
 * probability and a confidence, as CM_F_RICH), and the model selects one
 * mixer's weights by the parser's state (cm_exe_selector).
 *
 * The model is on for a segment only when the encoder's detector finds x86 code
 * there (the segment's SEG_EXE flag, cm_codec.c); otherwise its inputs are zero,
 * which leaves the mixer's output and weights exactly as without it: a segment
 * that is not code is coded to the same bits. Lanes share the table and the
 * state maps; the parser and the slots are each lane's.
 */
#ifndef NZ_CM_EXE_MODEL_H
#define NZ_CM_EXE_MODEL_H

#include "cm/context_map.h"
#include "cm/history.h"
#include "cm/x86_parse.h"

#define CM_EXE_CTX 6

typedef struct cm_exe {
	u8 *ht;                  /* 64-byte lines of 4 slots; NULL: flag off */
	u32 ht_mask, ht_bits;
	int on;                  /* this segment is code */
	cm_x86 x;                /* the parser, after the bytes so far */
	u32 chash[CM_EXE_CTX];
	u8 *slot[CM_EXE_CTX];
	u8 *bh[CM_EXE_CTX];      /* the current bit-history state of each context */
	u32 *sm;                 /* CM_EXE_CTX x 256 state maps */
	u64 lastops[1024];       /* per opcode (map << 8 | op), the operand bytes it had last */
} cm_exe;

u32 nz_cm_exe_inputs(const cm_params *p);
int nz_cm_exe_init(cm_exe *e, const cm_params *p);
void nz_cm_exe_free(cm_exe *e);
u64 nz_cm_exe_memory(const cm_params *p);
void nz_cm_exe_reset_shared(cm_exe *e, const cm_tables *T);
void nz_cm_exe_reset_lane(cm_exe *e);
/* Switch the model on or off for the segment that starts (the parser starts
 * afresh when it is switched on). c0: the history's partial byte. */
void nz_cm_exe_set(cm_exe *e, int on, u32 c0);
/* The byte c was coded (h already holds it). */
void nz_cm_exe_update_byte(cm_exe *e, const cm_history *h, u32 c);
/* Point the contexts at their slots for the nibble that starts. */
void nz_cm_exe_set_slots(cm_exe *e, u32 c0);

NZ_INLINE void cm_exe_mix(cm_exe *e, const cm_tables *T, const cm_history *h, s32 *x)
{
	if (!e->ht)
		return;
	if (!e->on) {
		for (u32 i = 0; i < 2 * CM_EXE_CTX; i++)
			x[i] = 0;
		return;
	}
	const u32 bp = h->bpos & 3;
	const u32 j = (1u << bp) | (h->c0 & ((1u << bp) - 1));
	for (u32 i = 0; i < CM_EXE_CTX; i++) {
		e->bh[i] = e->slot[i] + j;
		const u32 s = *e->bh[i];
		const int pr = (int)cm_sm_p12(e->sm[i * 256 + s]);
		const int st = cm_stretch(&T->lg, pr);
		x[2 * i] = (s16)st;
		if (s == 0)
			x[2 * i + 1] = 0;
		else if (cm_bh_deterministic(&T->bh, (u8)s))
			x[2 * i + 1] = (s16)(st / 2 + (st > 0 ? 256 : -256));
		else
			x[2 * i + 1] = (s16)((pr - 2048) >> 2);
	}
}

/* A mixer selector for code (the model chooses it over the partial byte, or
 * with one mixer over the order, while the exe model is on): where the next byte
 * falls (prefix or opcode, an opcode byte after the first, VEX payload, ModRM,
 * SIB, displacement, immediate) x the bytes left of its field (up to 3) x the
 * bit position: 224 values; `narrow`, without the bit position: 28. */
NZ_INLINE u32 cm_exe_selector(const cm_exe *e, u32 bpos, int narrow)
{
	static const u8 cls[X86_STATES_] = {0, 1, 1, 2, 1, 3, 4, 5, 6};
	const u32 c = cls[e->x.st], left = e->x.left < 3 ? e->x.left : 3;
	return narrow ? c << 2 | left : c << 5 | left << 3 | bpos;
}

NZ_INLINE void cm_exe_update(cm_exe *e, const cm_tables *T, int y, u32 sm_limit)
{
	if (!e->ht || !e->on)
		return;
	for (u32 i = 0; i < CM_EXE_CTX; i++) {
		u8 *b = e->bh[i];
		cm_sm_update(&T->r, e->sm + i * 256 + *b, y, sm_limit);
		*b = cm_bh_next(&T->bh, *b, y);
	}
}

#endif /* NZ_CM_EXE_MODEL_H */
