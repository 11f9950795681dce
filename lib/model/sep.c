/*
 * sep.c - SEP on PAC (damonwan1/SEP, 2SEP+PAC/shiying1.py): the semantics-
 * enhancement patch front-end, then the PAC body (pac.h) with five levels.
 *
 * Front-end, per lane, from the last Cin context bytes [48]:
 *   s = sigmoid(emb[ctx])                               (Cin, E)       [48 x 16]
 *   window j (j = 0..NW-1, NW = Cin - C + 1) is s[j .. j+C-1] flattened  (H = C*E)
 *   mask_j = sigmoid((k_j - 0.5) * 10), k_j = 1 for j % stride == 0 (kept
 *            patches), else sigmoid(mparam_j)                          [stride 8]
 *   x = gelu(ub + sum_j (uw_j * mask_j) * window_j)     (H)
 * i.e. a learned, masked mix of the NW overlapping C-byte patches, fed to the body.
 * Header keys: context Cin, hidden H (E = H / extra1), ffn F, extra0 NL,
 * extra1 C (window bytes), extra2 stride.
 */
#include <math.h>
#include <stdlib.h>

#include "model/pac.h"

/* The front end's trained tensors before the body's (E and NW in scope). */
#define SEP_PARAMS(X) X(emb, 256 * (size_t)E) X(mparam, NW) X(uw, NW) X(ub, 1)
/* Per lane: embedded context and its sigmoid (CE = Cin * E), the mix before and
 * after the GELU, and their gradients. */
#define SEP_ACTS(X)                                                                   \
	X(xe, CE) X(xs, CE) X(dxs, CE) X(dxe, CE) X(pre, H) X(x, H) X(dx, H) X(dpre, H)
/* Per step, shared by the lanes: k_j, mask_j, uw_j * mask_j and its gradient. */
#define SEP_GATES(X) X(kk, NW) X(mask, NW) X(coef, NW) X(dcoef, NW)

SEED_STRUCT(sep_params, SEP_PARAMS);
SEED_STRUCT(sep_acts, SEP_ACTS);
SEED_STRUCT(sep_gates, SEP_GATES);

typedef struct sep {
	seed_model s;
	pac_body b;
	u32 Cin, NW, stride;
	sep_params p, g;
	sep_acts a;
	sep_gates t;
} sep;

typedef struct sep_preset {
	const char *name;
	u32 lanes, Cin, C, H, F, NL, stride;
	float lr;
} sep_preset;

static const sep_preset sep_presets[] = {
	{"sep", 512, 48, 16, 256, 4096, 5, 8, 1e-3f},
	{"sep-s", 128, 48, 16, 128, 1024, 5, 8, 2e-3f},
	{"sep-xs", 64, 32, 16, 128, 512, 5, 8, 2e-3f},
	{"sep-tiny", 16, 16, 8, 64, 64, 2, 4, 2e-3f},
};

static const char *const sep_names[] = {"sep", "sep-s", "sep-xs", "sep-tiny", NULL};

static void sep_dims_of(const nz_model_config *cfg, pac_dims *d, u32 *Cin, u32 *stride)
{
	memset(d, 0, sizeof(*d));
	d->lanes = cfg->lanes;
	d->C = (u32)NZ_MIN(cfg->extra[1], (u64)1000);
	d->H = cfg->hidden;
	d->E = d->C ? d->H / d->C : 0;
	d->F = cfg->ffn;
	d->NL = (u32)NZ_MIN(cfg->extra[0], (u64)1000);
	d->be_ln1_affine_all = 1;
	d->cache_level0 = 1;
	*Cin = cfg->context;
	*stride = (u32)NZ_MIN(cfg->extra[2], (u64)1000);
}

static void sep_defaults(nz_model_config *cfg, int level, u64 content_size)
{
	(void)content_size;
	(void)level;
	const sep_preset *p = &sep_presets[cfg->preset < NZ_ARRAY_LEN(sep_presets) ? cfg->preset : 0];
	if (!cfg->lanes)
		cfg->lanes = p->lanes;
	if (!cfg->context)
		cfg->context = p->Cin;
	if (!cfg->hidden)
		cfg->hidden = p->H;
	if (!cfg->ffn)
		cfg->ffn = p->F;
	if (cfg->learning_rate == 0.0f)
		cfg->learning_rate = p->lr;
	if (!cfg->extra[0])
		cfg->extra[0] = p->NL;
	if (!cfg->extra[1])
		cfg->extra[1] = p->C;
	if (!cfg->extra[2])
		cfg->extra[2] = p->stride;
}

static int sep_validate(const nz_model_config *cfg)
{
	for (int i = 3; i < NZ_MODEL_EXTRA; i++)
		if (cfg->extra[i])
			return NZ_ERR_UNSUPPORTED;
	pac_dims d;
	u32 Cin, stride;
	sep_dims_of(cfg, &d, &Cin, &stride);
	const float lr = cfg->learning_rate;
	if (!(lr > 0.0f && lr < 1.0f) || d.C == 0 || d.H % d.C || Cin < d.C || Cin > 256 ||
	    stride < 1 || stride > 256)
		return NZ_ERR_UNSUPPORTED;
	return nz_pac_body_check(&d);
}

void nz_sep_cost(const nz_model_config *cfg, seed_cost *c)
{
	pac_dims d;
	u32 Cin, stride;
	sep_dims_of(cfg, &d, &Cin, &stride);
	nz_pac_body_cost(&d, c);
	const u64 NW = Cin - d.C + 1, E = d.E;
	c->fwd_macs += (double)NW * d.H;
	c->train_macs += 3.0 * (double)NW * d.H;
	c->params += SEED_TABLE_COUNT(SEP_PARAMS);
}

static u64 sep_memory(const nz_model_config *cfg)
{
	seed_cost c = {0};
	pac_dims d;
	u32 Cin, stride;
	sep_dims_of(cfg, &d, &Cin, &stride);
	nz_sep_cost(cfg, &c);
	const u64 CE = (u64)Cin * d.E, H = d.H, NW = Cin - d.C + 1;
	return nz_seed_memory(&c, d.lanes, nz_pac_body_act_floats(&d) +
					    SEED_TABLE_COUNT(SEP_ACTS) * d.lanes +
					    SEED_TABLE_COUNT(SEP_GATES));
}

static void sep_init(seed_model *sm)
{
	sep *m = (sep *)sm;
	const pac_dims *d = &m->b.d;
	nz_nn_ctx *c = sm->ctx;
	nz_rng r;
	nz_rng_seed(&r, sm->cfg.seed, NZ_MODEL_SEP);
	nz_nn_buf_init_normal(c, m->p.emb, 256 * (size_t)d->E, 0.0f, 0.01f, &r);
	/* xavier_normal_ on a (1, NW, 1) tensor: std = sqrt(2 / (NW + 1)) */
	nz_nn_buf_init_normal(c, m->p.mparam, m->NW, 0.0f, sqrtf(2.0f / (float)(m->NW + 1)), &r);
	nz_nn_buf_init_normal(c, m->p.uw, m->NW, 0.0f, 0.01f, &r);
	nz_nn_buf_init_normal(c, m->p.ub, 1, 0.0f, 0.01f, &r);
	nz_pac_body_init(&m->b, c, &r, 1);
}

static void sep_reset_lanes(seed_model *sm) { nz_pac_body_reset_lanes(&((sep *)sm)->b); }

static void sep_forward(seed_model *sm, const u8 *ctx, u32 B)
{
	sep *m = (sep *)sm;
	nz_nn_ctx *c = sm->ctx;
	const pac_dims *d = &m->b.d;
	const u32 E = d->E, H = d->H, NW = m->NW, CE = m->Cin * E;
	nz_embedding_forward(c, m->a.xe, ctx, m->Cin, m->p.emb, B, m->Cin, E);
	nz_sigmoid_forward(c, m->a.xs, m->a.xe, (size_t)B * CE);
	nz_patch_gate_forward(c, m->t.kk, m->t.mask, m->t.coef, m->p.mparam, m->p.uw, NW,
			      m->stride);
	nz_patch_mix_forward(c, m->a.pre, m->a.xs, m->t.coef, m->p.ub, B, NW, E, H);
	nz_gelu_forward(c, m->a.x, m->a.pre, (size_t)B * H);
	nz_pac_body_forward(&m->b, c, m->a.x, B, sm->first, sm->probs);
}

static void sep_backward(seed_model *sm, const u8 *next, u32 B)
{
	(void)next;
	sep *m = (sep *)sm;
	nz_nn_ctx *c = sm->ctx;
	const pac_dims *d = &m->b.d;
	const u32 E = d->E, H = d->H, NW = m->NW, CE = m->Cin * E;
	nz_pac_body_backward(&m->b, c, &sm->P, sm->dlogits, B, m->a.dx);
	nz_gelu_backward(c, m->a.dpre, m->a.dx, m->a.pre, (size_t)B * H, 0);
	nz_patch_mix_backward(c, m->a.dxs, m->t.dcoef, m->g.ub, m->a.dpre, m->a.xs, m->t.coef, B,
			      NW, E, H);
	nz_patch_gate_backward(c, m->g.uw, m->g.mparam, m->t.dcoef, m->p.uw, m->t.mask, m->t.kk,
			       NW, m->stride);
	nz_sigmoid_backward(c, m->a.dxe, m->a.dxs, m->a.xs, (size_t)B * CE, 0);
	nz_embedding_backward(c, m->g.emb, m->a.dxe, sm->ctx_bytes, m->Cin, B, m->Cin, E);
}

static void sep_destroy(seed_model *sm)
{
	sep *m = (sep *)sm;
	if (sm->ctx)
		nz_pac_body_free(&m->b, sm->ctx);
}

static const seed_hooks sep_hooks = {
	.init = sep_init,
	.reset_lanes = sep_reset_lanes,
	.forward = sep_forward,
	.backward = sep_backward,
	.destroy = sep_destroy,
};

static int sep_create(const nz_model_config *cfg, nz_exec *ex, nz_byte_model **out)
{
	*out = NULL;
	if (sep_validate(cfg) != NZ_OK)
		return NZ_ERR_PARAM;
	sep *m = calloc(1, sizeof(*m));
	if (!m)
		return NZ_ERR_NOMEM;
	sep_dims_of(cfg, &m->b.d, &m->Cin, &m->stride);
	const pac_dims *d = &m->b.d;
	m->NW = m->Cin - d->C + 1;
	int rc = nz_seed_model_begin(&m->s, &sep_hooks, cfg, ex, m->Cin, 1e-7f);
	if (rc == NZ_OK) {
		const size_t E = d->E, H = d->H, NW = m->NW, CE = (size_t)m->Cin * d->E;
		nz_nn_layout l;
		nz_nn_layout_init(&l);
		SEED_LAYOUT_TABLE(&l, SEP_PARAMS);
		nz_pac_body_layout(d, &l);
		rc = nz_seed_model_params(&m->s, &l);
		if (rc == NZ_OK) {
			u32 next;
			SEED_CARVE_TABLE(&m->s, 0, &next, sep_params, &m->p, &m->g, SEP_PARAMS);
			nz_pac_body_carve(&m->b, &m->s, next);
			seed_arena a;
			nz_seed_arena_init(&a);
			SEED_ARENA_TABLE(&a, sep_acts, &m->a, d->lanes, SEP_ACTS);
			SEED_ARENA_TABLE(&a, sep_gates, &m->t, 1, SEP_GATES);
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

const nz_model_desc nz_model_sep = {
	.id = NZ_MODEL_SEP,
	.name = "sep",
	.preset_names = sep_names,
	.coding = NZ_CODING_BYTES,
	.default_block_log = 24,
	.defaults = sep_defaults,
	.validate = sep_validate,
	.memory = sep_memory,
	.create_byte_model = sep_create,
};
