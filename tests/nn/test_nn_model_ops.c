/*
 * test_nn_model_ops.c - the seed models' ops (nn/ops_model.h): on random odd
 * shapes, every backend at 1, 2 and 3 threads must equal the naive reference of
 * nn_model_ops_ref.h bit for bit (outputs that are added to start from random
 * values, outputs that are written from garbage); each backward is checked
 * against central differences of a double-precision forward. Every tensor an op
 * sees is an engine buffer (allocated by the engine, uploaded, downloaded to
 * compare), so a device backend is checked by this test as is.
 */
#include <math.h>
#include <stdlib.h>

#include "nn_model_ops_ref.h"
#include "nn_test_common.h"

/* The buffers of one case: host arrays (inputs and references) and engine
 * buffers, freed together. */
typedef struct bufs {
	nz_nn_ctx *ctx;
	float *host[64], *dev[64];
	int nh, nd;
} bufs;

static float *keep_host(bufs *bs, float *p)
{
	REQUIRE(bs->nh < (int)NZ_ARRAY_LEN(bs->host));
	return bs->host[bs->nh++] = p;
}

/* Uniform floats in [lo, hi) on the host. */
static float *h_rand(bufs *bs, size_t n, float lo, float hi, nz_test_rng *r)
{
	return keep_host(bs, rand_array(n, lo, hi, r));
}

static float *h_copy(bufs *bs, const float *p, size_t n) { return keep_host(bs, copy_array(p, n)); }

/* An engine buffer holding a copy of the host array p (n floats). */
static float *up(bufs *bs, const float *p, size_t n)
{
	REQUIRE(bs->nd < (int)NZ_ARRAY_LEN(bs->dev));
	float *d = nz_nn_alloc(bs->ctx, n ? n : 1);
	REQUIRE(d);
	nz_nn_upload(bs->ctx, d, p, n);
	return bs->dev[bs->nd++] = d;
}

/* The contents of the engine buffer d (n floats) in a new host array. */
static float *down(bufs *bs, const float *d, size_t n)
{
	float *p = keep_host(bs, nz_malloc_aligned((n ? n : 1) * sizeof(float)));
	REQUIRE(p);
	nz_nn_download(bs->ctx, p, d, n);
	return p;
}

static void bufs_free(bufs *bs)
{
	for (int i = 0; i < bs->nh; i++)
		nz_free_aligned(bs->host[i]);
	for (int i = 0; i < bs->nd; i++)
		nz_nn_free_mem(bs->ctx, bs->dev[i]);
	bs->nh = bs->nd = 0;
}

/* The engine buffer dev must hold the bits of the host reference ref. */
#define CHECK_DEV(bs, dev, ref, n, what) CHECK_BITS(down((bs), (dev), (n)), (ref), (n), (what))

/* ---- bit-exact against the references ---- */

/* A lane count: 1..small, or in one round of two 1..big, so that the CPU backend
 * also splits the op across its threads (it keeps small ops on one). */
static u32 lane_count(nz_test_rng *r, u32 small, u32 big)
{
	const u32 max = nz_test_next(r) % 2 ? big : small;
	return 1 + (u32)(nz_test_next(r) % max);
}

static void lane_ops(bufs *bs, nz_test_rng *r)
{
	nz_nn_ctx *ctx = bs->ctx;
	const u32 B = lane_count(r, 37, 997), R = 1 + (u32)(nz_test_next(r) % 5);
	const u32 D = 1 + (u32)(nz_test_next(r) % 133);
	const size_t n = (size_t)B * R * D, nb = (size_t)B * D;
	const float *x = h_rand(bs, n, -4, 4, r), *bias = h_rand(bs, nb, -1, 1, r);
	float *y_ref = h_rand(bs, n, -9, 9, r);
	float *x_d = up(bs, x, n), *bias_d = up(bs, bias, nb);
	float *y_d = up(bs, h_rand(bs, n, -9, 9, r), n);
	nz_lane_bias_forward(ctx, y_d, x_d, bias_d, B, R, D);
	ref_lane_bias_forward(y_ref, x, bias, B, R, D);
	CHECK_DEV(bs, y_d, y_ref, n, "lane_bias_forward");
	/* in place */
	float *xi_d = up(bs, x, n);
	nz_lane_bias_forward(ctx, xi_d, xi_d, bias_d, B, R, D);
	CHECK_DEV(bs, xi_d, y_ref, n, "lane_bias_forward in place");
	float *db_ref = h_rand(bs, nb, -1, 1, r), *db_d = up(bs, db_ref, nb);
	nz_lane_bias_backward(ctx, db_d, x_d, B, R, D);
	ref_lane_bias_backward(db_ref, x, B, R, D);
	CHECK_DEV(bs, db_d, db_ref, nb, "lane_bias_backward");
}

static void attention_ops(bufs *bs, nz_test_rng *r)
{
	nz_nn_ctx *ctx = bs->ctx;
	const u32 B = lane_count(r, 9, 67), T = 1 + (u32)(nz_test_next(r) % 11);
	const u32 NH = 1 + (u32)(nz_test_next(r) % 4), hd = 1 + (u32)(nz_test_next(r) % 37);
	const u32 H = NH * hd;
	const size_t BH = (size_t)B * H, BTH = BH * T, BNT = (size_t)B * NH * T, BN = (size_t)B * NH;
	float *q = h_rand(bs, BH, -1.5f, 1.5f, r), *k = h_rand(bs, BTH, -1.5f, 1.5f, r);
	float *v = h_rand(bs, BTH, -2, 2, r), *q2 = h_rand(bs, BH, 0, 1, r);
	float *k2 = h_rand(bs, BTH, 0, 1, r);
	for (size_t i = 0; i < BH; i++)
		q2[i] = q[i] * q[i];
	for (size_t i = 0; i < BTH; i++)
		k2[i] = k[i] * k[i];
	float *q_d = up(bs, q, BH), *k_d = up(bs, k, BTH), *v_d = up(bs, v, BTH);
	float *q2_d = up(bs, q2, BH), *k2_d = up(bs, k2, BTH);
	float *att_d = up(bs, h_rand(bs, BH, -9, 9, r), BH);
	float *a_d = up(bs, h_rand(bs, BNT, -9, 9, r), BNT);
	float *den_d = up(bs, h_rand(bs, BN, -9, 9, r), BN);
	float *att_r = h_rand(bs, BH, -9, 9, r), *a_r = h_rand(bs, BNT, -9, 9, r);
	float *den_r = h_rand(bs, BN, -9, 9, r);
	nz_sqr_attention_last_forward(ctx, att_d, a_d, den_d, q2_d, k2_d, v_d, B, T, H, NH);
	ref_sqr_attention_last_forward(att_r, a_r, den_r, q2, k2, v, B, T, H, NH);
	CHECK_DEV(bs, att_d, att_r, BH, "sqr_attention forward att");
	CHECK_DEV(bs, a_d, a_r, BNT, "sqr_attention forward a");
	CHECK_DEV(bs, den_d, den_r, BN, "sqr_attention forward den");

	float *datt = h_rand(bs, BH, -1, 1, r), *datt_d = up(bs, datt, BH);
	float *dq_d = up(bs, h_rand(bs, BH, -9, 9, r), BH);
	float *dk_d = up(bs, h_rand(bs, BTH, -9, 9, r), BTH);
	float *dv_d = up(bs, h_rand(bs, BTH, -9, 9, r), BTH);
	float *dn_d = up(bs, h_rand(bs, BH, -9, 9, r), BH);
	float *dq_r = h_rand(bs, BH, -9, 9, r), *dk_r = h_rand(bs, BTH, -9, 9, r);
	float *dv_r = h_rand(bs, BTH, -9, 9, r), *dn_r = h_rand(bs, BH, -9, 9, r);
	nz_sqr_attention_last_backward(ctx, dq_d, dk_d, dv_d, dn_d, datt_d, att_d, a_d, den_d,
				       q_d, q2_d, k_d, k2_d, v_d, B, T, H, NH);
	ref_sqr_attention_last_backward(dq_r, dk_r, dv_r, dn_r, datt, att_r, a_r, den_r, q, q2, k,
					k2, v, B, T, H, NH);
	CHECK_DEV(bs, dq_d, dq_r, BH, "sqr_attention backward dq");
	CHECK_DEV(bs, dk_d, dk_r, BTH, "sqr_attention backward dk");
	CHECK_DEV(bs, dv_d, dv_r, BTH, "sqr_attention backward dv");
	CHECK_DEV(bs, dn_d, dn_r, BH, "sqr_attention backward dnum");
}

static void patch_ops(bufs *bs, nz_test_rng *r)
{
	nz_nn_ctx *ctx = bs->ctx;
	const u32 B = lane_count(r, 13, 97), NW = 1 + (u32)(nz_test_next(r) % 40);
	const u32 E = 1 + (u32)(nz_test_next(r) % 7), C = 1 + (u32)(nz_test_next(r) % 9);
	const u32 stride = 1 + (u32)(nz_test_next(r) % 8), H = C * E;
	const size_t S = (size_t)(NW - 1) * E + H, BH = (size_t)B * H, BS = (size_t)B * S;
	float *mparam = h_rand(bs, NW, -3, 3, r), *uw = h_rand(bs, NW, -1, 1, r);
	float *ub = h_rand(bs, 1, -1, 1, r), *s = h_rand(bs, BS, 0, 1, r);
	float *mparam_d = up(bs, mparam, NW), *uw_d = up(bs, uw, NW), *ub_d = up(bs, ub, 1);
	float *s_d = up(bs, s, BS);
	float *g3_d[3], *g3r[3];
	for (int i = 0; i < 3; i++)
		g3_d[i] = up(bs, h_rand(bs, NW, -9, 9, r), NW), g3r[i] = h_rand(bs, NW, -9, 9, r);
	nz_patch_gate_forward(ctx, g3_d[0], g3_d[1], g3_d[2], mparam_d, uw_d, NW, stride);
	ref_patch_gate_forward(g3r[0], g3r[1], g3r[2], mparam, uw, NW, stride);
	CHECK_DEV(bs, g3_d[0], g3r[0], NW, "patch_gate forward kk");
	CHECK_DEV(bs, g3_d[1], g3r[1], NW, "patch_gate forward mask");
	CHECK_DEV(bs, g3_d[2], g3r[2], NW, "patch_gate forward coef");
	/* the later ops read the reference's gates, so each is checked on its own */
	const float *coef = g3r[2], *mask = g3r[1], *kk = g3r[0];
	float *coef_d = up(bs, coef, NW), *mask_d = up(bs, mask, NW), *kk_d = up(bs, kk, NW);

	float *pre_d = up(bs, h_rand(bs, BH, -9, 9, r), BH), *pre_r = h_rand(bs, BH, -9, 9, r);
	nz_patch_mix_forward(ctx, pre_d, s_d, coef_d, ub_d, B, NW, E, H);
	ref_patch_mix_forward(pre_r, s, coef, ub, B, NW, E, H);
	CHECK_DEV(bs, pre_d, pre_r, BH, "patch_mix forward");

	float *dpre = h_rand(bs, BH, -1, 1, r), *dpre_d = up(bs, dpre, BH);
	float *ds_d = up(bs, h_rand(bs, BS, -9, 9, r), BS), *ds_r = h_rand(bs, BS, -9, 9, r);
	float *dc_d = up(bs, h_rand(bs, NW, -9, 9, r), NW), *dc_r = h_rand(bs, NW, -9, 9, r);
	const float dub0[1] = {0.25f};
	float *dub_d = up(bs, dub0, 1), *dub_r = h_copy(bs, dub0, 1);
	nz_patch_mix_backward(ctx, ds_d, dc_d, dub_d, dpre_d, s_d, coef_d, B, NW, E, H);
	ref_patch_mix_backward(ds_r, dc_r, dub_r, dpre, s, coef, B, NW, E, H);
	CHECK_DEV(bs, ds_d, ds_r, BS, "patch_mix backward ds");
	CHECK_DEV(bs, dc_d, dc_r, NW, "patch_mix backward dcoef");
	CHECK_DEV(bs, dub_d, dub_r, 1, "patch_mix backward dub");

	float *duw_r = h_rand(bs, NW, -1, 1, r), *dmp_r = h_rand(bs, NW, -1, 1, r);
	float *duw_d = up(bs, duw_r, NW), *dmp_d = up(bs, dmp_r, NW), *dcr_d = up(bs, dc_r, NW);
	nz_patch_gate_backward(ctx, duw_d, dmp_d, dcr_d, uw_d, mask_d, kk_d, NW, stride);
	ref_patch_gate_backward(duw_r, dmp_r, dc_r, uw, mask, kk, NW, stride);
	CHECK_DEV(bs, duw_d, duw_r, NW, "patch_gate backward duw");
	CHECK_DEV(bs, dmp_d, dmp_r, NW, "patch_gate backward dmparam");
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
			bufs bs = {.ctx = ctx};
			for (int round = 0; round < 40; round++) {
				lane_ops(&bs, &r);
				bufs_free(&bs);
				attention_ops(&bs, &r);
				bufs_free(&bs);
				patch_ops(&bs, &r);
				bufs_free(&bs);
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
	bufs bs = {.ctx = ctx};
	{
		const gdims d = {.B = 3, .R = 4, .D = 7};
		const size_t n = (size_t)d.B * d.R * d.D, nb = (size_t)d.B * d.D;
		const float *bias = h_rand(&bs, nb, -1, 1, &r), *w = h_rand(&bs, n, -1, 1, &r);
		float *x_d = nz_nn_calloc(ctx, n), *db_d = nz_nn_calloc(ctx, nb);
		REQUIRE(x_d && db_d);
		float *bias_d = up(&bs, bias, nb), *w_d = up(&bs, w, n);
		float *y_d = up(&bs, h_rand(&bs, n, 0, 1, &r), n);
		nz_lane_bias_forward(ctx, y_d, x_d, bias_d, d.B, d.R, d.D);
		nz_lane_bias_backward(ctx, db_d, w_d, d.B, d.R, d.D);
		grad_check("lane_bias", d_lane_bias, &d, bias, nb, down(&bs, y_d, n), n, w,
			   down(&bs, db_d, nb));
		nz_nn_free_mem(ctx, x_d), nz_nn_free_mem(ctx, db_d);
		bufs_free(&bs);
	}
	{
		const gdims d = {.B = 2, .T = 5, .H = 12, .NH = 3};
		const size_t BH = (size_t)d.B * d.H, BTH = BH * d.T, nin = BH + 2 * BTH;
		const size_t BN = (size_t)d.B * d.NH, BNT = BN * d.T;
		const float *in = h_rand(&bs, nin, -1, 1, &r), *w = h_rand(&bs, BH, -1, 1, &r);
		float *in_d = up(&bs, in, nin), *w_d = up(&bs, w, BH);
		const float *q = in_d, *k = in_d + BH, *v = in_d + BH + BTH;
		float *q2 = up(&bs, h_rand(&bs, BH, 0, 1, &r), BH);
		float *k2 = up(&bs, h_rand(&bs, BTH, 0, 1, &r), BTH);
		float *att = up(&bs, h_rand(&bs, BH, 0, 1, &r), BH);
		float *a = up(&bs, h_rand(&bs, BNT, 0, 1, &r), BNT);
		float *den = up(&bs, h_rand(&bs, BN, 0, 1, &r), BN);
		float *ga = up(&bs, h_rand(&bs, nin, 0, 1, &r), nin);
		float *dn = up(&bs, h_rand(&bs, BH, 0, 1, &r), BH);
		nz_mul_forward(ctx, q2, q, q, BH);
		nz_mul_forward(ctx, k2, k, k, BTH);
		nz_sqr_attention_last_forward(ctx, att, a, den, q2, k2, v, d.B, d.T, d.H, d.NH);
		nz_sqr_attention_last_backward(ctx, ga, ga + BH, ga + BH + BTH, dn, w_d, att, a, den,
					       q, q2, k, k2, v, d.B, d.T, d.H, d.NH);
		grad_check("sqr_attention", d_attention, &d, in, nin, down(&bs, att, BH), BH, w,
			   down(&bs, ga, nin));
		bufs_free(&bs);
	}
	{
		const gdims d = {.B = 3, .NW = 9, .E = 2, .H = 6, .stride = 3};
		const size_t S = (size_t)(d.NW - 1) * d.E + d.H, BH = (size_t)d.B * d.H;
		const size_t nin = 2 * (size_t)d.NW + 1 + d.B * S;
		const float *in = h_rand(&bs, nin, -1, 1, &r), *w = h_rand(&bs, BH, -1, 1, &r);
		float *in_d = up(&bs, in, nin), *w_d = up(&bs, w, BH);
		const float *mp = in_d, *uw = in_d + d.NW, *ub = uw + d.NW, *s = ub + 1;
		float *kk = up(&bs, h_rand(&bs, d.NW, 0, 1, &r), d.NW);
		float *mask = up(&bs, h_rand(&bs, d.NW, 0, 1, &r), d.NW);
		float *coef = up(&bs, h_rand(&bs, d.NW, 0, 1, &r), d.NW);
		float *dcoef = up(&bs, h_rand(&bs, d.NW, 0, 1, &r), d.NW);
		float *pre = up(&bs, h_rand(&bs, BH, 0, 1, &r), BH), *ga = nz_nn_calloc(ctx, nin);
		REQUIRE(ga);
		nz_patch_gate_forward(ctx, kk, mask, coef, mp, uw, d.NW, d.stride);
		nz_patch_mix_forward(ctx, pre, s, coef, ub, d.B, d.NW, d.E, d.H);
		float *gmp = ga, *guw = ga + d.NW, *gub = guw + d.NW, *gs = gub + 1;
		nz_patch_mix_backward(ctx, gs, dcoef, gub, w_d, s, coef, d.B, d.NW, d.E, d.H);
		nz_patch_gate_backward(ctx, guw, gmp, dcoef, uw, mask, kk, d.NW, d.stride);
		grad_check("patch_gate_mix", d_patch, &d, in, nin, down(&bs, pre, BH), BH, w,
			   down(&bs, ga, nin));
		nz_nn_free_mem(ctx, ga);
		bufs_free(&bs);
	}
	nz_nn_free(ctx);
}

int main(void)
{
	bit_exact();
	gradients();
	return nz_test_finish("test_nn_model_ops");
}
