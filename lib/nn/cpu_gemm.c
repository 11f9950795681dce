/*
 * cpu_gemm.c - the CPU backend's matrix product (nz_gemm of nn.h), BLIS style: the output is cut into
 * rectangles (one task each, threads share the tasks); inside a task, column
 * blocks of nc, then k blocks of kc IN INCREASING ORDER, then row blocks of mc;
 * the backend's microkernel runs an mr x nr tile over one k block. The first k
 * block starts each output from zero, the bias or C; later blocks continue from
 * the tile stored by the previous one, so every output is one fma chain over
 * k = 0..K-1 in order, whatever the blocking, the tile sizes, the packing or the
 * threads.
 *
 * Packing copies B's block into nr-wide k-major panels and A's into mr-high
 * ones. It pays where an operand is reused many times (large products); for the
 * seed models' small ones (64-512 lanes) the copies cost more than they save,
 * so the microkernel reads an operand in place instead: A always can (it is
 * broadcast one element at a time, any strides), B when it is not transposed
 * (rows of opB are then contiguous). See choose_packing().
 */
#include "nn/cpu_backend.h"

#include <math.h>

void nz_gemm_naive(int ta, int tb, u32 M, u32 N, u32 K, const float *A, size_t lda,
		   const float *B, size_t ldb, float *C, size_t ldc, const float *bias,
		   int accumulate)
{
	for (u32 i = 0; i < M; i++)
		for (u32 j = 0; j < N; j++) {
			float c = accumulate ? C[i * ldc + j] : bias ? bias[j] : 0.0f;
			for (u32 k = 0; k < K; k++) {
				const float a = ta ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
				const float b = tb ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
				c = fmaf(a, b, c);
			}
			C[(size_t)i * ldc + j] = c;
		}
}

typedef struct gemm_job {
	const nz_nn_kernels *k;
	int ta, tb, init0;
	u32 M, N, K;
	const float *A, *B, *bias;
	size_t lda, ldb, ldc;
	float *C;
	int pack_a, pack_b; /* copy the operand into panels (else read it in place) */
	int split_m;       /* tasks cut M (else N) into pieces of whole tiles */
	u32 tiles, pieces; /* tiles along the cut dimension, tasks */
	u32 mc, kc, nc;    /* cache blocking */
	float **scratch;
} gemm_job;

/* Ap <- rows [i0, i0+mc) x k [k0, k0+kc) of opA as mr-row panels, k-major. */
static void pack_a(float *Ap, const gemm_job *g, u32 i0, u32 mc, u32 k0, u32 kc)
{
	const u32 mr = g->k->mr;
	for (u32 ir = 0; ir < mc; ir += mr, Ap += (size_t)mr * kc) {
		const u32 rows = NZ_MIN(mr, mc - ir);
		if (g->ta) {
			for (u32 k = 0; k < kc; k++) {
				const float *src = g->A + (size_t)(k0 + k) * g->lda + i0 + ir;
				float *dst = Ap + (size_t)k * mr;
				memcpy(dst, src, rows * sizeof(float));
				memset(dst + rows, 0, (mr - rows) * sizeof(float));
			}
		} else if (g->k->pack_t) {
			g->k->pack_t(Ap, mr, g->A + (size_t)(i0 + ir) * g->lda + k0, g->lda, rows, kc);
		} else {
			u32 r = 0;
			for (; r < rows; r++) {
				const float *src = g->A + (size_t)(i0 + ir + r) * g->lda + k0;
				for (u32 k = 0; k < kc; k++)
					Ap[(size_t)k * mr + r] = src[k];
			}
			for (; r < mr; r++)
				for (u32 k = 0; k < kc; k++)
					Ap[(size_t)k * mr + r] = 0.0f;
		}
	}
}

/* Bp <- k [k0, k0+kc) x columns [j0, j0+nc) of opB as nr-column panels. */
static void pack_b(float *Bp, const gemm_job *g, u32 j0, u32 nc, u32 k0, u32 kc)
{
	const u32 nr = g->k->nr;
	for (u32 jr = 0; jr < nc; jr += nr, Bp += (size_t)nr * kc) {
		const u32 cols = NZ_MIN(nr, nc - jr);
		if (!g->tb) {
			for (u32 k = 0; k < kc; k++) {
				const float *src = g->B + (size_t)(k0 + k) * g->ldb + j0 + jr;
				float *dst = Bp + (size_t)k * nr;
				memcpy(dst, src, cols * sizeof(float));
				memset(dst + cols, 0, (nr - cols) * sizeof(float));
			}
		} else if (g->k->pack_t) {
			g->k->pack_t(Bp, nr, g->B + (size_t)(j0 + jr) * g->ldb + k0, g->ldb, cols, kc);
		} else {
			u32 c = 0;
			for (; c < cols; c++) {
				const float *src = g->B + (size_t)(j0 + jr + c) * g->ldb + k0;
				for (u32 k = 0; k < kc; k++)
					Bp[(size_t)k * nr + c] = src[k];
			}
			for (; c < nr; c++)
				for (u32 k = 0; k < kc; k++)
					Bp[(size_t)k * nr + c] = 0.0f;
		}
	}
}

static void gemm_task(void *arg, u32 task, u32 worker)
{
	const gemm_job *g = arg;
	const nz_nn_kernels *k = g->k;
	/* Task t owns tiles [t*tiles/pieces, (t+1)*tiles/pieces) of the cut
	 * dimension: the pieces differ by at most one tile. */
	const u32 t0 = (u32)((u64)task * g->tiles / g->pieces);
	const u32 t1 = (u32)((u64)(task + 1) * g->tiles / g->pieces);
	u32 i_beg = 0, i_end = g->M, j_beg = 0, j_end = g->N;
	if (g->split_m) {
		i_beg = t0 * k->mr;
		i_end = NZ_MIN(g->M, t1 * k->mr);
	} else {
		j_beg = t0 * k->nr;
		j_end = NZ_MIN(g->N, t1 * k->nr);
	}
	float *Ap = g->scratch[worker];
	float *Bp = Ap + (((size_t)g->mc * g->kc + 15) & ~(size_t)15);
	for (u32 jc = j_beg; jc < j_end; jc += g->nc) {
		const u32 nc = NZ_MIN(g->nc, j_end - jc);
		for (u32 pc = 0; pc < g->K; pc += g->kc) {
			const u32 kc = NZ_MIN(g->kc, g->K - pc);
			const int init = pc == 0 ? g->init0 : NZ_GEMM_INIT_LOAD;
			/* B's block: panel jr starts at b0 + jr * bstep, rows ldb apart */
			const float *b0;
			size_t bstep, ldb;
			if (g->pack_b) {
				pack_b(Bp, g, jc, nc, pc, kc);
				b0 = Bp, bstep = kc, ldb = k->nr;
			} else {
				b0 = g->B + (size_t)pc * g->ldb + jc, bstep = 1, ldb = g->ldb;
			}
			for (u32 ic = i_beg; ic < i_end; ic += g->mc) {
				const u32 mc = NZ_MIN(g->mc, i_end - ic);
				/* A's block: row i at a0 + i * rsa, k steps csa apart; a panel
				 * of mr rows starts at a0 + ir * astep */
				const float *a0;
				size_t rsa, csa, astep;
				if (g->pack_a) {
					pack_a(Ap, g, ic, mc, pc, kc);
					a0 = Ap, rsa = 1, csa = k->mr, astep = kc;
				} else if (g->ta) {
					a0 = g->A + (size_t)pc * g->lda + ic, rsa = 1, csa = g->lda, astep = 1;
				} else {
					a0 = g->A + (size_t)ic * g->lda + pc, rsa = g->lda, csa = 1;
					astep = g->lda;
				}
				for (u32 jr = 0; jr < nc; jr += k->nr) {
					const float *bp = b0 + (size_t)jr * bstep;
					const float *bias = g->bias ? g->bias + jc + jr : NULL;
					for (u32 ir = 0; ir < mc; ir += k->mr)
						k->gemm_micro(kc, a0 + (size_t)ir * astep, rsa, csa, bp, ldb,
							      g->C + (size_t)(ic + ir) * g->ldc + jc + jr,
							      g->ldc, NZ_MIN(k->mr, mc - ir),
							      NZ_MIN(k->nr, nc - jr), init, bias);
				}
			}
		}
	}
}

/* Which operands to pack. Measured on Zen 4 (bench_gemm --pack, M = 64..8192):
 * reading B in place is as fast as packing it or faster at every size, and so
 * is a transposed A (the microkernel's broadcasts then come from one row of
 * memory); an untransposed A read in place means mr rows lda apart, which only
 * loses where it is reused over many column panels (N >= 512: 5% slower at
 * K = 2048..8192) and wins on narrow products (5-10% at N = 128..256). A
 * transposed B must be packed (the microkernel loads rows of opB as vectors). */
static void choose_packing(const nz_nn_cpu *cpu, gemm_job *g)
{
	switch (cpu->gemm_pack) {
	case NZ_NN_GEMM_PACK_ALWAYS:
		g->pack_a = g->pack_b = 1;
		return;
	case NZ_NN_GEMM_PACK_NEVER:
		g->pack_a = 0;
		g->pack_b = g->tb;
		return;
	default:
		g->pack_a = !g->ta && g->N > NZ_GEMM_DIRECT_A_MAX_N;
		g->pack_b = g->tb;
	}
}

void nz_cpu_gemm(nz_nn_ctx *ctx, int ta, int tb, u32 M, u32 N, u32 K, const float *A,
		 size_t lda, const float *B, size_t ldb, float *C, size_t ldc,
		 const float *bias, int accumulate)
{
	if (!M || !N)
		return;
	if (!K) {
		if (!accumulate)
			for (u32 i = 0; i < M; i++)
				for (u32 j = 0; j < N; j++)
					C[(size_t)i * ldc + j] = bias ? bias[j] : 0.0f;
		return;
	}
	const nz_nn_cpu *cpu = nz_nn_cpu_of(ctx);
	const nz_nn_kernels *k = cpu->k;
	gemm_job g = {
		.k = k, .ta = ta, .tb = tb, .M = M, .N = N, .K = K, .A = A, .B = B,
		.bias = accumulate ? NULL : bias, .lda = lda, .ldb = ldb, .ldc = ldc, .C = C,
		.init0 = accumulate ? NZ_GEMM_INIT_LOAD : bias ? NZ_GEMM_INIT_BIAS : NZ_GEMM_INIT_ZERO,
		.scratch = cpu->scratch, .mc = cpu->mc, .kc = cpu->kc, .nc = cpu->nc,
	};
	choose_packing(cpu, &g);
	/* Split K into equal blocks of at most kc: fewer passes over C. */
	const u32 kblocks = (K + cpu->kc - 1) / cpu->kc;
	g.kc = (K + kblocks - 1) / kblocks;
	/* Tasks: one for small products; otherwise about 2 per thread, cutting M or
	 * N into near-equal runs of tiles. Each task packs all of the operand along
	 * the dimension it does not cut (B when cutting M, A when cutting N), so cut
	 * the longer one: the repacked operand is then the smaller. */
	u32 pieces = 1;
	const double flops = 2.0 * M * N * K;
	const u32 mt = (M + k->mr - 1) / k->mr, nt = (N + k->nr - 1) / k->nr;
	g.split_m = M > N;
	if (ctx->threads > 1 && flops > 4e6) {
		/* The repacking costs about 16 * pieces / (cut length) of the work
		 * (one packed element per 16-lane FMA of the task): take two pieces per
		 * thread (better balance when a core is shared) only where that stays
		 * near 1%. */
		const u32 cut = g.split_m ? M : N;
		pieces = ctx->threads * (cut >= 1600u * ctx->threads ? 2 : 1);
	}
	g.tiles = g.split_m ? mt : nt;
	g.pieces = NZ_MIN(pieces, g.tiles);
	nz_thread_pool_run(ctx->pool, gemm_task, &g, g.pieces);
}
