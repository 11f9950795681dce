/*
 * frame.h - reading and writing the container's headers (docs/FORMAT.md).
 *
 * This layer knows field layouts, sizes and generic limits only; what a model id or
 * a parameter means is checked by the model layer.
 */
#ifndef NZ_FRAME_H
#define NZ_FRAME_H

#include "common/common.h"

#define NZ_MAGIC_SIZE 4
/* Version 2 (compact: varints, a preset's defaults left out, 32-bit checks) is
 * written; version 1 is still read. */
#define NZ_FORMAT_VERSION 2
#define NZ_FORMAT_VERSION_MIN 1
#define NZ_VARINT_MAX 10         /* bytes of a u64 as LEB128 */
#define NZ_FRAME_HEADER_PROBE 12 /* bytes enough to start parsing any version */
#define NZ_MAX_PARAMS 64
/* The largest headers of either version (version 2's, varints at their longest). */
#define NZ_FRAME_HEADER_MAX (9 + 3 * NZ_VARINT_MAX + NZ_MAX_PARAMS * (1 + NZ_VARINT_MAX) + 4)
#define NZ_BLOCK_LOG_MIN 10
#define NZ_BLOCK_LOG_MAX 30
#define NZ_MAX_SUBSTREAMS 255
#define NZ_BLOCK_HEADER_MAX (1 + 2 + 5 + 5 * NZ_MAX_SUBSTREAMS + 4 + 2)
#define NZ_FOOTER_MAX 24         /* version 1's: marker, content size, checksum, check */

/* Version 1's fixed sizes. */
#define NZ_V1_FRAME_HEADER_MIN 16   /* without content size and parameters */
#define NZ_V1_BLOCK_HEADER_FIXED 16 /* before the substream sizes */
#define NZ_V1_FOOTER_SIZE 24

extern const u8 nz_magic[NZ_MAGIC_SIZE];

/* LEB128 varints, little-endian groups of 7 bits, the shortest form: write v
 * (at most NZ_VARINT_MAX bytes) and return its length; read one at in[*pos]:
 * NZ_OK and *pos advanced, NZ_ERR_TRUNCATED if it runs past avail,
 * NZ_ERR_CORRUPT if it is longer than 10 bytes, overflows 64 bits or is not
 * the shortest form (so every value has one encoding). */
size_t nz_put_varint(u8 *out, u64 v);
int nz_get_varint(const u8 *in, size_t avail, size_t *pos, u64 *v);

/* Parameter keys (docs/FORMAT.md). */
enum {
	NZ_KEY_PRESET = 1,
	NZ_KEY_LANES = 2,
	NZ_KEY_CONTEXT = 3,
	NZ_KEY_HIDDEN = 4,
	NZ_KEY_FFN = 5,
	NZ_KEY_LEARNING_RATE = 6,
	NZ_KEY_SEED = 7,
	NZ_KEY_DELAY = 8,      /* weight delay d of the seed models (0..2) */
	NZ_KEY_EXTRA0 = 32,
	NZ_KEY_EXTRA_LAST = 47
};

typedef struct nz_frame_header {
	u8 version;                 /* 1 or 2; a writer given 0 writes NZ_FORMAT_VERSION */
	u8 coding;
	u8 model;
	u8 block_log;
	int has_content_size;
	u64 content_size;
	/* Version 1: every non-zero parameter, the preset as key 1. Version 2: the
	 * preset here, and only the parameters that differ from the preset's
	 * defaults (codec/config.c knows the defaults; this layer only the bytes). */
	u64 preset;
	u32 nparams;
	u8 keys[NZ_MAX_PARAMS];
	u64 values[NZ_MAX_PARAMS];
} nz_frame_header;

enum { NZ_BLOCK_END = 0, NZ_BLOCK_CODED = 1, NZ_BLOCK_STORED = 2 };
#define NZ_BLOCK_FLAG_KEEP_STATE 0x01

typedef struct nz_block_header {
	u8 type;
	u8 flags;
	u32 k;                      /* substreams (coded), 0 otherwise */
	u32 raw_size;
	u64 raw_check;              /* nz_content_check() of the raw bytes */
	u32 sub_size[NZ_MAX_SUBSTREAMS];
} nz_block_header;

/* The check a header of this version records for data whose XXH64 is h: all 64
 * bits in version 1, the low 32 in version 2. */
NZ_INLINE u64 nz_content_check(u32 version, u64 h)
{
	return version == 1 ? h : h & 0xffffffffu;
}

/* The payload bytes that follow a block header: the raw bytes of a stored block,
 * the K substreams of a coded one. */
NZ_INLINE u64 nz_block_payload_size(const nz_block_header *b)
{
	if (b->type == NZ_BLOCK_STORED)
		return b->raw_size;
	u64 total = 0;
	for (u32 j = 0; j < b->k; j++)
		total += b->sub_size[j];
	return total;
}

/* Serialise in h->version's layout (the block header and footer in `version`'s);
 * returns the bytes written to out (at least NZ_FRAME_HEADER_MAX /
 * NZ_BLOCK_HEADER_MAX / NZ_FOOTER_MAX bytes of room). */
size_t nz_write_frame_header(u8 *out, const nz_frame_header *h);
size_t nz_write_block_header(u8 *out, u32 version, const nz_block_header *b);
size_t nz_write_footer(u8 *out, u32 version, u64 content_size, u64 content_check);

/* Parsing. Each returns NZ_OK and the header's size in *size, or NZ_ERR_TRUNCATED
 * when `avail` bytes are not enough yet (*size then says how many are needed, as
 * far as known: more than avail, or 0), or an error for invalid data (detail gets
 * a short explanation). */
int nz_parse_frame_header(const u8 *in, size_t avail, nz_frame_header *h, size_t *size,
			  const char **detail);
/* `version` is the frame's; block_log bounds the raw size. An end marker returns
 * NZ_OK with type NZ_BLOCK_END and *size 0: the footer (marker included) is next. */
int nz_parse_block_header(const u8 *in, size_t avail, u32 version, u32 block_log,
			  nz_block_header *b, size_t *size, const char **detail);
/* The footer, from its end marker on. */
int nz_parse_footer(const u8 *in, size_t avail, u32 version, u64 *content_size,
		    u64 *content_check, size_t *size, const char **detail);

/* Look up a parameter value (0 if absent). */
u64 nz_frame_param(const nz_frame_header *h, u32 key);

#endif /* NZ_FRAME_H */
