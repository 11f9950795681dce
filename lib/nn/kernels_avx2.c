/*
 * kernels_avx2.c - the AVX2 + FMA backend: eight lanes, a 6x16 GEMM microkernel
 * (12 accumulators, two B vectors and one broadcast in the 16 YMM registers).
 */
#include "nn/kernels.h"
#include "nn/nn.h"

#ifdef NZ_NN_HAVE_X86
#include "nn/simd_avx2.h"

#include "nn/kernels_template.h"

#define AMR 6
#define ANR 16

VINL __m256i tail_mask8(u32 n)
{
	const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
	return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), idx);
}

ATTR static void gemm_micro_avx2(size_t kc, const float *A, const float *B, float *C,
				 size_t ldc, u32 m, u32 n, int init, const float *bias)
{
	__m256 c[AMR][2];
	const u32 n0 = n < 8 ? n : 8, n1 = n > 8 ? n - 8 : 0;
	const __m256i m0 = tail_mask8(n0), m1 = tail_mask8(n1);
	const int full = (m == AMR && n == ANR);
	if (init == NZ_GEMM_INIT_ZERO) {
		for (int i = 0; i < AMR; i++)
			c[i][0] = c[i][1] = _mm256_setzero_ps();
	} else if (init == NZ_GEMM_INIT_BIAS) {
		const __m256 b0 = full ? _mm256_loadu_ps(bias) : _mm256_maskload_ps(bias, m0);
		const __m256 b1 = full ? _mm256_loadu_ps(bias + 8) : _mm256_maskload_ps(bias + 8, m1);
		for (int i = 0; i < AMR; i++) {
			c[i][0] = b0;
			c[i][1] = b1;
		}
	} else {
		for (int i = 0; i < AMR; i++) {
			if (full) {
				c[i][0] = _mm256_loadu_ps(C + i * ldc);
				c[i][1] = _mm256_loadu_ps(C + i * ldc + 8);
			} else if ((u32)i < m) {
				c[i][0] = _mm256_maskload_ps(C + i * ldc, m0);
				c[i][1] = _mm256_maskload_ps(C + i * ldc + 8, m1);
			} else {
				c[i][0] = c[i][1] = _mm256_setzero_ps();
			}
		}
	}
	for (size_t k = 0; k < kc; k++) {
		const __m256 b0 = _mm256_loadu_ps(B), b1 = _mm256_loadu_ps(B + 8);
#pragma GCC unroll 8
		for (int i = 0; i < AMR; i++) {
			const __m256 a = _mm256_broadcast_ss(A + i);
			c[i][0] = _mm256_fmadd_ps(a, b0, c[i][0]);
			c[i][1] = _mm256_fmadd_ps(a, b1, c[i][1]);
		}
		A += AMR;
		B += ANR;
	}
	if (full) {
		for (int i = 0; i < AMR; i++) {
			_mm256_storeu_ps(C + i * ldc, c[i][0]);
			_mm256_storeu_ps(C + i * ldc + 8, c[i][1]);
		}
	} else {
		for (u32 i = 0; i < m; i++) {
			_mm256_maskstore_ps(C + i * ldc, m0, c[i][0]);
			_mm256_maskstore_ps(C + i * ldc + 8, m1, c[i][1]);
		}
	}
}

const nz_nn_kernels nz_nn_kernels_avx2 = {
	.name = "avx2",
	.id = NZ_NN_BACKEND_AVX2,
	.mr = AMR, .nr = ANR, .mc = 120, .kc = 256, .nc = 1024,
	.gemm_micro = gemm_micro_avx2,
	KERNEL_TABLE_ENTRIES,
};
#endif
