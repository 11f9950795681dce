/*
 * test_models.c - the model registry seen through the public API: names, presets,
 * nz_model_names() against the table, and nz_params_resolve() for every level.
 */
#include "nzip.h"
#include "test_util.h"

#include <string.h>

int main(void)
{
	/* nz_model_names() is a constant string: it must list every preset name of
	 * every model, in id order. */
	char expect[1024] = "";
	for (int id = 0; id < 64; id++)
		for (int preset = 0; nz_model_preset_name(id, preset); preset++) {
			const char *name = nz_model_preset_name(id, preset);
			size_t n = strlen(expect);
			snprintf(expect + n, sizeof(expect) - n, "%s%s", n ? ", " : "", name);
			nz_params p;
			nz_params_init(&p, 6);
			CHECK(nz_params_set_model(&p, name) == NZ_OK);
			CHECK(p.model == id && p.preset == preset);
		}
	if (strcmp(expect, nz_model_names()) != 0)
		fprintf(stderr, "table: %s\nnz_model_names: %s\n", expect, nz_model_names());
	CHECK(strcmp(expect, nz_model_names()) == 0);
	CHECK(strcmp(nz_model_preset_name(NZ_MODEL_ORDER2, 0), nz_model_name(NZ_MODEL_ORDER2)) == 0);
	CHECK(nz_model_preset_name(NZ_MODEL_ORDER2, 99) == NULL);
	CHECK(nz_model_preset_name(-5, 0) == NULL);

	for (int level = NZ_LEVEL_MIN; level <= NZ_LEVEL_MAX; level++) {
		nz_params p;
		nz_frame_info fi;
		CHECK(nz_params_init(&p, level) == NZ_OK);
		CHECK(nz_params_resolve(&p, &fi, NULL) == NZ_OK);
		CHECK(fi.model == p.model && fi.block_size >= 1024);
	}
	nz_params p;
	nz_frame_info fi;
	const char *why = NULL;
	nz_params_init(&p, 6);
	p.block_size = 3000;
	CHECK(nz_params_resolve(&p, &fi, &why) == NZ_ERR_PARAM && why && *why);
	p.block_size = 0;
	p.substreams = 256;
	CHECK(nz_params_resolve(&p, &fi, &why) == NZ_ERR_PARAM);
	p.substreams = 0;
	p.level = 11;
	CHECK(nz_params_resolve(&p, &fi, &why) == NZ_ERR_PARAM);

	/* Default substreams come from the level and the content size, never from
	 * the machine: two for a large input at levels 1-5, else one. */
	static const struct { int level; uint64_t size; uint32_t k; } ks[] = {
		{5, (uint64_t)100 << 20, 2}, {1, (uint64_t)64 << 20, 2},
		{6, (uint64_t)100 << 20, 1},
		{5, ((uint64_t)64 << 20) - 1, 1}, {5, NZ_CONTENT_SIZE_UNKNOWN, 1},
		{7, (uint64_t)1 << 30, 1}, {9, (uint64_t)1 << 30, 1}};
	for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		nz_params_init(&p, ks[i].level);
		p.content_size = ks[i].size;
		p.threads = 1;
		CHECK(nz_params_resolve(&p, &fi, NULL) == NZ_OK && fi.substreams == ks[i].k);
		p.substreams = 3; /* the user's choice wins */
		CHECK(nz_params_resolve(&p, &fi, NULL) == NZ_OK && fi.substreams == 3);
	}
	nz_params_init(&p, 6);
	p.content_size = (uint64_t)1 << 30;
	CHECK(nz_params_set_model(&p, "cm-nn") == NZ_OK);
	CHECK(nz_params_resolve(&p, &fi, NULL) == NZ_OK && fi.substreams == 1);
	/* the old level 6 by name keeps its old default: two substreams */
	nz_params_init(&p, 6);
	p.content_size = (uint64_t)100 << 20;
	CHECK(nz_params_set_model(&p, "cm-v2-6") == NZ_OK);
	CHECK(nz_params_resolve(&p, &fi, NULL) == NZ_OK && fi.substreams == 2);
	CHECK(nz_params_set_model(&p, "cm-v2-7") == NZ_OK);
	CHECK(nz_params_resolve(&p, &fi, NULL) == NZ_OK && fi.substreams == 1);
	return nz_test_finish("test_models");
}
