/*
 * test_frame_extent.c - nz_frame_extent() walks a frame without decoding it: the
 * size it returns is exactly where the next frame starts, the content size comes
 * from the footer (also for a frame made from a stream of unknown size), and every
 * prefix of a frame is refused as truncated, never accepted or read past.
 */
#include <string.h>

#include "nzip.h"
#include "test_util.h"

static size_t compress_with(unsigned char *dst, size_t cap, const unsigned char *src, size_t n,
			    int level, int model_from_stream)
{
	nz_params p;
	REQUIRE(nz_params_init(&p, level) == NZ_OK);
	p.block_size = 4096;  /* several blocks */
	size_t out = 0;
	if (!model_from_stream) {
		REQUIRE(nz_compress(dst, cap, &out, src, n, &p) == NZ_OK);
		return out;
	}
	/* Through the streaming API without a content size: the header lacks it. */
	nz_cctx *c;
	REQUIRE(nz_cctx_create(&c, &p) == NZ_OK);
	nz_inbuf in = {src, n, 0};
	nz_outbuf o = {dst, cap, 0};
	size_t pending = 1;
	while (pending || in.pos < in.size)
		REQUIRE(nz_compress_stream(c, &o, &in, 1, &pending) == NZ_OK);
	nz_cctx_free(c);
	return o.pos;
}

int main(void)
{
	enum { N1 = 20000, N2 = 9000, CAP = 80000 };
	static unsigned char a[N1], b[N2], buf[CAP];
	nz_test_rng rng;
	rng.s = 7;
	for (size_t i = 0; i < N1; i++)
		a[i] = (unsigned char)("abcdefgh"[nz_test_next(&rng) % 8]);
	for (size_t i = 0; i < N2; i++)
		b[i] = (unsigned char)nz_test_next(&rng);  /* stored blocks */
	const size_t s1 = compress_with(buf, CAP, a, N1, 1, 0);
	const size_t s2 = compress_with(buf + s1, CAP - s1, b, N2, 0, 1);
	const size_t s3 = compress_with(buf + s1 + s2, CAP - s1 - s2, a, 5000, 1, 1);
	const size_t total = s1 + s2 + s3;

	nz_frame_info fi;
	uint64_t fs;
	CHECK_EQ_INT(nz_frame_extent(buf, total, &fs, &fi), NZ_OK);
	CHECK_EQ_INT(fs, s1);
	CHECK_EQ_INT(fi.content_size, N1);
	CHECK_EQ_INT(nz_frame_extent(buf + s1, total - s1, &fs, &fi), NZ_OK);
	CHECK_EQ_INT(fs, s2);
	CHECK_EQ_INT(fi.content_size, N2);  /* from the footer: the header lacks it */
	CHECK_EQ_INT(nz_frame_extent(buf + s1 + s2, s3, &fs, &fi), NZ_OK);
	CHECK_EQ_INT(fs, s3);
	CHECK_EQ_INT(fi.content_size, 5000);

	/* Every proper prefix of a frame: truncated (nothing past n is read: the copy
	 * is exactly n bytes long on the heap, so ASan catches an overread). */
	for (size_t n = 0; n < s1; n++) {
		unsigned char *cut = malloc(n ? n : 1);
		REQUIRE(cut);
		memcpy(cut, buf, n);
		int rc = nz_frame_extent(cut, n, &fs, &fi);
		if (rc != NZ_ERR_TRUNCATED) {
			fprintf(stderr, "prefix %zu: %s\n", n, nz_error_string(rc));
			CHECK(rc == NZ_ERR_TRUNCATED);
		}
		free(cut);
	}
	/* A flipped bit in each header byte region is never taken for a whole frame
	 * of another size. */
	for (size_t i = 0; i < s1; i += 7) {
		buf[i] ^= 0x10;
		int rc = nz_frame_extent(buf, total, &fs, &fi);
		CHECK(rc != NZ_OK || fs == s1);
		buf[i] ^= 0x10;
	}
	CHECK_EQ_INT(nz_frame_extent(NULL, 0, &fs, &fi), NZ_ERR_TRUNCATED);
	CHECK_EQ_INT(nz_frame_extent(buf, total, NULL, &fi), NZ_ERR_PARAM);
	return nz_test_finish("test_frame_extent");
}
