/*
 * range_coder.h - a 64-bit range coder for 256-symbol alphabets with frequency
 * tables summing to 2^24 (docs/FORMAT.md, "Range coder").
 *
 * Why 64 bits: the neural models give probabilities close to 1 on predictable data
 * (0.3 bit per byte on XML), where a 16-bit total would waste ~2% in quantisation.
 * With 24-bit frequencies and a range kept >= 2^56, r = range >> 24 stays >= 2^32:
 * quantisation costs at most ~2.2e-5 bit per symbol and coder rounding nothing
 * measurable. The total is a power of two, so encoding needs no division.
 *
 * The encoder appends to an nz_buf and propagates carries into the bytes already
 * written (they stay in memory until the block is finished). The decoder reads a
 * bounded byte range and treats bytes past its end as 0: corrupt data decodes to
 * garbage that the block checksum rejects, never to an out-of-bounds read.
 */
#ifndef NZ_RANGE_CODER_H
#define NZ_RANGE_CODER_H

#include "common/buffer.h"

#define NZ_RC_PREC 24
#define NZ_RC_TOTAL (1u << NZ_RC_PREC)
#define NZ_RC_TOP (1ull << 56)

typedef struct nz_rc_encoder {
	u64 low;
	u64 range;
	nz_buf *out;
	int error; /* NZ_ERR_NOMEM once an append failed; sticky */
} nz_rc_encoder;

typedef struct nz_rc_decoder {
	u64 code;
	u64 range;
	const u8 *in;
	size_t pos, size;
	int corrupt; /* set when the data cannot have come from an encoder; sticky */
} nz_rc_decoder;

void nz_rc_encoder_init(nz_rc_encoder *e, nz_buf *out);
/* Write the final byte. Returns NZ_OK or the sticky error. */
int nz_rc_encoder_finish(nz_rc_encoder *e);
void nz_rc_carry(nz_rc_encoder *e);

void nz_rc_decoder_init(nz_rc_decoder *d, const u8 *in, size_t size);

NZ_INLINE void nz_rc_put_byte(nz_rc_encoder *e, u8 b)
{
	nz_buf *o = e->out;
	if (nz_unlikely(o->size == o->capacity) && nz_buf_reserve(o, 1)) {
		e->error = NZ_ERR_NOMEM;
		return;
	}
	o->data[o->size++] = b;
}

/* Code the symbol occupying [cum, cum + freq) of the total 2^24; freq >= 1. */
NZ_INLINE void nz_rc_encode(nz_rc_encoder *e, u32 cum, u32 freq)
{
	u64 r = e->range >> NZ_RC_PREC;
	u64 low = e->low + r * cum;
	if (nz_unlikely(low < e->low))
		nz_rc_carry(e);
	e->range = r * freq;
	while (e->range < NZ_RC_TOP) {
		nz_rc_put_byte(e, (u8)(low >> 56));
		low <<= 8;
		e->range <<= 8;
	}
	e->low = low;
}

NZ_INLINE unsigned nz_clz64(u64 x) { return (unsigned)__builtin_clzll(x); } /* x != 0 */

NZ_INLINE u8 nz_rc_next_byte(nz_rc_decoder *d)
{
	return d->pos < d->size ? d->in[d->pos++] : (d->pos++, 0);
}

/* The first half of decoding: the target value in [0, 2^24), to look up in the
 * cumulative table. Call nz_rc_decode_update() with the symbol's cum and freq. */
NZ_INLINE u32 nz_rc_decode_target(nz_rc_decoder *d)
{
	u64 v = d->code / (d->range >> NZ_RC_PREC);
	if (nz_unlikely(v >= NZ_RC_TOTAL)) {
		d->corrupt = 1;
		v = NZ_RC_TOTAL - 1;
	}
	return (u32)v;
}

/* The next 4 input bytes as a big-endian number, zeros past the end. */
NZ_INLINE u32 nz_rc_peek32(const nz_rc_decoder *d)
{
	if (nz_likely(d->pos + 4 <= d->size)) {
		const u8 *p = d->in + d->pos;
		return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
	}
	u32 x = 0;
	for (size_t i = d->pos; i < d->pos + 4; i++)
		x = x << 8 | (i < d->size ? d->in[i] : 0);
	return x;
}

NZ_INLINE void nz_rc_decode_update(nz_rc_decoder *d, u32 cum, u32 freq)
{
	u64 r = d->range >> NZ_RC_PREC;
	d->code -= r * cum;
	d->range = r * freq;
	/* Renormalise without a data-dependent loop: range >= r >= 2^32, so 0 to 3
	 * bytes come in, as many as the leading zero bytes of range. */
	const unsigned shift = (unsigned)nz_clz64(d->range) & ~7u;
	d->code = (d->code << shift) | ((u64)nz_rc_peek32(d) >> (32 - shift));
	d->range <<= shift;
	d->pos += shift / 8;
}

/* The symbol s with cum[s] <= v < cum[s + 1], for a table of 257 cumulative
 * frequencies (cum[0] = 0, cum[256] = 2^24). Two levels of 16: first count the
 * 16-symbol groups that end at or below v, then the symbols within the group.
 * The comparisons are independent (no chain of dependent loads as in a binary
 * search), and the compiler vectorises the second level. */
NZ_INLINE unsigned nz_rc_find_symbol(const u32 *cum, u32 v)
{
	unsigned group = 0;
	for (unsigned j = 1; j < 16; j++)
		group += cum[16 * j] <= v;
	const u32 *c = cum + 16 * group;
	unsigned s = 0;
	for (unsigned j = 1; j < 16; j++)
		s += c[j] <= v;
	return 16 * group + s;
}

#endif /* NZ_RANGE_CODER_H */
