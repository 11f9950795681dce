/*
 * jpeg_parse.h - where the next bit falls in a baseline JPEG file: in its
 * headers, or in the Huffman-coded data of a scan, which code or coefficient of
 * which block, and what the neighbouring blocks and the block so far hold. The
 * data-type models (datatype_model.h) build their JPEG contexts from it, as
 * paq8's jpegModel does: the coded bits are then predicted from the image, not
 * from byte strings that Huffman coding has made look random.
 *
 * The parser follows the bytes the CM model codes, one bit at a time: it reads
 * the marker segments (DHT, SOF0/SOF1, SOS, DRI), then decodes the scan's
 * Huffman codes and coefficient bits as they arrive (byte stuffing and restart
 * markers included), keeping every block's coefficients for the blocks to its
 * right and below. It never fails: what it cannot follow (progressive or
 * arithmetic-coded JPEG, 12-bit samples, broken data) turns it off until the
 * next marker that starts a scan or an image, which makes its contexts poor but
 * never wrong: the coder only ever sees probabilities.
 */
#ifndef NZ_CM_JPEG_PARSE_H
#define NZ_CM_JPEG_PARSE_H

#include "cm/history.h"

/* Blocks kept for the contexts of the block below: at most 2^13 x 64
 * coefficients (1 MiB), an image row of up to 8191 blocks (a 4:4:4 image
 * 21,840 pixels wide); the model keeps fewer with small tables. */
#define CM_JPEG_RING_BITS_MAX 13
#define CM_JPEG_MAX_BLOCKS 10 /* per MCU (ITU T.81, B.2.3) */

/* What the next bit is (cm_jpeg.phase). */
enum {
	JPEG_PH_OTHER, /* a header, marker or stuffed byte, or data the parser lost */
	JPEG_PH_DC,    /* a bit of the Huffman code of a DC difference's size */
	JPEG_PH_AC,    /* a bit of an AC run/size code */
	JPEG_PH_EXTRA  /* a bit of a coefficient's value (zz says which) */
};

typedef struct cm_jpeg_huff {
	s32 maxcode[17]; /* the largest code of each length, -1 if none */
	s32 delta[17];   /* its symbols' index in vals minus its first code */
	u8 vals[256];
	u8 defined;
} cm_jpeg_huff;

typedef struct cm_jpeg {
	/* bytes */
	u8 mode;             /* JPEG_M_* (jpeg_parse.c) */
	u8 marker;           /* the marker whose segment is being read */
	u8 data;             /* the byte being coded is scan data */
	u32 seglen, segleft; /* its length and the bytes still to come */
	u32 bc0;             /* the current byte's bits so far, after a leading 1 */
	/* frame */
	u8 ncomp, hmax, vmax, frame_ok;
	u8 cid[4], ch[4], cv[4], ctq[4]; /* each component's id, sampling, table */
	u16 qt[4][64];       /* the quantisation tables (zigzag order) */
	u32 width;
	cm_jpeg_huff huff[8]; /* DC tables 0..3, AC tables 4..7 */
	/* scan: the blocks of one MCU */
	u8 nb;                             /* blocks per MCU; 0: no scan */
	u8 bcomp[CM_JPEG_MAX_BLOCKS];      /* each block's component */
	u8 bdc[CM_JPEG_MAX_BLOCKS], bac[CM_JPEG_MAX_BLOCKS]; /* its tables */
	u32 boffw[CM_JPEG_MAX_BLOCKS];     /* how many blocks back its left neighbour is */
	u32 boffn[CM_JPEG_MAX_BLOCKS];     /* and the one above; 0: none kept */
	/* where the next bit falls */
	u8 phase;       /* JPEG_PH_* */
	u8 zz;          /* the coefficient (zigzag order) its code or value is of */
	u8 size;        /* JPEG_PH_EXTRA: the value's bits */
	u8 cbits;       /* bits of the current code or value so far */
	u32 code;       /* and those bits */
	u8 b;           /* the block within the MCU */
	u32 mcu;        /* MCUs since the scan began */
	u8 rs1;         /* the block's last run/size symbol */
	u8 nnz;         /* its non-zero AC coefficients so far */
	s32 dcpred[4];  /* per component, the last DC (quantised) */
	s16 *coef;      /* the current block's 64 coefficients in the ring */
	s16 *ring;      /* ring_mask + 1 blocks */
	u32 ring_mask;
	u8 *last;       /* per block: 1 + the zigzag index of its last non-zero coefficient */
} cm_jpeg;

/* ring: 2^ring_bits x 64 coefficients and last: 2^ring_bits bytes, the
 * caller's. */
void nz_cm_jpeg_reset(cm_jpeg *j, s16 *ring, u8 *last, u32 ring_bits);
/* The bit y of the current byte was coded. Returns 1 if a code or value began
 * (the contexts change). */
int nz_cm_jpeg_bit(cm_jpeg *j, int y);
/* The byte c ended (h holds it): the headers and markers. */
void nz_cm_jpeg_byte(cm_jpeg *j, const cm_history *h, u32 c);

/* The zigzag order (A.3.6): the horizontal and vertical frequency of each
 * index, and the index of each frequency (v * 8 + u). */
extern const u8 nz_cm_jpeg_zu[64], nz_cm_jpeg_zv[64], nz_cm_jpeg_zzi[64];

/* Whether the next bit belongs to a code or value the parser follows (scan
 * data, in step), rather than to a header, a marker, stuffing or lost data. */
NZ_INLINE int cm_jpeg_following(const cm_jpeg *j) { return j->data && j->phase != JPEG_PH_OTHER; }

/* The current block's neighbour `off` blocks back (0: none): its coefficients. */
NZ_INLINE const s16 *cm_jpeg_block(const cm_jpeg *j, u32 off)
{
	const u32 seq = j->mcu * j->nb + j->b - off;
	return j->ring + (size_t)(seq & j->ring_mask) * 64;
}
NZ_INLINE u32 cm_jpeg_last(const cm_jpeg *j, u32 off)
{
	return j->last[(j->mcu * j->nb + j->b - off) & j->ring_mask];
}

#endif /* NZ_CM_JPEG_PARSE_H */
