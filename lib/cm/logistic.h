/*
 * logistic.h - squash and stretch, the logistic function and its inverse in
 * integers: every CM component speaks in stretched probabilities
 * st = ln(p / (1 - p)) in 8.8 fixed point (+-2047), the mixer adds them and
 * squash turns the sum back into a 12-bit probability.
 *
 * squash is a 33-point table of 4096 / (1 + e^-x) (integers written in the
 * source) interpolated linearly; stretch is its inverse, found by scanning.
 * Both are tabulated per model at creation (no global state, no libm).
 */
#ifndef NZ_CM_LOGISTIC_H
#define NZ_CM_LOGISTIC_H

#include "cm/cm_common.h"

typedef struct cm_logistic {
	s16 stretch_t[4096]; /* stretch(p) for a 12-bit p */
	s16 squash_t[4096];  /* squash(d) for d in -2048..2047, 12-bit */
} cm_logistic;

/* squash by interpolation (what the table holds). */
int nz_cm_squash_calc(int d);
void nz_cm_logistic_init(cm_logistic *lg);

NZ_INLINE int cm_squash(const cm_logistic *lg, int d)
{
	if (d > 2047)
		d = 2047;
	if (d < -2047)
		d = -2047;
	return lg->squash_t[d + 2048];
}

NZ_INLINE int cm_stretch(const cm_logistic *lg, int p12) { return lg->stretch_t[p12]; }

#endif /* NZ_CM_LOGISTIC_H */
