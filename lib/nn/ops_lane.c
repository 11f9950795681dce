/*
 * ops_lane.c - fills and the per-lane bias of a batch ensemble (ops_model.h).
 * One IEEE operation per element, so plain C loops give the bits of every
 * backend (docs/NUMERICS.md section 4).
 */
#include "nn/nn.h"

void nz_fill(nz_nn_ctx *ctx, float *y, size_t n, float value)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++)
		y[i] = value;
}

void nz_lane_bias_forward(nz_nn_ctx *ctx, float *y, const float *x, const float *bias,
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

void nz_lane_bias_backward(nz_nn_ctx *ctx, float *dbias, const float *dy, u32 B, u32 R,
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
