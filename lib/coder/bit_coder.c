/*
 * bit_coder.c - set-up and flush of the binary arithmetic coder (bit_coder.h).
 */
#include "coder/bit_coder.h"

void nz_bitenc_init(nz_bitenc *e, nz_buf *out)
{
	e->x1 = 0;
	e->x2 = 0xffffffffu;
	e->out = out;
}

int nz_bitenc_finish(nz_bitenc *e)
{
	NZ_TRY(nz_bitenc_room(e, 4));
	for (int i = 0; i < 4; i++)
		e->out->data[e->out->size++] = (u8)(e->x1 >> (24 - 8 * i));
	return NZ_OK;
}

void nz_bitdec_init(nz_bitdec *d, const u8 *src, size_t size)
{
	d->x1 = 0;
	d->x2 = 0xffffffffu;
	d->x = 0;
	d->p = src;
	d->end = src + size;
	d->overrun = 0;
	for (int i = 0; i < 4; i++) {
		u32 c = 0;
		if (d->p < d->end)
			c = *d->p++;
		else
			d->overrun++;
		d->x = (d->x << 8) | c;
	}
}

int nz_bitdec_finish(const nz_bitdec *d)
{
	if (d->overrun)
		return NZ_ERR_CORRUPT;
	if (d->p != d->end)
		return NZ_ERR_CORRUPT;
	return NZ_OK;
}
