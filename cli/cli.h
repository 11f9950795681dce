/*
 * cli.h - what the parts of the nzip command-line tool share: the parsed options,
 * messages, file I/O with atomic output, progress display, the stream loops, the
 * list of files and the summary table. Several files may be processed at once
 * (batch.h): everything here that a job calls is safe to call from several threads.
 * The CLI uses nothing but the public API (nzip.h) and POSIX.
 */
#ifndef NZIP_CLI_H
#define NZIP_CLI_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "nzip.h"

/* Exit codes. */
enum { EXIT_OK = 0, EXIT_ERROR = 1, EXIT_USAGE = 2 };
/* A file skipped with a warning (a directory, a symbolic link, a name with or
 * without the suffix), as gzip does: the run goes on and exits 2 unless an error
 * (1) happened. Internal to the CLI: cli_exit_status() maps it to 2. */
enum { EXIT_SKIPPED = 3 };
/* The exit status of a run whose files ended with `worst` (merge_status order:
 * usage > error > skipped > ok). */
int cli_exit_status(int worst);

enum cli_mode { MODE_COMPRESS, MODE_DECOMPRESS, MODE_TEST, MODE_LIST };

/* A model hyperparameter given on the command line (unset ones keep the level's default). */
typedef struct opt_u32 {
	int set;
	uint32_t value;
} opt_u32;

typedef struct cli_options {
	int mode;            /* enum cli_mode */
	int keep;            /* -k */
	int force;           /* -f */
	int to_stdout;       /* -c (or -o -) */
	const char *output;  /* -o FILE, NULL if none */
	const char *suffix;  /* -S, ".nz" by default */
	int recursive;       /* -r */
	int verify;          /* --verify */
	int quiet;           /* -q */
	int verbose;         /* -v (counted) */
	int progress;        /* -1 auto (stderr is a terminal), 0 never, 1 on a terminal even with -q */
	int level;           /* -0 .. -9 */
	const char *model;   /* --model NAME, NULL for the level's model */
	opt_u32 lanes, context, hidden, ffn, substreams, block_size, threads;
	int lr_set;
	float lr;
	int seed_set;
	uint64_t seed;
	uint64_t memlimit;   /* --memlimit (NZ_MEMLIMIT_DEFAULT unless given), 0 = none */
	int backend;         /* --backend, an nz_backend (0 = auto) */
	int summary;         /* --summary: the table of all files at the end */
	const char *device;  /* --device=opencl:P.D: "P.D" (NULL = default device) */
} cli_options;

/* ---- args.c ---- */

/* Parse argv into *o and the list of operands (pointers into argv; *operands is
 * allocated, free it). Returns EXIT_OK, EXIT_USAGE after printing why, or -1 when
 * the work is already done (-h, --version). */
int cli_parse_args(int argc, char **argv, cli_options *o, char ***operands, int *n_operands);

/* Compression parameters for one input of content_size bytes (NZ_CONTENT_SIZE_UNKNOWN). */
int cli_make_params(const cli_options *o, uint64_t content_size, nz_params *p);
void cli_make_dparams(const cli_options *o, nz_dparams *p);
/* Before any file: if the model refuses the hyperparameters given, say which ones
 * (a usage error). Returns EXIT_OK or EXIT_USAGE. */
int cli_check_params(const cli_options *o);

/* ---- msg.c ---- */

const char *msg_program(void);
void msg_set_quiet(int quiet);
/* "nzip: FILE: message" (FILE may be NULL) on stderr. Errors are never silenced;
 * warnings are silenced by -q; info is printed as asked by the caller. */
void msg_error(const char *file, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void msg_warn(const char *file, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void msg_info(const char *file, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write name with control characters shown as '?', so a line stays one line. */
void put_safe_name(FILE *f, const char *name);
/* The same into buf (cut to cap - 1 bytes), for names inside a message. */
const char *safe_name(char *buf, size_t cap, const char *name);
/* A usage error: the message, then a hint to run -h. */
void msg_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Write a human size ("1.5 MiB") into buf. */
const char *fmt_size(char *buf, size_t cap, uint64_t bytes);
/* Seconds since an arbitrary start (monotonic). */
double now_seconds(void);

/* ---- fileio.c ---- */

/* Read until n bytes or end of file; returns the count, or -1 (errno set). */
ssize_t read_full(int fd, void *buf, size_t n);
/* Write all n bytes; 0 or -1 (errno set). */
int write_all(int fd, const void *buf, size_t n);

/* The most jobs run at once (cli/batch.c); each may hold one temporary file. */
#define CLI_MAX_JOBS 64

/* Read what must be read before threads start (the umask). Called by main(). */
void fileio_init(void);

/* Catch SIGINT, SIGTERM, SIGHUP and SIGPIPE (unless ignored at start): remove the
 * temporary output, then die by the same signal. */
void signals_install(void);

/* An output being written: stdout, or a temporary file renamed over `path` when done. */
typedef struct out_file {
	int fd;
	int is_stdout;       /* a stream written in place: stdout, or a device (own_fd) */
	int own_fd;          /* a device opened by out_open_device: closed when done */
	const char *path;    /* the final name (NULL for stdout) */
	int open;            /* a temporary file exists */
	struct temp_slot *temp; /* where a signal handler finds its name (fileio.c) */
} out_file;

/* Create a temporary file beside path (in the same directory), registered so a
 * signal removes it. Returns 0, or -1 after printing an error. */
int out_open_temp(out_file *out, const char *path);
void out_open_stdout(out_file *out);
/* An existing output that is not a regular file (a device such as /dev/null, a
 * FIFO) is written in place, as zstd does: a temporary file renamed over it would
 * replace the device node itself. Returns 0, or -1 after printing an error. */
int out_open_device(out_file *out, const char *path);
/* Finish the output: copy mode, owner and times from st (if not NULL), fsync,
 * rename to path (replacing an existing file only if replace), fsync the directory.
 * On failure the temporary file is removed. Returns 0 or -1 after an error message. */
int out_commit(out_file *out, const struct stat *st, int replace);
/* Remove the temporary file (on any error). */
void out_abort(out_file *out);

/* ---- progress.c ---- */

void progress_enable(int on);
/* Start a job: name shown, total bytes of input (0 if unknown), decompressing? */
void progress_start(const char *name, uint64_t total_in, int decompress);
/* Tell the display how the caller's own loop stands (bytes read and written). */
void progress_io(uint64_t in, uint64_t out);
/* The library's callback (pass with a NULL opaque). Never cancels. */
int progress_callback(void *opaque, const nz_progress *p);
/* Set the uncompressed total when it becomes known (decompression). */
void progress_set_raw_total(uint64_t raw_total);
/* Remove the line (end of job, or before a message). */
void progress_clear(void);
void progress_end(void);

/* ---- hash.c: a streaming 64-bit hash for --verify ---- */

typedef struct cli_hash {
	uint64_t h;
	uint64_t len;
	unsigned char tail[8];
	unsigned ntail;
} cli_hash;

void hash_init(cli_hash *s);
void hash_update(cli_hash *s, const void *data, size_t n);
uint64_t hash_final(const cli_hash *s);

/* ---- codec.c: the stream loops ---- */

typedef struct job_stats {
	uint64_t in_bytes;   /* bytes read */
	uint64_t out_bytes;  /* bytes written (or decoded, for -t) */
	double seconds;
	double verify_seconds;
	double io_seconds;      /* in read() and write() */
	nz_stage_stats stages;  /* the library's own stage times (-vv) */
} job_stats;

/* Compress in_fd to out_fd through the streaming API; with verify, decode what was
 * written as it is written and compare with the input. `name` (the input) and
 * `out_name` (the output, named in a write error) are for messages.
 * Returns EXIT_OK, EXIT_ERROR (message printed) or EXIT_USAGE (bad parameters). */
int compress_fd(int in_fd, int out_fd, const nz_params *params, int verify,
		const nz_dparams *dparams, const char *name, const char *out_name,
		job_stats *st);
/* Decompress in_fd to out_fd (-1: test only, discard). */
int decompress_fd(int in_fd, int out_fd, const nz_dparams *dparams, const char *name,
		  const char *out_name, job_stats *st);
/* Free the calling thread's I/O buffers (each thread that runs jobs has its own). */
void codec_release_buffers(void);

/* ---- io_thread.c: a reader that prefetches, a writer that drains ---- */
#define IO_RING_CHUNKS 4
typedef struct io_ring io_ring;
/* Start a thread reading fd in chunks of chunk_size (threaded = 0: no thread, the
 * reads happen in reader_next); NULL if out of memory. */
io_ring *reader_start(int fd, size_t chunk_size, int threaded);
/* The next chunk read (valid until the next call): its length, 0 at end of
 * file, -1 with errno on a read error. */
ssize_t reader_next(io_ring *r, const unsigned char **data);
/* Stop the reader (even one blocked in read()) and free it; r may be NULL. */
void reader_stop(io_ring *r);
/* Start a thread writing what is submitted to fd (threaded = 0: no thread, each
 * submit writes at once); NULL if out of memory. */
io_ring *writer_start(int fd, size_t chunk_size, int threaded);
/* A buffer of chunk_size bytes to fill (waits while every chunk is queued);
 * NULL if out of memory. */
unsigned char *writer_buffer(io_ring *r);
/* Queue len bytes of the buffer writer_buffer gave. -1 with errno if an earlier
 * write failed (nothing more is written then). */
int writer_submit(io_ring *r, size_t len);
/* Write what is queued, stop the thread and free it; -1 with errno if any write
 * failed. r may be NULL. */
int writer_finish(io_ring *r);
/* The I/O buffers' sizes. */
#define CLI_IN_CHUNK ((size_t)1 << 20)
#define CLI_OUT_CHUNK ((size_t)1 << 20)

/* ---- list.c ---- */

typedef struct list_totals {
	int files;
	uint64_t compressed, uncompressed;
	uint64_t frames;
	int unknown;         /* some uncompressed size was unknown */
	int frames_unknown;  /* some file was read from a pipe: its frames not counted */
} list_totals;

void list_header(int verbose);
int list_fd(int fd, const char *name, const struct stat *st, int verbose, list_totals *t);
void list_footer(const list_totals *t, int verbose);

/* ---- walk.c: the files to process ---- */

typedef struct file_entry {
	char *path;          /* "-" is standard input */
	int explicit;        /* named on the command line (not found by -r) */
	uint64_t size;       /* a regular file's size when walked, else 0 */
} file_entry;

typedef struct file_list {
	file_entry *v;
	size_t n, cap;
} file_list;

/* Does path's name end with suffix (and is more than the suffix)? */
int has_suffix(const char *path, const char *suffix);
/* Append the operands to *l, directories expanded with -r. Returns EXIT_OK, or
 * EXIT_ERROR after a message (an unreadable directory); the others are listed. */
int walk_operands(const cli_options *o, char **operands, int n, file_list *l);
void file_list_free(file_list *l);

/* ---- file.c: one file ---- */

typedef struct file_result {
	int ran;             /* the job ran and succeeded: stats are valid */
	int failed;          /* an error was reported */
	int skipped;         /* skipped with a warning (EXIT_SKIPPED) */
	job_stats stats;
} file_result;

/* Compress, decompress, test or list one file ("-" is stdin). Returns EXIT_OK
 * (done, or skipped), EXIT_ERROR or EXIT_USAGE (fatal: stop). */
int process_file(const cli_options *o, const file_entry *e, list_totals *lt, file_result *res);

/* The memory a file's job will need, about (0 if unknown), for batch.c's budget. */
uint64_t file_memory_needed(const cli_options *o, const file_entry *e);

/* ---- summary.c: --summary ---- */

/* The table on stderr: one row per file that ran or failed, in input order, then
 * a totals row; wall is the whole run's wall-clock time in seconds. */
void summary_print(const cli_options *o, const file_list *files, const file_result *res,
		   double wall);

/* ---- progress.c, several files at once ---- */

/* One line for the whole batch: files done of `files`, bytes read of total_in. */
void progress_batch_begin(int files, uint64_t total_in);
void progress_batch_file_done(void);
void progress_batch_end(void);

#endif /* NZIP_CLI_H */
