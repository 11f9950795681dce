/*
 * cpu_ops.c - the CPU backend's ops (the layers of nn.h) and its op table:
 * split work across the context's threads and call the instruction set's
 * kernels on the pieces. A split never cuts a reduction: rows are
 * split for row-wise work, columns for sums over rows (parameter gradients), so
 * each output's sequence of operations is the same for any thread count.
 *
 * Ops that are one IEEE operation per element (mul, add, avg2, copies) are plain
 * C loops here: any vector width gives the same bits for them.
 */
#include <math.h>

#include "nn/cpu_backend.h"

/* ---- parallel ranges ---- */

typedef struct range_job {
	nz_nn_ctx *ctx;
	nz_cpu_range_fn fn;
	void *arg;
	size_t n, chunk;
} range_job;

static void range_task(void *arg, u32 task, u32 worker)
{
	const range_job *j = arg;
	const size_t b = (size_t)task * j->chunk, e = NZ_MIN(j->n, b + j->chunk);
	j->fn(j->ctx, j->arg, b, e, worker);
}

void nz_cpu_par_range(nz_nn_ctx *ctx, size_t n, size_t grain, double work, nz_cpu_range_fn fn,
		      void *arg)
{
	if (!n)
		return;
	u32 pieces = ctx->threads;
	if (pieces > 1 && (double)n * work < 65536.0)
		pieces = 1;
	size_t chunk = (n + pieces - 1) / pieces;
	chunk = (chunk + grain - 1) / grain * grain;
	const u32 tasks = (u32)((n + chunk - 1) / chunk);
	if (tasks <= 1) {
		fn(ctx, arg, 0, n, 0);
		return;
	}
	range_job j = {ctx, fn, arg, n, chunk};
	nz_thread_pool_run(ctx->pool, range_task, &j, tasks);
}

/* Arguments of the simple ops, passed through nz_cpu_par_range. */
typedef struct op_args {
	float *o0, *o1, *o2;
	const float *i0, *i1, *i2, *i3;
	const u8 *tok;
	size_t s0, s1;
	u32 d0, d1, d2, d3;
	float f0;
	int acc;
} op_args;

/* ---- embedding ---- */

static void emb_fwd_rows(nz_nn_ctx *ctx, void *arg, size_t b0, size_t b1, u32 w)
{
	(void)ctx, (void)w;
	const op_args *a = arg;
	const u32 T = a->d0, D = a->d1;
	for (size_t b = b0; b < b1; b++)
		for (u32 t = 0; t < T; t++)
			memcpy(a->o0 + (b * T + t) * D, a->i0 + (size_t)a->tok[b * a->s0 + t] * D,
			       D * sizeof(float));
}

static void cpu_embedding_forward(nz_nn_ctx *ctx, float *out, const u8 *tok, size_t tok_stride,
			  const float *table, u32 B, u32 T, u32 D)
{
	op_args a = {.o0 = out, .i0 = table, .tok = tok, .s0 = tok_stride, .d0 = T, .d1 = D};
	nz_cpu_par_range(ctx, B, 1, (double)T * D, emb_fwd_rows, &a);
}

static void emb_bwd_cols(nz_nn_ctx *ctx, void *arg, size_t c0, size_t c1, u32 w)
{
	(void)w;
	const op_args *a = arg;
	const u32 B = a->d0, T = a->d1, D = a->d2;
	for (u32 b = 0; b < B; b++)
		for (u32 t = 0; t < T; t++)
			nz_nn_cpu_of(ctx)->k->add(a->o0 + (size_t)a->tok[b * a->s0 + t] * D + c0,
				    a->i0 + ((size_t)b * T + t) * D + c0, c1 - c0);
}

static void cpu_embedding_backward(nz_nn_ctx *ctx, float *dtable, const float *dout, const u8 *tok,
			   size_t tok_stride, u32 B, u32 T, u32 D)
{
	op_args a = {.o0 = dtable, .i0 = dout, .tok = tok, .s0 = tok_stride,
		     .d0 = B, .d1 = T, .d2 = D};
	nz_cpu_par_range(ctx, D, 16, (double)B * T, emb_bwd_cols, &a);
}

/* ---- linear ---- */

static void cpu_linear_forward(nz_nn_ctx *ctx, float *y, const float *x, const float *w,
		       const float *b, u32 B, u32 IC, u32 OC)
{
	nz_cpu_gemm(ctx, 0, 1, B, OC, IC, x, IC, w, IC, y, OC, b, 0);
}

/* acc[c] += sum over rows r in order of m[r*ld + c], columns [c0, c1). */
static void colsum_cols(nz_nn_ctx *ctx, void *arg, size_t c0, size_t c1, u32 w)
{
	(void)w;
	const op_args *a = arg;
	for (u32 r = 0; r < a->d0; r++)
		nz_nn_cpu_of(ctx)->k->add(a->o0 + c0, a->i0 + r * a->s0 + c0, c1 - c0);
}

void nz_cpu_colsum(nz_nn_ctx *ctx, float *acc, const float *m, size_t ld, u32 rows, u32 cols)
{
	op_args a = {.o0 = acc, .i0 = m, .s0 = ld, .d0 = rows};
	nz_cpu_par_range(ctx, cols, 16, rows, colsum_cols, &a);
}

static void cpu_linear_backward(nz_nn_ctx *ctx, float *dx, float *dw, float *db, const float *dy,
			const float *x, const float *w, u32 B, u32 IC, u32 OC, int acc)
{
	if (dx)
		nz_cpu_gemm(ctx, 0, 0, B, IC, OC, dy, OC, w, IC, dx, IC, NULL, acc);
	if (dw)
		nz_cpu_gemm(ctx, 1, 0, OC, IC, B, dy, OC, x, IC, dw, IC, NULL, 1);
	if (db)
		nz_cpu_colsum(ctx, db, dy, OC, B, OC);
}

/* ---- per-lane product ---- */

static void bmm_fwd_lanes(nz_nn_ctx *ctx, void *arg, size_t n0, size_t n1, u32 w)
{
	(void)w;
	const op_args *a = arg;
	const u32 R = a->d0, D1 = a->d1, D2 = a->d2;
	for (size_t n = n0; n < n1; n++) {
		const float *x = a->i0 + n * R * D1, *u = a->i1 + n * D1 * D2;
		const float *bias = a->i2 ? a->i2 + n * R * D2 : NULL;
		nz_nn_cpu_of(ctx)->k->gemm_small(R, D2, D1, x, D1, 1, u, D2, a->o0 + n * R * D2, D2,
				   bias ? NZ_GEMM_INIT_BIAS : NZ_GEMM_INIT_ZERO, bias, D2);
	}
}

static void cpu_bmm_forward(nz_nn_ctx *ctx, float *y, const float *x, const float *u,
		    const float *bias, u32 B, u32 R, u32 D1, u32 D2)
{
	op_args a = {.o0 = y, .i0 = x, .i1 = u, .i2 = bias, .d0 = R, .d1 = D1, .d2 = D2};
	nz_cpu_par_range(ctx, B, 1, 2.0 * R * D1 * D2 + (double)D1 * D2, bmm_fwd_lanes, &a);
}

/* ut (D2, D1) = u (D1, D2) transposed: exact copies. */
static void transpose(const nz_nn_kernels *k, float *ut, const float *u, u32 D1, u32 D2)
{
	if (k->pack_t) {
		k->pack_t(ut, D1, u, D2, D1, D2);
		return;
	}
	for (u32 i = 0; i < D1; i++)
		for (u32 j = 0; j < D2; j++)
			ut[(size_t)j * D1 + i] = u[(size_t)i * D2 + j];
}

static void bmm_bwd_lanes(nz_nn_ctx *ctx, void *arg, size_t n0, size_t n1, u32 w)
{
	const op_args *a = arg;
	const nz_nn_cpu *cpu = nz_nn_cpu_of(ctx);
	const nz_nn_kernels *k = cpu->k;
	const u32 R = a->d0, D1 = a->d1, D2 = a->d2;
	float *ut = cpu->scratch[w];
	const int use_ut = (size_t)D1 * D2 <= cpu->scratch_floats;
	for (size_t n = n0; n < n1; n++) {
		const float *dy = a->i0 + n * R * D2, *x = a->i1 + n * R * D1;
		const float *u = a->i2 + n * D1 * D2;
		if (a->o0) {
			/* dx (R, D1) = dy (R, D2) . u^T: chains over j, vectorised over k
			 * through a transposed copy of u */
			float *dx = a->o0 + n * R * D1;
			const int init = a->acc ? NZ_GEMM_INIT_LOAD : NZ_GEMM_INIT_ZERO;
			if (use_ut) {
				transpose(k, ut, u, D1, D2);
				k->gemm_small(R, D1, D2, dy, D2, 1, ut, D1, dx, D1, init, NULL, 0);
			} else {
				for (u32 r = 0; r < R; r++)
					for (u32 kk = 0; kk < D1; kk++) {
						float *dxr = dx + (size_t)r * D1;
						const float *dyr = dy + (size_t)r * D2;
						float c = a->acc ? dxr[kk] : 0.0f;
						for (u32 j = 0; j < D2; j++)
							c = fmaf(dyr[j], u[(size_t)kk * D2 + j], c);
						dxr[kk] = c;
					}
			}
		}
		/* du (D1, D2) += x^T (D1, R) . dy (R, D2): chains over r */
		if (a->o1)
			k->gemm_small(D1, D2, R, x, 1, D1, dy, D2, a->o1 + n * D1 * D2, D2,
				      NZ_GEMM_INIT_LOAD, NULL, 0);
		if (a->o2)
			k->add(a->o2 + n * R * D2, dy, (size_t)R * D2);
	}
}

static void cpu_bmm_backward(nz_nn_ctx *ctx, float *dx, float *du, float *dbias, const float *dy,
		     const float *x, const float *u, u32 B, u32 R, u32 D1, u32 D2, int acc)
{
	op_args a = {.o0 = dx, .o1 = du, .o2 = dbias, .i0 = dy, .i1 = x, .i2 = u,
		     .d0 = R, .d1 = D1, .d2 = D2, .acc = acc};
	nz_cpu_par_range(ctx, B, 1, 4.0 * R * D1 * D2 + 3.0 * D1 * D2, bmm_bwd_lanes, &a);
}

/* ---- layernorm ---- */

static void ln_fwd_rows(nz_nn_ctx *ctx, void *arg, size_t r0, size_t r1, u32 w)
{
	(void)w;
	const op_args *a = arg;
	const size_t D = a->d0;
	nz_nn_cpu_of(ctx)->k->layernorm(a->o0 + r0 * D, a->o2 ? a->o2 + r0 : NULL,
			  a->o1 ? a->o1 + r0 : NULL, a->i0 + r0 * D, a->i1, a->i2, r1 - r0, D,
			  a->f0);
}

static void cpu_layernorm_forward(nz_nn_ctx *ctx, float *y, float *mean, float *rstd,
			  const float *x, const float *g, const float *b, u32 rows,
			  u32 D, float eps)
{
	op_args a = {.o0 = y, .o1 = rstd, .o2 = mean, .i0 = x, .i1 = g, .i2 = b, .d0 = D,
		     .f0 = eps};
	nz_cpu_par_range(ctx, rows, 1, 8.0 * D, ln_fwd_rows, &a);
}

typedef struct ln_bwd_args {
	float *dx, *dg, *db;
	const float *dy, *x, *mean, *rstd, *g;
	u32 rows, D;
	int acc;
} ln_bwd_args;

static void ln_bwd_rows(nz_nn_ctx *ctx, void *arg, size_t r0, size_t r1, u32 w)
{
	(void)w;
	const ln_bwd_args *a = arg;
	const size_t D = a->D;
	nz_nn_cpu_of(ctx)->k->layernorm_bwd(a->dx + r0 * D, a->dy + r0 * D, a->x + r0 * D, a->mean + r0,
			      a->rstd + r0, a->g, r1 - r0, D, a->acc);
}

static void ln_bwd_cols(nz_nn_ctx *ctx, void *arg, size_t c0, size_t c1, u32 w)
{
	(void)w;
	const ln_bwd_args *a = arg;
	const size_t D = a->D;
	for (u32 r = 0; r < a->rows; r++)
		nz_nn_cpu_of(ctx)->k->layernorm_dgb_row(a->dg ? a->dg + c0 : NULL, a->db ? a->db + c0 : NULL,
					  a->dy + r * D + c0, a->x + r * D + c0, a->mean[r],
					  a->rstd[r], c1 - c0);
}

static void cpu_layernorm_backward(nz_nn_ctx *ctx, float *dx, float *dg, float *db,
			   const float *dy, const float *x, const float *mean,
			   const float *rstd, const float *g, u32 rows, u32 D, int acc)
{
	ln_bwd_args a = {dx, dg, db, dy, x, mean, rstd, g, rows, D, acc};
	if (dx)
		nz_cpu_par_range(ctx, rows, 1, 12.0 * D, ln_bwd_rows, &a);
	if (dg || db)
		nz_cpu_par_range(ctx, D, 16, 4.0 * rows, ln_bwd_cols, &a);
}

/* ---- elementwise ---- */

#define EW_GRAIN 1024

static void gelu_fwd_r(nz_nn_ctx *ctx, void *arg, size_t b, size_t e, u32 w)
{
	(void)w;
	const op_args *a = arg;
	nz_nn_cpu_of(ctx)->k->gelu(a->o0 + b, a->i0 + b, e - b);
}
static void cpu_gelu_forward(nz_nn_ctx *ctx, float *y, const float *x, size_t n)
{
	op_args a = {.o0 = y, .i0 = x};
	nz_cpu_par_range(ctx, n, EW_GRAIN, 30, gelu_fwd_r, &a);
}

static void gelu_bwd_r(nz_nn_ctx *ctx, void *arg, size_t b, size_t e, u32 w)
{
	(void)w;
	const op_args *a = arg;
	nz_nn_cpu_of(ctx)->k->gelu_bwd(a->o0 + b, a->i0 + b, a->i1 + b, e - b, a->acc);
}
static void cpu_gelu_backward(nz_nn_ctx *ctx, float *dx, const float *dy, const float *x,
		      size_t n, int acc)
{
	op_args a = {.o0 = dx, .i0 = dy, .i1 = x, .acc = acc};
	nz_cpu_par_range(ctx, n, EW_GRAIN, 50, gelu_bwd_r, &a);
}

static void gelu_mul_r(nz_nn_ctx *ctx, void *arg, size_t b, size_t e, u32 w)
{
	(void)w;
	const op_args *a = arg;
	nz_nn_cpu_of(ctx)->k->gelu_mul(a->o0 + b, a->i0 + b, a->i1 + b, e - b);
}
static void cpu_gelu_mul_forward(nz_nn_ctx *ctx, float *y, const float *a_, const float *b_,
			 size_t n)
{
	op_args a = {.o0 = y, .i0 = a_, .i1 = b_};
	nz_cpu_par_range(ctx, n, EW_GRAIN, 30, gelu_mul_r, &a);
}

static void gelu_mul_bwd_r(nz_nn_ctx *ctx, void *arg, size_t b, size_t e, u32 w)
{
	(void)w;
	const op_args *a = arg;
	nz_nn_cpu_of(ctx)->k->gelu_mul_bwd(a->o0 ? a->o0 + b : NULL, a->o1 ? a->o1 + b : NULL, a->i0 + b,
			     a->i1 + b, a->i2 + b, e - b, a->acc);
}
static void cpu_gelu_mul_backward(nz_nn_ctx *ctx, float *da, float *db, const float *dy,
			  const float *a_, const float *b_, size_t n, int acc)
{
	op_args a = {.o0 = da, .o1 = db, .i0 = dy, .i1 = a_, .i2 = b_, .acc = acc};
	nz_cpu_par_range(ctx, n, EW_GRAIN, 80, gelu_mul_bwd_r, &a);
}

static void sig_fwd_r(nz_nn_ctx *ctx, void *arg, size_t b, size_t e, u32 w)
{
	(void)w;
	const op_args *a = arg;
	if (a->d0)
		nz_nn_cpu_of(ctx)->k->tanh(a->o0 + b, a->i0 + b, e - b);
	else
		nz_nn_cpu_of(ctx)->k->sigmoid(a->o0 + b, a->i0 + b, e - b);
}
static void cpu_sigmoid_forward(nz_nn_ctx *ctx, float *y, const float *x, size_t n)
{
	op_args a = {.o0 = y, .i0 = x, .d0 = 0};
	nz_cpu_par_range(ctx, n, EW_GRAIN, 20, sig_fwd_r, &a);
}
static void cpu_tanh_forward(nz_nn_ctx *ctx, float *y, const float *x, size_t n)
{
	op_args a = {.o0 = y, .i0 = x, .d0 = 1};
	nz_cpu_par_range(ctx, n, EW_GRAIN, 20, sig_fwd_r, &a);
}

static void sig_bwd_r(nz_nn_ctx *ctx, void *arg, size_t b, size_t e, u32 w)
{
	(void)w;
	const op_args *a = arg;
	if (a->d0)
		nz_nn_cpu_of(ctx)->k->tanh_bwd(a->o0 + b, a->i0 + b, a->i1 + b, e - b, a->acc);
	else
		nz_nn_cpu_of(ctx)->k->sigmoid_bwd(a->o0 + b, a->i0 + b, a->i1 + b, e - b, a->acc);
}
static void cpu_sigmoid_backward(nz_nn_ctx *ctx, float *dx, const float *dy, const float *y,
			 size_t n, int acc)
{
	op_args a = {.o0 = dx, .i0 = dy, .i1 = y, .d0 = 0, .acc = acc};
	nz_cpu_par_range(ctx, n, EW_GRAIN, 4, sig_bwd_r, &a);
}
static void cpu_tanh_backward(nz_nn_ctx *ctx, float *dx, const float *dy, const float *y,
		      size_t n, int acc)
{
	op_args a = {.o0 = dx, .i0 = dy, .i1 = y, .d0 = 1, .acc = acc};
	nz_cpu_par_range(ctx, n, EW_GRAIN, 4, sig_bwd_r, &a);
}

/* One IEEE operation per element: plain loops. */
enum { EW_MUL, EW_MUL_BWD, EW_ADD, EW_ADD_BWD, EW_AVG2, EW_AVG2_BWD };

static void simple_r(nz_nn_ctx *ctx, void *arg, size_t b, size_t e, u32 w)
{
	(void)ctx, (void)w;
	const op_args *a = arg;
	float *o0 = a->o0, *o1 = a->o1;
	const float *x = a->i0, *y = a->i1, *z = a->i2;
	const int acc = a->acc;
	switch (a->d0) {
	case EW_MUL:
		for (size_t i = b; i < e; i++)
			o0[i] = x[i] * y[i];
		break;
	case EW_MUL_BWD: /* x = dy, y = a, z = b */
		for (size_t i = b; i < e; i++) {
			const float ga = x[i] * z[i], gb = x[i] * y[i];
			if (o0)
				o0[i] = acc ? o0[i] + ga : ga;
			if (o1)
				o1[i] = acc ? o1[i] + gb : gb;
		}
		break;
	case EW_ADD:
		for (size_t i = b; i < e; i++)
			o0[i] = x[i] + y[i];
		break;
	case EW_AVG2:
		for (size_t i = b; i < e; i++)
			o0[i] = (x[i] + y[i]) * 0.5f;
		break;
	case EW_ADD_BWD:
	case EW_AVG2_BWD:
		for (size_t i = b; i < e; i++) {
			const float g = a->d0 == EW_AVG2_BWD ? x[i] * 0.5f : x[i];
			if (o0)
				o0[i] = acc ? o0[i] + g : g;
			if (o1)
				o1[i] = acc ? o1[i] + g : g;
		}
		break;
	}
}

static void cpu_mul_forward(nz_nn_ctx *ctx, float *y, const float *a_, const float *b_, size_t n)
{
	op_args a = {.o0 = y, .i0 = a_, .i1 = b_, .d0 = EW_MUL};
	nz_cpu_par_range(ctx, n, EW_GRAIN, 1, simple_r, &a);
}
static void cpu_mul_backward(nz_nn_ctx *ctx, float *da, float *db, const float *dy,
		     const float *a_, const float *b_, size_t n, int acc)
{
	op_args a = {.o0 = da, .o1 = db, .i0 = dy, .i1 = a_, .i2 = b_, .d0 = EW_MUL_BWD,
		     .acc = acc};
	nz_cpu_par_range(ctx, n, EW_GRAIN, 2, simple_r, &a);
}
static void cpu_add_forward(nz_nn_ctx *ctx, float *y, const float *a_, const float *b_, size_t n)
{
	op_args a = {.o0 = y, .i0 = a_, .i1 = b_, .d0 = EW_ADD};
	nz_cpu_par_range(ctx, n, EW_GRAIN, 1, simple_r, &a);
}
static void cpu_add_backward(nz_nn_ctx *ctx, float *da, float *db, const float *dy, size_t n,
		     int acc)
{
	op_args a = {.o0 = da, .o1 = db, .i0 = dy, .d0 = EW_ADD_BWD, .acc = acc};
	nz_cpu_par_range(ctx, n, EW_GRAIN, 1, simple_r, &a);
}
static void cpu_avg2_forward(nz_nn_ctx *ctx, float *y, const float *a_, const float *b_, size_t n)
{
	op_args a = {.o0 = y, .i0 = a_, .i1 = b_, .d0 = EW_AVG2};
	nz_cpu_par_range(ctx, n, EW_GRAIN, 1, simple_r, &a);
}
static void cpu_avg2_backward(nz_nn_ctx *ctx, float *da, float *db, const float *dy, size_t n,
		      int acc)
{
	op_args a = {.o0 = da, .o1 = db, .i0 = dy, .d0 = EW_AVG2_BWD, .acc = acc};
	nz_cpu_par_range(ctx, n, EW_GRAIN, 1, simple_r, &a);
}

/* For short vectors (a row of a head): one thread, the kernel directly. */
static void cpu_axpy(nz_nn_ctx *ctx, float *y, float a, const float *x, size_t n)
{
	nz_nn_cpu_of(ctx)->k->axpy(y, a, x, n);
}

/* ---- copies and concatenation ---- */

static void copy_rows_r(nz_nn_ctx *ctx, void *arg, size_t r0, size_t r1, u32 w)
{
	(void)ctx, (void)w;
	const op_args *a = arg;
	const u32 cols = a->d0;
	for (size_t r = r0; r < r1; r++) {
		float *d = a->o0 + r * a->s0;
		const float *s = a->i0 + r * a->s1;
		if (a->acc)
			for (u32 c = 0; c < cols; c++)
				d[c] = d[c] + s[c];
		else
			memcpy(d, s, cols * sizeof(float));
	}
}

static void cpu_copy_rows(nz_nn_ctx *ctx, float *dst, size_t ld_dst, const float *src,
		  size_t ld_src, u32 rows, u32 cols, int acc)
{
	op_args a = {.o0 = dst, .i0 = src, .s0 = ld_dst, .s1 = ld_src, .d0 = cols, .acc = acc};
	nz_cpu_par_range(ctx, rows, 1, cols, copy_rows_r, &a);
}

static void cpu_concat_forward(nz_nn_ctx *ctx, float *y, const float *a, u32 Da, const float *b,
		       u32 Db, u32 rows)
{
	cpu_copy_rows(ctx, y, (size_t)Da + Db, a, Da, rows, Da, 0);
	cpu_copy_rows(ctx, y + Da, (size_t)Da + Db, b, Db, rows, Db, 0);
}

static void cpu_concat_backward(nz_nn_ctx *ctx, float *da, float *db, const float *dy, u32 Da,
			u32 Db, u32 rows, int acc)
{
	if (da)
		cpu_copy_rows(ctx, da, Da, dy, (size_t)Da + Db, rows, Da, acc);
	if (db)
		cpu_copy_rows(ctx, db, Db, dy + Da, (size_t)Da + Db, rows, Db, acc);
}

/* ---- softmax and cross-entropy ---- */

static void softmax_r(nz_nn_ctx *ctx, void *arg, size_t r0, size_t r1, u32 w)
{
	(void)w;
	const op_args *a = arg;
	nz_nn_cpu_of(ctx)->k->softmax(a->o0 + r0 * a->d0, a->i0 + r0 * a->d0, r1 - r0, a->d0);
}

static void cpu_softmax_forward(nz_nn_ctx *ctx, float *probs, const float *logits, u32 rows, u32 V)
{
	op_args a = {.o0 = probs, .i0 = logits, .d0 = V};
	nz_cpu_par_range(ctx, rows, 1, 30.0 * V, softmax_r, &a);
}

static void xent_bwd_r(nz_nn_ctx *ctx, void *arg, size_t r0, size_t r1, u32 w)
{
	(void)ctx, (void)w;
	const op_args *a = arg;
	const u32 V = a->d0;
	const float scale = a->f0;
	for (size_t r = r0; r < r1; r++) {
		const float *p = a->i0 + r * V;
		float *d = a->o0 + r * V;
		const u32 y = a->tok[r];
		for (u32 i = 0; i < V; i++)
			d[i] = (i == y ? p[i] - 1.0f : p[i]) * scale;
	}
}

static void cpu_softmax_xent_backward(nz_nn_ctx *ctx, float *dlogits, const float *probs,
			      const u8 *targets, u32 rows, u32 V, float scale)
{
	op_args a = {.o0 = dlogits, .i0 = probs, .tok = targets, .d0 = V, .f0 = scale};
	nz_cpu_par_range(ctx, rows, 1, 2.0 * V, xent_bwd_r, &a);
}

static float cpu_xent_loss(nz_nn_ctx *ctx, const float *probs, const u8 *targets, u32 rows, u32 V)
{
	(void)ctx;
	float s = 0.0f;
	for (u32 r = 0; r < rows; r++)
		s = s - nz_logf(probs[(size_t)r * V + targets[r]]);
	return rows ? s / (float)rows : 0.0f;
}

/* ---- sliding cache ---- */

typedef struct push_args {
	const nz_slide_cache *c;
	const float *x;
	size_t ldx;
	int move;
} push_args;

static void push_r(nz_nn_ctx *ctx, void *arg, size_t b0, size_t b1, u32 w)
{
	(void)ctx, (void)w;
	const push_args *a = arg;
	const nz_slide_cache *c = a->c;
	const size_t W = c->width;
	for (size_t b = b0; b < b1; b++) {
		float *lane = c->buf + b * c->ld;
		size_t at;
		if (a->move) {
			memmove(lane, lane + (size_t)(c->start + 1) * W, (size_t)(c->slots - 1) * W * sizeof(float));
			at = (size_t)(c->slots - 1) * W;
		} else {
			at = (size_t)(c->start + c->slots) * W;
		}
		memcpy(lane + at, a->x + b * a->ldx, W * sizeof(float));
	}
}

static void cpu_slide_cache_push(nz_nn_ctx *ctx, const nz_slide_cache *c, const float *x,
				 size_t ldx)
{
	push_args a = {c, x, ldx, c->start + c->slots == c->capacity};
	nz_cpu_par_range(ctx, c->lanes, 1, a.move ? (double)c->slots * c->width : c->width, push_r, &a);
}


/* ---- Adam ---- */

typedef struct adam_job {
	const nz_nn_kernels *k;
	float *p, *m, *v, *g;
	size_t n, chunk;
	const nz_adam_scalars *s;
} adam_job;

static void adam_task(void *arg, u32 task, u32 worker)
{
	(void)worker;
	const adam_job *j = arg;
	const size_t b = (size_t)task * j->chunk, e = NZ_MIN(j->n, b + j->chunk);
	j->k->adam(j->p + b, j->g + b, j->m + b, j->v + b, e - b, j->s);
}

static void cpu_adam(nz_nn_ctx *ctx, float *p, float *g, float *m, float *v, size_t n,
		     const nz_adam_scalars *s)
{
	adam_job j = {nz_nn_cpu_of(ctx)->k, p, m, v, g, n, 0, s};
	u32 tasks = 1;
	if (ctx->threads > 1 && n >= 65536)
		tasks = ctx->threads;
	j.chunk = ((n + tasks - 1) / tasks + 15) & ~(size_t)15;
	tasks = (u32)((n + j.chunk - 1) / j.chunk);
	nz_thread_pool_run(ctx->pool, adam_task, &j, tasks);
}

/* ---- the op table (its variants are the kernel tables: backend_registry.c) ---- */

const nz_nn_backend_ops nz_nn_cpu_backend = {
	.name = "cpu",
	.create = nz_cpu_create,
	.destroy = nz_cpu_destroy,
	.alloc = nz_cpu_alloc,
	.free = nz_cpu_free,
	.upload = nz_cpu_transfer,
	.download = nz_cpu_transfer,
	.fill = nz_cpu_fill,
	.hash = nz_cpu_hash,
	.sync = nz_cpu_sync,
	.gemm = nz_cpu_gemm,
	.embedding_forward = cpu_embedding_forward,
	.embedding_backward = cpu_embedding_backward,
	.linear_forward = cpu_linear_forward,
	.linear_backward = cpu_linear_backward,
	.bmm_forward = cpu_bmm_forward,
	.bmm_backward = cpu_bmm_backward,
	.layernorm_forward = cpu_layernorm_forward,
	.layernorm_backward = cpu_layernorm_backward,
	.gelu_forward = cpu_gelu_forward,
	.gelu_backward = cpu_gelu_backward,
	.gelu_mul_forward = cpu_gelu_mul_forward,
	.gelu_mul_backward = cpu_gelu_mul_backward,
	.sigmoid_forward = cpu_sigmoid_forward,
	.sigmoid_backward = cpu_sigmoid_backward,
	.tanh_forward = cpu_tanh_forward,
	.tanh_backward = cpu_tanh_backward,
	.mul_forward = cpu_mul_forward,
	.mul_backward = cpu_mul_backward,
	.add_forward = cpu_add_forward,
	.add_backward = cpu_add_backward,
	.avg2_forward = cpu_avg2_forward,
	.avg2_backward = cpu_avg2_backward,
	.axpy = cpu_axpy,
	.concat_forward = cpu_concat_forward,
	.concat_backward = cpu_concat_backward,
	.copy_rows = cpu_copy_rows,
	.softmax_forward = cpu_softmax_forward,
	.softmax_xent_backward = cpu_softmax_xent_backward,
	.xent_loss = cpu_xent_loss,
	.slide_cache_push = cpu_slide_cache_push,
	.adam = cpu_adam,
	.linear_backward_step = nz_cpu_linear_backward_step,
	.step_wait = nz_cpu_step_wait,
	.lane_bias_forward = nz_cpu_lane_bias_forward,
	.lane_bias_backward = nz_cpu_lane_bias_backward,
	.sqr_attention_last_forward = nz_cpu_sqr_attention_last_forward,
	.sqr_attention_last_backward = nz_cpu_sqr_attention_last_backward,
	.patch_gate_forward = nz_cpu_patch_gate_forward,
	.patch_gate_backward = nz_cpu_patch_gate_backward,
	.patch_mix_forward = nz_cpu_patch_mix_forward,
	.patch_mix_backward = nz_cpu_patch_mix_backward,
};
