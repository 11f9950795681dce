/*
 * test_roundtrip.c - compress and decompress through the public API and compare
 * bytes: every size from 0 up, every data kind, lanes and substream counts, block
 * sizes that force many blocks, one-shot and streaming with tiny buffers,
 * concatenated frames, and a prefix of every corpus file.
 */
#include "nzip.h"
#include "test_util.h"

#include <string.h>

#define NZ_MIN_TEST(a, b) ((a) < (b) ? (a) : (b))

static size_t compress_oneshot(const nz_params *p, const uint8_t *src, size_t n, uint8_t **out)
{
	size_t cap = nz_compress_bound(n), size = 0;
	*out = malloc(cap);
	REQUIRE(*out);
	int rc = nz_compress(*out, cap, &size, src, n, p);
	if (rc)
		fprintf(stderr, "compress: %s\n", nz_error_string(rc));
	CHECK(rc == NZ_OK);
	return size;
}

static void expect_decompress(const uint8_t *comp, size_t csize, const uint8_t *src, size_t n)
{
	uint8_t *back = malloc(n + 1);
	REQUIRE(back);
	size_t size = 0;
	int rc = nz_decompress(back, n + 1, &size, comp, csize, NULL);
	if (rc)
		fprintf(stderr, "decompress: %s\n", nz_error_string(rc));
	CHECK(rc == NZ_OK);
	CHECK(size == n);
	CHECK(size != n || memcmp(back, src, n) == 0);
	/* An exactly sized buffer is enough; one byte less is not. */
	if (n > 0) {
		CHECK(nz_decompress(back, n, &size, comp, csize, NULL) == NZ_OK);
		CHECK(nz_decompress(back, n - 1, &size, comp, csize, NULL) == NZ_ERR_DST_SIZE);
	}
	free(back);
}

static void one(const nz_params *p, const uint8_t *src, size_t n)
{
	uint8_t *comp;
	size_t csize = compress_oneshot(p, src, n, &comp);
	CHECK(csize <= nz_compress_bound(n));
	expect_decompress(comp, csize, src, n);
	free(comp);
}

/* Streaming in chunks of `chunk` bytes both ways, content size unknown. */
static void streaming(const nz_params *p0, const uint8_t *src, size_t n, size_t chunk)
{
	nz_params p = *p0;
	p.content_size = NZ_CONTENT_SIZE_UNKNOWN;
	nz_cctx *c;
	REQUIRE(nz_cctx_create(&c, &p) == NZ_OK);
	size_t cap = nz_compress_bound(n) + 64, csize = 0;
	uint8_t *comp = malloc(cap);
	REQUIRE(comp);
	nz_inbuf in = {src, 0, 0};
	size_t pending = 1;
	int guard = 0;
	while ((in.pos < n || pending) && guard++ < 10000000) {
		in.size = NZ_MIN_TEST(in.pos + chunk, n);
		nz_outbuf out = {comp + csize, NZ_MIN_TEST(chunk, cap - csize), 0};
		int rc = nz_compress_stream(c, &out, &in, in.size == n, &pending);
		CHECK(rc == NZ_OK);
		if (rc)
			break;
		csize += out.pos;
	}
	nz_cctx_free(c);

	nz_dctx *d;
	REQUIRE(nz_dctx_create(&d, NULL) == NZ_OK);
	uint8_t *back = malloc(n + 1);
	size_t bsize = 0;
	nz_inbuf cin = {comp, 0, 0};
	int done = 0;
	guard = 0;
	while (guard++ < 10000000) {
		cin.size = NZ_MIN_TEST(cin.pos + chunk, csize);
		nz_outbuf out = {back + bsize, NZ_MIN_TEST(chunk, n + 1 - bsize), 0};
		int rc = nz_decompress_stream(d, &out, &cin, &done);
		CHECK(rc == NZ_OK);
		if (rc)
			break;
		bsize += out.pos;
		if (done && cin.pos == csize)
			break;
	}
	CHECK(done);
	CHECK(bsize == n && memcmp(back, src, n) == 0);
	nz_dctx_free(d);
	free(back);
	free(comp);
}

static void test_sizes_and_kinds(void)
{
	nz_params p;
	nz_params_init(&p, 6);
	uint8_t *buf = malloc(70000);
	REQUIRE(buf);
	const size_t sizes[] = {0, 1, 2, 3, 7, 100, 1023, 1024, 1025, 4096, 65537};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (int kind = 0; kind < 5; kind++) {
			nz_test_fill(buf, sizes[i], kind, 1000 + i);
			one(&p, buf, sizes[i]);
		}
	free(buf);
}

static void test_lanes_substreams_blocks(void)
{
	const size_t n = 50000;
	uint8_t *buf = malloc(n);
	nz_test_fill(buf, n, 1, 77);
	const uint32_t lanes[] = {1, 2, 3, 64, 333, 4096, 65536};
	const uint32_t ks[] = {1, 2, 7, 255};
	for (size_t li = 0; li < sizeof(lanes) / sizeof(lanes[0]); li++)
		for (size_t ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++) {
			nz_params p;
			nz_params_init(&p, 6);
			nz_params_set_model(&p, "order2");
			p.lanes = lanes[li];
			p.substreams = ks[ki];
			one(&p, buf, n);
			one(&p, buf, 1 + li * 37 + ki); /* fewer bytes than lanes */
		}
	/* The bit-wise model cuts a block into K segments. */
	for (size_t ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++) {
		nz_params p;
		nz_params_init(&p, 1);
		p.substreams = ks[ki];
		one(&p, buf, n);
		one(&p, buf, 1 + ki * 37);
	}
	/* Many blocks, model state carried across them, and a stored block inside. */
	nz_test_fill(buf + 20000, 3000, 0, 5); /* incompressible stretch */
	for (int level = 1; level <= 6; level += 5) {
		nz_params p;
		nz_params_init(&p, level);
		if (level == 6)
			nz_params_set_model(&p, "order2");
		p.block_size = 1024;
		one(&p, buf, n);
		streaming(&p, buf, n, 777);
	}
	free(buf);
}

static void test_levels_and_models(void)
{
	const size_t n = 20000;
	uint8_t *buf = malloc(n);
	nz_test_fill(buf, n, 4, 3);
	for (int level = NZ_LEVEL_MIN; level <= NZ_LEVEL_MAX; level++) {
		nz_params p;
		CHECK(nz_params_init(&p, level) == NZ_OK);
		one(&p, buf, n);
	}
	nz_params p;
	nz_params_init(&p, 6);
	CHECK(nz_params_set_model(&p, "store") == NZ_OK);
	one(&p, buf, n);
	CHECK(nz_params_set_model(&p, "no-such-model") == NZ_ERR_PARAM);
	CHECK(nz_params_init(&p, 10) == NZ_ERR_PARAM);
	CHECK(nz_params_init(&p, -1) == NZ_ERR_PARAM);
	free(buf);
}

static void test_streaming_chunks(void)
{
	const size_t n = 30000;
	uint8_t *buf = malloc(n);
	nz_test_fill(buf, n, 1, 9);
	nz_params p;
	nz_params_init(&p, 6);
	const size_t chunks[] = {1, 2, 13, 4096, 1 << 20};
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		streaming(&p, buf, n, chunks[i]);
		streaming(&p, buf, 0, chunks[i]);
		streaming(&p, buf, 1, chunks[i]);
	}
	free(buf);
}

static void test_concatenated(void)
{
	uint8_t a[3000], b[5000], ab[8000];
	nz_test_fill(a, sizeof(a), 1, 1);
	nz_test_fill(b, sizeof(b), 2, 2);
	memcpy(ab, a, sizeof(a));
	memcpy(ab + sizeof(a), b, sizeof(b));
	nz_params p;
	nz_params_init(&p, 6);
	uint8_t *ca, *cb;
	size_t na = compress_oneshot(&p, a, sizeof(a), &ca);
	nz_params_init(&p, 0);
	size_t nb = compress_oneshot(&p, b, sizeof(b), &cb);
	uint8_t *cat = malloc(na + nb);
	memcpy(cat, ca, na);
	memcpy(cat + na, cb, nb);
	expect_decompress(cat, na + nb, ab, sizeof(ab));
	free(ca);
	free(cb);
	free(cat);
}

static void test_corpus(void)
{
	static const char *const files[] = {"gcide", "linux", "cldr", "cc1",
		"small/alice29.txt", "small/asyoulik.txt", "small/fireworks.jpeg",
		"small/geo.protodata", "small/html", "small/kppkn.gtb", "small/lcet10.txt",
		"small/paper-100k.pdf", "small/plrabn12.txt", "small/urls.10K"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t n;
		uint8_t *buf = nz_test_corpus(files[i], 1 << 20, &n);
		if (!buf)
			continue;
		nz_params p;
		nz_params_init(&p, 6);
		uint8_t *comp;
		double t0 = nz_test_seconds();
		size_t csize = compress_oneshot(&p, buf, n, &comp);
		double t1 = nz_test_seconds();
		expect_decompress(comp, csize, buf, n);
		printf("%-22s %8zu -> %8zu (%.3f bpb) %.1f MB/s\n", files[i], n, csize,
		       8.0 * csize / n, n / 1e6 / (t1 - t0));
		free(comp);
		free(buf);
	}
}

int main(void)
{
	test_sizes_and_kinds();
	test_lanes_substreams_blocks();
	test_levels_and_models();
	test_streaming_chunks();
	test_concatenated();
	test_corpus();
	return nz_test_finish("test_roundtrip");
}
