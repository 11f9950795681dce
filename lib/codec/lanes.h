/*
 * lanes.h - the lane driver: turns any byte model into a block codec
 * (docs/FORMAT.md, "Coding 1: lanes and the range coder").
 */
#ifndef NZ_LANES_H
#define NZ_LANES_H

#include "model/block_codec.h"
#include "format/lane_geometry.h"
#include "model/byte_model.h"
#include "nn/exec.h"

/* Wrap `model` (ownership passes to the codec) for blocks of up to `lanes` lanes
 * and max_block bytes (the ring holds no more steps than such a block has; a
 * larger block would still code, in more rounds of the ring), run on ex (which
 * must outlive the codec): the coders run as batches on ex's
 * pool, the one the model's engine uses (no pool: on the calling thread). The
 * pipelined driver is the default; $NZIP_LANES=serial selects the serial
 * reference. Both write the same bytes. */
int nz_lanes_codec_create(nz_byte_model *model, u32 lanes, size_t max_block, nz_exec *ex,
			  nz_block_codec **out);

/* Ideal code length of the last encoded block: sum over bytes of -log2 p(byte)
 * under the model's float probabilities (for measuring coder overhead). */
double nz_lanes_codec_ideal_bits(const nz_block_codec *bc);
/* Enable the ideal-bits accounting (costs a log per byte). */
void nz_lanes_codec_measure(nz_block_codec *bc, int on);

/* Bytes the driver itself allocates for `lanes` lanes, a context of ctx_len
 * bytes and blocks of up to max_block bytes (the probability ring, frequencies,
 * contexts), for memory estimates. */
u64 nz_lanes_codec_memory(u32 lanes, u32 ctx_len, size_t max_block);

/* Choose the pipelined (on != 0) or the serial driver for the next blocks. */
void nz_lanes_codec_set_pipeline(nz_block_codec *bc, int on);

#endif /* NZ_LANES_H */
