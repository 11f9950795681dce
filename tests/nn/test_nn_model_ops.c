/*
 * test_nn_model_ops.c - the seed models' ops (nn/ops_model.h): on random odd
 * shapes, every backend at 1, 2 and 3 threads must equal the naive reference of
 * nn_model_ops_ref.h bit for bit (outputs that are added to start from random
 * values, outputs that are written from garbage); each backward is checked
 * against central differences of a double-precision forward.
 */
#include <math.h>
#include <stdlib.h>

#include "nn_model_ops_ref.h"
#include "nn_test_common.h"

static float *dup_of(const float *p, size_t n) { return copy_array(p, n); }

/* ---- bit-exact against the references ---- */

static void lane_ops(nz_nn_ctx *ctx, nz_test_rng *r)
{
	const u32 B = 1 + (u32)(nz_test_next(r) % 37), R = 1 + (u32)(nz_test_next(r) % 5);
	const u32 D = 1 + (u32)(nz_test_next(r) % 133);
	const size_t n = (size_t)B * R * D;
	float *x = rand_array(n, -4, 4, r), *bias = rand_array((size_t)B * D, -1, 1, r);
	float *y = rand_array(n, -9, 9, r), *y_ref = rand_array(n, -9, 9, r);
	nz_lane_bias_forward(ctx, y, x, bias, B, R, D);
	ref_lane_bias_forward(y_ref, x, bias, B, R, D);
	CHECK_BITS(y, y_ref, n, "lane_bias_forward");
	/* in place */
	float *xi = dup_of(x, n);
	nz_lane_bias_forward(ctx, xi, xi, bias, B, R, D);
	CHECK_BITS(xi, y_ref, n, "lane_bias_forward in place");
	float *db = rand_array((size_t)B * D, -1, 1, r), *db_ref = dup_of(db, (size_t)B * D);
	nz_lane_bias_backward(ctx, db, x, B, R, D);
	ref_lane_bias_backward(db_ref, x, B, R, D);
	CHECK_BITS(db, db_ref, (size_t)B * D, "lane_bias_backward");

	float zero[1] = {0.0f};
	nz_fill(ctx, y, n, 0.0f);
	for (size_t i = 0; i < n; i++)
		if (memcmp(&y[i], zero, 4)) {
			fprintf(stderr, "fill: element %zu is not +0\n", i);
			nz_test_failures++;
			break;
		}
	nz_fill(ctx, y, n - 1, -2.5f);
	CHECK(y[0] == -2.5f && y[n - 1 - (n > 1)] == -2.5f);
	if (n > 1)
		CHECK(memcmp(&y[n - 1], zero, 4) == 0); /* past n untouched */
	nz_free_aligned(x), nz_free_aligned(bias), nz_free_aligned(y), nz_free_aligned(y_ref);
	nz_free_aligned(xi), nz_free_aligned(db), nz_free_aligned(db_ref);
}

static void attention_ops(nz_nn_ctx *ctx, nz_test_rng *r)
{
	const u32 B = 1 + (u32)(nz_test_next(r) % 9), T = 1 + (u32)(nz_test_next(r) % 11);
	const u32 NH = 1 + (u32)(nz_test_next(r) % 4), hd = 1 + (u32)(nz_test_next(r) % 37);
	const u32 H = NH * hd;
	const size_t BH = (size_t)B * H, BTH = BH * T, BNT = (size_t)B * NH * T;
	float *q = rand_array(BH, -1.5f, 1.5f, r), *k = rand_array(BTH, -1.5f, 1.5f, r);
	float *v = rand_array(BTH, -2, 2, r), *q2 = rand_array(BH, 0, 1, r);
	float *k2 = rand_array(BTH, 0, 1, r);
	for (size_t i = 0; i < BH; i++)
		q2[i] = q[i] * q[i];
	for (size_t i = 0; i < BTH; i++)
		k2[i] = k[i] * k[i];
	float *att = rand_array(BH, -9, 9, r), *a = rand_array(BNT, -9, 9, r);
	float *den = rand_array((size_t)B * NH, -9, 9, r);
	float *att_r = rand_array(BH, -9, 9, r), *a_r = rand_array(BNT, -9, 9, r);
	float *den_r = rand_array((size_t)B * NH, -9, 9, r);
	nz_sqr_attention_last_forward(ctx, att, a, den, q2, k2, v, B, T, H, NH);
	ref_sqr_attention_last_forward(att_r, a_r, den_r, q2, k2, v, B, T, H, NH);
	CHECK_BITS(att, att_r, BH, "sqr_attention forward att");
	CHECK_BITS(a, a_r, BNT, "sqr_attention forward a");
	CHECK_BITS(den, den_r, (size_t)B * NH, "sqr_attention forward den");

	float *datt = rand_array(BH, -1, 1, r);
	float *dq = rand_array(BH, -9, 9, r), *dk = rand_array(BTH, -9, 9, r);
	float *dv = rand_array(BTH, -9, 9, r), *dn = rand_array(BH, -9, 9, r);
	float *dq_r = rand_array(BH, -9, 9, r), *dk_r = rand_array(BTH, -9, 9, r);
	float *dv_r = rand_array(BTH, -9, 9, r), *dn_r = rand_array(BH, -9, 9, r);
	nz_sqr_attention_last_backward(ctx, dq, dk, dv, dn, datt, att, a, den, q, q2, k, k2, v, B,
				       T, H, NH);
	ref_sqr_attention_last_backward(dq_r, dk_r, dv_r, dn_r, datt, att, a, den, q, q2, k, k2, v,
					B, T, H, NH);
	CHECK_BITS(dq, dq_r, BH, "sqr_attention backward dq");
	CHECK_BITS(dk, dk_r, BTH, "sqr_attention backward dk");
	CHECK_BITS(dv, dv_r, BTH, "sqr_attention backward dv");
	CHECK_BITS(dn, dn_r, BH, "sqr_attention backward dnum");
	float *all[] = {q, k, v, q2, k2, att, a, den, att_r, a_r, den_r, datt,
			dq, dk, dv, dn, dq_r, dk_r, dv_r, dn_r};
	for (size_t i = 0; i < NZ_ARRAY_LEN(all); i++)
		nz_free_aligned(all[i]);
}

static void patch_ops(nz_nn_ctx *ctx, nz_test_rng *r)
{
	const u32 B = 1 + (u32)(nz_test_next(r) % 13), NW = 1 + (u32)(nz_test_next(r) % 40);
	const u32 E = 1 + (u32)(nz_test_next(r) % 7), C = 1 + (u32)(nz_test_next(r) % 9);
	const u32 stride = 1 + (u32)(nz_test_next(r) % 8), H = C * E;
	const size_t S = (size_t)(NW - 1) * E + H;
	float *mparam = rand_array(NW, -3, 3, r), *uw = rand_array(NW, -1, 1, r);
	float *ub = rand_array(1, -1, 1, r), *s = rand_array((size_t)B * S, 0, 1, r);
	float *g3[3], *g3r[3];
	for (int i = 0; i < 3; i++)
		g3[i] = rand_array(NW, -9, 9, r), g3r[i] = rand_array(NW, -9, 9, r);
	nz_patch_gate_forward(ctx, g3[0], g3[1], g3[2], mparam, uw, NW, stride);
	ref_patch_gate_forward(g3r[0], g3r[1], g3r[2], mparam, uw, NW, stride);
	CHECK_BITS(g3[0], g3r[0], NW, "patch_gate forward kk");
	CHECK_BITS(g3[1], g3r[1], NW, "patch_gate forward mask");
	CHECK_BITS(g3[2], g3r[2], NW, "patch_gate forward coef");
	const float *coef = g3r[2];

	float *pre = rand_array((size_t)B * H, -9, 9, r), *pre_r = rand_array((size_t)B * H, -9, 9, r);
	nz_patch_mix_forward(ctx, pre, s, coef, ub, B, NW, E, H);
	ref_patch_mix_forward(pre_r, s, coef, ub, B, NW, E, H);
	CHECK_BITS(pre, pre_r, (size_t)B * H, "patch_mix forward");

	float *dpre = rand_array((size_t)B * H, -1, 1, r);
	float *ds = rand_array((size_t)B * S, -9, 9, r), *ds_r = rand_array((size_t)B * S, -9, 9, r);
	float *dc = rand_array(NW, -9, 9, r), *dc_r = rand_array(NW, -9, 9, r);
	float dub[1] = {0.25f}, dub_r[1] = {0.25f};
	nz_patch_mix_backward(ctx, ds, dc, dub, dpre, s, coef, B, NW, E, H);
	ref_patch_mix_backward(ds_r, dc_r, dub_r, dpre, s, coef, B, NW, E, H);
	CHECK_BITS(ds, ds_r, (size_t)B * S, "patch_mix backward ds");
	CHECK_BITS(dc, dc_r, NW, "patch_mix backward dcoef");
	CHECK_BITS(dub, dub_r, 1, "patch_mix backward dub");

	float *duw = rand_array(NW, -1, 1, r), *dmp = rand_array(NW, -1, 1, r);
	float *duw_r = dup_of(duw, NW), *dmp_r = dup_of(dmp, NW);
	nz_patch_gate_backward(ctx, duw, dmp, dc_r, uw, g3r[1], g3r[0], NW, stride);
	ref_patch_gate_backward(duw_r, dmp_r, dc_r, uw, g3r[1], g3r[0], NW, stride);
	CHECK_BITS(duw, duw_r, NW, "patch_gate backward duw");
	CHECK_BITS(dmp, dmp_r, NW, "patch_gate backward dmparam");
	float *all[] = {mparam, uw, ub, s, pre, pre_r, dpre, ds, ds_r, dc, dc_r, duw, dmp, duw_r,
			dmp_r, g3[0], g3[1], g3[2], g3r[0], g3r[1], g3r[2]};
	for (size_t i = 0; i < NZ_ARRAY_LEN(all); i++)
		nz_free_aligned(all[i]);
}

static void bit_exact(void)
{
	static const u32 threads[] = {1, 2, 3};
	for (int be = NZ_NN_BACKEND_SCALAR; be < NZ_NN_BACKEND_COUNT_; be++)
		for (u32 t = 0; t < NZ_ARRAY_LEN(threads); t++) {
			nz_nn_ctx *ctx = make_ctx(be, threads[t]);
			if (!ctx)
				break;
			const int before = nz_test_failures;
			nz_test_rng r = {4242};
			for (int round = 0; round < 40; round++) {
				lane_ops(ctx, &r);
				attention_ops(ctx, &r);
				patch_ops(ctx, &r);
			}
			printf("%s/%u: 40 rounds, %d mismatches\n", nz_nn_backend_name(be),
			       threads[t], nz_test_failures - before);
			nz_nn_free(ctx);
		}
}

/* ---- gradients against central differences of a double forward ---- */

typedef struct gdims {
	u32 B, R, D, T, H, NH, NW, E, stride;
} gdims;

typedef void (*dfwd_fn)(const gdims *d, const double *in, double *out);

/* L = sum w[i] * out[i], so dout = w; compare the float forward y and the
 * analytic gradient ana (packed like the inputs) with the double versions. */
static void grad_check(const char *name, dfwd_fn f, const gdims *d, const float *in_f,
		       size_t nin, const float *y, size_t nout, const float *w, const float *ana)
{
	double *in = calloc(nin, sizeof(double)), *out = calloc(nout, sizeof(double));
	REQUIRE(in && out);
	for (size_t i = 0; i < nin; i++)
		in[i] = in_f[i];
	f(d, in, out);
	double fwd_err = 0, grad_err = 0;
	for (size_t i = 0; i < nout; i++)
		fwd_err = fmax(fwd_err, fabs((double)y[i] - out[i]) / (fabs(out[i]) + 1e-3));
	for (size_t i = 0; i < nin; i++) {
		const double x0 = in[i], h = 1e-4 * fmax(fabs(x0), 1.0);
		double lp = 0, lm = 0;
		in[i] = x0 + h;
		f(d, in, out);
		for (size_t o = 0; o < nout; o++)
			lp += (double)w[o] * out[o];
		in[i] = x0 - h;
		f(d, in, out);
		for (size_t o = 0; o < nout; o++)
			lm += (double)w[o] * out[o];
		in[i] = x0;
		const double num = (lp - lm) / (2 * h);
		grad_err = fmax(grad_err, fabs(num - ana[i]) / (fabs(num) + fabs(ana[i]) + 1e-2));
	}
	printf("%-14s forward rel err %.2e, gradient rel err %.2e (%zu inputs)\n", name, fwd_err,
	       grad_err, nin);
	if (fwd_err > 1e-4 || grad_err > 2e-3) {
		fprintf(stderr, "%s: forward %.2e gradient %.2e\n", name, fwd_err, grad_err);
		nz_test_failures++;
	}
	free(in), free(out);
}

/* inputs: bias (B, D); x is fixed at 0 (the identity path has no op) */
static void d_lane_bias(const gdims *d, const double *in, double *out)
{
	for (u32 b = 0; b < d->B; b++)
		for (u32 r = 0; r < d->R; r++)
			for (u32 i = 0; i < d->D; i++)
				out[((size_t)b * d->R + r) * d->D + i] = in[(size_t)b * d->D + i];
}

/* inputs: q (B, H), k (B, T, H), v (B, T, H) */
static void d_attention(const gdims *d, const double *in, double *out)
{
	const u32 B = d->B, T = d->T, H = d->H, hd = H / d->NH;
	const double *q = in, *k = q + (size_t)B * H, *v = k + (size_t)B * T * H;
	for (u32 b = 0; b < B; b++)
		for (u32 h = 0; h < d->NH; h++) {
			double as[64], den = 1e-16;
			for (u32 s = 0; s < T; s++) {
				as[s] = 0;
				for (u32 i = 0; i < hd; i++) {
					const double qi = q[(size_t)b * H + h * hd + i];
					const double ki = REF_BTH(k, b, s, h * hd + i);
					as[s] += qi * qi * ki * ki;
				}
				den += as[s];
			}
			for (u32 l = 0; l < hd; l++) {
				double num = 0;
				for (u32 s = 0; s < T; s++)
					num += as[s] * REF_BTH(v, b, s, h * hd + l);
				out[(size_t)b * H + h * hd + l] = num / den;
			}
		}
}

static double sig_d(double x) { return 1 / (1 + exp(-x)); }

/* inputs: mparam (NW), uw (NW), ub (1), s (B, S) */
static void d_patch(const gdims *d, const double *in, double *out)
{
	const u32 NW = d->NW, E = d->E, H = d->H;
	const size_t S = (size_t)(NW - 1) * E + H;
	const double *mp = in, *uw = mp + NW, *ub = uw + NW, *s = ub + 1;
	for (u32 b = 0; b < d->B; b++)
		for (u32 f = 0; f < H; f++) {
			double p = ub[0];
			for (u32 j = 0; j < NW; j++) {
				const double kk = j % d->stride == 0 ? 1.0 : sig_d(mp[j]);
				p += uw[j] * sig_d((kk - 0.5) * 10) * s[b * S + (size_t)j * E + f];
			}
			out[(size_t)b * H + f] = p;
		}
}

static void gradients(void)
{
	nz_nn_ctx *ctx = make_ctx(nz_nn_backend_best(), 1);
	REQUIRE(ctx);
	nz_test_rng r = {99};
	{
		const gdims d = {.B = 3, .R = 4, .D = 7};
		const size_t n = (size_t)d.B * d.R * d.D, nb = (size_t)d.B * d.D;
		float *x = calloc(n, sizeof(float)), *bias = rand_array(nb, -1, 1, &r);
		float *y = rand_array(n, 0, 1, &r), *w = rand_array(n, -1, 1, &r);
		float *db = calloc(nb, sizeof(float));
		REQUIRE(x && db);
		nz_lane_bias_forward(ctx, y, x, bias, d.B, d.R, d.D);
		nz_lane_bias_backward(ctx, db, w, d.B, d.R, d.D);
		grad_check("lane_bias", d_lane_bias, &d, bias, nb, y, n, w, db);
		free(x), free(db);
		nz_free_aligned(bias), nz_free_aligned(y), nz_free_aligned(w);
	}
	{
		const gdims d = {.B = 2, .T = 5, .H = 12, .NH = 3};
		const size_t BH = (size_t)d.B * d.H, BTH = BH * d.T, nin = BH + 2 * BTH;
		float *in = rand_array(nin, -1, 1, &r), *w = rand_array(BH, -1, 1, &r);
		const float *q = in, *k = in + BH, *v = in + BH + BTH;
		float *q2 = rand_array(BH, 0, 1, &r), *k2 = rand_array(BTH, 0, 1, &r);
		float *att = rand_array(BH, 0, 1, &r), *a = rand_array(BTH, 0, 1, &r);
		float *den = rand_array((size_t)d.B * d.NH, 0, 1, &r), *ga = rand_array(nin, 0, 1, &r);
		float *dn = rand_array(BH, 0, 1, &r);
		nz_mul_forward(ctx, q2, q, q, BH);
		nz_mul_forward(ctx, k2, k, k, BTH);
		nz_sqr_attention_last_forward(ctx, att, a, den, q2, k2, v, d.B, d.T, d.H, d.NH);
		nz_sqr_attention_last_backward(ctx, ga, ga + BH, ga + BH + BTH, dn, w, att, a, den, q,
					       q2, k, k2, v, d.B, d.T, d.H, d.NH);
		grad_check("sqr_attention", d_attention, &d, in, nin, att, BH, w, ga);
		float *all[] = {in, w, q2, k2, att, a, den, ga, dn};
		for (size_t i = 0; i < NZ_ARRAY_LEN(all); i++)
			nz_free_aligned(all[i]);
	}
	{
		const gdims d = {.B = 3, .NW = 9, .E = 2, .H = 6, .stride = 3};
		const size_t S = (size_t)(d.NW - 1) * d.E + d.H, BH = (size_t)d.B * d.H;
		const size_t nin = 2 * (size_t)d.NW + 1 + d.B * S;
		float *in = rand_array(nin, -1, 1, &r), *w = rand_array(BH, -1, 1, &r);
		const float *mp = in, *uw = in + d.NW, *ub = uw + d.NW, *s = ub + 1;
		float *kk = rand_array(d.NW, 0, 1, &r), *mask = rand_array(d.NW, 0, 1, &r);
		float *coef = rand_array(d.NW, 0, 1, &r), *dcoef = rand_array(d.NW, 0, 1, &r);
		float *pre = rand_array(BH, 0, 1, &r), *ga = calloc(nin, sizeof(float));
		REQUIRE(ga);
		nz_patch_gate_forward(ctx, kk, mask, coef, mp, uw, d.NW, d.stride);
		nz_patch_mix_forward(ctx, pre, s, coef, ub, d.B, d.NW, d.E, d.H);
		float *gmp = ga, *guw = ga + d.NW, *gub = guw + d.NW, *gs = gub + 1;
		nz_patch_mix_backward(ctx, gs, dcoef, gub, w, s, coef, d.B, d.NW, d.E, d.H);
		nz_patch_gate_backward(ctx, guw, gmp, dcoef, uw, mask, kk, d.NW, d.stride);
		grad_check("patch_gate_mix", d_patch, &d, in, nin, pre, BH, w, ga);
		free(ga);
		float *all[] = {in, w, kk, mask, coef, dcoef, pre};
		for (size_t i = 0; i < NZ_ARRAY_LEN(all); i++)
			nz_free_aligned(all[i]);
	}
	nz_nn_free(ctx);
}

int main(void)
{
	bit_exact();
	gradients();
	return nz_test_finish("test_nn_model_ops");
}
