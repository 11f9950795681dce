/*
 * fuzz_roundtrip.c - libFuzzer target: compress bytes with a small model chosen
 * by the input's first bytes, twice (one thread, then two: the output must be the
 * same bytes, threads never change it), then decompress and compare.
 *
 * Input: byte 0 bits 0-1 the block log 10 + (0..2) (3 reads as 2), bits 2-4
 * substreams 1..8 (as many as the model can code), bit 5 streaming compression
 * in chunks instead of one call (content size unknown then), bits 6-7 both set:
 * the two-thread compression uses a new context instead of the kept one; bytes
 * 1..10 the model (fuzz_common.h, fz_config); the rest is the data, cut to half
 * the model's budget (store: two, which span two blocks) so one input stays fast.
 *
 * The contexts (and so their models) of the last 16 configurations are kept
 * from one input to the next, as a program compressing many inputs
 * would keep them (nz_cctx_reset, nz_cctx_set_content_size; a decompression
 * context starts each frame by itself): a new model costs milliseconds under
 * ASan, a frame of a kept one a reset. The output of a kept context must be the
 * bytes of a new one, which the inputs with bits 6-7 set check.
 */
#include "fuzz_common.h"
#include "nzip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

#define RT_PREFIX (1 + FZ_CONFIG_BYTES)

/* Mostly the data: a new configuration costs three new models. */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	return fz_mutate_after(data, size, max_size, seed, RT_PREFIX);
}

/* One frame of src through c (reset to a frame of content size n, or unknown when
 * streaming) into a malloc'd buffer; returns its size (aborts on failure: any
 * valid config must compress any input). */
static size_t compress(nz_cctx *c, const u8 *src, size_t n, int stream, u8 **out)
{
	if (nz_cctx_reset(c) != NZ_OK ||
	    nz_cctx_set_content_size(c, stream ? NZ_CONTENT_SIZE_UNKNOWN : n) != NZ_OK)
		abort();
	const size_t cap = nz_compress_bound(n);
	u8 *dst = malloc(cap);
	if (!dst)
		abort();
	nz_outbuf o = {dst, cap, 0};
	size_t pending = 0;
	if (stream) { /* uneven chunks: 1, 2, 3, ... bytes, then finish */
		nz_inbuf in = {src, 0, 0};
		for (size_t step = 1; in.size < n; step++) {
			in.size = in.size + step < n ? in.size + step : n;
			if (nz_compress_stream(c, &o, &in, 0, &pending) != NZ_OK)
				abort();
		}
		if (nz_compress_stream(c, &o, &in, 1, &pending) != NZ_OK || pending)
			abort();
	} else {
		nz_inbuf in = {src, n, 0};
		if (nz_compress_stream(c, &o, &in, 1, &pending) != NZ_OK || pending)
			abort();
	}
	*out = dst;
	return o.pos;
}

static nz_cctx *new_cctx(const nz_model_config *cfg, const nz_params *p, u32 threads)
{
	nz_params q = *p;
	q.threads = threads;
	nz_cctx *c;
	if (nz_cctx_create_config(&c, &q, cfg) != NZ_OK)
		abort();
	return c;
}

/* The contexts of recent inputs, and what they were made for: libFuzzer takes
 * a few mutations of one corpus input, then another input, so the last 16
 * configurations are kept, least recently used first out. */
#define KEPT_SETS 16
typedef struct kept_set {
	nz_model_config cfg;
	size_t block_size;
	u32 substreams;
	unsigned long used;     /* input count at the last use; 0: empty */
	nz_cctx *one, *two;     /* 1 and 2 threads */
	nz_dctx *d;
} kept_set;

static kept_set *keep_contexts(const nz_model_config *cfg, const nz_params *p)
{
	static kept_set sets[KEPT_SETS];
	static unsigned long inputs;
	kept_set *k = &sets[0];
	inputs++;
	for (int i = 0; i < KEPT_SETS; i++) {
		kept_set *s = &sets[i];
		if (s->used && nz_model_config_equal(&s->cfg, cfg) &&
		    s->block_size == p->block_size && s->substreams == p->substreams) {
			s->used = inputs;
			return s;
		}
		if (s->used < k->used)
			k = s; /* empty or least recently used */
	}
	nz_cctx_free(k->one);
	nz_cctx_free(k->two);
	nz_dctx_free(k->d);
	k->cfg = *cfg;
	k->block_size = p->block_size;
	k->substreams = p->substreams;
	k->used = inputs;
	k->one = new_cctx(cfg, p, 1);
	k->two = new_cctx(cfg, p, 2);
	nz_dparams dp;
	nz_dparams_init(&dp);
	dp.threads = 1;
	if (nz_dctx_create(&k->d, &dp) != NZ_OK)
		abort();
	return k;
}

/* Decode one whole frame with a kept context: exactly src back. */
static void expect_decoded(nz_dctx *d, const u8 *comp, size_t csize, const u8 *src, size_t n)
{
	u8 *back = malloc(n + 1);
	if (!back)
		abort();
	nz_outbuf o = {back, n + 1, 0};
	nz_inbuf in = {comp, csize, 0};
	int done = 0;
	while (!done) {
		const size_t before = in.pos, got = o.pos;
		if (nz_decompress_stream(d, &o, &in, &done) != NZ_OK)
			abort();
		if (!done && in.pos == before && o.pos == got)
			abort(); /* stuck before the frame's end */
	}
	if (in.pos != csize || o.pos != n || memcmp(back, src, n) != 0)
		abort();
	free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < RT_PREFIX)
		return 0;
	nz_model_config cfg;
	size_t budget;
	if (fz_config_after_flag(data, &cfg, &budget))
		return 0;
	nz_params p;
	nz_params_init(&p, 1);
	p.block_size = 1u << fz_block_log(data[0] & 3);
	p.substreams = 1 + ((data[0] >> 2) & 7);
	p.threads = 1;
	const int stream = (data[0] >> 5) & 1;
	const int fresh = (data[0] & 0xC0) == 0xC0;
	if (cfg.coding == NZ_CODING_STORED)
		p.substreams = 1;
	else if (cfg.coding == NZ_CODING_BITS && p.substreams > 3)
		p.substreams = 1 + p.substreams % 3;
	data += RT_PREFIX;
	size -= RT_PREFIX;
	/* Half a budget of data, coded three times (two compressions, one
	 * decoding): about the model work of one input of a decoder target. The
	 * decoder targets reach the states only longer data gets to (they decode
	 * a budget, and fuzz_cm_decode a second block on the same state). Store's
	 * budget, twice over, spans blocks. */
	if (cfg.coding == NZ_CODING_STORED)
		budget *= 2;
	else
		budget = (budget + 1) / 2;
	if (size > budget)
		size = budget;

	kept_set *k = keep_contexts(&cfg, &p);
	u8 *c1, *c2;
	const size_t n1 = compress(k->one, data, size, stream, &c1);
	nz_cctx *c = fresh ? new_cctx(&cfg, &p, 2) : k->two;
	const size_t n2 = compress(c, data, size, stream, &c2);
	if (fresh)
		nz_cctx_free(c);
	if (n1 != n2 || memcmp(c1, c2, n1) != 0)
		abort(); /* not deterministic, or a kept context remembered something */
	expect_decoded(k->d, c1, n1, data, size);
	free(c1);
	free(c2);
	return 0;
}
