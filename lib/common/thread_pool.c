/*
 * thread_pool.c - see thread_pool.h. One mutex guards a FIFO of batches that
 * still have unclaimed tasks; workers sleep on one condition variable, waiters
 * on another. Tasks are meant to be coarse (a GEMM panel, a range of rows), so a
 * lock per task costs nothing measurable.
 *
 * Waking a sleeping thread costs tens of microseconds in a VM, as long as a whole
 * small operation of the seed models at 64 lanes. So a worker that runs out of
 * work, and a waiter whose batch is still running, first spin for SPIN_NS on a
 * flag read without the lock; only then do they sleep, and only sleepers are
 * signalled. The spin is timed, not counted: a pause takes 12 ns on the Xeon of
 * docs/BENCHMARKS.md and about 25 on Zen 4, and 2000 of them (24 us on the
 * Xeon) let the worker fall asleep in most gaps between the ops of a step
 * (trace-s at -T2: 5.2 context switches a step; with 100 us 1.4, and trace-s
 * and edpc-xs 3-6% faster).
 */
#include "common/thread_pool.h"

#include <pthread.h>
#include <stdlib.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

#include "common/cpu.h"
#include "common/stage_stats.h"

typedef struct worker_arg {
	nz_thread_pool *pool;
	u32 id;
} worker_arg;

struct nz_thread_pool {
	pthread_mutex_t mu;
	pthread_cond_t work_cv;
	pthread_cond_t done_cv;
	nz_batch *head, *tail;
	u32 threads, started;
	u32 sleepers, done_sleepers; /* threads waiting on work_cv, done_cv */
	int stop;
	int has_work;                /* head != NULL, also read without the lock */
	pthread_t *tid;
	worker_arg *args;
};

#define SPIN_NS 100000u

/* Pause while `ready` is false, for at most SPIN_NS (the clock is read every
 * 64 pauses). */
#define SPIN_UNTIL(ready)                                                          \
	do {                                                                       \
		const u64 spin_end_ = nz_now_ns() + SPIN_NS;                       \
		while (!(ready)) {                                                 \
			for (u32 i_ = 0; i_ < 64 && !(ready); i_++)                \
				cpu_relax();                                       \
			if (nz_now_ns() > spin_end_)                               \
				break;                                             \
		}                                                                  \
	} while (0)

/* Keep has_work equal to (head != NULL); the lock is held. */
static void publish(nz_thread_pool *p)
{
	__atomic_store_n(&p->has_work, p->head != NULL, __ATOMIC_RELEASE);
}

/* Claim the next task of the head batch; the lock is held. */
static nz_batch *claim(nz_thread_pool *p, u32 *task)
{
	nz_batch *b = p->head;
	*task = b->next++;
	if (b->next == b->n) {
		p->head = b->link;
		if (!p->head)
			p->tail = NULL;
		publish(p);
	}
	return b;
}

static void finish_task(nz_thread_pool *p, nz_batch *b)
{
	const u32 n = b->n; /* the lock keeps b alive: its waiter re-locks before returning */
	if (__atomic_add_fetch(&b->done, 1, __ATOMIC_RELEASE) == n && p->done_sleepers)
		pthread_cond_broadcast(&p->done_cv);
}

static void *worker_main(void *varg)
{
	worker_arg *wa = varg;
	nz_thread_pool *p = wa->pool;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		if (!p->stop && !p->head) {
			pthread_mutex_unlock(&p->mu);
			SPIN_UNTIL(__atomic_load_n(&p->has_work, __ATOMIC_ACQUIRE));
			pthread_mutex_lock(&p->mu);
		}
		while (!p->stop && !p->head) {
			p->sleepers++;
			pthread_cond_wait(&p->work_cv, &p->mu);
			p->sleepers--;
		}
		if (!p->head)
			break;
		u32 task;
		nz_batch *b = claim(p, &task);
		pthread_mutex_unlock(&p->mu);
		b->fn(b->arg, task, wa->id);
		pthread_mutex_lock(&p->mu);
		finish_task(p, b);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int nz_thread_pool_create(nz_thread_pool **out, u32 threads)
{
	*out = NULL;
	if (threads == 0)
		threads = nz_cpu_count();
	if (threads > 1024)
		return NZ_ERR_PARAM;
	nz_thread_pool *p = calloc(1, sizeof(*p));
	if (!p)
		return NZ_ERR_NOMEM;
	p->threads = threads;
	p->tid = calloc(threads, sizeof(*p->tid));
	p->args = calloc(threads, sizeof(*p->args));
	if (!p->tid || !p->args) {
		free(p->tid);
		free(p->args);
		free(p);
		return NZ_ERR_NOMEM;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work_cv, NULL);
	pthread_cond_init(&p->done_cv, NULL);
	for (u32 i = 1; i < threads; i++) {
		p->args[i].pool = p;
		p->args[i].id = i;
		if (pthread_create(&p->tid[i], NULL, worker_main, &p->args[i])) {
			nz_thread_pool_free(p);
			return NZ_ERR_THREAD;
		}
		p->started = i;
	}
	*out = p;
	return NZ_OK;
}

void nz_thread_pool_free(nz_thread_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->work_cv);
	pthread_mutex_unlock(&p->mu);
	for (u32 i = 1; i <= p->started; i++)
		pthread_join(p->tid[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work_cv);
	pthread_cond_destroy(&p->done_cv);
	free(p->tid);
	free(p->args);
	free(p);
}

u32 nz_thread_pool_threads(const nz_thread_pool *p) { return p ? p->threads : 1; }

void nz_thread_pool_start(nz_thread_pool *p, nz_batch *b, nz_task_fn fn, void *arg,
			  u32 n_tasks)
{
	b->fn = fn;
	b->arg = arg;
	b->n = n_tasks;
	b->next = 0;
	b->done = 0;
	b->link = NULL;
	if (!p || p->threads == 1 || n_tasks == 0)
		return;
	pthread_mutex_lock(&p->mu);
	if (p->tail)
		p->tail->link = b;
	else
		p->head = b;
	p->tail = b;
	publish(p);
	if (p->sleepers)
		pthread_cond_broadcast(&p->work_cv);
	pthread_mutex_unlock(&p->mu);
}

void nz_thread_pool_wait(nz_thread_pool *p, nz_batch *b)
{
	if (!p || p->threads == 1) {
		for (u32 t = b->next; t < b->n; t++)
			b->fn(b->arg, t, 0);
		b->next = b->done = b->n;
		return;
	}
	pthread_mutex_lock(&p->mu);
	/* Help with our own batch while it has unclaimed tasks. It is in the queue
	 * exactly while next < n; unlink it when we take its last task. */
	while (b->next < b->n) {
		u32 task = b->next++;
		if (b->next == b->n) {
			nz_batch **pp = &p->head, *prev = NULL;
			while (*pp != b) {
				prev = *pp;
				pp = &(*pp)->link;
			}
			*pp = b->link;
			if (p->tail == b)
				p->tail = prev;
			publish(p);
		}
		pthread_mutex_unlock(&p->mu);
		b->fn(b->arg, task, 0);
		pthread_mutex_lock(&p->mu);
		finish_task(p, b);
	}
	if (b->done < b->n) {
		pthread_mutex_unlock(&p->mu);
		SPIN_UNTIL(__atomic_load_n(&b->done, __ATOMIC_ACQUIRE) == b->n);
		pthread_mutex_lock(&p->mu);
	}
	while (b->done < b->n) {
		p->done_sleepers++;
		pthread_cond_wait(&p->done_cv, &p->mu);
		p->done_sleepers--;
	}
	pthread_mutex_unlock(&p->mu);
}

void nz_thread_pool_run(nz_thread_pool *p, nz_task_fn fn, void *arg, u32 n_tasks)
{
	nz_batch b;
	if (!p || p->threads == 1 || n_tasks <= 1) {
		for (u32 t = 0; t < n_tasks; t++)
			fn(arg, t, 0);
		return;
	}
	nz_thread_pool_start(p, &b, fn, arg, n_tasks);
	nz_thread_pool_wait(p, &b);
}
