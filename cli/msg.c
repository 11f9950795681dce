/*
 * msg.c - messages on stderr in the gzip style ("nzip: FILE: message", one line),
 * and small formatting helpers.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const char *program = "nzip";
static int quiet;

const char *msg_program(void) { return program; }

void msg_set_quiet(int q) { quiet = q; }

static int unsafe_char(unsigned char c) { return c < 0x20 || c == 0x7f; }

void put_safe_name(FILE *f, const char *name)
{
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		fputc(unsafe_char(*p) ? '?' : *p, f);
}

const char *safe_name(char *buf, size_t cap, const char *name)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)name; *p && n + 1 < cap; p++)
		buf[n++] = unsafe_char(*p) ? '?' : (char)*p;
	if (cap)
		buf[n] = 0;
	return buf;
}

/* Concurrent jobs (cli/batch.c) print too: stderr's stdio lock, which is recursive
 * and which the progress line takes as well, keeps each line whole. */
static void vmsg(const char *file, const char *fmt, va_list ap)
{
	flockfile(stderr);
	progress_clear();
	fprintf(stderr, "%s: ", program);
	if (file) {
		put_safe_name(stderr, file);
		fputs(": ", stderr);
	}
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
	funlockfile(stderr);
}

void msg_error(const char *file, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(file, fmt, ap);
	va_end(ap);
}

void msg_warn(const char *file, const char *fmt, ...)
{
	if (quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	vmsg(file, fmt, ap);
	va_end(ap);
}

void msg_info(const char *file, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(file, fmt, ap);
	va_end(ap);
}

void msg_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	flockfile(stderr);
	vmsg(NULL, fmt, ap);
	fprintf(stderr, "Try '%s -h' for more information.\n", program);
	funlockfile(stderr);
	va_end(ap);
}

const char *fmt_size(char *buf, size_t cap, uint64_t bytes)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	double v = (double)bytes;
	int u = 0;
	while (v >= 1024.0 && u < 6) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, cap, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, cap, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, units[u]);
	return buf;
}

double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
