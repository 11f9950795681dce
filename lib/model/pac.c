/*
 * pac.c - the PAC model (damonwan1/SEP, 1PAC/): byte embeddings through a sigmoid,
 * concatenated over the C context bytes (H = C * E), then the PAC body (pac.h).
 * Header keys: context C, hidden H (E = H / C), ffn F, extra0 NL (levels).
 * The body is shared with SEP (sep.c).
 */
#include <stdlib.h>

#include "model/pac.h"

#define EPS 1e-5f

/* ---- the body ---- */

int nz_pac_body_check(const pac_dims *d)
{
	if (d->lanes < 1 || d->lanes > 65536 || d->C < 1 || d->C > 64 || d->E < 1 ||
	    d->H != d->C * d->E || d->H > 4096 || d->F < 1 || d->F > 16384 || d->NL < 1 ||
	    d->NL > PAC_MAX_LEVELS)
		return NZ_ERR_UNSUPPORTED;
	if (d->C % (1u << (d->NL - 1)))
		return NZ_ERR_UNSUPPORTED; /* every level's tokens must tile H */
	if ((u64)d->lanes * ((u64)d->H * d->H + 40 * (u64)d->H + 4 * (u64)d->F) > ((u64)1 << 30))
		return NZ_ERR_UNSUPPORTED;
	return NZ_OK;
}

/* The body's tensors in layout order: per level the BE layer then the Linear
 * layer, then the output. `aff` says whether level l's BE LN1 has parameters. */
static int be_ln1_affine(const pac_dims *d, u32 l) { return l == 0 || d->be_ln1_affine_all; }

void nz_pac_body_layout(const pac_dims *d, nz_nn_layout *l)
{
	const size_t H = d->H, F = d->F, L = d->lanes;
	for (u32 k = 0; k < d->NL; k++) {
		const size_t T = pac_tw(d, k);
		const int aff = be_ln1_affine(d, k);
		SEED_LAYOUT_TABLE(l, PAC_LEVEL_PARAMS);
	}
	SEED_LAYOUT_TABLE(l, PAC_OUT_PARAMS);
}

void nz_pac_body_carve(pac_body *b, seed_model *sm, u32 first)
{
	u32 i = first;
	for (u32 k = 0; k < b->d.NL; k++)
		SEED_CARVE_TABLE(sm, i, &i, pac_level_params, &b->p[k], &b->g[k], PAC_LEVEL_PARAMS);
	SEED_CARVE_TABLE(sm, i, &i, pac_out_params, &b->po, &b->go, PAC_OUT_PARAMS);
}

void nz_pac_body_acts(pac_body *b, seed_arena *ar)
{
	const pac_dims *d = &b->d;
	const size_t L = d->lanes, H = d->H, F = d->F;
	for (u32 k = 0; k < d->NL; k++) {
		const size_t NT = pac_nt(d, k);
		SEED_ARENA_TABLE(ar, pac_level_acts, &b->a[k], L, PAC_LEVEL_ACTS);
	}
	SEED_ARENA_TABLE(ar, pac_body, b, L, PAC_BODY_ACTS);
}

/* Level k keeps a cache of its NT - 1 older token outputs when it has any and is
 * not recomputed every step. */
static int level_cached(const pac_dims *d, u32 k)
{
	return pac_nt(d, k) > 1 && (k > 0 || d->cache_level0);
}

/* Slots of level k's cache storage (nz_slide_cache capacity); 0 if not cached. */
static u32 level_cache_capacity(const pac_dims *d, u32 k)
{
	const u32 s = pac_nt(d, k) - 1;
	return level_cached(d, k) ? NZ_MAX(2 * s, s + 1) : 0;
}

int nz_pac_body_caches(pac_body *b, nz_nn_ctx *ctx)
{
	const pac_dims *d = &b->d;
	for (u32 k = 0; k < d->NL; k++)
		if (level_cached(d, k))
			NZ_TRY(nz_slide_cache_init(ctx, &b->cache[k], d->lanes, pac_nt(d, k) - 1,
						   pac_tw(d, k), level_cache_capacity(d, k)));
	return NZ_OK;
}

u64 nz_pac_body_act_floats(const pac_dims *d)
{
	const u64 L = d->lanes, H = d->H, F = d->F;
	u64 t = SEED_TABLE_COUNT(PAC_BODY_ACTS) * L;
	for (u32 k = 0; k < d->NL; k++) {
		const u64 NT = pac_nt(d, k);
		t += SEED_TABLE_COUNT(PAC_LEVEL_ACTS) * L +
		     (u64)level_cache_capacity(d, k) * pac_tw(d, k) * L;
	}
	return t;
}

void nz_pac_body_free(pac_body *b, nz_nn_ctx *ctx)
{
	for (u32 k = 0; k < PAC_MAX_LEVELS; k++)
		if (b->cache[k].buf)
			nz_slide_cache_free(ctx, &b->cache[k]);
}

void nz_pac_body_reset_lanes(pac_body *b)
{
	for (u32 k = 0; k < b->d.NL; k++)
		if (b->cache[k].buf) {
			b->cache[k].lanes = b->d.lanes;
			nz_slide_cache_clear(&b->cache[k]);
		}
}

void nz_pac_body_init(pac_body *b, nz_nn_ctx *ctx, nz_rng *r, int torch_default_out)
{
	const pac_dims *d = &b->d;
	const size_t H = d->H, F = d->F, L = d->lanes;
	for (u32 k = 0; k < d->NL; k++) {
		const pac_level_params *p = &b->p[k];
		const size_t T = pac_tw(d, k);
		if (p->be_ln1_g)
			nz_nn_fill(ctx, p->be_ln1_g, T, 1.0f);
		nz_nn_buf_init_normal(ctx, p->U, L * T * T, 0.0f, 0.01f, r);
		nz_nn_buf_init_normal(ctx, p->bias, L * T, 0.0f, 0.01f, r);
		nz_nn_fill(ctx, p->be_ln2_g, T, 1.0f);
		nz_nn_fill(ctx, p->ln1_g, H, 1.0f);
		nz_nn_buf_init_normal(ctx, p->wu, F * H, 0.0f, 0.01f, r);
		nz_nn_buf_init_normal(ctx, p->bu, F, 0.0f, 0.01f, r);
		nz_nn_buf_init_normal(ctx, p->wv, H * F, 0.0f, 0.01f, r);
		nz_nn_buf_init_normal(ctx, p->bv, H, 0.0f, 0.01f, r);
		nz_nn_fill(ctx, p->ln2_g, H, 1.0f);
	}
	if (torch_default_out) {
		nz_nn_buf_init_linear(ctx, b->po.wo, b->po.bo, d->H, 256, r);
	} else {
		nz_nn_buf_init_normal(ctx, b->po.wo, 256 * H, 0.0f, 0.01f, r);
		nz_nn_buf_init_normal(ctx, b->po.bo, 256, 0.0f, 0.01f, r);
	}
}

void nz_pac_body_forward(pac_body *b, nz_nn_ctx *c, const float *x, u32 B, int first,
		      float *probs)
{
	const pac_dims *d = &b->d;
	const u32 H = d->H, F = d->F;
	const size_t BH = (size_t)B * H;
	for (u32 k = 0; k < d->NL; k++) {
		const pac_level_params *p = &b->p[k];
		pac_level_acts *a = &b->a[k];
		const u32 TW = pac_tw(d, k), NT = pac_nt(d, k);
		const int cached = level_cached(d, k);
		const u32 rows = (cached && !first) ? 1 : NT;
		a->rows = rows;
		const size_t n = (size_t)B * rows * TW;
		/* BE layer */
		if (rows == NT)
			nz_copy_rows(c, a->tin, H, x, H, B, H, 0);
		else
			nz_copy_rows(c, a->tin, TW, x + (H - TW), H, B, TW, 0);
		nz_layernorm_forward(c, a->y, a->m1, a->r1, a->tin, p->be_ln1_g, p->be_ln1_b,
				     B * rows, TW, EPS);
		nz_bmm_forward(c, a->z, a->y, p->U, NULL, B, rows, TW, TW);
		nz_lane_bias_forward(c, a->zb, a->z, p->bias, B, rows, TW);
		nz_layernorm_forward(c, a->n, a->m2, a->r2, a->zb, p->be_ln2_g, p->be_ln2_b,
				     B * rows, TW, EPS);
		nz_gelu_forward(c, a->gg, a->n, n);
		nz_avg2_forward(c, a->o, a->y, a->gg, n);
		nz_slide_cache *cc = &b->cache[k];
		if (rows == NT) {
			nz_copy_rows(c, a->out, H, a->o, H, B, H, 0);
			if (cached) {
				cc->lanes = B;
				nz_slide_cache_set(c, cc, a->out + TW, H);
			}
		} else {
			cc->lanes = B;
			nz_copy_rows(c, a->out, H, nz_slide_cache_window(cc), cc->ld, B, H - TW, 0);
			nz_copy_rows(c, a->out + (H - TW), H, a->o, TW, B, TW, 0);
			nz_slide_cache_push(c, cc, a->o, TW);
		}
		/* Linear layer */
		nz_layernorm_forward(c, a->xl, a->lm1, a->lr1, a->out, p->ln1_g, p->ln1_b, B, H, EPS);
		nz_linear_forward(c, a->hpre, a->xl, p->wu, p->bu, B, H, F);
		nz_gelu_forward(c, a->h, a->hpre, (size_t)B * F);
		nz_linear_forward(c, a->v, a->h, p->wv, p->bv, B, F, H);
		nz_layernorm_forward(c, a->n2, a->lm2, a->lr2, a->v, p->ln2_g, p->ln2_b, B, H, EPS);
		nz_gelu_forward(c, a->gg2, a->n2, BH);
		nz_avg2_forward(c, a->lout, a->xl, a->gg2, BH);
		x = a->lout;
	}
	nz_linear_forward(c, b->logits, x, b->po.wo, b->po.bo, B, H, 256);
	nz_softmax_forward(c, probs, b->logits, B, 256);
}

void nz_pac_body_backward(pac_body *b, nz_nn_ctx *c, nz_nn_params *P, const float *dlogits,
			  u32 B, float *dx)
{
	const pac_dims *d = &b->d;
	const u32 H = d->H, F = d->F, NL = d->NL;
	const size_t BH = (size_t)B * H;
	float *dA = b->dA, *dB = b->dB, *dC = b->dC, *dD = b->dD, *dE = b->dE;
	nz_nn_linear_backward_step(c, P, dA, b->go.wo, b->go.bo, dlogits, b->a[NL - 1].lout, H,
				   b->po.wo, B, H, 256, 0);
	for (u32 k = NL; k-- > 0;) {
		const pac_level_params *p = &b->p[k], *g = &b->g[k];
		const pac_level_acts *a = &b->a[k];
		const u32 TW = pac_tw(d, k), NT = pac_nt(d, k), rows = a->rows;
		const size_t n = (size_t)B * rows * TW;
		/* Linear layer: dA is d(lout) */
		nz_avg2_backward(c, dB, dC, dA, BH, 0);           /* dB = d xl, dC = d gg2 */
		nz_gelu_backward(c, dD, dC, a->n2, BH, 0);        /* dD = d n2 */
		nz_layernorm_backward(c, dE, g->ln2_g, g->ln2_b, dD, a->v, a->lm2, a->lr2,
				      p->ln2_g, B, H, 0);         /* dE = d v */
		nz_nn_linear_backward_step(c, P, b->dF1, g->wv, g->bv, dE, a->h, F, p->wv, B, F, H, 0);
		nz_gelu_backward(c, b->dF2, b->dF1, a->hpre, (size_t)B * F, 0);
		nz_nn_linear_backward_step(c, P, dB, g->wu, g->bu, b->dF2, a->xl, H, p->wu, B, H, F, 1);
		nz_layernorm_backward(c, dA, g->ln1_g, g->ln1_b, dB, a->out, a->lm1, a->lr1,
				      p->ln1_g, B, H, 0);         /* dA = d out (BE output) */
		/* BE layer: only the tokens computed this step carry gradient */
		const float *dO = dA;
		if (rows != NT) {
			nz_copy_rows(c, dB, TW, dA + (H - TW), H, B, TW, 0);
			dO = dB;
		}
		nz_avg2_backward(c, dC, dD, dO, n, 0);            /* dC = d y, dD = d gg */
		nz_gelu_backward(c, dE, dD, a->n, n, 0);          /* dE = d n */
		nz_layernorm_backward(c, dD, g->be_ln2_g, g->be_ln2_b, dE, a->zb, a->m2, a->r2,
				      p->be_ln2_g, B * rows, TW, 0); /* dD = d zb = d z */
		nz_lane_bias_backward(c, g->bias, dD, B, rows, TW);
		nz_bmm_backward(c, dC, g->U, NULL, dD, a->y, p->U, B, rows, TW, TW, 1);
		float *dt = k ? dA : dx;
		if (rows == NT) {
			nz_layernorm_backward(c, dt, g->be_ln1_g, g->be_ln1_b, dC, a->tin, a->m1,
					      a->r1, p->be_ln1_g, B * rows, TW, 0);
		} else {
			nz_layernorm_backward(c, dE, g->be_ln1_g, g->be_ln1_b, dC, a->tin, a->m1,
					      a->r1, p->be_ln1_g, B * rows, TW, 0);
			nz_nn_fill(c, dt, BH, 0.0f);
			nz_copy_rows(c, dt + (H - TW), H, dE, TW, B, TW, 0);
		}
	}
}

/* Trained floats of the body from its tables: shared ones and per lane. */
static void body_param_counts(const pac_dims *d, u64 *shared, u64 *per_lane)
{
	const u64 H = d->H, F = d->F, L = 1; /* the tables counted for one lane */
	*shared = SEED_TABLE_COUNT(PAC_OUT_PARAMS);
	*per_lane = 0;
	for (u32 k = 0; k < d->NL; k++) {
		const u64 T = pac_tw(d, k);
		const int aff = be_ln1_affine(d, k);
		const u64 lane = T * T + T; /* U and bias */
		*shared += SEED_TABLE_COUNT(PAC_LEVEL_PARAMS) - lane;
		*per_lane += lane;
	}
}

void nz_pac_body_cost(const pac_dims *d, seed_cost *c)
{
	const double H = d->H, F = d->F;
	double fwd = 256.0 * H, bwd = 2.0 * 256.0 * H;
	for (u32 k = 0; k < d->NL; k++) {
		const double TW = pac_tw(d, k), rows = level_cached(d, k) ? 1 : pac_nt(d, k);
		fwd += rows * TW * TW + 2.0 * H * F;
		bwd += 2.0 * rows * TW * TW + 4.0 * H * F;
	}
	u64 shared, lane;
	body_param_counts(d, &shared, &lane);
	c->fwd_macs += fwd;
	c->train_macs += fwd + bwd;
	c->params += shared;
	c->lane_params += lane;
}

/* ---- the PAC model ---- */

/* The PAC model's own tensors before the body's (E, H in scope). */
#define PAC_PARAMS(X) X(emb, 256 * (size_t)E)
/* Per lane: embedded, sigmoid, and their gradients. */
#define PAC_ACTS(X) X(xe, H) X(xs, H) X(dxs, H) X(dxe, H)

SEED_STRUCT(pac_params, PAC_PARAMS);
SEED_STRUCT(pac_acts, PAC_ACTS);

typedef struct pac {
	seed_model s;
	pac_body b;
	pac_params p, g;
	pac_acts a;
} pac;

typedef struct pac_preset {
	const char *name;
	u32 lanes, C, H, F, NL;
	float lr;
} pac_preset;

static const pac_preset pac_presets[] = {
	{"pac", 512, 16, 256, 4096, 4, 1e-3f},
	{"pac-s", 128, 16, 128, 1024, 4, 2e-3f},
	{"pac-xs", 64, 16, 128, 512, 4, 2e-3f},
	{"pac-tiny", 16, 8, 64, 64, 2, 2e-3f},
};

static const char *const pac_names[] = {"pac", "pac-s", "pac-xs", "pac-tiny", NULL};

static void pac_dims_of(const nz_model_config *cfg, pac_dims *d)
{
	memset(d, 0, sizeof(*d));
	d->lanes = cfg->lanes;
	d->C = cfg->context;
	d->H = cfg->hidden;
	d->E = d->C ? d->H / d->C : 0;
	d->F = cfg->ffn;
	d->NL = (u32)NZ_MIN(cfg->extra[0], (u64)1000);
}

static void pac_defaults(nz_model_config *cfg, int level, u64 content_size)
{
	(void)content_size;
	(void)level;
	const pac_preset *p = &pac_presets[cfg->preset < NZ_ARRAY_LEN(pac_presets) ? cfg->preset : 0];
	if (!cfg->lanes)
		cfg->lanes = p->lanes;
	if (!cfg->context)
		cfg->context = p->C;
	if (!cfg->hidden)
		cfg->hidden = p->H;
	if (!cfg->ffn)
		cfg->ffn = p->F;
	if (cfg->learning_rate == 0.0f)
		cfg->learning_rate = p->lr;
	if (!cfg->extra[0])
		cfg->extra[0] = p->NL;
}

static int pac_validate(const nz_model_config *cfg)
{
	for (int i = 1; i < NZ_MODEL_EXTRA; i++)
		if (cfg->extra[i])
			return NZ_ERR_UNSUPPORTED;
	pac_dims d;
	pac_dims_of(cfg, &d);
	const float lr = cfg->learning_rate;
	if (!(lr > 0.0f && lr < 1.0f) || d.C == 0 || d.H % d.C)
		return NZ_ERR_UNSUPPORTED;
	return nz_pac_body_check(&d);
}

void nz_pac_cost(const nz_model_config *cfg, seed_cost *c)
{
	pac_dims d;
	pac_dims_of(cfg, &d);
	nz_pac_body_cost(&d, c);
	const u64 E = d.E;
	c->params += SEED_TABLE_COUNT(PAC_PARAMS);
}

static u64 pac_memory(const nz_model_config *cfg)
{
	seed_cost c = {0};
	pac_dims d;
	pac_dims_of(cfg, &d);
	nz_pac_cost(cfg, &c);
	const u64 H = d.H;
	return nz_seed_memory(&c, d.lanes, nz_pac_body_act_floats(&d) + SEED_TABLE_COUNT(PAC_ACTS) * d.lanes);
}

static void pac_init(seed_model *sm)
{
	pac *m = (pac *)sm;
	nz_nn_ctx *c = sm->ctx;
	nz_rng r;
	nz_rng_seed(&r, sm->cfg.seed, NZ_MODEL_PAC);
	nz_nn_buf_init_normal(c, m->p.emb, 256 * (size_t)m->b.d.E, 0.0f, 0.01f, &r);
	nz_pac_body_init(&m->b, c, &r, 0);
}

static void pac_reset_lanes(seed_model *sm) { nz_pac_body_reset_lanes(&((pac *)sm)->b); }

static void pac_forward(seed_model *sm, const u8 *ctx, u32 B)
{
	pac *m = (pac *)sm;
	const pac_dims *d = &m->b.d;
	nz_embedding_forward(sm->ctx, m->a.xe, ctx, d->C, m->p.emb, B, d->C, d->E);
	nz_sigmoid_forward(sm->ctx, m->a.xs, m->a.xe, (size_t)B * d->H);
	nz_pac_body_forward(&m->b, sm->ctx, m->a.xs, B, sm->first, sm->probs);
}

static void pac_backward(seed_model *sm, const u8 *next, u32 B)
{
	(void)next;
	pac *m = (pac *)sm;
	const pac_dims *d = &m->b.d;
	nz_pac_body_backward(&m->b, sm->ctx, &sm->P, sm->dlogits, B, m->a.dxs);
	nz_sigmoid_backward(sm->ctx, m->a.dxe, m->a.dxs, m->a.xs, (size_t)B * d->H, 0);
	nz_embedding_backward(sm->ctx, m->g.emb, m->a.dxe, sm->ctx_bytes, d->C, B, d->C, d->E);
}

static void pac_destroy(seed_model *sm)
{
	if (sm->ctx)
		nz_pac_body_free(&((pac *)sm)->b, sm->ctx);
}

static const seed_hooks pac_hooks = {
	.init = pac_init,
	.reset_lanes = pac_reset_lanes,
	.forward = pac_forward,
	.backward = pac_backward,
	.destroy = pac_destroy,
};

static int pac_create(const nz_model_config *cfg, nz_exec *ex, nz_byte_model **out)
{
	*out = NULL;
	if (pac_validate(cfg) != NZ_OK)
		return NZ_ERR_PARAM;
	pac *m = calloc(1, sizeof(*m));
	if (!m)
		return NZ_ERR_NOMEM;
	pac_dims_of(cfg, &m->b.d);
	const pac_dims *d = &m->b.d;
	int rc = nz_seed_model_begin(&m->s, &pac_hooks, cfg, ex, d->C, 1e-7f);
	if (rc == NZ_OK) {
		const size_t E = d->E, H = d->H;
		nz_nn_layout l;
		nz_nn_layout_init(&l);
		SEED_LAYOUT_TABLE(&l, PAC_PARAMS);
		nz_pac_body_layout(d, &l);
		rc = nz_seed_model_params(&m->s, &l);
		if (rc == NZ_OK) {
			u32 next;
			SEED_CARVE_TABLE(&m->s, 0, &next, pac_params, &m->p, &m->g, PAC_PARAMS);
			nz_pac_body_carve(&m->b, &m->s, next);
			seed_arena a;
			nz_seed_arena_init(&a);
			SEED_ARENA_TABLE(&a, pac_acts, &m->a, d->lanes, PAC_ACTS);
			nz_pac_body_acts(&m->b, &a);
			rc = nz_seed_arena_alloc(m->s.ctx, &a, &m->s.act);
		}
	}
	if (rc == NZ_OK)
		rc = nz_pac_body_caches(&m->b, m->s.ctx);
	if (rc == NZ_OK)
		rc = nz_seed_model_finish(&m->s, out);
	if (rc != NZ_OK) {
		nz_seed_model_ops.destroy(&m->s.base);
		*out = NULL;
	}
	return rc;
}

const nz_model_desc nz_model_pac = {
	.id = NZ_MODEL_PAC,
	.name = "pac",
	.preset_names = pac_names,
	.coding = NZ_CODING_BYTES,
	.default_block_log = 24,
	.defaults = pac_defaults,
	.validate = pac_validate,
	.memory = pac_memory,
	.create_byte_model = pac_create,
};
