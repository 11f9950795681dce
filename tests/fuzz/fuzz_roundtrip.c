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
	/* data[0] picks the model: store, order2 (which takes lanes) or a
	 * context-mixing level (which takes substreams but not lanes). */
	nz_params p;
	unsigned pick = data[0] % 12;
	if (pick == 0) {
		nz_params_init(&p, 0);
		p.lanes = 0;
		p.substreams = 0;
	} else if (pick <= 2) {
		nz_params_init(&p, 1);
		p.model = NZ_MODEL_ORDER2;
		p.preset = 0;
		p.lanes = 1 + data[1] % 50;
		p.substreams = 1 + data[2] % 8;
	} else {
		nz_params_init(&p, (int)pick - 2);
		p.substreams = 1 + data[2] % 4;
	}
	p.block_size = (data[1] & 0x80) ? 1024 : 0;
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
