/*
 * kernels_template.h - the elementwise, row and optimiser kernels, written once
 * over the vector primitives of simd_scalar.h / simd_avx2.h / simd_avx512.h and
 * compiled once per instruction set (kernels_<isa>.c includes a simd header,
 * then this file). Because every lane runs the same sequence of IEEE-754
 * operations, the instantiations agree bit for bit; docs/NUMERICS.md states each
 * formula, and this file is its executable form.
 *
 * Row sums use 16 partial sums (element i goes to partial i mod 16, in increasing
 * i) combined by nz_tree16(); with VW lanes a partial group is 16/VW vectors.
 * Tails shorter than a vector are loaded and stored with masks (v_loadn fills
 * the missing lanes with zero or a neutral value), so no kernel reads or writes
 * past the end of its arrays.
 */

#define NACC (16 / VW)

/* The math functions (m_exp, m_log, ..., v_abs, v_copysign) and their constants:
 * one source shared with the OpenCL kernels. */
#include "nn/nn_math.h"

/* ---- elementwise kernels ---- */

#define UNARY_KERNEL(kname, fn)                                                 \
	ATTR static void KSUFFIX(kname)(float *y, const float *x, size_t n)     \
	{                                                                       \
		size_t i = 0;                                                   \
		for (; i + VW <= n; i += VW)                                    \
			v_store(y + i, fn(v_load(x + i)));                      \
		if (i < n)                                                      \
			v_storen(y + i, fn(v_loadn(x + i, n - i, 0.0f)), n - i); \
	}

UNARY_KERNEL(k_exp, m_exp)
UNARY_KERNEL(k_log, m_log)
UNARY_KERNEL(k_tanh, m_tanh)
UNARY_KERNEL(k_erf, m_erf)
UNARY_KERNEL(k_sigmoid, m_sigmoid)
UNARY_KERNEL(k_rsqrt, m_rsqrt)
UNARY_KERNEL(k_gelu, m_gelu)

/* out = acc ? out + v : v */
VINL V acc_in(const float *out, size_t i, size_t cnt, int acc, V v)
{
	if (!acc)
		return v;
	return v_add(cnt == VW ? v_load(out + i) : v_loadn(out + i, cnt, 0.0f), v);
}

#define FOR_CHUNKS(n, ...)                                           \
	for (size_t i = 0; i < (n); i += VW) {                       \
		const size_t cnt = (n) - i < VW ? (n) - i : VW;      \
		__VA_ARGS__                                          \
	}
#define LD(p) (cnt == VW ? v_load((p) + i) : v_loadn((p) + i, cnt, 0.0f))
#define ST(p, v) (cnt == VW ? v_store((p) + i, (v)) : v_storen((p) + i, (v), cnt))

ATTR static void KSUFFIX(k_gelu_bwd)(float *dx, const float *dy, const float *x, size_t n,
				     int acc)
{
	FOR_CHUNKS(n, {
		const V g = v_mul(LD(dy), m_gelu_grad(LD(x)));
		ST(dx, acc_in(dx, i, cnt, acc, g));
	})
}

/* y = gelu(a) * b */
ATTR static void KSUFFIX(k_gelu_mul)(float *y, const float *a, const float *b, size_t n)
{
	FOR_CHUNKS(n, { ST(y, v_mul(m_gelu(LD(a)), LD(b))); })
}

/* da = (dy * b) * gelu'(a), db = dy * gelu(a) */
ATTR static void KSUFFIX(k_gelu_mul_bwd)(float *da, float *db, const float *dy,
					 const float *a, const float *b, size_t n, int acc)
{
	FOR_CHUNKS(n, {
		const V va = LD(a), vdy = LD(dy);
		if (da)
			ST(da, acc_in(da, i, cnt, acc, v_mul(v_mul(vdy, LD(b)), m_gelu_grad(va))));
		if (db)
			ST(db, acc_in(db, i, cnt, acc, v_mul(vdy, m_gelu(va))));
	})
}

/* dx = dy * (y * (1 - y)) */
ATTR static void KSUFFIX(k_sigmoid_bwd)(float *dx, const float *dy, const float *y,
					size_t n, int acc)
{
	FOR_CHUNKS(n, {
		const V vy = LD(y);
		const V d = v_mul(LD(dy), v_mul(vy, v_sub(v_set1(1.0f), vy)));
		ST(dx, acc_in(dx, i, cnt, acc, d));
	})
}

/* dx = dy * fma(-y, y, 1) */
ATTR static void KSUFFIX(k_tanh_bwd)(float *dx, const float *dy, const float *y, size_t n,
				     int acc)
{
	FOR_CHUNKS(n, {
		const V vy = LD(y);
		const V d = v_mul(LD(dy), v_fma(v_sub(v_zero(), vy), vy, v_set1(1.0f)));
		ST(dx, acc_in(dx, i, cnt, acc, d));
	})
}

ATTR static void KSUFFIX(k_axpy)(float *y, float a, const float *x, size_t n)
{
	const V va = v_set1(a);
	FOR_CHUNKS(n, { ST(y, v_fma(va, LD(x), LD(y))); })
}

ATTR static void KSUFFIX(k_fma_vv)(float *y, const float *a, const float *b, size_t n)
{
	FOR_CHUNKS(n, { ST(y, v_fma(LD(a), LD(b), LD(y))); })
}

ATTR static void KSUFFIX(k_add)(float *y, const float *x, size_t n)
{
	FOR_CHUNKS(n, { ST(y, v_add(LD(y), LD(x))); })
}

/* ---- rows ---- */

/* Load the 16-element group starting at x[i] as NACC vectors; elements past n
 * read as `fill`. */
VINL void load16(V v[NACC], const float *x, size_t i, size_t n, float fill)
{
	for (int j = 0; j < NACC; j++) {
		const size_t at = i + (size_t)j * VW;
		if (at + VW <= n)
			v[j] = v_load(x + at);
		else
			v[j] = v_loadn(x + at, at < n ? n - at : 0, fill);
	}
}

VINL void store16(float *x, size_t i, size_t n, const V v[NACC])
{
	for (int j = 0; j < NACC; j++) {
		const size_t at = i + (size_t)j * VW;
		if (at + VW <= n)
			v_store(x + at, v[j]);
		else if (at < n)
			v_storen(x + at, v[j], n - at);
	}
}

VINL float finish16(const V acc[NACC])
{
	float p[16];
	for (int j = 0; j < NACC; j++)
		v_store(p + j * VW, acc[j]);
	return nz_tree16(p);
}

ATTR static void KSUFFIX(k_layernorm)(float *y, float *mean, float *rstd, const float *x,
				      const float *g, const float *b, size_t rows, size_t D,
				      float eps)
{
	const float Df = (float)D;
	for (size_t r = 0; r < rows; r++) {
		const float *xr = x + r * D;
		float *yr = y + r * D;
		V acc[NACC], v[NACC];
		for (int j = 0; j < NACC; j++)
			acc[j] = v_zero();
		for (size_t i = 0; i < D; i += 16) {
			load16(v, xr, i, D, 0.0f);
			for (int j = 0; j < NACC; j++)
				acc[j] = v_add(acc[j], v[j]);
		}
		const float mu = finish16(acc) / Df;
		const V vmu = v_set1(mu);
		for (int j = 0; j < NACC; j++)
			acc[j] = v_zero();
		for (size_t i = 0; i < D; i += 16) {
			load16(v, xr, i, D, mu);
			for (int j = 0; j < NACC; j++) {
				const V d = v_sub(v[j], vmu);
				acc[j] = v_fma(d, d, acc[j]);
			}
		}
		const float var = finish16(acc) / Df;
		const float rs = 1.0f / sqrtf(var + eps);
		const V vrs = v_set1(rs);
		for (size_t i = 0; i < D; i += 16) {
			V gv[NACC] = {0}, bv[NACC] = {0};
			load16(v, xr, i, D, 0.0f);
			if (g)
				load16(gv, g, i, D, 0.0f);
			if (g && b)
				load16(bv, b, i, D, 0.0f);
			for (int j = 0; j < NACC; j++) {
				const V nrm = v_mul(v_sub(v[j], vmu), vrs);
				v[j] = g ? v_fma(nrm, gv[j], bv[j]) : nrm;
			}
			store16(yr, i, D, v);
		}
		if (mean)
			mean[r] = mu;
		if (rstd)
			rstd[r] = rs;
	}
}

/* dn = dy*g, n = (x - mean)*rstd, a = sum(dn)/D, b = sum(dn*n)/D (fma partials),
 * dx = (dn - fma(n, b, a)) * rstd. */
ATTR static void KSUFFIX(k_layernorm_bwd)(float *dx, const float *dy, const float *x,
					  const float *mean, const float *rstd,
					  const float *g, size_t rows, size_t D, int acc)
{
	const float Df = (float)D;
	for (size_t r = 0; r < rows; r++) {
		const float *xr = x + r * D, *dyr = dy + r * D;
		float *dxr = dx + r * D;
		const V vmu = v_set1(mean[r]), vrs = v_set1(rstd[r]);
		V s1[NACC], s2[NACC], xv[NACC], dv[NACC], gv[NACC] = {0};
		for (int j = 0; j < NACC; j++)
			s1[j] = s2[j] = v_zero();
		for (size_t i = 0; i < D; i += 16) {
			load16(xv, xr, i, D, mean[r]);
			load16(dv, dyr, i, D, 0.0f);
			if (g)
				load16(gv, g, i, D, 0.0f);
			for (int j = 0; j < NACC; j++) {
				const V nrm = v_mul(v_sub(xv[j], vmu), vrs);
				const V dn = g ? v_mul(dv[j], gv[j]) : dv[j];
				s1[j] = v_add(s1[j], dn);
				s2[j] = v_fma(dn, nrm, s2[j]);
			}
		}
		const V va = v_set1(finish16(s1) / Df), vb = v_set1(finish16(s2) / Df);
		for (size_t i = 0; i < D; i += 16) {
			V ov[NACC] = {0};
			load16(xv, xr, i, D, mean[r]);
			load16(dv, dyr, i, D, 0.0f);
			if (g)
				load16(gv, g, i, D, 0.0f);
			if (acc)
				load16(ov, dxr, i, D, 0.0f);
			for (int j = 0; j < NACC; j++) {
				const V nrm = v_mul(v_sub(xv[j], vmu), vrs);
				const V dn = g ? v_mul(dv[j], gv[j]) : dv[j];
				V d = v_mul(v_sub(dn, v_fma(nrm, vb, va)), vrs);
				ov[j] = acc ? v_add(ov[j], d) : d;
			}
			store16(dxr, i, D, ov);
		}
	}
}

ATTR static void KSUFFIX(k_layernorm_dgb_row)(float *dg, float *db, const float *dy,
					      const float *x, float mean, float rstd,
					      size_t n)
{
	const V vmu = v_set1(mean), vrs = v_set1(rstd);
	FOR_CHUNKS(n, {
		const V d = LD(dy);
		if (dg)
			ST(dg, v_fma(d, v_mul(v_sub(LD(x), vmu), vrs), LD(dg)));
		if (db)
			ST(db, v_add(LD(db), d));
	})
}

/* m = max (16 partials, a > b ? a : b), e = exp(l - m), s = sum e, p = e / s. */
ATTR static void KSUFFIX(k_softmax)(float *p, const float *logits, size_t rows, size_t Vn)
{
	const float ninf = -__builtin_inff();
	for (size_t r = 0; r < rows; r++) {
		const float *lr = logits + r * Vn;
		float *pr = p + r * Vn;
		V acc[NACC], v[NACC];
		for (int j = 0; j < NACC; j++)
			acc[j] = v_set1(ninf);
		for (size_t i = 0; i < Vn; i += 16) {
			load16(v, lr, i, Vn, ninf);
			for (int j = 0; j < NACC; j++)
				acc[j] = v_max(acc[j], v[j]);
		}
		float mp[16];
		for (int j = 0; j < NACC; j++)
			v_store(mp + j * VW, acc[j]);
		for (int s = 8; s >= 1; s >>= 1)
			for (int j = 0; j < s; j++)
				mp[j] = mp[j] > mp[j + s] ? mp[j] : mp[j + s];
		const V vm = v_set1(mp[0]);
		for (int j = 0; j < NACC; j++)
			acc[j] = v_zero();
		for (size_t i = 0; i < Vn; i += 16) {
			load16(v, lr, i, Vn, ninf);
			for (int j = 0; j < NACC; j++) {
				v[j] = m_exp(v_sub(v[j], vm));
				acc[j] = v_add(acc[j], v[j]);
			}
			store16(pr, i, Vn, v);
		}
		const V vs = v_set1(finish16(acc));
		for (size_t i = 0; i < Vn; i += 16) {
			load16(v, pr, i, Vn, 0.0f);
			for (int j = 0; j < NACC; j++)
				v[j] = v_div(v[j], vs);
			store16(pr, i, Vn, v);
		}
	}
}

/* ---- small products ----
 * C (M, N) = start + opA (M, K) . B (K, N) with opA[i, k] = A[i*rsa + k*csa],
 * B[k*ldb + j]; start is 0, bias[i*ldbias + j] or C[i*ldc + j] by init. Each
 * output is one fma chain over k = 0..K-1 in order, like gemm_micro, but in
 * tiles of SG_MR rows by SG_NV vectors, so products of one or two rows (the
 * per-lane matrices) do not pay for a 12-row tile. */
VINL void sg_tile(size_t K, const float *A, size_t rsa, size_t csa, const float *B,
		  size_t ldb, float *C, size_t ldc, size_t n, int init, const float *bias,
		  size_t ldbias, const int rows, const int full)
{
	V c[SG_MR][SG_NV];
	size_t cnt[SG_NV];
	for (int v = 0; v < SG_NV; v++) {
		const size_t at = (size_t)v * VW;
		cnt[v] = n > at ? (n - at < VW ? n - at : VW) : 0;
	}
#define SG_LD(p, v) (full ? v_load((p) + (v) * VW) : v_loadn((p) + (v) * VW, cnt[v], 0.0f))
	for (int r = 0; r < rows; r++)
		for (int v = 0; v < SG_NV; v++)
			c[r][v] = init == NZ_GEMM_INIT_ZERO ? v_zero()
				  : init == NZ_GEMM_INIT_BIAS ? SG_LD(bias + r * ldbias, v)
							      : SG_LD(C + r * ldc, v);
	for (size_t k = 0; k < K; k++) {
		V b[SG_NV];
		for (int v = 0; v < SG_NV; v++)
			b[v] = SG_LD(B + k * ldb, v);
		for (int r = 0; r < rows; r++) {
			const V a = v_set1(A[r * rsa + k * csa]);
			for (int v = 0; v < SG_NV; v++)
				c[r][v] = v_fma(a, b[v], c[r][v]);
		}
	}
#undef SG_LD
	for (int r = 0; r < rows; r++)
		for (int v = 0; v < SG_NV; v++) {
			if (full)
				v_store(C + r * ldc + v * VW, c[r][v]);
			else if (cnt[v])
				v_storen(C + r * ldc + v * VW, c[r][v], cnt[v]);
		}
}

ATTR static void KSUFFIX(k_gemm_small)(size_t M, size_t N, size_t K, const float *A,
				       size_t rsa, size_t csa, const float *B, size_t ldb,
				       float *C, size_t ldc, int init, const float *bias,
				       size_t ldbias)
{
	const size_t NB = (size_t)SG_NV * VW;
	for (size_t j = 0; j < N; j += NB) {
		const size_t n = N - j < NB ? N - j : NB;
		const float *bj = init == NZ_GEMM_INIT_BIAS ? bias + j : NULL;
		for (size_t i = 0; i < M; i += SG_MR) {
			const size_t rows = M - i < SG_MR ? M - i : SG_MR;
			const float *a = A + i * rsa, *bb = bj ? bj + i * ldbias : NULL;
			float *c = C + i * ldc + j;
#define SG_CASE(R)                                                                      \
	case R:                                                                         \
		if (n == NB)                                                            \
			sg_tile(K, a, rsa, csa, B + j, ldb, c, ldc, n, init, bb, ldbias, R, 1); \
		else                                                                    \
			sg_tile(K, a, rsa, csa, B + j, ldb, c, ldc, n, init, bb, ldbias, R, 0); \
		break;
			switch (rows) {
				SG_CASE(1)
#if SG_MR >= 2
				SG_CASE(2)
#endif
#if SG_MR >= 3
				SG_CASE(3)
#endif
#if SG_MR >= 4
				SG_CASE(4)
#endif
			}
#undef SG_CASE
		}
	}
}

/* ---- Adam ---- */
ATTR static void KSUFFIX(k_adam)(float *p, float *g, float *m, float *v, size_t n,
				 const nz_adam_scalars *s)
{
	const V b1 = v_set1(s->beta1), b2 = v_set1(s->beta2), omb1 = v_set1(s->omb1);
	const V omb2 = v_set1(s->omb2), wd = v_set1(s->weight_decay);
	const V nstep = v_set1(-s->step_size), c2 = v_set1(s->c2), eps = v_set1(s->eps);
	const V decay = v_set1(s->decay);
	FOR_CHUNKS(n, {
		const V vp = LD(p);
		const V gg = v_fma(wd, vp, LD(g));
		const V vm = v_fma(b1, LD(m), v_mul(omb1, gg));
		const V vv = v_fma(b2, LD(v), v_mul(omb2, v_mul(gg, gg)));
		const V den = v_fma(v_sqrt(vv), c2, eps);
		const V np = v_fma(nstep, v_div(vm, den), v_mul(vp, decay));
		ST(m, vm);
		ST(v, vv);
		ST(p, np);
		if (s->zero_grad)
			ST(g, v_zero());
	})
}

#define KERNEL_TABLE_ENTRIES                                   \
	.exp = KSUFFIX(k_exp), .log = KSUFFIX(k_log),          \
	.tanh = KSUFFIX(k_tanh), .erf = KSUFFIX(k_erf),        \
	.sigmoid = KSUFFIX(k_sigmoid), .rsqrt = KSUFFIX(k_rsqrt), \
	.gelu = KSUFFIX(k_gelu), .gelu_bwd = KSUFFIX(k_gelu_bwd), \
	.gelu_mul = KSUFFIX(k_gelu_mul), .gelu_mul_bwd = KSUFFIX(k_gelu_mul_bwd), \
	.sigmoid_bwd = KSUFFIX(k_sigmoid_bwd), .tanh_bwd = KSUFFIX(k_tanh_bwd), \
	.axpy = KSUFFIX(k_axpy), .fma_vv = KSUFFIX(k_fma_vv), .add = KSUFFIX(k_add), \
	.layernorm = KSUFFIX(k_layernorm), .layernorm_bwd = KSUFFIX(k_layernorm_bwd), \
	.layernorm_dgb_row = KSUFFIX(k_layernorm_dgb_row), \
	.softmax = KSUFFIX(k_softmax), .adam = KSUFFIX(k_adam), \
	.gemm_small = KSUFFIX(k_gemm_small)
