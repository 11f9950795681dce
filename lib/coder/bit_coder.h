/*
 * bit_coder.h - a binary arithmetic coder (carry-less, 32-bit range, big-endian
 * output) driven by 16-bit probabilities.
 *
 * The encoder keeps a range [x1, x2]; each bit splits it at
 *   xmid = x1 + floor((x2 - x1) * p / 65536)   (computed without overflow)
 * where p = P(bit == 1) in [1, 65535]; a 1 keeps [x1, xmid], a 0 keeps
 * [xmid + 1, x2]. Whenever the top bytes of x1 and x2 agree, that byte is final:
 * it is written and both bounds shift left by 8 (x2 gets 0xff shifted in).
 * At the end the 4 bytes of x1 are written, so the decoder reads exactly as many
 * bytes as the encoder wrote: any read past the end, or any byte left over, means
 * the substream is not what an encoder wrote (the container records its size, so
 * either is damage, not a short file: NZ_ERR_CORRUPT).
 *
 * Everything is integer arithmetic: the same bytes on every machine and compiler.
 * The hot functions are inline; the caller reserves output room (nz_bitenc_room)
 * before coding a byte so encode itself never fails.
 */
#ifndef NZ_BIT_CODER_H
#define NZ_BIT_CODER_H

#include "common/buffer.h"

/* The most bytes coding one bit can produce (p >= 1/65536 costs <= 16 bits, plus
 * straddle slack); nz_bitenc_room(e, 8 * NZ_BITENC_MAX_PER_BIT) covers a byte. */
#define NZ_BITENC_MAX_PER_BIT 3

typedef struct nz_bitenc {
	u32 x1, x2;
	nz_buf *out;
} nz_bitenc;

typedef struct nz_bitdec {
	u32 x1, x2, x;
	const u8 *p, *end;
	u32 overrun;  /* bytes the decoder wanted past the end of the substream */
} nz_bitdec;

void nz_bitenc_init(nz_bitenc *e, nz_buf *out);
/* Make room for `bytes` more output bytes. NZ_ERR_NOMEM on failure. */
NZ_INLINE int nz_bitenc_room(nz_bitenc *e, size_t bytes)
{
	if (nz_likely(e->out->capacity - e->out->size >= bytes))
		return NZ_OK;
	return nz_buf_reserve(e->out, bytes < 65536 ? 65536 : bytes);
}
/* Write the final bytes. NZ_ERR_NOMEM on failure. */
int nz_bitenc_finish(nz_bitenc *e);

/* Start decoding src[0..size). */
void nz_bitdec_init(nz_bitdec *d, const u8 *src, size_t size);
/* After the last bit: NZ_OK if exactly the whole substream was consumed,
 * NZ_ERR_CORRUPT if the decoder ran past its end or bytes are left over. */
int nz_bitdec_finish(const nz_bitdec *d);

NZ_INLINE u32 nz_bit_split(u32 x1, u32 x2, u32 p16)
{
	u32 r = x2 - x1;
	return x1 + (r >> 16) * p16 + (((r & 0xffff) * p16) >> 16);
}

/* Code `bit` (0 or 1) with P(1) = p16 / 65536, p16 in [1, 65535]. */
NZ_INLINE void nz_bitenc_encode(nz_bitenc *e, int bit, u32 p16)
{
	u32 xmid = nz_bit_split(e->x1, e->x2, p16);
	if (bit)
		e->x2 = xmid;
	else
		e->x1 = xmid + 1;
	while (((e->x1 ^ e->x2) & 0xff000000u) == 0) {
		e->out->data[e->out->size++] = (u8)(e->x2 >> 24);
		e->x1 <<= 8;
		e->x2 = (e->x2 << 8) | 255;
	}
}

NZ_INLINE int nz_bitdec_decode(nz_bitdec *d, u32 p16)
{
	u32 xmid = nz_bit_split(d->x1, d->x2, p16);
	int bit = d->x <= xmid;
	if (bit)
		d->x2 = xmid;
	else
		d->x1 = xmid + 1;
	while (((d->x1 ^ d->x2) & 0xff000000u) == 0) {
		d->x1 <<= 8;
		d->x2 = (d->x2 << 8) | 255;
		u32 c = 0;
		if (nz_likely(d->p < d->end))
			c = *d->p++;
		else
			d->overrun++;
		d->x = (d->x << 8) | c;
	}
	return bit;
}

#endif /* NZ_BIT_CODER_H */
