/*
 * seed_common.c - see seed_common.h.
 */
#include <stdlib.h>

#include "common/stage_stats.h"
#include "model/seed_common.h"

/* ---- arenas ---- */

void nz_seed_arena_init(seed_arena *a) { memset(a, 0, sizeof(*a)); }

void nz_seed_arena_add(seed_arena *a, float **field, size_t count)
{
	if (a->n >= SEED_MAX_BUFS) {
		a->overflow = 1;
		return;
	}
	a->field[a->n] = field;
	a->count[a->n++] = count;
	a->total += (count + 15) & ~(size_t)15;
}

int nz_seed_arena_alloc(nz_nn_ctx *ctx, seed_arena *a, float **mem)
{
	*mem = NULL;
	if (a->overflow)
		return NZ_ERR_PARAM;
	float *p = nz_nn_calloc(ctx, NZ_MAX(a->total, (size_t)16));
	if (!p)
		return NZ_ERR_NOMEM;
	*mem = p;
	for (u32 i = 0; i < a->n; i++) {
		*a->field[i] = a->count[i] ? p : NULL;
		p += (a->count[i] + 15) & ~(size_t)15;
	}
	return NZ_OK;
}

/* ---- life cycle ---- */

int nz_seed_model_begin(seed_model *m, const seed_hooks *hooks, const nz_model_config *cfg,
		     nz_exec *ex, u32 context, float weight_decay)
{
	m->hooks = hooks;
	m->cfg = *cfg;
	m->lanes = cfg->lanes;
	m->weight_decay = weight_decay;
	m->base.ops = &nz_seed_model_ops;
	m->base.context = context;
	m->base.max_lanes = cfg->lanes;
	return nz_exec_engine_for(ex, nz_seed_step_serial(cfg), &m->ctx);
}

/* A step of fewer multiply-adds than this runs on one thread: split across
 * threads, its ops (a few microseconds each) cost more in hand-offs than they
 * gain. edpc-tiny's step is 2.2 M (16 lanes), and two threads made it 0.85x as
 * fast as one; edpc-xs's is about 75 M. */
#define SEED_SERIAL_STEP_MACS 1e7

int nz_seed_step_serial(const nz_model_config *cfg)
{
	seed_cost c;
	return nz_seed_cost(cfg, &c) && c.train_macs * cfg->lanes < SEED_SERIAL_STEP_MACS;
}

int nz_seed_model_params(seed_model *m, const nz_nn_layout *l)
{
	return nz_nn_params_init(m->ctx, &m->P, l);
}

u32 nz_seed_model_carve(seed_model *m, u32 first, float **const *pf, float **const *gf, u32 n)
{
	const nz_nn_layout *l = &m->P.layout;
	for (u32 i = 0; i < n; i++) {
		const nz_nn_tensor_info *t = &l->t[first + i];
		*pf[i] = t->count ? m->P.param + t->offset : NULL;
		*gf[i] = t->count ? m->P.grad + t->offset : NULL;
	}
	return first + n;
}

/* Weights, moments and the step count back to the state fixed by the seed. */
static void reset_weights(seed_model *m)
{
	nz_nn_fill(m->ctx, m->P.mem, m->P.total * 4, 0.0f); /* weights, grads, moments */
	nz_adam_init(&m->P.adam);
	m->P.adam.lr = m->cfg.learning_rate;
	m->P.adam.weight_decay = m->weight_decay;
	m->hooks->init(m);
	m->fresh = 1;
	m->trained = m->applied = 0;
}

/* dst = src for n floats of engine memory, through the engine (an op, not a host
 * memcpy, so a device backend copies on the device); pieces fit copy_rows' u32. */
static void copy_buf(nz_nn_ctx *c, float *dst, const float *src, size_t n)
{
	for (size_t i = 0; i < n; i += (size_t)1 << 30) {
		const u32 len = (u32)NZ_MIN(n - i, (size_t)1 << 30);
		nz_copy_rows(c, dst + i, len, src + i, len, 1, len, 0);
	}
}

/* The Adam step of the oldest step whose gradient waits (delay > 0). */
static void apply_oldest(seed_model *m)
{
	const u64 t0 = m->base.stats ? nz_now_ns() : 0;
	if (m->delay > 1)
		copy_buf(m->ctx, m->P.grad, m->held[m->applied % m->delay], m->P.total);
	nz_nn_params_adam_step(m->ctx, &m->P);
	m->applied++;
	if (m->base.stats)
		m->base.stats->adam_ns += nz_now_ns() - t0;
}

int nz_seed_model_finish(seed_model *m, nz_byte_model **out)
{
	const size_t L = m->lanes;
	m->probs = nz_nn_alloc(m->ctx, L * 256);
	m->dlogits = nz_nn_alloc(m->ctx, L * 256);
	m->ctx_bytes = calloc(L, NZ_MAX(m->base.context, 1u));
	if (!m->probs || !m->dlogits || !m->ctx_bytes)
		return NZ_ERR_NOMEM;
	m->delay = m->cfg.delay;
	if (m->delay > NZ_MAX_DELAY)
		return NZ_ERR_PARAM;
	/* d = 1 keeps its one waiting gradient in P.grad itself; d = 2 parks each
	 * step's gradient until its Adam step */
	for (u32 i = 0; m->delay > 1 && i < m->delay; i++)
		if (!(m->held[i] = nz_nn_calloc(m->ctx, NZ_MAX(m->P.total, (size_t)16))))
			return NZ_ERR_NOMEM;
	reset_weights(m);
	*out = &m->base;
	return NZ_OK;
}

void nz_seed_model_free(seed_model *m)
{
	if (!m)
		return;
	if (m->ctx) {
		nz_nn_params_free(m->ctx, &m->P);
		nz_nn_free_mem(m->ctx, m->fixed);
		nz_nn_free_mem(m->ctx, m->act);
		nz_nn_free_mem(m->ctx, m->probs);
		nz_nn_free_mem(m->ctx, m->dlogits);
		for (u32 i = 0; i < NZ_MAX_DELAY; i++)
			nz_nn_free_mem(m->ctx, m->held[i]);
	}
	free(m->ctx_bytes);
}

static int seed_begin_block(nz_byte_model *bm, u32 lanes, int keep_state)
{
	seed_model *m = (seed_model *)bm;
	if (lanes > m->lanes || lanes == 0)
		return NZ_ERR_PARAM;
	if (!keep_state && !m->fresh)
		reset_weights(m);
	/* A block that continues the state starts from every update applied (the
	 * decoder of that block alone does the same). */
	while (m->applied < m->trained)
		apply_oldest(m);
	m->used = lanes;
	m->first = 1;
	m->active = 0;
	if (m->hooks->reset_lanes)
		m->hooks->reset_lanes(m);
	return NZ_OK;
}

static int seed_predict(nz_byte_model *bm, const u8 *ctx, u32 active, float *probs)
{
	seed_model *m = (seed_model *)bm;
	if (active > m->used || active == 0)
		return NZ_ERR_PARAM;
	const size_t C = m->base.context;
	memcpy(m->ctx_bytes, ctx, (size_t)active * C);
	m->active = active;
	const u64 t0 = bm->stats ? nz_now_ns() : 0;
	m->hooks->forward(m, m->ctx_bytes, active);
	m->first = 0;
	/* the one read of the model's output on the host (waits for a device) */
	nz_nn_download(m->ctx, probs, m->probs, (size_t)active * 256);
	if (nz_nn_error(m->ctx))
		return nz_nn_error(m->ctx); /* a device error: the probabilities are not valid */
	if (bm->stats)
		bm->stats->forward_ns += nz_now_ns() - t0;
	/* With delay d, step t's forward used the weights after step t-1-d; the
	 * update of step t-d is due now, before the next forward. */
	while (m->delay && m->trained - m->applied >= m->delay)
		apply_oldest(m);
	return NZ_OK;
}

static int seed_update(nz_byte_model *bm, const u8 *next, u32 active)
{
	seed_model *m = (seed_model *)bm;
	if (active != m->active)
		return NZ_ERR_PARAM;
	const u64 t0 = bm->stats ? nz_now_ns() : 0;
	/* the gradients are zero here: calloc'ed, then zeroed by every Adam step */
	nz_softmax_xent_backward(m->ctx, m->dlogits, m->probs, next, active, 256,
				 1.0f / (float)active);
	/* d = 0: the step's update runs inside the backward pass where a model
	 * asks for it (nz_nn_linear_backward_step), the rest after it */
	if (m->delay == 0)
		nz_nn_step_begin(m->ctx, &m->P);
	m->hooks->backward(m, next, active);
	const u64 t1 = bm->stats ? nz_now_ns() : 0;
	if (m->delay == 0) {
		nz_nn_step_end(m->ctx, &m->P);
	} else {
		if (m->delay > 1) { /* park the gradient; the next backward starts at zero */
			copy_buf(m->ctx, m->held[m->trained % m->delay], m->P.grad, m->P.total);
			nz_nn_fill(m->ctx, m->P.grad, m->P.total, 0.0f);
		}
		m->trained++;
	}
	if (bm->stats) {
		bm->stats->backward_ns += t1 - t0;
		bm->stats->adam_ns += nz_now_ns() - t1;
	}
	m->fresh = 0;
	m->steps++;
	return NZ_OK;
}

static void seed_destroy(nz_byte_model *bm)
{
	seed_model *m = (seed_model *)bm;
	if (!m)
		return;
	if (m->hooks && m->hooks->destroy)
		m->hooks->destroy(m);
	nz_seed_model_free(m);
	free(m);
}

const nz_byte_model_ops nz_seed_model_ops = {
	.begin_block = seed_begin_block,
	.predict = seed_predict,
	.update = seed_update,
	.destroy = seed_destroy,
};

/* ---- constant tables ---- */

/* sin on [-pi/4, pi/4] and cos likewise, by their Taylor series in binary64
 * (enough terms that the truncation is below 1e-19); x is reduced by multiples
 * of pi/2 with a two-part constant. Used only for constant tables (TRACE's
 * position embeddings), rounded to binary32 afterwards. */
static double sin_kernel(double x)
{
	const double z = x * x;
	double s = 0.0, t = 1.0;
	/* sum of (-1)^k x^(2k+1)/(2k+1)!, from the smallest term */
	double terms[12];
	for (int k = 0; k < 12; k++) {
		terms[k] = t;
		t = -t * z / (double)((2 * k + 2) * (2 * k + 3));
	}
	for (int k = 11; k >= 0; k--)
		s = s + terms[k];
	return s * x;
}

static double cos_kernel(double x)
{
	const double z = x * x;
	double s = 0.0, t = 1.0;
	double terms[12];
	for (int k = 0; k < 12; k++) {
		terms[k] = t;
		t = -t * z / (double)((2 * k + 1) * (2 * k + 2));
	}
	for (int k = 11; k >= 0; k--)
		s = s + terms[k];
	return s;
}

static void reduce_half_pi(double x, double *r, int *q)
{
	const double pio2_hi = 1.57079632679489655800e+00; /* 0x3FF921FB54442D18 */
	const double pio2_lo = 6.12323399573676603587e-17; /* pi/2 - pio2_hi */
	const double k = (double)(long long)(x / pio2_hi + (x >= 0 ? 0.5 : -0.5));
	*r = (x - k * pio2_hi) - k * pio2_lo;
	*q = (int)((long long)k & 3);
}

double nz_nx_sin(double x)
{
	double r;
	int q;
	reduce_half_pi(x, &r, &q);
	switch (q) {
	case 0: return sin_kernel(r);
	case 1: return cos_kernel(r);
	case 2: return -sin_kernel(r);
	default: return -cos_kernel(r);
	}
}

double nz_nx_cos(double x)
{
	double r;
	int q;
	reduce_half_pi(x, &r, &q);
	switch (q) {
	case 0: return cos_kernel(r);
	case 1: return -sin_kernel(r);
	case 2: return -cos_kernel(r);
	default: return sin_kernel(r);
	}
}

u64 nz_seed_memory(const seed_cost *c, u32 lanes, u64 act_floats)
{
	const u64 trained = c->params + (u64)lanes * c->lane_params;
	/* parameters, gradients and two moments; constants; activations; probs,
	 * dlogits; the engine's GEMM scratch (a few MB) */
	return 4 * (4 * trained + c->fixed + act_floats + 2 * 256 * (u64)lanes) +
	       ((u64)8 << 20);
}

u64 nz_seed_delay_memory(const nz_model_config *cfg)
{
	seed_cost c;
	if (cfg->delay < 2 || !nz_seed_cost(cfg, &c))
		return 0;
	return 4 * (u64)cfg->delay * (c.params + (u64)cfg->lanes * c.lane_params);
}

int nz_seed_cost(const nz_model_config *cfg, seed_cost *c)
{
	memset(c, 0, sizeof(*c));
	switch (cfg->model) {
	case NZ_MODEL_EDPC: nz_edpc_cost(cfg, c); return 1;
	case NZ_MODEL_PAC: nz_pac_cost(cfg, c); return 1;
	case NZ_MODEL_TRACE: nz_trace_cost(cfg, c); return 1;
	case NZ_MODEL_SEP: nz_sep_cost(cfg, c); return 1;
	default: return 0;
	}
}
