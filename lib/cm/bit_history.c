/*
 * bit_history.c - generating the bit-history state machine (bit_history.h).
 */
#include "cm/bit_history.h"

/* The counts kept: at most 256 states. */
static int state_ok(int n0, int n1)
{
	int a = n0 > n1 ? n0 : n1, b = n0 > n1 ? n1 : n0;
	static const int maxa[6] = {40, 36, 14, 7, 5, 0};
	return b < 5 && a <= maxa[b] && (b > 0 || a <= maxa[0]);
}

typedef struct { int n0, n1, last; } cm_st;

static int st_has_last(int n0, int n1) { return n0 > 0 && n1 > 0 && n0 + n1 < 16; }

void nz_cm_bit_history_init(cm_bit_history *bh)
{
	cm_st st[256];
	int ns = 0;
	for (int tot = 0; tot <= 80 && ns < 256; tot++)
		for (int n1 = 0; n1 <= tot; n1++) {
			int n0 = tot - n1;
			if (!state_ok(n0, n1))
				continue;
			if (st_has_last(n0, n1)) {
				st[ns++] = (cm_st){n0, n1, 0};
				st[ns++] = (cm_st){n0, n1, 1};
			} else {
				st[ns++] = (cm_st){n0, n1, n1 > 0 && n0 == 0};
			}
		}
	/* ns == 251 with the bounds above */
	for (int s = 0; s < 256; s++) {
		int i = s < ns ? s : 0;
		bh->sn0[s] = (u8)st[i].n0;
		bh->sn1[s] = (u8)st[i].n1;
		bh->det[s] = (int8_t)(s == 0 || (bh->sn0[s] && bh->sn1[s]) ? 0 : bh->sn0[s] == 0 ? 1 : -1);
		for (int y = 0; y < 2; y++) {
			int n0 = st[i].n0, n1 = st[i].n1;
			int *ny = y ? &n1 : &n0, *no = y ? &n0 : &n1;
			(*ny)++;
			if (*no > 2)
				*no = (*no + 3) / 2; /* forget part of the opposite evidence */
			while (!state_ok(n0, n1)) {
				if (*no > 0)
					(*no)--;
				else
					(*ny)--;
			}
			int last = st_has_last(n0, n1) ? y : (n1 > 0 && n0 == 0);
			int found = 0;
			for (int k = 0; k < ns; k++)
				if (st[k].n0 == n0 && st[k].n1 == n1 && st[k].last == last) {
					found = k;
					break;
				}
			bh->nex[s][y] = (u8)found;
		}
		/* initial state-map probability (n1 + 1/2) / (n + 1), 22 bits */
		u32 p22 = (u32)(((u64)(2 * bh->sn1[s] + 1) << 22) / (u64)(2 * (bh->sn0[s] + bh->sn1[s]) + 2));
		bh->init_sm[s] = p22 << 10;
	}
}
