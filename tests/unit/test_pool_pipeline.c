/*
 * test_pool_pipeline.c - the lane pipeline's use of the thread pool: a long batch
 * started with nz_thread_pool_start (the coders of a ring half) stays queued or
 * running while the same thread issues many short nz_thread_pool_run batches (the
 * engine's GEMM splits). Every run must finish (no deadlock: its caller works on
 * its own batch) with each of its tasks done exactly once on a valid worker, and
 * the long batch must finish at its wait with each task done once. Meant to run
 * under TSan as well (how long a run waits is timing, so it is not asserted).
 */
#include "test_util.h"

#include <string.h>

#include "common/thread_pool.h"

enum { LONG_TASKS = 3, SHORT_TASKS = 16, RUNS = 300 };

typedef struct long_arg {
	volatile unsigned long sum[LONG_TASKS];
	int hits[LONG_TASKS];
} long_arg;

static void long_task(void *arg, u32 task, u32 worker)
{
	(void)worker;
	long_arg *a = arg;
	/* volatile: a few ms of work the compiler cannot fold, like a half's coding */
	for (unsigned long i = 0; i < 2000000; i++)
		a->sum[task] += i ^ task;
	a->hits[task]++;
}

typedef struct short_arg {
	int hits[SHORT_TASKS];
	u32 threads;
	int bad_worker;
} short_arg;

static void short_task(void *arg, u32 task, u32 worker)
{
	short_arg *a = arg;
	a->hits[task]++;
	if (worker >= a->threads)
		a->bad_worker = 1;
}

int main(void)
{
	for (u32 t = 1; t <= 3; t++) {
		nz_thread_pool *p;
		REQUIRE(nz_thread_pool_create(&p, t) == NZ_OK);
		for (int round = 0; round < 3; round++) {
			static long_arg la;
			memset(&la, 0, sizeof(la));
			nz_batch coders;
			nz_thread_pool_start(p, &coders, long_task, &la, LONG_TASKS);
			int all_once = 1;
			for (int r = 0; r < RUNS; r++) {
				short_arg sa;
				memset(&sa, 0, sizeof(sa));
				sa.threads = t;
				nz_thread_pool_run(p, short_task, &sa, SHORT_TASKS);
				for (int i = 0; i < SHORT_TASKS; i++)
					all_once &= sa.hits[i] == 1;
				CHECK(!sa.bad_worker);
			}
			CHECK(all_once);
			nz_thread_pool_wait(p, &coders);
			for (int i = 0; i < LONG_TASKS; i++)
				CHECK_EQ_INT(la.hits[i], 1);
		}
		nz_thread_pool_free(p);
	}
	return nz_test_finish("test_pool_pipeline");
}
