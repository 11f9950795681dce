/*
 * registry.h - the table of every model (stored, the byte models of lib/model,
 * the CM model of lib/cm): look-up by id and by name, and config validation.
 * It lives in lib/codec, the layer that ties models together, so that lib/model
 * and lib/cm need not know each other's models (CONTRIBUTING.md).
 */
#ifndef NZ_REGISTRY_H
#define NZ_REGISTRY_H

#include "model/model_config.h"

/* The descriptor of a model id, or NULL. */
const nz_model_desc *nz_model_lookup(int id);

/* Find a model and preset by name ("edpc-s"). NZ_ERR_PARAM if unknown. */
int nz_model_find(const char *name, int *id, u32 *preset);

/* Check a config against its model: known id, matching coding, values in range. */
int nz_model_config_validate(const nz_model_config *cfg);

#endif /* NZ_REGISTRY_H */
