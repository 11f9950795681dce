/*
 * nzip.c - main(): parse the command line, refuse what must be refused before any
 * work (compressed data to a terminal), list the files (walk.c), then process them:
 * one after the other, or several at once with -T (batch.c). An error on one file is
 * reported and the others are still processed; the exit code is 1 if any failed, 2
 * for usage errors.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "cli.h"

typedef struct run_ctx {
	const cli_options *o;
	const file_list *files;
	file_result *results;
	list_totals *lt;
	int batch_progress;  /* one progress line for all files */
} run_ctx;

static int run_one(void *ctx, size_t i, uint32_t threads)
{
	run_ctx *r = ctx;
	cli_options o = *r->o;
	if (threads) {  /* the batch's share (batch.c); output is the same for any */
		o.threads.set = 1;
		o.threads.value = threads;
	}
	int rc = process_file(&o, &r->files->v[i], r->lt, &r->results[i]);
	if (r->batch_progress)
		progress_batch_file_done();
	return rc;
}

static uint64_t memory_one(void *ctx, size_t i)
{
	run_ctx *r = ctx;
	return file_memory_needed(r->o, &r->files->v[i]);
}

/* The thread budget: -T N, or all cores for -T 0 and by default. */
static uint32_t thread_budget(const cli_options *o)
{
	if (o->threads.set && o->threads.value)
		return o->threads.value;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (uint32_t)n : 1;
}

/* Jobs share memory: keep those running at once within half the physical memory. */
static uint64_t memory_budget(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	return pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page / 2 : 0;
}

int main(int argc, char **argv)
{
	cli_options o;
	char **operands = NULL;
	int n = 0;
	int status = cli_parse_args(argc, argv, &o, &operands, &n);
	if (status) {
		free(operands);
		if (status < 0)  /* -h, --version: done */
			return fflush(stdout) || ferror(stdout) ? EXIT_ERROR : EXIT_OK;
		return status;
	}
	msg_set_quiet(o.quiet);
	if ((status = cli_check_params(&o)) != EXIT_OK) {
		free(operands);
		return status;
	}
	progress_enable(o.progress != 0 && isatty(STDERR_FILENO) && (o.progress == 1 || !o.quiet));
	fileio_init();
	signals_install();

	static char dash[] = "-";
	if (n == 0)
		operands[n++] = dash;

	int reads_stdin = 0;
	for (int i = 0; i < n; i++)
		reads_stdin |= !strcmp(operands[i], "-");
	int writes_stdout = (o.mode == MODE_COMPRESS || o.mode == MODE_DECOMPRESS) &&
			    (o.to_stdout || (reads_stdin && !o.output));
	if (o.mode == MODE_COMPRESS && writes_stdout && isatty(STDOUT_FILENO) && !o.force) {
		msg_error(NULL, "compressed data not written to a terminal (use -f to force)");
		free(operands);
		return EXIT_ERROR;
	}

	double t0 = now_seconds();
	file_list files = {0};
	status = walk_operands(&o, operands, n, &files);
	free(operands);
	file_result *results = calloc(files.n ? files.n : 1, sizeof(*results));
	if (!results) {
		msg_error(NULL, "%s", nz_error_string(NZ_ERR_NOMEM));
		file_list_free(&files);
		return EXIT_ERROR;
	}

	/* Whole files at once, unless the outputs are one stream (stdout, in order)
	 * or the work is only reading headers (-l). */
	int serial = writes_stdout || o.mode == MODE_LIST || reads_stdin || o.output;
	uint32_t budget = thread_budget(&o);
	list_totals lt;
	memset(&lt, 0, sizeof(lt));
	run_ctx ctx = {&o, &files, results, &lt, files.n > 1 && o.mode != MODE_LIST};
	batch_spec spec = {
		.items = files.n,
		.workers = serial ? 1 : batch_workers(files.n, budget),
		.thread_budget = budget,
		.memory_budget = memory_budget(),
		.job = run_one,
		.memory = memory_one,
		.ctx = &ctx,
	};
	uint64_t total_in = 0;
	for (size_t i = 0; i < files.n; i++)
		total_in += files.v[i].size;

	if (o.mode == MODE_LIST)
		list_header(o.verbose);
	if (ctx.batch_progress)
		progress_batch_begin((int)files.n, total_in);
	int rc = batch_run(&spec);
	if (ctx.batch_progress)
		progress_batch_end();
	if (rc == EXIT_USAGE || (rc && status == EXIT_OK) ||
	    (rc == EXIT_ERROR && status == EXIT_SKIPPED))
		status = rc;
	if (o.mode == MODE_LIST)
		list_footer(&lt, o.verbose);
	if (o.mode != MODE_LIST && rc != EXIT_USAGE && (o.summary || (o.verbose && files.n > 1)))
		summary_print(&o, &files, results, now_seconds() - t0);
	if (o.verbose && o.backend == NZ_BACKEND_OPENCL) {
		char dev[256];
		const uint64_t peak = nz_device_peak_memory(dev, sizeof dev);
		msg_info(NULL, "device opencl:%s, peak device memory %.1f MiB", dev,
			 (double)peak / 1048576.0);
	}
	free(results);
	file_list_free(&files);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		msg_error(NULL, "write error on standard output: %s", strerror(errno));
		status = EXIT_ERROR;
	}
	return cli_exit_status(status);
}
