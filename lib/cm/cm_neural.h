/*
 * cm_neural.h - a neural byte model as the CM model's external predictor
 * (internal; see cm_neural.c). The model and its preset are header fields
 * extra[CM_X_NNMODEL] and extra[CM_X_NNPRESET] of the CM configuration.
 */
#ifndef NZ_CM_NEURAL_H
#define NZ_CM_NEURAL_H

#include "cm/cm.h"

typedef struct cm_neural cm_neural;

/* NZ_OK if the configuration names a byte model and preset that can be built. */
int nz_cm_neural_check(const nz_model_config *cm_cfg);
/* Bytes one neural predictor allocates (0 if the configuration is invalid). */
u64 nz_cm_neural_memory(const nz_model_config *cm_cfg);

/* The predictor runs inside the CM codec's pool tasks, so it takes a serial
 * execution context of its own (one thread, no pool) on `backend`. */
int nz_cm_neural_create(const nz_model_config *cm_cfg, int backend, cm_neural **out);
void nz_cm_neural_destroy(cm_neural *n);
/* Back to the initial weights (the CM state was reset). */
int nz_cm_neural_reset(cm_neural *n);
/* Lanes per segment the model was made for (extra[CM_X_NNLANES], at least 1). */
u32 nz_cm_neural_lanes(const cm_neural *n);
/* Lanes: step t of a segment `seg` cut into `used` lanes of lane_len bytes (the
 * last one last_len): learn from byte t - 1 of the lanes of the last step, then
 * write the 16-bit weights of byte t of each active lane to probs[lane * 256 ..]
 * (lanes longer than t; the bytes before t must be in seg). */
int nz_cm_neural_step(cm_neural *n, const u8 *seg, size_t lane_len, u32 used, size_t last_len,
		   size_t t, u16 *probs);
/* The predictor to attach to one CM model state (nz_cm_model_set_ext). */
nz_cm_ext_predictor nz_cm_neural_predictor(cm_neural *n);

#endif /* NZ_CM_NEURAL_H */
