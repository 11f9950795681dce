/*
 * kernels_avx512.c - the AVX-512 backend: sixteen lanes, a 14x32 GEMM
 * microkernel (28 accumulators, two B vectors and one broadcast in the 32 ZMM
 * registers). Two FMAs per broadcast and per B load keep the load ports below
 * the FMA rate; every output is still one in-order fma chain over k.
 */
#include "nn/kernels.h"
#include "nn/nn.h"

#ifdef NZ_NN_HAVE_X86
#include "nn/simd_avx512.h"

#include "nn/kernels_template.h"

#define XMR 14
#define XNR 32

VINL __mmask16 tail_mask16(u32 n) { return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1); }

ATTR static void gemm_micro_avx512(size_t kc, const float *A, const float *B, float *C,
				   size_t ldc, u32 m, u32 n, int init, const float *bias)
{
	__m512 c[XMR][2];
	const __mmask16 m0 = tail_mask16(n), m1 = tail_mask16(n > 16 ? n - 16 : 0);
	if (init == NZ_GEMM_INIT_ZERO) {
#pragma GCC unroll 16
		for (int i = 0; i < XMR; i++)
			c[i][0] = c[i][1] = _mm512_setzero_ps();
	} else if (init == NZ_GEMM_INIT_BIAS) {
		const __m512 b0 = _mm512_maskz_loadu_ps(m0, bias);
		const __m512 b1 = _mm512_maskz_loadu_ps(m1, bias + 16);
#pragma GCC unroll 16
		for (int i = 0; i < XMR; i++) {
			c[i][0] = b0;
			c[i][1] = b1;
		}
	} else {
#pragma GCC unroll 16
		for (int i = 0; i < XMR; i++) {
			const __mmask16 r0 = (u32)i < m ? m0 : 0, r1 = (u32)i < m ? m1 : 0;
			c[i][0] = _mm512_maskz_loadu_ps(r0, C + i * ldc);
			c[i][1] = _mm512_maskz_loadu_ps(r1, C + i * ldc + 16);
		}
	}
	/* The driver's next tile is usually the MR rows below: start fetching its
	 * C rows now, so its accumulators do not wait for memory. */
#pragma GCC unroll 16
	for (int i = 0; i < XMR; i++) {
		_mm_prefetch((const char *)(C + (XMR + i) * ldc), _MM_HINT_T0);
		_mm_prefetch((const char *)(C + (XMR + i) * ldc + 16), _MM_HINT_T0);
	}
	for (size_t k = 0; k < kc; k++) {
		const __m512 b0 = _mm512_loadu_ps(B), b1 = _mm512_loadu_ps(B + 16);
#pragma GCC unroll 16
		for (int i = 0; i < XMR; i++) {
			const __m512 a = _mm512_set1_ps(A[i]);
			c[i][0] = _mm512_fmadd_ps(a, b0, c[i][0]);
			c[i][1] = _mm512_fmadd_ps(a, b1, c[i][1]);
		}
		A += XMR;
		B += XNR;
	}
	if (m == XMR && n == XNR) {
#pragma GCC unroll 16
		for (int i = 0; i < XMR; i++) {
			_mm512_storeu_ps(C + i * ldc, c[i][0]);
			_mm512_storeu_ps(C + i * ldc + 16, c[i][1]);
		}
	} else {
#pragma GCC unroll 16
		for (int i = 0; i < XMR; i++) {
			if ((u32)i < m) {
				_mm512_mask_storeu_ps(C + i * ldc, m0, c[i][0]);
				_mm512_mask_storeu_ps(C + i * ldc + 16, m1, c[i][1]);
			}
		}
	}
}

const nz_nn_kernels nz_nn_kernels_avx512 = {
	.name = "avx512",
	.id = NZ_NN_BACKEND_AVX512,
	.mr = XMR, .nr = XNR, .mc = 168, .kc = 256, .nc = 2048,
	.gemm_micro = gemm_micro_avx512,
	.pack_t = nz_pack_t_avx2,
	KERNEL_TABLE_ENTRIES,
};
#endif
