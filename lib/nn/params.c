/*
 * params.c - parameter layouts and blocks, Adam, the seeded generator and the
 * initialisers, and state hashing. Random numbers are drawn on the host in
 * plain C (never on a backend), with nz_logf and IEEE sqrt, so they are the
 * same everywhere; the buf_ initialisers upload them. Engine buffers are only
 * touched through the backend (fill, upload, hash, adam).
 */
#include <float.h>
#include <math.h>

#include "nn/engine_internal.h"

/* Results are defined in binary32 arithmetic: no excess precision. */
NZ_STATIC_ASSERT(FLT_EVAL_METHOD == 0);

/* ---- layout ---- */

void nz_nn_layout_init(nz_nn_layout *l) { memset(l, 0, sizeof(*l)); }

u32 nz_nn_layout_add(nz_nn_layout *l, const char *name, size_t count)
{
	if (l->n >= NZ_NN_MAX_TENSORS) {
		l->overflow = 1;
		return l->n;
	}
	nz_nn_tensor_info *t = &l->t[l->n];
	t->name = name;
	t->offset = l->total;
	t->count = count;
	l->total += (count + 15) & ~(size_t)15;
	return l->n++;
}

void nz_nn_layout_carve(const nz_nn_layout *l, float *base, float **const *fields)
{
	for (u32 i = 0; i < l->n; i++)
		*fields[i] = base + l->t[i].offset;
}

/* ---- parameter blocks ---- */

int nz_nn_params_init(nz_nn_ctx *ctx, nz_nn_params *p, const nz_nn_layout *layout)
{
	memset(p, 0, sizeof(*p));
	if (layout->overflow)
		return NZ_ERR_PARAM;
	p->ctx = ctx;
	p->layout = *layout;
	p->total = layout->total;
	p->mem = nz_nn_calloc(ctx, nz_mul_size(p->total, 4));
	if (!p->mem)
		return NZ_ERR_NOMEM;
	p->param = p->mem;
	p->grad = p->param + p->total;
	p->m = p->grad + p->total;
	p->v = p->m + p->total;
	nz_adam_init(&p->adam);
	return NZ_OK;
}

void nz_nn_params_free(nz_nn_ctx *ctx, nz_nn_params *p)
{
	nz_nn_free_mem(ctx, p->mem);
	p->mem = p->param = p->grad = p->m = p->v = NULL;
}

void nz_nn_params_zero_grad(nz_nn_ctx *ctx, nz_nn_params *p)
{
	nz_nn_fill(ctx, p->grad, p->total, 0.0f);
}

void nz_nn_params_adam_step(nz_nn_ctx *ctx, nz_nn_params *p)
{
	nz_nn_step_begin(ctx, p);
	nz_nn_step_end(ctx, p);
}

static void adam_scalars_next(nz_adam *a, nz_adam_scalars *s, int zero_grad);

void nz_nn_step_begin(nz_nn_ctx *ctx, nz_nn_params *p)
{
	(void)ctx;
	adam_scalars_next(&p->adam, &p->step, 1);
	memset(p->stepped, 0, sizeof(p->stepped));
	p->stepping = 1;
}

void nz_nn_params_adam_range(nz_nn_ctx *ctx, const nz_nn_params *p, float *g, size_t n)
{
	const size_t off = (size_t)(g - p->grad);
	ctx->be->adam(ctx, p->param + off, g, p->m + off, p->v + off, n, &p->step);
}

/* Wait for the queued updates, then step every run of tensors (and the padding
 * between them) that had none: with no fused updates, one flat pass. */
void nz_nn_step_end(nz_nn_ctx *ctx, nz_nn_params *p)
{
	ctx->be->step_wait(ctx);
	size_t from = 0;
	for (u32 i = 0; i <= p->layout.n; i++) {
		const int last = i == p->layout.n;
		if (!last && !p->stepped[i])
			continue;
		const size_t to = last ? p->total : p->layout.t[i].offset;
		if (to > from)
			nz_nn_params_adam_range(ctx, p, p->grad + from, to - from);
		if (!last)
			from = p->layout.t[i].offset + p->layout.t[i].count;
	}
	p->stepping = 0;
}

u64 nz_nn_params_hash(const nz_nn_params *p)
{
	nz_xxh64_state *s = nz_xxh64_create();
	if (!s)
		return 0;
	u8 t[8];
	nz_store_le64(t, p->adam.t);
	nz_nn_ctx *ctx = p->ctx;
	ctx->be->hash(ctx, s, p->param, p->total * sizeof(float));
	ctx->be->hash(ctx, s, p->m, 2 * p->total * sizeof(float));
	nz_xxh64_update(s, t, 8);
	const u64 h = nz_xxh64_digest(s);
	nz_xxh64_free(s);
	return h;
}

u64 nz_nn_hash(const float *p, size_t n) { return nz_xxh64(p, n * sizeof(float)); }

u64 nz_nn_buf_hash(nz_nn_ctx *ctx, const float *buf, size_t n)
{
	nz_xxh64_state *s = nz_xxh64_create();
	if (!s)
		return 0;
	ctx->be->hash(ctx, s, buf, n * sizeof(float));
	const u64 h = nz_xxh64_digest(s);
	nz_xxh64_free(s);
	return h;
}

/* ---- Adam ---- */

void nz_adam_init(nz_adam *a)
{
	memset(a, 0, sizeof(*a));
	a->lr = 1e-3f;
	a->beta1 = 0.9f;
	a->beta2 = 0.999f;
	a->eps = 1e-8f;
	a->weight_decay = 1e-7f;
	a->decoupled = 0;
	a->beta1_t = 1.0;
	a->beta2_t = 1.0;
}

void nz_adam_update(nz_nn_ctx *ctx, nz_adam *a, float *p, float *g, float *m, float *v,
		    size_t n, int zero_grad)
{
	nz_adam_scalars s;
	adam_scalars_next(a, &s, zero_grad);
	ctx->be->adam(ctx, p, g, m, v, n, &s);
}

/* Count a step and compute its scalars (the host part of NUMERICS.md's Adam). */
static void adam_scalars_next(nz_adam *a, nz_adam_scalars *out, int zero_grad)
{
	a->t++;
	a->beta1_t *= (double)a->beta1;
	a->beta2_t *= (double)a->beta2;
	nz_adam_scalars s;
	s.beta1 = a->beta1;
	s.beta2 = a->beta2;
	s.omb1 = 1.0f - a->beta1;
	s.omb2 = 1.0f - a->beta2;
	s.step_size = (float)((double)a->lr / (1.0 - a->beta1_t));
	s.c2 = (float)(1.0 / sqrt(1.0 - a->beta2_t));
	s.eps = a->eps;
	s.zero_grad = zero_grad;
	if (a->decoupled) {
		s.weight_decay = 0.0f;
		s.decay = 1.0f - a->lr * a->weight_decay;
	} else {
		s.weight_decay = a->weight_decay;
		s.decay = 1.0f;
	}
	*out = s;
}

/* ---- seeded generator ---- */

void nz_rng_seed(nz_rng *r, u64 seed, u64 stream)
{
	r->s = seed ^ (stream * 0xD1B54A32D192ED03ull);
	(void)nz_rng_next(r);
}

u64 nz_rng_next(nz_rng *r)
{
	u64 z = (r->s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

float nz_rng_uniform(nz_rng *r) { return (float)(nz_rng_next(r) >> 40) * 0x1p-24f; }

float nz_rng_normal(nz_rng *r)
{
	for (;;) {
		const float u = nz_rng_uniform(r) * 2.0f - 1.0f;
		const float v = nz_rng_uniform(r) * 2.0f - 1.0f;
		const float s = u * u + v * v;
		if (s >= 1.0f || s == 0.0f)
			continue;
		return u * sqrtf(-2.0f * nz_logf(s) / s);
	}
}

void nz_nn_init_const(float *p, size_t n, float value)
{
	for (size_t i = 0; i < n; i++)
		p[i] = value;
}

void nz_nn_init_uniform(float *p, size_t n, float lo, float hi, nz_rng *r)
{
	const float w = hi - lo;
	for (size_t i = 0; i < n; i++)
		p[i] = lo + w * nz_rng_uniform(r);
}

void nz_nn_init_normal(float *p, size_t n, float mean, float std, nz_rng *r)
{
	for (size_t i = 0; i < n; i++)
		p[i] = mean + std * nz_rng_normal(r);
}

void nz_nn_init_linear(float *w, float *b, u32 in, u32 out, nz_rng *r)
{
	const float bound = 1.0f / sqrtf((float)in);
	nz_nn_init_uniform(w, (size_t)in * out, -bound, bound, r);
	if (b)
		nz_nn_init_uniform(b, out, -bound, bound, r);
}

/* ---- the same into engine buffers: drawn on the host, uploaded in pieces ---- */

#define INIT_PIECE 4096

void nz_nn_fill(nz_nn_ctx *ctx, float *buf, size_t n, float value)
{
	ctx->be->fill(ctx, buf, n, value);
}

void nz_nn_buf_init_uniform(nz_nn_ctx *ctx, float *buf, size_t n, float lo, float hi,
			    nz_rng *r)
{
	float piece[INIT_PIECE];
	for (size_t i = 0; i < n; i += INIT_PIECE) {
		const size_t len = NZ_MIN((size_t)INIT_PIECE, n - i);
		nz_nn_init_uniform(piece, len, lo, hi, r);
		nz_nn_upload(ctx, buf + i, piece, len);
	}
}

void nz_nn_buf_init_normal(nz_nn_ctx *ctx, float *buf, size_t n, float mean, float std,
			   nz_rng *r)
{
	float piece[INIT_PIECE];
	for (size_t i = 0; i < n; i += INIT_PIECE) {
		const size_t len = NZ_MIN((size_t)INIT_PIECE, n - i);
		nz_nn_init_normal(piece, len, mean, std, r);
		nz_nn_upload(ctx, buf + i, piece, len);
	}
}

void nz_nn_buf_init_linear(nz_nn_ctx *ctx, float *w, float *b, u32 in, u32 out, nz_rng *r)
{
	const float bound = 1.0f / sqrtf((float)in);
	nz_nn_buf_init_uniform(ctx, w, (size_t)in * out, -bound, bound, r);
	if (b)
		nz_nn_buf_init_uniform(ctx, b, out, -bound, bound, r);
}
