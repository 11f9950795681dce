/*
 * test_nn_golden.c - the golden vector: a small network that uses every layer
 * (embedding, LayerNorm, linear, gated GELU, per-lane product, sigmoid, tanh,
 * residual averages, a sliding cache, concatenation, softmax/cross-entropy and
 * Adam) is trained for a few steps on fixed data from a fixed seed. The hash of
 * every step's probabilities and of the final weights and Adam moments must be
 * the recorded constant on every backend and for any thread count: that is the
 * promise the decoder relies on. If the arithmetic is changed on purpose
 * (docs/NUMERICS.md), the constant changes, and so does the format version.
 *
 * The model is also the example of docs/ENGINE.md: parameters as a struct of
 * named tensors carved from one block, each layer a forward/backward call,
 * predict (forward) and train (backward + Adam) split so a coder could run in
 * between.
 *
 *   B lanes, T context bytes, E embedding, H = T*E hidden, F feed-forward,
 *   R x (H/R) per-lane branches, S cache slots of E features, V = 256.
 */
#include "nn_test_common.h"

enum { B = 96, T = 8, E = 16, H = T * E, F = 384, R = 2, HB = H / R, S = 3, V = 256,
       CAT = H + S * E };

typedef struct params {
	float *emb;              /* (V, E) */
	float *ln1_g, *ln1_b;    /* (H) */
	float *wa, *ba;          /* (F, H), (F)  gate "main" */
	float *wb, *bb;          /* (F, H), (F)  gate */
	float *wv, *bv;          /* (H, F), (H) */
	float *u, *ub;           /* (B, HB, HB), (B, R, HB): per-lane */
	float *wc, *bc;          /* (E, E), (E): the cache's input map (no gradient) */
	float *wo, *bo;          /* (V, CAT), (V) */
} params;

/* The tensors in the order of struct params. */
static void layout_params(nz_nn_layout *l)
{
	nz_nn_layout_init(l);
	nz_nn_layout_add(l, "emb", (size_t)V * E);
	nz_nn_layout_add(l, "ln1_g", H);
	nz_nn_layout_add(l, "ln1_b", H);
	nz_nn_layout_add(l, "wa", (size_t)F * H);
	nz_nn_layout_add(l, "ba", F);
	nz_nn_layout_add(l, "wb", (size_t)F * H);
	nz_nn_layout_add(l, "bb", F);
	nz_nn_layout_add(l, "wv", (size_t)H * F);
	nz_nn_layout_add(l, "bv", H);
	nz_nn_layout_add(l, "u", (size_t)B * HB * HB);
	nz_nn_layout_add(l, "ub", (size_t)B * R * HB);
	nz_nn_layout_add(l, "wc", (size_t)E * E);
	nz_nn_layout_add(l, "bc", E);
	nz_nn_layout_add(l, "wo", (size_t)V * CAT);
	nz_nn_layout_add(l, "bo", V);
}

#define FIELDS(p) {&(p).emb, &(p).ln1_g, &(p).ln1_b, &(p).wa, &(p).ba, &(p).wb, &(p).bb, \
		   &(p).wv, &(p).bv, &(p).u, &(p).ub, &(p).wc, &(p).bc, &(p).wo, &(p).bo}

/* Activations of one step (forward keeps what backward needs). */
typedef struct acts {
	float *x0, *x1, *mean1, *rstd1;  /* (B, H) embedded, normalised */
	float *a, *b, *h;                /* (B, F) */
	float *v, *gv, *x2;              /* (B, H) ffn out, gelu, residual avg */
	float *e, *s, *x3;               /* (B, H) per-lane product, sigmoid, avg */
	float *c_in, *c_out;             /* (B, E) the cache's new slot */
	float *cat, *th;                 /* (B, CAT) features, tanh */
	float *logits, *probs;           /* (B, V) */
	/* gradients */
	float *d_cat, *d_x3, *d_s, *d_e, *d_x2, *d_gv, *d_v, *d_h, *d_a, *d_b, *d_x1, *d_x0, *d_logits;
} acts;

typedef struct model {
	nz_nn_ctx *ctx;
	nz_nn_params P;
	params p, g;
	acts a;
	float *act_mem;
	nz_slide_cache cache;
	const u8 *ctx_bytes;  /* (B, T) of the last predict */
} model;

static int model_init(model *m, nz_nn_ctx *ctx, u64 seed)
{
	memset(m, 0, sizeof(*m));
	m->ctx = ctx;
	nz_nn_layout l;
	float **pf[] = FIELDS(m->p), **gf[] = FIELDS(m->g);
	layout_params(&l);
	NZ_TRY(nz_nn_params_init(ctx, &m->P, &l));
	nz_nn_layout_carve(&l, m->P.param, pf);
	nz_nn_layout_carve(&l, m->P.grad, gf);

	nz_rng r;
	nz_rng_seed(&r, seed, 0);
	params *p = &m->p;
	nz_nn_buf_init_normal(ctx, p->emb, (size_t)V * E, 0.0f, 0.5f, &r);
	nz_nn_fill(ctx, p->ln1_g, H, 1.0f);
	nz_nn_fill(ctx, p->ln1_b, H, 0.0f);
	nz_nn_buf_init_linear(ctx, p->wa, p->ba, H, F, &r);
	nz_nn_buf_init_linear(ctx, p->wb, p->bb, H, F, &r);
	nz_nn_buf_init_linear(ctx, p->wv, p->bv, F, H, &r);
	nz_nn_buf_init_normal(ctx, p->u, (size_t)B * HB * HB, 0.0f, 0.1f, &r);
	nz_nn_buf_init_normal(ctx, p->ub, (size_t)B * R * HB, 0.0f, 0.01f, &r);
	nz_nn_buf_init_linear(ctx, p->wc, p->bc, E, E, &r);
	nz_nn_buf_init_normal(ctx, p->wo, (size_t)V * CAT, 0.0f, 0.05f, &r);
	nz_nn_fill(ctx, p->bo, V, 0.0f);

	/* activations: one block carved in order */
	const size_t BH = (size_t)B * H, BF = (size_t)B * F, BC = (size_t)B * CAT, BV = (size_t)B * V;
	struct { float **f; size_t n; } t[] = {
		{&m->a.x0, BH}, {&m->a.x1, BH}, {&m->a.mean1, B}, {&m->a.rstd1, B},
		{&m->a.a, BF}, {&m->a.b, BF}, {&m->a.h, BF}, {&m->a.v, BH}, {&m->a.gv, BH},
		{&m->a.x2, BH}, {&m->a.e, BH}, {&m->a.s, BH}, {&m->a.x3, BH},
		{&m->a.c_in, (size_t)B * E}, {&m->a.c_out, (size_t)B * E},
		{&m->a.cat, BC}, {&m->a.th, BC}, {&m->a.logits, BV}, {&m->a.probs, BV},
		{&m->a.d_cat, BC}, {&m->a.d_x3, BH}, {&m->a.d_s, BH}, {&m->a.d_e, BH},
		{&m->a.d_x2, BH}, {&m->a.d_gv, BH}, {&m->a.d_v, BH}, {&m->a.d_h, BF},
		{&m->a.d_a, BF}, {&m->a.d_b, BF}, {&m->a.d_x1, BH}, {&m->a.d_x0, BH},
		{&m->a.d_logits, BV},
	};
	size_t total = 0;
	for (size_t i = 0; i < NZ_ARRAY_LEN(t); i++)
		total += (t[i].n + 15) & ~(size_t)15;
	m->act_mem = nz_nn_calloc(ctx, total);
	if (!m->act_mem)
		return NZ_ERR_NOMEM;
	float *at = m->act_mem;
	for (size_t i = 0; i < NZ_ARRAY_LEN(t); i++) {
		*t[i].f = at;
		at += (t[i].n + 15) & ~(size_t)15;
	}
	return nz_slide_cache_init(ctx, &m->cache, B, S, E, 0);
}

static void model_free(model *m)
{
	nz_slide_cache_free(m->ctx, &m->cache);
	nz_nn_free_mem(m->ctx, m->act_mem);
	nz_nn_params_free(m->ctx, &m->P);
}

/* Predict: probabilities of the next byte of every lane from its last T bytes. */
static void model_predict(model *m, const u8 *ctx_bytes)
{
	nz_nn_ctx *c = m->ctx;
	const params *p = &m->p;
	acts *a = &m->a;
	m->ctx_bytes = ctx_bytes;
	nz_embedding_forward(c, a->x0, ctx_bytes, T, p->emb, B, T, E);
	nz_layernorm_forward(c, a->x1, a->mean1, a->rstd1, a->x0, p->ln1_g, p->ln1_b, B, H, 1e-5f);
	/* gated GELU feed-forward, residual average */
	nz_linear_forward(c, a->a, a->x1, p->wa, p->ba, B, H, F);
	nz_linear_forward(c, a->b, a->x1, p->wb, p->bb, B, H, F);
	nz_gelu_mul_forward(c, a->h, a->a, a->b, (size_t)B * F);
	nz_linear_forward(c, a->v, a->h, p->wv, p->bv, B, F, H);
	nz_gelu_forward(c, a->gv, a->v, (size_t)B * H);
	nz_avg2_forward(c, a->x2, a->x1, a->gv, (size_t)B * H);
	/* per-lane branch: (B, R, HB) x (B, HB, HB) + (B, R, HB), sigmoid, average */
	nz_bmm_forward(c, a->e, a->x2, p->u, p->ub, B, R, HB, HB);
	nz_sigmoid_forward(c, a->s, a->e, (size_t)B * H);
	nz_avg2_forward(c, a->x3, a->x2, a->s, (size_t)B * H);
	/* the cache: the newest byte's embedding (a strided view of x0) through a
	 * map, detached from the gradient */
	nz_gemm(c, 0, 1, B, E, E, a->x0 + (T - 1) * E, H, p->wc, E, a->c_in, E, p->bc, 0);
	nz_tanh_forward(c, a->c_out, a->c_in, (size_t)B * E);
	nz_slide_cache_push(c, &m->cache, a->c_out, E);
	/* features: [x3, cache window], tanh, output */
	nz_copy_rows(c, a->cat, CAT, a->x3, H, B, H, 0);
	nz_copy_rows(c, a->cat + H, CAT, nz_slide_cache_window(&m->cache), m->cache.ld, B, S * E, 0);
	nz_tanh_forward(c, a->th, a->cat, (size_t)B * CAT);
	nz_linear_forward(c, a->logits, a->th, p->wo, p->bo, B, CAT, V);
	nz_softmax_forward(c, a->probs, a->logits, B, V);
}

/* Train: one Adam step on the mean cross-entropy of the true next bytes. */
static float model_train(model *m, const u8 *next)
{
	nz_nn_ctx *c = m->ctx;
	const params *p = &m->p, *g = &m->g;
	acts *a = &m->a;
	const float loss = nz_xent_loss(c, a->probs, next, B, V);
	nz_nn_params_zero_grad(c, &m->P);
	nz_softmax_xent_backward(c, a->d_logits, a->probs, next, B, V, 1.0f / B);
	nz_linear_backward(c, a->d_cat, g->wo, g->bo, a->d_logits, a->th, p->wo, B, CAT, V, 0);
	nz_tanh_backward(c, a->d_cat, a->d_cat, a->th, (size_t)B * CAT, 0);
	/* the cache part of d_cat is dropped (detached); x3 gets columns [0, H) */
	nz_copy_rows(c, a->d_x3, H, a->d_cat, CAT, B, H, 0);
	nz_avg2_backward(c, a->d_x2, a->d_s, a->d_x3, (size_t)B * H, 0);
	nz_sigmoid_backward(c, a->d_e, a->d_s, a->s, (size_t)B * H, 0);
	nz_bmm_backward(c, a->d_x2, g->u, g->ub, a->d_e, a->x2, p->u, B, R, HB, HB, 1);
	nz_avg2_backward(c, a->d_x1, a->d_gv, a->d_x2, (size_t)B * H, 0);
	nz_gelu_backward(c, a->d_v, a->d_gv, a->v, (size_t)B * H, 0);
	nz_linear_backward(c, a->d_h, g->wv, g->bv, a->d_v, a->h, p->wv, B, F, H, 0);
	nz_gelu_mul_backward(c, a->d_a, a->d_b, a->d_h, a->a, a->b, (size_t)B * F, 0);
	nz_linear_backward(c, a->d_x1, g->wa, g->ba, a->d_a, a->x1, p->wa, B, H, F, 1);
	nz_linear_backward(c, a->d_x1, g->wb, g->bb, a->d_b, a->x1, p->wb, B, H, F, 1);
	nz_layernorm_backward(c, a->d_x0, g->ln1_g, g->ln1_b, a->d_x1, a->x0, a->mean1,
			      a->rstd1, p->ln1_g, B, H, 0);
	nz_embedding_backward(c, g->emb, a->d_x0, m->ctx_bytes, T, B, T, E);
	nz_nn_params_adam_step(c, &m->P);
	return loss;
}

#define STEPS 6
#define GOLDEN 0x580105616c83a55full

static u64 run(nz_nn_ctx *ctx, const u8 *data, size_t lane_len, float *losses)
{
	model m;
	REQUIRE(model_init(&m, ctx, 20240601) == NZ_OK);
	nz_xxh64_state *h = nz_xxh64_create();
	REQUIRE(h);
	u8 cb[B * T], nb[B];
	static float probs[B * V]; /* the host copy the coder would read */
	for (int step = 0; step < STEPS; step++) {
		for (u32 b = 0; b < B; b++) {
			memcpy(cb + b * T, data + b * lane_len + step, T);
			nb[b] = data[b * lane_len + step + T];
		}
		model_predict(&m, cb);
		nz_nn_download(ctx, probs, m.a.probs, (size_t)B * V);
		nz_xxh64_update(h, probs, sizeof probs);
		losses[step] = model_train(&m, nb);
	}
	u8 t[8];
	nz_store_le64(t, nz_nn_params_hash(&m.P));
	nz_xxh64_update(h, t, 8);
	const u64 d = nz_xxh64_digest(h);
	nz_xxh64_free(h);
	model_free(&m);
	return d;
}

int main(void)
{
	const size_t lane_len = T + STEPS + 1;
	u8 *data = malloc(B * lane_len);
	REQUIRE(data);
	nz_test_fill(data, B * lane_len, 1, 42);
	static const u32 threads[] = {1, 2, 3};
	u64 first = 0;
	for (int be = NZ_NN_BACKEND_SCALAR; be < NZ_NN_BACKEND_COUNT_; be++)
		for (u32 t = 0; t < NZ_ARRAY_LEN(threads); t++) {
			nz_nn_ctx *ctx = make_ctx(be, threads[t]);
			if (!ctx)
				break;
			float losses[STEPS];
			const u64 hsh = run(ctx, data, lane_len, losses);
			printf("%s/%u: golden %016llx, loss %.4f -> %.4f\n", nz_nn_backend_name(be),
			       threads[t], (unsigned long long)hsh, (double)losses[0],
			       (double)losses[STEPS - 1]);
			if (!first)
				first = hsh;
			CHECK(hsh == first);
			if (GOLDEN)
				CHECK(hsh == GOLDEN);
			CHECK(losses[STEPS - 1] < losses[0]);
			nz_nn_free(ctx);
		}
	free(data);
	return nz_test_finish("test_nn_golden");
}
