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

/* The tile body; rs1 and fullb as in kernels_avx512.c: one A pointer when the
 * rows are consecutive and all present (else one clamped pointer per row), and
 * unmasked B loads when all ANR columns exist. */
VINL void micro_body(size_t kc, const float *A, size_t rsa, size_t csa, const float *B,
		     size_t ldb, float *C, size_t ldc, u32 m, u32 n, int init,
		     const float *bias, const int rs1, const int fullb)
{
	__m256 c[AMR][2];
	const u32 n0 = n < 8 ? n : 8, n1 = n > 8 ? n - 8 : 0;
	const __m256i m0 = tail_mask8(n0), m1 = tail_mask8(n1);
	const int full = (m == AMR && n == ANR);
	/* Every loop over the tile has constant bounds and is unrolled, so the
	 * accumulators stay in registers (a variable index would spill them). */
	if (init == NZ_GEMM_INIT_ZERO) {
#pragma GCC unroll 8
		for (int i = 0; i < AMR; i++)
			c[i][0] = c[i][1] = _mm256_setzero_ps();
	} else if (init == NZ_GEMM_INIT_BIAS) {
		const __m256 b0 = full ? _mm256_loadu_ps(bias) : _mm256_maskload_ps(bias, m0);
		const __m256 b1 = full ? _mm256_loadu_ps(bias + 8) : _mm256_maskload_ps(bias + 8, m1);
#pragma GCC unroll 8
		for (int i = 0; i < AMR; i++) {
			c[i][0] = b0;
			c[i][1] = b1;
		}
	} else {
#pragma GCC unroll 8
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
#pragma GCC unroll 8
	for (int i = 0; i < AMR; i++)
		_mm_prefetch((const char *)(C + (AMR + i) * ldc), _MM_HINT_T0);
	const float *ap[AMR];
#pragma GCC unroll 8
	for (int i = 0; i < AMR; i++)
		ap[i] = A + (size_t)((u32)i < m ? (u32)i : m - 1) * rsa;
	for (size_t k = 0, ko = 0; k < kc; k++, ko += csa) {
		const __m256 b0 = fullb ? _mm256_loadu_ps(B) : _mm256_maskload_ps(B, m0);
		const __m256 b1 = fullb ? _mm256_loadu_ps(B + 8) : _mm256_maskload_ps(B + 8, m1);
#pragma GCC unroll 8
		for (int i = 0; i < AMR; i++) {
			const __m256 a = _mm256_broadcast_ss(rs1 ? A + ko + i : ap[i] + ko);
			c[i][0] = _mm256_fmadd_ps(a, b0, c[i][0]);
			c[i][1] = _mm256_fmadd_ps(a, b1, c[i][1]);
		}
		B += ldb;
	}
	if (full) {
#pragma GCC unroll 8
		for (int i = 0; i < AMR; i++) {
			_mm256_storeu_ps(C + i * ldc, c[i][0]);
			_mm256_storeu_ps(C + i * ldc + 8, c[i][1]);
		}
	} else {
#pragma GCC unroll 8
		for (int i = 0; i < AMR; i++) {
			if ((u32)i < m) {
				_mm256_maskstore_ps(C + i * ldc, m0, c[i][0]);
				_mm256_maskstore_ps(C + i * ldc + 8, m1, c[i][1]);
			}
		}
	}
}

ATTR static void gemm_micro_avx2(size_t kc, const float *A, size_t rsa, size_t csa,
				 const float *B, size_t ldb, float *C, size_t ldc, u32 m, u32 n,
				 int init, const float *bias)
{
	const int rs1 = rsa == 1 && m == AMR;
	if (n == ANR) {
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

/* ---- transposing pack: 8x8 blocks through registers ---- */

VINL void transpose8(__m256 r[8])
{
	const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
	const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
	const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
	const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
	const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee);
	const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee);
	const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee);
	const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);
	r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
	r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
	r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
	r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
	r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
	r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
	r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
	r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

ATTR void nz_pack_t_avx2(float *dst, u32 stride, const float *src, size_t lds, u32 rows,
			 u32 kc)
{
	for (u32 r0 = 0; r0 < stride; r0 += 8) {
		const u32 valid = rows > r0 ? NZ_MIN(8, rows - r0) : 0;
		const u32 lanes = NZ_MIN(8, stride - r0);
		const __m256i smask = tail_mask8(lanes);
		for (u32 k0 = 0; k0 < kc; k0 += 8) {
			const u32 nk = NZ_MIN(8, kc - k0);
			__m256 r[8];
			if (nk == 8) {
				for (u32 i = 0; i < 8; i++)
					r[i] = i < valid ? _mm256_loadu_ps(src + (size_t)(r0 + i) * lds + k0)
							 : _mm256_setzero_ps();
			} else {
				const __m256i lmask = tail_mask8(nk);
				for (u32 i = 0; i < 8; i++)
					r[i] = i < valid ? _mm256_maskload_ps(src + (size_t)(r0 + i) * lds + k0, lmask)
							 : _mm256_setzero_ps();
			}
			transpose8(r);
			float *d = dst + (size_t)k0 * stride + r0;
			if (lanes == 8)
				for (u32 k = 0; k < nk; k++)
					_mm256_storeu_ps(d + (size_t)k * stride, r[k]);
			else
				for (u32 k = 0; k < nk; k++)
					_mm256_maskstore_ps(d + (size_t)k * stride, smask, r[k]);
		}
	}
}

const nz_nn_kernels nz_nn_kernels_avx2 = {
	.name = "avx2",
	.id = NZ_NN_BACKEND_AVX2,
	.mr = AMR, .nr = ANR, .mc = 120, .kc = 256, .nc = 1024,
	.gemm_micro = gemm_micro_avx2,
	.pack_t = nz_pack_t_avx2,
	KERNEL_TABLE_ENTRIES,
};
#endif
