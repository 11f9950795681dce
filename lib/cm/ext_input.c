/*
 * ext_input.c - the external byte distribution's state (ext_input.h).
 */
#include "cm/ext_input.h"

u32 nz_cm_ext_inputs(const cm_params *p) { return (p->flags & CM_F_EXT) ? 2 : 0; }

int nz_cm_ext_init(cm_ext_input *e, const cm_params *p)
{
	e->on = (p->flags & CM_F_EXT) != 0;
	e->ext_cum = nz_malloc_aligned(257 * 4);
	return e->ext_cum ? NZ_OK : NZ_ERR_NOMEM;
}

void nz_cm_ext_free(cm_ext_input *e)
{
	nz_free_aligned(e->ext_cum);
	e->ext_cum = NULL;
}

void nz_cm_ext_reset(cm_ext_input *e) { nz_cm_sm_fill(e->ext_sm, 2 * 256, CM_SM_HALF); }

void nz_cm_ext_set_probs(cm_ext_input *e, const u16 probs[256])
{
	e->ext_cum[0] = 0;
	for (int i = 0; i < 256; i++)
		e->ext_cum[i + 1] = e->ext_cum[i] + probs[i] + 1;
}

int nz_cm_ext_begin_byte(cm_ext_input *e, const u8 *hist, size_t n)
{
	u16 probs[256];
	NZ_TRY(e->ext.predict(e->ext.opaque, hist, n, probs));
	nz_cm_ext_set_probs(e, probs);
	return NZ_OK;
}
