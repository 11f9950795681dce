/*
 * engine.c - the engine context: backend choice (the registry, $NZIP_BACKEND
 * or the caller's wish), the thread pool, and the engine-buffer calls of nn.h,
 * which go to the backend's table.
 */
#include <fenv.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "common/cpu.h"
#include "nn/engine_internal.h"

const char *nz_nn_backend_name(int backend)
{
	const nz_nn_backend_desc *d = nz_nn_backend_desc_of(backend);
	return d ? d->name : "unknown";
}

int nz_nn_backend_from_name(const char *s)
{
	for (int i = 0; i < NZ_NN_BACKEND_COUNT_; i++)
		if (s && !strcmp(s, nz_nn_backend_desc_of(i)->name))
			return i;
	return -1;
}

int nz_nn_backend_supported(int backend)
{
	const nz_nn_backend_desc *d = nz_nn_backend_desc_of(backend);
	return d && d->ops && d->supported();
}

/* AUTO chooses among the CPU backends, fastest first: a device backend is
 * only ever used when asked for by name. */
int nz_nn_backend_best(void)
{
	static const int order[] = {NZ_NN_BACKEND_AVX512, NZ_NN_BACKEND_AVX2};
	for (size_t i = 0; i < NZ_ARRAY_LEN(order); i++)
		if (nz_nn_backend_supported(order[i]))
			return order[i];
	return NZ_NN_BACKEND_SCALAR;
}

int nz_nn_backend_resolve(int backend)
{
	if (backend == NZ_NN_BACKEND_AUTO) {
		const char *env = getenv("NZIP_BACKEND");
		if (env && *env)
			backend = nz_nn_backend_from_name(env);
	}
	return backend == NZ_NN_BACKEND_AUTO ? nz_nn_backend_best() : backend;
}

int nz_nn_backend(const nz_nn_ctx *ctx) { return ctx->backend; }
int nz_nn_error(const nz_nn_ctx *ctx) { return ctx->error; }
u32 nz_nn_threads(const nz_nn_ctx *ctx) { return ctx->threads; }
nz_thread_pool *nz_nn_pool(const nz_nn_ctx *ctx) { return ctx->pool; }

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
	int backend = nz_nn_backend_resolve(o.backend);
	if (backend < 0 || backend >= NZ_NN_BACKEND_COUNT_)
		return NZ_ERR_PARAM;
	if (!nz_nn_backend_supported(backend) || !nz_nn_fp_env_ok())
		return NZ_ERR_UNSUPPORTED;

	const nz_nn_backend_desc *d = nz_nn_backend_desc_of(backend);
	nz_nn_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return NZ_ERR_NOMEM;
	c->be = d->ops;
	c->backend = backend;
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
	const int rc = c->be->create(c, d->variant, &o);
	if (rc) {
		nz_nn_free(c);
		return rc;
	}
	*out = c;
	return NZ_OK;
}

void nz_nn_free(nz_nn_ctx *c)
{
	if (!c)
		return;
	c->be->destroy(c);
	if (c->own_pool)
		nz_thread_pool_free(c->pool);
	free(c);
}

/* ---- engine buffers ---- */

float *nz_nn_alloc(nz_nn_ctx *ctx, size_t count)
{
	const size_t bytes = nz_mul_size(count, sizeof(float));
	return ctx->be->alloc(ctx, bytes, 0); /* SIZE_MAX on overflow: fails */
}

float *nz_nn_calloc(nz_nn_ctx *ctx, size_t count)
{
	const size_t bytes = nz_mul_size(count, sizeof(float));
	return ctx->be->alloc(ctx, bytes, 1); /* SIZE_MAX on overflow: fails */
}

void nz_nn_free_mem(nz_nn_ctx *ctx, float *p) { ctx->be->free(ctx, p); }

void nz_nn_upload(nz_nn_ctx *ctx, float *dst, const float *src, size_t count)
{
	ctx->be->upload(ctx, dst, src, count * sizeof(float));
}

void nz_nn_download(nz_nn_ctx *ctx, float *dst, const float *src, size_t count)
{
	ctx->be->download(ctx, dst, src, count * sizeof(float));
}

void nz_nn_sync(nz_nn_ctx *ctx) { ctx->be->sync(ctx); }
