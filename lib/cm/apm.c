/*
 * apm.c - the SSE stage's table (apm.h).
 */
#include "cm/apm.h"

int nz_cm_apm_init(cm_apm *a, u32 ctx_bits)
{
	a->nctx = 1u << ctx_bits;
	a->idx = 0;
	a->t = nz_malloc_aligned((size_t)a->nctx * 33 * 4);
	return a->t ? NZ_OK : NZ_ERR_NOMEM;
}

void nz_cm_apm_free(cm_apm *a)
{
	nz_free_aligned(a->t);
	a->t = NULL;
}

void nz_cm_apm_reset(cm_apm *a)
{
	for (u32 c = 0; c < a->nctx; c++)
		for (int j = 0; j < 33; j++)
			a->t[c * 33 + j] = ((u32)nz_cm_squash_calc((j - 16) * 128) << 20) | 6;
}
