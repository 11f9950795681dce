/*
 * test_nn_engine.c - backend selection (CPU detection, NZIP_BACKEND, forcing an
 * unsupported, reserved or unknown backend), GEMM blockings that must not
 * change results, the thread pool (fork-join, async batches, worker ids), the
 * parameter layout helpers, and engine buffers (upload, download, fill, the
 * buf_ initialisers and hash) with the context accessors.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cpu.h"
#include "nn_test_common.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static void test_selection(void)
{
	char feats[128];
	nz_cpu_features_string(nz_cpu_features(), feats, sizeof feats);
	printf("cpu features: %s; best backend %s\n", feats, nz_nn_backend_name(nz_nn_backend_best()));
	CHECK(nz_nn_backend_supported(NZ_NN_BACKEND_SCALAR));
	CHECK(nz_nn_backend_from_name("avx2") == NZ_NN_BACKEND_AVX2);
	CHECK(nz_nn_backend_from_name("nope") == -1);

	nz_nn_ctx *ctx;
	nz_nn_options o = {.backend = NZ_NN_BACKEND_AUTO, .threads = 1};
	const char *saved = getenv("NZIP_BACKEND");
	for (int be = NZ_NN_BACKEND_SCALAR; be < NZ_NN_BACKEND_COUNT_; be++) {
		setenv("NZIP_BACKEND", nz_nn_backend_name(be), 1);
		int rc = nz_nn_create(&ctx, &o);
		if (nz_nn_backend_supported(be)) {
			CHECK_EQ_INT(rc, NZ_OK);
			if (!rc)
				CHECK_EQ_INT(nz_nn_backend(ctx), be);
			nz_nn_free(ctx);
		} else {
			CHECK_EQ_INT(rc, NZ_ERR_UNSUPPORTED);
			CHECK(ctx == NULL);
		}
	}
	/* every registered op table fills every entry (none is called checked) */
	for (int be = 0; be < NZ_NN_BACKEND_COUNT_; be++) {
		const nz_nn_backend_desc *d = nz_nn_backend_desc_of(be);
		REQUIRE(d && d->id == be);
		if (d->ops)
			CHECK(nz_nn_backend_ops_complete(d->ops) && d->supported);
	}
	nz_nn_backend_ops partial = nz_nn_cpu_backend;
	partial.adam = NULL;
	CHECK(!nz_nn_backend_ops_complete(&partial));
	/* OpenCL: known by name; supported where the build has it and a device
	 * qualifies (PoCL in CI); never chosen by AUTO */
	CHECK(nz_nn_backend_from_name("opencl") == NZ_NN_BACKEND_OPENCL);
	CHECK(nz_nn_backend_best() != NZ_NN_BACKEND_OPENCL);
	nz_nn_options oc = {.backend = NZ_NN_BACKEND_OPENCL, .threads = 1};
	if (nz_nn_backend_supported(NZ_NN_BACKEND_OPENCL)) {
		CHECK_EQ_INT(nz_nn_create(&ctx, &oc), NZ_OK);
		if (ctx)
			CHECK_EQ_INT(nz_nn_backend(ctx), NZ_NN_BACKEND_OPENCL);
		nz_nn_free(ctx);
		/* one device per process: another choice after first use is refused */
		CHECK_EQ_INT(nz_nn_opencl_select("15.31"), NZ_ERR_STAGE);
		CHECK_EQ_INT(nz_nn_opencl_select(NULL), NZ_OK); /* the default: the one in use */
		CHECK_EQ_INT(nz_nn_opencl_select("x"), NZ_ERR_PARAM);
	} else {
		printf("skip: no OpenCL device (or a build without OpenCL): opencl checks skipped\n");
		CHECK_EQ_INT(nz_nn_create(&ctx, &oc), NZ_ERR_UNSUPPORTED);
		CHECK(ctx == NULL);
	}
	char list[2048];
	nz_nn_opencl_list(list, sizeof list);
	printf("opencl devices:\n%s", list);
	setenv("NZIP_BACKEND", "bogus", 1);
	CHECK_EQ_INT(nz_nn_create(&ctx, &o), NZ_ERR_PARAM);
	/* an explicit backend ignores the environment */
	o.backend = NZ_NN_BACKEND_SCALAR;
	CHECK_EQ_INT(nz_nn_create(&ctx, &o), NZ_OK);
	CHECK_EQ_INT(nz_nn_backend(ctx), NZ_NN_BACKEND_SCALAR);
	nz_nn_free(ctx);
	/* a flush-to-zero environment is refused instead of giving other bits */
	CHECK(nz_nn_fp_env_ok());
#if defined(__x86_64__)
	const unsigned csr = _mm_getcsr();
	_mm_setcsr(csr | (1u << 15));
	CHECK(!nz_nn_fp_env_ok());
	CHECK_EQ_INT(nz_nn_create(&ctx, &o), NZ_ERR_UNSUPPORTED);
	_mm_setcsr(csr);
#endif
	if (saved)
		setenv("NZIP_BACKEND", saved, 1);
	else
		unsetenv("NZIP_BACKEND");
	nz_nn_free(NULL);
}

/* Odd cache blockings (tiny kc splits K into many blocks) give the same bits. */
static void test_blocking(void)
{
	nz_test_rng r = {99};
	const u32 M = 77, N = 101, K = 333;
	float *A = rand_array((size_t)M * K, -1, 1, &r), *B = rand_array((size_t)N * K, -1, 1, &r);
	float *bias = rand_array(N, -1, 1, &r), *C0 = rand_array((size_t)M * N, 0, 1, &r);
	float *C1 = rand_array((size_t)M * N, 0, 1, &r);
	nz_gemm_naive(0, 1, M, N, K, A, K, B, K, C0, N, bias, 0);
	static const u32 blocks[][3] = {{1, 1, 1}, {5, 3, 7}, {64, 17, 48}, {1000, 1000, 1000}};
	for (int be = NZ_NN_BACKEND_SCALAR; be < NZ_NN_BACKEND_COUNT_; be++) {
		/* host arrays as operands: the CPU backends only */
		if (!nz_nn_backend_supported(be) || nz_nn_backend_desc_of(be)->ops != &nz_nn_cpu_backend)
			continue;
		for (u32 i = 0; i < NZ_ARRAY_LEN(blocks); i++) {
			nz_nn_options o = {.backend = be, .threads = 2, .gemm_mc = blocks[i][0],
					   .gemm_kc = blocks[i][1], .gemm_nc = blocks[i][2]};
			nz_nn_ctx *ctx;
			REQUIRE(nz_nn_create(&ctx, &o) == NZ_OK);
			memset(C1, 0, (size_t)M * N * sizeof(float));
			nz_gemm(ctx, 0, 1, M, N, K, A, K, B, K, C1, N, bias, 0);
			CHECK_BITS(C0, C1, (size_t)M * N, "blocked gemm");
			nz_nn_free(ctx);
		}
	}
	nz_free_aligned(A), nz_free_aligned(B), nz_free_aligned(bias);
	nz_free_aligned(C0), nz_free_aligned(C1);
}

typedef struct pool_arg {
	int hits[1000];
	u32 max_worker;
	u32 threads;
	int bad_worker;
} pool_arg;

static void pool_task(void *arg, u32 task, u32 worker)
{
	pool_arg *a = arg;
	a->hits[task]++;
	if (worker >= a->threads)
		a->bad_worker = 1;
}

static void test_pool(void)
{
	for (u32 t = 1; t <= 4; t++) {
		nz_thread_pool *p;
		REQUIRE(nz_thread_pool_create(&p, t) == NZ_OK);
		CHECK_EQ_INT(nz_thread_pool_threads(p), t);
		static pool_arg a, b;
		for (int round = 0; round < 50; round++) {
			memset(&a, 0, sizeof a);
			memset(&b, 0, sizeof b);
			a.threads = b.threads = t;
			nz_batch bat;
			nz_thread_pool_start(p, &bat, pool_task, &b, 777);
			nz_thread_pool_run(p, pool_task, &a, 1000);
			nz_thread_pool_wait(p, &bat);
			for (int i = 0; i < 1000; i++)
				CHECK(a.hits[i] == 1);
			for (int i = 0; i < 1000; i++)
				CHECK(b.hits[i] == (i < 777));
			CHECK(!a.bad_worker && !b.bad_worker);
		}
		nz_thread_pool_free(p);
	}
	nz_thread_pool_free(NULL);
	CHECK_EQ_INT(nz_thread_pool_threads(NULL), 1);
	static pool_arg c;
	c.threads = 1;
	nz_thread_pool_run(NULL, pool_task, &c, 10);
	CHECK(c.hits[9] == 1);
}

static void test_layout(void)
{
	nz_nn_layout l;
	nz_nn_layout_init(&l);
	CHECK_EQ_INT(nz_nn_layout_add(&l, "a", 3), 0);
	CHECK_EQ_INT(nz_nn_layout_add(&l, "b", 16), 1);
	CHECK_EQ_INT(nz_nn_layout_add(&l, "c", 17), 2);
	CHECK_EQ_INT(l.t[1].offset, 16);
	CHECK_EQ_INT(l.t[2].offset, 32);
	CHECK_EQ_INT(l.total, 64);
	nz_nn_ctx *ctx = make_ctx(NZ_NN_BACKEND_SCALAR, 1);
	nz_nn_params P;
	REQUIRE(nz_nn_params_init(ctx, &P, &l) == NZ_OK);
	struct { float *a, *b, *c; } t;
	float **f[] = {&t.a, &t.b, &t.c};
	nz_nn_layout_carve(&l, P.grad, f);
	CHECK(t.a == P.grad && t.c == P.grad + 32);
	CHECK(((uintptr_t)t.b & 63) == 0);
	const u64 h0 = nz_nn_params_hash(&P);
	P.v[63] = 1.0f;
	CHECK(nz_nn_params_hash(&P) != h0);
	nz_nn_params_free(ctx, &P);

	/* the generator and initialisers give fixed numbers */
	nz_rng r;
	nz_rng_seed(&r, 1, 2);
	float x[4];
	nz_nn_init_normal(x, 4, 0.0f, 1.0f, &r);
	printf("normal draws: %a %a %a %a\n", (double)x[0], (double)x[1], (double)x[2], (double)x[3]);
	nz_rng_seed(&r, 1, 2);
	float y[4];
	nz_nn_init_normal(y, 4, 0.0f, 1.0f, &r);
	CHECK(!memcmp(x, y, sizeof x));
	nz_nn_free(ctx);
}

/* Engine buffers on every backend: upload/download round trips, fill, the
 * buf_ initialisers draw the host initialisers' numbers (across several upload
 * pieces), buf_hash is the host hash of the same floats, a slide cache clears
 * through the backend, and the accessors report the threads. */
static void test_buffers(void)
{
	const size_t n = 10007;
	float *h0 = malloc(n * sizeof(float)), *h1 = malloc(n * sizeof(float));
	REQUIRE(h0 && h1);
	for (int be = NZ_NN_BACKEND_SCALAR; be < NZ_NN_BACKEND_COUNT_; be++) {
		nz_nn_ctx *ctx = make_ctx(be, 2);
		if (!ctx)
			continue;
		CHECK_EQ_INT(nz_nn_threads(ctx), 2);
		CHECK(nz_nn_pool(ctx) != NULL);
		float *buf = nz_nn_alloc(ctx, n), *zero = nz_nn_calloc(ctx, n);
		REQUIRE(buf && zero);
		CHECK(((uintptr_t)buf & 63) == 0);
		nz_nn_download(ctx, h1, zero, n);
		for (size_t i = 0; i < n; i++)
			REQUIRE(h1[i] == 0.0f && !signbit(h1[i]));

		nz_rng r;
		nz_rng_seed(&r, 7, 1);
		nz_nn_init_normal(h0, n, 0.5f, 2.0f, &r);
		nz_nn_upload(ctx, buf, h0, n);
		nz_nn_sync(ctx);
		nz_nn_download(ctx, h1, buf, n);
		CHECK_BITS(h1, h0, n, "upload/download");
		CHECK(nz_nn_buf_hash(ctx, buf, n) == nz_nn_hash(h0, n));

		nz_rng_seed(&r, 7, 1);
		nz_nn_buf_init_normal(ctx, buf, n, 0.5f, 2.0f, &r);
		nz_nn_download(ctx, h1, buf, n);
		CHECK_BITS(h1, h0, n, "buf_init_normal");
		nz_rng_seed(&r, 8, 1);
		nz_nn_init_linear(h0, h0 + 33 * 290, 33, 290, &r); /* w then b: 9860 floats */
		nz_rng_seed(&r, 8, 1);
		nz_nn_buf_init_linear(ctx, buf, buf + 33 * 290, 33, 290, &r);
		nz_nn_download(ctx, h1, buf, n);
		CHECK_BITS(h1, h0, n, "buf_init_linear");

		nz_nn_fill(ctx, buf + 1, n - 2, -1.5f);
		nz_nn_download(ctx, h1, buf, n);
		CHECK(h1[0] == h0[0] && h1[n - 1] == h0[n - 1]);
		for (size_t i = 1; i < n - 1; i++)
			REQUIRE(h1[i] == -1.5f);

		nz_slide_cache c;
		REQUIRE(nz_slide_cache_init(ctx, &c, 3, 4, 5, 0) == NZ_OK);
		nz_nn_upload(ctx, c.buf, h0, c.ld * 3);
		nz_slide_cache_push(ctx, &c, buf, 5);
		nz_slide_cache_clear(&c);
		CHECK_EQ_INT(c.start, 0);
		nz_nn_download(ctx, h1, c.buf, c.ld * 3);
		for (size_t i = 0; i < c.ld * 3; i++)
			REQUIRE(h1[i] == 0.0f);
		nz_slide_cache_free(ctx, &c);

		nz_nn_free_mem(ctx, buf);
		nz_nn_free_mem(ctx, zero);
		nz_nn_free_mem(ctx, NULL);
		nz_nn_free(ctx);
	}
	nz_thread_pool *pool;
	REQUIRE(nz_thread_pool_create(&pool, 3) == NZ_OK);
	nz_nn_options o = {.backend = NZ_NN_BACKEND_SCALAR, .pool = pool};
	nz_nn_ctx *ctx;
	REQUIRE(nz_nn_create(&ctx, &o) == NZ_OK);
	CHECK(nz_nn_pool(ctx) == pool);
	CHECK_EQ_INT(nz_nn_threads(ctx), 3);
	nz_nn_free(ctx);
	nz_thread_pool_free(pool);
	ctx = make_ctx(NZ_NN_BACKEND_SCALAR, 1);
	CHECK(nz_nn_pool(ctx) == NULL);
	nz_nn_free(ctx);
	free(h0);
	free(h1);
}

/* A device backend's engine buffers are addresses the host cannot touch: a
 * stray host read (only ops, upload, download and hash may use them) faults at
 * once instead of reading stale memory; a request beyond the device's memory
 * is NULL (NZ_ERR_NOMEM to the caller), not a later failure. */
static void test_device_buffers(void)
{
	for (int be = NZ_NN_BACKEND_SCALAR; be < NZ_NN_BACKEND_COUNT_; be++) {
		if (!nz_nn_backend_supported(be) || nz_nn_backend_desc_of(be)->ops == &nz_nn_cpu_backend)
			continue;
		nz_nn_ctx *ctx = make_ctx(be, 1);
		float *buf = nz_nn_calloc(ctx, 1000);
		REQUIRE(buf);
		CHECK(nz_nn_alloc(ctx, (size_t)1 << 42) == NULL);
		fflush(NULL);
		const pid_t pid = fork();
		REQUIRE(pid >= 0);
		if (pid == 0) {
			volatile float *p = buf + 10;
			const float v = *p; /* must fault */
			_exit(v == 0.0f ? 3 : 4);
		}
		int st = 0;
		REQUIRE(waitpid(pid, &st, 0) == pid);
		CHECK(WIFSIGNALED(st) && (WTERMSIG(st) == SIGSEGV || WTERMSIG(st) == SIGBUS));
		printf("%s: a host read of an engine buffer faults (status %d)\n",
		       nz_nn_backend_name(be), st);
		nz_nn_free_mem(ctx, buf);
		nz_nn_free(ctx);
	}
}

int main(void)
{
	test_selection();
	test_blocking();
	test_pool();
	test_layout();
	test_buffers();
	test_device_buffers();
	return nz_test_finish("test_nn_engine");
}
