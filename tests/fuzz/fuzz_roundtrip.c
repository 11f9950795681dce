/*
 * fuzz_roundtrip.c - libFuzzer target: compress arbitrary bytes with parameters
 * taken from the input's first bytes, decompress, and compare.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nzip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	nz_params p;
	nz_params_init(&p, data[0] % 10);
	p.lanes = 1 + data[1] % 50;
	p.substreams = 1 + data[2] % 8;
	p.block_size = (data[1] & 0x80) ? 1024 : 0;
	if (p.model == NZ_MODEL_STORE)
		p.lanes = 0, p.substreams = 0;
	data += 3;
	size -= 3;
	size_t cap = nz_compress_bound(size), csize, dsize;
	uint8_t *comp = malloc(cap), *back = malloc(size + 1);
	if (!comp || !back)
		abort();
	if (nz_compress(comp, cap, &csize, data, size, &p) != NZ_OK)
		abort();
	if (nz_decompress(back, size + 1, &dsize, comp, csize, NULL) != NZ_OK)
		abort();
	if (dsize != size || memcmp(back, data, size) != 0)
		abort();
	free(comp);
	free(back);
	return 0;
}
