/*
 * progress.c - the progress line on a terminal: bytes done, speed, bits per byte,
 * ETA. Drawn on stderr at most four times a second, only after a job has run for
 * half a second, and only when enabled (stderr is a terminal and not -q).
 */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"

#define PROGRESS_INTERVAL 0.25
#define PROGRESS_DELAY 0.5

static struct {
	int enabled;
	int active;        /* a job is running */
	int visible;       /* a line is on the screen */
	int decompress;
	char name[64];
	double start, last;
	uint64_t total_in;   /* input size, 0 if unknown */
	uint64_t raw_total;  /* uncompressed size, 0 if unknown */
	uint64_t io_in, io_out;
	nz_progress lib;     /* the library's last report */
	int lib_seen;
} P;

void progress_enable(int on) { P.enabled = on; }

void progress_start(const char *name, uint64_t total_in, int decompress)
{
	if (!P.enabled)
		return;
	memset(&P.lib, 0, sizeof(P.lib));
	P.lib_seen = 0;
	P.active = 1;
	P.decompress = decompress;
	/* Keep the end of long names: it is the part that differs. */
	size_t n = strlen(name);
	if (n >= sizeof(P.name))
		snprintf(P.name, sizeof(P.name), "...%s", name + n - (sizeof(P.name) - 4));
	else
		memcpy(P.name, name, n + 1);
	for (char *c = P.name; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	P.total_in = total_in;
	P.raw_total = decompress ? 0 : total_in;
	P.io_in = P.io_out = 0;
	P.start = P.last = now_seconds();
}

void progress_set_raw_total(uint64_t raw_total)
{
	if (raw_total != NZ_CONTENT_SIZE_UNKNOWN)
		P.raw_total = raw_total;
}

static int term_width(void)
{
	struct winsize ws;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

static void draw(double now)
{
	/* Uncompressed bytes modelled, and the bits they cost. */
	uint64_t raw, bits;
	if (P.lib_seen && P.lib.raw_done) {
		raw = P.lib.raw_done;
		bits = P.lib.coded_bits;
	} else if (P.decompress) {
		raw = P.io_out;
		bits = P.io_in * 8;
	} else {
		raw = P.io_in;
		bits = P.io_out * 8;
	}
	if (P.decompress && P.io_out > raw)
		raw = P.io_out;
	double elapsed = now - P.start;
	double speed = elapsed > 0 ? (double)raw / elapsed : 0;

	/* The fraction done: of the uncompressed size if known, else of the input. */
	double frac = -1;
	if (P.raw_total)
		frac = (double)raw / (double)P.raw_total;
	else if (P.total_in && P.decompress)
		frac = (double)P.io_in / (double)P.total_in;
	if (frac > 1)
		frac = 1;

	char line[256], done[32], tot[32];
	int n = snprintf(line, sizeof(line), "%s: %s", P.name, fmt_size(done, sizeof(done), raw));
	if (P.raw_total)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " / %s",
			      fmt_size(tot, sizeof(tot), P.raw_total));
	if (frac >= 0)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " %3.0f%%", frac * 100);
	n += snprintf(line + n, sizeof(line) - (size_t)n, "  %.2f MB/s", speed / 1e6);
	if (raw && bits)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "  %.3f bpb",
			      (double)bits / (double)raw);
	if (frac > 0.001 && frac < 1) {
		double eta = elapsed * (1 - frac) / frac;
		if (eta < 360000) {
			unsigned s = (unsigned)(eta + 0.5);
			if (s >= 3600)
				n += snprintf(line + n, sizeof(line) - (size_t)n, "  ETA %u:%02u:%02u",
					      s / 3600, s / 60 % 60, s % 60);
			else
				n += snprintf(line + n, sizeof(line) - (size_t)n, "  ETA %u:%02u",
					      s / 60, s % 60);
		}
	}
	int width = term_width() - 1;
	if (n > width)
		n = width;
	if (n < 0)
		n = 0;
	fputs("\r", stderr);
	fwrite(line, 1, (size_t)n, stderr);
	fputs("\033[K", stderr);
	fflush(stderr);
	P.visible = 1;
	P.last = now;
}

static void maybe_draw(void)
{
	if (!P.enabled || !P.active)
		return;
	double now = now_seconds();
	if (now - P.start < PROGRESS_DELAY || now - P.last < PROGRESS_INTERVAL)
		return;
	draw(now);
}

void progress_io(uint64_t in, uint64_t out)
{
	P.io_in = in;
	P.io_out = out;
	maybe_draw();
}

int progress_callback(void *opaque, const nz_progress *p)
{
	(void)opaque;
	if (p) {
		P.lib = *p;
		P.lib_seen = 1;
		if (!P.decompress && p->total_in && !P.total_in)
			P.total_in = P.raw_total = p->total_in;
	}
	maybe_draw();
	return 0;
}

void progress_clear(void)
{
	if (P.visible) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		P.visible = 0;
	}
}

void progress_end(void)
{
	progress_clear();
	P.active = 0;
}
