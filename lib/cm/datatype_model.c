/*
 * datatype_model.c - the data-type models (datatype_model.h): their slot table,
 * and the contexts of x86-64 code and of images.
 */
#include "cm/datatype_model.h"

/* its table: 1/16 of the context map's, between 64 KiB and 16 MiB; with the
 * JPEG model 1/2 of it, up to 16 MiB (a JPEG file takes a slot per context
 * for every code and value: a small one fills 2 MiB many times over, 1.9 %
 * larger than with 16 MiB on fireworks.jpeg). Files from before CM_F_JPEG
 * keep their sizes. */
static u32 table_bits(const cm_params *p)
{
	const u32 b = p->hash_bits - ((p->flags & CM_F_JPEG) ? 2 : 4);
	return b < 16 ? 16 : b > 24 ? 24 : b;
}

static int dtype_on(const cm_params *p)
{
	return (p->flags & (CM_F_EXE | CM_F_IMG | CM_F_JPEG | CM_F_AUDIO)) != 0;
}

/* JPEG's blocks and SSE stages grow with the tables (a state per substream of
 * a small file then stays small): 2^(HASHBITS-9) blocks, 128 to 8192 (the most
 * from 22 hash bits, a 4 MiB context map), and SSE contexts of HASHBITS-8 bits,
 * 10 to 14 (2.2 MB each). */
static u32 jring_bits(const cm_params *p)
{
	const u32 b = p->hash_bits - 9;
	return b < 7 ? 7 : b > CM_JPEG_RING_BITS_MAX ? CM_JPEG_RING_BITS_MAX : b;
}
static size_t jring_bytes(const cm_params *p) { return ((size_t)64 * sizeof(s16) + 1) << jring_bits(p); }
static u32 japm_bits(const cm_params *p)
{
	const u32 b = p->hash_bits - 8;
	return b < 10 ? 10 : b > 14 ? 14 : b;
}

u32 nz_cm_dtype_inputs(const cm_params *p)
{
	return dtype_on(p) ? 2 * CM_DTYPE_CTX + CM_DTYPE_JPEG_OUT : 0;
}

#define JMIX_LR 64
#define JMIX_W0 9830 /* 0.15 */

int nz_cm_dtype_init(cm_dtype *e, const cm_params *p)
{
	memset(e, 0, sizeof(*e));
	if (!dtype_on(p))
		return NZ_OK;
	e->ht_bits = table_bits(p);
	e->ht_mask = (u32)(((u64)1 << (e->ht_bits - 6)) - 1);
	e->ht = nz_big_alloc((size_t)1 << e->ht_bits);
	/* the state maps, then the shared word ht_used */
	e->sm = nz_malloc_aligned((size_t)CM_DTYPE_CTX_JPEG * 256 * 4 + 64);
	if (!e->ht || !e->sm)
		return NZ_ERR_NOMEM;
	e->ht_used = e->sm + CM_DTYPE_CTX_JPEG * 256;
	*e->ht_used = 0; /* as mapped: zero */
	if (p->flags & CM_F_JPEG) {
		e->jk = nz_cm_mixer_kernels_for(p->backend);
		e->jw = nz_malloc_aligned((size_t)2 * CM_JMIX_SETS * CM_JMIX_IN * sizeof(s32));
		if (!e->jw)
			return NZ_ERR_NOMEM;
		for (u32 i = 0; i < 2; i++)
			NZ_TRY(nz_cm_apm_init(&e->japm[i], japm_bits(p)));
		e->japm_mask = (1u << japm_bits(p)) - 1;
	}
	return nz_cm_dtype_init_lane(e, p);
}

int nz_cm_dtype_init_lane(cm_dtype *e, const cm_params *p)
{
	e->jring = NULL;
	e->jlast = NULL;
	if (!(p->flags & CM_F_JPEG))
		return NZ_OK;
	e->jring_bits = jring_bits(p);
	e->jring = nz_big_alloc(jring_bytes(p));
	if (!e->jring)
		return NZ_ERR_NOMEM;
	e->jlast = (u8 *)(e->jring + ((size_t)64 << e->jring_bits)); /* after the blocks */
	return NZ_OK;
}

void nz_cm_dtype_free_lane(cm_dtype *e)
{
	if (e->jring)
		nz_big_free(e->jring, ((size_t)64 * sizeof(s16) + 1) << e->jring_bits);
	e->jring = NULL;
	e->jlast = NULL;
}

void nz_cm_dtype_free(cm_dtype *e)
{
	if (e->ht)
		nz_big_free(e->ht, (size_t)1 << e->ht_bits);
	nz_free_aligned(e->sm);
	nz_free_aligned(e->jw);
	for (u32 i = 0; i < 2; i++)
		nz_cm_apm_free(&e->japm[i]);
	e->ht = NULL;
	e->sm = NULL;
	e->jw = NULL;
}

u64 nz_cm_dtype_memory(const cm_params *p)
{
	if (!dtype_on(p))
		return 0;
	u64 b = ((u64)1 << table_bits(p)) + CM_DTYPE_CTX_JPEG * 256 * 4 + 64 + nz_cm_dtype_lane_memory(p);
	if (p->flags & CM_F_JPEG)
		b += (u64)2 * CM_JMIX_SETS * CM_JMIX_IN * 4 + 2 * cm_apm_memory(japm_bits(p));
	return b;
}

u64 nz_cm_dtype_lane_memory(const cm_params *p)
{
	return (p->flags & CM_F_JPEG) ? jring_bytes(p) : 0;
}

void nz_cm_dtype_reset_shared(cm_dtype *e, const cm_tables *T)
{
	if (!e->ht)
		return;
	/* data of no type never touches the table: then it costs neither the
	 * clearing nor its memory */
	if (*e->ht_used)
		memset(e->ht, 0, (size_t)1 << e->ht_bits);
	*e->ht_used = 0;
	for (u32 i = 0; i < CM_DTYPE_CTX_JPEG * 256; i++)
		e->sm[i] = T->bh.init_sm[i & 255];
	if (e->jw) {
		for (u32 i = 0; i < 2 * CM_JMIX_SETS * CM_JMIX_IN; i++)
			e->jw[i] = (i % CM_JMIX_IN) < CM_DTYPE_CTX_JPEG ? JMIX_W0 : 0;
		for (u32 i = 0; i < 2; i++)
			nz_cm_apm_reset(&e->japm[i]);
	}
}

void nz_cm_dtype_reset_lane(cm_dtype *e)
{
	e->type = CM_TYPE_NONE;
	e->img_start = 0;
	e->img_sel = 0;
	memset(&e->img, 0, sizeof(e->img));
	nz_cm_x86_reset(&e->x);
	memset(e->lastops, 0, sizeof(e->lastops));
	e->nctx = 0;
	for (u32 i = 0; i < CM_DTYPE_CTX_JPEG; i++) {
		e->chash[i] = 0;
		e->slot[i] = e->bh[i] = NULL;
	}
}

void nz_cm_dtype_set_slots(cm_dtype *e, u32 c0)
{
	if (!e->ht || e->type == CM_TYPE_NONE || e->type == CM_TYPE_JPEG)
		return;
	for (u32 i = 0; i < e->nctx; i++)
		e->slot[i] = cm_slot_find(e->ht, e->ht_mask, cm_slot_hash(e->chash[i], c0));
}

void nz_cm_dtype_prefetch(const cm_dtype *e, u32 c0)
{
	if (!e->ht || e->type == CM_TYPE_NONE || e->type == CM_TYPE_JPEG)
		return;
	for (u32 i = 0; i < e->nctx; i++)
		cm_slot_prefetch(e->ht, e->ht_mask, cm_slot_hash(e->chash[i], c0));
}

void nz_cm_dtype_prefetch_nibble(const cm_dtype *e, u32 c0)
{
	nz_cm_dtype_prefetch(e, c0 * 2);
	nz_cm_dtype_prefetch(e, c0 * 2 + 1);
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

/* A magnitude class 0..15 (0 for 0, else 1 + floor(log2 |v|)). */
static u32 mag_class(s32 v)
{
	const u32 a = (u32)(v < 0 ? -v : v);
	return a ? NZ_MIN(32 - (u32)__builtin_clz(a), 15u) : 0;
}

/* A coefficient's magnitude class with its sign: 16 more if negative. */
static u32 qcoef(s32 v) { return mag_class(v) | (v < 0 ? 16u : 0u); }

/* Sample `back` frames before the current one of this channel (bi: bytes of
 * the current sample coded so far), as a signed value. */
static s32 audio_sample(const cm_history *h, const cm_image *g, u32 bi, u32 back)
{
	const u32 at = bi + back * g->stride; /* its first byte, counted back */
	if (g->bpp == 1)
		return (s32)cm_hist_back(h, at) - 128;
	return (s16)(cm_hist_back(h, at) | cm_hist_back(h, at - 1) << 8);
}

/* The high byte that, under the low byte lo already coded, comes nearest p. */
static u32 high_for(s32 p, u32 lo) { return (u32)((p - (s32)lo + 128) >> 8) & 255; }

/* The contexts of the next byte of audio: per channel and byte of the sample,
 * the next sample predicted by the last one (p1), the linear (p2) and the
 * quadratic (p3) extrapolation of the last two and three, and with several
 * channels the last one plus the previous channel's step (pc); for a low byte
 * their low bytes with the class of the last residual, for the high byte of a
 * 16-bit sample the high byte each makes nearest given the low byte just
 * coded. Header bytes get the last byte. The selector: byte x channel x the
 * residual class. */
static void audio_contexts(cm_dtype *e, const cm_history *h)
{
	const cm_image *g = &e->img;
	u32 *k = e->chash;
	const u32 c1 = h->c4 & 0xff;
	if (h->pos < e->img_start + 3 * (u64)g->stride) { /* header, first samples */
		for (u32 i = 0; i < CM_DTYPE_CTX; i++)
			k[i] = hc3(0x415544u, c1, i);
		e->img_sel = 0;
		return;
	}
	const u32 at = (u32)((h->pos - e->img_start) % g->stride);
	const u32 bi = at % g->bpp, ch = at / g->bpp;
	const s32 s1 = audio_sample(h, g, bi, 1), s2 = audio_sample(h, g, bi, 2),
		  s3 = audio_sample(h, g, bi, 3);
	const s32 p1 = s1, p2 = 2 * s1 - s2, p3 = 3 * s1 - 3 * s2 + s3;
	s32 pc = (3 * s1 - s2) / 2; /* mono: a damped extrapolation */
	if (ch > 0) { /* the previous channel's sample of this frame is known */
		const u32 b0 = bi + g->bpp;
		pc = s1 + audio_sample(h, g, b0, 0) - audio_sample(h, g, b0, 1);
	}
	const u32 r = mag_class(s1 - (2 * s2 - s3)), r2 = mag_class(s2 - s3);
	const u32 T = 0x41550000u | ch << 4 | bi << 3 | (g->bpp == 2) << 2;
	if (g->bpp == 2 && bi == 1) {
		const u32 lo = c1;
		k[0] = hc3(T, high_for(p2, lo), r << 8);
		k[1] = hc3(T | 1, high_for(p1, lo), r << 8);
		k[2] = hc3(T | 2, high_for(p3, lo), 0);
		k[3] = hc3(T | 3, high_for(pc, lo), r << 8);
		k[4] = hc3(T | 4, high_for(p2, lo), high_for(p1, lo) << 8);
		k[5] = hc3(T | 5, high_for(p2, lo), lo >> 4 << 8 | r2);
	} else {
		/* a low byte, or an 8-bit sample (unsigned: o) */
		const s32 o = g->bpp == 1 ? 128 : 0;
		k[0] = hc3(T, (u32)(p2 + o) & 255, r << 8);
		k[1] = hc3(T | 1, (u32)(p1 + o) & 255, r << 8);
		k[2] = hc3(T | 2, (u32)(p3 + o) & 255, r << 8);
		k[3] = hc3(T | 3, (u32)(pc + o) & 255, r << 8);
		k[4] = hc3(T | 4, (u32)(p2 + o) & 255, (u32)((p2 + o) >> 8) & 255);
		k[5] = hc3(T | 5, r, r2 << 8 | ((u32)(p1 + o) & 255) >> 4);
	}
	e->img_sel = bi << 7 | (ch & 7) << 4 | r;
}

/* Finer: 0 for 0, else 1 + 2 floor(log2 |v|) + the next bit (at most 31),
 * 32 more if negative. */
static u32 qlog2(s32 v)
{
	const u32 a = (u32)(v < 0 ? -v : v);
	if (!a)
		return 0;
	const u32 l = 31 - (u32)__builtin_clz(a);
	const u32 n = 2 * l + 1 + (l ? (a >> (l - 1)) & 1 : 0);
	return (n < 31 ? n : 31) | (v < 0 ? 32u : 0u);
}

/* Coefficient i of block B (steps q) in steps qz, within +-65535 (tables of a
 * damaged file may differ by 2^16). */
static s32 rescale(const s16 *B, const u16 *q, u32 i, u32 qz)
{
	const s64 v = (s64)B[i] * q[i] / (s64)qz;
	return v < -65535 ? -65535 : v > 65535 ? 65535 : (s32)v;
}

/* Coefficient (u0, v0) of block C predicted from a neighbour B so that the
 * two meet smoothly at their common edge (B left of C if `left`, else above
 * it). Along a vertical edge the profile of row frequency v is the sum over u
 * of a_u C(u, v) on C's left side and of a_u (-1)^u B(u, v) on B's right side
 * (the DCT basis at x = -0.5 and 7.5; a_0 = 1/sqrt 2, a_u = 1, in 1/256), in
 * dequantised values (q, the component's steps); the coefficients of C not
 * decoded yet count as zero. The result is in steps of (u0, v0). */
static s32 edge_predict(const s16 *C, const s16 *B, const u16 *q, u32 u0, u32 v0, int left)
{
	s64 s = 0;
	for (u32 t = 0; t < 8; t++) {
		const u32 f = left ? v0 * 8 + t : t * 8 + u0; /* (t, v0) or (u0, t) */
		const u32 i = nz_cm_jpeg_zzi[f];
		const s64 a = t ? 256 + 16 * (s64)t : 185;
		s += ((t & 1) ? -a : a) * q[i] * B[i];
		if (t != (left ? u0 : v0))
			s -= a * q[i] * C[i];
	}
	const s64 d = (s64)((left ? u0 : v0) ? 256 + 16 * (s64)(left ? u0 : v0) : 185) * NZ_MAX(q[nz_cm_jpeg_zzi[v0 * 8 + u0]], 1);
	const s64 p = s / d;
	return p < -32768 ? -32768 : p > 32767 ? 32767 : (s32)p;
}

static const u8 jpeg_band[64] = {0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 5,
				 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
				 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
				 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};

/* A position 0..64 in 8 classes. */
static u32 jpeg_bucket(u32 zz) { return zz >= 64 ? 7 : jpeg_band[zz]; }

/* The contexts of the next bit of a JPEG file. In scan data, all of them hold
 * what is being decoded (the phase, the component, the coefficient) and each
 * adds one view of the image: the same coefficient in the blocks left of and
 * above this one, its value predicted from their edges, where their last
 * non-zero coefficients are and how far their next non-zero one is, and what
 * this block has had so far. These are computed when a code or value begins;
 * the bits of it so far join them in jpeg_rehash. In headers: the last byte.
 * The mixer selector: the phase x the coefficient's band x the code bits so
 * far. */
static void jpeg_contexts(cm_dtype *e)
{
	const cm_jpeg *j = &e->jp;
	u32 *k = e->jbase;
	if (!cm_jpeg_following(j)) {
		for (u32 i = 0; i < CM_DTYPE_CTX_JPEG; i++)
			k[i] = hc3(0x4a504700u | j->mode, e->jc1, i);
		return;
	}
	const u32 b = j->b, zz = j->zz, comp = j->bcomp[b];
	static const s16 zero[64];
	const s16 *W = cm_jpeg_block(j, j->boffw[b]);
	const s16 *N = j->boffn[b] ? cm_jpeg_block(j, j->boffn[b]) : zero;
	const u32 lw = cm_jpeg_last(j, j->boffw[b]), ln = j->boffn[b] ? cm_jpeg_last(j, j->boffn[b]) : 0;
	const u32 P = (u32)j->phase | comp << 2 | zz << 4 | (u32)j->size << 10;
	const u32 u = nz_cm_jpeg_zu[zz], v = nz_cm_jpeg_zv[zz];
	const u16 *q = j->qt[j->ctq[comp]];
	s32 pw = edge_predict(j->coef, W, q, u, v, 1), pn = edge_predict(j->coef, N, q, u, v, 0);
	s32 w = W[zz], n = N[zz];
	if (zz == 0) { /* DC: the difference to the last block's DC is coded */
		const s32 d = j->dcpred[comp];
		pw -= d;
		pn -= d;
		w = N[0] - d;
		n = W[0] - d;
	}
	/* how far the neighbours' next non-zero coefficients are */
	u32 rw = 0, rn = 0;
	while (zz + rw < 64 && !W[zz + rw] && rw < 15)
		rw++;
	while (zz + rn < 64 && !N[zz + rn] && rn < 15)
		rn++;
	const s32 prev = zz > 1 ? j->coef[zz - 1] : 0;
	/* in this block, the coefficients left of, above and above-left of this
	 * one in frequency, in this one's steps */
	const u32 qz = NZ_MAX(q[zz], 1);
	const s32 fl = u ? rescale(j->coef, q, nz_cm_jpeg_zzi[v * 8 + u - 1], qz) : 0;
	const s32 fu = v ? rescale(j->coef, q, nz_cm_jpeg_zzi[(v - 1) * 8 + u], qz) : 0;
	const s32 fd = u && v ? rescale(j->coef, q, nz_cm_jpeg_zzi[(v - 1) * 8 + u - 1], qz) : 0;
	u32 sa = 0;
	for (u32 i = 1; i < zz; i++)
		sa += (u32)(j->coef[i] < 0 ? -j->coef[i] : j->coef[i]);
	/* the edge across which the coefficient's frequency runs predicts it
	 * better (measured: -0.24 % against the mean of both) */
	const s32 ps = u > v ? pw : v > u ? pn : (pw + pn) / 2;
	const u32 pa = qcoef(ps);
	e->jpa = pa;
	const u32 Q = (u32)j->phase | (comp > 0) << 2 | (u32)jpeg_band[zz] << 3 | (u32)j->size << 6;
	const u32 nz = j->nnz < 15 ? j->nnz : 15;
	/* in a colour MCU, the same coefficient of the previous component's
	 * blocks (their mean, in this one's steps) */
	s32 X = 0, cnt = 0;
	if (zz > 0 && comp > 0)
		for (u32 i = 0; i < b; i++)
			if (j->bcomp[i] == comp - 1) {
				const u16 *qo = j->qt[j->ctq[comp - 1]];
				X += rescale(cm_jpeg_block(j, b - i), qo, zz, qz);
				cnt++;
			}
	if (cnt > 1)
		X /= cnt;
	const u32 R = (u32)j->phase | (u32)j->size << 2; /* what is coded, not where */
	/* the first CM_DTYPE_CTX are the model's inputs too */
	k[0] = hc3(P, qlog2(X) | pa << 6, (u32)cnt << 4 | 0);
	k[1] = hc3(Q, j->rs1, qcoef(pw) << 4 | 1);
	k[2] = hc3(P, qcoef((s32)sa), nz << 4 | 2);
	k[3] = hc3(Q, qcoef(pn), (u32)j->rs1 << 4 | 3);
	k[4] = hc3(P, qcoef(w) | qcoef(n) << 5, 4);
	k[5] = hc3(Q, qcoef(prev) | qcoef(fl) << 5 | qcoef(fu) << 10, qcoef(fd) << 4 | 5);
	k[6] = hc3(Q, qlog2(pw) | qlog2(pn) << 6, 6);
	/* the neighbours' activity: non-zero AC coefficients, their magnitude */
	u32 cw = 0, cn = 0, ew = 0, en = 0;
	for (u32 i = 1; i < 64; i++) {
		cw += W[i] != 0;
		cn += N[i] != 0;
		ew += (u32)(W[i] < 0 ? -W[i] : W[i]);
		en += (u32)(N[i] < 0 ? -N[i] : N[i]);
	}
	k[7] = hc3(Q, qcoef((s32)(cw + cn)), nz << 8 | 7);
	k[8] = hc3(Q, rw | rn << 4, nz << 8 | 8);
	k[9] = hc3(Q, qlog2((s32)(ew + en)), qcoef((s32)sa) << 8 | 9);
	k[10] = hc3(Q, jpeg_bucket(lw) | jpeg_bucket(ln) << 3, pa << 4 | 10);
	k[11] = hc3(P, 0, 11);
	const s32 dl = (s32)zz - (s32)NZ_MIN(lw, ln), dh = (s32)zz - (s32)NZ_MAX(lw, ln);
	k[12] = hc3(Q, qcoef(dl) | qcoef(dh) << 5, 12);
	/* where the neighbours' edges say the next non-zero coefficient is, and
	 * its size: the run/size symbol they predict */
	u32 prun = 0, psz = 0;
	if (j->phase == JPEG_PH_AC) {
		for (prun = 0; prun < 10 && zz + prun < 64; prun++) {
			const u32 z2 = zz + prun, u2 = nz_cm_jpeg_zu[z2], v2 = nz_cm_jpeg_zv[z2];
			const s32 p2 = (edge_predict(j->coef, W, q, u2, v2, 1) +
					edge_predict(j->coef, N, q, u2, v2, 0)) / 2;
			if (p2 != 0) {
				psz = qcoef(p2) & 15;
				break;
			}
		}
	}
	k[13] = hc3(R, prun | psz << 4, 13);
	k[14] = hc3(R, qcoef(pw) | qcoef(pn) << 5, 14);
	k[15] = hc3(P, qcoef(X) | qcoef(fl) << 5 | qcoef(fu) << 10, 15);
	k[16] = hc3(Q, u | qlog2(fl) << 3, qcoef(pw) << 4 | 16);
	k[17] = hc3(Q, v | qlog2(fu) << 3, qcoef(pn) << 4 | 17);
	k[18] = hc3(P, qcoef(X) | pa << 5, qcoef((s32)(cw + cn)) << 4 | 18);
	k[19] = hc3(R, j->rs1, 19);
	k[20] = hc3(R, qcoef(prev), 20);
	k[21] = hc3(R, pa, 21);
	k[22] = hc3(P, prun | psz << 4, 22);
	k[23] = hc3(Q, 0, 23);
}

/* The slots of the next bit, from the first node: the contexts of its code or
 * value (fresh = it begins: jpeg_contexts) with the bits of it so far (in
 * headers, of the byte). */
static void jpeg_rehash(cm_dtype *e, int fresh)
{
	const cm_jpeg *j = &e->jp;
	if (fresh)
		jpeg_contexts(e);
	const int other = !cm_jpeg_following(j);
	const u32 bits = other ? j->bc0 : (1u << j->cbits) | j->code;
	/* 24 lines far apart: start loading them all before the first is read */
	for (u32 i = 0; i < CM_DTYPE_CTX_JPEG; i++) {
		e->chash[i] = hc(e->jbase[i], bits);
		cm_slot_prefetch(e->ht, e->ht_mask, e->chash[i]);
	}
	for (u32 i = 0; i < CM_DTYPE_CTX_JPEG; i++)
		e->slot[i] = cm_slot_find(e->ht, e->ht_mask, e->chash[i]);
	const u32 ph = j->phase == JPEG_PH_EXTRA ? 3 : j->phase;
	e->jsel = other ? (j->bc0 & 63) : ph << 6 | (u32)jpeg_band[j->zz] << 3 | (j->cbits < 7 ? j->cbits : 7);
	e->jsel2 = other ? 0 : 128 | ph << 5 | e->jpa;
	e->jmsel2 = other ? 1024 + (j->bc0 & 63)
			  : (u32)(j->phase == JPEG_PH_EXTRA) << 9 | e->jpa << 4 | (j->cbits < 15 ? j->cbits : 15);
	e->jmsel = other ? 1024 + (j->bc0 & 63)
			 : (u32)(j->phase == JPEG_PH_EXTRA) << 9 | (u32)j->zz << 3 |
				   (u32)(j->bcomp[j->b] > 0) << 2 | (j->cbits < 3 ? j->cbits : 3);
	e->jnode = 1;
}

/* A slot holds the nodes of 4 bits; a code or value that begins, or a fifth
 * bit, takes new ones (at the end of a byte, nz_cm_dtype_update_byte does). */
void nz_cm_dtype_jpeg_mix(cm_dtype *e, const cm_tables *T, s32 *x)
{
	const cm_logistic *lg = &T->lg;
	e->jx[CM_DTYPE_CTX_JPEG] = 256;
	const s32 *w = e->jw + (size_t)e->jmsel * CM_JMIX_IN;
	s32 d = e->jk.dot(e->jx, w, CM_JMIX_IN) >> 8;
	d = d > 2047 ? 2047 : d < -2047 ? -2047 : d;
	e->jpr = cm_squash(lg, d);
	const s32 *w2 = e->jw + (size_t)(CM_JMIX_SETS + e->jmsel2) * CM_JMIX_IN;
	s32 d2 = e->jk.dot(e->jx, w2, CM_JMIX_IN) >> 8;
	d2 = d2 > 2047 ? 2047 : d2 < -2047 ? -2047 : d2;
	e->jpr2 = cm_squash(lg, d2);
	const u32 pm = (u32)cm_squash(lg, (d + d2) / 2);
	const u32 p1 = cm_apm_p(&e->japm[0], lg, pm, e->chash[11] & e->japm_mask);
	const u32 p2 = cm_apm_p(&e->japm[1], lg, pm, e->chash[0] & e->japm_mask);
	s32 *o = x;
	o[0] = d;
	o[1] = cm_stretch(lg, (int)(p1 >> 4));
	o[2] = cm_stretch(lg, (int)(p2 >> 4));
	o[3] = d2;
}

void nz_cm_dtype_jpeg_bit(cm_dtype *e, const cm_tables *T, int y)
{
	s32 *w = e->jw + (size_t)e->jmsel * CM_JMIX_IN;
	e->jk.train(e->jx, w, CM_JMIX_IN, ((y << 12) - e->jpr) * JMIX_LR);
	w = e->jw + (size_t)(CM_JMIX_SETS + e->jmsel2) * CM_JMIX_IN;
	e->jk.train(e->jx, w, CM_JMIX_IN, ((y << 12) - e->jpr2) * JMIX_LR);
	for (u32 i = 0; i < 2; i++)
		cm_apm_update(&e->japm[i], T, y);
	const int begun = nz_cm_jpeg_bit(&e->jp, y);
	if (begun || e->jnode >= 8)
		jpeg_rehash(e, begun);
	else
		e->jnode = e->jnode * 2 + (u32)y;
}

void nz_cm_dtype_set(cm_dtype *e, u32 type, const cm_image *img, u32 c0, u64 pos)
{
	if (!e->ht)
		return;
	if (type == CM_TYPE_JPEG && !e->jring)
		type = CM_TYPE_NONE; /* not reached: the codec checks the flag */
	const u32 was = e->type;
	if (type != CM_TYPE_NONE)
		*e->ht_used = 1;
	if (type == CM_TYPE_EXE && was != CM_TYPE_EXE)
		nz_cm_x86_reset(&e->x);
	e->type = type;
	e->nctx = type == CM_TYPE_JPEG ? CM_DTYPE_CTX_JPEG : CM_DTYPE_CTX;
	if (type == CM_TYPE_IMAGE || type == CM_TYPE_AUDIO) {
		e->img = *img;
		e->img_start = pos + img->offset;
	}
	if (type == CM_TYPE_JPEG) { /* a JPEG file starts */
		nz_cm_jpeg_reset(&e->jp, e->jring, e->jlast, e->jring_bits);
		e->jc1 = 0;
		jpeg_rehash(e, 1);
		return;
	}
	if (type != CM_TYPE_NONE && (type != was || type == CM_TYPE_IMAGE || type == CM_TYPE_AUDIO)) {
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
	if (e->type == CM_TYPE_AUDIO) {
		audio_contexts(e, h);
		return;
	}
	if (e->type == CM_TYPE_JPEG) {
		const u32 was = e->jp.data;
		nz_cm_jpeg_byte(&e->jp, h, c);
		e->jc1 = c;
		/* scan data that goes on keeps its slots: they follow the codes */
		if (!was || !cm_jpeg_following(&e->jp))
			jpeg_rehash(e, 1);
		return;
	}
	nz_cm_x86_next(&e->x, c);
	if (e->x.len == 0) /* an instruction ended: keep its operands */
		e->lastops[e->x.prev[0] & 1023] = e->x.pops;
	x86_contexts(e, h);
}
