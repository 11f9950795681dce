/*
 * datatype_model.h - the data-type models: contexts for a segment the encoder's
 * detectors found to be of a known type (cm_codec.c, the segment's flags), each
 * built from that type's structure instead of the byte order alone.
 *
 * x86-64 code (flag CM_F_EXE): from the instruction structure (x86_parse.h),
 * so that "the second immediate byte of an 81 /7 after a REX.W" or "the opcode
 * after a call" are contexts of their own, as in paq8px's ExeModel, and an
 * operand byte is predicted from the same opcode's operand last time.
 * Images (flag CM_F_IMG; 8-, 24- and 32-bit pixels of PNM and BMP files): from
 * the neighbouring pixels (left, above, above-left, above-right and two back)
 * of the same channel, a gradient prediction and, with several channels, the
 * previous channel's change from its left neighbour.
 * Audio (flag CM_F_AUDIO; 8- and 16-bit PCM of WAV files): from linear
 * predictions of the next sample of the same channel (the last one, the
 * linear and quadratic extrapolations, the other channel's step), for the
 * high byte of a 16-bit sample given its low byte, and the last residuals.
 * JPEG files (flag CM_F_JPEG; baseline Huffman-coded): from the decoded
 * coefficients (jpeg_parse.h) of this block and of the blocks left of and
 * above it, and the value their edges predict, for each bit of a code or a
 * coefficient's value; 24 contexts whose slots follow the codes (a slot holds
 * four bits of one code), two mixers of their own and two SSE stages, whose
 * outputs are four more inputs (paq8px's JpegModel is the model of this).
 *
 * Code, images and audio have six contexts, each a bit history in hashed nibble slots
 * of a table of its own (as the context map keeps them) and a state map, two
 * mixer inputs each (the stretched probability and a confidence, as
 * CM_F_RICH); JPEG's first six are inputs the same way. The model selects one
 * mixer's weights by the type's state (cm_dtype_selector). The types share the
 * inputs, the table and the state maps: a segment has one type. With none, the
 * inputs are zero, which leaves the mixer's output and weights exactly as
 * without the model: a segment of no type is coded to the same bits. Lanes
 * share the table, the state maps and JPEG's mixers and SSE; the rest (the
 * parsers, JPEG's blocks) is each lane's.
 */
#ifndef NZ_CM_DATATYPE_MODEL_H
#define NZ_CM_DATATYPE_MODEL_H

#include "cm/apm.h"
#include "cm/context_map.h"
#include "cm/mixer.h"
#include "cm/history.h"
#include "cm/jpeg_parse.h"
#include "cm/x86_parse.h"

#define CM_DTYPE_CTX 6      /* contexts of code and images; of JPEG, those mixed by the model */
#define CM_DTYPE_CTX_JPEG 24 /* of JPEG, and the most of any type */
#define CM_DTYPE_JPEG_OUT 4  /* JPEG's more inputs: its own mixers and SSE */
#define CM_JMIX_IN 32        /* their inputs: the contexts, a bias, zeros */
#define CM_JMIX_SETS (1024 + 64)

/* A segment's type (its flags, cm_codec.c). */
enum { CM_TYPE_NONE, CM_TYPE_EXE, CM_TYPE_IMAGE, CM_TYPE_JPEG, CM_TYPE_AUDIO };

/* An image's layout in its segment: pixel bytes from `offset` on, rows of
 * `stride` bytes (CM_IMAGE_MAX_STRIDE at most, so that two rows stay in the
 * smallest window), `bpp` bytes per pixel (1..4). Audio uses it too: samples
 * from `offset` on, frames of `stride` bytes (one sample per channel, 1..8
 * channels), `bpp` bytes per sample (1: 8-bit unsigned, 2: 16-bit signed
 * little-endian PCM). */
#define CM_IMAGE_MAX_STRIDE 32000u
typedef struct cm_image {
	u32 offset, stride, bpp;
} cm_image;

typedef struct cm_dtype {
	u8 *ht;                  /* 64-byte lines of 4 slots; NULL: both flags off */
	u32 ht_mask, ht_bits;
	u32 type;                /* CM_TYPE_* of this segment */
	cm_x86 x;                /* the parser, after the bytes so far */
	cm_image img;            /* CM_TYPE_IMAGE and CM_TYPE_AUDIO: the layout */
	u64 img_start;           /* the history position of its first pixel or sample byte */
	u32 img_sel;             /* the image or audio selector's value for the next byte */
	u32 nctx;                /* contexts of this segment's type */
	u32 chash[CM_DTYPE_CTX_JPEG];
	u8 *slot[CM_DTYPE_CTX_JPEG];
	u8 *bh[CM_DTYPE_CTX_JPEG]; /* the current bit-history state of each context */
	u32 *sm;                 /* CM_DTYPE_CTX_JPEG x 256 state maps */
	u32 *ht_used;            /* (shared) a type was on since the table was cleared */
	u64 lastops[1024];       /* per opcode (map << 8 | op), the operand bytes it had last */
	cm_jpeg jp;              /* CM_TYPE_JPEG: the parser */
	s16 *jring;              /* its blocks (CM_F_JPEG; each lane's own) */
	u8 *jlast;               /* in the same allocation */
	u32 jring_bits;
	u32 jnode;               /* the slot node of the next bit (JPEG slots follow codes, not nibbles) */
	u32 jsel;                /* the JPEG selector's value for the next bit */
	u32 jc1;                 /* the last byte (for the contexts of header bytes) */
	u32 jbase[CM_DTYPE_CTX_JPEG]; /* the contexts of the current code or value */
	u32 jpa;                 /* the class of the coefficient's value predicted from its neighbours */
	u32 jsel2;               /* a second JPEG selector: the phase x jpa */
	/* JPEG's own mixer of its contexts (a weight set per code or value
	 * position: jmsel) and two SSE stages after it, whose outputs are mixer
	 * inputs of the model (as paq8px's JpegModel feeds its mixer's) */
	s32 *jw;                 /* 2 x CM_JMIX_SETS x CM_JMIX_IN weights (shared) */
	s32 jx[CM_JMIX_IN] __attribute__((aligned(32)));
	cm_mixer_kernels jk;     /* the model's mixer kernels (the same integers) */
	u32 jmsel, jmsel2;       /* two weight sets: by position, by prediction */
	s32 jpr, jpr2;           /* their probabilities of this bit */
	cm_apm japm[2];          /* shared */
	u32 japm_mask;
} cm_dtype;

u32 nz_cm_dtype_inputs(const cm_params *p);
int nz_cm_dtype_init(cm_dtype *e, const cm_params *p);
void nz_cm_dtype_free(cm_dtype *e);
/* A lane's own buffers (after a copy of the base's struct), and their release. */
int nz_cm_dtype_init_lane(cm_dtype *e, const cm_params *p);
void nz_cm_dtype_free_lane(cm_dtype *e);
u64 nz_cm_dtype_memory(const cm_params *p);
/* What a lane allocates of its own. */
u64 nz_cm_dtype_lane_memory(const cm_params *p);
void nz_cm_dtype_reset_shared(cm_dtype *e, const cm_tables *T);
void nz_cm_dtype_reset_lane(cm_dtype *e);
/* The type of the segment that starts (img: its layout, for CM_TYPE_IMAGE);
 * the x86 parser starts afresh when a code segment follows another type. c0,
 * pos: the history's partial byte and position. */
void nz_cm_dtype_set(cm_dtype *e, u32 type, const cm_image *img, u32 c0, u64 pos);
/* The byte c was coded (h already holds it). */
void nz_cm_dtype_update_byte(cm_dtype *e, const cm_history *h, u32 c);
/* Point the contexts at their slots for the nibble that starts. */
void nz_cm_dtype_set_slots(cm_dtype *e, u32 c0);
/* Start loading the lines of the slots that set_slots(c0) will find. */
void nz_cm_dtype_prefetch(const cm_dtype *e, u32 c0);
/* The nibble's 4th bit is being coded: load both candidate lines of the next
 * nibble's slots (code, images and audio). */
void nz_cm_dtype_prefetch_nibble(const cm_dtype *e, u32 c0);
/* JPEG: the bit y was coded. */
void nz_cm_dtype_jpeg_bit(cm_dtype *e, const cm_tables *T, int y);
/* JPEG: its mixers and SSE, from the contexts' stretched probabilities (jx),
 * into the CM_DTYPE_JPEG_OUT inputs at x. */
void nz_cm_dtype_jpeg_mix(cm_dtype *e, const cm_tables *T, s32 *x);

NZ_INLINE void cm_dtype_mix(cm_dtype *e, const cm_tables *T, const cm_history *h, s32 *x)
{
	if (!e->ht)
		return;
	const u32 n = e->type == CM_TYPE_NONE ? 0 : e->nctx, nx = n < CM_DTYPE_CTX ? n : CM_DTYPE_CTX;
	for (u32 i = 2 * nx; i < 2 * CM_DTYPE_CTX + CM_DTYPE_JPEG_OUT; i++)
		x[i] = 0;
	if (!n)
		return;
	const u32 j = e->type == CM_TYPE_JPEG ? e->jnode : cm_slot_node(h->c0, h->bpos);
	for (u32 i = 0; i < n; i++) {
		e->bh[i] = e->slot[i] + j;
		const u32 s = *e->bh[i];
		const int pr = (int)cm_sm_p12(e->sm[i * 256 + s]);
		const int st = cm_stretch(&T->lg, pr);
		e->jx[i] = st;
		if (i < CM_DTYPE_CTX) {
			x[2 * i] = (s16)st;
			x[2 * i + 1] = cm_state_confidence(T, s, pr, st);
		}
	}
	if (e->type == CM_TYPE_JPEG)
		nz_cm_dtype_jpeg_mix(e, T, x + 2 * CM_DTYPE_CTX);
}

/* A mixer selector (the model chooses it over the partial byte, or with one
 * mixer over the order, while a type is on): in code, where the next byte falls
 * (prefix or opcode, an opcode byte after the first, VEX payload, ModRM, SIB,
 * displacement, immediate) x the bytes left of its field (up to 3) x the bit
 * position: 224 values, `narrow` without the bit position: 28; in an image, the
 * channel x how much the left and upper neighbours differ: 256, narrow 64; in
 * audio, the byte of the sample x the channel x the last residual's class: 256,
 * narrow 64; in JPEG data, the phase x the coefficient's band x the code bits
 * so far: 256, narrow 64. */
NZ_INLINE u32 cm_dtype_selector(const cm_dtype *e, u32 bpos, int narrow)
{
	if (e->type == CM_TYPE_IMAGE || e->type == CM_TYPE_AUDIO)
		return narrow ? e->img_sel >> 2 : e->img_sel;
	if (e->type == CM_TYPE_JPEG)
		return narrow ? e->jsel >> 2 : e->jsel;
	static const u8 cls[X86_STATES_] = {0, 1, 1, 2, 1, 3, 4, 5, 6};
	const u32 c = cls[e->x.st], left = e->x.left < 3 ? e->x.left : 3;
	return narrow ? c << 2 | left : c << 5 | left << 3 | bpos;
}

/* The context of the second SSE stage (14 bits): in JPEG scan data, the
 * selector with the code's last bits instead of the bytes' (the default). */
NZ_INLINE u32 cm_dtype_sse_context(const cm_dtype *e, u32 dflt)
{
	if (e->type != CM_TYPE_JPEG || !cm_jpeg_following(&e->jp))
		return dflt;
	return (e->jsel << 6 | (((1u << e->jp.cbits) | e->jp.code) & 63)) & 0x3fff;
}

/* The third stage's (16 bits): in JPEG scan data, the first context (with
 * the code's bits so far) instead of the last two bytes. */
NZ_INLINE u32 cm_dtype_sse_context2(const cm_dtype *e, u32 dflt)
{
	if (e->type != CM_TYPE_JPEG || !cm_jpeg_following(&e->jp))
		return dflt;
	return hc(e->chash[0], e->jnode) & 0xffff;
}

NZ_INLINE void cm_dtype_update(cm_dtype *e, const cm_tables *T, int y, u32 sm_limit)
{
	if (!e->ht || e->type == CM_TYPE_NONE)
		return;
	for (u32 i = 0; i < e->nctx; i++)
		cm_state_learn(T, e->sm + i * 256, e->bh[i], y, sm_limit);
	if (e->type == CM_TYPE_JPEG)
		nz_cm_dtype_jpeg_bit(e, T, y);
}

#endif /* NZ_CM_DATATYPE_MODEL_H */
