/*
 * apm.c - the SSE stage's table (apm.h).
 */
#include "cm/apm.h"

int nz_cm_apm_init(cm_apm *a, u32 ctx_bits)
{
	a->nctx = 1u << ctx_bits;
	a->idx = 0;
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
