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
int cm_neural_check(const nz_model_config *cm_cfg);
/* Bytes one neural predictor allocates (0 if the configuration is invalid). */
u64 cm_neural_memory(const nz_model_config *cm_cfg);

int cm_neural_create(const nz_model_config *cm_cfg, cm_neural **out);
void cm_neural_destroy(cm_neural *n);
/* Back to the initial weights (the CM state was reset). */
int cm_neural_reset(cm_neural *n);
/* The predictor to attach to one CM model state (cm_model_set_ext). */
nz_cm_ext_predictor cm_neural_predictor(cm_neural *n);

#endif /* NZ_CM_NEURAL_H */
