/*
 * ocl_backend.c - the OpenCL backend's op table (backend.h): every entry
 * enqueues kernels of nn_kernels.cl on the context's one in-order queue and
 * returns; download, hash, xent_loss and sync wait for the queue. Engine
 * buffer addresses are translated to (cl_mem, element offset) kernel arguments
 * through the allocation table of ocl_mem.c. Token and target arrays (host
 * bytes) go through a ring of staging buffers. An error of the OpenCL runtime
 * inside an op (a lost device, device memory exhausted, a failed enqueue)
 * cannot be returned through the void entries: it prints one message naming the
 * device and the op, sets the context's error (nz_nn_error), and every later
 * entry does nothing (downloads give zeros), so the seed models' predict fails
 * with that error and no wrong bits reach a file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/opencl/ocl_internal.h"

/* Kernels, in the order of the names below. */
enum {
	K_FILL, K_GEMM, K_GEMM_TILED, K_GEMM_RB, K_EMB_FWD, K_EMB_BWD, K_COLSUM, K_BMM_FWD, K_BMM_DX,
	K_BMM_DU, K_LN_FWD, K_LN_DX, K_LN_DGB, K_EW, K_COPY_ROWS, K_SOFTMAX, K_XENT_BWD,
	K_XENT_LOSS, K_SLIDE_PUSH, K_ADAM, K_LANE_BIAS_FWD, K_LANE_BIAS_BWD, K_SQR_ATT_FWD,
	K_SQR_ATT_BWD, K_PATCH_GATE_FWD, K_PATCH_GATE_BWD, K_PATCH_MIX_FWD, K_PATCH_MIX_DCOEF,
	K_PATCH_MIX_DS, K_MATH, K_SOFTMAX16, K_LN_FWD16, K_LN_DX16, K_COUNT
};

static const char *const kernel_names[K_COUNT] = {
	"k_fill", "k_gemm", "k_gemm_tiled", "k_gemm_rb", "k_emb_fwd", "k_emb_bwd", "k_colsum", "k_bmm_fwd",
	"k_bmm_dx", "k_bmm_du", "k_ln_fwd", "k_ln_dx", "k_ln_dgb", "k_ew", "k_copy_rows",
	"k_softmax", "k_xent_bwd", "k_xent_loss", "k_slide_push", "k_adam", "k_lane_bias_fwd",
	"k_lane_bias_bwd", "k_sqr_att_fwd", "k_sqr_att_bwd", "k_patch_gate_fwd",
	"k_patch_gate_bwd", "k_patch_mix_fwd", "k_patch_mix_dcoef", "k_patch_mix_ds", "k_math", "k_softmax16", "k_ln_fwd16", "k_ln_dx16",
};

/* Elementwise op codes of k_ew (the enum in nn_kernels.cl, same order). */
enum {
	EW_GELU, EW_GELU_BWD, EW_GELU_MUL, EW_GELU_MUL_BWD, EW_SIGMOID, EW_SIGMOID_BWD,
	EW_TANH, EW_TANH_BWD, EW_MUL, EW_MUL_BWD, EW_ADD, EW_ADD_BWD, EW_AVG2, EW_AVG2_BWD,
	EW_AXPY, EW_ADDTO
};

/* The largest GEMM kernel a context uses (where the shape allows): GPUs gain
 * from the register-blocked tiles, PoCL's CPU device runs the 16 x 16 tiles
 * faster; $NZIP_OPENCL_GEMM=naive|tiled|rb forces one (tests). Likewise the
 * row kernels (softmax, LayerNorm): 16 work-items per row on a GPU, one on a
 * CPU device; $NZIP_OPENCL_ROWS=1|16 forces one. Every choice gives the same
 * bits. */
enum { GEMM_NAIVE, GEMM_TILED, GEMM_RB };

typedef struct nz_nn_ocl {
	const nz_ocl_runtime *rt;
	nz_nn_ctx *ctx;        /* the engine context (its error field) */
	cl_int failed;         /* the first OpenCL error, else CL_SUCCESS */
	u64 fail_after;        /* $NZIP_OPENCL_FAIL_AFTER launches: a simulated lost device */
	int gemm;              /* GEMM_* */
	int rows16;            /* row kernels with 16 work-items per row */
	cl_command_queue q;
	cl_kernel k[K_COUNT];
	cl_mem dummy;          /* bound where an optional pointer is NULL */
	cl_mem scalar;         /* xent_loss's result */
	nz_ocl_map map;
	float *host;           /* hash's download buffer */
	struct stage {         /* a ring of staging buffers for host bytes */
		cl_mem mem;
		u8 *host;      /* the copy the non-blocking write reads */
		size_t cap;
		cl_event write; /* that write (the host copy is busy until it ends) */
	} stage[8];
	u32 stage_next;
	struct ocl_stats {     /* counts for $NZIP_OPENCL_STATS (docs/GPU.md) */
		u64 launches, softmax_rows, softmax_calls, gemm_flops, gemm_bytes;
		u64 adam_elems, items, h2d, d2h;
	} st;
} nz_nn_ocl;

static nz_nn_ocl *of(nz_nn_ctx *ctx) { return (nz_nn_ocl *)ctx->impl; }

/* The first failure: one message, the context's error set; later ones are
 * consequences and stay silent. */
static void fail(nz_nn_ocl *c, const char *what, cl_int e)
{
	if (c->failed)
		return;
	c->failed = e;
	fprintf(stderr, "nzip: OpenCL device %s: %s failed: %s (%d)\n",
		c->rt ? c->rt->name : "?", what, nz_ocl_strerror(e), (int)e);
	c->ctx->error = e == CL_MEM_OBJECT_ALLOCATION_FAILURE || e == CL_OUT_OF_RESOURCES ||
				e == CL_OUT_OF_HOST_MEMORY
			? NZ_ERR_NOMEM
			: NZ_ERR_GENERIC;
}

#define CK(c, call, what)                                 \
	do {                                              \
		const cl_int e_ = (call);                 \
		if (e_ != CL_SUCCESS)                     \
			fail((c), (what), e_);            \
	} while (0)

/* (cl_mem, byte offset) of an engine-buffer address. */
static cl_mem resolve(nz_nn_ocl *c, const void *p, size_t *off)
{
	const nz_ocl_buf *b = nz_ocl_map_find(&c->map, p);
	if (!b) {
		fprintf(stderr, "nzip: OpenCL backend: %p is not an engine buffer of this context\n", p);
		abort();
	}
	*off = (size_t)((uintptr_t)p - b->base);
	return b->mem;
}

/* ---- kernel arguments ---- */

typedef struct kargs {
	nz_nn_ocl *c;
	cl_kernel k;
	cl_uint i;
	const char *name;
} kargs;

static kargs begin(nz_nn_ocl *c, int k)
{
	return (kargs){c, c->k[k], 0, kernel_names[k]};
}

static void set(kargs *a, size_t size, const void *v)
{
	CK(a->c, clSetKernelArg(a->k, a->i, size, v), a->name);
	a->i++;
}

/* A float pointer: its buffer and element offset (NULL: the dummy buffer). */
static void a_buf(kargs *a, const void *p)
{
	cl_mem m = a->c->dummy;
	cl_ulong off = 0;
	if (p) {
		size_t bo;
		m = resolve(a->c, p, &bo);
		off = bo / sizeof(float);
	}
	set(a, sizeof(m), &m);
	set(a, sizeof(off), &off);
}
static void a_mem(kargs *a, cl_mem m) { set(a, sizeof(m), &m); }
static void a_u32(kargs *a, size_t v)
{
	const cl_uint x = (cl_uint)v;
	set(a, sizeof(x), &x);
}
static void a_u64(kargs *a, size_t v)
{
	const cl_ulong x = v;
	set(a, sizeof(x), &x);
}
static void a_int(kargs *a, int v)
{
	const cl_int x = v;
	set(a, sizeof(x), &x);
}
static void a_f32(kargs *a, float v) { set(a, sizeof(v), &v); }

static size_t round_up(size_t n, size_t m) { return (n + m - 1) / m * m; }

/* Launch over (n0, n1, n2) work-items (n1, n2 = 1 for fewer dimensions);
 * sizes are rounded up (the kernels check their ids). */
static void launch(kargs *a, cl_uint dims, size_t n0, size_t n1, size_t n2)
{
	if (!n0 || !n1 || !n2 || a->c->failed)
		return;
	if (a->c->fail_after && a->c->st.launches >= a->c->fail_after) {
		fail(a->c, a->name, CL_DEVICE_NOT_AVAILABLE); /* the test hook */
		return;
	}
	a->c->st.launches++;
	a->c->st.items += (u64)n0 * n1 * n2;
	/* Fixed work-group shapes: one compiled variant per kernel on
	 * implementations that specialise on the local size (PoCL). */
	static const size_t l1[1] = {64}, l2[2] = {16, 4}, l3[3] = {16, 4, 1};
	const size_t *l = dims == 1 ? l1 : dims == 2 ? l2 : l3;
	const size_t g[3] = {round_up(n0, l[0]), dims > 1 ? round_up(n1, l[1]) : 1, n2};
	CK(a->c, clEnqueueNDRangeKernel(a->c->q, a->k, dims, NULL, g, l, 0, NULL, NULL),
	   a->name);
}

/* The 16-per-row kernels: work-groups of 16 x 4 (four rows each). */
static void launch_rows16(kargs *a, size_t rows)
{
	if (!rows || a->c->failed)
		return;
	const size_t g[2] = {16, round_up(rows, 4)}, l[2] = {16, 4};
	a->c->st.launches++;
	a->c->st.items += 16 * rows;
	CK(a->c, clEnqueueNDRangeKernel(a->c->q, a->k, 2, NULL, g, l, 0, NULL, NULL), a->name);
}

/* A device copy of n host bytes (tokens, targets) for this call's kernels: the
 * next buffer of a ring, written without blocking from the ring's own host copy
 * (so the caller may reuse its bytes at once). Reusing a slot waits only for its
 * last write; the in-order queue runs the new write after the kernels that read
 * the old contents. */
static cl_mem stage_bytes(nz_nn_ocl *c, const u8 *p, size_t n)
{
	struct stage *st = &c->stage[c->stage_next++ % NZ_ARRAY_LEN(c->stage)];
	if (st->write) {
		CK(c, clWaitForEvents(1, &st->write), "staging host bytes");
		clReleaseEvent(st->write);
		st->write = NULL;
	}
	if (n > st->cap) {
		const size_t cap = n < 4096 ? 4096 : 2 * n;
		cl_int e;
		if (st->mem)
			clReleaseMemObject(st->mem);
		free(st->host);
		st->host = malloc(cap);
		st->mem = clCreateBuffer(c->rt->context, CL_MEM_READ_ONLY, cap, NULL, &e);
		st->cap = st->host && st->mem ? cap : 0;
		if (!st->cap)
			fail(c, "staging host bytes", st->mem ? CL_OUT_OF_HOST_MEMORY : e);
	}
	if (n && st->cap && !c->failed) {
		c->st.h2d += n;
		memcpy(st->host, p, n);
		CK(c, clEnqueueWriteBuffer(c->q, st->mem, CL_FALSE, 0, n, st->host, 0, NULL, &st->write),
		   "staging host bytes");
	}
	return st->mem;
}

/* ---- life cycle ---- */

static void ocl_destroy(nz_nn_ctx *ctx)
{
	nz_nn_ocl *c = of(ctx);
	if (!c)
		return;
	if (c->q)
		clFinish(c->q);
	if (getenv("NZIP_OPENCL_STATS") && c->st.softmax_calls) {
		const struct ocl_stats *t = &c->st;
		const double steps = (double)t->softmax_calls;
		fprintf(stderr,
			"nzip: opencl %s: %llu steps (softmax calls, %.0f rows each); per step: "
			"%.1f launches, GEMM %.4f GFLOP over %.2f MB of operands, Adam %.0f "
			"parameters, %.0f work-items, %.0f B to and %.0f B from the device; "
			"peak device memory %.1f MiB\n",
			c->rt->name, (unsigned long long)t->softmax_calls,
			(double)t->softmax_rows / steps, (double)t->launches / steps,
			(double)t->gemm_flops / steps * 1e-9, (double)t->gemm_bytes / steps * 1e-6,
			(double)t->adam_elems / steps, (double)t->items / steps,
			(double)(t->h2d) / steps, (double)t->d2h / steps,
			(double)c->map.peak_bytes / 1048576.0);
	}
	for (size_t i = 0; i < NZ_ARRAY_LEN(c->stage); i++) {
		if (c->stage[i].write)
			clReleaseEvent(c->stage[i].write);
		if (c->stage[i].mem)
			clReleaseMemObject(c->stage[i].mem);
		free(c->stage[i].host);
	}
	nz_ocl_map_free(&c->map);
	for (int i = 0; i < K_COUNT; i++)
		if (c->k[i])
			clReleaseKernel(c->k[i]);
	if (c->dummy)
		clReleaseMemObject(c->dummy);
	if (c->scalar)
		clReleaseMemObject(c->scalar);
	if (c->q)
		clReleaseCommandQueue(c->q);
	free(c->host);
	free(c);
	ctx->impl = NULL;
}

static int ocl_create(nz_nn_ctx *ctx, const void *variant, const nz_nn_options *opt)
{
	(void)variant, (void)opt;
	const nz_ocl_runtime *rt = nz_ocl_runtime_get();
	if (!rt)
		return NZ_ERR_UNSUPPORTED;
	nz_nn_ocl *c = calloc(1, sizeof(*c));
	if (!c)
		return NZ_ERR_NOMEM;
	ctx->impl = c;
	c->rt = rt;
	c->ctx = ctx;
	const char *fa = getenv("NZIP_OPENCL_FAIL_AFTER");
	c->fail_after = fa && *fa ? strtoull(fa, NULL, 10) : 0;
	c->gemm = rt->is_gpu ? GEMM_RB : GEMM_TILED;
	const char *g = getenv("NZIP_OPENCL_GEMM");
	if (g && *g)
		c->gemm = !strcmp(g, "naive") ? GEMM_NAIVE : !strcmp(g, "tiled") ? GEMM_TILED : GEMM_RB;
	c->rows16 = rt->is_gpu;
	const char *rw = getenv("NZIP_OPENCL_ROWS");
	if (rw && *rw)
		c->rows16 = !strcmp(rw, "16");
	cl_int e;
	c->q = clCreateCommandQueue(rt->context, rt->device, 0, &e);
	if (!c->q)
		goto fail;
	for (int i = 0; i < K_COUNT; i++) {
		c->k[i] = clCreateKernel(rt->program, kernel_names[i], &e);
		if (!c->k[i])
			goto fail;
	}
	c->dummy = clCreateBuffer(rt->context, CL_MEM_READ_WRITE, 64, NULL, &e);
	if (!c->dummy)
		goto fail;
	c->scalar = clCreateBuffer(rt->context, CL_MEM_READ_WRITE, 64, NULL, &e);
	if (!c->scalar)
		goto fail;
	return NZ_OK;
fail:
	fprintf(stderr, "nzip: OpenCL device %s: cannot set up a context: %s\n", rt->name,
		nz_ocl_strerror(e));
	return e == CL_OUT_OF_HOST_MEMORY || e == CL_OUT_OF_RESOURCES ||
			       e == CL_MEM_OBJECT_ALLOCATION_FAILURE
		       ? NZ_ERR_NOMEM
		       : NZ_ERR_UNSUPPORTED;
}

/* ---- memory ---- */

static void enqueue_fill_bytes(nz_nn_ocl *c, cl_mem m, size_t off, size_t bytes)
{
	static const cl_uchar zero = 0;
	if (bytes)
		CK(c, clEnqueueFillBuffer(c->q, m, &zero, 1, off, bytes, 0, NULL, NULL), "fill");
}

static void *ocl_alloc(nz_nn_ctx *ctx, size_t bytes, int zero)
{
	nz_nn_ocl *c = of(ctx);
	if (bytes > c->rt->max_alloc || bytes > c->rt->global_mem - c->map.live_bytes)
		return NULL;
	cl_int e;
	cl_mem m = clCreateBuffer(c->rt->context, CL_MEM_READ_WRITE, bytes ? bytes : 64, NULL, &e);
	if (!m)
		return NULL;
	void *p = nz_ocl_map_add(&c->map, bytes, m);
	if (!p) {
		clReleaseMemObject(m);
		return NULL;
	}
	if (zero)
		enqueue_fill_bytes(c, m, 0, bytes);
	return p;
}

static void ocl_free(nz_nn_ctx *ctx, void *buf)
{
	nz_nn_ocl *c = of(ctx);
	if (!buf)
		return;
	cl_mem m = nz_ocl_map_remove(&c->map, buf);
	if (m)
		clReleaseMemObject(m); /* deferred by OpenCL until queued kernels are done */
}

/* The host source may be reused at once: a blocking write. */
static void ocl_upload(nz_nn_ctx *ctx, void *dst, const void *src, size_t bytes)
{
	nz_nn_ocl *c = of(ctx);
	if (!bytes || c->failed)
		return;
	size_t off;
	cl_mem m = resolve(c, dst, &off);
	c->st.h2d += bytes;
	CK(c, clEnqueueWriteBuffer(c->q, m, CL_TRUE, off, bytes, src, 0, NULL, NULL), "upload");
}

static void ocl_download(nz_nn_ctx *ctx, void *dst, const void *src, size_t bytes)
{
	nz_nn_ocl *c = of(ctx);
	if (!bytes)
		return;
	if (c->failed) {
		memset(dst, 0, bytes);
		return;
	}
	size_t off;
	cl_mem m = resolve(c, src, &off);
	c->st.d2h += bytes;
	CK(c, clEnqueueReadBuffer(c->q, m, CL_TRUE, off, bytes, dst, 0, NULL, NULL), "download");
}

static void ocl_fill(nz_nn_ctx *ctx, float *dst, size_t n, float value)
{
	nz_nn_ocl *c = of(ctx);
	if (!n)
		return;
	kargs a = begin(c, K_FILL);
	a_buf(&a, dst);
	a_u64(&a, n);
	a_f32(&a, value);
	launch(&a, 1, n, 1, 1);
}

static void ocl_hash(nz_nn_ctx *ctx, nz_xxh64_state *s, const void *src, size_t bytes)
{
	nz_nn_ocl *c = of(ctx);
	const size_t piece = (size_t)1 << 22;
	if (!c->host) {
		c->host = malloc(piece);
		if (!c->host)
			fail(c, "hash (host buffer)", CL_OUT_OF_HOST_MEMORY);
	}
	size_t off;
	cl_mem m = bytes ? resolve(c, src, &off) : NULL;
	for (size_t at = 0; at < bytes && !c->failed; at += piece) {
		const size_t n = bytes - at < piece ? bytes - at : piece;
		CK(c, clEnqueueReadBuffer(c->q, m, CL_TRUE, off + at, n, c->host, 0, NULL, NULL),
		   "hash");
		nz_xxh64_update(s, c->host, n);
	}
}

static void ocl_sync(nz_nn_ctx *ctx) { CK(of(ctx), clFinish(of(ctx)->q), "sync"); }

/* ---- products ---- */

static void ocl_gemm(nz_nn_ctx *ctx, int ta, int tb, u32 M, u32 N, u32 K, const float *A,
		     size_t lda, const float *B, size_t ldb, float *C, size_t ldc,
		     const float *bias, int accumulate)
{
	nz_nn_ocl *c = of(ctx);
	if (!M || !N || c->failed)
		return;
	const int mode = accumulate ? 2 : bias ? 1 : 0;
	/* 64 x 64 register-blocked tiles for large products, 16 x 16 tiles for
	 * medium ones, one work-item per output for the rest (same bits) */
	const int rb = c->gemm >= GEMM_RB && M >= 64 && N >= 64 && K >= 16;
	const int tiled = !rb && c->gemm >= GEMM_TILED && M >= 16 && N >= 16 && K >= 16;
	kargs a = begin(c, rb ? K_GEMM_RB : tiled ? K_GEMM_TILED : K_GEMM);
	a_int(&a, ta);
	a_int(&a, tb);
	a_u32(&a, M);
	a_u32(&a, N);
	a_u32(&a, K);
	a_buf(&a, K ? A : NULL);
	a_u64(&a, lda);
	a_buf(&a, K ? B : NULL);
	a_u64(&a, ldb);
	a_buf(&a, C);
	a_u64(&a, ldc);
	a_buf(&a, mode == 1 ? bias : NULL);
	a_int(&a, mode);
	c->st.gemm_flops += 2ull * M * N * K;
	c->st.gemm_bytes += 4ull * ((u64)M * K + (u64)K * N + (u64)M * N * (mode == 2 ? 2 : 1));
	if (rb || tiled) {
		c->st.launches++;
		const size_t t = rb ? 64 : 16;
		const size_t g[2] = {round_up(N, t) / t * 16, round_up(M, t) / t * 16}, l[2] = {16, 16};
		CK(c, clEnqueueNDRangeKernel(c->q, a.k, 2, NULL, g, l, 0, NULL, NULL), a.name);
	} else {
		launch(&a, 2, N, M, 1);
	}
}

static void ocl_linear_forward(nz_nn_ctx *ctx, float *y, const float *x, const float *w,
			       const float *b, u32 B, u32 IC, u32 OC)
{
	ocl_gemm(ctx, 0, 1, B, OC, IC, x, IC, w, IC, y, OC, b, 0);
}

static void colsum(nz_nn_ctx *ctx, float *acc, const float *m, size_t ld, u32 rows, u32 cols)
{
	kargs a = begin(of(ctx), K_COLSUM);
	a_buf(&a, acc);
	a_buf(&a, m);
	a_u64(&a, ld);
	a_u32(&a, rows);
	a_u32(&a, cols);
	launch(&a, 1, cols, 1, 1);
}

static void ocl_linear_backward(nz_nn_ctx *ctx, float *dx, float *dw, float *db,
				const float *dy, const float *x, const float *w, u32 B, u32 IC,
				u32 OC, int acc)
{
	if (dx)
		ocl_gemm(ctx, 0, 0, B, IC, OC, dy, OC, w, IC, dx, IC, NULL, acc);
	if (dw)
		ocl_gemm(ctx, 1, 0, OC, IC, B, dy, OC, x, IC, dw, IC, NULL, 1);
	if (db)
		colsum(ctx, db, dy, OC, B, OC);
}

static void ocl_bmm_forward(nz_nn_ctx *ctx, float *y, const float *x, const float *u,
			    const float *bias, u32 B, u32 R, u32 D1, u32 D2)
{
	kargs a = begin(of(ctx), K_BMM_FWD);
	a_buf(&a, y);
	a_buf(&a, x);
	a_buf(&a, u);
	a_buf(&a, bias);
	a_int(&a, bias != NULL);
	a_u32(&a, B);
	a_u32(&a, R);
	a_u32(&a, D1);
	a_u32(&a, D2);
	launch(&a, 3, D2, R, B);
}

static void ew(nz_nn_ctx *ctx, int op, size_t n, float *o0, float *o1, const float *i0,
	       const float *i1, const float *i2, float f0, int acc);

static void ocl_bmm_backward(nz_nn_ctx *ctx, float *dx, float *du, float *dbias,
			     const float *dy, const float *x, const float *u, u32 B, u32 R,
			     u32 D1, u32 D2, int acc)
{
	nz_nn_ocl *c = of(ctx);
	if (dx) {
		kargs a = begin(c, K_BMM_DX);
		a_buf(&a, dx);
		a_buf(&a, dy);
		a_buf(&a, u);
		a_int(&a, acc);
		a_u32(&a, B);
		a_u32(&a, R);
		a_u32(&a, D1);
		a_u32(&a, D2);
		launch(&a, 3, D1, R, B);
	}
	if (du) {
		kargs a = begin(c, K_BMM_DU);
		a_buf(&a, du);
		a_buf(&a, x);
		a_buf(&a, dy);
		a_u32(&a, B);
		a_u32(&a, R);
		a_u32(&a, D1);
		a_u32(&a, D2);
		launch(&a, 3, D2, D1, B);
	}
	if (dbias)
		ew(ctx, EW_ADDTO, (size_t)B * R * D2, dbias, NULL, dy, NULL, NULL, 0.0f, 0);
}

/* ---- embedding ---- */

static void ocl_embedding_forward(nz_nn_ctx *ctx, float *out, const u8 *tok, size_t tok_stride,
				  const float *table, u32 B, u32 T, u32 D)
{
	nz_nn_ocl *c = of(ctx);
	if (!B || !T || !D)
		return;
	cl_mem t = stage_bytes(c, tok, (size_t)(B - 1) * tok_stride + T);
	kargs a = begin(c, K_EMB_FWD);
	a_buf(&a, out);
	a_mem(&a, t);
	a_u64(&a, tok_stride);
	a_buf(&a, table);
	a_u32(&a, B);
	a_u32(&a, T);
	a_u32(&a, D);
	launch(&a, 2, D, (size_t)B * T, 1);
}

static void ocl_embedding_backward(nz_nn_ctx *ctx, float *dtable, const float *dout,
				   const u8 *tok, size_t tok_stride, u32 B, u32 T, u32 D)
{
	nz_nn_ocl *c = of(ctx);
	if (!B || !T || !D)
		return;
	cl_mem t = stage_bytes(c, tok, (size_t)(B - 1) * tok_stride + T);
	kargs a = begin(c, K_EMB_BWD);
	a_buf(&a, dtable);
	a_buf(&a, dout);
	a_mem(&a, t);
	a_u64(&a, tok_stride);
	a_u32(&a, B);
	a_u32(&a, T);
	a_u32(&a, D);
	launch(&a, 1, D, 1, 1);
}

/* ---- LayerNorm ---- */

static void ocl_layernorm_forward(nz_nn_ctx *ctx, float *y, float *mean, float *rstd,
				  const float *x, const float *g, const float *b, u32 rows,
				  u32 D, float eps)
{
	const int r16 = of(ctx)->rows16;
	kargs a = begin(of(ctx), r16 ? K_LN_FWD16 : K_LN_FWD);
	a_buf(&a, y);
	a_buf(&a, mean);
	a_int(&a, mean != NULL);
	a_buf(&a, rstd);
	a_int(&a, rstd != NULL);
	a_buf(&a, x);
	a_buf(&a, g);
	a_int(&a, g != NULL);
	a_buf(&a, g ? b : NULL);
	a_int(&a, g && b);
	a_u32(&a, rows);
	a_u32(&a, D);
	a_f32(&a, eps);
	if (r16)
		launch_rows16(&a, rows);
	else
		launch(&a, 1, rows, 1, 1);
}

static void ocl_layernorm_backward(nz_nn_ctx *ctx, float *dx, float *dg, float *db,
				   const float *dy, const float *x, const float *mean,
				   const float *rstd, const float *g, u32 rows, u32 D, int acc)
{
	nz_nn_ocl *c = of(ctx);
	if (dx) {
		kargs a = begin(c, c->rows16 ? K_LN_DX16 : K_LN_DX);
		a_buf(&a, dx);
		a_buf(&a, dy);
		a_buf(&a, x);
		a_buf(&a, mean);
		a_buf(&a, rstd);
		a_buf(&a, g);
		a_int(&a, g != NULL);
		a_u32(&a, rows);
		a_u32(&a, D);
		a_int(&a, acc);
		if (c->rows16)
			launch_rows16(&a, rows);
		else
			launch(&a, 1, rows, 1, 1);
	}
	if (dg || db) {
		kargs a = begin(c, K_LN_DGB);
		a_buf(&a, dg);
		a_int(&a, dg != NULL);
		a_buf(&a, db);
		a_int(&a, db != NULL);
		a_buf(&a, dy);
		a_buf(&a, x);
		a_buf(&a, mean);
		a_buf(&a, rstd);
		a_u32(&a, rows);
		a_u32(&a, D);
		launch(&a, 1, D, 1, 1);
	}
}

/* ---- elementwise ---- */

static void ew(nz_nn_ctx *ctx, int op, size_t n, float *o0, float *o1, const float *i0,
	       const float *i1, const float *i2, float f0, int acc)
{
	if (!n || (!o0 && !o1))
		return;
	kargs a = begin(of(ctx), K_EW);
	a_int(&a, op);
	a_u64(&a, n);
	a_buf(&a, o0);
	a_int(&a, o0 != NULL);
	a_buf(&a, o1);
	a_int(&a, o1 != NULL);
	a_buf(&a, i0);
	a_buf(&a, i1);
	a_buf(&a, i2);
	a_f32(&a, f0);
	a_int(&a, acc);
	launch(&a, 1, n, 1, 1);
}

static void ocl_gelu_forward(nz_nn_ctx *ctx, float *y, const float *x, size_t n)
{
	ew(ctx, EW_GELU, n, y, NULL, x, NULL, NULL, 0, 0);
}
static void ocl_gelu_backward(nz_nn_ctx *ctx, float *dx, const float *dy, const float *x,
			      size_t n, int acc)
{
	ew(ctx, EW_GELU_BWD, n, dx, NULL, dy, x, NULL, 0, acc);
}
static void ocl_gelu_mul_forward(nz_nn_ctx *ctx, float *y, const float *a, const float *b,
				 size_t n)
{
	ew(ctx, EW_GELU_MUL, n, y, NULL, a, b, NULL, 0, 0);
}
static void ocl_gelu_mul_backward(nz_nn_ctx *ctx, float *da, float *db, const float *dy,
				  const float *a, const float *b, size_t n, int acc)
{
	ew(ctx, EW_GELU_MUL_BWD, n, da, db, dy, a, b, 0, acc);
}
static void ocl_sigmoid_forward(nz_nn_ctx *ctx, float *y, const float *x, size_t n)
{
	ew(ctx, EW_SIGMOID, n, y, NULL, x, NULL, NULL, 0, 0);
}
static void ocl_sigmoid_backward(nz_nn_ctx *ctx, float *dx, const float *dy, const float *y,
				 size_t n, int acc)
{
	ew(ctx, EW_SIGMOID_BWD, n, dx, NULL, dy, y, NULL, 0, acc);
}
static void ocl_tanh_forward(nz_nn_ctx *ctx, float *y, const float *x, size_t n)
{
	ew(ctx, EW_TANH, n, y, NULL, x, NULL, NULL, 0, 0);
}
static void ocl_tanh_backward(nz_nn_ctx *ctx, float *dx, const float *dy, const float *y,
			      size_t n, int acc)
{
	ew(ctx, EW_TANH_BWD, n, dx, NULL, dy, y, NULL, 0, acc);
}
static void ocl_mul_forward(nz_nn_ctx *ctx, float *y, const float *a, const float *b, size_t n)
{
	ew(ctx, EW_MUL, n, y, NULL, a, b, NULL, 0, 0);
}
static void ocl_mul_backward(nz_nn_ctx *ctx, float *da, float *db, const float *dy,
			     const float *a, const float *b, size_t n, int acc)
{
	ew(ctx, EW_MUL_BWD, n, da, db, dy, a, b, 0, acc);
}
static void ocl_add_forward(nz_nn_ctx *ctx, float *y, const float *a, const float *b, size_t n)
{
	ew(ctx, EW_ADD, n, y, NULL, a, b, NULL, 0, 0);
}
static void ocl_add_backward(nz_nn_ctx *ctx, float *da, float *db, const float *dy, size_t n,
			     int acc)
{
	ew(ctx, EW_ADD_BWD, n, da, db, dy, NULL, NULL, 0, acc);
}
static void ocl_avg2_forward(nz_nn_ctx *ctx, float *y, const float *a, const float *b,
			     size_t n)
{
	ew(ctx, EW_AVG2, n, y, NULL, a, b, NULL, 0, 0);
}
static void ocl_avg2_backward(nz_nn_ctx *ctx, float *da, float *db, const float *dy, size_t n,
			      int acc)
{
	ew(ctx, EW_AVG2_BWD, n, da, db, dy, NULL, NULL, 0, acc);
}
static void ocl_axpy(nz_nn_ctx *ctx, float *y, float a, const float *x, size_t n)
{
	ew(ctx, EW_AXPY, n, y, NULL, x, NULL, NULL, a, 0);
}

/* ---- copies ---- */

static void ocl_copy_rows(nz_nn_ctx *ctx, float *dst, size_t ld_dst, const float *src,
			  size_t ld_src, u32 rows, u32 cols, int acc)
{
	kargs a = begin(of(ctx), K_COPY_ROWS);
	a_buf(&a, dst);
	a_u64(&a, ld_dst);
	a_buf(&a, src);
	a_u64(&a, ld_src);
	a_u32(&a, rows);
	a_u32(&a, cols);
	a_int(&a, acc);
	launch(&a, 2, cols, rows, 1);
}

static void ocl_concat_forward(nz_nn_ctx *ctx, float *y, const float *a, u32 Da,
			       const float *b, u32 Db, u32 rows)
{
	ocl_copy_rows(ctx, y, (size_t)Da + Db, a, Da, rows, Da, 0);
	ocl_copy_rows(ctx, y + Da, (size_t)Da + Db, b, Db, rows, Db, 0);
}

static void ocl_concat_backward(nz_nn_ctx *ctx, float *da, float *db, const float *dy, u32 Da,
				u32 Db, u32 rows, int acc)
{
	if (da)
		ocl_copy_rows(ctx, da, Da, dy, (size_t)Da + Db, rows, Da, acc);
	if (db)
		ocl_copy_rows(ctx, db, Db, dy + Da, (size_t)Da + Db, rows, Db, acc);
}

/* ---- softmax, cross-entropy ---- */

static void ocl_softmax_forward(nz_nn_ctx *ctx, float *probs, const float *logits, u32 rows,
				u32 V)
{
	of(ctx)->st.softmax_calls++;
	of(ctx)->st.softmax_rows += rows;
	const int r16 = of(ctx)->rows16;
	kargs a = begin(of(ctx), r16 ? K_SOFTMAX16 : K_SOFTMAX);
	a_buf(&a, probs);
	a_buf(&a, logits);
	a_u32(&a, rows);
	a_u32(&a, V);
	if (r16)
		launch_rows16(&a, rows);
	else
		launch(&a, 1, rows, 1, 1);
}

static void ocl_softmax_xent_backward(nz_nn_ctx *ctx, float *dlogits, const float *probs,
				      const u8 *targets, u32 rows, u32 V, float scale)
{
	nz_nn_ocl *c = of(ctx);
	if (!rows || !V)
		return;
	cl_mem t = stage_bytes(c, targets, rows);
	kargs a = begin(c, K_XENT_BWD);
	a_buf(&a, dlogits);
	a_buf(&a, probs);
	a_mem(&a, t);
	a_u32(&a, rows);
	a_u32(&a, V);
	a_f32(&a, scale);
	launch(&a, 2, V, rows, 1);
}

static float ocl_xent_loss(nz_nn_ctx *ctx, const float *probs, const u8 *targets, u32 rows,
			   u32 V)
{
	nz_nn_ocl *c = of(ctx);
	if (!rows) {
		ocl_sync(ctx);
		return 0.0f;
	}
	cl_mem t = stage_bytes(c, targets, rows);
	kargs a = begin(c, K_XENT_LOSS);
	a_mem(&a, c->scalar);
	a_u64(&a, 0);
	a_buf(&a, probs);
	a_mem(&a, t);
	a_u32(&a, rows);
	a_u32(&a, V);
	launch(&a, 1, 1, 1, 1);
	float s = 0.0f;
	if (c->failed)
		return 0.0f;
	CK(c, clEnqueueReadBuffer(c->q, c->scalar, CL_TRUE, 0, sizeof(s), &s, 0, NULL, NULL),
	   "xent_loss");
	return s / (float)rows;
}

/* ---- sliding cache, Adam ---- */

static void ocl_slide_cache_push(nz_nn_ctx *ctx, const nz_slide_cache *sc, const float *x,
				 size_t ldx)
{
	kargs a = begin(of(ctx), K_SLIDE_PUSH);
	a_buf(&a, sc->buf);
	a_u64(&a, sc->ld);
	a_u32(&a, sc->width);
	a_u32(&a, sc->slots);
	a_u32(&a, sc->start);
	a_int(&a, sc->start + sc->slots == sc->capacity);
	a_buf(&a, x);
	a_u64(&a, ldx);
	a_u32(&a, sc->lanes);
	launch(&a, 2, sc->width, sc->lanes, 1);
}

static void ocl_adam(nz_nn_ctx *ctx, float *p, float *g, float *m, float *v, size_t n,
		     const nz_adam_scalars *s)
{
	if (!n)
		return;
	of(ctx)->st.adam_elems += n;
	kargs a = begin(of(ctx), K_ADAM);
	a_buf(&a, p);
	a_buf(&a, g);
	a_buf(&a, m);
	a_buf(&a, v);
	a_u64(&a, n);
	a_f32(&a, s->beta1);
	a_f32(&a, s->beta2);
	a_f32(&a, s->omb1);
	a_f32(&a, s->omb2);
	a_f32(&a, s->weight_decay);
	a_f32(&a, s->step_size);
	a_f32(&a, s->c2);
	a_f32(&a, s->eps);
	a_f32(&a, s->decay);
	a_int(&a, s->zero_grad);
	launch(&a, 1, n, 1, 1);
}

/* ---- the seed models' ops ---- */

static void ocl_lane_bias_forward(nz_nn_ctx *ctx, float *y, const float *x, const float *bias,
				  u32 B, u32 R, u32 D)
{
	kargs a = begin(of(ctx), K_LANE_BIAS_FWD);
	a_buf(&a, y);
	a_buf(&a, x);
	a_buf(&a, bias);
	a_u32(&a, B);
	a_u32(&a, R);
	a_u32(&a, D);
	launch(&a, 3, D, R, B);
}

static void ocl_lane_bias_backward(nz_nn_ctx *ctx, float *dbias, const float *dy, u32 B, u32 R,
				   u32 D)
{
	kargs a = begin(of(ctx), K_LANE_BIAS_BWD);
	a_buf(&a, dbias);
	a_buf(&a, dy);
	a_u32(&a, B);
	a_u32(&a, R);
	a_u32(&a, D);
	launch(&a, 2, D, B, 1);
}

static void ocl_sqr_attention_last_forward(nz_nn_ctx *ctx, float *att, float *a_, float *den,
					   const float *q2, const float *k2, const float *v,
					   u32 B, u32 T, u32 H, u32 NH)
{
	kargs a = begin(of(ctx), K_SQR_ATT_FWD);
	a_buf(&a, att);
	a_buf(&a, a_);
	a_buf(&a, den);
	a_buf(&a, q2);
	a_buf(&a, k2);
	a_buf(&a, v);
	a_u32(&a, B);
	a_u32(&a, T);
	a_u32(&a, H);
	a_u32(&a, NH);
	launch(&a, 2, NH, B, 1);
}

static void ocl_sqr_attention_last_backward(nz_nn_ctx *ctx, float *dq, float *dk, float *dv,
					    float *dnum, const float *datt, const float *att,
					    const float *a_, const float *den, const float *q,
					    const float *q2, const float *k, const float *k2,
					    const float *v, u32 B, u32 T, u32 H, u32 NH)
{
	kargs a = begin(of(ctx), K_SQR_ATT_BWD);
	a_buf(&a, dq);
	a_buf(&a, dk);
	a_buf(&a, dv);
	a_buf(&a, dnum);
	a_buf(&a, datt);
	a_buf(&a, att);
	a_buf(&a, a_);
	a_buf(&a, den);
	a_buf(&a, q);
	a_buf(&a, q2);
	a_buf(&a, k);
	a_buf(&a, k2);
	a_buf(&a, v);
	a_u32(&a, B);
	a_u32(&a, T);
	a_u32(&a, H);
	a_u32(&a, NH);
	launch(&a, 2, NH, B, 1);
}

static void ocl_patch_gate_forward(nz_nn_ctx *ctx, float *kk, float *mask, float *coef,
				   const float *mparam, const float *uw, u32 NW, u32 stride)
{
	kargs a = begin(of(ctx), K_PATCH_GATE_FWD);
	a_buf(&a, kk);
	a_buf(&a, mask);
	a_buf(&a, coef);
	a_buf(&a, mparam);
	a_buf(&a, uw);
	a_u32(&a, NW);
	a_u32(&a, stride);
	launch(&a, 1, NW, 1, 1);
}

static void ocl_patch_gate_backward(nz_nn_ctx *ctx, float *duw, float *dmparam,
				    const float *dcoef, const float *uw, const float *mask,
				    const float *kk, u32 NW, u32 stride)
{
	kargs a = begin(of(ctx), K_PATCH_GATE_BWD);
	a_buf(&a, duw);
	a_buf(&a, dmparam);
	a_buf(&a, dcoef);
	a_buf(&a, uw);
	a_buf(&a, mask);
	a_buf(&a, kk);
	a_u32(&a, NW);
	a_u32(&a, stride);
	launch(&a, 1, NW, 1, 1);
}

static void ocl_patch_mix_forward(nz_nn_ctx *ctx, float *pre, const float *s, const float *coef,
				  const float *ub, u32 B, u32 NW, u32 E, u32 H)
{
	kargs a = begin(of(ctx), K_PATCH_MIX_FWD);
	a_buf(&a, pre);
	a_buf(&a, s);
	a_buf(&a, coef);
	a_buf(&a, ub);
	a_u32(&a, B);
	a_u32(&a, NW);
	a_u32(&a, E);
	a_u32(&a, H);
	launch(&a, 2, H, B, 1);
}

static void ocl_patch_mix_backward(nz_nn_ctx *ctx, float *ds, float *dcoef, float *dub,
				   const float *dpre, const float *s, const float *coef, u32 B,
				   u32 NW, u32 E, u32 H)
{
	nz_nn_ocl *c = of(ctx);
	{
		kargs a = begin(c, K_PATCH_MIX_DCOEF);
		a_buf(&a, dcoef);
		a_buf(&a, dub);
		a_buf(&a, dpre);
		a_buf(&a, s);
		a_u32(&a, B);
		a_u32(&a, NW);
		a_u32(&a, E);
		a_u32(&a, H);
		launch(&a, 1, (size_t)NW + 1, 1, 1);
	}
	{
		const size_t S = (size_t)(NW - 1) * E + H;
		kargs a = begin(c, K_PATCH_MIX_DS);
		a_buf(&a, ds);
		a_buf(&a, dpre);
		a_buf(&a, coef);
		a_u32(&a, B);
		a_u32(&a, NW);
		a_u32(&a, E);
		a_u32(&a, H);
		launch(&a, 2, S, B, 1);
	}
}

/* The device's math functions over engine buffers (test_nn_math). */
void nz_ocl_math(nz_nn_ctx *ctx, int fn, float *y, const float *x, size_t n)
{
	if (!n)
		return;
	kargs a = begin(of(ctx), K_MATH);
	a_int(&a, fn);
	a_u64(&a, n);
	a_buf(&a, y);
	a_buf(&a, x);
	launch(&a, 1, n, 1, 1);
}

/* Peak bytes of engine buffers a context has held (for -v). */
size_t nz_ocl_peak_bytes(const nz_nn_ctx *ctx)
{
	const nz_nn_ocl *c = (const nz_nn_ocl *)ctx->impl;
	return c ? c->map.peak_bytes : 0;
}

const nz_nn_backend_ops nz_nn_opencl_backend = {
	.name = "opencl",
	.create = ocl_create,
	.destroy = ocl_destroy,
	.alloc = ocl_alloc,
	.free = ocl_free,
	.upload = ocl_upload,
	.download = ocl_download,
	.fill = ocl_fill,
	.hash = ocl_hash,
	.sync = ocl_sync,
	.gemm = ocl_gemm,
	.embedding_forward = ocl_embedding_forward,
	.embedding_backward = ocl_embedding_backward,
	.linear_forward = ocl_linear_forward,
	.linear_backward = ocl_linear_backward,
	.bmm_forward = ocl_bmm_forward,
	.bmm_backward = ocl_bmm_backward,
	.layernorm_forward = ocl_layernorm_forward,
	.layernorm_backward = ocl_layernorm_backward,
	.gelu_forward = ocl_gelu_forward,
	.gelu_backward = ocl_gelu_backward,
	.gelu_mul_forward = ocl_gelu_mul_forward,
	.gelu_mul_backward = ocl_gelu_mul_backward,
	.sigmoid_forward = ocl_sigmoid_forward,
	.sigmoid_backward = ocl_sigmoid_backward,
	.tanh_forward = ocl_tanh_forward,
	.tanh_backward = ocl_tanh_backward,
	.mul_forward = ocl_mul_forward,
	.mul_backward = ocl_mul_backward,
	.add_forward = ocl_add_forward,
	.add_backward = ocl_add_backward,
	.avg2_forward = ocl_avg2_forward,
	.avg2_backward = ocl_avg2_backward,
	.axpy = ocl_axpy,
	.concat_forward = ocl_concat_forward,
	.concat_backward = ocl_concat_backward,
	.copy_rows = ocl_copy_rows,
	.softmax_forward = ocl_softmax_forward,
	.softmax_xent_backward = ocl_softmax_xent_backward,
	.xent_loss = ocl_xent_loss,
	.slide_cache_push = ocl_slide_cache_push,
	.adam = ocl_adam,
	/* its queue runs ops in order: one Adam pass at the end is fewer launches */
	.linear_backward_step = nz_nn_step_decline,
	.step_wait = nz_nn_step_wait_none,
	.lane_bias_forward = ocl_lane_bias_forward,
	.lane_bias_backward = ocl_lane_bias_backward,
	.sqr_attention_last_forward = ocl_sqr_attention_last_forward,
	.sqr_attention_last_backward = ocl_sqr_attention_last_backward,
	.patch_gate_forward = ocl_patch_gate_forward,
	.patch_gate_backward = ocl_patch_gate_backward,
	.patch_mix_forward = ocl_patch_mix_forward,
	.patch_mix_backward = ocl_patch_mix_backward,
};
