/*
 * test_cm.c - the binary arithmetic coder and the context-mixing block codec:
 * round trips of many sizes and kinds at every level, substreams and threads
 * (same output whatever the thread count), model state kept across blocks,
 * corpus prefixes, parameter validation, and corrupt or truncated substreams
 * (an error or wrong bytes, never a crash), and the neural input (CM_F_EXT):
 * header validation, round trips, and decoding on another engine backend;
 * the preset cm-x (level 9 with the measured additions) and its new bits.
 */
#include <math.h>

#include "cm/cm.h"
#include "format/frame.h"
#include "cm/cm_model.h"
#include "model/block_codec.h"
#include "coder/bit_coder.h"
#include "nn/exec.h"
#include "nn/nn.h"
#include "test_util.h"

/* The level's configuration with the big tables shrunk so tests stay quick. */
static void small_config(int level, nz_model_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	nz_cm_level_config(level, cfg);
	if (cfg->extra[CM_X_HASHBITS] > 20)
		cfg->extra[CM_X_HASHBITS] = 20;
	if (cfg->extra[CM_X_MATCHBITS] > 20)
		cfg->extra[CM_X_MATCHBITS] = 20;
}

typedef struct coded {
	nz_buf sub[CM_MAX_SUBSTREAMS];
	u32 k;
} coded;

static void coded_free(coded *c)
{
	for (u32 j = 0; j < CM_MAX_SUBSTREAMS; j++)
		nz_buf_free(&c->sub[j]);
}

static size_t coded_size(const coded *c)
{
	size_t t = 0;
	for (u32 j = 0; j < c->k; j++)
		t += c->sub[j].size;
	return t;
}

/* A one-thread execution context for codecs made outside encode_blocks. */
static nz_exec *serial_exec(void)
{
	static nz_exec *ex;
	if (!ex)
		REQUIRE(nz_exec_create(&ex, 1, NZ_NN_BACKEND_AUTO) == NZ_OK);
	return ex;
}

/* Encode src as blocks of `block` bytes (the later ones keeping state). */
static int encode_blocks(const nz_model_config *cfg, const u8 *src, size_t n, size_t block,
			 u32 k, u32 threads, coded *out, size_t nblocks_max)
{
	nz_block_codec *bc;
	nz_exec *ex;
	REQUIRE(nz_exec_create(&ex, threads, NZ_NN_BACKEND_AUTO) == NZ_OK);
	REQUIRE(nz_model_cm.create_block_codec(cfg, ex, &bc) == NZ_OK);
	nz_job job = {0};
	size_t nb = n ? (n + block - 1) / block : 1;
	REQUIRE(nb <= nblocks_max);
	int rc = NZ_OK;
	for (size_t b = 0; b < nb && !rc; b++) {
		size_t off = b * block, len = NZ_MIN(block, n - off);
		out[b].k = k;
		rc = bc->ops->encode(bc, src + off, len, b > 0, out[b].sub, k, &job);
	}
	bc->ops->destroy(bc);
	nz_exec_free(ex);
	return rc;
}

static int decode_blocks(const nz_model_config *cfg, u8 *dst, size_t n, size_t block, u32 threads,
			 coded *in)
{
	nz_block_codec *bc;
	nz_exec *ex;
	REQUIRE(nz_exec_create(&ex, threads, NZ_NN_BACKEND_AUTO) == NZ_OK);
	REQUIRE(nz_model_cm.create_block_codec(cfg, ex, &bc) == NZ_OK);
	nz_job job = {0};
	size_t nb = n ? (n + block - 1) / block : 1;
	int rc = NZ_OK;
	for (size_t b = 0; b < nb && !rc; b++) {
		size_t off = b * block, len = NZ_MIN(block, n - off);
		const u8 *ptr[CM_MAX_SUBSTREAMS];
		size_t sz[CM_MAX_SUBSTREAMS];
		for (u32 j = 0; j < in[b].k; j++) {
			ptr[j] = in[b].sub[j].data;
			sz[j] = in[b].sub[j].size;
		}
		rc = bc->ops->decode(bc, dst + off, len, b > 0, ptr, sz, in[b].k, &job);
	}
	bc->ops->destroy(bc);
	nz_exec_free(ex);
	return rc;
}

/* Round trip; returns the compressed size. */
/* The first k bytes of the one substream that src codes to as one block (its
 * flags byte and what follows it: a layout, a span list), into head. */
static void seg_head(const nz_model_config *cfg, const u8 *src, size_t n, u8 *head, size_t k)
{
	coded a[1];
	memset(a, 0, sizeof(a));
	CHECK_EQ_INT(encode_blocks(cfg, src, n, n, 1, 1, a, 1), NZ_OK);
	REQUIRE(a[0].sub[0].size >= k);
	memcpy(head, a[0].sub[0].data, k);
	coded_free(&a[0]);
}

/* src through nz_compress with np and back through nz_decompress, which gets
 * only the frame: its header must say everything. */
static void api_round_trip(const u8 *src, size_t n, const nz_params *np)
{
	const size_t cap = nz_compress_bound(n);
	u8 *comp = malloc(cap), *back = malloc(n + 1);
	REQUIRE(comp && back);
	size_t cn = 0, bn = 0;
	CHECK_EQ_INT(nz_compress(comp, cap, &cn, src, n, np), NZ_OK);
	CHECK_EQ_INT(nz_decompress(back, n, &bn, comp, cn, NULL), NZ_OK);
	CHECK(bn == n && memcmp(back, src, n) == 0);
	free(comp);
	free(back);
}

static size_t round_trip(const nz_model_config *cfg, const u8 *src, size_t n, size_t block,
			 u32 k, u32 threads)
{
	if (block == 0)
		block = n ? n : 1;
	coded cs[8];
	memset(cs, 0, sizeof(cs));
	CHECK_EQ_INT(encode_blocks(cfg, src, n, block, k, threads, cs, 8), NZ_OK);
	u8 *dst = malloc(n + 1);
	REQUIRE(dst);
	CHECK_EQ_INT(decode_blocks(cfg, dst, n, block, threads, cs), NZ_OK);
	CHECK(memcmp(dst, src, n) == 0);
	size_t total = 0;
	for (int b = 0; b < 8; b++) {
		total += coded_size(&cs[b]);
		coded_free(&cs[b]);
	}
	free(dst);
	return total;
}

static void test_bit_coder(void)
{
	nz_test_rng r = {42};
	enum { N = 200000 };
	static u8 bits[N];
	static u16 probs[N];
	for (int i = 0; i < N; i++) {
		u32 p = (u32)(nz_test_next(&r) % 65535) + 1;
		if (i % 3 == 0)
			p = (i & 8) ? 1 : 65535; /* extremes */
		probs[i] = (u16)p;
		bits[i] = nz_test_uniform(&r) * 65536.0 < p;
	}
	nz_buf out = {0};
	nz_bitenc e;
	nz_bitenc_init(&e, &out);
	for (int i = 0; i < N; i++) {
		REQUIRE(nz_bitenc_room(&e, NZ_BITENC_MAX_PER_BIT) == NZ_OK);
		nz_bitenc_encode(&e, bits[i], probs[i]);
	}
	REQUIRE(nz_bitenc_finish(&e) == NZ_OK);
	nz_bitdec d;
	nz_bitdec_init(&d, out.data, out.size);
	int bad = 0;
	for (int i = 0; i < N; i++)
		bad += nz_bitdec_decode(&d, probs[i]) != bits[i];
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(nz_bitdec_finish(&d), NZ_OK);
	/* cut short: the decoder notices it ran past the end (damage: the container
	 * records every substream's size) */
	nz_bitdec_init(&d, out.data, out.size - 2);
	for (int i = 0; i < N; i++)
		nz_bitdec_decode(&d, probs[i]);
	CHECK_EQ_INT(nz_bitdec_finish(&d), NZ_ERR_CORRUPT);
	nz_buf_free(&out);
}

/* cfg's model codes buf to the same bits with the library's mixer kernels (AVX2
 * where the CPU has it) and with the plain C ones. */
static void check_kernels_agree(const nz_model_config *cfg, const u8 *buf, size_t n)
{
	cm_params p;
	REQUIRE(nz_cm_params_from_config(cfg, &p) == NZ_OK);
	nz_buf out[2] = {{0}, {0}};
	for (int v = 0; v < 2; v++) {
		cm_model *m;
		p.backend = v ? NZ_NN_BACKEND_SCALAR : NZ_NN_BACKEND_AUTO;
		REQUIRE(nz_cm_model_create(&p, &m) == NZ_OK);
		if (v)
			CHECK(strcmp(nz_cm_model_kernels(m), "scalar") == 0);
		nz_bitenc e;
		nz_bitenc_init(&e, &out[v]);
		CHECK_EQ_INT(nz_cm_encode_bytes(m, &e, buf, 0, n, NULL, 0), NZ_OK);
		CHECK_EQ_INT(nz_bitenc_finish(&e), NZ_OK);
		nz_cm_model_destroy(m);
	}
	CHECK(out[0].size == out[1].size && memcmp(out[0].data, out[1].data, out[0].size) == 0);
	nz_buf_free(&out[0]);
	nz_buf_free(&out[1]);
}

/* The AVX2 mixer kernels and the plain C ones give the same bits. */
static void test_kernels_agree(void)
{
	size_t n = 60000;
	u8 *buf = malloc(n);
	REQUIRE(buf);
	nz_test_fill(buf, n, 1, 77);
	nz_test_fill(buf + 40000, 20000, 0, 78);
	nz_model_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	nz_cm_level_config(9, &cfg);
	cfg.extra[CM_X_HASHBITS] = 20;
	cfg.extra[CM_X_MATCHBITS] = 20;
	check_kernels_agree(&cfg, buf, n);
	free(buf);
}

static void test_validate(void)
{
	nz_model_config cfg;
	for (int level = 1; level <= 9; level++) {
		memset(&cfg, 0, sizeof(cfg));
		nz_cm_level_config(level, &cfg);
		CHECK_EQ_INT(nz_model_cm.validate(&cfg), NZ_OK);
		CHECK(nz_model_cm.memory(&cfg) > 0);
		CHECK_EQ_INT(cfg.model, NZ_MODEL_CM);
		CHECK_EQ_INT(cfg.coding, NZ_CODING_BITS);
	}
	static const struct { int idx; u64 v; } bad[] = {
		{CM_X_VERSION, 0}, {CM_X_VERSION, 2}, {CM_X_HASHBITS, 15}, {CM_X_HASHBITS, 31},
		{CM_X_CTXMASK, 1ull << CM_NKINDS}, {CM_X_MATCHBITS, 8}, {CM_X_MATCHBITS, 31},
		{CM_X_MIXERS, 0}, {CM_X_MIXERS, CM_MAX_MIXERS + 1}, {CM_X_SSE, CM_MAX_SSE + 1},
		{CM_X_CTXMASK, 1ull << 63}, {CM_X_FLAGS, (u64)CM_F_ALL_ + 1}, {9, 1}, {15, 7},
		{CM_X_MIXLR, 3}, {CM_X_MIXLR, 1 << 16}, {11, 1},
	};
	for (size_t i = 0; i < NZ_ARRAY_LEN(bad); i++) {
		memset(&cfg, 0, sizeof(cfg));
		nz_cm_level_config(5, &cfg);
		cfg.extra[bad[i].idx] = bad[i].v;
		CHECK_EQ_INT(nz_model_cm.validate(&cfg), NZ_ERR_PARAM);
		nz_block_codec *bc = NULL;
		CHECK_EQ_INT(nz_model_cm.create_block_codec(&cfg, serial_exec(), &bc), NZ_ERR_PARAM);
		CHECK(bc == NULL);
	}
	/* levels grow in memory */
	u64 prev = 0;
	for (int level = 1; level <= 9; level++) {
		memset(&cfg, 0, sizeof(cfg));
		nz_cm_level_config(level, &cfg);
		u64 mem = nz_model_cm.memory(&cfg);
		CHECK(mem >= prev);
		prev = mem;
	}
}

/* A small level-5 configuration with edpc-tiny mixed in. */
static void neural_config(nz_model_config *cfg)
{
	small_config(5, cfg);
	cfg->extra[CM_X_FLAGS] |= CM_F_EXT;
	cfg->extra[CM_X_NNMODEL] = NZ_MODEL_EDPC;
	cfg->extra[CM_X_NNPRESET] = 3; /* edpc-tiny */
}

static void test_neural(void)
{
	nz_model_config cfg, plain;
	neural_config(&cfg);
	small_config(5, &plain);
	CHECK_EQ_INT(nz_model_cm.validate(&cfg), NZ_OK);
	CHECK(nz_model_cm.memory(&cfg) > nz_model_cm.memory(&plain));
	/* the neural fields come exactly with CM_F_EXT and name a byte model preset */
	static const struct { u64 flags_xor; int idx; u64 v; } bad[] = {
		{CM_F_EXT, -1, 0},                   /* fields without the flag */
		{0, CM_X_NNMODEL, 0},                /* flag without a model */
		{0, CM_X_NNMODEL, NZ_MODEL_CM},      /* not a byte model */
		{0, CM_X_NNMODEL, NZ_MODEL_STORE},
		{0, CM_X_NNMODEL, 1000},
		{0, CM_X_NNPRESET, 99},              /* no such preset */
		{0, CM_X_NNLANES, CM_MAX_NNLANES + 1},
	};
	for (size_t i = 0; i < NZ_ARRAY_LEN(bad); i++) {
		nz_model_config b = cfg;
		b.extra[CM_X_FLAGS] ^= bad[i].flags_xor;
		if (bad[i].idx >= 0)
			b.extra[bad[i].idx] = bad[i].v;
		CHECK_EQ_INT(nz_model_cm.validate(&b), NZ_ERR_PARAM);
		nz_block_codec *bc = NULL;
		CHECK_EQ_INT(nz_model_cm.create_block_codec(&b, serial_exec(), &bc), NZ_ERR_PARAM);
		CHECK(bc == NULL);
	}

	/* text in 2 blocks (the second keeps the state) of 2 substreams, with one
	 * lane and with 7 lanes (the last one shorter): the output is the same with
	 * 1 and 2 threads and on every engine backend, and each backend decodes
	 * what another encoded */
	enum { N = 6000 };
	u8 *src = malloc(N), *dst = malloc(N);
	REQUIRE(src && dst);
	nz_test_fill(src, N, 1, 77);
	static const u32 lane_counts[] = {0, 7};
	for (size_t lc = 0; lc < NZ_ARRAY_LEN(lane_counts); lc++) {
		cfg.extra[CM_X_NNLANES] = lane_counts[lc];
		CHECK_EQ_INT(nz_model_cm.validate(&cfg), NZ_OK);
		CHECK(round_trip(&cfg, src, N, N / 2, 2, 1) == round_trip(&cfg, src, N, N / 2, 2, 2));
		coded ref[2], cs[2];
		memset(ref, 0, sizeof(ref));
		nz_test_set_backend(NZ_NN_BACKEND_SCALAR);
		CHECK_EQ_INT(encode_blocks(&cfg, src, N, N / 2, 2, 1, ref, 2), NZ_OK);
		for (int be = NZ_NN_BACKEND_SCALAR; be < NZ_NN_BACKEND_COUNT_; be++) {
			if (!nz_nn_backend_supported(be))
				continue;
			nz_test_set_backend(be);
			memset(cs, 0, sizeof(cs));
			CHECK_EQ_INT(encode_blocks(&cfg, src, N, N / 2, 2, 1, cs, 2), NZ_OK);
			for (int b = 0; b < 2; b++)
				for (u32 j = 0; j < 2; j++)
					CHECK(cs[b].sub[j].size == ref[b].sub[j].size &&
					      !memcmp(cs[b].sub[j].data, ref[b].sub[j].data,
						      ref[b].sub[j].size));
			memset(dst, 0, N);
			CHECK_EQ_INT(decode_blocks(&cfg, dst, N, N / 2, 1, ref), NZ_OK);
			CHECK(!memcmp(dst, src, N));
			for (int b = 0; b < 2; b++)
				coded_free(&cs[b]);
		}
		nz_test_set_backend(NZ_NN_BACKEND_AUTO);
		for (int b = 0; b < 2; b++)
			coded_free(&ref[b]);
		/* segments shorter than the lanes, and an empty one */
		static const size_t tiny[] = {0, 1, 2, 3, 8, 13};
		for (size_t i = 0; i < NZ_ARRAY_LEN(tiny); i++)
			round_trip(&cfg, src, tiny[i], 0, 2, 1);
	}
	cfg.extra[CM_X_NNLANES] = 0;
	/* the neural input helps on text: smaller than the same level without it */
	CHECK(round_trip(&cfg, src, N, 0, 1, 1) < round_trip(&plain, src, N, 0, 1, 1));
	free(src);
	free(dst);
}

static void test_sizes_and_levels(void)
{
	static const size_t sizes[] = {0, 1, 2, 3, 7, 100, 1000, 4097, 30001};
	u8 *buf = malloc(30001);
	REQUIRE(buf);
	for (int level = 1; level <= 9; level++) {
		nz_model_config cfg;
		small_config(level, &cfg);
		for (size_t s = 0; s < NZ_ARRAY_LEN(sizes); s++) {
			for (int kind = 0; kind <= 4; kind++) {
				if (sizes[s] > 4097 && level != 1 && level != 5 && level != 9 && kind != 1)
					continue;
				nz_test_fill(buf, sizes[s], kind, 1000 + sizes[s] + (u64)kind);
				size_t c = round_trip(&cfg, buf, sizes[s], 0, 1, 1);
				if (kind == 4 && sizes[s] == 30001)
					CHECK(c < sizes[s] / 2);
				if (kind == 0 && sizes[s] == 30001)
					CHECK(c < sizes[s] + sizes[s] / 50);
			}
		}
	}
	free(buf);
}

static void test_substreams_threads_blocks(void)
{
	size_t n = 90000;
	u8 *buf = malloc(n);
	REQUIRE(buf);
	nz_test_fill(buf, n, 1, 7);
	nz_test_fill(buf + 60000, 30000, 3, 8);
	nz_model_config cfg;
	small_config(6, &cfg);
	static const u32 ks[] = {1, 2, 3, 5};
	for (size_t i = 0; i < NZ_ARRAY_LEN(ks); i++) {
		coded a[4], b[4];
		memset(a, 0, sizeof(a));
		memset(b, 0, sizeof(b));
		/* three blocks, the later ones keeping state; 1 thread vs 2 threads */
		CHECK_EQ_INT(encode_blocks(&cfg, buf, n, 35000, ks[i], 1, a, 4), NZ_OK);
		CHECK_EQ_INT(encode_blocks(&cfg, buf, n, 35000, ks[i], 2, b, 4), NZ_OK);
		for (int blk = 0; blk < 3; blk++)
			for (u32 j = 0; j < ks[i]; j++) {
				CHECK_EQ_INT(a[blk].sub[j].size, b[blk].sub[j].size);
				CHECK(a[blk].sub[j].size == b[blk].sub[j].size &&
				      memcmp(a[blk].sub[j].data, b[blk].sub[j].data, a[blk].sub[j].size) == 0);
			}
		u8 *dst = malloc(n);
		REQUIRE(dst);
		for (u32 t = 1; t <= 2; t++) {
			memset(dst, 0, n);
			CHECK_EQ_INT(decode_blocks(&cfg, dst, n, 35000, t, a), NZ_OK);
			CHECK(memcmp(dst, buf, n) == 0);
		}
		free(dst);
		for (int blk = 0; blk < 4; blk++) {
			coded_free(&a[blk]);
			coded_free(&b[blk]);
		}
	}
	/* more substreams than bytes */
	round_trip(&cfg, buf, 3, 0, 5, 2);
	/* keeping state helps: the second block of a repeated text is cheaper */
	u8 *rep = malloc(2 * 20000);
	REQUIRE(rep);
	nz_test_fill(rep, 20000, 1, 99);
	memcpy(rep + 20000, rep, 20000);
	coded c[2];
	memset(c, 0, sizeof(c));
	CHECK_EQ_INT(encode_blocks(&cfg, rep, 40000, 20000, 1, 1, c, 2), NZ_OK);
	CHECK(c[1].sub[0].size * 4 < c[0].sub[0].size);
	coded_free(&c[0]);
	coded_free(&c[1]);
	free(rep);
	free(buf);
}

/* A flag that builds on others: valid on `base` (which has them), invalid once
 * `needed` is cleared. */
static void check_flag_needs(const nz_model_config *base, u64 flag, u64 needed)
{
	nz_model_config c = *base;
	c.extra[CM_X_FLAGS] |= flag;
	CHECK_EQ_INT(nz_model_cm.validate(&c), NZ_OK);
	c.extra[CM_X_FLAGS] &= ~needed;
	CHECK_EQ_INT(nz_model_cm.validate(&c), NZ_ERR_PARAM);
}

/* cm-x: the frozen level 9 (format version 2's reference) plus context kinds
 * TAG, WORD12, TEXT and flags SSE2, MIX7, MIX8, MIX9, LRDECAY; since the
 * re-span level 8 is it with the byte histories (BHIST), and level 9 that with
 * the neural model. Its
 * configuration, round trips (one block, blocks keeping the state, two
 * substreams), the same bytes from both mixer kernels, the bits it needs
 * validated, and the whole frame through the public API. */
static void test_cm_x(void)
{
	nz_model_config cfg, ref9, c8, c9;
	memset(&cfg, 0, sizeof(cfg));
	memset(&ref9, 0, sizeof(ref9));
	memset(&c8, 0, sizeof(c8));
	memset(&c9, 0, sizeof(c9));
	cfg.preset = 11;
	nz_model_cm.defaults(&cfg, 3, 50000);
	nz_model_cm.reference(&ref9, 9, 50000);
	c8.preset = NZ_CM_R2_PRESET(8);
	c9.preset = NZ_CM_R2_PRESET(9);
	nz_model_cm.defaults(&c8, 6, 50000);
	nz_model_cm.defaults(&c9, 6, 50000);
	CHECK_EQ_INT(cfg.preset, 11);
	CHECK(strcmp(nz_model_cm.preset_names[11], "cm-x") == 0);
	const u64 types = CM_F_EXE | CM_F_IMG | CM_F_JPEG | CM_F_AUDIO;
	CHECK_EQ_INT(cfg.extra[CM_X_CTXMASK], ref9.extra[CM_X_CTXMASK] | CM_C_TAG | CM_C_WORD12 | CM_C_TEXT);
	CHECK_EQ_INT(cfg.extra[CM_X_FLAGS], ref9.extra[CM_X_FLAGS] | types | CM_F_SSE2 | CM_F_MIX7 |
						    CM_F_MIX8 | CM_F_MIX9 | CM_F_LRDECAY);
	CHECK_EQ_INT(nz_model_cm.validate(&cfg), NZ_OK);
	CHECK(nz_model_cm.memory(&cfg) > nz_model_cm.memory(&ref9));
	/* cm-r2-8 is cm-x with the byte classes and the byte histories, cm-r2-9 that
	 * with the neural model */
	const u64 grp = CM_C_CGRP | CM_C_CGRP4;
	CHECK_EQ_INT(c8.extra[CM_X_CTXMASK], cfg.extra[CM_X_CTXMASK] | grp);
	CHECK_EQ_INT(c9.extra[CM_X_CTXMASK], cfg.extra[CM_X_CTXMASK] | grp);
	for (int i = 1; i < NZ_MODEL_EXTRA; i++) {
		if (i != CM_X_FLAGS && i != CM_X_CTXMASK)
			CHECK_EQ_INT(c8.extra[i], cfg.extra[i]);
		if (i != CM_X_FLAGS && i != CM_X_CTXMASK && i != CM_X_NNMODEL && i != CM_X_NNPRESET)
			CHECK_EQ_INT(c9.extra[i], cfg.extra[i]);
	}
	CHECK_EQ_INT(c8.extra[CM_X_FLAGS],
		     cfg.extra[CM_X_FLAGS] | CM_F_BHIST | CM_F_SPANS | CM_F_MIXGRP);
	CHECK_EQ_INT(c9.extra[CM_X_FLAGS],
		     cfg.extra[CM_X_FLAGS] | CM_F_BHIST | CM_F_EXT | CM_F_SPANS | CM_F_MIXGRP);
	CHECK(c9.extra[CM_X_NNMODEL] != 0);
	/* levels 1-6 set none of cm-x's bits (EXE, IMG, JPEG and AUDIO, which came later, they all
	 * have, and SPANS, DETIN, APM2, UWORD and NOSSE0, which came after cm-x); the byte classes and the
	 * match and XML kinds (after cm-x too) they have: CGRP from level 1, CGRP4 from level 6 */
	for (int level = 1; level <= 6; level++) {
		nz_model_config l;
		small_config(level, &l);
		CHECK((l.extra[CM_X_CTXMASK] & ~(grp | CM_C_MATCH_ | CM_C_XML_)) < CM_C_TAG);
		CHECK(l.extra[CM_X_CTXMASK] & CM_C_CGRP);
		CHECK(((l.extra[CM_X_CTXMASK] & CM_C_CGRP4) != 0) == (level == 6));
		CHECK((l.extra[CM_X_FLAGS] &
		       ~(types | CM_F_SPANS | CM_F_DETIN | CM_F_APM2 | CM_F_UWORD | CM_F_NOSSE0)) < CM_F_SSE2);
		CHECK(l.extra[CM_X_FLAGS] & CM_F_NOSSE0);
		CHECK_EQ_INT((l.extra[CM_X_FLAGS] & CM_F_DETIN) != 0, level >= 4);
		CHECK(l.extra[CM_X_FLAGS] & CM_F_EXE);
		CHECK(l.extra[CM_X_FLAGS] & CM_F_SPANS);
	}
	/* the extra mixers need all six others */
	nz_model_config bad = cfg;
	bad.extra[CM_X_MIXERS] = 5;
	CHECK_EQ_INT(nz_model_cm.validate(&bad), NZ_ERR_PARAM);
	bad.extra[CM_X_FLAGS] &= ~(u64)CM_F_MIX7;
	CHECK_EQ_INT(nz_model_cm.validate(&bad), NZ_ERR_PARAM);
	bad.extra[CM_X_FLAGS] &= ~(u64)CM_F_MIX8;
	CHECK_EQ_INT(nz_model_cm.validate(&bad), NZ_ERR_PARAM);
	bad.extra[CM_X_FLAGS] &= ~(u64)CM_F_MIX9;
	CHECK_EQ_INT(nz_model_cm.validate(&bad), NZ_OK);
	/* the class selector takes mixer 7's place: it needs MIX7; RUNBP tells the
	 * run model's byte before apart: it needs BHIST; the deterministic input
	 * replaces RICH's second one: it needs RICH */
	check_flag_needs(&cfg, CM_F_MIXGRP, CM_F_MIX7);
	check_flag_needs(&c8, CM_F_RUNBP, CM_F_BHIST);
	check_flag_needs(&c8, CM_F_DETIN, CM_F_RICH);
	/* paq8px's chain is in place of the stages */
	bad = c8;
	bad.extra[CM_X_FLAGS] |= CM_F_SSEP;
	CHECK_EQ_INT(nz_model_cm.validate(&bad), NZ_ERR_PARAM); /* with SSE2 and 4 stages */
	bad.extra[CM_X_FLAGS] &= ~(u64)CM_F_SSE2;
	CHECK_EQ_INT(nz_model_cm.validate(&bad), NZ_ERR_PARAM);
	bad.extra[CM_X_SSE] = 0;
	CHECK_EQ_INT(nz_model_cm.validate(&bad), NZ_OK);
	/* the mixers' rates: 1..64 each, both or neither */
	static const struct { u64 v; int rc; } rates[] = {
		{5 | 1 << 8, NZ_OK}, {64 | 64 << 8, NZ_OK}, {5, NZ_ERR_PARAM}, {1 << 8, NZ_ERR_PARAM},
		{65 | 1 << 8, NZ_ERR_PARAM}, {1 | 65 << 8, NZ_ERR_PARAM},
		{(u64)1 << 16 | 5 | 1 << 8, NZ_ERR_PARAM}};
	for (size_t i = 0; i < NZ_ARRAY_LEN(rates); i++) {
		bad = cfg;
		bad.extra[CM_X_MIXLR] = rates[i].v;
		CHECK_EQ_INT(nz_model_cm.validate(&bad), rates[i].rc);
	}
	bad = cfg;
	bad.preset = NZ_CM_LEVEL_PRESET(10); /* past cm-9 (preset 74) */
	CHECK_EQ_INT(nz_model_cm.validate(&bad), NZ_ERR_PARAM);
	bad.preset = NZ_CM_LEVEL_PRESET(9);
	CHECK_EQ_INT(nz_model_cm.validate(&bad), NZ_OK);
	CHECK(strcmp(nz_model_cm.preset_names[NZ_CM_LEVEL_PRESET(9)], "cm-9") == 0);
	CHECK(strcmp(nz_model_cm.preset_names[NZ_CM_R1_PRESET(9)], "cm-r1-9") == 0);
	CHECK(strcmp(nz_model_cm.preset_names[NZ_CM_R2_PRESET(9)], "cm-r2-9") == 0);
	CHECK(strcmp(nz_model_cm.preset_names[NZ_CM_R3_PRESET(9)], "cm-r3-9") == 0);
	CHECK(strcmp(nz_model_cm.preset_names[NZ_CM_R4_PRESET(9)], "cm-r4-9") == 0);
	CHECK(strcmp(nz_model_cm.preset_names[NZ_CM_R4_PRESET(1)], "cm-r4-1") == 0);
	CHECK(strcmp(nz_model_cm.preset_names[NZ_CM_R5_PRESET(1)], "cm-r5-1") == 0);
	CHECK(strcmp(nz_model_cm.preset_names[NZ_CM_R5_PRESET(9)], "cm-r5-9") == 0);
	CHECK(strcmp(nz_model_cm.preset_names[NZ_CM_R6_PRESET(1)], "cm-r6-1") == 0);
	CHECK(strcmp(nz_model_cm.preset_names[NZ_CM_R6_PRESET(9)], "cm-r6-9") == 0);
	CHECK(strcmp(nz_model_cm.preset_names[NZ_CM_LEVEL_PRESET(1)], "cm-1") == 0);
	/* the levels of 2026-12-02 by name: no byte classes; the levels with them
	 * (cm-r2-k): cm-r3-k without paq8px's chain and the kinds after the byte
	 * classes; cm-r4-k: cm-r3-k with paq8px's deterministic input and the
	 * two-entry SSE update at 4-9, slower mixers and RUNBP at 8-9; cm-r5-k:
	 * cm-r4-k with the match and XML kinds and UWORD, less O5 (3-6), SPARSE1
	 * (6), RECORD and SPARSE5 (6-9); cm-r6-k: cm-r5-k with NOSSE0 at 1-6; the
	 * levels of now: cm-r6-k with their own mixer rates */
	const u64 paq8 = CM_C_INDQ | CM_C_GAPW | CM_C_GAPW1 | CM_C_FWORD | CM_C_INLINE | CM_C_BLOCK;
	const u64 paq9 = paq8 | CM_C_IND3 | CM_C_INDLC | CM_C_GAPW2 | CM_C_LINELEN | CM_C_ABOVEGRP;
	for (int level = 1; level <= 9; level++) {
		nz_model_config r1, r2, r3, r4, r5, r6, now;
		memset(&r1, 0, sizeof(r1));
		memset(&r2, 0, sizeof(r2));
		memset(&r3, 0, sizeof(r3));
		memset(&r4, 0, sizeof(r4));
		memset(&r5, 0, sizeof(r5));
		memset(&r6, 0, sizeof(r6));
		memset(&now, 0, sizeof(now));
		r1.preset = NZ_CM_R1_PRESET(level);
		nz_model_cm.defaults(&r1, 6, 50000);
		r2.preset = NZ_CM_R2_PRESET(level);
		nz_model_cm.defaults(&r2, 6, 50000);
		r3.preset = NZ_CM_R3_PRESET(level);
		nz_model_cm.defaults(&r3, 6, 50000);
		r4.preset = NZ_CM_R4_PRESET(level);
		nz_model_cm.defaults(&r4, 6, 50000);
		r5.preset = NZ_CM_R5_PRESET(level);
		nz_model_cm.defaults(&r5, 6, 50000);
		r6.preset = NZ_CM_R6_PRESET(level);
		nz_model_cm.defaults(&r6, 6, 50000);
		now.preset = NZ_CM_LEVEL_PRESET(level);
		nz_model_cm.defaults(&now, 6, 50000);
		CHECK_EQ_INT(r1.extra[CM_X_CTXMASK] & grp, 0);
		CHECK(r2.extra[CM_X_CTXMASK] & CM_C_CGRP);
		CHECK_EQ_INT(r1.extra[CM_X_FLAGS], r2.extra[CM_X_FLAGS] & ~(u64)CM_F_MIXGRP);
		CHECK_EQ_INT((r2.extra[CM_X_FLAGS] & CM_F_MIXGRP) != 0, level >= 8);
		CHECK_EQ_INT(nz_model_cm.validate(&r3), NZ_OK);
		const u64 add = level == 9 ? paq9 : level == 8 ? paq8 : 0;
		CHECK_EQ_INT(r3.extra[CM_X_CTXMASK], r2.extra[CM_X_CTXMASK] | add);
		CHECK_EQ_INT(r2.extra[CM_X_CTXMASK] & paq9, 0);
		if (level <= 6) {
			CHECK_EQ_INT(r3.extra[CM_X_FLAGS], r2.extra[CM_X_FLAGS]);
			CHECK_EQ_INT(r3.extra[CM_X_SSE], r2.extra[CM_X_SSE]);
		} else {
			CHECK_EQ_INT(r3.extra[CM_X_FLAGS],
				     (r2.extra[CM_X_FLAGS] & ~(u64)CM_F_SSE2) | CM_F_SSEP);
			CHECK_EQ_INT(r3.extra[CM_X_SSE], 0);
		}
		for (int i = 1; i < NZ_MODEL_EXTRA; i++)
			if (i != CM_X_FLAGS && i != CM_X_CTXMASK && i != CM_X_SSE)
				CHECK_EQ_INT(r3.extra[i], r2.extra[i]);
		/* cm-r4 against cm-r3: DETIN and APM2 where RICH is (4-9), the rates and
		 * RUNBP at 8-9 */
		CHECK_EQ_INT(nz_model_cm.validate(&r4), NZ_OK);
		CHECK_EQ_INT((r3.extra[CM_X_FLAGS] & CM_F_RICH) != 0, level >= 4);
		const u64 paqin = (level >= 4 ? CM_F_DETIN | CM_F_APM2 : 0) | (level >= 8 ? CM_F_RUNBP : 0);
		CHECK_EQ_INT(r4.extra[CM_X_FLAGS], r3.extra[CM_X_FLAGS] | paqin);
		CHECK_EQ_INT(r4.extra[CM_X_MIXLR], level >= 8 ? 5 | 1 << 8 : 0);
		for (int i = 1; i < NZ_MODEL_EXTRA; i++)
			if (i != CM_X_FLAGS && i != CM_X_MIXLR)
				CHECK_EQ_INT(r4.extra[i], r3.extra[i]);
		/* cm-r5 against cm-r4: UWORD everywhere; the match kinds from level 3
		 * (MATCH3 from 6), the XML ones from 6 (all four from 7); O5 out at 3-6,
		 * SPARSE1 at 6, RECORD and SPARSE5 at 6-9 */
		CHECK_EQ_INT(nz_model_cm.validate(&r5), NZ_OK);
		CHECK_EQ_INT(r5.extra[CM_X_FLAGS], r4.extra[CM_X_FLAGS] | CM_F_UWORD);
		const u64 match = level >= 6 ? CM_C_MATCH_ : level >= 3 ? CM_C_MATCH1 | CM_C_MATCH2 : 0;
		const u64 xml = level >= 7 ? CM_C_XML_ : level == 6 ? CM_C_XMLS | CM_C_XMLT : 0;
		const u64 out = (level >= 3 && level <= 6 ? CM_C_O5 : 0) | (level == 6 ? CM_C_SPARSE1 : 0) |
				(level >= 6 ? CM_C_RECORD | CM_C_SPARSE5 : 0);
		CHECK_EQ_INT(r4.extra[CM_X_CTXMASK] & (match | xml), 0);
		CHECK_EQ_INT(r4.extra[CM_X_CTXMASK] & out, out);
		CHECK_EQ_INT(r5.extra[CM_X_CTXMASK], (r4.extra[CM_X_CTXMASK] | match | xml) & ~out);
		for (int i = 1; i < NZ_MODEL_EXTRA; i++)
			if (i != CM_X_FLAGS && i != CM_X_CTXMASK)
				CHECK_EQ_INT(r5.extra[i], r4.extra[i]);
		/* cm-r6 against cm-r5: the SSE chain from its order-1 stage at 1-6 (which
		 * have the stages: 7-9 have paq8px's chain) */
		CHECK_EQ_INT(nz_model_cm.validate(&r6), NZ_OK);
		CHECK_EQ_INT(r5.extra[CM_X_FLAGS] & CM_F_NOSSE0, 0);
		CHECK_EQ_INT(r5.extra[CM_X_SSE] >= 2, level <= 6);
		const u64 nosse0 = level <= 6 ? CM_F_NOSSE0 : 0;
		CHECK_EQ_INT(r6.extra[CM_X_FLAGS], r5.extra[CM_X_FLAGS] | nosse0);
		for (int i = 1; i < NZ_MODEL_EXTRA; i++)
			if (i != CM_X_FLAGS)
				CHECK_EQ_INT(r6.extra[i], r5.extra[i]);
		/* now against cm-r6: only the mixer rates, and those only where they
		 * were the usual ones (levels 8-9 keep their slow ones) */
		CHECK_EQ_INT(nz_model_cm.validate(&now), NZ_OK);
		static const u32 now_lr[10] = {0, 12 | 1 << 8, 12 | 1 << 8, 12 | 1 << 8, 12 | 1 << 8, 0,
					       8 | 1 << 8, 8 | 1 << 8, 5 | 1 << 8, 5 | 1 << 8};
		CHECK_EQ_INT(now.extra[CM_X_MIXLR], now_lr[level]);
		CHECK_EQ_INT(r6.extra[CM_X_MIXLR], level >= 8 ? now_lr[level] : 0);
		for (int i = 1; i < NZ_MODEL_EXTRA; i++)
			if (i != CM_X_MIXLR)
				CHECK_EQ_INT(now.extra[i], r6.extra[i]);
		/* -N without a preset gives the levels of now, rates and all */
		nz_model_config byn;
		memset(&byn, 0, sizeof(byn));
		nz_model_cm.defaults(&byn, level, 50000);
		CHECK_EQ_INT(byn.extra[CM_X_MIXLR], now_lr[level]);
	}

	cfg.extra[CM_X_HASHBITS] = 20;
	cfg.extra[CM_X_MATCHBITS] = 20;
	const size_t n = 50000;
	u8 *buf = malloc(n);
	REQUIRE(buf);
	static const char *const text[] = {"<entry><hw>word</hw> <def>a unit of language</def>\n",
					   "The model predicts each bit of a byte, and learns. ",
					   "  1. denoting a quantity consisting of 12 items\n"};
	size_t i = 0;
	for (u64 s = 5; i < 30000; s = s * 6364136223846793005ull + 1442695040888963407ull)
		for (const char *w = text[(s >> 33) % 3]; *w && i < 30000; w++)
			buf[i++] = (u8)*w;
	nz_test_fill(buf + 30000, n - 30000, 1, 11);
	round_trip(&cfg, buf, n, 0, 1, 1);
	/* smaller than the level 9 it was built on, on text (the corpus, if there) */
	size_t tn = 0;
	u8 *text_in = nz_test_corpus("gcide", 100000, &tn);
	if (text_in) {
		nz_model_config s9 = ref9;
		s9.extra[CM_X_FLAGS] |= types;
		s9.extra[CM_X_HASHBITS] = 20;
		s9.extra[CM_X_MATCHBITS] = 20;
		CHECK(round_trip(&cfg, text_in, tn, 0, 1, 1) < round_trip(&s9, text_in, tn, 0, 1, 1));
		free(text_in);
	}
	round_trip(&cfg, buf, n, 12000, 1, 1);
	round_trip(&cfg, buf, n, 0, 2, 2);
	{ /* NOSSE0 leaves the first SSE stage out: its table is not allocated, and
	   * the bytes differ from the chain with it */
		nz_model_config with, without;
		small_config(3, &without);
		CHECK(without.extra[CM_X_FLAGS] & CM_F_NOSSE0);
		with = without;
		with.extra[CM_X_FLAGS] &= ~(u64)CM_F_NOSSE0;
		CHECK_EQ_INT(nz_cm_state_memory(&with) - nz_cm_state_memory(&without), 33 * 256 * 4 + 256 / 8);
		CHECK(round_trip(&with, buf, n, 0, 1, 1) != round_trip(&without, buf, n, 0, 1, 1));
	}
	for (int kind = 0; kind <= 4; kind++) {
		nz_test_fill(buf, 4097, kind, 300 + (u64)kind);
		round_trip(&cfg, buf, 4097, 0, 1, 1);
	}
	round_trip(&cfg, buf, 0, 0, 1, 1);
	round_trip(&cfg, buf, 1, 0, 1, 1);

	/* both mixer kernels, the same bytes */
	check_kernels_agree(&cfg, buf, 4097);

	/* the public API: the preset by name, decoded from the header alone */
	nz_params np;
	REQUIRE(nz_params_init(&np, 5) == NZ_OK);
	CHECK_EQ_INT(nz_params_set_model(&np, "cm-x"), NZ_OK);
	api_round_trip(buf, 4097, &np);
	free(buf);
}

static void test_x86(void)
{
	/* synthetic code: calls with small relative offsets between random bytes */
	size_t n = 100000;
	u8 *buf = malloc(n);
	REQUIRE(buf);
	nz_test_rng r = {5};
	for (size_t i = 0; i < n; i++)
		buf[i] = (u8)(nz_test_next(&r) % 16);
	for (size_t i = 0; i + 5 <= n; i += 37) {
		u32 target = (u32)(nz_test_next(&r) % 64) * 256;
		nz_store_le32(buf + i + 1, target - (u32)i);
		buf[i] = (i & 1) ? 0xe8 : 0xe9;
	}
	buf[n - 3] = 0xe8; /* a call cut by the end */
	nz_model_config cfg;
	small_config(3, &cfg);
	size_t with = round_trip(&cfg, buf, n, 0, 1, 1);
	round_trip(&cfg, buf, n, 30000, 3, 2);
	cfg.extra[CM_X_FLAGS] &= ~(u64)CM_F_X86;
	size_t without = round_trip(&cfg, buf, n, 0, 1, 1);
	CHECK(with < without);
	free(buf);
}

/* Synthetic x86-64 code: instructions from a few templates (moves, loads and
 * stores through rbp, arithmetic with immediates, test and branch, calls with
 * small offsets, pushes, nops, returns) with random registers and fields. */
static void make_code(u8 *buf, size_t n, u64 seed)
{
	nz_test_rng r = {seed};
	size_t i = 0;
	while (i + 16 <= n) {
		const u32 reg = (u32)(nz_test_next(&r) % 8), t = (u32)(nz_test_next(&r) % 10);
		const u32 v = (u32)(nz_test_next(&r) % 16);
		u8 *p = buf + i;
		switch (t) {
		case 0: /* mov r64, r64 */
			p[0] = 0x48, p[1] = 0x89, p[2] = (u8)(0xc0 | reg << 3 | (v & 7)), i += 3;
			break;
		case 1: /* mov r64, [rbp - 8k] */
			p[0] = 0x48, p[1] = 0x8b, p[2] = (u8)(0x45 | reg << 3), p[3] = (u8)(-8 * (int)(1 + v)), i += 4;
			break;
		case 2: /* call rel32 */
			p[0] = 0xe8, nz_store_le32(p + 1, (u32)(v * 4096 + 64) - (u32)i), i += 5;
			break;
		case 3: /* add r64, imm8 */
			p[0] = 0x48, p[1] = 0x83, p[2] = (u8)(0xc0 | reg), p[3] = (u8)(8 * v), i += 4;
			break;
		case 4: /* test r32, r32; je/jne rel8 */
			p[0] = 0x85, p[1] = (u8)(0xc0 | reg << 3 | reg), p[2] = (u8)(0x74 + (v & 1));
			p[3] = (u8)(4 * v), i += 4;
			break;
		case 5: /* nop [rax + rax] */
			p[0] = 0x0f, p[1] = 0x1f, p[2] = 0x44, p[3] = 0, p[4] = 0, i += 5;
			break;
		case 6: /* mov dword [rbp - 4k], imm32 */
			p[0] = 0xc7, p[1] = 0x45, p[2] = (u8)(-4 * (int)(1 + v)), nz_store_le32(p + 3, v * 10);
			i += 7;
			break;
		case 7: /* push r64 */
			p[0] = (u8)(0x50 + reg), i += 1;
			break;
		case 8: /* ret */
			p[0] = 0xc3, i += 1;
			break;
		default: /* mov r32, [rbx + rcx*4 + disp32] */
			p[0] = 0x8b, p[1] = (u8)(0x84 | reg << 3), p[2] = 0x8b;
			nz_store_le32(p + 3, v * 256), i += 7;
			break;
		}
	}
	while (i < n)
		buf[i++] = 0xcc;
}

/* Level `level`'s small configuration, which must have the data-type `flag`
 * (every level has them), in on, and the same without it in off. */
static void flag_on_off(int level, u64 flag, nz_model_config *on, nz_model_config *off)
{
	small_config(level, on);
	CHECK(on->extra[CM_X_FLAGS] & flag);
	*off = *on;
	off->extra[CM_X_FLAGS] &= ~flag;
}

/* The executable model (CM_F_EXE): on in segments of code, where it pays,
 * round trips at any blocks, substreams, threads and lanes; off elsewhere, where
 * the coded bytes are exactly those without it. */
static void test_exe(void)
{
	const size_t n = 60000;
	u8 *code = malloc(n), *text = malloc(n);
	REQUIRE(code && text);
	make_code(code, n, 9);
	nz_test_fill(text, n, 1, 9);
	nz_model_config on, off;
	flag_on_off(6, CM_F_EXE, &on, &off);
	CHECK_EQ_INT(nz_model_cm.validate(&on), NZ_OK);
	nz_model_config neither = off;
	neither.extra[CM_X_FLAGS] &= ~(u64)(CM_F_IMG | CM_F_JPEG | CM_F_AUDIO);
	CHECK(nz_model_cm.memory(&on) > nz_model_cm.memory(&neither));
	const size_t without = round_trip(&off, code, n, 0, 1, 1);
	const size_t with = round_trip(&on, code, n, 0, 1, 1);
	printf("exe model on synthetic code: %zu -> %zu bytes\n", without, with);
	CHECK(with * 100 < without * 97); /* 4.6 % when written */
	round_trip(&on, code, n, 20000, 3, 2);
	/* the segment flags: transform and model on code; nothing on text, where
	 * the coded bytes are the same as without the model */
	coded a[1], b[1];
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	CHECK_EQ_INT(encode_blocks(&on, code, n, n, 1, 1, a, 1), NZ_OK);
	CHECK_EQ_INT(a[0].sub[0].data[0], 3);
	coded_free(&a[0]);
	memset(a, 0, sizeof(a));
	CHECK_EQ_INT(encode_blocks(&on, text, n, n, 2, 1, a, 1), NZ_OK);
	CHECK_EQ_INT(encode_blocks(&off, text, n, n, 2, 1, b, 1), NZ_OK);
	for (u32 j = 0; j < 2; j++) {
		CHECK_EQ_INT(a[0].sub[j].data[0], 0);
		CHECK(a[0].sub[j].size == b[0].sub[j].size &&
		      memcmp(a[0].sub[j].data, b[0].sub[j].data, a[0].sub[j].size) == 0);
	}
	coded_free(&a[0]);
	/* a segment claiming the model in a stream whose header does not allow it */
	memset(a, 0, sizeof(a));
	CHECK_EQ_INT(encode_blocks(&on, code, n, n, 1, 1, a, 1), NZ_OK);
	u8 *dst = malloc(n);
	REQUIRE(dst);
	CHECK_EQ_INT(decode_blocks(&off, dst, n, n, 1, a), NZ_ERR_CORRUPT);
	coded_free(&a[0]);
	coded_free(&b[0]);
	/* lanes of a neural input share the model's statistics, each its own parser */
	nz_model_config nl;
	neural_config(&nl);
	CHECK(nl.extra[CM_X_FLAGS] & CM_F_EXE);
	nl.extra[CM_X_NNLANES] = 3;
	round_trip(&nl, code, 12000, 0, 1, 1);
	free(dst);
	free(code);
	free(text);
}

/* A synthetic photo-like image: smooth gradients per channel plus noise, as a
 * PNM (P6 or P5) or a 24-bit BMP (rows bottom-up, padded to 4 bytes). Returns
 * the file's size. */
static size_t make_image(u8 *buf, size_t cap, u32 w, u32 h, int kind)
{
	nz_test_rng r = {21};
	const u32 bpp = kind == 1 ? 1 : 3;
	size_t off;
	u32 stride = w * bpp;
	if (kind == 2) {
		stride = (w * 3 + 3) & ~3u;
		memset(buf, 0, 54);
		buf[0] = 'B', buf[1] = 'M';
		nz_store_le32(buf + 10, 54);
		nz_store_le32(buf + 14, 40);
		nz_store_le32(buf + 18, w);
		nz_store_le32(buf + 22, h);
		buf[26] = 1, buf[28] = 24;
		off = 54;
	} else {
		off = (size_t)snprintf((char *)buf, cap, "P%c\n%u %u\n255\n", kind == 1 ? '5' : '6', w, h);
	}
	REQUIRE(off + (size_t)stride * h <= cap);
	for (u32 y = 0; y < h; y++)
		for (u32 x = 0; x < stride; x++) {
			const u32 ch = x % bpp, px = x / bpp;
			const u32 v = (px * (2 + ch) + y * (3 + ch)) / 4 + ((px / 16 + y / 8) % 3) * 20 +
				      (u32)(nz_test_next(&r) % 3);
			buf[off + (size_t)y * stride + x] = px < w ? (u8)v : 0;
		}
	return off + (size_t)stride * h;
}

/* The image model (CM_F_IMG): detected from PNM and BMP headers, smaller than
 * without it, round trips; a damaged layout is rejected. */
static void test_image(void)
{
	const size_t cap = 200000;
	u8 *img = malloc(cap), *dst = malloc(cap);
	REQUIRE(img && dst);
	for (int kind = 0; kind < 3; kind++) {
		const size_t n = make_image(img, cap, 150, 120, kind);
		nz_model_config on, off;
		flag_on_off(6, CM_F_IMG, &on, &off);
		const size_t with = round_trip(&on, img, n, 0, 1, 1);
		const size_t without = round_trip(&off, img, n, 0, 1, 1);
		printf("image model on a synthetic %s: %zu -> %zu bytes\n",
		       kind == 0 ? "PPM" : kind == 1 ? "PGM" : "BMP", without, with);
		CHECK(with * 100 < without * 97); /* 5-8 % when written */
		round_trip(&on, img, n, 20000, 3, 2); /* only the first segment is an image */
		coded a[1];
		memset(a, 0, sizeof(a));
		CHECK_EQ_INT(encode_blocks(&on, img, n, n, 1, 1, a, 1), NZ_OK);
		CHECK_EQ_INT(a[0].sub[0].data[0], 4); /* SEG_IMG, then the layout */
		if (kind == 0) {
			/* a decoder without the flag, and a layout the detector never writes */
			CHECK_EQ_INT(decode_blocks(&off, dst, n, n, 1, a), NZ_ERR_CORRUPT);
			u8 *p = a[0].sub[0].data;
			const u8 keep = p[3];
			CHECK_EQ_INT(keep, 3);   /* offset 15, stride 450 (2 bytes), 3 per pixel */
			p[3] = 5;                /* 5 bytes per pixel */
			CHECK_EQ_INT(decode_blocks(&on, dst, n, n, 1, a), NZ_ERR_CORRUPT);
			p[3] = keep;
			p[0] = 4 | 2;            /* image and code at once */
			CHECK_EQ_INT(decode_blocks(&on, dst, n, n, 1, a), NZ_ERR_CORRUPT);
			p[0] = 4;
			CHECK_EQ_INT(decode_blocks(&on, dst, n, n, 1, a), NZ_OK);
			CHECK(memcmp(dst, img, n) == 0);
		}
		coded_free(&a[0]);
	}
	/* comments in a PNM header (GIMP writes one after the magic number): the
	 * image is still found, its first pixel after them; a header whose comments
	 * run past 512 bytes is not taken for one */
	const size_t n = make_image(img, cap, 150, 120, 1);
	static const char comment[] = "# CREATOR: GIMP PNM Filter Version 1.1\n";
	const size_t cn = sizeof(comment) - 1;
	memmove(img + 3 + cn, img + 3, n - 3); /* after "P5\n" */
	memcpy(img + 3, comment, cn);
	nz_model_config on, off;
	flag_on_off(6, CM_F_IMG, &on, &off);
	u8 head[6];
	seg_head(&on, img, n + cn, head, 2);
	CHECK_EQ_INT(head[0], 4);       /* SEG_IMG */
	CHECK_EQ_INT(head[1], 15 + cn); /* the first pixel's offset */
	CHECK(round_trip(&on, img, n + cn, 0, 1, 1) * 100 < round_trip(&off, img, n + cn, 0, 1, 1) * 97);
	u8 *longer = malloc(n + 600);
	REQUIRE(longer);
	memcpy(longer, "P5\n#", 4);
	memset(longer + 4, 'x', 520);
	longer[524] = '\n';
	memcpy(longer + 525, img + 3 + cn, n - 3);
	seg_head(&on, longer, n + 522, head, 1);
	CHECK_EQ_INT(head[0], 0);
	free(longer);
	/* a 32-bit BMP with BI_BITFIELDS (a V5 header, as 32-bit images have): an
	 * image of four bytes a pixel, its pixels after the 124-byte header */
	const size_t bn = 138 + 600 * 120;
	u8 *bmp = calloc(1, bn);
	REQUIRE(bmp);
	make_image(bmp + 138 - 15, bn - 138 + 15, 600, 120, 1); /* pixels: a PGM's */
	memset(bmp, 0, 138);
	bmp[0] = 'B', bmp[1] = 'M';
	nz_store_le32(bmp + 2, (u32)bn);
	nz_store_le32(bmp + 10, 138);
	nz_store_le32(bmp + 14, 124);
	nz_store_le32(bmp + 18, 150);
	nz_store_le32(bmp + 22, 120);
	bmp[26] = 1, bmp[28] = 32, bmp[30] = 3; /* BI_BITFIELDS */
	seg_head(&on, bmp, bn, head, 6);
	CHECK_EQ_INT(head[0], 4); /* SEG_IMG */
	CHECK_EQ_INT(head[5], 4); /* offset 138, stride 600 (two bytes each), 4 */
	round_trip(&on, bmp, bn, 0, 1, 1);
	bmp[30] = 1; /* RLE8: not pixels */
	seg_head(&on, bmp, bn, head, 1);
	CHECK_EQ_INT(head[0], 0);
	free(bmp);
	free(img);
	free(dst);
}

/* The JPEG model (CM_F_JPEG): detected from the SOI marker, smaller than
 * without it on baseline files (4:2:0 with restart markers, grey, 4:2:2 with
 * optimised tables), round trips at -1, -6 and -9 and in several segments and
 * threads; a progressive file, which the parser does not follow, round trips
 * too; a segment flag without the header's flag, or beside another type, is
 * rejected. */
static void test_jpeg(void)
{
	static const char *const files[] = {"c420-restart.jpg", "gray.jpg", "c422-opt.jpg",
					    "progressive.jpg"};
	for (size_t f = 0; f < NZ_ARRAY_LEN(files); f++) {
		size_t n;
		u8 *jpg = nz_test_data_file(&n, "jpeg/%s", files[f]);
		if (!jpg)
			continue;
		u8 *dst = malloc(n);
		REQUIRE(dst);
		static const int levels[] = {1, 6, 9};
		for (size_t l = 0; l < NZ_ARRAY_LEN(levels); l++) {
			nz_model_config on, off;
			flag_on_off(levels[l], CM_F_JPEG, &on, &off);
			const size_t with = round_trip(&on, jpg, n, 0, 1, 1);
			const size_t without = round_trip(&off, jpg, n, 0, 1, 1);
			printf("jpeg model on %s at -%d: %zu -> %zu bytes (%zu raw)\n", files[f],
			       levels[l], without, with, n);
			if (f < 3)
				CHECK(with * 100 < without * 94); /* 8-14 % when written */
		}
		nz_model_config on, off;
		flag_on_off(6, CM_F_JPEG, &on, &off);
		round_trip(&on, jpg, n, 1500, 2, 2); /* only the first segment is JPEG */
		if (f == 0) { /* lanes of a neural input: each its own parser and blocks */
			nz_model_config nl;
			neural_config(&nl);
			CHECK(nl.extra[CM_X_FLAGS] & CM_F_JPEG);
			nl.extra[CM_X_NNLANES] = 3;
			round_trip(&nl, jpg, n, 0, 1, 1);
		}
		coded a[1];
		memset(a, 0, sizeof(a));
		CHECK_EQ_INT(encode_blocks(&on, jpg, n, n, 1, 1, a, 1), NZ_OK);
		u8 *p = a[0].sub[0].data;
		CHECK_EQ_INT(p[0], 8); /* SEG_JPEG */
		CHECK_EQ_INT(decode_blocks(&off, dst, n, n, 1, a), NZ_ERR_CORRUPT);
		p[0] = 8 | 2; /* JPEG and code at once */
		CHECK_EQ_INT(decode_blocks(&on, dst, n, n, 1, a), NZ_ERR_CORRUPT);
		p[0] = 8 | 4;
		CHECK_EQ_INT(decode_blocks(&on, dst, n, n, 1, a), NZ_ERR_CORRUPT);
		p[0] = 8;
		CHECK_EQ_INT(decode_blocks(&on, dst, n, n, 1, a), NZ_OK);
		CHECK(memcmp(dst, jpg, n) == 0);
		coded_free(&a[0]);
		free(dst);
		free(jpg);
	}
	/* what nzip -lv shows of a level: the data types it has */
	nz_model_config l1;
	small_config(1, &l1);
	char d[512];
	nz_model_cm.describe(&l1, d, sizeof(d));
	CHECK(strstr(d, ", x86, ") != NULL);
	CHECK(strstr(d, ", exe, image, jpeg, audio") != NULL);
	/* a JPEG header on data that is not one: still lossless */
	const size_t n = 30000;
	u8 *junk = malloc(n);
	REQUIRE(junk);
	nz_test_fill(junk, n, 0, 5);
	static const u8 head[] = {0xff, 0xd8, 0xff, 0xdb, 0x00, 0x43, 0x00};
	memcpy(junk, head, sizeof(head));
	nz_model_config on;
	small_config(3, &on);
	round_trip(&on, junk, n, 0, 1, 1);
	free(junk);
}

/* A WAV file of `frames` frames of 8- or 16-bit PCM in 1..8 channels: decaying
 * tones, a different one per channel, plus a little noise. Returns its size. */
static size_t make_wav(u8 *buf, size_t cap, u32 channels, u32 bits, u32 frames)
{
	const u32 bps = bits / 8, n = 44 + frames * channels * bps;
	REQUIRE(n <= cap);
	memcpy(buf, "RIFF", 4);
	nz_store_le32(buf + 4, n - 8);
	memcpy(buf + 8, "WAVEfmt ", 8);
	nz_store_le32(buf + 16, 16);
	buf[20] = 1, buf[21] = 0; /* PCM */
	buf[22] = (u8)channels, buf[23] = 0;
	nz_store_le32(buf + 24, 22050);
	nz_store_le32(buf + 28, 22050 * channels * bps);
	buf[32] = (u8)(channels * bps), buf[33] = 0;
	buf[34] = (u8)bits, buf[35] = 0;
	memcpy(buf + 36, "data", 4);
	nz_store_le32(buf + 40, frames * channels * bps);
	nz_test_rng r = {33};
	u8 *p = buf + 44;
	for (u32 t = 0; t < frames; t++)
		for (u32 c = 0; c < channels; c++) {
			const double env = 1.0 / (1.0 + (t % 4000) / 900.0);
			const double v = env * (0.5 * sin(t * (0.031 + 0.007 * c)) + 0.3 * sin(t * 0.0917)) +
					 (double)(nz_test_next(&r) % 64) / 32768.0;
			if (bits == 8) {
				*p++ = (u8)(128 + (int)(v * 120));
			} else {
				const int x = (int)(v * 30000);
				*p++ = (u8)(x & 255);
				*p++ = (u8)((x >> 8) & 255);
			}
		}
	return n;
}

/* The audio model (CM_F_AUDIO): detected from WAV headers of 8- and 16-bit PCM,
 * smaller than without it, round trips in segments and threads; a layout the
 * detector never writes, or the flag beside another type, is rejected. */
static void test_audio(void)
{
	const size_t cap = 200000;
	u8 *wav = malloc(cap), *dst = malloc(cap);
	REQUIRE(wav && dst);
	static const u32 kinds[][2] = {{1, 16}, {2, 16}, {1, 8}, {3, 8}};
	for (size_t k = 0; k < NZ_ARRAY_LEN(kinds); k++) {
		const size_t n = make_wav(wav, cap, kinds[k][0], kinds[k][1], 12000);
		nz_model_config on, off;
		flag_on_off(6, CM_F_AUDIO, &on, &off);
		const size_t with = round_trip(&on, wav, n, 0, 1, 1);
		const size_t without = round_trip(&off, wav, n, 0, 1, 1);
		printf("audio model on %u channel(s) of %u bits: %zu -> %zu bytes (%zu raw)\n",
		       kinds[k][0], kinds[k][1], without, with, n);
		CHECK(with * 100 < without * 95);
		round_trip(&on, wav, n, 20000, 3, 2); /* only the first segment is audio */
		coded a[1];
		memset(a, 0, sizeof(a));
		CHECK_EQ_INT(encode_blocks(&on, wav, n, n, 1, 1, a, 1), NZ_OK);
		u8 *p = a[0].sub[0].data;
		CHECK_EQ_INT(p[0], 16); /* SEG_AUDIO, then the layout */
		CHECK_EQ_INT(p[1], 44);
		CHECK_EQ_INT(p[2], kinds[k][0] * kinds[k][1] / 8);
		CHECK_EQ_INT(p[3], kinds[k][1] / 8);
		if (k == 0) {
			CHECK_EQ_INT(decode_blocks(&off, dst, n, n, 1, a), NZ_ERR_CORRUPT);
			p[3] = 3; /* 24-bit samples */
			CHECK_EQ_INT(decode_blocks(&on, dst, n, n, 1, a), NZ_ERR_CORRUPT);
			p[3] = 2;
			p[2] = 18; /* 9 channels */
			CHECK_EQ_INT(decode_blocks(&on, dst, n, n, 1, a), NZ_ERR_CORRUPT);
			p[2] = 2;
			p[0] = 16 | 4; /* audio and image at once */
			CHECK_EQ_INT(decode_blocks(&on, dst, n, n, 1, a), NZ_ERR_CORRUPT);
			p[0] = 16;
			CHECK_EQ_INT(decode_blocks(&on, dst, n, n, 1, a), NZ_OK);
			CHECK(memcmp(dst, wav, n) == 0);
		}
		coded_free(&a[0]);
	}
	/* a 24-bit file and a truncated header are not detected: they code as before */
	size_t n = make_wav(wav, cap, 1, 16, 3000);
	wav[34] = 24;
	nz_model_config on;
	small_config(1, &on);
	coded a[1];
	memset(a, 0, sizeof(a));
	CHECK_EQ_INT(encode_blocks(&on, wav, n, n, 1, 1, a, 1), NZ_OK);
	CHECK_EQ_INT(a[0].sub[0].data[0], 0);
	coded_free(&a[0]);
	round_trip(&on, wav, 40, 0, 1, 1);
	free(wav);
	free(dst);
}

/* Words of a small vocabulary, spaces and line ends: n bytes of text. */
static void make_words(u8 *buf, size_t n, u32 seed)
{
	static const char *const w[] = {"the ", "model ", "of ", "a ", "file ", "inside ",
					"archive ", "is ", "coded\n", "with "};
	nz_test_rng r = {seed};
	for (size_t i = 0; i < n;) {
		const char *x = w[nz_test_next(&r) % NZ_ARRAY_LEN(w)];
		for (size_t j = 0; x[j] && i < n; j++)
			buf[i++] = (u8)x[j];
	}
}

/* A baseline-JPEG-shaped file of about n bytes: SOI, an APP0 segment, a scan
 * header and entropy-coded bytes (no 0xff), EOI. Returns its size. */
static size_t make_jpeg_like(u8 *buf, size_t n)
{
	static const u8 head[] = {0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1,
				  0, 1, 0, 0, 0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0};
	memcpy(buf, head, sizeof(head));
	nz_test_rng r = {5};
	for (size_t i = sizeof(head); i + 2 < n; i++)
		buf[i] = (u8)(nz_test_next(&r) % 255);
	buf[n - 2] = 0xff, buf[n - 1] = 0xd9;
	return n;
}

/* Typed files inside a segment (CM_F_SPANS): a WAV, a BMP, a JPEG and a PGM
 * between runs of text are found where they are, coded with their models (smaller than
 * without the flag), round trip in substreams and threads; a damaged list is
 * rejected. */
static void test_spans(void)
{
	const size_t cap = 200000;
	u8 *src = malloc(cap), *dst = malloc(cap);
	REQUIRE(src && dst);
	size_t n = 0;
	make_words(src, 3000, 1), n += 3000;
	const size_t wav_at = n;
	n += make_wav(src + n, cap - n, 1, 16, 12000);
	make_words(src + n, 2001, 2), n += 2001;
	const size_t bmp_at = n, bmp_len = make_image(src + n, cap - n, 150, 120, 2);
	n += bmp_len;
	make_words(src + n, 1500, 3), n += 1500;
	const size_t jpeg_at = n;
	n += make_jpeg_like(src + n, 5000);
	make_words(src + n, 900, 5), n += 900;
	n += make_image(src + n, cap - n, 150, 120, 1); /* a PGM */
	make_words(src + n, 700, 4), n += 700;
	REQUIRE(n <= cap);
	nz_store_le32(src + bmp_at + 2, (u32)bmp_len); /* the BMP's file size, which make_image leaves 0 */

	nz_model_config on, off;
	flag_on_off(6, CM_F_SPANS, &on, &off);
	const size_t with = round_trip(&on, src, n, 0, 1, 1);
	const size_t without = round_trip(&off, src, n, 0, 1, 1);
	printf("typed spans in %zu bytes of text, WAV, BMP, JPEG and PGM: %zu -> %zu bytes\n", n,
	       without, with);
	CHECK(with * 100 < without * 95);
	round_trip(&on, src, n, 0, 3, 2);     /* the spans fall in three segments */
	round_trip(&on, src, n, 30000, 2, 2); /* and in blocks */

	coded a[1];
	memset(a, 0, sizeof(a));
	CHECK_EQ_INT(encode_blocks(&on, src, n, n, 1, 1, a, 1), NZ_OK);
	u8 *p = a[0].sub[0].data;
	CHECK_EQ_INT(p[0], 32); /* SEG_SPANS */
	CHECK_EQ_INT(p[1], 4);  /* four spans */
	/* the first: 3000 bytes of text, then the WAV as audio with its layout */
	size_t at = 2;
	u64 v;
	CHECK(!nz_get_varint(p, a[0].sub[0].size, &at, &v) && v == wav_at);
	const size_t len_at = at;
	CHECK(!nz_get_varint(p, a[0].sub[0].size, &at, &v) && v == bmp_at - 2001 - wav_at);
	CHECK_EQ_INT(at - len_at, 3); /* 24,044: three bytes */
	const size_t type_at = at;
	CHECK_EQ_INT(p[type_at], 16); /* SEG_AUDIO */
	CHECK_EQ_INT(p[type_at + 1], 44);

	CHECK_EQ_INT(decode_blocks(&off, dst, n, n, 1, a), NZ_ERR_CORRUPT); /* not allowed */
	p[type_at] = 2; /* SEG_EXE: not a span's type */
	CHECK_EQ_INT(decode_blocks(&on, dst, n, n, 1, a), NZ_ERR_CORRUPT);
	p[type_at] = 16;
	p[1] = 0; /* no spans */
	CHECK_EQ_INT(decode_blocks(&on, dst, n, n, 1, a), NZ_ERR_CORRUPT);
	p[1] = 4;
	p[0] = 32 | 1; /* with the x86 transform */
	CHECK_EQ_INT(decode_blocks(&on, dst, n, n, 1, a), NZ_ERR_CORRUPT);
	p[0] = 32;
	const u8 was = p[len_at + 2];
	p[len_at + 2] = 0x7f; /* a length past the segment's end */
	CHECK_EQ_INT(decode_blocks(&on, dst, n, n, 1, a), NZ_ERR_CORRUPT);
	p[len_at + 2] = was;
	/* a segment too short for the third span */
	CHECK_EQ_INT(decode_blocks(&on, dst, jpeg_at + 4000, jpeg_at + 4000, 1, a), NZ_ERR_CORRUPT);
	CHECK_EQ_INT(decode_blocks(&on, dst, n, n, 1, a), NZ_OK); /* restored */
	CHECK(memcmp(dst, src, n) == 0);
	coded_free(&a[0]);

	/* real JPEG files (cjpeg's, tests/data/jpeg) between text: both found, the
	 * baseline one coded by the JPEG model; the progressive one is a span too,
	 * which the model leaves to the general contexts, as for a whole file */
	size_t jn, pn;
	u8 *jpg = nz_test_data_file(&jn, "jpeg/c422-opt.jpg");
	u8 *prog = nz_test_data_file(&pn, "jpeg/progressive.jpg");
	n = 0;
	make_words(src, 2500, 6), n += 2500;
	memcpy(src + n, jpg, jn), n += jn;
	make_words(src + n, 1200, 7), n += 1200;
	memcpy(src + n, prog, pn), n += pn;
	make_words(src + n, 300, 8), n += 300;
	const size_t jwith = round_trip(&on, src, n, 0, 1, 1);
	const size_t jwithout = round_trip(&off, src, n, 0, 1, 1);
	printf("typed spans around c422-opt.jpg (%zu bytes) and progressive.jpg: %zu -> %zu bytes\n",
	       jn, jwithout, jwith);
	CHECK(jwithout - jwith > jn / 20); /* at least 5 % of the baseline file */
	memset(a, 0, sizeof(a));
	CHECK_EQ_INT(encode_blocks(&on, src, n, n, 1, 1, a, 1), NZ_OK);
	CHECK_EQ_INT(a[0].sub[0].data[0], 32);
	CHECK_EQ_INT(a[0].sub[0].data[1], 2);
	coded_free(&a[0]);
	free(jpg);
	free(prog);

	/* text alone has no spans: its segment codes as without the flag */
	make_words(src, 20000, 9);
	coded b[2];
	memset(b, 0, sizeof(b));
	CHECK_EQ_INT(encode_blocks(&on, src, 20000, 20000, 1, 1, &b[0], 1), NZ_OK);
	CHECK_EQ_INT(encode_blocks(&off, src, 20000, 20000, 1, 1, &b[1], 1), NZ_OK);
	CHECK_EQ_INT(b[0].sub[0].data[0], 0);
	CHECK(b[0].sub[0].size == b[1].sub[0].size &&
	      memcmp(b[0].sub[0].data, b[1].sub[0].data, b[0].sub[0].size) == 0);
	coded_free(&b[0]);
	coded_free(&b[1]);
	free(src);
	free(dst);
}

/* A table of 64-byte records, each a copy of the one above with a few cells
 * changed (like an endgame table or a spreadsheet dump). */
static void make_table(u8 *buf, size_t n)
{
	nz_test_rng r = {11};
	for (size_t i = 0; i < n; i++) {
		if (i < 64)
			buf[i] = (u8)(3 + 4 * (nz_test_next(&r) % 6));
		else if (nz_test_next(&r) % 8 == 0)
			buf[i] = (u8)(3 + 4 * (nz_test_next(&r) % 6));
		else
			buf[i] = buf[i - 64];
	}
}

/* The table profile: detected on records, not on text or zeros; it shrinks a
 * table; the header written by the public API records it, so the decoder needs
 * nothing else; a context reused for another kind of data codes as a new one. */
static void test_table_profile(void)
{
	const size_t n = 60000;
	u8 *table = malloc(n), *text = malloc(n), *zero = calloc(1, n);
	REQUIRE(table && text && zero);
	make_table(table, n);
	nz_test_fill(text, n, 1, 3);
	nz_model_config cfg, tuned;
	small_config(1, &cfg);
	tuned = cfg;
	CHECK_EQ_INT(nz_cm_tune(&tuned, table, n), 1);
	CHECK(tuned.extra[CM_X_CTXMASK] & CM_C_RECCOL);
	/* the profile adds the record model where a configuration lacks it (level 1
	 * has it, so its flags stay) */
	CHECK(cfg.extra[CM_X_FLAGS] & CM_F_REC);
	CHECK_EQ_INT(tuned.extra[CM_X_FLAGS], cfg.extra[CM_X_FLAGS]);
	nz_model_config norec = cfg;
	norec.extra[CM_X_FLAGS] &= ~(u64)CM_F_REC;
	CHECK_EQ_INT(nz_cm_tune(&norec, table, n), 1);
	CHECK_EQ_INT(norec.extra[CM_X_FLAGS], cfg.extra[CM_X_FLAGS]);
	CHECK_EQ_INT(nz_cm_tune(&cfg, text, n), 0);
	CHECK_EQ_INT(nz_cm_tune(&cfg, zero, n), 0);
	CHECK_EQ_INT(nz_cm_tune(&cfg, table, 100), 0);
	CHECK(round_trip(&tuned, table, n, 0, 1, 1) < round_trip(&cfg, table, n, 0, 1, 1));
	round_trip(&tuned, text, n, 20000, 2, 2);
	/* at level 8 the text kinds and the mixers' fast start go */
	nz_model_config c8, t8;
	small_config(8, &c8);
	CHECK(c8.extra[CM_X_CTXMASK] & CM_C_TAG);
	CHECK(c8.extra[CM_X_FLAGS] & CM_F_LRDECAY);
	t8 = c8;
	CHECK_EQ_INT(nz_cm_tune(&t8, table, n), 1);
	CHECK((t8.extra[CM_X_CTXMASK] & (CM_C_TAG | CM_C_WORD12 | CM_C_TEXT)) == 0);
	CHECK((t8.extra[CM_X_FLAGS] & CM_F_LRDECAY) == 0);
	CHECK(t8.extra[CM_X_CTXMASK] & CM_C_RECCOL);
	CHECK(round_trip(&t8, table, n, 0, 1, 1) < round_trip(&c8, table, n, 0, 1, 1));

	nz_params p;
	nz_params_init(&p, 1);
	p.threads = 1;
	const size_t cap = nz_compress_bound(n);
	u8 *a = malloc(cap), *b = malloc(cap), *back = malloc(n);
	REQUIRE(a && b && back);
	nz_cctx *reused, *fresh;
	REQUIRE(nz_cctx_create(&reused, &p) == NZ_OK);
	for (int round = 0; round < 3; round++) {
		const u8 *src = round == 1 ? text : table;
		REQUIRE(nz_cctx_create(&fresh, &p) == NZ_OK);
		size_t na = nz_test_cctx_frame(reused, src, n, a, cap);
		size_t nb = nz_test_cctx_frame(fresh, src, n, b, cap);
		CHECK(na == nb && memcmp(a, b, na) == 0);
		nz_cctx_free(fresh);
		CHECK_EQ_INT(nz_cctx_reset(reused), NZ_OK);
		size_t got = 0;
		CHECK_EQ_INT(nz_decompress(back, n, &got, a, na, NULL), NZ_OK);
		CHECK(got == n && memcmp(back, src, n) == 0);
	}
	nz_cctx_free(reused);
	free(a);
	free(b);
	free(back);
	free(table);
	free(text);
	free(zero);
}

/* The JPEG profile: a baseline JPEG (or a prefix of one) gets orders 2-4, three
 * SSE stages and none of SSE2, mixers 7-9 and the neural model, and codes no
 * larger at level 8 than without; a progressive JPEG, a JPEG with text after
 * it, and marker-like bytes that are no JPEG are left alone; the public API
 * writes it into the header, so the decoder needs nothing else. */
static void test_jpeg_profile(void)
{
	static const char *const files[] = {"c420-restart.jpg", "gray.jpg", "c422-opt.jpg"};
	const u64 not_jpeg = CM_F_SSE2 | CM_F_MIX7 | CM_F_MIX8 | CM_F_MIX9 | CM_F_EXT;
	for (size_t f = 0; f < NZ_ARRAY_LEN(files); f++) {
		size_t n;
		u8 *jpg = nz_test_data_file(&n, "jpeg/%s", files[f]);
		if (!jpg)
			continue;
		nz_model_config cfg, tuned;
		small_config(9, &cfg);
		tuned = cfg;
		CHECK_EQ_INT(nz_cm_tune(&tuned, jpg, n), 2);
		CHECK_EQ_INT(tuned.extra[CM_X_CTXMASK], CM_C_O2 | CM_C_O3 | CM_C_O4);
		CHECK_EQ_INT(tuned.extra[CM_X_SSE], 3);
		CHECK((tuned.extra[CM_X_FLAGS] & not_jpeg) == 0);
		CHECK(tuned.extra[CM_X_FLAGS] & CM_F_JPEG);
		CHECK_EQ_INT(tuned.extra[CM_X_NNMODEL], 0);
		CHECK_EQ_INT(nz_model_cm.validate(&tuned), NZ_OK);
		tuned = cfg;
		CHECK_EQ_INT(nz_cm_tune(&tuned, jpg, n / 2), 2); /* a prefix: runs past it */
		small_config(8, &cfg);
		tuned = cfg;
		CHECK_EQ_INT(nz_cm_tune(&tuned, jpg, n), 2);
		const size_t with = round_trip(&tuned, jpg, n, 0, 1, 1);
		const size_t without = round_trip(&cfg, jpg, n, 0, 1, 1);
		printf("jpeg profile on %s at -8: %zu -> %zu bytes\n", files[f], without, with);
		CHECK(with <= without);
		/* text after the JPEG: not one JPEG file */
		const size_t tn = n + 4 * n;
		u8 *mixed = malloc(tn);
		REQUIRE(mixed);
		memcpy(mixed, jpg, n);
		nz_test_fill(mixed + n, tn - n, 1, 3);
		tuned = cfg;
		CHECK(nz_cm_tune(&tuned, mixed, tn) != 2);
		if (f == 0) { /* through the public API: the header holds it */
			nz_params np;
			REQUIRE(nz_params_init(&np, 9) == NZ_OK);
			api_round_trip(jpg, n, &np);
		}
		free(mixed);
		free(jpg);
	}
	size_t n;
	u8 *prog = nz_test_data_file(&n, "jpeg/progressive.jpg");
	if (prog) {
		nz_model_config cfg;
		small_config(9, &cfg);
		CHECK(nz_cm_tune(&cfg, prog, n) != 2);
		CHECK(cfg.extra[CM_X_FLAGS] & CM_F_EXT);
		free(prog);
	}
	/* SOI, then APP0 segments of 4 bytes, over and over: no frame, no scan */
	u8 fake[6000];
	for (size_t i = 0; i < sizeof(fake); i++)
		fake[i] = (u8)"\xff\xd8\xff\xe0\x00\x04"[i % 6];
	nz_model_config cfg;
	small_config(9, &cfg);
	CHECK(nz_cm_tune(&cfg, fake, sizeof(fake)) != 2); /* (a table: period 6) */
	/* nor is its segment coded as JPEG: its markers never reach a scan (the JPEG
	 * model's time would be spent on nothing), where a real file's do, even cut */
	small_config(1, &cfg);
	u8 flags;
	seg_head(&cfg, fake, sizeof(fake), &flags, 1);
	CHECK((flags & 0x1e) != 8); /* SEG_JPEG */
	u8 *jpg = nz_test_data_file(&n, "jpeg/gray.jpg");
	if (jpg) {
		seg_head(&cfg, jpg, n / 2, &flags, 1);
		CHECK_EQ_INT(flags, 8);
		free(jpg);
	}
}

static void test_corpus(void)
{
	static const char *files[] = {"gcide", "linux", "cldr", "cc1", "small/alice29.txt",
				      "small/kppkn.gtb", "small/fireworks.jpeg", "small/geo.protodata"};
	static const int lv[] = {1, 6, 9};
	for (size_t f = 0; f < NZ_ARRAY_LEN(files); f++) {
		size_t n;
		u8 *data = nz_test_corpus(files[f], 32 * 1024, &n);
		if (!data)
			continue;
		for (size_t l = 0; l < NZ_ARRAY_LEN(lv); l++) {
			nz_model_config cfg;
			small_config(lv[l], &cfg);
			size_t c = round_trip(&cfg, data, n, 0, 1, 1);
			if (f < 4)
				CHECK(c < n);
		}
		free(data);
	}
}

static void test_corruption(void)
{
	size_t n = 40000;
	u8 *buf = malloc(n), *dst = malloc(n);
	REQUIRE(buf && dst);
	nz_test_fill(buf, n, 4, 3);
	nz_model_config cfg;
	small_config(5, &cfg);
	coded c[1];
	memset(c, 0, sizeof(c));
	REQUIRE(encode_blocks(&cfg, buf, n, n, 2, 1, c, 1) == NZ_OK);
	nz_block_codec *bc;
	REQUIRE(nz_model_cm.create_block_codec(&cfg, serial_exec(), &bc) == NZ_OK);
	nz_test_rng r = {11};
	int errors = 0, mismatches = 0;
	for (int t = 0; t < 60; t++) {
		u8 *copy[2];
		size_t sz[2];
		for (u32 j = 0; j < 2; j++) {
			sz[j] = c[0].sub[j].size;
			copy[j] = malloc(sz[j] + 1);
			REQUIRE(copy[j]);
			memcpy(copy[j], c[0].sub[j].data, sz[j]);
		}
		u32 j = t & 1;
		if (t < 20) {
			sz[j] = (size_t)(nz_test_next(&r) % sz[j]); /* truncate */
		} else if (t < 50) {
			size_t at = (size_t)(nz_test_next(&r) % sz[j]);
			copy[j][at] ^= (u8)(1 + nz_test_next(&r) % 255);
		} else {
			copy[j][sz[j]] = 0; /* one byte too many */
			sz[j]++;
		}
		const u8 *ptr[2] = {copy[0], copy[1]};
		int rc = bc->ops->decode(bc, dst, n, 0, ptr, sz, 2, NULL);
		if (rc)
			errors++;
		else if (memcmp(dst, buf, n) != 0)
			mismatches++;
		else
			CHECK(0); /* every corruption must be noticed */
		for (u32 q = 0; q < 2; q++)
			free(copy[q]);
	}
	CHECK(errors > 20);
	(void)mismatches;
	/* a wrong substream count is refused */
	const u8 *ptr[1] = {c[0].sub[0].data};
	size_t sz1[1] = {0};
	CHECK(bc->ops->decode(bc, dst, n, 0, ptr, sz1, 1, NULL) != NZ_OK);
	CHECK(bc->ops->decode(bc, dst, n, 0, ptr, sz1, 0, NULL) != NZ_OK);
	bc->ops->destroy(bc);
	coded_free(&c[0]);
	free(buf);
	free(dst);
}

static int cancel_cb(void *opaque, const nz_progress *p)
{
	int *calls = opaque;
	(*calls)++;
	return p->raw_done > 100000;
}

static void test_progress_cancel(void)
{
	size_t n = 300000;
	u8 *buf = malloc(n);
	REQUIRE(buf);
	nz_test_fill(buf, n, 1, 5);
	nz_model_config cfg;
	small_config(1, &cfg);
	nz_block_codec *bc;
	REQUIRE(nz_model_cm.create_block_codec(&cfg, serial_exec(), &bc) == NZ_OK);
	int calls = 0;
	nz_job job = {0};
	job.fn = cancel_cb;
	job.opaque = &calls;
	nz_buf sub[1] = {{0}};
	CHECK_EQ_INT(bc->ops->encode(bc, buf, n, 0, sub, 1, &job), NZ_ERR_CANCELLED);
	CHECK(calls >= 2);
	nz_buf_free(&sub[0]);
	bc->ops->destroy(bc);
	free(buf);
}

int main(void)
{
	test_bit_coder();
	test_kernels_agree();
	test_validate();
	test_sizes_and_levels();
	test_substreams_threads_blocks();
	test_neural();
	test_cm_x();
	test_x86();
	test_exe();
	test_image();
	test_jpeg();
	test_audio();
	test_spans();
	test_table_profile();
	test_jpeg_profile();
	test_corpus();
	test_corruption();
	test_progress_cancel();
	nz_exec_free(serial_exec());
	return nz_test_finish("test_cm");
}
