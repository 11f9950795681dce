/*
 * cm_model.c - the bit predictor of the context-mixing codec.
 *
 * Per bit: every context yields a bit-history state (hashed nibble slots, or
 * direct tables for orders 0-1); an adaptive state map turns each state into a
 * probability; the match model predicts the bit that followed the longest earlier
 * occurrence of the current context; the stretched probabilities are mixed by one
 * or more gated logistic mixers (weight sets chosen by small contexts), a second
 * layer combines those, and SSE stages refine the result. All integer arithmetic.
 * See docs/CM.md.
 */
#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "cm/cm_model.h"
#include "cm/cm_neural.h"
#include "coder/bit_coder.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CM_HAVE_AVX2 1
#endif

#define CM_MAXCTX 26
#define CM_MAXIN 96      /* mixer inputs, a multiple of 8 */
#define CM_SM_LIMIT 1023 /* state map count limit */
#define CM_WIN_MIN_BITS 16
#define CM_MIX_LR 8      /* layer-1 mixer learning rate (x err >> 16) */
#define CM_MIX2_LR 2     /* final mixer learning rate */
#define CM_APM_LIMIT 255 /* SSE count limit */
#define CM_MATCH_MIN 4   /* shortest verified match the match model follows */
#define CM_K24 0x1688E435u /* 0x2F0F3C95^25 mod 2^32, see mh24 */

/* ---- hashing ---- */

NZ_INLINE u32 h32(u32 x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}
NZ_INLINE u32 hc(u32 a, u32 b) { return h32(a * 0x9E3779B1u + b); }
NZ_INLINE u32 hc3(u32 a, u32 b, u32 c) { return hc(hc(a, b), c); }

/* ---- the model ---- */

typedef struct cm_apm {
	u32 *t;      /* contexts x 33 entries: 22-bit probability, 10-bit count */
	u8 *ready;   /* one bit per context: its row of t holds its values (rows
		      * are filled with the initial row on first use, so a reset
		      * clears nctx / 8 bytes instead of writing nctx * 132) */
	u32 nctx;
	u32 idx;     /* entry to update */
} cm_apm;

struct cm_model {
	cm_params P;
	/* tables made by integer code at creation */
	s16 stretch_t[4096];
	s16 squash_t[4096]; /* squash(d) for d in -2048..2047, 12-bit */
	u8 nex[256][2];
	u8 sn0[256], sn1[256];
	u32 init_sm[256];
	s32 dt[1024];

	/* context hash table: 64-byte lines of 4 slots of 16 bytes */
	u8 *ht;
	u32 ht_mask;
	u8 t0[256];
	u8 *t1;               /* order 1: 65536 states */
	u32 nctx;
	u8 ctype[CM_MAXCTX];
	u32 chash[CM_MAXCTX];
	u8 *slot[CM_MAXCTX];
	u8 *bh[CM_MAXCTX + 2]; /* current bit-history state of each context */
	u32 *sm;              /* (nctx + 2) x 256 state maps */
	u32 *smp[CM_MAXCTX + 2];
	/* run model: per context hash, chk:8 | byte:8 | count:8 */
	u32 *rt;
	u32 rt_mask;
	u32 *rp[CM_MAXCTX];
	u32 run[CM_MAXCTX];   /* byte | count << 8 (count 0: none) */
	u32 run_sm[CM_MAXCTX * 64];
	u32 *rsm[CM_MAXCTX];

	/* history */
	u8 *win;              /* the last 2^win_bits bytes */
	u32 win_mask;
	u64 pos;              /* bytes coded since reset */
	u32 c0, c4, c8, bpos;
	u32 word, word1, word2, wordc; /* word hashes, byte before current word */
	u32 col, line_start, prev_line_start;
	u32 line_first;       /* first byte of the current line */
	u32 nest;             /* innermost open bracket kinds, 4 bits each */
	u16 *ind1;            /* 256: last two bytes that followed each byte */
	u16 *ind2;            /* 65536: same after each byte pair */
	u32 *cpos;            /* 256 x 4 last positions of each byte (record detection) */
	u32 rlen, rcand, rcount, rhit, rchit;
	u32 rexp, rrun;       /* byte one record above, run of right record predictions */
	u32 *rec_sm;          /* 8 runs x 256 bytes x 8 bit positions */
	u32 *rec_e;           /* entry used at this bit, or NULL */

	/* match model */
	u32 *mt;
	u32 mt_mask;
	u32 mptr, mlen;
	u32 mh24;              /* rolling hash of the last 24 bytes */
	u32 mptr2, mlen2, mexp2, mbad2; /* second match: the latest 5-byte context */
	u32 m2_sm[32 * 256 + 256];
	u32 *m2e;
	u32 mexp;             /* expected byte when mlen > 0 */
	u32 mrec, mok, mbad;   /* after a miss: keep following (LZ's rep0), right in a row, off this byte */
	u32 match_sm[96 * 256 + 256];
	u32 *msm;

	/* mixer */
	s32 x[CM_MAXIN] __attribute__((aligned(64)));
	u32 nin, nin_pad;
	s32 (*dot)(const s32 *x, const s32 *w, u32 n);
	void (*train)(const s32 *x, s32 *w, u32 n, s32 err);
	s32 *w;               /* mixers x sets x nin_pad */
	u32 nsets[CM_MAX_MIXERS], wofs[CM_MAX_MIXERS];
	s32 *wsel[CM_MAX_MIXERS];
	s32 mdot[CM_MAX_MIXERS];
	s32 mpr[CM_MAX_MIXERS];
	s32 fw[256 * CM_MAX_MIXERS]; /* final mixer, one set per partial byte */
	s32 *fwsel;
	s32 fdot, fpr;
	u32 order;            /* contexts with a non-empty history at this bit */

	/* SSE */
	cm_apm apm[CM_MAX_SSE];
	u32 apm_row[33];      /* the initial row of every SSE context */
	u32 pr12;             /* mixer output */
	u32 pfinal;           /* 16-bit final probability */

	/* external byte predictor */
	nz_cm_ext_predictor ext;
	int has_ext;
	u32 *ext_cum;         /* 257 cumulative weights of the current byte */
	int shared;           /* a lane: the statistics belong to another model */
	u32 ext_sm[2 * 256];
	u32 ext_idx;
};

/* ---- tables ---- */

static const s16 squash33[33] = {
	1, 2, 4, 6, 10, 17, 27, 45, 74, 120, 194, 311, 488, 747, 1102, 1546,
	2048, 2550, 2994, 3349, 3608, 3785, 3902, 3976, 4022, 4051, 4069, 4079,
	4086, 4090, 4092, 4094, 4095};

static int squash_calc(int d)
{
	if (d > 2047)
		d = 2047;
	if (d < -2047)
		d = -2047;
	int w = d & 127;
	int i = (d >> 7) + 16;
	return (squash33[i] * (128 - w) + squash33[i + 1] * w + 64) >> 7;
}

NZ_INLINE int squash(const cm_model *m, int d)
{
	if (d > 2047)
		d = 2047;
	if (d < -2047)
		d = -2047;
	return m->squash_t[d + 2048];
}
NZ_INLINE int stretch(const cm_model *m, int p12) { return m->stretch_t[p12]; }

/* Bit-history states: a pair of counts (n0, n1) bounded so that at most 256 states
 * exist, and, for small totals with both counts non-zero, the last bit. States are
 * numbered by increasing total count (state 0 = no history), so the number also
 * serves as the replacement priority of a hash slot. */
static int state_ok(int n0, int n1)
{
	int a = n0 > n1 ? n0 : n1, b = n0 > n1 ? n1 : n0;
	static const int maxa[6] = {40, 36, 14, 7, 5, 0};
	return b < 5 && a <= maxa[b] && (b > 0 || a <= maxa[0]);
}

typedef struct { int n0, n1, last; } cm_st;

static int st_has_last(int n0, int n1) { return n0 > 0 && n1 > 0 && n0 + n1 < 16; }

static void build_states(cm_model *m)
{
	cm_st st[256];
	int ns = 0;
	for (int tot = 0; tot <= 80 && ns < 256; tot++)
		for (int n1 = 0; n1 <= tot; n1++) {
			int n0 = tot - n1;
			if (!state_ok(n0, n1))
				continue;
			if (st_has_last(n0, n1)) {
				st[ns++] = (cm_st){n0, n1, 0};
				st[ns++] = (cm_st){n0, n1, 1};
			} else {
				st[ns++] = (cm_st){n0, n1, n1 > 0 && n0 == 0};
			}
		}
	/* ns == 251 with the bounds above */
	for (int s = 0; s < 256; s++) {
		int i = s < ns ? s : 0;
		m->sn0[s] = (u8)st[i].n0;
		m->sn1[s] = (u8)st[i].n1;
		for (int y = 0; y < 2; y++) {
			int n0 = st[i].n0, n1 = st[i].n1;
			int *ny = y ? &n1 : &n0, *no = y ? &n0 : &n1;
			(*ny)++;
			if (*no > 2)
				*no = (*no + 3) / 2; /* forget part of the opposite evidence */
			while (!state_ok(n0, n1)) {
				if (*no > 0)
					(*no)--;
				else
					(*ny)--;
			}
			int last = st_has_last(n0, n1) ? y : (n1 > 0 && n0 == 0);
			int found = 0;
			for (int k = 0; k < ns; k++)
				if (st[k].n0 == n0 && st[k].n1 == n1 && st[k].last == last) {
					found = k;
					break;
				}
			m->nex[s][y] = (u8)found;
		}
		/* initial state-map probability (n1 + 1/2) / (n + 1), 22 bits */
		u32 p22 = (u32)(((u64)(2 * m->sn1[s] + 1) << 22) / (u64)(2 * (m->sn0[s] + m->sn1[s]) + 2));
		m->init_sm[s] = p22 << 10;
	}
}

static void build_tables(cm_model *m)
{
	for (int d = -2048; d < 2048; d++)
		m->squash_t[d + 2048] = (s16)squash_calc(d);
	int pi = 0;
	for (int x = -2047; x <= 2047; x++) {
		int v = squash_calc(x);
		for (int j = pi; j <= v; j++)
			m->stretch_t[j] = (s16)x;
		pi = v + 1;
	}
	for (int j = pi; j < 4096; j++)
		m->stretch_t[j] = 2047;
	for (int n = 0; n < 1024; n++)
		m->dt[n] = (s32)((1u << 17) / (u32)(2 * n + 3));
	build_states(m);
}

/* ---- mixer kernels ----
 * Weights are 16.16 fixed point clamped to +-CM_WMAX, inputs are stretched
 * probabilities (+-2047), so every product fits in 31 bits; the dot product sums
 * the products shifted right by 8 (integer: the same result in any order, so the
 * AVX2 kernel equals the plain one bit for bit). n is a multiple of 8 and the
 * inputs past the real ones are 0. */
#define CM_WMAX ((1 << 19) - 1)

static s32 dot_c(const s32 *x, const s32 *w, u32 n)
{
	s32 s = 0;
	for (u32 i = 0; i < n; i++)
		s += (x[i] * w[i]) >> 8;
	return s;
}

static void train_c(const s32 *x, s32 *w, u32 n, s32 err)
{
	for (u32 i = 0; i < n; i++) {
		s32 v = w[i] + ((x[i] * err + 0x8000) >> 16);
		w[i] = v > CM_WMAX ? CM_WMAX : v < -CM_WMAX ? -CM_WMAX : v;
	}
}

#ifdef CM_HAVE_AVX2
__attribute__((target("avx2"))) static s32 dot_avx2(const s32 *x, const s32 *w, u32 n)
{
	__m256i acc = _mm256_setzero_si256();
	for (u32 i = 0; i < n; i += 8) {
		__m256i a = _mm256_load_si256((const __m256i *)(x + i));
		__m256i b = _mm256_loadu_si256((const __m256i *)(w + i));
		acc = _mm256_add_epi32(acc, _mm256_srai_epi32(_mm256_mullo_epi32(a, b), 8));
	}
	__m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
	return _mm_cvtsi128_si32(s);
}

__attribute__((target("avx2"))) static void train_avx2(const s32 *x, s32 *w, u32 n, s32 err)
{
	__m256i e = _mm256_set1_epi32(err), r = _mm256_set1_epi32(0x8000);
	__m256i hi = _mm256_set1_epi32(CM_WMAX), lo = _mm256_set1_epi32(-CM_WMAX);
	for (u32 i = 0; i < n; i += 8) {
		__m256i a = _mm256_load_si256((const __m256i *)(x + i));
		__m256i b = _mm256_loadu_si256((__m256i *)(w + i));
		__m256i d = _mm256_srai_epi32(_mm256_add_epi32(_mm256_mullo_epi32(a, e), r), 16);
		b = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(b, d), lo), hi);
		_mm256_storeu_si256((__m256i *)(w + i), b);
	}
}
#endif

NZ_INLINE u32 nin_pad_of(const cm_model *m) { return m->nin_pad; }

/* ---- parameters ---- */

int cm_params_from_config(const nz_model_config *cfg, cm_params *p)
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
	/* the neural model's fields: set exactly when CM_F_EXT is */
	const int ext = (x[CM_X_FLAGS] & CM_F_EXT) != 0;
	for (int i = CM_X_FLAGS + 1; i < NZ_MODEL_EXTRA; i++)
		if (x[i] && !(ext && (i == CM_X_NNMODEL || i == CM_X_NNPRESET || i == CM_X_NNLANES)))
			return NZ_ERR_PARAM;
	if (ext && (x[CM_X_NNLANES] > CM_MAX_NNLANES || cm_neural_check(cfg)))
		return NZ_ERR_PARAM;
	p->hash_bits = (u32)x[CM_X_HASHBITS];
	p->ctx_mask = (u32)x[CM_X_CTXMASK];
	p->match_bits = (u32)x[CM_X_MATCHBITS];
	p->mixers = (u32)x[CM_X_MIXERS];
	p->sse = (u32)x[CM_X_SSE];
	p->flags = (u32)x[CM_X_FLAGS];
	p->nnlanes = ext && x[CM_X_NNLANES] > 1 ? (u32)x[CM_X_NNLANES] : 1;
	return NZ_OK;
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

u64 cm_lane_memory(const cm_params *p)
{
	const u32 mb = lane_match_bits(p);
	return sizeof(cm_model) + ((u64)1 << (mb ? mb : CM_WIN_MIN_BITS)) +
	       (mb ? (u64)1 << mb : 0) + 2 * 256 + 2 * 65536 + 4 * 256 * 4 + 257 * 4;
}

static const u32 apm_ctx_bits[CM_MAX_SSE] = {8, 14, 16, 16};

static u32 popcount32(u32 v)
{
	u32 n = 0;
	for (; v; v &= v - 1)
		n++;
	return n;
}

u64 cm_model_memory(const cm_params *p)
{
	u32 nctx = popcount32(p->ctx_mask);
	u64 b = sizeof(cm_model);
	b += (u64)1 << p->hash_bits;
	if (p->flags & CM_F_RUN)
		b += (u64)1 << (p->hash_bits - 2);
	b += 65536;                                   /* t1 */
	b += (u64)(nctx + 2) * 256 * 4;               /* state maps */
	b += (u64)1 << win_bits(p);                   /* window */
	if (p->match_bits)
		b += (u64)1 << p->match_bits;         /* match index: 2^(bits-2) u32 */
	b += 2 * 256 + 2 * 65536 + 4 * 256 * 4;       /* indirect, record */
	b += (u64)p->mixers * 256 * CM_MAXIN * 4;     /* weights (upper bound) */
	for (u32 i = 0; i < p->sse; i++)
		b += ((u64)33 << apm_ctx_bits[i]) * 4 + ((u64)1 << apm_ctx_bits[i]) / 8;
	b += 257 * 4;
	return b;
}

/* ---- creation ---- */

/* The big tables are read at random: on Linux ask for transparent huge pages
 * (2 MiB), which removes most TLB misses. Only a hint: the contents are the same. */
static void *big_alloc(size_t size)
{
	size_t align = size >= ((size_t)2 << 20) ? (size_t)2 << 20 : 64;
	size = (size + align - 1) & ~(align - 1);
	void *p = aligned_alloc(align, size);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
	if (p && align > 64)
		(void)madvise(p, size, MADV_HUGEPAGE);
#endif
	return p;
}

static void big_free(void *p) { free(p); }

static const u32 mixer_sets[CM_MAX_MIXERS] = {80, 256, 256, 256, 256, 12 * 3 * 8};

void cm_model_destroy(cm_model *m)
{
	if (!m)
		return;
	big_free(m->win);
	big_free(m->mt);
	nz_free_aligned(m->ind1);
	nz_free_aligned(m->ind2);
	nz_free_aligned(m->cpos);
	nz_free_aligned(m->ext_cum);
	if (m->shared) {
		nz_free_aligned(m);
		return;
	}
	big_free(m->ht);
	big_free(m->rt);
	nz_free_aligned(m->t1);
	nz_free_aligned(m->sm);
	nz_free_aligned(m->rec_sm);
	nz_free_aligned(m->w);
	for (int i = 0; i < CM_MAX_SSE; i++) {
		nz_free_aligned(m->apm[i].t);
		nz_free_aligned(m->apm[i].ready);
	}
	nz_free_aligned(m);
}

int cm_model_create(const cm_params *p, cm_model **out)
{
	*out = NULL;
	cm_model *m = nz_calloc_aligned(sizeof(*m));
	if (!m)
		return NZ_ERR_NOMEM;
	m->P = *p;
	build_tables(m);
	m->nctx = 0;
	for (u32 b = 0; b < CM_MAXCTX; b++)
		if (p->ctx_mask & (1u << b))
			m->ctype[m->nctx++] = (u8)b;
	m->ht_mask = (u32)(((u64)1 << (p->hash_bits - 6)) - 1);
	m->ht = big_alloc((size_t)1 << p->hash_bits);
	if (p->flags & CM_F_RUN) {
		m->rt_mask = (u32)(((u64)1 << (p->hash_bits - 4)) - 1);
		m->rt = big_alloc((size_t)1 << (p->hash_bits - 2));
		if (!m->rt) {
			cm_model_destroy(m);
			return NZ_ERR_NOMEM;
		}
	}
	m->t1 = nz_malloc_aligned(65536);
	m->sm = nz_malloc_aligned((size_t)(m->nctx + 2) * 256 * 4);
	m->win_mask = (u32)(((u64)1 << win_bits(p)) - 1);
	m->win = big_alloc((size_t)1 << win_bits(p));
	if (p->match_bits) {
		m->mt_mask = (u32)(((u64)1 << (p->match_bits - 2)) - 1);
		m->mt = big_alloc((size_t)1 << p->match_bits);
	}
	m->ind1 = nz_malloc_aligned(256 * 2);
	m->ind2 = nz_malloc_aligned(65536 * 2);
	m->cpos = nz_malloc_aligned(256 * 4 * 4);
	m->rec_sm = nz_malloc_aligned(8 * 256 * 8 * 4);
	/* mixer inputs: order 0, order 1, contexts (1 or 2 each), match (2),
	 * external (2), bias (1) */
	u32 per = (p->flags & CM_F_RICH) ? 2 : 1;
	m->nin = 2 * per + m->nctx * per + 2 + ((p->flags & CM_F_REC) ? 1 : 0) +
		 ((p->match_bits && (p->flags & CM_F_REC)) ? 1 : 0) + ((p->flags & CM_F_EXT) ? 2 : 0) + 1 + ((p->flags & CM_F_RUN) ? m->nctx : 0);
	m->nin_pad = (m->nin + 7) & ~7u;
	m->dot = dot_c;
	m->train = train_c;
#ifdef CM_HAVE_AVX2
	if (__builtin_cpu_supports("avx2")) {
		m->dot = dot_avx2;
		m->train = train_avx2;
	}
#endif
	NZ_STATIC_ASSERT(2 * 2 + CM_MAXCTX * 3 + 2 + 1 + 1 + 2 + 1 <= CM_MAXIN);
	u32 tot = 0;
	for (u32 i = 0; i < p->mixers; i++) {
		m->nsets[i] = mixer_sets[i];
		m->wofs[i] = tot;
		tot += m->nsets[i] * m->nin_pad;
	}
	m->w = nz_malloc_aligned((size_t)tot * 4);
	for (u32 i = 0; i < p->sse; i++) {
		m->apm[i].nctx = 1u << apm_ctx_bits[i];
		m->apm[i].t = nz_malloc_aligned((size_t)m->apm[i].nctx * 33 * 4);
		m->apm[i].ready = nz_malloc_aligned(m->apm[i].nctx / 8);
		if (!m->apm[i].t || !m->apm[i].ready) {
			cm_model_destroy(m);
			return NZ_ERR_NOMEM;
		}
	}
	m->ext_cum = nz_malloc_aligned(257 * 4);
	if (!m->ht || !m->t1 || !m->sm || !m->win || (p->match_bits && !m->mt) ||
	    !m->ind1 || !m->ind2 || !m->cpos || !m->rec_sm || !m->w || !m->ext_cum) {
		cm_model_destroy(m);
		return NZ_ERR_NOMEM;
	}
	cm_model_reset(m);
	*out = m;
	return NZ_OK;
}

static void set_bh(cm_model *m);

/* The statistics: what lanes share (see cm_model_create_lane). */
static void reset_shared(cm_model *m)
{
	const cm_params *p = &m->P;
	memset(m->ht, 0, (size_t)1 << p->hash_bits);
	if (m->rt)
		memset(m->rt, 0, (size_t)1 << (p->hash_bits - 2));
	memset(m->t1, 0, 65536);
	for (u32 i = 0; i < (m->nctx + 2) * 256; i++)
		m->sm[i] = m->init_sm[i & 255];
	for (u32 i = 0; i < 8 * 256 * 8; i++)
		m->rec_sm[i] = 1u << 31;
	/* layer-1 weights start at 0 */
	u32 tot = 0;
	for (u32 i = 0; i < p->mixers; i++)
		tot += m->nsets[i] * m->nin_pad;
	for (u32 i = 0; i < tot; i++)
		m->w[i] = 0;
	/* every SSE context starts with the same 33-point row, copied in when the
	 * context is first used (apm_row_of) */
	for (int j = 0; j < 33; j++)
		m->apm_row[j] = ((u32)squash_calc((j - 16) * 128) << 20) | 6;
	for (u32 i = 0; i < p->sse; i++)
		memset(m->apm[i].ready, 0, m->apm[i].nctx / 8);
}

/* The history and the small tables of one lane. */
static void reset_lane(cm_model *m)
{
	const cm_params *p = &m->P;
	for (u32 i = 0; i < CM_MAXCTX * 64; i++)
		m->run_sm[i] = 1u << 31;
	for (u32 i = 0; i < CM_MAXCTX; i++) {
		m->rp[i] = NULL;
		m->run[i] = 0;
	}
	memset(m->t0, 0, sizeof(m->t0));
	memset(m->win, 0, (size_t)m->win_mask + 1);
	if (m->mt)
		memset(m->mt, 0, (size_t)1 << p->match_bits);
	memset(m->ind1, 0, 256 * 2);
	memset(m->ind2, 0, 65536 * 2);
	memset(m->cpos, 0, 256 * 4 * 4);
	m->rlen = m->rcand = m->rcount = m->rhit = m->rchit = 0;
	m->rexp = m->rrun = 0;
	m->rec_e = NULL;
	m->pos = 0;
	m->c0 = 1;
	m->c4 = m->c8 = 0;
	m->bpos = 0;
	m->word = m->word1 = m->word2 = m->wordc = 0;
	m->col = m->line_start = m->prev_line_start = 0;
	m->line_first = m->nest = 0;
	m->mptr = m->mlen = m->mexp = 0;
	m->mrec = m->mok = m->mbad = 0;
	m->mh24 = 0;
	m->mptr2 = m->mlen2 = m->mexp2 = m->mbad2 = 0;
	for (u32 i = 0; i < 32 * 256 + 256; i++)
		m->m2_sm[i] = 1u << 31;
	for (u32 i = 0; i < 96 * 256 + 256; i++)
		m->match_sm[i] = 1u << 31;
	m->msm = m->match_sm;
	for (u32 i = 0; i < 2 * 256; i++)
		m->ext_sm[i] = 1u << 31;
	for (u32 i = 0; i < 256 * CM_MAX_MIXERS; i++)
		m->fw[i] = (s32)(65536 / p->mixers);
	memset(m->x, 0, sizeof(m->x));
	/* order 0 and 1 first, then the hashed contexts */
	for (u32 i = 0; i < m->nctx + 2; i++)
		m->smp[i] = m->sm + i * 256;
	/* look up the first slots */
	for (u32 i = 0; i < m->nctx; i++)
		m->chash[i] = hc(i, 0);
	set_bh(m);
}

void cm_model_reset(cm_model *m)
{
	if (!m->shared)
		reset_shared(m);
	reset_lane(m);
}

/* A lane: its own history, window, match index and small tables; the hash
 * tables, state maps, mixer weights and SSE of `base`. Lanes are coded one
 * byte after another, so nothing runs at once. */
int cm_model_create_lane(const cm_model *base, cm_model **out)
{
	*out = NULL;
	const cm_params *p = &base->P;
	cm_model *m = nz_malloc_aligned(sizeof(*m));
	if (!m)
		return NZ_ERR_NOMEM;
	memcpy(m, base, sizeof(*m));
	m->shared = 1;
	m->P.match_bits = lane_match_bits(p);
	m->win_mask = (u32)(((u64)1 << win_bits(&m->P)) - 1);
	m->mt_mask = m->P.match_bits ? (u32)(((u64)1 << (m->P.match_bits - 2)) - 1) : 0;
	p = &m->P;
	m->win = big_alloc((size_t)1 << win_bits(p));
	m->mt = p->match_bits ? big_alloc((size_t)1 << p->match_bits) : NULL;
	m->ind1 = nz_malloc_aligned(256 * 2);
	m->ind2 = nz_malloc_aligned(65536 * 2);
	m->cpos = nz_malloc_aligned(256 * 4 * 4);
	m->ext_cum = nz_malloc_aligned(257 * 4);
	if (!m->win || (p->match_bits && !m->mt) || !m->ind1 || !m->ind2 || !m->cpos ||
	    !m->ext_cum) {
		cm_model_destroy(m);
		return NZ_ERR_NOMEM;
	}
	reset_lane(m);
	*out = m;
	return NZ_OK;
}

void cm_model_set_ext(cm_model *m, const nz_cm_ext_predictor *ext)
{
	if (ext) {
		m->ext = *ext;
		m->has_ext = 1;
	} else {
		m->has_ext = 0;
	}
}

u64 cm_model_pos(const cm_model *m) { return m->pos; }

void cm_model_use_plain_kernels(cm_model *m)
{
	m->dot = dot_c;
	m->train = train_c;
}

/* ---- hash table ---- */

/* The 16-byte slot of hash h: checksum in byte 0, 15 bit-history states for the
 * nibble's bit tree in bytes 1..15. Four slots share a 64-byte line; on a miss the
 * slot with the lowest priority (the state of its first node) is replaced. */
NZ_INLINE u8 *ht_find(cm_model *m, u32 h)
{
	u8 chk = (u8)(h >> 24);
	u8 *line = m->ht + ((size_t)(h & m->ht_mask) << 6);
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

/* Point every context at the slot for the current nibble and bit. */
static void set_bh(cm_model *m)
{
	for (u32 i = 0; i < m->nctx; i++)
		m->slot[i] = ht_find(m, h32(m->chash[i] + m->c0 * 0x2545F491u));
}

/* ---- byte-boundary context computation ---- */

static int is_letter(u32 c) { return (c | 32) - 'a' < 26; }

/* Orders 2..7 (context kinds 0..5) from the last 8 bytes. */
NZ_INLINE u32 order_hash(u32 t, u32 c4, u32 c8)
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
NZ_INLINE u32 match_hash_long(u32 c4, u32 c8) { return hc(c4, c8); }        /* 8 bytes */
NZ_INLINE u32 match_hash_short(u32 c4, u32 c8) { return hc(c4 ^ 0x5bd1e995u, c8 & 0xff); } /* 5 */

/* One bit before the end of a byte, the byte is one of two: start loading the
 * match index entries and the first slots of the order contexts for both. */
static void prefetch_next_byte(const cm_model *m)
{
	for (u32 b = 0; b < 2; b++) {
		u32 c = ((m->c0 << 1) | b) & 255;
		u32 c4 = (m->c4 << 8) | c, c8 = (m->c8 << 8) | (m->c4 >> 24);
		if (m->mt) {
			u32 h24 = (m->mh24 + c + 1) * 0x2F0F3C95u -
				  ((u32)m->win[((u32)m->pos - 24) & m->win_mask] + 1) * CM_K24;
			__builtin_prefetch(&m->mt[h32(h24) & m->mt_mask]);
			__builtin_prefetch(&m->mt[match_hash_long(c4, c8) & m->mt_mask]);
			__builtin_prefetch(&m->mt[match_hash_short(c4, c8) & m->mt_mask]);
		}
		for (u32 i = 0; i < m->nctx && m->ctype[i] <= 5; i++) {
			u32 t = m->ctype[i];
			u32 h = hc(order_hash(t, c4, c8), t);
			__builtin_prefetch(m->ht + ((size_t)(h32(h + 1 * 0x2545F491u) & m->ht_mask) << 6));
		}
	}
}

static void update_byte(cm_model *m, u32 c)
{
	const cm_params *p = &m->P;
	u32 pos32 = (u32)m->pos;
	m->win[pos32 & m->win_mask] = (u8)c;
	m->pos++;
	pos32++;
	u32 c1old = m->c4 & 0xff, c2old = (m->c4 >> 8) & 0xff;
	m->c8 = (m->c8 << 8) | (m->c4 >> 24);
	m->c4 = (m->c4 << 8) | c;
	u32 c4 = m->c4, c8 = m->c8;

	/* indirect tables: what followed the previous byte / byte pair */
	m->ind1[c1old] = (u16)((m->ind1[c1old] << 8) | c);
	u32 i2 = (c2old << 8) | c1old;
	m->ind2[i2] = (u16)((m->ind2[i2] << 8) | c);

	/* words */
	if (is_letter(c)) {
		if (m->word == 0)
			m->wordc = c1old;
		m->word = hc(m->word, c | 32);
	} else if (m->word) {
		m->word2 = m->word1;
		m->word1 = m->word;
		m->word = 0;
	}
	/* lines and columns */
	if (c == '\n') {
		m->prev_line_start = m->line_start;
		m->line_start = pos32;
	}
	m->col = pos32 - m->line_start;
	if (m->col == 1)
		m->line_first = c;
	{ /* bracket nesting: ( [ { < and the two-sided \ and " markers */
		static const char open[] = "([{<", close[] = ")]}>";
		for (u32 q = 0; q < 4; q++) {
			if (c == (u32)open[q])
				m->nest = (m->nest << 4) | (q + 1);
			else if (c == (u32)close[q] && (m->nest & 15) == q + 1)
				m->nest >>= 4;
		}
		if (c == '\\' || c == '"') {
			u32 q = c == '"' ? 5 : 6;
			if ((m->nest & 15) == q)
				m->nest >>= 4;
			else
				m->nest = (m->nest << 4) | q;
		}
		if (c == '\n')
			m->nest = 0;
	}
	u32 above = 0;
	if (m->prev_line_start + m->col < m->line_start && m->col < 1024)
		above = m->win[(m->prev_line_start + m->col) & m->win_mask];

	/* record length: distances at which a byte recurred three times in a row are
	 * proposed as candidates; the candidate whose "byte one record above" was
	 * right more often over the last 32 bytes than the current length's replaces
	 * it. Then the byte one record above predicts the next one. */
	if ((p->flags & CM_F_REC) || (p->ctx_mask & CM_C_RECORD)) {
		u32 *cp = m->cpos + c * 4;
		u32 r = pos32 - cp[0];
		if (m->rlen)
			m->rhit = m->rhit << 1 | (m->win[(pos32 - 1 - m->rlen) & m->win_mask] == c);
		if (m->rcand)
			m->rchit = m->rchit << 1 | (m->win[(pos32 - 1 - m->rcand) & m->win_mask] == c);
		if (r > 1 && r < 4096 && r == cp[0] - cp[1] && r == cp[1] - cp[2] &&
		    r != m->rlen && r != m->rcand && pos32 > 2 * r + 32 &&
		    popcount32(m->rchit) <= popcount32(m->rhit)) {
			u32 h = 0;
			for (u32 i = 1; i <= 32; i++)
				h = h << 1 | (m->win[(pos32 - i - r) & m->win_mask] ==
					      m->win[(pos32 - i) & m->win_mask]);
			m->rcand = r;
			m->rchit = h;
		}
		if (m->rcand && popcount32(m->rchit) > popcount32(m->rhit) + 2) {
			u32 t = m->rlen, th = m->rhit;
			m->rlen = m->rcand;
			m->rhit = m->rchit;
			m->rcand = t;
			m->rchit = th;
			m->rrun = 0;
		}
		cp[2] = cp[1];
		cp[1] = cp[0];
		cp[0] = pos32;
		if (m->rlen) {
			m->rrun = c == m->rexp ? (m->rrun < 7 ? m->rrun + 1 : 7) : 0;
			m->rexp = m->win[(pos32 - m->rlen) & m->win_mask];
		}
	}

	/* match model */
	if (p->match_bits) {
		u32 hl = match_hash_long(c4, c8) & m->mt_mask;
		u32 hs = match_hash_short(c4, c8) & m->mt_mask;
		/* rolling: h = sum of byte[i] * K^(age), K^24 precomputed below */
		m->mh24 = (m->mh24 + c + 1) * 0x2F0F3C95u -
			  ((u32)m->win[(pos32 - 25) & m->win_mask] + 1) * CM_K24;
		u32 hv = h32(m->mh24) & m->mt_mask;
		if (m->mlen > 0 || m->mrec) {
			if (m->mexp == c) {
				if (m->mlen > 0 && m->mlen < 65535)
					m->mlen++;
				else if (m->mlen == 0 && m->mok < 15)
					m->mok++;
			} else {
				m->mlen = 0;
				m->mrec = 1;
				m->mok = 0;
			}
			m->mptr++;
		}
		m->mbad = 0;
		if (m->mlen == 0 && pos32 > 8) {
			/* the longer of the two candidates (verified backwards) */
			u32 best = 0, bestl = 0;
			for (int q = 0; q < 3; q++) {
				u32 cand = q == 0 ? m->mt[hv] : q == 1 ? m->mt[hl] : m->mt[hs];
				if (!cand || pos32 - cand > m->win_mask || cand == best)
					continue;
				u32 l = 0;
				while (l < 400 && l < cand &&
				       m->win[(cand - 1 - l) & m->win_mask] ==
					       m->win[(pos32 - 1 - l) & m->win_mask])
					l++;
				if (l > bestl) {
					bestl = l;
					best = cand;
				}
			}
			if (bestl >= CM_MATCH_MIN) {
				m->mlen = bestl;
				m->mptr = best;
				m->mrec = 0;
			}
		}
		/* second match model: follow the latest occurrence of the last 5 bytes
		 * when it differs from the first model's */
		if (!(p->flags & CM_F_REC)) {
		} else if (m->mlen2 > 0) {
			if (m->mexp2 == c && !m->mbad2) {
				if (m->mlen2 < 65535)
					m->mlen2++;
				m->mptr2++;
			} else {
				m->mlen2 = 0;
			}
		}
		m->mbad2 = 0;
		if (m->mlen2 == 0 && (p->flags & CM_F_REC)) {
			u32 cand = m->mt[hs];
			if (cand && pos32 - cand <= m->win_mask && cand != m->mptr &&
			    m->win[(cand - 1) & m->win_mask] == c) {
				m->mptr2 = cand;
				m->mlen2 = 1;
			}
		}
		if (m->mlen2 && pos32 - m->mptr2 > m->win_mask)
			m->mlen2 = 0;
		m->mexp2 = m->mlen2 ? m->win[m->mptr2 & m->win_mask] : 0;
		m->mt[hl] = pos32;
		m->mt[hs] = pos32;
		if (pos32 >= 24)
			m->mt[hv] = pos32;
		if (pos32 - m->mptr > m->win_mask)
			m->mlen = m->mrec = 0;
		m->mexp = (m->mlen || m->mrec) ? m->win[m->mptr & m->win_mask] : 0;
	}

	/* run model: the byte just coded follows the previous contexts */
	if (m->rt) {
		for (u32 i = 0; i < m->nctx; i++) {
			u32 *e = m->rp[i];
			if (!e)
				continue;
			u32 chk = m->chash[i] >> 24;
			if ((*e >> 24) == chk && ((*e >> 16) & 255) == c)
				*e += ((*e >> 8) & 255) < 255 ? 256 : 0;
			else if ((*e >> 24) != chk && ((*e >> 8) & 255) > 1)
				*e -= 256; /* another context owns it: age it first */
			else
				*e = chk << 24 | c << 16 | 1u << 8;
		}
	}

	/* hashed contexts */
	for (u32 i = 0; i < m->nctx; i++) {
		u32 t = m->ctype[i], h;
		switch (t) {
		case 0: case 1: case 2: case 3: case 4: case 5:
			h = order_hash(t, c4, c8);
			break;
		case 6: h = hc3(c4, c8, m->win[(pos32 - 9) & m->win_mask] |
					       (u32)m->win[(pos32 - 10) & m->win_mask] << 8); break;
		case 7: h = hc(m->word, m->word ? 0 : c); break;
		case 8: h = hc3(m->word, m->word1, m->word ? 0 : c); break;
		case 9: h = hc3(m->word, m->word2, m->word ? 0 : c); break;
		case 10: h = hc(above, m->col < 255 ? m->col : 255); break;
		case 11: h = hc(above, c); break;
		case 12: h = c4 & 0xffff00; break;
		case 13: h = c4 & 0xff00ff00; break;
		case 14: h = c4 & 0xff00ff; break;
		case 15: h = c4 & 0xff00; break;
		case 16: h = hc(c, m->ind1[c]); break;
		case 17: h = hc(c4 & 0xffff, m->ind2[c4 & 0xffff]); break;
		case 18:
			if (m->rlen)
				h = hc3(m->rlen, m->win[(pos32 - m->rlen) & m->win_mask],
					(u32)m->win[(pos32 - 2 * m->rlen) & m->win_mask] << 8 | c);
			else
				h = hc(c4 & 0xffff, 0);
			break;
		case 19: h = hc(m->word, m->wordc); break;
		case 20: h = hc(c4 & 0xff, c8 >> 16); break; /* sparse: bytes 1, 7, 8 back */
		case 21: h = hc3(m->col < 63 ? m->col : 63, m->line_first, c); break;
		case 22: h = hc3(m->col < 63 ? m->col : 63, m->line_first, c4 & 0xffff); break;
		case 23: h = hc3(m->nest & 0xff, m->word, m->word ? 0 : c); break;
		case 24:
			h = m->rlen ? hc3(m->win[(pos32 - m->rlen) & m->win_mask] |
						  (u32)m->win[(pos32 - m->rlen - 1) & m->win_mask] << 8,
					  (u32)m->win[(pos32 - m->rlen + 1) & m->win_mask], c)
				    : hc(c4 & 0xffffff, 1);
			break;
		default:
			h = m->rlen ? hc3(m->win[(pos32 - m->rlen) & m->win_mask] |
						  (u32)m->win[(pos32 - 2 * m->rlen) & m->win_mask] << 8, m->rlen,
					  pos32 % m->rlen)
				    : hc(c4 & 0xff, 2);
			break;
		}
		m->chash[i] = hc(h, t);
	}
	if (m->rt) {
		for (u32 i = 0; i < m->nctx; i++) {
			u32 *e = m->rt + (m->chash[i] & m->rt_mask);
			m->rp[i] = e;
			m->run[i] = (*e >> 24) == (m->chash[i] >> 24) ? ((*e >> 16) & 255) | (*e & 0xff00) : 0;
		}
	}
}

/* ---- per-bit prediction ---- */

NZ_INLINE u32 sm_p12(u32 t) { return t >> 20; }

NZ_INLINE void sm_update(cm_model *m, u32 *e, int y, u32 limit)
{
	u32 t = *e;
	u32 n = t & 1023;
	s64 p22 = t >> 10;
	s64 target = y ? (1 << 22) - 1 : 0;
	p22 += ((target - p22) * m->dt[n]) >> 16;
	if (n < limit)
		n++;
	*e = ((u32)p22 << 10) | n;
}

static u32 match_q(u32 len)
{
	if (len < 16)
		return len;
	len = 12 + len / 4;
	return len > 31 ? 31 : len;
}

/* Context ctx's row of a, holding its values (the initial row on first use). */
NZ_INLINE u32 *apm_row_of(const cm_model *m, cm_apm *a, u32 ctx)
{
	u32 *r = a->t + (size_t)ctx * 33;
	if (!(a->ready[ctx >> 3] & (1u << (ctx & 7)))) {
		memcpy(r, m->apm_row, sizeof(m->apm_row));
		a->ready[ctx >> 3] |= (u8)(1u << (ctx & 7));
	}
	return r;
}

NZ_INLINE u32 apm_p(cm_model *m, cm_apm *a, u32 pr12, u32 ctx)
{
	int s = stretch(m, (int)pr12) + 2048;
	int lo = s >> 7, w = s & 127;
	(void)apm_row_of(m, a, ctx);
	u32 idx = ctx * 33 + (u32)lo;
	a->idx = idx + (w >> 6);
	return (u32)(((u64)(a->t[idx] >> 10) * (u32)(128 - w) + (u64)(a->t[idx + 1] >> 10) * (u32)w) >> 13);
}

NZ_INLINE void apm_update(cm_model *m, cm_apm *a, int y, u32 limit)
{
	sm_update(m, &a->t[a->idx], y, limit);
}

static u32 predict(cm_model *m)
{
	const cm_params *p = &m->P;
	s32 *x = m->x;
	u32 k = 0;
	int rich = (p->flags & CM_F_RICH) != 0;
	u32 c0 = m->c0, bp = m->bpos & 3;
	u32 j = (1u << bp) | (c0 & ((1u << bp) - 1));
	u32 order = 0;

	m->bh[0] = &m->t0[c0];
	m->bh[1] = &m->t1[((m->c4 & 0xff) << 8) | c0];
	for (u32 i = 0; i < m->nctx; i++)
		m->bh[i + 2] = m->slot[i] + j;
	u32 n = m->nctx + 2;
	for (u32 i = 0; i < n; i++) {
		u32 s = *m->bh[i];
		u32 *e = m->smp[i] + s;
		int pr = (int)sm_p12(*e);
		int st = stretch(m, pr);
		x[k++] = (s16)st;
		if (rich) {
			if (s == 0)
				x[k++] = 0;
			else if (m->sn0[s] == 0 || m->sn1[s] == 0)
				x[k++] = (s16)(st / 2 + (st > 0 ? 256 : -256));
			else
				x[k++] = (s16)((pr - 2048) >> 2);
		}
		order += s != 0;
	}
	/* run model */
	if (m->rt) {
		for (u32 i = 0; i < m->nctx; i++) {
			u32 r = m->run[i];
			m->rsm[i] = NULL;
			if (r >> 8 && ((r & 255) | 256) >> (8 - m->bpos) == c0) {
				u32 b = (r >> (7 - m->bpos)) & 1, cnt = r >> 8;
				u32 q = cnt < 16 ? cnt : cnt < 32 ? 16 + (cnt - 16) / 4 : cnt < 64 ? 20 + (cnt - 32) / 8 : 24 + (cnt >= 128) ;
				m->rsm[i] = &m->run_sm[i * 64 + q * 2 + b];
				x[k++] = (s16)stretch(m, (int)sm_p12(*m->rsm[i]));
			} else {
				x[k++] = 0;
			}
		}
	}
	/* record model: the byte one record above */
	m->rec_e = NULL;
	if (!(p->flags & CM_F_REC)) {
	} else if (m->rlen && ((m->rexp | 256) >> (8 - m->bpos)) == c0) {
		m->rec_e = &m->rec_sm[((m->rrun << 8 | m->rexp) << 3) | m->bpos];
		x[k++] = (s16)stretch(m, (int)sm_p12(*m->rec_e));
	} else {
		x[k++] = 0;
	}
	/* match model */
	u32 mi;
	int mbit = 0;
	if (m->mlen > 0) {
		u32 expect = (m->mexp | 256) >> (8 - m->bpos);
		if (expect == c0) {
			mbit = (m->mexp >> (7 - m->bpos)) & 1;
			mi = (match_q(m->mlen) * 2 + (u32)mbit) << 8 | (m->c4 & 0xff);
		} else {
			m->mlen = 0;
			m->mbad = 1;
			mi = 96 * 256 + c0;
		}
	} else if (m->mrec && !m->mbad && ((m->mexp | 256) >> (8 - m->bpos)) == c0) {
		int b = (m->mexp >> (7 - m->bpos)) & 1;
		mi = ((32 + m->mok) * 2 + (u32)b) << 8 | (m->c4 & 0xff);
	} else {
		m->mbad = 1;
		mi = 96 * 256 + c0;
	}
	m->msm = m->match_sm + mi;
	if (p->match_bits && (p->flags & CM_F_REC)) {
		u32 i2;
		if (m->mlen2 && !m->mbad2 && ((m->mexp2 | 256) >> (8 - m->bpos)) == c0) {
			u32 b2 = (m->mexp2 >> (7 - m->bpos)) & 1;
			i2 = ((m->mlen2 < 15 ? m->mlen2 : 15) * 2 + b2) << 8 | (m->c4 & 0xff);
		} else {
			m->mbad2 = m->mlen2 != 0;
			i2 = 32 * 256 + c0;
		}
		m->m2e = &m->m2_sm[i2];
		x[k++] = (s16)stretch(m, (int)sm_p12(*m->m2e));
	}
	{
		int st = stretch(m, (int)sm_p12(*m->msm));
		x[k++] = (s16)st;
		if (m->mlen > 0) {
			int conf = (int)(m->mlen < 32 ? m->mlen : 32) * 32;
			x[k++] = (s16)(mbit ? conf : -conf);
		} else {
			x[k++] = 0;
		}
	}
	/* external predictor */
	if (m->has_ext && (p->flags & CM_F_EXT)) {
		u32 lo = c0 << (8 - m->bpos) & 255;
		u32 half = 1u << (7 - m->bpos);
		u32 n0 = m->ext_cum[lo + half] - m->ext_cum[lo];
		u32 n1 = m->ext_cum[lo + 2 * half] - m->ext_cum[lo + half];
		u32 pr = (u32)(((u64)n1 * 4096 + 2048) / ((u64)n0 + n1 + 1));
		if (pr < 1)
			pr = 1;
		if (pr > 4095)
			pr = 4095;
		x[k++] = (s16)stretch(m, (int)pr);
		m->ext_idx = (pr >> 4) + (m->bpos == 0 ? 256 : 0);
		x[k++] = (s16)stretch(m, (int)sm_p12(m->ext_sm[m->ext_idx]));
	} else if (p->flags & CM_F_EXT) {
		x[k++] = 0;
		x[k++] = 0;
	}
	x[k++] = 256; /* bias */
	m->order = order;

	/* mixers */
	u32 c1 = m->c4 & 0xff;
	u32 mlq = m->mlen == 0 ? 0 : m->mlen < 16 ? 1 : 2;
	u32 oq = order - 2 > 11 ? 11 : order - 2;
	if (order < 2)
		oq = 0;
	u32 sel[CM_MAX_MIXERS];
	{
		u32 o = 0;
		if (m->mlen == 0) {
			for (u32 i = 2; i < 6 && i < n; i++)
				o += *m->bh[i] != 0;
		} else {
			o = 5 + (m->mlen >= 8) + (m->mlen >= 12) + (m->mlen >= 16) + (m->mlen >= 32);
		}
		sel[0] = o + 10 * (c1 >> 5);
	}
	sel[1] = c0;
	sel[2] = c1;
	sel[3] = (m->mlen ? (match_q(m->mlen) >> 2) + 1 : 0) * 16 + (u32)mbit * 8 + m->bpos;
	sel[4] = (m->col < 15 ? m->col : 15) << 4 | (m->nest & 15);
	sel[5] = (oq * 3 + mlq) * 8 + m->bpos;
	u32 nm = p->mixers;
	u32 np = m->nin_pad;
	for (u32 i = 0; i < nm; i++) {
		s32 *w = m->w + m->wofs[i] + sel[i] * np;
		m->wsel[i] = w;
		s32 d = m->dot(x, w, np) >> 8;
		if (d > 2047)
			d = 2047;
		if (d < -2047)
			d = -2047;
		m->mdot[i] = d;
		m->mpr[i] = squash(m, d);
	}
	u32 pr;
	if (nm == 1) {
		pr = (u32)m->mpr[0];
	} else {
		s32 *fw = m->fw + c0 * CM_MAX_MIXERS;
		m->fwsel = fw;
		s64 dot = 0;
		for (u32 i = 0; i < nm; i++)
			dot += (s64)m->mdot[i] * fw[i];
		s32 d = (s32)(dot >> 16);
		if (d > 2047)
			d = 2047;
		if (d < -2047)
			d = -2047;
		m->fdot = d;
		m->fpr = squash(m, d);
		pr = (u32)m->fpr;
	}
	m->pr12 = pr;

	/* SSE */
	u32 p16 = pr << 4;
	if (p->sse >= 1) {
		u32 a = apm_p(m, &m->apm[0], pr, c0);
		p16 = (p16 + 3 * a) >> 2;
	}
	if (p->sse >= 2) {
		u32 a = apm_p(m, &m->apm[1], pr, (c0 ^ c1 << 6) & 0x3fff);
		if (p->sse >= 3) {
			u32 b = apm_p(m, &m->apm[2], pr, hc(m->c4 & 0xffff, c0) & 0xffff);
			a = (a + b) >> 1;
		}
		p16 = (p16 + 3 * a) >> 2;
	}
	if (p->sse >= 4) {
		u32 ctx = m->mlen ? (m->mexp << 8 | c0) : c0;
		u32 a = apm_p(m, &m->apm[3], pr, (ctx * 0x9E3779B1u) >> 16);
		p16 = (p16 + a) >> 1;
	}
	if (p16 < 16)
		p16 = 16;
	if (p16 > 65535 - 16)
		p16 = 65535 - 16;
	m->pfinal = p16;
	/* the SSE rows of the next bit (two candidates) do not fit in the caches:
	 * start loading them now */
	if (p->sse >= 2 && m->bpos < 7) {
		for (u32 b = 0; b < 2; b++) {
			u32 n0 = c0 * 2 + b;
			const u32 *r = m->apm[1].t + ((n0 ^ c1 << 6) & 0x3fff) * 33;
			__builtin_prefetch(r);
			__builtin_prefetch(r + 16);
			__builtin_prefetch(r + 32);
			if (p->sse >= 3) {
				r = m->apm[2].t + (hc(m->c4 & 0xffff, n0) & 0xffff) * 33;
				__builtin_prefetch(r);
				__builtin_prefetch(r + 16);
				__builtin_prefetch(r + 32);
			}
		}
	}
	return p16;
}

static void update(cm_model *m, int y)
{
	const cm_params *p = &m->P;
	u32 n = m->nctx + 2;
	/* state maps and bit histories */
	for (u32 i = 0; i < n; i++) {
		u8 *b = m->bh[i];
		sm_update(m, m->smp[i] + *b, y, CM_SM_LIMIT);
		*b = m->nex[*b][y];
	}
	sm_update(m, m->msm, y, 1023);
	if (p->match_bits && (p->flags & CM_F_REC))
		sm_update(m, m->m2e, y, 1023);
	if (m->rec_e)
		sm_update(m, m->rec_e, y, 255);
	if (m->rt)
		for (u32 i = 0; i < m->nctx; i++)
			if (m->rsm[i])
				sm_update(m, m->rsm[i], y, 1023);
	if (m->has_ext && (p->flags & CM_F_EXT))
		sm_update(m, &m->ext_sm[m->ext_idx], y, 1023);
	/* mixers */
	u32 nm = p->mixers;
	const s32 *x = m->x;
	for (u32 i = 0; i < nm; i++) {
		s32 err = ((y << 12) - m->mpr[i]) * CM_MIX_LR;
		s32 *w = m->wsel[i];
		m->train(x, w, nin_pad_of(m), err);
	}
	if (nm > 1) {
		s32 err = ((y << 12) - m->fpr) * CM_MIX2_LR;
		s32 *fw = m->fwsel;
		for (u32 i = 0; i < nm; i++)
			fw[i] += (m->mdot[i] * err + (1 << 13)) >> 14;
	}
	for (u32 i = 0; i < p->sse; i++)
		apm_update(m, &m->apm[i], y, CM_APM_LIMIT);

	/* advance */
	m->c0 = (m->c0 << 1) | (u32)y;
	m->bpos++;
	if (m->bpos == 8) {
		u32 c = m->c0 & 255;
		update_byte(m, c);
		m->c0 = 1;
		m->bpos = 0;
		set_bh(m);
	} else if (m->bpos == 4) {
		set_bh(m);
	} else if (m->bpos == 7) {
		prefetch_next_byte(m);
	} else if (m->bpos == 3) {
		/* the next nibble's slot is one of two: start loading both lines */
		for (u32 i = 0; i < m->nctx; i++) {
			u32 c = m->c0 << 1;
			__builtin_prefetch(m->ht + ((size_t)(h32(m->chash[i] + c * 0x2545F491u) & m->ht_mask) << 6));
			__builtin_prefetch(m->ht + ((size_t)(h32(m->chash[i] + (c + 1) * 0x2545F491u) & m->ht_mask) << 6));
		}
	}
}

static void set_ext_cum(cm_model *m, const u16 probs[256])
{
	m->ext_cum[0] = 0;
	for (int i = 0; i < 256; i++)
		m->ext_cum[i + 1] = m->ext_cum[i] + probs[i] + 1;
}

static int ext_begin_byte(cm_model *m, const u8 *hist, size_t n)
{
	u16 probs[256];
	NZ_TRY(m->ext.predict(m->ext.opaque, hist, n, probs));
	set_ext_cum(m, probs);
	return NZ_OK;
}

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

int cm_encode_bytes(cm_model *m, nz_bitenc *enc, const u8 *src, size_t n,
		    const nz_job *job, u64 job_base)
{
	for (size_t i = 0; i < n; i++) {
		NZ_TRY(nz_bitenc_room(enc, 8 * NZ_BITENC_MAX_PER_BIT));
		if (m->has_ext && (m->P.flags & CM_F_EXT))
			NZ_TRY(ext_begin_byte(m, src, i));
		encode_byte(m, enc, src[i]);
		if ((i & 0xffff) == 0xffff && job)
			NZ_TRY(nz_job_tick(job, job_base + i + 1, (u64)enc->out->size * 8));
	}
	return NZ_OK;
}

int cm_decode_bytes(cm_model *m, nz_bitdec *dec, u8 *dst, size_t n,
		    const nz_job *job, u64 job_base)
{
	for (size_t i = 0; i < n; i++) {
		if (m->has_ext && (m->P.flags & CM_F_EXT))
			NZ_TRY(ext_begin_byte(m, dst, i));
		dst[i] = (u8)decode_byte(m, dec);
		if (nz_unlikely(dec->overrun))
			return NZ_ERR_TRUNCATED;
		if ((i & 0xffff) == 0xffff && job)
			NZ_TRY(nz_job_tick(job, job_base + i + 1, 0));
	}
	return NZ_OK;
}

int cm_encode_byte_ext(cm_model *m, nz_bitenc *enc, u32 c, const u16 probs[256])
{
	NZ_TRY(nz_bitenc_room(enc, 8 * NZ_BITENC_MAX_PER_BIT));
	m->has_ext = 1;
	set_ext_cum(m, probs);
	encode_byte(m, enc, c);
	return NZ_OK;
}

int cm_decode_byte_ext(cm_model *m, nz_bitdec *dec, const u16 probs[256], u8 *out)
{
	m->has_ext = 1;
	set_ext_cum(m, probs);
	*out = (u8)decode_byte(m, dec);
	return dec->overrun ? NZ_ERR_TRUNCATED : NZ_OK;
}
