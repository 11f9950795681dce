/*
 * nn_model_ops_ref.h - naive references of the seed models' ops (ops_model.h),
 * written from docs/NUMERICS.md section 4 with plain loops and fmaf, one output
 * element at a time: the oracle the engine's versions must equal bit for bit.
 */
#ifndef NZ_NN_MODEL_OPS_REF_H
#define NZ_NN_MODEL_OPS_REF_H

#include <math.h>

#include "nn/nn.h"

static inline void ref_lane_bias_forward(float *y, const float *x, const float *bias, u32 B,
					 u32 R, u32 D)
{
	for (u32 b = 0; b < B; b++)
		for (u32 r = 0; r < R; r++)
			for (u32 d = 0; d < D; d++) {
				const size_t i = ((size_t)b * R + r) * D + d;
				y[i] = x[i] + bias[(size_t)b * D + d];
			}
}

static inline void ref_lane_bias_backward(float *dbias, const float *dy, u32 B, u32 R, u32 D)
{
	for (u32 b = 0; b < B; b++)
		for (u32 d = 0; d < D; d++) {
			float acc = dbias[(size_t)b * D + d];
			for (u32 r = 0; r < R; r++)
				acc = acc + dy[((size_t)b * R + r) * D + d];
			dbias[(size_t)b * D + d] = acc;
		}
}

/* element (b, s, feature f) of a (B, T, H) tensor */
#define REF_BTH(p, b, s, f) (p)[((size_t)(b) * T + (s)) * H + (f)]

static inline void ref_sqr_attention_last_forward(float *att, float *a, float *den,
						  const float *q2, const float *k2,
						  const float *v, u32 B, u32 T, u32 H, u32 NH)
{
	const u32 hd = H / NH;
	for (u32 b = 0; b < B; b++)
		for (u32 h = 0; h < NH; h++) {
			float sum = 0.0f;
			for (u32 s = 0; s < T; s++) {
				float dot = 0.0f;
				for (u32 i = 0; i < hd; i++)
					dot = dot + q2[(size_t)b * H + h * hd + i] *
							    REF_BTH(k2, b, s, h * hd + i);
				a[((size_t)b * NH + h) * T + s] = dot;
				sum = sum + dot;
			}
			den[(size_t)b * NH + h] = sum + 1e-16f;
			for (u32 l = 0; l < hd; l++) {
				float num = 0.0f;
				for (u32 s = 0; s < T; s++)
					num = fmaf(a[((size_t)b * NH + h) * T + s],
						   REF_BTH(v, b, s, h * hd + l), num);
				att[(size_t)b * H + h * hd + l] = num / den[(size_t)b * NH + h];
			}
		}
}

static inline void ref_sqr_attention_last_backward(float *dq, float *dk, float *dv, float *dnum,
						   const float *datt, const float *att,
						   const float *a, const float *den,
						   const float *q, const float *q2,
						   const float *k, const float *k2,
						   const float *v, u32 B, u32 T, u32 H, u32 NH)
{
	const u32 hd = H / NH;
	for (u32 b = 0; b < B; b++)
		for (u32 h = 0; h < NH; h++) {
			const size_t o = (size_t)b * H + h * hd;
			const float D = den[(size_t)b * NH + h];
			float dD = 0.0f;
			for (u32 l = 0; l < hd; l++) {
				dnum[o + l] = datt[o + l] / D;
				dD = dD + datt[o + l] * att[o + l];
			}
			dD = -dD / D;
			float da[1024];
			for (u32 s = 0; s < T; s++) {
				float t = dD;
				for (u32 l = 0; l < hd; l++)
					t = t + dnum[o + l] * REF_BTH(v, b, s, h * hd + l);
				da[s] = t;
			}
			for (u32 s = 0; s < T; s++)
				for (u32 l = 0; l < hd; l++) {
					const float as = a[((size_t)b * NH + h) * T + s];
					REF_BTH(dv, b, s, h * hd + l) = as * dnum[o + l];
					REF_BTH(dk, b, s, h * hd + l) =
						((da[s] * q2[o + l]) * REF_BTH(k, b, s, h * hd + l)) * 2.0f;
				}
			for (u32 i = 0; i < hd; i++) {
				float g = 0.0f;
				for (u32 s = 0; s < T; s++)
					g = fmaf(da[s], REF_BTH(k2, b, s, h * hd + i), g);
				dq[o + i] = (g * q[o + i]) * 2.0f;
			}
		}
}

static inline void ref_patch_gate_forward(float *kk, float *mask, float *coef,
					  const float *mparam, const float *uw, u32 NW,
					  u32 stride)
{
	for (u32 j = 0; j < NW; j++) {
		kk[j] = j % stride == 0 ? 1.0f : nz_sigmoidf(mparam[j]);
		mask[j] = nz_sigmoidf((kk[j] - 0.5f) * 10.0f);
		coef[j] = uw[j] * mask[j];
	}
}

static inline void ref_patch_gate_backward(float *duw, float *dmparam, const float *dcoef,
					   const float *uw, const float *mask, const float *kk,
					   u32 NW, u32 stride)
{
	for (u32 j = 0; j < NW; j++) {
		duw[j] = duw[j] + dcoef[j] * mask[j];
		if (j % stride != 0) {
			const float dk = ((dcoef[j] * uw[j]) * (mask[j] * (1.0f - mask[j]))) * 10.0f;
			dmparam[j] = dmparam[j] + dk * (kk[j] * (1.0f - kk[j]));
		}
	}
}

static inline void ref_patch_mix_forward(float *pre, const float *s, const float *coef,
					 const float *ub, u32 B, u32 NW, u32 E, u32 H)
{
	const size_t S = (size_t)(NW - 1) * E + H;
	for (u32 b = 0; b < B; b++)
		for (u32 f = 0; f < H; f++) {
			float p = ub[0];
			for (u32 j = 0; j < NW; j++)
				p = fmaf(coef[j], s[b * S + (size_t)j * E + f], p);
			pre[(size_t)b * H + f] = p;
		}
}

static inline void ref_patch_mix_backward(float *ds, float *dcoef, float *dub,
					  const float *dpre, const float *s, const float *coef,
					  u32 B, u32 NW, u32 E, u32 H)
{
	const size_t S = (size_t)(NW - 1) * E + H;
	for (u32 j = 0; j < NW; j++) {
		float t = 0.0f;
		for (u32 b = 0; b < B; b++)
			for (u32 f = 0; f < H; f++)
				t = t + dpre[(size_t)b * H + f] * s[b * S + (size_t)j * E + f];
		dcoef[j] = t;
	}
	float sub = 0.0f;
	for (size_t i = 0; i < (size_t)B * H; i++)
		sub = sub + dpre[i];
	dub[0] = dub[0] + sub;
	/* ds[b, i]: the windows j covering i, in increasing j, as an fma chain from 0 */
	for (u32 b = 0; b < B; b++)
		for (size_t i = 0; i < S; i++) {
			float g = 0.0f;
			for (u32 j = 0; j < NW; j++) {
				const size_t lo = (size_t)j * E;
				if (i >= lo && i < lo + H)
					g = fmaf(coef[j], dpre[(size_t)b * H + (i - lo)], g);
			}
			ds[b * S + i] = g;
		}
}

#endif /* NZ_NN_MODEL_OPS_REF_H */
