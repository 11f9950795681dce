/*
 * tables.h - the fixed tables every CM component reads (squash/stretch, the
 * state-map rates, the bit-history state machine), built by integer code once per
 * process (tables.c) and copied into each model, which keeps them beside its
 * own state; lanes copy them.
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

/* Fill *T (thread-safe; the first call builds the template). */
void nz_cm_tables_init(cm_tables *T);

/* stretch of a state-map entry: the usual mixer input. */
NZ_INLINE s32 cm_sm_st(const cm_tables *T, u32 e) { return cm_stretch(&T->lg, (int)cm_sm_p12(e)); }

#endif /* NZ_CM_TABLES_H */
