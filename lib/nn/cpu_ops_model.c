/*
 * cpu_ops_model.c - the CPU backend's seed-model ops (ops_model.h): the
 * per-lane bias of a batch ensemble, TRACE's last-token "sqr" linear attention
 * and SEP's patch gates and mix. They are small (a few heads, a few windows,
 * one lane batch), so they run on the calling thread. The orders are those of
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

void nz_cpu_lane_bias_forward(nz_nn_ctx *ctx, float *y, const float *x, const float *bias,
		u32 B, u32 R, u32 D)
{
	(void)ctx;
	for (size_t b = 0; b < B; b++)
		for (size_t r = 0; r < R; r++) {
			const size_t o = (b * R + r) * D;
			const float *lb = bias + b * D;
			for (size_t d = 0; d < D; d++)
				y[o + d] = x[o + d] + lb[d];
		}
}

void nz_cpu_lane_bias_backward(nz_nn_ctx *ctx, float *dbias, const float *dy, u32 B, u32 R,
		u32 D)
{
	(void)ctx;
	for (size_t b = 0; b < B; b++) {
		float *db = dbias + b * D;
		for (size_t r = 0; r < R; r++) {
			const float *g = dy + (b * R + r) * D;
			for (size_t d = 0; d < D; d++)
				db[d] = db[d] + g[d];
		}
	}
}

/* ---- TRACE's attention at the last token ---- */

void nz_cpu_sqr_attention_last_forward(nz_nn_ctx *ctx, float *att, float *a, float *den,
		const float *q2, const float *k2, const float *v, u32 B,
		u32 T, u32 H, u32 NH)
{
	const u32 hd = H / NH;
	const size_t TH = (size_t)T * H;
	for (size_t b = 0; b < B; b++)
		for (u32 h = 0; h < NH; h++) {
			const float *qh = q2 + b * H + h * hd;
			float *ah = a + (b * NH + h) * T;
			float sum = 0.0f;
			for (u32 s = 0; s < T; s++) {
				const float *kh = k2 + b * TH + (size_t)s * H + h * hd;
				float t = 0.0f;
				for (u32 i = 0; i < hd; i++)
					t = t + qh[i] * kh[i];
				ah[s] = t;
				sum = sum + t;
			}
			const float d = sum + 1e-16f;
			den[b * NH + h] = d;
			float *out = att + b * H + h * hd;
			for (u32 l = 0; l < hd; l++)
				out[l] = 0.0f;
			for (u32 s = 0; s < T; s++)
				axpy(ctx, out, ah[s], v + b * TH + (size_t)s * H + h * hd, hd);
			for (u32 l = 0; l < hd; l++)
				out[l] = out[l] / d;
		}
}

void nz_cpu_sqr_attention_last_backward(nz_nn_ctx *ctx, float *dq, float *dk, float *dv,
		float *dnum, const float *datt, const float *att,
		const float *a, const float *den, const float *q,
		const float *q2, const float *k, const float *k2,
		const float *v, u32 B, u32 T, u32 H, u32 NH)
{
	const u32 hd = H / NH;
	const size_t TH = (size_t)T * H;
	for (size_t b = 0; b < B; b++)
		for (u32 h = 0; h < NH; h++) {
			const size_t oh = b * H + h * hd;
			const float d = den[b * NH + h];
			const float *dout = datt + oh, *out = att + oh, *q2h = q2 + oh;
			const float *ah = a + (b * NH + h) * T;
			float *dn = dnum + oh, *dqh = dq + oh;
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
				const float *vs = v + o, *k2s = k2 + o, *ks = k + o;
				/* d a_s = d den + d num . v_s */
				float da = dden;
				for (u32 l = 0; l < hd; l++)
					da = da + dn[l] * vs[l];
				float *dvs = dv + o, *dks = dk + o;
				for (u32 l = 0; l < hd; l++)
					dvs[l] = ah[s] * dn[l];
				/* d q2 accumulates over tokens; d k = d k2 * 2k */
				axpy(ctx, dqh, da, k2s, hd);
				for (u32 i = 0; i < hd; i++)
					dks[i] = ((da * q2h[i]) * ks[i]) * 2.0f;
			}
			const float *qh = q + oh;
			for (u32 i = 0; i < hd; i++)
				dqh[i] = (dqh[i] * qh[i]) * 2.0f;
		}
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

void nz_cpu_patch_mix_forward(nz_nn_ctx *ctx, float *pre, const float *s, const float *coef,
		const float *ub, u32 B, u32 NW, u32 E, u32 H)
{
	const size_t S = (size_t)(NW - 1) * E + H;
	for (size_t b = 0; b < B; b++) {
		float *p = pre + b * H;
		const float *sb = s + b * S;
		for (u32 f = 0; f < H; f++)
			p[f] = ub[0];
		for (u32 j = 0; j < NW; j++)
			axpy(ctx, p, coef[j], sb + (size_t)j * E, H);
	}
}

void nz_cpu_patch_mix_backward(nz_nn_ctx *ctx, float *ds, float *dcoef, float *dub,
		const float *dpre, const float *s, const float *coef, u32 B, u32 NW,
		u32 E, u32 H)
{
	const size_t S = (size_t)(NW - 1) * E + H;
	for (u32 j = 0; j < NW; j++)
		dcoef[j] = 0.0f;
	float sub = 0.0f;
	for (size_t b = 0; b < B; b++) {
		const float *dp = dpre + b * H, *sb = s + b * S;
		for (u32 f = 0; f < H; f++)
			sub = sub + dp[f];
		for (u32 j = 0; j < NW; j++) {
			const float *sj = sb + (size_t)j * E;
			float t = dcoef[j];
			for (u32 f = 0; f < H; f++)
				t = t + dp[f] * sj[f];
			dcoef[j] = t;
		}
		float *dsb = ds + b * S;
		for (size_t i = 0; i < S; i++)
			dsb[i] = 0.0f;
		for (u32 j = 0; j < NW; j++)
			axpy(ctx, dsb + (size_t)j * E, coef[j], dp, H);
	}
	dub[0] = dub[0] + sub;
}
