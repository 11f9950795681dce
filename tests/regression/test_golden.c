/*
 * test_golden.c - outputs frozen, not only round-tripped.
 *
 * 1. Golden hashes: a fixed input (gen_input: 7 KiB of text, binary, runs, a
 *    table of records and x86 calls, generated here) compressed by every level
 *    (0 stores, 1-9 CM), cm-nn with each neural byte model and in lanes, cm-x, order2
 *    and every seed model at a small size (the -tiny presets, fewer lanes, with
 *    and without the weight delay), in one and several substreams. Each output's
 *    size and XXH64 must equal tests/regression/golden.txt, and it must decode.
 *    A deliberate format or model change regenerates the file in one step:
 *        BUILD/tests/test_golden --regenerate     (then review and commit it)
 * 2. Version 1 files: tests/data/v1/<case>.nz were written by the format
 *    version 1 encoder from tests/data/v1/input.bin (the same gen_input bytes,
 *    committed as well) and every later build must decode them to it. They are
 *    never regenerated: --write-v1 exists only to make them once, and refuses
 *    to overwrite.
 * 3. Version 2 files from before the levels gained the executable model:
 *    tests/data/v2-pre-exe/<case>.nz, written from the same input by nzip at
 *    commit 31acd55 (nzip -1, -6, -9, --model=cm-x, --model=cm-nn). Their headers
 *    leave the CM flags to version 2's reference configuration, so they check
 *    that the reference never moves with the defaults (codec/config.c).
 * 4. Version 2 files from before the levels gained the JPEG model, of data the
 *    executable and image models see: tests/data/v2-pre-jpeg/<kind>-<level>.nz,
 *    written by nzip at commit 52db6fe (-1, -6, -9) from image.pgm (a synthetic
 *    128 x 64 grey image) and code.bin (16 KiB of nzip's own x86-64 code)
 *    there. They check that what those models do for files without the JPEG
 *    flag (their table size, their mixer selectors) stays as it was.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cm/cm.h"
#include "codec/config.h"
#include "common/common.h"
#include "nzip.h"
#include "test_util.h"

#define INPUT_SIZE 7168

/* splitmix64 */
static u64 next(u64 *s)
{
	u64 z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Never change this function: tests/data/v1/input.bin and golden.txt hold its
 * bytes. Text 3 KiB, random 512, runs 512, records 1 KiB, x86-like 1 KiB,
 * skewed 1 KiB. */
static void gen_input(u8 *p)
{
	static const char *const words[] = {"the ", "model ", "predicts ", "each ", "bit ",
					    "of ", "a ", "byte, ", "and ", "learns\n",
					    "context ", "mixing ", "from ", "data. "};
	u64 s = 20261201;
	size_t i = 0;
	while (i < 3072) {
		const char *w = words[next(&s) % 14];
		for (; *w && i < 3072; w++)
			p[i++] = (u8)*w;
	}
	for (; i < 3584; i++)
		p[i] = (u8)next(&s);
	while (i < 4096) {
		const u8 c = (u8)next(&s);
		for (size_t r = 1 + next(&s) % 40; r-- && i < 4096;)
			p[i++] = c;
	}
	for (u32 rec = 0; i < 5120; rec++) /* 16-byte records: id, name, value */
		for (u32 j = 0; j < 16 && i < 5120; j++)
			p[i++] = (u8)(j < 4 ? rec >> (8 * j) : j < 12 ? 'a' + (rec * 7 + j) % 26
							    : (rec * 1000) >> (8 * (j - 12)));
	while (i < 6144) { /* call rel32 and mov-like bytes */
		const u64 r = next(&s);
		p[i++] = (r & 3) ? 0xE8 : 0x8B;
		for (int j = 0; j < 4 && i < 6144; j++)
			p[i++] = (u8)(r >> (8 * j + 8)) & (j >= 2 ? 0x00 : 0xFF);
	}
	for (; i < INPUT_SIZE; i++) {
		const u64 r = next(&s) % 100;
		p[i] = (u8)(r < 60 ? 'e' : r < 85 ? 't' : r < 95 ? ' ' : 'q');
	}
}

typedef struct gcase {
	const char *name;
	int level;         /* nz_params_init */
	const char *model; /* nz_params_set_model, or NULL for the level's */
	u32 lanes, substreams, delay;
	/* CM with a neural input other than cm-nn's default: nz_model id, lanes */
	int nn_model;
	u32 nn_lanes;
} gcase;

static const gcase cases[] = {
	{"store", 0, NULL, 0, 0, 0, 0, 0},
	{"cm-1", 1, NULL, 0, 0, 0, 0, 0},
	{"cm-2", 2, NULL, 0, 0, 0, 0, 0},
	{"cm-3", 3, NULL, 0, 0, 0, 0, 0},
	{"cm-4", 4, NULL, 0, 0, 0, 0, 0},
	{"cm-5", 5, NULL, 0, 0, 0, 0, 0},
	{"cm-6", 6, NULL, 0, 0, 0, 0, 0},
	{"cm-7", 7, NULL, 0, 0, 0, 0, 0},
	{"cm-8", 8, NULL, 0, 0, 0, 0, 0},
	{"cm-9", 9, NULL, 0, 0, 0, 0, 0},
	{"cm-6-k3", 6, NULL, 0, 3, 0, 0, 0},
	{"cm-9-k2", 9, NULL, 0, 2, 0, 0, 0},
	{"cm-nn", 9, "cm-nn", 0, 0, 0, 0, 0},
	{"cm-nn-k2", 9, "cm-nn", 0, 2, 0, 0, 0},
	{"cm-nn-pac", 9, "cm-nn", 0, 0, 0, NZ_MODEL_PAC, 0},
	{"cm-nn-trace", 9, "cm-nn", 0, 0, 0, NZ_MODEL_TRACE, 0},
	{"cm-nn-sep", 9, "cm-nn", 0, 0, 0, NZ_MODEL_SEP, 0},
	{"cm-nn-edpc-l8", 9, "cm-nn", 0, 0, 0, NZ_MODEL_EDPC, 8},
	{"cm-x", 9, "cm-x", 0, 0, 0, 0, 0},
	{"order2", 1, "order2", 0, 0, 0, 0, 0},
	{"order2-l7-k3", 1, "order2", 7, 3, 0, 0, 0},
	{"edpc-tiny", 1, "edpc-tiny", 4, 0, 0, 0, 0},
	{"edpc-tiny-d2", 1, "edpc-tiny", 4, 2, 2, 0, 0},
	{"pac-tiny", 1, "pac-tiny", 4, 0, 0, 0, 0},
	{"pac-tiny-d1", 1, "pac-tiny", 4, 0, 1, 0, 0},
	{"trace-tiny", 1, "trace-tiny", 4, 0, 0, 0, 0},
	{"sep-tiny", 1, "sep-tiny", 4, 0, 0, 0, 0},
	{"sep-tiny-d2-k2", 1, "sep-tiny", 4, 2, 2, 0, 0},
};

/* The v1 files: one per codec family. */
static const char *const v1_cases[] = {"store", "cm-1", "cm-9", "cm-nn", "order2-l7-k3",
				       "edpc-tiny", "pac-tiny", "trace-tiny", "sep-tiny-d2-k2"};

static int compress_case(const gcase *c, const u8 *src, size_t n, u8 **out, size_t *out_size)
{
	nz_params p;
	REQUIRE(nz_params_init(&p, c->level) == NZ_OK);
	if (c->model)
		REQUIRE(nz_params_set_model(&p, c->model) == NZ_OK);
	p.lanes = c->lanes;
	p.substreams = c->substreams;
	p.delay = c->delay;
	p.threads = 2; /* never changes the output */
	const size_t cap = nz_compress_bound(n);
	u8 *dst = malloc(cap);
	REQUIRE(dst);
	int rc;
	if (!c->nn_model) {
		rc = nz_compress(dst, cap, out_size, src, n, &p);
	} else {
		/* cm-nn's configuration with another neural model or lanes */
		nz_model_config cfg;
		u32 block_log, k;
		p.content_size = n;
		REQUIRE(nz_config_from_params(&p, &cfg, &block_log, &k, NULL) == NZ_OK);
		cfg.extra[CM_X_NNMODEL] = (u64)c->nn_model;
		cfg.extra[CM_X_NNLANES] = c->nn_lanes;
		nz_cctx *cc;
		rc = nz_cctx_create_config(&cc, &p, &cfg);
		if (rc == NZ_OK) {
			nz_inbuf in = {src, n, 0};
			nz_outbuf o = {dst, cap, 0};
			size_t pending;
			rc = nz_compress_stream(cc, &o, &in, 1, &pending);
			if (rc == NZ_OK && pending)
				rc = NZ_ERR_DST_SIZE;
			*out_size = o.pos;
			nz_cctx_free(cc);
		}
	}
	*out = dst;
	return rc;
}

static int decodes_to(const u8 *comp, size_t cn, const u8 *want, size_t n, const char *what)
{
	u8 *back = malloc(n + 1);
	size_t bn = 0;
	REQUIRE(back);
	const int rc = nz_decompress(back, n + 1, &bn, comp, cn, NULL);
	const int ok = rc == NZ_OK && bn == n && memcmp(back, want, n) == 0;
	if (!ok)
		fprintf(stderr, "%s: does not decode to its input (%s)\n", what,
			nz_error_string(rc));
	free(back);
	return ok;
}

static char golden_path[1024], v1_dir[1024];

static void paths(void)
{
	const char *data = getenv("NZIP_TEST_DATA");
	REQUIRE(data);
	snprintf(golden_path, sizeof(golden_path), "%s/../regression/golden.txt", data);
	snprintf(v1_dir, sizeof(v1_dir), "%s/v1", data);
}

/* golden.txt: "# comment" lines, then "name size hash" per case. */
static int golden_lookup(const char *text, const char *name, size_t *size, u64 *hash)
{
	const size_t len = strlen(name);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		unsigned long long s, h;
		if (strncmp(l, name, len) == 0 && l[len] == ' ' &&
		    sscanf(l + len, " %llu %llx", &s, &h) == 2) {
			*size = (size_t)s;
			*hash = h;
			return 1;
		}
	}
	return 0;
}

static void golden(const u8 *input, int regenerate)
{
	size_t tn = 0;
	u8 *text = regenerate ? NULL : nz_test_read_file(golden_path, &tn);
	char *t = NULL;
	if (!regenerate) {
		REQUIRE(text);
		t = malloc(tn + 1);
		REQUIRE(t);
		memcpy(t, text, tn);
		t[tn] = 0;
	}
	FILE *out = NULL;
	if (regenerate) {
		out = fopen(golden_path, "w");
		REQUIRE(out);
		fprintf(out, "# Golden outputs of tests/regression/test_golden.c: case, compressed size,\n"
			     "# XXH64 of the compressed bytes. Regenerate after a deliberate format or\n"
			     "# model change: BUILD/tests/test_golden --regenerate (then review the diff).\n");
	}
	for (size_t i = 0; i < NZ_ARRAY_LEN(cases); i++) {
		u8 *comp;
		size_t cn = 0;
		const int rc = compress_case(&cases[i], input, INPUT_SIZE, &comp, &cn);
		CHECK_EQ_INT(rc, NZ_OK);
		const u64 h = nz_xxh64(comp, cn);
		if (rc == NZ_OK)
			CHECK(decodes_to(comp, cn, input, INPUT_SIZE, cases[i].name));
		if (regenerate) {
			fprintf(out, "%s %zu %016" PRIx64 "\n", cases[i].name, cn, h);
		} else {
			size_t want_size;
			u64 want_hash;
			if (!golden_lookup(t, cases[i].name, &want_size, &want_hash)) {
				fprintf(stderr, "golden %s: not in %s (run --regenerate)\n",
					cases[i].name, golden_path);
				nz_test_failures++;
			} else if (cn != want_size || h != want_hash) {
				fprintf(stderr, "golden %s: size %zu hash %016" PRIx64 ", expected %zu %016" PRIx64 "\n",
					cases[i].name, cn, h, want_size, want_hash);
				nz_test_failures++;
			}
		}
		printf("%-16s %6zu bytes  %016" PRIx64 "\n", cases[i].name, cn, h);
		free(comp);
	}
	if (out) {
		REQUIRE(fclose(out) == 0);
		printf("wrote %s\n", golden_path);
	}
	free(t);
	free(text);
}

static const gcase *find_case(const char *name)
{
	for (size_t i = 0; i < NZ_ARRAY_LEN(cases); i++)
		if (strcmp(cases[i].name, name) == 0)
			return &cases[i];
	return NULL;
}

static void write_file(const char *path, const u8 *p, size_t n)
{
	struct stat st;
	if (stat(path, &st) == 0) {
		fprintf(stderr, "%s exists: version 1 files are never rewritten\n", path);
		exit(1);
	}
	FILE *f = fopen(path, "wb");
	REQUIRE(f && fwrite(p, 1, n, f) == n && fclose(f) == 0);
	printf("wrote %s\n", path);
}

static void write_v1(const u8 *input)
{
	char path[1200];
	snprintf(path, sizeof(path), "%s/input.bin", v1_dir);
	write_file(path, input, INPUT_SIZE);
	for (size_t i = 0; i < NZ_ARRAY_LEN(v1_cases); i++) {
		u8 *comp;
		size_t cn;
		REQUIRE(compress_case(find_case(v1_cases[i]), input, INPUT_SIZE, &comp, &cn) == NZ_OK);
		snprintf(path, sizeof(path), "%s/%s.nz", v1_dir, v1_cases[i]);
		write_file(path, comp, cn);
		free(comp);
	}
}

/* Files written by an earlier nzip (dir under NZIP_TEST_DATA, format version
 * `version`) still decode to the committed input: v1 (every field in the
 * header), and v2 from before the levels gained CM_F_EXE (their headers leave
 * the flags to the reference configuration, which must not move). */
static void read_frozen(const u8 *input, const char *dir, const char *const *names, size_t count,
			int version)
{
	char path[1200];
	size_t n;
	snprintf(path, sizeof(path), "%s/input.bin", v1_dir);
	u8 *orig = nz_test_read_file(path, &n);
	REQUIRE(orig);
	/* the committed original is the generator's output: both stay fixed */
	CHECK(n == INPUT_SIZE && memcmp(orig, input, n) == 0);
	for (size_t i = 0; i < count; i++) {
		size_t cn;
		snprintf(path, sizeof(path), "%s/%s.nz", dir, names[i]);
		u8 *comp = nz_test_read_file(path, &cn);
		if (!comp) {
			fprintf(stderr, "%s: missing\n", path);
			nz_test_failures++;
			continue;
		}
		nz_frame_info info;
		CHECK(nz_get_frame_info(comp, cn, &info) == NZ_OK && info.format_version == version);
		CHECK(decodes_to(comp, cn, orig, n, path));
		free(comp);
	}
	free(orig);
}

static const char *const v2_pre_exe_cases[] = {"cm-1", "cm-6", "cm-9", "cm-x", "cm-nn"};
/* the other old levels, and old presets by name, from before the re-span (their
 * reference is the frozen old level table) */
static const char *const v2_pre_respan_cases[] = {"cm-2", "cm-3", "cm-4", "cm-5", "cm-7",
						  "cm-8", "model-cm-3", "model-cm-l3"};
/* every level, in the directories of the level tables frozen since the
 * re-span: from before the byte classes joined them (v2-pre-cgrp, presets
 * 12-20, cm-r1-k), paq8px's SSE chain and the indirect and word kinds
 * (v2-pre-paq, 21-29, cm-r2-k), paq8px's deterministic input, the two-entry SSE
 * update and the slower mixers (v2-pre-detin, 30-38, cm-r3-k), paq8px's
 * match-model byte contexts and XML model (v2-pre-xml, 39-47, cm-r4-k), the
 * SSE chain of levels 1-6 without its first stage (v2-pre-sse0, 48-56, cm-r5-k),
 * and the fast levels' own mixer rates (v2-pre-mixlr, 57-65, cm-r6-k) */
static const char *const all_level_cases[] = {"cm-1", "cm-2", "cm-3", "cm-4", "cm-5",
					      "cm-6", "cm-7", "cm-8", "cm-9"};
static const char *const all_level_dirs[] = {"v2-pre-cgrp", "v2-pre-paq", "v2-pre-detin",
					     "v2-pre-xml", "v2-pre-sse0", "v2-pre-mixlr"};

/* Frozen frames of other inputs: tests/data/<dir>/<kind>-<level>.nz decode to
 * tests/data/<dir>/<input>. */
static void read_frozen_of(const char *dir, const char *input, const char *kind)
{
	size_t n;
	u8 *orig = nz_test_data_file(&n, "%s/%s", dir, input);
	if (!orig)
		return;
	static const int levels[] = {1, 6, 9};
	for (size_t i = 0; i < NZ_ARRAY_LEN(levels); i++) {
		size_t cn;
		u8 *comp = nz_test_data_file(&cn, "%s/%s-%d.nz", dir, kind, levels[i]);
		if (!comp)
			continue;
		char what[256];
		snprintf(what, sizeof(what), "%s/%s-%d.nz", dir, kind, levels[i]);
		CHECK(decodes_to(comp, cn, orig, n, what));
		free(comp);
	}
	free(orig);
}

int main(int argc, char **argv)
{
	paths();
	static u8 input[INPUT_SIZE];
	gen_input(input);
	if (argc > 1 && strcmp(argv[1], "--write-v1") == 0) {
		write_v1(input);
		return 0;
	}
	const int regenerate = argc > 1 && strcmp(argv[1], "--regenerate") == 0;
	if (argc > 1 && !regenerate) {
		fprintf(stderr, "usage: %s [--regenerate | --write-v1]\n", argv[0]);
		return 2;
	}
	golden(input, regenerate);
	read_frozen(input, v1_dir, v1_cases, NZ_ARRAY_LEN(v1_cases), 1);
	char pre_exe[1100];
	snprintf(pre_exe, sizeof(pre_exe), "%s/../v2-pre-exe", v1_dir);
	read_frozen(input, pre_exe, v2_pre_exe_cases, NZ_ARRAY_LEN(v2_pre_exe_cases), 2);
	char pre_respan[1100];
	snprintf(pre_respan, sizeof(pre_respan), "%s/../v2-pre-respan", v1_dir);
	read_frozen(input, pre_respan, v2_pre_respan_cases, NZ_ARRAY_LEN(v2_pre_respan_cases), 2);
	for (size_t i = 0; i < NZ_ARRAY_LEN(all_level_dirs); i++) {
		char dir[1100];
		snprintf(dir, sizeof(dir), "%s/../%s", v1_dir, all_level_dirs[i]);
		read_frozen(input, dir, all_level_cases, NZ_ARRAY_LEN(all_level_cases), 2);
	}
	read_frozen_of("v2-pre-jpeg", "image.pgm", "image");
	read_frozen_of("v2-pre-jpeg", "code.bin", "code");
	return nz_test_finish("test_golden");
}
