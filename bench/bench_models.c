/*
 * bench_models.c - the neural seed models on a real file: compressed size, bits
 * per byte, compress and decompress speed, the learning curve, the model's cost
 * per byte and the GFLOP/s it reached.
 *
 *   bench_models FILE [--max BYTES] [--model NAME] [--lanes B] [--context C]
 *                [--hidden H] [--ffn F] [--lr X] [--seed S] [--threads T]
 *                [--substreams K] [--block BYTES] [--level N] [--curve CSV]
 *                [--window BYTES] [--no-decompress]
 *
 * One result line on stdout (key=value pairs, read by bench/models_*.sh):
 *   model preset lanes bytes out bpb comp_kbs decomp_kbs fwd_macs train_macs
 *   gflops rss_mb ok
 * gflops = train_macs * 2 * bytes / compress seconds (the model's arithmetic only);
 * cpu_gflops the same per second of process CPU time (with one thread, the speed
 * the model would have on an idle core: a busy machine only adds waiting).
 * --curve writes "bytes_coded,bpb_window,bpb_total" every --window bytes (default
 * 64 KiB) of coded input, from the progress ticks (coded bits are the substreams'
 * size so far, so a window's value is exact to a few bytes).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "codec/config.h"
#include "codec/registry.h"
#include "model/seed_common.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct curve {
	FILE *f;
	u64 window, next, last_raw, last_bits;
} curve;

static int on_progress(void *opaque, const nz_progress *p)
{
	curve *c = opaque;
	if (!c->f || p->raw_done < c->next)
		return 0;
	const double w = (double)(p->raw_done - c->last_raw);
	const double bw = w > 0 ? (double)(p->coded_bits - c->last_bits) / w : 0.0;
	fprintf(c->f, "%llu,%.4f,%.4f\n", (unsigned long long)p->raw_done, bw,
		(double)p->coded_bits / (double)p->raw_done);
	c->last_raw = p->raw_done;
	c->last_bits = p->coded_bits;
	c->next = p->raw_done + c->window;
	return 0;
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static long rss_mb(void)
{
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return u.ru_maxrss / 1024;
}

/* --info: every seed preset's resolved dims, cost per byte, parameters and memory
 * (a markdown table for docs/MODELS.md). */
static int info(void)
{
	static const char *const names[] = {
		"edpc", "edpc-m", "edpc-s", "edpc-xs", "edpc-tiny", "pac", "pac-s", "pac-xs", "pac-tiny",
		"trace", "trace-s", "trace-xs", "trace-tiny", "sep", "sep-s", "sep-xs", "sep-tiny"};
	printf("| preset | lanes | context | hidden | ffn | extra | lr | fwd MAC/B | train MAC/B | "
	       "shared params | per-lane params | memory MB |\n|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		nz_params p;
		nz_params_init(&p, 6);
		nz_params_set_model(&p, names[i]);
		nz_model_config cfg;
		u32 bl, k;
		if (nz_config_from_params(&p, &cfg, &bl, &k, NULL) != NZ_OK)
			return 1;
		seed_cost c;
		nz_seed_cost(&cfg, &c);
		char extra[128] = "";
		for (int e = 0; e < NZ_MODEL_EXTRA; e++)
			if (cfg.extra[e])
				snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), "%s%llu",
					 extra[0] ? "/" : "", (unsigned long long)cfg.extra[e]);
		printf("| %s | %u | %u | %u | %u | %s | %g | %.2fM | %.2fM | %.2fM | %llu | %.0f |\n",
		       names[i], cfg.lanes, cfg.context, cfg.hidden, cfg.ffn, extra,
		       (double)cfg.learning_rate, c.fwd_macs / 1e6, c.train_macs / 1e6,
		       (double)c.params / 1e6, (unsigned long long)c.lane_params,
		       (double)nz_model_lookup(cfg.model)->memory(&cfg) / 1048576.0);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--info"))
		return info();
	if (argc < 2) {
		fprintf(stderr, "usage: bench_models FILE [options] (see the source)\n");
		return 2;
	}
	const char *path = argv[1], *model = "edpc-tiny", *curve_path = NULL;
	size_t max = (size_t)1 << 20;
	int level = 6, decompress = 1;
	nz_params p;
	nz_params_init(&p, level);
	u64 window = 65536;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--no-decompress")) {
			decompress = 0;
			continue;
		}
		if (!v) {
			fprintf(stderr, "missing value for %s\n", a);
			return 2;
		}
		i++;
		if (!strcmp(a, "--max")) max = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--model")) model = v;
		else if (!strcmp(a, "--lanes")) p.lanes = (u32)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--context")) p.context = (u32)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--hidden")) p.hidden = (u32)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--ffn")) p.ffn = (u32)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--lr")) p.learning_rate = strtof(v, NULL);
		else if (!strcmp(a, "--seed")) p.seed = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--threads")) p.threads = (u32)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--substreams")) p.substreams = (u32)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--block")) p.block_size = (u32)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--curve")) curve_path = v;
		else if (!strcmp(a, "--window")) window = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--level")) {
			level = atoi(v);
			nz_params q = p;
			nz_params_init(&p, level);
			p.lanes = q.lanes, p.context = q.context, p.hidden = q.hidden;
			p.ffn = q.ffn, p.learning_rate = q.learning_rate, p.seed = q.seed;
			p.threads = q.threads, p.substreams = q.substreams;
			p.block_size = q.block_size;
			model = NULL;
		} else {
			fprintf(stderr, "unknown option %s\n", a);
			return 2;
		}
	}
	if (model && nz_params_set_model(&p, model) != NZ_OK) {
		fprintf(stderr, "unknown model %s; models: %s\n", model, nz_model_names());
		return 2;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	u8 *src = malloc(max ? max : 1);
	const size_t n = fread(src, 1, max, f);
	fclose(f);

	nz_model_config cfg;
	u32 block_log, k;
	p.content_size = n;
	if (nz_config_from_params(&p, &cfg, &block_log, &k, NULL) != NZ_OK) {
		fprintf(stderr, "invalid parameters for %s\n", model ? model : "level");
		return 2;
	}
	seed_cost cost;
	nz_seed_cost(&cfg, &cost);
	const nz_model_desc *desc = nz_model_lookup(cfg.model);

	curve cv = {0};
	if (curve_path) {
		cv.f = fopen(curve_path, "w");
		if (!cv.f) {
			perror(curve_path);
			return 1;
		}
		fprintf(cv.f, "bytes,bpb_window,bpb_total\n");
		cv.window = window;
		cv.next = window;
	}
	p.progress = on_progress;
	p.progress_opaque = &cv;
	const size_t cap = nz_compress_bound(n);
	u8 *comp = malloc(cap);
	size_t csize = 0;
	double t0 = now(), c0 = cpu_now();
	int rc = nz_compress(comp, cap, &csize, src, n, &p);
	const double tc = now() - t0, cc = cpu_now() - c0;
	if (cv.f)
		fclose(cv.f);
	if (rc != NZ_OK) {
		fprintf(stderr, "compress: %s\n", nz_error_string(rc));
		return 1;
	}
	const long rss = rss_mb();
	double td = 0, cd = 0;
	int ok = -1;
	if (decompress) {
		u8 *back = malloc(n + 1);
		size_t dsize = 0;
		nz_dparams dp;
		nz_dparams_init(&dp);
		dp.threads = p.threads;
		dp.memlimit = 0; /* our own frame: the default limit is for untrusted ones */
		t0 = now();
		c0 = cpu_now();
		rc = nz_decompress(back, n + 1, &dsize, comp, csize, &dp);
		td = now() - t0;
		cd = cpu_now() - c0;
		ok = rc == NZ_OK && dsize == n && memcmp(back, src, n) == 0;
		free(back);
	}
	const char *preset = desc->preset_names[cfg.preset];
	printf("model=%s lanes=%u context=%u hidden=%u ffn=%u lr=%g bytes=%zu out=%zu bpb=%.4f "
	       "comp_kbs=%.2f decomp_kbs=%.2f comp_s=%.2f decomp_s=%.2f fwd_macs=%.0f "
	       "train_macs=%.0f gflops=%.1f cpu_s=%.2f cpu_gflops=%.1f cpu_kbs=%.2f decomp_cpu_kbs=%.2f rss_mb=%ld ok=%d\n",
	       preset, cfg.lanes, cfg.context, cfg.hidden, cfg.ffn, (double)cfg.learning_rate, n,
	       csize, n ? 8.0 * (double)csize / (double)n : 0.0, (double)n / 1000.0 / tc,
	       decompress ? (double)n / 1000.0 / td : 0.0, tc, td, cost.fwd_macs,
	       cost.train_macs, cost.train_macs * 2.0 * (double)n / tc / 1e9, cc,
	       cost.train_macs * 2.0 * (double)n / cc / 1e9, (double)n / 1000.0 / cc,
	       cd > 0 ? (double)n / 1000.0 / cd : 0.0, rss, ok);
	free(comp);
	free(src);
	return ok == 0 ? 1 : 0;
}
