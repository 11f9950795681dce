/*
 * model_config.h - everything the decoder needs to rebuild a model, as recorded in
 * the frame header (docs/FORMAT.md, "Model parameters"), and a model's descriptor
 * (the registry of every model is codec/registry.h).
 *
 * A model is one of two kinds:
 *   - a byte model (coding 1): predicts a 256-way distribution for a batch of lanes
 *     each step; the generic lane driver (codec/lanes.c) codes the bytes with the
 *     range coder. See model/byte_model.h.
 *   - a block codec (coding 2, and stored): codes a whole block itself (the bit-wise
 *     context-mixing models). See model/block_codec.h.
 */
#ifndef NZ_MODEL_CONFIG_H
#define NZ_MODEL_CONFIG_H

#include "common/common.h"

/* Model-specific parameters: header keys NZ_KEY_EXTRA0 .. NZ_KEY_EXTRA0+15. */
#define NZ_MODEL_EXTRA 16

typedef struct nz_model_config {
	int model;          /* nz_model */
	int coding;         /* NZ_CODING_* */
	u32 preset;
	u32 lanes;
	u32 context;
	u32 hidden;
	u32 ffn;
	float learning_rate;
	u64 seed;
	u32 delay;          /* weight delay d: step t predicts with the weights after
			     * the update of step t-1-d (seed models: 0..NZ_MAX_DELAY) */
	u64 extra[NZ_MODEL_EXTRA];  /* meaning defined by the model; 0 if unused */
} nz_model_config;

#define NZ_MAX_DELAY 2

/* Same model with the same hyperparameters, field by field (padding ignored):
 * whether a codec made for a can code b. */
static inline int nz_model_config_equal(const nz_model_config *a, const nz_model_config *b)
{
	if (a->model != b->model || a->coding != b->coding || a->preset != b->preset ||
	    a->lanes != b->lanes || a->context != b->context || a->hidden != b->hidden ||
	    a->ffn != b->ffn || a->learning_rate != b->learning_rate || a->seed != b->seed ||
	    a->delay != b->delay)
		return 0;
	for (int i = 0; i < NZ_MODEL_EXTRA; i++)
		if (a->extra[i] != b->extra[i])
			return 0;
	return 1;
}

enum {
	NZ_CODING_STORED = 0,
	NZ_CODING_BYTES = 1,   /* byte-wise range coder over lanes */
	NZ_CODING_BITS = 2     /* bit-wise binary arithmetic coder */
};

struct nz_byte_model;
struct nz_block_codec;
typedef struct nz_exec nz_exec; /* nn/exec.h */

typedef struct nz_model_desc {
	int id;             /* nz_model */
	const char *name;   /* canonical name */
	/* Preset names, indexed by preset (preset_names[0] == name), NULL-terminated. */
	const char *const *preset_names;
	int coding;
	u32 default_block_log; /* block size the encoder uses unless told otherwise */
	/* Fill the zero fields of cfg with defaults for a level and preset; tables may
	 * be sized to content_size (NZ_CONTENT_SIZE_UNKNOWN when streaming). */
	void (*defaults)(nz_model_config *cfg, int level, u64 content_size);
	/* Optional (NULL: defaults): the configuration a version 2 header is written
	 * relative to (docs/FORMAT.md). It is frozen with the format, so defaults that
	 * change later stay out of it: headers then record them, and a decoder that
	 * does not know them rejects the file instead of misreading it. */
	void (*reference)(nz_model_config *cfg, int level, u64 content_size);
	/* Optional: adjust the defaults to the first block of data (n bytes) before
	 * the header is written; the header records the result. */
	void (*tune)(nz_model_config *cfg, const u8 *sample, size_t n);
	/* Optional: substreams per block when the user does not choose (1 without
	 * it), for a level and an input of content_size bytes (NZ_CONTENT_SIZE_UNKNOWN
	 * when streaming). Never from the machine, so that the output is the same
	 * everywhere. */
	u32 (*default_substreams)(const nz_model_config *cfg, int level, u64 content_size);
	/* Optional: one line describing cfg's model-specific parameters for -lv
	 * (the generic dimensions are described without it). */
	void (*describe)(const nz_model_config *cfg, char *buf, size_t cap);
	/* Check values read from a header (or set by a user): NZ_OK, NZ_ERR_PARAM if
	 * out of range. Must bound every dimension so memory and time stay bounded. */
	int (*validate)(const nz_model_config *cfg);
	/* Bytes the model allocates, about (for -l, memory limits). */
	u64 (*memory)(const nz_model_config *cfg);
	/* Non-zero if a block coded in K substreams holds K model states (so the
	 * decoder needs K * memory()), as the bit-wise models do. */
	int state_per_substream;
	/* Exactly one of these is set, by coding. The model runs on ex (threads,
	 * engine, backend: nn/exec.h), which must outlive it. */
	int (*create_byte_model)(const nz_model_config *cfg, struct nz_exec *ex,
				 struct nz_byte_model **out);
	int (*create_block_codec)(const nz_model_config *cfg, struct nz_exec *ex,
				  struct nz_block_codec **out);
} nz_model_desc;

#endif /* NZ_MODEL_CONFIG_H */
