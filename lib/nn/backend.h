/*
 * backend.h - the op-level backend interface of the engine (private to lib/nn
 * and to the engine's tests). A backend is one constant table: memory (alloc,
 * free, upload, download, fill, hash, sync) and one entry per op of nn.h. The
 * public functions of nn.h check nothing and compute nothing: each is a thin
 * dispatcher `ctx->be->op(ctx, ...)` (ops.c, params.c), so everything a
 * backend must do is in this table. docs/ENGINE.md "The backend interface"
 * gives the contract of every entry; in short:
 *
 *   - Every op computes exactly the arithmetic of docs/NUMERICS.md (and the
 *     order that nn.h states for it), so all backends give the same bits.
 *   - Float pointers are engine buffers: addresses inside allocations made by
 *     this backend's alloc, pointer arithmetic included (a tensor carved from a
 *     parameter block, the window of a slide cache, a strided view). Only
 *     upload/download/hash read or write them from the host. Token and target
 *     arrays (const u8 *) and nz_adam_scalars are host memory.
 *   - Ops may run asynchronously, in call order, until sync, download, hash or
 *     xent_loss, which return only once every earlier op is complete.
 *   - One context is used by one thread at a time; a backend may use the
 *     context's thread pool (ctx->pool) inside an op.
 *
 * Adding an op: (1) declare nz_<op>() in nn.h with its arithmetic; (2) add an
 * entry here (in the struct and NZ_NN_BACKEND_ENTRIES) and a dispatcher in
 * ops.c; (3) implement it in cpu_ops.c (one
 * function, usually a par_range split over the kernels) and name it in the
 * table nz_nn_cpu_backend at the end of that file; test_nn_ops then compares
 * every backend with scalar (add the op there). The seed models' ops take the
 * same steps in ops_model.h, cpu_ops_model.c and test_nn_model_ops.
 */
#ifndef NZ_NN_BACKEND_H
#define NZ_NN_BACKEND_H

#include "nn/nn.h"

typedef struct nz_nn_backend_ops {
	const char *name;       /* of the implementation: "cpu", later "opencl" */

	/* ---- life cycle ---- */
	/* Set up ctx->impl (the backend's state) from the options and the
	 * registry's variant (nz_nn_backend_desc); ctx->pool and ctx->threads are
	 * already set. NZ_OK, NZ_ERR_PARAM, NZ_ERR_UNSUPPORTED or NZ_ERR_NOMEM; on
	 * failure destroy is still called. */
	int (*create)(nz_nn_ctx *ctx, const void *variant, const nz_nn_options *opt);
	/* Free ctx->impl (which may be partly set up or NULL). */
	void (*destroy)(nz_nn_ctx *ctx);

	/* ---- memory ---- */
	/* An engine buffer of `bytes` (64-byte aligned; zeroed if `zero`), or NULL. */
	void *(*alloc)(nz_nn_ctx *ctx, size_t bytes, int zero);
	void (*free)(nz_nn_ctx *ctx, void *buf);           /* buf may be NULL */
	/* Host memory src -> engine buffer dst. The host memory may be reused as
	 * soon as upload returns. */
	void (*upload)(nz_nn_ctx *ctx, void *dst, const void *src, size_t bytes);
	/* Engine buffer src -> host memory dst, after every earlier op. */
	void (*download)(nz_nn_ctx *ctx, void *dst, const void *src, size_t bytes);
	/* dst[0..n) = value (zeroing, constant initialisation). */
	void (*fill)(nz_nn_ctx *ctx, float *dst, size_t n, float value);
	/* Feed the bytes of an engine buffer to a host XXH64 state, after every
	 * earlier op (a device backend downloads in pieces). */
	void (*hash)(nz_nn_ctx *ctx, nz_xxh64_state *s, const void *src, size_t bytes);
	/* Return once every op enqueued so far is complete. */
	void (*sync)(nz_nn_ctx *ctx);

	/* ---- ops: the arguments and arithmetic of the nn.h function of the
	 * same name (nz_gemm, nz_embedding_forward, ...) ---- */
	void (*gemm)(nz_nn_ctx *ctx, int ta, int tb, u32 M, u32 N, u32 K, const float *A,
		     size_t lda, const float *B, size_t ldb, float *C, size_t ldc,
		     const float *bias, int accumulate);
	void (*embedding_forward)(nz_nn_ctx *ctx, float *out, const u8 *tok, size_t tok_stride,
				  const float *table, u32 B, u32 T, u32 D);
	void (*embedding_backward)(nz_nn_ctx *ctx, float *dtable, const float *dout,
				   const u8 *tok, size_t tok_stride, u32 B, u32 T, u32 D);
	void (*linear_forward)(nz_nn_ctx *ctx, float *y, const float *x, const float *w,
			       const float *b, u32 B, u32 IC, u32 OC);
	void (*linear_backward)(nz_nn_ctx *ctx, float *dx, float *dw, float *db,
				const float *dy, const float *x, const float *w, u32 B, u32 IC,
				u32 OC, int acc);
	void (*bmm_forward)(nz_nn_ctx *ctx, float *y, const float *x, const float *u,
			    const float *bias, u32 B, u32 R, u32 D1, u32 D2);
	void (*bmm_backward)(nz_nn_ctx *ctx, float *dx, float *du, float *dbias,
			     const float *dy, const float *x, const float *u, u32 B, u32 R,
			     u32 D1, u32 D2, int acc);
	void (*layernorm_forward)(nz_nn_ctx *ctx, float *y, float *mean, float *rstd,
				  const float *x, const float *g, const float *b, u32 rows,
				  u32 D, float eps);
	void (*layernorm_backward)(nz_nn_ctx *ctx, float *dx, float *dg, float *db,
				   const float *dy, const float *x, const float *mean,
				   const float *rstd, const float *g, u32 rows, u32 D, int acc);
	void (*gelu_forward)(nz_nn_ctx *ctx, float *y, const float *x, size_t n);
	void (*gelu_backward)(nz_nn_ctx *ctx, float *dx, const float *dy, const float *x,
			      size_t n, int acc);
	void (*gelu_mul_forward)(nz_nn_ctx *ctx, float *y, const float *a, const float *b,
				 size_t n);
	void (*gelu_mul_backward)(nz_nn_ctx *ctx, float *da, float *db, const float *dy,
				  const float *a, const float *b, size_t n, int acc);
	void (*sigmoid_forward)(nz_nn_ctx *ctx, float *y, const float *x, size_t n);
	void (*sigmoid_backward)(nz_nn_ctx *ctx, float *dx, const float *dy, const float *y,
				 size_t n, int acc);
	void (*tanh_forward)(nz_nn_ctx *ctx, float *y, const float *x, size_t n);
	void (*tanh_backward)(nz_nn_ctx *ctx, float *dx, const float *dy, const float *y,
			      size_t n, int acc);
	void (*mul_forward)(nz_nn_ctx *ctx, float *y, const float *a, const float *b, size_t n);
	void (*mul_backward)(nz_nn_ctx *ctx, float *da, float *db, const float *dy,
			     const float *a, const float *b, size_t n, int acc);
	void (*add_forward)(nz_nn_ctx *ctx, float *y, const float *a, const float *b, size_t n);
	void (*add_backward)(nz_nn_ctx *ctx, float *da, float *db, const float *dy, size_t n,
			     int acc);
	void (*avg2_forward)(nz_nn_ctx *ctx, float *y, const float *a, const float *b,
			     size_t n);
	void (*avg2_backward)(nz_nn_ctx *ctx, float *da, float *db, const float *dy, size_t n,
			      int acc);
	void (*axpy)(nz_nn_ctx *ctx, float *y, float a, const float *x, size_t n);
	void (*concat_forward)(nz_nn_ctx *ctx, float *y, const float *a, u32 Da,
			       const float *b, u32 Db, u32 rows);
	void (*concat_backward)(nz_nn_ctx *ctx, float *da, float *db, const float *dy, u32 Da,
				u32 Db, u32 rows, int acc);
	void (*copy_rows)(nz_nn_ctx *ctx, float *dst, size_t ld_dst, const float *src,
			  size_t ld_src, u32 rows, u32 cols, int acc);
	void (*softmax_forward)(nz_nn_ctx *ctx, float *probs, const float *logits, u32 rows,
				u32 V);
	void (*softmax_xent_backward)(nz_nn_ctx *ctx, float *dlogits, const float *probs,
				      const u8 *targets, u32 rows, u32 V, float scale);
	/* Returns a host float, so it completes every earlier op first. */
	float (*xent_loss)(nz_nn_ctx *ctx, const float *probs, const u8 *targets, u32 rows,
			   u32 V);
	/* One push of nz_slide_cache_push: c->start is the window before the push
	 * (the dispatcher advances it afterwards); when c->start + c->slots ==
	 * c->capacity the window's last slots-1 slots move to the start of each
	 * lane first. */
	void (*slide_cache_push)(nz_nn_ctx *ctx, const nz_slide_cache *c, const float *x,
				 size_t ldx);
	/* Adam over n elements with the step's scalars (the kernel of NUMERICS.md). */
	void (*adam)(nz_nn_ctx *ctx, float *p, float *g, float *m, float *v, size_t n,
		     const nz_adam_scalars *s);
	/* Inside a step of p (nn.h, nz_nn_linear_backward_step; the dispatcher has
	 * claimed dw and db, either may be NULL): either compute dx now and take
	 * the weight gradients and the Adam step of those tensors with p->step,
	 * which may complete as late as the next step_wait, and return 1; or do
	 * nothing and return 0, and the dispatcher computes plain gradients that
	 * are stepped with the rest at nz_nn_step_end. Where fusing does not pay
	 * (one thread, a device whose queue runs in order) a backend declines:
	 * nz_nn_step_decline below. */
	int (*linear_backward_step)(nz_nn_ctx *ctx, const nz_nn_params *p, float *dx,
				    float *dw, float *db, const float *dy, const float *x,
				    size_t ldx, const float *w, u32 B, u32 IC, u32 OC, int acc);
	/* Return once every update queued by linear_backward_step is applied. */
	void (*step_wait)(nz_nn_ctx *ctx);

	/* ---- the seed models' ops (ops_model.h): same arguments and arithmetic
	 * as the function of the same name there ---- */
	void (*lane_bias_forward)(nz_nn_ctx *ctx, float *y, const float *x,
			const float *bias, u32 B, u32 R, u32 D);
	void (*lane_bias_backward)(nz_nn_ctx *ctx, float *dbias, const float *dy, u32 B,
			u32 R, u32 D);
	void (*sqr_attention_last_forward)(nz_nn_ctx *ctx, float *att, float *a, float *den,
			const float *q2, const float *k2, const float *v, u32 B, u32 T,
			u32 H, u32 NH);
	void (*sqr_attention_last_backward)(nz_nn_ctx *ctx, float *dq, float *dk, float *dv,
			float *dnum, const float *datt, const float *att, const float *a,
			const float *den, const float *q, const float *q2, const float *k,
			const float *k2, const float *v, u32 B, u32 T, u32 H, u32 NH);
	void (*patch_gate_forward)(nz_nn_ctx *ctx, float *kk, float *mask, float *coef,
			const float *mparam, const float *uw, u32 NW, u32 stride);
	void (*patch_gate_backward)(nz_nn_ctx *ctx, float *duw, float *dmparam,
			const float *dcoef, const float *uw, const float *mask,
			const float *kk, u32 NW, u32 stride);
	void (*patch_mix_forward)(nz_nn_ctx *ctx, float *pre, const float *s,
			const float *coef, const float *ub, u32 B, u32 NW, u32 E, u32 H);
	void (*patch_mix_backward)(nz_nn_ctx *ctx, float *ds, float *dcoef, float *dub,
			const float *dpre, const float *s, const float *coef, u32 B, u32 NW,
			u32 E, u32 H);
} nz_nn_backend_ops;

/* Every entry of the table, by name, in order: nz_nn_backend_ops_complete()
 * checks that a table fills them all, and a static assertion in
 * backend_registry.c fails the build when an entry is added to the struct but
 * not here. */
#define NZ_NN_BACKEND_ENTRIES(X)                                                     \
	X(create) X(destroy) X(alloc) X(free) X(upload) X(download) X(fill) X(hash)  \
	X(sync) X(gemm) X(embedding_forward) X(embedding_backward) X(linear_forward) \
	X(linear_backward) X(bmm_forward) X(bmm_backward) X(layernorm_forward)        \
	X(layernorm_backward) X(gelu_forward) X(gelu_backward) X(gelu_mul_forward)    \
	X(gelu_mul_backward) X(sigmoid_forward) X(sigmoid_backward) X(tanh_forward)   \
	X(tanh_backward) X(mul_forward) X(mul_backward) X(add_forward)                \
	X(add_backward) X(avg2_forward) X(avg2_backward) X(axpy) X(concat_forward)    \
	X(concat_backward) X(copy_rows) X(softmax_forward) X(softmax_xent_backward)   \
	X(xent_loss) X(slide_cache_push) X(adam) X(linear_backward_step) X(step_wait) \
	X(lane_bias_forward)                                                          \
	X(lane_bias_backward) X(sqr_attention_last_forward)                           \
	X(sqr_attention_last_backward) X(patch_gate_forward) X(patch_gate_backward)   \
	X(patch_mix_forward) X(patch_mix_backward)

/* linear_backward_step that always declines, and the step_wait that goes with
 * it (ops.c). */
int nz_nn_step_decline(nz_nn_ctx *ctx, const nz_nn_params *p, float *dx, float *dw, float *db,
		       const float *dy, const float *x, size_t ldx, const float *w, u32 B,
		       u32 IC, u32 OC, int acc);
void nz_nn_step_wait_none(nz_nn_ctx *ctx);
/* Adam with p->step over the n elements of p whose gradient starts at g. */
void nz_nn_params_adam_range(nz_nn_ctx *ctx, const nz_nn_params *p, float *g, size_t n);

/* Non-zero if every entry of ops is set (the dispatchers call them unchecked). */
int nz_nn_backend_ops_complete(const nz_nn_backend_ops *ops);

/* One entry of the registry (backend_registry.c): a backend id as nn.h knows
 * it, the op table that implements it and the variant that table is created
 * with (the CPU backends share one table, and the variant is their kernel
 * table). */
typedef struct nz_nn_backend_desc {
	int id;                        /* NZ_NN_BACKEND_* */
	const char *name;              /* "scalar", "avx2", "avx512", "opencl" */
	const nz_nn_backend_ops *ops;  /* NULL: the id is reserved, not built */
	const void *variant;           /* passed to ops->create */
	int (*supported)(void);        /* can this machine run it? */
} nz_nn_backend_desc;

/* The registry entry of a backend id, or NULL for an unknown id. */
const nz_nn_backend_desc *nz_nn_backend_desc_of(int backend);

/* The CPU backend (cpu_ops.c, cpu_backend.c); its variant is a kernel table. */
extern const nz_nn_backend_ops nz_nn_cpu_backend;

/* The OpenCL backend (lib/nn/opencl/, built when CMake finds OpenCL: then
 * NZ_NN_HAVE_OPENCL is defined); supported when a suitable device exists. */
extern const nz_nn_backend_ops nz_nn_opencl_backend;
int nz_ocl_device_available(void);

/* For test_nn_math: y = f(x) over n floats of engine buffers with the
 * device's own build of nn_math.h (fn: 0 exp, 1 log, 2 tanh, 3 erf, 4 sigmoid,
 * 5 rsqrt, 6 gelu, 7 gelu'), completed on return. NZ_ERR_UNSUPPORTED for a
 * context of another backend (the CPU's kernels are tested directly). */
int nz_nn_debug_math(nz_nn_ctx *ctx, int fn, float *y, const float *x, size_t n);

#endif /* NZ_NN_BACKEND_H */
