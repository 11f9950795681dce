/*
 * job.h - progress reporting and cancellation inside a long compression job.
 * Block codecs call nz_job_tick() every few thousand bytes; it forwards to the
 * user's progress callback and turns a cancel request into NZ_ERR_CANCELLED.
 */
#ifndef NZ_JOB_H
#define NZ_JOB_H

#include "common/common.h"

typedef struct nz_job {
	nz_progress_fn fn;
	void *opaque;
	nz_progress base;  /* totals before the current block */
} nz_job;

/* Report that `raw_done` bytes of the current block are modelled, costing
 * `coded_bits` bits so far. Returns NZ_ERR_CANCELLED if the callback asks to stop. */
int nz_job_tick(const nz_job *job, u64 raw_done, u64 coded_bits);

#endif /* NZ_JOB_H */
