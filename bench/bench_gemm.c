/*
 * bench_gemm.c - matrix-product throughput of the NN engine (nz_gemm) in GFLOP/s,
 * against the core's measured fp32 FMA peak.
 *
 *   bench_gemm [--backend NAME] [--threads T] [--reps R] [--peak]
 *              [--cpu-time] [--openblas] [--block mc,kc,nc] [--pack auto|always|never]
 *              [--shape M,N,K,ta,tb] ... | [--table [--full]]
 *
 * --table runs the shapes of the seed models (lanes B = 256, 1024, 8192, hidden
 * 512, feed-forward F = 2048, 4096, 8192; --full adds B = 512, 2048, 4096) in the
 * three products a linear layer needs:
 *   fwd   y = x . w^T      (nt)  M=B  N=F   K=512   and  M=B N=512 K=F
 *   dX    dx = dy . w      (nn)  M=B  N=512 K=F     and  M=B N=F   K=512
 *   dW    dw += dy^T . x   (tn)  M=F  N=512 K=B     and  M=512 N=F K=B
 * Each result is the best of R runs (default 3) of wall time (--cpu-time: process
 * CPU time, for tuning on a busy machine). Output: one line per shape,
 * "kind M N K ta tb threads gflops", read by bench/gemm_table.sh. --peak prints
 * the measured single-core FMA peak (16 independent AVX-512 or AVX2 chains).
 * --openblas adds OpenBLAS's cblas_sgemm on the same operands as a last column
 * (loaded with dlopen if libopenblas0 is installed; never linked).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dlfcn.h>

#include "common/cpu.h"
#include "nn/nn.h"

#ifdef NZ_NN_HAVE_X86
#include <immintrin.h>
#endif

/* Wall time, or with --cpu-time the process's CPU time (for tuning single-thread
 * kernels on a busy machine: time spent descheduled is not counted). */
static int use_cpu_time;

static double now(void)
{
	struct timespec ts;
	clock_gettime(use_cpu_time ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#ifdef NZ_NN_HAVE_X86
__attribute__((target("avx512f,fma"), noinline)) static double peak_avx512(long iters)
{
	__m512 a[16], b = _mm512_set1_ps(0.999f), c = _mm512_set1_ps(1e-3f);
	for (int i = 0; i < 16; i++)
		a[i] = _mm512_set1_ps((float)i);
	for (long n = 0; n < iters; n++) {
#pragma GCC unroll 16
		for (int i = 0; i < 16; i++)
			a[i] = _mm512_fmadd_ps(a[i], b, c);
	}
	__m512 s = a[0];
	for (int i = 1; i < 16; i++)
		s = _mm512_add_ps(s, a[i]);
	return (double)_mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"), noinline)) static double peak_avx2(long iters)
{
	__m256 a[12], b = _mm256_set1_ps(0.999f), c = _mm256_set1_ps(1e-3f);
	for (int i = 0; i < 12; i++)
		a[i] = _mm256_set1_ps((float)i);
	for (long n = 0; n < iters; n++) {
#pragma GCC unroll 16
		for (int i = 0; i < 12; i++)
			a[i] = _mm256_fmadd_ps(a[i], b, c);
	}
	float t[8];
	__m256 s = a[0];
	for (int i = 1; i < 12; i++)
		s = _mm256_add_ps(s, a[i]);
	_mm256_storeu_ps(t, s);
	return t[0];
}
#endif

/* Single-core fp32 FMA peak in GFLOP/s (best of 5), or 0 if unknown. */
static double measure_peak(void)
{
#ifdef NZ_NN_HAVE_X86
	const long iters = 20000000;
	double best = 0, sink = 0;
	for (int rep = 0; rep < 5; rep++) {
		double t0 = now(), g;
		if (nz_nn_backend_supported(NZ_NN_BACKEND_AVX512)) {
			sink += peak_avx512(iters);
			g = 16.0 * 16 * 2 * iters / (now() - t0) * 1e-9;
		} else if (nz_nn_backend_supported(NZ_NN_BACKEND_AVX2)) {
			sink += peak_avx2(iters);
			g = 12.0 * 8 * 2 * iters / (now() - t0) * 1e-9;
		} else {
			return 0;
		}
		if (g > best)
			best = g;
	}
	if (sink == 12345.0)
		printf("#\n");
	return best;
#else
	return 0;
#endif
}

/* OpenBLAS, loaded at run time if installed (--openblas): the engine never
 * depends on it; it is only the yardstick. */
typedef void (*sgemm_fn)(int order, int ta, int tb, int M, int N, int K, float alpha,
			 const float *A, int lda, const float *B, int ldb, float beta, float *C,
			 int ldc);
static sgemm_fn blas_sgemm;

static int load_openblas(u32 threads)
{
	void *h = dlopen("libopenblas.so.0", RTLD_NOW);
	if (!h)
		return 0;
	blas_sgemm = (sgemm_fn)(uintptr_t)dlsym(h, "cblas_sgemm");
	void (*set_threads)(int) = (void (*)(int))(uintptr_t)dlsym(h, "openblas_set_num_threads");
	if (set_threads)
		set_threads((int)threads);
	return blas_sgemm != NULL;
}

static double run_shape(nz_nn_ctx *ctx, const char *kind, u32 M, u32 N, u32 K, int ta,
			int tb, int reps)
{
	const size_t na = (size_t)M * K, nb = (size_t)K * N, nc = (size_t)M * N;
	float *A = nz_nn_alloc(ctx, na), *B = nz_nn_alloc(ctx, nb), *C = nz_nn_alloc(ctx, nc);
	if (!A || !B || !C) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	nz_rng r;
	nz_rng_seed(&r, 1, 0);
	for (size_t i = 0; i < na; i++)
		A[i] = nz_rng_uniform(&r) - 0.5f;
	for (size_t i = 0; i < nb; i++)
		B[i] = nz_rng_uniform(&r) - 0.5f;
	memset(C, 0, nc * sizeof(float));
	const size_t lda = ta ? M : K, ldb = tb ? K : N;
	const int acc = ta; /* the weight gradient accumulates */
	double best = 1e30, best_blas = 1e30;
	for (int i = 0; i < reps + 1; i++) {
		double t0 = now();
		nz_gemm(ctx, ta, tb, M, N, K, A, lda, B, ldb, C, N, NULL, acc);
		double t = now() - t0;
		if (i && t < best) /* the first run warms up */
			best = t;
		if (blas_sgemm) {
			t0 = now();
			blas_sgemm(101, ta ? 112 : 111, tb ? 112 : 111, (int)M, (int)N, (int)K, 1.0f, A,
				   (int)lda, B, (int)ldb, acc ? 1.0f : 0.0f, C, (int)N);
			t = now() - t0;
			if (i && t < best_blas)
				best_blas = t;
		}
	}
	const double gf = 2.0 * M * N * K / best * 1e-9;
	printf("%s %u %u %u %d %d %u %.1f", kind, M, N, K, ta, tb, nz_nn_threads(ctx), gf);
	if (blas_sgemm)
		printf(" %.1f", 2.0 * M * N * K / best_blas * 1e-9);
	printf("\n");
	fflush(stdout);
	nz_nn_free_mem(ctx, A);
	nz_nn_free_mem(ctx, B);
	nz_nn_free_mem(ctx, C);
	return gf;
}

int main(int argc, char **argv)
{
	nz_nn_options o = {.backend = NZ_NN_BACKEND_AUTO, .threads = 1};
	int reps = 3, table = 0, peak = 0, full = 0, use_blas = 0;
	u32 shapes[64][5];
	int nshapes = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--backend") && i + 1 < argc) {
			o.backend = nz_nn_backend_from_name(argv[++i]);
			if (o.backend < 0) {
				fprintf(stderr, "unknown backend %s\n", argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
			o.threads = (u32)atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--block") && i + 1 < argc) {
			if (sscanf(argv[++i], "%u,%u,%u", &o.gemm_mc, &o.gemm_kc, &o.gemm_nc) != 3) {
				fprintf(stderr, "--block wants mc,kc,nc\n");
				return 2;
			}
		} else if (!strcmp(argv[i], "--pack") && i + 1 < argc) {
			const char *v = argv[++i];
			o.gemm_pack = !strcmp(v, "always") ? NZ_NN_GEMM_PACK_ALWAYS
				      : !strcmp(v, "never") ? NZ_NN_GEMM_PACK_NEVER
							    : NZ_NN_GEMM_PACK_AUTO;
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			reps = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--table")) {
			table = 1;
		} else if (!strcmp(argv[i], "--openblas")) {
			use_blas = 1;
		} else if (!strcmp(argv[i], "--cpu-time")) {
			use_cpu_time = 1;
		} else if (!strcmp(argv[i], "--full")) {
			full = 1;
		} else if (!strcmp(argv[i], "--peak")) {
			peak = 1;
		} else if (!strcmp(argv[i], "--shape") && i + 1 < argc && nshapes < 64) {
			u32 *s = shapes[nshapes++];
			if (sscanf(argv[++i], "%u,%u,%u,%u,%u", &s[0], &s[1], &s[2], &s[3], &s[4]) != 5) {
				fprintf(stderr, "--shape wants M,N,K,ta,tb\n");
				return 2;
			}
		} else {
			fprintf(stderr, "usage: %s [--backend NAME] [--threads T] [--reps R] "
				"[--peak] [--table [--full]] [--shape M,N,K,ta,tb]...\n", argv[0]);
			return 2;
		}
	}
	if (peak) {
		printf("peak %.1f\n", measure_peak());
		if (!table && !nshapes)
			return 0;
	}
	if (use_blas && !load_openblas(o.threads ? o.threads : nz_cpu_count()))
		fprintf(stderr, "# libopenblas.so.0 not found: no comparison\n");
	nz_nn_ctx *ctx;
	int rc = nz_nn_create(&ctx, &o);
	if (rc) {
		fprintf(stderr, "cannot create the engine: %s\n", nz_error_string(rc));
		return 1;
	}
	char brand[64], feats[128];
	nz_cpu_brand(brand, sizeof brand);
	nz_cpu_features_string(nz_cpu_features(), feats, sizeof feats);
	printf("# cpu: %s (%s); backend %s; threads %u\n", brand, feats,
	       nz_nn_backend_name(nz_nn_backend(ctx)), nz_nn_threads(ctx));
	for (int s = 0; s < nshapes; s++)
		run_shape(ctx, "shape", shapes[s][0], shapes[s][1], shapes[s][2], (int)shapes[s][3],
			  (int)shapes[s][4], reps);
	if (table) {
		static const u32 lanes_short[] = {256, 1024, 8192}, ffn[] = {2048, 4096, 8192};
		static const u32 lanes_full[] = {256, 512, 1024, 2048, 4096, 8192};
		const u32 *lanes = full ? lanes_full : lanes_short;
		const u32 nl = full ? 6 : 3, nf = 3, H = 512;
		for (u32 f = 0; f < nf; f++)
			for (u32 l = 0; l < nl; l++) {
				const u32 B = lanes[l], F = ffn[f];
				run_shape(ctx, "fwd", B, F, H, 0, 1, reps);
				run_shape(ctx, "fwd", B, H, F, 0, 1, reps);
				run_shape(ctx, "dX", B, H, F, 0, 0, reps);
				run_shape(ctx, "dX", B, F, H, 0, 0, reps);
				run_shape(ctx, "dW", F, H, B, 1, 0, reps);
				run_shape(ctx, "dW", H, F, B, 1, 0, reps);
			}
	}
	nz_nn_free(ctx);
	return 0;
}
