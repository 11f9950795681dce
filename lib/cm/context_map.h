/*
 * context_map.h - contexts -> bit histories -> probabilities. Order 0 and
 * order 1 index direct tables of bit-history states (t0[c0], t1[c1][c0]);
 * every hashed context (contexts.h) selects, at each nibble boundary, a 16-byte
 * slot of one shared hash table: byte 0 an 8-bit checksum, bytes 1..15 the
 * bit-history states of the nibble's binary tree. Four slots share a 64-byte
 * line (one cache miss per context per nibble); on a miss the slot whose first
 * state has the least history is replaced. Per context a state map (one per
 * kind, 256 entries) turns the state into a probability.
 *
 * Mixer inputs: one per context (orders 0 and 1 included), its stretched
 * probability; with CM_F_RICH a second one, the state's confidence (0 for no
 * history, a bonus for a deterministic one, else the distance of p from 1/2),
 * or with CM_F_DETIN paq8px's input for a deterministic state instead.
 * Lanes share the hash table, t1 and the state maps; t0 and the slots are
 * each lane's.
 */
#ifndef NZ_CM_CONTEXT_MAP_H
#define NZ_CM_CONTEXT_MAP_H

#include "cm/tables.h"

/* The hash of the slot for context hash h and the nibble's partial byte c0. */
NZ_INLINE u32 cm_slot_hash(u32 h, u32 c0) { return h32(h + c0 * 0x2545F491u); }

/* The 16-byte slot of slot hash h in the table ht (64-byte lines, line mask
 * mask): checksum in byte 0, 15 bit-history states for the nibble's bit tree
 * in bytes 1..15. Four slots share a line; on a miss the slot with the lowest
 * priority (the state of its first node) is replaced. The data-type models (datatype_model.h)
 * keeps its slots the same way in a table of its own. */
NZ_INLINE u8 *cm_slot_find(u8 *ht, u32 mask, u32 h)
{
	u8 chk = (u8)(h >> 24);
	u8 *line = ht + ((size_t)(h & mask) << 6);
	if (line[0] == chk)
		return line;
	if (line[16] == chk)
		return line + 16;
	if (line[32] == chk)
		return line + 32;
	if (line[48] == chk)
		return line + 48;
	u8 *r = line;
	if (line[16 + 1] < r[1])
		r = line + 16;
	if (line[32 + 1] < r[1])
		r = line + 32;
	if (line[48 + 1] < r[1])
		r = line + 48;
	memset(r, 0, 16);
	r[0] = chk;
	return r;
}

/* Start loading the line cm_slot_find(ht, mask, h) will search. */
NZ_INLINE void cm_slot_prefetch(const u8 *ht, u32 mask, u32 h)
{
	__builtin_prefetch(ht + ((size_t)(h & mask) << 6));
}

/* Which of a slot's 15 bit-history states the bit at bpos of the nibble uses
 * (c0: the partial byte). */
NZ_INLINE u32 cm_slot_node(u32 c0, u32 bpos)
{
	const u32 bp = bpos & 3;
	return (1u << bp) | (c0 & ((1u << bp) - 1));
}

/* The second mixer input of a bit-history state s with probability pr and its
 * stretch st (CM_F_RICH, and the data-type models): 0 for no history, a bonus
 * for a deterministic one, else the distance of pr from 1/2. */
NZ_INLINE s32 cm_state_confidence(const cm_tables *T, u32 s, int pr, int st)
{
	if (s == 0)
		return 0;
	if (cm_bh_deterministic(&T->bh, (u8)s))
		return (s16)(st / 2 + (st > 0 ? 256 : -256));
	return (s16)((pr - 2048) >> 2);
}

/* CM_F_DETIN's second input (paq8px's ContextMap2): for a state that has seen
 * only 1s, p/4; only 0s, -(1 - p)/4 (p of 4096); else, and for no history, 0.
 * The probability itself, not its stretch: the mixer gets a linear view of
 * the states that are most often right. Measured on the levels' 1 MB prefixes
 * in place of the confidence: -0.16 % (level 4) to -0.37 % (level 6). */
NZ_INLINE s32 cm_state_deterministic_input(const cm_tables *T, u32 s, int pr)
{
	const int d = T->bh.det[s];
	return (d > 0 ? pr >> 2 : 0) - (d < 0 ? (4095 - pr) >> 2 : 0);
}

/* Learn bit y in the state map entry of *b, then move the state on. */
NZ_INLINE void cm_state_learn(const cm_tables *T, u32 *sm, u8 *b, int y, u32 limit)
{
	cm_sm_update(&T->r, sm + *b, y, limit);
	*b = cm_bh_next(&T->bh, *b, y);
}

typedef struct cm_context_map {
	u8 *ht;               /* 64-byte lines of 4 slots of 16 bytes */
	u32 ht_mask;
	u32 hash_bits;
	int rich;             /* CM_F_RICH: two inputs per context */
	int detin;            /* CM_F_DETIN: the second is cm_state_deterministic_input */
	u8 t0[256];
	u8 *t1;               /* order 1: 65536 states */
	u32 nctx;             /* hashed contexts */
	u32 nhist;            /* of them, those hashed from the history alone: all but MATCH1-3,
			       * which come last and read the match model */
	u32 norder;           /* of them, the order contexts O2..O7 (the first ones) */
	u32 order_hash[2][6]; /* their hashes for the next byte, by its last bit (prefetch_orders) */
	u32 order_sh[2][6];   /* and their first slots' hashes */
	u8 ctype[CM_MAXCTX];  /* their kinds, in increasing order */
	u32 chash[CM_MAXCTX]; /* their hashes for the current byte */
	u8 *slot[CM_MAXCTX];
	u32 next_sh[2][CM_MAXCTX]; /* slot hashes of the next nibble, for each value of the bit before it */
	u8 *bh[CM_MAXCTX + 2]; /* current bit-history state of each context (0, 1, hashed) */
	u32 *sm;              /* (nctx + 2) x 256 state maps */
	u32 *smp[CM_MAXCTX + 2];
	u32 order;            /* contexts with a non-empty history at this bit */
	u32 sm_limit;         /* state map count limit (CM_SM_LIMIT; 255 with CM_F_SMFAST) */
} cm_context_map;

/* Mixer inputs the context map adds. */
u32 nz_cm_context_map_inputs(const cm_params *p);
int nz_cm_context_map_init(cm_context_map *cm, const cm_params *p);
void nz_cm_context_map_free(cm_context_map *cm);
u64 nz_cm_context_map_memory(const cm_params *p);
void nz_cm_context_map_reset_shared(cm_context_map *cm, const cm_tables *T);
void nz_cm_context_map_reset_lane(cm_context_map *cm, u32 c0);
/* Point every hashed context at its slot for the nibble that starts (c0 = the
 * bits of the byte so far, with the leading 1). */
void nz_cm_context_map_set_slots(cm_context_map *cm, u32 c0);
/* The same for the slot hashes that the last prefetch_nibble (y: the bit
 * coded since) or prefetch_first (y = 0) kept. */
void nz_cm_context_map_set_slots_next(cm_context_map *cm, int y);
/* The nibble's 4th bit is being coded: load both candidate lines of the next,
 * and keep their slot hashes for nz_cm_context_map_set_slots_next. */
void nz_cm_context_map_prefetch_nibble(cm_context_map *cm, u32 c0);
/* A byte has ended and chash[from..to) holds hashes of the next byte's
 * contexts: load the lines of their first slots while the other models update,
 * and keep their slot hashes (as prefetch_nibble's for bit 0). */
void nz_cm_context_map_prefetch_first(cm_context_map *cm, const u32 *chash, u32 from, u32 to);
/* One bit before the end of a byte: load the first slots of the order contexts
 * for the next byte if its last bit is b (c4, c8: the history with that byte),
 * and keep their hashes for nz_cm_context_map_order_hashes. */
void nz_cm_context_map_prefetch_orders(cm_context_map *cm, u32 c4, u32 c8, int b);
/* The byte has ended with bit b: the order contexts' hashes (the first norder
 * of the next byte's) and their first slot hashes, as prefetch_orders made them. */
void nz_cm_context_map_order_hashes(cm_context_map *cm, int b, u32 *chash);

NZ_INLINE void cm_context_map_mix(cm_context_map *cm, const cm_tables *T, u32 c0, u32 c1,
				  u32 bpos, s32 *x)
{
	const u32 j = cm_slot_node(c0, bpos);
	u32 order = 0, k = 0;
	cm->bh[0] = &cm->t0[c0];
	cm->bh[1] = &cm->t1[(c1 << 8) | c0];
	for (u32 i = 0; i < cm->nctx; i++)
		cm->bh[i + 2] = cm->slot[i] + j;
	/* locals: the stores to x (s32) could alias the int fields */
	const u32 n = cm->nctx + 2;
	const int rich = cm->rich, detin = cm->detin;
	u8 *const *bh = cm->bh;
	u32 *const *smp = cm->smp;
	/* one loop per kind of second input, so that none tests it per context */
	if (rich && detin) {
		for (u32 i = 0; i < n; i++, k += 2) {
			const u32 s = *bh[i];
			const int pr = (int)cm_sm_p12(smp[i][s]);
			x[k] = (s16)cm_stretch(&T->lg, pr);
			x[k + 1] = cm_state_deterministic_input(T, s, pr);
			order += s != 0;
		}
	} else {
		for (u32 i = 0; i < n; i++) {
			const u32 s = *bh[i];
			const int pr = (int)cm_sm_p12(smp[i][s]);
			const int st = cm_stretch(&T->lg, pr);
			x[k++] = (s16)st;
			if (rich)
				x[k++] = cm_state_confidence(T, s, pr, st);
			order += s != 0;
		}
	}
	cm->order = order;
}

NZ_INLINE void cm_context_map_update(cm_context_map *cm, const cm_tables *T, int y)
{
	const u32 n = cm->nctx + 2, limit = cm->sm_limit;
	for (u32 i = 0; i < n; i++)
		cm_state_learn(T, cm->smp[i], cm->bh[i], y, limit);
}

/* Hashed contexts among the first four with history at this bit (after mix). */
NZ_INLINE u32 cm_context_map_known4(const cm_context_map *cm)
{
	u32 o = 0;
	for (u32 i = 2; i < 6 && i < cm->nctx + 2; i++)
		o += *cm->bh[i] != 0;
	return o;
}

#endif /* NZ_CM_CONTEXT_MAP_H */
