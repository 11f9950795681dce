/*
 * kernels_scalar.c - the reference backend: plain C, one lane at a time. It runs
 * on every CPU, and every other backend must match it bit for bit.
 */
#include "nn/kernels.h"
#include "nn/nn.h"
#include "nn/simd_scalar.h"

#include "nn/kernels_template.h"

#define SMR 4
#define SNR 8

/* A 4x8 tile: each C element is one in-order fmaf chain over k. Reads A only
 * for rows i < m and B only for columns j < n. */
static void gemm_micro_scalar(size_t kc, const float *A, size_t rsa, size_t csa,
			      const float *B, size_t ldb, float *C, size_t ldc, u32 m, u32 n,
			      int init, const float *bias)
{
	float c[SMR][SNR];
	for (u32 i = 0; i < SMR; i++)
		for (u32 j = 0; j < SNR; j++) {
			float v = 0.0f;
			if (i < m && j < n) {
				if (init == NZ_GEMM_INIT_BIAS)
					v = bias[j];
				else if (init == NZ_GEMM_INIT_LOAD)
					v = C[i * ldc + j];
			}
			c[i][j] = v;
		}
	for (size_t k = 0; k < kc; k++, B += ldb)
		for (u32 i = 0; i < m; i++) {
			const float a = A[i * rsa + k * csa];
			for (u32 j = 0; j < n; j++)
				c[i][j] = fmaf(a, B[j], c[i][j]);
		}
	for (u32 i = 0; i < m; i++)
		for (u32 j = 0; j < n; j++)
			C[i * ldc + j] = c[i][j];
}

const nz_nn_kernels nz_nn_kernels_scalar = {
	.name = "scalar",
	.id = NZ_NN_BACKEND_SCALAR,
	.mr = SMR, .nr = SNR, .mc = 64, .kc = 256, .nc = 512,
	.gemm_micro = gemm_micro_scalar,
	KERNEL_TABLE_ENTRIES,
};

/* The scalar reference math of nn.h: the same template functions, one lane. */
float nz_expf(float x) { return m_exp(x); }
float nz_logf(float x) { return m_log(x); }
float nz_tanhf(float x) { return m_tanh(x); }
float nz_erff(float x) { return m_erf(x); }
float nz_sigmoidf(float x) { return m_sigmoid(x); }
float nz_geluf(float x) { return m_gelu(x); }
