/*
 * nn_math.h - the elementary functions of docs/NUMERICS.md section 3 (exp, log,
 * tanh, erf, sigmoid, rsqrt, GELU and its derivative), written once over the
 * vector primitives V, v_fma, v_bits, ... This one source compiles
 *   - as C, included by kernels_template.h after simd_scalar.h, simd_avx2.h or
 *     simd_avx512.h (the CPU backends), and
 *   - as OpenCL C, after lib/nn/opencl/ocl_prims.h (V = float, v_fma = fma,
 *     bit casts by as_int/as_float): the OpenCL backend embeds this file in its
 *     program source (lib/nn/opencl/, CMake), so CPU and GPU cannot drift.
 * It therefore includes nothing, uses no libm and no C-only construct beyond
 * what both languages share. Every lane runs the same sequence of IEEE-754
 * binary32 operations, so all instantiations agree bit for bit.
 */
#ifndef NZ_NN_MATH_H
#define NZ_NN_MATH_H

#if defined(__OPENCL_C_VERSION__) || defined(__OPENCL_VERSION__)
#define NZ_M_INF INFINITY
#define NZ_M_NAN NAN
#else
#define NZ_M_INF __builtin_inff()
#define NZ_M_NAN __builtin_nanf("")
#endif

/* ---- constants (docs/NUMERICS.md lists them) ---- */
#define C_LOG2E 0x1.715476p+0f
#define C_LN2HI 0x1.62e430p-1f
#define C_LN2LO -0x1.05c610p-29f
#define C_MAGIC 0x1.8p23f
#define C_RSQRT2 0x1.6a09e6p-1f
#define C_RSQRT2PI 0x1.988454p-2f
#define C_SQRTHF_BITS 0x3f3504f3

VINL V v_abs(V x) { return v_frombits(vi_and(v_bits(x), vi_set1(0x7fffffff))); }
VINL V v_copysign(V mag, V sgn)
{
	return v_frombits(vi_or(vi_and(v_bits(mag), vi_set1(0x7fffffff)),
				vi_and(v_bits(sgn), vi_set1((s32)0x80000000u))));
}

/* ---- math functions ---- */

/* exp: n = rint(x*log2e) by the 1.5*2^23 trick, r = x - n*ln2 in two fma steps,
 * e^r = 1 + (r + r^2*q(r)), q of degree 4; then times 2^(n>>1) and 2^(n-(n>>1)). */
VINL V m_exp(V x)
{
	x = v_max(v_set1(-104.0f), x);
	x = v_min(v_set1(89.0f), x);
	const V t = v_fma(x, v_set1(C_LOG2E), v_set1(C_MAGIC));
	const V n = v_sub(t, v_set1(C_MAGIC));
	V r = v_fma(n, v_set1(-C_LN2HI), x);
	r = v_fma(n, v_set1(-C_LN2LO), r);
	V q = v_set1(0x1.6d10fcp-10f);
	q = v_fma(q, r, v_set1(0x1.120b62p-7f));
	q = v_fma(q, r, v_set1(0x1.55551ap-5f));
	q = v_fma(q, r, v_set1(0x1.5554dep-3f));
	q = v_fma(q, r, v_set1(0x1.000000p-1f));
	const V r2 = v_mul(r, r);
	const V p = v_add(v_fma(q, r2, r), v_set1(1.0f));
	const VI ni = vi_sub(v_bits(t), v_bits(v_set1(C_MAGIC)));
	const VI n1 = vi_sra(ni, 1);
	const VI n2 = vi_sub(ni, n1);
	const V s1 = v_frombits(vi_sll(vi_add(n1, vi_set1(127)), 23));
	const V s2 = v_frombits(vi_sll(vi_add(n2, vi_set1(127)), 23));
	return v_mul(v_mul(p, s1), s2);
}

/* log: x = 2^e * m with m in [sqrt(1/2), sqrt(2)), f = m - 1, s = f / (2 + f),
 * log m = 2s + s^3*P(s^2) with P of degree 3, log x = e*ln2hi + (e*ln2lo + log m). */
VINL V m_log(V x)
{
	const VM sub = v_lt(x, v_set1(0x1p-126f));
	const V xs = v_sel(sub, v_mul(x, v_set1(0x1p23f)), x);
	const VI ix = vi_sub(v_bits(xs), vi_set1(C_SQRTHF_BITS));
	VI e = vi_sra(ix, 23);
	e = vi_sub(e, v_bits(v_sel(sub, v_frombits(vi_set1(23)), v_frombits(vi_set1(0)))));
	const V m = v_frombits(vi_add(vi_and(ix, vi_set1(0x007fffff)), vi_set1(C_SQRTHF_BITS)));
	const V f = v_sub(m, v_set1(1.0f));
	const V s = v_div(f, v_add(v_set1(2.0f), f));
	const V z = v_mul(s, s);
	V P = v_set1(0x1.ddced8p-3f);
	P = v_fma(P, z, v_set1(0x1.245c44p-2f));
	P = v_fma(P, z, v_set1(0x1.9999ecp-2f));
	P = v_fma(P, z, v_set1(0x1.555556p-1f));
	const V lm = v_fma(v_mul(s, z), P, v_add(s, s));
	const V ef = v_cvt_i2f(e);
	V y = v_fma(ef, v_set1(C_LN2HI), v_fma(ef, v_set1(C_LN2LO), lm));
	/* x < 0 or NaN: NaN; 0: -inf; +inf: +inf */
	y = v_sel(v_eq(x, v_set1(NZ_M_INF)), x, y);
	y = v_sel(v_eq(x, v_zero()), v_set1(-NZ_M_INF), y);
	y = v_sel(vm_or(v_lt(x, v_zero()), v_unord(x, x)), v_set1(NZ_M_NAN), y);
	return y;
}

/* tanh: |x| < 0.625: x + x^3*T(x^2), T of degree 4; else 1 - 2/(e^(2|x|) + 1)
 * with the sign of x. */
VINL V m_tanh(V x)
{
	const V a = v_abs(x);
	const V z = v_mul(x, x);
	V T = v_set1(-0x1.8f8de4p-8f);
	T = v_fma(T, z, v_set1(0x1.58048ep-6f));
	T = v_fma(T, z, v_set1(-0x1.b9258ap-5f));
	T = v_fma(T, z, v_set1(0x1.110e1cp-3f));
	T = v_fma(T, z, v_set1(-0x1.555552p-2f));
	const V small = v_fma(v_mul(x, z), T, x);
	const V e = m_exp(v_add(a, a));
	const V big = v_sub(v_set1(1.0f), v_div(v_set1(2.0f), v_add(e, v_set1(1.0f))));
	return v_sel(v_lt(a, v_set1(0.625f)), small, v_copysign(big, x));
}

/* erf: |x| < 1: x*E(x^2), E of degree 6; 1 <= |x| < 4: 1 - e^(-x^2)*Q(|x| - 2.5),
 * Q of degree 10, e^(-x^2) from p = x*x and its exact error pe = fma(x, x, -p)
 * as e^(-p)*(1 - pe); |x| >= 4: 1. The sign of x is put back. */
VINL V m_erf(V x)
{
	const V a = v_abs(x);
	const V z = v_mul(x, x);
	V E = v_set1(0x1.4a5690p-14f);
	E = v_fma(E, z, v_set1(-0x1.a45088p-11f));
	E = v_fma(E, z, v_set1(0x1.541270p-8f));
	E = v_fma(E, z, v_set1(-0x1.b7fabap-6f));
	E = v_fma(E, z, v_set1(0x1.ce2d10p-4f));
	E = v_fma(E, z, v_set1(-0x1.81273ep-2f));
	E = v_fma(E, z, v_set1(0x1.20dd74p+0f));
	const V small = v_mul(x, E);
	const V u = v_sub(a, v_set1(2.5f));
	V Q = v_set1(0x1.b0b04ap-20f);
	Q = v_fma(Q, u, v_set1(-0x1.ac02d6p-18f));
	Q = v_fma(Q, u, v_set1(0x1.ece656p-17f));
	Q = v_fma(Q, u, v_set1(-0x1.c1dbbcp-15f));
	Q = v_fma(Q, u, v_set1(0x1.bd40fap-13f));
	Q = v_fma(Q, u, v_set1(-0x1.836938p-11f));
	Q = v_fma(Q, u, v_set1(0x1.434a4cp-9f));
	Q = v_fma(Q, u, v_set1(-0x1.061fbcp-7f));
	Q = v_fma(Q, u, v_set1(0x1.9895cap-6f));
	Q = v_fma(Q, u, v_set1(-0x1.30871ap-4f));
	Q = v_fma(Q, u, v_set1(0x1.afbb40p-3f));
	const V pe = v_fma(a, a, v_sub(v_zero(), z));
	V ex = m_exp(v_sub(v_zero(), z));
	ex = v_fma(v_sub(v_zero(), pe), ex, ex);
	V big = v_sub(v_set1(1.0f), v_mul(ex, Q));
	big = v_sel(v_lt(a, v_set1(4.0f)), big, v_set1(1.0f));
	return v_sel(v_lt(a, v_set1(1.0f)), small, v_copysign(big, x));
}

/* sigmoid: e = exp(-|x|), d = 1 + e; 1/d for x >= 0, e/d for x < 0 (no overflow,
 * full relative accuracy on both sides). */
VINL V m_sigmoid(V x)
{
	const V e = m_exp(v_sub(v_zero(), v_abs(x)));
	const V d = v_add(v_set1(1.0f), e);
	return v_sel(v_lt(x, v_zero()), v_div(e, d), v_div(v_set1(1.0f), d));
}

VINL V m_rsqrt(V x) { return v_div(v_set1(1.0f), v_sqrt(x)); }

/* gelu(x) = h + h*erf(x/sqrt2) with h = x/2 (one fma). */
VINL V m_gelu(V x)
{
	const V h = v_mul(x, v_set1(0.5f));
	return v_fma(h, m_erf(v_mul(x, v_set1(C_RSQRT2))), h);
}

/* gelu'(x) = fma(x, pdf, cdf): cdf = fma(0.5, erf(x/sqrt2), 0.5),
 * pdf = exp((x*x) * -0.5) * (1/sqrt(2pi)). */
VINL V m_gelu_grad(V x)
{
	const V cdf = v_fma(v_set1(0.5f), m_erf(v_mul(x, v_set1(C_RSQRT2))), v_set1(0.5f));
	const V pdf = v_mul(m_exp(v_mul(v_mul(x, x), v_set1(-0.5f))), v_set1(C_RSQRT2PI));
	return v_fma(x, pdf, cdf);
}

#endif /* NZ_NN_MATH_H */
