/*
 * engine.c - the engine context: backend choice (CPU detection, $NZIP_BACKEND,
 * or the caller's wish), the thread pool and the per-thread GEMM scratch.
 */
#include <fenv.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "common/cpu.h"
#include "nn/kernels.h"
#include "nn/nn.h"

static const char *const backend_names[NZ_NN_BACKEND_COUNT_] = {
	[NZ_NN_BACKEND_AUTO] = "auto",
	[NZ_NN_BACKEND_SCALAR] = "scalar",
	[NZ_NN_BACKEND_AVX2] = "avx2",
	[NZ_NN_BACKEND_AVX512] = "avx512",
};

const char *nz_nn_backend_name(int backend)
{
	if (backend < 0 || backend >= NZ_NN_BACKEND_COUNT_)
		return "unknown";
	return backend_names[backend];
}

int nz_nn_backend_from_name(const char *s)
{
	for (int i = 0; i < NZ_NN_BACKEND_COUNT_; i++)
		if (s && !strcmp(s, backend_names[i]))
			return i;
	return -1;
}

static const nz_nn_kernels *kernels_of(int backend)
{
	switch (backend) {
	case NZ_NN_BACKEND_SCALAR:
		return &nz_nn_kernels_scalar;
#ifdef NZ_NN_HAVE_X86
	case NZ_NN_BACKEND_AVX2:
		return &nz_nn_kernels_avx2;
	case NZ_NN_BACKEND_AVX512:
		return &nz_nn_kernels_avx512;
#endif
	default:
		return NULL;
	}
}

int nz_nn_backend_supported(int backend)
{
	const u32 f = nz_cpu_features();
	switch (backend) {
	case NZ_NN_BACKEND_SCALAR:
		return 1;
	case NZ_NN_BACKEND_AVX2:
		return kernels_of(backend) && (f & NZ_CPU_NEED_AVX2) == NZ_CPU_NEED_AVX2;
	case NZ_NN_BACKEND_AVX512:
		return kernels_of(backend) && (f & NZ_CPU_NEED_AVX512) == NZ_CPU_NEED_AVX512;
	default:
		return 0;
	}
}

int nz_nn_backend_best(void)
{
	for (int b = NZ_NN_BACKEND_COUNT_ - 1; b > NZ_NN_BACKEND_SCALAR; b--)
		if (nz_nn_backend_supported(b))
			return b;
	return NZ_NN_BACKEND_SCALAR;
}

int nz_nn_backend(const nz_nn_ctx *ctx) { return ctx->k->id; }

int nz_nn_fp_env_ok(void)
{
	if (fegetround() != FE_TONEAREST)
		return 0;
#if defined(__x86_64__) || (defined(__i386__) && defined(__SSE__))
	/* MXCSR bit 15 flush-to-zero, bit 6 denormals-are-zero, bits 13-14 rounding
	 * (a library built with -ffast-math may set FTZ/DAZ at start-up). */
	if (_mm_getcsr() & ((1u << 15) | (1u << 6) | (3u << 13)))
		return 0;
#endif
	return 1;
}

int nz_nn_create(nz_nn_ctx **out, const nz_nn_options *opt)
{
	nz_nn_options o = {0};
	*out = NULL;
	if (opt)
		o = *opt;
	int backend = o.backend;
	if (backend == NZ_NN_BACKEND_AUTO) {
		const char *env = getenv("NZIP_BACKEND");
		if (env && *env) {
			backend = nz_nn_backend_from_name(env);
			if (backend < 0)
				return NZ_ERR_PARAM;
		}
	}
	if (backend == NZ_NN_BACKEND_AUTO)
		backend = nz_nn_backend_best();
	if (backend < 0 || backend >= NZ_NN_BACKEND_COUNT_)
		return NZ_ERR_PARAM;
	if (!nz_nn_backend_supported(backend) || !nz_nn_fp_env_ok())
		return NZ_ERR_UNSUPPORTED;

	nz_nn_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return NZ_ERR_NOMEM;
	c->k = kernels_of(backend);
	if (o.pool) {
		c->pool = o.pool;
		c->threads = nz_thread_pool_threads(o.pool);
	} else {
		c->threads = o.threads ? o.threads : nz_cpu_count();
		if (c->threads > 1) {
			int rc = nz_thread_pool_create(&c->pool, c->threads);
			if (rc) {
				free(c);
				return rc;
			}
			c->own_pool = 1;
		}
	}
	const nz_nn_kernels *k = c->k;
	/* mc and nc are whole tiles: the packing buffers hold whole panels. */
	c->mc = o.gemm_mc ? o.gemm_mc : k->mc;
	c->mc = (c->mc + k->mr - 1) / k->mr * k->mr;
	c->kc = o.gemm_kc ? o.gemm_kc : k->kc;
	c->nc = o.gemm_nc ? o.gemm_nc : k->nc;
	c->nc = (c->nc + k->nr - 1) / k->nr * k->nr;
	c->gemm_pack = o.gemm_pack;
	if (c->mc > (1u << 16) || c->kc > (1u << 16) || c->nc > (1u << 20) ||
	    o.gemm_pack < NZ_NN_GEMM_PACK_AUTO || o.gemm_pack > NZ_NN_GEMM_PACK_NEVER) {
		nz_nn_free(c);
		return NZ_ERR_PARAM;
	}
	c->scratch_floats = (((size_t)c->mc * c->kc + 15) & ~(size_t)15) + (size_t)c->kc * c->nc + 64;
	c->scratch = calloc(c->threads, sizeof(float *));
	if (!c->scratch) {
		nz_nn_free(c);
		return NZ_ERR_NOMEM;
	}
	for (u32 i = 0; i < c->threads; i++) {
		c->scratch[i] = nz_malloc_aligned(c->scratch_floats * sizeof(float));
		if (!c->scratch[i]) {
			nz_nn_free(c);
			return NZ_ERR_NOMEM;
		}
	}
	*out = c;
	return NZ_OK;
}

void nz_nn_free(nz_nn_ctx *c)
{
	if (!c)
		return;
	if (c->scratch)
		for (u32 i = 0; i < c->threads; i++)
			nz_free_aligned(c->scratch[i]);
	free(c->scratch);
	if (c->own_pool)
		nz_thread_pool_free(c->pool);
	free(c);
}

float *nz_nn_alloc(nz_nn_ctx *ctx, size_t count)
{
	(void)ctx;
	return nz_malloc_aligned(nz_mul_size(count, sizeof(float)));
}

float *nz_nn_calloc(nz_nn_ctx *ctx, size_t count)
{
	(void)ctx;
	return nz_calloc_aligned(nz_mul_size(count, sizeof(float)));
}

void nz_nn_free_mem(nz_nn_ctx *ctx, float *p)
{
	(void)ctx;
	nz_free_aligned(p);
}
