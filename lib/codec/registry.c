/*
 * registry.c - the table of models: id, name, presets, coding and constructors.
 * A new model adds one descriptor here (a byte model also to lib/model/byte_models.c).
 */
#include "codec/registry.h"
#include "cm/cm.h"
#include "model/byte_models.h"

static void store_defaults(nz_model_config *cfg, int level, u64 content_size)
{
	(void)cfg, (void)level, (void)content_size;
}
static int store_validate(const nz_model_config *cfg) { (void)cfg; return NZ_OK; }
static u64 store_memory(const nz_model_config *cfg) { (void)cfg; return 0; }

static const char *const store_presets[] = {"store", NULL};

static const nz_model_desc nz_model_store = {
	.id = NZ_MODEL_STORE,
	.name = "store",
	.preset_names = store_presets,
	.coding = NZ_CODING_STORED,
	.default_block_log = 22,
	.defaults = store_defaults,
	.validate = store_validate,
	.memory = store_memory,
};

static const nz_model_desc *const models[] = {
	&nz_model_store,
	&nz_model_order2,
	&nz_model_edpc,
	&nz_model_pac,
	&nz_model_trace,
	&nz_model_sep,
	&nz_model_cm,
};

const nz_model_desc *nz_model_lookup(int id)
{
	for (size_t i = 0; i < NZ_ARRAY_LEN(models); i++)
		if (models[i]->id == id)
			return models[i];
	return NULL;
}

int nz_model_find(const char *name, int *id, u32 *preset)
{
	for (size_t i = 0; i < NZ_ARRAY_LEN(models); i++)
		for (u32 p = 0; models[i]->preset_names[p]; p++)
			if (strcmp(models[i]->preset_names[p], name) == 0) {
				*id = models[i]->id;
				*preset = p;
				return NZ_OK;
			}
	return NZ_ERR_PARAM;
}

int nz_model_config_validate(const nz_model_config *cfg)
{
	const nz_model_desc *d = nz_model_lookup(cfg->model);
	if (!d || d->coding != cfg->coding)
		return NZ_ERR_UNSUPPORTED;
	u32 npresets = 0;
	while (d->preset_names[npresets])
		npresets++;
	if (cfg->preset >= npresets)
		return NZ_ERR_UNSUPPORTED;
	/* The weight delay is implemented once, in seed_common.c: the four seed
	 * models take 0..NZ_MAX_DELAY, every other model only 0. */
	const int seed = cfg->model == NZ_MODEL_EDPC || cfg->model == NZ_MODEL_PAC ||
			 cfg->model == NZ_MODEL_TRACE || cfg->model == NZ_MODEL_SEP;
	if (cfg->delay > (seed ? NZ_MAX_DELAY : 0u))
		return NZ_ERR_UNSUPPORTED;
	return d->validate(cfg);
}

const char *nz_model_name(int model)
{
	const nz_model_desc *d = nz_model_lookup(model);
	return d ? d->name : NULL;
}

const char *nz_model_preset_name(int model, int preset)
{
	return nz_model_desc_preset(nz_model_lookup(model), preset);
}

/* Kept as a constant (no lazily built global); test_models checks it against the
 * table above. */
const char *nz_model_names(void)
{
	return "store, order2, edpc, edpc-s, edpc-xs, edpc-tiny, edpc-m, pac, pac-s, pac-xs, pac-tiny, "
	       "trace, trace-s, trace-xs, trace-tiny, sep, sep-s, sep-xs, sep-tiny, cm, cm-v2-1, cm-v2-2, "
	       "cm-v2-3, cm-v2-4, cm-v2-5, cm-v2-6, cm-v2-7, cm-v2-8, cm-v2-9, cm-nn, cm-x, cm-r1-1, "
	       "cm-r1-2, cm-r1-3, cm-r1-4, cm-r1-5, cm-r1-6, cm-r1-7, cm-r1-8, cm-r1-9, cm-r2-1, "
	       "cm-r2-2, cm-r2-3, cm-r2-4, cm-r2-5, cm-r2-6, cm-r2-7, cm-r2-8, cm-r2-9, cm-r3-1, "
	       "cm-r3-2, cm-r3-3, cm-r3-4, cm-r3-5, cm-r3-6, cm-r3-7, cm-r3-8, cm-r3-9, cm-r4-1, "
	       "cm-r4-2, cm-r4-3, cm-r4-4, cm-r4-5, cm-r4-6, cm-r4-7, cm-r4-8, cm-r4-9, cm-r5-1, "
	       "cm-r5-2, cm-r5-3, cm-r5-4, cm-r5-5, cm-r5-6, cm-r5-7, cm-r5-8, cm-r5-9, cm-r6-1, "
	       "cm-r6-2, cm-r6-3, cm-r6-4, cm-r6-5, cm-r6-6, cm-r6-7, cm-r6-8, cm-r6-9, cm-1, cm-2, "
	       "cm-3, cm-4, cm-5, cm-6, cm-7, cm-8, cm-9";
}
