/*
 * ops_patch.c - SEP's patch front end (ops_model.h): the gates of the NW
 * overlapping windows and their weighted mix. Orders as in docs/NUMERICS.md
 * section 4: the mix is an fma chain over windows (the backend's axpy, one fma
 * per element on every backend); the weight gradients are plain chains over
 * lanes, then features.
 */
#include "nn/nn.h"

void nz_patch_gate_forward(nz_nn_ctx *ctx, float *kk, float *mask, float *coef,
			   const float *mparam, const float *uw, u32 NW, u32 stride)
{
	(void)ctx;
	for (u32 j = 0; j < NW; j++) {
		kk[j] = j % stride == 0 ? 1.0f : nz_sigmoidf(mparam[j]);
		mask[j] = nz_sigmoidf((kk[j] - 0.5f) * 10.0f);
		coef[j] = uw[j] * mask[j];
	}
}

void nz_patch_gate_backward(nz_nn_ctx *ctx, float *duw, float *dmparam, const float *dcoef,
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

void nz_patch_mix_forward(nz_nn_ctx *ctx, float *pre, const float *s, const float *coef,
			  const float *ub, u32 B, u32 NW, u32 E, u32 H)
{
	const size_t S = (size_t)(NW - 1) * E + H;
	for (size_t b = 0; b < B; b++) {
		float *p = pre + b * H;
		const float *sb = s + b * S;
		for (u32 f = 0; f < H; f++)
			p[f] = ub[0];
		for (u32 j = 0; j < NW; j++)
			nz_axpy(ctx, p, coef[j], sb + (size_t)j * E, H);
	}
}

void nz_patch_mix_backward(nz_nn_ctx *ctx, float *ds, float *dcoef, float *dub,
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
			nz_axpy(ctx, dsb + (size_t)j * E, coef[j], dp, H);
	}
	dub[0] = dub[0] + sub;
}
