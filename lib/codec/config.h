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
int nz_config_from_params(const nz_params *p, nz_model_config *cfg, u32 *block_log,
			  u32 *k, const char **detail);

/* The model and preset a level (0..9) stands for. */
void nz_level_model(int level, int *model, int *preset);

/* Fill the frame header's model fields and parameter records from cfg. */
void nz_config_to_header(const nz_model_config *cfg, nz_frame_header *h);

/* Read and validate a config from a parsed frame header. */
int nz_config_from_header(const nz_frame_header *h, nz_model_config *cfg,
			  const char **detail);

/* The codec that codes blocks for cfg (NULL and NZ_OK for coding 0), running on
 * ex (which must outlive it). */
int nz_codec_create(const nz_model_config *cfg, nz_exec *ex, nz_block_codec **out);

/* One-shot decoding: refuse a block that cannot fit in the caller's buffer before
 * decoding it (a quick error instead of decoding a large block for nothing). */
void nz_dctx_set_output_limit(nz_dctx *d, u64 limit);

/* Tests and fuzzers only: a compression context that codes with cfg (checked by
 * nz_model_config_validate; NZ_ERR_PARAM if invalid) instead of the config the
 * parameters resolve to; block size, substreams and threads still come from p. */
int nz_cctx_create_config(nz_cctx **out, const nz_params *p, const nz_model_config *cfg);

/* Describe a header for users (nz_frame_info). */
void nz_frame_info_fill(const nz_frame_header *h, const nz_model_config *cfg,
			size_t header_size, nz_frame_info *info);

#endif /* NZ_CONFIG_H */
