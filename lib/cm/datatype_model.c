/*
 * datatype_model.c - the data-type models (datatype_model.h): their slot table,
 * and the contexts of x86-64 code and of images.
 */
#include "cm/datatype_model.h"

/* its table: 1/16 of the context map's, between 64 KiB and 16 MiB */
static u32 table_bits(const cm_params *p)
{
	const u32 b = p->hash_bits - 4;
	return b < 16 ? 16 : b > 24 ? 24 : b;
}

static int dtype_on(const cm_params *p) { return (p->flags & (CM_F_EXE | CM_F_IMG)) != 0; }

u32 nz_cm_dtype_inputs(const cm_params *p) { return dtype_on(p) ? 2 * CM_DTYPE_CTX : 0; }

int nz_cm_dtype_init(cm_dtype *e, const cm_params *p)
{
	memset(e, 0, sizeof(*e));
	if (!dtype_on(p))
		return NZ_OK;
	e->ht_bits = table_bits(p);
	e->ht_mask = (u32)(((u64)1 << (e->ht_bits - 6)) - 1);
	e->ht = nz_big_alloc((size_t)1 << e->ht_bits);
	e->sm = nz_malloc_aligned((size_t)CM_DTYPE_CTX * 256 * 4);
	return e->ht && e->sm ? NZ_OK : NZ_ERR_NOMEM;
}

void nz_cm_dtype_free(cm_dtype *e)
{
	if (e->ht)
		nz_big_free(e->ht, (size_t)1 << e->ht_bits);
	nz_free_aligned(e->sm);
	e->ht = NULL;
	e->sm = NULL;
}

u64 nz_cm_dtype_memory(const cm_params *p)
{
	return dtype_on(p) ? ((u64)1 << table_bits(p)) + CM_DTYPE_CTX * 256 * 4 : 0;
}

void nz_cm_dtype_reset_shared(cm_dtype *e, const cm_tables *T)
{
	if (!e->ht)
		return;
	memset(e->ht, 0, (size_t)1 << e->ht_bits);
	for (u32 i = 0; i < CM_DTYPE_CTX * 256; i++)
		e->sm[i] = T->bh.init_sm[i & 255];
}

void nz_cm_dtype_reset_lane(cm_dtype *e)
{
	e->type = CM_TYPE_NONE;
	e->img_start = 0;
	e->img_sel = 0;
	memset(&e->img, 0, sizeof(e->img));
	nz_cm_x86_reset(&e->x);
	memset(e->lastops, 0, sizeof(e->lastops));
	for (u32 i = 0; i < CM_DTYPE_CTX; i++) {
		e->chash[i] = 0;
		e->slot[i] = e->bh[i] = NULL;
	}
}

void nz_cm_dtype_set_slots(cm_dtype *e, u32 c0)
{
	if (!e->ht || e->type == CM_TYPE_NONE)
		return;
	for (u32 i = 0; i < CM_DTYPE_CTX; i++)
		e->slot[i] = cm_slot_find(e->ht, e->ht_mask, cm_slot_hash(e->chash[i], c0));
}

/* The contexts of the next byte, from where it falls in its instruction (S:
 * the parser's state and the bytes left of its field), the opcode and prefixes
 * (O, P), ModRM and SIB, the last instructions' opcodes and length, the last
 * bytes, and in a displacement or immediate the byte at the same place in the
 * last operands of the same opcode. */
static void x86_contexts(cm_dtype *e, const cm_history *h)
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

NZ_INLINE u32 absdiff(u32 a, u32 b) { return a > b ? a - b : b - a; }

/* The contexts of the next byte of an image: its channel and its neighbours in
 * that channel (W left, N above, NW, NE, NN two above, WW two left), the
 * gradient prediction W + N - NW, and with several channels the previous
 * channel's change from its left neighbour added to W. In the header (before
 * the first pixel byte) the contexts are the channel-less last byte. */
static void image_contexts(cm_dtype *e, const cm_history *h)
{
	const cm_image *g = &e->img;
	u32 *k = e->chash;
	const u32 c1 = h->c4 & 0xff;
	if (h->pos < e->img_start) {
		for (u32 i = 0; i < CM_DTYPE_CTX; i++)
			k[i] = hc3(0x494d47u, c1, i);
		e->img_sel = 0;
		return;
	}
	const u32 bpp = g->bpp, st = g->stride;
	const u32 col = (u32)((h->pos - e->img_start) % st), ch = col % bpp;
	const u32 W = cm_hist_back(h, bpp), N = cm_hist_back(h, st);
	const u32 NW = cm_hist_back(h, st + bpp), NE = cm_hist_back(h, st - bpp);
	const u32 NN = cm_hist_back(h, 2 * st), WW = cm_hist_back(h, 2 * bpp);
	const int grad = (int)W + (int)N - (int)NW;
	const u32 gq = grad < 0 ? 0 : grad > 255 ? 255 : (u32)grad;
	k[0] = hc3(W, N, ch << 4 | 0);
	k[1] = hc3(N, NE, ch << 4 | 1);
	k[2] = hc3(gq, NN >> 2, ch << 4 | 2);
	k[3] = hc3(W, NW, ch << 4 | 3);
	k[4] = hc3((W + NE + 1) >> 1, WW >> 2, ch << 4 | 4);
	if (bpp > 1 && ch > 0) {
		/* the same pixel's previous channel moved by d from its left neighbour */
		const int d = (int)c1 - (int)cm_hist_back(h, 1 + bpp);
		const int pr = (int)W + d;
		k[5] = hc3(pr < 0 ? 0 : pr > 255 ? 255 : (u32)pr, (u32)(d + 256) >> 3, ch << 4 | 5);
	} else {
		k[5] = hc3(N, NN, W >> 4 << 4 | ch << 1 | 5);
	}
	const u32 edge = absdiff(W, N) >> 2;
	e->img_sel = ch << 6 | (edge < 63 ? edge : 63);
}

void nz_cm_dtype_set(cm_dtype *e, u32 type, const cm_image *img, u32 c0, u64 pos)
{
	if (!e->ht)
		return;
	const u32 was = e->type;
	if (type == CM_TYPE_EXE && was != CM_TYPE_EXE)
		nz_cm_x86_reset(&e->x);
	e->type = type;
	if (type == CM_TYPE_IMAGE) {
		e->img = *img;
		e->img_start = pos + img->offset;
	}
	if (type != CM_TYPE_NONE && (type != was || type == CM_TYPE_IMAGE)) {
		for (u32 i = 0; i < CM_DTYPE_CTX; i++)
			e->chash[i] = hc(i, type - 1);
		e->img_sel = 0;
		nz_cm_dtype_set_slots(e, c0);
	}
}

void nz_cm_dtype_update_byte(cm_dtype *e, const cm_history *h, u32 c)
{
	if (!e->ht || e->type == CM_TYPE_NONE)
		return;
	if (e->type == CM_TYPE_IMAGE) {
		image_contexts(e, h);
		return;
	}
	nz_cm_x86_next(&e->x, c);
	if (e->x.len == 0) /* an instruction ended: keep its operands */
		e->lastops[e->x.prev[0] & 1023] = e->x.pops;
	x86_contexts(e, h);
}
