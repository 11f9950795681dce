/*
 * state_map.c - the update rates of the adaptive probabilities (state_map.h).
 */
#include "cm/state_map.h"

void nz_cm_sm_rates_init(cm_sm_rates *r)
{
	for (int n = 0; n < 1024; n++)
		r->dt[n] = (s32)((1u << 17) / (u32)(2 * n + 3));
}

/* A few entries by hand, then doubling copies: the same words as a loop, but a
 * handful of memcpy calls, which under ASan is a handful of range checks instead
 * of one per word (resets fill up to 100 KB of state maps per model). */
void nz_cm_sm_fill(u32 *t, size_t n, u32 v)
{
	size_t done = n < 16 ? n : 16;
	for (size_t i = 0; i < done; i++)
		t[i] = v;
	while (done < n) {
		const size_t step = done < n - done ? done : n - done;
		memcpy(t + done, t, step * sizeof(*t));
		done += step;
	}
}
