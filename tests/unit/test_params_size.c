/*
 * test_params_size.c - nz_params and nz_dparams can grow without breaking compiled
 * callers (nzip.h): struct_size is set by the _init functions and checked by every
 * function that reads the structs. A struct that was not initialised, or whose size
 * this library does not know (an older layout that never existed, a garbage size),
 * fails with NZ_ERR_STRUCT_SIZE and a detail that says what to do; a struct of a
 * newer, bigger nzip.h works while the fields this library lacks are zero.
 */
#include <string.h>

#include "nzip.h"
#include "test_util.h"

enum { EXTRA = 16, N = 3000 };

/* A caller compiled against a newer nzip.h: the struct and fields we do not have. */
typedef struct {
	nz_params p;
	unsigned char newer[EXTRA];
} newer_params;
typedef struct {
	nz_dparams p;
	unsigned char newer[EXTRA];
} newer_dparams;

static unsigned char src[N], comp[N + 1024], back[N];

static int compress_with(const nz_params *p, size_t *csize)
{
	return nz_compress(comp, sizeof(comp), csize, src, N, p);
}

int main(void)
{
	nz_test_fill(src, N, 1, 7);
	CHECK(strstr(nz_error_string(NZ_ERR_STRUCT_SIZE), "struct_size") != NULL);

	/* The reference: an initialised struct. */
	nz_params ok;
	REQUIRE(nz_params_init(&ok, 1) == NZ_OK);
	CHECK_EQ_INT(ok.struct_size, sizeof(nz_params));
	REQUIRE(nz_params_set_model(&ok, "order2") == NZ_OK);
	size_t ref_size = 0;
	REQUIRE(compress_with(&ok, &ref_size) == NZ_OK);
	unsigned char ref[sizeof(comp)];
	memcpy(ref, comp, ref_size);
	nz_params copy = ok;  /* copies stay valid */
	size_t csize = 0;
	CHECK(compress_with(&copy, &csize) == NZ_OK && csize == ref_size);

	/* Not initialised (zero struct_size): refused everywhere, with a detail. */
	nz_params zero;
	memset(&zero, 0, sizeof(zero));
	zero.level = 1;
	const char *detail = NULL;
	nz_frame_info fi;
	CHECK_EQ_INT(compress_with(&zero, &csize), NZ_ERR_STRUCT_SIZE);
	CHECK_EQ_INT(nz_params_resolve(&zero, &fi, &detail), NZ_ERR_STRUCT_SIZE);
	CHECK(detail && strstr(detail, "nz_params_init"));
	CHECK_EQ_INT(nz_params_set_model(&zero, "order2"), NZ_ERR_STRUCT_SIZE);
	nz_cctx *c = (nz_cctx *)&zero;
	CHECK_EQ_INT(nz_cctx_create(&c, &zero), NZ_ERR_STRUCT_SIZE);
	CHECK(c == NULL);

	/* A smaller size than any layout this library knows (an "older" struct that
	 * never was, or a truncated copy), and garbage sizes: refused, nothing written. */
	const size_t bad[] = {4, sizeof(nz_params) - 8, sizeof(nz_params) - 1,
			      sizeof(nz_params) + 1, 1u << 20, 0xffffffffu};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		nz_params q = ok;
		q.struct_size = (uint32_t)bad[i];
		CHECK_EQ_INT(compress_with(&q, &csize), NZ_ERR_STRUCT_SIZE);
		detail = NULL;
		CHECK_EQ_INT(nz_params_resolve(&q, &fi, &detail), NZ_ERR_STRUCT_SIZE);
		CHECK(detail && strstr(detail, "struct_size"));
		unsigned char buf[sizeof(nz_params) + 64];
		memset(buf, 0xa5, sizeof(buf));
		if (bad[i] <= sizeof(buf)) {
			CHECK_EQ_INT(nz_params_init_sized((nz_params *)(void *)buf, bad[i], 1),
				     NZ_ERR_STRUCT_SIZE);
			for (size_t k = 0; k < sizeof(buf); k++)
				if (buf[k] != 0xa5) {
					CHECK(!"nz_params_init_sized wrote into a refused struct");
					break;
				}
		}
	}

	/* A caller of a newer, bigger nzip.h: init zeroes the fields we lack, and the
	 * result compresses exactly as ours; a non-zero unknown field is refused. */
	newer_params np;
	memset(&np, 0xa5, sizeof(np));
	REQUIRE(nz_params_init_sized(&np.p, sizeof(np), 1) == NZ_OK);
	CHECK_EQ_INT(np.p.struct_size, sizeof(np));
	for (int k = 0; k < EXTRA; k++)
		CHECK(np.newer[k] == 0);
	REQUIRE(nz_params_set_model(&np.p, "order2") == NZ_OK);
	CHECK(compress_with(&np.p, &csize) == NZ_OK && csize == ref_size &&
	      memcmp(comp, ref, ref_size) == 0);
	CHECK(nz_params_resolve(&np.p, &fi, NULL) == NZ_OK);
	np.newer[EXTRA - 1] = 1;
	CHECK_EQ_INT(compress_with(&np.p, &csize), NZ_ERR_STRUCT_SIZE);
	detail = NULL;
	CHECK_EQ_INT(nz_params_resolve(&np.p, &fi, &detail), NZ_ERR_STRUCT_SIZE);
	CHECK(detail && strstr(detail, "newer"));
	CHECK_EQ_INT(nz_cctx_create(&c, &np.p), NZ_ERR_STRUCT_SIZE);

	/* nz_dparams: the same rules; NULL still means the defaults. */
	size_t dsize = 0;
	CHECK(nz_decompress(back, N, &dsize, ref, ref_size, NULL) == NZ_OK && dsize == N &&
	      memcmp(back, src, N) == 0);
	nz_dparams dp;
	nz_dparams_init(&dp);
	CHECK_EQ_INT(dp.struct_size, sizeof(nz_dparams));
	CHECK(nz_decompress(back, N, &dsize, ref, ref_size, &dp) == NZ_OK && dsize == N);
	nz_dparams dzero;
	memset(&dzero, 0, sizeof(dzero));
	CHECK_EQ_INT(nz_decompress(back, N, &dsize, ref, ref_size, &dzero), NZ_ERR_STRUCT_SIZE);
	nz_dctx *d = (nz_dctx *)&dzero;
	CHECK_EQ_INT(nz_dctx_create(&d, &dzero), NZ_ERR_STRUCT_SIZE);
	CHECK(d == NULL);
	dp.struct_size = (uint32_t)sizeof(nz_dparams) - 8;
	CHECK_EQ_INT(nz_dctx_create(&d, &dp), NZ_ERR_STRUCT_SIZE);
	newer_dparams nd;
	memset(&nd, 0xa5, sizeof(nd));
	REQUIRE(nz_dparams_init_sized(&nd.p, sizeof(nd)) == NZ_OK);
	CHECK(nz_decompress(back, N, &dsize, ref, ref_size, &nd.p) == NZ_OK && dsize == N &&
	      memcmp(back, src, N) == 0);
	nd.newer[0] = 1;
	CHECK_EQ_INT(nz_decompress(back, N, &dsize, ref, ref_size, &nd.p), NZ_ERR_STRUCT_SIZE);
	CHECK_EQ_INT(nz_dparams_init_sized(&dp, 3), NZ_ERR_STRUCT_SIZE);

	return nz_test_finish("test_params_size");
}
