/*
 * lanes.c - the lane driver. A block is cut into B' contiguous lanes that advance
 * together; each step the model predicts every active lane's next byte at once (a
 * batch: the seeds' key to speed), the range coders code the true bytes, and the
 * model learns from them. The decoder makes the same calls in the same order.
 *
 * Lanes are spread over K substreams (one range coder each) so that K workers can
 * code them in parallel later; today one thread codes all substreams in turn.
 */
#include <math.h>
#include <stdlib.h>

#include "codec/lanes.h"
#include "coder/quantize.h"
#include "coder/range_coder.h"
#include "format/frame.h"

#define TICK_BYTES (1u << 16) /* report progress about every 64 KiB */

typedef struct lanes_codec {
	nz_block_codec base;
	nz_byte_model *model;
	nz_exec *ex;      /* threads and engine of this compression (not owned) */
	u32 max_lanes;
	u32 ctx_len;
	u8 *ctx;          /* [lanes][ctx_len] sliding context of each lane */
	float *probs;     /* [lanes][256] */
	u8 *next;         /* [lanes] true bytes of the step */
	u32 *sub_of;      /* [lanes] substream of each lane */
	int measure;
	double ideal_bits;
} lanes_codec;

/* Shared set-up of encode and decode: geometry, substream map, model reset. */
static int begin(lanes_codec *lc, size_t n, int keep_state, u32 k, size_t *len,
		 u32 *used, size_t *last_len)
{
	nz_lanes_geometry(n, lc->max_lanes, len, used);
	*last_len = n - (size_t)(*used - 1) * *len;
	const u32 kk = NZ_MIN(k, *used);
	for (u32 i = 0; i < *used; i++)
		lc->sub_of[i] = (u32)((u64)i * kk / *used);
	memset(lc->ctx, 0, (size_t)*used * lc->ctx_len);
	lc->ideal_bits = 0;
	return lc->model->ops->begin_block(lc->model, *used, keep_state);
}

/* Slide each active lane's context by one byte: the byte just coded. */
static void slide(lanes_codec *lc, u32 active)
{
	const u32 c = lc->ctx_len;
	for (u32 i = 0; i < active; i++) {
		u8 *w = lc->ctx + (size_t)i * c;
		memmove(w, w + 1, c - 1);
		w[c - 1] = lc->next[i];
	}
}

static int lanes_encode(nz_block_codec *bc, const u8 *src, size_t n, int keep_state,
			nz_buf *sub, u32 k, const nz_job *job)
{
	lanes_codec *lc = (lanes_codec *)bc;
	size_t len, last_len;
	u32 used;
	NZ_TRY(begin(lc, n, keep_state, k, &len, &used, &last_len));
	const u32 kk = NZ_MIN(k, used);
	nz_rc_encoder enc[NZ_MAX_SUBSTREAMS];
	for (u32 j = 0; j < kk; j++)
		nz_rc_encoder_init(&enc[j], &sub[j]);
	u32 freq[256];
	u64 done = 0, next_tick = TICK_BYTES;
	for (size_t t = 0; t < len; t++) {
		const u32 active = t < last_len ? used : used - 1;
		NZ_TRY(lc->model->ops->predict(lc->model, lc->ctx, active, lc->probs));
		for (u32 i = 0; i < active; i++) {
			const u8 s = src[(size_t)i * len + t];
			const float *p = lc->probs + 256 * (size_t)i;
			nz_quantize(p, freq);
			u32 cum = 0;
			for (u32 x = 0; x < s; x++)
				cum += freq[x];
			nz_rc_encode(&enc[lc->sub_of[i]], cum, freq[s]);
			lc->next[i] = s;
			if (lc->measure)
				lc->ideal_bits -= log2((double)p[s]);
		}
		NZ_TRY(lc->model->ops->update(lc->model, lc->next, active));
		slide(lc, active);
		done += active;
		if (done >= next_tick) {
			u64 bits = 0;
			for (u32 j = 0; j < kk; j++)
				bits += 8 * (u64)sub[j].size;
			NZ_TRY(nz_job_tick(job, done, bits));
			next_tick = done + TICK_BYTES;
		}
	}
	for (u32 j = 0; j < kk; j++)
		NZ_TRY(nz_rc_encoder_finish(&enc[j]));
	return NZ_OK;
}

static int lanes_decode(nz_block_codec *bc, u8 *dst, size_t n, int keep_state,
			const u8 *const *sub, const size_t *sub_size, u32 k, const nz_job *job)
{
	lanes_codec *lc = (lanes_codec *)bc;
	size_t len, last_len;
	u32 used;
	NZ_TRY(begin(lc, n, keep_state, k, &len, &used, &last_len));
	const u32 kk = NZ_MIN(k, used);
	for (u32 j = kk; j < k; j++)
		if (sub_size[j] != 0)
			return NZ_ERR_CORRUPT; /* substreams without lanes are empty */
	nz_rc_decoder dec[NZ_MAX_SUBSTREAMS];
	for (u32 j = 0; j < kk; j++)
		nz_rc_decoder_init(&dec[j], sub[j], sub_size[j]);
	u32 freq[256], cum[257];
	u64 done = 0, next_tick = TICK_BYTES;
	for (size_t t = 0; t < len; t++) {
		const u32 active = t < last_len ? used : used - 1;
		NZ_TRY(lc->model->ops->predict(lc->model, lc->ctx, active, lc->probs));
		for (u32 i = 0; i < active; i++) {
			nz_rc_decoder *d = &dec[lc->sub_of[i]];
			nz_quantize(lc->probs + 256 * (size_t)i, freq);
			nz_cumulate(freq, cum);
			const unsigned s = nz_rc_find_symbol(cum, nz_rc_decode_target(d));
			nz_rc_decode_update(d, cum[s], freq[s]);
			/* A valid substream is read at most 7 bytes past its end (the
			 * decoder's 8-byte window runs ahead of the encoder, which
			 * flushed one byte): more means corrupt data, so stop now
			 * instead of decoding the rest of a huge block from zeros. */
			if (nz_unlikely(d->pos > d->size + 7))
				return NZ_ERR_CORRUPT;
			dst[(size_t)i * len + t] = (u8)s;
			lc->next[i] = (u8)s;
		}
		NZ_TRY(lc->model->ops->update(lc->model, lc->next, active));
		slide(lc, active);
		done += active;
		if (done >= next_tick) {
			u64 bytes = 0;
			for (u32 j = 0; j < kk; j++)
				bytes += NZ_MIN(dec[j].pos, dec[j].size);
			NZ_TRY(nz_job_tick(job, done, 8 * bytes));
			next_tick = done + TICK_BYTES;
		}
	}
	for (u32 j = 0; j < kk; j++)
		if (dec[j].corrupt)
			return NZ_ERR_CORRUPT;
	return NZ_OK;
}

static void lanes_destroy(nz_block_codec *bc)
{
	lanes_codec *lc = (lanes_codec *)bc;
	if (!lc)
		return;
	if (lc->model)
		lc->model->ops->destroy(lc->model);
	nz_free_aligned(lc->probs);
	free(lc->ctx);
	free(lc->next);
	free(lc->sub_of);
	free(lc);
}

static const nz_block_codec_ops lanes_ops = {
	.encode = lanes_encode,
	.decode = lanes_decode,
	.destroy = lanes_destroy,
};

int nz_lanes_codec_create(nz_byte_model *model, u32 lanes, nz_exec *ex,
			  nz_block_codec **out)
{
	*out = NULL;
	lanes_codec *lc = calloc(1, sizeof(*lc));
	if (!lc) {
		model->ops->destroy(model);
		return NZ_ERR_NOMEM;
	}
	lc->base.ops = &lanes_ops;
	lc->base.max_substreams = NZ_MAX_SUBSTREAMS;
	lc->model = model;
	lc->ex = ex;
	lc->max_lanes = lanes;
	lc->ctx_len = model->context;
	lc->ctx = calloc(lanes, NZ_MAX(lc->ctx_len, 1u));
	lc->probs = nz_malloc_aligned(nz_mul_size((size_t)lanes * 256, sizeof(float)));
	lc->next = calloc(lanes, 1);
	lc->sub_of = calloc(lanes, sizeof(u32));
	if (!lc->ctx || !lc->probs || !lc->next || !lc->sub_of || lc->ctx_len == 0) {
		lanes_destroy(&lc->base);
		return NZ_ERR_NOMEM;
	}
	*out = &lc->base;
	return NZ_OK;
}

double nz_lanes_codec_ideal_bits(const nz_block_codec *bc)
{
	return ((const lanes_codec *)bc)->ideal_bits;
}

void nz_lanes_codec_measure(nz_block_codec *bc, int on) { ((lanes_codec *)bc)->measure = on; }
