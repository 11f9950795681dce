/*
 * ops_attention.c - TRACE's causal linear attention with the "sqr" feature map,
 * evaluated at the last token only (ops_model.h). The orders are those of
 * docs/NUMERICS.md section 4: dot products and sums are plain left-to-right
 * chains of `*` and `+`, the weighted sum of values an fma chain over tokens
 * (the backend's axpy, one fma per element, the same bits on every backend).
 */
#include "nn/nn.h"

void nz_sqr_attention_last_forward(nz_nn_ctx *ctx, float *att, float *a, float *den,
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
				nz_axpy(ctx, out, ah[s], v + b * TH + (size_t)s * H + h * hd, hd);
			for (u32 l = 0; l < hd; l++)
				out[l] = out[l] / d;
		}
}

void nz_sqr_attention_last_backward(nz_nn_ctx *ctx, float *dq, float *dk, float *dv,
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
				nz_axpy(ctx, dqh, da, k2s, hd);
				for (u32 i = 0; i < hd; i++)
					dks[i] = ((da * q2h[i]) * ks[i]) * 2.0f;
			}
			const float *qh = q + oh;
			for (u32 i = 0; i < hd; i++)
				dqh[i] = (dqh[i] * qh[i]) * 2.0f;
		}
}
