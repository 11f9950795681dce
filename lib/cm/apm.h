/*
 * apm.h - an adaptive probability map (SSE stage): it refines a probability
 * given a small context. Per context, 33 entries at stretched probabilities
 * -2048, -1920, ..., 2048 hold learned outputs; the input is interpolated
 * between its two neighbours, and the nearer one (with CM_F_APM2 both) learns
 * from the bit like a state map (count limit 255). Starts as the identity
 * (squash of each point).
 * The chain of stages and their contexts is the assembling model's
 * (cm_model.c, "SSE"); a stage adds no mixer input.
 */
#ifndef NZ_CM_APM_H
#define NZ_CM_APM_H

#include "cm/tables.h"

#define CM_APM_LIMIT 255 /* SSE count limit */

typedef struct cm_apm {
	u32 *t;      /* contexts x 33 entries: 22-bit probability, 10-bit count */
	u8 *ready;   /* one bit per context: its row of t holds its values. Rows are
		      * filled with the initial row on first use, so a reset clears
		      * nctx / 8 bytes instead of writing nctx * 132 (19.5 MB at -9) */
	u32 nctx;
	u32 idx;     /* entry to update (the nearer of the two) */
	u32 lo;      /* the lower of the two */
	int both;    /* CM_F_APM2: both learn */
	u32 row[33]; /* the initial row of every context */
} cm_apm;

int nz_cm_apm_init(cm_apm *a, u32 ctx_bits);
void nz_cm_apm_free(cm_apm *a);
void nz_cm_apm_reset(cm_apm *a);
NZ_INLINE u64 cm_apm_memory(u32 ctx_bits)
{
	return ((u64)33 << ctx_bits) * 4 + ((u64)1 << ctx_bits) / 8;
}

/* The 16-bit refined probability of the 12-bit pr12 in context ctx < nctx. */
NZ_INLINE u32 cm_apm_p(cm_apm *a, const cm_logistic *lg, u32 pr12, u32 ctx)
{
	int s = cm_stretch(lg, (int)pr12) + 2048;
	int lo = s >> 7, w = s & 127;
	if (!(a->ready[ctx >> 3] & (1u << (ctx & 7)))) {
		memcpy(a->t + (size_t)ctx * 33, a->row, sizeof(a->row));
		a->ready[ctx >> 3] |= (u8)(1u << (ctx & 7));
	}
	u32 idx = ctx * 33 + (u32)lo;
	a->idx = idx + (w >> 6);
	a->lo = idx;
	return (u32)(((u64)(a->t[idx] >> 10) * (u32)(128 - w) + (u64)(a->t[idx + 1] >> 10) * (u32)w) >> 13);
}

NZ_INLINE void cm_apm_update(cm_apm *a, const cm_tables *T, int y)
{
	if (a->both) {
		cm_sm_update(&T->r, &a->t[a->lo], y, CM_APM_LIMIT);
		cm_sm_update(&T->r, &a->t[a->lo + 1], y, CM_APM_LIMIT);
	} else {
		cm_sm_update(&T->r, &a->t[a->idx], y, CM_APM_LIMIT);
	}
}

/* Start loading context ctx's row. */
NZ_INLINE void cm_apm_prefetch(const cm_apm *a, u32 ctx)
{
	const u32 *r = a->t + ctx * 33;
	__builtin_prefetch(r);
	__builtin_prefetch(r + 16);
	__builtin_prefetch(r + 32);
}

/* A direct map from (context, 12-bit probability) to the counts of zeros and ones
 * seen there, the probability their ratio (paq8px's APMPost): the last stage,
 * which corrects what the chain before it still gets wrong at each probability. */
typedef struct cm_apm_post {
	u32 *t;     /* contexts x 4096 x {n0, n1} */
	u32 nctx;
	u32 idx;
} cm_apm_post;

int nz_cm_apm_post_init(cm_apm_post *a, u32 nctx);
void nz_cm_apm_post_free(cm_apm_post *a);
void nz_cm_apm_post_reset(cm_apm_post *a);
NZ_INLINE u64 cm_apm_post_memory(u32 nctx) { return (u64)nctx * 4096 * 8; }

/* The 16-bit probability of a 12-bit pr12 in context ctx. */
NZ_INLINE u32 cm_apm_post_p(cm_apm_post *a, u32 pr12, u32 ctx)
{
	a->idx = (ctx * 4096 + pr12) * 2;
	u64 n0 = (u64)a->t[a->idx] * 2 + 1, n1 = (u64)a->t[a->idx + 1] * 2 + 1;
	return (u32)((n1 << 16) / (n0 + n1));
}

NZ_INLINE void cm_apm_post_update(cm_apm_post *a, int y)
{
	u32 *t = a->t + a->idx;
	t[y]++;
	if (t[y] >= (1u << 30)) {
		t[0] >>= 1;
		t[1] >>= 1;
	}
}

#endif /* NZ_CM_APM_H */
