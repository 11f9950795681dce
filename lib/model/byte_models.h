/*
 * byte_models.h - the byte models (coding 1) this directory defines, for the
 * layers above: the codec's registry lists them, and the CM model creates one
 * as its neural input without depending on the codec.
 */
#ifndef NZ_BYTE_MODELS_H
#define NZ_BYTE_MODELS_H

#include "model/model_config.h"

extern const nz_model_desc nz_model_order2;
extern const nz_model_desc nz_model_edpc;
extern const nz_model_desc nz_model_pac;
extern const nz_model_desc nz_model_trace;
extern const nz_model_desc nz_model_sep;

/* The descriptor of a byte model id, or NULL (also for ids of other kinds). */
const nz_model_desc *nz_byte_model_lookup(int id);

/* Preset `preset` of a descriptor's name list, or NULL if out of range. */
const char *nz_model_desc_preset(const nz_model_desc *d, int preset);

#endif /* NZ_BYTE_MODELS_H */
