/*
 * exe_model.c - the x86-64 executable model (exe_model.h).
 */
#include "cm/exe_model.h"

/* its table: 1/16 of the context map's, between 64 KiB and 16 MiB */
static u32 exe_table_bits(const cm_params *p)
{
	const u32 b = p->hash_bits - 4;
	return b < 16 ? 16 : b > 24 ? 24 : b;
}

u32 nz_cm_exe_inputs(const cm_params *p) { return (p->flags & CM_F_EXE) ? 2 * CM_EXE_CTX : 0; }

int nz_cm_exe_init(cm_exe *e, const cm_params *p)
{
	memset(e, 0, sizeof(*e));
	if (!(p->flags & CM_F_EXE))
		return NZ_OK;
	e->ht_bits = exe_table_bits(p);
	e->ht_mask = (u32)(((u64)1 << (e->ht_bits - 6)) - 1);
	e->ht = nz_big_alloc((size_t)1 << e->ht_bits);
	e->sm = nz_malloc_aligned((size_t)CM_EXE_CTX * 256 * 4);
	return e->ht && e->sm ? NZ_OK : NZ_ERR_NOMEM;
}

void nz_cm_exe_free(cm_exe *e)
{
	if (e->ht)
		nz_big_free(e->ht, (size_t)1 << e->ht_bits);
	nz_free_aligned(e->sm);
	e->ht = NULL;
	e->sm = NULL;
}

u64 nz_cm_exe_memory(const cm_params *p)
{
	return (p->flags & CM_F_EXE) ? ((u64)1 << exe_table_bits(p)) + CM_EXE_CTX * 256 * 4 : 0;
}

void nz_cm_exe_reset_shared(cm_exe *e, const cm_tables *T)
{
	if (!e->ht)
		return;
	memset(e->ht, 0, (size_t)1 << e->ht_bits);
	for (u32 i = 0; i < CM_EXE_CTX * 256; i++)
		e->sm[i] = T->bh.init_sm[i & 255];
}

void nz_cm_exe_reset_lane(cm_exe *e)
{
	e->on = 0;
	nz_cm_x86_reset(&e->x);
	memset(e->lastops, 0, sizeof(e->lastops));
	for (u32 i = 0; i < CM_EXE_CTX; i++) {
		e->chash[i] = 0;
		e->slot[i] = e->bh[i] = NULL;
	}
}

void nz_cm_exe_set_slots(cm_exe *e, u32 c0)
{
	if (!e->ht || !e->on)
		return;
	for (u32 i = 0; i < CM_EXE_CTX; i++)
		e->slot[i] = cm_slot_find(e->ht, e->ht_mask, cm_slot_hash(e->chash[i], c0));
}

/* The contexts of the next byte, from where it falls in its instruction (S:
 * the parser's state and the bytes left of its field), the opcode and prefixes
 * (O, P), ModRM and SIB, the last instructions' opcodes and length, the last
 * bytes, and in a displacement or immediate the byte at the same place in the
 * last operands of the same opcode. */
static void exe_contexts(cm_exe *e, const cm_history *h)
{
	const cm_x86 *x = &e->x;
	const u32 S = (u32)x->st | (u32)x->left << 4;
	const u32 O = x->st >= X86_MODRM ? cm_x86_opcode(x) : 0;
	const u32 SOP = S | O << 8 | (u32)x->pfx << 20;
	const u32 rm = (u32)x->modrm | (u32)x->sib << 8;
	const u32 prev = (u32)x->prev[0] | (u32)x->prev[1] << 16;
	const u32 c1 = h->c4 & 0xff;
	u32 *k = e->chash;
	k[0] = hc(SOP, 0);
	k[1] = hc3(SOP, rm, 1);
	k[2] = hc3(SOP, x->prev[0] | (u32)x->plen << 16, 2);
	k[3] = hc3(SOP, prev, 3);
	k[4] = hc3(SOP, rm | c1 << 16, (u32)x->len << 8 | 4);
	if (x->st == X86_DISP || x->st == X86_IMM) {
		const u32 last = x->opn < 8 ? (u32)(e->lastops[O & 1023] >> (8 * x->opn)) & 255 : 0;
		k[5] = hc3(SOP, last | (u32)x->opn << 8, 5);
	} else {
		k[5] = hc3(SOP, c1, 5);
	}
}

void nz_cm_exe_set(cm_exe *e, int on, u32 c0)
{
	if (!e->ht)
		return;
	if (on && !e->on) {
		nz_cm_x86_reset(&e->x);
		e->on = 1;
		for (u32 i = 0; i < CM_EXE_CTX; i++)
			e->chash[i] = hc(i, 0);
		nz_cm_exe_set_slots(e, c0);
	}
	e->on = on;
}

void nz_cm_exe_update_byte(cm_exe *e, const cm_history *h, u32 c)
{
	if (!e->ht || !e->on)
		return;
	nz_cm_x86_next(&e->x, c);
	if (e->x.len == 0) /* an instruction ended: keep its operands */
		e->lastops[e->x.prev[0] & 1023] = e->x.pops;
	exe_contexts(e, h);
}
