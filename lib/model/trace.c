/*
 * trace.c - the TRACE model (damonwan1/SEP, 3TRACE/compress_model.py): one
 * SLiM-Performer layer (causal linear attention with the "sqr" feature map)
 * over tokens of P consecutive bytes. Per lane and step, full-size dims in brackets:
 *
 *   byte p of the C context bytes [64] -> [emb (VD/2), sin (VD/4), cos (VD/4)]
 *       with VD = H / P [64]: a learned embedding and fixed sinusoidal positions;
 *   token j (T = C / P [16] tokens of H [256] features) = bytes jP .. jP+P-1;
 *   xn = LN1(tokens); k = Wk xn, v = Wv xn (every token), q = Wq xn (last token);
 *   per head (NH [8] heads of hd = H / NH): a_s = q^2 . k_s^2,
 *       att = sum_s a_s v_s / (sum_s a_s + 1e-16)   (the causal prefix sum's value
 *       at the last token);
 *   x = token_last + att; then R [2] times the same FFN: x = x + V gelu(U LN2(x))
 *       [F 4096]; logits = Wo x + bo.
 *
 * Only the last token's logits are trained and coded in the seed, so the FFN and
 * output run on the last token only: the same function and gradients as the
 * seed's all-token computation, at 1/T of its cost. Header keys: context C,
 * hidden H, ffn F, extra0 P, extra1 NH, extra2 R.
 */
#include <math.h>
#include <stdlib.h>

#include "model/seed_common.h"

#define EPS 1e-5f

typedef struct trace_dims {
	u32 lanes, C, H, F, P, NH, R, VD, T, hd;
} trace_dims;

typedef struct trace {
	seed_model s;
	trace_dims d;
	/* trained */
	float *emb, *ln1_g, *ln1_b, *wq, *bq, *wk, *bk, *wv, *bv, *ln2_g, *ln2_b, *wu,
		*bu, *wd, *bd, *wo, *bo;
	float *gemb, *gln1_g, *gln1_b, *gwq, *gbq, *gwk, *gbk, *gwv, *gbv, *gln2_g,
		*gln2_b, *gwu, *gbu, *gwd, *gbd, *gwo, *gbo;
	/* activations */
	float *xe, *xt, *xn, *m1, *r1, *k, *v, *q, *k2, *q2, *att_a, *den, *att, *x0;
	float *xin, *y, *m2, *r2, *h, *gh;   /* per repeat: (R, lanes, ..) */
	float *logits;
	float *dx, *dx2, *dy, *dh, *dgh, *datt /* d numerator */, *dq, *dk, *dv, *dxn, *dxt, *dxe;
} trace;

typedef struct trace_preset {
	const char *name;
	u32 lanes, C, H, F, P, NH, R;
	float lr;
} trace_preset;

static const trace_preset trace_presets[] = {
	{"trace", 512, 64, 256, 4096, 4, 8, 2, 1e-3f},
	{"trace-s", 128, 32, 128, 1024, 4, 4, 2, 2e-3f},
	{"trace-xs", 64, 32, 128, 512, 4, 4, 1, 2e-3f},
	{"trace-tiny", 16, 16, 64, 64, 4, 2, 2, 2e-3f},
};

static const char *const trace_names[] = {"trace", "trace-s", "trace-xs", "trace-tiny", NULL};

static void trace_dims_of(const nz_model_config *cfg, trace_dims *d)
{
	memset(d, 0, sizeof(*d));
	d->lanes = cfg->lanes;
	d->C = cfg->context;
	d->H = cfg->hidden;
	d->F = cfg->ffn;
	d->P = (u32)NZ_MIN(cfg->extra[0], (u64)1000);
	d->NH = (u32)NZ_MIN(cfg->extra[1], (u64)1000);
	d->R = (u32)NZ_MIN(cfg->extra[2], (u64)1000);
	d->VD = d->P ? d->H / d->P : 0;
	d->T = d->P ? d->C / d->P : 0;
	d->hd = d->NH ? d->H / d->NH : 0;
}

static void trace_defaults(nz_model_config *cfg, int level, u64 content_size)
{
	(void)content_size;
	(void)level;
	const trace_preset *p =
		&trace_presets[cfg->preset < NZ_ARRAY_LEN(trace_presets) ? cfg->preset : 0];
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
	const u32 ex[3] = {p->P, p->NH, p->R};
	for (int i = 0; i < 3; i++)
		if (!cfg->extra[i])
			cfg->extra[i] = ex[i];
}

static int trace_validate(const nz_model_config *cfg)
{
	for (int i = 3; i < NZ_MODEL_EXTRA; i++)
		if (cfg->extra[i])
			return NZ_ERR_UNSUPPORTED;
	trace_dims d;
	trace_dims_of(cfg, &d);
	const float lr = cfg->learning_rate;
	if (!(lr > 0.0f && lr < 1.0f) || d.lanes < 1 || d.lanes > 65536 || d.P < 1 ||
	    d.P > 64 || d.C < d.P || d.C > 1024 || d.C % d.P || d.H < 4 || d.H > 4096 ||
	    d.H % d.P || d.VD % 4 || d.NH < 1 || d.NH > 256 || d.H % d.NH || d.H / d.NH > 512 || d.F < 1 ||
	    d.F > 16384 || d.R < 1 || d.R > 8)
		return NZ_ERR_UNSUPPORTED;
	if ((u64)d.lanes * (8 * (u64)d.T * d.H + 4 * (u64)d.R * d.F) > ((u64)1 << 30))
		return NZ_ERR_UNSUPPORTED;
	return NZ_OK;
}

void nz_trace_cost(const nz_model_config *cfg, seed_cost *c)
{
	trace_dims d;
	trace_dims_of(cfg, &d);
	const double H = d.H, T = d.T, F = d.F, R = d.R;
	const double fwd = 2.0 * T * H * H + H * H + 2.0 * T * H + R * 2.0 * H * F + 256.0 * H;
	const double bwd = 4.0 * T * H * H + 2.0 * H * H + 4.0 * T * H + R * 4.0 * H * F +
			   512.0 * H;
	c->fwd_macs = fwd;
	c->train_macs = fwd + bwd;
	c->params = 256 * (u64)(d.VD / 2) + 3 * (u64)d.H * d.H + 2 * (u64)d.H * d.F +
		    256 * (u64)d.H + 10 * (u64)d.H + d.F + 256;
}

static u64 trace_act_floats(const trace_dims *d)
{
	const u64 L = d->lanes, TH = (u64)d->T * d->H, H = d->H, F = d->F, R = d->R;
	return L * (12 * TH + 2 * d->T + d->NH * (u64)(d->T + 1) + 8 * H + R * (3 * H + 2 + 2 * F) +
		    256 + 2 * F + (u64)d->C * d->VD);
}

static u64 trace_memory(const nz_model_config *cfg)
{
	seed_cost c = {0};
	trace_dims d;
	trace_dims_of(cfg, &d);
	nz_trace_cost(cfg, &c);
	return seed_memory(&c, d.lanes, trace_act_floats(&d));
}

static void trace_init(seed_model *sm)
{
	trace *m = (trace *)sm;
	const trace_dims *d = &m->d;
	nz_rng r;
	nz_rng_seed(&r, sm->cfg.seed, NZ_MODEL_TRACE);
	nz_nn_init_normal(m->emb, 256 * (size_t)(d->VD / 2), 0.0f, 1.0f, &r);
	nz_nn_init_const(m->ln1_g, d->H, 1.0f);
	nz_nn_init_linear(m->wq, m->bq, d->H, d->H, &r);
	nz_nn_init_linear(m->wk, m->bk, d->H, d->H, &r);
	nz_nn_init_linear(m->wv, m->bv, d->H, d->H, &r);
	nz_nn_init_linear(m->wu, m->bu, d->H, d->F, &r);
	nz_nn_init_linear(m->wd, m->bd, d->F, d->H, &r);
	nz_nn_init_const(m->ln2_g, d->H, 1.0f);
	nz_nn_init_linear(m->wo, m->bo, d->H, 256, &r);
}

/* The position columns of every byte row of xt: sin then cos of p * freq_k,
 * freq_k = exp(2k * -ln(10000) / (VD/2)) in binary32 as torch computes it, the
 * sines and cosines in binary64 by nx_sin/nx_cos, rounded once. */
static void trace_positions(trace *m)
{
	const trace_dims *d = &m->d;
	const u32 half = d->VD / 2, quarter = d->VD / 4;
	const float scale = (float)(-9.210340371976184 / (double)half);
	for (u32 p = 0; p < d->C; p++) {
		float row[2048];
		for (u32 k = 0; k < quarter; k++) {
			const float freq = nz_expf((float)(2 * k) * scale);
			const float arg = (float)p * freq;
			row[k] = (float)nx_sin((double)arg);
			row[quarter + k] = (float)nx_cos((double)arg);
		}
		for (size_t b = 0; b < d->lanes; b++)
			memcpy(m->xt + (b * d->C + p) * d->VD + half, row, half * sizeof(float));
	}
}

static void trace_forward(seed_model *sm, const u8 *ctx, u32 B)
{
	trace *m = (trace *)sm;
	nz_nn_ctx *c = sm->ctx;
	const trace_dims *d = &m->d;
	const u32 H = d->H, T = d->T, F = d->F, NH = d->NH, half = d->VD / 2;
	const size_t TH = (size_t)T * H, BH = (size_t)B * H;
	nz_embedding_forward(c, m->xe, ctx, d->C, m->emb, B, d->C, half);
	nz_copy_rows(c, m->xt, d->VD, m->xe, half, B * d->C, half, 0);
	nz_layernorm_forward(c, m->xn, m->m1, m->r1, m->xt, m->ln1_g, m->ln1_b, B * T, H, EPS);
	nz_linear_forward(c, m->k, m->xn, m->wk, m->bk, B * T, H, H);
	nz_linear_forward(c, m->v, m->xn, m->wv, m->bv, B * T, H, H);
	nz_gemm(c, 0, 1, B, H, H, m->xn + (T - 1) * H, TH, m->wq, H, m->q, H, m->bq, 0);
	nz_mul_forward(c, m->k2, m->k, m->k, (size_t)B * TH);
	nz_mul_forward(c, m->q2, m->q, m->q, BH);
	/* attention of the last token, per lane and head */
	nz_sqr_attention_last_forward(c, m->att, m->att_a, m->den, m->q2, m->k2, m->v, B, T, H, NH);
	/* x = last token + attention, then R times the shared FFN */
	nz_copy_rows(c, m->x0, H, m->xt + (T - 1) * H, TH, B, H, 0);
	nz_add_forward(c, m->xin, m->x0, m->att, BH);
	for (u32 r = 0; r < d->R; r++) {
		float *xin = m->xin + r * (size_t)d->lanes * H;
		float *y = m->y + r * (size_t)d->lanes * H;
		float *h = m->h + r * (size_t)d->lanes * F, *gh = m->gh + r * (size_t)d->lanes * F;
		float *m2 = m->m2 + r * (size_t)d->lanes, *r2 = m->r2 + r * (size_t)d->lanes;
		nz_layernorm_forward(c, y, m2, r2, xin, m->ln2_g, m->ln2_b, B, H, EPS);
		nz_linear_forward(c, h, y, m->wu, m->bu, B, H, F);
		nz_gelu_forward(c, gh, h, (size_t)B * F);
		nz_linear_forward(c, m->dx, gh, m->wd, m->bd, B, F, H); /* dx as scratch */
		nz_add_forward(c, xin + (size_t)d->lanes * H, xin, m->dx, BH);
	}
	nz_linear_forward(c, m->logits, m->xin + d->R * (size_t)d->lanes * H, m->wo, m->bo, B, H, 256);
	nz_softmax_forward(c, sm->probs, m->logits, B, 256);
}

static void trace_backward(seed_model *sm, const u8 *next, u32 B)
{
	(void)next;
	trace *m = (trace *)sm;
	nz_nn_ctx *c = sm->ctx;
	const trace_dims *d = &m->d;
	const u32 H = d->H, T = d->T, F = d->F, NH = d->NH, half = d->VD / 2;
	const size_t TH = (size_t)T * H, LH = (size_t)d->lanes * H;
	float *dx = m->dx, *dx2 = m->dx2;
	nz_linear_backward(c, dx, m->gwo, m->gbo, sm->dlogits, m->xin + d->R * LH, m->wo, B, H, 256, 0);
	for (u32 r = d->R; r-- > 0;) {
		float *xin = m->xin + r * LH, *y = m->y + r * LH;
		float *h = m->h + r * (size_t)d->lanes * F, *gh = m->gh + r * (size_t)d->lanes * F;
		float *m2 = m->m2 + r * (size_t)d->lanes, *r2 = m->r2 + r * (size_t)d->lanes;
		nz_linear_backward(c, m->dgh, m->gwd, m->gbd, dx, gh, m->wd, B, F, H, 0);
		nz_gelu_backward(c, m->dh, m->dgh, h, (size_t)B * F, 0);
		nz_linear_backward(c, m->dy, m->gwu, m->gbu, m->dh, y, m->wu, B, H, F, 0);
		nz_copy_rows(c, dx2, H, dx, H, B, H, 0);
		nz_layernorm_backward(c, dx2, m->gln2_g, m->gln2_b, m->dy, xin, m2, r2, m->ln2_g,
				      B, H, 1);
		float *t = dx;
		dx = dx2;
		dx2 = t;
	}
	/* dx is d(x0 + att): attention backward per lane and head */
	nz_sqr_attention_last_backward(c, m->dq, m->dk, m->dv, m->datt, dx, m->att, m->att_a,
				       m->den, m->q, m->q2, m->k, m->k2, m->v, B, T, H, NH);
	/* k, v over every token; q over the last */
	nz_linear_backward(c, m->dxn, m->gwk, m->gbk, m->dk, m->xn, m->wk, B * T, H, H, 0);
	nz_linear_backward(c, m->dxn, m->gwv, m->gbv, m->dv, m->xn, m->wv, B * T, H, H, 1);
	nz_gemm(c, 0, 0, B, H, H, m->dq, H, m->wq, H, m->dxn + (T - 1) * H, TH, NULL, 1);
	nz_gemm(c, 1, 0, H, H, B, m->dq, H, m->xn + (T - 1) * H, TH, m->gwq, H, NULL, 1);
	nz_linear_backward(c, NULL, NULL, m->gbq, m->dq, NULL, NULL, B, H, H, 0);
	nz_layernorm_backward(c, m->dxt, m->gln1_g, m->gln1_b, m->dxn, m->xt, m->m1, m->r1,
			      m->ln1_g, B * T, H, 0);
	/* the skip path into the last token */
	nz_copy_rows(c, m->dxt + (T - 1) * H, TH, dx, H, B, H, 1);
	nz_copy_rows(c, m->dxe, half, m->dxt, d->VD, B * d->C, half, 0);
	nz_embedding_backward(c, m->gemb, m->dxe, sm->ctx_bytes, d->C, B, d->C, half);
}

static const seed_hooks trace_hooks = {
	.init = trace_init,
	.forward = trace_forward,
	.backward = trace_backward,
};

static int trace_create(const nz_model_config *cfg, nz_byte_model **out)
{
	*out = NULL;
	if (trace_validate(cfg) != NZ_OK)
		return NZ_ERR_PARAM;
	trace *m = calloc(1, sizeof(*m));
	if (!m)
		return NZ_ERR_NOMEM;
	trace_dims_of(cfg, &m->d);
	const trace_dims *d = &m->d;
	int rc = seed_model_begin(&m->s, &trace_hooks, cfg, d->C, 0.0f);
	if (rc == NZ_OK) {
		const size_t H = d->H, F = d->F;
		nz_nn_layout l;
		nz_nn_layout_init(&l);
		nz_nn_layout_add(&l, "emb", 256 * (size_t)(d->VD / 2));
		nz_nn_layout_add(&l, "ln1_g", H);
		nz_nn_layout_add(&l, "ln1_b", H);
		nz_nn_layout_add(&l, "wq", H * H);
		nz_nn_layout_add(&l, "bq", H);
		nz_nn_layout_add(&l, "wk", H * H);
		nz_nn_layout_add(&l, "bk", H);
		nz_nn_layout_add(&l, "wv", H * H);
		nz_nn_layout_add(&l, "bv", H);
		nz_nn_layout_add(&l, "ln2_g", H);
		nz_nn_layout_add(&l, "ln2_b", H);
		nz_nn_layout_add(&l, "wu", F * H);
		nz_nn_layout_add(&l, "bu", F);
		nz_nn_layout_add(&l, "wd", H * F);
		nz_nn_layout_add(&l, "bd", H);
		nz_nn_layout_add(&l, "wo", 256 * H);
		nz_nn_layout_add(&l, "bo", 256);
		float **const pf[] = {&m->emb, &m->ln1_g, &m->ln1_b, &m->wq, &m->bq, &m->wk,
				      &m->bk, &m->wv, &m->bv, &m->ln2_g, &m->ln2_b, &m->wu,
				      &m->bu, &m->wd, &m->bd, &m->wo, &m->bo};
		float **const gf[] = {&m->gemb, &m->gln1_g, &m->gln1_b, &m->gwq, &m->gbq,
				      &m->gwk, &m->gbk, &m->gwv, &m->gbv, &m->gln2_g,
				      &m->gln2_b, &m->gwu, &m->gbu, &m->gwd, &m->gbd, &m->gwo,
				      &m->gbo};
		rc = seed_model_params(&m->s, &l, pf, gf);
	}
	if (rc == NZ_OK) {
		const size_t L = d->lanes, TH = (size_t)d->T * d->H, H = d->H, F = d->F,
			     R = d->R;
		seed_arena a;
		seed_arena_init(&a);
		seed_arena_add(&a, &m->xe, L * d->C * (d->VD / 2));
		seed_arena_add(&a, &m->xt, L * TH);
		seed_arena_add(&a, &m->xn, L * TH);
		seed_arena_add(&a, &m->m1, L * d->T);
		seed_arena_add(&a, &m->r1, L * d->T);
		seed_arena_add(&a, &m->k, L * TH);
		seed_arena_add(&a, &m->v, L * TH);
		seed_arena_add(&a, &m->q, L * H);
		seed_arena_add(&a, &m->k2, L * TH);
		seed_arena_add(&a, &m->q2, L * H);
		seed_arena_add(&a, &m->att_a, L * d->NH * d->T);
		seed_arena_add(&a, &m->den, L * d->NH);
		seed_arena_add(&a, &m->att, L * H);
		seed_arena_add(&a, &m->x0, L * H);
		seed_arena_add(&a, &m->xin, (R + 1) * L * H);
		seed_arena_add(&a, &m->y, R * L * H);
		seed_arena_add(&a, &m->m2, R * L);
		seed_arena_add(&a, &m->r2, R * L);
		seed_arena_add(&a, &m->h, R * L * F);
		seed_arena_add(&a, &m->gh, R * L * F);
		seed_arena_add(&a, &m->logits, L * 256);
		seed_arena_add(&a, &m->dx, L * H);
		seed_arena_add(&a, &m->dx2, L * H);
		seed_arena_add(&a, &m->dy, L * H);
		seed_arena_add(&a, &m->dh, L * F);
		seed_arena_add(&a, &m->dgh, L * F);
		seed_arena_add(&a, &m->datt, L * H);
		seed_arena_add(&a, &m->dq, L * H);
		seed_arena_add(&a, &m->dk, L * TH);
		seed_arena_add(&a, &m->dv, L * TH);
		seed_arena_add(&a, &m->dxn, L * TH);
		seed_arena_add(&a, &m->dxt, L * TH);
		seed_arena_add(&a, &m->dxe, L * d->C * (d->VD / 2));
		rc = seed_arena_alloc(m->s.ctx, &a, &m->s.act);
	}
	if (rc == NZ_OK) {
		trace_positions(m);
		rc = seed_model_finish(&m->s, out);
	}
	if (rc != NZ_OK) {
		seed_model_ops.destroy(&m->s.base);
		*out = NULL;
	}
	return rc;
}

const nz_model_desc nz_model_trace = {
	.id = NZ_MODEL_TRACE,
	.name = "trace",
	.preset_names = trace_names,
	.coding = NZ_CODING_BYTES,
	.default_block_log = 24,
	.defaults = trace_defaults,
	.validate = trace_validate,
	.memory = trace_memory,
	.create_byte_model = trace_create,
};
