/*
 * byte_models.c - see byte_models.h.
 */
#include "model/byte_models.h"

static const nz_model_desc *const byte_models[] = {
	&nz_model_order2, &nz_model_edpc, &nz_model_pac, &nz_model_trace, &nz_model_sep,
};

const nz_model_desc *nz_byte_model_lookup(int id)
{
	for (size_t i = 0; i < NZ_ARRAY_LEN(byte_models); i++)
		if (byte_models[i]->id == id)
			return byte_models[i];
	return NULL;
}

const char *nz_model_desc_preset(const nz_model_desc *d, int preset)
{
	if (!d || preset < 0)
		return NULL;
	for (int i = 0; d->preset_names[i]; i++)
		if (i == preset)
			return d->preset_names[i];
	return NULL;
}
