/*
 * ops.c - the ops of nn.h as thin dispatchers to the context's backend
 * (backend.h), and the sliding cache's bookkeeping: its window position is host
 * state around the backend entries slide_cache_push, copy_rows and fill.
 */
#include "nn/engine_internal.h"

void nz_gemm(nz_nn_ctx *ctx, int ta, int tb, u32 M, u32 N, u32 K, const float *A,
	     size_t lda, const float *B, size_t ldb, float *C, size_t ldc,
	     const float *bias, int accumulate)
{
	ctx->be->gemm(ctx, ta, tb, M, N, K, A, lda, B, ldb, C, ldc, bias, accumulate);
}

void nz_embedding_forward(nz_nn_ctx *ctx, float *out, const u8 *tok, size_t tok_stride,
			  const float *table, u32 B, u32 T, u32 D)
{
	ctx->be->embedding_forward(ctx, out, tok, tok_stride, table, B, T, D);
}

void nz_embedding_backward(nz_nn_ctx *ctx, float *dtable, const float *dout, const u8 *tok,
			   size_t tok_stride, u32 B, u32 T, u32 D)
{
	ctx->be->embedding_backward(ctx, dtable, dout, tok, tok_stride, B, T, D);
}

void nz_linear_forward(nz_nn_ctx *ctx, float *y, const float *x, const float *w,
		       const float *b, u32 B, u32 IC, u32 OC)
{
	ctx->be->linear_forward(ctx, y, x, w, b, B, IC, OC);
}

void nz_linear_backward(nz_nn_ctx *ctx, float *dx, float *dw, float *db, const float *dy,
			const float *x, const float *w, u32 B, u32 IC, u32 OC, int acc)
{
	ctx->be->linear_backward(ctx, dx, dw, db, dy, x, w, B, IC, OC, acc);
}

/* The index of the tensor of p that g (count floats) is, whole and not yet
 * stepped in this step, now marked stepped; -1 (nothing marked) otherwise. */
static int claim_tensor(nz_nn_params *p, const float *g, size_t count)
{
	if (!g || !p || !p->stepping || g < p->grad || g >= p->grad + p->total)
		return -1;
	const size_t off = (size_t)(g - p->grad);
	u32 lo = 0, hi = p->layout.n; /* offsets increase with the index */
	while (lo < hi) {
		const u32 mid = (lo + hi) / 2;
		if (p->layout.t[mid].offset < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* a tensor of count 0 shares its offset with the next one */
	while (lo < p->layout.n && p->layout.t[lo].offset == off && p->layout.t[lo].count == 0)
		lo++;
	if (lo == p->layout.n || p->layout.t[lo].offset != off ||
	    p->layout.t[lo].count != count || p->stepped[lo])
		return -1;
	p->stepped[lo] = 1;
	return (int)lo;
}

/* The plain gradients of nz_linear_backward, x with row stride ldx. */
static void linear_backward_strided(nz_nn_ctx *ctx, float *dx, float *dw, float *db,
				    const float *dy, const float *x, size_t ldx, const float *w,
				    u32 B, u32 IC, u32 OC, int acc)
{
	if (ldx == IC) {
		ctx->be->linear_backward(ctx, dx, dw, db, dy, x, w, B, IC, OC, acc);
		return;
	}
	if (dx)
		ctx->be->linear_backward(ctx, dx, NULL, NULL, dy, NULL, w, B, IC, OC, acc);
	if (dw)
		ctx->be->gemm(ctx, 1, 0, OC, IC, B, dy, OC, x, ldx, dw, IC, NULL, 1);
	if (db)
		ctx->be->linear_backward(ctx, NULL, NULL, db, dy, NULL, NULL, B, IC, OC, 0);
}

void nz_nn_linear_backward_step(nz_nn_ctx *ctx, nz_nn_params *p, float *dx, float *dw,
				float *db, const float *dy, const float *x, size_t ldx,
				const float *w, u32 B, u32 IC, u32 OC, int acc)
{
	const int tw = claim_tensor(p, dw, (size_t)OC * IC), tb = claim_tensor(p, db, OC);
	float *sdw = tw >= 0 ? dw : NULL, *sdb = tb >= 0 ? db : NULL;
	if ((sdw || sdb) &&
	    ctx->be->linear_backward_step(ctx, p, dx, sdw, sdb, dy, x, ldx, w, B, IC, OC, acc)) {
		/* the backend did dx and took the claimed updates; the rest is plain */
		linear_backward_strided(ctx, NULL, sdw ? NULL : dw, sdb ? NULL : db, dy, x, ldx,
					NULL, B, IC, OC, 0);
		return;
	}
	/* declined: plain gradients, stepped with the others at the end */
	if (tw >= 0)
		p->stepped[tw] = 0;
	if (tb >= 0)
		p->stepped[tb] = 0;
	linear_backward_strided(ctx, dx, dw, db, dy, x, ldx, w, B, IC, OC, acc);
}

int nz_nn_step_decline(nz_nn_ctx *ctx, const nz_nn_params *p, float *dx, float *dw, float *db,
		       const float *dy, const float *x, size_t ldx, const float *w, u32 B,
		       u32 IC, u32 OC, int acc)
{
	(void)ctx, (void)p, (void)dx, (void)dw, (void)db, (void)dy, (void)x, (void)ldx;
	(void)w, (void)B, (void)IC, (void)OC, (void)acc;
	return 0;
}

void nz_nn_step_wait_none(nz_nn_ctx *ctx) { (void)ctx; }

void nz_bmm_forward(nz_nn_ctx *ctx, float *y, const float *x, const float *u,
		    const float *bias, u32 B, u32 R, u32 D1, u32 D2)
{
	ctx->be->bmm_forward(ctx, y, x, u, bias, B, R, D1, D2);
}

void nz_bmm_backward(nz_nn_ctx *ctx, float *dx, float *du, float *dbias, const float *dy,
		     const float *x, const float *u, u32 B, u32 R, u32 D1, u32 D2, int acc)
{
	ctx->be->bmm_backward(ctx, dx, du, dbias, dy, x, u, B, R, D1, D2, acc);
}

void nz_layernorm_forward(nz_nn_ctx *ctx, float *y, float *mean, float *rstd,
			  const float *x, const float *g, const float *b, u32 rows,
			  u32 D, float eps)
{
	ctx->be->layernorm_forward(ctx, y, mean, rstd, x, g, b, rows, D, eps);
}

void nz_layernorm_backward(nz_nn_ctx *ctx, float *dx, float *dg, float *db,
			   const float *dy, const float *x, const float *mean,
			   const float *rstd, const float *g, u32 rows, u32 D, int acc)
{
	ctx->be->layernorm_backward(ctx, dx, dg, db, dy, x, mean, rstd, g, rows, D, acc);
}

void nz_gelu_forward(nz_nn_ctx *ctx, float *y, const float *x, size_t n)
{
	ctx->be->gelu_forward(ctx, y, x, n);
}

void nz_gelu_backward(nz_nn_ctx *ctx, float *dx, const float *dy, const float *x,
		      size_t n, int acc)
{
	ctx->be->gelu_backward(ctx, dx, dy, x, n, acc);
}

void nz_gelu_mul_forward(nz_nn_ctx *ctx, float *y, const float *a, const float *b,
			 size_t n)
{
	ctx->be->gelu_mul_forward(ctx, y, a, b, n);
}

void nz_gelu_mul_backward(nz_nn_ctx *ctx, float *da, float *db, const float *dy,
			  const float *a, const float *b, size_t n, int acc)
{
	ctx->be->gelu_mul_backward(ctx, da, db, dy, a, b, n, acc);
}

void nz_sigmoid_forward(nz_nn_ctx *ctx, float *y, const float *x, size_t n)
{
	ctx->be->sigmoid_forward(ctx, y, x, n);
}

void nz_sigmoid_backward(nz_nn_ctx *ctx, float *dx, const float *dy, const float *y,
			 size_t n, int acc)
{
	ctx->be->sigmoid_backward(ctx, dx, dy, y, n, acc);
}

void nz_tanh_forward(nz_nn_ctx *ctx, float *y, const float *x, size_t n)
{
	ctx->be->tanh_forward(ctx, y, x, n);
}

void nz_tanh_backward(nz_nn_ctx *ctx, float *dx, const float *dy, const float *y,
		      size_t n, int acc)
{
	ctx->be->tanh_backward(ctx, dx, dy, y, n, acc);
}

void nz_mul_forward(nz_nn_ctx *ctx, float *y, const float *a, const float *b, size_t n)
{
	ctx->be->mul_forward(ctx, y, a, b, n);
}

void nz_mul_backward(nz_nn_ctx *ctx, float *da, float *db, const float *dy,
		     const float *a, const float *b, size_t n, int acc)
{
	ctx->be->mul_backward(ctx, da, db, dy, a, b, n, acc);
}

void nz_add_forward(nz_nn_ctx *ctx, float *y, const float *a, const float *b, size_t n)
{
	ctx->be->add_forward(ctx, y, a, b, n);
}

void nz_add_backward(nz_nn_ctx *ctx, float *da, float *db, const float *dy, size_t n,
		     int acc)
{
	ctx->be->add_backward(ctx, da, db, dy, n, acc);
}

void nz_avg2_forward(nz_nn_ctx *ctx, float *y, const float *a, const float *b, size_t n)
{
	ctx->be->avg2_forward(ctx, y, a, b, n);
}

void nz_avg2_backward(nz_nn_ctx *ctx, float *da, float *db, const float *dy, size_t n,
		      int acc)
{
	ctx->be->avg2_backward(ctx, da, db, dy, n, acc);
}

void nz_axpy(nz_nn_ctx *ctx, float *y, float a, const float *x, size_t n)
{
	ctx->be->axpy(ctx, y, a, x, n);
}

void nz_concat_forward(nz_nn_ctx *ctx, float *y, const float *a, u32 Da, const float *b,
		       u32 Db, u32 rows)
{
	ctx->be->concat_forward(ctx, y, a, Da, b, Db, rows);
}

void nz_concat_backward(nz_nn_ctx *ctx, float *da, float *db, const float *dy, u32 Da,
			u32 Db, u32 rows, int acc)
{
	ctx->be->concat_backward(ctx, da, db, dy, Da, Db, rows, acc);
}

void nz_copy_rows(nz_nn_ctx *ctx, float *dst, size_t ld_dst, const float *src,
		  size_t ld_src, u32 rows, u32 cols, int acc)
{
	ctx->be->copy_rows(ctx, dst, ld_dst, src, ld_src, rows, cols, acc);
}

void nz_softmax_forward(nz_nn_ctx *ctx, float *probs, const float *logits, u32 rows, u32 V)
{
	ctx->be->softmax_forward(ctx, probs, logits, rows, V);
}

void nz_softmax_xent_backward(nz_nn_ctx *ctx, float *dlogits, const float *probs,
			      const u8 *targets, u32 rows, u32 V, float scale)
{
	ctx->be->softmax_xent_backward(ctx, dlogits, probs, targets, rows, V, scale);
}

float nz_xent_loss(nz_nn_ctx *ctx, const float *probs, const u8 *targets, u32 rows, u32 V)
{
	return ctx->be->xent_loss(ctx, probs, targets, rows, V);
}

/* ---- sliding cache ---- */

int nz_slide_cache_init(nz_nn_ctx *ctx, nz_slide_cache *c, u32 lanes, u32 slots, u32 width,
			u32 capacity)
{
	memset(c, 0, sizeof(*c));
	if (!capacity)
		capacity = 2 * slots;
	if (!lanes || !slots || !width || capacity < slots + 1)
		return NZ_ERR_PARAM;
	c->ctx = ctx;
	c->lanes = lanes;
	c->slots = slots;
	c->width = width;
	c->capacity = capacity;
	c->ld = (size_t)capacity * width;
	c->buf = nz_nn_calloc(ctx, nz_mul_size(c->ld, lanes));
	return c->buf ? NZ_OK : NZ_ERR_NOMEM;
}

void nz_slide_cache_free(nz_nn_ctx *ctx, nz_slide_cache *c)
{
	nz_nn_free_mem(ctx, c->buf);
	c->buf = NULL;
}

void nz_slide_cache_clear(nz_slide_cache *c)
{
	nz_nn_fill(c->ctx, c->buf, c->ld * c->lanes, 0.0f);
	c->start = 0;
}

void nz_slide_cache_push(nz_nn_ctx *ctx, nz_slide_cache *c, const float *x, size_t ldx)
{
	const int move = c->start + c->slots == c->capacity;
	ctx->be->slide_cache_push(ctx, c, x, ldx);
	c->start = move ? 0 : c->start + 1;
}

void nz_slide_cache_set(nz_nn_ctx *ctx, nz_slide_cache *c, const float *x, size_t ldx)
{
	nz_copy_rows(ctx, nz_slide_cache_window(c), c->ld, x, ldx, c->lanes,
		     c->slots * c->width, 0);
}

/* ---- the seed models' ops (ops_model.h) ---- */

void nz_lane_bias_forward(nz_nn_ctx *ctx, float *y, const float *x, const float *bias,
		u32 B, u32 R, u32 D)
{
	ctx->be->lane_bias_forward(ctx, y, x, bias, B, R, D);
}

void nz_lane_bias_backward(nz_nn_ctx *ctx, float *dbias, const float *dy, u32 B, u32 R,
		u32 D)
{
	ctx->be->lane_bias_backward(ctx, dbias, dy, B, R, D);
}

void nz_sqr_attention_last_forward(nz_nn_ctx *ctx, float *att, float *a, float *den,
		const float *q2, const float *k2, const float *v, u32 B, u32 T, u32 H,
		u32 NH)
{
	ctx->be->sqr_attention_last_forward(ctx, att, a, den, q2, k2, v, B, T, H, NH);
}

void nz_sqr_attention_last_backward(nz_nn_ctx *ctx, float *dq, float *dk, float *dv,
		float *dnum, const float *datt, const float *att, const float *a,
		const float *den, const float *q, const float *q2, const float *k,
		const float *k2, const float *v, u32 B, u32 T, u32 H, u32 NH)
{
	ctx->be->sqr_attention_last_backward(ctx, dq, dk, dv, dnum, datt, att, a, den, q,
			q2, k, k2, v, B, T, H, NH);
}

void nz_patch_gate_forward(nz_nn_ctx *ctx, float *kk, float *mask, float *coef,
		const float *mparam, const float *uw, u32 NW, u32 stride)
{
	ctx->be->patch_gate_forward(ctx, kk, mask, coef, mparam, uw, NW, stride);
}

void nz_patch_gate_backward(nz_nn_ctx *ctx, float *duw, float *dmparam, const float *dcoef,
		const float *uw, const float *mask, const float *kk, u32 NW, u32 stride)
{
	ctx->be->patch_gate_backward(ctx, duw, dmparam, dcoef, uw, mask, kk, NW, stride);
}

void nz_patch_mix_forward(nz_nn_ctx *ctx, float *pre, const float *s, const float *coef,
		const float *ub, u32 B, u32 NW, u32 E, u32 H)
{
	ctx->be->patch_mix_forward(ctx, pre, s, coef, ub, B, NW, E, H);
}

void nz_patch_mix_backward(nz_nn_ctx *ctx, float *ds, float *dcoef, float *dub,
		const float *dpre, const float *s, const float *coef, u32 B, u32 NW, u32 E,
		u32 H)
{
	ctx->be->patch_mix_backward(ctx, ds, dcoef, dub, dpre, s, coef, B, NW, E, H);
}
