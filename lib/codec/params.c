/*
 * params.c - levels and parameter defaults. The level table maps -0..-9 to a model
 * and preset; the model's own defaults fill the rest (see lib/model/). Also the
 * struct_size check of nz_params and nz_dparams (nzip.h): a caller's struct is
 * imported into one of this library's size before anything reads it.
 */
#include <stddef.h>

#include "cm/cm.h"
#include "codec/config.h"
#include "codec/registry.h"

/*
 * The sizes of nz_params and nz_dparams that callers may have been compiled with,
 * one per layout, oldest first. Fields are only added at the end; whoever adds one
 * appends the new sizeof here (the assertions below fail until then), so programs
 * built against the older header keep working and get the new field's default.
 */
#define NZ_PARAMS_SIZE_0_1 (offsetof(nz_params, device) + sizeof(void *))
#define NZ_DPARAMS_SIZE_0_1 (offsetof(nz_dparams, device) + sizeof(void *))
static const size_t params_sizes[] = {NZ_PARAMS_SIZE_0_1};
static const size_t dparams_sizes[] = {NZ_DPARAMS_SIZE_0_1};
_Static_assert(sizeof(nz_params) == NZ_PARAMS_SIZE_0_1,
	       "nz_params grew: append its new size to params_sizes[] and update this");
_Static_assert(sizeof(nz_dparams) == NZ_DPARAMS_SIZE_0_1,
	       "nz_dparams grew: append its new size to dparams_sizes[] and update this");
_Static_assert(offsetof(nz_params, struct_size) == 0 && offsetof(nz_dparams, struct_size) == 0,
	       "struct_size must stay the first field");

/* A struct of a newer nzip.h is at most this big (a bound on what is read). */
#define NZ_STRUCT_SIZE_MAX 4096

static int known_size(size_t size, size_t ours, const size_t *sizes, size_t n)
{
	if (size > ours)  /* a newer header: its tail is checked by import_struct */
		return size <= NZ_STRUCT_SIZE_MAX && size % sizeof(void *) == 0;
	for (size_t i = 0; i < n; i++)
		if (sizes[i] == size)
			return 1;
	return 0;
}

/* Copy a caller's struct of `size` bytes over *full (ours bytes, holding the
 * defaults). Fields of a newer header that this library lacks must be zero. */
static int import_struct(void *full, size_t ours, const void *user, size_t size,
			 const char **detail)
{
	if (size > ours) {
		const u8 *tail = (const u8 *)user + ours;
		for (size_t i = 0; i < size - ours; i++) {
			if (tail[i]) {
				*detail = "the struct sets fields of a newer nzip.h that this "
					  "library does not have";
				return NZ_ERR_STRUCT_SIZE;
			}
		}
		size = ours;
	}
	memcpy(full, user, size);
	return NZ_OK;
}

static const char *const bad_size_detail =
	"struct_size is not a size this library knows: initialise the struct with "
	"nz_params_init() / nz_dparams_init() from the nzip.h of the library you link";

int nz_params_import(const nz_params *user, nz_params *out, const char **detail)
{
	const char *unused;
	if (!detail)
		detail = &unused;
	if (!user || !out)
		return NZ_ERR_PARAM;
	const size_t size = user->struct_size;
	if (!known_size(size, sizeof(nz_params), params_sizes,
			sizeof(params_sizes) / sizeof(params_sizes[0]))) {
		*detail = bad_size_detail;
		return NZ_ERR_STRUCT_SIZE;
	}
	/* Fields past the caller's size take the defaults of the caller's level. */
	const int level = user->level;
	nz_params_init_sized(out, sizeof(*out),
			     level >= NZ_LEVEL_MIN && level <= NZ_LEVEL_MAX ? level
									    : NZ_LEVEL_DEFAULT);
	NZ_TRY(import_struct(out, sizeof(*out), user, size, detail));
	out->struct_size = sizeof(*out);
	return NZ_OK;
}

int nz_dparams_import(const nz_dparams *user, nz_dparams *out, const char **detail)
{
	const char *unused;
	if (!detail)
		detail = &unused;
	nz_dparams_init_sized(out, sizeof(*out));
	if (!user)
		return NZ_OK;
	const size_t size = user->struct_size;
	if (!known_size(size, sizeof(nz_dparams), dparams_sizes,
			sizeof(dparams_sizes) / sizeof(dparams_sizes[0]))) {
		*detail = bad_size_detail;
		return NZ_ERR_STRUCT_SIZE;
	}
	NZ_TRY(import_struct(out, sizeof(*out), user, size, detail));
	out->struct_size = sizeof(*out);
	return NZ_OK;
}

typedef struct level_entry {
	int model;
	int preset;
} level_entry;

/* Levels 1-9 are the context-mixing model's levels (docs/CM.md), presets
 * cm-1 .. cm-9 (ids 30..38 since paq8px's SSE chain and word contexts joined 7-9
 * on 2026-12-03; ids 21..29 are the levels with the byte classes of earlier that
 * day, 12..20 those of the re-span of 2026-12-02 and 1..9 those of before, which
 * older files name): from lpaq1's contexts at about 1 MB/s to 40 context kinds,
 * paq8px's SSE chain and a neural byte model at about 10 KB/s. It beats
 * the neural seed models on every corpus file at a small fraction of their cost
 * (docs/BENCHMARKS.md), so they are chosen by name (--model edpc-s ...). */
static const level_entry levels[NZ_LEVEL_MAX + 1] = {
	[0] = {NZ_MODEL_STORE, 0},
	[1] = {NZ_MODEL_CM, NZ_CM_LEVEL_PRESET(1)}, [2] = {NZ_MODEL_CM, NZ_CM_LEVEL_PRESET(2)},
	[3] = {NZ_MODEL_CM, NZ_CM_LEVEL_PRESET(3)}, [4] = {NZ_MODEL_CM, NZ_CM_LEVEL_PRESET(4)},
	[5] = {NZ_MODEL_CM, NZ_CM_LEVEL_PRESET(5)}, [6] = {NZ_MODEL_CM, NZ_CM_LEVEL_PRESET(6)},
	[7] = {NZ_MODEL_CM, NZ_CM_LEVEL_PRESET(7)}, [8] = {NZ_MODEL_CM, NZ_CM_LEVEL_PRESET(8)},
	[9] = {NZ_MODEL_CM, NZ_CM_LEVEL_PRESET(9)},
};

void nz_level_model(int level, int *model, int *preset)
{
	*model = levels[level].model;
	*preset = levels[level].preset;
}

int nz_params_init_sized(nz_params *p, size_t struct_size, int level)
{
	if (!p)
		return NZ_ERR_PARAM;
	if (!known_size(struct_size, sizeof(*p), params_sizes,
			sizeof(params_sizes) / sizeof(params_sizes[0])))
		return NZ_ERR_STRUCT_SIZE;
	/* A bigger struct (a newer header) gets zeros, its fields' defaults, past ours;
	 * an older one only the fields it has. */
	nz_params full;
	memset(&full, 0, sizeof(full));
	memset(p, 0, struct_size);
	full.struct_size = (u32)struct_size;
	int rc = NZ_OK;
	if (level < NZ_LEVEL_MIN || level > NZ_LEVEL_MAX) {
		rc = NZ_ERR_PARAM;
	} else {
		full.level = level;
		nz_level_model(level, &full.model, &full.preset);
		full.content_size = NZ_CONTENT_SIZE_UNKNOWN;
	}
	memcpy(p, &full, NZ_MIN(struct_size, sizeof(full)));
	return rc;
}

int nz_params_set_model(nz_params *p, const char *name)
{
	int id;
	u32 preset;
	if (p && !known_size(p->struct_size, sizeof(*p), params_sizes,
			     sizeof(params_sizes) / sizeof(params_sizes[0])))
		return NZ_ERR_STRUCT_SIZE;
	if (!p || !name || nz_model_find(name, &id, &preset) != NZ_OK)
		return NZ_ERR_PARAM;
	p->model = id;
	p->preset = (int)preset;
	return NZ_OK;
}

int nz_dparams_init_sized(nz_dparams *p, size_t struct_size)
{
	if (!p)
		return NZ_ERR_PARAM;
	if (!known_size(struct_size, sizeof(*p), dparams_sizes,
			sizeof(dparams_sizes) / sizeof(dparams_sizes[0])))
		return NZ_ERR_STRUCT_SIZE;
	nz_dparams full;
	memset(&full, 0, sizeof(full));
	memset(p, 0, struct_size);
	full.struct_size = (u32)struct_size;
	full.memlimit = NZ_MEMLIMIT_DEFAULT;
	memcpy(p, &full, NZ_MIN(struct_size, sizeof(full)));
	return NZ_OK;
}

int nz_params_resolve(const nz_params *user, nz_frame_info *info, const char **detail)
{
	if (!user || !info)
		return NZ_ERR_PARAM;
	nz_params full;
	NZ_TRY(nz_params_import(user, &full, detail));
	const nz_params *p = &full;
	nz_model_config cfg;
	u32 block_log, k;
	NZ_TRY(nz_config_from_params(p, &cfg, &block_log, &k, detail));
	nz_frame_header h;
	memset(&h, 0, sizeof(h));
	nz_config_to_header(&cfg, p->content_size, &h);
	h.block_log = (u8)block_log;
	u8 buf[NZ_FRAME_HEADER_MAX];
	nz_frame_info_fill(&h, &cfg, nz_write_frame_header(buf, &h), info);
	info->substreams = k;
	info->memory_needed = nz_frame_memory(&cfg, block_log, k);
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
