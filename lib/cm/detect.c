/*
 * detect.c - what the encoder finds in the bytes it is given: x86 code, a PNM or
 * BMP image, a WAV file, a JPEG file (its header up to the first scan, its
 * length), a table of fixed-length records (detect.h).
 */
#include <string.h>

#include "cm/detect.h"

int nz_cm_x86_detect(const u8 *b, size_t n)
{
	if (n < 4096)
		return 0;
	size_t hits = 0, e8 = 0;
	for (size_t i = 0; i + 5 <= n; i++) {
		if ((b[i] & 0xfe) == 0xe8) {
			e8++;
			u8 top = b[i + 4];
			if (top == 0x00 || top == 0xff)
				hits++;
		}
	}
	/* code: many E8/E9 whose offsets are small (top byte 00 or ff) */
	return hits * 200 > n && hits * 4 > e8 * 3;
}

/* A PNM header's comments (GIMP writes one) fit in this; a longer header is
 * not taken for one, so that the typed-span search, which tries every "P5" and
 * "P6" it meets, reads at most this much at each. */
#define PNM_HEADER_MAX 512

/* The next number of a PNM header at *i: after whitespace and comments, each a
 * '#' to the end of its line, which may stand between any two tokens. */
static int pnm_number(const u8 *b, size_t n, size_t *i, u32 *v)
{
	for (;;) {
		while (*i < n && (b[*i] == ' ' || b[*i] == '\n' || b[*i] == '\r' || b[*i] == '\t'))
			++*i;
		if (*i >= n || b[*i] != '#')
			break;
		while (*i < n && b[*i] != '\n' && b[*i] != '\r')
			++*i;
	}
	u64 x = 0;
	size_t start = *i;
	while (*i < n && (u32)(b[*i] - '0') < 10u && x < 1000000)
		x = x * 10 + (b[(*i)++] - '0');
	*v = (u32)x;
	return *i > start && x < 1000000;
}

/* The layout of the image src starts with, in img; 0 if none (or one too wide
 * for the model, or too short to pay). */
int nz_cm_image_detect(const u8 *b, size_t n, cm_image *img, u64 *file_size)
{
	u32 w = 0, bpp = 0, off = 0, stride = 0;
	u64 size = 0; /* the file's, from its header: for the typed spans */
	if (n >= 16 && b[0] == 'P' && (b[1] == '5' || b[1] == '6')) {
		size_t i = 2;
		u32 hgt, maxval;
		const size_t hn = NZ_MIN(n, (size_t)PNM_HEADER_MAX);
		if (!pnm_number(b, hn, &i, &w) || !pnm_number(b, hn, &i, &hgt) ||
		    !pnm_number(b, hn, &i, &maxval) || maxval != 255 || i >= hn)
			return 0;
		off = (u32)i + 1; /* one whitespace byte ends the header */
		bpp = b[1] == '5' ? 1 : 3;
		stride = w * bpp;
		size = off + (u64)stride * hgt;
	} else if (n >= 54 && b[0] == 'B' && b[1] == 'M') {
		size = nz_load_le32(b + 2);
		off = nz_load_le32(b + 10);
		w = nz_load_le32(b + 18);
		const u32 bits = (u32)b[28] | (u32)b[29] << 8, comp = nz_load_le32(b + 30);
		/* BI_RGB, or BI_BITFIELDS at 32 bits (the V4/V5 headers of 32-bit
		 * images): four bytes a pixel either way */
		if ((bits != 8 && bits != 24 && bits != 32) || (comp != 0 && !(comp == 3 && bits == 32)) ||
		    w > 100000)
			return 0;
		bpp = bits / 8;
		stride = (w * bpp + 3) & ~3u;
	} else {
		return 0;
	}
	if (w < 8 || stride > CM_IMAGE_MAX_STRIDE || off >= n || n - off < 2 * (size_t)stride)
		return 0;
	img->offset = off;
	img->stride = stride;
	img->bpp = bpp;
	if (file_size)
		*file_size = size;
	return 1;
}

/* The layout of the 8- or 16-bit PCM WAV file src starts with (RIFF WAVE,
 * "fmt " of format 1 or WAVE_FORMAT_EXTENSIBLE, 1..8 channels, then "data"),
 * in g (offset: the first sample; stride: bytes per frame; bpp: per sample);
 * 0 if none or fewer than 64 frames. */
int nz_cm_wav_detect(const u8 *b, size_t n, cm_image *g)
{
	if (n < 44 || memcmp(b, "RIFF", 4) != 0 || memcmp(b + 8, "WAVE", 4) != 0)
		return 0;
	u32 channels = 0, bits = 0;
	size_t i = 12;
	for (int chunks = 0; chunks < 64 && i + 8 <= n; chunks++) {
		const u32 size = nz_load_le32(b + i + 4);
		if (memcmp(b + i, "fmt ", 4) == 0 && size >= 16 && i + 24 <= n) {
			const u32 tag = (u32)b[i + 8] | (u32)b[i + 9] << 8;
			channels = (u32)b[i + 10] | (u32)b[i + 11] << 8;
			bits = (u32)b[i + 22] | (u32)b[i + 23] << 8;
			if (tag != 1 && tag != 0xfffe)
				return 0;
		} else if (memcmp(b + i, "data", 4) == 0) {
			if (channels < 1 || channels > 8 || (bits != 8 && bits != 16))
				return 0;
			g->offset = (u32)(i + 8);
			g->bpp = bits / 8;
			g->stride = channels * g->bpp;
			return g->offset < n && (n - g->offset) / g->stride >= 64;
		}
		if (size > n - i - 8)
			return 0;
		i += 8 + (size_t)size + (size & 1);
	}
	return 0;
}

/* A JPEG file (SOI, then a marker) starts src. */
int nz_cm_jpeg_detect(const u8 *b, size_t n)
{
	return n >= 4 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff;
}

/* The marker segments of the JPEG file that starts b, walked from SOI to its
 * first scan within n bytes: 1 if they reach it, each a marker that carries a
 * length. *baseline (if not NULL): one frame header came before the scan, SOF0
 * or SOF1. Bytes that only start like a JPEG (SOI, then anything) do not reach
 * a scan, so the JPEG model's time is not spent on them. */
int nz_cm_jpeg_header(const u8 *b, size_t n, int *baseline)
{
	if (!nz_cm_jpeg_detect(b, n))
		return 0;
	u32 frames = 0, sof_baseline = 0;
	size_t i = 2;
	while (i + 4 <= n && b[i] == 0xff) {
		const u8 mk = b[i + 1];
		if (mk == 0xff) { /* fill */
			i++;
			continue;
		}
		if (mk == 0xda) {
			if (baseline)
				*baseline = frames == 1 && sof_baseline;
			return 1;
		}
		const size_t seg = (size_t)b[i + 2] << 8 | b[i + 3];
		if (mk < 0xc0 || (mk >= 0xd0 && mk <= 0xd9) || seg < 2) /* no length, or SOI, EOI */
			return 0;
		if (mk <= 0xcf && mk != 0xc4 && mk != 0xc8 && mk != 0xcc) {
			frames++;
			sof_baseline = mk <= 0xc1;
		}
		i += 2 + seg;
	}
	return 0;
}

/* The length of the JPEG file that starts b (its markers up to EOI, the scans'
 * entropy-coded data skipped), or 0 if it does not end within n bytes; *read:
 * how far the walk read. */
size_t nz_cm_jpeg_walk(const u8 *b, size_t n, size_t *read)
{
	size_t i = 2, len = 0;
	while (i + 4 <= n && b[i] == 0xff) {
		const u8 mk = b[i + 1];
		if (mk == 0xd9) {
			len = i + 2;
			break;
		}
		if (mk == 0xff || (mk >= 0xd0 && mk <= 0xd7) || mk == 0x01) { /* no length */
			i += mk == 0xff ? 1 : 2;
			continue;
		}
		const size_t seg = (size_t)b[i + 2] << 8 | b[i + 3];
		if (seg < 2 || seg > n - i - 2)
			break;
		i += 2 + seg;
		if (mk == 0xda) /* a scan: its data ends at a marker other than RSTn */
			while (i + 1 < n && !(b[i] == 0xff && b[i + 1] != 0 &&
					      !(b[i + 1] >= 0xd0 && b[i + 1] <= 0xd7)))
				i++;
	}
	if (!len && i + 2 <= n && b[i] == 0xff && b[i + 1] == 0xd9)
		len = i + 2; /* EOI in the last 4 bytes */
	*read = i;
	return len;
}

/* Fixed-length records: some distance r in 2..1024 at which a quarter of the
 * sampled bytes repeat, clearly more often than at distance 1 (so that runs or
 * zero fill alone do not count). Text peaks at 0.08-0.14. The sample is 16 KiB:
 * four 4 KiB windows spread over a large input, so that one table inside a
 * program does not decide for the whole of it. */
int nz_cm_table_detect(const u8 *b, size_t n)
{
	if (n < 4096)
		return 0;
	const size_t nw = n >= 65536 ? 4 : 1;
	const size_t w = nw > 1 ? 4096 : NZ_MIN(n, (size_t)16384);
	size_t best = 0, e1 = 0;
	for (size_t r = 1; r <= 1024 && 2 * r < w; r++) {
		size_t eq = 0;
		for (size_t q = 0; q < nw; q++) {
			const u8 *s = b + (n - w) * (2 * q + 1) / (2 * nw);
			for (size_t i = r; i < w; i++)
				eq += s[i] == s[i - r];
		}
		if (r == 1)
			e1 = eq;
		else if (eq > best)
			best = eq;
	}
	return best * 4 >= nw * w && best > e1 + nw * w / 32;
}
