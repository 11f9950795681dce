/*
 * test_format_v2.c - the compact format version 2 (docs/FORMAT.md): the sizes the
 * issue asks for on tiny inputs, headers of built-in levels without parameter
 * records, parameters that differ from a preset surviving the round trip, strict
 * varints, and version 1 still read: every frame made here is also transcoded to
 * version 1 (headers rewritten, payloads kept) and must decode to the same bytes.
 */
#include <string.h>

#include "cm/cm.h"
#include "codec/config.h"
#include "format/frame.h"
#include "nzip.h"
#include "test_util.h"
#include "v1_transcode.h"

static uint8_t *compress_params(const nz_params *p, const uint8_t *src, size_t n, size_t *out)
{
	size_t cap = nz_compress_bound(n);
	uint8_t *dst = malloc(cap);
	REQUIRE(dst);
	REQUIRE(nz_compress(dst, cap, out, src, n, p) == NZ_OK);
	return dst;
}

static uint8_t *compress_model(const char *model, int level, const uint8_t *src, size_t n,
			       size_t *out)
{
	nz_params p;
	REQUIRE(nz_params_init(&p, level) == NZ_OK);
	if (model)
		REQUIRE(nz_params_set_model(&p, model) == NZ_OK);
	p.block_size = 2048;  /* several blocks, so keep_state and K are exercised */
	p.threads = 1;
	return compress_params(&p, src, n, out);
}

static int decodes_to(const uint8_t *c, size_t n, const uint8_t *raw, size_t raw_n)
{
	uint8_t *back = malloc(raw_n + 1);
	REQUIRE(back);
	size_t got = 0;
	int rc = nz_decompress(back, raw_n + 1, &got, c, n, NULL);
	int ok = rc == NZ_OK && got == raw_n && memcmp(back, raw, raw_n) == 0;
	if (!ok)
		fprintf(stderr, "decode: %s, %zu of %zu bytes\n", nz_error_string(rc), got, raw_n);
	free(back);
	return ok;
}

static void check_model(const char *model, int level, const uint8_t *raw, size_t n)
{
	size_t cn, v1n;
	uint8_t *c = compress_model(model, level, raw, n, &cn);
	if (!decodes_to(c, cn, raw, n)) {
		fprintf(stderr, "%s -%d: version 2 frame does not decode\n", model ? model : "",
			level);
		CHECK(0);
	}
	uint8_t *v1 = nz_test_to_v1(c, cn, raw, n, &v1n);
	REQUIRE(v1);
	if (!decodes_to(v1, v1n, raw, n)) {
		fprintf(stderr, "%s -%d: version 1 frame does not decode\n", model ? model : "",
			level);
		CHECK(0);
	}
	CHECK(v1n > cn);  /* version 2 is the compact one */
	nz_frame_info fi;
	CHECK(nz_get_frame_info(v1, v1n, &fi) == NZ_OK && fi.format_version == 1);
	CHECK(nz_get_frame_info(c, cn, &fi) == NZ_OK && fi.format_version == 2);
	free(c);
	free(v1);
}

/* Built-in levels and presets record no parameters when nothing was tuned,
 * but for the defaults that changed after the format froze them: the old CM
 * levels by name (cm-v2-k) and the presets built on them (cm-x) record their
 * flags (extra6, since they gained CM_F_EXE; docs/FORMAT.md). The levels since
 * the re-span are presets of their own, their own reference. */
static void check_no_records(const char *model, int level, const uint8_t *raw, size_t n)
{
	size_t cn, size;
	uint8_t *c = compress_model(model, level, raw, n, &cn);
	nz_frame_header h;
	const char *detail = NULL;
	REQUIRE(nz_parse_frame_header(c, cn, &h, &size, &detail) == NZ_OK);
	const int old_cm = model && (strncmp(model, "cm-v2-", 6) == 0 || strcmp(model, "cm-x") == 0);
	const u32 want = old_cm ? 1 : 0;
	if (h.nparams != want || (want && h.keys[0] != NZ_KEY_EXTRA0 + CM_X_FLAGS)) {
		fprintf(stderr, "%s -%d: %u parameter records (key %u first)\n",
			model ? model : "", level, h.nparams, h.nparams ? h.keys[0] : 0);
		CHECK(0);
	}
	if (old_cm)
		CHECK(h.values[0] & CM_F_EXE);
	free(c);
}

static void test_tiny_inputs(void)
{
	size_t cn;
	const uint8_t one = 'x';
	uint8_t *c = compress_model(NULL, 6, &one, 0, &cn);
	fprintf(stderr, "empty input: %zu bytes\n", cn);
	CHECK(cn <= 22); /* 24 with the old level 6 and its flags record (3 bytes) */
	CHECK(decodes_to(c, cn, &one, 0));
	free(c);
	c = compress_model(NULL, 6, &one, 1, &cn);
	fprintf(stderr, "1-byte input: %zu bytes\n", cn);
	CHECK(cn <= 31);
	CHECK(decodes_to(c, cn, &one, 1));
	free(c);
}

/* Parameters away from the preset's defaults are recorded and rebuilt. */
static void test_custom_params(const uint8_t *raw, size_t n)
{
	nz_params p;
	REQUIRE(nz_params_init(&p, 6) == NZ_OK);
	REQUIRE(nz_params_set_model(&p, "edpc-tiny") == NZ_OK);
	p.lanes = 7;
	p.learning_rate = 0.003f;
	p.seed = 12345;
	p.threads = 1;
	size_t cn, size;
	uint8_t *c = compress_params(&p, raw, n, &cn);
	nz_frame_header h;
	const char *detail = NULL;
	REQUIRE(nz_parse_frame_header(c, cn, &h, &size, &detail) == NZ_OK);
	CHECK(h.nparams == 3);
	nz_frame_info fi;
	REQUIRE(nz_get_frame_info(c, cn, &fi) == NZ_OK);
	CHECK(fi.lanes == 7 && fi.seed == 12345 && fi.learning_rate == 0.003f);
	CHECK(decodes_to(c, cn, raw, n));
	free(c);
}

/* A varint in its non-shortest form, or longer than 10 bytes, is corrupt. */
static void test_strict_varints(void)
{
	size_t cn;
	const uint8_t x = 'x';
	uint8_t *c = compress_model("order2", 6, &x, 1, &cn);
	/* byte 9 is the preset (0): make it 0x80 0x00, then fix the header check */
	uint8_t buf[128];
	REQUIRE(cn + 1 <= sizeof(buf));
	nz_frame_header h;
	size_t hsize;
	const char *detail = NULL;
	REQUIRE(nz_parse_frame_header(c, cn, &h, &hsize, &detail) == NZ_OK);
	memcpy(buf, c, 9);
	buf[9] = 0x80;
	buf[10] = 0x00;
	memcpy(buf + 11, c + 10, hsize - 4 - 10);
	const size_t body = hsize + 1 - 4;
	nz_store_le32(buf + body, (uint32_t)nz_xxh64(buf, body));
	CHECK(nz_parse_frame_header(buf, body + 4, &h, &hsize, &detail) == NZ_ERR_CORRUPT);
	free(c);
	/* eleven continuation bytes */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, nz_magic, 4);
	buf[4] = 2;
	buf[6] = 1;
	buf[7] = 1;
	buf[8] = 16;
	memset(buf + 9, 0xff, 11);
	CHECK(nz_parse_frame_header(buf, 64, &h, &hsize, &detail) == NZ_ERR_CORRUPT);
}

int main(void)
{
	enum { N = 6000 };
	static uint8_t text[N];
	nz_test_fill(text, N, 1, 3);
	test_tiny_inputs();
	test_custom_params(text, N);
	test_strict_varints();
	static const struct {
		const char *model;
		int level;
	} cases[] = {
		{NULL, 0}, {NULL, 1}, {NULL, 3}, {NULL, 6}, {NULL, 9}, {"order2", 6},
		{"edpc-tiny", 6}, {"pac-tiny", 6}, {"trace-tiny", 6}, {"sep-tiny", 6},
		{"cm-v2-1", 6}, {"cm-v2-6", 6}, {"cm-x", 6},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_model(cases[i].model, cases[i].level, text, N);
		check_no_records(cases[i].model, cases[i].level, text, N);
	}
	return nz_test_finish("test_format_v2");
}
