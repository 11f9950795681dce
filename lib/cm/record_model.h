/*
 * record_model.h - records of a fixed length (tables, images, arrays of
 * structs). A distance at which a byte recurred three times in a row is
 * proposed as a record length; it replaces the current one when the byte one
 * candidate-record above was right more often over the last 32 bytes. The byte
 * one record above then predicts the next byte (a state map on the run of right
 * predictions, the expected byte and the bit position): one mixer input with
 * flag CM_F_REC. The record length also serves the RECORD, REC2D and RECCOL
 * context kinds (contexts.h), so it is detected when either asks for it.
 */
#ifndef NZ_CM_RECORD_MODEL_H
#define NZ_CM_RECORD_MODEL_H

#include "cm/history.h"
#include "cm/tables.h"

typedef struct cm_record {
	int detect;           /* find record lengths (CM_F_REC or CM_C_RECORD) */
	int input;            /* the mixer input (CM_F_REC) */
	u32 *cpos;            /* 256 x 4 last positions of each byte (lane's own) */
	u32 rlen, rcand, rcount, rhit, rchit;
	u32 rexp, rrun;       /* byte one record above, run of right record predictions */
	u32 *rec_sm;          /* 8 runs x 256 bytes x 8 bit positions (shared by lanes) */
	u32 *rec_e;           /* entry used at this bit, or NULL */
} cm_record;

/* Mixer inputs the record model adds. */
u32 nz_cm_record_inputs(const cm_params *p);
int nz_cm_record_init(cm_record *r, const cm_params *p);
int nz_cm_record_init_lane(cm_record *r);
void nz_cm_record_free(cm_record *r, int lane);
u64 nz_cm_record_memory(const cm_params *p);
void nz_cm_record_reset_shared(cm_record *r);
void nz_cm_record_reset_lane(cm_record *r);
/* After nz_cm_history_update_byte(h, c). */
void nz_cm_record_update_byte(cm_record *r, const cm_history *h, u32 c);

NZ_INLINE void cm_record_mix(cm_record *r, const cm_tables *T, const cm_history *h, s32 *x)
{
	r->rec_e = NULL;
	if (!r->input)
		return;
	if (r->rlen && ((r->rexp | 256) >> (8 - h->bpos)) == h->c0) {
		r->rec_e = &r->rec_sm[((r->rrun << 8 | r->rexp) << 3) | h->bpos];
		x[0] = (s16)cm_sm_st(T, *r->rec_e);
	} else {
		x[0] = 0;
	}
}

NZ_INLINE void cm_record_update(cm_record *r, const cm_tables *T, int y)
{
	if (r->rec_e)
		cm_sm_update(&T->r, r->rec_e, y, 255);
}

#endif /* NZ_CM_RECORD_MODEL_H */
