/*
 * state_map.c - the update rates of the adaptive probabilities (state_map.h).
 */
#include "cm/state_map.h"

void nz_cm_sm_rates_init(cm_sm_rates *r)
{
	for (int n = 0; n < 1024; n++)
		r->dt[n] = (s32)((1u << 17) / (u32)(2 * n + 3));
}

void nz_cm_sm_fill(u32 *t, size_t n, u32 v)
{
	for (size_t i = 0; i < n; i++)
		t[i] = v;
}
