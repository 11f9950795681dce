/*
 * range_coder.c - the out-of-line parts of the range coder: start, carry, finish.
 */
#include "coder/range_coder.h"

void nz_rc_encoder_init(nz_rc_encoder *e, nz_buf *out)
{
	e->low = 0;
	e->range = ~0ull;
	e->out = out;
	e->error = NZ_OK;
}

/* Add 1 to the bytes written so far, as a big-endian number. The interval never
 * leaves [0, 1), so the carry always stops inside the written bytes. */
void nz_rc_carry(nz_rc_encoder *e)
{
	nz_buf *o = e->out;
	size_t i = o->size;
	while (i > 0 && o->data[i - 1] == 0xFF)
		o->data[--i] = 0;
	if (i > 0)
		o->data[i - 1]++;
}

int nz_rc_encoder_finish(nz_rc_encoder *e)
{
	/* v = low rounded up to a multiple of 2^56; range >= 2^56 keeps it inside. */
	const u64 mask = NZ_RC_TOP - 1;
	u64 v = e->low + mask;
	if (v < e->low)
		nz_rc_carry(e);
	nz_rc_put_byte(e, (u8)(v >> 56));
	e->low = 0;
	e->range = ~0ull;
	return e->error;
}

void nz_rc_decoder_init(nz_rc_decoder *d, const u8 *in, size_t size)
{
	d->in = in;
	d->size = size;
	d->pos = 0;
	d->code = 0;
	d->range = ~0ull;
	d->corrupt = 0;
	for (int i = 0; i < 8; i++)
		d->code = (d->code << 8) | nz_rc_next_byte(d);
}
