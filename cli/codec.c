/*
 * codec.c - the stream loops between file descriptors and the library's streaming
 * API: constant memory besides the library's own block buffers, whatever the input
 * size, for files and pipes alike.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* After this many calls in a row that neither consume nor produce anything while
 * they could, the library is stuck: fail instead of hanging. */
#define MAX_STALLS 1000

/* Compressed bytes fed per call before the frame header has been read. */
#define HEADER_PROBE ((size_t)4096)

/* Per thread: concurrent jobs (cli/batch.c) each run on their own thread. The
 * input and output chunks belong to the reader and writer threads (io_thread.c);
 * these serve --verify and -t, which have no writer. */
static _Thread_local unsigned char *out_buf, *verify_buf;

static int buffers(void)
{
	if (!out_buf)
		out_buf = malloc(CLI_OUT_CHUNK);
	if (!verify_buf)
		verify_buf = malloc(CLI_OUT_CHUNK);
	return out_buf && verify_buf ? 0 : -1;
}

void codec_release_buffers(void)
{
	free(out_buf);
	free(verify_buf);
	out_buf = verify_buf = NULL;
}

/* Both rings, or neither (and an error message). A regular input of one chunk or
 * less is read and its output written inline: threads cannot overlap anything
 * there, and they cost wake-ups (io_thread.c). */
static int start_io(int in_fd, int out_fd, io_ring **rd, io_ring **wr, const char *name)
{
	struct stat st;
	const int threaded = !(fstat(in_fd, &st) == 0 && S_ISREG(st.st_mode) &&
			       (uint64_t)st.st_size <= CLI_IN_CHUNK);
	*rd = reader_start(in_fd, CLI_IN_CHUNK, threaded);
	*wr = out_fd >= 0 ? writer_start(out_fd, CLI_OUT_CHUNK, threaded) : NULL;
	if (*rd && (*wr || out_fd < 0))
		return 0;
	reader_stop(*rd);
	writer_finish(*wr);
	*rd = *wr = NULL;
	msg_error(name, "%s", nz_error_string(NZ_ERR_NOMEM));
	return -1;
}

/* End both threads; a write error only the final flush saw turns an otherwise
 * good result into an error. */
static int stop_io(io_ring *rd, io_ring *wr, int result, const char *name,
		   const char *out_name, job_stats *st)
{
	reader_stop(rd);
	double tw = now_seconds();
	const int werr = writer_finish(wr);
	st->io_seconds += now_seconds() - tw;
	if (werr && result == EXIT_OK) {
		msg_error(name, "cannot write %s: %s", out_name, strerror(errno));
		return EXIT_ERROR;
	}
	return result;
}

/* The next input chunk from the reader; 0 or -1 (message given) at the end. */
static ssize_t next_input(io_ring *rd, nz_inbuf *in, const char *name, job_stats *st)
{
	const unsigned char *p = NULL;
	double tr = now_seconds();
	ssize_t r = reader_next(rd, &p);
	st->io_seconds += now_seconds() - tr;
	if (r < 0) {
		msg_error(name, "read error: %s", strerror(errno));
		return -1;
	}
	st->in_bytes += (uint64_t)r;
	*in = (nz_inbuf){p, (size_t)r, 0};
	return r;
}

/* The buffer the next output goes to: the writer's, or out_buf without one. */
static unsigned char *output_buffer(io_ring *wr, const char *name, job_stats *st)
{
	if (!wr)
		return out_buf;
	double tw = now_seconds();
	unsigned char *p = writer_buffer(wr);
	st->io_seconds += now_seconds() - tw;
	if (!p)
		msg_error(name, "%s", nz_error_string(NZ_ERR_NOMEM));
	return p;
}

static void lib_error(const char *name, const char *what, int rc, const char *detail)
{
	if (!detail)
		detail = "";
	msg_error(name, "%s%s%s%s", what, nz_error_string(rc), *detail ? ": " : "", detail);
}

static void memlimit_error(const char *name, const nz_dctx *d, const nz_dparams *dp)
{
	nz_frame_info fi;
	char need[32], lim[32];
	if (nz_dctx_frame_info(d, &fi) == NZ_OK && fi.memory_needed)
		msg_error(name, "decoding needs %s of memory, more than the limit of %s (--memlimit)",
			  fmt_size(need, sizeof(need), fi.memory_needed),
			  fmt_size(lim, sizeof(lim), dp->memlimit));
	else
		msg_error(name, "%s (--memlimit %s)", nz_error_string(NZ_ERR_MEMLIMIT),
			  fmt_size(lim, sizeof(lim), dp->memlimit));
}

/* ---- --verify: decode the compressed bytes as they are written ---- */

typedef struct verifier {
	nz_dctx *d;
	cli_hash hash;
	int frame_done;
} verifier;

/* Feed n compressed bytes (n = 0 flushes). Returns NZ_OK or an error code. */
static int verify_feed(verifier *v, const void *src, size_t n)
{
	nz_inbuf in = {src, n, 0};
	int stalls = 0;
	for (;;) {
		nz_outbuf out = {verify_buf, CLI_OUT_CHUNK, 0};
		size_t before = in.pos;
		int rc = nz_decompress_stream(v->d, &out, &in, &v->frame_done);
		if (rc)
			return rc;
		hash_update(&v->hash, verify_buf, out.pos);
		if (in.pos == in.size && out.pos < out.size)
			return NZ_OK;
		if (in.pos != before || out.pos)
			stalls = 0;
		else if (++stalls > MAX_STALLS)
			return NZ_ERR_GENERIC;
	}
}

int compress_fd(int in_fd, int out_fd, const nz_params *params, int verify,
		const nz_dparams *dparams, const char *name, const char *out_name,
		job_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (buffers()) {
		msg_error(name, "%s", nz_error_string(NZ_ERR_NOMEM));
		return EXIT_ERROR;
	}
	nz_cctx *c = NULL;
	int rc = nz_cctx_create(&c, params);
	if (rc) {
		if (rc == NZ_ERR_PARAM || rc == NZ_ERR_UNSUPPORTED) {
			msg_error(NULL, "invalid compression parameters: %s", nz_error_string(rc));
			return EXIT_USAGE;
		}
		lib_error(name, "", rc, NULL);
		return EXIT_ERROR;
	}
	verifier v;
	memset(&v, 0, sizeof(v));
	if (verify) {
		nz_dparams vp = *dparams;
		vp.memlimit = 0;  /* we made this frame: its needs are known to be fine */
		vp.progress = NULL;
		hash_init(&v.hash);
		rc = nz_dctx_create(&v.d, &vp);
		if (rc) {
			nz_cctx_free(c);
			lib_error(name, "cannot verify: ", rc, NULL);
			return EXIT_ERROR;
		}
	}
	cli_hash in_hash;
	hash_init(&in_hash);
	double t0 = now_seconds(), tverify = 0;
	int eof = 0, result = EXIT_ERROR, stalls = 0;
	nz_inbuf in = {NULL, 0, 0};
	io_ring *rd, *wr;
	if (start_io(in_fd, out_fd, &rd, &wr, name)) {
		nz_cctx_free(c);
		nz_dctx_free(v.d);
		return EXIT_ERROR;
	}
	for (;;) {
		if (in.pos == in.size && !eof) {
			ssize_t r = next_input(rd, &in, name, st);
			if (r < 0)
				goto done;
			eof = r == 0;
			if (verify)
				hash_update(&in_hash, in.src, in.size);
		}
		unsigned char *obuf = output_buffer(wr, name, st);
		if (!obuf)
			goto done;
		nz_outbuf out = {obuf, CLI_OUT_CHUNK, 0};
		size_t pending = 0, before = in.pos;
		rc = nz_compress_stream(c, &out, &in, eof, &pending);
		if (rc) {
			lib_error(name, "", rc, nz_cctx_error_detail(c));
			goto done;
		}
		if (out.pos) {
			if (verify) {  /* before the writer owns the buffer */
				double tv = now_seconds();
				rc = verify_feed(&v, obuf, out.pos);
				tverify += now_seconds() - tv;
				if (rc) {
					lib_error(name, "verification failed: ", rc,
						  nz_dctx_error_detail(v.d));
					goto done;
				}
			}
			if (writer_submit(wr, out.pos)) {
				msg_error(name, "cannot write %s: %s", out_name, strerror(errno));
				goto done;
			}
			st->out_bytes += out.pos;
		}
		progress_io(st->in_bytes, st->out_bytes);
		if (eof && in.pos == in.size && pending == 0)
			break;
		/* No room was lacking, nothing was taken, nothing came out: stuck. */
		if (in.pos != before || out.pos)
			stalls = 0;
		else if ((eof || in.pos < in.size) && ++stalls > MAX_STALLS) {
			msg_error(name, "internal error: the compressor makes no progress");
			goto done;
		}
	}
	if (verify) {
		double tv = now_seconds();
		rc = verify_feed(&v, NULL, 0);
		tverify += now_seconds() - tv;
		if (rc) {
			lib_error(name, "verification failed: ", rc, nz_dctx_error_detail(v.d));
			goto done;
		}
		if (!v.frame_done || v.hash.len != st->in_bytes ||
		    hash_final(&v.hash) != hash_final(&in_hash)) {
			msg_error(name, "verification failed: decompressed data differs from the "
				  "input (%llu bytes in, %llu bytes back)",
				  (unsigned long long)st->in_bytes, (unsigned long long)v.hash.len);
			goto done;
		}
	}
	result = EXIT_OK;
done:
	result = stop_io(rd, wr, result, name, out_name, st);
	st->seconds = now_seconds() - t0 - tverify;
	st->verify_seconds = tverify;
	nz_cctx_stats(c, &st->stages);
	nz_cctx_free(c);
	nz_dctx_free(v.d);
	return result;
}

int decompress_fd(int in_fd, int out_fd, const nz_dparams *dparams, const char *name,
		  const char *out_name, job_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (buffers()) {
		msg_error(name, "%s", nz_error_string(NZ_ERR_NOMEM));
		return EXIT_ERROR;
	}
	nz_dctx *d = NULL;
	int rc = nz_dctx_create(&d, dparams);
	if (rc) {
		lib_error(name, "", rc, NULL);
		return EXIT_ERROR;
	}
	double t0 = now_seconds();
	int eof = 0, frame_done = 0, result = EXIT_ERROR, stalls = 0, have_info = 0;
	nz_inbuf in = {NULL, 0, 0};
	io_ring *rd, *wr;
	if (start_io(in_fd, out_fd, &rd, &wr, name)) {
		nz_dctx_free(d);
		return EXIT_ERROR;
	}
	for (;;) {
		if (in.pos == in.size && !eof) {
			ssize_t r = next_input(rd, &in, name, st);
			if (r < 0)
				goto done;
			eof = r == 0;
		}
		unsigned char *obuf = output_buffer(wr, name, st);
		if (!obuf)
			goto done;
		nz_outbuf out = {obuf, CLI_OUT_CHUNK, 0};
		size_t before = in.pos, avail = in.size;
		/* Until the header is known, feed a little at a time: the call then
		 * returns once the header is read, not after a whole block, and the
		 * progress display learns the uncompressed size from the start. */
		if (!have_info && in.size - in.pos > HEADER_PROBE)
			in.size = in.pos + HEADER_PROBE;
		rc = nz_decompress_stream(d, &out, &in, &frame_done);
		in.size = avail;
		if (rc) {
			/* What came out passed its block's checksum: write it, as gzip
			 * and zstd do, then fail (-d removes the temporary file). */
			if (out.pos && wr && writer_submit(wr, out.pos) == 0)
				st->out_bytes += out.pos;
			if (rc == NZ_ERR_MEMLIMIT)
				memlimit_error(name, d, dparams);
			else
				lib_error(name, "", rc, nz_dctx_error_detail(d));
			goto done;
		}
		if (!have_info) {
			nz_frame_info fi;
			if (nz_dctx_frame_info(d, &fi) == NZ_OK) {
				have_info = 1;
				progress_set_raw_total(fi.content_size);
			}
		}
		if (out.pos && wr && writer_submit(wr, out.pos)) {
			msg_error(name, "cannot write %s: %s", out_name, strerror(errno));
			goto done;
		}
		st->out_bytes += out.pos;
		progress_io(st->in_bytes, st->out_bytes);
		if (eof && in.pos == in.size && out.pos < out.size)
			break;
		if (in.pos != before || out.pos)
			stalls = 0;
		else if (in.pos < in.size && ++stalls > MAX_STALLS) {
			msg_error(name, "internal error: the decompressor makes no progress");
			goto done;
		}
	}
	if (st->in_bytes == 0) {
		msg_error(name, "file is empty: not in nzip format");
		goto done;
	}
	if (!frame_done) {
		msg_error(name, "%s: the input ends inside a frame, after %llu bytes",
			  nz_error_string(NZ_ERR_TRUNCATED), (unsigned long long)st->in_bytes);
		goto done;
	}
	result = EXIT_OK;
done:
	result = stop_io(rd, wr, result, name, out_name, st);
	st->seconds = now_seconds() - t0;
	nz_dctx_stats(d, &st->stages);
	nz_dctx_free(d);
	return result;
}
