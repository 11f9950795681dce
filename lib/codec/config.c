/*
 * config.c - see config.h.
 */
#include <stdio.h>

#include "codec/config.h"
#include "codec/lanes.h"
#include "codec/registry.h"
#include "model/byte_model.h"
#include "model/byte_models.h"
#include "model/seed_common.h"

static u32 float_bits(float f)
{
	u32 u;
	memcpy(&u, &f, 4);
	return u;
}

static float bits_float(u32 u)
{
	float f;
	memcpy(&f, &u, 4);
	return f;
}

static u32 log2_ceil(u64 x)
{
	u32 l = 0;
	while (((u64)1 << l) < x)
		l++;
	return l;
}

int nz_config_from_params(const nz_params *p, nz_model_config *cfg, u32 *block_log,
			  u32 *k, const char **detail)
{
	const char *why_unused;
	if (!detail)
		detail = &why_unused;
	memset(cfg, 0, sizeof(*cfg));
	if (p->level < NZ_LEVEL_MIN || p->level > NZ_LEVEL_MAX) {
		*detail = "level out of range (0..9)";
		return NZ_ERR_PARAM;
	}
	int model = p->model, preset = p->preset;
	if (model == NZ_MODEL_AUTO)
		nz_level_model(p->level, &model, &preset);
	const nz_model_desc *d = nz_model_lookup(model);
	if (!d || preset < 0) {
		*detail = "unknown model";
		return NZ_ERR_PARAM;
	}
	cfg->model = d->id;
	cfg->coding = d->coding;
	cfg->preset = (u32)preset;
	cfg->lanes = p->lanes;
	cfg->context = p->context;
	cfg->hidden = p->hidden;
	cfg->ffn = p->ffn;
	cfg->learning_rate = p->learning_rate;
	cfg->seed = p->seed;
	cfg->delay = p->delay;
	d->defaults(cfg, p->level, p->content_size);
	if (nz_model_config_validate(cfg) != NZ_OK) {
		*detail = "a model parameter is out of the model's range";
		return NZ_ERR_PARAM;
	}

	u32 log = d->default_block_log;
	if (p->block_size) {
		log = log2_ceil(p->block_size);
		if (((u64)1 << log) != p->block_size || log < NZ_BLOCK_LOG_MIN ||
		    log > NZ_BLOCK_LOG_MAX) {
			*detail = "block size must be a power of two from 1 KiB to 1 GiB";
			return NZ_ERR_PARAM;
		}
	}
	/* A small input of known size needs no bigger block: the header then tells
	 * the decoder exactly how much to allocate. */
	if (p->content_size != NZ_CONTENT_SIZE_UNKNOWN)
		log = NZ_MIN(log, log2_ceil(p->content_size));
	if (log < NZ_BLOCK_LOG_MIN)
		log = NZ_BLOCK_LOG_MIN;
	*block_log = log;
	*k = 1;
	if (p->substreams)
		*k = p->substreams;
	else if (d->default_substreams)
		*k = d->default_substreams(cfg, p->level, p->content_size);
	if (*k > NZ_MAX_SUBSTREAMS) {
		*detail = "substreams must be 1..255";
		return NZ_ERR_PARAM;
	}
	return NZ_OK;
}

static void put(nz_frame_header *h, u32 key, u64 value)
{
	if (value) {
		h->keys[h->nparams] = (u8)key;
		h->values[h->nparams++] = value;
	}
}

/* The level whose defaults version 2 leaves out of a header, for a model whose
 * defaults depend on the level (a preset of 0); fixed by the format. */
#define NZ_V2_REFERENCE_LEVEL 6

/* Version 2's reference configuration: the model's defaults for its preset and
 * the frame's content size (NZ_CONTENT_SIZE_UNKNOWN when the header lacks it).
 * Encoder and decoder compute the same one, and a header records only the fields
 * that differ from it. So a preset's defaults are part of the format: changing
 * them needs a new preset id (docs/FORMAT.md). */
static int reference_config(u32 model, u64 preset, u64 content_size, nz_model_config *ref)
{
	memset(ref, 0, sizeof(*ref));
	const nz_model_desc *d = nz_model_lookup((int)model);
	if (!d || preset > INT32_MAX || !nz_model_desc_preset(d, (int)preset))
		return NZ_ERR_UNSUPPORTED;
	ref->model = d->id;
	ref->coding = d->coding;
	ref->preset = (u32)preset;
	(d->reference ? d->reference : d->defaults)(ref, NZ_V2_REFERENCE_LEVEL, content_size);
	return NZ_OK;
}

/* The parameter records of cfg: every field, by key, as a header stores it. */
static void config_fields(const nz_model_config *cfg, u8 keys[], u64 values[], u32 *n)
{
	*n = 0;
#define FIELD(key, value) (keys[*n] = (u8)(key), values[(*n)++] = (value))
	FIELD(NZ_KEY_LANES, cfg->lanes);
	FIELD(NZ_KEY_CONTEXT, cfg->context);
	FIELD(NZ_KEY_HIDDEN, cfg->hidden);
	FIELD(NZ_KEY_FFN, cfg->ffn);
	FIELD(NZ_KEY_LEARNING_RATE, float_bits(cfg->learning_rate));
	FIELD(NZ_KEY_SEED, cfg->seed);
	FIELD(NZ_KEY_DELAY, cfg->delay);
	for (u32 i = 0; i < NZ_MODEL_EXTRA; i++)
		FIELD(NZ_KEY_EXTRA0 + i, cfg->extra[i]);
#undef FIELD
}

void nz_config_to_header(const nz_model_config *cfg, u64 content_size, nz_frame_header *h)
{
	if (!h->version)
		h->version = NZ_FORMAT_VERSION;
	h->coding = (u8)cfg->coding;
	h->model = (u8)cfg->model;
	h->has_content_size = content_size != NZ_CONTENT_SIZE_UNKNOWN;
	h->content_size = content_size;
	h->nparams = 0;
	u8 keys[NZ_MAX_PARAMS];
	u64 values[NZ_MAX_PARAMS], ref_values[NZ_MAX_PARAMS];
	u32 n;
	config_fields(cfg, keys, values, &n);
	if (h->version == 1) {  /* every non-zero field; absent means 0 */
		put(h, NZ_KEY_PRESET, cfg->preset);
		for (u32 i = 0; i < n; i++)
			put(h, keys[i], values[i]);
		return;
	}
	/* Version 2: the fields that differ from the reference, zeros included. */
	h->preset = cfg->preset;
	nz_model_config ref;
	if (reference_config((u32)cfg->model, cfg->preset, content_size, &ref) != NZ_OK)
		memset(&ref, 0, sizeof(ref));  /* cannot happen for a valid cfg */
	config_fields(&ref, keys, ref_values, &n);
	for (u32 i = 0; i < n; i++)
		if (values[i] != ref_values[i]) {
			h->keys[h->nparams] = keys[i];
			h->values[h->nparams++] = values[i];
		}
}

int nz_config_from_header(const nz_frame_header *h, nz_model_config *cfg,
			  const char **detail)
{
	memset(cfg, 0, sizeof(*cfg));
	if (h->version != 1) {  /* version 2: the reference, then what differs */
		if (reference_config(h->model, h->preset,
				     h->has_content_size ? h->content_size : NZ_CONTENT_SIZE_UNKNOWN,
				     cfg) != NZ_OK) {
			*detail = "unknown model or preset in frame header (made by a newer nzip?)";
			return NZ_ERR_UNSUPPORTED;
		}
		if (cfg->coding != h->coding) {
			*detail = "model parameters out of range or not matching the coding";
			return NZ_ERR_UNSUPPORTED;
		}
	}
	cfg->model = h->model;
	cfg->coding = h->coding;
	for (u32 i = 0; i < h->nparams; i++) {
		const u64 v = h->values[i];
		const u32 key = h->keys[i];
		int narrow = v > UINT32_MAX;
		switch (key) {
		case NZ_KEY_PRESET:
			if (h->version != 1) {  /* version 2 has it in the fixed part */
				*detail = "unknown parameter in frame header";
				return NZ_ERR_UNSUPPORTED;
			}
			cfg->preset = (u32)v;
			break;
		case NZ_KEY_LANES: cfg->lanes = (u32)v; break;
		case NZ_KEY_CONTEXT: cfg->context = (u32)v; break;
		case NZ_KEY_HIDDEN: cfg->hidden = (u32)v; break;
		case NZ_KEY_FFN: cfg->ffn = (u32)v; break;
		case NZ_KEY_LEARNING_RATE: cfg->learning_rate = bits_float((u32)v); break;
		case NZ_KEY_SEED: cfg->seed = v; narrow = 0; break;
		case NZ_KEY_DELAY: cfg->delay = (u32)v; break;
		default:
			if (key >= NZ_KEY_EXTRA0 && key <= NZ_KEY_EXTRA_LAST) {
				cfg->extra[key - NZ_KEY_EXTRA0] = v;
				narrow = 0;
				break;
			}
			*detail = "unknown parameter in frame header";
			return NZ_ERR_UNSUPPORTED;
		}
		if (narrow) {
			*detail = "parameter value out of range";
			return NZ_ERR_UNSUPPORTED;
		}
	}
	if (!nz_model_lookup(cfg->model)) {
		*detail = "unknown model in frame header (made by a newer nzip?)";
		return NZ_ERR_UNSUPPORTED;
	}
	if (nz_model_config_validate(cfg) != NZ_OK) {
		*detail = "model parameters out of range or not matching the coding";
		return NZ_ERR_UNSUPPORTED;
	}
	return NZ_OK;
}

int nz_codec_create(const nz_model_config *cfg, nz_exec *ex, size_t max_block,
		    nz_block_codec **out)
{
	*out = NULL;
	const nz_model_desc *d = nz_model_lookup(cfg->model);
	if (!d)
		return NZ_ERR_UNSUPPORTED;
	switch (d->coding) {
	case NZ_CODING_STORED:
		return NZ_OK;
	case NZ_CODING_BYTES: {
		nz_byte_model *m;
		NZ_TRY(d->create_byte_model(cfg, ex, &m));
		return nz_lanes_codec_create(m, cfg->lanes, max_block, ex, out);
	}
	default:
		return d->create_block_codec(cfg, ex, out);
	}
}

u64 nz_frame_memory(const nz_model_config *cfg, u32 block_log, u32 k)
{
	const nz_model_desc *d = nz_model_lookup(cfg->model);
	const u64 model = d ? d->memory(cfg) : 0;
	const u64 driver = cfg->coding == NZ_CODING_BYTES
				   ? nz_lanes_codec_memory(cfg->lanes, cfg->context,
							 (size_t)1 << block_log)
				   : 0;
	/* A model that keeps one state per substream (cm) holds K of them. */
	const u64 states = d && d->state_per_substream && k > 1 ? k : 1;
	/* The block being decoded and its gathered payload (smaller than the block). */
	return states * model + nz_seed_delay_memory(cfg) + driver + 2 * ((u64)1 << block_log);
}

/* The generic dimensions that are set, in words: "lanes 16, context 32, ...". */
static void describe_dims(const nz_model_config *cfg, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = 0;
	const char *names[] = {"lanes", "context", "hidden", "ffn"};
	const u32 v[] = {cfg->lanes, cfg->context, cfg->hidden, cfg->ffn};
	for (size_t i = 0; i < NZ_ARRAY_LEN(v) && len < cap; i++)
		if (v[i])
			len += (size_t)snprintf(buf + len, cap - len, "%s%s %u", len ? ", " : "",
						names[i], v[i]);
	if (cfg->learning_rate != 0 && len < cap)
		len += (size_t)snprintf(buf + len, cap - len, "%slr %g", len ? ", " : "",
					(double)cfg->learning_rate);
	if (cfg->seed && len < cap)
		snprintf(buf + len, cap - len, "%sseed %llu", len ? ", " : "",
			 (unsigned long long)cfg->seed);
}

void nz_frame_info_fill(const nz_frame_header *h, const nz_model_config *cfg,
			size_t header_size, nz_frame_info *info)
{
	memset(info, 0, sizeof(*info));
	const nz_model_desc *d = nz_model_lookup(cfg->model);
	info->format_version = h->version ? h->version : NZ_FORMAT_VERSION;
	info->coding = cfg->coding;
	info->model = cfg->model;
	info->preset = (int)cfg->preset;
	info->content_size = h->has_content_size ? h->content_size : NZ_CONTENT_SIZE_UNKNOWN;
	info->block_size = 1u << h->block_log;
	info->lanes = cfg->lanes;
	info->context = cfg->context;
	info->hidden = cfg->hidden;
	info->ffn = cfg->ffn;
	info->learning_rate = cfg->learning_rate;
	info->seed = cfg->seed;
	info->memory_needed = nz_frame_memory(cfg, h->block_log, 1);
	info->header_size = header_size;
	if (d && d->describe)
		d->describe(cfg, info->model_detail, sizeof(info->model_detail));
	else
		describe_dims(cfg, info->model_detail, sizeof(info->model_detail));
	if (cfg->delay) { /* a generic parameter, so no model's describe knows it */
		const size_t len = strlen(info->model_detail);
		snprintf(info->model_detail + len, sizeof(info->model_detail) - len, "%sdelay %u",
			 len ? ", " : "", cfg->delay);
	}
}
