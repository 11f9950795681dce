/*
 * fuzz_decompress.c - libFuzzer target: bytes into the decoder, one-shot and
 * streaming in uneven chunks. Memory and output are capped like a careful caller
 * would cap them; anything else must fail cleanly, and a frame that decodes
 * one-shot must decode the same by streaming.
 *
 * Two kinds of input (tests/fuzz/decompress/ has seeds of both):
 *   - starting with 0x89 (the magic's first byte): the bytes as they are, for
 *     the header and block parsers, checksums and limits;
 *   - anything else: a structured frame (fuzz_common.h, fz_build_frame): a header
 *     the fuzzer writes with a small model chosen by the first bytes, then the
 *     input's blocks with their checksums fixed up, for the model decoders.
 */
#include "fuzz_common.h"
#include "nzip.h"

#define OUT_CAP (1u << 16)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

/* A structured frame: mostly its blocks (the model's configuration is its first
 * bytes); a raw frame: any byte, its header is what it is for. */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	const size_t prefix = size && data[0] == nz_magic[0] ? 0 : FZ_STRUCT_PREFIX;
	return fz_mutate_after(data, size, max_size, seed, prefix);
}

static void decode(const uint8_t *data, size_t size, uint32_t threads, uint64_t memlimit)
{
	static uint8_t out[OUT_CAP];
	nz_dparams dp;
	nz_dparams_init(&dp);
	dp.memlimit = memlimit;
	dp.threads = threads;
	size_t n;
	int rc1 = nz_decompress(out, OUT_CAP, &n, data, size, &dp);

	if (rc1 == NZ_ERR_DST_SIZE)
		return; /* large blocks: decoding them only costs time */
	/* Streaming: chunk sizes from the last byte; output in small pieces. Every
	 * frame that decoded one-shot, and one failing input in four (chosen by
	 * the last byte): decoding twice doubles the cost of an input. */
	if (rc1 != NZ_OK && size && (data[size - 1] & 0xC0))
		return;
	nz_dctx *d;
	if (nz_dctx_create(&d, &dp) != NZ_OK)
		return;
	size_t chunk = size ? 1 + data[size - 1] % 61 : 1, total = 0;
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
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Raw frames: 8 MiB, so that a header asking for real-size tables fails at
	 * the limit instead of costing tens of milliseconds under ASan (the
	 * structured frames reach every model with small tables). Structured:
	 * 64 MiB, for order2's fixed 32 MiB table. */
	if (size && data[0] == nz_magic[0]) {
		decode(data, size, 1, 8u << 20);
		return 0;
	}
	u8 *frame;
	const size_t n = fz_build_frame(data, size, &frame);
	if (n)
		decode(frame, n, 1 + (data[0] >> 7), 64u << 20); /* 1 or 2 threads: same result */
	free(frame);
	return 0;
}
