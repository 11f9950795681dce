/*
 * cpu_ops_model.c - the CPU backend's seed-model ops (ops_model.h): the
 * per-lane bias of a batch ensemble, TRACE's last-token "sqr" linear attention
 * and SEP's patch gates and mix. Work per lane is split across the context's
 * threads by lanes (sums over lanes by their other index), never inside one
 * output's chain, so the bits do not depend on the thread count. The orders are those of
 * docs/NUMERICS.md section 4: dot products and sums are plain left-to-right
 * chains of `*` and `+`; the weighted sums over tokens and windows are fma
 * chains, through the kernel table's axpy (one fma per element, so any vector
 * width gives the same bits). Named in the table nz_nn_cpu_backend (cpu_ops.c).
 */
#include "nn/cpu_backend.h"

/* y += a * x with one fma per element (the nz_axpy entry, without dispatch). */
static void axpy(nz_nn_ctx *ctx, float *y, float a, const float *x, size_t n)
{
	nz_nn_cpu_of(ctx)->k->axpy(y, a, x, n);
}

/* ---- per-lane bias ---- */

typedef struct lane_bias_args {
	float *y;
	const float *x, *bias;
	u32 R, D;
} lane_bias_args;

static void lane_bias_fwd_lanes(nz_nn_ctx *ctx, void *arg, size_t b0, size_t b1, u32 w)
{
	(void)ctx, (void)w;
	const lane_bias_args *a = arg;
	const u32 R = a->R, D = a->D;
	for (size_t b = b0; b < b1; b++)
		for (size_t r = 0; r < R; r++) {
			const size_t o = (b * R + r) * D;
			const float *lb = a->bias + b * D;
			for (size_t d = 0; d < D; d++)
				a->y[o + d] = a->x[o + d] + lb[d];
		}
}

void nz_cpu_lane_bias_forward(nz_nn_ctx *ctx, float *y, const float *x, const float *bias,
		u32 B, u32 R, u32 D)
{
	lane_bias_args a = {y, x, bias, R, D};
	nz_cpu_par_range(ctx, B, 1, (double)R * D, lane_bias_fwd_lanes, &a);
}

/* each lane's bias gradient sums that lane's rows: lanes split, rows in order */
static void lane_bias_bwd_lanes(nz_nn_ctx *ctx, void *arg, size_t b0, size_t b1, u32 w)
{
	(void)ctx, (void)w;
	const lane_bias_args *a = arg;
	const u32 R = a->R, D = a->D;
	for (size_t b = b0; b < b1; b++) {
		float *db = a->y + b * D;
		for (size_t r = 0; r < R; r++) {
			const float *g = a->x + (b * R + r) * D;
			for (size_t d = 0; d < D; d++)
				db[d] = db[d] + g[d];
		}
	}
}

void nz_cpu_lane_bias_backward(nz_nn_ctx *ctx, float *dbias, const float *dy, u32 B, u32 R,
		u32 D)
{
	lane_bias_args a = {dbias, dy, NULL, R, D};
	nz_cpu_par_range(ctx, B, 1, (double)R * D, lane_bias_bwd_lanes, &a);
}

/* ---- TRACE's attention at the last token ---- */

/* Lanes are independent in both directions, so they are split across threads. */
typedef struct sqr_att_args {
	float *att, *a, *den;                   /* forward outputs, backward inputs */
	float *dq, *dk, *dv, *dnum;             /* backward outputs */
	const float *datt, *q, *q2, *k, *k2, *v;
	u32 T, H, NH;
} sqr_att_args;

static void sqr_att_fwd_lanes(nz_nn_ctx *ctx, void *arg, size_t b0, size_t b1, u32 w)
{
	(void)w;
	const sqr_att_args *g = arg;
	const u32 T = g->T, H = g->H, NH = g->NH, hd = H / NH;
	const size_t TH = (size_t)T * H;
	for (size_t b = b0; b < b1; b++)
		for (u32 h = 0; h < NH; h++) {
			const float *qh = g->q2 + b * H + h * hd;
			float *ah = g->a + (b * NH + h) * T;
			float sum = 0.0f;
			for (u32 s = 0; s < T; s++) {
				const float *kh = g->k2 + b * TH + (size_t)s * H + h * hd;
				float t = 0.0f;
				for (u32 i = 0; i < hd; i++)
					t = t + qh[i] * kh[i];
				ah[s] = t;
				sum = sum + t;
			}
			const float d = sum + 1e-16f;
			g->den[b * NH + h] = d;
			float *out = g->att + b * H + h * hd;
			for (u32 l = 0; l < hd; l++)
				out[l] = 0.0f;
			for (u32 s = 0; s < T; s++)
				axpy(ctx, out, ah[s], g->v + b * TH + (size_t)s * H + h * hd, hd);
			for (u32 l = 0; l < hd; l++)
				out[l] = out[l] / d;
		}
}

void nz_cpu_sqr_attention_last_forward(nz_nn_ctx *ctx, float *att, float *a, float *den,
		const float *q2, const float *k2, const float *v, u32 B,
		u32 T, u32 H, u32 NH)
{
	const sqr_att_args g = {.att = att, .a = a, .den = den, .q2 = q2, .k2 = k2, .v = v,
				.T = T, .H = H, .NH = NH};
	nz_cpu_par_range(ctx, B, 1, 4.0 * T * H, sqr_att_fwd_lanes, (void *)&g);
}

static void sqr_att_bwd_lanes(nz_nn_ctx *ctx, void *arg, size_t b0, size_t b1, u32 w)
{
	(void)w;
	const sqr_att_args *g = arg;
	const u32 T = g->T, H = g->H, NH = g->NH, hd = H / NH;
	const size_t TH = (size_t)T * H;
	for (size_t b = b0; b < b1; b++)
		for (u32 h = 0; h < NH; h++) {
			const size_t oh = b * H + h * hd;
			const float d = g->den[b * NH + h];
			const float *dout = g->datt + oh, *out = g->att + oh, *q2h = g->q2 + oh;
			const float *ah = g->a + (b * NH + h) * T;
			float *dn = g->dnum + oh, *dqh = g->dq + oh;
			/* att = num / den: d num = datt / den, d den = -(datt . att) / den */
			float dden = 0.0f;
			for (u32 l = 0; l < hd; l++) {
				dn[l] = dout[l] / d;
				dden = dden + dout[l] * out[l];
			}
			dden = -dden / d;
			for (u32 i = 0; i < hd; i++)
				dqh[i] = 0.0f;
			for (u32 s = 0; s < T; s++) {
				const size_t o = b * TH + (size_t)s * H + h * hd;
				const float *vs = g->v + o, *k2s = g->k2 + o, *ks = g->k + o;
				/* d a_s = d den + d num . v_s */
				float da = dden;
				for (u32 l = 0; l < hd; l++)
					da = da + dn[l] * vs[l];
				float *dvs = g->dv + o, *dks = g->dk + o;
				for (u32 l = 0; l < hd; l++)
					dvs[l] = ah[s] * dn[l];
				/* d q2 accumulates over tokens; d k = d k2 * 2k */
				axpy(ctx, dqh, da, k2s, hd);
				for (u32 i = 0; i < hd; i++)
					dks[i] = ((da * q2h[i]) * ks[i]) * 2.0f;
			}
			const float *qh = g->q + oh;
			for (u32 i = 0; i < hd; i++)
				dqh[i] = (dqh[i] * qh[i]) * 2.0f;
		}
}

void nz_cpu_sqr_attention_last_backward(nz_nn_ctx *ctx, float *dq, float *dk, float *dv,
		float *dnum, const float *datt, const float *att,
		const float *a, const float *den, const float *q,
		const float *q2, const float *k, const float *k2,
		const float *v, u32 B, u32 T, u32 H, u32 NH)
{
	const sqr_att_args g = {(float *)att, (float *)a, (float *)den, dq, dk, dv, dnum, datt,
				q, q2, k, k2, v, T, H, NH};
	nz_cpu_par_range(ctx, B, 1, 8.0 * T * H, sqr_att_bwd_lanes, (void *)&g);
}

/* ---- SEP's patch gates and mix ---- */

void nz_cpu_patch_gate_forward(nz_nn_ctx *ctx, float *kk, float *mask, float *coef,
		const float *mparam, const float *uw, u32 NW, u32 stride)
{
	(void)ctx;
	for (u32 j = 0; j < NW; j++) {
		kk[j] = j % stride == 0 ? 1.0f : nz_sigmoidf(mparam[j]);
		mask[j] = nz_sigmoidf((kk[j] - 0.5f) * 10.0f);
		coef[j] = uw[j] * mask[j];
	}
}

void nz_cpu_patch_gate_backward(nz_nn_ctx *ctx, float *duw, float *dmparam, const float *dcoef,
		const float *uw, const float *mask, const float *kk, u32 NW,
		u32 stride)
{
	(void)ctx;
	for (u32 j = 0; j < NW; j++) {
		duw[j] = duw[j] + dcoef[j] * mask[j];
		if (j % stride) {
			/* through mask = sigmoid((k - 0.5) * 10), then k = sigmoid(mparam) */
			const float dm = dcoef[j] * uw[j];
			const float mk = mask[j], k = kk[j];
			const float dk = dm * (mk * (1.0f - mk)) * 10.0f;
			dmparam[j] = dmparam[j] + dk * (k * (1.0f - k));
		}
	}
}

/* The mix is per lane, except its parameter gradients (dcoef, dub), which sum
 * over the lanes in order: ds splits the lanes, dcoef the windows. */
typedef struct patch_mix_args {
	float *out, *dcoef;
	const float *in, *s, *coef, *ub;
	u32 NW, E, H;
	size_t S, B;
} patch_mix_args;

static void patch_mix_fwd_lanes(nz_nn_ctx *ctx, void *arg, size_t b0, size_t b1, u32 w)
{
	(void)w;
	const patch_mix_args *a = arg;
	const u32 NW = a->NW, E = a->E, H = a->H;
	for (size_t b = b0; b < b1; b++) {
		float *p = a->out + b * H;
		const float *sb = a->s + b * a->S;
		for (u32 f = 0; f < H; f++)
			p[f] = a->ub[0];
		for (u32 j = 0; j < NW; j++)
			axpy(ctx, p, a->coef[j], sb + (size_t)j * E, H);
	}
}

void nz_cpu_patch_mix_forward(nz_nn_ctx *ctx, float *pre, const float *s, const float *coef,
		const float *ub, u32 B, u32 NW, u32 E, u32 H)
{
	const patch_mix_args a = {.out = pre, .s = s, .coef = coef, .ub = ub, .NW = NW, .E = E,
				  .H = H, .S = (size_t)(NW - 1) * E + H, .B = B};
	nz_cpu_par_range(ctx, B, 1, 2.0 * NW * H, patch_mix_fwd_lanes, (void *)&a);
}

static void patch_mix_ds_lanes(nz_nn_ctx *ctx, void *arg, size_t b0, size_t b1, u32 w)
{
	(void)w;
	const patch_mix_args *a = arg;
	const u32 NW = a->NW, E = a->E, H = a->H;
	for (size_t b = b0; b < b1; b++) {
		const float *dp = a->in + b * H;
		float *dsb = a->out + b * a->S;
		for (size_t i = 0; i < a->S; i++)
			dsb[i] = 0.0f;
		for (u32 j = 0; j < NW; j++)
			axpy(ctx, dsb + (size_t)j * E, a->coef[j], dp, H);
	}
}

static void patch_mix_dcoef_windows(nz_nn_ctx *ctx, void *arg, size_t j0, size_t j1, u32 w)
{
	(void)ctx, (void)w;
	const patch_mix_args *a = arg;
	const u32 E = a->E, H = a->H;
	for (size_t j = j0; j < j1; j++) {
		float t = 0.0f;
		for (size_t b = 0; b < a->B; b++) {
			const float *dp = a->in + b * H, *sj = a->s + b * a->S + j * E;
			for (u32 f = 0; f < H; f++)
				t = t + dp[f] * sj[f];
		}
		a->dcoef[j] = t;
	}
}

void nz_cpu_patch_mix_backward(nz_nn_ctx *ctx, float *ds, float *dcoef, float *dub,
		const float *dpre, const float *s, const float *coef, u32 B, u32 NW,
		u32 E, u32 H)
{
	const patch_mix_args a = {.out = ds, .dcoef = dcoef, .in = dpre, .s = s, .coef = coef,
				  .NW = NW, .E = E, .H = H, .S = (size_t)(NW - 1) * E + H, .B = B};
	nz_cpu_par_range(ctx, NW, 1, 2.0 * B * H, patch_mix_dcoef_windows, (void *)&a);
	nz_cpu_par_range(ctx, B, 1, 2.0 * NW * H, patch_mix_ds_lanes, (void *)&a);
	float sub = 0.0f;
	for (size_t b = 0; b < B; b++) {
		const float *dp = dpre + b * H;
		for (u32 f = 0; f < H; f++)
			sub = sub + dp[f];
	}
	dub[0] = dub[0] + sub;
}
