/*
 * kernels.h - the CPU backend's kernel tables, one per instruction set (scalar
 * C, AVX2+FMA, AVX-512): the variant the registry creates the CPU backend with
 * (backend.h). The CPU ops in cpu_ops.c and cpu_gemm.c split work across
 * threads and call these kernels on ranges; they never test the CPU themselves.
 *
 * Every kernel computes exactly the arithmetic docs/NUMERICS.md specifies, so
 * all tables give bit-identical results. The elementwise and row kernels are
 * written once in kernels_template.h over a vector abstraction (simd_*.h) and
 * instantiated per instruction set; only the GEMM microkernels are written per
 * instruction set, and each of them is a plain in-order fma chain per output.
 *
 * A device backend (OpenCL) does not use these: it implements the op table of
 * backend.h with the same arithmetic on the device; see docs/ENGINE.md.
 */
#ifndef NZ_NN_KERNELS_H
#define NZ_NN_KERNELS_H

#include "common/common.h"
#include "nn/backend.h" /* nz_adam_scalars */

/* Products with at most this many columns (N) read an untransposed A in place
 * instead of packing it (cpu_gemm.c, choose_packing). */
#ifndef NZ_GEMM_DIRECT_A_MAX_N
#define NZ_GEMM_DIRECT_A_MAX_N 384
#endif

/* How a GEMM tile starts its accumulators before the first k. */
enum { NZ_GEMM_INIT_ZERO = 0, NZ_GEMM_INIT_BIAS = 1, NZ_GEMM_INIT_LOAD = 2 };

typedef struct nz_nn_kernels {
	const char *name;       /* "scalar", "avx2", "avx512" */
	int id;                 /* NZ_NN_BACKEND_* */

	/* ---- GEMM microkernel and blocking (cpu_gemm.c packs and loops) ----
	 * C[0..m, 0..n) = start + sum_k opA[i, k] * opB[k, j], k = 0..kc-1 in order,
	 * as one fma per k, with opA[i, k] = A[i*rsa + k*csa] and
	 * opB[k, j] = B[k*ldb + j]. start is 0, bias[j] or C[i*ldc + j] by init.
	 * A is read only for rows i < m and B only for columns j < n (m <= mr,
	 * n <= nr), so the operands can be packed panels (rsa = 1, csa = mr,
	 * ldb = nr) or the caller's matrices read in place. */
	u32 mr, nr, mc, kc, nc;
	void (*gemm_micro)(size_t kc, const float *A, size_t rsa, size_t csa, const float *B,
			   size_t ldb, float *C, size_t ldc, u32 m, u32 n, int init,
			   const float *bias);
	/* Small products (the per-lane matrices of nz_bmm): C (M, N) = start +
	 * opA (M, K) . B (K, N), opA[i, k] = A[i*rsa + k*csa], B[k*ldb + j]; start
	 * 0, bias[i*ldbias + j] or C[i*ldc + j] by init; each output one in-order
	 * fma chain over k, as above, in tiles of a few rows (any M >= 1). */
	void (*gemm_small)(size_t M, size_t N, size_t K, const float *A, size_t rsa,
			   size_t csa, const float *B, size_t ldb, float *C, size_t ldc,
			   int init, const float *bias, size_t ldbias);
	/* Transposing pack (optional; copies only, so any version is exact):
	 * dst[k*stride + r] = r < rows ? src[r*lds + k] : 0, k < kc, r < stride. */
	void (*pack_t)(float *dst, u32 stride, const float *src, size_t lds, u32 rows,
		       u32 kc);

	/* ---- elementwise, n elements; `acc` adds the result to the output ---- */
	void (*exp)(float *y, const float *x, size_t n);
	void (*log)(float *y, const float *x, size_t n);
	void (*tanh)(float *y, const float *x, size_t n);
	void (*erf)(float *y, const float *x, size_t n);
	void (*sigmoid)(float *y, const float *x, size_t n);
	void (*rsqrt)(float *y, const float *x, size_t n);
	void (*gelu)(float *y, const float *x, size_t n);
	void (*gelu_bwd)(float *dx, const float *dy, const float *x, size_t n, int acc);
	void (*gelu_mul)(float *y, const float *a, const float *b, size_t n);
	void (*gelu_mul_bwd)(float *da, float *db, const float *dy, const float *a,
			     const float *b, size_t n, int acc);
	void (*sigmoid_bwd)(float *dx, const float *dy, const float *y, size_t n, int acc);
	void (*tanh_bwd)(float *dx, const float *dy, const float *y, size_t n, int acc);
	/* y[i] = fma(a, x[i], y[i]) */
	void (*axpy)(float *y, float a, const float *x, size_t n);
	/* y[i] = fma(a[i], b[i], y[i]) */
	void (*fma_vv)(float *y, const float *a, const float *b, size_t n);
	/* y[i] = y[i] + x[i] */
	void (*add)(float *y, const float *x, size_t n);

	/* ---- rows of D elements; sums are the 16-lane tree of NUMERICS.md ---- */
	void (*layernorm)(float *y, float *mean, float *rstd, const float *x,
			  const float *g, const float *b, size_t rows, size_t D, float eps);
	void (*layernorm_bwd)(float *dx, const float *dy, const float *x,
			      const float *mean, const float *rstd, const float *g,
			      size_t rows, size_t D, int acc);
	/* One row's contribution to dgamma/dbeta over columns [0, n) of the row:
	 * dg[i] = fma(dy[i], (x[i] - mean) * rstd, dg[i]); db[i] += dy[i]. */
	void (*layernorm_dgb_row)(float *dg, float *db, const float *dy, const float *x,
				  float mean, float rstd, size_t n);
	void (*softmax)(float *p, const float *logits, size_t rows, size_t V);

	/* ---- optimiser ---- */
	void (*adam)(float *p, float *g, float *m, float *v, size_t n,
		     const nz_adam_scalars *s);
} nz_nn_kernels;

extern const nz_nn_kernels nz_nn_kernels_scalar;
#if defined(__x86_64__) || defined(__i386__)
#define NZ_NN_HAVE_X86 1
extern const nz_nn_kernels nz_nn_kernels_avx2;
extern const nz_nn_kernels nz_nn_kernels_avx512;
/* The AVX2 transposing pack, shared by the AVX-512 table. */
void nz_pack_t_avx2(float *dst, u32 stride, const float *src, size_t lds, u32 rows, u32 kc);
#endif

/* The 16 partial sums of a row combined in the fixed tree of NUMERICS.md:
 * p[j] += p[j + 8], then p[j] += p[j + 4], p[j] += p[j + 2], p[0] + p[1]. */
NZ_INLINE float nz_tree16(float p[16])
{
	for (int s = 8; s >= 1; s >>= 1)
		for (int j = 0; j < s; j++)
			p[j] = p[j] + p[j + s];
	return p[0];
}

#endif /* NZ_NN_KERNELS_H */
