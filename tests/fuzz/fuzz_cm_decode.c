/*
 * fuzz_cm_decode.c - libFuzzer target for the context-mixing block decoder.
 *
 * Input: byte 0 selects the level (1..9, with the tables shrunk to 64 KiB so a
 * run stays fast), byte 1 the substream count K (1..3), bytes 2-3 the block size n
 * (little-endian, at most 2048), byte 4 keep_state for a second block; the rest is
 * cut into K substreams of equal size. The decoder must return an error or n
 * bytes, never crash, hang or touch memory out of bounds. Seeds in
 * tests/fuzz/cm_decode/ are valid encodings made with the same layout.
 */
#include <stdlib.h>

#include "cm/cm.h"
#include "model/block_codec.h"
#include "nn/exec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 5)
		return 0;
	int level = 1 + data[0] % 9;
	u32 k = 1 + data[1] % 3;
	size_t n = nz_load_le16(data + 2) % 2049;
	int keep = data[4] & 1;
	data += 5;
	size -= 5;
	nz_model_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	nz_cm_level_config(level, &cfg);
	cfg.extra[CM_X_HASHBITS] = 16;
	if (cfg.extra[CM_X_MATCHBITS])
		cfg.extra[CM_X_MATCHBITS] = 16;
	/* one serial execution context for the whole run */
	static nz_exec *ex;
	if (!ex && nz_exec_create(&ex, 1, 0))
		return 0;
	nz_block_codec *bc;
	if (nz_model_cm.create_block_codec(&cfg, ex, &bc))
		return 0;
	const u8 *ptr[3];
	size_t sz[3];
	for (u32 j = 0; j < k; j++) {
		ptr[j] = data + size * j / k;
		sz[j] = size * (j + 1) / k - size * j / k;
	}
	u8 *dst = malloc(n ? n : 1);
	if (dst) {
		nz_job job = {0};
		int rc = bc->ops->decode(bc, dst, n, 0, ptr, sz, k, &job);
		if (rc == NZ_OK && keep) /* a second block continuing the state */
			(void)bc->ops->decode(bc, dst, n, 1, ptr, sz, k, &job);
		free(dst);
	}
	bc->ops->destroy(bc);
	return 0;
}
