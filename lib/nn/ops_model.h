/*
 * ops_model.h - the ops the seed models need beyond the generic layers of nn.h
 * (included by nn.h): the per-lane bias of a batch ensemble, TRACE's
 * last-token "sqr" linear attention and SEP's masked patch mix. With them a
 * seed model's forward and backward are only a sequence of engine ops, so a
 * device backend can run them without arithmetic on the host. Each is an entry
 * of the backend table (backend.h) with a one-line dispatcher in ops.c; the CPU
 * backend implements them in cpu_ops_model.c.
 *
 * Same conventions as nn.h: ctx first, tensors from nz_nn_alloc, row-major,
 * explicit dimensions; parameter gradients are added to, activation gradients
 * written. docs/NUMERICS.md section 4 gives each op's exact arithmetic, and
 * tests/nn/test_nn_model_ops.c checks every backend against a naive reference.
 */
#ifndef NZ_NN_OPS_MODEL_H
#define NZ_NN_OPS_MODEL_H

/* Per-lane bias shared by the R rows of a lane: y[b, r, :] = x[b, r, :] + bias[b, :]
 * (x, y (B, R, D), bias (B, D)); y may be x. */
void nz_lane_bias_forward(nz_nn_ctx *ctx, float *y, const float *x, const float *bias,
			  u32 B, u32 R, u32 D);
/* dbias[b, :] = dbias[b, :] + dy[b, 0, :] + dy[b, 1, :] + ... (rows in order). */
void nz_lane_bias_backward(nz_nn_ctx *ctx, float *dbias, const float *dy, u32 B, u32 R,
			   u32 D);

/* Causal linear attention with the "sqr" feature map, at the last of T tokens,
 * per lane b and head h (NH heads of hd = H / NH features, H % NH == 0):
 *   a[b, h, s] = q2[b, h] . k2[b, s, h]              (s = 0..T-1)
 *   den[b, h]  = sum over s of a[b, h, s], + 1e-16
 *   att[b, h]  = (sum over s of a[b, h, s] * v[b, s, h]) / den[b, h]
 * with q2 = q * q (B, H), k2 = k * k and v (B, T, H); a (B, NH, T) and den (B, NH)
 * are saved for backward. */
void nz_sqr_attention_last_forward(nz_nn_ctx *ctx, float *att, float *a, float *den,
				   const float *q2, const float *k2, const float *v, u32 B,
				   u32 T, u32 H, u32 NH);
/* The gradients through att of q, k (through the squares) and v, written:
 * dq (B, H), dk and dv (B, T, H). datt is d att (B, H), att the forward output;
 * dnum (B, H) receives d(numerator) = datt / den (a work tensor). */
void nz_sqr_attention_last_backward(nz_nn_ctx *ctx, float *dq, float *dk, float *dv,
				    float *dnum, const float *datt, const float *att,
				    const float *a, const float *den, const float *q,
				    const float *q2, const float *k, const float *k2,
				    const float *v, u32 B, u32 T, u32 H, u32 NH);

/* SEP's patch gates for NW windows: kk[j] = 1 where j % stride == 0 (kept patches),
 * else sigmoid(mparam[j]); mask[j] = sigmoid((kk[j] - 0.5) * 10); and the window
 * weight coef[j] = uw[j] * mask[j]. kk, mask and coef (NW) are saved for backward. */
void nz_patch_gate_forward(nz_nn_ctx *ctx, float *kk, float *mask, float *coef,
			   const float *mparam, const float *uw, u32 NW, u32 stride);
/* From dcoef (NW): duw[j] += dcoef[j] * mask[j], and for j % stride != 0
 * dmparam[j] += the gradient through mask and kk. */
void nz_patch_gate_backward(nz_nn_ctx *ctx, float *duw, float *dmparam, const float *dcoef,
			    const float *uw, const float *mask, const float *kk, u32 NW,
			    u32 stride);

/* SEP's patch mix: window j of lane b is the H features s[b, j*E .. j*E + H) of
 * s (B, S) with S = (NW - 1) * E + H; pre (B, H) = ub[0] + sum over j of
 * coef[j] * window j. */
void nz_patch_mix_forward(nz_nn_ctx *ctx, float *pre, const float *s, const float *coef,
			  const float *ub, u32 B, u32 NW, u32 E, u32 H);
/* ds (B, S) = sum over j of coef[j] * dpre placed at window j (written);
 * dcoef[j] = sum over lanes, then features, of dpre * window j (written);
 * dub[0] += sum over lanes, then features, of dpre. */
void nz_patch_mix_backward(nz_nn_ctx *ctx, float *ds, float *dcoef, float *dub,
			   const float *dpre, const float *s, const float *coef, u32 B, u32 NW,
			   u32 E, u32 H);

#endif /* NZ_NN_OPS_MODEL_H */
