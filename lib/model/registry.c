/*
 * registry.c - the table of models: id, name, coding mode and constructors.
 */
#include "model/model_config.h"

static const nz_model_desc *const models[] = {
	NULL,
};

const nz_model_desc *nz_model_lookup(int id)
{
	for (size_t i = 0; i < NZ_ARRAY_LEN(models); i++)
		if (models[i] && models[i]->id == id)
			return models[i];
	return NULL;
}
