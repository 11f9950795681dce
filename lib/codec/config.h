/*
 * config.h - from user parameters to a model config, from a model config to frame
 * header parameters and back, and from a config to a block codec.
 */
#ifndef NZ_CONFIG_H
#define NZ_CONFIG_H

#include "model/block_codec.h"
#include "format/frame.h"
#include "model/model_config.h"
#include "nn/exec.h"

/* Resolve user parameters into a validated config, block_log and substream count.
 * On NZ_ERR_PARAM, *detail (if detail is not NULL) says why. */
/* The OpenCL device a job names (nz_params.device, nz_dparams.device) chosen for
 * the process before its execution context is made; NZ_OK when it names none. */
int nz_codec_select_device(int backend, const char *device);

int nz_config_from_params(const nz_params *p, nz_model_config *cfg, u32 *block_log,
			  u32 *k, const char **detail);

/* Check a caller's nz_params / nz_dparams (its struct_size, nzip.h) and copy it into
 * *out, a struct of this library's size, defaults filling what the caller's lacks.
 * dparams may be NULL (the defaults). NZ_ERR_STRUCT_SIZE, with *detail saying why
 * (detail may be NULL), if the size is not one this library knows. */
int nz_params_import(const nz_params *user, nz_params *out, const char **detail);
int nz_dparams_import(const nz_dparams *user, nz_dparams *out, const char **detail);

/* The model and preset a level (0..9) stands for. */
void nz_level_model(int level, int *model, int *preset);

/* Fill the frame header's model fields, content size and parameter records from
 * cfg, in h->version's layout (0: NZ_FORMAT_VERSION, which it then sets): version
 * 1 records every non-zero field, version 2 the preset and the fields that differ
 * from the preset's defaults for that content size. */
void nz_config_to_header(const nz_model_config *cfg, u64 content_size, nz_frame_header *h);

/* Read and validate a config from a parsed frame header. */
int nz_config_from_header(const nz_frame_header *h, nz_model_config *cfg,
			  const char **detail);

/* The codec that codes blocks of up to max_block bytes for cfg (NULL and NZ_OK
 * for coding 0), running on ex (which must outlive it). */
int nz_codec_create(const nz_model_config *cfg, nz_exec *ex, size_t max_block,
		    nz_block_codec **out);

/* One-shot decoding: refuse a block that cannot fit in the caller's buffer before
 * decoding it (a quick error instead of decoding a large block for nothing). */
void nz_dctx_set_output_limit(nz_dctx *d, u64 limit);

/* The bytes a decoder allocates for a frame of cfg and block_log whose blocks have
 * up to k substreams: every model state (one per substream for the models that
 * keep one each), the lane driver's buffers, the delay's parked gradients, the
 * block buffer and the payload buffer. Computed before anything is allocated;
 * nz_frame_info.memory_needed and the memory limit use it. */
u64 nz_frame_memory(const nz_model_config *cfg, u32 block_log, u32 k);

/* Tests and fuzzers only: a compression context that codes with cfg (checked by
 * nz_model_config_validate; NZ_ERR_PARAM if invalid) instead of the config the
 * parameters resolve to; block size, substreams and threads still come from p. */
int nz_cctx_create_config(nz_cctx **out, const nz_params *p, const nz_model_config *cfg);

/* Describe a header for users (nz_frame_info; memory_needed for k = 1). */
void nz_frame_info_fill(const nz_frame_header *h, const nz_model_config *cfg,
			size_t header_size, nz_frame_info *info);

#endif /* NZ_CONFIG_H */
