/*
 * params.c - levels and parameter defaults. The level table maps -0..-9 to a model
 * and preset; the model's own defaults fill the rest (see lib/model/).
 */
#include "codec/config.h"
#include "codec/registry.h"

typedef struct level_entry {
	int model;
	int preset;
} level_entry;

/* Levels 1-9 are the context-mixing model's levels (docs/CM.md): from orders 2-6
 * at about 1 MB/s to 24 context kinds at about 100 KB/s. It beats the neural seed
 * models on every corpus file at a small fraction of their cost (docs/BENCHMARKS.md),
 * so they are chosen by name (--model edpc-s ...). */
static const level_entry levels[NZ_LEVEL_MAX + 1] = {
	[0] = {NZ_MODEL_STORE, 0},
	[1] = {NZ_MODEL_CM, 1}, [2] = {NZ_MODEL_CM, 2}, [3] = {NZ_MODEL_CM, 3},
	[4] = {NZ_MODEL_CM, 4}, [5] = {NZ_MODEL_CM, 5}, [6] = {NZ_MODEL_CM, 6},
	[7] = {NZ_MODEL_CM, 7}, [8] = {NZ_MODEL_CM, 8}, [9] = {NZ_MODEL_CM, 9},
};

void nz_level_model(int level, int *model, int *preset)
{
	*model = levels[level].model;
	*preset = levels[level].preset;
}

int nz_params_init(nz_params *p, int level)
{
	if (!p)
		return NZ_ERR_PARAM;
	memset(p, 0, sizeof(*p));
	if (level < NZ_LEVEL_MIN || level > NZ_LEVEL_MAX)
		return NZ_ERR_PARAM;
	p->level = level;
	nz_level_model(level, &p->model, &p->preset);
	p->content_size = NZ_CONTENT_SIZE_UNKNOWN;
	return NZ_OK;
}

int nz_params_set_model(nz_params *p, const char *name)
{
	int id;
	u32 preset;
	if (!p || !name || nz_model_find(name, &id, &preset) != NZ_OK)
		return NZ_ERR_PARAM;
	p->model = id;
	p->preset = (int)preset;
	return NZ_OK;
}

void nz_dparams_init(nz_dparams *p)
{
	memset(p, 0, sizeof(*p));
}

int nz_params_resolve(const nz_params *p, nz_frame_info *info, const char **detail)
{
	if (!p || !info)
		return NZ_ERR_PARAM;
	nz_model_config cfg;
	u32 block_log, k;
	NZ_TRY(nz_config_from_params(p, &cfg, &block_log, &k, detail));
	nz_frame_header h;
	memset(&h, 0, sizeof(h));
	nz_config_to_header(&cfg, &h);
	h.block_log = (u8)block_log;
	h.has_content_size = p->content_size != NZ_CONTENT_SIZE_UNKNOWN;
	h.content_size = p->content_size;
	u8 buf[NZ_FRAME_HEADER_MAX];
	nz_frame_info_fill(&h, &cfg, nz_write_frame_header(buf, &h), info);
	info->substreams = k;
	return NZ_OK;
}

/* The public backend ids are the engine's (nn/nn.h). */
_Static_assert((int)NZ_BACKEND_SCALAR == (int)NZ_NN_BACKEND_SCALAR &&
		       (int)NZ_BACKEND_AVX2 == (int)NZ_NN_BACKEND_AVX2 &&
		       (int)NZ_BACKEND_AVX512 == (int)NZ_NN_BACKEND_AVX512 &&
		       (int)NZ_BACKEND_OPENCL == (int)NZ_NN_BACKEND_OPENCL &&
		       (int)NZ_BACKEND_AUTO == (int)NZ_NN_BACKEND_AUTO,
	       "public and engine backend ids differ");

int nz_backend_from_name(const char *name) { return nz_nn_backend_from_name(name); }

const char *nz_backend_name(int backend)
{
	return backend >= 0 && backend < NZ_NN_BACKEND_COUNT_ ? nz_nn_backend_name(backend) : NULL;
}

int nz_backend_supported(int backend)
{
	if (backend == NZ_BACKEND_AUTO)
		return 1;
	return backend > 0 && backend < NZ_NN_BACKEND_COUNT_ && nz_nn_backend_supported(backend);
}

int nz_select_device(const char *spec) { return nz_nn_opencl_select(spec); }

int nz_list_devices(char *buf, size_t cap) { return nz_nn_opencl_list(buf, cap); }

uint64_t nz_device_peak_memory(char *name, size_t cap) { return nz_nn_opencl_peak(name, cap); }

int nz_codec_select_device(int backend, const char *device)
{
	if (backend != NZ_BACKEND_OPENCL || !device || !*device)
		return NZ_OK;
	return nz_nn_opencl_select(device);
}
