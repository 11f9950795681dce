/*
 * edpc.c - the EDPC probability model (Magie0/EDPC, PEAR_two_rm.py), trained
 * online over lanes. Per lane and step, with the full-size dims in brackets
 * (C context bytes, E = H / C embedding, H hidden, S x W cache, FB, FC, R, K):
 *
 *   x0 = emb[ctx]                                  (H = C*E)       [16 x 32 = 512]
 *   Layer A ("BELayer2"):
 *     x1 = LN(x0)
 *     cache: S slots of W features, detached. At a block's first step it is set to
 *            gelu(W0 x1) * (W00 x1) (S*W) and its newest slot is refined from the
 *            last E features of that product; afterwards the newest slot is refined
 *            from the last E features of x1. refine(z) = gelu(W1 z) * (W11 z).
 *            Each step pushes the refined slot (dropping the oldest).  [64 x 128]
 *     xA = (x1 + gelu(VA . cache + bA)) / 2
 *   Layer B ("BELayer11"):
 *     x2 = LN(xA); xB = (x2 + gelu(LN(V (gelu(Ua x2) * (Ub x2))))) / 2     [FB 2048]
 *   Layer C ("BELayer"): R branches of HB = H/R features,                 [2 x 256]
 *     y = LN_HB(xB);  v = y + L2(U[lane] . L1(y)) + bias[lane]  (L1: HB->K)  [K 85]
 *     xc = (y + v) / 2;  x3 = LN(xc);
 *     xC = (x3 + gelu(LN(V (gelu(Ua x3) * (Ub x3))))) / 2                  [FC 4096]
 *   logits = Wo xC + bo
 *
 * W0, W00, W1, W11 never receive a gradient in the seed (their outputs only reach
 * the detached cache), so they are constants here and stay out of Adam. Header
 * keys: context C, hidden H, ffn FC, extra0 S, extra1 W, extra2 FB, extra3 R,
 * extra4 K (docs/MODELS.md).
 */
#include <stdlib.h>

#include "model/seed_common.h"

#define EDPC_MAX_LANES 65536u
#define EPS 1e-5f

typedef struct edpc_dims {
	u32 C, E, H, S, W, FA, FB, FC, R, HB, K, lanes;
} edpc_dims;

/* Trained tensors: X(name, count). */
#define EDPC_PARAMS(X)                                                             \
	X(emb, 256 * (size_t)d->E) X(lnA_g, d->H) X(lnA_b, d->H)                  \
	X(wA, (size_t)d->H * d->FA) X(bA, d->H)                                    \
	X(lnB1_g, d->H) X(lnB1_b, d->H) X(wB1, (size_t)d->FB * d->H) X(bB1, d->FB) \
	X(wB11, (size_t)d->FB * d->H) X(bB11, d->FB) X(wB2, (size_t)d->H * d->FB)  \
	X(bB2, d->H) X(lnB2_g, d->H) X(lnB2_b, d->H)                               \
	X(lnC1_g, d->HB) X(lnC1_b, d->HB) X(wl1, (size_t)d->K * d->HB) X(bl1, d->K) \
	X(U, (size_t)d->lanes * d->K * d->K) X(wl2, (size_t)d->HB * d->K)          \
	X(bl2, d->HB) X(beb, (size_t)d->lanes * d->H)                              \
	X(lnC2_g, d->H) X(lnC2_b, d->H) X(wC1, (size_t)d->FC * d->H) X(bC1, d->FC) \
	X(wC11, (size_t)d->FC * d->H) X(bC11, d->FC) X(wC2, (size_t)d->H * d->FC)  \
	X(bC2, d->H) X(lnC3_g, d->H) X(lnC3_b, d->H)                               \
	X(wo, 256 * (size_t)d->H) X(bo, 256)

/* Constants (never trained). */
#define EDPC_FIXED(X)                                                              \
	X(w0, (size_t)d->FA * d->H) X(b0, d->FA) X(w00, (size_t)d->FA * d->H)      \
	X(b00, d->FA) X(w1, (size_t)d->W * d->E) X(b1, d->W)                       \
	X(w11, (size_t)d->W * d->E) X(b11, d->W)

/* Activations (rows = lanes): X(name, floats per lane). */
#define EDPC_ACTS(X)                                                               \
	X(x0, d->H) X(x1, d->H) X(mA, 1) X(rA, 1) X(pa, d->FA) X(pb, d->FA)        \
	X(pc, d->FA) X(ra, d->W) X(rb, d->W) X(rc, d->W) X(vA, d->H) X(gA, d->H)   \
	X(xA, d->H) X(x2, d->H) X(m2, 1) X(r2, 1) X(hBa, d->FB) X(hBb, d->FB)      \
	X(hB, d->FB) X(vB, d->H) X(nB, d->H) X(m3, 1) X(r3, 1) X(gB, d->H)         \
	X(xB, d->H) X(y1, d->H) X(m4, d->R) X(r4, d->R) X(k1, d->R * d->K)         \
	X(k2, d->R * d->K) X(k3, d->H) X(k4, d->H) X(vm, d->H) X(xc, d->H)         \
	X(x3, d->H) X(m5, 1) X(r5, 1) X(hCa, d->FC) X(hCb, d->FC) X(hC, d->FC)     \
	X(vC, d->H) X(nC, d->H) X(m6, 1) X(r6, 1) X(gC, d->H) X(xC, d->H)          \
	X(logits, 256)                                                             \
	X(dxC, d->H) X(dx3, d->H) X(dgC, d->H) X(dnC, d->H) X(dvC, d->H)           \
	X(dhC, d->FC) X(dhCa, d->FC) X(dhCb, d->FC) X(dxc, d->H) X(dy1, d->H)      \
	X(dvm, d->H) X(dk2, d->R * d->K) X(dk1, d->R * d->K) X(dxB, d->H)          \
	X(dx2, d->H) X(dgB, d->H) X(dnB, d->H) X(dvB, d->H) X(dhB, d->FB)          \
	X(dhBa, d->FB) X(dhBb, d->FB) X(dxA, d->H) X(dx1, d->H) X(dgA, d->H)       \
	X(dvA, d->H) X(dx0, d->H)

SEED_STRUCT(edpc_params, EDPC_PARAMS);
SEED_STRUCT(edpc_fixed, EDPC_FIXED);
SEED_STRUCT(edpc_acts, EDPC_ACTS);

typedef struct edpc {
	seed_model s;
	edpc_dims d;
	edpc_params p, g;
	edpc_fixed f;
	edpc_acts a;
	nz_slide_cache cache;
} edpc;

/* ---- presets ---- */

typedef struct edpc_preset {
	const char *name;
	u32 lanes, C, H, S, W, FB, FC, R, K;
	float lr;
} edpc_preset;

/* 0: the seed's defaults (batch_size 512). The CPU presets keep the structure and
 * shrink the widths (docs/MODELS.md gives their cost and measured ratios). */
static const edpc_preset edpc_presets[] = {
	{"edpc", 512, 16, 512, 64, 128, 2048, 4096, 2, 85, 1e-3f},
	{"edpc-s", 64, 16, 192, 32, 64, 384, 768, 2, 32, 2e-3f},
	{"edpc-xs", 64, 16, 128, 16, 32, 256, 512, 2, 21, 2e-3f},
	{"edpc-tiny", 16, 8, 64, 4, 16, 64, 64, 2, 10, 2e-3f},
	{"edpc-m", 128, 16, 256, 32, 64, 512, 1024, 2, 42, 1e-3f},
};

static const char *const edpc_names[] = {"edpc", "edpc-s", "edpc-xs", "edpc-tiny", "edpc-m", NULL};

static void edpc_dims_of(const nz_model_config *cfg, edpc_dims *d)
{
	d->lanes = cfg->lanes;
	d->C = cfg->context;
	d->H = cfg->hidden;
	d->FC = cfg->ffn;
	d->S = (u32)cfg->extra[0];
	d->W = (u32)cfg->extra[1];
	d->FB = (u32)cfg->extra[2];
	d->R = (u32)cfg->extra[3];
	d->K = (u32)cfg->extra[4];
	d->E = d->C ? d->H / d->C : 0;
	d->FA = d->S * d->W;
	d->HB = d->R ? d->H / d->R : 0;
}

static void edpc_defaults(nz_model_config *cfg, int level, u64 content_size)
{
	(void)content_size;
	(void)level;
	const edpc_preset *p = &edpc_presets[cfg->preset < NZ_ARRAY_LEN(edpc_presets) ? cfg->preset : 0];
	if (!cfg->lanes)
		cfg->lanes = p->lanes;
	if (!cfg->context)
		cfg->context = p->C;
	if (!cfg->hidden)
		cfg->hidden = p->H;
	if (!cfg->ffn)
		cfg->ffn = p->FC;
	if (cfg->learning_rate == 0.0f)
		cfg->learning_rate = p->lr;
	const u32 ex[5] = {p->S, p->W, p->FB, p->R, p->K};
	for (int i = 0; i < 5; i++)
		if (!cfg->extra[i])
			cfg->extra[i] = ex[i];
}

static int edpc_validate(const nz_model_config *cfg)
{
	for (int i = 0; i < NZ_MODEL_EXTRA; i++)
		if ((i < 5 && cfg->extra[i] > 65536) || (i >= 5 && cfg->extra[i]))
			return NZ_ERR_UNSUPPORTED;
	edpc_dims d;
	edpc_dims_of(cfg, &d);
	const float lr = cfg->learning_rate;
	if (d.lanes < 1 || d.lanes > EDPC_MAX_LANES || d.C < 1 || d.C > 64 ||
	    d.H < 2 || d.H > 4096 || d.H % d.C || d.E > 256 || d.S < 1 || d.S > 1024 ||
	    d.W < 1 || d.W > 4096 || d.FA > 65536 || d.FA < d.E || d.FB < 1 ||
	    d.FB > 16384 || d.FC < 1 || d.FC > 16384 || d.R < 1 || d.R > 16 ||
	    d.H % d.R || d.K < 1 || d.K > d.HB || !(lr > 0.0f && lr < 1.0f))
		return NZ_ERR_UNSUPPORTED;
	/* per-lane tensors and activations stay within a few GB */
	if ((u64)d.lanes * ((u64)d.K * d.K + d.H + 2 * (u64)d.FA + 6 * (u64)d.FC) > ((u64)1 << 30))
		return NZ_ERR_UNSUPPORTED;
	return NZ_OK;
}

void nz_edpc_cost(const nz_model_config *cfg, seed_cost *c)
{
	edpc_dims dd;
	const edpc_dims *d = &dd;
	edpc_dims_of(cfg, &dd);
	const double H = d->H, FA = d->FA, FB = d->FB, FC = d->FC, R = d->R, HB = d->HB,
		     K = d->K;
	const double be = R * (HB * K + K * K + K * HB);
	const double fwd = 2.0 * d->E * d->W + FA * H + 3.0 * H * FB + be + 3.0 * H * FC + 256.0 * H;
	/* backward: dW of every trained product, dX of all but the cache's map */
	const double bwd = FA * H + 6.0 * H * FB + 2.0 * be + 6.0 * H * FC + 2.0 * 256.0 * H;
	c->fwd_macs = fwd;
	c->train_macs = fwd + bwd;
	dd.lanes = 1;
	const u64 lane = (u64)d->K * d->K + d->H; /* U and beb, per lane */
	c->params = SEED_TABLE_COUNT(EDPC_PARAMS) - lane;
	c->lane_params = lane;
	c->fixed = SEED_TABLE_COUNT(EDPC_FIXED);
}

static u64 edpc_act_floats(const edpc_dims *d)
{
	return SEED_TABLE_COUNT(EDPC_ACTS) * d->lanes + 2 * (u64)d->S * d->W * d->lanes; /* + cache */
}

static u64 edpc_memory(const nz_model_config *cfg)
{
	seed_cost c;
	edpc_dims d;
	nz_edpc_cost(cfg, &c);
	edpc_dims_of(cfg, &d);
	return nz_seed_memory(&c, cfg->lanes, edpc_act_floats(&d));
}

/* ---- the model ---- */

static void edpc_init(seed_model *sm)
{
	edpc *m = (edpc *)sm;
	const edpc_dims *d = &m->d;
	const edpc_params *p = &m->p;
	const edpc_fixed *f = &m->f;
	nz_nn_ctx *c = sm->ctx;
	nz_rng r;
	nz_rng_seed(&r, sm->cfg.seed, NZ_MODEL_EDPC);
	nz_nn_buf_init_normal(c, p->emb, 256 * (size_t)d->E, 0.0f, 0.01f, &r);
	nz_nn_fill(c, p->lnA_g, d->H, 1.0f);
	nz_nn_buf_init_linear(c, f->w0, f->b0, d->H, d->FA, &r);
	nz_nn_buf_init_linear(c, f->w00, f->b00, d->H, d->FA, &r);
	nz_nn_buf_init_linear(c, f->w1, f->b1, d->E, d->W, &r);
	nz_nn_buf_init_linear(c, f->w11, f->b11, d->E, d->W, &r);
	nz_nn_buf_init_linear(c, p->wA, p->bA, d->FA, d->H, &r);
	nz_nn_buf_init_linear(c, p->wB1, p->bB1, d->H, d->FB, &r);
	nz_nn_buf_init_linear(c, p->wB11, p->bB11, d->H, d->FB, &r);
	nz_nn_buf_init_linear(c, p->wB2, p->bB2, d->FB, d->H, &r);
	nz_nn_fill(c, p->lnB1_g, d->H, 1.0f);
	nz_nn_fill(c, p->lnB2_g, d->H, 1.0f);
	nz_nn_fill(c, p->lnC1_g, d->HB, 1.0f);
	nz_nn_buf_init_linear(c, p->wl1, p->bl1, d->HB, d->K, &r);
	nz_nn_buf_init_normal(c, p->U, (size_t)d->lanes * d->K * d->K, 0.0f, 0.01f, &r);
	nz_nn_buf_init_linear(c, p->wl2, p->bl2, d->K, d->HB, &r);
	nz_nn_buf_init_normal(c, p->beb, (size_t)d->lanes * d->H, 0.0f, 0.01f, &r);
	nz_nn_fill(c, p->lnC2_g, d->H, 1.0f);
	nz_nn_fill(c, p->lnC3_g, d->H, 1.0f);
	nz_nn_buf_init_linear(c, p->wC1, p->bC1, d->H, d->FC, &r);
	nz_nn_buf_init_linear(c, p->wC11, p->bC11, d->H, d->FC, &r);
	nz_nn_buf_init_linear(c, p->wC2, p->bC2, d->FC, d->H, &r);
	nz_nn_buf_init_normal(c, p->wo, 256 * (size_t)d->H, 0.0f, 0.01f, &r);
	/* LayerNorm biases and bo stay 0 (the block was zeroed) */
}

static void edpc_reset_lanes(seed_model *sm)
{
	edpc *m = (edpc *)sm;
	m->cache.lanes = m->d.lanes;
	nz_slide_cache_clear(&m->cache);
}

static void edpc_forward(seed_model *sm, const u8 *ctx, u32 B)
{
	edpc *m = (edpc *)sm;
	nz_nn_ctx *c = sm->ctx;
	const edpc_dims *d = &m->d;
	const edpc_params *p = &m->p;
	const edpc_fixed *f = &m->f;
	const edpc_acts *a = &m->a;
	const u32 H = d->H, E = d->E, W = d->W, FA = d->FA, R = d->R, K = d->K, HB = d->HB;
	const size_t BH = (size_t)B * H;

	nz_embedding_forward(c, a->x0, ctx, d->C, p->emb, B, d->C, E);
	/* Layer A */
	nz_layernorm_forward(c, a->x1, a->mA, a->rA, a->x0, p->lnA_g, p->lnA_b, B, H, EPS);
	const float *last = a->x1 + (H - E);
	size_t ld_last = H;
	m->cache.lanes = B;
	if (sm->first) {
		nz_linear_forward(c, a->pa, a->x1, f->w0, f->b0, B, H, FA);
		nz_linear_forward(c, a->pb, a->x1, f->w00, f->b00, B, H, FA);
		nz_gelu_mul_forward(c, a->pc, a->pa, a->pb, (size_t)B * FA);
		nz_slide_cache_set(c, &m->cache, a->pc, FA);
		last = a->pc + (FA - E);
		ld_last = FA;
	}
	nz_gemm(c, 0, 1, B, W, E, last, ld_last, f->w1, E, a->ra, W, f->b1, 0);
	nz_gemm(c, 0, 1, B, W, E, last, ld_last, f->w11, E, a->rb, W, f->b11, 0);
	nz_gelu_mul_forward(c, a->rc, a->ra, a->rb, (size_t)B * W);
	nz_slide_cache_push(c, &m->cache, a->rc, W);
	nz_gemm(c, 0, 1, B, H, FA, nz_slide_cache_window(&m->cache), m->cache.ld, p->wA, FA,
		a->vA, H, p->bA, 0);
	nz_gelu_forward(c, a->gA, a->vA, BH);
	nz_avg2_forward(c, a->xA, a->x1, a->gA, BH);
	/* Layer B */
	nz_layernorm_forward(c, a->x2, a->m2, a->r2, a->xA, p->lnB1_g, p->lnB1_b, B, H, EPS);
	nz_linear_forward(c, a->hBa, a->x2, p->wB1, p->bB1, B, H, d->FB);
	nz_linear_forward(c, a->hBb, a->x2, p->wB11, p->bB11, B, H, d->FB);
	nz_gelu_mul_forward(c, a->hB, a->hBa, a->hBb, (size_t)B * d->FB);
	nz_linear_forward(c, a->vB, a->hB, p->wB2, p->bB2, B, d->FB, H);
	nz_layernorm_forward(c, a->nB, a->m3, a->r3, a->vB, p->lnB2_g, p->lnB2_b, B, H, EPS);
	nz_gelu_forward(c, a->gB, a->nB, BH);
	nz_avg2_forward(c, a->xB, a->x2, a->gB, BH);
	/* Layer C: per-lane branch */
	nz_layernorm_forward(c, a->y1, a->m4, a->r4, a->xB, p->lnC1_g, p->lnC1_b, B * R, HB, EPS);
	nz_linear_forward(c, a->k1, a->y1, p->wl1, p->bl1, B * R, HB, K);
	nz_bmm_forward(c, a->k2, a->k1, p->U, NULL, B, R, K, K);
	nz_linear_forward(c, a->k3, a->k2, p->wl2, p->bl2, B * R, K, HB);
	nz_add_forward(c, a->k4, a->k3, p->beb, BH);
	nz_add_forward(c, a->vm, a->k4, a->y1, BH);
	nz_avg2_forward(c, a->xc, a->y1, a->vm, BH);
	nz_layernorm_forward(c, a->x3, a->m5, a->r5, a->xc, p->lnC2_g, p->lnC2_b, B, H, EPS);
	nz_linear_forward(c, a->hCa, a->x3, p->wC1, p->bC1, B, H, d->FC);
	nz_linear_forward(c, a->hCb, a->x3, p->wC11, p->bC11, B, H, d->FC);
	nz_gelu_mul_forward(c, a->hC, a->hCa, a->hCb, (size_t)B * d->FC);
	nz_linear_forward(c, a->vC, a->hC, p->wC2, p->bC2, B, d->FC, H);
	nz_layernorm_forward(c, a->nC, a->m6, a->r6, a->vC, p->lnC3_g, p->lnC3_b, B, H, EPS);
	nz_gelu_forward(c, a->gC, a->nC, BH);
	nz_avg2_forward(c, a->xC, a->x3, a->gC, BH);
	nz_linear_forward(c, a->logits, a->xC, p->wo, p->bo, B, H, 256);
	nz_softmax_forward(c, sm->probs, a->logits, B, 256);
}

static void edpc_backward(seed_model *sm, const u8 *next, u32 B)
{
	(void)next;
	edpc *m = (edpc *)sm;
	nz_nn_ctx *c = sm->ctx;
	const edpc_dims *d = &m->d;
	const edpc_params *p = &m->p, *g = &m->g;
	const edpc_acts *a = &m->a;
	const u32 H = d->H, FA = d->FA, R = d->R, K = d->K, HB = d->HB, FB = d->FB, FC = d->FC;
	const size_t BH = (size_t)B * H;

	nz_nn_params *P = &sm->P; /* each weight's update follows its gradient */
	nz_nn_linear_backward_step(c, P, a->dxC, g->wo, g->bo, sm->dlogits, a->xC, H, p->wo, B, H,
				   256, 0);
	/* Layer C feed-forward */
	nz_avg2_backward(c, a->dx3, a->dgC, a->dxC, BH, 0);
	nz_gelu_backward(c, a->dnC, a->dgC, a->nC, BH, 0);
	nz_layernorm_backward(c, a->dvC, g->lnC3_g, g->lnC3_b, a->dnC, a->vC, a->m6, a->r6,
			      p->lnC3_g, B, H, 0);
	nz_nn_linear_backward_step(c, P, a->dhC, g->wC2, g->bC2, a->dvC, a->hC, FC, p->wC2, B, FC,
				   H, 0);
	nz_gelu_mul_backward(c, a->dhCa, a->dhCb, a->dhC, a->hCa, a->hCb, (size_t)B * FC, 0);
	nz_nn_linear_backward_step(c, P, a->dx3, g->wC1, g->bC1, a->dhCa, a->x3, H, p->wC1, B, H,
				   FC, 1);
	nz_nn_linear_backward_step(c, P, a->dx3, g->wC11, g->bC11, a->dhCb, a->x3, H, p->wC11, B,
				   H, FC, 1);
	nz_layernorm_backward(c, a->dxc, g->lnC2_g, g->lnC2_b, a->dx3, a->xc, a->m5, a->r5,
			      p->lnC2_g, B, H, 0);
	/* per-lane branch: xc = (y + v) / 2, v = k3 + bias + y */
	nz_avg2_backward(c, a->dy1, a->dvm, a->dxc, BH, 0);
	nz_add_backward(c, a->dy1, g->beb, a->dvm, BH, 1);
	nz_nn_linear_backward_step(c, P, a->dk2, g->wl2, g->bl2, a->dvm, a->k2, K, p->wl2, B * R,
				   K, HB, 0);
	nz_bmm_backward(c, a->dk1, g->U, NULL, a->dk2, a->k1, p->U, B, R, K, K, 0);
	nz_nn_linear_backward_step(c, P, a->dy1, g->wl1, g->bl1, a->dk1, a->y1, HB, p->wl1, B * R,
				   HB, K, 1);
	nz_layernorm_backward(c, a->dxB, g->lnC1_g, g->lnC1_b, a->dy1, a->xB, a->m4, a->r4,
			      p->lnC1_g, B * R, HB, 0);
	/* Layer B */
	nz_avg2_backward(c, a->dx2, a->dgB, a->dxB, BH, 0);
	nz_gelu_backward(c, a->dnB, a->dgB, a->nB, BH, 0);
	nz_layernorm_backward(c, a->dvB, g->lnB2_g, g->lnB2_b, a->dnB, a->vB, a->m3, a->r3,
			      p->lnB2_g, B, H, 0);
	nz_nn_linear_backward_step(c, P, a->dhB, g->wB2, g->bB2, a->dvB, a->hB, FB, p->wB2, B, FB,
				   H, 0);
	nz_gelu_mul_backward(c, a->dhBa, a->dhBb, a->dhB, a->hBa, a->hBb, (size_t)B * FB, 0);
	nz_nn_linear_backward_step(c, P, a->dx2, g->wB1, g->bB1, a->dhBa, a->x2, H, p->wB1, B, H,
				   FB, 1);
	nz_nn_linear_backward_step(c, P, a->dx2, g->wB11, g->bB11, a->dhBb, a->x2, H, p->wB11, B,
				   H, FB, 1);
	nz_layernorm_backward(c, a->dxA, g->lnB1_g, g->lnB1_b, a->dx2, a->xA, a->m2, a->r2,
			      p->lnB1_g, B, H, 0);
	/* Layer A: only VA is trained on the cache; x1 gets the skip path */
	nz_avg2_backward(c, a->dx1, a->dgA, a->dxA, BH, 0);
	nz_gelu_backward(c, a->dvA, a->dgA, a->vA, BH, 0);
	nz_nn_linear_backward_step(c, P, NULL, g->wA, g->bA, a->dvA, nz_slide_cache_window(&m->cache),
				   m->cache.ld, NULL, B, FA, H, 0);
	nz_layernorm_backward(c, a->dx0, g->lnA_g, g->lnA_b, a->dx1, a->x0, a->mA, a->rA,
			      p->lnA_g, B, H, 0);
	nz_embedding_backward(c, g->emb, a->dx0, sm->ctx_bytes, d->C, B, d->C, d->E);
}

static void edpc_destroy(seed_model *sm)
{
	edpc *m = (edpc *)sm;
	if (sm->ctx)
		nz_slide_cache_free(sm->ctx, &m->cache);
}

static const seed_hooks edpc_hooks = {
	.init = edpc_init,
	.reset_lanes = edpc_reset_lanes,
	.forward = edpc_forward,
	.backward = edpc_backward,
	.destroy = edpc_destroy,
};

static int edpc_create(const nz_model_config *cfg, nz_exec *ex, nz_byte_model **out)
{
	*out = NULL;
	if (edpc_validate(cfg) != NZ_OK)
		return NZ_ERR_PARAM;
	edpc *m = calloc(1, sizeof(*m));
	if (!m)
		return NZ_ERR_NOMEM;
	edpc_dims_of(cfg, &m->d);
	const edpc_dims *d = &m->d;
	int rc = nz_seed_model_begin(&m->s, &edpc_hooks, cfg, ex, d->C, 1e-7f);
	if (rc == NZ_OK) {
		nz_nn_layout l;
		nz_nn_layout_init(&l);
		SEED_LAYOUT_TABLE(&l, EDPC_PARAMS);
		rc = nz_seed_model_params(&m->s, &l);
	}
	if (rc == NZ_OK) {
		u32 next;
		SEED_CARVE_TABLE(&m->s, 0, &next, edpc_params, &m->p, &m->g, EDPC_PARAMS);
		seed_arena fa;
		nz_seed_arena_init(&fa);
		SEED_ARENA_TABLE(&fa, edpc_fixed, &m->f, 1, EDPC_FIXED);
		rc = nz_seed_arena_alloc(m->s.ctx, &fa, &m->s.fixed);
	}
	if (rc == NZ_OK) {
		seed_arena aa;
		nz_seed_arena_init(&aa);
		SEED_ARENA_TABLE(&aa, edpc_acts, &m->a, d->lanes, EDPC_ACTS);
		rc = nz_seed_arena_alloc(m->s.ctx, &aa, &m->s.act);
	}
	if (rc == NZ_OK)
		rc = nz_slide_cache_init(m->s.ctx, &m->cache, d->lanes, d->S, d->W, 2 * d->S);
	if (rc == NZ_OK)
		rc = nz_seed_model_finish(&m->s, out);
	if (rc != NZ_OK) {
		nz_seed_model_ops.destroy(&m->s.base);
		*out = NULL;
	}
	return rc;
}

const nz_model_desc nz_model_edpc = {
	.id = NZ_MODEL_EDPC,
	.name = "edpc",
	.preset_names = edpc_names,
	.coding = NZ_CODING_BYTES,
	.default_block_log = 24,
	.defaults = edpc_defaults,
	.validate = edpc_validate,
	.memory = edpc_memory,
	.create_byte_model = edpc_create,
};
