/*
 * bench_pipeline.c - one compression and decompression through the public API with
 * a chosen lane driver, thread count and weight delay, printed as one line of
 * key=value pairs: sizes, KB/s each way, and the library's stage times.
 * bench/pipeline_table.sh turns these lines into tables.
 *
 * usage: bench_pipeline FILE BYTES MODEL THREADS serial|pipe [DELAY]
 * FILE is a plain file (the script decompresses the corpus first).
 */
#define _POSIX_C_SOURCE 200809L /* setenv, clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nzip.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static unsigned char *read_prefix(const char *path, size_t max, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	unsigned char *buf = malloc(max ? max : 1);
	*n = buf ? fread(buf, 1, max, f) : 0;
	fclose(f);
	return buf;
}

static void print_stages(const char *side, const nz_stage_stats *s)
{
	const double ms = 1e-6;
	printf(" %s_fwd_ms=%.1f %s_bwd_ms=%.1f %s_adam_ms=%.1f %s_quant_ms=%.1f %s_code_ms=%.1f"
	       " %s_wait_ms=%.1f %s_codec_ms=%.1f",
	       side, s->forward_ns * ms, side, s->backward_ns * ms, side, s->adam_ns * ms, side,
	       s->quantise_ns * ms, side, s->code_ns * ms, side, s->wait_ns * ms, side,
	       s->total_ns * ms);
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: %s FILE BYTES MODEL THREADS serial|pipe [DELAY]\n", argv[0]);
		return 2;
	}
	size_t n;
	unsigned char *src = read_prefix(argv[1], strtoull(argv[2], NULL, 10), &n);
	if (!src || n == 0) {
		fprintf(stderr, "cannot read %s\n", argv[1]);
		return 1;
	}
	if (strcmp(argv[5], "serial") == 0)
		setenv("NZIP_LANES", "serial", 1);
	else
		unsetenv("NZIP_LANES");
	nz_params p;
	nz_params_init(&p, 6);
	if (nz_params_set_model(&p, argv[3]) != NZ_OK) {
		fprintf(stderr, "unknown model %s\n", argv[3]);
		return 2;
	}
	p.threads = (uint32_t)atoi(argv[4]);
	p.delay = argc > 6 ? (uint32_t)atoi(argv[6]) : 0;
	p.content_size = n;

	size_t cap = nz_compress_bound(n);
	unsigned char *z = malloc(cap), *back = malloc(n);
	nz_cctx *c;
	if (!z || !back || nz_cctx_create(&c, &p) != NZ_OK)
		return 1;
	nz_outbuf out = {z, cap, 0};
	nz_inbuf in = {src, n, 0};
	size_t pending;
	double t0 = now();
	if (nz_compress_stream(c, &out, &in, 1, &pending) != NZ_OK || pending)
		return 1;
	double t1 = now();
	nz_stage_stats cs, ds;
	nz_cctx_stats(c, &cs);
	nz_cctx_free(c);

	nz_dparams dp;
	nz_dparams_init(&dp);
	dp.threads = p.threads;
	dp.memlimit = 0; /* our own frame: the default limit is for untrusted ones */
	nz_dctx *d;
	if (nz_dctx_create(&d, &dp) != NZ_OK)
		return 1;
	nz_outbuf dout = {back, n, 0};
	nz_inbuf din = {z, out.pos, 0};
	int done = 0;
	double t2 = now();
	int rc = nz_decompress_stream(d, &dout, &din, &done);
	double t3 = now();
	nz_dctx_stats(d, &ds);
	nz_dctx_free(d);
	if (rc != NZ_OK || !done || dout.pos != n || memcmp(back, src, n) != 0) {
		fprintf(stderr, "round trip failed (%s)\n", nz_error_string(rc));
		return 1;
	}
	printf("model=%s driver=%s threads=%s delay=%u bytes=%zu out=%zu bpb=%.4f comp_kbs=%.2f"
	       " decomp_kbs=%.2f",
	       argv[3], argv[5], argv[4], p.delay, n, out.pos, 8.0 * (double)out.pos / (double)n,
	       (double)n / 1e3 / (t1 - t0), (double)n / 1e3 / (t3 - t2));
	print_stages("c", &cs);
	print_stages("d", &ds);
	printf("\n");
	free(src);
	free(z);
	free(back);
	return 0;
}
