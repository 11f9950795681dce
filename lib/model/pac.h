/*
 * pac.h - the PAC network body (damonwan1/SEP 1PAC/mlp_scalable_bmm.py), shared by
 * the PAC model (pac.c) and the SEP model (sep.c), which puts its patch
 * front-end before it.
 *
 * The body reads x (lanes, H) and runs NL pairs (BE layer l, Linear layer l):
 *   BE layer l cuts H into NT = H / TW tokens of TW = E * 2^l features; each token
 *     goes through y = LN1(t); o = (y + gelu(LN2(y . U_l[lane] + bias_l[lane]))) / 2.
 *     At a block's first step every token is computed; afterwards only the newest
 *     (the last TW features of x) is, and the NT - 1 older outputs come from a
 *     detached per-lane cache of the previous steps (PAC recomputes level 0 every
 *     step; SEP caches it too).
 *   Linear layer l: xl = LN1(x); out = (xl + gelu(LN2(V gelu(U xl + bu) + bv))) / 2,
 *     H -> F -> H.
 * then logits = Wo x + bo.
 */
#ifndef NZ_PAC_H
#define NZ_PAC_H

#include "model/seed_common.h"

#define PAC_MAX_LEVELS 8

typedef struct pac_dims {
	u32 lanes;
	u32 C;        /* bytes of one window (the body's tokens span C bytes) */
	u32 E;        /* features per byte */
	u32 H;        /* C * E */
	u32 F;        /* Linear layers' inner width */
	u32 NL;       /* levels (BE + Linear pairs) */
	int be_ln1_affine_all;  /* SEP: LN1 affine in every BE layer; PAC: level 0 only */
	int cache_level0;       /* SEP: level 0 uses the cache too */
} pac_dims;

/* Trained tensors of level l: X(name, count), with the token width T, the lanes L,
 * H, F and aff (level l's BE LN1 has parameters) in scope. U and bias are per lane. */
#define PAC_LEVEL_PARAMS(X)                                                          \
	X(be_ln1_g, aff ? T : 0) X(be_ln1_b, aff ? T : 0) X(U, L * T * T)            \
	X(bias, L * T) X(be_ln2_g, T) X(be_ln2_b, T) X(ln1_g, H) X(ln1_b, H)         \
	X(wu, F * H) X(bu, F) X(wv, H * F) X(bv, H) X(ln2_g, H) X(ln2_b, H)
/* The output layer, after the levels (H in scope). */
#define PAC_OUT_PARAMS(X) X(wo, 256 * H) X(bo, 256)
/* Activations of level l per lane, with H, F and the level's token count NT in scope. */
#define PAC_LEVEL_ACTS(X)                                                            \
	X(tin, H) X(y, H) X(m1, NT) X(r1, NT) X(z, H) X(zb, H) X(n, H) X(m2, NT)     \
	X(r2, NT) X(gg, H) X(o, H) X(out, H) X(xl, H) X(lm1, 1) X(lr1, 1) X(hpre, F) \
	X(h, F) X(v, H) X(n2, H) X(lm2, 1) X(lr2, 1) X(gg2, H) X(lout, H)
/* The body's gradient scratch and logits per lane (H, F in scope). */
#define PAC_BODY_ACTS(X)                                                             \
	X(dA, H) X(dB, H) X(dC, H) X(dD, H) X(dE, H) X(dF1, F) X(dF2, F) X(logits, 256)

SEED_STRUCT(pac_level_params, PAC_LEVEL_PARAMS);
SEED_STRUCT(pac_out_params, PAC_OUT_PARAMS);

typedef struct pac_level_acts {
	u32 rows;     /* tokens per lane computed at the last step */
	PAC_LEVEL_ACTS(SEED_FIELD_)
} pac_level_acts;

typedef struct pac_body {
	pac_dims d;
	pac_level_params p[PAC_MAX_LEVELS], g[PAC_MAX_LEVELS];
	pac_out_params po, go;
	pac_level_acts a[PAC_MAX_LEVELS];
	PAC_BODY_ACTS(SEED_FIELD_)
	nz_slide_cache cache[PAC_MAX_LEVELS];
} pac_body;

/* Token width and count of level l. */
NZ_INLINE u32 pac_tw(const pac_dims *d, u32 l) { return d->E << l; }
NZ_INLINE u32 pac_nt(const pac_dims *d, u32 l) { return d->H / pac_tw(d, l); }

/* Check a body's dims (NZ_OK or NZ_ERR_UNSUPPORTED). */
int nz_pac_body_check(const pac_dims *d);
/* Add the body's trained tensors to a layout (after the caller's own); after
 * nz_seed_model_params, nz_pac_body_carve points the body at them from layout entry
 * `first`. */
void nz_pac_body_layout(const pac_dims *d, nz_nn_layout *l);
void nz_pac_body_carve(pac_body *b, seed_model *sm, u32 first);
/* Activations and caches. */
void nz_pac_body_acts(pac_body *b, seed_arena *a);
int nz_pac_body_caches(pac_body *b, nz_nn_ctx *ctx);
void nz_pac_body_free(pac_body *b, nz_nn_ctx *ctx);
/* Initial weights; `seed_out` picks the output layer's init (PAC: N(0, 0.01) for
 * weight and bias; SEP: torch's Linear default). */
void nz_pac_body_init(pac_body *b, nz_nn_ctx *ctx, nz_rng *r, int torch_default_out);
void nz_pac_body_reset_lanes(pac_body *b);
/* Forward from x (B, H) to probs; backward from dlogits to dx (B, H), written,
 * with each weight's update fused in when P is in a step (nn.h). */
void nz_pac_body_forward(pac_body *b, nz_nn_ctx *c, const float *x, u32 B, int first,
		      float *probs);
void nz_pac_body_backward(pac_body *b, nz_nn_ctx *c, nz_nn_params *P, const float *dlogits,
			  u32 B, float *dx);

/* Multiply-adds per byte of the body (steady state) and its tensor counts, from
 * the tables above. */
void nz_pac_body_cost(const pac_dims *d, seed_cost *c);
/* Floats of the body's activations and caches. */
u64 nz_pac_body_act_floats(const pac_dims *d);

#endif /* NZ_PAC_H */
