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

/* Trained tensors: X(name, count). */
#define TRACE_PARAMS(X)                                                            \
	X(emb, 256 * (size_t)(d->VD / 2)) X(ln1_g, d->H) X(ln1_b, d->H)            \
	X(wq, (size_t)d->H * d->H) X(bq, d->H) X(wk, (size_t)d->H * d->H)          \
	X(bk, d->H) X(wv, (size_t)d->H * d->H) X(bv, d->H) X(ln2_g, d->H)          \
	X(ln2_b, d->H) X(wu, (size_t)d->F * d->H) X(bu, d->F)                      \
	X(wd, (size_t)d->H * d->F) X(bd, d->H) X(wo, 256 * (size_t)d->H) X(bo, 256)

/* Activations (rows = lanes): X(name, floats per lane). xin, y, m2, r2, h and gh
 * hold one slice per FFN repeat (xin one more: the output), each slice (lanes, ..).
 * datt receives d(attention numerator); dx doubles as the FFN's output scratch. */
#define TRACE_ACTS(X)                                                              \
	X(xe, (size_t)d->C * (d->VD / 2)) X(xt, (size_t)d->T * d->H)               \
	X(xn, (size_t)d->T * d->H) X(m1, d->T) X(r1, d->T)                         \
	X(k, (size_t)d->T * d->H) X(v, (size_t)d->T * d->H) X(q, d->H)             \
	X(k2, (size_t)d->T * d->H) X(q2, d->H) X(att_a, (size_t)d->NH * d->T)      \
	X(den, d->NH) X(att, d->H) X(x0, d->H)                                     \
	X(xin, (size_t)(d->R + 1) * d->H) X(y, (size_t)d->R * d->H) X(m2, d->R)    \
	X(r2, d->R) X(h, (size_t)d->R * d->F) X(gh, (size_t)d->R * d->F)           \
	X(logits, 256) X(dx, d->H) X(dx2, d->H) X(dy, d->H) X(dh, d->F)            \
	X(dgh, d->F) X(datt, d->H) X(dq, d->H) X(dk, (size_t)d->T * d->H)          \
	X(dv, (size_t)d->T * d->H) X(dxn, (size_t)d->T * d->H)                     \
	X(dxt, (size_t)d->T * d->H) X(dxe, (size_t)d->C * (d->VD / 2))

SEED_STRUCT(trace_params, TRACE_PARAMS);
SEED_STRUCT(trace_acts, TRACE_ACTS);

typedef struct trace {
	seed_model s;
	trace_dims d;
	trace_params p, g;
	trace_acts a;
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
	trace_dims dims;
	const trace_dims *d = &dims;
	trace_dims_of(cfg, &dims);
	const double H = d->H, T = d->T, F = d->F, R = d->R;
	const double fwd = 2.0 * T * H * H + H * H + 2.0 * T * H + R * 2.0 * H * F + 256.0 * H;
	const double bwd = 4.0 * T * H * H + 2.0 * H * H + 4.0 * T * H + R * 4.0 * H * F +
			   512.0 * H;
	c->fwd_macs = fwd;
	c->train_macs = fwd + bwd;
	c->params = SEED_TABLE_COUNT(TRACE_PARAMS);
}

static u64 trace_act_floats(const trace_dims *d)
{
	return SEED_TABLE_COUNT(TRACE_ACTS) * d->lanes;
}

static u64 trace_memory(const nz_model_config *cfg)
{
	seed_cost c = {0};
	trace_dims d;
	trace_dims_of(cfg, &d);
	nz_trace_cost(cfg, &c);
	return nz_seed_memory(&c, d.lanes, trace_act_floats(&d));
}

static void trace_init(seed_model *sm)
{
	trace *m = (trace *)sm;
	const trace_dims *d = &m->d;
	nz_nn_ctx *c = sm->ctx;
	nz_rng r;
	nz_rng_seed(&r, sm->cfg.seed, NZ_MODEL_TRACE);
	nz_nn_buf_init_normal(c, m->p.emb, 256 * (size_t)(d->VD / 2), 0.0f, 1.0f, &r);
	nz_nn_fill(c, m->p.ln1_g, d->H, 1.0f);
	nz_nn_buf_init_linear(c, m->p.wq, m->p.bq, d->H, d->H, &r);
	nz_nn_buf_init_linear(c, m->p.wk, m->p.bk, d->H, d->H, &r);
	nz_nn_buf_init_linear(c, m->p.wv, m->p.bv, d->H, d->H, &r);
	nz_nn_buf_init_linear(c, m->p.wu, m->p.bu, d->H, d->F, &r);
	nz_nn_buf_init_linear(c, m->p.wd, m->p.bd, d->F, d->H, &r);
	nz_nn_fill(c, m->p.ln2_g, d->H, 1.0f);
	nz_nn_buf_init_linear(c, m->p.wo, m->p.bo, d->H, 256, &r);
}

/* The position columns of every byte row of xt: sin then cos of p * freq_k,
 * freq_k = exp(2k * -ln(10000) / (VD/2)) in binary32 as torch computes it, the
 * sines and cosines in binary64 by nz_nx_sin/nz_nx_cos, rounded once. They are
 * uploaded into lane 0's rows, then copied to the other lanes by an op. */
static void trace_positions(trace *m)
{
	nz_nn_ctx *c = m->s.ctx;
	const trace_dims *d = &m->d;
	const u32 half = d->VD / 2, quarter = d->VD / 4;
	const float scale = (float)(-9.210340371976184 / (double)half);
	for (u32 p = 0; p < d->C; p++) {
		float row[2048];
		for (u32 k = 0; k < quarter; k++) {
			const float freq = nz_expf((float)(2 * k) * scale);
			const float arg = (float)p * freq;
			row[k] = (float)nz_nx_sin((double)arg);
			row[quarter + k] = (float)nz_nx_cos((double)arg);
		}
		nz_nn_upload(c, m->a.xt + (size_t)p * d->VD + half, row, half);
	}
	const size_t lane = (size_t)d->C * d->VD;
	for (size_t b = 1; b < d->lanes; b++)
		nz_copy_rows(c, m->a.xt + b * lane + half, d->VD, m->a.xt + half, d->VD, d->C, half,
			     0);
}

static void trace_forward(seed_model *sm, const u8 *ctx, u32 B)
{
	trace *m = (trace *)sm;
	nz_nn_ctx *c = sm->ctx;
	const trace_dims *d = &m->d;
	const u32 H = d->H, T = d->T, F = d->F, NH = d->NH, half = d->VD / 2;
	const size_t TH = (size_t)T * H, BH = (size_t)B * H;
	nz_embedding_forward(c, m->a.xe, ctx, d->C, m->p.emb, B, d->C, half);
	nz_copy_rows(c, m->a.xt, d->VD, m->a.xe, half, B * d->C, half, 0);
	nz_layernorm_forward(c, m->a.xn, m->a.m1, m->a.r1, m->a.xt, m->p.ln1_g, m->p.ln1_b, B * T, H, EPS);
	nz_linear_forward(c, m->a.k, m->a.xn, m->p.wk, m->p.bk, B * T, H, H);
	nz_linear_forward(c, m->a.v, m->a.xn, m->p.wv, m->p.bv, B * T, H, H);
	nz_gemm(c, 0, 1, B, H, H, m->a.xn + (T - 1) * H, TH, m->p.wq, H, m->a.q, H, m->p.bq, 0);
	nz_mul_forward(c, m->a.k2, m->a.k, m->a.k, (size_t)B * TH);
	nz_mul_forward(c, m->a.q2, m->a.q, m->a.q, BH);
	/* attention of the last token, per lane and head */
	nz_sqr_attention_last_forward(c, m->a.att, m->a.att_a, m->a.den, m->a.q2, m->a.k2, m->a.v,
				      B, T, H, NH);
	/* x = last token + attention, then R times the shared FFN */
	nz_copy_rows(c, m->a.x0, H, m->a.xt + (T - 1) * H, TH, B, H, 0);
	nz_add_forward(c, m->a.xin, m->a.x0, m->a.att, BH);
	for (u32 r = 0; r < d->R; r++) {
		float *xin = m->a.xin + r * (size_t)d->lanes * H;
		float *y = m->a.y + r * (size_t)d->lanes * H;
		float *h = m->a.h + r * (size_t)d->lanes * F, *gh = m->a.gh + r * (size_t)d->lanes * F;
		float *m2 = m->a.m2 + r * (size_t)d->lanes, *r2 = m->a.r2 + r * (size_t)d->lanes;
		nz_layernorm_forward(c, y, m2, r2, xin, m->p.ln2_g, m->p.ln2_b, B, H, EPS);
		nz_linear_forward(c, h, y, m->p.wu, m->p.bu, B, H, F);
		nz_gelu_forward(c, gh, h, (size_t)B * F);
		nz_linear_forward(c, m->a.dx, gh, m->p.wd, m->p.bd, B, F, H); /* dx as scratch */
		nz_add_forward(c, xin + (size_t)d->lanes * H, xin, m->a.dx, BH);
	}
	nz_linear_forward(c, m->a.logits, m->a.xin + d->R * (size_t)d->lanes * H, m->p.wo, m->p.bo,
			  B, H, 256);
	nz_softmax_forward(c, sm->probs, m->a.logits, B, 256);
}

static void trace_backward(seed_model *sm, const u8 *next, u32 B)
{
	(void)next;
	trace *m = (trace *)sm;
	nz_nn_ctx *c = sm->ctx;
	const trace_dims *d = &m->d;
	const u32 H = d->H, T = d->T, F = d->F, NH = d->NH, half = d->VD / 2;
	const size_t TH = (size_t)T * H, LH = (size_t)d->lanes * H;
	float *dx = m->a.dx, *dx2 = m->a.dx2;
	nz_nn_params *P = &sm->P; /* a weight's update follows its last gradient */
	nz_nn_linear_backward_step(c, P, dx, m->g.wo, m->g.bo, sm->dlogits, m->a.xin + d->R * LH, H,
				   m->p.wo, B, H, 256, 0);
	for (u32 r = d->R; r-- > 0;) {
		float *xin = m->a.xin + r * LH, *y = m->a.y + r * LH;
		float *h = m->a.h + r * (size_t)d->lanes * F, *gh = m->a.gh + r * (size_t)d->lanes * F;
		float *m2 = m->a.m2 + r * (size_t)d->lanes, *r2 = m->a.r2 + r * (size_t)d->lanes;
		/* the R blocks share wd and wu: their last gradient is block 0's */
		nz_nn_params *Pr = r == 0 ? P : NULL;
		nz_nn_linear_backward_step(c, Pr, m->a.dgh, m->g.wd, m->g.bd, dx, gh, F, m->p.wd, B, F,
					   H, 0);
		nz_gelu_backward(c, m->a.dh, m->a.dgh, h, (size_t)B * F, 0);
		nz_nn_linear_backward_step(c, Pr, m->a.dy, m->g.wu, m->g.bu, m->a.dh, y, H, m->p.wu, B,
					   H, F, 0);
		nz_copy_rows(c, dx2, H, dx, H, B, H, 0);
		nz_layernorm_backward(c, dx2, m->g.ln2_g, m->g.ln2_b, m->a.dy, xin, m2, r2, m->p.ln2_g,
				      B, H, 1);
		float *t = dx;
		dx = dx2;
		dx2 = t;
	}
	/* dx is d(x0 + att): attention backward per lane and head */
	nz_sqr_attention_last_backward(c, m->a.dq, m->a.dk, m->a.dv, m->a.datt, dx, m->a.att, m->a.att_a,
				       m->a.den, m->a.q, m->a.q2, m->a.k, m->a.k2, m->a.v, B, T, H, NH);
	/* k, v over every token; q over the last */
	nz_nn_linear_backward_step(c, P, m->a.dxn, m->g.wk, m->g.bk, m->a.dk, m->a.xn, H, m->p.wk,
				   B * T, H, H, 0);
	nz_nn_linear_backward_step(c, P, m->a.dxn, m->g.wv, m->g.bv, m->a.dv, m->a.xn, H, m->p.wv,
				   B * T, H, H, 1);
	nz_gemm(c, 0, 0, B, H, H, m->a.dq, H, m->p.wq, H, m->a.dxn + (T - 1) * H, TH, NULL, 1);
	nz_nn_linear_backward_step(c, P, NULL, m->g.wq, m->g.bq, m->a.dq, m->a.xn + (T - 1) * H, TH,
				   NULL, B, H, H, 0);
	nz_layernorm_backward(c, m->a.dxt, m->g.ln1_g, m->g.ln1_b, m->a.dxn, m->a.xt, m->a.m1, m->a.r1,
			      m->p.ln1_g, B * T, H, 0);
	/* the skip path into the last token */
	nz_copy_rows(c, m->a.dxt + (T - 1) * H, TH, dx, H, B, H, 1);
	nz_copy_rows(c, m->a.dxe, half, m->a.dxt, d->VD, B * d->C, half, 0);
	nz_embedding_backward(c, m->g.emb, m->a.dxe, sm->ctx_bytes, d->C, B, d->C, half);
}

static const seed_hooks trace_hooks = {
	.init = trace_init,
	.forward = trace_forward,
	.backward = trace_backward,
};

static int trace_create(const nz_model_config *cfg, nz_exec *ex, nz_byte_model **out)
{
	*out = NULL;
	if (trace_validate(cfg) != NZ_OK)
		return NZ_ERR_PARAM;
	trace *m = calloc(1, sizeof(*m));
	if (!m)
		return NZ_ERR_NOMEM;
	trace_dims_of(cfg, &m->d);
	const trace_dims *d = &m->d;
	int rc = nz_seed_model_begin(&m->s, &trace_hooks, cfg, ex, d->C, 0.0f);
	if (rc == NZ_OK) {
		nz_nn_layout l;
		nz_nn_layout_init(&l);
		SEED_LAYOUT_TABLE(&l, TRACE_PARAMS);
		rc = nz_seed_model_params(&m->s, &l);
	}
	if (rc == NZ_OK) {
		u32 next;
		SEED_CARVE_TABLE(&m->s, 0, &next, trace_params, &m->p, &m->g, TRACE_PARAMS);
		seed_arena a;
		nz_seed_arena_init(&a);
		SEED_ARENA_TABLE(&a, trace_acts, &m->a, d->lanes, TRACE_ACTS);
		rc = nz_seed_arena_alloc(m->s.ctx, &a, &m->s.act);
	}
	if (rc == NZ_OK) {
		trace_positions(m);
		rc = nz_seed_model_finish(&m->s, out);
	}
	if (rc != NZ_OK) {
		nz_seed_model_ops.destroy(&m->s.base);
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
