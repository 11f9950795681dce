/*
 * stage_stats.c - see stage_stats.h.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime in C17 */
#include <time.h>

#include "common/stage_stats.h"

u64 nz_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000u + (u64)ts.tv_nsec;
}

void nz_stage_stats_add(nz_stage_stats *to, const nz_stage_stats *from)
{
	to->forward_ns += from->forward_ns;
	to->backward_ns += from->backward_ns;
	to->adam_ns += from->adam_ns;
	to->quantise_ns += from->quantise_ns;
	to->code_ns += from->code_ns;
	to->wait_ns += from->wait_ns;
	to->total_ns += from->total_ns;
	to->bytes += from->bytes;
	to->steps += from->steps;
}
