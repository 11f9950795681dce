/*
 * batch.h - a small work queue for the CLI: run one function on items 0..n-1 with
 * several worker threads, hand items out in order, share a thread budget and a
 * memory budget between the items running at once.
 */
#ifndef NZIP_CLI_BATCH_H
#define NZIP_CLI_BATCH_H

#include <stddef.h>
#include <stdint.h>

/* Process item i with `threads` library threads (0: the caller's own choice, used
 * when one worker runs everything). Returns EXIT_OK, EXIT_ERROR or EXIT_USAGE;
 * EXIT_USAGE stops handing out further items. */
typedef int (*batch_job_fn)(void *ctx, size_t i, uint32_t threads);
/* The memory item i needs while it runs (bytes, 0 if unknown). */
typedef uint64_t (*batch_memory_fn)(void *ctx, size_t i);

typedef struct batch_spec {
	size_t items;
	int workers;             /* threads running items at once; 1 runs them here, in order */
	uint32_t thread_budget;  /* library threads shared by the running items (>= 1) */
	uint64_t memory_budget;  /* bytes the running items may need together; 0 = no limit */
	batch_job_fn job;
	batch_memory_fn memory;  /* NULL: no memory accounting */
	void *ctx;
} batch_spec;

/* How many workers for `items` items and a budget of `threads` threads:
 * min(threads, items, CLI_MAX_JOBS), at least 1. */
int batch_workers(size_t items, uint32_t threads);

/* Run every item (or until one returns EXIT_USAGE). Returns the worst status:
 * EXIT_USAGE, else EXIT_ERROR if any item failed, else EXIT_OK. */
int batch_run(const batch_spec *spec);

#endif /* NZIP_CLI_BATCH_H */
