/*
 * contexts.h - the context kinds: what each bit of extra[CM_X_CTXMASK] hashes
 * at a byte boundary (orders 2..10, words, columns and lines, sparse and
 * indirect contexts, records, nesting; the table is in docs/CM.md). The hashes
 * go to the context map (context_map.h) and the run model (run_model.h).
 */
#ifndef NZ_CM_CONTEXTS_H
#define NZ_CM_CONTEXTS_H

#include "cm/history.h"

/* Orders 2..7 (context kinds 0..5) from the last 8 bytes. */
NZ_INLINE u32 cm_order_hash(u32 t, u32 c4, u32 c8)
{
	switch (t) {
	case 0: return c4 & 0xffff;
	case 1: return c4 & 0xffffff;
	case 2: return c4;
	case 3: return hc(c4, c8 & 0xff);
	case 4: return hc(c4, c8 & 0xffff);
	default: return hc(c4, c8 & 0xffffff);
	}
}

/* out[i] = the hash of kind kinds[i] (0..CM_MAXCTX-1) after the byte just
 * added to h; rlen is the detected record length (0: none). */
void nz_cm_context_hashes(const u8 *kinds, u32 n, const cm_history *h, u32 rlen, u32 *out);

#endif /* NZ_CM_CONTEXTS_H */
