/*
 * cm_model.c - the bit predictor of the context-mixing codec: it assembles the
 * components (one file each, see docs/CM.md "Components") into one model.
 *
 * Per bit: the context map turns every context into a bit-history state and a
 * probability (context_map.h), the run, record and match models predict the
 * byte that followed before (run_model.h, record_model.h, match_model.h,
 * latest_match.h), an external byte model may add its view (ext_input.h), and
 * in x86 code or an image the data-type model its contexts (datatype_model.h); the
 * mixer (mixer.h) weighs all their stretched probabilities with weight sets
 * chosen by small contexts ("mixer contexts" below), and SSE stages (apm.h)
 * refine the result. At the end of each byte the history (history.h) and the
 * context hashes (contexts.h) move on. All integer arithmetic.
 *
 * The mixer's width is not counted by hand: every component that adds mixer
 * inputs has a row in cm_inputs[] (how many, from the parameters) and writes
 * exactly that many at its offset.
 */
#include "cm/cm_model.h"
#include "cm/apm.h"
#include "cm/cm_neural.h"
#include "cm/context_map.h"
#include "cm/contexts.h"
#include "cm/datatype_model.h"
#include "cm/ext_input.h"
#include "cm/history.h"
#include "cm/latest_match.h"
#include "cm/match_model.h"
#include "cm/mixer.h"
#include "cm/record_model.h"
#include "cm/run_model.h"
#include "nn/nn.h"
#include "coder/bit_coder.h"

/* ---- the mixer inputs: one row per component, in the order of x[] ---- */

/* The data-type models' inputs come last: outside a typed segment they are all
 * 0, and the mixer then reads only the inputs before them (cm_mixer.nact). */
enum { IN_CONTEXT_MAP, IN_RUN, IN_RECORD, IN_LATEST, IN_MATCH, IN_EXT, IN_BIAS, IN_DTYPE, IN_KINDS_ };

static u32 bias_inputs(const cm_params *p)
{
	(void)p;
	return 1;
}

typedef struct cm_input_kind {
	const char *name;
	u32 (*count)(const cm_params *p);
} cm_input_kind;

static const cm_input_kind cm_inputs[IN_KINDS_] = {
	[IN_CONTEXT_MAP] = {"context map", nz_cm_context_map_inputs},
	[IN_RUN] = {"run model", nz_cm_run_inputs},
	[IN_RECORD] = {"record model", nz_cm_record_inputs},
	[IN_LATEST] = {"latest match", nz_cm_latest_inputs},
	[IN_MATCH] = {"match model", nz_cm_match_inputs},
	[IN_EXT] = {"external byte model", nz_cm_ext_inputs},
	[IN_BIAS] = {"bias", bias_inputs},
	[IN_DTYPE] = {"data-type models (x86-64, images)", nz_cm_dtype_inputs},
};

/* Mixer inputs of a configuration; ofs (may be NULL) gets each row's offset. */
static u32 mixer_inputs(const cm_params *p, u32 ofs[IN_KINDS_])
{
	u32 n = 0;
	for (u32 i = 0; i < IN_KINDS_; i++) {
		if (ofs)
			ofs[i] = n;
		n += cm_inputs[i].count(p);
	}
	return n;
}

u32 nz_cm_model_mixer_inputs(const cm_params *p) { return mixer_inputs(p, NULL); }

/* ---- the model ---- */

#define CM_NAPM (CM_MAX_SSE + 2 + 7)

struct cm_model {
	cm_params P;
	cm_tables T;          /* made by integer code at creation */
	cm_history h;
	cm_context_map cmap;
	cm_run run;
	cm_record rec;
	cm_match mm;
	cm_latest lm;
	cm_ext_input ext;
	cm_dtype dt;
	cm_mixer mx;
	cm_apm apm[CM_NAPM]; /* 4, 5: CM_F_SSE2; 6..12: CM_F_SSEP */
	cm_apm_post post[2];  /* CM_F_SSEP */
	u32 misses;           /* CM_F_SSEP: bits that the final probability got wrong, newest low */
	u32 in_ofs[IN_KINDS_];
	u32 nact_untyped;     /* mixer inputs read outside a typed segment (all but the data-type ones, padded) */
	int dt_written;       /* the data-type inputs in mx.x may be non-zero */
	u8 apm_list[CM_NAPM]; /* the SSE stages in use, in order */
	u32 napm;
	u32 pr12;             /* mixer output */
	u32 pfinal;           /* 16-bit final probability */
	int shared;           /* a lane: the statistics belong to another model */
};

/* ---- parameters ---- */

int nz_cm_params_from_config(const nz_model_config *cfg, cm_params *p)
{
	const u64 *x = cfg->extra;
	if (x[CM_X_VERSION] != 1)
		return NZ_ERR_PARAM;
	if (x[CM_X_HASHBITS] < 16 || x[CM_X_HASHBITS] > 30)
		return NZ_ERR_PARAM;
	if (x[CM_X_CTXMASK] & ~(u64)CM_C_ALL_)
		return NZ_ERR_PARAM;
	if (x[CM_X_MATCHBITS] != 0 && (x[CM_X_MATCHBITS] < 16 || x[CM_X_MATCHBITS] > 30))
		return NZ_ERR_PARAM;
	if (x[CM_X_MIXERS] < 1 || x[CM_X_MIXERS] > CM_MAX_MIXERS)
		return NZ_ERR_PARAM;
	if (x[CM_X_SSE] > CM_MAX_SSE)
		return NZ_ERR_PARAM;
	if (x[CM_X_FLAGS] & ~(u64)CM_F_ALL_)
		return NZ_ERR_PARAM;
	if ((x[CM_X_FLAGS] & (CM_F_MIX7 | CM_F_MIX8 | CM_F_MIX9)) && x[CM_X_MIXERS] != CM_MAX_MIXERS)
		return NZ_ERR_PARAM;
	if ((x[CM_X_FLAGS] & CM_F_MIXGRP) && !(x[CM_X_FLAGS] & CM_F_MIX7))
		return NZ_ERR_PARAM;
	/* paq8px's chain is in place of the stages, not after them */
	if ((x[CM_X_FLAGS] & CM_F_SSEP) && (x[CM_X_SSE] || (x[CM_X_FLAGS] & CM_F_SSE2)))
		return NZ_ERR_PARAM;
	if ((x[CM_X_FLAGS] & CM_F_DETIN) && !(x[CM_X_FLAGS] & CM_F_RICH))
		return NZ_ERR_PARAM;
	if ((x[CM_X_FLAGS] & CM_F_RUNBP) && !(x[CM_X_FLAGS] & CM_F_BHIST))
		return NZ_ERR_PARAM;
	/* the mixers' learning rates: 0 for the usual ones, else layer 1's in the
	 * low byte and the final mixer's in the next, each 1..64 */
	const u64 lr = x[CM_X_MIXLR];
	if (lr && (lr > 0xffff || (lr & 0xff) < 1 || (lr & 0xff) > 64 || (lr >> 8) < 1 || (lr >> 8) > 64))
		return NZ_ERR_PARAM;
	/* the neural model's fields: set exactly when CM_F_EXT is */
	const int ext = (x[CM_X_FLAGS] & CM_F_EXT) != 0;
	for (int i = CM_X_FLAGS + 1; i < NZ_MODEL_EXTRA; i++)
		if (x[i] && i != CM_X_MIXLR &&
		    !(ext && (i == CM_X_NNMODEL || i == CM_X_NNPRESET || i == CM_X_NNLANES)))
			return NZ_ERR_PARAM;
	if (ext && (x[CM_X_NNLANES] > CM_MAX_NNLANES || nz_cm_neural_check(cfg)))
		return NZ_ERR_PARAM;
	p->hash_bits = (u32)x[CM_X_HASHBITS];
	p->ctx_mask = x[CM_X_CTXMASK];
	p->match_bits = (u32)x[CM_X_MATCHBITS];
	p->mixers = (u32)x[CM_X_MIXERS];
	p->sse = (u32)x[CM_X_SSE];
	p->flags = (u32)x[CM_X_FLAGS];
	p->nnlanes = ext && x[CM_X_NNLANES] > 1 ? (u32)x[CM_X_NNLANES] : 1;
	p->mix_lr = lr ? (u32)(lr & 0xff) : CM_MIX_LR;
	p->mix_lr2 = lr ? (u32)(lr >> 8) : CM_MIX2_LR;
	p->backend = NZ_NN_BACKEND_AUTO;
	return mixer_inputs(p, NULL) <= CM_MAXIN ? NZ_OK : NZ_ERR_PARAM;
}

static u32 win_bits(const cm_params *p)
{
	return p->match_bits ? p->match_bits : CM_WIN_MIN_BITS;
}

/* Lanes 1.. of a segment share one window's memory: each gets 1/lanes of it
 * (at least 64 KiB). */
static u32 lane_match_bits(const cm_params *p)
{
	if (!p->match_bits)
		return 0;
	u32 b = p->match_bits, l = 1;
	while (l < p->nnlanes && b > 16) {
		l <<= 1;
		b--;
	}
	return b;
}

u64 nz_cm_lane_memory(const cm_params *p)
{
	const u32 mb = lane_match_bits(p);
	return sizeof(cm_model) + nz_cm_history_memory(mb ? mb : CM_WIN_MIN_BITS) +
	       nz_cm_match_memory(mb) + nz_cm_dtype_lane_memory(p) + 4 * 256 * 4 + 257 * 4;
}

/* The contexts of the SSE stages: c0; c0 + previous byte; c0 + hash of the last
 * 2 bytes; the match's expected byte + c0; with CM_F_SSE2 c0 + hash of the last
 * 3 bytes, c0 + the current word's hash. */
static const u32 apm_ctx_bits[CM_NAPM] = {8, 14, 16, 16, 16, 16, 11, 16, 16, 16, 16, 16, 16};

/* Whether SSE stage i (of apm[]) is in use: the first p->sse but stage 0 with
 * CM_F_NOSSE0, and 4-5 with CM_F_SSE2. */
NZ_INLINE int apm_on(const cm_params *p, u32 i)
{
	if (i >= CM_MAX_SSE + 2)
		return (p->flags & CM_F_SSEP) != 0;
	if (i == 0 && (p->flags & CM_F_NOSSE0))
		return 0;
	return i < p->sse || (i >= CM_MAX_SSE && (p->flags & CM_F_SSE2));
}

/* Layer-1 mixers (CM_F_MIX7, CM_F_MIX8 and CM_F_MIX9 add one each). */
static u32 mixer_count(const cm_params *p)
{
	return p->mixers + ((p->flags & CM_F_MIX7) != 0) + ((p->flags & CM_F_MIX8) != 0) +
	       ((p->flags & CM_F_MIX9) != 0);
}

/* 0 letter, 1 digit, 2 space or control, 3 other */
NZ_INLINE u32 byte_class(u32 c)
{
	return cm_is_letter(c) ? 0 : c - '0' < 10 ? 1 : c <= ' ' ? 2 : 3;
}

u64 nz_cm_model_memory(const cm_params *p)
{
	u64 b = sizeof(cm_model);
	b += nz_cm_context_map_memory(p);
	b += nz_cm_run_memory(p);
	b += nz_cm_history_memory(win_bits(p));
	b += nz_cm_match_memory(p->match_bits);
	b += nz_cm_record_memory(p);
	b += nz_cm_dtype_memory(p);
	b += nz_cm_mixer_memory(mixer_inputs(p, NULL), mixer_count(p));
	for (u32 i = 0; i < CM_NAPM; i++)
		if (apm_on(p, i))
			b += cm_apm_memory(apm_ctx_bits[i]);
	if (p->flags & CM_F_SSEP)
		b += 2 * cm_apm_post_memory(8);
	b += 257 * 4;
	return b;
}

/* ---- creation ---- */

void nz_cm_model_destroy(cm_model *m)
{
	if (!m)
		return;
	/* each lane's own */
	nz_cm_history_free(&m->h);
	nz_cm_match_free(&m->mm);
	nz_cm_record_free(&m->rec, m->shared);
	nz_cm_ext_free(&m->ext);
	nz_cm_dtype_free_lane(&m->dt);
	if (!m->shared) {
		nz_cm_context_map_free(&m->cmap);
		nz_cm_run_free(&m->run);
		nz_cm_dtype_free(&m->dt);
		nz_cm_mixer_free(&m->mx);
		for (int i = 0; i < CM_NAPM; i++)
			nz_cm_apm_free(&m->apm[i]);
		nz_cm_apm_post_free(&m->post[0]);
		nz_cm_apm_post_free(&m->post[1]);
	}
	nz_free_aligned(m);
}

int nz_cm_model_create(const cm_params *p, cm_model **out)
{
	*out = NULL;
	cm_model *m = nz_calloc_aligned(sizeof(*m));
	if (!m)
		return NZ_ERR_NOMEM;
	m->P = *p;
	nz_cm_tables_init(&m->T);
	const u32 nin = mixer_inputs(p, m->in_ofs);
	int rc = nz_cm_context_map_init(&m->cmap, p);
	if (!rc)
		rc = nz_cm_run_init(&m->run, p);
	if (!rc)
		rc = nz_cm_history_init(&m->h, win_bits(p));
	m->h.xml_on = (p->ctx_mask & CM_C_XML_) != 0; /* the lanes copy it */
	m->h.uword = (p->flags & CM_F_UWORD) != 0;
	if (!rc)
		rc = nz_cm_match_init(&m->mm, p->match_bits);
	nz_cm_latest_init(&m->lm, p);
	if (!rc)
		rc = nz_cm_record_init(&m->rec, p);
	if (!rc)
		rc = nz_cm_ext_init(&m->ext, p);
	if (!rc)
		rc = nz_cm_dtype_init(&m->dt, p);
	if (!rc)
		rc = nz_cm_mixer_init(&m->mx, nin, mixer_count(p), p->backend);
	if (!rc)
		nz_cm_mixer_set_rates(&m->mx, p->mix_lr, p->mix_lr2);
	for (u32 i = 0; i < CM_NAPM && !rc; i++)
		if (apm_on(p, i)) {
			rc = nz_cm_apm_init(&m->apm[i], apm_ctx_bits[i]);
			m->apm[i].both = (p->flags & CM_F_APM2) != 0;
			m->apm_list[m->napm++] = (u8)i;
		}
	m->nact_untyped = (m->in_ofs[IN_DTYPE] + 7) & ~7u;
	if (p->flags & CM_F_SSEP)
		for (u32 i = 0; i < 2 && !rc; i++)
			rc = nz_cm_apm_post_init(&m->post[i], 8);
	if (rc) {
		nz_cm_model_destroy(m);
		return rc;
	}
	nz_cm_model_reset(m);
	*out = m;
	return NZ_OK;
}

/* The statistics: what lanes share (see nz_cm_model_create_lane). */
static void reset_shared(cm_model *m)
{
	nz_cm_context_map_reset_shared(&m->cmap, &m->T);
	nz_cm_run_reset_shared(&m->run);
	nz_cm_record_reset_shared(&m->rec);
	nz_cm_dtype_reset_shared(&m->dt, &m->T);
	nz_cm_mixer_reset_shared(&m->mx);
	for (u32 i = 0; i < m->napm; i++)
		nz_cm_apm_reset(&m->apm[m->apm_list[i]]);
	if (m->P.flags & CM_F_SSEP) {
		nz_cm_apm_post_reset(&m->post[0]);
		nz_cm_apm_post_reset(&m->post[1]);
	}
}

/* The history and the small tables of one lane. */
static void reset_lane(cm_model *m)
{
	nz_cm_history_reset(&m->h);
	m->misses = 0;
	nz_cm_run_reset_lane(&m->run);
	nz_cm_record_reset_lane(&m->rec);
	nz_cm_match_reset(&m->mm);
	nz_cm_latest_reset(&m->lm);
	nz_cm_ext_reset(&m->ext);
	nz_cm_dtype_reset_lane(&m->dt);
	nz_cm_mixer_reset_lane(&m->mx);
	m->dt_written = 0; /* the reset cleared mx.x */
	nz_cm_context_map_reset_lane(&m->cmap, m->h.c0);
}

void nz_cm_model_reset(cm_model *m)
{
	if (!m->shared)
		reset_shared(m);
	reset_lane(m);
}

/* A lane: its own history, window, match index and small tables; the hash
 * tables, state maps, mixer weights and SSE of `base`. Lanes are coded one
 * byte after another, so nothing runs at once. */
int nz_cm_model_create_lane(const cm_model *base, cm_model **out)
{
	*out = NULL;
	cm_model *m = nz_malloc_aligned(sizeof(*m));
	if (!m)
		return NZ_ERR_NOMEM;
	memcpy(m, base, sizeof(*m));
	m->shared = 1;
	m->P.match_bits = lane_match_bits(&base->P);
	/* the lane's own buffers (the copies still point at the base's) */
	m->h.win = NULL;
	m->h.ind1 = m->h.indlc = NULL;
	m->h.ind2 = m->h.ind4 = NULL;
	m->mm.mt = NULL;
	m->rec.cpos = NULL;
	m->ext.ext_cum = NULL;
	m->dt.jring = NULL;
	m->dt.jlast = NULL;
	int rc = nz_cm_history_init(&m->h, win_bits(&m->P));
	if (!rc)
		rc = nz_cm_match_init(&m->mm, m->P.match_bits);
	if (!rc)
		rc = nz_cm_record_init_lane(&m->rec);
	if (!rc)
		rc = nz_cm_ext_init(&m->ext, &m->P);
	if (!rc)
		rc = nz_cm_dtype_init_lane(&m->dt, &m->P);
	if (rc) {
		nz_cm_model_destroy(m);
		return rc;
	}
	reset_lane(m);
	*out = m;
	return NZ_OK;
}

void nz_cm_model_set_ext(cm_model *m, const nz_cm_ext_predictor *ext)
{
	if (ext) {
		m->ext.ext = *ext;
		m->ext.has_ext = 1;
	} else {
		m->ext.has_ext = 0;
	}
}

u64 nz_cm_model_pos(const cm_model *m) { return m->h.pos; }

void nz_cm_model_set_type(cm_model *m, u32 type, const cm_image *img)
{
	nz_cm_dtype_set(&m->dt, type, img, m->h.c0, m->h.pos);
}

const char *nz_cm_model_kernels(const cm_model *m) { return m->mx.k.name; }

/* ---- byte boundary ---- */

/* One bit before the end of a byte, the byte is one of two: start loading the
 * match index entries and the first slots of the order contexts for both. */
static void prefetch_next_byte(cm_model *m)
{
	nz_cm_match_prefetch(&m->mm, &m->h);
	for (u32 b = 0; b < 2; b++) {
		u32 c = ((m->h.c0 << 1) | b) & 255;
		u32 c4 = (m->h.c4 << 8) | c, c8 = (m->h.c8 << 8) | (m->h.c4 >> 24);
		nz_cm_context_map_prefetch_orders(&m->cmap, c4, c8, (int)b);
		nz_cm_run_prefetch(&m->run, m->cmap.order_hash[b], m->cmap.norder);
	}
}

static void update_byte(cm_model *m, u32 c)
{
	if (m->P.flags & CM_F_LRDECAY) /* 4 x the rate at the start, 2.5 x after 16 KiB, 1.05 x after 1 MB */
		m->mx.lr = m->mx.lr_base + (s32)((u64)(3 * m->mx.lr_base) * 16384 / (16384 + m->h.pos));
	nz_cm_history_update_byte(&m->h, c);
	nz_cm_dtype_update_byte(&m->dt, &m->h, c);
	nz_cm_dtype_prefetch(&m->dt, 1);
	nz_cm_record_update_byte(&m->rec, &m->h, c);
	/* The next byte's hashes first, so that their slots load while the match
	 * models update (they read neither). */
	u32 chash[CM_MAXCTX];
	const u32 nhist = m->cmap.nhist, nord = m->cmap.norder;
	/* the order contexts' were made (and their slots prefetched) a bit ago */
	nz_cm_context_map_order_hashes(&m->cmap, (int)(c & 1), chash);
	nz_cm_context_hashes(m->cmap.ctype + nord, nhist - nord, &m->h, m->rec.rlen, chash + nord);
	nz_cm_context_map_prefetch_first(&m->cmap, chash, nord, nhist);
	nz_cm_run_prefetch(&m->run, chash + nord, nhist - nord);
	nz_cm_match_update_byte(&m->mm, &m->h, c);
	nz_cm_latest_update_byte(&m->lm, &m->mm, &m->h, c);
	/* the kinds that read the match model's new state (the last in the list) */
	for (u32 i = nhist; i < m->cmap.nctx; i++)
		chash[i] = cm_match_kind_hash(&m->mm, &m->h, m->cmap.ctype[i] - CM_KIND_MATCH1);
	nz_cm_context_map_prefetch_first(&m->cmap, chash, nhist, m->cmap.nctx);
	/* the byte just coded follows the previous contexts */
	nz_cm_run_update_byte(&m->run, m->cmap.chash, c);
	memcpy(m->cmap.chash, chash, m->cmap.nctx * sizeof(u32));
	nz_cm_run_lookup(&m->run, m->cmap.chash);
}

/* ---- per bit ---- */

/* The mixer contexts (weight-set selectors), in order of use: (1) lpaq's
 * "order" (known contexts among the first four, or the match length) x top 3
 * bits of the previous byte; (2) the partial byte c0; (3) the previous byte;
 * (4) match length x expected bit x bit position; (5) column x innermost
 * bracket; (6) order x match bucket x bit position; (7, CM_F_MIX7) the byte
 * two back; (8, CM_F_MIX8) letters in the current word x classes of the last
 * two bytes; (9, CM_F_MIX9) the match model's expected byte, or the byte three
 * back without a match; with CM_F_MIXGRP (7) is the last three byte classes
 * instead. The extra ones take the places after the sixth in this
 * order, whichever are on; each place there has 512 weight sets. Each below
 * nz_cm_mixer_sets[i]. While the exe model is on, its selector takes the place
 * of (2), or of (1) with one mixer. */
NZ_INLINE void mixer_contexts(const cm_model *m, int mbit, u32 sel[CM_MIXERS_ALLOC])
{
	const cm_history *h = &m->h;
	const u32 mlen = m->mm.mlen, order = m->cmap.order, c1 = h->c4 & 0xff;
	u32 mlq = mlen == 0 ? 0 : mlen < 16 ? 1 : 2;
	u32 oq = order - 2 > 11 ? 11 : order - 2;
	if (order < 2)
		oq = 0;
	u32 o;
	if (mlen == 0)
		o = cm_context_map_known4(&m->cmap);
	else
		o = 5 + (mlen >= 8) + (mlen >= 12) + (mlen >= 16) + (mlen >= 32);
	sel[0] = o + 10 * (c1 >> 5);
	sel[1] = h->c0;
	/* (the mixers that are not there need no selector: levels 1-3 have two) */
	if (m->P.mixers > 2) {
		sel[2] = c1;
		sel[3] = (mlen ? (cm_match_q(mlen) >> 2) + 1 : 0) * 16 + (u32)mbit * 8 + h->bpos;
		sel[4] = (h->col < 15 ? h->col : 15) << 4 | (h->nest & 15);
		sel[5] = (oq * 3 + mlq) * 8 + h->bpos;
	}
	u32 k = 6;
	if (m->P.flags & CM_F_MIXGRP) /* the last three byte classes, hashed to 9 bits */
		sel[k++] = (((u32)h->grp & 0xffffff) * 0x9E3779B1u) >> 23;
	else if (m->P.flags & CM_F_MIX7)
		sel[k++] = (h->c4 >> 8) & 0xff;
	if (m->P.flags & CM_F_MIX8)
		sel[k++] = (h->wlen < 15 ? h->wlen : 15) << 4 | byte_class(c1) << 2 |
			   byte_class((h->c4 >> 8) & 0xff);
	if (m->P.flags & CM_F_MIX9)
		sel[k] = mlen ? 256 + m->mm.mexp : (h->c4 >> 16) & 0xff;
	/* in code, where the byte falls in its instruction selects better than the
	 * partial byte (measured: 0.9-1.2 % smaller on 1 MB of cc1's text section);
	 * in an image, the channel and the local contrast */
	if (m->dt.type != CM_TYPE_NONE) {
		if (m->P.mixers >= 2)
			sel[1] = cm_dtype_selector(&m->dt, h->bpos, 0);
		else
			sel[0] = cm_dtype_selector(&m->dt, 0, 1);
		/* in JPEG data the previous byte means nothing: the predicted value's
		 * class instead */
		if (m->P.mixers >= 3 && m->dt.type == CM_TYPE_JPEG)
			sel[2] = m->dt.jsel2;
	}
}

/* The final probability's bounds (of 65536), whichever SSE made it. */
NZ_INLINE u32 sse_clamp(u32 p16) { return p16 < 16 ? 16 : p16 > 65535 - 16 ? 65535 - 16 : p16; }

/* CM_F_SSEP's stage contexts, each written once for the lookup and the
 * prefetch: m3, the final probability's recent misses (the last bit, any of
 * the 7 before, any of the 8 before those); the match length in 4 buckets;
 * stages 1, 2, 3, 5 and 6 (rows of 2^16). */
NZ_INLINE u32 ssep_misses(u32 mi) { return (mi & 1) | ((mi & 0xfe) != 0) << 1 | ((mi & 0xff00) != 0) << 2; }
NZ_INLINE u32 ssep_mlen(u32 mlen) { return mlen == 0 ? 0 : mlen < 16 ? 1 : mlen < 32 ? 2 : 3; }
NZ_INLINE u32 ssep_ctx1(u32 bpos, u32 m3, u32 c4) { return hc3(bpos, m3 & 3, c4 & 0xffff) >> 16; }
NZ_INLINE u32 ssep_ctx2(u32 c0, u32 mexp, u32 ml2) { return hc(c0, mexp << 2 | ml2) >> 16; }
NZ_INLINE u32 ssep_ctx3(u32 c0, u32 c4, u64 grp) { return hc3(c0, c4 & 0xffff, (u32)grp & 0xff) >> 16; }
NZ_INLINE u32 ssep_ctx5(u32 c0, u32 c4) { return hc(c0, c4 & 0xffffff) >> 16; }
NZ_INLINE u32 ssep_ctx6(u32 c0, u32 c4) { return hc3(c0, c4, 1) >> 16; }

/* CM_F_SSEP: the rows of the chain's hashed stages that the next bit will read,
 * for each value of this bit (and for stage 1, whether this bit is a miss),
 * start loading now: each stage is 8.6 MB, and their rows were the chain's cost.
 * Stages 2 and 3 (the match's expected byte, the byte class) are left out at a
 * byte's end, stage 4 (the model's order, known only when the next bit is
 * mixed) always, stage 0 is small. */
NZ_INLINE void sse_paq_prefetch(const cm_model *m, const cm_apm *a, u32 mexp, u32 ml2)
{
	const cm_history *h = &m->h;
	const u32 c0 = h->c0, c4 = h->c4, bpos = h->bpos, mi = m->misses;
	for (u32 y = 0; y < 2; y++) {
		u32 n0 = c0 * 2 + y, n4 = c4, nb = bpos + 1;
		if (bpos == 7) {
			n4 = c4 << 8 | (n0 & 255);
			n0 = 1;
			nb = 0;
		} else {
			cm_apm_prefetch(&a[2], ssep_ctx2(n0, mexp, ml2));
			cm_apm_prefetch(&a[3], ssep_ctx3(n0, c4, h->grp));
		}
		cm_apm_prefetch(&a[5], ssep_ctx5(n0, n4));
		cm_apm_prefetch(&a[6], ssep_ctx6(n0, n4));
		if (bpos == 7 || y == 0) /* stage 1: by whether this bit is a miss */
			for (u32 miss = 0; miss < 2; miss++)
				cm_apm_prefetch(&a[1], ssep_ctx1(nb, ssep_misses(mi << 1 | miss), n4));
	}
}

/* CM_F_SSEP: paq8px's SSE chain for text. Four stages on the mixer's output
 * (c0 x recent misses; bit position x misses x the last 2 bytes; the match's
 * expected byte and length; c0 x the last 2 bytes x the last byte class),
 * averaged with it (A); three on the first stage's output (the match and the
 * model's order; orders 3 and 4), averaged with it (B); each of A and B through a
 * count table per bit position, and the two averaged. */
NZ_INLINE u32 sse_paq(cm_model *m, u32 pr)
{
	const cm_logistic *lg = &m->T.lg;
	const cm_history *h = &m->h;
	const u32 c0 = h->c0, c4 = h->c4, bpos = h->bpos, m3 = ssep_misses(m->misses);
	const u32 ml2 = ssep_mlen(m->mm.mlen), mexp = m->mm.mlen ? m->mm.mexp : 0;
	cm_apm *a = m->apm + CM_MAX_SSE + 2;
	u32 p0 = cm_apm_p(&a[0], lg, pr, c0 << 3 | m3);
	u32 p1 = cm_apm_p(&a[1], lg, pr, ssep_ctx1(bpos, m3, c4));
	u32 p2 = cm_apm_p(&a[2], lg, pr, ssep_ctx2(c0, mexp, ml2));
	u32 p3 = cm_apm_p(&a[3], lg, pr, ssep_ctx3(c0, c4, h->grp));
	u32 pa = ((pr << 4) + p1 + p2 + p3 + 2) >> 2;
	u32 ord = m->cmap.order < 15 ? m->cmap.order : 15;
	u32 p4 = cm_apm_p(&a[4], lg, pa >> 4, hc3(c0, mexp, ml2 << 4 | ord) >> 16);
	u32 p5 = cm_apm_p(&a[5], lg, p0 >> 4, ssep_ctx5(c0, c4));
	u32 p6 = cm_apm_p(&a[6], lg, p0 >> 4, ssep_ctx6(c0, c4));
	u32 pb = (p0 + p4 + p5 + p6 + 2) >> 2;
	u32 p16 = (cm_apm_post_p(&m->post[0], pa >> 4, bpos) + cm_apm_post_p(&m->post[1], pb >> 4, bpos) + 1) >> 1;
	sse_paq_prefetch(m, a, mexp, ml2);
	return sse_clamp(p16);
}

/* The stages' contexts (levels 1-6), each written once for the lookup and the
 * prefetch: c0 + the previous byte; c0 + the last 2 bytes; the match's
 * expected byte + c0 (hashed to 16 bits). */
NZ_INLINE u32 sse_ctx_o1(u32 c0, u32 c1) { return (c0 ^ c1 << 6) & 0x3fff; }
NZ_INLINE u32 sse_ctx_o2(u32 c0, u32 c4) { return hc(c4 & 0xffff, c0) & 0xffff; }
NZ_INLINE u32 sse_ctx_match(const cm_match *mm, u32 c0)
{
	return ((mm->mlen ? (mm->mexp << 8 | c0) : c0) * 0x9E3779B1u) >> 16;
}

/* SSE: the mixer's output refined by up to four stages (six with CM_F_SSE2),
 * averaged with it. */
NZ_INLINE u32 sse(cm_model *m, u32 pr)
{
	if (m->P.flags & CM_F_SSEP)
		return sse_paq(m, pr);
	const cm_params *p = &m->P;
	const cm_logistic *lg = &m->T.lg;
	const u32 c0 = m->h.c0, c1 = m->h.c4 & 0xff;
	u32 p16 = pr << 4;
	if (p->sse >= 1 && !(p->flags & CM_F_NOSSE0)) {
		u32 a = cm_apm_p(&m->apm[0], lg, pr, c0);
		p16 = (p16 + 3 * a) >> 2;
	}
	if (p->sse >= 2) {
		u32 a = cm_apm_p(&m->apm[1], lg, pr, cm_dtype_sse_context(&m->dt, sse_ctx_o1(c0, c1)));
		if (p->sse >= 3) {
			u32 b = cm_apm_p(&m->apm[2], lg, pr, cm_dtype_sse_context2(&m->dt, sse_ctx_o2(c0, m->h.c4)));
			a = (a + b) >> 1;
		}
		p16 = (p16 + 3 * a) >> 2;
	}
	if (p->sse >= 4) {
		u32 a = cm_apm_p(&m->apm[3], lg, pr, sse_ctx_match(&m->mm, c0));
		p16 = (p16 + a) >> 1;
	}
	if (p->flags & CM_F_SSE2) {
		u32 a = cm_apm_p(&m->apm[4], lg, pr, hc(m->h.c4 & 0xffffff, c0) >> 16);
		u32 b = cm_apm_p(&m->apm[5], lg, pr, hc(m->h.word, c0) >> 16);
		p16 = (2 * p16 + a + b) >> 2;
	}
	p16 = sse_clamp(p16);
	/* the SSE rows of the next bit (two candidates) do not fit in the caches:
	 * start loading them now (only a hint: in JPEG data the contexts differ) */
	if (p->sse >= 2) {
		for (u32 b = 0; b < 2; b++) {
			u32 n0 = c0 * 2 + b, n1 = c1, n4 = m->h.c4;
			if (m->h.bpos == 7) { /* the next bit is the next byte's first */
				n1 = n0 & 255;
				n4 = n4 << 8 | n1;
				n0 = 1;
			}
			cm_apm_prefetch(&m->apm[1], sse_ctx_o1(n0, n1));
			if (p->sse >= 3)
				cm_apm_prefetch(&m->apm[2], sse_ctx_o2(n0, n4));
			/* within a byte the match's expected byte stays (or the match ends) */
			if (p->sse >= 4 && m->h.bpos < 7)
				cm_apm_prefetch(&m->apm[3], sse_ctx_match(&m->mm, n0));
		}
	}
	return p16;
}

static u32 predict(cm_model *m)
{
	const cm_tables *T = &m->T;
	const cm_history *h = &m->h;
	s32 *x = m->mx.x;
	const u32 *ofs = m->in_ofs;

	cm_context_map_mix(&m->cmap, T, h->c0, h->c4 & 0xff, h->bpos, x + ofs[IN_CONTEXT_MAP]);
	cm_run_mix(&m->run, T, h, x + ofs[IN_RUN]);
	cm_record_mix(&m->rec, T, h, x + ofs[IN_RECORD]);
	int mbit = cm_match_mix(&m->mm, T, h, x + ofs[IN_MATCH]);
	cm_latest_mix(&m->lm, T, h, x + ofs[IN_LATEST]);
	cm_ext_mix(&m->ext, T, h, x + ofs[IN_EXT]);
	x[ofs[IN_BIAS]] = 256;
	/* Untyped, the data-type inputs are 0 and train nothing (w += 0): the
	 * mixer skips them, which gives the same sums and weights. */
	if (m->dt.type != CM_TYPE_NONE) {
		cm_dtype_mix(&m->dt, T, h, x + ofs[IN_DTYPE]);
		m->dt_written = 1;
		m->mx.nact = m->mx.nin_pad;
	} else {
		if (m->dt_written) {
			memset(x + ofs[IN_DTYPE], 0, cm_inputs[IN_DTYPE].count(&m->P) * sizeof(*x));
			m->dt_written = 0;
		}
		m->mx.nact = m->nact_untyped;
	}

	u32 sel[CM_MIXERS_ALLOC];
	mixer_contexts(m, mbit, sel);
	u32 fsel = h->c0;
	if (m->P.flags & CM_F_FMIX)
		fsel += 256 * (m->mm.mlen == 0 ? 0 : m->mm.mlen < 16 ? 1 : 2);
	m->pr12 = cm_mixer_mix(&m->mx, &T->lg, sel, fsel);
	m->pfinal = sse(m, m->pr12);
	return m->pfinal;
}

static void update(cm_model *m, int y)
{
	const cm_tables *T = &m->T;
	cm_context_map_update(&m->cmap, T, y);
	cm_match_update(&m->mm, T, y);
	cm_latest_update(&m->lm, T, y);
	cm_record_update(&m->rec, T, y);
	cm_run_update(&m->run, T, y);
	cm_ext_update(&m->ext, T, y);
	cm_dtype_update(&m->dt, T, y, m->cmap.sm_limit);
	cm_mixer_update(&m->mx, y);
	for (u32 i = 0; i < m->napm; i++)
		cm_apm_update(&m->apm[m->apm_list[i]], T, y);
	if (m->P.flags & CM_F_SSEP) {
		cm_apm_post_update(&m->post[0], y);
		cm_apm_post_update(&m->post[1], y);
		m->misses = m->misses << 1 | ((m->pfinal >> 15) != (u32)y);
	}

	/* advance */
	cm_history *h = &m->h;
	h->c0 = (h->c0 << 1) | (u32)y;
	h->bpos++;
	if (h->bpos == 8) {
		u32 c = h->c0 & 255;
		h->c0 = 1;
		h->bpos = 0;
		update_byte(m, c);
		nz_cm_context_map_set_slots_next(&m->cmap, 0);
		nz_cm_dtype_set_slots(&m->dt, h->c0);
	} else if (h->bpos == 4) {
		nz_cm_context_map_set_slots_next(&m->cmap, y);
		nz_cm_dtype_set_slots(&m->dt, h->c0);
	} else if (h->bpos == 7) {
		prefetch_next_byte(m);
	} else if (h->bpos == 3) {
		/* the next nibble's slot is one of two: start loading both lines */
		nz_cm_context_map_prefetch_nibble(&m->cmap, h->c0);
		nz_cm_dtype_prefetch_nibble(&m->dt, h->c0);
	}
}

/* ---- coding ---- */

NZ_INLINE void encode_byte(cm_model *m, nz_bitenc *enc, u32 c)
{
	for (int b = 7; b >= 0; b--) {
		int y = (c >> b) & 1;
		nz_bitenc_encode(enc, y, predict(m));
		update(m, y);
	}
}

NZ_INLINE u32 decode_byte(cm_model *m, nz_bitdec *dec)
{
	u32 c = 0;
	for (int b = 0; b < 8; b++) {
		int y = nz_bitdec_decode(dec, predict(m));
		update(m, y);
		c = (c << 1) | (u32)y;
	}
	return c;
}

int nz_cm_encode_bytes(cm_model *m, nz_bitenc *enc, const u8 *src, size_t from, size_t n,
		    const nz_job *job, u64 job_base)
{
	for (size_t i = from; i < n; i++) {
		NZ_TRY(nz_bitenc_room(enc, 8 * NZ_BITENC_MAX_PER_BIT));
		if (cm_ext_active(&m->ext))
			NZ_TRY(nz_cm_ext_begin_byte(&m->ext, src, i));
		encode_byte(m, enc, src[i]);
		if ((i & 0xffff) == 0xffff && job)
			NZ_TRY(nz_job_tick(job, job_base + i + 1, (u64)enc->out->size * 8));
	}
	return NZ_OK;
}

int nz_cm_decode_bytes(cm_model *m, nz_bitdec *dec, u8 *dst, size_t from, size_t n,
		    const nz_job *job, u64 job_base)
{
	for (size_t i = from; i < n; i++) {
		if (cm_ext_active(&m->ext))
			NZ_TRY(nz_cm_ext_begin_byte(&m->ext, dst, i));
		dst[i] = (u8)decode_byte(m, dec);
		/* Past the end of the substream: damaged data. Stop now, so a block
		 * claiming far more bytes than its payload holds costs no more time
		 * than the payload. */
		if (nz_unlikely(dec->overrun))
			return NZ_ERR_CORRUPT;
		if ((i & 0xffff) == 0xffff && job)
			NZ_TRY(nz_job_tick(job, job_base + i + 1, 0));
	}
	return NZ_OK;
}

int nz_cm_encode_byte_ext(cm_model *m, nz_bitenc *enc, u32 c, const u16 probs[256])
{
	NZ_TRY(nz_bitenc_room(enc, 8 * NZ_BITENC_MAX_PER_BIT));
	m->ext.has_ext = 1;
	nz_cm_ext_set_probs(&m->ext, probs);
	encode_byte(m, enc, c);
	return NZ_OK;
}

int nz_cm_decode_byte_ext(cm_model *m, nz_bitdec *dec, const u16 probs[256], u8 *out)
{
	m->ext.has_ext = 1;
	nz_cm_ext_set_probs(&m->ext, probs);
	*out = (u8)decode_byte(m, dec);
	return dec->overrun ? NZ_ERR_CORRUPT : NZ_OK;
}
