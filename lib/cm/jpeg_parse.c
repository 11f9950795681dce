/*
 * jpeg_parse.c - the baseline JPEG parser (jpeg_parse.h): marker segments,
 * Huffman tables, the MCU layout of a scan, and the Huffman decoding of its
 * data one bit at a time (ITU T.81, annexes B and F).
 */
#include "cm/jpeg_parse.h"

/* What the next byte is (cm_jpeg.mode). */
enum {
	M_IDLE,   /* outside an image: waiting for SOI */
	M_HDR,    /* between marker segments */
	M_FF,     /* after an FF there: the marker code */
	M_LEN1,   /* the marker segment's length, high byte */
	M_LEN2,   /* its low byte */
	M_SEG,    /* its payload */
	M_SCAN,   /* scan data */
	M_SCANFF  /* after an FF in scan data: 00 (stuffing), a restart or a marker */
};

enum { SOI = 0xd8, EOI = 0xd9, SOS = 0xda, DHT = 0xc4, RST0 = 0xd0, RST7 = 0xd7 };

/* Marker segments longer than this are skipped unread (DHT, the longest of
 * those read, has at most 4 x 273 bytes). */
#define SEG_READ_MAX 4096u

const u8 nz_cm_jpeg_zzi[64] = {0,  1,  5,  6,  14, 15, 27, 28, 2,  4,  7,  13, 16, 26, 29, 42,
			     3,  8,  12, 17, 25, 30, 41, 43, 9,  11, 18, 24, 31, 40, 44, 53,
			     10, 19, 23, 32, 39, 45, 52, 54, 20, 22, 33, 38, 46, 51, 55, 60,
			     21, 34, 37, 47, 50, 56, 59, 61, 35, 36, 48, 49, 57, 58, 62, 63};
const u8 nz_cm_jpeg_zu[64] = {
	0, 1, 0, 0, 1, 2, 3, 2, 1, 0, 0, 1, 2, 3, 4, 5,
	4, 3, 2, 1, 0, 0, 1, 2, 3, 4, 5, 6, 7, 6, 5, 4,
	3, 2, 1, 0, 1, 2, 3, 4, 5, 6, 7, 7, 6, 5, 4, 3,
	2, 3, 4, 5, 6, 7, 7, 6, 5, 4, 5, 6, 7, 7, 6, 7};
const u8 nz_cm_jpeg_zv[64] = {
	0, 0, 1, 2, 1, 0, 0, 1, 2, 3, 4, 3, 2, 1, 0, 0,
	1, 2, 3, 4, 5, 6, 5, 4, 3, 2, 1, 0, 0, 1, 2, 3,
	4, 5, 6, 7, 7, 6, 5, 4, 3, 2, 1, 2, 3, 4, 5, 6,
	7, 7, 6, 5, 4, 3, 4, 5, 6, 7, 7, 6, 5, 6, 7, 7};

void nz_cm_jpeg_reset(cm_jpeg *j, s16 *ring, u8 *last, u32 ring_bits)
{
	memset(j, 0, sizeof(*j));
	j->ring_mask = (1u << ring_bits) - 1;
	j->ring = ring;
	j->last = last;
	j->coef = ring;
	j->bc0 = 1;
	memset(ring, 0, ((size_t)j->ring_mask + 1) * 64 * sizeof(s16));
	memset(last, 0, (size_t)j->ring_mask + 1);
}

/* ---- the scan's data ---- */

static u32 block_seq(const cm_jpeg *j) { return (j->mcu * j->nb + j->b) & j->ring_mask; }

static void block_start(cm_jpeg *j)
{
	const u32 s = block_seq(j);
	j->coef = j->ring + (size_t)s * 64;
	memset(j->coef, 0, 64 * sizeof(s16));
	j->last[s] = 0;
	j->zz = 0;
	j->phase = JPEG_PH_DC;
	j->rs1 = 0;
	j->nnz = 0;
}

static void block_end(cm_jpeg *j)
{
	if (++j->b == j->nb) {
		j->b = 0;
		j->mcu++;
	}
	block_start(j);
}

/* A restart marker: DC predictions from zero, the next MCU from its first
 * block (if the data was lost mid-MCU, the MCU count moves on). */
static void restart(cm_jpeg *j)
{
	if (!j->nb)
		return;
	if (j->b != 0 || j->zz != 0)
		j->mcu++;
	j->b = 0;
	memset(j->dcpred, 0, sizeof(j->dcpred));
	block_start(j);
	j->code = 0;
	j->cbits = 0;
}

/* The data does not follow the tables: wait for a restart or a marker. */
static int lose(cm_jpeg *j)
{
	j->phase = JPEG_PH_OTHER;
	j->zz = 0;
	j->code = 0;
	j->cbits = 0;
	return 1;
}

static s32 clamp16(s32 v) { return v < -32768 ? -32768 : v > 32767 ? 32767 : v; }

int nz_cm_jpeg_bit(cm_jpeg *j, int y)
{
	j->bc0 = j->bc0 * 2 + (u32)y;
	if (!j->data || j->phase == JPEG_PH_OTHER)
		return 0;
	j->code = j->code * 2 + (u32)y;
	j->cbits++;
	if (j->phase == JPEG_PH_EXTRA) {
		if (j->cbits < j->size)
			return 0;
		/* F.2.2.1: a value whose first bit is 0 is negative */
		const s32 v = j->code >> (j->size - 1) ? (s32)j->code
						      : (s32)j->code - (s32)(1u << j->size) + 1;
		if (j->zz == 0) {
			const u32 c = j->bcomp[j->b];
			j->dcpred[c] = clamp16(j->dcpred[c] + v);
			j->coef[0] = (s16)j->dcpred[c];
			if (j->coef[0])
				j->last[block_seq(j)] = 1;
		} else {
			j->coef[j->zz] = (s16)v;
			j->last[block_seq(j)] = (u8)(j->zz + 1);
			j->nnz++;
		}
		j->code = 0;
		j->cbits = 0;
		if (++j->zz == 64)
			block_end(j);
		else
			j->phase = JPEG_PH_AC;
		return 1;
	}
	const cm_jpeg_huff *t = &j->huff[j->phase == JPEG_PH_DC ? j->bdc[j->b] : 4 + j->bac[j->b]];
	if (j->cbits > 16) /* no code is this long: the data is lost */
		return lose(j);
	if (t->maxcode[j->cbits] < 0 || (s32)j->code > t->maxcode[j->cbits])
		return 0;
	const u32 sym = t->vals[(u32)((s32)j->code + t->delta[j->cbits]) & 255];
	j->code = 0;
	j->cbits = 0;
	const u32 s = sym & 15;
	if (j->phase == JPEG_PH_DC) {
		if (s) {
			j->phase = JPEG_PH_EXTRA;
			j->size = (u8)s;
			return 1;
		}
		const u32 c = j->bcomp[j->b];
		j->coef[0] = (s16)j->dcpred[c];
		if (j->coef[0])
			j->last[block_seq(j)] = 1;
		j->zz = 1;
		j->phase = JPEG_PH_AC;
		return 1;
	}
	j->rs1 = (u8)sym;
	if (s == 0) {
		if (sym != 0xf0) { /* end of block */
			block_end(j);
			return 1;
		}
		j->zz += 16; /* sixteen zeros */
		return j->zz > 63 ? lose(j) : 1;
	}
	j->zz += sym >> 4;
	if (j->zz > 63)
		return lose(j);
	j->phase = JPEG_PH_EXTRA;
	j->size = (u8)s;
	return 1;
}

/* ---- marker segments, read back from the history (the payload is its last
 * len bytes) ---- */

typedef struct seg_reader {
	const cm_history *h;
	u32 len;
} seg_reader;

static u32 seg_at(const seg_reader *r, u32 i) { return cm_hist_back(r->h, r->len - i); }

/* DHT (B.2.4.2): one or more tables, each its class and id, 16 counts and the
 * symbols; the canonical codes of C.2 and the limits of F.2.2.3. */
static void read_dht(cm_jpeg *j, const seg_reader *r)
{
	u32 i = 0;
	while (i + 17 <= r->len) {
		const u32 tc = seg_at(r, i) >> 4, th = seg_at(r, i) & 15;
		if (tc > 1 || th > 3)
			return;
		u32 count[17], total = 0;
		for (u32 l = 1; l <= 16; l++)
			total += count[l] = seg_at(r, i + l);
		i += 17;
		if (total > 256 || i + total > r->len)
			return;
		cm_jpeg_huff *t = &j->huff[tc * 4 + th];
		u32 code = 0, k = 0;
		t->defined = 0;
		t->maxcode[0] = -1;
		for (u32 l = 1; l <= 16; l++) {
			t->delta[l] = (s32)k - (s32)code;
			code += count[l];
			k += count[l];
			t->maxcode[l] = count[l] ? (s32)code - 1 : -1;
			if (code > (1u << l)) /* more codes than this length has */
				return;
			code <<= 1;
		}
		for (u32 v = 0; v < total; v++)
			t->vals[v] = (u8)seg_at(r, i + v);
		i += total;
		t->defined = 1;
	}
}

/* DQT (B.2.4.1): tables of 8- or 16-bit steps. */
static void read_dqt(cm_jpeg *j, const seg_reader *r)
{
	u32 i = 0;
	while (i < r->len) {
		const u32 pq = seg_at(r, i) >> 4, tq = seg_at(r, i) & 15;
		if (pq > 1 || tq > 3 || i + 1 + 64 * (pq + 1) > r->len)
			return;
		i++;
		for (u32 k = 0; k < 64; k++, i += pq + 1)
			j->qt[tq][k] = (u16)(pq ? seg_at(r, i) << 8 | seg_at(r, i + 1) : seg_at(r, i));
	}
}

/* SOF0, SOF1 (B.2.2): 8-bit samples, up to 4 components of 1..4 x 1..4. */
static void read_sof(cm_jpeg *j, const seg_reader *r)
{
	j->frame_ok = 0;
	if (r->len < 6 || seg_at(r, 0) != 8)
		return;
	const u32 n = seg_at(r, 5);
	if (n < 1 || n > 4 || r->len < 6 + 3 * n)
		return;
	j->width = seg_at(r, 3) << 8 | seg_at(r, 4);
	j->ncomp = (u8)n;
	j->hmax = j->vmax = 1;
	for (u32 c = 0; c < n; c++) {
		const u32 hv = seg_at(r, 7 + 3 * c);
		j->cid[c] = (u8)seg_at(r, 6 + 3 * c);
		j->ch[c] = (u8)(hv >> 4);
		j->cv[c] = (u8)(hv & 15);
		j->ctq[c] = (u8)(seg_at(r, 8 + 3 * c) & 3);
		if (j->ch[c] < 1 || j->ch[c] > 4 || j->cv[c] < 1 || j->cv[c] > 4 || !j->width)
			return;
		j->hmax = NZ_MAX(j->hmax, j->ch[c]);
		j->vmax = NZ_MAX(j->vmax, j->cv[c]);
	}
	j->frame_ok = 1;
}

static u32 div_up(u32 a, u32 b) { return (a + b - 1) / b; }

/* SOS (B.2.3) of a sequential scan: its components and tables, and from the
 * frame the MCU's blocks and where each block's left and upper neighbours are.
 * Returns 1 if the scan can be followed. */
static int read_sos(cm_jpeg *j, const seg_reader *r)
{
	j->nb = 0;
	if (!j->frame_ok || r->len < 1)
		return 0;
	const u32 ns = seg_at(r, 0);
	if (ns < 1 || ns > j->ncomp || r->len != 4 + 2 * ns)
		return 0;
	if (seg_at(r, 1 + 2 * ns) != 0 || seg_at(r, 2 + 2 * ns) != 63 || seg_at(r, 3 + 2 * ns) != 0)
		return 0; /* spectral selection or successive approximation: progressive */
	const u32 mcu_row = div_up(j->width, 8u * j->hmax); /* MCUs per row, interleaved */
	u32 nb = 0, row[4] = {0}, H[4] = {0}, V[4] = {0};
	u8 bx[CM_JPEG_MAX_BLOCKS], by[CM_JPEG_MAX_BLOCKS];
	for (u32 s = 0; s < ns; s++) {
		const u32 id = seg_at(r, 1 + 2 * s), tt = seg_at(r, 2 + 2 * s);
		const u32 td = tt >> 4, ta = tt & 15;
		u32 c = 0;
		while (c < j->ncomp && j->cid[c] != id)
			c++;
		if (c == j->ncomp || td > 3 || ta > 3 || !j->huff[td].defined ||
		    !j->huff[4 + ta].defined)
			return 0;
		H[s] = ns == 1 ? 1 : j->ch[c];
		V[s] = ns == 1 ? 1 : j->cv[c];
		/* blocks per row of a component alone (A.2.2), or MCUs per row */
		row[s] = ns == 1 ? div_up(div_up(j->width * j->ch[c], j->hmax), 8) : mcu_row;
		if (nb + H[s] * V[s] > CM_JPEG_MAX_BLOCKS)
			return 0;
		for (u32 v = 0; v < V[s]; v++)
			for (u32 x = 0; x < H[s]; x++) {
				const u32 k = nb++;
				j->bcomp[k] = (u8)c;
				j->bdc[k] = (u8)td;
				j->bac[k] = (u8)ta;
				bx[k] = (u8)x;
				by[k] = (u8)(v << 4 | s);
			}
	}
	for (u32 k = 0; k < nb; k++) {
		const u32 s = by[k] & 15, v = by[k] >> 4;
		/* the left neighbour: in this MCU, or the last of its row in the
		 * MCU before; the upper one: in this MCU, or in its last row in the
		 * MCU one row up */
		j->boffw[k] = bx[k] > 0 ? 1 : nb - H[s] + 1;
		const u64 up = v > 0 ? H[s] : (u64)row[s] * nb - (u64)(V[s] - 1) * H[s];
		j->boffn[k] = up <= j->ring_mask ? (u32)up : 0;
	}
	j->nb = (u8)nb;
	j->mcu = 0;
	j->b = 0;
	memset(j->dcpred, 0, sizeof(j->dcpred));
	block_start(j);
	j->code = 0;
	j->cbits = 0;
	return 1;
}

static void segment_end(cm_jpeg *j, const cm_history *h)
{
	j->mode = M_HDR;
	const seg_reader r = {h, j->seglen - 2};
	if (r.len > SEG_READ_MAX)
		return;
	const u32 m = j->marker;
	if (m == DHT)
		read_dht(j, &r);
	else if (m == 0xdb)
		read_dqt(j, &r);
	else if (m == 0xc0 || m == 0xc1)
		read_sof(j, &r);
	else if ((m & 0xf0) == 0xc0 && m != 0xc8 && m != 0xcc)
		j->frame_ok = 0; /* progressive, lossless or arithmetic-coded: not followed */
	else if (m == SOS && read_sos(j, &r))
		j->mode = M_SCAN;
}

/* The byte c after an FF outside scan data. */
static void marker(cm_jpeg *j, u32 c)
{
	j->mode = M_HDR;
	if (c == 0xff) {
		j->mode = M_FF; /* fill */
	} else if (c == SOI) {
		j->frame_ok = 0;
		for (u32 t = 0; t < 8; t++)
			j->huff[t].defined = 0;
	} else if (c == EOI) {
		j->mode = M_IDLE;
	} else if (c != 0 && c != 1 && (c < RST0 || c > RST7)) {
		j->marker = (u8)c; /* a segment with a length */
		j->mode = M_LEN1;
	}
}

void nz_cm_jpeg_byte(cm_jpeg *j, const cm_history *h, u32 c)
{
	j->bc0 = 1;
	switch (j->mode) {
	case M_IDLE:
		if (c == SOI && cm_hist_back(h, 2) == 0xff)
			marker(j, c);
		break;
	case M_HDR:
		if (c == 0xff)
			j->mode = M_FF;
		break;
	case M_FF:
		marker(j, c);
		break;
	case M_LEN1:
		j->seglen = c << 8;
		j->mode = M_LEN2;
		break;
	case M_LEN2:
		j->seglen |= c;
		if (j->seglen < 2)
			j->mode = M_HDR;
		else if ((j->segleft = j->seglen - 2) == 0)
			segment_end(j, h);
		else
			j->mode = M_SEG;
		break;
	case M_SEG:
		if (--j->segleft == 0)
			segment_end(j, h);
		break;
	case M_SCAN:
		if (c == 0xff)
			j->mode = M_SCANFF;
		break;
	case M_SCANFF:
		if (c == 0)
			j->mode = M_SCAN; /* a stuffed zero: the FF was data */
		else if (c >= RST0 && c <= RST7) {
			restart(j);
			j->mode = M_SCAN;
		} else if (c != 0xff) {
			j->nb = 0; /* the scan ended */
			j->phase = JPEG_PH_OTHER;
			marker(j, c);
		}
		break;
	}
	j->data = j->mode == M_SCAN;
}
