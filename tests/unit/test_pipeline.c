/*
 * test_pipeline.c - the pipelined lane driver writes exactly the bytes of the
 * serial reference ($NZIP_LANES=serial), for every byte model's smallest preset,
 * several substream counts K and thread counts, across several blocks (the second
 * continuing the first's model state), and each side decodes the other's output.
 * Also: a corrupted multi-substream block decoded in parallel fails cleanly, and
 * the stage counters are filled.
 */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include "nzip.h"
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

static void set_driver(int serial)
{
	if (serial)
		setenv("NZIP_LANES", "serial", 1);
	else
		unsetenv("NZIP_LANES");
}

static uint8_t *compress(const char *model, const uint8_t *src, size_t n, uint32_t k,
			 uint32_t threads, int serial, size_t *out_n, nz_stage_stats *st)
{
	set_driver(serial);
	nz_params p;
	nz_params_init(&p, 6);
	REQUIRE(nz_params_set_model(&p, model) == NZ_OK);
	p.substreams = k;
	p.threads = threads;
	p.block_size = 16384; /* several blocks: the later ones keep the model state */
	nz_cctx *c;
	REQUIRE(nz_cctx_create(&c, &p) == NZ_OK);
	size_t cap = nz_compress_bound(n);
	uint8_t *dst = malloc(cap);
	REQUIRE(dst);
	nz_outbuf out = {dst, cap, 0};
	nz_inbuf in = {src, n, 0};
	size_t pending = 0;
	REQUIRE(nz_compress_stream(c, &out, &in, 1, &pending) == NZ_OK && pending == 0);
	if (st)
		CHECK(nz_cctx_stats(c, st) == NZ_OK);
	nz_cctx_free(c);
	*out_n = out.pos;
	return dst;
}

static int decompress(const uint8_t *src, size_t n, uint8_t *dst, size_t cap, uint32_t threads,
		      int serial, size_t *out_n, nz_stage_stats *st)
{
	set_driver(serial);
	nz_dparams dp;
	nz_dparams_init(&dp);
	dp.threads = threads;
	nz_dctx *d;
	REQUIRE(nz_dctx_create(&d, &dp) == NZ_OK);
	nz_outbuf out = {dst, cap, 0};
	nz_inbuf in = {src, n, 0};
	int done = 0;
	int rc = nz_decompress_stream(d, &out, &in, &done);
	if (rc == NZ_OK && !done)
		rc = NZ_ERR_TRUNCATED;
	if (st)
		CHECK(nz_dctx_stats(d, st) == NZ_OK);
	nz_dctx_free(d);
	*out_n = out.pos;
	return rc;
}

int main(int argc, char **argv)
{
	/* argv: a subset of the models (for slow sanitizer builds) */
	static const char *const all[] = {"order2", "edpc-tiny", "pac-tiny", "trace-tiny",
					  "sep-tiny"};
	const char *const *models = argc > 1 ? (const char *const *)argv + 1 : all;
	const size_t n_models = argc > 1 ? (size_t)argc - 1 : sizeof(all) / sizeof(all[0]);
	static const uint32_t ks[] = {1, 2, 3};
	static const uint32_t threads[] = {1, 2, 3};
	/* 40000 bytes: three blocks of 16 KiB, the last one short, and lane counts
	 * that leave a shorter last lane and several ring halves per block. */
	const size_t n = 40000;
	uint8_t *src = malloc(n), *back = malloc(n);
	REQUIRE(src && back);
	nz_test_fill(src, n, 1, 7);

	for (size_t m = 0; m < n_models; m++)
		for (size_t ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++) {
			size_t ref_n;
			uint8_t *ref = compress(models[m], src, n, ks[ki], 1, 1, &ref_n, NULL);
			for (size_t ti = 0; ti < sizeof(threads) / sizeof(threads[0]); ti++) {
				const uint32_t t = threads[ti];
				size_t got_n, back_n;
				nz_stage_stats cs, ds;
				uint8_t *got = compress(models[m], src, n, ks[ki], t, 0, &got_n, &cs);
				const int same = got_n == ref_n && memcmp(got, ref, ref_n) == 0;
				if (!same)
					fprintf(stderr, "%s K=%u T=%u: pipeline differs from serial\n",
						models[m], ks[ki], t);
				CHECK(same);
				CHECK(cs.bytes == n && cs.steps > 0 && cs.forward_ns > 0 &&
				      cs.quantise_ns > 0 && cs.code_ns > 0 && cs.total_ns > 0);
				/* the pipelined decoder reads the serial encoder's bytes ... */
				memset(back, 0, n);
				CHECK(decompress(ref, ref_n, back, n, t, 0, &back_n, &ds) == NZ_OK);
				CHECK(back_n == n && memcmp(back, src, n) == 0);
				CHECK(ds.bytes == n && ds.steps == cs.steps && ds.code_ns > 0);
				/* ... and the serial decoder the pipelined encoder's */
				memset(back, 0, n);
				CHECK(decompress(got, got_n, back, n, t, 1, &back_n, NULL) == NZ_OK);
				CHECK(back_n == n && memcmp(back, src, n) == 0);
				free(got);
			}
			free(ref);
		}

	/* Hostile input: damage the payload of a K=3 stream; the substreams decoded in
	 * parallel must fail with a code (the overrun check or the checksum). */
	size_t z_n;
	uint8_t *z = compress("edpc-tiny", src, n, 3, 1, 1, &z_n, NULL);
	for (int trial = 0; trial < 8; trial++) {
		uint8_t *bad = malloc(z_n);
		REQUIRE(bad);
		memcpy(bad, z, z_n);
		nz_test_rng r = {(uint64_t)trial + 1};
		for (int f = 0; f < 16; f++)
			bad[32 + nz_test_next(&r) % (z_n - 64)] ^= (uint8_t)(1 + nz_test_next(&r) % 255);
		size_t back_n;
		CHECK(decompress(bad, z_n, back, n, 2, 0, &back_n, NULL) != NZ_OK);
		free(bad);
	}
	free(z);
	unsetenv("NZIP_LANES");
	free(src);
	free(back);
	return nz_test_finish("test_pipeline");
}
