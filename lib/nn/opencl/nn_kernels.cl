/*
 * nn_kernels.cl - the engine's ops as kernels (the OpenCL backend,
 * ocl_backend.c). Each kernel computes the expression docs/NUMERICS.md gives
 * for one output, in the order it gives, so that every output has the bits of
 * the scalar reference (lib/nn/cpu_ops*.c with kernels_scalar.c):
 *   - matrix products: one work-item per output, one fma chain over k in
 *     increasing order (never split);
 *   - row sums (softmax, LayerNorm): one work-item per row with 16 private
 *     partials (element i goes to partial i mod 16) and the fixed tree;
 *   - sums over lanes or rows (parameter gradients): one work-item per column,
 *     walking the rows in order;
 *   - the math functions come from nn_math.h, the CPU's own source.
 * It uses the names of kernel_compat.h only (KERNEL, GLOBAL, GID, ...), so a
 * CUDA host could compile it with a CUDA version of that layer. The program
 * source is kernel_compat.h + simd_opencl.h + nn_math.h + this file.
 *
 * An engine buffer reaches a kernel as a buffer and an element offset
 * (ARG/CARG below); the host translates each pointer of the op (ocl_mem.c).
 * Work sizes are rounded up, so every kernel checks its ids.
 */

#define ARG(n) GLOBAL float *n##_b, ulong n##_o
#define CARG(n) GLOBAL const float *n##_b, ulong n##_o
#define PTR(n) (n##_b + n##_o)

/* The 16 partials of a row combined by the tree of NUMERICS.md 2.3. */
DEVINL float tree16(float p[16])
{
	for (int s = 8; s >= 1; s >>= 1)
		for (int j = 0; j < s; j++)
			p[j] = p[j] + p[j + s];
	return p[0];
}

KERNEL void k_fill(ARG(y), ulong n, float v)
{
	const ulong i = GID(0);
	if (i < n)
		PTR(y)[i] = v;
}

/* C[i,j] = start; c = fma(opA[i,k], opB[k,j], c) for k = 0..K-1.
 * mode 0: start +0, 1: bias[j], 2: C (accumulate). */
KERNEL void k_gemm(int ta, int tb, uint M, uint N, uint K, CARG(A), ulong lda, CARG(B),
		   ulong ldb, ARG(C), ulong ldc, CARG(bias), int mode)
{
	const ulong j = GID(0), i = GID(1);
	if (i >= M || j >= N)
		return;
	GLOBAL const float *A = PTR(A), *B = PTR(B);
	GLOBAL float *C = PTR(C);
	float c = mode == 2 ? C[i * ldc + j] : mode == 1 ? PTR(bias)[j] : 0.0f;
	if (!ta && !tb) {
		GLOBAL const float *a = A + i * lda, *b = B + j;
		for (uint k = 0; k < K; k++)
			c = fma(a[k], b[(ulong)k * ldb], c);
	} else if (!ta && tb) {
		GLOBAL const float *a = A + i * lda, *b = B + j * ldb;
		for (uint k = 0; k < K; k++)
			c = fma(a[k], b[k], c);
	} else {
		for (uint k = 0; k < K; k++) {
			const float a = ta ? A[(ulong)k * lda + i] : A[i * lda + k];
			const float b = tb ? B[j * ldb + k] : B[(ulong)k * ldb + j];
			c = fma(a, b, c);
		}
	}
	C[i * ldc + j] = c;
}

/* The same chains, tiled: a work-group of TS x TS outputs stages TS x TS
 * blocks of opA and opB in local memory, k blocks in increasing order; each
 * work-item continues its own chain over the block's k in order, so the bits
 * are those of k_gemm. */
#define TS 16
__attribute__((reqd_work_group_size(TS, TS, 1)))
KERNEL void k_gemm_tiled(int ta, int tb, uint M, uint N, uint K, CARG(A), ulong lda,
			 CARG(B), ulong ldb, ARG(C), ulong ldc, CARG(bias), int mode)
{
	LOCAL float As[TS][TS + 1], Bs[TS][TS + 1];
	const uint lj = LID(0), li = LID(1);
	const ulong j = GID(0), i = GID(1);
	const ulong i0 = GROUP(1) * TS, j0 = GROUP(0) * TS;
	GLOBAL const float *A = PTR(A), *B = PTR(B);
	GLOBAL float *C = PTR(C);
	const int in = i < M && j < N;
	float c = 0.0f;
	if (in)
		c = mode == 2 ? C[i * ldc + j] : mode == 1 ? PTR(bias)[j] : 0.0f;
	for (uint k0 = 0; k0 < K; k0 += TS) {
		const uint kn = K - k0 < TS ? K - k0 : TS;
		/* As[r][kk] = opA[i0 + r, k0 + kk]; Bs[kk][cc] = opB[k0 + kk, j0 + cc] */
		{
			const ulong r = i0 + li, kk = k0 + lj;
			float v = 0.0f;
			if (r < M && lj < kn)
				v = ta ? A[kk * lda + r] : A[r * lda + kk];
			As[li][lj] = v;
		}
		{
			const ulong kk = k0 + li, cc = j0 + lj;
			float v = 0.0f;
			if (cc < N && li < kn)
				v = tb ? B[cc * ldb + kk] : B[kk * ldb + cc];
			Bs[li][lj] = v;
		}
		BARRIER_LOCAL();
		for (uint kk = 0; kk < kn; kk++)
			c = fma(As[li][kk], Bs[kk][lj], c);
		BARRIER_LOCAL();
	}
	if (in)
		C[i * ldc + j] = c;
}

/* Register-blocked tiles: a work-group of 16 x 16 work-items computes 64 x 64
 * outputs, each work-item a 4 x 4 block (rows li + 16*a, columns lj + 16*b);
 * k blocks of 16 in increasing order staged in local memory; every output is
 * still one fma chain over k = 0..K-1 in order (the bits of k_gemm). */
#define RB 4
#define BT (TS * RB)
__attribute__((reqd_work_group_size(TS, TS, 1)))
KERNEL void k_gemm_rb(int ta, int tb, uint M, uint N, uint K, CARG(A), ulong lda, CARG(B),
		      ulong ldb, ARG(C), ulong ldc, CARG(bias), int mode)
{
	LOCAL float As[BT][TS + 1], Bs[TS][BT + 1];
	const uint lj = LID(0), li = LID(1);
	const ulong i0 = GROUP(1) * BT, j0 = GROUP(0) * BT;
	GLOBAL const float *A = PTR(A), *B = PTR(B);
	GLOBAL float *C = PTR(C);
	float c[RB][RB];
	for (int a = 0; a < RB; a++)
		for (int b = 0; b < RB; b++) {
			const ulong i = i0 + li + TS * a, j = j0 + lj + TS * b;
			float v = 0.0f;
			if (i < M && j < N)
				v = mode == 2 ? C[i * ldc + j] : mode == 1 ? PTR(bias)[j] : 0.0f;
			c[a][b] = v;
		}
	for (uint k0 = 0; k0 < K; k0 += TS) {
		const uint kn = K - k0 < TS ? K - k0 : TS;
		for (int a = 0; a < RB; a++) {
			/* As[r][kk] = opA[i0 + r, k0 + kk], r = li + 16a, kk = lj */
			const ulong r = i0 + li + TS * a, kk = k0 + lj;
			float v = 0.0f;
			if (r < M && lj < kn)
				v = ta ? A[kk * lda + r] : A[r * lda + kk];
			As[li + TS * a][lj] = v;
			/* Bs[kk][cc] = opB[k0 + kk, j0 + cc], kk = li, cc = lj + 16a */
			const ulong kb = k0 + li, cc = j0 + lj + TS * a;
			float w = 0.0f;
			if (cc < N && li < kn)
				w = tb ? B[cc * ldb + kb] : B[kb * ldb + cc];
			Bs[li][lj + TS * a] = w;
		}
		BARRIER_LOCAL();
		for (uint kk = 0; kk < kn; kk++) {
			float av[RB], bv[RB];
			for (int a = 0; a < RB; a++)
				av[a] = As[li + TS * a][kk];
			for (int b = 0; b < RB; b++)
				bv[b] = Bs[kk][lj + TS * b];
			for (int a = 0; a < RB; a++)
				for (int b = 0; b < RB; b++)
					c[a][b] = fma(av[a], bv[b], c[a][b]);
		}
		BARRIER_LOCAL();
	}
	for (int a = 0; a < RB; a++)
		for (int b = 0; b < RB; b++) {
			const ulong i = i0 + li + TS * a, j = j0 + lj + TS * b;
			if (i < M && j < N)
				C[i * ldc + j] = c[a][b];
		}
}

KERNEL void k_emb_fwd(ARG(out), GLOBAL const u8 *tok, ulong ts, CARG(table), uint B, uint T,
		      uint D)
{
	const ulong d = GID(0), bt = GID(1);
	if (d >= D || bt >= (ulong)B * T)
		return;
	const ulong b = bt / T, t = bt % T;
	PTR(out)[bt * D + d] = PTR(table)[(ulong)tok[b * ts + t] * D + d];
}

/* dtable[tok[b,t], d] += dout[b,t,d] for b increasing, then t increasing. */
KERNEL void k_emb_bwd(ARG(dt), CARG(dout), GLOBAL const u8 *tok, ulong ts, uint B, uint T,
		      uint D)
{
	const ulong d = GID(0);
	if (d >= D)
		return;
	GLOBAL float *dt = PTR(dt);
	GLOBAL const float *dout = PTR(dout);
	for (ulong b = 0; b < B; b++)
		for (ulong t = 0; t < T; t++) {
			const ulong at = (ulong)tok[b * ts + t] * D + d;
			dt[at] = dt[at] + dout[(b * T + t) * D + d];
		}
}

/* acc[c] = acc[c] + m[0,c] + m[1,c] + ... (rows in order). */
KERNEL void k_colsum(ARG(acc), CARG(m), ulong ld, uint rows, uint cols)
{
	const ulong c = GID(0);
	if (c >= cols)
		return;
	GLOBAL const float *m = PTR(m);
	float s = PTR(acc)[c];
	for (ulong r = 0; r < rows; r++)
		s = s + m[r * ld + c];
	PTR(acc)[c] = s;
}

/* y[n] (R, D2) = start + x[n] (R, D1) . u[n] (D1, D2), chains over k. */
KERNEL void k_bmm_fwd(ARG(y), CARG(x), CARG(u), CARG(bias), int has_bias, uint B, uint R,
		      uint D1, uint D2)
{
	const ulong j = GID(0), r = GID(1), n = GID(2);
	if (j >= D2 || r >= R || n >= B)
		return;
	GLOBAL const float *x = PTR(x) + (n * R + r) * D1, *u = PTR(u) + n * D1 * D2 + j;
	const ulong o = (n * R + r) * D2 + j;
	float c = has_bias ? PTR(bias)[o] : 0.0f;
	for (ulong k = 0; k < D1; k++)
		c = fma(x[k], u[k * D2], c);
	PTR(y)[o] = c;
}

/* dx[n,r,k] = start + chain over j of fma(dy[n,r,j], u[n,k,j], .) */
KERNEL void k_bmm_dx(ARG(dx), CARG(dy), CARG(u), int acc, uint B, uint R, uint D1, uint D2)
{
	const ulong k = GID(0), r = GID(1), n = GID(2);
	if (k >= D1 || r >= R || n >= B)
		return;
	GLOBAL const float *dy = PTR(dy) + (n * R + r) * D2, *u = PTR(u) + (n * D1 + k) * D2;
	const ulong o = (n * R + r) * D1 + k;
	float c = acc ? PTR(dx)[o] : 0.0f;
	for (ulong j = 0; j < D2; j++)
		c = fma(dy[j], u[j], c);
	PTR(dx)[o] = c;
}

/* du[n,k,j] = du + chain over r of fma(x[n,r,k], dy[n,r,j], .) */
KERNEL void k_bmm_du(ARG(du), CARG(x), CARG(dy), uint B, uint R, uint D1, uint D2)
{
	const ulong j = GID(0), k = GID(1), n = GID(2);
	if (j >= D2 || k >= D1 || n >= B)
		return;
	GLOBAL const float *x = PTR(x) + n * R * D1 + k, *dy = PTR(dy) + n * R * D2 + j;
	const ulong o = (n * D1 + k) * D2 + j;
	float c = PTR(du)[o];
	for (ulong r = 0; r < R; r++)
		c = fma(x[r * D1], dy[r * D2], c);
	PTR(du)[o] = c;
}

/* LayerNorm forward, one work-item per row (16 private partials). */
KERNEL void k_ln_fwd(ARG(y), ARG(mean), int has_mean, ARG(rstd), int has_rstd, CARG(x),
		     CARG(g), int has_g, CARG(b), int has_b, uint rows, uint D, float eps)
{
	const ulong r = GID(0);
	if (r >= rows)
		return;
	GLOBAL const float *xr = PTR(x) + r * D, *g = PTR(g), *b = PTR(b);
	GLOBAL float *yr = PTR(y) + r * D;
	const float Df = (float)D;
	float p[16];
	for (int j = 0; j < 16; j++)
		p[j] = 0.0f;
	for (uint i0 = 0; i0 < D; i0 += 16)
		for (int j = 0; j < 16; j++)
			if (i0 + j < D)
				p[j] = p[j] + xr[i0 + j];
	const float mu = tree16(p) / Df;
	for (int j = 0; j < 16; j++)
		p[j] = 0.0f;
	for (uint i0 = 0; i0 < D; i0 += 16)
		for (int j = 0; j < 16; j++)
			if (i0 + j < D) {
				const float d = xr[i0 + j] - mu;
				p[j] = fma(d, d, p[j]);
			}
	const float var = tree16(p) / Df;
	const float rs = 1.0f / sqrt(var + eps);
	for (uint i = 0; i < D; i++) {
		const float nrm = (xr[i] - mu) * rs;
		yr[i] = has_g ? fma(nrm, g[i], has_b ? b[i] : 0.0f) : nrm;
	}
	if (has_mean)
		PTR(mean)[r] = mu;
	if (has_rstd)
		PTR(rstd)[r] = rs;
}

/* LayerNorm backward, dx: one work-item per row. */
KERNEL void k_ln_dx(ARG(dx), CARG(dy), CARG(x), CARG(mean), CARG(rstd), CARG(g), int has_g,
		    uint rows, uint D, int acc)
{
	const ulong r = GID(0);
	if (r >= rows)
		return;
	GLOBAL const float *xr = PTR(x) + r * D, *dyr = PTR(dy) + r * D, *g = PTR(g);
	GLOBAL float *dxr = PTR(dx) + r * D;
	const float mu = PTR(mean)[r], rs = PTR(rstd)[r], Df = (float)D;
	float s1[16], s2[16];
	for (int j = 0; j < 16; j++)
		s1[j] = s2[j] = 0.0f;
	for (uint i0 = 0; i0 < D; i0 += 16)
		for (int j = 0; j < 16; j++)
			if (i0 + j < D) {
				const uint i = i0 + j;
				const float nrm = (xr[i] - mu) * rs;
				const float dn = has_g ? dyr[i] * g[i] : dyr[i];
				s1[j] = s1[j] + dn;
				s2[j] = fma(dn, nrm, s2[j]);
			}
	const float a = tree16(s1) / Df, bb = tree16(s2) / Df;
	for (uint i = 0; i < D; i++) {
		const float nrm = (xr[i] - mu) * rs;
		const float dn = has_g ? dyr[i] * g[i] : dyr[i];
		const float d = (dn - fma(nrm, bb, a)) * rs;
		dxr[i] = acc ? dxr[i] + d : d;
	}
}

/* LayerNorm backward, dgamma/dbeta: one work-item per column, rows in order. */
KERNEL void k_ln_dgb(ARG(dg), int has_dg, ARG(db), int has_db, CARG(dy), CARG(x),
		     CARG(mean), CARG(rstd), uint rows, uint D)
{
	const ulong c = GID(0);
	if (c >= D)
		return;
	GLOBAL const float *dy = PTR(dy), *x = PTR(x), *mean = PTR(mean), *rstd = PTR(rstd);
	float sg = has_dg ? PTR(dg)[c] : 0.0f, sb = has_db ? PTR(db)[c] : 0.0f;
	for (ulong r = 0; r < rows; r++) {
		const float d = dy[r * D + c];
		sg = fma(d, (x[r * D + c] - mean[r]) * rstd[r], sg);
		sb = sb + d;
	}
	if (has_dg)
		PTR(dg)[c] = sg;
	if (has_db)
		PTR(db)[c] = sb;
}

/* Elementwise ops (op codes: OCL_EW_* in ocl_backend.c, same order). Every
 * input is read before an output is written, so ops may run in place. */
enum {
	EW_GELU, EW_GELU_BWD, EW_GELU_MUL, EW_GELU_MUL_BWD, EW_SIGMOID, EW_SIGMOID_BWD,
	EW_TANH, EW_TANH_BWD, EW_MUL, EW_MUL_BWD, EW_ADD, EW_ADD_BWD, EW_AVG2, EW_AVG2_BWD,
	EW_AXPY, EW_ADDTO
};

KERNEL void k_ew(int op, ulong n, ARG(o0), int has_o0, ARG(o1), int has_o1, CARG(i0),
		 CARG(i1), CARG(i2), float f0, int acc)
{
	const ulong i = GID(0);
	if (i >= n)
		return;
	GLOBAL float *o0 = PTR(o0) + i, *o1 = PTR(o1) + i;
	const float x = PTR(i0)[i];
	float y = 0.0f, z = 0.0f;
	if (op == EW_GELU_BWD || op == EW_GELU_MUL || op == EW_GELU_MUL_BWD ||
	    op == EW_SIGMOID_BWD || op == EW_TANH_BWD || op == EW_MUL || op == EW_MUL_BWD ||
	    op == EW_ADD || op == EW_AVG2)
		y = PTR(i1)[i];
	if (op == EW_GELU_MUL_BWD || op == EW_MUL_BWD)
		z = PTR(i2)[i];
	float r0 = 0.0f, r1 = 0.0f;
	switch (op) {
	case EW_GELU: r0 = m_gelu(x); break;
	case EW_GELU_BWD: r0 = x * m_gelu_grad(y); break;
	case EW_GELU_MUL: r0 = m_gelu(x) * y; break;
	case EW_GELU_MUL_BWD: /* x = dy, y = a, z = b */
		r0 = (x * z) * m_gelu_grad(y);
		r1 = x * m_gelu(y);
		break;
	case EW_SIGMOID: r0 = m_sigmoid(x); break;
	case EW_SIGMOID_BWD: r0 = x * (y * (1.0f - y)); break;
	case EW_TANH: r0 = m_tanh(x); break;
	case EW_TANH_BWD: r0 = x * fma(0.0f - y, y, 1.0f); break;
	case EW_MUL: r0 = x * y; break;
	case EW_MUL_BWD: r0 = x * z; r1 = x * y; break;
	case EW_ADD: r0 = x + y; break;
	case EW_ADD_BWD: r0 = r1 = x; break;
	case EW_AVG2: r0 = (x + y) * 0.5f; break;
	case EW_AVG2_BWD: r0 = r1 = x * 0.5f; break;
	case EW_AXPY: r0 = fma(f0, x, *o0); break;
	case EW_ADDTO: r0 = *o0 + x; break;
	}
	const int two = op == EW_GELU_MUL_BWD || op == EW_MUL_BWD || op == EW_ADD_BWD ||
			op == EW_AVG2_BWD;
	if (has_o0)
		*o0 = acc ? *o0 + r0 : r0;
	if (two && has_o1)
		*o1 = acc ? *o1 + r1 : r1;
}

/* dst[r*ld_dst + c] = src[r*ld_src + c] (+ dst when acc). */
KERNEL void k_copy_rows(ARG(d), ulong ldd, CARG(s), ulong lds, uint rows, uint cols, int acc)
{
	const ulong c = GID(0), r = GID(1);
	if (c >= cols || r >= rows)
		return;
	GLOBAL float *d = PTR(d) + r * ldd + c;
	const float v = PTR(s)[r * lds + c];
	*d = acc ? *d + v : v;
}

/* Softmax, one work-item per row: max tree, exp, sum tree, division. */
KERNEL void k_softmax(ARG(p), CARG(l), uint rows, uint Vn)
{
	const ulong r = GID(0);
	if (r >= rows)
		return;
	GLOBAL const float *lr = PTR(l) + r * Vn;
	GLOBAL float *pr = PTR(p) + r * Vn;
	float acc[16];
	for (int j = 0; j < 16; j++)
		acc[j] = -INFINITY;
	for (uint i0 = 0; i0 < Vn; i0 += 16)
		for (int j = 0; j < 16; j++)
			if (i0 + j < Vn) {
				const float v = lr[i0 + j];
				acc[j] = acc[j] > v ? acc[j] : v;
			}
	for (int s = 8; s >= 1; s >>= 1)
		for (int j = 0; j < s; j++)
			acc[j] = acc[j] > acc[j + s] ? acc[j] : acc[j + s];
	const float m = acc[0];
	for (int j = 0; j < 16; j++)
		acc[j] = 0.0f;
	for (uint i0 = 0; i0 < Vn; i0 += 16)
		for (int j = 0; j < 16; j++)
			if (i0 + j < Vn) {
				const float e = m_exp(lr[i0 + j] - m);
				acc[j] = acc[j] + e;
				pr[i0 + j] = e;
			}
	const float s = tree16(acc);
	for (uint i = 0; i < Vn; i++)
		pr[i] = pr[i] / s;
}

KERNEL void k_xent_bwd(ARG(d), CARG(p), GLOBAL const u8 *tgt, uint rows, uint Vn, float scale)
{
	const ulong i = GID(0), r = GID(1);
	if (i >= Vn || r >= rows)
		return;
	const float p = PTR(p)[r * Vn + i];
	PTR(d)[r * Vn + i] = (i == tgt[r] ? p - 1.0f : p) * scale;
}

/* L = 0; L = L - log(p[b, y_b]) for b increasing (one work-item). */
KERNEL void k_xent_loss(ARG(out), CARG(p), GLOBAL const u8 *tgt, uint rows, uint Vn)
{
	if (GID(0) != 0)
		return;
	GLOBAL const float *p = PTR(p);
	float s = 0.0f;
	for (ulong r = 0; r < rows; r++)
		s = s - m_log(p[r * Vn + tgt[r]]);
	PTR(out)[0] = s;
}

/* One push of the sliding cache, one work-item per (column, lane): when the
 * window is at the end, move its last slots-1 slots to the start (in slot
 * order, so an overlapping move reads every source before it is overwritten),
 * then write x into the slot after the window. */
KERNEL void k_slide_push(ARG(buf), ulong ld, uint W, uint slots, uint start, int move,
			 CARG(x), ulong ldx, uint lanes)
{
	const ulong w = GID(0), b = GID(1);
	if (w >= W || b >= lanes)
		return;
	GLOBAL float *lane = PTR(buf) + b * ld;
	ulong at;
	if (move) {
		for (ulong s = 0; s + 1 < slots; s++)
			lane[s * W + w] = lane[(start + 1 + s) * W + w];
		at = (ulong)(slots - 1) * W;
	} else {
		at = (ulong)(start + slots) * W;
	}
	lane[at + w] = PTR(x)[b * ldx + w];
}

/* Adam (NUMERICS.md section 5) with the host's step scalars. */
KERNEL void k_adam(ARG(p), ARG(g), ARG(m), ARG(v), ulong n, float beta1, float beta2,
		   float omb1, float omb2, float wd, float step_size, float c2, float eps,
		   float decay, int zero_grad)
{
	const ulong i = GID(0);
	if (i >= n)
		return;
	GLOBAL float *p = PTR(p) + i, *g = PTR(g) + i, *m = PTR(m) + i, *v = PTR(v) + i;
	const float vp = *p;
	const float gg = fma(wd, vp, *g);
	const float vm = fma(beta1, *m, omb1 * gg);
	const float vv = fma(beta2, *v, omb2 * (gg * gg));
	const float den = fma(sqrt(vv), c2, eps);
	const float np = fma(-step_size, vm / den, vp * decay);
	*m = vm;
	*v = vv;
	*p = np;
	if (zero_grad)
		*g = 0.0f;
}

/* ---- the seed models' ops (ops_model.h, cpu_ops_model.c) ---- */

KERNEL void k_lane_bias_fwd(ARG(y), CARG(x), CARG(bias), uint B, uint R, uint D)
{
	const ulong d = GID(0), r = GID(1), b = GID(2);
	if (d >= D || r >= R || b >= B)
		return;
	const ulong o = (b * R + r) * D + d;
	PTR(y)[o] = PTR(x)[o] + PTR(bias)[b * D + d];
}

KERNEL void k_lane_bias_bwd(ARG(db), CARG(dy), uint B, uint R, uint D)
{
	const ulong d = GID(0), b = GID(1);
	if (d >= D || b >= B)
		return;
	GLOBAL const float *dy = PTR(dy);
	float s = PTR(db)[b * D + d];
	for (ulong r = 0; r < R; r++)
		s = s + dy[(b * R + r) * D + d];
	PTR(db)[b * D + d] = s;
}

/* One work-item per (head, lane). */
KERNEL void k_sqr_att_fwd(ARG(att), ARG(a), ARG(den), CARG(q2), CARG(k2), CARG(v), uint B,
			  uint T, uint H, uint NH)
{
	const ulong h = GID(0), b = GID(1);
	if (h >= NH || b >= B)
		return;
	const ulong hd = H / NH, TH = (ulong)T * H;
	GLOBAL const float *qh = PTR(q2) + b * H + h * hd;
	GLOBAL float *ah = PTR(a) + (b * NH + h) * T;
	float sum = 0.0f;
	for (ulong s = 0; s < T; s++) {
		GLOBAL const float *kh = PTR(k2) + b * TH + s * H + h * hd;
		float t = 0.0f;
		for (ulong i = 0; i < hd; i++)
			t = t + qh[i] * kh[i];
		ah[s] = t;
		sum = sum + t;
	}
	const float d = sum + 1e-16f;
	PTR(den)[b * NH + h] = d;
	GLOBAL float *out = PTR(att) + b * H + h * hd;
	GLOBAL const float *v = PTR(v) + b * TH + h * hd;
	for (ulong l = 0; l < hd; l++) {
		float o = 0.0f;
		for (ulong s = 0; s < T; s++)
			o = fma(ah[s], v[s * H + l], o);
		out[l] = o / d;
	}
}

KERNEL void k_sqr_att_bwd(ARG(dq), ARG(dk), ARG(dv), ARG(dnum), CARG(datt), CARG(att),
			  CARG(a), CARG(den), CARG(q), CARG(q2), CARG(k), CARG(k2), CARG(v),
			  uint B, uint T, uint H, uint NH)
{
	const ulong h = GID(0), b = GID(1);
	if (h >= NH || b >= B)
		return;
	const ulong hd = H / NH, TH = (ulong)T * H, oh = b * H + h * hd;
	const float d = PTR(den)[b * NH + h];
	GLOBAL const float *dout = PTR(datt) + oh, *out = PTR(att) + oh, *q2h = PTR(q2) + oh;
	GLOBAL const float *ah = PTR(a) + (b * NH + h) * T;
	GLOBAL float *dn = PTR(dnum) + oh, *dqh = PTR(dq) + oh;
	float dden = 0.0f;
	for (ulong l = 0; l < hd; l++) {
		dn[l] = dout[l] / d;
		dden = dden + dout[l] * out[l];
	}
	dden = -dden / d;
	for (ulong i = 0; i < hd; i++)
		dqh[i] = 0.0f;
	for (ulong s = 0; s < T; s++) {
		const ulong o = b * TH + s * H + h * hd;
		GLOBAL const float *vs = PTR(v) + o, *k2s = PTR(k2) + o, *ks = PTR(k) + o;
		float da = dden;
		for (ulong l = 0; l < hd; l++)
			da = da + dn[l] * vs[l];
		GLOBAL float *dvs = PTR(dv) + o, *dks = PTR(dk) + o;
		for (ulong l = 0; l < hd; l++)
			dvs[l] = ah[s] * dn[l];
		for (ulong i = 0; i < hd; i++)
			dqh[i] = fma(da, k2s[i], dqh[i]);
		for (ulong i = 0; i < hd; i++)
			dks[i] = ((da * q2h[i]) * ks[i]) * 2.0f;
	}
	GLOBAL const float *qh = PTR(q) + oh;
	for (ulong i = 0; i < hd; i++)
		dqh[i] = (dqh[i] * qh[i]) * 2.0f;
}

KERNEL void k_patch_gate_fwd(ARG(kk), ARG(mask), ARG(coef), CARG(mparam), CARG(uw), uint NW,
			     uint stride)
{
	const ulong j = GID(0);
	if (j >= NW)
		return;
	const float k = j % stride == 0 ? 1.0f : m_sigmoid(PTR(mparam)[j]);
	const float mk = m_sigmoid((k - 0.5f) * 10.0f);
	PTR(kk)[j] = k;
	PTR(mask)[j] = mk;
	PTR(coef)[j] = PTR(uw)[j] * mk;
}

KERNEL void k_patch_gate_bwd(ARG(duw), ARG(dmparam), CARG(dcoef), CARG(uw), CARG(mask),
			     CARG(kk), uint NW, uint stride)
{
	const ulong j = GID(0);
	if (j >= NW)
		return;
	const float dc = PTR(dcoef)[j], mk = PTR(mask)[j];
	PTR(duw)[j] = PTR(duw)[j] + dc * mk;
	if (j % stride) {
		const float dm = dc * PTR(uw)[j];
		const float k = PTR(kk)[j];
		const float dk = dm * (mk * (1.0f - mk)) * 10.0f;
		PTR(dmparam)[j] = PTR(dmparam)[j] + dk * (k * (1.0f - k));
	}
}

/* pre[b,f] = ub, then fma(coef_j, s[b, jE+f], pre) for j increasing. */
KERNEL void k_patch_mix_fwd(ARG(pre), CARG(s), CARG(coef), CARG(ub), uint B, uint NW, uint E,
			    uint H)
{
	const ulong f = GID(0), b = GID(1);
	if (f >= H || b >= B)
		return;
	const ulong S = (ulong)(NW - 1) * E + H;
	GLOBAL const float *sb = PTR(s) + b * S + f, *coef = PTR(coef);
	float p = PTR(ub)[0];
	for (ulong j = 0; j < NW; j++)
		p = fma(coef[j], sb[j * E], p);
	PTR(pre)[b * H + f] = p;
}

/* Work-item j < NW: dcoef_j (chain over b, then f); work-item NW: dub. */
KERNEL void k_patch_mix_dcoef(ARG(dcoef), ARG(dub), CARG(dpre), CARG(s), uint B, uint NW,
			      uint E, uint H)
{
	const ulong j = GID(0);
	if (j > NW)
		return;
	const ulong S = (ulong)(NW - 1) * E + H;
	GLOBAL const float *dp = PTR(dpre), *s = PTR(s);
	float t = 0.0f;
	if (j < NW) {
		for (ulong b = 0; b < B; b++)
			for (ulong f = 0; f < H; f++)
				t = t + dp[b * H + f] * s[b * S + j * E + f];
		PTR(dcoef)[j] = t;
	} else {
		for (ulong b = 0; b < B; b++)
			for (ulong f = 0; f < H; f++)
				t = t + dp[b * H + f];
		PTR(dub)[0] = PTR(dub)[0] + t;
	}
}

/* ds[b,i] = 0, then fma(coef_j, dpre[b, i - jE], ds) for the windows j
 * covering i, increasing. */
KERNEL void k_patch_mix_ds(ARG(ds), CARG(dpre), CARG(coef), uint B, uint NW, uint E, uint H)
{
	const ulong S = (ulong)(NW - 1) * E + H;
	const ulong i = GID(0), b = GID(1);
	if (i >= S || b >= B)
		return;
	GLOBAL const float *dp = PTR(dpre) + b * H, *coef = PTR(coef);
	float c = 0.0f;
	for (ulong j = 0; j < NW; j++) {
		const ulong lo = j * E;
		if (lo <= i && i < lo + H)
			c = fma(coef[j], dp[i - lo], c);
	}
	PTR(ds)[b * S + i] = c;
}

/* The math functions themselves, for test_nn_math (nz_nn_debug_math): 0 exp,
 * 1 log, 2 tanh, 3 erf, 4 sigmoid, 5 rsqrt, 6 gelu, 7 gelu'. */
KERNEL void k_math(int fn, ulong n, ARG(y), CARG(x))
{
	const ulong i = GID(0);
	if (i >= n)
		return;
	const float v = PTR(x)[i];
	float r;
	switch (fn) {
	case 0: r = m_exp(v); break;
	case 1: r = m_log(v); break;
	case 2: r = m_tanh(v); break;
	case 3: r = m_erf(v); break;
	case 4: r = m_sigmoid(v); break;
	case 5: r = m_rsqrt(v); break;
	case 6: r = m_gelu(v); break;
	default: r = m_gelu_grad(v); break;
	}
	PTR(y)[i] = r;
}

/* ---- row kernels with 16 work-items per row (for GPUs) ----
 * Work-group (16, 4): four rows, work-item j of a row keeps partial j (the
 * elements i = j mod 16 in increasing i, as the private partials of the
 * one-work-item kernels); work-item 0 of the row combines the 16 partials with
 * the same tree. Same bits as k_softmax, k_ln_fwd and k_ln_dx. */
#define RW 4

/* Work-item 0 of each row: the row's partials in part[r] reduced by the tree
 * (max or sum) into out[r]; everyone waits. */
DEVINL void row_tree(LOCAL float (*part)[16], LOCAL float *out, uint j, uint rl, int is_max)
{
	BARRIER_LOCAL();
	if (j == 0) {
		float p[16];
		for (int t = 0; t < 16; t++)
			p[t] = part[rl][t];
		if (is_max) {
			for (int s = 8; s >= 1; s >>= 1)
				for (int t = 0; t < s; t++)
					p[t] = p[t] > p[t + s] ? p[t] : p[t + s];
			out[rl] = p[0];
		} else {
			out[rl] = tree16(p);
		}
	}
	BARRIER_LOCAL();
}

__attribute__((reqd_work_group_size(16, RW, 1)))
KERNEL void k_softmax16(ARG(p), CARG(l), uint rows, uint Vn)
{
	LOCAL float part[RW][16];
	LOCAL float res[RW];
	const uint j = LID(0), rl = LID(1);
	const ulong r = GROUP(1) * RW + rl;
	const int ok = r < rows;
	GLOBAL const float *lr = PTR(l) + (ok ? r : 0) * Vn;
	GLOBAL float *pr = PTR(p) + (ok ? r : 0) * Vn;
	float m = -INFINITY;
	if (ok)
		for (uint i = j; i < Vn; i += 16) {
			const float v = lr[i];
			m = m > v ? m : v;
		}
	part[rl][j] = m;
	row_tree(part, res, j, rl, 1);
	const float mx = res[rl];
	float s = 0.0f;
	if (ok)
		for (uint i = j; i < Vn; i += 16) {
			const float e = m_exp(lr[i] - mx);
			s = s + e;
			pr[i] = e;
		}
	part[rl][j] = s;
	row_tree(part, res, j, rl, 0);
	const float sum = res[rl];
	if (ok)
		for (uint i = j; i < Vn; i += 16)
			pr[i] = pr[i] / sum;
}

__attribute__((reqd_work_group_size(16, RW, 1)))
KERNEL void k_ln_fwd16(ARG(y), ARG(mean), int has_mean, ARG(rstd), int has_rstd, CARG(x),
		       CARG(g), int has_g, CARG(b), int has_b, uint rows, uint D, float eps)
{
	LOCAL float part[RW][16];
	LOCAL float res[RW];
	const uint j = LID(0), rl = LID(1);
	const ulong r = GROUP(1) * RW + rl;
	const int ok = r < rows;
	GLOBAL const float *xr = PTR(x) + (ok ? r : 0) * D, *g = PTR(g), *b = PTR(b);
	GLOBAL float *yr = PTR(y) + (ok ? r : 0) * D;
	const float Df = (float)D;
	float s = 0.0f;
	if (ok)
		for (uint i = j; i < D; i += 16)
			s = s + xr[i];
	part[rl][j] = s;
	row_tree(part, res, j, rl, 0);
	const float mu = res[rl] / Df;
	s = 0.0f;
	if (ok)
		for (uint i = j; i < D; i += 16) {
			const float d = xr[i] - mu;
			s = fma(d, d, s);
		}
	part[rl][j] = s;
	row_tree(part, res, j, rl, 0);
	const float var = res[rl] / Df;
	const float rs = 1.0f / sqrt(var + eps);
	if (!ok)
		return;
	for (uint i = j; i < D; i += 16) {
		const float nrm = (xr[i] - mu) * rs;
		yr[i] = has_g ? fma(nrm, g[i], has_b ? b[i] : 0.0f) : nrm;
	}
	if (j == 0 && has_mean)
		PTR(mean)[r] = mu;
	if (j == 0 && has_rstd)
		PTR(rstd)[r] = rs;
}

__attribute__((reqd_work_group_size(16, RW, 1)))
KERNEL void k_ln_dx16(ARG(dx), CARG(dy), CARG(x), CARG(mean), CARG(rstd), CARG(g), int has_g,
		      uint rows, uint D, int acc)
{
	LOCAL float part[RW][16];
	LOCAL float res[RW];
	const uint j = LID(0), rl = LID(1);
	const ulong r = GROUP(1) * RW + rl;
	const int ok = r < rows;
	const ulong rr = ok ? r : 0;
	GLOBAL const float *xr = PTR(x) + rr * D, *dyr = PTR(dy) + rr * D, *g = PTR(g);
	GLOBAL float *dxr = PTR(dx) + rr * D;
	const float mu = ok ? PTR(mean)[rr] : 0.0f, rs = ok ? PTR(rstd)[rr] : 0.0f;
	const float Df = (float)D;
	float s1 = 0.0f, s2 = 0.0f;
	if (ok)
		for (uint i = j; i < D; i += 16) {
			const float nrm = (xr[i] - mu) * rs;
			const float dn = has_g ? dyr[i] * g[i] : dyr[i];
			s1 = s1 + dn;
			s2 = fma(dn, nrm, s2);
		}
	part[rl][j] = s1;
	row_tree(part, res, j, rl, 0);
	const float a = res[rl] / Df;
	part[rl][j] = s2;
	row_tree(part, res, j, rl, 0);
	const float bb = res[rl] / Df;
	if (!ok)
		return;
	for (uint i = j; i < D; i += 16) {
		const float nrm = (xr[i] - mu) * rs;
		const float dn = has_g ? dyr[i] * g[i] : dyr[i];
		const float d = (dn - fma(nrm, bb, a)) * rs;
		dxr[i] = acc ? dxr[i] + d : d;
	}
}
