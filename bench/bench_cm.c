#define _POSIX_C_SOURCE 200809L
/*
 * bench_cm.c - benchmark of the context-mixing codec on one file.
 *
 *   bench_cm FILE LEVEL [-k K] [-t THREADS] [-b BLOCK_MIB] [-r] [-s] [-c] [-x I=V ...]
 *
 * Compresses FILE with CM level LEVEL (blocks of BLOCK_MIB MiB, default the whole
 * file, later blocks keeping the model state; K substreams per block), then
 * decompresses (unless -c) and verifies. Prints one line:
 *   file level K threads bytes_in bytes_out bpb comp_MB/s decomp_MB/s peak_RSS_MB
 *   comp_MB/s_cpu decomp_MB/s_cpu output_hash
 * (wall-clock speeds, then speeds from the process's CPU time)
 * -r resets the model at every block (independent blocks). -T applies the
 * encoder's table profile (nz_cm_tune) to the whole file. -s sizes the tables
 * to the file (nz_cm_level_config_for_size). -x I=V overrides extra[I] of the level's configuration (for tuning).
 * MB = 10^6 bytes. Peak RSS is the process's (compression and decompression).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cm/cm.h"
#include "model/block_codec.h"
#include "nn/exec.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU seconds of the whole process (all threads): on a machine shared with other
 * jobs this is the fairer single-thread speed. */
static double cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static u8 *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	u8 *b = malloc(n > 0 ? (size_t)n : 1);
	if (b && n > 0 && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*size = n > 0 ? (size_t)n : 0;
	return b;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_cm FILE LEVEL [-k K] [-t THREADS] [-b BLOCK_MIB] [-r] [-s] [-T] [-c] [-x I=V]\n");
		return 2;
	}
	const char *path = argv[1];
	int level = atoi(argv[2]);
	u32 k = 1, threads = 1;
	size_t block = 0;
	int comp_only = 0, reset = 0, sized = 0, tune = 0;
	nz_model_config cfg = {0};
	nz_cm_level_config(level, &cfg);
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "-k") && i + 1 < argc)
			k = (u32)atoi(argv[++i]);
		else if (!strcmp(argv[i], "-t") && i + 1 < argc)
			threads = (u32)atoi(argv[++i]);
		else if (!strcmp(argv[i], "-b") && i + 1 < argc)
			block = (size_t)atoi(argv[++i]) << 20;
		else if (!strcmp(argv[i], "-s"))
			sized = 1;
		else if (!strcmp(argv[i], "-T"))
			tune = 1;
		else if (!strcmp(argv[i], "-r"))
			reset = 1;
		else if (!strcmp(argv[i], "-c"))
			comp_only = 1;
		else if (!strcmp(argv[i], "-x") && i + 1 < argc) {
			int idx = 0;
			unsigned long long v = 0;
			if (sscanf(argv[++i], "%d=%lli", &idx, (long long *)&v) == 2 && idx >= 0 && idx < NZ_MODEL_EXTRA)
				cfg.extra[idx] = v;
		} else {
			fprintf(stderr, "bad argument %s\n", argv[i]);
			return 2;
		}
	}
	size_t n;
	u8 *src = read_file(path, &n);
	if (!src) {
		fprintf(stderr, "cannot read %s\n", path);
		return 1;
	}
	if (sized) {
		nz_model_config c2 = {0};
		nz_cm_level_config_for_size(level, n, &c2);
		cfg.extra[CM_X_HASHBITS] = NZ_MIN(cfg.extra[CM_X_HASHBITS], c2.extra[CM_X_HASHBITS]);
		if (cfg.extra[CM_X_MATCHBITS])
			cfg.extra[CM_X_MATCHBITS] = NZ_MIN(cfg.extra[CM_X_MATCHBITS], c2.extra[CM_X_MATCHBITS]);
	}
	const int profile = tune ? nz_cm_tune(&cfg, src, n) : 0;
	if (profile)
		fprintf(stderr, "%s profile\n", profile == 2 ? "JPEG" : "table");
	if (nz_model_cm.validate(&cfg)) {
		fprintf(stderr, "invalid configuration\n");
		return 2;
	}
	if (block == 0 || block > n)
		block = n ? n : 1;
	size_t nblocks = n ? (n + block - 1) / block : 1;
	nz_buf *subs = calloc(nblocks * k, sizeof(nz_buf));
	nz_job job = {0};
	nz_exec *ex;
	if (nz_exec_create(&ex, threads, 0)) {
		fprintf(stderr, "cannot start %u threads\n", threads);
		return 1;
	}

	nz_block_codec *bc;
	if (nz_model_cm.create_block_codec(&cfg, ex, &bc)) {
		fprintf(stderr, "create failed\n");
		return 1;
	}
	double t0 = now(), u0 = cpu();
	size_t total = 0;
	u64 hash = 0;
	for (size_t b = 0; b < nblocks; b++) {
		size_t off = b * block, len = NZ_MIN(block, n - off);
		int rc = bc->ops->encode(bc, src + off, len, b > 0 && !reset, subs + b * k, k, &job);
		if (rc) {
			fprintf(stderr, "encode failed: %d\n", rc);
			return 1;
		}
		for (u32 j = 0; j < k; j++) {
			total += subs[b * k + j].size;
			hash = hash * 31 + nz_xxh64(subs[b * k + j].data, subs[b * k + j].size);
		}
	}
	double t1 = now(), u1 = cpu();
	bc->ops->destroy(bc);
	double dspeed = 0, dcpu = 0;
	if (!comp_only) {
		u8 *dst = malloc(n ? n : 1);
		if (nz_model_cm.create_block_codec(&cfg, ex, &bc))
			return 1;
		double t2 = now(), u2 = cpu();
		for (size_t b = 0; b < nblocks; b++) {
			size_t off = b * block, len = NZ_MIN(block, n - off);
			const u8 *ptr[CM_MAX_SUBSTREAMS];
			size_t sz[CM_MAX_SUBSTREAMS];
			for (u32 j = 0; j < k; j++) {
				ptr[j] = subs[b * k + j].data;
				sz[j] = subs[b * k + j].size;
			}
			int rc = bc->ops->decode(bc, dst + off, len, b > 0 && !reset, ptr, sz, k, &job);
			if (rc) {
				fprintf(stderr, "decode failed: %d\n", rc);
				return 1;
			}
		}
		double t3 = now(), u3 = cpu();
		bc->ops->destroy(bc);
		if (memcmp(dst, src, n)) {
			fprintf(stderr, "MISMATCH\n");
			return 1;
		}
		dspeed = n / (t3 - t2) / 1e6;
		dcpu = n / (u3 - u2) / 1e6;
		free(dst);
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	const char *name = strrchr(path, '/');
	printf("%s %d %u %u %zu %zu %.4f %.3f %.3f %.0f %.3f %.3f %016llx\n", name ? name + 1 : path,
	       level, k, threads, n, total, n ? total * 8.0 / n : 0.0, n / (t1 - t0) / 1e6, dspeed,
	       ru.ru_maxrss / 1024.0, n / (u1 - u0) / 1e6, dcpu, (unsigned long long)hash);
	return 0;
}
