/*
 * test_seed_models.c - the neural seed models through the public API, on tiny presets
 * so the whole file runs in seconds:
 *   - round trips: sizes around the lane count (tails, fewer bytes than lanes),
 *     several blocks (keep_state), streaming with an unknown size, substreams;
 *   - bit-exact decoding across backends and thread counts: compress under one
 *     backend (NZIP_BACKEND) and thread count, decompress under every other;
 *   - golden vectors: a fixed input's compressed size and XXH64 per model, equal
 *     on every backend (the decoder's promise; a change of numerics changes them);
 *   - learning: on English text each model beats 8 bits per byte clearly and its
 *     second half codes smaller than its first;
 *   - header checks: every preset validates, bad values are refused.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>

#include "codec/registry.h"
#include "common/common.h"
#include "model/model_config.h"
#include "nn/nn.h"
#include "nzip.h"
#include "test_util.h"

static const char *const tiny[] = {"edpc-tiny", "pac-tiny", "trace-tiny", "sep-tiny"};

static size_t compress_with(const char *model, const u8 *src, size_t n, u8 **out,
			    u32 threads, u32 k, u32 block, u32 lanes)
{
	nz_params p;
	nz_params_init(&p, 6);
	REQUIRE(nz_params_set_model(&p, model) == NZ_OK);
	p.threads = threads;
	p.substreams = k;
	p.block_size = block;
	p.lanes = lanes;
	const size_t cap = nz_compress_bound(n);
	*out = malloc(cap);
	REQUIRE(*out);
	size_t size = 0;
	const int rc = nz_compress(*out, cap, &size, src, n, &p);
	if (rc)
		fprintf(stderr, "%s: compress: %s\n", model, nz_error_string(rc));
	CHECK(rc == NZ_OK);
	return size;
}

static int decompress_ok(const u8 *comp, size_t csize, const u8 *src, size_t n, u32 threads)
{
	u8 *back = malloc(n + 1);
	REQUIRE(back);
	nz_dparams dp;
	nz_dparams_init(&dp);
	dp.threads = threads;
	size_t size = 0;
	const int rc = nz_decompress(back, n + 1, &size, comp, csize, &dp);
	const int ok = rc == NZ_OK && size == n && memcmp(back, src, n) == 0;
	if (!ok)
		fprintf(stderr, "decompress: %s (size %zu of %zu)\n", nz_error_string(rc), size, n);
	free(back);
	return ok;
}

static void roundtrips(void)
{
	static const size_t sizes[] = {1, 2, 15, 16, 17, 33, 1000, 3001};
	u8 *buf = malloc(8192);
	nz_test_fill(buf, 8192, 1, 7);
	for (size_t m = 0; m < NZ_ARRAY_LEN(tiny); m++)
		for (size_t s = 0; s < NZ_ARRAY_LEN(sizes); s++) {
			u8 *comp;
			const size_t n = sizes[s];
			const size_t cs = compress_with(tiny[m], buf, n, &comp, 1, 3, 0, 0);
			CHECK(decompress_ok(comp, cs, buf, n, 1));
			free(comp);
		}
	/* several blocks (the model keeps its weights, lanes restart), 5 lanes and
	 * 4 substreams with a tail, two threads */
	for (size_t m = 0; m < NZ_ARRAY_LEN(tiny); m++) {
		u8 *comp;
		const size_t cs = compress_with(tiny[m], buf, 5000, &comp, 2, 4, 1024, 5);
		CHECK(decompress_ok(comp, cs, buf, 5000, 2));
		free(comp);
	}
	/* streaming, size unknown, tiny buffers */
	for (size_t m = 0; m < NZ_ARRAY_LEN(tiny); m++) {
		nz_params p;
		nz_params_init(&p, 6);
		REQUIRE(nz_params_set_model(&p, tiny[m]) == NZ_OK);
		p.block_size = 2048;
		p.threads = 1;
		nz_cctx *c;
		REQUIRE(nz_cctx_create(&c, &p) == NZ_OK);
		const size_t n = 4500, cap = nz_compress_bound(n) + 64;
		u8 *comp = malloc(cap);
		nz_outbuf out = {comp, cap, 0};
		size_t pending = 1;
		for (size_t pos = 0; pos < n || pending;) {
			const size_t chunk = NZ_MIN((size_t)700, n - pos);
			nz_inbuf in = {buf + pos, chunk, 0};
			REQUIRE(nz_compress_stream(c, &out, &in, pos + chunk == n, &pending) == NZ_OK);
			pos += in.pos;
			if (pos == n && !pending)
				break;
		}
		nz_cctx_free(c);
		CHECK(decompress_ok(comp, out.pos, buf, n, 1));
		free(comp);
	}
	free(buf);
}

/* Compress under each backend x thread count, decompress under every other. */
static void cross_backend(void)
{
	int backends[NZ_NN_BACKEND_COUNT_], nb = 0;
	for (int b = NZ_NN_BACKEND_SCALAR; b < NZ_NN_BACKEND_COUNT_; b++)
		if (nz_nn_backend_supported(b))
			backends[nb++] = b;
	u8 *buf = malloc(3000);
	nz_test_fill(buf, 3000, 4, 11);
	for (size_t m = 0; m < NZ_ARRAY_LEN(tiny); m++) {
		u8 *ref = NULL;
		size_t ref_size = 0;
		for (int i = 0; i < nb; i++) {
			nz_test_set_backend(backends[i]);
			u8 *comp;
			const u32 threads = 1 + (u32)(i % 2);
			const size_t cs = compress_with(tiny[m], buf, 3000, &comp, threads, 2, 0, 0);
			if (!ref) {
				ref = comp;
				ref_size = cs;
			} else {
				CHECK(cs == ref_size && memcmp(comp, ref, cs) == 0);
				free(comp);
			}
			for (int j = 0; j < nb; j++) {
				nz_test_set_backend(backends[j]);
				if (!decompress_ok(ref, ref_size, buf, 3000, 3 - threads)) {
					fprintf(stderr, "%s: compressed with %s, decompress with %s failed\n",
						tiny[m], nz_nn_backend_name(backends[i]),
						nz_nn_backend_name(backends[j]));
					nz_test_failures++;
				}
			}
		}
		free(ref);
	}
	nz_test_set_backend(NZ_NN_BACKEND_AUTO);
	printf("cross-backend: %d backends\n", nb);
	if (!nz_nn_backend_supported(NZ_NN_BACKEND_OPENCL))
		printf("skip: no OpenCL device (or a build without OpenCL): opencl not in the cross-backend and golden checks\n");
	free(buf);
}

/* The golden vectors: 4096 bytes of English-like text (nz_test_fill kind 1, seed
 * 2024), default tiny preset, one substream: the compressed size and XXH64 of the
 * whole compressed frame (format version 2: the frames of version 1 were 1844,
 * 1991, 1354 and 2159 bytes with the same payloads; only the headers shrank). */
static const struct {
	const char *model;
	size_t size;
	u64 hash;
} golden[] = {
	{"edpc-tiny", 1709, 0x671bc5edce305f94ull},
	{"pac-tiny", 1892, 0x122ef8fb2ca9b1afull},
	{"trace-tiny", 1237, 0x61f2f7a7bd93d391ull},
	{"sep-tiny", 2042, 0x9207a26f7c5157c5ull},
};

static void golden_vectors(void)
{
	u8 *buf = malloc(4096);
	nz_test_fill(buf, 4096, 1, 2024);
	for (int b = NZ_NN_BACKEND_SCALAR; b < NZ_NN_BACKEND_COUNT_; b++) {
		if (!nz_nn_backend_supported(b))
			continue;
		nz_test_set_backend(b);
		for (size_t m = 0; m < NZ_ARRAY_LEN(golden); m++) {
			u8 *comp;
			const size_t cs = compress_with(golden[m].model, buf, 4096, &comp, 1 + (u32)(b % 2), 1, 0, 0);
			const u64 h = nz_xxh64(comp, cs);
			if (cs != golden[m].size || h != golden[m].hash) {
				fprintf(stderr, "golden %s on %s: size %zu hash 0x%016llx, expected %zu 0x%016llx\n",
					golden[m].model, nz_nn_backend_name(b), cs, (unsigned long long)h,
					golden[m].size, (unsigned long long)golden[m].hash);
				nz_test_failures++;
			}
			free(comp);
		}
	}
	nz_test_set_backend(NZ_NN_BACKEND_AUTO);
	free(buf);
}

/* Every model learns English: clearly under 8 bits per byte, and fewer bits per
 * byte on the whole text than on its first half alone. */
static void learning(void)
{
	size_t n = 0;
	u8 *text = nz_test_corpus("small/alice29.txt", 24000, &n);
	if (!text) {
		text = malloc(24000);
		nz_test_fill(text, 24000, 1, 5);
		n = 24000;
	}
	for (size_t m = 0; m < NZ_ARRAY_LEN(tiny); m++) {
		u8 *comp;
		const size_t all = compress_with(tiny[m], text, n, &comp, 0, 1, 0, 0);
		free(comp);
		const size_t half = compress_with(tiny[m], text, n / 2, &comp, 0, 1, 0, 0);
		free(comp);
		const double bpb_all = 8.0 * (double)all / (double)n;
		const double bpb_half = 8.0 * (double)half / (double)(n / 2);
		printf("%s: %zu bytes -> %zu (%.3f bpb; first half alone %.3f bpb)\n", tiny[m],
		       n, all, bpb_all, bpb_half);
		CHECK(bpb_all < 5.0);
		CHECK(bpb_all < bpb_half);
	}
	free(text);
}

static void configs(void)
{
	static const char *const names[] = {
		"edpc", "edpc-m", "edpc-s", "edpc-xs", "edpc-tiny", "pac", "pac-s", "pac-xs", "pac-tiny",
		"trace", "trace-s", "trace-xs", "trace-tiny", "sep", "sep-s", "sep-xs", "sep-tiny"};
	for (size_t i = 0; i < NZ_ARRAY_LEN(names); i++) {
		int id;
		u32 preset;
		REQUIRE(nz_model_find(names[i], &id, &preset) == NZ_OK);
		const nz_model_desc *d = nz_model_lookup(id);
		nz_model_config cfg;
		memset(&cfg, 0, sizeof(cfg));
		cfg.model = id, cfg.coding = d->coding, cfg.preset = preset;
		d->defaults(&cfg, 6, NZ_CONTENT_SIZE_UNKNOWN);
		CHECK(nz_model_config_validate(&cfg) == NZ_OK);
		CHECK(d->memory(&cfg) > 0);
		CHECK(strstr(nz_model_names(), names[i]) != NULL);
		/* out-of-range values a hostile header could carry */
		nz_model_config bad = cfg;
		bad.lanes = 0;
		CHECK(nz_model_config_validate(&bad) != NZ_OK);
		bad = cfg;
		bad.lanes = 1u << 20;
		CHECK(nz_model_config_validate(&bad) != NZ_OK);
		bad = cfg;
		bad.hidden = 1u << 30;
		CHECK(nz_model_config_validate(&bad) != NZ_OK);
		bad = cfg;
		bad.ffn = 0;
		CHECK(nz_model_config_validate(&bad) != NZ_OK);
		bad = cfg;
		bad.learning_rate = -1.0f;
		CHECK(nz_model_config_validate(&bad) != NZ_OK);
		bad = cfg;
		bad.extra[15] = 1;
		CHECK(nz_model_config_validate(&bad) != NZ_OK);
		bad = cfg;
		bad.extra[0] = ~0ull;
		CHECK(nz_model_config_validate(&bad) != NZ_OK);
	}
}

int main(void)
{
	configs();
	roundtrips();
	cross_backend();
	golden_vectors();
	learning();
	return nz_test_finish("test_seed_models");
}
