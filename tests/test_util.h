/*
 * test_util.h - helpers shared by the test programs: checks that report file and
 * line, a seeded generator, and access to the benchmark corpus.
 */
#ifndef NZ_TEST_UTIL_H
#define NZ_TEST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

extern int nz_test_failures;

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,   \
				__LINE__, #cond);                                \
			nz_test_failures++;                                      \
		}                                                                \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                       \
	do {                                                                     \
		long long a_ = (long long)(a), b_ = (long long)(b);              \
		if (a_ != b_) {                                                  \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld vs %lld)\n", \
				__FILE__, __LINE__, #a, #b, a_, b_);             \
			nz_test_failures++;                                      \
		}                                                                \
	} while (0)

/* Abort the test program at once (a setup step failed). */
#define REQUIRE(cond)                                                            \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, \
				__LINE__, #cond);                                \
			exit(1);                                                 \
		}                                                                \
	} while (0)

/* Print the verdict and return the exit code for main(). */
int nz_test_finish(const char *name);

/* splitmix64: a seeded generator, same numbers everywhere. */
typedef struct { uint64_t s; } nz_test_rng;
uint64_t nz_test_next(nz_test_rng *r);
double nz_test_uniform(nz_test_rng *r); /* [0, 1) */

/* Fill buf with bytes of a kind: 0 random, 1 English-like words, 2 runs,
 * 3 skewed (few symbols), 4 a repeated phrase with noise. */
void nz_test_fill(uint8_t *buf, size_t n, int kind, uint64_t seed);

/* Load up to max_bytes of a corpus file (name as in ../shared/corpus, without
 * .zst), decompressed with zstd. NULL (and a message) if the corpus is absent. */
uint8_t *nz_test_corpus(const char *name, size_t max_bytes, size_t *size);

/* Read a whole file. NULL if it cannot be read. */
uint8_t *nz_test_read_file(const char *path, size_t *size);
/* Read tests/data/<fmt...> (through $NZIP_TEST_DATA, which ctest sets). NULL,
 * reported and counted as a failure, if it is missing: committed test data
 * must be there. */
uint8_t *nz_test_data_file(size_t *size, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Monotonic seconds. */
double nz_test_seconds(void);

/* One whole frame of n bytes of src through c in a single nz_compress_stream
 * call (finish) into out (cap bytes), checked to end the frame; its size. */
struct nz_cctx;
size_t nz_test_cctx_frame(struct nz_cctx *c, const uint8_t *src, size_t n, uint8_t *out,
			  size_t cap);

/* Make engines created from now on use NZ_NN_BACKEND_* `backend` (through
 * $NZIP_BACKEND; NZ_NN_BACKEND_AUTO unsets it). */
void nz_test_set_backend(int backend);
/* setenv(name, value) or, for NULL, unsetenv(name) (tests built without POSIX). */
void nz_test_setenv(const char *name, const char *value);

#endif /* NZ_TEST_UTIL_H */
