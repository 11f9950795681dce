/*
 * cpu_step.c - the CPU backend's fused optimizer steps (linear_backward_step and
 * step_wait of backend.h; nn.h, nz_nn_step_begin).
 *
 * Why: a backward pass is a chain of input gradients (dx of one layer is dy of
 * the next), and beside it, off that chain, the weight gradients and their Adam
 * steps, which nothing waits on until the next forward pass. With 64 lanes the
 * ops are too small to split well across threads one by one, so the caller runs
 * the dx chain and each layer's weight gradient and update go to the pool as one
 * job: another thread computes them while the caller goes on, and the thread that
 * wrote a gradient updates its tensor while the gradient is still in its cache.
 * Each job is one whole tensor (or two: weight and bias) on one thread with the
 * same kernels in the same order, so the bits do not depend on the thread count
 * or on when the jobs run.
 *
 * A job keeps a copy of dy (the caller may reuse the buffer for the next layer);
 * x and the tensors are the caller's, untouched until step_wait (nn.h's contract).
 */
#include <stdlib.h>

#include "nn/cpu_backend.h"

struct nz_cpu_step_job {
	nz_batch batch;             /* the pool's handle, waited on in step_wait */
	nz_nn_ctx *ctx;
	const nz_nn_params *p;
	float *dw, *db;
	const float *dy, *x;        /* dy: the copy in the stage */
	size_t ldx;
	u32 B, IC, OC;
	u32 pieces;                 /* tasks: row ranges of dw and db */
};

struct nz_cpu_steps {
	nz_cpu_step_job job[NZ_CPU_MAX_STEP_JOBS];
	u32 jobs;                   /* queued since the last wait */
	float *stage;               /* the copies of dy */
	size_t stage_cap, stage_used, stage_want; /* floats; want: the most one step used */
};

void nz_cpu_steps_free(nz_cpu_steps *s)
{
	if (!s)
		return;
	nz_free_aligned(s->stage);
	free(s);
}

/* Task t of a job: rows [o0, o1) of dw and db (outputs OC), on the thread the
 * pool gave it, through a view of the context that runs every op on this thread
 * alone with this thread's packing scratch. Each output is computed exactly as
 * the whole op computes it (dW by one fma chain over the lanes, db by the same
 * column sum over the rows in order), so the cut does not change a bit. */
static void step_task(void *arg, u32 task, u32 worker)
{
	const nz_cpu_step_job *j = arg;
	nz_nn_cpu cpu = *nz_nn_cpu_of(j->ctx);
	cpu.scratch += worker;
	nz_nn_ctx one = *j->ctx;
	one.threads = 1;
	one.pool = NULL;
	one.impl = &cpu;
	const u32 o0 = (u32)((u64)j->OC * task / j->pieces);
	const u32 o1 = (u32)((u64)j->OC * (task + 1) / j->pieces);
	if (o1 == o0)
		return;
	if (j->dw) {
		float *dw = j->dw + (size_t)o0 * j->IC;
		nz_cpu_gemm(&one, 1, 0, o1 - o0, j->IC, j->B, j->dy + o0, j->OC, j->x, j->ldx, dw,
			    j->IC, NULL, 1);
		nz_nn_params_adam_range(&one, j->p, dw, (size_t)(o1 - o0) * j->IC);
	}
	if (j->db) {
		nz_cpu_colsum(&one, j->db + o0, j->dy + o0, j->OC, j->B, o1 - o0);
		nz_nn_params_adam_range(&one, j->p, j->db + o0, o1 - o0);
	}
}

void nz_cpu_step_wait(nz_nn_ctx *ctx)
{
	nz_nn_cpu *cpu = nz_nn_cpu_of(ctx);
	nz_cpu_steps *s = cpu->steps;
	if (!s)
		return;
	for (u32 i = 0; i < s->jobs; i++)
		nz_thread_pool_wait(ctx->pool, &s->job[i].batch);
	s->jobs = 0;
	s->stage_used = 0;
	/* grow the stage to what a step needed, now that no job reads it */
	if (s->stage_want > s->stage_cap) {
		float *n = nz_malloc_aligned(s->stage_want * sizeof(float));
		if (n) {
			nz_free_aligned(s->stage);
			s->stage = n;
			s->stage_cap = s->stage_want;
		}
	}
}

/* Layers below this (multiply-adds of the weight gradient) cost less than a
 * job's hand-off; above it the product splits well across threads by itself
 * (measured on the 2-vCPU Xeon, docs/BENCHMARKS.md "Fused optimizer steps"). */
#define STEP_JOB_MIN_FLOPS 2.5e5
#define STEP_JOB_MAX_FLOPS 2.4e7

int nz_cpu_linear_backward_step(nz_nn_ctx *ctx, const nz_nn_params *p, float *dx, float *dw,
				float *db, const float *dy, const float *x, size_t ldx,
				const float *w, u32 B, u32 IC, u32 OC, int acc)
{
	nz_nn_cpu *cpu = nz_nn_cpu_of(ctx);
	const double flops = 2.0 * B * OC * IC;
	if (ctx->threads <= 1 || !ctx->pool || flops < STEP_JOB_MIN_FLOPS ||
	    flops > STEP_JOB_MAX_FLOPS)
		return 0;
	if (!cpu->steps && !(cpu->steps = calloc(1, sizeof(*cpu->steps))))
		return 0;
	nz_cpu_steps *s = cpu->steps;
	const size_t need = (size_t)B * OC, room = (need + 15) & ~(size_t)15;
	s->stage_want = NZ_MAX(s->stage_want, s->stage_used + room);
	if (s->jobs == NZ_CPU_MAX_STEP_JOBS || s->stage_used + room > s->stage_cap)
		nz_cpu_step_wait(ctx);
	if (room > s->stage_cap) /* the first step, before the stage has grown */
		return 0;
	/* dx before the job starts: the job's Adam changes w */
	if (dx)
		ctx->be->linear_backward(ctx, dx, NULL, NULL, dy, NULL, w, B, IC, OC, acc);
	float *copy = s->stage + s->stage_used;
	s->stage_used += room;
	memcpy(copy, dy, need * sizeof(float));
	nz_cpu_step_job *j = &s->job[s->jobs++];
	*j = (nz_cpu_step_job){.ctx = ctx, .p = p, .dw = dw, .db = db, .dy = copy, .x = x,
			       .ldx = ldx, .B = B, .IC = IC, .OC = OC};
	/* large tensors in pieces, so that the threads can share the last ones */
	j->pieces = flops > 4e6 ? NZ_MIN(ctx->threads, OC) : 1;
	nz_thread_pool_start(ctx->pool, &j->batch, step_task, j, j->pieces);
	return 1;
}
