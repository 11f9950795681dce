/*
 * file.c - one operand from start to end: checks on the input (kind, links,
 * suffix), the output's name and whether it may be written, the job itself, then
 * metadata, the atomic rename and the removal of the input. Directories were walked
 * before (walk.c). Errors on one file are reported and the caller goes on with the
 * next. Several of these may run at once on different threads (batch.c).
 */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const char STDIN_NAME[] = "(stdin)";

static char *join(const char *a, const char *b, size_t b_len)
{
	size_t n = strlen(a);
	char *s = malloc(n + b_len + 1);
	if (s) {
		memcpy(s, a, n);
		memcpy(s + n, b, b_len);
		s[n + b_len] = 0;
	}
	return s;
}

/* -vv: where the time went, from the library's counters and our own I/O time
 * (the time the job waited for the reader or writer thread).
 * Quantise and code run on coder threads, so they may overlap the model. */
static void print_stages(const char *name, const job_stats *st)
{
	const nz_stage_stats *s = &st->stages;
	const double ms = 1e-6;
	if (s->steps == 0) { /* stored, or a codec without stage counters (cm) */
		msg_info(name, "stages (ms): io wait %.1f, total %.1f", st->io_seconds * 1e3,
			 st->seconds * 1e3);
		return;
	}
	msg_info(name, "stages (ms): forward %.1f, backward %.1f, adam %.1f, quantise %.1f, "
		 "code %.1f, wait %.1f, codec %.1f, io wait %.1f, total %.1f; %llu steps",
		 s->forward_ns * ms, s->backward_ns * ms, s->adam_ns * ms, s->quantise_ns * ms,
		 s->code_ns * ms, s->wait_ns * ms, s->total_ns * ms, st->io_seconds * 1e3,
		 st->seconds * 1e3, (unsigned long long)s->steps);
}

static void print_stats(const cli_options *o, const char *name, const job_stats *st,
			const char *out_name)
{
	if (o->verbose < 1)
		return;
	if (o->verbose >= 2)
		print_stages(name, st);
	double secs = st->seconds > 1e-9 ? st->seconds : 1e-9;
	char out_buf[4096];
	out_name = safe_name(out_buf, sizeof(out_buf), out_name); /* control characters shown as ? */
	if (o->mode == MODE_COMPRESS) {
		char ratio[64] = "";
		if (st->in_bytes)
			snprintf(ratio, sizeof(ratio), ", %.2f%%, %.3f bpb",
				 100.0 * (double)st->out_bytes / (double)st->in_bytes,
				 8.0 * (double)st->out_bytes / (double)st->in_bytes);
		char verified[64] = "";
		if (o->verify)
			snprintf(verified, sizeof(verified), ", verified in %.2f s", st->verify_seconds);
		msg_info(name, "%llu -> %llu bytes%s, %.2f MB/s, %.2f s%s -> %s",
			 (unsigned long long)st->in_bytes, (unsigned long long)st->out_bytes, ratio,
			 (double)st->in_bytes / secs / 1e6, st->seconds, verified, out_name);
	} else if (o->mode == MODE_DECOMPRESS) {
		msg_info(name, "%llu -> %llu bytes, %.2f MB/s, %.2f s -> %s",
			 (unsigned long long)st->in_bytes, (unsigned long long)st->out_bytes,
			 (double)st->out_bytes / secs / 1e6, st->seconds, out_name);
	} else {
		msg_info(name, "OK (%llu -> %llu bytes, %.2f MB/s)", (unsigned long long)st->in_bytes,
			 (unsigned long long)st->out_bytes, (double)st->out_bytes / secs / 1e6);
	}
}

/* The job between an opened input and an opened output; size is the input's size
 * (NZ_CONTENT_SIZE_UNKNOWN for a pipe). */
static int run_job(const cli_options *o, int in_fd, int out_fd, uint64_t size,
		   const char *name, const char *out_name, job_stats *st)
{
	int rc;
	nz_dparams dp;
	cli_make_dparams(o, &dp);
	progress_start(name, size == NZ_CONTENT_SIZE_UNKNOWN ? 0 : size, o->mode != MODE_COMPRESS);
	if (o->mode == MODE_COMPRESS) {
		nz_params p;
		rc = cli_make_params(o, size, &p);
		if (rc) {
			progress_end();
			msg_error(NULL, "invalid compression parameters: %s", nz_error_string(rc));
			return EXIT_USAGE;
		}
		rc = compress_fd(in_fd, out_fd, &p, o->verify, &dp, name, out_name, st);
	} else {
		rc = decompress_fd(in_fd, o->mode == MODE_TEST ? -1 : out_fd, &dp, name, out_name,
				   st);
	}
	progress_end();
	return rc;
}

static int process_stdin(const cli_options *o, list_totals *lt, file_result *res)
{
	if (isatty(STDIN_FILENO) && !o->force) {
		if (o->mode == MODE_COMPRESS)
			msg_error(NULL, "standard input is a terminal: not compressing it "
				  "(use -f to force)");
		else
			msg_error(NULL, "compressed data not read from a terminal (use -f to force)");
		return EXIT_ERROR;
	}
	if (o->mode == MODE_LIST)
		return list_fd(STDIN_FILENO, STDIN_NAME, NULL, o->verbose, lt);

	out_file out;
	const char *out_name = "(stdout)";
	if (o->mode == MODE_TEST) {
		out_open_stdout(&out);
	} else if (o->output) {
		struct stat ost;
		const int device_out = stat(o->output, &ost) == 0 && !S_ISREG(ost.st_mode) &&
				       !S_ISDIR(ost.st_mode);
		if (!device_out && lstat(o->output, &ost) == 0 && !o->force) {
			msg_error(o->output, "already exists; not overwritten (use -f to overwrite)");
			return EXIT_ERROR;
		}
		if (device_out ? out_open_device(&out, o->output) : out_open_temp(&out, o->output))
			return EXIT_ERROR;
		out_name = o->output;
	} else {
		out_open_stdout(&out);
	}
	job_stats st;
	char safe_out[4096];
	int rc = run_job(o, STDIN_FILENO, out.fd, NZ_CONTENT_SIZE_UNKNOWN, STDIN_NAME,
			 o->output && o->mode != MODE_TEST
				 ? safe_name(safe_out, sizeof(safe_out), o->output)
				 : "standard output", &st);
	if (rc) {
		out_abort(&out);
		return rc;
	}
	if (out_commit(&out, NULL, o->force))
		return EXIT_ERROR;
	print_stats(o, STDIN_NAME, &st, out_name);
	res->ran = 1;
	res->stats = st;
	return EXIT_OK;
}

static int process_path(const cli_options *o, const char *path, int explicit, list_totals *lt,
			file_result *res)
{
	int writes_file = (o->mode == MODE_COMPRESS || o->mode == MODE_DECOMPRESS) &&
			  !o->to_stdout && !o->output;
	struct stat st;
	if (lstat(path, &st) != 0) {
		msg_error(path, "%s", strerror(errno));
		return EXIT_ERROR;
	}
	if (S_ISLNK(st.st_mode)) {
		if (!explicit)
			return EXIT_OK;  /* -r never follows links */
		if (writes_file && !o->force) {
			msg_warn(path, "is a symbolic link -- ignored (use -f to follow it)");
			return EXIT_SKIPPED;
		}
		if (stat(path, &st) != 0) {
			msg_error(path, "%s", strerror(errno));
			return EXIT_ERROR;
		}
	}
	if (S_ISDIR(st.st_mode)) {
		/* With -r, walk.c expanded it already: this one appeared since. */
		msg_warn(path, "is a directory -- ignored");
		return EXIT_SKIPPED;
	}
	if (!S_ISREG(st.st_mode)) {
		if (!explicit) {
			msg_warn(path, "not a regular file -- ignored");
			return EXIT_OK;
		}
		if (writes_file && !o->force) {
			msg_error(path, "not a regular file -- ignored (use -c, or -f)");
			return EXIT_ERROR;
		}
	}

	/* -r with -d, -t, -l: only the files that carry the suffix. */
	if (!explicit && o->mode != MODE_COMPRESS && !has_suffix(path, o->suffix))
		return EXIT_OK;

	/* The output's name. */
	char *out_path = NULL;
	if (writes_file) {
		size_t slen = strlen(o->suffix);
		if (o->mode == MODE_COMPRESS) {
			if (has_suffix(path, o->suffix) && !o->force) {
				if (!explicit)
					return EXIT_OK;
				msg_warn(path, "already has %s suffix -- unchanged (use -f to "
					 "compress it anyway)", o->suffix);
				return EXIT_SKIPPED;
			}
			out_path = join(path, o->suffix, slen);
		} else {
			if (!has_suffix(path, o->suffix)) {
				if (!explicit)
					return EXIT_OK;
				msg_warn(path, "unknown suffix -- ignored (expected %s; use -c or -o "
					 "to decompress it)", o->suffix);
				return EXIT_SKIPPED;
			}
			out_path = strndup(path, strlen(path) - slen);
		}
		if (!out_path) {
			msg_error(path, "%s", nz_error_string(NZ_ERR_NOMEM));
			return EXIT_ERROR;
		}
	} else if (o->output) {
		out_path = strdup(o->output);
	}
	int status = EXIT_ERROR;
	int fd = -1;

	/* Hard links: removing this name would not free the space (as gzip). */
	if (writes_file && !o->keep && !o->force && S_ISREG(st.st_mode) && st.st_nlink > 1) {
		msg_error(path, "has %lu other link%s -- unchanged (use -k or -f)",
			  (unsigned long)st.st_nlink - 1, st.st_nlink > 2 ? "s" : "");
		goto out;
	}
	int device_out = 0;  /* out_path is a device or FIFO: written in place */
	if (out_path) {
		struct stat ost;
		if (stat(out_path, &ost) == 0) {
			if (ost.st_dev == st.st_dev && ost.st_ino == st.st_ino) {
				msg_error(path, "input and output are the same file");
				goto out;
			}
			if (S_ISDIR(ost.st_mode)) {
				msg_error(out_path, "is a directory: cannot write output");
				goto out;
			}
			device_out = !S_ISREG(ost.st_mode);
		}
		if (!device_out && lstat(out_path, &ost) == 0 && !o->force) {
			msg_error(out_path, "already exists; not overwritten (use -f to overwrite)");
			goto out;
		}
	}

	/* A FIFO that got this far is meant to be read: wait for its writer (a
	 * non-blocking open would read an empty stream if the writer is late). */
	fd = open(path, O_RDONLY | O_NOCTTY);
	if (fd < 0) {
		msg_error(path, "%s", strerror(errno));
		goto out;
	}
	struct stat fst;
	if (fstat(fd, &fst) != 0 || fst.st_dev != st.st_dev || fst.st_ino != st.st_ino) {
		msg_error(path, "changed while being opened -- ignored");
		goto out;
	}
	int regular = S_ISREG(fst.st_mode);

	if (o->mode == MODE_LIST) {
		status = list_fd(fd, path, &fst, o->verbose, lt);
		goto out;
	}
	out_file out;
	if (out_path) {
		if (device_out ? out_open_device(&out, out_path) : out_open_temp(&out, out_path))
			goto out;
	} else {
		out_open_stdout(&out);
	}
	job_stats js;
	/* A regular file's size goes into the header, and drives the progress line. */
	char safe_out[4096];
	int rc = run_job(o, fd, out.fd, regular ? (uint64_t)fst.st_size : NZ_CONTENT_SIZE_UNKNOWN,
			 path, out_path ? safe_name(safe_out, sizeof(safe_out), out_path)
					: "standard output", &js);
	if (rc) {
		out_abort(&out);
		status = rc;
		goto out;
	}
	/* The input changed while we read it: what we compressed is not what the file
	 * holds now, so neither remove the input nor leave an output. */
	struct stat after;
	int changed = regular && o->mode == MODE_COMPRESS &&
		      (fstat(fd, &after) != 0 || after.st_size != fst.st_size ||
		       after.st_mtim.tv_sec != fst.st_mtim.tv_sec ||
		       after.st_mtim.tv_nsec != fst.st_mtim.tv_nsec ||
		       (uint64_t)after.st_size != js.in_bytes);
	if (changed) {
		out_abort(&out);
		msg_error(path, "changed while being compressed -- no output, input kept");
		goto out;
	}
	if (out_commit(&out, regular ? &fst : NULL, o->force))
		goto out;
	print_stats(o, path, &js, out_path ? out_path : "(stdout)");
	res->ran = 1;
	res->stats = js;
	status = EXIT_OK;
	if (writes_file && !o->keep && regular) {
		close(fd);
		fd = -1;
		if (unlink(path) != 0) {
			msg_error(path, "cannot remove input: %s", strerror(errno));
			status = EXIT_ERROR;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	free(out_path);
	return status;
}

int process_file(const cli_options *o, const file_entry *e, list_totals *lt, file_result *res)
{
	memset(res, 0, sizeof(*res));
	int rc = !strcmp(e->path, "-") ? process_stdin(o, lt, res)
				       : process_path(o, e->path, e->explicit, lt, res);
	/* A skipped file (ran == 0 and no error) has no row in the summary. */
	res->failed = rc != EXIT_OK && rc != EXIT_SKIPPED;
	res->skipped = rc == EXIT_SKIPPED;
	return rc;
}

uint64_t file_memory_needed(const cli_options *o, const file_entry *e)
{
	if (o->mode == MODE_COMPRESS) {
		nz_params p;
		nz_frame_info fi;
		if (cli_make_params(o, e->size ? e->size : NZ_CONTENT_SIZE_UNKNOWN, &p) ||
		    nz_params_resolve(&p, &fi, NULL))
			return 0;
		/* --verify runs a decoder beside the encoder. */
		return fi.memory_needed * (o->verify ? 2 : 1);
	}
	/* Decoding: what the header says (a few hundred bytes; unknown if longer).
	 * Only regular files: reading a FIFO would take bytes its job needs. */
	unsigned char head[4096];
	if (!strcmp(e->path, "-") || !e->size)
		return 0;
	int fd = open(e->path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return 0;
	struct stat st;
	ssize_t n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read_full(fd, head, sizeof(head)) : -1;
	close(fd);
	nz_frame_info fi;
	if (n <= 0 || nz_get_frame_info(head, (size_t)n, &fi) != NZ_OK)
		return 0;
	return fi.memory_needed;
}
