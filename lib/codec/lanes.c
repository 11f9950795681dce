/*
 * lanes.c - the lane driver. A block is cut into B' contiguous lanes that advance
 * together; each step the model predicts every active lane's next byte at once (a
 * batch: the seeds' key to speed), the range coders code the true bytes, and the
 * model learns from them. The decoder makes the same calls in the same order.
 *
 * Lanes are spread over K substreams (one range coder each, a contiguous range of
 * lanes each). Two drivers produce the same bytes (docs/ENGINE.md, "Pipeline"):
 *
 *   serial    predict -> quantise + code every lane -> update -> slide, step by
 *             step on the calling thread: the reference.
 *   pipeline  the encoder knows every byte, so the model never waits for the
 *             coders: it predicts into the slots of a ring (two halves of H
 *             steps), and each full half is coded by a pool batch of K tasks
 *             (task j: substream j, its steps in order) while the model fills the
 *             other half. The decoder needs step t's bytes before the model can
 *             learn from them, so it decodes the K substreams of each step in
 *             parallel and then lets the model go on.
 *
 * The model's calls and their arguments are the same in both, and every coder
 * touches only its own substream, lanes and counters, so the output cannot depend
 * on timing or on the thread count.
 */
#include <math.h>
#include <stdlib.h>

#include "codec/lanes.h"
#include "common/stage_stats.h"
#include "common/thread_pool.h"
#include "coder/quantize.h"
#include "coder/range_coder.h"
#include "format/frame.h"

#define TICK_BYTES (1u << 16) /* report progress about every 64 KiB */
/* Lane steps per ring half: enough work per coder batch that waking the coder
 * thread costs little (order2 at one lane: 1024 was 10% slower than the serial
 * loop on two threads, 4096 a few % faster), few enough that the ring stays
 * bounded: 2 halves of this many KiB of probabilities whatever the lane count. */
#define HALF_LANE_STEPS 4096u
/* A clock read costs about 20 ns; a step of few lanes (order2: one) costs a few
 * hundred. So the stages are timed on one step in every 32 / lanes (a power of two),
 * scaled up at the block's end: order2 (one lane) is about 3% slower for the
 * counters, models of 32 lanes and more not measurably. */
#define TIMED_LANE_STEPS 32u

/* One substream: its lanes, its coder and what its coder thread measures. */
typedef struct substream {
	u32 lo, hi;            /* lanes [lo, hi) */
	nz_rc_encoder enc;
	nz_rc_decoder dec;
	int error;             /* decode: NZ_ERR_CORRUPT once the substream overran or
				* its code left the range */
	double ideal_bits;
	u64 quantise_ns, code_ns;
} substream;

typedef struct lanes_codec lanes_codec;

/* A half of the ring and the pool batch that codes it. */
typedef struct ring_half {
	lanes_codec *lc;
	nz_batch batch;
	u32 first, count;      /* slots [first, first + count) hold steps to code */
	int running;           /* started and not yet waited for */
} ring_half;

struct lanes_codec {
	nz_block_codec base;
	nz_byte_model *model;
	nz_thread_pool *pool;  /* the execution context's pool; NULL or one thread: coders run inline */
	u32 max_lanes;
	u32 ctx_len;
	u8 *ctx;               /* [lanes][ctx_len] sliding context of each lane */
	u8 *next;              /* [lanes] true bytes of the step */
	u32 *freq;             /* [lanes][256] quantised frequencies (lane i: coder of its substream) */
	float *ring;           /* [2 * half][lanes][256] probabilities of the steps in flight */
	size_t *slot_step;     /* [2 * half] step t held by each slot */
	u32 *slot_active;      /* [2 * half] active lanes of that step */
	u32 half;              /* slots per ring half */
	u32 sample_every;      /* a power of two: stages are timed on the steps */
	size_t sample_mask;    /* t with (t & sample_mask) == 0 (no division per step) */
	nz_stage_stats sampled; /* the model's stage times on the timed steps */
	ring_half halves[2];
	substream sub[NZ_MAX_SUBSTREAMS];
	u32 kk;                /* substreams in use in this block */
	const u8 *src;         /* encode: the block */
	u8 *dst;               /* decode: the block */
	size_t len;            /* bytes per lane */
	int pipeline;
	int measure;
	double ideal_bits;
};

/* Slots per ring half for a lane count, and no more than half the steps of the
 * largest block: a small file or block does not allocate (and, under ASan, map
 * and poison) the 8 MiB ring that long blocks use. Only the batching of the
 * coders depends on it, never the bytes written. */
static u32 half_slots(u32 lanes, size_t max_block)
{
	lanes = NZ_MAX(lanes, 1u);
	const size_t steps = max_block / lanes + 1; /* at least a block's steps */
	return (u32)NZ_MAX((size_t)1, NZ_MIN((size_t)(HALF_LANE_STEPS / lanes), (steps + 1) / 2));
}

/* The element counts of the codec's buffers, for its allocation and for
 * nz_lanes_codec_memory (one place, so the estimate cannot drift). */
typedef struct lanes_sizes {
	size_t slots;   /* ring slots (two halves) */
	size_t ring;    /* floats: slots x lanes x 256 */
	size_t freq;    /* u32: lanes x 256 */
	size_t ctx;     /* bytes: lanes x context */
} lanes_sizes;

static lanes_sizes sizes_of(u32 lanes, u32 ctx_len, size_t max_block)
{
	lanes_sizes z;
	z.slots = 2 * (size_t)half_slots(lanes, max_block);
	z.ring = nz_mul_size(z.slots * lanes, 256);
	z.freq = (size_t)lanes * 256;
	z.ctx = (size_t)lanes * NZ_MAX(ctx_len, 1u);
	return z;
}

static float *slot_probs(const lanes_codec *lc, u32 slot)
{
	return lc->ring + (size_t)slot * lc->max_lanes * 256;
}

/* Shared set-up of encode and decode: geometry, substream ranges, model reset.
 * Lane i belongs to substream floor(i * K' / B') (docs/FORMAT.md). */
static int begin(lanes_codec *lc, size_t n, int keep_state, u32 k, size_t *len,
		 u32 *used, size_t *last_len)
{
	nz_lanes_geometry(n, lc->max_lanes, len, used);
	*last_len = n - (size_t)(*used - 1) * *len;
	lc->len = *len;
	lc->kk = NZ_MIN(k, *used);
	for (u32 j = 0; j < lc->kk; j++) {
		substream *ss = &lc->sub[j];
		memset(ss, 0, sizeof(*ss));
		/* the first lane i with i * K' / B' >= j */
		ss->lo = (u32)(((u64)j * *used + lc->kk - 1) / lc->kk);
		ss->hi = (u32)(((u64)(j + 1) * *used + lc->kk - 1) / lc->kk);
	}
	memset(lc->ctx, 0, (size_t)*used * lc->ctx_len);
	lc->ideal_bits = 0;
	return lc->model->ops->begin_block(lc->model, *used, keep_state);
}

/* Point the model at the counters for the timed steps only. */
static void timed_step(lanes_codec *lc, size_t t)
{
	lc->model->stats = (t & lc->sample_mask) == 0 ? &lc->sampled : NULL;
}

/* The per-block accounting into the codec's counters: the sampled stage times
 * scaled to every step, the waits and totals as measured. */
static void end_block(lanes_codec *lc, size_t n, size_t steps, u64 t0)
{
	nz_stage_stats *st = &lc->base.stats;
	const u64 s = lc->sample_every;
	for (u32 j = 0; j < lc->kk; j++) {
		st->quantise_ns += s * lc->sub[j].quantise_ns;
		st->code_ns += s * lc->sub[j].code_ns;
		lc->ideal_bits += lc->sub[j].ideal_bits;
	}
	st->forward_ns += s * lc->sampled.forward_ns;
	st->backward_ns += s * lc->sampled.backward_ns;
	st->adam_ns += s * lc->sampled.adam_ns;
	memset(&lc->sampled, 0, sizeof(lc->sampled));
	lc->model->stats = NULL;
	st->bytes += n;
	st->steps += steps;
	st->total_ns += nz_now_ns() - t0;
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

/* Quantise lanes [lo, hi) of one step; returns the lanes' frequency rows and,
 * on a timed step, the time the quantisation ended (0 otherwise). */
static u32 *quantise_lanes(lanes_codec *lc, substream *ss, const float *probs, u32 hi,
			   int timed, u64 *t_end)
{
	const u64 t0 = timed ? nz_now_ns() : 0;
	for (u32 i = ss->lo; i < hi; i++)
		nz_quantize(probs + 256 * (size_t)i, lc->freq + 256 * (size_t)i);
	*t_end = timed ? nz_now_ns() : 0;
	ss->quantise_ns += *t_end - t0;
	return lc->freq;
}

/* Code step t of substream ss: its lanes below hi (the step's active count). */
static void encode_step(lanes_codec *lc, substream *ss, const float *probs, size_t t,
			u32 hi)
{
	const int timed = (t & lc->sample_mask) == 0;
	u64 t0;
	const u32 *freq = quantise_lanes(lc, ss, probs, hi, timed, &t0);
	for (u32 i = ss->lo; i < hi; i++) {
		const u8 s = lc->src[(size_t)i * lc->len + t];
		const u32 *f = freq + 256 * (size_t)i;
		u32 cum = 0;
		for (u32 x = 0; x < s; x++)
			cum += f[x];
		nz_rc_encode(&ss->enc, cum, f[s]);
		if (lc->measure)
			ss->ideal_bits -= log2((double)probs[256 * (size_t)i + s]);
	}
	if (timed)
		ss->code_ns += nz_now_ns() - t0;
}

/* Pool task: substream j codes the steps of one ring half, in order. */
static void encode_half_task(void *arg, u32 j, u32 worker)
{
	(void)worker;
	ring_half *h = arg;
	lanes_codec *lc = h->lc;
	substream *ss = &lc->sub[j];
	for (u32 q = 0; q < h->count; q++) {
		const u32 slot = h->first + q;
		const u32 hi = NZ_MIN(ss->hi, lc->slot_active[slot]);
		encode_step(lc, ss, slot_probs(lc, slot), lc->slot_step[slot], hi);
	}
}

static int tick_encode(lanes_codec *lc, const nz_buf *sub, const nz_job *job, u64 done)
{
	u64 bits = 0;
	for (u32 j = 0; j < lc->kk; j++)
		bits += 8 * (u64)sub[j].size;
	return nz_job_tick(job, done, bits);
}

/* The reference: each step is coded before the model learns from it. */
static int encode_serial(lanes_codec *lc, size_t len, u32 used, size_t last_len,
			 nz_buf *sub, const nz_job *job)
{
	float *probs = slot_probs(lc, 0);
	u64 done = 0, next_tick = TICK_BYTES;
	for (size_t t = 0; t < len; t++) {
		const u32 active = t < last_len ? used : used - 1;
		timed_step(lc, t);
		NZ_TRY(lc->model->ops->predict(lc->model, lc->ctx, active, probs));
		for (u32 j = 0; j < lc->kk; j++)
			encode_step(lc, &lc->sub[j], probs, t, NZ_MIN(lc->sub[j].hi, active));
		for (u32 i = 0; i < active; i++)
			lc->next[i] = lc->src[(size_t)i * len + t];
		NZ_TRY(lc->model->ops->update(lc->model, lc->next, active));
		slide(lc, active);
		done += active;
		if (done >= next_tick) {
			NZ_TRY(tick_encode(lc, sub, job, done));
			next_tick = done + TICK_BYTES;
		}
	}
	return NZ_OK;
}

static void wait_half(lanes_codec *lc, ring_half *h)
{
	if (!h->running)
		return;
	const u64 t0 = nz_now_ns();
	nz_thread_pool_wait(lc->pool, &h->batch);
	lc->base.stats.wait_ns += nz_now_ns() - t0;
	h->running = 0;
}

/* The model runs ahead of the coders by up to two ring halves. At most one coder
 * batch is in flight: a half is started only after the previous one is done, so
 * substream j's steps are coded in order by one task at a time. */
static int encode_pipeline(lanes_codec *lc, size_t len, u32 used, size_t last_len,
			   nz_buf *sub, const nz_job *job)
{
	int rc = NZ_OK;
	u32 cur = 0, fill = 0;
	u64 done = 0, next_tick = TICK_BYTES;
	for (size_t t = 0; t < len; t++) {
		ring_half *h = &lc->halves[cur];
		const u32 slot = h->first + fill;
		const u32 active = t < last_len ? used : used - 1;
		lc->slot_step[slot] = t;
		lc->slot_active[slot] = active;
		timed_step(lc, t);
		rc = lc->model->ops->predict(lc->model, lc->ctx, active, slot_probs(lc, slot));
		if (rc)
			break;
		for (u32 i = 0; i < active; i++)
			lc->next[i] = lc->src[(size_t)i * len + t];
		if ((rc = lc->model->ops->update(lc->model, lc->next, active)))
			break;
		slide(lc, active);
		done += active;
		if (++fill < lc->half && t + 1 < len)
			continue;
		/* The half is full: once the other half is coded, code this one. */
		wait_half(lc, &lc->halves[cur ^ 1]);
		if (done >= next_tick) { /* no coder runs now: the sizes are stable */
			if ((rc = tick_encode(lc, sub, job, done)))
				break;
			next_tick = done + TICK_BYTES;
		}
		h->count = fill;
		h->running = 1;
		nz_thread_pool_start(lc->pool, &h->batch, encode_half_task, h, lc->kk);
		cur ^= 1;
		fill = 0;
	}
	/* On every path: no batch may outlive this call. */
	wait_half(lc, &lc->halves[0]);
	wait_half(lc, &lc->halves[1]);
	return rc;
}

static int lanes_encode(nz_block_codec *bc, const u8 *src, size_t n, int keep_state,
			nz_buf *sub, u32 k, const nz_job *job)
{
	lanes_codec *lc = (lanes_codec *)bc;
	const u64 t0 = nz_now_ns();
	size_t len, last_len;
	u32 used;
	NZ_TRY(begin(lc, n, keep_state, k, &len, &used, &last_len));
	for (u32 j = 0; j < lc->kk; j++)
		nz_rc_encoder_init(&lc->sub[j].enc, &sub[j]);
	lc->src = src;
	/* With one thread nothing can overlap: the serial loop is the same work
	 * without the ring's memory traffic. */
	const int pipe = lc->pipeline && nz_thread_pool_threads(lc->pool) > 1;
	const int rc = pipe ? encode_pipeline(lc, len, used, last_len, sub, job)
			    : encode_serial(lc, len, used, last_len, sub, job);
	lc->src = NULL;
	end_block(lc, n, len, t0);
	NZ_TRY(rc);
	for (u32 j = 0; j < lc->kk; j++)
		NZ_TRY(nz_rc_encoder_finish(&lc->sub[j].enc));
	return NZ_OK;
}

/* Decode step t of substream ss into dst and next; stops at an overrun. */
static void decode_step(lanes_codec *lc, substream *ss, const float *probs, size_t t,
			u32 hi)
{
	if (ss->error)
		return;
	const int timed = (t & lc->sample_mask) == 0;
	u64 t0;
	const u32 *freq = quantise_lanes(lc, ss, probs, hi, timed, &t0);
	nz_rc_decoder *d = &ss->dec;
	u32 cum[257];
	for (u32 i = ss->lo; i < hi; i++) {
		const u32 *f = freq + 256 * (size_t)i;
		nz_cumulate(f, cum);
		const unsigned s = nz_rc_find_symbol(cum, nz_rc_decode_target(d));
		nz_rc_decode_update(d, cum[s], f[s]);
		/* A valid substream is read at most 7 bytes past its end (the decoder's
		 * 8-byte window runs ahead of the encoder, which flushed one byte):
		 * more means corrupt data, so stop now instead of decoding the rest of
		 * a huge block from zeros. So does a code value outside the range
		 * (d->corrupt): no encoder writes one, and from there on every symbol
		 * decodes as the last one while the model grows sure of it and the
		 * input is barely read (a 200 KB payload of 0xff bytes claiming 1 GiB
		 * decoded all of it, for 6 minutes, before this check). */
		if (nz_unlikely(d->pos > d->size + 7 || d->corrupt)) {
			ss->error = NZ_ERR_CORRUPT;
			break;
		}
		lc->dst[(size_t)i * lc->len + t] = (u8)s;
		lc->next[i] = (u8)s;
	}
	if (timed)
		ss->code_ns += nz_now_ns() - t0;
}

/* One decoded step, as a pool batch: task j decodes substream j. */
typedef struct decode_job {
	lanes_codec *lc;
	size_t t;
	u32 active;
} decode_job;

static void decode_step_task(void *arg, u32 j, u32 worker)
{
	(void)worker;
	const decode_job *dj = arg;
	lanes_codec *lc = dj->lc;
	substream *ss = &lc->sub[j];
	decode_step(lc, ss, slot_probs(lc, 0), dj->t, NZ_MIN(ss->hi, dj->active));
}

static int lanes_decode(nz_block_codec *bc, u8 *dst, size_t n, int keep_state,
			const u8 *const *sub, const size_t *sub_size, u32 k, const nz_job *job)
{
	lanes_codec *lc = (lanes_codec *)bc;
	const u64 t0 = nz_now_ns();
	size_t len, last_len;
	u32 used;
	NZ_TRY(begin(lc, n, keep_state, k, &len, &used, &last_len));
	for (u32 j = lc->kk; j < k; j++)
		if (sub_size[j] != 0)
			return NZ_ERR_CORRUPT; /* substreams without lanes are empty */
	for (u32 j = 0; j < lc->kk; j++)
		nz_rc_decoder_init(&lc->sub[j].dec, sub[j], sub_size[j]);
	/* Substreams decode in parallel only where there are two of them and two
	 * threads; otherwise a batch per step would cost more than it saves. */
	const int parallel = lc->pipeline && lc->kk > 1 && nz_thread_pool_threads(lc->pool) > 1;
	lc->dst = dst;
	int rc = NZ_OK;
	u64 done = 0, next_tick = TICK_BYTES;
	float *probs = slot_probs(lc, 0);
	for (size_t t = 0; t < len && rc == NZ_OK; t++) {
		const u32 active = t < last_len ? used : used - 1;
		timed_step(lc, t);
		if ((rc = lc->model->ops->predict(lc->model, lc->ctx, active, probs)))
			break;
		decode_job dj = {.lc = lc, .t = t, .active = active};
		if (parallel)
			nz_thread_pool_run(lc->pool, decode_step_task, &dj, lc->kk);
		else
			for (u32 j = 0; j < lc->kk; j++)
				decode_step_task(&dj, j, 0);
		for (u32 j = 0; j < lc->kk; j++)
			if (lc->sub[j].error)
				rc = lc->sub[j].error;
		if (rc || (rc = lc->model->ops->update(lc->model, lc->next, active)))
			break;
		slide(lc, active);
		done += active;
		if (done >= next_tick) {
			u64 bytes = 0;
			for (u32 j = 0; j < lc->kk; j++)
				bytes += NZ_MIN(lc->sub[j].dec.pos, lc->sub[j].dec.size);
			rc = nz_job_tick(job, done, 8 * bytes);
			next_tick = done + TICK_BYTES;
		}
	}
	lc->dst = NULL;
	end_block(lc, n, len, t0);
	NZ_TRY(rc);
	for (u32 j = 0; j < lc->kk; j++)
		if (lc->sub[j].dec.corrupt)
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
	nz_free_aligned(lc->ring);
	free(lc->freq);
	free(lc->slot_step);
	free(lc->slot_active);
	free(lc->ctx);
	free(lc->next);
	free(lc);
}

static const nz_block_codec_ops lanes_ops = {
	.encode = lanes_encode,
	.decode = lanes_decode,
	.destroy = lanes_destroy,
};

int nz_lanes_codec_create(nz_byte_model *model, u32 lanes, size_t max_block, nz_exec *ex,
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
	lc->sample_every = 1;
	while (lc->sample_every * 2 * NZ_MAX(lanes, 1u) <= TIMED_LANE_STEPS)
		lc->sample_every *= 2;
	lc->sample_mask = lc->sample_every - 1;
	lc->pool = nz_exec_pool(ex);
	lc->max_lanes = lanes;
	lc->ctx_len = model->context;
	const char *env = getenv("NZIP_LANES");
	lc->pipeline = !(env && strcmp(env, "serial") == 0);
	lc->half = half_slots(lanes, max_block);
	const lanes_sizes z = sizes_of(lanes, lc->ctx_len, max_block);
	lc->halves[0] = (ring_half){.lc = lc, .first = 0};
	lc->halves[1] = (ring_half){.lc = lc, .first = lc->half};
	lc->ctx = calloc(z.ctx, 1);
	lc->ring = nz_malloc_aligned(nz_mul_size(z.ring, sizeof(float)));
	lc->freq = calloc(z.freq, sizeof(u32));
	lc->slot_step = calloc(z.slots, sizeof(size_t));
	lc->slot_active = calloc(z.slots, sizeof(u32));
	lc->next = calloc(lanes, 1);
	if (!lc->ctx || !lc->ring || !lc->freq || !lc->slot_step || !lc->slot_active ||
	    !lc->next || lc->ctx_len == 0) {
		lanes_destroy(&lc->base);
		return NZ_ERR_NOMEM;
	}
	*out = &lc->base;
	return NZ_OK;
}

u64 nz_lanes_codec_memory(u32 lanes, u32 ctx_len, size_t max_block)
{
	const lanes_sizes z = sizes_of(lanes, ctx_len, max_block);
	return (u64)z.ring * sizeof(float) + (u64)z.freq * sizeof(u32) +
	       (u64)z.slots * (sizeof(size_t) + sizeof(u32)) + z.ctx + lanes /* next */;
}

double nz_lanes_codec_ideal_bits(const nz_block_codec *bc)
{
	return ((const lanes_codec *)bc)->ideal_bits;
}

void nz_lanes_codec_measure(nz_block_codec *bc, int on) { ((lanes_codec *)bc)->measure = on; }

void nz_lanes_codec_set_pipeline(nz_block_codec *bc, int on)
{
	((lanes_codec *)bc)->pipeline = on;
}
