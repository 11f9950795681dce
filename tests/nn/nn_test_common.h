/*
 * nn_test_common.h - helpers for the engine tests: random arrays, bitwise
 * comparison, looping over the backends this CPU supports.
 */
#ifndef NZ_NN_TEST_COMMON_H
#define NZ_NN_TEST_COMMON_H

#include <stdio.h>
#include <string.h>

#include "nn/cpu_backend.h" /* private: the engine tests look inside the CPU backend */
#include "nn/nn.h"
#include "test_util.h"

/* Uniform floats in [lo, hi). */
static inline void rand_fill(float *p, size_t n, float lo, float hi, nz_test_rng *r)
{
	for (size_t i = 0; i < n; i++)
		p[i] = lo + (hi - lo) * (float)nz_test_uniform(r);
}

static inline float *rand_array(size_t n, float lo, float hi, nz_test_rng *r)
{
	float *p = nz_malloc_aligned((n ? n : 1) * sizeof(float));
	REQUIRE(p);
	rand_fill(p, n, lo, hi, r);
	return p;
}

static inline float *copy_array(const float *src, size_t n)
{
	float *p = nz_malloc_aligned((n ? n : 1) * sizeof(float));
	REQUIRE(p);
	memcpy(p, src, n * sizeof(float));
	return p;
}

/* Index of the first element whose bits differ, or n. */
static inline size_t first_diff(const float *a, const float *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(a + i, b + i, 4))
			return i;
	return n;
}

#define CHECK_BITS(a, b, n, what)                                                    \
	do {                                                                         \
		size_t at_ = first_diff((a), (b), (n));                              \
		if (at_ != (size_t)(n)) {                                            \
			fprintf(stderr, "%s:%d: %s differs at %zu: %a vs %a\n", __FILE__, \
				__LINE__, (what), at_, (double)(a)[at_], (double)(b)[at_]); \
			nz_test_failures++;                                          \
		}                                                                    \
	} while (0)

/* A context for backend b with t threads, or NULL (with a message) if the CPU
 * cannot run it. */
static inline nz_nn_ctx *make_ctx(int backend, u32 threads)
{
	if (!nz_nn_backend_supported(backend)) {
		printf("skip: backend %s not supported on this machine\n", nz_nn_backend_name(backend));
		return NULL;
	}
	nz_nn_options o = {.backend = backend, .threads = threads};
	nz_nn_ctx *ctx;
	/* The OpenCL backend ignores the thread count; the tests' 2- and 3-thread
	 * contexts run its other kernel choices instead (all must give the same
	 * bits): 2 = the GPU set (64x64 register-blocked GEMM, 16 work-items per
	 * row), 3 = the plainest (one work-item per output and per row). */
	const char *gemm = threads == 2 ? "rb" : threads == 3 ? "naive" : NULL;
	const char *rows = threads == 2 ? "16" : threads == 3 ? "1" : NULL;
	if (backend == NZ_NN_BACKEND_OPENCL && gemm) {
		nz_test_setenv("NZIP_OPENCL_GEMM", gemm);
		nz_test_setenv("NZIP_OPENCL_ROWS", rows);
	}
	REQUIRE(nz_nn_create(&ctx, &o) == NZ_OK);
	nz_test_setenv("NZIP_OPENCL_GEMM", NULL);
	nz_test_setenv("NZIP_OPENCL_ROWS", NULL);
	return ctx;
}

/* The kernel table of a CPU backend's context, or NULL for another backend (the
 * kernel and blocking tests only apply to the CPU backend). */
static inline const nz_nn_kernels *cpu_kernels(const nz_nn_ctx *ctx)
{
	return ctx->be == &nz_nn_cpu_backend ? nz_nn_cpu_of(ctx)->k : NULL;
}

#endif
