/*
 * make_seeds.c - writes the seed corpora of the fuzz targets (tests/fuzz/<target>/
 * seed-*), valid inputs in each target's layout, for every model family:
 *
 *   cmake --build BUILD --target fuzz_make_seeds && BUILD/tests/fuzz_make_seeds tests/fuzz
 *
 * Every seed is checked as it is made (it decodes to its data), so the corpora
 * start from inputs that reach the end of each decoder. Seeds depend on the
 * encoder's output: after a format change, run it again and commit the result
 * (old seeds stay useful inputs, only less deep).
 */
#include <stdio.h>

#include "fuzz_common.h"
#include "../v1_transcode.h"
#include "nn/exec.h"
#include "nzip.h"

static int write_seed(const char *dir, const char *target, const char *name, const u8 *p,
		      size_t n)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s/seed-%s", dir, target, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

/* Deterministic mixed data: text lines, a run, a table of records, x86-like calls. */
static void make_data(u8 *p, size_t n, u32 salt)
{
	static const char *const words[] = {"the ", "model ", "of ", "context ", "mixing ",
					    "and ", "a ", "byte\n", "predicts ", "bits, "};
	u32 x = 0x9E3779B9u ^ salt;
	size_t i = 0;
	while (i < n) {
		x = x * 1664525u + 1013904223u;
		const u32 kind = (x >> 28) % 4 == 3 ? (x >> 26) % 4 : 0;
		if (kind < 2) {
			const char *w = words[(x >> 8) % 10];
			for (; *w && i < n; w++)
				p[i++] = (u8)*w;
		} else if (kind == 2) {
			for (u32 j = 0; j < 12 && i < n; j++)
				p[i++] = (u8)(j % 4 == 0 ? 0xE8 : (x >> (8 * (j % 4))));
		} else {
			for (u32 j = 0; j < 16 && i < n; j++)
				p[i] = (u8)((i % 16) * 3 + (x >> 24) % 2), i++;
		}
	}
}

/* Config bytes (fz_config's layout) for a CM level (1..9) or cm-nn (10), with the
 * level's contexts 0-31, match model, mixers, SSE and flags 0-18 at 64 KiB tables
 * (kinds 32-42, flags SSEP, DETIN, APM2, RUNBP and the rates follow from those bytes in
 * fz_config). */
static void cm_bytes(int level, u8 b[FZ_CONFIG_BYTES])
{
	nz_model_config c;
	memset(&c, 0, sizeof(c));
	nz_cm_level_config(level > 9 ? 9 : level, &c);
	const u32 mask = (u32)c.extra[CM_X_CTXMASK];
	memset(b, 0, FZ_CONFIG_BYTES);
	b[0] = NZ_MODEL_CM;
	b[1] = (u8)mask;
	b[2] = (u8)(mask >> 8);
	b[3] = (u8)(mask >> 16);
	b[4] = (u8)(mask >> 24);
	b[5] = (u8)((c.extra[CM_X_MATCHBITS] ? 1 : 0) | (c.extra[CM_X_MIXERS] - 1) << 1);
	static const u8 sse_index[5] = {0, 1, 2, 14, 15};
	b[6] = sse_index[c.extra[CM_X_SSE]];
	b[7] = (u8)c.extra[CM_X_FLAGS];
	if (level > 9) {
		b[7] |= 7u << 5; /* neural input: model b[8] % 4, lanes (b[8] >> 2) % 5 */
		b[8] = (u8)((level - 10) % 4 | ((level - 10) % 5) << 2);
	}
	if (c.extra[CM_X_FLAGS] & CM_F_EXE)
		b[8] |= 0x80; /* flag 12 (fz_config) */
	if (c.extra[CM_X_FLAGS] & CM_F_IMG)
		b[8] |= 0x40; /* flag 13 */
	if (c.extra[CM_X_FLAGS] & CM_F_JPEG)
		b[8] |= 0x20; /* flags 14 and 15 */
	if (c.extra[CM_X_FLAGS] & CM_F_BHIST)
		b[4] |= 0x80; /* flag 16 */
	b[9] = (u8)(level > 9 ? 10 : level);
}

/* Compress data with cfg: the frame, or 0. */
static size_t compress_cfg(const nz_model_config *cfg, u32 block_size, u32 k,
			   const u8 *src, size_t n, u8 *dst, size_t cap)
{
	nz_params p;
	nz_params_init(&p, 1);
	p.block_size = block_size;
	p.substreams = k;
	p.threads = 1;
	p.content_size = n;
	nz_cctx *c;
	if (nz_cctx_create_config(&c, &p, cfg) != NZ_OK)
		return 0;
	nz_outbuf o = {dst, cap, 0};
	nz_inbuf in = {src, n, 0};
	size_t pending;
	int rc = nz_compress_stream(c, &o, &in, 1, &pending);
	nz_cctx_free(c);
	return rc == NZ_OK && !pending ? o.pos : 0;
}

#define SEED_MAX 16384

/* The seeds of one config: a structured frame for fuzz_decompress (checked to
 * decode to its data), and a fuzz_roundtrip input. */
static int frame_seeds(const char *dir, const char *name, const u8 cb[FZ_CONFIG_BYTES],
		       u32 k, u32 salt)
{
	fz_in in = {cb, FZ_CONFIG_BYTES};
	nz_model_config cfg;
	size_t budget;
	if (fz_config(&in, &cfg, &budget)) {
		fprintf(stderr, "%s: invalid config\n", name);
		return 1;
	}
	static u8 data[SEED_MAX], frame[2 * SEED_MAX], seed[2 * SEED_MAX];
	/* several blocks where a block fits the budget, else one block of it */
	const size_t n = budget >= 1024 ? budget + budget / 2 : budget;
	make_data(data, n, salt);
	const size_t fn2 = compress_cfg(&cfg, 1024, k, data, n, frame, sizeof(frame));
	/* fz_build_frame patches version 1's fixed-width block headers */
	size_t fn = 0;
	u8 *v1 = fn2 ? nz_test_to_v1(frame, fn2, data, n, &fn) : NULL;
	if (v1 && fn <= sizeof(frame))
		memcpy(frame, v1, fn);
	else
		fn = 0;
	free(v1);
	nz_frame_header h;
	size_t hs;
	const char *detail;
	if (!fn || nz_parse_frame_header(frame, fn, &h, &hs, &detail) != NZ_OK ||
	    h.block_log != NZ_BLOCK_LOG_MIN || !h.has_content_size) {
		fprintf(stderr, "%s: compression failed\n", name);
		return 1;
	}
	seed[0] = 1; /* content size present, block log 10 */
	memcpy(seed + 1, cb, FZ_CONFIG_BYTES);
	nz_store_le16(seed + 1 + FZ_CONFIG_BYTES, (u16)n);
	memcpy(seed + FZ_STRUCT_PREFIX, frame + hs, fn - hs);
	const size_t sn = FZ_STRUCT_PREFIX + fn - hs;
	/* the seed must rebuild the same frame and decode */
	u8 *rebuilt, back[SEED_MAX];
	const size_t rn = fz_build_frame(seed, sn, &rebuilt);
	size_t bn = 0;
	nz_dparams dp;
	nz_dparams_init(&dp);
	dp.threads = 1;
	const int ok = rn == fn && memcmp(rebuilt, frame, fn) == 0 &&
		       nz_decompress(back, sizeof(back), &bn, rebuilt, rn, &dp) == NZ_OK &&
		       bn == n && memcmp(back, data, n) == 0;
	free(rebuilt);
	if (!ok) {
		fprintf(stderr, "%s: structured seed does not decode\n", name);
		return 1;
	}
	if (write_seed(dir, "decompress", name, seed, sn))
		return 1;
	/* Tiny blocks rarely shrink, so the encoder stores them and the seed above
	 * never reaches the model. A second seed claims one coded block of n bytes
	 * in one substream of n - 1 bytes (the data itself): the model then decodes
	 * all n bytes (wrong ones, which the block checksum catches at the end). */
	u8 *b = seed + FZ_STRUCT_PREFIX;
	memset(b, 0, NZ_V1_BLOCK_HEADER_FIXED);
	b[0] = NZ_BLOCK_CODED;
	b[2] = 1;
	const size_t m = NZ_MIN(n, (size_t)1024);
	nz_store_le32(b + 4, (u32)m);
	nz_store_le64(b + 8, nz_xxh64(data, m));
	nz_store_le32(b + NZ_V1_BLOCK_HEADER_FIXED, (u32)(m - 1));
	size_t at = NZ_V1_BLOCK_HEADER_FIXED + 8; /* the check: fz_build_frame fixes it */
	memcpy(b + at, data, m - 1);
	at += m - 1;
	memset(b + at, 0, NZ_V1_FOOTER_SIZE);
	nz_store_le64(b + at + 4, m);
	at += NZ_V1_FOOTER_SIZE;
	char cname[80];
	snprintf(cname, sizeof(cname), "%s-coded", name);
	if (write_seed(dir, "decompress", cname, seed, FZ_STRUCT_PREFIX + at))
		return 1;
	/* roundtrip: block log 10, k substreams, one-shot; then the data */
	seed[0] = (u8)(((k - 1) & 7) << 2);
	memcpy(seed + 1, cb, FZ_CONFIG_BYTES);
	memcpy(seed + 1 + FZ_CONFIG_BYTES, data, n);
	return write_seed(dir, "roundtrip", name, seed, 1 + FZ_CONFIG_BYTES + n);
}

/* A fuzz_cm_decode seed: the block coded in k substreams, padded to equal sizes. */
static int cm_seed(const char *dir, const char *name, const u8 cb[FZ_CONFIG_BYTES], u32 k,
		   int keep, u32 salt, int code)
{
	/* code: 0 the data as it is, 1 coded as x86 code, 2 starting with an image,
	 * 3 starting with a JPEG file, 4 a WAV file (16-bit mono) */
	fz_in in = {cb, FZ_CONFIG_BYTES};
	nz_model_config cfg;
	size_t budget;
	if (fz_config_ex(&in, &cfg, &budget, 0))
		return 1;
	static nz_exec *ex;
	if (!ex && nz_exec_create(&ex, 1, 0))
		return 1;
	static u8 data[SEED_MAX], seed[4 * SEED_MAX], back[SEED_MAX];
	const size_t n = budget;
	make_data(data, n, salt);
	if (code == 2) /* an 8 x 2 grey image and a bit more: the image model */
		memcpy(data, "P5\n8 2\n255\n", 11);
	if (code == 3) { /* a 16 x 8 grey JPEG (cjpeg -optimize, JFIF header left out) */
		static const u8 jpeg[153] = {
			0xff, 0xd8, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x10, 0x0b, 0x0c, 0x0e, 0x0c,
			0x0a, 0x10, 0x0e, 0x0d, 0x0e, 0x12, 0x11, 0x10, 0x13, 0x18, 0x28, 0x1a,
			0x18, 0x16, 0x16, 0x18, 0x31, 0x23, 0x25, 0x1d, 0x28, 0x3a, 0x33, 0x3d,
			0x3c, 0x39, 0x33, 0x38, 0x37, 0x40, 0x48, 0x5c, 0x4e, 0x40, 0x44, 0x57,
			0x45, 0x37, 0x38, 0x50, 0x6d, 0x51, 0x57, 0x5f, 0x62, 0x67, 0x68, 0x67,
			0x3e, 0x4d, 0x71, 0x79, 0x70, 0x64, 0x78, 0x5c, 0x65, 0x67, 0x63, 0xff,
			0xc0, 0x00, 0x0b, 0x08, 0x00, 0x08, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00,
			0xff, 0xc4, 0x00, 0x15, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
			0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x06, 0xff,
			0xc4, 0x00, 0x18, 0x10, 0x00, 0x02, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,
			0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x05, 0x21,
			0x32, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, 0x0a,
			0x25, 0x4c, 0xd1, 0x69, 0x12, 0xa6, 0x68, 0xff, 0xd9};
		if (n < sizeof(jpeg))
			return 1;
		memcpy(data, jpeg, sizeof(jpeg));
	}
	if (code == 4) { /* a WAV header, then a slow ramp of 16-bit samples */
		if (n < 44 + 64 * 2) /* wav_detect wants 64 frames */
			return 1;
		static const u8 wav[44] = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'A', 'V', 'E',
					   'f', 'm', 't', ' ', 16, 0, 0, 0, 1, 0, 1, 0,
					   0x22, 0x56, 0, 0, 0x44, 0xac, 0, 0, 2, 0, 16, 0,
					   'd', 'a', 't', 'a', 0, 0, 0, 0};
		memcpy(data, wav, sizeof(wav));
		for (size_t i = 44; i + 1 < n; i += 2) {
			const u32 v = (u32)(i * 37 + (data[i] & 7));
			data[i] = (u8)v;
			data[i + 1] = (u8)(v >> 8);
		}
	}
	nz_block_codec *bc;
	if (nz_model_cm.create_block_codec(&cfg, ex, &bc))
		return 1;
	nz_cm_codec_force_code(bc, code == 1); /* the blocks are too short for the detector */
	nz_buf sub[3] = {{0}};
	nz_job job = {0};
	int rc = bc->ops->encode(bc, data, n, 0, sub, k, &job);
	memcpy(seed, cb, FZ_CONFIG_BYTES);
	seed[FZ_CONFIG_BYTES] = (u8)(k - 1);
	nz_store_le16(seed + FZ_CONFIG_BYTES + 1, (u16)n);
	seed[FZ_CONFIG_BYTES + 3] = (u8)keep; /* the second block: the same bytes */
	size_t pos = FZ_CONFIG_BYTES + 4;
	for (u32 j = 0; j + 1 < k; j++, pos += 2)
		nz_store_le16(seed + pos, (u16)sub[j].size);
	const size_t start = pos;
	for (u32 j = 0; j < k && rc == NZ_OK; j++) {
		memcpy(seed + pos, sub[j].data, sub[j].size);
		pos += sub[j].size;
	}
	/* check: the block decodes from the substreams cut as the target cuts them */
	if (rc == NZ_OK) {
		const u8 *ptr[3];
		size_t sz[3];
		size_t at = start;
		for (u32 j = 0; j < k; j++) {
			ptr[j] = seed + at;
			sz[j] = sub[j].size;
			at += sz[j];
		}
		rc = bc->ops->decode(bc, back, n, 0, ptr, sz, k, &job);
		if (rc == NZ_OK && memcmp(back, data, n) != 0)
			rc = NZ_ERR_CORRUPT;
	}
	bc->ops->destroy(bc);
	for (u32 j = 0; j < k; j++)
		nz_buf_free(&sub[j]);
	if (rc != NZ_OK) {
		fprintf(stderr, "%s: cm seed does not decode (%d)\n", name, rc);
		return 1;
	}
	return write_seed(dir, "cm_decode", name, seed, pos);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s tests/fuzz\n", argv[0]);
		return 2;
	}
	const char *dir = argv[1];
	int bad = 0;
	char name[64];
	u8 cb[FZ_CONFIG_BYTES];
	/* every model family, a few dimension variants each */
	static const char *const fam[7] = {"store", "order2", "edpc", "pac", "trace", "sep", "cm"};
	for (int m = 0; m < 6; m++)
		for (u32 v = 0; v < 3; v++) {
			fz_config_bytes(m, cb, v);
			snprintf(name, sizeof(name), "%s-%u", fam[m], v);
			bad |= frame_seeds(dir, name, cb, 1 + v % 2, v);
		}
	/* every CM level and the neural input with each byte model */
	for (int level = 1; level <= 13; level++) {
		cm_bytes(level, cb);
		if (level <= 9)
			snprintf(name, sizeof(name), "cm-%d", level);
		else
			snprintf(name, sizeof(name), "cm-nn-%s", fam[2 + (level - 10) % 4]);
		if (level <= 9) /* the frame targets leave out the neural input */
			bad |= frame_seeds(dir, name, cb, 1 + (u32)level % 3, (u32)level);
		bad |= cm_seed(dir, name, cb, 1 + (u32)level % 3, level % 2, (u32)level, 0);
		const size_t len = strlen(name);
		/* segments coded as x86 code: the transform and the executable model */
		if (level == 1 || level == 6 || level == 9 || level == 10) {
			snprintf(name + len, sizeof(name) - len, "-code");
			bad |= cm_seed(dir, name, cb, 1 + (u32)level % 3, level % 2, (u32)level, 1);
			/* a segment that starts with an image */
			snprintf(name + len, sizeof(name) - len, "-image");
			bad |= cm_seed(dir, name, cb, 1, level % 2, (u32)level, 2);
		}
		/* a segment that starts with a JPEG file (the JPEG model alone:
		 * fz_config's longer blocks) */
		if (level == 1 || level == 6 || level == 9) {
			snprintf(name + len, sizeof(name) - len, "-jpeg");
			u8 jb[FZ_CONFIG_BYTES];
			memcpy(jb, cb, sizeof(jb));
			jb[8] = (u8)((jb[8] & ~0xc0u) | 0x20u);
			bad |= cm_seed(dir, name, jb, 1 + (u32)level % 2, level % 2, (u32)level, 3);
			/* and one that starts with a WAV file */
			snprintf(name + len, sizeof(name) - len, "-audio");
			bad |= cm_seed(dir, name, jb, 1, level % 2, (u32)level, 4);
		}
	}
	return bad;
}
