/*
 * logistic.c - the squash and stretch tables (logistic.h).
 */
#include "cm/logistic.h"

static const s16 squash33[33] = {
	1, 2, 4, 6, 10, 17, 27, 45, 74, 120, 194, 311, 488, 747, 1102, 1546,
	2048, 2550, 2994, 3349, 3608, 3785, 3902, 3976, 4022, 4051, 4069, 4079,
	4086, 4090, 4092, 4094, 4095};

int nz_cm_squash_calc(int d)
{
	if (d > 2047)
		d = 2047;
	if (d < -2047)
		d = -2047;
	int w = d & 127;
	int i = (d >> 7) + 16;
	return (squash33[i] * (128 - w) + squash33[i + 1] * w + 64) >> 7;
}

void nz_cm_logistic_init(cm_logistic *lg)
{
	for (int d = -2048; d < 2048; d++)
		lg->squash_t[d + 2048] = (s16)nz_cm_squash_calc(d);
	int pi = 0;
	for (int x = -2047; x <= 2047; x++) {
		int v = nz_cm_squash_calc(x);
		for (int j = pi; j <= v; j++)
			lg->stretch_t[j] = (s16)x;
		pi = v + 1;
	}
	for (int j = pi; j < 4096; j++)
		lg->stretch_t[j] = 2047;
}
