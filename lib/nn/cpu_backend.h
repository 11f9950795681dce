/*
 * cpu_backend.h - the CPU backend's state and the pieces its files share:
 * cpu_backend.c (create, memory), cpu_gemm.c, cpu_ops.c (the ops and the op
 * table), cpu_ops_model.c (the seed models' ops). One implementation serves scalar, AVX2 and AVX-512: they differ only
 * in the kernel table (kernels.h) the ops call on ranges of work, which the
 * registry passes to create as the variant.
 */
#ifndef NZ_NN_CPU_BACKEND_H
#define NZ_NN_CPU_BACKEND_H

#include "nn/engine_internal.h"
#include "nn/kernels.h"

/* cpu_step.c's queue of fused weight updates (created on first use) */
#define NZ_CPU_MAX_STEP_JOBS 64
typedef struct nz_cpu_step_job nz_cpu_step_job;
typedef struct nz_cpu_steps nz_cpu_steps;

typedef struct nz_nn_cpu {
	const nz_nn_kernels *k;         /* the instruction set's kernels */
	u32 mc, kc, nc;                 /* GEMM cache blocking in use */
	int gemm_pack;                  /* NZ_NN_GEMM_PACK_* */
	float **scratch;                /* per-thread GEMM packing buffers */
	size_t scratch_floats;          /* size of each */
	nz_cpu_steps *steps;            /* cpu_step.c; NULL until a step queues a job */
} nz_nn_cpu;

NZ_INLINE nz_nn_cpu *nz_nn_cpu_of(const nz_nn_ctx *ctx) { return (nz_nn_cpu *)ctx->impl; }

/* cpu_backend.c */
int nz_cpu_create(nz_nn_ctx *ctx, const void *kernels, const nz_nn_options *opt);
void nz_cpu_destroy(nz_nn_ctx *ctx);
void *nz_cpu_alloc(nz_nn_ctx *ctx, size_t bytes, int zero);
void nz_cpu_free(nz_nn_ctx *ctx, void *buf);
void nz_cpu_transfer(nz_nn_ctx *ctx, void *dst, const void *src, size_t bytes);
void nz_cpu_fill(nz_nn_ctx *ctx, float *dst, size_t n, float value);
void nz_cpu_hash(nz_nn_ctx *ctx, nz_xxh64_state *s, const void *src, size_t bytes);
void nz_cpu_sync(nz_nn_ctx *ctx);

/* cpu_gemm.c */
void nz_cpu_gemm(nz_nn_ctx *ctx, int ta, int tb, u32 M, u32 N, u32 K, const float *A,
		 size_t lda, const float *B, size_t ldb, float *C, size_t ldc,
		 const float *bias, int accumulate);

/* cpu_ops.c: fn over [0, n) in pieces that are multiples of `grain`, across the
 * context's threads; `work` is the rough cost of one item in flops, so that small
 * ops stay on the calling thread */
typedef void (*nz_cpu_range_fn)(nz_nn_ctx *ctx, void *arg, size_t begin, size_t end,
				u32 worker);
void nz_cpu_par_range(nz_nn_ctx *ctx, size_t n, size_t grain, double work, nz_cpu_range_fn fn,
		      void *arg);

/* cpu_ops.c: acc[c] += the rows of m (ld apart) in order, for c < cols (bias
 * gradients), split by columns across the context's threads */
void nz_cpu_colsum(nz_nn_ctx *ctx, float *acc, const float *m, size_t ld, u32 rows, u32 cols);

/* cpu_step.c: fused optimizer steps (backend.h's linear_backward_step, step_wait) */
int nz_cpu_linear_backward_step(nz_nn_ctx *ctx, const nz_nn_params *p, float *dx, float *dw,
				float *db, const float *dy, const float *x, size_t ldx,
				const float *w, u32 B, u32 IC, u32 OC, int acc);
void nz_cpu_step_wait(nz_nn_ctx *ctx);
void nz_cpu_steps_free(nz_cpu_steps *s);

/* cpu_ops_model.c: the seed-model ops of ops_model.h */
void nz_cpu_lane_bias_forward(nz_nn_ctx *ctx, float *y, const float *x, const float *bias,
		u32 B, u32 R, u32 D);
void nz_cpu_lane_bias_backward(nz_nn_ctx *ctx, float *dbias, const float *dy, u32 B, u32 R,
		u32 D);
void nz_cpu_sqr_attention_last_forward(nz_nn_ctx *ctx, float *att, float *a, float *den,
		const float *q2, const float *k2, const float *v, u32 B, u32 T, u32 H,
		u32 NH);
void nz_cpu_sqr_attention_last_backward(nz_nn_ctx *ctx, float *dq, float *dk, float *dv,
		float *dnum, const float *datt, const float *att, const float *a,
		const float *den, const float *q, const float *q2, const float *k,
		const float *k2, const float *v, u32 B, u32 T, u32 H, u32 NH);
void nz_cpu_patch_gate_forward(nz_nn_ctx *ctx, float *kk, float *mask, float *coef,
		const float *mparam, const float *uw, u32 NW, u32 stride);
void nz_cpu_patch_gate_backward(nz_nn_ctx *ctx, float *duw, float *dmparam,
		const float *dcoef, const float *uw, const float *mask, const float *kk,
		u32 NW, u32 stride);
void nz_cpu_patch_mix_forward(nz_nn_ctx *ctx, float *pre, const float *s, const float *coef,
		const float *ub, u32 B, u32 NW, u32 E, u32 H);
void nz_cpu_patch_mix_backward(nz_nn_ctx *ctx, float *ds, float *dcoef, float *dub,
		const float *dpre, const float *s, const float *coef, u32 B, u32 NW, u32 E,
		u32 H);

#endif /* NZ_NN_CPU_BACKEND_H */
