/*
 * buffer.c - growable byte buffer (doubling growth, overflow-checked).
 */
#include <stdlib.h>

#include "common/buffer.h"

int nz_buf_reserve(nz_buf *b, size_t extra)
{
	if (extra <= b->capacity - b->size)
		return NZ_OK;
	if (extra > SIZE_MAX / 2 - b->size)
		return NZ_ERR_NOMEM;
	size_t need = b->size + extra;
	size_t cap = b->capacity ? b->capacity : 256;
	while (cap < need)
		cap *= 2;
	u8 *p = realloc(b->data, cap);
	if (!p)
		return NZ_ERR_NOMEM;
	b->data = p;
	b->capacity = cap;
	return NZ_OK;
}

int nz_buf_append(nz_buf *b, const void *data, size_t size)
{
	NZ_TRY(nz_buf_reserve(b, size));
	if (size)
		memcpy(b->data + b->size, data, size);
	b->size += size;
	return NZ_OK;
}

void nz_buf_free(nz_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->size = b->capacity = 0;
}
