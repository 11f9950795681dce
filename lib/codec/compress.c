/*
 * compress.c - the streaming compressor (nz_cctx): buffers input into blocks,
 * codes each block with the model's block codec (or stores it when coding does not
 * shrink it), and writes header, blocks, end marker and footer (docs/FORMAT.md).
 *
 * The header is written with the first block, not before: a model may tune
 * its parameters to that block (nz_model_desc.tune) and the header records them.
 *
 * Memory: one block of input, the block's coded output, and the model.
 * Threads: the context's execution context (nn/exec.h), made once here and lent
 * to the codec and its model.
 */
#include <stdio.h>
#include <stdlib.h>

#include "codec/config.h"
#include "codec/registry.h"
#include "common/stage_stats.h"

enum { STAGE_START, STAGE_BLOCKS, STAGE_DONE };

struct nz_cctx {
	nz_params params;
	nz_model_config base_cfg; /* from the parameters */
	nz_model_config cfg;      /* base_cfg tuned to this frame's first block */
	nz_model_config codec_cfg; /* what codec was created with */
	u32 block_log;
	u32 k;
	nz_exec *ex;            /* threads, engine and backend of this context */
	nz_block_codec *codec;  /* created at the first coded block */
	nz_stage_stats stats;   /* where the time went, over every block coded */
	u8 *block;              /* input being gathered */
	size_t block_size, block_fill;
	size_t block_cap;       /* bytes allocated at block */
	size_t codec_max_block; /* the largest block the codec was made for */
	int fixed_cfg;          /* base_cfg given by nz_cctx_create_config */
	nz_buf out;             /* output waiting for room in the caller's buffer */
	size_t out_pos;
	nz_buf sub[NZ_MAX_SUBSTREAMS];
	nz_xxh64_state *hash;
	u64 content_total;
	nz_progress progress;
	int stage;
	int header_done;
	int model_fresh;        /* next coded block must restart the model */
	int error;              /* sticky */
	char detail[160];
};

static int fail(nz_cctx *c, int err, const char *detail)
{
	c->error = err;
	snprintf(c->detail, sizeof(c->detail), "%s", detail ? detail : "");
	return err;
}

/* Blocks of 2^block_log bytes, or of the content size if that is smaller and
 * known, so that a small input allocates and models no more than it has. Called
 * between frames only: the buffer holds nothing then. */
static int set_block_size(nz_cctx *c)
{
	size_t size = (size_t)1 << c->block_log;
	if (c->params.content_size != NZ_CONTENT_SIZE_UNKNOWN)
		size = (size_t)NZ_MIN((u64)size, NZ_MAX(c->params.content_size, 1));
	if (size > c->block_cap) {
		free(c->block);
		c->block_cap = 0;
		if (!(c->block = malloc(size)))
			return NZ_ERR_NOMEM;
		c->block_cap = size;
	}
	c->block_size = size;
	return NZ_OK;
}

/* The frame's configuration, block size and substreams from the parameters and
 * the frame's content size (a model's defaults may depend on it), as a context
 * created for this frame alone would have them. */
static int resolve(nz_cctx *c)
{
	nz_model_config cfg;
	NZ_TRY(nz_config_from_params(&c->params, &cfg, &c->block_log, &c->k, NULL));
	if (!c->fixed_cfg)
		c->base_cfg = cfg;
	return set_block_size(c);
}

int nz_cctx_create(nz_cctx **out, const nz_params *params)
{
	if (!out)
		return NZ_ERR_PARAM;
	*out = NULL;
	if (!params)
		return NZ_ERR_PARAM;
	nz_params full;
	NZ_TRY(nz_params_import(params, &full, NULL));
	params = &full;
	nz_cctx *c = calloc(1, sizeof(*c));
	if (!c)
		return NZ_ERR_NOMEM;
	c->params = full;
	int rc = resolve(c);
	if (rc == NZ_OK)
		rc = nz_codec_select_device(params->backend, params->device);
	if (rc == NZ_OK)
		rc = nz_exec_create(&c->ex, params->threads, params->backend);
	if (rc == NZ_OK) {
		c->cfg = c->base_cfg;
		c->hash = nz_xxh64_create();
		if (!c->hash)
			rc = NZ_ERR_NOMEM;
	}
	if (rc != NZ_OK) {
		nz_cctx_free(c);
		return rc;
	}
	c->model_fresh = 1;
	*out = c;
	return NZ_OK;
}

/* Tests and fuzzers only (codec/config.h): code with a validated cfg instead of
 * the one the parameters resolve to, so that a fuzzer can choose model sizes no
 * level or nz_params field expresses. */
int nz_cctx_create_config(nz_cctx **out, const nz_params *params, const nz_model_config *cfg)
{
	if (!out || !cfg)
		return NZ_ERR_PARAM;
	*out = NULL;
	if (nz_model_config_validate(cfg) != NZ_OK)
		return NZ_ERR_PARAM;
	NZ_TRY(nz_cctx_create(out, params));
	(*out)->base_cfg = *cfg;
	(*out)->cfg = *cfg;
	(*out)->fixed_cfg = 1;
	return NZ_OK;
}

void nz_cctx_free(nz_cctx *c)
{
	if (!c)
		return;
	if (c->codec)
		c->codec->ops->destroy(c->codec);
	nz_exec_free(c->ex);
	free(c->block);
	nz_buf_free(&c->out);
	for (u32 j = 0; j < NZ_MAX_SUBSTREAMS; j++)
		nz_buf_free(&c->sub[j]);
	nz_xxh64_free(c->hash);
	free(c);
}

int nz_cctx_reset(nz_cctx *c)
{
	if (!c)
		return NZ_ERR_PARAM;
	c->params.content_size = NZ_CONTENT_SIZE_UNKNOWN;
	c->block_fill = 0;
	/* The first frame's block may have been cut to its content size. */
	const int rc = resolve(c);
	nz_buf_clear(&c->out);
	c->out_pos = 0;
	nz_xxh64_reset(c->hash);
	c->content_total = 0;
	memset(&c->progress, 0, sizeof(c->progress));
	c->stage = STAGE_START;
	c->header_done = 0;
	c->model_fresh = 1;
	c->error = rc;
	c->detail[0] = 0;
	return rc;
}

int nz_cctx_set_content_size(nz_cctx *c, uint64_t content_size)
{
	if (!c || c->stage != STAGE_START || c->header_done || c->block_fill || c->error)
		return NZ_ERR_PARAM;
	c->params.content_size = content_size;
	return resolve(c);
}

const char *nz_cctx_error_detail(const nz_cctx *c) { return c ? c->detail : ""; }

int nz_cctx_stats(const nz_cctx *c, nz_stage_stats *s)
{
	if (!c || !s)
		return NZ_ERR_PARAM;
	*s = c->stats;
	return NZ_OK;
}

/* Tune the configuration to the first block (n bytes, maybe 0) and write the
 * header; a codec made for another configuration is dropped. */
static int write_header(nz_cctx *c, const u8 *first, size_t n)
{
	c->cfg = c->base_cfg;
	const nz_model_desc *d = nz_model_lookup(c->cfg.model);
	if (d && d->tune)
		d->tune(&c->cfg, first, n);
	if (c->codec && !nz_model_config_equal(&c->codec_cfg, &c->cfg)) {
		c->codec->ops->destroy(c->codec);
		c->codec = NULL;
	}
	c->header_done = 1;
	nz_frame_header h;
	memset(&h, 0, sizeof(h));
	nz_config_to_header(&c->cfg, c->params.content_size, &h);
	h.block_log = (u8)c->block_log;
	NZ_TRY(nz_buf_reserve(&c->out, NZ_FRAME_HEADER_MAX));
	c->out.size += nz_write_frame_header(c->out.data + c->out.size, &h);
	return NZ_OK;
}

static int write_stored(nz_cctx *c, const u8 *src, size_t n, u64 check)
{
	nz_block_header b = {.type = NZ_BLOCK_STORED, .raw_size = (u32)n,
			     .raw_check = nz_content_check(NZ_FORMAT_VERSION, check)};
	NZ_TRY(nz_buf_reserve(&c->out, NZ_BLOCK_HEADER_MAX + n));
	c->out.size += nz_write_block_header(c->out.data + c->out.size, NZ_FORMAT_VERSION, &b);
	memcpy(c->out.data + c->out.size, src, n);
	c->out.size += n;
	/* The model learnt from bytes the decoder will not model: restart it. */
	c->model_fresh = 1;
	return NZ_OK;
}

static int compress_block(nz_cctx *c, const u8 *src, size_t n)
{
	const u64 check = nz_xxh64(src, n);
	nz_xxh64_update(c->hash, src, n);
	c->content_total += n;
	if (c->cfg.coding == NZ_CODING_STORED)
		return write_stored(c, src, n, check);
	if (c->codec && c->block_size > c->codec_max_block) {
		/* made for smaller blocks (an earlier, shorter frame): it would code
		 * this one in more rounds of its ring, a new one in fewer */
		c->codec->ops->destroy(c->codec);
		c->codec = NULL;
	}
	if (!c->codec) {
		NZ_TRY(nz_codec_create(&c->cfg, c->ex, c->block_size, &c->codec));
		c->codec_cfg = c->cfg;
		c->codec_max_block = c->block_size;
	}
	if (c->k > c->codec->max_substreams)
		c->k = c->codec->max_substreams;
	for (u32 j = 0; j < c->k; j++)
		nz_buf_clear(&c->sub[j]);
	nz_job job = {.fn = c->params.progress, .opaque = c->params.progress_opaque,
		      .base = c->progress};
	const int keep_state = !c->model_fresh;
	const int rc = c->codec->ops->encode(c->codec, src, n, keep_state, c->sub, c->k, &job);
	nz_stage_stats_add(&c->stats, &c->codec->stats);
	memset(&c->codec->stats, 0, sizeof(c->codec->stats));
	NZ_TRY(rc);
	c->model_fresh = 0;
	u64 total = 0;
	for (u32 j = 0; j < c->k; j++)
		total += c->sub[j].size;
	/* Store unless coding is smaller, headers included at version 1's 4 bytes per
	 * substream size (version 2's varints are smaller; the rule is kept so that
	 * the payloads stay those of version 1): so no block ever grows by more than
	 * a stored block's header. */
	if (total + 4 * (u64)c->k >= n)
		return write_stored(c, src, n, check);

	nz_block_header b = {.type = NZ_BLOCK_CODED,
			     .flags = keep_state ? NZ_BLOCK_FLAG_KEEP_STATE : 0,
			     .k = c->k, .raw_size = (u32)n,
			     .raw_check = nz_content_check(NZ_FORMAT_VERSION, check)};
	for (u32 j = 0; j < c->k; j++)
		b.sub_size[j] = (u32)c->sub[j].size;
	NZ_TRY(nz_buf_reserve(&c->out, NZ_BLOCK_HEADER_MAX + total));
	c->out.size += nz_write_block_header(c->out.data + c->out.size, NZ_FORMAT_VERSION, &b);
	for (u32 j = 0; j < c->k; j++) {
		if (c->sub[j].size) /* an unused substream has no buffer yet */
			memcpy(c->out.data + c->out.size, c->sub[j].data, c->sub[j].size);
		c->out.size += c->sub[j].size;
	}
	return NZ_OK;
}

/* Code the gathered block, if any, and account for it in the progress totals. */
static int flush_block(nz_cctx *c)
{
	if (!c->header_done)
		NZ_TRY(write_header(c, c->block, c->block_fill));
	if (c->block_fill == 0)
		return NZ_OK;
	const size_t before = c->out.size;
	NZ_TRY(compress_block(c, c->block, c->block_fill));
	c->progress.raw_done += c->block_fill;
	c->progress.coded_bits += 8 * (u64)(c->out.size - before);
	c->block_fill = 0;
	return NZ_OK;
}

static void drain(nz_cctx *c, nz_outbuf *out)
{
	size_t n = NZ_MIN(c->out.size - c->out_pos, out->size - out->pos);
	if (n) {
		memcpy((u8 *)out->dst + out->pos, c->out.data + c->out_pos, n);
		out->pos += n;
		c->out_pos += n;
		c->progress.bytes_out += n;
	}
	if (c->out_pos == c->out.size) {
		c->out.size = 0;
		c->out_pos = 0;
	}
}

int nz_compress_stream(nz_cctx *c, nz_outbuf *out, nz_inbuf *in, int finish,
		       size_t *pending)
{
	if (pending)
		*pending = 0;
	if (!c || !out || !in || out->pos > out->size || in->pos > in->size)
		return NZ_ERR_PARAM;
	if (c->error)
		return c->error;
	if (c->stage == STAGE_DONE) {
		drain(c, out);
		if (pending)
			*pending = c->out.size - c->out_pos;
		return in->pos < in->size ? fail(c, NZ_ERR_STAGE, "input after finish") : NZ_OK;
	}
	int rc = NZ_OK;
	if (c->stage == STAGE_START) {
		c->stage = STAGE_BLOCKS;
		c->progress.total_in = c->params.content_size == NZ_CONTENT_SIZE_UNKNOWN
					       ? 0 : c->params.content_size;
	}
	drain(c, out);
	for (;;) {
		/* Gather input into the block buffer. */
		size_t take = NZ_MIN(in->size - in->pos, c->block_size - c->block_fill);
		if (take) {
			memcpy(c->block + c->block_fill, (const u8 *)in->src + in->pos, take);
			in->pos += take;
			c->block_fill += take;
			c->progress.bytes_in += take;
		}
		if (c->params.content_size != NZ_CONTENT_SIZE_UNKNOWN &&
		    c->progress.bytes_in > c->params.content_size)
			return fail(c, NZ_ERR_PARAM, "more input than the declared content size");
		/* Code a full block only once earlier output has left, so at most one
		 * block of output waits in memory. */
		if (c->block_fill == c->block_size && c->out.size == 0 &&
		    (in->pos < in->size || !finish)) {
			if ((rc = flush_block(c)))
				return fail(c, rc, "coding a block");
			drain(c, out);
			continue;
		}
		break;
	}
	if (finish && in->pos == in->size && c->out.size == 0) {
		if (c->params.content_size != NZ_CONTENT_SIZE_UNKNOWN &&
		    c->progress.bytes_in != c->params.content_size)
			return fail(c, NZ_ERR_PARAM, "input shorter than the declared content size");
		if ((rc = flush_block(c)))
			return fail(c, rc, "coding the last block");
		if ((rc = nz_buf_reserve(&c->out, NZ_FOOTER_MAX)))
			return fail(c, rc, "writing the footer");
		c->out.size += nz_write_footer(
			c->out.data + c->out.size, NZ_FORMAT_VERSION, c->content_total,
			nz_content_check(NZ_FORMAT_VERSION, nz_xxh64_digest(c->hash)));
		c->stage = STAGE_DONE;
		drain(c, out);
	}
	if (pending)
		*pending = c->out.size - c->out_pos;
	return NZ_OK;
}
