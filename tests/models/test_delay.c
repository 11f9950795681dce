/*
 * test_delay.c - the weight delay d (frame-header key 8): for d = 1 and 2 every
 * seed model's tiny preset round-trips over blocks that keep the model state,
 * with the serial and the pipelined driver and 1 or 2 threads giving the same
 * bytes (edpc-xs on two engine threads); d changes the output (the option does something); a header with a delay
 * the model does not take is refused, and d is recorded in the header.
 */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include "nzip.h"
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "codec/config.h"

static uint8_t *compress(const char *model, uint32_t delay, const uint8_t *src, size_t n,
			 uint32_t threads, int serial, size_t *out_n)
{
	if (serial)
		setenv("NZIP_LANES", "serial", 1);
	else
		unsetenv("NZIP_LANES");
	nz_params p;
	nz_params_init(&p, 6);
	REQUIRE(nz_params_set_model(&p, model) == NZ_OK);
	p.delay = delay;
	p.threads = threads;
	p.block_size = 8192;
	size_t cap = nz_compress_bound(n);
	uint8_t *dst = malloc(cap);
	REQUIRE(dst);
	REQUIRE(nz_compress(dst, cap, out_n, src, n, &p) == NZ_OK);
	return dst;
}

/* A parsed header for model/delay, through the validation the decoder runs. */
static int header_check(int model, uint32_t delay)
{
	nz_frame_header h;
	memset(&h, 0, sizeof(h));
	nz_params p;
	nz_params_init(&p, 6);
	p.model = model;
	p.preset = 0;
	nz_model_config cfg;
	u32 block_log, k;
	REQUIRE(nz_config_from_params(&p, &cfg, &block_log, &k, NULL) == NZ_OK);
	cfg.delay = delay;
	nz_config_to_header(&cfg, NZ_CONTENT_SIZE_UNKNOWN, &h);
	nz_model_config back;
	const char *detail = NULL;
	const int rc = nz_config_from_header(&h, &back, &detail);
	if (rc == NZ_OK)
		CHECK(back.delay == delay);
	return rc;
}

int main(void)
{
	/* edpc-xs: large enough for two engine threads (the tiny presets run on one) */
	static const char *const models[] = {"edpc-tiny", "pac-tiny", "trace-tiny", "sep-tiny",
					     "edpc-xs"};
	const size_t n = 20000;
	uint8_t *src = malloc(n), *back = malloc(n);
	REQUIRE(src && back);
	nz_test_fill(src, n, 1, 11);
	for (size_t m = 0; m < sizeof(models) / sizeof(models[0]); m++) {
		size_t z0_n;
		uint8_t *z0 = compress(models[m], 0, src, n, 1, 1, &z0_n);
		for (uint32_t d = 1; d <= 2; d++) {
			size_t ref_n, got_n;
			uint8_t *ref = compress(models[m], d, src, n, 1, 1, &ref_n);
			uint8_t *got = compress(models[m], d, src, n, 2, 0, &got_n);
			CHECK(got_n == ref_n && memcmp(got, ref, ref_n) == 0);
			CHECK(ref_n != z0_n || memcmp(ref, z0, z0_n) != 0);
			nz_dparams dp;
			nz_dparams_init(&dp);
			dp.threads = 2;
			memset(back, 0, n);
			size_t back_n = 0;
			CHECK(nz_decompress(back, n, &back_n, ref, ref_n, &dp) == NZ_OK);
			CHECK(back_n == n && memcmp(back, src, n) == 0);
			fprintf(stderr, "%s d=%u: %zu bytes (d=0: %zu)\n", models[m], d, ref_n, z0_n);
			free(ref);
			free(got);
		}
		free(z0);
	}
	unsetenv("NZIP_LANES");

	CHECK(header_check(NZ_MODEL_EDPC, 0) == NZ_OK);
	CHECK(header_check(NZ_MODEL_EDPC, 2) == NZ_OK);
	CHECK(header_check(NZ_MODEL_SEP, 1) == NZ_OK);
	CHECK(header_check(NZ_MODEL_EDPC, 3) == NZ_ERR_UNSUPPORTED);
	CHECK(header_check(NZ_MODEL_PAC, 1u << 20) == NZ_ERR_UNSUPPORTED);
	CHECK(header_check(NZ_MODEL_ORDER2, 1) == NZ_ERR_UNSUPPORTED);
	/* and through the API: an out-of-range delay is a parameter error */
	nz_params p;
	nz_params_init(&p, 6);
	REQUIRE(nz_params_set_model(&p, "edpc-tiny") == NZ_OK);
	p.delay = 2; /* -lv shows it */
	nz_frame_info fi;
	CHECK(nz_params_resolve(&p, &fi, NULL) == NZ_OK && strstr(fi.model_detail, "delay 2"));
	CHECK(fi.memory_needed > 0);
	p.delay = 3;
	nz_cctx *c = NULL;
	CHECK(nz_cctx_create(&c, &p) == NZ_ERR_PARAM && c == NULL);
	free(src);
	free(back);
	return nz_test_finish("test_delay");
}
