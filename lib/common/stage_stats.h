/*
 * stage_stats.h - the clock and the arithmetic of nz_stage_stats (include/nzip.h):
 * where a context's time goes, kept by the library itself for nzip -vv and bench/.
 * One clock read costs tens of nanoseconds, so stages are timed per lane step, never
 * per byte.
 */
#ifndef NZ_STAGE_STATS_H
#define NZ_STAGE_STATS_H

#include "common/common.h"

/* CLOCK_MONOTONIC in nanoseconds. */
u64 nz_now_ns(void);

/* to += from, field by field. */
void nz_stage_stats_add(nz_stage_stats *to, const nz_stage_stats *from);

#endif /* NZ_STAGE_STATS_H */
