/*
 * summary.c - --summary (and -v on several files): after the last file, a table on
 * stderr with one row per file in input order (bytes in and out, ratio, bits per
 * byte, seconds, MB/s) and a totals row, for compression, decompression and -t.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define ROW_FORMAT "%14s %14s %8s %6s %8s %8s  "

static void row(const char *in, const char *out, const char *ratio, const char *bpb,
		const char *secs, const char *speed)
{
	fprintf(stderr, ROW_FORMAT, in, out, ratio, bpb, secs, speed);
}

/* The cells of one row from its byte counts (raw: uncompressed, comp: compressed). */
static void numbers(uint64_t in, uint64_t out, uint64_t raw, uint64_t comp, double secs)
{
	char c_in[24], c_out[24], ratio[16] = "-", bpb[16] = "-", c_secs[16], speed[16] = "-";
	snprintf(c_in, sizeof(c_in), "%llu", (unsigned long long)in);
	snprintf(c_out, sizeof(c_out), "%llu", (unsigned long long)out);
	if (raw) {
		snprintf(ratio, sizeof(ratio), "%.2f%%", 100.0 * (double)comp / (double)raw);
		snprintf(bpb, sizeof(bpb), "%.3f", 8.0 * (double)comp / (double)raw);
	}
	snprintf(c_secs, sizeof(c_secs), "%.2f", secs);
	if (secs > 1e-9)
		snprintf(speed, sizeof(speed), "%.2f", (double)raw / secs / 1e6);
	row(c_in, c_out, ratio, bpb, c_secs, speed);
}

void summary_print(const cli_options *o, const file_list *files, const file_result *res,
		   double wall)
{
	int compress = o->mode == MODE_COMPRESS;
	uint64_t tin = 0, tout = 0;
	int done = 0, failed = 0, skipped = 0;
	flockfile(stderr);
	progress_clear();
	row("in", "out", "ratio", "bpb", "seconds", "MB/s");
	fputs("name\n", stderr);
	for (size_t i = 0; i < files->n; i++) {
		const file_result *r = &res[i];
		const char *name = !strcmp(files->v[i].path, "-") ? "(stdin)" : files->v[i].path;
		if (r->ran) {
			const job_stats *s = &r->stats;
			uint64_t raw = compress ? s->in_bytes : s->out_bytes;
			uint64_t comp = compress ? s->out_bytes : s->in_bytes;
			numbers(s->in_bytes, s->out_bytes, raw, comp, s->seconds);
			put_safe_name(stderr, name);
			fputc('\n', stderr);
			tin += s->in_bytes;
			tout += s->out_bytes;
			done++;
		} else if (r->failed) {
			row("-", "-", "-", "-", "-", "-");
			put_safe_name(stderr, name);
			fputs(" (failed)\n", stderr);
			failed++;
		} else if (r->skipped) {
			row("-", "-", "-", "-", "-", "-");
			put_safe_name(stderr, name);
			fputs(" (skipped)\n", stderr);
			skipped++;
		}
	}
	numbers(tin, tout, compress ? tin : tout, compress ? tout : tin, wall);
	fprintf(stderr, "(total: %d file%s", done, done == 1 ? "" : "s");
	if (failed)
		fprintf(stderr, ", %d failed", failed);
	if (skipped)
		fprintf(stderr, ", %d skipped", skipped);
	fputs(")\n", stderr);
	fflush(stderr);
	funlockfile(stderr);
}
