/*
 * apm.c - the SSE stage's table (apm.h).
 */
#include "cm/apm.h"

int nz_cm_apm_init(cm_apm *a, u32 ctx_bits)
{
	a->nctx = 1u << ctx_bits;
	a->idx = a->lo = 0;
	a->t = nz_big_alloc((size_t)a->nctx * 33 * 4); /* rows filled on first use */
	a->ready = nz_malloc_aligned(a->nctx / 8);  /* nctx >= 8 */
	for (int j = 0; j < 33; j++)
		a->row[j] = ((u32)nz_cm_squash_calc((j - 16) * 128) << 20) | 6;
	return a->t && a->ready ? NZ_OK : NZ_ERR_NOMEM;
}

void nz_cm_apm_free(cm_apm *a)
{
	if (a->t)
		nz_big_free(a->t, (size_t)a->nctx * 33 * 4);
	nz_free_aligned(a->ready);
	a->t = NULL;
	a->ready = NULL;
}

void nz_cm_apm_reset(cm_apm *a)
{
	memset(a->ready, 0, a->nctx / 8);
}

int nz_cm_apm_post_init(cm_apm_post *a, u32 nctx)
{
	a->nctx = nctx;
	a->idx = 0;
	a->t = nz_malloc_aligned((size_t)nctx * 4096 * 8);
	return a->t ? NZ_OK : NZ_ERR_NOMEM;
}

void nz_cm_apm_post_free(cm_apm_post *a)
{
	nz_free_aligned(a->t);
	a->t = NULL;
}

/* Each starts as the identity, as if it had seen 2048 bits at its probability. */
void nz_cm_apm_post_reset(cm_apm_post *a)
{
	for (u32 c = 0; c < a->nctx; c++)
		for (u32 j = 0; j < 4096; j++) {
			a->t[(c * 4096 + j) * 2] = (4096 - j) >> 1;
			a->t[(c * 4096 + j) * 2 + 1] = j >> 1;
		}
}
