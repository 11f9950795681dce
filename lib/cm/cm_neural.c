/*
 * cm_neural.c - a neural byte model of the engine as the CM model's external
 * predictor (flag CM_F_EXT; docs/CM.md, "Neural input").
 *
 * Each CM model state (one per substream) owns one neural byte model, trained
 * online on the bytes of its segments. With one lane: before byte i the model
 * learns from byte i - 1 (if it predicted it), then predicts byte i from the
 * `context` bytes before it (zeros before the segment start). With B lanes
 * (extra[CM_X_NNLANES]) the segment is cut as the lane driver cuts a block
 * (docs/FORMAT.md, "Lanes") and one call predicts byte t of every lane, after
 * learning from byte t - 1 of every lane: one batched step serves B bytes. Its float
 * probabilities are identical on every backend (docs/NUMERICS.md) and are turned
 * into 16-bit weights by one IEEE multiplication and truncation, so the CM model
 * sees the same integers when encoding and decoding on any machine.
 */
#include <stdlib.h>

#include "cm/cm_neural.h"
#include "model/byte_model.h"
#include "model/byte_models.h"
#include "nn/exec.h"

struct cm_neural {
	nz_exec *ex;         /* serial: one thread, its own engine */
	nz_byte_model *m;
	u32 context;
	u32 lanes;
	int pending;         /* predicted a byte that it has not learnt from yet */
	u32 pending_active;  /* lanes of that prediction */
	u8 *ctx;             /* context bytes of the lanes */
	u8 *next;            /* the lanes' bytes of the last step */
	float *probs;        /* lanes x 256 */
};

/* The byte model's configuration for a CM configuration with CM_F_EXT. */
static int neural_config(const nz_model_config *cm_cfg, nz_model_config *out,
			 const nz_model_desc **desc)
{
	const u64 id = cm_cfg->extra[CM_X_NNMODEL], preset = cm_cfg->extra[CM_X_NNPRESET];
	const nz_model_desc *d = id <= 255 ? nz_byte_model_lookup((int)id) : NULL;
	if (!d || !d->create_byte_model || preset > 255 ||
	    !nz_model_desc_preset(d, (int)preset))
		return NZ_ERR_PARAM;
	*out = (nz_model_config){0};
	out->model = d->id;
	out->coding = d->coding;
	out->preset = (u32)preset;
	out->lanes = cm_cfg->extra[CM_X_NNLANES] > 1 ? (u32)cm_cfg->extra[CM_X_NNLANES] : 1;
	d->defaults(out, 0, NZ_CONTENT_SIZE_UNKNOWN);
	NZ_TRY(d->validate(out));
	*desc = d;
	return NZ_OK;
}

int nz_cm_neural_check(const nz_model_config *cm_cfg)
{
	nz_model_config c;
	const nz_model_desc *d;
	return neural_config(cm_cfg, &c, &d);
}

u64 nz_cm_neural_memory(const nz_model_config *cm_cfg)
{
	nz_model_config c;
	const nz_model_desc *d;
	if (neural_config(cm_cfg, &c, &d))
		return 0;
	return d->memory(&c);
}

int nz_cm_neural_create(const nz_model_config *cm_cfg, int backend, cm_neural **out)
{
	*out = NULL;
	nz_model_config c;
	const nz_model_desc *d;
	NZ_TRY(neural_config(cm_cfg, &c, &d));
	cm_neural *n = calloc(1, sizeof(*n));
	if (!n)
		return NZ_ERR_NOMEM;
	int rc = nz_exec_create(&n->ex, 1, backend);
	if (rc == NZ_OK)
		rc = d->create_byte_model(&c, n->ex, &n->m);
	if (rc == NZ_OK) {
		n->context = n->m->context;
		n->lanes = c.lanes;
		n->ctx = calloc((size_t)n->lanes * (n->context ? n->context : 1), 1);
		n->next = calloc(n->lanes, 1);
		n->probs = malloc((size_t)n->lanes * 256 * sizeof(float));
		if (!n->ctx || !n->next || !n->probs)
			rc = NZ_ERR_NOMEM;
	}
	/* no begin_block here: the first predict of every segment (byte 0) starts
	 * the lane */
	if (rc != NZ_OK) {
		nz_cm_neural_destroy(n);
		return rc;
	}
	*out = n;
	return NZ_OK;
}

void nz_cm_neural_destroy(cm_neural *n)
{
	if (!n)
		return;
	if (n->m)
		n->m->ops->destroy(n->m);
	nz_exec_free(n->ex);
	free(n->ctx);
	free(n->next);
	free(n->probs);
	free(n);
}

int nz_cm_neural_reset(cm_neural *n)
{
	n->pending = 0;
	return n->m->ops->begin_block(n->m, n->lanes, 0);
}

u32 nz_cm_neural_lanes(const cm_neural *n) { return n->lanes; }

/* float -> 16-bit weight: one IEEE multiplication and a truncation */
static void quantise(const float *p, u16 *out)
{
	for (int s = 0; s < 256; s++) {
		float w = p[s] * 65535.0f;
		out[s] = w >= 65535.0f ? 65535 : w > 0.0f ? (u16)w : 0;
	}
}

int nz_cm_neural_step(cm_neural *n, const u8 *seg, size_t lane_len, u32 used, size_t last_len,
		   size_t t, u16 *probs)
{
	const u32 C = n->context;
	if (t == 0) {
		n->pending = 0;
		NZ_TRY(n->m->ops->begin_block(n->m, used, 1));
	} else if (n->pending) {
		for (u32 b = 0; b < n->pending_active; b++)
			n->next[b] = seg[b * lane_len + t - 1];
		NZ_TRY(n->m->ops->update(n->m, n->next, n->pending_active));
	}
	const u32 active = t < last_len ? used : used - 1;
	for (u32 b = 0; b < active; b++) {
		const u8 *lane = seg + b * lane_len;
		u8 *ctx = n->ctx + (size_t)b * C;
		for (u32 k = 0; k < C; k++) {
			const size_t back = C - k;
			ctx[k] = back <= t ? lane[t - back] : 0;
		}
	}
	NZ_TRY(n->m->ops->predict(n->m, n->ctx, active, n->probs));
	n->pending = 1;
	n->pending_active = active;
	for (u32 b = 0; b < active; b++)
		quantise(n->probs + (size_t)b * 256, probs + (size_t)b * 256);
	return NZ_OK;
}

static int neural_predict(void *opaque, const u8 *hist, size_t i, u16 probs[256])
{
	cm_neural *n = opaque;
	if (i == 0) {
		/* a new segment: the lane restarts, the weights are kept */
		n->pending = 0;
		NZ_TRY(n->m->ops->begin_block(n->m, 1, 1));
	} else if (n->pending) {
		NZ_TRY(n->m->ops->update(n->m, &hist[i - 1], 1));
	}
	const u32 C = n->context;
	for (u32 k = 0; k < C; k++) {
		const size_t back = C - k; /* ctx[k] is the byte `back` positions before i */
		n->ctx[k] = back <= i ? hist[i - back] : 0;
	}
	NZ_TRY(n->m->ops->predict(n->m, n->ctx, 1, n->probs));
	n->pending = 1;
	quantise(n->probs, probs);
	return NZ_OK;
}

nz_cm_ext_predictor nz_cm_neural_predictor(cm_neural *n)
{
	return (nz_cm_ext_predictor){.opaque = n, .predict = neural_predict};
}
