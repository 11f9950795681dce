/*
 * test_util.c - see test_util.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include "nn/nn.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int nz_test_failures;

int nz_test_finish(const char *name)
{
	if (nz_test_failures) {
		fprintf(stderr, "%s: %d check(s) FAILED\n", name, nz_test_failures);
		return 1;
	}
	printf("%s: all checks passed\n", name);
	return 0;
}

uint64_t nz_test_next(nz_test_rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

double nz_test_uniform(nz_test_rng *r) { return (double)(nz_test_next(r) >> 11) * 0x1.0p-53; }

void nz_test_fill(uint8_t *buf, size_t n, int kind, uint64_t seed)
{
	static const char *const words[] = {"the", "of", "and", "compress", "neural",
		"model", "a", "to", "in", "is", "byte", "lane", "predict", "data", "zip"};
	nz_test_rng r = {seed};
	size_t i = 0;
	switch (kind) {
	case 0:
		for (; i < n; i++)
			buf[i] = (uint8_t)nz_test_next(&r);
		break;
	case 1:
		while (i < n) {
			const char *w = words[nz_test_next(&r) % (sizeof(words) / sizeof(words[0]))];
			for (; *w && i < n; w++)
				buf[i++] = (uint8_t)*w;
			if (i < n)
				buf[i++] = (nz_test_next(&r) % 11 == 0) ? '\n' : ' ';
		}
		break;
	case 2:
		while (i < n) {
			uint8_t c = (uint8_t)nz_test_next(&r);
			size_t run = 1 + nz_test_next(&r) % 300;
			for (size_t j = 0; j < run && i < n; j++)
				buf[i++] = c;
		}
		break;
	case 3:
		for (; i < n; i++) {
			uint64_t x = nz_test_next(&r);
			buf[i] = (uint8_t)((x & 7) == 0 ? (x >> 8) % 5 : 0);
		}
		break;
	default: {
		static const char phrase[] = "nzip: a neural compressor, trained online. ";
		for (; i < n; i++) {
			buf[i] = (uint8_t)phrase[i % (sizeof(phrase) - 1)];
			if (nz_test_next(&r) % 97 == 0)
				buf[i] = (uint8_t)nz_test_next(&r);
		}
	}
	}
}

uint8_t *nz_test_data_file(size_t *size, const char *fmt, ...)
{
	const char *data = getenv("NZIP_TEST_DATA");
	REQUIRE(data);
	char rel[512], path[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", data, rel);
	uint8_t *b = nz_test_read_file(path, size);
	if (!b) {
		fprintf(stderr, "%s: missing\n", path);
		nz_test_failures++;
	}
	return b;
}

uint8_t *nz_test_read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		REQUIRE(buf);
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	*size = n;
	return buf;
}

uint8_t *nz_test_corpus(const char *name, size_t max_bytes, size_t *size)
{
	const char *dir = getenv("NZIP_CORPUS_DIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s.zst", dir ? dir : "../shared/corpus", name);
	if (access(path, R_OK) != 0) {
		printf("SKIP: corpus file %s not found\n", path);
		return NULL;
	}
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "zstd -dc '%s' 2>/dev/null", path);
	FILE *p = popen(cmd, "r");
	REQUIRE(p);
	uint8_t *buf = malloc(max_bytes ? max_bytes : 1);
	REQUIRE(buf);
	size_t n = 0, got;
	while (n < max_bytes && (got = fread(buf + n, 1, max_bytes - n, p)) > 0)
		n += got;
	/* Closing early kills zstd with SIGPIPE: not an error once we have max_bytes. */
	int rc = pclose(p);
	if (n == 0 || (rc != 0 && n < max_bytes)) {
		printf("SKIP: cannot decompress %s (is zstd installed?)\n", path);
		free(buf);
		return NULL;
	}
	*size = n;
	return buf;
}

size_t nz_test_cctx_frame(nz_cctx *c, const uint8_t *src, size_t n, uint8_t *out, size_t cap)
{
	nz_inbuf in = {src, n, 0};
	nz_outbuf o = {out, cap, 0};
	size_t pending = 1;
	CHECK_EQ_INT(nz_compress_stream(c, &o, &in, 1, &pending), NZ_OK);
	CHECK(pending == 0 && in.pos == n);
	return o.pos;
}

double nz_test_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void nz_test_set_backend(int backend)
{
	if (backend == NZ_NN_BACKEND_AUTO)
		unsetenv("NZIP_BACKEND");
	else
		setenv("NZIP_BACKEND", nz_nn_backend_name(backend), 1);
}

void nz_test_setenv(const char *name, const char *value)
{
	if (value)
		setenv(name, value, 1);
	else
		unsetenv(name);
}
