/*
 * io_thread.c - a reader thread that prefetches the input and a writer thread
 * that writes finished output, each through a small ring of chunks, so that
 * disk and pipe I/O overlap the model instead of stalling it (issue 13: "a
 * reader prefetches input and a writer emits finished blocks"). Both are
 * single-producer, single-consumer: the job's thread on one side, the I/O
 * thread on the other, one mutex and two condition variables per ring.
 *
 * A small regular file (one chunk or less) gets no threads: handing a chunk to a
 * thread costs wake-ups and, when every core is busy with other jobs (batch mode),
 * waits for the scheduler, which made 1,000 small files 15% slower at -T2. Its
 * I/O is done inline, through the same calls.
 *
 * Stopping early (an error, a failed verification) must not hang on a read()
 * from a pipe that never ends: the reader is cancelled, and read() is a
 * cancellation point; it holds the mutex only with cancellation disabled.
 * Signals stay with fileio.c's handler, whichever thread receives them.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

typedef struct chunk {
	unsigned char *data;
	size_t len;
} chunk;

struct io_ring {
	int fd;
	size_t chunk_size;
	chunk slot[IO_RING_CHUNKS];
	unsigned head, tail;   /* head: next slot the consumer takes; tail: next filled */
	unsigned count;        /* filled slots not yet taken back */
	int done;              /* reader: end of file or error seen; writer: no more */
	int err;               /* errno of the I/O thread's failure, 0 if none */
	int held;              /* reader: the consumer holds slot[head - 1] */
	int inline_io;         /* no thread: the caller reads and writes (small files) */
	int started;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
};

static io_ring *ring_new(int fd, size_t chunk_size)
{
	io_ring *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->fd = fd;
	r->chunk_size = chunk_size;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->not_empty, NULL);
	pthread_cond_init(&r->not_full, NULL);
	return r;
}

static void ring_free(io_ring *r)
{
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->not_empty);
	pthread_cond_destroy(&r->not_full);
	for (int i = 0; i < IO_RING_CHUNKS; i++)
		free(r->slot[i].data);
	free(r);
}

/* The thread inherits the job thread's signal mask; a signal it receives runs
 * fileio.c's handler like on any other thread. */
static int start_thread(io_ring *r, void *(*fn)(void *))
{
	if (pthread_create(&r->thread, NULL, fn, r))
		return -1;
	r->started = 1;
	return 0;
}

/* A chunk's buffer, allocated on first use; NULL if out of memory. */
static unsigned char *chunk_data(const io_ring *r, chunk *c)
{
	if (!c->data)
		c->data = malloc(r->chunk_size);
	return c->data;
}

/* One read() into c, retried on EINTR: its length, 0 at end of file, -1 with
 * errno. A cancellation point when the caller allows it. */
static ssize_t fill_chunk(const io_ring *r, chunk *c)
{
	if (!chunk_data(r, c)) {
		errno = ENOMEM;
		return -1;
	}
	ssize_t n;
	do
		n = read(r->fd, c->data, r->chunk_size);
	while (n < 0 && errno == EINTR);
	return n;
}

/* ---- reader ---- */

static void *reader_main(void *arg)
{
	io_ring *r = arg;
	int old;
	for (;;) {
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
		pthread_mutex_lock(&r->mu);
		/* A slot the consumer holds is not free until it asks for the next. */
		while (r->count + (unsigned)r->held == IO_RING_CHUNKS)
			pthread_cond_wait(&r->not_full, &r->mu);
		chunk *c = &r->slot[r->tail % IO_RING_CHUNKS];
		pthread_mutex_unlock(&r->mu);
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
		const ssize_t n = fill_chunk(r, c);  /* read() is a cancellation point */
		const int e = errno;

		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
		pthread_mutex_lock(&r->mu);  /* not cancellable while it holds the lock */
		if (n <= 0) {
			r->done = 1;
			r->err = n < 0 ? e : 0;
		} else {
			c->len = (size_t)n;
			r->tail++;
			r->count++;
		}
		pthread_cond_signal(&r->not_empty);
		pthread_mutex_unlock(&r->mu);
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
		if (n <= 0)
			return NULL;
	}
}

io_ring *reader_start(int fd, size_t chunk_size, int threaded)
{
	io_ring *r = ring_new(fd, chunk_size);
	if (r && !threaded)
		r->inline_io = 1;
	else if (r && start_thread(r, reader_main)) {
		ring_free(r);
		return NULL;
	}
	return r;
}

/* Without a thread: one read() into the first slot. */
static ssize_t read_inline(io_ring *r, const unsigned char **data)
{
	const ssize_t n = fill_chunk(r, &r->slot[0]);
	*data = r->slot[0].data;
	return n;
}

ssize_t reader_next(io_ring *r, const unsigned char **data)
{
	if (r->inline_io)
		return read_inline(r, data);
	pthread_mutex_lock(&r->mu);
	if (r->held) {  /* the previous chunk is free again */
		r->held = 0;
		pthread_cond_signal(&r->not_full);
	}
	while (r->count == 0 && !r->done)
		pthread_cond_wait(&r->not_empty, &r->mu);
	ssize_t n;
	if (r->count) {
		chunk *c = &r->slot[r->head % IO_RING_CHUNKS];
		r->head++;
		r->count--;
		r->held = 1;
		*data = c->data;
		n = (ssize_t)c->len;
	} else if (r->err) {
		errno = r->err;
		n = -1;
	} else {
		n = 0;
	}
	pthread_mutex_unlock(&r->mu);
	return n;
}

void reader_stop(io_ring *r)
{
	if (!r)
		return;
	if (r->started) {
		pthread_cancel(r->thread);  /* no-op effect if it already returned */
		pthread_join(r->thread, NULL);
	}
	ring_free(r);
}

/* ---- writer ---- */

static void *writer_main(void *arg)
{
	io_ring *r = arg;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (r->count == 0 && !r->done)
			pthread_cond_wait(&r->not_empty, &r->mu);
		if (r->count == 0)
			break;
		chunk *c = &r->slot[r->head % IO_RING_CHUNKS];
		pthread_mutex_unlock(&r->mu);
		/* After a failure the rest is dropped, but slots keep cycling so the
		 * producer never blocks: it learns of the error at its next submit. */
		const int e = r->err ? 0 : (write_all(r->fd, c->data, c->len) ? errno : 0);
		pthread_mutex_lock(&r->mu);
		if (e && !r->err)
			r->err = e;
		r->head++;
		r->count--;
		pthread_cond_signal(&r->not_full);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

io_ring *writer_start(int fd, size_t chunk_size, int threaded)
{
	io_ring *r = ring_new(fd, chunk_size);
	if (r && !threaded)
		r->inline_io = 1;
	else if (r && start_thread(r, writer_main)) {
		ring_free(r);
		return NULL;
	}
	return r;
}

unsigned char *writer_buffer(io_ring *r)
{
	if (r->inline_io)
		return chunk_data(r, &r->slot[0]);
	pthread_mutex_lock(&r->mu);
	while (r->count == IO_RING_CHUNKS)
		pthread_cond_wait(&r->not_full, &r->mu);
	chunk *c = &r->slot[r->tail % IO_RING_CHUNKS];
	pthread_mutex_unlock(&r->mu);
	return chunk_data(r, c);
}

int writer_submit(io_ring *r, size_t len)
{
	if (r->inline_io)
		return len ? write_all(r->fd, r->slot[0].data, len) : 0;
	pthread_mutex_lock(&r->mu);
	int e = r->err;
	if (len && !e) {
		r->slot[r->tail % IO_RING_CHUNKS].len = len;
		r->tail++;
		r->count++;
		pthread_cond_signal(&r->not_empty);
	}
	pthread_mutex_unlock(&r->mu);
	if (e) {
		errno = e;
		return -1;
	}
	return 0;
}

int writer_finish(io_ring *r)
{
	if (!r)
		return 0;
	int e = 0;
	if (r->started) {
		pthread_mutex_lock(&r->mu);
		r->done = 1;
		pthread_cond_signal(&r->not_empty);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->thread, NULL);
		e = r->err;
	}
	ring_free(r);
	if (e) {
		errno = e;
		return -1;
	}
	return 0;
}
