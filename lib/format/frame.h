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
#define NZ_FORMAT_VERSION 1
#define NZ_FRAME_HEADER_MIN 16   /* without content size and parameters */
#define NZ_MAX_PARAMS 64
#define NZ_FRAME_HEADER_MAX (NZ_FRAME_HEADER_MIN + 8 + 9 * NZ_MAX_PARAMS)
#define NZ_BLOCK_LOG_MIN 10
#define NZ_BLOCK_LOG_MAX 30
#define NZ_MAX_SUBSTREAMS 255
#define NZ_BLOCK_HEADER_FIXED 16 /* before the substream sizes */
#define NZ_BLOCK_HEADER_MAX (NZ_BLOCK_HEADER_FIXED + 4 * NZ_MAX_SUBSTREAMS + 4)
#define NZ_FOOTER_SIZE 24        /* end marker + content size + checksum + check */

extern const u8 nz_magic[NZ_MAGIC_SIZE];

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
	u8 coding;
	u8 model;
	u8 block_log;
	int has_content_size;
	u64 content_size;
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
	u64 raw_check;              /* XXH64 of the raw bytes */
	u32 sub_size[NZ_MAX_SUBSTREAMS];
} nz_block_header;

/* Serialise; returns the bytes written to out (at least NZ_FRAME_HEADER_MAX /
 * NZ_BLOCK_HEADER_MAX / NZ_FOOTER_SIZE bytes of room). */
size_t nz_write_frame_header(u8 *out, const nz_frame_header *h);
size_t nz_write_block_header(u8 *out, const nz_block_header *b);
size_t nz_write_footer(u8 *out, u64 content_size, u64 content_check);

/* Parsing. Each returns NZ_OK and the header's size in *size, or NZ_ERR_TRUNCATED
 * when `avail` bytes are not enough yet (*size then says how many are needed, if
 * known, else 0), or an error for invalid data (detail gets a short explanation). */
int nz_parse_frame_header(const u8 *in, size_t avail, nz_frame_header *h, size_t *size,
			  const char **detail);
/* Needs at least 4 bytes to tell an end marker from a block; block_log bounds raw size. */
int nz_parse_block_header(const u8 *in, size_t avail, u32 block_log, nz_block_header *b,
			  size_t *size, const char **detail);
int nz_parse_footer(const u8 *in, size_t avail, u64 *content_size, u64 *content_check,
		    const char **detail);

/* Look up a parameter value (0 if absent). */
u64 nz_frame_param(const nz_frame_header *h, u32 key);

#endif /* NZ_FRAME_H */
