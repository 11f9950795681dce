/*
 * oneshot.c - whole-buffer compression and decompression on top of the streaming
 * contexts, the compressed-size bound, and header inspection.
 */
#include "codec/config.h"

size_t nz_compress_bound(size_t src_size)
{
	/* Worst case: every block stored. Blocks are at least 2^10 bytes, each costs a
	 * header of at most NZ_BLOCK_HEADER_MAX; plus frame header and footer. */
	size_t blocks = src_size / ((size_t)1 << NZ_BLOCK_LOG_MIN) + 1;
	size_t overhead = blocks * 32 + NZ_FRAME_HEADER_MAX + NZ_FOOTER_MAX;
	if (src_size > SIZE_MAX - overhead)
		return SIZE_MAX;
	return src_size + overhead;
}

int nz_compress(void *dst, size_t dst_capacity, size_t *dst_size, const void *src,
		size_t src_size, const nz_params *params)
{
	if (!dst_size || !params || (!src && src_size) || (!dst && dst_capacity))
		return NZ_ERR_PARAM;
	*dst_size = 0;
	nz_params p;  /* the caller's may be of another nzip.h's size */
	NZ_TRY(nz_params_import(params, &p, NULL));
	p.content_size = src_size;
	nz_cctx *c;
	NZ_TRY(nz_cctx_create(&c, &p));
	nz_inbuf in = {src, src_size, 0};
	nz_outbuf out = {dst, dst_capacity, 0};
	size_t pending;
	int rc = nz_compress_stream(c, &out, &in, 1, &pending);
	if (rc == NZ_OK && pending)
		rc = NZ_ERR_DST_SIZE;
	nz_cctx_free(c);
	if (rc == NZ_OK)
		*dst_size = out.pos;
	return rc;
}

int nz_decompress(void *dst, size_t dst_capacity, size_t *dst_size, const void *src,
		  size_t src_size, const nz_dparams *dparams)
{
	if (!dst_size || (!src && src_size) || (!dst && dst_capacity))
		return NZ_ERR_PARAM;
	*dst_size = 0;
	nz_dctx *d;
	NZ_TRY(nz_dctx_create(&d, dparams));
	nz_dctx_set_output_limit(d, dst_capacity);
	nz_inbuf in = {src, src_size, 0};
	nz_outbuf out = {dst, dst_capacity, 0};
	int done = 0;
	int rc = nz_decompress_stream(d, &out, &in, &done);
	if (rc == NZ_OK && !done)
		rc = NZ_ERR_TRUNCATED; /* the input ended mid-frame */
	if (rc == NZ_OK && src_size == 0)
		rc = NZ_ERR_TRUNCATED;
	nz_dctx_free(d);
	if (rc == NZ_OK)
		*dst_size = out.pos;
	return rc;
}

/* nz_get_frame_info, also giving the parsed header and its size. */
static int frame_info(const void *src, size_t src_size, nz_frame_info *info,
		      nz_frame_header *hp, size_t *hsize)
{
	nz_frame_header h;
	nz_model_config cfg;
	size_t size;
	const char *detail = NULL;
	if (src_size == 0)
		return NZ_ERR_TRUNCATED;
	NZ_TRY(nz_parse_frame_header(src, src_size, &h, &size, &detail));
	NZ_TRY(nz_config_from_header(&h, &cfg, &detail));
	nz_frame_info_fill(&h, &cfg, size, info);
	*hp = h;
	*hsize = size;
	/* The substreams of the first block, when src holds its header: a bit-wise
	 * model needs one state per substream (a damaged block header is left to
	 * the decoder to report). */
	nz_block_header b;
	size_t bsize;
	if (nz_parse_block_header((const u8 *)src + size, src_size - size, h.version,
				  h.block_log, &b, &bsize, &detail) == NZ_OK &&
	    b.type == NZ_BLOCK_CODED)
		info->memory_needed = nz_frame_memory(&cfg, h.block_log, b.k);
	return NZ_OK;
}

int nz_get_frame_info(const void *src, size_t src_size, nz_frame_info *info)
{
	if (!info || (!src && src_size))
		return NZ_ERR_PARAM;
	nz_frame_header h;
	size_t hsize;
	return frame_info(src, src_size, info, &h, &hsize);
}

int nz_frame_extent(const void *src, size_t src_size, uint64_t *frame_size,
		    nz_frame_info *info)
{
	if (!frame_size || !info || (!src && src_size))
		return NZ_ERR_PARAM;
	*frame_size = 0;
	const u8 *p = src;
	nz_frame_header h;
	size_t pos, size;
	const char *detail = NULL;
	NZ_TRY(frame_info(src, src_size, info, &h, &pos));
	u64 raw = 0;
	for (;;) {
		nz_block_header b;
		NZ_TRY(nz_parse_block_header(p + pos, src_size - pos, h.version, h.block_log, &b,
					     &size, &detail));
		if (b.type == NZ_BLOCK_END)
			break;
		const u64 payload = nz_block_payload_size(&b);
		if (payload > src_size - pos - size)
			return NZ_ERR_TRUNCATED;
		pos += size + (size_t)payload;
		raw += b.raw_size;
	}
	u64 content_size, content_check;
	NZ_TRY(nz_parse_footer(p + pos, src_size - pos, h.version, &content_size, &content_check,
			       &size, &detail));
	if (content_size != raw || (h.has_content_size && h.content_size != raw))
		return NZ_ERR_CORRUPT;
	info->content_size = content_size;
	*frame_size = pos + size;
	return NZ_OK;
}
