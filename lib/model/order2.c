/*
 * order2.c - the simplest real model: adaptive counts of the byte after each
 * order-0, order-1 and order-2 context, blended Witten-Bell style:
 *
 *   p0(s) = (n0(s) + u0 / 256)   / (N0 + u0)
 *   p1(s) = (n1(s) + u1 * p0(s)) / (N1 + u1)
 *   p2(s) = (n2(s) + u2 * p1(s)) / (N2 + u2)
 *
 * where n are counts, N their total and u the number of distinct bytes seen in the
 * context. Counts are halved when a context's total passes a limit, so the model
 * follows changing statistics. It is the foundation's model: cheap, deterministic
 * (float32 operations in a fixed order, no libm), and a baseline for the neural ones.
 *
 * All lanes share the tables. Updates are applied after every lane of a step has
 * been predicted, in lane order, so the result does not depend on scheduling.
 */
#include <stdlib.h>

#include "common/stage_stats.h"
#include "model/byte_model.h"

#define ORDER2_LIMIT 1020 /* halve a context's counts when its total passes this */
#define ORDER2_MAX_LANES 65536
#define ORDER2_DIRTY_MAX 4096 /* order-2 contexts a reset clears one by one */

#define ORDER2_N2_BYTES ((size_t)65536 * 256 * sizeof(u16))

typedef struct ctx_counts {
	u16 total;
	u16 distinct;
} ctx_counts;

typedef struct order2 {
	nz_byte_model base;
	u16 *n2;          /* [65536][256] */
	ctx_counts *c2;   /* [65536] */
	u16 n1[256][256];
	ctx_counts c1[256];
	u16 n0[256];
	ctx_counts c0;
	float p0[256];    /* order-0 blend, valid for one step */
	u16 *last_ctx;    /* [lanes] order-2 context of each lane's last prediction */
	int fresh;        /* no count changed since creation or reset */
	/* The order-2 contexts counted since the last reset (a context is added
	 * when its total leaves 0, which it never returns to), so that a reset
	 * after a small block clears their rows instead of all 32 MiB; past
	 * ORDER2_DIRTY_MAX the reset clears everything. */
	u16 dirty[ORDER2_DIRTY_MAX];
	u32 ndirty;       /* ORDER2_DIRTY_MAX + 1: too many, clear all */
} order2;

static void halve(u16 *n, ctx_counts *c)
{
	u32 total = 0, distinct = 0;
	for (int s = 0; s < 256; s++) {
		n[s] = (u16)(n[s] >> 1);
		total += n[s];
		distinct += n[s] != 0;
	}
	c->total = (u16)total;
	c->distinct = (u16)distinct;
}

static void count(u16 *n, ctx_counts *c, u8 s)
{
	c->distinct += n[s] == 0;
	n[s]++;
	if (++c->total > ORDER2_LIMIT)
		halve(n, c);
}

/* out[s] = (n[s] + u * lower[s]) / (N + u), or lower if the context is new. */
static void blend(float *out, const u16 *n, const ctx_counts *c, const float *lower)
{
	if (c->total == 0) {
		memcpy(out, lower, 256 * sizeof(float));
		return;
	}
	const float u = (float)c->distinct;
	const float inv = 1.0f / ((float)c->total + u);
	for (int s = 0; s < 256; s++)
		out[s] = ((float)n[s] + u * lower[s]) * inv;
}

static void reset_counts(order2 *m)
{
	if (m->ndirty <= ORDER2_DIRTY_MAX) {
		for (u32 i = 0; i < m->ndirty; i++) {
			memset(m->n2 + 256 * (size_t)m->dirty[i], 0, 256 * sizeof(u16));
			memset(&m->c2[m->dirty[i]], 0, sizeof(ctx_counts));
		}
	} else {
		memset(m->n2, 0, ORDER2_N2_BYTES);
		memset(m->c2, 0, sizeof(ctx_counts) * 65536);
	}
	m->ndirty = 0;
	memset(m->n1, 0, sizeof(m->n1));
	memset(m->c1, 0, sizeof(m->c1));
	memset(m->n0, 0, sizeof(m->n0));
	memset(&m->c0, 0, sizeof(m->c0));
}

static int order2_begin_block(nz_byte_model *bm, u32 lanes, int keep_state)
{
	order2 *m = (order2 *)bm;
	if (lanes > bm->max_lanes)
		return NZ_ERR_PARAM;
	if (!keep_state && !m->fresh)
		reset_counts(m);
	m->fresh = 1;
	return NZ_OK;
}

static void predict_lanes(nz_byte_model *bm, const u8 *ctx, u32 active, float *probs)
{
	order2 *m = (order2 *)bm;
	float uniform[256], p1[256];
	for (int s = 0; s < 256; s++)
		uniform[s] = 1.0f / 256.0f;
	blend(m->p0, m->n0, &m->c0, uniform);
	for (u32 i = 0; i < active; i++) {
		const u8 a = ctx[2 * i], b = ctx[2 * i + 1];
		const u16 c2 = (u16)(a << 8 | b);
		m->last_ctx[i] = c2;
		blend(p1, m->n1[b], &m->c1[b], m->p0);
		blend(probs + 256 * (size_t)i, m->n2 + 256 * (size_t)c2, &m->c2[c2], p1);
	}
}

static void learn_lanes(nz_byte_model *bm, const u8 *next, u32 active)
{
	order2 *m = (order2 *)bm;
	m->fresh = 0;
	for (u32 i = 0; i < active; i++) {
		const u16 c2 = m->last_ctx[i];
		const u8 s = next[i];
		if (m->c2[c2].total == 0 && m->ndirty <= ORDER2_DIRTY_MAX) {
			if (m->ndirty < ORDER2_DIRTY_MAX)
				m->dirty[m->ndirty] = c2;
			m->ndirty++;
		}
		count(m->n2 + 256 * (size_t)c2, &m->c2[c2], s);
		count(m->n1[c2 & 0xFF], &m->c1[c2 & 0xFF], s);
		count(m->n0, &m->c0, s);
	}
}

/* The two ops time themselves when the driver asks (forward: predictions,
 * backward: count updates). */
static int order2_predict(nz_byte_model *bm, const u8 *ctx, u32 active, float *probs)
{
	if (!bm->stats) {
		predict_lanes(bm, ctx, active, probs);
		return NZ_OK;
	}
	const u64 t0 = nz_now_ns();
	predict_lanes(bm, ctx, active, probs);
	bm->stats->forward_ns += nz_now_ns() - t0;
	return NZ_OK;
}

static int order2_update(nz_byte_model *bm, const u8 *next, u32 active)
{
	if (!bm->stats) {
		learn_lanes(bm, next, active);
		return NZ_OK;
	}
	const u64 t0 = nz_now_ns();
	learn_lanes(bm, next, active);
	bm->stats->backward_ns += nz_now_ns() - t0;
	return NZ_OK;
}

static void order2_destroy(nz_byte_model *bm)
{
	order2 *m = (order2 *)bm;
	if (!m)
		return;
	nz_big_free(m->n2, ORDER2_N2_BYTES);
	free(m->c2);
	free(m->last_ctx);
	free(m);
}

static const nz_byte_model_ops order2_ops = {
	.begin_block = order2_begin_block,
	.predict = order2_predict,
	.update = order2_update,
	.destroy = order2_destroy,
};

static int order2_create(const nz_model_config *cfg, nz_exec *ex, nz_byte_model **out)
{
	(void)ex; /* counts only: no engine, no threads */
	*out = NULL;
	order2 *m = calloc(1, sizeof(*m));
	if (!m)
		return NZ_ERR_NOMEM;
	/* zero pages from the OS, mapped lazily: small inputs stay cheap */
	m->n2 = nz_big_alloc(ORDER2_N2_BYTES);
	m->c2 = calloc(65536, sizeof(ctx_counts));
	m->last_ctx = calloc(cfg->lanes, sizeof(u16));
	if (!m->n2 || !m->c2 || !m->last_ctx) {
		order2_destroy(&m->base);
		return NZ_ERR_NOMEM;
	}
	m->fresh = 1;
	m->base.ops = &order2_ops;
	m->base.context = 2;
	m->base.max_lanes = cfg->lanes;
	*out = &m->base;
	return NZ_OK;
}

static void order2_defaults(nz_model_config *cfg, int level, u64 content_size)
{
	(void)content_size;
	(void)level;
	if (!cfg->lanes)
		cfg->lanes = 1;
	if (!cfg->context)
		cfg->context = 2; /* anything else is refused by validate */
}

static int order2_validate(const nz_model_config *cfg)
{
	if (cfg->lanes < 1 || cfg->lanes > ORDER2_MAX_LANES || cfg->context != 2)
		return NZ_ERR_UNSUPPORTED;
	if (cfg->hidden || cfg->ffn || cfg->learning_rate != 0.0f || cfg->seed)
		return NZ_ERR_UNSUPPORTED;
	for (int i = 0; i < NZ_MODEL_EXTRA; i++)
		if (cfg->extra[i])
			return NZ_ERR_UNSUPPORTED;
	return NZ_OK;
}

static u64 order2_memory(const nz_model_config *cfg)
{
	return sizeof(order2) + (u64)65536 * 256 * 2 + 65536 * sizeof(ctx_counts) +
	       (u64)cfg->lanes * 2;
}

static const char *const order2_presets[] = {"order2", NULL};

const nz_model_desc nz_model_order2 = {
	.id = NZ_MODEL_ORDER2,
	.name = "order2",
	.preset_names = order2_presets,
	.coding = NZ_CODING_BYTES,
	.default_block_log = 24,
	.defaults = order2_defaults,
	.validate = order2_validate,
	.memory = order2_memory,
	.create_byte_model = order2_create,
};
