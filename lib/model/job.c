/*
 * job.c - progress ticks from inside a block.
 */
#include "model/job.h"

int nz_job_tick(const nz_job *job, u64 raw_done, u64 coded_bits)
{
	if (!job || !job->fn)
		return NZ_OK;
	nz_progress p = job->base;
	p.raw_done += raw_done;
	p.coded_bits += coded_bits;
	return job->fn(job->opaque, &p) ? NZ_ERR_CANCELLED : NZ_OK;
}
