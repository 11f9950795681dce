/*
 * config.c - see config.h.
 */
#include <stdio.h>

#include "codec/config.h"
#include "codec/lanes.h"
#include "codec/registry.h"
#include "model/byte_model.h"
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

void nz_config_to_header(const nz_model_config *cfg, nz_frame_header *h)
{
	h->coding = (u8)cfg->coding;
	h->model = (u8)cfg->model;
	h->nparams = 0;
	put(h, NZ_KEY_PRESET, cfg->preset);
	put(h, NZ_KEY_LANES, cfg->lanes);
	put(h, NZ_KEY_CONTEXT, cfg->context);
	put(h, NZ_KEY_HIDDEN, cfg->hidden);
	put(h, NZ_KEY_FFN, cfg->ffn);
	put(h, NZ_KEY_LEARNING_RATE, float_bits(cfg->learning_rate));
	put(h, NZ_KEY_SEED, cfg->seed);
	put(h, NZ_KEY_DELAY, cfg->delay);
	for (u32 i = 0; i < NZ_MODEL_EXTRA; i++)
		put(h, NZ_KEY_EXTRA0 + i, cfg->extra[i]);
}

int nz_config_from_header(const nz_frame_header *h, nz_model_config *cfg,
			  const char **detail)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->model = h->model;
	cfg->coding = h->coding;
	for (u32 i = 0; i < h->nparams; i++) {
		const u64 v = h->values[i];
		const u32 key = h->keys[i];
		int narrow = v > UINT32_MAX;
		switch (key) {
		case NZ_KEY_PRESET: cfg->preset = (u32)v; break;
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

int nz_codec_create(const nz_model_config *cfg, nz_exec *ex, nz_block_codec **out)
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
		return nz_lanes_codec_create(m, cfg->lanes, ex, out);
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
				   ? nz_lanes_codec_memory(cfg->lanes, cfg->context) : 0;
	/* A model that keeps one state per substream (cm) holds K of them. */
	const u64 states = d && d->state_per_substream && k > 1 ? k : 1;
	/* The block being decoded and its gathered payload (smaller than the block). */
	return states * model + seed_delay_memory(cfg) + driver + 2 * ((u64)1 << block_log);
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
	info->format_version = NZ_FORMAT_VERSION;
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
