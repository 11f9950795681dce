/*
 * frame.c - header layouts of docs/FORMAT.md: write, parse, validate. Version 2
 * (written) stores integers as LEB128 varints and 32-bit checks; version 1 (read
 * only, and written for tests) has fixed-width fields.
 */
#include "format/frame.h"

const u8 nz_magic[NZ_MAGIC_SIZE] = {0x89, 'N', 'Z', 'P'};

static u32 check32(const u8 *p, size_t n) { return (u32)nz_xxh64(p, n); }

/* ---- varints: LEB128, little-endian groups of 7 bits, the shortest form ---- */

size_t nz_put_varint(u8 *out, u64 v)
{
	size_t n = 0;
	while (v >= 0x80) {
		out[n++] = (u8)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (u8)v;
	return n;
}

int nz_get_varint(const u8 *in, size_t avail, size_t *pos, u64 *v)
{
	u64 x = 0;
	for (u32 i = 0; i < NZ_VARINT_MAX; i++) {
		if (*pos + i >= avail)
			return NZ_ERR_TRUNCATED;
		const u8 b = in[*pos + i];
		if (i == NZ_VARINT_MAX - 1 && b > 1)
			return NZ_ERR_CORRUPT;
		x |= (u64)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			if (b == 0 && i > 0)
				return NZ_ERR_CORRUPT;
			*pos += i + 1;
			*v = x;
			return NZ_OK;
		}
	}
	return NZ_ERR_CORRUPT;
}

/* ---- frame header ---- */

static size_t write_frame_header_v1(u8 *out, const nz_frame_header *h)
{
	size_t n = 0;
	memcpy(out, nz_magic, NZ_MAGIC_SIZE);
	n += NZ_MAGIC_SIZE;
	out[n++] = 1;
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

size_t nz_write_frame_header(u8 *out, const nz_frame_header *h)
{
	if (h->version == 1)
		return write_frame_header_v1(out, h);
	size_t n = 0;
	memcpy(out, nz_magic, NZ_MAGIC_SIZE);
	n += NZ_MAGIC_SIZE;
	out[n++] = 2;
	out[n++] = h->has_content_size ? 1 : 0;
	out[n++] = h->coding;
	out[n++] = h->model;
	out[n++] = h->block_log;
	n += nz_put_varint(out + n, h->preset);
	if (h->has_content_size)
		n += nz_put_varint(out + n, h->content_size);
	n += nz_put_varint(out + n, h->nparams);
	for (u32 i = 0; i < h->nparams; i++) {
		out[n++] = h->keys[i];
		n += nz_put_varint(out + n, h->values[i]);
	}
	nz_store_le32(out + n, check32(out, n));
	return n + 4;
}

/* The fields both versions share, after the header check passed. */
static int check_fixed_fields(const u8 *in, nz_frame_header *h, const char **detail)
{
	if (in[5] & ~1u) {
		*detail = "unknown frame flags";
		return NZ_ERR_UNSUPPORTED;
	}
	h->has_content_size = in[5] & 1;
	h->content_size = NZ_CONTENT_SIZE_UNKNOWN;
	h->coding = in[6];
	h->model = in[7];
	h->block_log = in[8];
	if (h->block_log < NZ_BLOCK_LOG_MIN || h->block_log > NZ_BLOCK_LOG_MAX) {
		*detail = "block size out of range";
		return NZ_ERR_UNSUPPORTED;
	}
	return NZ_OK;
}

static int check_keys(const nz_frame_header *h, const char **detail)
{
	for (u32 i = 1; i < h->nparams; i++)
		if (h->keys[i] <= h->keys[i - 1]) {
			*detail = "parameter keys not in increasing order";
			return NZ_ERR_CORRUPT;
		}
	return NZ_OK;
}

static int parse_frame_header_v1(const u8 *in, size_t avail, nz_frame_header *h,
				 size_t *size, const char **detail)
{
	u32 nparams = in[9];
	if (nparams > NZ_MAX_PARAMS) {
		*detail = "too many parameters in frame header";
		return NZ_ERR_CORRUPT;
	}
	size_t need = NZ_V1_FRAME_HEADER_MIN + ((in[5] & 1) ? 8 : 0) + 9 * (size_t)nparams;
	*size = need;
	if (avail < need)
		return NZ_ERR_TRUNCATED;
	if (nz_load_le32(in + need - 4) != check32(in, need - 4)) {
		*detail = "frame header checksum mismatch";
		return NZ_ERR_CHECKSUM;
	}
	NZ_TRY(check_fixed_fields(in, h, detail));
	if (in[10] || in[11]) {
		*detail = "reserved frame header bytes are not zero";
		return NZ_ERR_UNSUPPORTED;
	}
	size_t n = 12;
	if (h->has_content_size) {
		h->content_size = nz_load_le64(in + n);
		n += 8;
	}
	h->preset = 0;  /* key 1 among the parameters */
	h->nparams = nparams;
	for (u32 i = 0; i < nparams; i++, n += 9) {
		h->keys[i] = in[n];
		h->values[i] = nz_load_le64(in + n + 1);
	}
	return check_keys(h, detail);
}

/* Truncated at pos: one more byte is needed at least. */
static int short_at(size_t pos, size_t *size)
{
	*size = pos + 1;
	return NZ_ERR_TRUNCATED;
}

/* A varint field that did not read: more bytes are needed, or the header is
 * malformed (`what` says which). */
static int varint_failed(int r, size_t avail, size_t *size, const char **detail,
			 const char *what)
{
	if (r == NZ_ERR_TRUNCATED)
		return short_at(avail, size);
	*detail = what;
	return NZ_ERR_CORRUPT;
}

static int parse_frame_header_v2(const u8 *in, size_t avail, nz_frame_header *h,
				 size_t *size, const char **detail)
{
	/* The lengths come from varints read before the check can be verified: they
	 * are only bounded here (10 bytes each, at most 64 parameters), trusted after. */
	size_t pos = 9;
	u64 preset = 0, content_size = 0, nparams = 0;
	int r = nz_get_varint(in, avail, &pos, &preset);
	if (r == NZ_OK && (in[5] & 1))
		r = nz_get_varint(in, avail, &pos, &content_size);
	if (r == NZ_OK)
		r = nz_get_varint(in, avail, &pos, &nparams);
	if (r == NZ_OK && nparams > NZ_MAX_PARAMS)
		r = NZ_ERR_CORRUPT;
	for (u32 i = 0; r == NZ_OK && i < nparams; i++) {
		if (pos >= avail) {
			r = NZ_ERR_TRUNCATED;
			break;
		}
		h->keys[i] = in[pos++];
		r = nz_get_varint(in, avail, &pos, &h->values[i]);
	}
	if (r)
		return varint_failed(r, avail, size, detail, "malformed frame header");
	*size = pos + 4;
	if (avail < pos + 4)
		return NZ_ERR_TRUNCATED;
	if (nz_load_le32(in + pos) != check32(in, pos)) {
		*detail = "frame header checksum mismatch";
		return NZ_ERR_CHECKSUM;
	}
	NZ_TRY(check_fixed_fields(in, h, detail));
	if (h->has_content_size)
		h->content_size = content_size;
	h->preset = preset;
	h->nparams = (u32)nparams;
	return check_keys(h, detail);
}

int nz_parse_frame_header(const u8 *in, size_t avail, nz_frame_header *h, size_t *size,
			  const char **detail)
{
	*size = 0;
	size_t cmp = NZ_MIN(avail, (size_t)NZ_MAGIC_SIZE);
	if (memcmp(in, nz_magic, cmp) != 0)
		return NZ_ERR_NOT_NZIP;
	if (avail < NZ_FRAME_HEADER_PROBE)
		return NZ_ERR_TRUNCATED;
	if (in[4] < NZ_FORMAT_VERSION_MIN || in[4] > NZ_FORMAT_VERSION) {
		*detail = in[4] > NZ_FORMAT_VERSION ? "format version newer than this nzip"
						    : "invalid format version 0";
		return NZ_ERR_VERSION;
	}
	h->version = in[4];
	return h->version == 1 ? parse_frame_header_v1(in, avail, h, size, detail)
			       : parse_frame_header_v2(in, avail, h, size, detail);
}

u64 nz_frame_param(const nz_frame_header *h, u32 key)
{
	for (u32 i = 0; i < h->nparams; i++)
		if (h->keys[i] == key)
			return h->values[i];
	return 0;
}

/* ---- block header ---- */

size_t nz_write_block_header(u8 *out, u32 version, const nz_block_header *b)
{
	if (version == 1) {
		out[0] = b->type;
		out[1] = b->flags;
		out[2] = (u8)b->k;
		out[3] = 0;
		nz_store_le32(out + 4, b->raw_size);
		nz_store_le64(out + 8, b->raw_check);
		size_t n = NZ_V1_BLOCK_HEADER_FIXED;
		for (u32 i = 0; i < b->k; i++, n += 4)
			nz_store_le32(out + n, b->sub_size[i]);
		nz_store_le32(out + n, check32(out, n));
		return n + 4;
	}
	/* type in bits 0-1, keep_state in bit 2 */
	size_t n = 0;
	out[n++] = (u8)(b->type | ((b->flags & NZ_BLOCK_FLAG_KEEP_STATE) << 2));
	if (b->type == NZ_BLOCK_CODED)
		n += nz_put_varint(out + n, b->k);
	n += nz_put_varint(out + n, b->raw_size);
	for (u32 i = 0; i < b->k; i++)
		n += nz_put_varint(out + n, b->sub_size[i]);
	nz_store_le32(out + n, (u32)b->raw_check);
	n += 4;
	nz_store_le16(out + n, (u16)check32(out, n));
	return n + 2;
}

/* What both versions check once the fields are read. */
static int check_block(const nz_block_header *b, u32 block_log, const char **detail)
{
	if (b->raw_size == 0 || b->raw_size > (1u << block_log)) {
		*detail = "block size out of range";
		return NZ_ERR_CORRUPT;
	}
	if ((b->type == NZ_BLOCK_CODED) != (b->k > 0)) {
		*detail = "substream count does not match block type";
		return NZ_ERR_CORRUPT;
	}
	u64 total = 0;
	for (u32 i = 0; i < b->k; i++)
		total += b->sub_size[i];
	if (b->type == NZ_BLOCK_CODED && total >= b->raw_size) {
		*detail = "coded block larger than its raw size";
		return NZ_ERR_CORRUPT;
	}
	return NZ_OK;
}

static int parse_block_header_v1(const u8 *in, size_t avail, u32 block_log,
				 nz_block_header *b, size_t *size, const char **detail)
{
	if (avail < 4)
		return NZ_ERR_TRUNCATED;
	b->type = in[0];
	if (b->type == NZ_BLOCK_END)
		return NZ_OK; /* the footer parser checks the rest */
	if (b->type != NZ_BLOCK_CODED && b->type != NZ_BLOCK_STORED) {
		*detail = "unknown block type";
		return NZ_ERR_CORRUPT;
	}
	u32 k = in[2];
	size_t need = NZ_V1_BLOCK_HEADER_FIXED + 4 * (size_t)k + 4;
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
	for (u32 i = 0; i < k; i++)
		b->sub_size[i] = nz_load_le32(in + NZ_V1_BLOCK_HEADER_FIXED + 4 * i);
	return check_block(b, block_log, detail);
}

static int parse_block_header_v2(const u8 *in, size_t avail, u32 block_log,
				 nz_block_header *b, size_t *size, const char **detail)
{
	if (avail < 1)
		return short_at(0, size);
	b->type = in[0] & 3;
	if (b->type == NZ_BLOCK_END && in[0] == 0)
		return NZ_OK;
	if (in[0] >> 3 || b->type == NZ_BLOCK_END || b->type == 3) {
		*detail = in[0] >> 3 ? "unknown block flags" : "unknown block type";
		return in[0] >> 3 ? NZ_ERR_UNSUPPORTED : NZ_ERR_CORRUPT;
	}
	b->flags = (in[0] >> 2) & NZ_BLOCK_FLAG_KEEP_STATE;
	size_t pos = 1;
	u64 k = 0, raw = 0;
	int r = NZ_OK;
	if (b->type == NZ_BLOCK_CODED) {
		r = nz_get_varint(in, avail, &pos, &k);
		if (r == NZ_OK && (k == 0 || k > NZ_MAX_SUBSTREAMS))
			r = NZ_ERR_CORRUPT;
	}
	if (r == NZ_OK)
		r = nz_get_varint(in, avail, &pos, &raw);
	if (r == NZ_OK && raw > UINT32_MAX)
		r = NZ_ERR_CORRUPT;
	for (u32 i = 0; r == NZ_OK && i < k; i++) {
		u64 v = 0;
		r = nz_get_varint(in, avail, &pos, &v);
		if (r == NZ_OK && v > UINT32_MAX)
			r = NZ_ERR_CORRUPT;
		b->sub_size[i] = (u32)v;
	}
	if (r)
		return varint_failed(r, avail, size, detail, "malformed block header");
	*size = pos + 6;
	if (avail < pos + 6)
		return NZ_ERR_TRUNCATED;
	if (nz_load_le16(in + pos + 4) != (u16)check32(in, pos + 4)) {
		*detail = "block header checksum mismatch";
		return NZ_ERR_CHECKSUM;
	}
	b->k = (u32)k;
	b->raw_size = (u32)raw;
	b->raw_check = nz_load_le32(in + pos);
	return check_block(b, block_log, detail);
}

int nz_parse_block_header(const u8 *in, size_t avail, u32 version, u32 block_log,
			  nz_block_header *b, size_t *size, const char **detail)
{
	*size = 0;
	b->k = 0;
	return version == 1 ? parse_block_header_v1(in, avail, block_log, b, size, detail)
			    : parse_block_header_v2(in, avail, block_log, b, size, detail);
}

/* ---- footer ---- */

size_t nz_write_footer(u8 *out, u32 version, u64 content_size, u64 content_check)
{
	if (version == 1) {
		memset(out, 0, 4);
		nz_store_le64(out + 4, content_size);
		nz_store_le64(out + 12, content_check);
		nz_store_le32(out + 20, check32(out, 20));
		return NZ_V1_FOOTER_SIZE;
	}
	/* No check of its own: a damaged size or check fails against the data. */
	size_t n = 0;
	out[n++] = 0;
	n += nz_put_varint(out + n, content_size);
	nz_store_le32(out + n, (u32)content_check);
	return n + 4;
}

int nz_parse_footer(const u8 *in, size_t avail, u32 version, u64 *content_size,
		    u64 *content_check, size_t *size, const char **detail)
{
	if (version == 1) {
		*size = NZ_V1_FOOTER_SIZE;
		if (avail < NZ_V1_FOOTER_SIZE)
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
	*size = 0;
	if (avail < 1)
		return short_at(0, size);
	if (in[0]) {
		*detail = "invalid end marker";
		return NZ_ERR_CORRUPT;
	}
	size_t pos = 1;
	int r = nz_get_varint(in, avail, &pos, content_size);
	if (r)
		return varint_failed(r, avail, size, detail, "malformed frame footer");
	*size = pos + 4;
	if (avail < pos + 4)
		return NZ_ERR_TRUNCATED;
	*content_check = nz_load_le32(in + pos);
	return NZ_OK;
}
