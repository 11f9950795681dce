/*
 * buffer.h - a growable byte buffer, used for coder output and frame assembly.
 */
#ifndef NZ_BUFFER_H
#define NZ_BUFFER_H

#include "common/common.h"

typedef struct nz_buf {
	u8 *data;
	size_t size;     /* bytes in use */
	size_t capacity; /* bytes allocated */
} nz_buf;

/* Make room for `extra` more bytes. NZ_ERR_NOMEM on failure (buffer unchanged). */
int nz_buf_reserve(nz_buf *b, size_t extra);
int nz_buf_append(nz_buf *b, const void *data, size_t size);
void nz_buf_free(nz_buf *b);
NZ_INLINE void nz_buf_clear(nz_buf *b) { b->size = 0; }

#endif /* NZ_BUFFER_H */
