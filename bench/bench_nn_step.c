/*
 * bench_nn_step.c - time of one training step of an EDPC-shaped network on the
 * engine (predict: forward + softmax; train: backward + Adam), by op family, to
 * see where a step goes besides the matrix products. Shapes follow the seed
 * (docs in /work/shared/docs/seed-models.md): 16 bytes x 32-dim embeddings ->
 * 512, a cached 8192-wide feature window -> 512, a 512 -> 2048 -> 512 gated GELU
 * block, a per-lane 2 x 85 x 85 "batch ensemble" branch, a 512 -> 4096 -> 512
 * gated block and 512 -> 256 logits. It is a workload, not a faithful port.
 *
 *   bench_nn_step [--lanes B] [--threads T] [--backend NAME] [--steps N]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn/nn.h"

enum { T = 16, E = 32, H = 512, C = 8192, F1 = 2048, F2 = 4096, R = 2, HB = 256, P = 85,
       V = 256 };

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static nz_nn_ctx *ctx;
static double t_gemm, t_other;
static double mark;

#define TIC() (mark = now())
#define TOC_GEMM() (t_gemm += now() - mark)
#define TOC_OTHER() (t_other += now() - mark)

static float *A(size_t n)
{
	float *p = nz_nn_calloc(ctx, n);
	if (!p) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return p;
}

int main(int argc, char **argv)
{
	u32 B = 512, threads = 1, steps = 5;
	int backend = NZ_NN_BACKEND_AUTO;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--lanes"))
			B = (u32)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--threads"))
			threads = (u32)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--steps"))
			steps = (u32)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--backend"))
			backend = nz_nn_backend_from_name(argv[i + 1]);
	}
	nz_nn_options o = {.backend = backend, .threads = threads};
	if (nz_nn_create(&ctx, &o)) {
		fprintf(stderr, "cannot create the engine\n");
		return 1;
	}
	/* parameters (weights only matter for timing; grads share the layout) */
	nz_nn_layout l;
	nz_nn_layout_init(&l);
	const char *names[] = {"emb", "ln1", "wc", "bc", "ln2", "w1a", "w1b", "w1v", "ln3", "wp", "u", "ub",
			       "wq", "ln4", "w2a", "w2b", "w2v", "ln5", "wo", "bo"};
	const size_t sizes[] = {256 * E, 2 * H, (size_t)H * C, H, 2 * H, (size_t)F1 * H, (size_t)F1 * H,
				(size_t)H * F1, 2 * HB, (size_t)P * HB, (size_t)B * P * P,
				(size_t)B * R * HB, (size_t)HB * P, 2 * H, (size_t)F2 * H, (size_t)F2 * H,
				(size_t)H * F2, 2 * H, (size_t)V * H, V};
	for (u32 i = 0; i < NZ_ARRAY_LEN(sizes); i++)
		nz_nn_layout_add(&l, names[i], sizes[i]);
	nz_nn_params Pm;
	if (nz_nn_params_init(ctx, &Pm, &l)) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	float *p[20], *g[20];
	for (u32 i = 0; i < l.n; i++) {
		p[i] = Pm.param + l.t[i].offset;
		g[i] = Pm.grad + l.t[i].offset;
	}
	nz_rng rng;
	nz_rng_seed(&rng, 1, 0);
	nz_nn_init_uniform(Pm.param, Pm.total, -0.02f, 0.02f, &rng);
	for (int i = 0; i < 5; i++)
		nz_nn_init_const(p[i == 0 ? 1 : i == 1 ? 4 : i == 2 ? 8 : i == 3 ? 13 : 17], H, 1.0f);

	nz_slide_cache cache;
	if (nz_slide_cache_init(ctx, &cache, B, 64, 128, 0))
		return 1;
	const size_t BH = (size_t)B * H;
	float *x0 = A(BH), *x1 = A(BH), *m1 = A(B), *r1 = A(B), *c = A(BH), *x2 = A(BH), *x3 = A(BH);
	float *m3 = A(B), *r3 = A(B), *a1 = A((size_t)B * F1), *b1 = A((size_t)B * F1), *h1 = A((size_t)B * F1);
	float *v1 = A(BH), *x4 = A(BH), *xb = A(BH), *mb = A(2 * B), *rb = A(2 * B), *pq = A((size_t)B * R * P);
	float *pu = A((size_t)B * R * P), *pb = A(BH), *x5 = A(BH), *x6 = A(BH), *m6 = A(B), *r6 = A(B);
	float *a2 = A((size_t)B * F2), *b2 = A((size_t)B * F2), *h2 = A((size_t)B * F2), *v2 = A(BH);
	float *x7 = A(BH), *logits = A((size_t)B * V), *probs = A((size_t)B * V), *newslot = A((size_t)B * 128);
	float *d0 = A(BH), *d1 = A(BH), *d2 = A(BH), *dF = A((size_t)B * F2), *dF2 = A((size_t)B * F2);
	float *dP = A((size_t)B * R * P), *dP2 = A((size_t)B * R * P), *dl = A((size_t)B * V);
	u8 *tok = calloc((size_t)B * T, 1), *next = calloc(B, 1);

	double total = 0, best = 1e30;
	for (u32 s = 0; s < steps; s++) {
		for (size_t i = 0; i < (size_t)B * T; i++)
			tok[i] = (u8)(nz_rng_next(&rng) & 127);
		for (u32 i = 0; i < B; i++)
			next[i] = (u8)(nz_rng_next(&rng) & 127);
		t_gemm = t_other = 0;
		const double t0 = now();
		/* ---- predict ---- */
		TIC();
		nz_embedding_forward(ctx, x0, tok, T, p[0], B, T, E);
		nz_layernorm_forward(ctx, x1, m1, r1, x0, p[1], p[1] + H, B, H, 1e-5f);
		nz_slide_cache_push(ctx, &cache, newslot, 128);
		TOC_OTHER();
		TIC();
		nz_gemm(ctx, 0, 1, B, H, C, nz_slide_cache_window(&cache), cache.ld, p[2], C, c, H, p[3], 0);
		TOC_GEMM();
		TIC();
		nz_gelu_forward(ctx, x2, c, BH);
		nz_avg2_forward(ctx, x3, x1, x2, BH);
		nz_layernorm_forward(ctx, x4, m3, r3, x3, p[4], p[4] + H, B, H, 1e-5f);
		TOC_OTHER();
		TIC();
		nz_linear_forward(ctx, a1, x4, p[5], NULL, B, H, F1);
		nz_linear_forward(ctx, b1, x4, p[6], NULL, B, H, F1);
		TOC_GEMM();
		TIC();
		nz_gelu_mul_forward(ctx, h1, a1, b1, (size_t)B * F1);
		TOC_OTHER();
		TIC();
		nz_linear_forward(ctx, v1, h1, p[7], NULL, B, F1, H);
		TOC_GEMM();
		TIC();
		nz_layernorm_forward(ctx, xb, mb, rb, v1, p[8], p[8] + HB, 2 * B, HB, 1e-5f);
		TOC_OTHER();
		TIC();
		nz_linear_forward(ctx, pq, xb, p[9], NULL, 2 * B, HB, P);
		TOC_GEMM();
		TIC();
		nz_bmm_forward(ctx, pu, pq, p[10], NULL, B, R, P, P);
		TOC_OTHER();
		TIC();
		nz_linear_forward(ctx, pb, pu, p[12], NULL, 2 * B, P, HB);
		TOC_GEMM();
		TIC();
		nz_add_forward(ctx, pb, pb, p[11], BH);
		nz_avg2_forward(ctx, x5, xb, pb, BH);
		nz_layernorm_forward(ctx, x6, m6, r6, x5, p[13], p[13] + H, B, H, 1e-5f);
		TOC_OTHER();
		TIC();
		nz_linear_forward(ctx, a2, x6, p[14], NULL, B, H, F2);
		nz_linear_forward(ctx, b2, x6, p[15], NULL, B, H, F2);
		TOC_GEMM();
		TIC();
		nz_gelu_mul_forward(ctx, h2, a2, b2, (size_t)B * F2);
		TOC_OTHER();
		TIC();
		nz_linear_forward(ctx, v2, h2, p[16], NULL, B, F2, H);
		TOC_GEMM();
		TIC();
		nz_avg2_forward(ctx, x7, x6, v2, BH);
		TOC_OTHER();
		TIC();
		nz_linear_forward(ctx, logits, x7, p[18], p[19], B, H, V);
		TOC_GEMM();
		TIC();
		nz_softmax_forward(ctx, probs, logits, B, V);
		TOC_OTHER();
		const double t_pred = now() - t0;
		/* ---- train ---- */
		TIC();
		nz_nn_params_zero_grad(ctx, &Pm);
		nz_softmax_xent_backward(ctx, dl, probs, next, B, V, 1.0f / (float)B);
		TOC_OTHER();
		TIC();
		nz_linear_backward(ctx, d0, g[18], g[19], dl, x7, p[18], B, H, V, 0);
		TOC_GEMM();
		TIC();
		nz_avg2_backward(ctx, d1, d2, d0, BH, 0);
		TOC_OTHER();
		TIC();
		nz_linear_backward(ctx, dF, g[16], NULL, d2, h2, p[16], B, F2, H, 0);
		TOC_GEMM();
		TIC();
		nz_gelu_mul_backward(ctx, dF, dF2, dF, a2, b2, (size_t)B * F2, 0);
		TOC_OTHER();
		TIC();
		nz_linear_backward(ctx, d1, g[14], NULL, dF, x6, p[14], B, H, F2, 1);
		nz_linear_backward(ctx, d1, g[15], NULL, dF2, x6, p[15], B, H, F2, 1);
		TOC_GEMM();
		TIC();
		nz_layernorm_backward(ctx, d0, g[13], g[13] + H, d1, x5, m6, r6, p[13], B, H, 0);
		nz_avg2_backward(ctx, d1, d2, d0, BH, 0);
		nz_add_backward(ctx, NULL, g[11], d2, BH, 1);
		TOC_OTHER();
		TIC();
		nz_linear_backward(ctx, dP, g[12], NULL, d2, pu, p[12], 2 * B, P, HB, 0);
		TOC_GEMM();
		TIC();
		nz_bmm_backward(ctx, dP2, g[10], NULL, dP, pq, p[10], B, R, P, P, 0);
		TOC_OTHER();
		TIC();
		nz_linear_backward(ctx, d1, g[9], NULL, dP2, xb, p[9], 2 * B, HB, P, 1);
		TOC_GEMM();
		TIC();
		nz_layernorm_backward(ctx, d0, g[8], g[8] + HB, d1, v1, mb, rb, p[8], 2 * B, HB, 0);
		TOC_OTHER();
		TIC();
		nz_linear_backward(ctx, dF, g[7], NULL, d0, h1, p[7], B, F1, H, 0);
		TOC_GEMM();
		TIC();
		nz_gelu_mul_backward(ctx, dF, dF2, dF, a1, b1, (size_t)B * F1, 0);
		TOC_OTHER();
		TIC();
		nz_linear_backward(ctx, d1, g[5], NULL, dF, x4, p[5], B, H, F1, 0);
		nz_linear_backward(ctx, d1, g[6], NULL, dF2, x4, p[6], B, H, F1, 1);
		TOC_GEMM();
		TIC();
		nz_layernorm_backward(ctx, d0, g[4], g[4] + H, d1, x3, m3, r3, p[4], B, H, 0);
		nz_avg2_backward(ctx, d1, d2, d0, BH, 0);
		nz_gelu_backward(ctx, d2, d2, c, BH, 0);
		TOC_OTHER();
		TIC();
		/* the cache window is strided: dW through nz_gemm, db by a linear call
		 * with no x gradient */
		nz_linear_backward(ctx, NULL, NULL, g[3], d2, NULL, NULL, B, C, H, 0);
		nz_gemm(ctx, 1, 0, H, C, B, d2, H, nz_slide_cache_window(&cache), cache.ld, g[2], C, NULL, 1);
		TOC_GEMM();
		TIC();
		nz_layernorm_backward(ctx, d0, g[1], g[1] + H, d1, x0, m1, r1, p[1], B, H, 0);
		nz_embedding_backward(ctx, g[0], d0, tok, T, B, T, E);
		TOC_OTHER();
		const double ta = now();
		nz_nn_params_adam_step(ctx, &Pm);
		const double t_adam = now() - ta, t = now() - t0;
		total += t;
		if (t < best)
			best = t;
		printf("step %u: %.1f ms (predict %.1f ms; gemm %.1f ms, other ops %.1f ms, adam %.1f ms)\n",
		       s, 1e3 * t, 1e3 * t_pred, 1e3 * t_gemm, 1e3 * t_other, 1e3 * t_adam);
	}
	printf("lanes %u, threads %u, backend %s, %.1f M parameters: best step %.1f ms = %.0f bytes/s\n",
	       B, nz_nn_threads(ctx), nz_nn_backend_name(nz_nn_backend(ctx)), Pm.total / 1e6, 1e3 * best,
	       B / best);
	(void)total;
	return 0;
}
