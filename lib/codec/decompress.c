/*
 * decompress.c - the streaming decompressor (nz_dctx): a state machine that gathers
 * each header and block payload, decodes blocks, verifies every checksum, and
 * moves on to the next concatenated frame by itself.
 *
 * Every size read from the input is checked before it is used for an allocation:
 * the header bounds the block size, a coded payload is smaller than its block, and
 * the memory of everything the frame's blocks need (every model state a block's
 * substreams ask for, the lane driver, the block buffers) is computed from
 * validated headers and held to the limit before it is allocated.
 *
 * Errors name what happened: NZ_ERR_TRUNCATED only when the input ends before the
 * frame does (the caller tells: *frame_done stays 0); damage found in data that is
 * all there (a checksum, an impossible value, a substream decoder running past its
 * end) is NZ_ERR_CORRUPT or NZ_ERR_CHECKSUM, with the block in the detail. A block
 * is output only after its checksum matched, so what was written before an error
 * is good data.
 */
#include <stdio.h>
#include <stdlib.h>

#include "codec/config.h"
#include "codec/registry.h"
#include "common/stage_stats.h"

enum { ST_FRAME_HEADER, ST_BLOCK_HEADER, ST_PAYLOAD, ST_OUTPUT, ST_FOOTER };

struct nz_dctx {
	nz_dparams dp;
	int stage;
	nz_buf in;              /* bytes gathered for the current header or payload */
	nz_frame_header fh;
	nz_model_config cfg;
	nz_frame_info info;
	int have_info;
	nz_exec *ex;            /* threads, engine and backend of this context */
	nz_block_codec *codec;
	nz_stage_stats stats;   /* where the time went, over every block decoded */
	nz_model_config codec_cfg; /* the config the codec was built for */
	u32 codec_k;            /* the most substreams a block of the codec had (>= 1) */
	u64 codec_max_block;    /* the largest block it was made for */
	nz_block_header bh;
	u8 *block;
	size_t block_cap, block_len, block_pos;
	nz_xxh64_state *hash;
	u64 content_total;
	u64 frames_done;
	u64 block_no;           /* blocks of this frame started, counting the current one */
	u64 block_at;           /* input offset of the current block's header */
	int model_fresh;
	u64 out_limit;          /* one-shot: fail a block that cannot fit (UINT64_MAX = none) */
	int error;
	char detail[160];
	nz_progress progress;
};

static int fail(nz_dctx *d, int err, const char *detail)
{
	d->error = err;
	snprintf(d->detail, sizeof(d->detail), "%s", detail ? detail : "");
	return err;
}

/* fail() for a block: the detail says which one, and where it starts. */
static int fail_block(nz_dctx *d, int err, const char *detail)
{
	d->error = err;
	if (d->frames_done)
		snprintf(d->detail, sizeof(d->detail), "frame %llu, block %llu (at byte %llu): %s",
			 (unsigned long long)d->frames_done + 1, (unsigned long long)d->block_no,
			 (unsigned long long)d->block_at, detail);
	else
		snprintf(d->detail, sizeof(d->detail), "block %llu (at byte %llu): %s",
			 (unsigned long long)d->block_no, (unsigned long long)d->block_at, detail);
	return err;
}

int nz_dctx_create(nz_dctx **out, const nz_dparams *dparams)
{
	if (!out)
		return NZ_ERR_PARAM;
	*out = NULL;
	nz_dparams dp;  /* the caller's may be of another nzip.h's size */
	NZ_TRY(nz_dparams_import(dparams, &dp, NULL));
	nz_dctx *d = calloc(1, sizeof(*d));
	if (!d)
		return NZ_ERR_NOMEM;
	d->dp = dp;
	d->out_limit = UINT64_MAX;
	d->hash = nz_xxh64_create();
	int rc = d->hash ? nz_codec_select_device(d->dp.backend, d->dp.device) : NZ_ERR_NOMEM;
	if (rc == NZ_OK)
		rc = nz_exec_create(&d->ex, d->dp.threads, d->dp.backend);
	if (rc) {
		nz_dctx_free(d);
		return rc;
	}
	*out = d;
	return NZ_OK;
}

void nz_dctx_free(nz_dctx *d)
{
	if (!d)
		return;
	if (d->codec)
		d->codec->ops->destroy(d->codec);
	nz_exec_free(d->ex);
	nz_buf_free(&d->in);
	free(d->block);
	nz_xxh64_free(d->hash);
	free(d);
}

void nz_dctx_set_output_limit(nz_dctx *d, u64 limit) { d->out_limit = limit; }

const char *nz_dctx_error_detail(const nz_dctx *d) { return d ? d->detail : ""; }

int nz_dctx_stats(const nz_dctx *d, nz_stage_stats *s)
{
	if (!d || !s)
		return NZ_ERR_PARAM;
	*s = d->stats;
	return NZ_OK;
}

int nz_dctx_frame_info(const nz_dctx *d, nz_frame_info *info)
{
	if (!d || !info)
		return NZ_ERR_PARAM;
	if (!d->have_info)
		return NZ_ERR_STAGE;
	*info = d->info;
	return NZ_OK;
}

/* Gather bytes until d->in holds `need`; 1 when it does. */
static int gather(nz_dctx *d, nz_inbuf *in, size_t need, int *rc)
{
	if (d->in.size >= need)
		return 1;
	size_t take = NZ_MIN(need - d->in.size, in->size - in->pos);
	if (take) {
		if ((*rc = nz_buf_append(&d->in, (const u8 *)in->src + in->pos, take)))
			return 0;
		in->pos += take;
		d->progress.bytes_in += take;
	}
	return d->in.size >= need;
}

static int start_frame(nz_dctx *d, size_t header_size)
{
	const char *detail = NULL;
	int rc = nz_config_from_header(&d->fh, &d->cfg, &detail);
	if (rc)
		return fail(d, rc, detail);
	nz_frame_info_fill(&d->fh, &d->cfg, header_size, &d->info);
	d->have_info = 1;
	/* Keep the codec across frames when the config is the same (cheap restarts
	 * for many small frames); keep_state = 0 in the first block resets it. */
	if (d->codec && memcmp(&d->codec_cfg, &d->cfg, sizeof(d->cfg)) != 0) {
		d->codec->ops->destroy(d->codec);
		d->codec = NULL;
	}
	if (d->codec) /* its model states are kept too */
		d->info.memory_needed = nz_frame_memory(&d->cfg, d->fh.block_log, d->codec_k);
	if (d->dp.memlimit && d->info.memory_needed > d->dp.memlimit)
		return fail(d, NZ_ERR_MEMLIMIT, "raise the limit with --memlimit");
	/* Buffers of an earlier frame with larger blocks are not this frame's need. */
	if (d->block_cap > ((size_t)1 << d->fh.block_log)) {
		free(d->block);
		d->block = NULL;
		d->block_cap = 0;
	}
	nz_xxh64_reset(d->hash);
	d->content_total = 0;
	d->block_no = 0;
	d->model_fresh = 1;
	d->progress.total_in = 0;
	return NZ_OK;
}

static int decode_payload(nz_dctx *d)
{
	const nz_block_header *b = &d->bh;
	if (b->raw_size > d->block_cap) {
		free(d->block);
		d->block_cap = 0;
		d->block = malloc(b->raw_size);
		if (!d->block)
			return fail_block(d, NZ_ERR_NOMEM, "allocating the block");
		d->block_cap = b->raw_size;
	}
	if (b->type == NZ_BLOCK_STORED) {
		memcpy(d->block, d->in.data, b->raw_size);
		d->model_fresh = 1;
	} else {
		if (d->cfg.coding == NZ_CODING_STORED)
			return fail_block(d, NZ_ERR_CORRUPT, "coded block in a stored frame");
		if ((b->flags & NZ_BLOCK_FLAG_KEEP_STATE) && d->model_fresh)
			return fail_block(d, NZ_ERR_CORRUPT,
					  "block continues a model state that does not exist");
		int rc;
		/* blocks are at most 2^block_log bytes and the content size */
		u64 max_block = (u64)1 << d->fh.block_log;
		if (d->fh.has_content_size)
			max_block = NZ_MIN(max_block, NZ_MAX(d->fh.content_size, 1));
		if (d->codec && max_block > d->codec_max_block) {
			/* kept from a frame of smaller blocks: made again for these */
			d->codec->ops->destroy(d->codec);
			d->codec = NULL;
		}
		if (!d->codec) {
			if ((rc = nz_codec_create(&d->cfg, d->ex, (size_t)max_block, &d->codec)))
				return fail_block(d, rc, "creating the model");
			d->codec_cfg = d->cfg;
			d->codec_k = 1;
			d->codec_max_block = max_block;
		}
		if (b->k > d->codec->max_substreams)
			return fail_block(d, NZ_ERR_CORRUPT, "too many substreams for this model");
		d->codec_k = NZ_MAX(d->codec_k, b->k);
		const u8 *sub[NZ_MAX_SUBSTREAMS];
		size_t sub_size[NZ_MAX_SUBSTREAMS], off = 0;
		for (u32 j = 0; j < b->k; j++) {
			sub[j] = d->in.data + off;
			sub_size[j] = b->sub_size[j];
			off += b->sub_size[j];
		}
		nz_job job = {.fn = d->dp.progress, .opaque = d->dp.progress_opaque,
			      .base = d->progress};
		rc = d->codec->ops->decode(d->codec, d->block, b->raw_size,
					   b->flags & NZ_BLOCK_FLAG_KEEP_STATE, sub, sub_size,
					   b->k, &job);
		nz_stage_stats_add(&d->stats, &d->codec->stats);
		memset(&d->codec->stats, 0, sizeof(d->codec->stats));
		/* Whatever happened, the model state no longer matches any encoder's. */
		d->model_fresh = rc != NZ_OK;
		if (rc == NZ_ERR_CANCELLED)
			return fail(d, rc, "");
		/* The payload is all there: a decoder that wanted more, or found
		 * impossible values, read damaged data. */
		if (rc == NZ_ERR_CORRUPT || rc == NZ_ERR_TRUNCATED)
			return fail_block(d, NZ_ERR_CORRUPT,
					  "the coded data does not decode (damaged)");
		if (rc)
			return fail_block(d, rc, "decoding");
	}
	if (nz_content_check(d->fh.version, nz_xxh64(d->block, b->raw_size)) != b->raw_check)
		return fail_block(d, NZ_ERR_CHECKSUM,
				  "the decoded data does not match the block's checksum");
	nz_xxh64_update(d->hash, d->block, b->raw_size);
	d->content_total += b->raw_size;
	if (d->fh.has_content_size && d->content_total > d->fh.content_size)
		return fail_block(d, NZ_ERR_CORRUPT, "more data than the header's content size");
	d->progress.raw_done += b->raw_size;
	d->block_len = b->raw_size;
	d->block_pos = 0;
	return NZ_OK;
}

static int step_frame_header(nz_dctx *d, nz_inbuf *in, int *rc)
{
	size_t need = NZ_FRAME_HEADER_PROBE, size;
	const char *detail = NULL;
	for (;;) {
		gather(d, in, need, rc);
		if (*rc)
			return 0;
		int r = nz_parse_frame_header(d->in.data, d->in.size, &d->fh, &size, &detail);
		if (r == NZ_ERR_TRUNCATED) {
			if (size > need) { /* now we know the full size */
				need = size;
				continue;
			}
			return 0; /* wait for more input */
		}
		if (r == NZ_ERR_NOT_NZIP && d->frames_done)
			detail = "trailing garbage after the end of the frame";
		if (r) {
			*rc = fail(d, r, detail);
			return 0;
		}
		if ((*rc = start_frame(d, size)))
			return 0;
		nz_buf_clear(&d->in);
		if (d->in.capacity > ((size_t)1 << d->fh.block_log))
			nz_buf_free(&d->in); /* an earlier frame's larger payloads */
		d->stage = ST_BLOCK_HEADER;
		return 1;
	}
}

static int step_block_header(nz_dctx *d, nz_inbuf *in, int *rc)
{
	/* Version 1 needs 4 bytes to tell the end marker from a block, 2 needs 1. */
	size_t need = d->fh.version == 1 ? 4 : 1, size;
	const char *detail = NULL;
	if (d->in.size == 0 && in->pos < in->size) { /* a block (or the end marker) starts */
		d->block_no++;
		d->block_at = d->progress.bytes_in;
	}
	for (;;) {
		if (!gather(d, in, need, rc))
			return 0;
		int r = nz_parse_block_header(d->in.data, d->in.size, d->fh.version,
					      d->fh.block_log, &d->bh, &size, &detail);
		if (r == NZ_ERR_TRUNCATED && size > need) {
			need = size;
			continue;
		}
		if (r) {
			*rc = fail_block(d, r, detail);
			return 0;
		}
		if (d->bh.type == NZ_BLOCK_END) {
			d->stage = ST_FOOTER; /* the footer includes the 4 bytes we have */
			return 1;
		}
		if (d->fh.has_content_size &&
		    d->bh.raw_size > d->fh.content_size - d->content_total) {
			*rc = fail_block(d, NZ_ERR_CORRUPT,
					 "block larger than the rest of the content size");
			return 0;
		}
		if (d->bh.type == NZ_BLOCK_CODED) {
			/* Bit-wise models hold one state per substream: a block with more
			 * substreams than any before needs more. Counted (and shown by
			 * nz_dctx_frame_info) before anything is allocated. */
			const u64 mem = nz_frame_memory(&d->cfg, d->fh.block_log,
							NZ_MAX(d->bh.k, d->codec ? d->codec_k : 1));
			if (mem > d->info.memory_needed)
				d->info.memory_needed = mem;
			if (d->dp.memlimit && mem > d->dp.memlimit) {
				*rc = fail(d, NZ_ERR_MEMLIMIT, "raise the limit with --memlimit");
				return 0;
			}
		}
		if (d->bh.raw_size > d->out_limit - d->progress.bytes_out) {
			*rc = fail(d, NZ_ERR_DST_SIZE, "the output buffer cannot hold the next block");
			return 0;
		}
		nz_buf_clear(&d->in);
		d->stage = ST_PAYLOAD;
		return 1;
	}
}

static int step_footer(nz_dctx *d, nz_inbuf *in, int *rc)
{
	u64 size, check;
	size_t need = 1, footer_size;
	const char *detail = NULL;
	for (;;) {
		if (!gather(d, in, need, rc))
			return 0;
		int r = nz_parse_footer(d->in.data, d->in.size, d->fh.version, &size, &check,
					&footer_size, &detail);
		if (r == NZ_ERR_TRUNCATED && footer_size > need) {
			need = footer_size;
			continue;
		}
		if (r) {
			*rc = fail(d, r, detail);
			return 0;
		}
		break;
	}
	if (size != d->content_total ||
	    (d->fh.has_content_size && d->fh.content_size != d->content_total)) {
		*rc = fail(d, NZ_ERR_CORRUPT, "content size does not match the data");
		return 0;
	}
	if (check != nz_content_check(d->fh.version, nz_xxh64_digest(d->hash))) {
		*rc = fail(d, NZ_ERR_CHECKSUM, "frame checksum mismatch");
		return 0;
	}
	nz_buf_clear(&d->in);
	d->frames_done++;
	d->stage = ST_FRAME_HEADER;
	return 1;
}

int nz_decompress_stream(nz_dctx *d, nz_outbuf *out, nz_inbuf *in, int *frame_done)
{
	if (frame_done)
		*frame_done = 0;
	if (!d || !out || !in || out->pos > out->size || in->pos > in->size)
		return NZ_ERR_PARAM;
	if (d->error)
		return d->error;
	int rc = NZ_OK, progress = 1;
	while (progress && rc == NZ_OK) {
		switch (d->stage) {
		case ST_FRAME_HEADER:
			progress = in->pos < in->size && step_frame_header(d, in, &rc);
			break;
		case ST_BLOCK_HEADER:
			progress = step_block_header(d, in, &rc);
			break;
		case ST_PAYLOAD:
			progress = gather(d, in, (size_t)nz_block_payload_size(&d->bh), &rc);
			if (progress && rc == NZ_OK) {
				rc = decode_payload(d);
				nz_buf_clear(&d->in);
				d->stage = ST_OUTPUT;
			}
			break;
		case ST_OUTPUT: {
			size_t n = NZ_MIN(d->block_len - d->block_pos, out->size - out->pos);
			if (n)
				memcpy((u8 *)out->dst + out->pos, d->block + d->block_pos, n);
			out->pos += n;
			d->block_pos += n;
			d->progress.bytes_out += n;
			progress = d->block_pos == d->block_len;
			if (progress)
				d->stage = ST_BLOCK_HEADER;
			break;
		}
		case ST_FOOTER:
			progress = step_footer(d, in, &rc);
			break;
		}
	}
	if (rc && !d->error)
		fail(d, rc, NULL);
	if (rc)
		return rc;
	if (frame_done)
		*frame_done = d->stage == ST_FRAME_HEADER && d->in.size == 0 && d->frames_done;
	return NZ_OK;
}
