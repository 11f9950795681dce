/*
 * block_codec.h - the interface of a coding mode: code one block of raw bytes
 * into K substreams and back.
 *
 * The frame layer (lib/codec) cuts the input into blocks, checksums them and
 * writes the block headers; a block codec only turns bytes into substreams. The
 * lane driver wraps any byte model into a block codec; bit-wise models implement
 * it directly.
 *
 * Contract for decode: never read outside sub[j][0 .. sub_size[j]), never write
 * outside dst[0 .. n); corrupt or truncated substreams give NZ_ERR_CORRUPT or
 * NZ_ERR_TRUNCATED (or wrong bytes, which the block checksum then catches) in
 * time bounded by n, never a crash or a hang.
 */
#ifndef NZ_BLOCK_CODEC_H
#define NZ_BLOCK_CODEC_H

#include "model/job.h"
#include "common/buffer.h"

typedef struct nz_block_codec nz_block_codec;

typedef struct nz_block_codec_ops {
	/* Append the coding of src[0..n) to sub[0..k). keep_state: continue from the
	 * model state the previous block left (else start from the initial state). */
	int (*encode)(nz_block_codec *bc, const u8 *src, size_t n, int keep_state,
		      nz_buf *sub, u32 k, const nz_job *job);
	int (*decode)(nz_block_codec *bc, u8 *dst, size_t n, int keep_state,
		      const u8 *const *sub, const size_t *sub_size, u32 k,
		      const nz_job *job);
	void (*destroy)(nz_block_codec *bc);
} nz_block_codec_ops;

struct nz_block_codec {
	const nz_block_codec_ops *ops;
	u32 max_substreams;  /* the largest K this codec can code (>= 1) */
	/* Stage times the codec adds up as it codes (the lane driver fills the model
	 * and coder stages; others may leave them zero); the caller reads and clears. */
	nz_stage_stats stats;
};

#endif /* NZ_BLOCK_CODEC_H */
