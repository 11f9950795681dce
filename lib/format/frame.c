/*
 * frame.c - header layouts of docs/FORMAT.md: write, parse, validate.
 */
#include "format/frame.h"

const u8 nz_magic[NZ_MAGIC_SIZE] = {0x89, 'N', 'Z', 'P'};

static u32 check32(const u8 *p, size_t n) { return (u32)nz_xxh64(p, n); }

size_t nz_write_frame_header(u8 *out, const nz_frame_header *h)
{
	size_t n = 0;
	memcpy(out, nz_magic, NZ_MAGIC_SIZE);
	n += NZ_MAGIC_SIZE;
	out[n++] = NZ_FORMAT_VERSION;
	out[n++] = h->has_content_size ? 1 : 0;
	out[n++] = h->coding;
	out[n++] = h->model;
	out[n++] = h->block_log;
	out[n++] = (u8)h->nparams;
	out[n++] = 0;
	out[n++] = 0;
	if (h->has_content_size) {
		nz_store_le64(out + n, h->content_size);
		n += 8;
	}
	for (u32 i = 0; i < h->nparams; i++) {
		out[n++] = h->keys[i];
		nz_store_le64(out + n, h->values[i]);
		n += 8;
	}
	nz_store_le32(out + n, check32(out, n));
	return n + 4;
}

int nz_parse_frame_header(const u8 *in, size_t avail, nz_frame_header *h, size_t *size,
			  const char **detail)
{
	*size = 0;
	size_t cmp = NZ_MIN(avail, (size_t)NZ_MAGIC_SIZE);
	if (memcmp(in, nz_magic, cmp) != 0)
		return NZ_ERR_NOT_NZIP;
	if (avail < NZ_FRAME_HEADER_MIN - 4)
		return NZ_ERR_TRUNCATED;
	if (in[4] != NZ_FORMAT_VERSION) {
		*detail = in[4] > NZ_FORMAT_VERSION ? "format version newer than this nzip"
						    : "invalid format version 0";
		return NZ_ERR_VERSION;
	}
	u32 nparams = in[9];
	if (nparams > NZ_MAX_PARAMS) {
		*detail = "too many parameters in frame header";
		return NZ_ERR_CORRUPT;
	}
	size_t need = NZ_FRAME_HEADER_MIN + ((in[5] & 1) ? 8 : 0) + 9 * (size_t)nparams;
	*size = need;
	if (avail < need)
		return NZ_ERR_TRUNCATED;
	if (nz_load_le32(in + need - 4) != check32(in, need - 4)) {
		*detail = "frame header checksum mismatch";
		return NZ_ERR_CHECKSUM;
	}
	if (in[5] & ~1u) {
		*detail = "unknown frame flags";
		return NZ_ERR_UNSUPPORTED;
	}
	if (in[10] || in[11]) {
		*detail = "reserved frame header bytes are not zero";
		return NZ_ERR_UNSUPPORTED;
	}
	h->coding = in[6];
	h->model = in[7];
	h->block_log = in[8];
	if (h->block_log < NZ_BLOCK_LOG_MIN || h->block_log > NZ_BLOCK_LOG_MAX) {
		*detail = "block size out of range";
		return NZ_ERR_UNSUPPORTED;
	}
	size_t n = 12;
	h->has_content_size = in[5] & 1;
	h->content_size = NZ_CONTENT_SIZE_UNKNOWN;
	if (h->has_content_size) {
		h->content_size = nz_load_le64(in + n);
		n += 8;
	}
	h->nparams = nparams;
	for (u32 i = 0; i < nparams; i++, n += 9) {
		h->keys[i] = in[n];
		h->values[i] = nz_load_le64(in + n + 1);
		if (i > 0 && h->keys[i] <= h->keys[i - 1]) {
			*detail = "parameter keys not in increasing order";
			return NZ_ERR_CORRUPT;
		}
	}
	return NZ_OK;
}

u64 nz_frame_param(const nz_frame_header *h, u32 key)
{
	for (u32 i = 0; i < h->nparams; i++)
		if (h->keys[i] == key)
			return h->values[i];
	return 0;
}

size_t nz_write_block_header(u8 *out, const nz_block_header *b)
{
	out[0] = b->type;
	out[1] = b->flags;
	out[2] = (u8)b->k;
	out[3] = 0;
	nz_store_le32(out + 4, b->raw_size);
	nz_store_le64(out + 8, b->raw_check);
	size_t n = NZ_BLOCK_HEADER_FIXED;
	for (u32 i = 0; i < b->k; i++, n += 4)
		nz_store_le32(out + n, b->sub_size[i]);
	nz_store_le32(out + n, check32(out, n));
	return n + 4;
}

int nz_parse_block_header(const u8 *in, size_t avail, u32 block_log, nz_block_header *b,
			  size_t *size, const char **detail)
{
	*size = 0;
	if (avail < 4)
		return NZ_ERR_TRUNCATED;
	b->type = in[0];
	if (b->type == NZ_BLOCK_END) {
		*size = NZ_FOOTER_SIZE;
		return NZ_OK; /* the footer parser checks the rest */
	}
	if (b->type != NZ_BLOCK_CODED && b->type != NZ_BLOCK_STORED) {
		*detail = "unknown block type";
		return NZ_ERR_CORRUPT;
	}
	u32 k = in[2];
	size_t need = NZ_BLOCK_HEADER_FIXED + 4 * (size_t)k + 4;
	*size = need;
	if (avail < need)
		return NZ_ERR_TRUNCATED;
	if (nz_load_le32(in + need - 4) != check32(in, need - 4)) {
		*detail = "block header checksum mismatch";
		return NZ_ERR_CHECKSUM;
	}
	b->flags = in[1];
	b->k = k;
	b->raw_size = nz_load_le32(in + 4);
	b->raw_check = nz_load_le64(in + 8);
	if (b->flags & ~NZ_BLOCK_FLAG_KEEP_STATE) {
		*detail = "unknown block flags";
		return NZ_ERR_UNSUPPORTED;
	}
	if (in[3]) {
		*detail = "reserved block header byte is not zero";
		return NZ_ERR_UNSUPPORTED;
	}
	if (b->raw_size == 0 || b->raw_size > (1u << block_log)) {
		*detail = "block size out of range";
		return NZ_ERR_CORRUPT;
	}
	if ((b->type == NZ_BLOCK_CODED) != (k > 0)) {
		*detail = "substream count does not match block type";
		return NZ_ERR_CORRUPT;
	}
	u64 total = 0;
	for (u32 i = 0; i < k; i++) {
		b->sub_size[i] = nz_load_le32(in + NZ_BLOCK_HEADER_FIXED + 4 * i);
		total += b->sub_size[i];
	}
	if (b->type == NZ_BLOCK_CODED && total >= b->raw_size) {
		*detail = "coded block larger than its raw size";
		return NZ_ERR_CORRUPT;
	}
	return NZ_OK;
}

size_t nz_write_footer(u8 *out, u64 content_size, u64 content_check)
{
	memset(out, 0, 4);
	nz_store_le64(out + 4, content_size);
	nz_store_le64(out + 12, content_check);
	nz_store_le32(out + 20, check32(out, 20));
	return NZ_FOOTER_SIZE;
}

int nz_parse_footer(const u8 *in, size_t avail, u64 *content_size, u64 *content_check,
		    const char **detail)
{
	if (avail < NZ_FOOTER_SIZE)
		return NZ_ERR_TRUNCATED;
	if (nz_load_le32(in + 20) != check32(in, 20)) {
		*detail = "frame footer checksum mismatch";
		return NZ_ERR_CHECKSUM;
	}
	if (in[1] || in[2] || in[3]) {
		*detail = "invalid end marker";
		return NZ_ERR_CORRUPT;
	}
	*content_size = nz_load_le64(in + 4);
	*content_check = nz_load_le64(in + 12);
	return NZ_OK;
}
