/*
 * cpu_backend.c - the CPU backend's life cycle and memory: its state (kernel
 * table, GEMM blocking, per-thread packing scratch) and engine buffers, which
 * on the CPU are plain aligned host memory, so upload and download are copies
 * and sync has nothing to wait for (every op is complete when it returns).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/cpu_backend.h"

int nz_cpu_create(nz_nn_ctx *ctx, const void *kernels, const nz_nn_options *opt)
{
	const nz_nn_kernels *k = kernels;
	nz_nn_cpu *c = calloc(1, sizeof(*c));
	if (!c)
		return NZ_ERR_NOMEM;
	ctx->impl = c;
	c->k = k;
	/* mc and nc are whole tiles: the packing buffers hold whole panels. */
	c->mc = opt->gemm_mc ? opt->gemm_mc : k->mc;
	c->mc = (c->mc + k->mr - 1) / k->mr * k->mr;
	c->kc = opt->gemm_kc ? opt->gemm_kc : k->kc;
	c->nc = opt->gemm_nc ? opt->gemm_nc : k->nc;
	c->nc = (c->nc + k->nr - 1) / k->nr * k->nr;
	c->gemm_pack = opt->gemm_pack;
	if (c->mc > (1u << 16) || c->kc > (1u << 16) || c->nc > (1u << 20) ||
	    opt->gemm_pack < NZ_NN_GEMM_PACK_AUTO || opt->gemm_pack > NZ_NN_GEMM_PACK_NEVER)
		return NZ_ERR_PARAM;
	c->scratch_floats = (((size_t)c->mc * c->kc + 15) & ~(size_t)15) + (size_t)c->kc * c->nc + 64;
	c->scratch = calloc(ctx->threads, sizeof(float *));
	if (!c->scratch)
		return NZ_ERR_NOMEM;
	for (u32 i = 0; i < ctx->threads; i++) {
		/* a small model packs only a corner of it: pages are mapped on use */
		c->scratch[i] = nz_big_alloc(c->scratch_floats * sizeof(float));
		if (!c->scratch[i])
			return NZ_ERR_NOMEM;
	}
	return NZ_OK;
}

void nz_cpu_destroy(nz_nn_ctx *ctx)
{
	nz_nn_cpu *c = nz_nn_cpu_of(ctx);
	if (!c)
		return;
	nz_cpu_step_wait(ctx); /* no job may outlive the scratch it packs into */
	nz_cpu_steps_free(c->steps);
	if (c->scratch)
		for (u32 i = 0; i < ctx->threads; i++)
			nz_big_free(c->scratch[i], c->scratch_floats * sizeof(float));
	free(c->scratch);
	free(c);
	ctx->impl = NULL;
}

void *nz_cpu_alloc(nz_nn_ctx *ctx, size_t bytes, int zero)
{
	(void)ctx;
	return zero ? nz_calloc_aligned(bytes) : nz_malloc_aligned(bytes);
}

void nz_cpu_free(nz_nn_ctx *ctx, void *buf)
{
	(void)ctx;
	nz_free_aligned(buf);
}

/* Upload and download: engine buffers are host memory. The same address on
 * both sides (a model that already wrote the buffer in place) is no copy. */
void nz_cpu_transfer(nz_nn_ctx *ctx, void *dst, const void *src, size_t bytes)
{
	(void)ctx;
	if (dst != src && bytes)
		memcpy(dst, src, bytes);
}

void nz_cpu_fill(nz_nn_ctx *ctx, float *dst, size_t n, float value)
{
	(void)ctx;
	if (value == 0.0f && !signbit(value)) {
		memset(dst, 0, n * sizeof(float));
		return;
	}
	for (size_t i = 0; i < n; i++)
		dst[i] = value;
}

void nz_cpu_hash(nz_nn_ctx *ctx, nz_xxh64_state *s, const void *src, size_t bytes)
{
	(void)ctx;
	nz_xxh64_update(s, src, bytes);
}

void nz_cpu_sync(nz_nn_ctx *ctx) { (void)ctx; }
