/*
 * tables.h - the fixed tables every CM component reads (squash/stretch, the
 * state-map rates, the bit-history state machine), built by integer code when a
 * model is created; lanes copy them.
 */
#ifndef NZ_CM_TABLES_H
#define NZ_CM_TABLES_H

#include "cm/bit_history.h"
#include "cm/logistic.h"
#include "cm/state_map.h"

typedef struct cm_tables {
	cm_logistic lg;
	cm_sm_rates r;
	cm_bit_history bh;
} cm_tables;

NZ_INLINE void cm_tables_init(cm_tables *T)
{
	nz_cm_logistic_init(&T->lg);
	nz_cm_sm_rates_init(&T->r);
	nz_cm_bit_history_init(&T->bh);
}

/* stretch of a state-map entry: the usual mixer input. */
NZ_INLINE s32 cm_sm_st(const cm_tables *T, u32 e) { return cm_stretch(&T->lg, (int)cm_sm_p12(e)); }

#endif /* NZ_CM_TABLES_H */
