/*
 * batch.c - the work queue behind `nzip FILE...` and `-r` with -T N: whole files run
 * at once on worker threads, because a small file is one block, which one library
 * context codes on one thread; splitting the budget over files is then the only way
 * to use the cores.
 *
 * The thread rule: with W workers and a budget of N threads, an item that starts
 * while L items are not finished (itself included) gets max(1, N / min(W, L))
 * library threads: N / W while the queue is full, more for the last files, so a
 * large file at the end still gets the cores the others have left. Threads never
 * change the output, so neither does any of this.
 *
 * Items are handed out in order. Before an item runs, its memory need is reserved
 * from the budget; an item waits while the others running hold too much, but always
 * runs when nothing else does.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>

#include "batch.h"
#include "cli.h"

typedef struct queue {
	const batch_spec *spec;
	pthread_mutex_t lock;
	pthread_cond_t freed;    /* memory was given back */
	size_t next;             /* the next item to hand out */
	size_t finished;
	uint64_t memory_in_use;
	int running;             /* items holding memory */
	int stop;                /* an item returned EXIT_USAGE */
	int status;
} queue;

int batch_workers(size_t items, uint32_t threads)
{
	size_t w = threads;
	if (w > items)
		w = items;
	if (w > CLI_MAX_JOBS)
		w = CLI_MAX_JOBS;
	return w ? (int)w : 1;
}

static void merge_status(queue *q, int rc)
{
	if (rc == EXIT_USAGE) {
		q->status = EXIT_USAGE;
		q->stop = 1;
	} else if (rc == EXIT_SKIPPED) {
		if (q->status == EXIT_OK)
			q->status = EXIT_SKIPPED;
	} else if (rc && q->status != EXIT_USAGE) {
		q->status = EXIT_ERROR;
	}
}

int cli_exit_status(int worst) { return worst == EXIT_SKIPPED ? EXIT_USAGE : worst; }

static void *worker(void *arg)
{
	queue *q = arg;
	const batch_spec *s = q->spec;
	pthread_mutex_lock(&q->lock);
	while (!q->stop && q->next < s->items) {
		size_t i = q->next++;
		pthread_mutex_unlock(&q->lock);
		uint64_t need = s->memory ? s->memory(s->ctx, i) : 0;
		pthread_mutex_lock(&q->lock);
		if (s->memory_budget)
			while (q->running && q->memory_in_use + need > s->memory_budget)
				pthread_cond_wait(&q->freed, &q->lock);
		q->memory_in_use += need;
		q->running++;
		size_t left = s->items - q->finished;
		size_t share = (size_t)s->workers < left ? (size_t)s->workers : left;
		uint32_t threads = s->thread_budget / (uint32_t)share;
		pthread_mutex_unlock(&q->lock);

		int rc = s->job(s->ctx, i, threads ? threads : 1);

		pthread_mutex_lock(&q->lock);
		q->memory_in_use -= need;
		q->running--;
		q->finished++;
		merge_status(q, rc);
		pthread_cond_broadcast(&q->freed);
	}
	pthread_mutex_unlock(&q->lock);
	codec_release_buffers();
	return NULL;
}

int batch_run(const batch_spec *s)
{
	if (s->workers <= 1) {
		queue q = {.spec = s};
		for (size_t i = 0; i < s->items && !q.stop; i++)
			merge_status(&q, s->job(s->ctx, i, 0));
		return q.status;
	}
	queue q = {.spec = s};
	pthread_mutex_init(&q.lock, NULL);
	pthread_cond_init(&q.freed, NULL);
	pthread_t tid[CLI_MAX_JOBS];
	int started = 0;
	for (; started < s->workers && started < CLI_MAX_JOBS; started++)
		if (pthread_create(&tid[started], NULL, worker, &q) != 0)
			break;
	if (started == 0) {
		/* No thread at all: do the work here rather than not at all. */
		worker(&q);
	}
	for (int t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	pthread_cond_destroy(&q.freed);
	pthread_mutex_destroy(&q.lock);
	return q.status;
}
