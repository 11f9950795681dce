/*
 * thread_pool.h - a small pthread pool: fork-join parallel loops and background
 * jobs on the same workers.
 *
 * A batch is a function run for tasks 0..n-1. nz_thread_pool_run() runs a batch
 * and returns when every task is done; the calling thread works on it too, so a
 * pool of T threads starts T-1 workers. nz_thread_pool_start() queues a batch
 * and returns at once; nz_thread_pool_wait() finishes it (a pool of one thread
 * runs the whole batch inside wait). Batches are served oldest first; tasks are
 * handed out one at a time in increasing order to whichever thread is free.
 *
 * Which thread runs which task is not deterministic, so a task must write only
 * its own outputs: that is how the NN engine keeps results independent of the
 * thread count (it splits outputs, never a reduction).
 *
 * The `worker` argument identifies the thread running a task, 0..T-1 (0 is the
 * thread that called run or wait), so tasks can use per-thread scratch memory.
 * Only one outside thread may call run/wait on a pool at a time (it is worker 0);
 * tasks must not call run/wait on their own pool.
 */
#ifndef NZ_THREAD_POOL_H
#define NZ_THREAD_POOL_H

#include "common/common.h"

typedef struct nz_thread_pool nz_thread_pool;

typedef void (*nz_task_fn)(void *arg, u32 task, u32 worker);

/* A batch of tasks. Owned by the caller (it may live on the stack for run());
 * its fields are private to the pool. */
typedef struct nz_batch {
	nz_task_fn fn;
	void *arg;
	u32 n, next, done;
	struct nz_batch *link;
} nz_batch;

/* Create a pool of `threads` threads in all (0 = one per online CPU), that is
 * threads-1 workers. NZ_ERR_THREAD if a thread cannot start. */
int nz_thread_pool_create(nz_thread_pool **out, u32 threads);

/* Stop the workers (after the queued batches are done) and free the pool. */
void nz_thread_pool_free(nz_thread_pool *p);

/* The number of threads, counting the caller's. 1 for a NULL pool. */
u32 nz_thread_pool_threads(const nz_thread_pool *p);

/* Run fn(arg, task, worker) for every task in [0, n_tasks) and wait for all of
 * them. A NULL pool runs the tasks in order on the calling thread. */
void nz_thread_pool_run(nz_thread_pool *p, nz_task_fn fn, void *arg, u32 n_tasks);

/* Queue a batch and return at once; *b must stay valid until the matching
 * nz_thread_pool_wait(). */
void nz_thread_pool_start(nz_thread_pool *p, nz_batch *b, nz_task_fn fn, void *arg,
			  u32 n_tasks);

/* Work on batch b until all its tasks are done. */
void nz_thread_pool_wait(nz_thread_pool *p, nz_batch *b);

#endif /* NZ_THREAD_POOL_H */
