/*
 * test_nn_gemm.c - the matrix product: every backend, thread count and
 * transpose and packing mode (operands packed into panels, or read in place), on
 * random shapes (odd sizes, sizes around the block edges), must equal the naive
 * in-order fma loops bit for bit.
 */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <stdlib.h>

#include "nn_test_common.h"

/* An engine buffer holding a copy of host floats (a device backend's operands). */
static float *to_buf(nz_nn_ctx *ctx, const float *h, size_t n)
{
	float *b = nz_nn_alloc(ctx, n ? n : 1);
	REQUIRE(b);
	nz_nn_upload(ctx, b, h, n);
	return b;
}

static int run_case(nz_nn_ctx *ctx, nz_test_rng *r, u32 M, u32 N, u32 K, int ta, int tb,
		    int mode, const char *tag)
{
	const int dev = cpu_kernels(ctx) == NULL; /* operands in engine buffers */
	const size_t lda = (ta ? M : K) + (nz_test_next(r) % 3), ldb = (tb ? K : N) + (nz_test_next(r) % 3);
	const size_t ldc = N + (nz_test_next(r) % 3);
	float *A = rand_array((ta ? (size_t)K * lda : (size_t)M * lda), -1, 1, r);
	float *B = rand_array((tb ? (size_t)N * ldb : (size_t)K * ldb), -1, 1, r);
	float *bias = rand_array(N, -1, 1, r);
	float *C0 = rand_array((size_t)M * ldc, -1, 1, r);
	float *C1 = copy_array(C0, (size_t)M * ldc);
	const float *bp = mode == 1 ? bias : NULL;
	const int acc = mode == 2;
	nz_gemm_naive(ta, tb, M, N, K, A, lda, B, ldb, C0, ldc, bp, acc);
	if (dev) {
		const size_t na = ta ? (size_t)K * lda : (size_t)M * lda;
		const size_t nb = tb ? (size_t)N * ldb : (size_t)K * ldb, nc = (size_t)M * ldc;
		float *dA = to_buf(ctx, A, na), *dB = to_buf(ctx, B, nb), *dC = to_buf(ctx, C1, nc);
		float *dbias = to_buf(ctx, bias, N);
		nz_gemm(ctx, ta, tb, M, N, K, dA, lda, dB, ldb, dC, ldc, bp ? dbias : NULL, acc);
		nz_nn_download(ctx, C1, dC, nc);
		nz_nn_free_mem(ctx, dA), nz_nn_free_mem(ctx, dB), nz_nn_free_mem(ctx, dC);
		nz_nn_free_mem(ctx, dbias);
	} else {
		nz_gemm(ctx, ta, tb, M, N, K, A, lda, B, ldb, C1, ldc, bp, acc);
	}
	size_t at = first_diff(C0, C1, (size_t)M * ldc);
	int bad = at != (size_t)M * ldc;
	if (bad) {
		fprintf(stderr, "gemm %s M=%u N=%u K=%u ta=%d tb=%d mode=%d differs at %zu\n",
			tag, M, N, K, ta, tb, mode, at);
		nz_test_failures++;
	}
	nz_free_aligned(A);
	nz_free_aligned(B);
	nz_free_aligned(bias);
	nz_free_aligned(C0);
	nz_free_aligned(C1);
	return bad;
}

int main(void)
{
	nz_test_rng r = {12345};
	static const u32 threads[] = {1, 2, 3};
	static const char *const packs[] = {"auto", "always", "never"};
	for (int be = NZ_NN_BACKEND_SCALAR; be < NZ_NN_BACKEND_COUNT_; be++) {
		if (!nz_nn_backend_supported(be)) {
			printf("skip: backend %s not supported on this machine\n", nz_nn_backend_name(be));
			continue;
		}
		for (u32 ti = 0; ti < 3 * NZ_ARRAY_LEN(threads); ti++) {
			const int pack = (int)(ti / NZ_ARRAY_LEN(threads));
			nz_nn_options o = {.backend = be, .threads = threads[ti % NZ_ARRAY_LEN(threads)],
					   .gemm_pack = pack};
			nz_nn_ctx *ctx;
			REQUIRE(nz_nn_create(&ctx, &o) == NZ_OK);
			/* a device backend: operands in engine buffers, one context per
			 * GEMM kernel (the OpenCL backend's naive, 16x16 and 64x64 ones),
			 * the same random shapes and shapes around the tiles */
			const nz_nn_kernels *k = cpu_kernels(ctx);
			static const char *const kinds[] = {"naive", "tiled", "rb"};
			for (int kind = 0; !k && kind < 3; kind++) {
				nz_nn_free(ctx);
				setenv("NZIP_OPENCL_GEMM", kinds[kind], 1);
				REQUIRE(nz_nn_create(&ctx, &o) == NZ_OK);
				unsetenv("NZIP_OPENCL_GEMM");
				char tag[64];
				snprintf(tag, sizeof tag, "%s/%s", nz_nn_backend_name(be), kinds[kind]);
				int cases = 0;
				for (int c = 0; c < 60; c++, cases++) {
					const u32 M = 1 + nz_test_next(&r) % 40, N = 1 + nz_test_next(&r) % 70;
					const u32 K = nz_test_next(&r) % 50;
					run_case(ctx, &r, M, N, K, c & 1, (c >> 1) & 1, c % 3, tag);
				}
				static const u32 dshapes[][3] = {
					{16, 16, 16}, {17, 33, 15}, {97, 301, 263}, {256, 130, 40}, {31, 16, 300},
					{64, 64, 16}, {65, 129, 17},
				};
				for (u32 s = 0; s < NZ_ARRAY_LEN(dshapes); s++)
					for (int t = 0; t < 4; t++, cases++)
						run_case(ctx, &r, dshapes[s][0], dshapes[s][1], dshapes[s][2],
							 t & 1, (t >> 1) & 1, (s + t) % 3, tag);
				printf("%s: %d gemm cases (engine buffers)\n", tag, cases);
			}
			if (!k) {
				nz_nn_free(ctx);
				break;
			}
			char tag[64];
			snprintf(tag, sizeof tag, "%s/%u/%s", nz_nn_backend_name(be), nz_nn_threads(ctx),
				 packs[pack]);
			int cases = 0;
			/* small random shapes, every transpose and start mode */
			for (int c = 0; c < 60; c++) {
				u32 M = 1 + nz_test_next(&r) % 40, N = 1 + nz_test_next(&r) % 70;
				u32 K = nz_test_next(&r) % 50;
				run_case(ctx, &r, M, N, K, c & 1, (c >> 1) & 1, c % 3, tag);
				cases++;
			}
			/* shapes crossing the block sizes (kc, mc, nc) and threaded */
			const u32 shapes[][3] = {
				{k->mc + 3, k->nr * 3 + 5, k->kc + 7},
				{2 * k->mr + 1, k->nc + 17, 2 * k->kc + 1},
				{97, 301, 263},
				{256, 130, 40},
			};
			for (u32 s = 0; s < NZ_ARRAY_LEN(shapes); s++)
				for (int t = 0; t < 4; t++) {
					run_case(ctx, &r, shapes[s][0], shapes[s][1], shapes[s][2], t & 1,
						 (t >> 1) & 1, (s + t) % 3, tag);
					cases++;
				}
			printf("%s: %d gemm cases\n", tag, cases);
			nz_nn_free(ctx);
		}
	}
	return nz_test_finish("test_nn_gemm");
}
