/*
 * fuzz_roundtrip.c - libFuzzer target: compress bytes with a small model chosen
 * by the input's first bytes, twice (one thread, then two: the output must be the
 * same bytes, threads never change it), then decompress and compare.
 *
 * Input: byte 0 bits 0-1 the block log 10 + (0..2) (3 reads as 2), bits 2-4
 * substreams 1..8 (as many as the model can code), bit 5 streaming compression
 * in chunks instead of one call (content size unknown then); bytes 1..10 the
 * model (fuzz_common.h, fz_config); the rest is the data, cut to a few blocks of
 * the model's budget (two budgets) so one input stays fast.
 */
#include "fuzz_common.h"
#include "nzip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RT_PREFIX (1 + FZ_CONFIG_BYTES)

/* Compress src into a malloc'd buffer; returns its size (aborts on failure: any
 * valid config must compress any input). */
static size_t compress(const nz_model_config *cfg, const nz_params *p, const u8 *src,
		       size_t n, int stream, u8 **out)
{
	nz_params q = *p;
	q.content_size = stream ? NZ_CONTENT_SIZE_UNKNOWN : n;
	nz_cctx *c;
	if (nz_cctx_create_config(&c, &q, cfg) != NZ_OK)
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
	nz_cctx_free(c);
	*out = dst;
	return o.pos;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < RT_PREFIX)
		return 0;
	fz_in in = {data + 1, FZ_CONFIG_BYTES};
	nz_model_config cfg;
	size_t budget;
	if (fz_config(&in, &cfg, &budget))
		return 0;
	const u32 bl = data[0] & 3;
	nz_params p;
	nz_params_init(&p, 1);
	p.block_size = 1u << (NZ_BLOCK_LOG_MIN + (bl > 2 ? 2 : bl));
	p.substreams = 1 + ((data[0] >> 2) & 7);
	p.threads = 1;
	const int stream = (data[0] >> 5) & 1;
	if (cfg.coding == NZ_CODING_STORED)
		p.substreams = 1;
	else if (cfg.coding == NZ_CODING_BITS && p.substreams > 3)
		p.substreams = 1 + p.substreams % 3;
	data += RT_PREFIX;
	size -= RT_PREFIX;
	if (size > 2 * budget)
		size = 2 * budget;

	u8 *c1, *c2;
	const size_t n1 = compress(&cfg, &p, data, size, stream, &c1);
	p.threads = 2;
	const size_t n2 = compress(&cfg, &p, data, size, stream, &c2);
	if (n1 != n2 || memcmp(c1, c2, n1) != 0)
		abort(); /* not deterministic */
	u8 *back = malloc(size + 1);
	size_t dsize;
	nz_dparams dp;
	nz_dparams_init(&dp);
	dp.threads = 1;
	if (!back || nz_decompress(back, size + 1, &dsize, c1, n1, &dp) != NZ_OK)
		abort();
	if (dsize != size || memcmp(back, data, size) != 0)
		abort();
	free(c1);
	free(c2);
	free(back);
	return 0;
}
