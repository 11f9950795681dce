/*
 * nn.h - the deterministic neural-network engine: an engine context (backend and
 * threads), engine buffers, the ops a model is built from (each an x_forward /
 * x_backward pair on engine buffers with explicit dimensions), parameter
 * blocks, Adam, seeded initialisation and state hashing.
 *
 * Every op is dispatched to the context's backend (backend.h): the CPU
 * backends compute at once on host memory, a device backend may enqueue work.
 * So a tensor is an engine buffer (from nz_nn_alloc, or an address inside one)
 * that only ops, nz_nn_upload/download/fill, the nz_nn_buf_init_* initialisers
 * and the hashes touch; token and target
 * arrays (const u8 *) are host memory. nz_nn_download, the hashes and
 * nz_xent_loss wait for the ops before them; nz_nn_sync waits for all.
 *
 * Every op computes exactly the arithmetic of docs/NUMERICS.md, so the results
 * are the same bits on every backend (scalar C, AVX2+FMA, AVX-512) and for any
 * thread count. docs/ENGINE.md shows how a model is written on top of this.
 *
 * Dimension letters used below:
 *   B  lanes (rows of a batch)        T  context positions (tokens per lane)
 *   D  features of a row              IC, OC  input and output features
 *   R  rows per lane in a per-lane product ("branches")
 *   V  vocabulary (256 for bytes)
 * Matrices are row-major; "x is (B, IC)" means x[b * IC + i].
 *
 * Backward functions ADD their parameter gradients into dw/db/... (so a weight
 * used twice gets the sum, in call order); input gradients dx are written, or
 * added when `acc` is non-zero. Any gradient pointer may be NULL to skip it.
 * Elementwise ops (GELU, sigmoid, tanh, mul, add, avg2 and their backwards) may
 * run in place (output == an input of the same shape); otherwise buffers must
 * not overlap.
 */
#ifndef NZ_NN_H
#define NZ_NN_H

#include "common/common.h"
#include "common/thread_pool.h"

/* ---- engine context ---- */

enum {
	NZ_NN_BACKEND_AUTO = 0,   /* the best the CPU has, or $NZIP_BACKEND */
	NZ_NN_BACKEND_SCALAR = 1,
	NZ_NN_BACKEND_AVX2 = 2,
	NZ_NN_BACKEND_AVX512 = 3,
	NZ_NN_BACKEND_OPENCL = 4, /* lib/nn/opencl/ (when built and a device is found); never AUTO */
	NZ_NN_BACKEND_COUNT_
};

typedef struct nz_nn_options {
	int backend;              /* NZ_NN_BACKEND_*; AUTO honours $NZIP_BACKEND */
	u32 threads;              /* threads in all (0 = one per CPU); never changes results */
	nz_thread_pool *pool;     /* optional: share this pool (not owned) instead */
	/* GEMM cache blocking (0 = the backend's defaults); for tuning and tests:
	 * never changes results. mc is rounded to the microkernel height. */
	u32 gemm_mc, gemm_kc, gemm_nc;
	/* GEMM operand packing (NZ_NN_GEMM_PACK_*; 0 = by shape); for tuning and
	 * tests: never changes results. */
	int gemm_pack;
} nz_nn_options;

enum {
	NZ_NN_GEMM_PACK_AUTO = 0,   /* pack where the operand is reused enough */
	NZ_NN_GEMM_PACK_ALWAYS = 1, /* pack both operands */
	NZ_NN_GEMM_PACK_NEVER = 2   /* read both in place (a transposed B is still packed) */
};

/* Opaque; lib/nn/engine_internal.h defines it for the engine and its tests. */
typedef struct nz_nn_ctx nz_nn_ctx;

/* Create a context. opt may be NULL (auto backend, all CPUs). With
 * NZ_NN_BACKEND_AUTO the environment variable NZIP_BACKEND=scalar|avx2|avx512
 * forces a backend. NZ_ERR_UNSUPPORTED if the backend asked for cannot run on
 * this CPU or the calling thread's floating-point environment is not the one
 * NUMERICS.md requires (see nz_nn_fp_env_ok), NZ_ERR_PARAM for an unknown name.
 * Worker threads inherit the creating thread's environment. */
int nz_nn_create(nz_nn_ctx **out, const nz_nn_options *opt);

/* The OpenCL device of this process (lib/nn/opencl/ocl_runtime.c): spec is
 * "PLATFORM.DEVICE" as nz_nn_opencl_list numbers them, NULL or "" for the
 * default ($NZIP_OPENCL_DEVICE, else the first suitable GPU, else the first
 * suitable device). Before the first OpenCL context: NZ_ERR_STAGE after it
 * (for another device), NZ_ERR_PARAM for a malformed spec, NZ_ERR_UNSUPPORTED
 * in a build without OpenCL. */
int nz_nn_opencl_select(const char *spec);
/* One line per OpenCL device into buf (as snprintf: truncated to cap, always
 * terminated when cap > 0), saying whether the engine can use it; returns the
 * number of devices. */
int nz_nn_opencl_list(char *buf, size_t cap);
/* The peak bytes of OpenCL engine buffers live at once in this process, and the
 * device's name into name (as snprintf; "none" if no device was chosen). */
size_t nz_nn_opencl_peak(char *name, size_t cap);
void nz_nn_free(nz_nn_ctx *ctx);

/* The backend in use: NZ_NN_BACKEND_* and its name ("avx512"). */
int nz_nn_backend(const nz_nn_ctx *ctx);
/* NZ_OK, or the first error of a device backend (a lost device, device memory
 * exhausted at run time: NZ_ERR_GENERIC, NZ_ERR_NOMEM). After one, ops do
 * nothing and downloads give zeros, so a caller checks it before it uses a
 * download (the seed models' predict does); the CPU backend never sets it. */
int nz_nn_error(const nz_nn_ctx *ctx);
/* Threads the context's ops use (the caller included) and their pool (NULL
 * when single-threaded; owned by the context unless given in the options). */
u32 nz_nn_threads(const nz_nn_ctx *ctx);
nz_thread_pool *nz_nn_pool(const nz_nn_ctx *ctx);
const char *nz_nn_backend_name(int backend);
/* Non-zero if this machine can run a backend (and this build has it). */
int nz_nn_backend_supported(int backend);
/* The backend named s ("scalar", "avx2", "avx512", "opencl", "auto"), or -1. */
int nz_nn_backend_from_name(const char *s);
/* The best CPU backend this machine supports (AUTO never picks a device). */
int nz_nn_backend_best(void);
/* The backend a context created with `backend` uses: AUTO becomes
 * $NZIP_BACKEND if set, else nz_nn_backend_best(); -1 for an unknown name.
 * The one backend choice of the library: code outside the engine that has
 * SIMD kernels of its own (the CM mixer) follows it too. */
int nz_nn_backend_resolve(int backend);
/* Non-zero if the calling thread rounds to nearest and keeps subnormals (no
 * flush-to-zero / denormals-are-zero, which -ffast-math start-up code can set):
 * otherwise results would differ from other machines. */
int nz_nn_fp_env_ok(void);

/* Engine buffers: memory of the backend for `count` floats, 64-byte aligned
 * (host memory on the CPU backends; device-visible memory on a device). Any
 * address inside one is an engine buffer too. calloc zeroes it. Free with
 * nz_nn_free_mem() (p may be NULL). */
float *nz_nn_alloc(nz_nn_ctx *ctx, size_t count);
float *nz_nn_calloc(nz_nn_ctx *ctx, size_t count);
void nz_nn_free_mem(nz_nn_ctx *ctx, float *p);
/* count floats from host memory src into the engine buffer dst (src may be
 * reused at once), and from the engine buffer src into host memory dst (after
 * every earlier op). On the CPU backends both are copies, none when dst == src. */
void nz_nn_upload(nz_nn_ctx *ctx, float *dst, const float *src, size_t count);
void nz_nn_download(nz_nn_ctx *ctx, float *dst, const float *src, size_t count);
/* Return once every op issued on ctx is complete (nothing to wait for on CPU). */
void nz_nn_sync(nz_nn_ctx *ctx);
/* buf[0..n) = value in an engine buffer. */
void nz_nn_fill(nz_nn_ctx *ctx, float *buf, size_t n, float value);

/* ---- matrix product ----
 * C[i, j] = start + sum over k = 0..K-1, in increasing k, of opA[i, k] * opB[k, j],
 * each step one fused multiply-add; start = accumulate ? C[i, j] : bias ? bias[j] : 0.
 * opA[i, k] = ta ? A[k*lda + i] : A[i*lda + k]    (opA is M x K)
 * opB[k, j] = tb ? B[j*ldb + k] : B[k*ldb + j]    (opB is K x N)
 * Threads split M and N, never K. */
void nz_gemm(nz_nn_ctx *ctx, int ta, int tb, u32 M, u32 N, u32 K, const float *A,
	     size_t lda, const float *B, size_t ldb, float *C, size_t ldc,
	     const float *bias, int accumulate);

/* The definition above as three plain loops (the oracle of the tests). */
void nz_gemm_naive(int ta, int tb, u32 M, u32 N, u32 K, const float *A, size_t lda,
		   const float *B, size_t ldb, float *C, size_t ldc, const float *bias,
		   int accumulate);

/* ---- layers ---- */

/* out (B, T*D): out[b, t*D + d] = table[tok[b*tok_stride + t], d]; table (256, D). */
void nz_embedding_forward(nz_nn_ctx *ctx, float *out, const u8 *tok, size_t tok_stride,
			  const float *table, u32 B, u32 T, u32 D);
/* dtable[tok, d] += dout[b, t*D + d] for b = 0..B-1, then t = 0..T-1 in order. */
void nz_embedding_backward(nz_nn_ctx *ctx, float *dtable, const float *dout, const u8 *tok,
			   size_t tok_stride, u32 B, u32 T, u32 D);

/* y (B, OC) = x (B, IC) . w^T + b; w is (OC, IC), b (OC) or NULL. */
void nz_linear_forward(nz_nn_ctx *ctx, float *y, const float *x, const float *w,
		       const float *b, u32 B, u32 IC, u32 OC);
/* dx (B, IC) = dy . w (added if acc); dw (OC, IC) += dy^T . x (sum over lanes
 * b = 0..B-1 in order); db (OC) += sum over b of dy. */
void nz_linear_backward(nz_nn_ctx *ctx, float *dx, float *dw, float *db, const float *dy,
			const float *x, const float *w, u32 B, u32 IC, u32 OC, int acc);

/* Per-lane ("batch ensemble") product: for every lane n, y[n] (R, D2) =
 * x[n] (R, D1) . u[n] (D1, D2) + bias[n] (R, D2); bias may be NULL. */
void nz_bmm_forward(nz_nn_ctx *ctx, float *y, const float *x, const float *u,
		    const float *bias, u32 B, u32 R, u32 D1, u32 D2);
/* dx[n] = dy[n] . u[n]^T (added if acc); du[n] += x[n]^T . dy[n] (over r in
 * order); dbias[n] += dy[n]. */
void nz_bmm_backward(nz_nn_ctx *ctx, float *dx, float *du, float *dbias, const float *dy,
		     const float *x, const float *u, u32 B, u32 R, u32 D1, u32 D2, int acc);

/* LayerNorm over the last D features of each of `rows` rows; g and b (D) are
 * the affine scale and shift (both NULL: none; b NULL: scale only). mean and
 * rstd (rows) are saved for backward. */
void nz_layernorm_forward(nz_nn_ctx *ctx, float *y, float *mean, float *rstd,
			  const float *x, const float *g, const float *b, u32 rows,
			  u32 D, float eps);
void nz_layernorm_backward(nz_nn_ctx *ctx, float *dx, float *dg, float *db,
			   const float *dy, const float *x, const float *mean,
			   const float *rstd, const float *g, u32 rows, u32 D, int acc);

/* Elementwise, n elements. */
void nz_gelu_forward(nz_nn_ctx *ctx, float *y, const float *x, size_t n);
void nz_gelu_backward(nz_nn_ctx *ctx, float *dx, const float *dy, const float *x,
		      size_t n, int acc);
/* Gated GELU: y = gelu(a) * b. */
void nz_gelu_mul_forward(nz_nn_ctx *ctx, float *y, const float *a, const float *b,
			 size_t n);
void nz_gelu_mul_backward(nz_nn_ctx *ctx, float *da, float *db, const float *dy,
			  const float *a, const float *b, size_t n, int acc);
/* sigmoid and tanh; backward takes the forward output y. */
void nz_sigmoid_forward(nz_nn_ctx *ctx, float *y, const float *x, size_t n);
void nz_sigmoid_backward(nz_nn_ctx *ctx, float *dx, const float *dy, const float *y,
			 size_t n, int acc);
void nz_tanh_forward(nz_nn_ctx *ctx, float *y, const float *x, size_t n);
void nz_tanh_backward(nz_nn_ctx *ctx, float *dx, const float *dy, const float *y,
		      size_t n, int acc);
/* Elementwise gate y = a * b; da = dy * b, db = dy * a. */
void nz_mul_forward(nz_nn_ctx *ctx, float *y, const float *a, const float *b, size_t n);
void nz_mul_backward(nz_nn_ctx *ctx, float *da, float *db, const float *dy,
		     const float *a, const float *b, size_t n, int acc);
/* y = a + b; backward passes dy to both. */
void nz_add_forward(nz_nn_ctx *ctx, float *y, const float *a, const float *b, size_t n);
void nz_add_backward(nz_nn_ctx *ctx, float *da, float *db, const float *dy, size_t n,
		     int acc);
/* Residual average y = (a + b) * 0.5; da = db = dy * 0.5. */
void nz_avg2_forward(nz_nn_ctx *ctx, float *y, const float *a, const float *b, size_t n);
void nz_avg2_backward(nz_nn_ctx *ctx, float *da, float *db, const float *dy, size_t n,
		      int acc);

/* y[i] = fma(a, x[i], y[i]) over n elements, in order: for short vectors (a
 * head of a row), on one thread. */
void nz_axpy(nz_nn_ctx *ctx, float *y, float a, const float *x, size_t n);

/* Concatenation of features: y (rows, Da+Db) = [a (rows, Da), b (rows, Db)]. */
void nz_concat_forward(nz_nn_ctx *ctx, float *y, const float *a, u32 Da, const float *b,
		       u32 Db, u32 rows);
void nz_concat_backward(nz_nn_ctx *ctx, float *da, float *db, const float *dy, u32 Da,
			u32 Db, u32 rows, int acc);

/* Copy a (rows, cols) block between strided matrices (dst = src, or dst += src). */
void nz_copy_rows(nz_nn_ctx *ctx, float *dst, size_t ld_dst, const float *src,
		  size_t ld_src, u32 rows, u32 cols, int acc);

/* Softmax of each row of logits (rows, V) into probs. */
void nz_softmax_forward(nz_nn_ctx *ctx, float *probs, const float *logits, u32 rows, u32 V);
/* Cross-entropy gradient: dlogits = (probs - onehot(target)) * scale, where
 * scale is 1/B for a mean over B lanes. */
void nz_softmax_xent_backward(nz_nn_ctx *ctx, float *dlogits, const float *probs,
			      const u8 *targets, u32 rows, u32 V, float scale);
/* Mean cross-entropy -log(probs[b, target[b]]) over the rows, summed in row
 * order in float and divided by rows (for reporting). */
float nz_xent_loss(nz_nn_ctx *ctx, const float *probs, const u8 *targets, u32 rows, u32 V);

/* ---- sliding cache ----
 * A per-lane window of `slots` slots of `width` features, oldest first, that
 * moves by one slot per push. The window of lane b starts at
 * nz_slide_cache_window(c) + b * c->ld and is slots*width contiguous floats, so
 * it is a strided (B, slots*width) matrix for nz_gemm (lda = c->ld). Storage is
 * `capacity` slots per lane (>= slots + 1): pushes append after the window and
 * every capacity - slots pushes the window is moved back to the start, so a
 * push costs about (slots - 1) / (capacity - slots) + 1 slot copies per lane.
 * The cache carries no gradient (it holds detached values). */
typedef struct nz_slide_cache {
	nz_nn_ctx *ctx;  /* the context buf belongs to */
	float *buf;
	u32 lanes, slots, width, capacity;
	u32 start;      /* first slot of the window */
	size_t ld;      /* floats between lanes = capacity * width */
} nz_slide_cache;

/* capacity 0 means 2 * slots. The window starts as zeros. */
int nz_slide_cache_init(nz_nn_ctx *ctx, nz_slide_cache *c, u32 lanes, u32 slots, u32 width,
			u32 capacity);
void nz_slide_cache_free(nz_nn_ctx *ctx, nz_slide_cache *c);
NZ_INLINE float *nz_slide_cache_window(const nz_slide_cache *c)
{
	return c->buf + (size_t)c->start * c->width;
}
/* Drop the oldest slot of every lane and append x[b] (width floats at
 * x + b*ldx). */
void nz_slide_cache_push(nz_nn_ctx *ctx, nz_slide_cache *c, const float *x, size_t ldx);
/* Set every lane's whole window from x (lanes, slots*width) with row stride ldx. */
void nz_slide_cache_set(nz_nn_ctx *ctx, nz_slide_cache *c, const float *x, size_t ldx);
void nz_slide_cache_clear(nz_slide_cache *c);

/* ---- parameter layout (llm.c style) ----
 * A model lists its tensors (name, element count); each gets an offset in one
 * block, aligned to 16 floats. nz_nn_params then holds four blocks of the same
 * layout: parameters, gradients, Adam first and second moments, carved from one
 * allocation, so Adam is one flat loop and the state hashes in one pass. */
#define NZ_NN_MAX_TENSORS 256

typedef struct nz_nn_tensor_info {
	const char *name;
	size_t offset, count;
} nz_nn_tensor_info;

typedef struct nz_nn_layout {
	u32 n;
	size_t total;          /* floats in one block, a multiple of 16 */
	int overflow;          /* set if more than NZ_NN_MAX_TENSORS were added */
	nz_nn_tensor_info t[NZ_NN_MAX_TENSORS];
} nz_nn_layout;

void nz_nn_layout_init(nz_nn_layout *l);
/* Add a tensor; returns its index. */
u32 nz_nn_layout_add(nz_nn_layout *l, const char *name, size_t count);
/* Point fields[i] (addresses of a model's float* members, in the order they
 * were added) into base. */
void nz_nn_layout_carve(const nz_nn_layout *l, float *base, float **const *fields);

/* Adam hyperparameters. decoupled = 0 is torch.optim.Adam (the weight decay is
 * added to the gradient, L2); 1 is torch.optim.AdamW (p *= 1 - lr*wd first). */
typedef struct nz_adam {
	float lr, beta1, beta2, eps, weight_decay;
	int decoupled;
	u64 t;                 /* steps taken */
	double beta1_t, beta2_t; /* beta^t, by repeated IEEE double multiplication */
} nz_adam;

/* lr 1e-3, betas 0.9/0.999, eps 1e-8, weight decay 1e-7, L2 (the seeds'). */
void nz_adam_init(nz_adam *a);

/* Scalars of one Adam step, computed once per step on the host (params.c) and
 * passed to the backend's Adam. */
typedef struct nz_adam_scalars {
	float beta1, beta2;     /* moment decay */
	float omb1, omb2;       /* 1 - beta1, 1 - beta2 (float subtractions) */
	float weight_decay;     /* L2 coefficient added to the gradient (Adam) */
	float step_size;        /* lr / (1 - beta1^t) */
	float c2;               /* 1 / sqrt(1 - beta2^t) */
	float eps;
	float decay;            /* AdamW: p *= decay first (1 - lr*wd); 1 for Adam */
	int zero_grad;          /* the kernel sets g to 0 once read (saves a pass) */
} nz_adam_scalars;

typedef struct nz_nn_params {
	nz_nn_ctx *ctx;        /* the context mem belongs to */
	nz_nn_layout layout;
	float *mem;            /* 4 * total floats */
	float *param, *grad, *m, *v;
	size_t total;
	nz_adam adam;
	/* the optimizer step in progress (nz_nn_step_begin .. _end) */
	int stepping;
	nz_adam_scalars step;
	u8 stepped[NZ_NN_MAX_TENSORS]; /* tensors whose update is applied or queued */
} nz_nn_params;

/* Allocate (zeroed) the four blocks of a layout. */
int nz_nn_params_init(nz_nn_ctx *ctx, nz_nn_params *p, const nz_nn_layout *layout);
void nz_nn_params_free(nz_nn_ctx *ctx, nz_nn_params *p);
void nz_nn_params_zero_grad(nz_nn_ctx *ctx, nz_nn_params *p);
/* One Adam step over every parameter (threads split the range). It leaves the
 * gradients zero (in the same pass), so the next backward pass can accumulate
 * into them without nz_nn_params_zero_grad (which only a caller that ran a
 * backward pass without this step needs). */
void nz_nn_params_adam_step(nz_nn_ctx *ctx, nz_nn_params *p);
/*
 * Optimizer steps fused into the backward pass. nz_nn_step_begin(ctx, p) starts
 * an Adam step of p (the step count and its scalars, as nz_nn_params_adam_step);
 * nz_nn_linear_backward_step then does what nz_linear_backward does and, for the
 * weight and bias it is given, also that step; nz_nn_step_end(ctx, p) waits for
 * those and steps every other tensor. The parameters, moments and gradients
 * afterwards are bit for bit those of backward then nz_nn_params_adam_step: Adam
 * is per element. What changes is when the work runs. The CPU backend computes
 * dx at once and queues the weight gradient and its update for another thread,
 * so they run beside the rest of the backward pass (the next dx, which is what
 * the pass waits on), and each tensor is updated by the thread that just wrote
 * its gradient. Contract for the caller, from the call to nz_nn_step_end:
 *   - it is the last contribution to dw and db in this step;
 *   - no op reads or writes w, dw, b or db;
 *   - no op writes x (dy may be reused: the op keeps a copy).
 * dw and db must each be one whole tensor of p's layout (dw (OC, IC), db OC);
 * x has row stride ldx (IC for a dense (B, IC) input); dx may be NULL (no input
 * gradient). With p NULL or outside a step (p->stepping == 0) it is
 * nz_linear_backward with the row stride (a weight used again later). Models
 * with a weight delay run their Adam step apart and never call
 * nz_nn_step_begin.
 */
void nz_nn_step_begin(nz_nn_ctx *ctx, nz_nn_params *p);
void nz_nn_linear_backward_step(nz_nn_ctx *ctx, nz_nn_params *p, float *dx, float *dw,
				float *db, const float *dy, const float *x, size_t ldx,
				const float *w, u32 B, u32 IC, u32 OC, int acc);
void nz_nn_step_end(nz_nn_ctx *ctx, nz_nn_params *p);
/* XXH64 of parameters, both moments and the step count (waits for the ops). */
u64 nz_nn_params_hash(const nz_nn_params *p);

/* Compute the step scalars of a (after incrementing its step), then apply it to
 * n elements; with zero_grad, g is set to 0 as it is read. For models that keep
 * their own blocks. */
void nz_adam_update(nz_nn_ctx *ctx, nz_adam *a, float *p, float *g, float *m, float *v,
		    size_t n, int zero_grad);

/* ---- seeded initialisation (the same numbers everywhere) ----
 * nz_nn_init_* write host arrays; nz_nn_buf_init_* and nz_nn_fill write
 * engine buffers. */
typedef struct nz_rng {
	u64 s;
} nz_rng;

/* splitmix64 seeded with seed; stream selects an independent sequence. */
void nz_rng_seed(nz_rng *r, u64 seed, u64 stream);
u64 nz_rng_next(nz_rng *r);
/* A float in [0, 1): the top 24 bits of a draw times 2^-24. */
float nz_rng_uniform(nz_rng *r);
/* A standard normal draw (Marsaglia's polar method in float, with nz_logf). */
float nz_rng_normal(nz_rng *r);

void nz_nn_init_const(float *p, size_t n, float value);
/* p[i] = lo + (hi - lo) * u */
void nz_nn_init_uniform(float *p, size_t n, float lo, float hi, nz_rng *r);
/* p[i] = mean + std * z */
void nz_nn_init_normal(float *p, size_t n, float mean, float std, nz_rng *r);
/* torch.nn.Linear's default: w, b ~ U(-1/sqrt(in), 1/sqrt(in)); b may be NULL. */
void nz_nn_init_linear(float *w, float *b, u32 in, u32 out, nz_rng *r);
/* The same numbers into engine buffers: drawn on the host in order, uploaded. */
void nz_nn_buf_init_uniform(nz_nn_ctx *ctx, float *buf, size_t n, float lo, float hi,
			    nz_rng *r);
void nz_nn_buf_init_normal(nz_nn_ctx *ctx, float *buf, size_t n, float mean, float std,
			   nz_rng *r);
void nz_nn_buf_init_linear(nz_nn_ctx *ctx, float *w, float *b, u32 in, u32 out, nz_rng *r);

/* XXH64 of n floats of host memory (their bytes, little-endian hosts). */
u64 nz_nn_hash(const float *p, size_t n);
/* The same hash of n floats of an engine buffer (waits for the ops). */
u64 nz_nn_buf_hash(nz_nn_ctx *ctx, const float *buf, size_t n);

/* ---- scalar reference math (docs/NUMERICS.md; same bits as the kernels) ---- */
float nz_expf(float x);
float nz_logf(float x);
float nz_tanhf(float x);
float nz_erff(float x);
float nz_sigmoidf(float x);
float nz_geluf(float x);

/* The seed models' own ops (per-lane bias, attention, patch mix). */
#include "nn/ops_model.h"

#endif /* NZ_NN_H */
