/*
 * byte_model.h - the interface of a byte-wise model driven by the lane driver.
 *
 * A block of n bytes is cut into lanes (codec/lanes.c). Every step, the driver asks
 * the model for the next-byte distribution of each active lane, codes the true
 * bytes, then lets the model learn from them. The decoder makes exactly the same
 * calls with exactly the same arguments, so the model must be a deterministic
 * function of those calls (docs/NUMERICS.md): same floats on every backend.
 *
 * predict writes into memory the driver owns: with the pipeline (docs/ENGINE.md,
 * "Pipeline") that is one slot of a ring, which coder threads read while the model
 * goes on with the next steps. So a model must not keep or read `probs` after
 * predict returns, and update must not depend on anything the coders do.
 */
#ifndef NZ_BYTE_MODEL_H
#define NZ_BYTE_MODEL_H

#include "common/common.h"
#include "model/model_config.h"

typedef struct nz_byte_model nz_byte_model;

typedef struct nz_byte_model_ops {
	/* A new block starts with `lanes` lanes (lane state such as caches is reset;
	 * weights are kept if keep_state, else the model returns to its initial
	 * state). */
	int (*begin_block)(nz_byte_model *m, u32 lanes, int keep_state);
	/* ctx holds, for each active lane i, the `context` bytes before the byte to
	 * predict at ctx[i * context ...], oldest first, zero before the lane start.
	 * Write probs[i * 256 + s] = P(next byte of lane i is s). Lanes [0, active)
	 * are active; active never grows within a block. */
	int (*predict)(nz_byte_model *m, const u8 *ctx, u32 active, float *probs);
	/* Learn from the true next bytes of the lanes of the last predict. */
	int (*update)(nz_byte_model *m, const u8 *next, u32 active);
	void (*destroy)(nz_byte_model *m);
} nz_byte_model_ops;

struct nz_byte_model {
	const nz_byte_model_ops *ops;
	u32 context;     /* bytes of context the model reads */
	u32 max_lanes;   /* the most lanes the model was created for */
	/* Set by the driver (NULL until then): the model adds the time of its stages
	 * (forward, backward, Adam) here. Timing never changes a result. */
	nz_stage_stats *stats;
};

#endif /* NZ_BYTE_MODEL_H */
