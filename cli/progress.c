/*
 * progress.c - the progress line on a terminal. One job: bytes done, speed, bits per
 * byte, ETA. Several files (cli/batch.c): one line for all of them, files done, bytes
 * read of the total, speed, ETA and the file started last. Drawn on stderr at most
 * four times a second, only after half a second, and only when enabled (stderr is a
 * terminal and not -q).
 *
 * Jobs run on several threads at once: each thread has its own record (the library
 * calls the progress callback on the thread that called it), the records and the
 * batch totals are guarded by one mutex, and the line itself is written under
 * stderr's stdio lock, which msg.c takes too, so messages and the line never mix.
 */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"

#define PROGRESS_INTERVAL 0.25
#define PROGRESS_DELAY 0.5

/* One running job. */
typedef struct job_rec {
	int active;
	int decompress;
	char name[64];
	double start;
	uint64_t seq;        /* start order: the batch line names the newest job */
	uint64_t total_in;   /* input size, 0 if unknown */
	uint64_t raw_total;  /* uncompressed size, 0 if unknown */
	uint64_t io_in, io_out;
	nz_progress lib;     /* the library's last report */
	int lib_seen;
} job_rec;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int enabled;
static double last_draw;
static int visible;          /* a line is on the screen; guarded by stderr's lock */
static _Thread_local job_rec job;

/* The batch: set between progress_batch_begin and progress_batch_end. */
static struct {
	int on;
	int files, done;
	uint64_t total_in;       /* sum of the inputs' sizes */
	uint64_t in_done;        /* input bytes of the finished files */
	uint64_t raw_done;       /* uncompressed bytes of the finished files */
	double start;
	uint64_t next_seq;
	job_rec *running[CLI_MAX_JOBS];
} B;

void progress_enable(int on) { enabled = on; }

static void copy_name(char *dst, size_t cap, const char *name)
{
	/* Keep the end of long names: it is the part that differs. */
	size_t n = strlen(name);
	if (n >= cap)
		snprintf(dst, cap, "...%s", name + n - (cap - 4));
	else
		memcpy(dst, name, n + 1);
	for (char *c = dst; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}

void progress_start(const char *name, uint64_t total_in, int decompress)
{
	if (!enabled)
		return;
	pthread_mutex_lock(&lock);
	memset(&job, 0, sizeof(job));
	job.active = 1;
	job.decompress = decompress;
	copy_name(job.name, sizeof(job.name), name);
	job.total_in = total_in;
	job.raw_total = decompress ? 0 : total_in;
	job.start = now_seconds();
	if (B.on) {
		job.seq = B.next_seq++;
		for (int i = 0; i < CLI_MAX_JOBS; i++)
			if (!B.running[i]) {
				B.running[i] = &job;
				break;
			}
	} else {
		last_draw = job.start;
	}
	pthread_mutex_unlock(&lock);
}

void progress_set_raw_total(uint64_t raw_total)
{
	pthread_mutex_lock(&lock);
	if (raw_total != NZ_CONTENT_SIZE_UNKNOWN)
		job.raw_total = raw_total;
	pthread_mutex_unlock(&lock);
}

static int term_width(void)
{
	struct winsize ws;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

/* Uncompressed bytes a job has modelled, and the bits they cost. */
static uint64_t job_raw(const job_rec *j, uint64_t *bits)
{
	uint64_t raw, b;
	if (j->lib_seen && j->lib.raw_done) {
		raw = j->lib.raw_done;
		b = j->lib.coded_bits;
	} else if (j->decompress) {
		raw = j->io_out;
		b = j->io_in * 8;
	} else {
		raw = j->io_in;
		b = j->io_out * 8;
	}
	if (j->decompress && j->io_out > raw)
		raw = j->io_out;
	if (bits)
		*bits = b;
	return raw;
}

/* Input bytes a job has done: what it read, or better, when both sizes are known,
 * its input size times the fraction of the uncompressed bytes modelled (reads come
 * in 1 MiB chunks and run ahead of the model by up to a block). */
static uint64_t job_in(const job_rec *j)
{
	if (!j->total_in || !j->raw_total)
		return j->io_in;
	uint64_t raw = job_raw(j, NULL);
	if (raw >= j->raw_total)
		return j->total_in;
	return (uint64_t)((double)j->total_in * ((double)raw / (double)j->raw_total));
}

static int put_eta(char *line, size_t cap, double elapsed, double frac)
{
	if (!(frac > 0.001 && frac < 1))
		return 0;
	double eta = elapsed * (1 - frac) / frac;
	if (eta >= 360000)
		return 0;
	unsigned s = (unsigned)(eta + 0.5);
	if (s >= 3600)
		return snprintf(line, cap, "  ETA %u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
	return snprintf(line, cap, "  ETA %u:%02u", s / 60, s % 60);
}

/* The one-job line: "name: done / total  63%  2.80 MB/s  2.571 bpb  ETA 0:00". */
static int format_job(char *line, size_t cap, double now)
{
	const job_rec *j = &job;
	uint64_t bits, raw = job_raw(j, &bits);
	double elapsed = now - j->start;
	double speed = elapsed > 0 ? (double)raw / elapsed : 0;

	/* The fraction done: of the uncompressed size if known, else of the input. */
	double frac = -1;
	if (j->raw_total)
		frac = (double)raw / (double)j->raw_total;
	else if (j->total_in && j->decompress)
		frac = (double)j->io_in / (double)j->total_in;
	if (frac > 1)
		frac = 1;

	char done[32], tot[32];
	int n = snprintf(line, cap, "%s: %s", j->name, fmt_size(done, sizeof(done), raw));
	if (j->raw_total)
		n += snprintf(line + n, cap - (size_t)n, " / %s",
			      fmt_size(tot, sizeof(tot), j->raw_total));
	if (frac >= 0)
		n += snprintf(line + n, cap - (size_t)n, " %3.0f%%", frac * 100);
	n += snprintf(line + n, cap - (size_t)n, "  %.2f MB/s", speed / 1e6);
	if (raw && bits)
		n += snprintf(line + n, cap - (size_t)n, "  %.3f bpb", (double)bits / (double)raw);
	n += put_eta(line + n, cap - (size_t)n, elapsed, frac);
	return n;
}

/* The batch line: "3/120 files  1.20 MiB / 40.0 MiB  3%  0.95 MB/s  ETA 0:40  name (+2)".
 * Bytes are input bytes (the fraction); the speed counts uncompressed bytes. */
static int format_batch(char *line, size_t cap, double now)
{
	uint64_t in = B.in_done, raw = B.raw_done, newest_seq = 0;
	const job_rec *newest = NULL;
	int running = 0;
	for (int i = 0; i < CLI_MAX_JOBS; i++) {
		const job_rec *j = B.running[i];
		if (!j)
			continue;
		running++;
		in += job_in(j);
		raw += job_raw(j, NULL);
		if (!newest || j->seq > newest_seq) {
			newest = j;
			newest_seq = j->seq;
		}
	}
	double elapsed = now - B.start;
	double speed = elapsed > 0 ? (double)raw / elapsed : 0;
	double frac = B.total_in ? (double)in / (double)B.total_in : -1;
	if (frac > 1)
		frac = 1;
	char done[32], tot[32];
	int n = snprintf(line, cap, "%d/%d files  %s / %s", B.done, B.files,
			 fmt_size(done, sizeof(done), in), fmt_size(tot, sizeof(tot), B.total_in));
	if (frac >= 0)
		n += snprintf(line + n, cap - (size_t)n, " %3.0f%%", frac * 100);
	n += snprintf(line + n, cap - (size_t)n, "  %.2f MB/s", speed / 1e6);
	n += put_eta(line + n, cap - (size_t)n, elapsed, frac);
	if (newest)
		n += snprintf(line + n, cap - (size_t)n, "  %s", newest->name);
	if (running > 1)
		n += snprintf(line + n, cap - (size_t)n, " (+%d)", running - 1);
	return n;
}

/* Draw if it is time (the lock held). */
static void maybe_draw_locked(void)
{
	if (!enabled || !(B.on || job.active))
		return;
	double now = now_seconds();
	double start = B.on ? B.start : job.start;
	if (now - start < PROGRESS_DELAY || now - last_draw < PROGRESS_INTERVAL)
		return;
	char line[512];
	int n = B.on ? format_batch(line, sizeof(line), now) : format_job(line, sizeof(line), now);
	int width = term_width() - 1;
	if (n > width)
		n = width;
	if (n >= (int)sizeof(line))
		n = (int)sizeof(line) - 1;
	if (n < 0)
		n = 0;
	flockfile(stderr);
	fputs("\r", stderr);
	fwrite(line, 1, (size_t)n, stderr);
	fputs("\033[K", stderr);
	fflush(stderr);
	visible = 1;
	funlockfile(stderr);
	last_draw = now;
}

void progress_io(uint64_t in, uint64_t out)
{
	if (!enabled)
		return;
	pthread_mutex_lock(&lock);
	job.io_in = in;
	job.io_out = out;
	maybe_draw_locked();
	pthread_mutex_unlock(&lock);
}

int progress_callback(void *opaque, const nz_progress *p)
{
	(void)opaque;
	if (!enabled)
		return 0;
	pthread_mutex_lock(&lock);
	if (p) {
		job.lib = *p;
		job.lib_seen = 1;
		if (!job.decompress && p->total_in && !job.total_in)
			job.total_in = job.raw_total = p->total_in;
	}
	maybe_draw_locked();
	pthread_mutex_unlock(&lock);
	return 0;
}

void progress_clear(void)
{
	flockfile(stderr);
	if (visible) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		visible = 0;
	}
	funlockfile(stderr);
}

void progress_end(void)
{
	if (!enabled)
		return;
	pthread_mutex_lock(&lock);
	if (B.on) {
		/* The batch line stays; this job's bytes join the finished ones. */
		for (int i = 0; i < CLI_MAX_JOBS; i++)
			if (B.running[i] == &job)
				B.running[i] = NULL;
		if (job.active) {
			B.in_done += job.io_in;
			B.raw_done += job_raw(&job, NULL);
		}
	} else {
		progress_clear();
	}
	job.active = 0;
	pthread_mutex_unlock(&lock);
}

void progress_batch_begin(int files, uint64_t total_in)
{
	pthread_mutex_lock(&lock);
	memset(&B, 0, sizeof(B));
	B.on = 1;
	B.files = files;
	B.total_in = total_in;
	B.start = last_draw = now_seconds();
	pthread_mutex_unlock(&lock);
}

void progress_batch_file_done(void)
{
	pthread_mutex_lock(&lock);
	if (B.on)
		B.done++;
	maybe_draw_locked();
	pthread_mutex_unlock(&lock);
}

void progress_batch_end(void)
{
	pthread_mutex_lock(&lock);
	B.on = 0;
	progress_clear();
	pthread_mutex_unlock(&lock);
}
