/*
 * test_nn_ops.c - every op of nn.h, forward and backward, on random shapes (odd
 * sizes, tails, sizes that cross the threading thresholds) and random data:
 * each backend at 1, 2 and 3 threads must give the bits of the scalar backend on
 * one thread. Outputs are compared through XXH64 hashes per op; a mismatch
 * names the op. Every tensor is an engine buffer (uploaded, hashed through the
 * backend), so a new backend, device or not, is checked by this test as is.
 */
#include "nn_test_common.h"

#define NOPS 64

typedef struct results {
	u64 h[NOPS];
	const char *name[NOPS];
	int n;
} results;

static void rec(nz_nn_ctx *ctx, results *r, const char *name, const float *buf, size_t n)
{
	REQUIRE(r->n < NOPS);
	r->name[r->n] = name;
	r->h[r->n++] = nz_nn_buf_hash(ctx, buf, n);
}

static void rec_host(results *r, const char *name, const float *p, size_t n)
{
	REQUIRE(r->n < NOPS);
	r->name[r->n] = name;
	r->h[r->n++] = nz_nn_hash(p, n);
}

/* Engine buffers of uniform floats in [lo, hi) (drawn on the host, uploaded),
 * so the test runs any backend through nn.h alone. */
static void buf_fill_rand(nz_nn_ctx *ctx, float *buf, size_t n, float lo, float hi,
			  nz_test_rng *r)
{
	float *h = rand_array(n, lo, hi, r);
	nz_nn_upload(ctx, buf, h, n);
	nz_free_aligned(h);
}

static float *buf_rand(nz_nn_ctx *ctx, size_t n, float lo, float hi, nz_test_rng *r)
{
	float *buf = nz_nn_alloc(ctx, n ? n : 1);
	REQUIRE(buf);
	buf_fill_rand(ctx, buf, n, lo, hi, r);
	return buf;
}

static float *buf_copy(nz_nn_ctx *ctx, const float *src, size_t n)
{
	float *h = nz_malloc_aligned((n ? n : 1) * sizeof(float)), *buf = nz_nn_alloc(ctx, n ? n : 1);
	REQUIRE(h && buf);
	nz_nn_download(ctx, h, src, n);
	nz_nn_upload(ctx, buf, h, n);
	nz_free_aligned(h);
	return buf;
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

	float *x = buf_rand(ctx, n, -4, 4, &r), *x2 = buf_rand(ctx, n, -4, 4, &r);
	float *dy = buf_rand(ctx, n, -1, 1, &r);
	float *y = buf_rand(ctx, n, 0, 1, &r), *dx = buf_rand(ctx, n, -1, 1, &r);
	float *dx2 = buf_rand(ctx, n, -1, 1, &r);
	float *g = buf_rand(ctx, D, 0.5f, 1.5f, &r), *bb = buf_rand(ctx, D, -0.5f, 0.5f, &r);
	float *dg = buf_rand(ctx, D, -1, 1, &r), *db = buf_rand(ctx, D, -1, 1, &r);
	float *mean = buf_rand(ctx, B, 0, 1, &r), *rstd = buf_rand(ctx, B, 0, 1, &r);

	/* elementwise */
	nz_gelu_forward(ctx, y, x, n);
	rec(ctx, res, "gelu", y, n);
	nz_gelu_backward(ctx, dx, dy, x, n, 1);
	rec(ctx, res, "gelu_bwd", dx, n);
	nz_gelu_mul_forward(ctx, y, x, x2, n);
	rec(ctx, res, "gelu_mul", y, n);
	nz_gelu_mul_backward(ctx, dx, dx2, dy, x, x2, n, 0);
	rec(ctx, res, "gelu_mul_bwd_a", dx, n);
	rec(ctx, res, "gelu_mul_bwd_b", dx2, n);
	nz_sigmoid_forward(ctx, y, x, n);
	rec(ctx, res, "sigmoid", y, n);
	nz_sigmoid_backward(ctx, dx, dy, y, n, 1);
	rec(ctx, res, "sigmoid_bwd", dx, n);
	nz_tanh_forward(ctx, y, x, n);
	rec(ctx, res, "tanh", y, n);
	nz_tanh_backward(ctx, dx, dy, y, n, 0);
	rec(ctx, res, "tanh_bwd", dx, n);
	nz_mul_forward(ctx, y, x, x2, n);
	rec(ctx, res, "mul", y, n);
	nz_mul_backward(ctx, dx, dx2, dy, x, x2, n, 1);
	rec(ctx, res, "mul_bwd", dx, n);
	nz_avg2_forward(ctx, y, x, x2, n);
	rec(ctx, res, "avg2", y, n);
	nz_avg2_backward(ctx, dx, dx2, dy, n, 1);
	rec(ctx, res, "avg2_bwd", dx2, n);
	nz_axpy(ctx, y, 0.37f, x, n);
	rec(ctx, res, "axpy", y, n);

	/* layernorm, with and without affine, rows = B */
	nz_layernorm_forward(ctx, y, mean, rstd, x, g, bb, B, D, 1e-5f);
	rec(ctx, res, "layernorm", y, n);
	rec(ctx, res, "layernorm_mean", mean, B);
	rec(ctx, res, "layernorm_rstd", rstd, B);
	nz_layernorm_backward(ctx, dx, dg, db, dy, x, mean, rstd, g, B, D, 1);
	rec(ctx, res, "layernorm_bwd_dx", dx, n);
	rec(ctx, res, "layernorm_bwd_dg", dg, D);
	rec(ctx, res, "layernorm_bwd_db", db, D);
	nz_layernorm_forward(ctx, y, mean, rstd, x, NULL, NULL, B, D, 1e-5f);
	rec(ctx, res, "layernorm_noaffine", y, n);
	nz_layernorm_backward(ctx, dx, NULL, NULL, dy, x, mean, rstd, NULL, B, D, 0);
	rec(ctx, res, "layernorm_noaffine_bwd", dx, n);

	/* softmax (rows = B, V columns) */
	{
		float *lg = buf_rand(ctx, (size_t)B * V, -20, 20, &r), *p = buf_rand(ctx, (size_t)B * V, 0, 1, &r);
		float *dl = buf_rand(ctx, (size_t)B * V, 0, 1, &r);
		u8 *tg = malloc(B);
		REQUIRE(tg);
		for (u32 i = 0; i < B; i++)
			tg[i] = (u8)(nz_test_next(&r) % V);
		nz_softmax_forward(ctx, p, lg, B, V);
		rec(ctx, res, "softmax", p, (size_t)B * V);
		nz_softmax_xent_backward(ctx, dl, p, tg, B, V, 1.0f / (float)B);
		rec(ctx, res, "xent_bwd", dl, (size_t)B * V);
		float loss = nz_xent_loss(ctx, p, tg, B, V);
		rec_host(res, "xent_loss", &loss, 1);
		nz_nn_free_mem(ctx, lg), nz_nn_free_mem(ctx, p), nz_nn_free_mem(ctx, dl), free(tg);
	}

	/* linear */
	{
		float *w = buf_rand(ctx, (size_t)OC * D, -1, 1, &r), *bias = buf_rand(ctx, OC, -1, 1, &r);
		float *yo = buf_rand(ctx, (size_t)B * OC, 0, 1, &r), *dyo = buf_rand(ctx, (size_t)B * OC, -1, 1, &r);
		float *dw = buf_rand(ctx, (size_t)OC * D, -1, 1, &r), *dbias = buf_rand(ctx, OC, -1, 1, &r);
		nz_linear_forward(ctx, yo, x, w, bias, B, D, OC);
		rec(ctx, res, "linear", yo, (size_t)B * OC);
		nz_linear_backward(ctx, dx, dw, dbias, dyo, x, w, B, D, OC, 1);
		rec(ctx, res, "linear_bwd_dx", dx, n);
		rec(ctx, res, "linear_bwd_dw", dw, (size_t)OC * D);
		rec(ctx, res, "linear_bwd_db", dbias, OC);
		nz_nn_free_mem(ctx, w), nz_nn_free_mem(ctx, bias), nz_nn_free_mem(ctx, yo);
		nz_nn_free_mem(ctx, dyo), nz_nn_free_mem(ctx, dw), nz_nn_free_mem(ctx, dbias);
	}

	/* per-lane product */
	{
		const size_t nx = (size_t)B * R * D1, ny = (size_t)B * R * D2, nu = (size_t)B * D1 * D2;
		float *bx = buf_rand(ctx, nx, -1, 1, &r), *bu = buf_rand(ctx, nu, -1, 1, &r);
		float *bbias = buf_rand(ctx, ny, -1, 1, &r), *by = buf_rand(ctx, ny, 0, 1, &r);
		float *bdy = buf_rand(ctx, ny, -1, 1, &r), *bdx = buf_rand(ctx, nx, -1, 1, &r);
		float *bdu = buf_rand(ctx, nu, -1, 1, &r), *bdb = buf_rand(ctx, ny, -1, 1, &r);
		nz_bmm_forward(ctx, by, bx, bu, bbias, B, R, D1, D2);
		rec(ctx, res, "bmm", by, ny);
		nz_bmm_forward(ctx, by, bx, bu, NULL, B, R, D1, D2);
		rec(ctx, res, "bmm_nobias", by, ny);
		nz_bmm_backward(ctx, bdx, bdu, bdb, bdy, bx, bu, B, R, D1, D2, 1);
		rec(ctx, res, "bmm_bwd_dx", bdx, nx);
		rec(ctx, res, "bmm_bwd_du", bdu, nu);
		rec(ctx, res, "bmm_bwd_db", bdb, ny);
		nz_bmm_backward(ctx, bdx, NULL, NULL, bdy, bx, bu, B, R, D1, D2, 0);
		rec(ctx, res, "bmm_bwd_dx0", bdx, nx);
		nz_nn_free_mem(ctx, bx), nz_nn_free_mem(ctx, bu), nz_nn_free_mem(ctx, bbias), nz_nn_free_mem(ctx, by);
		nz_nn_free_mem(ctx, bdy), nz_nn_free_mem(ctx, bdx), nz_nn_free_mem(ctx, bdu), nz_nn_free_mem(ctx, bdb);
	}

	/* embedding */
	{
		u8 *tok = malloc((size_t)B * (T + 3));
		REQUIRE(tok);
		for (size_t i = 0; i < (size_t)B * (T + 3); i++)
			tok[i] = (u8)(nz_test_next(&r) % 7 * 37); /* repeated tokens */
		float *table = buf_rand(ctx, 256 * (size_t)E, -1, 1, &r);
		float *dtable = buf_rand(ctx, 256 * (size_t)E, -1, 1, &r);
		float *eo = buf_rand(ctx, (size_t)B * T * E, 0, 1, &r), *deo = buf_rand(ctx, (size_t)B * T * E, -1, 1, &r);
		nz_embedding_forward(ctx, eo, tok, T + 3, table, B, T, E);
		rec(ctx, res, "embedding", eo, (size_t)B * T * E);
		nz_embedding_backward(ctx, dtable, deo, tok, T + 3, B, T, E);
		rec(ctx, res, "embedding_bwd", dtable, 256 * (size_t)E);
		free(tok), nz_nn_free_mem(ctx, table), nz_nn_free_mem(ctx, dtable), nz_nn_free_mem(ctx, eo), nz_nn_free_mem(ctx, deo);
	}

	/* concat */
	{
		float *cy = buf_rand(ctx, (size_t)B * (D + OC), 0, 1, &r), *ca = buf_rand(ctx, (size_t)B * OC, -1, 1, &r);
		nz_concat_forward(ctx, cy, x, D, ca, OC, B);
		rec(ctx, res, "concat", cy, (size_t)B * (D + OC));
		nz_concat_backward(ctx, dx, ca, cy, D, OC, B, 1);
		rec(ctx, res, "concat_bwd_a", dx, n);
		rec(ctx, res, "concat_bwd_b", ca, (size_t)B * OC);
		nz_nn_free_mem(ctx, cy), nz_nn_free_mem(ctx, ca);
	}

	/* sliding cache: pushes across several wrap-arounds, then a GEMM on the window */
	{
		nz_slide_cache c;
		const u32 slots = 1 + (u32)(nz_test_next(&r) % 6), width = E;
		REQUIRE(nz_slide_cache_init(ctx, &c, B, slots, width, slots + 2) == NZ_OK);
		float *nx = buf_rand(ctx, (size_t)B * width, -1, 1, &r);
		for (int step = 0; step < 11; step++) {
			buf_fill_rand(ctx, nx, (size_t)B * width, -1, 1, &r);
			nz_slide_cache_push(ctx, &c, nx, width);
		}
		float *win = buf_rand(ctx, (size_t)B * slots * width, 0, 1, &r);
		nz_copy_rows(ctx, win, (size_t)slots * width, nz_slide_cache_window(&c), c.ld, B,
			     slots * width, 0);
		rec(ctx, res, "slide_cache", win, (size_t)B * slots * width);
		float *w = buf_rand(ctx, (size_t)OC * slots * width, -1, 1, &r);
		float *yo = buf_rand(ctx, (size_t)B * OC, 0, 1, &r);
		nz_gemm(ctx, 0, 1, B, OC, slots * width, nz_slide_cache_window(&c), c.ld, w,
			(size_t)slots * width, yo, OC, NULL, 0);
		rec(ctx, res, "slide_cache_gemm", yo, (size_t)B * OC);
		nz_slide_cache_free(ctx, &c);
		nz_nn_free_mem(ctx, nx), nz_nn_free_mem(ctx, win), nz_nn_free_mem(ctx, w), nz_nn_free_mem(ctx, yo);
	}

	/* Adam, both flavours */
	{
		float *p = buf_rand(ctx, n, -1, 1, &r), *m = buf_rand(ctx, n, -0.1f, 0.1f, &r);
		float *v = buf_rand(ctx, n, 0, 0.01f, &r);
		nz_adam a;
		nz_adam_init(&a);
		for (int s = 0; s < 3; s++)
			nz_adam_update(ctx, &a, p, dy, m, v, n, 0);
		rec(ctx, res, "adam_p", p, n);
		rec(ctx, res, "adam_m", m, n);
		rec(ctx, res, "adam_v", v, n);
		a.decoupled = 1;
		a.weight_decay = 0.01f;
		/* the step that also zeroes the gradient computes the same numbers */
		float *p2 = buf_copy(ctx, p, n), *m2 = buf_copy(ctx, m, n), *v2 = buf_copy(ctx, v, n);
		float *g2 = buf_copy(ctx, dy, n);
		nz_adam a2 = a;
		nz_adam_update(ctx, &a, p, dy, m, v, n, 0);
		nz_adam_update(ctx, &a2, p2, g2, m2, v2, n, 1);
		REQUIRE(nz_nn_buf_hash(ctx, p, n) == nz_nn_buf_hash(ctx, p2, n));
		REQUIRE(nz_nn_buf_hash(ctx, m, n) == nz_nn_buf_hash(ctx, m2, n));
		REQUIRE(nz_nn_buf_hash(ctx, v, n) == nz_nn_buf_hash(ctx, v2, n));
		float *hg = malloc(n * sizeof(float));
		REQUIRE(hg);
		nz_nn_download(ctx, hg, g2, n);
		for (size_t i = 0; i < n; i++)
			REQUIRE(hg[i] == 0.0f);
		free(hg);
		nz_nn_free_mem(ctx, p2), nz_nn_free_mem(ctx, m2), nz_nn_free_mem(ctx, v2);
		nz_nn_free_mem(ctx, g2);
		rec(ctx, res, "adamw_p", p, n);
		nz_nn_free_mem(ctx, p), nz_nn_free_mem(ctx, m), nz_nn_free_mem(ctx, v);
	}

	nz_nn_free_mem(ctx, x), nz_nn_free_mem(ctx, x2), nz_nn_free_mem(ctx, dy), nz_nn_free_mem(ctx, y);
	nz_nn_free_mem(ctx, dx), nz_nn_free_mem(ctx, dx2), nz_nn_free_mem(ctx, g), nz_nn_free_mem(ctx, bb);
	nz_nn_free_mem(ctx, dg), nz_nn_free_mem(ctx, db), nz_nn_free_mem(ctx, mean), nz_nn_free_mem(ctx, rstd);
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
