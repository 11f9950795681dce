/*
 * cm_model.h - the bit predictor of the context-mixing codec (internal).
 *
 * One cm_model is one model state: it predicts P(next bit = 1) as a 16-bit
 * probability and learns from the coded bit. cm_codec.c drives it with the binary
 * arithmetic coder. Everything is integer arithmetic (docs/CM.md, "Determinism").
 */
#ifndef NZ_CM_MODEL_H
#define NZ_CM_MODEL_H

#include "cm/cm.h"
#include "model/job.h"

typedef int16_t s16;

typedef struct cm_params {
	u32 hash_bits;
	u64 ctx_mask;  /* CM_C_* */
	u32 match_bits;
	u32 mixers;
	u32 sse;
	u32 flags;
	u32 nnlanes;  /* lanes per segment (1 unless CM_F_EXT and extra[CM_X_NNLANES] > 1) */
	u32 mix_lr, mix_lr2; /* the mixers' learning rates (extra[CM_X_MIXLR]; CM_MIX_LR, CM_MIX2_LR) */
	/* not from the header: where the mixer's kernels come from (NZ_NN_BACKEND_*,
	 * the compression's backend choice; AUTO from nz_cm_params_from_config). Never
	 * changes the output. */
	int backend;
} cm_params;

typedef struct cm_model cm_model;

/* Decode and check extra[]: NZ_ERR_PARAM if out of range. */
int nz_cm_params_from_config(const nz_model_config *cfg, cm_params *p);
u64 nz_cm_model_memory(const cm_params *p);

int nz_cm_model_create(const cm_params *p, cm_model **out);
void nz_cm_model_destroy(cm_model *m);
/* Back to the initial state (all statistics forgotten). */
void nz_cm_model_reset(cm_model *m);
/* Attach an external byte predictor (NULL to detach). */
void nz_cm_model_set_ext(cm_model *m, const nz_cm_ext_predictor *ext);

/* Code bytes [from, n) of src (dst) with the model: encode writes through the
 * coder, decode stores the bytes (or returns a negative nz_error). The earlier
 * bytes of the array are the history a neural input (CM_F_EXT) reads. Defined
 * in cm_model.c for speed. */
struct nz_bitenc;
struct nz_bitdec;
int nz_cm_encode_bytes(cm_model *m, struct nz_bitenc *enc, const u8 *src, size_t from, size_t n,
		    const nz_job *job, u64 job_base);
int nz_cm_decode_bytes(cm_model *m, struct nz_bitdec *dec, u8 *dst, size_t from, size_t n,
		    const nz_job *job, u64 job_base);

/* Lanes (extra[CM_X_NNLANES] > 1): a lane codes its own part of a segment with
 * its own history, window and match model, and shares the statistics (hash
 * tables, state maps, mixers, SSE) of `base`, which must outlive it. Reset a
 * lane with nz_cm_model_reset (its history only). */
int nz_cm_model_create_lane(const cm_model *base, cm_model **out);
/* Bytes one lane adds to its base. */
u64 nz_cm_lane_memory(const cm_params *p);
/* Code one byte with the neural input's 256 weights given (the lane driver's
 * batched predictions) instead of asking the attached predictor. */
int nz_cm_encode_byte_ext(cm_model *m, struct nz_bitenc *enc, u32 c, const u16 probs[256]);
int nz_cm_decode_byte_ext(cm_model *m, struct nz_bitdec *dec, const u16 probs[256], u8 *out);

/* The mixer kernels in use ("scalar", "avx2"): p->backend decides (tests set
 * NZ_NN_BACKEND_SCALAR to check that both give the same bits). */
const char *nz_cm_model_kernels(const cm_model *m);
/* Mixer inputs of a configuration (the sum of every component's). */
u32 nz_cm_model_mixer_inputs(const cm_params *p);

/* The data type (CM_TYPE_*, datatype_model.h) of the segment about to be
 * coded, with an image's layout; encoder and decoder call it at the same
 * places. */
struct cm_image;
void nz_cm_model_set_type(cm_model *m, u32 type, const struct cm_image *img);

/* Bytes coded by this model state since its last reset (the position used by the
 * x86 transform). */
u64 nz_cm_model_pos(const cm_model *m);

#endif /* NZ_CM_MODEL_H */
