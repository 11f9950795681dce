/*
 * context_map.c - the hashed slots of the context map (context_map.h).
 */
#include "cm/context_map.h"
#include "cm/contexts.h"

u32 nz_cm_context_map_inputs(const cm_params *p)
{
	const u32 per = (p->flags & CM_F_RICH) ? 2 : 1;
	return (2 + cm_popcount64(p->ctx_mask)) * per;
}

int nz_cm_context_map_init(cm_context_map *cm, const cm_params *p)
{
	cm->hash_bits = p->hash_bits;
	cm->rich = (p->flags & CM_F_RICH) != 0;
	cm->detin = (p->flags & CM_F_DETIN) != 0;
	cm->sm_limit = (p->flags & CM_F_SMFAST) ? 255 : CM_SM_LIMIT;
	cm->nctx = 0;
	for (u32 b = 0; b < CM_MAXCTX; b++)
		if (p->ctx_mask & ((u64)1 << b))
			cm->ctype[cm->nctx++] = (u8)b;
	cm->nhist = cm_popcount64(p->ctx_mask & (((u64)1 << CM_KIND_MATCH1) - 1));
	cm->norder = cm_popcount64(p->ctx_mask & 63); /* O2..O7, the first kinds */
	cm->ht_mask = (u32)(((u64)1 << (p->hash_bits - 6)) - 1);
	cm->ht = nz_big_alloc((size_t)1 << p->hash_bits);
	cm->t1 = nz_malloc_aligned(65536);
	cm->sm = nz_malloc_aligned((size_t)(cm->nctx + 2) * 256 * 4);
	return cm->ht && cm->t1 && cm->sm ? NZ_OK : NZ_ERR_NOMEM;
}

void nz_cm_context_map_free(cm_context_map *cm)
{
	nz_big_free(cm->ht, (size_t)1 << cm->hash_bits);
	nz_free_aligned(cm->t1);
	nz_free_aligned(cm->sm);
	cm->ht = cm->t1 = NULL;
	cm->sm = NULL;
}

u64 nz_cm_context_map_memory(const cm_params *p)
{
	return ((u64)1 << p->hash_bits) + 65536 + (u64)(cm_popcount64(p->ctx_mask) + 2) * 256 * 4;
}

void nz_cm_context_map_reset_shared(cm_context_map *cm, const cm_tables *T)
{
	memset(cm->ht, 0, (size_t)1 << cm->hash_bits);
	memset(cm->t1, 0, 65536);
	for (u32 i = 0; i < (cm->nctx + 2) * 256; i++)
		cm->sm[i] = T->bh.init_sm[i & 255];
}

void nz_cm_context_map_reset_lane(cm_context_map *cm, u32 c0)
{
	memset(cm->t0, 0, sizeof(cm->t0));
	/* order 0 and 1 first, then the hashed contexts */
	for (u32 i = 0; i < cm->nctx + 2; i++)
		cm->smp[i] = cm->sm + i * 256;
	/* look up the first slots */
	for (u32 i = 0; i < cm->nctx; i++)
		cm->chash[i] = hc(i, 0);
	nz_cm_context_map_set_slots(cm, c0);
}

void nz_cm_context_map_set_slots(cm_context_map *cm, u32 c0)
{
	for (u32 i = 0; i < cm->nctx; i++)
		cm->slot[i] = cm_slot_find(cm->ht, cm->ht_mask, cm_slot_hash(cm->chash[i], c0));
}

void nz_cm_context_map_set_slots_next(cm_context_map *cm, int y)
{
	const u32 *sh = cm->next_sh[y];
	for (u32 i = 0; i < cm->nctx; i++)
		cm->slot[i] = cm_slot_find(cm->ht, cm->ht_mask, sh[i]);
}

void nz_cm_context_map_prefetch_nibble(cm_context_map *cm, u32 c0)
{
	const u32 c = c0 << 1;
	for (u32 i = 0; i < cm->nctx; i++) {
		const u32 h0 = cm_slot_hash(cm->chash[i], c), h1 = cm_slot_hash(cm->chash[i], c + 1);
		cm->next_sh[0][i] = h0;
		cm->next_sh[1][i] = h1;
		cm_slot_prefetch(cm->ht, cm->ht_mask, h0);
		cm_slot_prefetch(cm->ht, cm->ht_mask, h1);
	}
}

void nz_cm_context_map_prefetch_first(cm_context_map *cm, const u32 *chash, u32 from, u32 to)
{
	for (u32 i = from; i < to; i++) {
		const u32 h = cm_slot_hash(chash[i], 1);
		cm->next_sh[0][i] = h;
		cm_slot_prefetch(cm->ht, cm->ht_mask, h);
	}
}

void nz_cm_context_map_prefetch_orders(cm_context_map *cm, u32 c4, u32 c8, int b)
{
	for (u32 i = 0; i < cm->norder; i++) {
		const u32 t = cm->ctype[i], h = hc(cm_order_hash(t, c4, c8), t), sh = cm_slot_hash(h, 1);
		cm->order_hash[b][i] = h;
		cm->order_sh[b][i] = sh;
		cm_slot_prefetch(cm->ht, cm->ht_mask, sh);
	}
}

void nz_cm_context_map_order_hashes(cm_context_map *cm, int b, u32 *chash)
{
	for (u32 i = 0; i < cm->norder; i++) {
		chash[i] = cm->order_hash[b][i];
		cm->next_sh[0][i] = cm->order_sh[b][i];
	}
}
