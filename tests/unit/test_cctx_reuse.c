/*
 * test_cctx_reuse.c - one compression context for many frames writes, frame for
 * frame, the bytes a fresh context writes: after nz_cctx_reset (content size
 * unknown, full-size blocks again even if the first frame was small) and after
 * nz_cctx_set_content_size (the size in the header, blocks cut to it), for a CM
 * level and a lane-driven model, whose codecs the context keeps between frames.
 */
#include "nzip.h"
#include "test_util.h"

#include <string.h>

/* What a fresh context with params p (and content_size) writes for src. */
static size_t fresh(const nz_params *p0, uint64_t content_size, const uint8_t *src, size_t n,
		    uint8_t *dst, size_t cap)
{
	nz_params p = *p0;
	p.content_size = content_size;
	nz_cctx *c;
	REQUIRE(nz_cctx_create(&c, &p) == NZ_OK);
	const size_t size = nz_test_cctx_frame(c, src, n, dst, cap);
	nz_cctx_free(c);
	return size;
}

static void decodes_to(const uint8_t *comp, size_t csize, const uint8_t *src, size_t n)
{
	uint8_t *back = malloc(n + 1);
	REQUIRE(back);
	size_t got = 0;
	CHECK_EQ_INT(nz_decompress(back, n + 1, &got, comp, csize, NULL), NZ_OK);
	CHECK(got == n && memcmp(back, src, n) == 0);
	free(back);
}

static void reuse(const char *model, int level)
{
	enum { BIG = 40000, SMALL = 100 };
	uint8_t *src = malloc(BIG);
	REQUIRE(src);
	for (size_t i = 0; i < BIG; i++) /* text-like, compressible */
		src[i] = (uint8_t)("the quick brown fox "[(i * 7 + i / 97) % 20]);
	nz_params p;
	nz_params_init(&p, level);
	if (model)
		REQUIRE(nz_params_set_model(&p, model) == NZ_OK);
	p.block_size = 1u << 14; /* a few blocks in BIG */
	p.threads = 1;
	const size_t cap = nz_compress_bound(BIG);
	uint8_t *a = malloc(cap), *b = malloc(cap);
	REQUIRE(a && b);

	/* A first frame of SMALL bytes whose size is known: its blocks are cut to
	 * SMALL bytes. */
	nz_params q = p;
	q.content_size = SMALL;
	nz_cctx *c;
	REQUIRE(nz_cctx_create(&c, &q) == NZ_OK);
	size_t na = nz_test_cctx_frame(c, src, SMALL, a, cap);
	size_t nb = fresh(&p, SMALL, src, SMALL, b, cap);
	CHECK(na == nb && memcmp(a, b, na) == 0);

	/* Reset: content size unknown, blocks of block_size again. */
	CHECK_EQ_INT(nz_cctx_reset(c), NZ_OK);
	na = nz_test_cctx_frame(c, src, BIG, a, cap);
	nb = fresh(&p, NZ_CONTENT_SIZE_UNKNOWN, src, BIG, b, cap);
	CHECK(na == nb && memcmp(a, b, na) == 0);
	decodes_to(a, na, src, BIG);

	/* A declared size for the next frame, smaller and then larger. */
	const size_t sizes[] = {SMALL, BIG, 1, 0};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		CHECK_EQ_INT(nz_cctx_reset(c), NZ_OK);
		CHECK_EQ_INT(nz_cctx_set_content_size(c, sizes[i]), NZ_OK);
		na = nz_test_cctx_frame(c, src + 7, sizes[i], a, cap);
		nb = fresh(&p, sizes[i], src + 7, sizes[i], b, cap);
		CHECK(na == nb && memcmp(a, b, na) == 0);
		decodes_to(a, na, src + 7, sizes[i]);
		nz_frame_info info;
		CHECK_EQ_INT(nz_get_frame_info(a, na, &info), NZ_OK);
		CHECK(info.content_size == sizes[i]);
	}

	/* Too late once the frame has begun; a wrong declared size fails the frame. */
	CHECK_EQ_INT(nz_cctx_reset(c), NZ_OK);
	CHECK_EQ_INT(nz_cctx_set_content_size(c, 10), NZ_OK);
	nz_outbuf o = {a, cap, 0};
	nz_inbuf in = {src, 5, 0};
	size_t pending;
	CHECK_EQ_INT(nz_compress_stream(c, &o, &in, 0, &pending), NZ_OK);
	CHECK_EQ_INT(nz_cctx_set_content_size(c, 5), NZ_ERR_PARAM);
	CHECK(nz_compress_stream(c, &o, &in, 1, &pending) != NZ_OK);
	CHECK_EQ_INT(nz_cctx_set_content_size(NULL, 5), NZ_ERR_PARAM);
	nz_cctx_free(c);
	free(a);
	free(b);
	free(src);
}

int main(void)
{
	reuse(NULL, 1);          /* CM: a block codec with a model state per substream */
	reuse("order2", 0);      /* the lane driver, whose ring depends on the block size */
	reuse("edpc-tiny", 0);   /* a seed model behind the lane driver */
	return nz_test_finish("test_cctx_reuse");
}
