/*
 * v1_transcode.h - rewrite a format version 2 frame with version 1's headers: the
 * same configuration, block payloads and sizes, version 1's fixed-width fields and
 * 64-bit checks (recomputed from the raw bytes, which the caller supplies). Used by
 * test_format_v2.c (version 1 is still read; the payloads did not change) and by
 * the fuzz seed generator (its structured frames patch version 1's layout).
 */
#ifndef NZ_TEST_V1_TRANSCODE_H
#define NZ_TEST_V1_TRANSCODE_H

#include <stdlib.h>
#include <string.h>

#include "codec/config.h"
#include "format/frame.h"

/* The version 1 frame of the version 2 frame c[0..n) whose content is raw[0..raw_n),
 * malloc'd, its size in *out_n; NULL if c is not such a frame. */
static inline uint8_t *nz_test_to_v1(const uint8_t *c, size_t n, const uint8_t *raw,
				     size_t raw_n, size_t *out_n)
{
	nz_frame_header h;
	nz_model_config cfg;
	size_t pos, size;
	const char *detail = NULL;
	if (nz_parse_frame_header(c, n, &h, &pos, &detail) != NZ_OK || h.version != 2 ||
	    nz_config_from_header(&h, &cfg, &detail) != NZ_OK)
		return NULL;
	uint8_t *o = malloc(n * 2 + 4096);
	if (!o)
		return NULL;
	nz_frame_header h1;
	memset(&h1, 0, sizeof(h1));
	h1.version = 1;
	nz_config_to_header(&cfg, h.has_content_size ? h.content_size : NZ_CONTENT_SIZE_UNKNOWN,
			    &h1);
	h1.block_log = h.block_log;
	size_t on = nz_write_frame_header(o, &h1), raw_pos = 0;
	for (;;) {
		nz_block_header b;
		if (nz_parse_block_header(c + pos, n - pos, 2, h.block_log, &b, &size, &detail) !=
		    NZ_OK)
			goto fail;
		if (b.type == NZ_BLOCK_END)
			break;
		const size_t payload = (size_t)nz_block_payload_size(&b);
		if (raw_pos + b.raw_size > raw_n || payload > n - pos - size)
			goto fail;
		b.raw_check = nz_xxh64(raw + raw_pos, b.raw_size);
		on += nz_write_block_header(o + on, 1, &b);
		memcpy(o + on, c + pos + size, payload);
		on += payload;
		pos += size + payload;
		raw_pos += b.raw_size;
	}
	on += nz_write_footer(o + on, 1, raw_n, nz_xxh64(raw, raw_n));
	*out_n = on;
	return o;
fail:
	free(o);
	return NULL;
}

#endif /* NZ_TEST_V1_TRANSCODE_H */
