/*
 * test_nn_ops.c - every op of nn.h, forward and backward, on random shapes (odd
 * sizes, tails, sizes that cross the threading thresholds) and random data:
 * each backend at 1, 2 and 3 threads must give the bits of the scalar backend on
 * one thread. Outputs are compared through XXH64 hashes per op; a mismatch
 * names the op.
 */
#include "nn_test_common.h"

#define NOPS 64

typedef struct results {
	u64 h[NOPS];
	const char *name[NOPS];
	int n;
} results;

static void rec(results *r, const char *name, const float *p, size_t n)
{
	REQUIRE(r->n < NOPS);
	r->name[r->n] = name;
	r->h[r->n++] = nz_nn_hash(p, n);
}

/* Random shapes drawn from one seed, so every context sees the same case. */
static void run_ops(nz_nn_ctx *ctx, u64 seed, results *res)
{
	nz_test_rng r = {seed};
	res->n = 0;
	const u32 B = 1 + (u32)(nz_test_next(&r) % 300);
	const u32 D = 1 + (u32)(nz_test_next(&r) % 300);
	const u32 OC = 1 + (u32)(nz_test_next(&r) % 200);
	const u32 T = 1 + (u32)(nz_test_next(&r) % 9);
	const u32 E = 1 + (u32)(nz_test_next(&r) % 40);
	const u32 R = 1 + (u32)(nz_test_next(&r) % 3);
	const u32 D1 = 1 + (u32)(nz_test_next(&r) % 90), D2 = 1 + (u32)(nz_test_next(&r) % 90);
	const u32 V = 1 + (u32)(nz_test_next(&r) % 300);
	const size_t n = (size_t)B * D;

	float *x = rand_array(n, -4, 4, &r), *x2 = rand_array(n, -4, 4, &r);
	float *dy = rand_array(n, -1, 1, &r);
	float *y = rand_array(n, 0, 1, &r), *dx = rand_array(n, -1, 1, &r);
	float *dx2 = rand_array(n, -1, 1, &r);
	float *g = rand_array(D, 0.5f, 1.5f, &r), *bb = rand_array(D, -0.5f, 0.5f, &r);
	float *dg = rand_array(D, -1, 1, &r), *db = rand_array(D, -1, 1, &r);
	float *mean = rand_array(B, 0, 1, &r), *rstd = rand_array(B, 0, 1, &r);

	/* elementwise */
	nz_gelu_forward(ctx, y, x, n);
	rec(res, "gelu", y, n);
	nz_gelu_backward(ctx, dx, dy, x, n, 1);
	rec(res, "gelu_bwd", dx, n);
	nz_gelu_mul_forward(ctx, y, x, x2, n);
	rec(res, "gelu_mul", y, n);
	nz_gelu_mul_backward(ctx, dx, dx2, dy, x, x2, n, 0);
	rec(res, "gelu_mul_bwd_a", dx, n);
	rec(res, "gelu_mul_bwd_b", dx2, n);
	nz_sigmoid_forward(ctx, y, x, n);
	rec(res, "sigmoid", y, n);
	nz_sigmoid_backward(ctx, dx, dy, y, n, 1);
	rec(res, "sigmoid_bwd", dx, n);
	nz_tanh_forward(ctx, y, x, n);
	rec(res, "tanh", y, n);
	nz_tanh_backward(ctx, dx, dy, y, n, 0);
	rec(res, "tanh_bwd", dx, n);
	nz_mul_forward(ctx, y, x, x2, n);
	rec(res, "mul", y, n);
	nz_mul_backward(ctx, dx, dx2, dy, x, x2, n, 1);
	rec(res, "mul_bwd", dx, n);
	nz_avg2_forward(ctx, y, x, x2, n);
	rec(res, "avg2", y, n);
	nz_avg2_backward(ctx, dx, dx2, dy, n, 1);
	rec(res, "avg2_bwd", dx2, n);

	/* layernorm, with and without affine, rows = B */
	nz_layernorm_forward(ctx, y, mean, rstd, x, g, bb, B, D, 1e-5f);
	rec(res, "layernorm", y, n);
	rec(res, "layernorm_mean", mean, B);
	rec(res, "layernorm_rstd", rstd, B);
	nz_layernorm_backward(ctx, dx, dg, db, dy, x, mean, rstd, g, B, D, 1);
	rec(res, "layernorm_bwd_dx", dx, n);
	rec(res, "layernorm_bwd_dg", dg, D);
	rec(res, "layernorm_bwd_db", db, D);
	nz_layernorm_forward(ctx, y, mean, rstd, x, NULL, NULL, B, D, 1e-5f);
	rec(res, "layernorm_noaffine", y, n);
	nz_layernorm_backward(ctx, dx, NULL, NULL, dy, x, mean, rstd, NULL, B, D, 0);
	rec(res, "layernorm_noaffine_bwd", dx, n);

	/* softmax (rows = B, V columns) */
	{
		float *lg = rand_array((size_t)B * V, -20, 20, &r), *p = rand_array((size_t)B * V, 0, 1, &r);
		float *dl = rand_array((size_t)B * V, 0, 1, &r);
		u8 *tg = malloc(B);
		REQUIRE(tg);
		for (u32 i = 0; i < B; i++)
			tg[i] = (u8)(nz_test_next(&r) % V);
		nz_softmax_forward(ctx, p, lg, B, V);
		rec(res, "softmax", p, (size_t)B * V);
		nz_softmax_xent_backward(ctx, dl, p, tg, B, V, 1.0f / (float)B);
		rec(res, "xent_bwd", dl, (size_t)B * V);
		float loss = nz_xent_loss(ctx, p, tg, B, V);
		rec(res, "xent_loss", &loss, 1);
		nz_free_aligned(lg), nz_free_aligned(p), nz_free_aligned(dl), free(tg);
	}

	/* linear */
	{
		float *w = rand_array((size_t)OC * D, -1, 1, &r), *bias = rand_array(OC, -1, 1, &r);
		float *yo = rand_array((size_t)B * OC, 0, 1, &r), *dyo = rand_array((size_t)B * OC, -1, 1, &r);
		float *dw = rand_array((size_t)OC * D, -1, 1, &r), *dbias = rand_array(OC, -1, 1, &r);
		nz_linear_forward(ctx, yo, x, w, bias, B, D, OC);
		rec(res, "linear", yo, (size_t)B * OC);
		nz_linear_backward(ctx, dx, dw, dbias, dyo, x, w, B, D, OC, 1);
		rec(res, "linear_bwd_dx", dx, n);
		rec(res, "linear_bwd_dw", dw, (size_t)OC * D);
		rec(res, "linear_bwd_db", dbias, OC);
		nz_free_aligned(w), nz_free_aligned(bias), nz_free_aligned(yo);
		nz_free_aligned(dyo), nz_free_aligned(dw), nz_free_aligned(dbias);
	}

	/* per-lane product */
	{
		const size_t nx = (size_t)B * R * D1, ny = (size_t)B * R * D2, nu = (size_t)B * D1 * D2;
		float *bx = rand_array(nx, -1, 1, &r), *bu = rand_array(nu, -1, 1, &r);
		float *bbias = rand_array(ny, -1, 1, &r), *by = rand_array(ny, 0, 1, &r);
		float *bdy = rand_array(ny, -1, 1, &r), *bdx = rand_array(nx, -1, 1, &r);
		float *bdu = rand_array(nu, -1, 1, &r), *bdb = rand_array(ny, -1, 1, &r);
		nz_bmm_forward(ctx, by, bx, bu, bbias, B, R, D1, D2);
		rec(res, "bmm", by, ny);
		nz_bmm_forward(ctx, by, bx, bu, NULL, B, R, D1, D2);
		rec(res, "bmm_nobias", by, ny);
		nz_bmm_backward(ctx, bdx, bdu, bdb, bdy, bx, bu, B, R, D1, D2, 1);
		rec(res, "bmm_bwd_dx", bdx, nx);
		rec(res, "bmm_bwd_du", bdu, nu);
		rec(res, "bmm_bwd_db", bdb, ny);
		nz_bmm_backward(ctx, bdx, NULL, NULL, bdy, bx, bu, B, R, D1, D2, 0);
		rec(res, "bmm_bwd_dx0", bdx, nx);
		nz_free_aligned(bx), nz_free_aligned(bu), nz_free_aligned(bbias), nz_free_aligned(by);
		nz_free_aligned(bdy), nz_free_aligned(bdx), nz_free_aligned(bdu), nz_free_aligned(bdb);
	}

	/* embedding */
	{
		u8 *tok = malloc((size_t)B * (T + 3));
		REQUIRE(tok);
		for (size_t i = 0; i < (size_t)B * (T + 3); i++)
			tok[i] = (u8)(nz_test_next(&r) % 7 * 37); /* repeated tokens */
		float *table = rand_array(256 * (size_t)E, -1, 1, &r);
		float *dtable = rand_array(256 * (size_t)E, -1, 1, &r);
		float *eo = rand_array((size_t)B * T * E, 0, 1, &r), *deo = rand_array((size_t)B * T * E, -1, 1, &r);
		nz_embedding_forward(ctx, eo, tok, T + 3, table, B, T, E);
		rec(res, "embedding", eo, (size_t)B * T * E);
		nz_embedding_backward(ctx, dtable, deo, tok, T + 3, B, T, E);
		rec(res, "embedding_bwd", dtable, 256 * (size_t)E);
		free(tok), nz_free_aligned(table), nz_free_aligned(dtable), nz_free_aligned(eo), nz_free_aligned(deo);
	}

	/* concat */
	{
		float *cy = rand_array((size_t)B * (D + OC), 0, 1, &r), *ca = rand_array((size_t)B * OC, -1, 1, &r);
		nz_concat_forward(ctx, cy, x, D, ca, OC, B);
		rec(res, "concat", cy, (size_t)B * (D + OC));
		nz_concat_backward(ctx, dx, ca, cy, D, OC, B, 1);
		rec(res, "concat_bwd_a", dx, n);
		rec(res, "concat_bwd_b", ca, (size_t)B * OC);
		nz_free_aligned(cy), nz_free_aligned(ca);
	}

	/* sliding cache: pushes across several wrap-arounds, then a GEMM on the window */
	{
		nz_slide_cache c;
		const u32 slots = 1 + (u32)(nz_test_next(&r) % 6), width = E;
		REQUIRE(nz_slide_cache_init(ctx, &c, B, slots, width, slots + 2) == NZ_OK);
		float *nx = rand_array((size_t)B * width, -1, 1, &r);
		for (int step = 0; step < 11; step++) {
			rand_fill(nx, (size_t)B * width, -1, 1, &r);
			nz_slide_cache_push(ctx, &c, nx, width);
		}
		float *win = rand_array((size_t)B * slots * width, 0, 1, &r);
		nz_copy_rows(ctx, win, (size_t)slots * width, nz_slide_cache_window(&c), c.ld, B,
			     slots * width, 0);
		rec(res, "slide_cache", win, (size_t)B * slots * width);
		float *w = rand_array((size_t)OC * slots * width, -1, 1, &r);
		float *yo = rand_array((size_t)B * OC, 0, 1, &r);
		nz_gemm(ctx, 0, 1, B, OC, slots * width, nz_slide_cache_window(&c), c.ld, w,
			(size_t)slots * width, yo, OC, NULL, 0);
		rec(res, "slide_cache_gemm", yo, (size_t)B * OC);
		nz_slide_cache_free(ctx, &c);
		nz_free_aligned(nx), nz_free_aligned(win), nz_free_aligned(w), nz_free_aligned(yo);
	}

	/* Adam, both flavours */
	{
		float *p = rand_array(n, -1, 1, &r), *m = rand_array(n, -0.1f, 0.1f, &r);
		float *v = rand_array(n, 0, 0.01f, &r);
		nz_adam a;
		nz_adam_init(&a);
		for (int s = 0; s < 3; s++)
			nz_adam_update(ctx, &a, p, dy, m, v, n, 0);
		rec(res, "adam_p", p, n);
		rec(res, "adam_m", m, n);
		rec(res, "adam_v", v, n);
		a.decoupled = 1;
		a.weight_decay = 0.01f;
		/* the step that also zeroes the gradient computes the same numbers */
		const size_t bytes = n * sizeof(float);
		float *p2 = malloc(bytes), *m2 = malloc(bytes), *v2 = malloc(bytes), *g2 = malloc(bytes);
		REQUIRE(p2 && m2 && v2 && g2);
		memcpy(p2, p, bytes), memcpy(m2, m, bytes), memcpy(v2, v, bytes), memcpy(g2, dy, bytes);
		nz_adam a2 = a;
		nz_adam_update(ctx, &a, p, dy, m, v, n, 0);
		nz_adam_update(ctx, &a2, p2, g2, m2, v2, n, 1);
		REQUIRE(!memcmp(p, p2, bytes) && !memcmp(m, m2, bytes) && !memcmp(v, v2, bytes));
		for (size_t i = 0; i < n; i++)
			REQUIRE(g2[i] == 0.0f);
		free(p2), free(m2), free(v2), free(g2);
		rec(res, "adamw_p", p, n);
		nz_free_aligned(p), nz_free_aligned(m), nz_free_aligned(v);
	}

	nz_free_aligned(x), nz_free_aligned(x2), nz_free_aligned(dy), nz_free_aligned(y);
	nz_free_aligned(dx), nz_free_aligned(dx2), nz_free_aligned(g), nz_free_aligned(bb);
	nz_free_aligned(dg), nz_free_aligned(db), nz_free_aligned(mean), nz_free_aligned(rstd);
}

int main(void)
{
	const int rounds = 12;
	static results ref[12], got;
	nz_nn_ctx *rctx = make_ctx(NZ_NN_BACKEND_SCALAR, 1);
	REQUIRE(rctx);
	for (int i = 0; i < rounds; i++)
		run_ops(rctx, 1000 + (u64)i, &ref[i]);
	nz_nn_free(rctx);
	static const u32 threads[] = {1, 2, 3};
	for (int be = NZ_NN_BACKEND_SCALAR; be < NZ_NN_BACKEND_COUNT_; be++) {
		for (u32 t = 0; t < NZ_ARRAY_LEN(threads); t++) {
			if (be == NZ_NN_BACKEND_SCALAR && threads[t] == 1)
				continue;
			nz_nn_ctx *ctx = make_ctx(be, threads[t]);
			if (!ctx)
				break;
			int bad = 0;
			for (int i = 0; i < rounds; i++) {
				run_ops(ctx, 1000 + (u64)i, &got);
				CHECK_EQ_INT(got.n, ref[i].n);
				for (int o = 0; o < got.n && o < ref[i].n; o++)
					if (got.h[o] != ref[i].h[o]) {
						fprintf(stderr, "%s/%u round %d: %s differs from scalar\n",
							nz_nn_backend_name(be), threads[t], i, got.name[o]);
						nz_test_failures++;
						bad++;
					}
			}
			printf("%s/%u: %d rounds x %d ops, %d mismatches\n", nz_nn_backend_name(be),
			       threads[t], rounds, ref[0].n, bad);
			nz_nn_free(ctx);
		}
	}
	return nz_test_finish("test_nn_ops");
}
