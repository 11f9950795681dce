/*
 * fuzz_cm_decode.c - libFuzzer target for the context-mixing block decoder alone
 * (no frame around it).
 *
 * Input: bytes 0..9 the CM configuration (fuzz_common.h, fz_config with the model
 * forced to cm: context kinds, match model, mixers, SSE stages, flags, neural
 * input and its lanes, with 64 KiB tables), byte 10 the substream count K
 * (1..3), bytes 11-12 the block size n (little-endian, at most the model's
 * budget), byte 13 bit 0: a second block continuing the state (decoding the same
 * substreams again); then K - 1 little-endian 16-bit sizes of substreams 0..K-2
 * (cut to what is there); substream K-1 is the rest. The decoder must return an error or n bytes,
 * never crash, hang or touch memory out of bounds. Seeds in tests/fuzz/cm_decode/
 * are valid encodings made with the same layout (tests/fuzz/make_seeds.c).
 */
#include "fuzz_common.h"
#include "nn/exec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

#define CM_PREFIX (FZ_CONFIG_BYTES + 4)

/* Mostly the payload: the codec below is kept while the configuration stays. */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	return fz_mutate_after(data, size, max_size, seed, CM_PREFIX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < CM_PREFIX)
		return 0;
	u8 cb[FZ_CONFIG_BYTES];
	memcpy(cb, data, FZ_CONFIG_BYTES);
	cb[0] = NZ_MODEL_CM;
	fz_in in = {cb, FZ_CONFIG_BYTES};
	nz_model_config cfg;
	size_t budget;
	if (fz_config_ex(&in, &cfg, &budget, 0))
		return 0;
	const u32 k = 1 + data[FZ_CONFIG_BYTES] % 3;
	const size_t n = nz_load_le16(data + FZ_CONFIG_BYTES + 1) % (budget + 1);
	const int keep = data[FZ_CONFIG_BYTES + 3] & 1;
	data += CM_PREFIX;
	size -= CM_PREFIX;
	const u8 *ptr[3];
	size_t sz[3], len[3] = {0};
	for (u32 j = 0; j + 1 < k; j++) {
		if (size < 2)
			return 0;
		len[j] = nz_load_le16(data);
		data += 2;
		size -= 2;
	}
	for (u32 j = 0; j < k; j++) {
		sz[j] = j + 1 < k ? NZ_MIN(len[j], size) : size;
		ptr[j] = data;
		data += sz[j];
		size -= sz[j];
	}
	/* one serial execution context for the whole run */
	static nz_exec *ex;
	if (!ex && nz_exec_create(&ex, 1, 0))
		return 0;
	/* The codec of the previous input is kept while the configuration stays
	 * the same (mutations mostly change the payload): a block that does not
	 * keep the state starts from a reset model, as the frame decoder reuses
	 * one codec for every block of a frame. With the SSE tables filled on
	 * first use, that reset costs little, where creating a codec allocates up
	 * to 19.5 MB of them (under ASan several milliseconds). */
	static nz_block_codec *bc;
	static nz_model_config bc_cfg;
	if (bc && memcmp(&bc_cfg, &cfg, sizeof(cfg)) != 0) {
		bc->ops->destroy(bc);
		bc = NULL;
	}
	if (!bc) {
		if (nz_model_cm.create_block_codec(&cfg, ex, &bc)) {
			bc = NULL;
			return 0;
		}
		bc_cfg = cfg;
	}
	u8 *dst = malloc(n ? n : 1);
	if (dst) {
		nz_job job = {0};
		int rc = bc->ops->decode(bc, dst, n, 0, ptr, sz, k, &job);
		if (rc == NZ_OK && keep) /* a second block continuing the state */
			(void)bc->ops->decode(bc, dst, n, 1, ptr, sz, k, &job);
		free(dst);
	}
	return 0;
}
