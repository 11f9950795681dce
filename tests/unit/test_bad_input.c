/*
 * test_bad_input.c - the decoder on hostile input: every truncation, bit flips all
 * over, wrong magic, newer versions, unknown flags, absurd header values, memory
 * limits, trailing garbage. Each must fail with the right code, never crash (run
 * under ASan/UBSan by the fuzz build), never hang.
 */
#include "codec/config.h"
#include "format/frame.h"
#include "nzip.h"
#include "test_util.h"

static int decode(const uint8_t *src, size_t n, size_t cap, uint64_t memlimit)
{
	uint8_t *dst = malloc(cap + 1);
	size_t size;
	nz_dparams dp;
	nz_dparams_init(&dp);
	dp.memlimit = memlimit;
	int rc = nz_decompress(dst, cap, &size, src, n, &dp);
	free(dst);
	return rc;
}

static int decodes_to(const uint8_t *src, size_t n, const uint8_t *raw, size_t raw_size)
{
	uint8_t *dst = malloc(raw_size + 1);
	size_t size;
	int same = nz_decompress(dst, raw_size + 1, &size, src, n, NULL) == NZ_OK &&
		   size == raw_size && memcmp(dst, raw, raw_size) == 0;
	free(dst);
	return same;
}

/* A frame of the model (store, order2 with 5 lanes, or cm) in 3 substreams. */
static uint8_t *make(const char *model, size_t n, int kind, uint32_t block_size,
		     size_t *csize, uint8_t **raw)
{
	*raw = malloc(n + 1);
	nz_test_fill(*raw, n, kind, 42);
	nz_params p;
	nz_params_init(&p, 6);
	REQUIRE(nz_params_set_model(&p, model) == NZ_OK);
	p.block_size = block_size;
	p.substreams = 3;
	if (strcmp(model, "order2") == 0)
		p.lanes = 5;
	size_t cap = nz_compress_bound(n);
	uint8_t *c = malloc(cap);
	REQUIRE(nz_compress(c, cap, csize, *raw, n, &p) == NZ_OK);
	return c;
}

static void test_truncations(const char *model)
{
	size_t csize;
	uint8_t *raw, *c = make(model, 5000, 1, 1024, &csize, &raw);
	REQUIRE(decode(c, csize, 5000, 0) == NZ_OK);
	/* A bit-wise model costs tens of milliseconds to set up: sample its frames. */
	const size_t stride = strncmp(model, "cm", 2) == 0 ? 5 : 1;
	for (size_t cut = 0; cut < csize; cut += stride) {
		int rc = decode(c, cut, 5000, 0);
		if (rc != NZ_ERR_TRUNCATED)
			fprintf(stderr, "cut at %zu of %zu: %s\n", cut, csize, nz_error_string(rc));
		CHECK(rc == NZ_ERR_TRUNCATED);
	}
	free(c);
	free(raw);
}

static void test_bit_flips(const char *model)
{
	size_t csize;
	uint8_t *raw, *c = make(model, 4000, 4, 1024, &csize, &raw);
	size_t undetected = 0;
	const size_t stride = strncmp(model, "cm", 2) == 0 ? 5 : 1;
	for (size_t pos = 0; pos < csize; pos += stride)
		for (int bit = 0; bit < 8; bit += 3) {
			c[pos] ^= (uint8_t)(1 << bit);
			int rc = decode(c, csize, 4000, 0);
			if (rc == NZ_OK) /* slack bits (a substream's last byte): same output */
				undetected += !decodes_to(c, csize, raw, 4000);
			CHECK(rc != NZ_ERR_NOMEM && rc != NZ_ERR_PARAM);
			c[pos] ^= (uint8_t)(1 << bit);
		}
	/* Every flip that changes the output lands in a checksummed part. */
	CHECK(undetected == 0);
	free(c);
	free(raw);
}

/* Rewrite a frame header field and fix its check so only the field is wrong. */
static void patch_header(uint8_t *c, size_t hsize, size_t off, uint8_t value)
{
	c[off] = value;
	nz_store_le32(c + hsize - 4, (u32)nz_xxh64(c, hsize - 4));
}

static void test_header_fields(void)
{
	size_t csize;
	uint8_t *raw, *c = make("order2", 3000, 1, 0, &csize, &raw);
	nz_frame_info info;
	REQUIRE(nz_get_frame_info(c, csize, &info) == NZ_OK);
	const size_t hsize = info.header_size;
	uint8_t *t = malloc(csize);

	struct { size_t off; uint8_t value; int expect; } cases[] = {
		{0, 'x', NZ_ERR_NOT_NZIP},
		{4, 3, NZ_ERR_VERSION},
		{4, 0, NZ_ERR_VERSION},
		{5, 0x81, NZ_ERR_UNSUPPORTED},     /* unknown flag */
		{6, 9, NZ_ERR_UNSUPPORTED},        /* unknown coding */
		{7, 200, NZ_ERR_UNSUPPORTED},      /* unknown model */
		{7, NZ_MODEL_STORE, NZ_ERR_UNSUPPORTED}, /* model does not match coding */
		{8, 31, NZ_ERR_UNSUPPORTED},       /* block_log too big */
		{8, 9, NZ_ERR_UNSUPPORTED},        /* block_log too small */
		{9, 7, NZ_ERR_UNSUPPORTED},        /* unknown preset */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(t, c, csize);
		if (cases[i].off < 5)
			t[cases[i].off] = cases[i].value; /* checked before the header check */
		else
			patch_header(t, hsize, cases[i].off, cases[i].value);
		int rc = decode(t, csize, 3000, 0);
		if (rc != cases[i].expect)
			fprintf(stderr, "header case %zu: got %s\n", i, nz_error_string(rc));
		CHECK(rc == cases[i].expect);
	}
	/* A flipped header byte without fixing the check: checksum error. */
	memcpy(t, c, csize);
	t[7] ^= 1;
	CHECK(decode(t, csize, 3000, 0) == NZ_ERR_CHECKSUM);
	/* Memory limit below what the model needs. */
	CHECK(decode(c, csize, 3000, 1000) == NZ_ERR_MEMLIMIT);
	CHECK(decode(c, csize, 3000, info.memory_needed) == NZ_OK);
	/* Output buffer too small. */
	CHECK(decode(c, csize, 2999, 0) == NZ_ERR_DST_SIZE);
	/* Trailing garbage after a valid frame. */
	uint8_t *g = malloc(csize + 5);
	memcpy(g, c, csize);
	memcpy(g + csize, "junk!", 5);
	CHECK(decode(g, csize + 5, 3000, 0) == NZ_ERR_NOT_NZIP);
	/* Empty input and a lone magic. */
	CHECK(decode(c, 0, 3000, 0) == NZ_ERR_TRUNCATED);
	CHECK(decode(c, 4, 3000, 0) == NZ_ERR_TRUNCATED);
	free(g);
	free(t);
	free(c);
	free(raw);
}

/* Headers written by hand (format version 1, whose records are the whole
 * configuration): absurd parameter values must be refused before any allocation. */
static void test_absurd_params(void)
{
	nz_frame_header h;
	memset(&h, 0, sizeof(h));
	h.version = 1;
	h.coding = NZ_CODING_BYTES;
	h.model = NZ_MODEL_ORDER2;
	h.block_log = 30;
	h.has_content_size = 1;
	h.content_size = UINT64_MAX - 1;
	h.nparams = 2;
	h.keys[0] = NZ_KEY_LANES;
	h.values[0] = 1ull << 40;
	h.keys[1] = NZ_KEY_CONTEXT;
	h.values[1] = 2;
	uint8_t buf[NZ_FRAME_HEADER_MAX + 64];
	size_t n = nz_write_frame_header(buf, &h);
	CHECK(decode(buf, n, 100, 0) == NZ_ERR_UNSUPPORTED);
	h.values[0] = 0xFFFFFFFFull; /* fits 32 bits, beyond the model's range */
	n = nz_write_frame_header(buf, &h);
	CHECK(decode(buf, n, 100, 0) == NZ_ERR_UNSUPPORTED);
	h.values[0] = 4;
	h.keys[1] = 99; /* unknown key */
	n = nz_write_frame_header(buf, &h);
	CHECK(decode(buf, n, 100, 0) == NZ_ERR_UNSUPPORTED);
	h.keys[1] = NZ_KEY_CONTEXT;
	n = nz_write_frame_header(buf, &h);
	/* A valid header then a block claiming 1 GiB of raw data with a tiny payload:
	 * refused for the output size, or truncated, without allocating 1 GiB. */
	nz_block_header b = {.type = NZ_BLOCK_CODED, .k = 1, .raw_size = 1u << 30};
	b.sub_size[0] = 100;
	n += nz_write_block_header(buf + n, 1, &b);
	CHECK(decode(buf, n, 100, 0) == NZ_ERR_DST_SIZE);
	CHECK(decode(buf, n, 2u << 30, 0) == NZ_ERR_TRUNCATED);
	/* Coded payload not smaller than the block. */
	n = nz_write_frame_header(buf, &h);
	b.raw_size = 50;
	b.sub_size[0] = 50;
	n += nz_write_block_header(buf + n, 1, &b);
	CHECK(decode(buf, n, 100, 0) == NZ_ERR_CORRUPT);
	/* First block claims to continue a model state. */
	n = nz_write_frame_header(buf, &h);
	b.flags = NZ_BLOCK_FLAG_KEEP_STATE;
	b.sub_size[0] = 10;
	n += nz_write_block_header(buf + n, 1, &b);
	memset(buf + n, 0, 10);
	CHECK(decode(buf, n + 10, 100, 0) == NZ_ERR_CORRUPT);
}

/* A bit-wise model holds one state per substream: the limit counts all of them,
 * and so does the memory the frame info reports once a block header is seen. */
static void test_cm_memlimit(void)
{
	size_t csize;
	uint8_t *raw, *c = make("cm-3", 3000, 1, 0, &csize, &raw);
	nz_frame_info frame, first;
	REQUIRE(nz_get_frame_info(c, csize, &first) == NZ_OK);
	REQUIRE(nz_get_frame_info(c, first.header_size, &frame) == NZ_OK);
	/* The header alone: one state; with the first block header: its 3. */
	CHECK(first.memory_needed > frame.memory_needed);
	CHECK(decode(c, csize, 3000, frame.memory_needed) == NZ_ERR_MEMLIMIT);
	CHECK(decode(c, csize, 3000, first.memory_needed - 1) == NZ_ERR_MEMLIMIT);
	CHECK(decode(c, csize, 3000, first.memory_needed) == NZ_OK);
	/* A context refused for the substreams reports what they need. */
	nz_dparams dp;
	nz_dparams_init(&dp);
	dp.memlimit = frame.memory_needed;
	nz_dctx *d;
	REQUIRE(nz_dctx_create(&d, &dp) == NZ_OK);
	uint8_t out[4096];
	nz_outbuf ob = {out, sizeof(out), 0};
	nz_inbuf ib = {c, csize, 0};
	CHECK(nz_decompress_stream(d, &ob, &ib, NULL) == NZ_ERR_MEMLIMIT);
	nz_frame_info got;
	CHECK(nz_dctx_frame_info(d, &got) == NZ_OK && got.memory_needed == first.memory_needed);
	CHECK(ob.pos == 0);
	nz_dctx_free(d);
	/* nz_params_resolve counts the substreams the parameters give. */
	nz_params p;
	nz_params_init(&p, 6);
	REQUIRE(nz_params_set_model(&p, "cm-3") == NZ_OK);
	p.substreams = 3;
	p.content_size = 3000;
	nz_frame_info resolved;
	REQUIRE(nz_params_resolve(&p, &resolved, NULL) == NZ_OK);
	CHECK(resolved.memory_needed == first.memory_needed);
	free(c);
	free(raw);
}

/* The default limit: every built-in level fits at any input size (a huge one
 * makes the CM levels code two substreams), a crafted header does not. */
static void test_default_memlimit(void)
{
	nz_dparams dp;
	nz_dparams_init(&dp);
	CHECK(dp.memlimit == NZ_MEMLIMIT_DEFAULT);
	static const char *const extra[] = {"cm-nn", "cm-9", "edpc", "pac", "trace", "sep"};
	const uint64_t sizes[] = {NZ_CONTENT_SIZE_UNKNOWN, 1ull << 40};
	for (int level = 1; level <= NZ_LEVEL_MAX; level++)
		for (int s = 0; s < 2; s++)
			for (int m = -1; m < (int)(sizeof(extra) / sizeof(extra[0])); m++) {
				nz_params p;
				nz_params_init(&p, level);
				if (m >= 0)
					REQUIRE(nz_params_set_model(&p, extra[m]) == NZ_OK);
				p.content_size = sizes[s];
				nz_frame_info fi;
				REQUIRE(nz_params_resolve(&p, &fi, NULL) == NZ_OK);
				if (fi.memory_needed > NZ_MEMLIMIT_DEFAULT)
					fprintf(stderr, "level %d %s: needs %llu\n", level,
						m >= 0 ? extra[m] : "", (unsigned long long)fi.memory_needed);
				CHECK(fi.memory_needed <= NZ_MEMLIMIT_DEFAULT);
			}
}

/* Replace the block header of bsize bytes at c + at by b written in the frame's
 * version (its size may change with the varints); returns the new buffer. */
static uint8_t *rewrite_block_header(uint8_t *c, size_t *csize, size_t at, size_t bsize,
				     const nz_block_header *b)
{
	nz_frame_info fi;
	REQUIRE(nz_get_frame_info(c, *csize, &fi) == NZ_OK);
	uint8_t hdr[NZ_BLOCK_HEADER_MAX];
	const size_t n = nz_write_block_header(hdr, (u32)fi.format_version, b);
	uint8_t *o = malloc(*csize - bsize + n);
	REQUIRE(o);
	memcpy(o, c, at);
	memcpy(o + at, hdr, n);
	memcpy(o + at + n, c + at + bsize, *csize - at - bsize);
	*csize = *csize - bsize + n;
	free(c);
	return o;
}

/* A damaged bit-wise substream is corruption, not a short input: the payload is
 * all there. A block that claims far more output than its payload holds stops
 * at the payload's end. */
static void test_cm_overrun(void)
{
	size_t csize;
	uint8_t *raw, *c = make("cm-1", 3000, 1, 0, &csize, &raw);
	nz_frame_info info;
	REQUIRE(nz_get_frame_info(c, csize, &info) == NZ_OK);
	/* Cut substream 0 short by moving 40 bytes into substream 1: same payload. */
	const size_t bh = info.header_size;
	nz_block_header b;
	size_t bsize;
	const char *detail;
	REQUIRE(nz_parse_block_header(c + bh, csize - bh, (u32)info.format_version, 30, &b,
				      &bsize, &detail) == NZ_OK);
	REQUIRE(b.k == 3 && b.sub_size[0] > 40);
	b.sub_size[0] -= 40;
	b.sub_size[1] += 40;
	c = rewrite_block_header(c, &csize, bh, bsize, &b);
	CHECK(decode(c, csize, 3000, 0) == NZ_ERR_CORRUPT);
	free(c);
	free(raw);
}

/* Damage in block 3 of 5, fed one byte per call: the error names block 3 and its
 * offset, and exactly blocks 1-2 (checked) came out before it. */
static void test_block_named(void)
{
	size_t csize;
	uint8_t *raw, *c = make("order2", 5000, 1, 1024, &csize, &raw);
	nz_frame_info info;
	REQUIRE(nz_get_frame_info(c, csize, &info) == NZ_OK);
	size_t at = info.header_size, bsize;
	nz_block_header b;
	const char *detail;
	const u32 version = (u32)info.format_version;
	for (int i = 0; i < 2; i++) {
		REQUIRE(nz_parse_block_header(c + at, csize - at, version, 30, &b, &bsize,
					      &detail) == NZ_OK);
		size_t payload = 0;
		for (u32 j = 0; j < b.k; j++)
			payload += b.sub_size[j];
		at += bsize + payload;
	}
	REQUIRE(nz_parse_block_header(c + at, csize - at, version, 30, &b, &bsize, &detail) ==
		NZ_OK);
	b.raw_check ^= 1;
	REQUIRE(nz_write_block_header(c + at, version, &b) == bsize);
	nz_dctx *d;
	REQUIRE(nz_dctx_create(&d, NULL) == NZ_OK);
	uint8_t *out = malloc(5000);
	nz_outbuf ob = {out, 5000, 0};
	int rc = NZ_OK;
	for (size_t pos = 0; pos < csize && rc == NZ_OK; pos++) {
		nz_inbuf ib = {c + pos, 1, 0};
		rc = nz_decompress_stream(d, &ob, &ib, NULL);
	}
	CHECK(rc == NZ_ERR_CHECKSUM);
	char want[64];
	snprintf(want, sizeof(want), "block 3 (at byte %zu): ", at);
	const char *got = nz_dctx_error_detail(d);
	if (strncmp(got, want, strlen(want)) != 0)
		fprintf(stderr, "detail: '%s', expected it to start with '%s'\n", got, want);
	CHECK(strncmp(got, want, strlen(want)) == 0);
	CHECK(ob.pos == 2048 && memcmp(out, raw, 2048) == 0);
	nz_dctx_free(d);
	free(out);
	free(c);
	free(raw);
}

int main(void)
{
	static const char *const models[] = {"order2", "store", "cm-1", "cm-9"};
	for (int i = 0; i < 4; i++) {
		test_truncations(models[i]);
		test_bit_flips(models[i]);
	}
	test_cm_memlimit();
	test_default_memlimit();
	test_cm_overrun();
	test_block_named();
	test_header_fields();
	test_absurd_params();
	return nz_test_finish("test_bad_input");
}
