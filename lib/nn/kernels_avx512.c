/*
 * kernels_avx512.c - the AVX-512 backend: sixteen lanes, a 12x32 GEMM
 * microkernel (24 accumulators, two B vectors and one broadcast in the 32 ZMM
 * registers). Two FMAs per broadcast and per B load keep the load ports below
 * the FMA rate; every output is still one in-order fma chain over k. On Zen 4,
 * 14x32, 12x32, 8x48 and 6x64 tiles measured within noise of each other
 * (about 95 GFLOP/s of a 113 GFLOP/s core); 32 columns divide every width the
 * seed models use.
 */
#include "nn/kernels.h"
#include "nn/nn.h"

#ifdef NZ_NN_HAVE_X86
#include "nn/simd_avx512.h"

#include "nn/kernels_template.h"

#ifndef XMR
#define XMR 12
#endif
#ifndef XNV
#define XNV 2          /* vectors of 16 per tile row */
#endif
#define XNR (16 * XNV)

VINL __mmask16 tail_mask16(u32 n) { return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1); }

/* The tile body, specialised by the always-inline flags:
 *   rs1    A's rows are consecutive floats (rsa == 1) and all XMR rows exist, so
 *          one pointer serves the 12 broadcasts (packed panels, transposed A);
 *          otherwise each row has its own pointer and rows past m repeat row
 *          m - 1 (computed, never stored), so nothing past the operand is read;
 *   fullb  all XNR columns exist (unmasked B loads); otherwise masked loads
 *          that read nothing past column n.
 * Every loop over the tile has constant bounds and is unrolled, so the
 * accumulators stay in registers. */
VINL void micro_body(size_t kc, const float *A, size_t rsa, size_t csa, const float *B,
		     size_t ldb, float *C, size_t ldc, u32 m, u32 n, int init,
		     const float *bias, const int rs1, const int fullb)
{
	__m512 c[XMR][XNV];
	__mmask16 mk[XNV];
#pragma GCC unroll 8
	for (int v = 0; v < XNV; v++)
		mk[v] = tail_mask16(n > 16u * v ? n - 16u * v : 0);
	if (init == NZ_GEMM_INIT_ZERO) {
#pragma GCC unroll 16
		for (int i = 0; i < XMR; i++)
#pragma GCC unroll 8
			for (int v = 0; v < XNV; v++)
				c[i][v] = _mm512_setzero_ps();
	} else if (init == NZ_GEMM_INIT_BIAS) {
		__m512 b[XNV];
#pragma GCC unroll 8
		for (int v = 0; v < XNV; v++)
			b[v] = _mm512_maskz_loadu_ps(mk[v], bias + 16 * v);
#pragma GCC unroll 16
		for (int i = 0; i < XMR; i++)
#pragma GCC unroll 8
			for (int v = 0; v < XNV; v++)
				c[i][v] = b[v];
	} else {
#pragma GCC unroll 16
		for (int i = 0; i < XMR; i++)
#pragma GCC unroll 8
			for (int v = 0; v < XNV; v++)
				c[i][v] = _mm512_maskz_loadu_ps((u32)i < m ? mk[v] : 0, C + i * ldc + 16 * v);
	}
	/* The driver's next tile is usually the MR rows below: start fetching its
	 * C rows now, so its accumulators do not wait for memory. */
#pragma GCC unroll 16
	for (int i = 0; i < XMR; i++)
#pragma GCC unroll 8
		for (int v = 0; v < XNV; v++)
			_mm_prefetch((const char *)(C + (XMR + i) * ldc + 16 * v), _MM_HINT_T0);
	if (rs1) {
		for (size_t k = 0; k < kc; k++) {
			__m512 b[XNV];
#pragma GCC unroll 8
			for (int v = 0; v < XNV; v++)
				b[v] = fullb ? _mm512_loadu_ps(B + 16 * v)
					     : _mm512_maskz_loadu_ps(mk[v], B + 16 * v);
#pragma GCC unroll 16
			for (int i = 0; i < XMR; i++) {
				const __m512 a = _mm512_set1_ps(A[i]);
#pragma GCC unroll 8
				for (int v = 0; v < XNV; v++)
					c[i][v] = _mm512_fmadd_ps(a, b[v], c[i][v]);
			}
			A += csa;
			B += ldb;
		}
	} else {
		const float *ap[XMR];
#pragma GCC unroll 16
		for (int i = 0; i < XMR; i++)
			ap[i] = A + (size_t)((u32)i < m ? (u32)i : m - 1) * rsa;
		for (size_t k = 0, ko = 0; k < kc; k++, ko += csa) {
			__m512 b[XNV];
#pragma GCC unroll 8
			for (int v = 0; v < XNV; v++)
				b[v] = fullb ? _mm512_loadu_ps(B + 16 * v)
					     : _mm512_maskz_loadu_ps(mk[v], B + 16 * v);
#pragma GCC unroll 16
			for (int i = 0; i < XMR; i++) {
				const __m512 a = _mm512_set1_ps(ap[i][ko]);
#pragma GCC unroll 8
				for (int v = 0; v < XNV; v++)
					c[i][v] = _mm512_fmadd_ps(a, b[v], c[i][v]);
			}
			B += ldb;
		}
	}
	if (m == XMR && n == XNR) {
#pragma GCC unroll 16
		for (int i = 0; i < XMR; i++)
#pragma GCC unroll 8
			for (int v = 0; v < XNV; v++)
				_mm512_storeu_ps(C + i * ldc + 16 * v, c[i][v]);
	} else {
#pragma GCC unroll 16
		for (int i = 0; i < XMR; i++)
			if ((u32)i < m)
#pragma GCC unroll 8
				for (int v = 0; v < XNV; v++)
					_mm512_mask_storeu_ps(C + i * ldc + 16 * v, mk[v], c[i][v]);
	}
}

ATTR static void gemm_micro_avx512(size_t kc, const float *A, size_t rsa, size_t csa,
				   const float *B, size_t ldb, float *C, size_t ldc, u32 m,
				   u32 n, int init, const float *bias)
{
	const int rs1 = rsa == 1 && m == XMR;
	if (n == XNR) {
		if (rs1)
			micro_body(kc, A, rsa, csa, B, ldb, C, ldc, m, n, init, bias, 1, 1);
		else
			micro_body(kc, A, rsa, csa, B, ldb, C, ldc, m, n, init, bias, 0, 1);
	} else {
		if (rs1)
			micro_body(kc, A, rsa, csa, B, ldb, C, ldc, m, n, init, bias, 1, 0);
		else
			micro_body(kc, A, rsa, csa, B, ldb, C, ldc, m, n, init, bias, 0, 0);
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
