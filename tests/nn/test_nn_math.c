/*
 * test_nn_math.c - the engine's own exp, log, tanh, erf, sigmoid, rsqrt and GELU:
 * accuracy against libm in double precision (max error in units in the last
 * place of the float result, over dense ranges and a sweep of all exponents),
 * special values, and bit-for-bit equality of every backend's kernels with the
 * scalar reference on the same inputs.
 */
#include <math.h>

#include "nn_test_common.h"
#include "nn/backend.h"

typedef void (*kern_fn)(float *y, const float *x, size_t n);

static double ref_exp(double x) { return exp(x); }
static double ref_log(double x) { return log(x); }
static double ref_tanh(double x) { return tanh(x); }
static double ref_erf(double x) { return erf(x); }
static double ref_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }
static double ref_rsqrt(double x) { return 1.0 / sqrt(x); }
static double ref_gelu(double x) { return 0.5 * x * (1.0 + erf(x / sqrt(2.0))); }

/* |y - r| in units of the float ulp at r (subnormal spacing below 2^-126). */
static double ulp_err(float y, double r)
{
	if (isnan(r))
		return isnan(y) ? 0 : 1e9;
	if (isinf((float)r) || isinf(y))
		return y == (float)r ? 0 : 1e9;
	double a = fabs(r);
	int e;
	frexp(a, &e); /* a = f * 2^e, f in [0.5, 1) */
	double ulp = ldexp(1.0, (e - 1) - 23);
	if (ulp < 0x1p-149)
		ulp = 0x1p-149;
	if (a > 0x1.fffffep127)
		ulp = 0x1p104;
	return fabs((double)y - r) / ulp;
}

typedef struct fn_case {
	const char *name;
	size_t off;                 /* offset of the kernel in nz_nn_kernels */
	double (*ref)(double);
	float lo, hi;               /* dense test range */
	double max_ulp;             /* accepted accuracy */
	int rel_x;                  /* x < 0: measure in ulps of |x|/2 (GELU's cancellation) */
} fn_case;

#define KOFF(f) offsetof(nz_nn_kernels, f)

static const fn_case cases[] = {
	{"exp", KOFF(exp), ref_exp, -104.0f, 89.0f, 2.0, 0},
	{"log", KOFF(log), ref_log, 0.0f, 1e6f, 2.0, 0},
	{"tanh", KOFF(tanh), ref_tanh, -10.0f, 10.0f, 3.0, 0},
	{"erf", KOFF(erf), ref_erf, -5.0f, 5.0f, 3.0, 0},
	{"sigmoid", KOFF(sigmoid), ref_sigmoid, -90.0f, 30.0f, 3.0, 0},
	{"rsqrt", KOFF(rsqrt), ref_rsqrt, 0.0f, 1e6f, 1.5, 0},
	{"gelu", KOFF(gelu), ref_gelu, -10.0f, 10.0f, 4.0, 1},
};

static kern_fn get(const nz_nn_kernels *k, size_t off)
{
	kern_fn f;
	memcpy(&f, (const char *)k + off, sizeof f);
	return f;
}

/* Inputs: a dense grid of the case's range, plus a sweep over bit patterns. */
static float *make_inputs(const fn_case *c, size_t *n_out)
{
	const size_t dense = 200000, sweep = 1u << 18;
	size_t n = dense + sweep + 16;
	float *x = nz_malloc_aligned(n * sizeof(float));
	REQUIRE(x);
	size_t i = 0;
	for (size_t j = 0; j < dense; j++)
		x[i++] = c->lo + (c->hi - c->lo) * (float)((double)j / dense);
	for (size_t j = 0; j < sweep; j++) {
		u32 bits = (u32)(j * 16381u * 4u + 12345u * (j & 3)); /* all exponents, both signs */
		float f;
		memcpy(&f, &bits, 4);
		x[i++] = f;
	}
	static const float special[] = {0.0f, -0.0f, 1.0f, -1.0f, 0x1p-149f, 0x1p-126f,
		0x1.fffffep127f, -0x1.fffffep127f, 0.5f, 2.0f, 88.7f, -103.9f, 1e-30f, -1e-30f, 3.999f, 4.0f};
	for (size_t j = 0; j < 16; j++)
		x[i++] = special[j];
	*n_out = i;
	return x;
}

int main(void)
{
	const nz_nn_kernels *ref = &nz_nn_kernels_scalar;
	for (size_t ci = 0; ci < NZ_ARRAY_LEN(cases); ci++) {
		const fn_case *c = &cases[ci];
		size_t n;
		float *x = make_inputs(c, &n);
		float *y0 = nz_malloc_aligned(n * sizeof(float));
		float *y1 = nz_malloc_aligned(n * sizeof(float));
		REQUIRE(y0 && y1);
		get(ref, c->off)(y0, x, n);
		/* accuracy of the scalar reference */
		double worst = 0;
		float worst_x = 0;
		for (size_t i = 0; i < n; i++) {
			if (isnan(x[i]))
				continue;
			const double r = c->ref((double)x[i]);
			double e = ulp_err(y0[i], r);
			if (c->rel_x && x[i] < 0 && isfinite(x[i]))
				e = fabs((double)y0[i] - r) / fmax(ldexp(1.0, ilogb(0.5 * (double)x[i]) - 23), 0x1p-149);
			if (e > worst) {
				worst = e;
				worst_x = x[i];
			}
		}
		printf("%-8s max error %.3f ulp (at %a) over %zu inputs\n", c->name, worst,
		       (double)worst_x, n);
		if (worst > c->max_ulp) {
			fprintf(stderr, "%s: error %.3f ulp at %a exceeds %.1f\n", c->name, worst,
				(double)worst_x, c->max_ulp);
			nz_test_failures++;
		}
		/* every backend equals the reference bit for bit, at every offset
		 * (odd lengths exercise the tails) */
		for (int be = NZ_NN_BACKEND_AVX2; be < NZ_NN_BACKEND_COUNT_; be++) {
			nz_nn_ctx *ctx = make_ctx(be, 1);
			if (!ctx)
				continue;
			const nz_nn_kernels *k = cpu_kernels(ctx);
			if (!k) {
				nz_nn_free(ctx);
				continue;
			}
			get(k, c->off)(y1, x, n);
			CHECK_BITS(y0, y1, n, c->name);
			for (size_t len = 1; len < 40; len += 3) {
				memset(y1, 0, 64 * sizeof(float));
				get(k, c->off)(y1, x + 7, len);
				CHECK_BITS(y0 + 7, y1, len, c->name);
				CHECK(y1[len] == 0.0f);
			}
			nz_nn_free(ctx);
		}
		/* a device backend's build of the same functions (nn_math.h as OpenCL C):
		 * equal bits for every input (any NaN for a NaN: NUMERICS.md 1) */
		for (int be = NZ_NN_BACKEND_AVX2; be < NZ_NN_BACKEND_COUNT_; be++) {
			if (!nz_nn_backend_supported(be) ||
			    nz_nn_backend_desc_of(be)->ops == &nz_nn_cpu_backend)
				continue;
			nz_nn_ctx *ctx = make_ctx(be, 1);
			float *dx = nz_nn_alloc(ctx, n), *dy = nz_nn_alloc(ctx, n);
			REQUIRE(dx && dy);
			nz_nn_upload(ctx, dx, x, n);
			REQUIRE(nz_nn_debug_math(ctx, (int)ci, dy, dx, n) == NZ_OK);
			nz_nn_download(ctx, y1, dy, n);
			size_t bad = 0, first = n;
			for (size_t i = 0; i < n; i++)
				if (memcmp(y0 + i, y1 + i, 4) && !(isnan(y0[i]) && isnan(y1[i]))) {
					if (first == n)
						first = i;
					bad++;
				}
			if (bad) {
				fprintf(stderr, "%s on %s: %zu of %zu differ, first at x=%a: %a vs %a\n",
					c->name, nz_nn_backend_name(be), bad, n, (double)x[first],
					(double)y0[first], (double)y1[first]);
				nz_test_failures++;
			} else {
				printf("%-8s %s: %zu inputs, bit-identical\n", c->name,
				       nz_nn_backend_name(be), n);
			}
			nz_nn_free_mem(ctx, dx);
			nz_nn_free_mem(ctx, dy);
			nz_nn_free(ctx);
		}
		nz_free_aligned(x);
		nz_free_aligned(y0);
		nz_free_aligned(y1);
	}

	/* special values */
	CHECK(nz_expf(0.0f) == 1.0f);
	CHECK(nz_expf(-__builtin_inff()) == 0.0f);
	CHECK(isinf(nz_expf(__builtin_inff())));
	CHECK(isinf(nz_expf(89.0f)));
	CHECK(isnan(nz_expf(__builtin_nanf(""))));
	CHECK(nz_logf(1.0f) == 0.0f);
	CHECK(isinf(nz_logf(0.0f)) && nz_logf(0.0f) < 0);
	CHECK(isnan(nz_logf(-1.0f)));
	CHECK(isinf(nz_logf(__builtin_inff())));
	CHECK(nz_tanhf(0.0f) == 0.0f && nz_tanhf(20.0f) == 1.0f && nz_tanhf(-20.0f) == -1.0f);
	CHECK(nz_erff(0.0f) == 0.0f && nz_erff(5.0f) == 1.0f && nz_erff(-5.0f) == -1.0f);
	CHECK(nz_sigmoidf(0.0f) == 0.5f && nz_sigmoidf(-200.0f) == 0.0f && nz_sigmoidf(200.0f) == 1.0f);
	CHECK(nz_geluf(0.0f) == 0.0f && nz_geluf(10.0f) == 10.0f && nz_geluf(-10.0f) == 0.0f);
	return nz_test_finish("test_nn_math");
}
