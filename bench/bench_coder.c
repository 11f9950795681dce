/*
 * bench_coder.c - the range coder alone, and its overhead on real data.
 *
 *   bench_coder FILE [MAX_BYTES]
 *
 * 1. Throughput with a static table (the file's order-0 statistics): encode and
 *    decode MB/s on one core, best of 5 runs.
 * 2. Overhead: the order-2 model codes the file through the lane driver; the coded
 *    size is compared with the ideal code length sum(-log2 p) of the model's float
 *    probabilities (quantisation + coder + flush).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "codec/config.h"
#include "codec/lanes.h"
#include "coder/quantize.h"
#include "coder/range_coder.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static u8 *read_file(const char *path, size_t max, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(1);
	}
	u8 *buf = malloc(max);
	*n = fread(buf, 1, max, f);
	fclose(f);
	return buf;
}

static void static_table(const u8 *src, size_t n)
{
	float p[256] = {0};
	for (size_t i = 0; i < n; i++)
		p[src[i]] += 1.0f;
	for (int s = 0; s < 256; s++)
		p[s] /= (float)n;
	u32 freq[256], cum[257];
	nz_quantize(p, freq);
	nz_cumulate(freq, cum);
	double ideal = 0;
	for (size_t i = 0; i < n; i++)
		ideal -= log2((double)freq[src[i]] / NZ_RC_TOTAL);

	nz_buf out = {0};
	u8 *back = malloc(n);
	double best_enc = 1e9, best_dec = 1e9;
	for (int run = 0; run < 5; run++) {
		nz_buf_clear(&out);
		nz_buf_reserve(&out, n + 16);
		double t0 = now();
		nz_rc_encoder e;
		nz_rc_encoder_init(&e, &out);
		for (size_t i = 0; i < n; i++)
			nz_rc_encode(&e, cum[src[i]], freq[src[i]]);
		nz_rc_encoder_finish(&e);
		double t1 = now();
		nz_rc_decoder d;
		nz_rc_decoder_init(&d, out.data, out.size);
		for (size_t i = 0; i < n; i++) {
			unsigned s = nz_rc_find_symbol(cum, nz_rc_decode_target(&d));
			nz_rc_decode_update(&d, cum[s], freq[s]);
			back[i] = (u8)s;
		}
		double t2 = now();
		if (memcmp(back, src, n) != 0) {
			fprintf(stderr, "round trip failed\n");
			exit(1);
		}
		best_enc = NZ_MIN(best_enc, t1 - t0);
		best_dec = NZ_MIN(best_dec, t2 - t1);
	}
	printf("| static order-0 table | %zu | %zu | %.4f%% | %.1f | %.1f |\n", n, out.size,
	       100.0 * (8.0 * out.size / ideal - 1), n / 1e6 / best_enc, n / 1e6 / best_dec);
	nz_buf_free(&out);
	free(back);
}

static void model_overhead(const u8 *src, size_t n)
{
	nz_params p;
	nz_params_init(&p, 6);
	nz_params_set_model(&p, "order2");
	nz_model_config cfg;
	u32 block_log, k;
	if (nz_config_from_params(&p, &cfg, &block_log, &k, NULL) != NZ_OK)
		exit(1);
	nz_exec *ex;
	nz_block_codec *bc;
	if (nz_exec_create(&ex, 1, 0) != NZ_OK ||
	    nz_codec_create(&cfg, ex, (size_t)1 << block_log, &bc) != NZ_OK)
		exit(1);
	nz_lanes_codec_measure(bc, 1);
	nz_buf sub = {0};
	double t0 = now();
	if (bc->ops->encode(bc, src, n, 0, &sub, 1, NULL) != NZ_OK)
		exit(1);
	double t1 = now();
	double ideal = nz_lanes_codec_ideal_bits(bc);
	printf("| order2 model, float p | %zu | %zu | %.4f%% | %.2f (with model) | |\n", n,
	       sub.size, 100.0 * (8.0 * sub.size / ideal - 1), n / 1e6 / (t1 - t0));
	nz_buf_free(&sub);
	bc->ops->destroy(bc);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE [MAX_BYTES]\n", argv[0]);
		return 2;
	}
	size_t max = argc > 2 ? strtoull(argv[2], NULL, 10) : (size_t)1 << 26, n;
	u8 *src = read_file(argv[1], max, &n);
	printf("| table | bytes | coded | over ideal | encode MB/s | decode MB/s |\n");
	printf("|---|---:|---:|---:|---:|---:|\n");
	static_table(src, n);
	model_overhead(src, n);
	free(src);
	return 0;
}
