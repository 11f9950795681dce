/*
 * fuzz_decompress.c - libFuzzer target: arbitrary bytes into the decoder, one-shot
 * and streaming in uneven chunks. Memory and output are capped like a careful
 * caller would cap them; anything else must fail cleanly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nzip.h"

#define OUT_CAP (1u << 16)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[OUT_CAP];
	nz_dparams dp;
	nz_dparams_init(&dp);
	dp.memlimit = 256u << 20;
	size_t n;
	int rc1 = nz_decompress(out, OUT_CAP, &n, data, size, &dp);

	if (rc1 == NZ_ERR_DST_SIZE)
		return 0; /* large blocks: decoding them only costs time */
	/* Streaming: chunk sizes from the first byte; output in small pieces. */
	nz_dctx *d;
	if (nz_dctx_create(&d, &dp) != NZ_OK)
		return 0;
	size_t chunk = size ? 1 + data[0] % 61 : 1, total = 0;
	nz_inbuf in = {data, 0, 0};
	int rc2 = NZ_OK, done = 0;
	while (rc2 == NZ_OK && total < OUT_CAP) {
		in.size = in.pos + chunk < size ? in.pos + chunk : size;
		nz_outbuf o = {out, 4096, 0};
		size_t before = in.pos;
		rc2 = nz_decompress_stream(d, &o, &in, &done);
		total += o.pos;
		if (o.pos == 0 && in.pos == before && in.size == size)
			break; /* no progress and no more input */
	}
	nz_dctx_free(d);
	/* One-shot success means the stream decodes too (within the output cap). */
	if (rc1 == NZ_OK && n < OUT_CAP / 2 && (rc2 != NZ_OK || !done || total != n))
		abort();
	return 0;
}
