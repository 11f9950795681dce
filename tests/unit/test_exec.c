/*
 * test_exec.c - the execution context (nn/exec.h) and the public backend choice:
 * one pool and one engine per context, created once and lent to codecs; the
 * backend named in nz_params/nz_dparams is the one that runs, and files cross
 * between backends and thread counts byte for byte.
 */
#include <stdlib.h>

#include "codec/config.h"
#include "model/seed_common.h"
#include "nn/exec.h"
#include "nzip.h"
#include "test_util.h"

static void exec_basics(void)
{
	nz_exec *ex;
	REQUIRE(nz_exec_create(&ex, 1, NZ_NN_BACKEND_AUTO) == NZ_OK);
	CHECK(nz_exec_pool(ex) == NULL);
	CHECK_EQ_INT(nz_exec_threads(ex), 1);
	nz_nn_ctx *a, *b;
	REQUIRE(nz_exec_engine(ex, &a) == NZ_OK);
	REQUIRE(nz_exec_engine(ex, &b) == NZ_OK);
	CHECK(a == b); /* one engine per context, made once */
	nz_exec_free(ex);

	REQUIRE(nz_exec_create(&ex, 3, NZ_NN_BACKEND_SCALAR) == NZ_OK);
	CHECK(nz_exec_pool(ex) != NULL);
	CHECK_EQ_INT(nz_thread_pool_threads(nz_exec_pool(ex)), 3);
	REQUIRE(nz_exec_engine(ex, &a) == NZ_OK);
	CHECK_EQ_INT(nz_nn_backend(a), NZ_NN_BACKEND_SCALAR);
	CHECK_EQ_INT(nz_nn_threads(a), 3);
	/* a model too small to split gets a one-thread engine of the same backend,
	 * made once; the others the pool's */
	REQUIRE(nz_exec_engine_for(ex, 1, &b) == NZ_OK);
	CHECK(b != a);
	CHECK_EQ_INT(nz_nn_threads(b), 1);
	CHECK_EQ_INT(nz_nn_backend(b), NZ_NN_BACKEND_SCALAR);
	nz_nn_ctx *c;
	REQUIRE(nz_exec_engine_for(ex, 1, &c) == NZ_OK);
	CHECK(c == b);
	REQUIRE(nz_exec_engine_for(ex, 0, &c) == NZ_OK);
	CHECK(c == a);
	nz_exec_free(ex);

	CHECK_EQ_INT(nz_exec_create(&ex, 1, NZ_NN_BACKEND_COUNT_), NZ_ERR_PARAM);
	CHECK(ex == NULL);
	CHECK_EQ_INT(nz_exec_create(&ex, 1, -1), NZ_ERR_PARAM);
	for (int be = 1; be < NZ_NN_BACKEND_COUNT_; be++)
		if (!nz_nn_backend_supported(be)) {
			CHECK_EQ_INT(nz_exec_create(&ex, 1, be), NZ_ERR_UNSUPPORTED);
			CHECK(ex == NULL);
		}
	nz_exec_free(NULL);
}

/* Which presets run their step on one thread: the tiny ones (a step of 2-3 M
 * multiply-adds), not the -xs ones (70 M and more). */
static void serial_presets(void)
{
	static const struct { const char *name; int serial; } t[] = {
		{"edpc-tiny", 1}, {"pac-tiny", 1}, {"trace-tiny", 1}, {"sep-tiny", 1},
		{"edpc-xs", 0}, {"pac-xs", 0}, {"trace-xs", 0}, {"sep-xs", 0}, {"edpc", 0},
	};
	for (size_t i = 0; i < NZ_ARRAY_LEN(t); i++) {
		nz_params p;
		nz_params_init(&p, 6);
		REQUIRE(nz_params_set_model(&p, t[i].name) == NZ_OK);
		nz_model_config cfg;
		u32 bl, k;
		REQUIRE(nz_config_from_params(&p, &cfg, &bl, &k, NULL) == NZ_OK);
		if (nz_seed_step_serial(&cfg) != t[i].serial) {
			fprintf(stderr, "%s: serial step %d, expected %d\n", t[i].name,
				nz_seed_step_serial(&cfg), t[i].serial);
			nz_test_failures++;
		}
	}
}

static void public_names(void)
{
	CHECK_EQ_INT(nz_backend_from_name("scalar"), NZ_BACKEND_SCALAR);
	CHECK_EQ_INT(nz_backend_from_name("avx2"), NZ_BACKEND_AVX2);
	CHECK_EQ_INT(nz_backend_from_name("avx512"), NZ_BACKEND_AVX512);
	CHECK_EQ_INT(nz_backend_from_name("auto"), NZ_BACKEND_AUTO);
	CHECK_EQ_INT(nz_backend_from_name("cuda"), -1);
	CHECK_EQ_INT(nz_backend_from_name(NULL), -1);
	CHECK(nz_backend_name(NZ_BACKEND_AVX2) && !strcmp(nz_backend_name(NZ_BACKEND_AVX2), "avx2"));
	CHECK(nz_backend_name(99) == NULL);
	CHECK(nz_backend_supported(NZ_BACKEND_AUTO));
	CHECK(nz_backend_supported(NZ_BACKEND_SCALAR));
	CHECK(!nz_backend_supported(99));
}

static u8 *compress_on(const char *model, int backend, u32 threads, const u8 *src, size_t n,
		       size_t *size)
{
	nz_params p;
	nz_params_init(&p, 6);
	REQUIRE(nz_params_set_model(&p, model) == NZ_OK);
	p.backend = backend;
	p.threads = threads;
	const size_t cap = nz_compress_bound(n);
	u8 *out = malloc(cap);
	REQUIRE(out);
	const int rc = nz_compress(out, cap, size, src, n, &p);
	CHECK_EQ_INT(rc, NZ_OK);
	return out;
}

static int decompress_on(int backend, u32 threads, const u8 *comp, size_t csize,
			 const u8 *src, size_t n)
{
	u8 *back = malloc(n + 1);
	REQUIRE(back);
	nz_dparams dp;
	nz_dparams_init(&dp);
	dp.backend = backend;
	dp.threads = threads;
	size_t size = 0;
	const int rc = nz_decompress(back, n + 1, &size, comp, csize, &dp);
	const int ok = rc == NZ_OK && size == n && !memcmp(back, src, n);
	free(back);
	return ok;
}

/* Every supported backend, chosen through the API, writes the same bytes as the
 * scalar one; each decodes the other's file. */
static void files_cross_backends(void)
{
	/* cm-nn: its neural predictor takes a serial context of the backend asked for */
	const char *models[] = {"edpc-tiny", "trace-tiny", "cm-nn"};
	const size_t sizes[] = {1001, 1001, 400};
	u8 *src = malloc(3001);
	REQUIRE(src);
	nz_test_fill(src, 3001, 1, 11);
	for (size_t m = 0; m < NZ_ARRAY_LEN(models); m++) {
		const size_t n = sizes[m];
		size_t ref_size;
		u8 *ref = compress_on(models[m], NZ_BACKEND_SCALAR, 1, src, n, &ref_size);
		int tried = 0;
		for (int be = NZ_BACKEND_AUTO; be <= NZ_BACKEND_AVX512; be++) {
			if (!nz_backend_supported(be))
				continue;
			tried++;
			size_t size;
			u8 *c = compress_on(models[m], be, 2, src, n, &size);
			CHECK(size == ref_size && !memcmp(c, ref, size));
			CHECK(decompress_on(NZ_BACKEND_SCALAR, 1, c, size, src, n));
			CHECK(decompress_on(be, 2, ref, ref_size, src, n));
			free(c);
		}
		CHECK(tried >= 2); /* auto and scalar at least */
		free(ref);
	}
	free(src);
}

/* An unsupported backend is refused when the context is made, before any data. */
static void unsupported_backend(void)
{
	nz_params p;
	nz_params_init(&p, 1);
	p.backend = 42;
	nz_cctx *c = NULL;
	CHECK_EQ_INT(nz_cctx_create(&c, &p), NZ_ERR_PARAM);
	CHECK(c == NULL);
	nz_dparams dp;
	nz_dparams_init(&dp);
	dp.backend = -3;
	nz_dctx *d = NULL;
	CHECK_EQ_INT(nz_dctx_create(&d, &dp), NZ_ERR_PARAM);
	CHECK(d == NULL);
}

int main(void)
{
	exec_basics();
	serial_presets();
	public_names();
	files_cross_backends();
	unsupported_backend();
	return nz_test_finish("test_exec");
}
