/*
 * cm_codec.c - the context-mixing block codec: substreams, threads, the x86
 * transform, typed spans, levels, the encoder's profiles and the model
 * descriptor (nz_model_cm). What the encoder detects in the data: detect.c.
 *
 * A block of n bytes coded in K substreams is cut into K contiguous segments,
 * segment j = [n*j/K, n*(j+1)/K). Segment j is coded by model state j (its own
 * hash tables, mixer and SSE), which continues from state j of the previous block
 * when keep_state is set. The segments are independent, so up to K threads code
 * them at once; the output never depends on the number of threads.
 *
 * Substream layout: one flags byte (bit 0: the x86 call transform was applied to
 * this segment; bit 1: the x86-64 executable model is on for it; the encoder
 * sets each, where its flag allows, when nz_cm_x86_detect finds code; bit 2, never
 * with bit 1: the segment starts with an image, nz_cm_image_detect, and three
 * varints follow: the offset of its first pixel byte, the bytes per row and
 * per pixel; bit 3: it starts with a JPEG file; bit 4: with a WAV file, and the
 * same three varints follow; bit 5, alone: typed files inside it, whose list
 * follows, put_spans), then, if the segment is not empty, the arithmetic-coded
 * bits.
 *
 * With a neural input in lanes (extra[CM_X_NNLANES] > 1) a segment is cut into
 * lanes like a block of the lane driver; step t codes byte t of every lane, lane
 * after lane, each lane with its own history and the shared statistics of model
 * state j, and the neural model predicts the step's bytes in one batch.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "cm/cm_common.h"
#include "cm/cm_model.h"
#include "cm/datatype_model.h"
#include "cm/detect.h"
#include "cm/cm_neural.h"
#include "coder/bit_coder.h"
#include "format/frame.h"
#include "format/lane_geometry.h"
#include "model/block_codec.h"
#include "model/byte_models.h"
#include "nn/exec.h"

#define SEG_X86 1u /* the x86 call transform was applied */
#define SEG_EXE 2u /* the executable model is on (CM_F_EXE) */
#define SEG_IMG 4u /* an image (CM_F_IMG): three varints follow, its layout */
#define SEG_JPEG 8u /* a JPEG file starts the segment (CM_F_JPEG) */
#define SEG_AUDIO 16u /* a WAV file (CM_F_AUDIO): three varints follow, its layout */
#define SEG_SPANS 32u /* typed spans inside the segment (CM_F_SPANS): their list follows */

typedef struct cm_codec {
	nz_block_codec base;
	cm_params P;
	nz_model_config cfg;
	cm_model *st[CM_MAX_SUBSTREAMS];
	cm_neural *nn[CM_MAX_SUBSTREAMS]; /* CM_F_EXT: state j's neural predictor */
	cm_model **lane[CM_MAX_SUBSTREAMS]; /* lanes > 1: lane[j][b], lane[j][0] = st[j] */
	u16 *lprobs[CM_MAX_SUBSTREAMS];     /* lanes x 256 weights of one step */
	nz_cm_ext_predictor ext;          /* one attached by nz_cm_codec_set_ext */
	nz_exec *ex;                      /* the compression's pool (not owned) */
	int has_ext;
	int force_code;                   /* nz_cm_codec_force_code */
} cm_codec;

/* ---- x86 transform: E8/E9 (call/jmp rel32) targets made absolute, stored
 * big-endian so that the predictable high bytes come first ---- */

static void x86_forward(u8 *b, size_t n, u32 base)
{
	for (size_t i = 0; i + 5 <= n;) {
		if ((b[i] & 0xfe) == 0xe8) {
			u32 a = nz_load_le32(b + i + 1) + base + (u32)i;
			b[i + 1] = (u8)(a >> 24);
			b[i + 2] = (u8)(a >> 16);
			b[i + 3] = (u8)(a >> 8);
			b[i + 4] = (u8)a;
			i += 5;
		} else {
			i++;
		}
	}
}

static void x86_inverse(u8 *b, size_t n, u32 base)
{
	for (size_t i = 0; i + 5 <= n;) {
		if ((b[i] & 0xfe) == 0xe8) {
			u32 a = (u32)b[i + 1] << 24 | (u32)b[i + 2] << 16 | (u32)b[i + 3] << 8 | b[i + 4];
			nz_store_le32(b + i + 1, a - base - (u32)i);
			i += 5;
		} else {
			i++;
		}
	}
}

/* ---- typed spans: files of a known type inside a segment that starts with
 * none (a tar or a document holding a JPEG, a BMP or PNM image, a WAV file) ---- */

#define SPAN_MIN 1024     /* smaller files are left to the general model */
#define SPAN_MAX_COUNT 4096 /* per segment, so that a list stays small */

typedef struct cm_span {
	size_t start, len;
	u8 type;          /* SEG_JPEG, SEG_IMG or SEG_AUDIO */
	cm_image img;     /* the layout, from the span's start */
} cm_span;

static const cm_image no_image; /* the layout of a type that has none */

/* nz_cm_jpeg_walk of the JPEG file that starts b, reading at most *work bytes, which
 * it uses up: a bound on the encoder's search, which a file of many SOIs
 * chained by long marker segments would otherwise make quadratic. */
static size_t jpeg_length(const u8 *b, size_t n, size_t *work)
{
	if (!nz_cm_jpeg_detect(b, n))
		return 0;
	size_t read = 0;
	const size_t len = nz_cm_jpeg_walk(b, NZ_MIN(n, *work), &read);
	*work -= NZ_MIN(read, *work);
	return len;
}

/* The typed file that starts b[0..n), in sp (start 0), if any the flags allow
 * (*work: jpeg_length's). */
static int span_at(const u8 *b, size_t n, u32 pf, size_t *work, cm_span *sp)
{
	memset(sp, 0, sizeof(*sp));
	if ((pf & CM_F_JPEG) && b[0] == 0xff) {
		sp->len = jpeg_length(b, n, work);
		sp->type = SEG_JPEG;
	} else if ((pf & CM_F_IMG) && (b[0] == 'B' || b[0] == 'P')) {
		/* the header's size, then the detector again on the file alone */
		u64 size = 0;
		if (nz_cm_image_detect(b, n, &sp->img, &size) && size <= n &&
		    nz_cm_image_detect(b, (size_t)size, &sp->img, NULL))
			sp->len = (size_t)size;
		sp->type = SEG_IMG;
	} else if ((pf & CM_F_AUDIO) && b[0] == 'R' && n >= 44) {
		const u32 size = nz_load_le32(b + 4);
		if (size <= n - 8 && nz_cm_wav_detect(b, (size_t)size + 8, &sp->img))
			sp->len = (size_t)size + 8;
		sp->type = SEG_AUDIO;
	}
	return sp->len >= SPAN_MIN;
}

/* The typed spans of b[0..n), in order and apart, into sp[SPAN_MAX_COUNT]; their
 * count. The JPEG walks read 8 n + 1 MiB bytes at most in all; the image and WAV
 * checks cost a header each. */
static size_t find_spans(const u8 *b, size_t n, u32 pf, cm_span *sp)
{
	size_t k = 0, work = 8 * n + ((size_t)1 << 20);
	for (size_t i = 0; i + SPAN_MIN <= n && k < SPAN_MAX_COUNT && work;) {
		if ((b[i] == 0xff || b[i] == 'B' || b[i] == 'P' || b[i] == 'R') &&
		    span_at(b + i, n - i, pf, &work, &sp[k])) {
			sp[k].start = i;
			i += sp[k++].len;
		} else {
			i++;
		}
	}
	return k;
}

/* Append the list of k spans (SEG_SPANS's layout, docs/FORMAT.md): the count,
 * then per span the gap since the previous one's end, its length, its type
 * and, for an image or audio, its layout. */
static int put_spans(nz_buf *out, const cm_span *sp, size_t k)
{
	u8 t[64];
	size_t tn = nz_put_varint(t, k);
	NZ_TRY(nz_buf_append(out, t, tn));
	size_t end = 0;
	for (size_t i = 0; i < k; i++) {
		tn = nz_put_varint(t, sp[i].start - end);
		tn += nz_put_varint(t + tn, sp[i].len);
		t[tn++] = sp[i].type;
		if (sp[i].type != SEG_JPEG) {
			tn += nz_put_varint(t + tn, sp[i].img.offset);
			tn += nz_put_varint(t + tn, sp[i].img.stride);
			tn += nz_put_varint(t + tn, sp[i].img.bpp);
		}
		NZ_TRY(nz_buf_append(out, t, tn));
		end = sp[i].start + sp[i].len;
	}
	return NZ_OK;
}

/* ---- one segment ---- */

typedef struct seg_job {
	cm_codec *c;
	u32 j;
	const u8 *src;
	u8 *dst;
	size_t n;
	nz_buf *out;
	const u8 *in;
	size_t in_size;
	const nz_job *job;   /* only the calling thread reports progress */
	u64 job_base;
	int rc;
} seg_job;

static int get_state(cm_codec *c, u32 j, int keep_state)
{
	if (!c->st[j]) {
		NZ_TRY(nz_cm_model_create(&c->P, &c->st[j]));
		if (c->has_ext) {
			nz_cm_model_set_ext(c->st[j], &c->ext);
		} else if (c->P.flags & CM_F_EXT) {
			NZ_TRY(nz_cm_neural_create(&c->cfg, nz_exec_backend(c->ex), &c->nn[j]));
			const nz_cm_ext_predictor e = nz_cm_neural_predictor(c->nn[j]);
			nz_cm_model_set_ext(c->st[j], &e);
			const u32 B = c->P.nnlanes;
			if (B > 1) {
				c->lane[j] = calloc(B, sizeof(cm_model *));
				c->lprobs[j] = malloc((size_t)B * 256 * sizeof(u16));
				if (!c->lane[j] || !c->lprobs[j])
					return NZ_ERR_NOMEM;
				c->lane[j][0] = c->st[j];
				for (u32 b = 1; b < B; b++)
					NZ_TRY(nz_cm_model_create_lane(c->st[j], &c->lane[j][b]));
			}
		}
	} else if (!keep_state) {
		nz_cm_model_reset(c->st[j]);
		if (c->nn[j])
			NZ_TRY(nz_cm_neural_reset(c->nn[j]));
		if (c->lane[j])
			for (u32 b = 1; b < c->P.nnlanes; b++)
				nz_cm_model_reset(c->lane[j][b]);
	}
	return NZ_OK;
}

/* Lanes: step t codes byte t of every lane longer than t, lane after lane; the
 * neural model predicts the step first. seg holds the source (encode) or the
 * bytes decoded so far (decode). */
static int code_lanes(seg_job *s, const u8 *src, nz_bitenc *enc, nz_bitdec *dec)
{
	cm_codec *c = s->c;
	const u32 j = s->j;
	size_t L;
	u32 used;
	nz_lanes_geometry(s->n, c->P.nnlanes, &L, &used);
	const size_t last = s->n - (size_t)(used - 1) * L;
	u8 *dst = s->dst;
	const u8 *seg = enc ? src : dst;
	u16 *probs = c->lprobs[j];
	for (size_t t = 0; t < L; t++) {
		NZ_TRY(nz_cm_neural_step(c->nn[j], seg, L, used, last, t, probs));
		const u32 active = t < last ? used : used - 1;
		for (u32 b = 0; b < active; b++) {
			cm_model *m = c->lane[j][b];
			const size_t at = (size_t)b * L + t;
			if (enc)
				NZ_TRY(nz_cm_encode_byte_ext(m, enc, src[at], probs + (size_t)b * 256));
			else
				NZ_TRY(nz_cm_decode_byte_ext(m, dec, probs + (size_t)b * 256, &dst[at]));
		}
		if ((t & 1023) == 1023 && s->job)
			NZ_TRY(nz_job_tick(s->job, s->job_base + (t + 1) * used,
					   enc ? (u64)enc->out->size * 8 : 0));
	}
	return NZ_OK;
}

static int use_lanes(const cm_codec *c) { return c->P.nnlanes > 1 && !c->has_ext; }

/* The data type of segment s, in its state and every lane. */
static void set_type(seg_job *s, u8 flags, const cm_image *img)
{
	cm_codec *c = s->c;
	const u32 t = (flags & SEG_EXE)	   ? CM_TYPE_EXE
		      : (flags & SEG_IMG)  ? CM_TYPE_IMAGE
		      : (flags & SEG_JPEG) ? CM_TYPE_JPEG
		      : (flags & SEG_AUDIO) ? CM_TYPE_AUDIO
					   : CM_TYPE_NONE;
	nz_cm_model_set_type(c->st[s->j], t, img);
	if (c->lane[s->j])
		for (u32 b = 1; b < c->P.nnlanes; b++)
			nz_cm_model_set_type(c->lane[s->j][b], t, img);
}

/* Code bytes [from, to) of the segment (src when encoding, else into s->dst). */
static int code_range(seg_job *s, const u8 *src, nz_bitenc *enc, nz_bitdec *dec, size_t from,
		      size_t to)
{
	cm_model *m = s->c->st[s->j];
	return enc ? nz_cm_encode_bytes(m, enc, src, from, to, s->job, s->job_base)
		   : nz_cm_decode_bytes(m, dec, s->dst, from, to, s->job, s->job_base);
}

/* Code the segment's bytes with the model's type switched to each of the k
 * spans sp over its bytes and back to none after it (none until the first). */
static int code_spans(seg_job *s, const cm_span *sp, size_t k, const u8 *src, nz_bitenc *enc,
		      nz_bitdec *dec)
{
	size_t end = 0;
	for (size_t i = 0; i < k; i++) {
		NZ_TRY(code_range(s, src, enc, dec, end, sp[i].start));
		set_type(s, sp[i].type, &sp[i].img);
		end = sp[i].start + sp[i].len;
		NZ_TRY(code_range(s, src, enc, dec, sp[i].start, end));
		set_type(s, 0, &no_image);
	}
	return code_range(s, src, enc, dec, end, s->n);
}

static int encode_seg(seg_job *s)
{
	cm_model *m = s->c->st[s->j];
	u8 flags = 0;
	const u8 *src = s->src;
	u8 *tmp = NULL;
	const u32 pf = s->c->P.flags;
	const int jpeg = (pf & CM_F_JPEG) && nz_cm_jpeg_header(src, s->n, NULL);
	if (jpeg)
		flags |= SEG_JPEG;
	cm_image img = {0};
	u8 head[16];
	size_t hn = 0;
	const int audio = !jpeg && (pf & CM_F_AUDIO) && nz_cm_wav_detect(src, s->n, &img);
	const int code = !jpeg && !audio && (pf & (CM_F_X86 | CM_F_EXE)) && s->n &&
			 (s->c->force_code || nz_cm_x86_detect(src, s->n));
	if (code && (pf & CM_F_EXE))
		flags |= SEG_EXE;
	if (audio)
		flags |= SEG_AUDIO;
	else if (!code && !jpeg && (pf & CM_F_IMG) && nz_cm_image_detect(src, s->n, &img, NULL))
		flags |= SEG_IMG;
	if (flags & (SEG_IMG | SEG_AUDIO)) {
		hn += nz_put_varint(head + hn, img.offset);
		hn += nz_put_varint(head + hn, img.stride);
		hn += nz_put_varint(head + hn, img.bpp);
	}
	cm_span *sp = NULL;
	size_t k = 0;
	if (!flags && !code && (pf & CM_F_SPANS) && !use_lanes(s->c) && s->n >= SPAN_MIN) {
		sp = malloc(SPAN_MAX_COUNT * sizeof(cm_span));
		if (!sp)
			return NZ_ERR_NOMEM;
		k = find_spans(src, s->n, pf, sp);
		if (k)
			flags = SEG_SPANS;
	}
	set_type(s, flags, &img);
	if (code && (pf & CM_F_X86)) {
		tmp = malloc(s->n);
		if (!tmp)
			return NZ_ERR_NOMEM;
		memcpy(tmp, src, s->n);
		x86_forward(tmp, s->n, (u32)nz_cm_model_pos(m));
		src = tmp;
		flags |= SEG_X86;
	}
	int rc = nz_buf_append(s->out, &flags, 1);
	if (!rc && hn)
		rc = nz_buf_append(s->out, head, hn);
	if (!rc && k)
		rc = put_spans(s->out, sp, k);
	if (!rc && s->n) {
		nz_bitenc enc;
		nz_bitenc_init(&enc, s->out);
		if (use_lanes(s->c))
			rc = code_lanes(s, src, &enc, NULL);
		else if (k)
			rc = code_spans(s, sp, k, src, &enc, NULL);
		else
			rc = nz_cm_encode_bytes(m, &enc, src, 0, s->n, s->job, s->job_base);
		if (!rc)
			rc = nz_bitenc_finish(&enc);
	}
	free(sp);
	free(tmp);
	return rc;
}

/* The layout after an image's or audio segment's flags byte (three varints:
 * first byte, stride, bytes per unit) at *at; NZ_ERR_CORRUPT if it is cut,
 * not in the shortest form, past 32 bits or starts past the segment. */
static int get_layout(const seg_job *s, size_t *at, size_t limit, cm_image *g)
{
	u64 off, stride, bpp;
	if (nz_get_varint(s->in, s->in_size, at, &off) ||
	    nz_get_varint(s->in, s->in_size, at, &stride) ||
	    nz_get_varint(s->in, s->in_size, at, &bpp) || off >= limit || stride > UINT32_MAX ||
	    bpp > UINT32_MAX)
		return NZ_ERR_CORRUPT;
	*g = (cm_image){(u32)off, (u32)stride, (u32)bpp};
	return NZ_OK;
}

/* The layouts the encoder's detectors allow for an image or audio (type
 * SEG_IMG or SEG_AUDIO), and nothing else. */
static int check_layout(u8 type, const cm_image *g)
{
	if (type == SEG_IMG && (g->bpp < 1 || g->bpp > 4 || g->stride < 8 * g->bpp ||
				g->stride > CM_IMAGE_MAX_STRIDE))
		return NZ_ERR_CORRUPT;
	/* nz_cm_wav_detect's: 1..8 channels of 1 or 2 bytes */
	if (type == SEG_AUDIO && (g->bpp < 1 || g->bpp > 2 || g->stride < g->bpp ||
				  g->stride > 8 * g->bpp || g->stride % g->bpp))
		return NZ_ERR_CORRUPT;
	return NZ_OK;
}

/* The list of a SEG_SPANS segment at *at (put_spans's layout) into sp, which
 * holds SPAN_MAX_COUNT; its count in *k. NZ_ERR_CORRUPT for an empty or too
 * long list, a span past the segment, shorter than the encoder writes (so that
 * a type's start, a JPEG's clearing of its block ring, costs at most once per
 * SPAN_MIN bytes) or of a type the flags do not allow. */
static int get_spans(const seg_job *s, size_t *at, cm_span *sp, size_t *k)
{
	const u32 pf = s->c->P.flags;
	u64 count;
	if (nz_get_varint(s->in, s->in_size, at, &count) || count < 1 || count > SPAN_MAX_COUNT)
		return NZ_ERR_CORRUPT;
	size_t end = 0;
	for (size_t i = 0; i < count; i++) {
		u64 gap, len;
		if (nz_get_varint(s->in, s->in_size, at, &gap) ||
		    nz_get_varint(s->in, s->in_size, at, &len) || *at >= s->in_size ||
		    gap > s->n - end || len < SPAN_MIN || len > s->n - end - gap)
			return NZ_ERR_CORRUPT;
		cm_span *p = &sp[i];
		*p = (cm_span){.start = end + (size_t)gap, .len = (size_t)len, .type = s->in[(*at)++]};
		if (p->type == SEG_JPEG) {
			if (!(pf & CM_F_JPEG))
				return NZ_ERR_CORRUPT;
		} else if ((p->type == SEG_IMG && (pf & CM_F_IMG)) ||
			   (p->type == SEG_AUDIO && (pf & CM_F_AUDIO))) {
			NZ_TRY(get_layout(s, at, p->len, &p->img));
			NZ_TRY(check_layout(p->type, &p->img));
		} else {
			return NZ_ERR_CORRUPT;
		}
		end = p->start + p->len;
	}
	*k = (size_t)count;
	return NZ_OK;
}

/* The rest of a SEG_SPANS segment from its list at in[at]. */
static int decode_spans(seg_job *s, size_t at)
{
	cm_span *sp = malloc(SPAN_MAX_COUNT * sizeof(cm_span));
	if (!sp)
		return NZ_ERR_NOMEM;
	size_t k = 0;
	int rc = get_spans(s, &at, sp, &k);
	if (!rc) {
		set_type(s, 0, &no_image);
		nz_bitdec dec;
		nz_bitdec_init(&dec, s->in + at, s->in_size - at);
		rc = code_spans(s, sp, k, NULL, NULL, &dec);
		if (!rc)
			rc = nz_bitdec_finish(&dec);
	}
	free(sp);
	return rc;
}

static int decode_seg(seg_job *s)
{
	cm_model *m = s->c->st[s->j];
	if (s->in_size < 1)
		return NZ_ERR_CORRUPT; /* no flags byte: the recorded size is wrong */
	u8 flags = s->in[0];
	if (flags & ~(SEG_X86 | SEG_EXE | SEG_IMG | SEG_JPEG | SEG_AUDIO | SEG_SPANS))
		return NZ_ERR_CORRUPT;
	if ((flags & SEG_SPANS) && (flags != SEG_SPANS || !(s->c->P.flags & CM_F_SPANS) ||
				    use_lanes(s->c) || s->n == 0))
		return NZ_ERR_CORRUPT;
	if ((flags & SEG_AUDIO) && (!(s->c->P.flags & CM_F_AUDIO) || (flags & ~SEG_AUDIO)))
		return NZ_ERR_CORRUPT;
	if ((flags & SEG_JPEG) && (!(s->c->P.flags & CM_F_JPEG) || (flags & ~SEG_JPEG)))
		return NZ_ERR_CORRUPT;
	if ((flags & SEG_X86) && !(s->c->P.flags & CM_F_X86))
		return NZ_ERR_CORRUPT;
	if ((flags & SEG_EXE) && !(s->c->P.flags & CM_F_EXE))
		return NZ_ERR_CORRUPT;
	cm_image img = {0};
	size_t at = 1;
	if ((flags & (SEG_IMG | SEG_AUDIO)) && get_layout(s, &at, s->n, &img))
		return NZ_ERR_CORRUPT;
	if ((flags & SEG_IMG) && (!(s->c->P.flags & CM_F_IMG) || (flags & (SEG_X86 | SEG_EXE))))
		return NZ_ERR_CORRUPT;
	if ((flags & (SEG_IMG | SEG_AUDIO)) &&
	    check_layout((u8)(flags & (SEG_IMG | SEG_AUDIO)), &img))
		return NZ_ERR_CORRUPT;
	if (flags & SEG_SPANS) /* alone, and only from the encoder that could write it */
		return decode_spans(s, at);
	set_type(s, flags, &img); /* where the encoder did, empty or not */
	if (s->n == 0)
		return s->in_size == at ? NZ_OK : NZ_ERR_CORRUPT;
	u32 base = (u32)nz_cm_model_pos(m);
	nz_bitdec dec;
	nz_bitdec_init(&dec, s->in + at, s->in_size - at);
	if (use_lanes(s->c))
		NZ_TRY(code_lanes(s, NULL, NULL, &dec));
	else
		NZ_TRY(nz_cm_decode_bytes(m, &dec, s->dst, 0, s->n, s->job, s->job_base));
	NZ_TRY(nz_bitdec_finish(&dec));
	if (flags & SEG_X86)
		x86_inverse(s->dst, s->n, base);
	return NZ_OK;
}

/* ---- threads ---- */

/* Segments go to the execution context's pool as nt tasks: task t codes segments
 * t, t + nt, t + 2nt, ... in turn, so only task 0 (which alone reports progress)
 * calls the progress callback, never two threads at once. Which thread runs a
 * task does not matter: segments are independent. */
typedef struct seg_batch {
	seg_job *jobs;
	u32 k, nt;
	int encode;
	atomic_int failed;
} seg_batch;

static void seg_task(void *arg, u32 t, u32 worker)
{
	(void)worker;
	seg_batch *sb = arg;
	for (u32 j = t; j < sb->k; j += sb->nt) {
		if (atomic_load(&sb->failed))
			return;
		seg_job *s = &sb->jobs[j];
		s->rc = sb->encode ? encode_seg(s) : decode_seg(s);
		if (s->rc)
			atomic_store(&sb->failed, 1);
	}
}

static u32 thread_count(const cm_codec *c, u32 k)
{
	const u32 t = nz_exec_threads(c->ex);
	return NZ_MAX(NZ_MIN(t, k), 1u);
}

static int run_segments(cm_codec *c, seg_job *jobs, u32 k, int encode)
{
	seg_batch sb = {.jobs = jobs, .k = k, .nt = thread_count(c, k), .encode = encode};
	atomic_init(&sb.failed, 0);
	nz_thread_pool_run(nz_exec_pool(c->ex), seg_task, &sb, sb.nt);
	for (u32 j = 0; j < k; j++)
		if (jobs[j].rc)
			return jobs[j].rc;
	return NZ_OK;
}

/* Segment j of n bytes in k parts; task 0 codes segments 0, nt, 2nt, ... and
 * reports progress for them. */
static void plan(seg_job *jobs, cm_codec *c, size_t n, u32 k, const nz_job *job)
{
	u32 nt = thread_count(c, k);
	for (u32 j = 0; j < k; j++) {
		size_t a = (size_t)((u64)n * j / k), b = (size_t)((u64)n * (j + 1) / k);
		jobs[j] = (seg_job){0};
		jobs[j].c = c;
		jobs[j].j = j;
		jobs[j].n = b - a;
		jobs[j].job = (j % nt == 0) ? job : NULL;
		jobs[j].job_base = (u64)a;
	}
}

static int cm_encode(nz_block_codec *bc, const u8 *src, size_t n, int keep_state,
		     nz_buf *sub, u32 k, const nz_job *job)
{
	cm_codec *c = (cm_codec *)bc;
	if (k < 1 || k > CM_MAX_SUBSTREAMS)
		return NZ_ERR_PARAM;
	seg_job jobs[CM_MAX_SUBSTREAMS];
	plan(jobs, c, n, k, job);
	for (u32 j = 0; j < k; j++) {
		NZ_TRY(get_state(c, j, keep_state));
		jobs[j].src = src + jobs[j].job_base;
		jobs[j].out = &sub[j];
	}
	return run_segments(c, jobs, k, 1);
}

static int cm_decode(nz_block_codec *bc, u8 *dst, size_t n, int keep_state,
		     const u8 *const *sub, const size_t *sub_size, u32 k, const nz_job *job)
{
	cm_codec *c = (cm_codec *)bc;
	if (k < 1 || k > CM_MAX_SUBSTREAMS)
		return NZ_ERR_CORRUPT;
	seg_job jobs[CM_MAX_SUBSTREAMS];
	plan(jobs, c, n, k, job);
	for (u32 j = 0; j < k; j++) {
		NZ_TRY(get_state(c, j, keep_state));
		jobs[j].dst = dst + jobs[j].job_base;
		jobs[j].in = sub[j];
		jobs[j].in_size = sub_size[j];
	}
	return run_segments(c, jobs, k, 0);
}

static void cm_destroy(nz_block_codec *bc)
{
	cm_codec *c = (cm_codec *)bc;
	if (!c)
		return;
	for (u32 j = 0; j < CM_MAX_SUBSTREAMS; j++) {
		if (c->lane[j])
			for (u32 b = 1; b < c->P.nnlanes; b++)
				nz_cm_model_destroy(c->lane[j][b]);
		free(c->lane[j]);
		free(c->lprobs[j]);
		nz_cm_model_destroy(c->st[j]);
		nz_cm_neural_destroy(c->nn[j]);
	}
	free(c);
}

static const nz_block_codec_ops cm_ops = {cm_encode, cm_decode, cm_destroy};

static int cm_create_block_codec(const nz_model_config *cfg, nz_exec *ex,
				 nz_block_codec **out)
{
	*out = NULL;
	cm_codec *c = calloc(1, sizeof(*c));
	if (!c)
		return NZ_ERR_NOMEM;
	c->cfg = *cfg;
	c->ex = ex;
	int rc = nz_cm_params_from_config(cfg, &c->P);
	if (rc) {
		free(c);
		return rc;
	}
	/* the mixer's kernels follow the compression's backend choice */
	c->P.backend = ex ? nz_exec_backend(ex) : NZ_NN_BACKEND_AUTO;
	c->base.ops = &cm_ops;
	c->base.max_substreams = CM_MAX_SUBSTREAMS;
	*out = &c->base;
	return NZ_OK;
}

void nz_cm_codec_force_code(nz_block_codec *bc, int on) { ((cm_codec *)bc)->force_code = on; }

/* Attach an external predictor to every model state of a CM block codec (the
 * hook for the neural engine; see cm.h). */
void nz_cm_codec_set_ext(nz_block_codec *bc, const nz_cm_ext_predictor *ext)
{
	cm_codec *c = (cm_codec *)bc;
	c->has_ext = ext != NULL;
	if (ext)
		c->ext = *ext;
	for (u32 j = 0; j < CM_MAX_SUBSTREAMS; j++)
		if (c->st[j])
			nz_cm_model_set_ext(c->st[j], ext);
}

/* ---- levels ---- */

/* cm-nn: level 9 plus the neural model below, one lane per model state */
#define CM_PRESET_NN 10
#define CM_NN_MODEL NZ_MODEL_EDPC
#define CM_NN_PRESET 3 /* edpc-tiny */
/* cm-x: level 9 plus the additions that paid when measured one by one
 * (docs/CM.md, "Additions measured one by one") */
#define CM_PRESET_X 11
#define CM_X_CTX (CM_C_TAG | CM_C_WORD12 | CM_C_TEXT)
#define CM_X_FLAGS_ADD (CM_F_SSE2 | CM_F_MIX7 | CM_F_MIX8 | CM_F_MIX9 | CM_F_LRDECAY)

/* cm-r1-1 .. cm-r1-9 are presets CM_PRESET_R1 + 1 .. + 9, cm-r2-k CM_PRESET_R2 + k,
 * cm-r3-k CM_PRESET_R3 + k, cm-r4-k CM_PRESET_R4 + k, cm-r5-k CM_PRESET_R5 + k,
 * cm-r6-k CM_PRESET_R6 + k, cm-1 .. cm-9 presets CM_PRESET_LEVELS + 1 .. + 9
 * (NZ_CM_R1_PRESET .. NZ_CM_R6_PRESET, NZ_CM_LEVEL_PRESET, cm.h) */
#define CM_PRESET_R1 NZ_CM_R1_PRESET(0)
_Static_assert(CM_PRESET_R1 == CM_PRESET_X, "the re-spanned level presets follow cm-x");
#define CM_PRESET_R2 NZ_CM_R2_PRESET(0)
_Static_assert(CM_PRESET_R2 == NZ_CM_R1_PRESET(9), "the cm-r2 presets follow cm-r1-9");
#define CM_PRESET_R3 NZ_CM_R3_PRESET(0)
_Static_assert(CM_PRESET_R3 == NZ_CM_R2_PRESET(9), "the cm-r3 presets follow cm-r2-9");
#define CM_PRESET_R4 NZ_CM_R4_PRESET(0)
_Static_assert(CM_PRESET_R4 == NZ_CM_R3_PRESET(9), "the cm-r4 presets follow cm-r3-9");
#define CM_PRESET_R5 NZ_CM_R5_PRESET(0)
_Static_assert(CM_PRESET_R5 == NZ_CM_R4_PRESET(9), "the cm-r5 presets follow cm-r4-9");
#define CM_PRESET_R6 NZ_CM_R6_PRESET(0)
_Static_assert(CM_PRESET_R6 == NZ_CM_R5_PRESET(9), "the cm-r6 presets follow cm-r5-9");
#define CM_PRESET_LEVELS NZ_CM_LEVEL_PRESET(0)
_Static_assert(CM_PRESET_LEVELS == NZ_CM_R6_PRESET(9), "the level presets follow cm-r6-9");
#define CM_PRESETS_END NZ_CM_LEVEL_PRESET(10)

/* The level a preset stands on (of its own table): cm-k, cm-r1-k and cm-v2-k on
 * k, cm-nn and cm-x on 9, 0 follows -N. */
static int preset_level(u32 preset, int level)
{
	if (preset > CM_PRESET_LEVELS)
		return (int)(preset - CM_PRESET_LEVELS);
	if (preset > CM_PRESET_R6)
		return (int)(preset - CM_PRESET_R6);
	if (preset > CM_PRESET_R5)
		return (int)(preset - CM_PRESET_R5);
	if (preset > CM_PRESET_R4)
		return (int)(preset - CM_PRESET_R4);
	if (preset > CM_PRESET_R3)
		return (int)(preset - CM_PRESET_R3);
	if (preset > CM_PRESET_R2)
		return (int)(preset - CM_PRESET_R2);
	if (preset > CM_PRESET_R1)
		return (int)(preset - CM_PRESET_R1);
	return preset == CM_PRESET_NN || preset == CM_PRESET_X ? 9 : preset ? (int)preset : level;
}

typedef struct cm_level {
	u32 hash_bits;
	u64 ctx_mask;
	u32 match_bits, mixers, sse, flags;
} cm_level;

#define CTX_FAST (CM_C_O2 | CM_C_O3 | CM_C_O4 | CM_C_O6)
#define CTX_LPAQ (CM_C_O2 | CM_C_O3 | CM_C_O4 | CM_C_O6 | CM_C_WORD)
#define CTX_MID (CTX_LPAQ | CM_C_O5 | CM_C_WORD1 | CM_C_SPARSE1 | CM_C_IND1 | CM_C_COLUMN | \
		 CM_C_LINE | CM_C_RECORD | CM_C_SPARSE5)
#define CTX_STRONG (CTX_MID | CM_C_O7 | CM_C_O10 | CM_C_WORD2 | CM_C_ABOVE | CM_C_SPARSE2 | \
		    CM_C_SPARSE3 | CM_C_IND2 | CM_C_WORDCTX | CM_C_LINE2 | CM_C_NEST)
#define CTX_MAX (CTX_STRONG | CM_C_SPARSE4)

/* the data-type models, on every level */
#define CM_F_TYPES (CM_F_EXE | CM_F_IMG | CM_F_JPEG | CM_F_AUDIO)
#define CM_F_STRONG (CM_F_X86 | CM_F_TYPES | CM_F_RICH | CM_F_RUN | CM_F_REC)
/* The re-spanned levels also find typed files inside a segment. SPANS joined
 * their reference after it first landed, before any release: it changes only
 * which segment flags a decoder accepts, so every frame written before decodes
 * as it did (docs/FORMAT.md). */
#define CM_F_TYPES_IN (CM_F_TYPES | CM_F_SPANS)
#define CM_F_STRONG_IN (CM_F_STRONG | CM_F_SPANS)

/* The levels of format version 2 as it froze them (before the re-span of
 * 2026-12-02): the reference of every header (cm_reference, docs/FORMAT.md) and
 * the base of cm-nn and cm-x. Never change them. Hash bits, contexts, match bits,
 * mixers, SSE stages, flags. */
static const cm_level levels_v2[10] = {
	/* 0: not used (store) */
	{25, CTX_FAST, 24, 1, 2, CM_F_X86 | CM_F_TYPES},
	/* 1 */ {25, CTX_FAST, 24, 1, 2, CM_F_X86 | CM_F_TYPES},
	/* 2 */ {26, CTX_LPAQ, 26, 1, 2, CM_F_X86 | CM_F_TYPES},
	/* 3 */ {27, CTX_LPAQ, 27, 1, 2, CM_F_X86 | CM_F_TYPES | CM_F_REC},
	/* 4 */ {28, CTX_LPAQ | CM_C_O5, 27, 2, 2, CM_F_X86 | CM_F_TYPES | CM_F_REC},
	/* 5 */ {28, CTX_MID, 28, 2, 2, CM_F_X86 | CM_F_TYPES | CM_F_REC},
	/* 6 */ {28, CTX_MID, 28, 3, 3, CM_F_STRONG},
	/* 7 */ {29, CTX_STRONG, 28, 4, 3, CM_F_STRONG},
	/* 8 */ {29, CTX_STRONG, 28, 6, 4, CM_F_STRONG},
	/* 9 */ {30, CTX_MAX, 28, 6, 4, CM_F_STRONG},
};

/* The levels as the re-span of 2026-12-02 made them, frozen: presets cm-r1-1 ..
 * cm-r1-9 (ids 12-20, which frames of that time name; their own reference).
 * Never change them. */
#define CTX_TOP (CTX_MAX | CM_X_CTX)
static const cm_level levels_r1[10] = {
	/* 0: not used (store) */
	{26, CTX_LPAQ, 26, 2, 2, CM_F_X86 | CM_F_TYPES_IN | CM_F_REC},
	/* 1 */ {26, CTX_LPAQ, 26, 2, 2, CM_F_X86 | CM_F_TYPES_IN | CM_F_REC},
	/* 2 */ {27, CTX_LPAQ | CM_C_COLUMN | CM_C_LINE, 27, 2, 2, CM_F_X86 | CM_F_TYPES_IN | CM_F_REC},
	/* 3 */ {28, CTX_MID, 28, 2, 2, CM_F_X86 | CM_F_TYPES_IN | CM_F_REC},
	/* 4 */ {28, CTX_MID, 28, 3, 3, CM_F_X86 | CM_F_TYPES_IN | CM_F_RICH | CM_F_REC},
	/* 5 */ {28, CTX_MID, 28, 3, 3, CM_F_STRONG_IN},
	/* 6 */ {29, CTX_STRONG, 28, 6, 4, CM_F_STRONG_IN},
	/* 7 */ {30, CTX_TOP, 28, 6, 4, CM_F_STRONG_IN | CM_F_SSE2 | CM_F_LRDECAY},
	/* 8 */ {30, CTX_TOP, 28, 6, 4, CM_F_STRONG_IN | CM_X_FLAGS_ADD | CM_F_BHIST},
	/* 9 */ {30, CTX_TOP, 28, 6, 4, CM_F_STRONG_IN | CM_X_FLAGS_ADD | CM_F_BHIST | CM_F_EXT},
};

/* The levels with the byte-class kinds (CM_C_CGRP, CM_C_CGRP4: 1-2 % smaller on
 * text, source and XML; level 1 has CGRP in place of order 6, so that it keeps
 * five hashed contexts and its speed), as 2026-12-03 made them, frozen: presets
 * cm-r2-1 .. cm-r2-9 (ids 21-29, their own reference). Never change them. */
#define CTX_L1 (CM_C_O2 | CM_C_O3 | CM_C_O4 | CM_C_WORD | CM_C_CGRP)
#define CTX_GRP (CM_C_CGRP | CM_C_CGRP4)
static const cm_level levels_r2[10] = {
	/* 0: not used (store) */
	{26, CTX_L1, 26, 2, 2, CM_F_X86 | CM_F_TYPES_IN | CM_F_REC},
	/* 1 */ {26, CTX_L1, 26, 2, 2, CM_F_X86 | CM_F_TYPES_IN | CM_F_REC},
	/* 2 */ {27, CTX_LPAQ | CM_C_COLUMN | CM_C_LINE | CM_C_CGRP, 27, 2, 2, CM_F_X86 | CM_F_TYPES_IN | CM_F_REC},
	/* 3 */ {28, CTX_MID | CM_C_CGRP, 28, 2, 2, CM_F_X86 | CM_F_TYPES_IN | CM_F_REC},
	/* 4 */ {28, CTX_MID | CM_C_CGRP, 28, 3, 3, CM_F_X86 | CM_F_TYPES_IN | CM_F_RICH | CM_F_REC},
	/* 5 */ {28, CTX_MID | CM_C_CGRP, 28, 3, 3, CM_F_STRONG_IN},
	/* 6 */ {29, CTX_STRONG | CTX_GRP, 28, 6, 4, CM_F_STRONG_IN},
	/* 7 */ {30, CTX_TOP | CTX_GRP, 28, 6, 4, CM_F_STRONG_IN | CM_F_SSE2 | CM_F_LRDECAY},
	/* 8 */ {30, CTX_TOP | CTX_GRP, 28, 6, 4, CM_F_STRONG_IN | CM_X_FLAGS_ADD | CM_F_BHIST | CM_F_MIXGRP},
	/* 9 */ {30, CTX_TOP | CTX_GRP, 28, 6, 4,
		 CM_F_STRONG_IN | CM_X_FLAGS_ADD | CM_F_BHIST | CM_F_MIXGRP | CM_F_EXT},
};

/* The levels with paq8px's SSE chain (CM_F_SSEP) in place of the stages at 7-9
 * and the indirect and word kinds of 2026-12-03 at 8-9 (CTX_PAQ8, CTX_PAQ9), as
 * late that day made them, frozen: presets cm-r3-1 .. cm-r3-9 (ids 30-38, their
 * own reference). Levels 1-6 are those of levels_r2. Never change them. */
#define CTX_PAQ8 (CM_C_INDQ | CM_C_GAPW | CM_C_GAPW1 | CM_C_FWORD | CM_C_INLINE | CM_C_BLOCK)
#define CTX_PAQ9 (CTX_PAQ8 | CM_C_IND3 | CM_C_INDLC | CM_C_GAPW2 | CM_C_LINELEN | CM_C_ABOVEGRP)
#define CM_F_TOP (CM_F_STRONG_IN | CM_F_LRDECAY | CM_F_SSEP)
#define CM_F_TOP8 (CM_F_TOP | CM_F_MIX7 | CM_F_MIX8 | CM_F_MIX9 | CM_F_BHIST | CM_F_MIXGRP)
static const cm_level levels_r3[10] = {
	/* 0: not used (store) */
	{26, CTX_L1, 26, 2, 2, CM_F_X86 | CM_F_TYPES_IN | CM_F_REC},
	/* 1 */ {26, CTX_L1, 26, 2, 2, CM_F_X86 | CM_F_TYPES_IN | CM_F_REC},
	/* 2 */ {27, CTX_LPAQ | CM_C_COLUMN | CM_C_LINE | CM_C_CGRP, 27, 2, 2, CM_F_X86 | CM_F_TYPES_IN | CM_F_REC},
	/* 3 */ {28, CTX_MID | CM_C_CGRP, 28, 2, 2, CM_F_X86 | CM_F_TYPES_IN | CM_F_REC},
	/* 4 */ {28, CTX_MID | CM_C_CGRP, 28, 3, 3, CM_F_X86 | CM_F_TYPES_IN | CM_F_RICH | CM_F_REC},
	/* 5 */ {28, CTX_MID | CM_C_CGRP, 28, 3, 3, CM_F_STRONG_IN},
	/* 6 */ {29, CTX_STRONG | CTX_GRP, 28, 6, 4, CM_F_STRONG_IN},
	/* 7 */ {30, CTX_TOP | CTX_GRP, 28, 6, 0, CM_F_TOP},
	/* 8 */ {30, CTX_TOP | CTX_GRP | CTX_PAQ8, 28, 6, 0, CM_F_TOP8},
	/* 9 */ {30, CTX_TOP | CTX_GRP | CTX_PAQ9, 28, 6, 0, CM_F_TOP8 | CM_F_EXT},
};

/* The levels with, over levels_r3, at 4-9, paq8px's input for deterministic states (CM_F_DETIN)
 * and the SSE stages learning in both entries (CM_F_APM2), and at 8-9 (nine
 * mixers) slower mixers (layer 1 at 5 instead of 8, the final one at 1 instead
 * of 2: CM_LR_SLOW) and paq8px's run-map contexts (CM_F_RUNBP), as the evening
 * of 2026-12-03 made them, frozen: presets cm-r4-1 .. cm-r4-9 (ids 39-47, their
 * own reference). Never change them. */
#define CM_F_PAQIN (CM_F_DETIN | CM_F_APM2)
#define CM_LR_SLOW (5 | 1 << 8)
static const cm_level levels_r4[10] = {
	/* 0: not used (store) */
	{26, CTX_L1, 26, 2, 2, CM_F_X86 | CM_F_TYPES_IN | CM_F_REC},
	/* 1 */ {26, CTX_L1, 26, 2, 2, CM_F_X86 | CM_F_TYPES_IN | CM_F_REC},
	/* 2 */ {27, CTX_LPAQ | CM_C_COLUMN | CM_C_LINE | CM_C_CGRP, 27, 2, 2, CM_F_X86 | CM_F_TYPES_IN | CM_F_REC},
	/* 3 */ {28, CTX_MID | CM_C_CGRP, 28, 2, 2, CM_F_X86 | CM_F_TYPES_IN | CM_F_REC},
	/* 4 */ {28, CTX_MID | CM_C_CGRP, 28, 3, 3, CM_F_X86 | CM_F_TYPES_IN | CM_F_RICH | CM_F_REC | CM_F_PAQIN},
	/* 5 */ {28, CTX_MID | CM_C_CGRP, 28, 3, 3, CM_F_STRONG_IN | CM_F_PAQIN},
	/* 6 */ {29, CTX_STRONG | CTX_GRP, 28, 6, 4, CM_F_STRONG_IN | CM_F_PAQIN},
	/* 7 */ {30, CTX_TOP | CTX_GRP, 28, 6, 0, CM_F_TOP | CM_F_PAQIN},
	/* 8 */ {30, CTX_TOP | CTX_GRP | CTX_PAQ8, 28, 6, 0, CM_F_TOP8 | CM_F_PAQIN | CM_F_RUNBP},
	/* 9 */ {30, CTX_TOP | CTX_GRP | CTX_PAQ9, 28, 6, 0, CM_F_TOP8 | CM_F_EXT | CM_F_PAQIN | CM_F_RUNBP},
};
/* The levels with, over levels_r4, paq8px's match-model byte contexts (CTX_MATCH2 at 3-5,
 * CTX_MATCH at 6-9) and XML model (CTX_XML2 at 6, CM_C_XML_ at 7-9), and bytes
 * >= 128 as letters of words (CM_F_UWORD) at every level. To pay for them, order 5
 * leaves levels 3-6, and the record kinds SPARSE1, RECORD and SPARSE5, which the
 * table profile adds back where records are found, leave 6-9 (SPARSE1 only 6).
 * as the night of 2026-12-03 made them, frozen: presets cm-r5-1 .. cm-r5-9 (ids
 * 48-56, their own reference). Never change them. */
#define CTX_MATCH2 (CM_C_MATCH1 | CM_C_MATCH2)
#define CTX_MATCH (CTX_MATCH2 | CM_C_MATCH3)
#define CTX_XML2 (CM_C_XMLS | CM_C_XMLT)
#define CTX_MID_M ((CTX_MID | CM_C_CGRP | CTX_MATCH2) & ~CM_C_O5)
#define CTX_NOREC (CM_C_RECORD | CM_C_SPARSE5)
#define CTX_L6 ((CTX_STRONG | CTX_GRP | CTX_MATCH | CTX_XML2) & ~(CM_C_O5 | CM_C_SPARSE1 | CTX_NOREC))
#define CTX_L7 ((CTX_TOP | CTX_GRP | CTX_MATCH | CM_C_XML_) & ~CTX_NOREC)
#define CM_F_U CM_F_UWORD
static const cm_level levels_r5[10] = {
	/* 0: not used (store) */
	{26, CTX_L1, 26, 2, 2, CM_F_X86 | CM_F_TYPES_IN | CM_F_REC | CM_F_U},
	/* 1 */ {26, CTX_L1, 26, 2, 2, CM_F_X86 | CM_F_TYPES_IN | CM_F_REC | CM_F_U},
	/* 2 */ {27, CTX_LPAQ | CM_C_COLUMN | CM_C_LINE | CM_C_CGRP, 27, 2, 2,
		 CM_F_X86 | CM_F_TYPES_IN | CM_F_REC | CM_F_U},
	/* 3 */ {28, CTX_MID_M, 28, 2, 2, CM_F_X86 | CM_F_TYPES_IN | CM_F_REC | CM_F_U},
	/* 4 */ {28, CTX_MID_M, 28, 3, 3, CM_F_X86 | CM_F_TYPES_IN | CM_F_RICH | CM_F_REC | CM_F_PAQIN | CM_F_U},
	/* 5 */ {28, CTX_MID_M, 28, 3, 3, CM_F_STRONG_IN | CM_F_PAQIN | CM_F_U},
	/* 6 */ {29, CTX_L6, 28, 6, 4, CM_F_STRONG_IN | CM_F_PAQIN | CM_F_U},
	/* 7 */ {30, CTX_L7, 28, 6, 0, CM_F_TOP | CM_F_PAQIN | CM_F_U},
	/* 8 */ {30, CTX_L7 | CTX_PAQ8, 28, 6, 0, CM_F_TOP8 | CM_F_PAQIN | CM_F_RUNBP | CM_F_U},
	/* 9 */ {30, CTX_L7 | CTX_PAQ9, 28, 6, 0, CM_F_TOP8 | CM_F_EXT | CM_F_PAQIN | CM_F_RUNBP | CM_F_U},
};
/* The levels with, over levels_r5, at 1-6, the SSE chain starting at its
 * order-1 stage (CM_F_NOSSE0: 3-5 % fewer instructions at 1-5, for 0.04-0.05 %
 * in size; level 6 0.02 % smaller), as the morning of 2026-12-04 made them,
 * frozen: presets cm-r6-1 .. cm-r6-9 (ids 57-65, their own reference, with the
 * rates of levels_mix_lr_r4). Never change them. */
#define CM_F_N0 CM_F_NOSSE0
static const cm_level levels_r6[10] = {
	/* 0: not used (store) */
	{26, CTX_L1, 26, 2, 2, CM_F_X86 | CM_F_TYPES_IN | CM_F_REC | CM_F_U | CM_F_N0},
	/* 1 */ {26, CTX_L1, 26, 2, 2, CM_F_X86 | CM_F_TYPES_IN | CM_F_REC | CM_F_U | CM_F_N0},
	/* 2 */ {27, CTX_LPAQ | CM_C_COLUMN | CM_C_LINE | CM_C_CGRP, 27, 2, 2,
		 CM_F_X86 | CM_F_TYPES_IN | CM_F_REC | CM_F_U | CM_F_N0},
	/* 3 */ {28, CTX_MID_M, 28, 2, 2, CM_F_X86 | CM_F_TYPES_IN | CM_F_REC | CM_F_U | CM_F_N0},
	/* 4 */ {28, CTX_MID_M, 28, 3, 3,
		 CM_F_X86 | CM_F_TYPES_IN | CM_F_RICH | CM_F_REC | CM_F_PAQIN | CM_F_U | CM_F_N0},
	/* 5 */ {28, CTX_MID_M, 28, 3, 3, CM_F_STRONG_IN | CM_F_PAQIN | CM_F_U | CM_F_N0},
	/* 6 */ {29, CTX_L6, 28, 6, 4, CM_F_STRONG_IN | CM_F_PAQIN | CM_F_U | CM_F_N0},
	/* 7 */ {30, CTX_L7, 28, 6, 0, CM_F_TOP | CM_F_PAQIN | CM_F_U},
	/* 8 */ {30, CTX_L7 | CTX_PAQ8, 28, 6, 0, CM_F_TOP8 | CM_F_PAQIN | CM_F_RUNBP | CM_F_U},
	/* 9 */ {30, CTX_L7 | CTX_PAQ9, 28, 6, 0, CM_F_TOP8 | CM_F_EXT | CM_F_PAQIN | CM_F_RUNBP | CM_F_U},
};
/* extra[CM_X_MIXLR] of levels_r4, levels_r5 and levels_r6 (0: the usual rates,
 * 8 and 2; the older tables have none), frozen with them */
static const u32 levels_mix_lr_r4[10] = {0, 0, 0, 0, 0, 0, 0, 0, CM_LR_SLOW, CM_LR_SLOW};

/* The levels (docs/CM.md, "Levels"): level 1 at about 1 MB/s and smaller than
 * lpaq1, the default (6) the strongest at 150 KB/s or more, and 9 the strongest,
 * with a neural byte model mixed in (CM_F_EXT, CM_NN_MODEL). Their contexts and
 * flags are those of levels_r6 (a change to them makes this a table of its
 * own); their mixer rates are levels_mix_lr. They are presets 66-74, their own
 * reference, so their frames record nothing. */
static const cm_level *const levels = levels_r6;
/* The levels' extra[CM_X_MIXLR]: layer 1's rate | the final mixer's << 8,
 * measured level by level. At 1-4 layer 1 learning faster than the usual 8 and
 * the final mixer slower than 2 (CM_LR_FAST) gain 0.05-0.12 %, most on XML
 * (no file 0.03 % larger); at 6-7 the final mixer alone at 1 gains 0.03 %
 * (CM_LR_FINAL1); level 5 gains nothing from either (docs/CM.md, "Mixer rates
 * of the levels"). */
#define CM_LR_FAST (12 | 1 << 8)
#define CM_LR_FINAL1 (8 | 1 << 8)
static const u32 levels_mix_lr[10] = {0, CM_LR_FAST, CM_LR_FAST, CM_LR_FAST, CM_LR_FAST, 0,
				      CM_LR_FINAL1, CM_LR_FINAL1, CM_LR_SLOW, CM_LR_SLOW};

static void config_of(const cm_level *L, u32 mix_lr, nz_model_config *cfg)
{
	cfg->model = NZ_MODEL_CM;
	cfg->coding = NZ_CODING_BITS;
	cfg->preset = 0;
	if (cfg->extra[CM_X_VERSION] == 0) {
		cfg->extra[CM_X_VERSION] = 1;
		cfg->extra[CM_X_HASHBITS] = L->hash_bits;
		cfg->extra[CM_X_CTXMASK] = L->ctx_mask;
		cfg->extra[CM_X_MATCHBITS] = L->match_bits;
		cfg->extra[CM_X_MIXERS] = L->mixers;
		cfg->extra[CM_X_SSE] = L->sse;
		cfg->extra[CM_X_FLAGS] = L->flags;
		cfg->extra[CM_X_MIXLR] = mix_lr;
		if (L->flags & CM_F_EXT) {
			cfg->extra[CM_X_NNMODEL] = CM_NN_MODEL;
			cfg->extra[CM_X_NNPRESET] = CM_NN_PRESET;
		}
	}
}

static int clamp_level(int level) { return level < 1 ? 1 : level > 9 ? 9 : level; }

void nz_cm_level_config(int level, nz_model_config *cfg)
{
	config_of(&levels[clamp_level(level)], levels_mix_lr[clamp_level(level)], cfg);
}

/* A hash table of 256 bytes per input byte and a window holding the whole
 * input lose nothing measurable against bigger ones, and cost less to clear. */
static void size_config(u64 size, nz_model_config *cfg)
{
	if (size == NZ_CONTENT_SIZE_UNKNOWN)
		return;
	u32 lg = 0;
	while (lg < 40 && ((u64)1 << lg) < size)
		lg++;
	u64 hb = NZ_MAX(16, NZ_MIN(lg + 8, 30));
	if (cfg->extra[CM_X_HASHBITS] > hb)
		cfg->extra[CM_X_HASHBITS] = hb;
	u64 mb = NZ_MAX(16, NZ_MIN(lg + 1, 30));
	if (cfg->extra[CM_X_MATCHBITS] > mb)
		cfg->extra[CM_X_MATCHBITS] = mb;
}

void nz_cm_level_config_for_size(int level, u64 size, nz_model_config *cfg)
{
	nz_cm_level_config(level, cfg);
	size_config(size, cfg);
}

u64 nz_cm_state_memory(const nz_model_config *cfg)
{
	cm_params p;
	if (nz_cm_params_from_config(cfg, &p))
		return 0;
	return nz_cm_model_memory(&p) + (u64)(p.nnlanes - 1) * nz_cm_lane_memory(&p) +
	       ((p.flags & CM_F_EXT) ? nz_cm_neural_memory(cfg) : 0);
}

/* A preset's configuration: cm-k (CM_PRESET_LEVELS + k) is levels[k], cm-r6-k
 * levels_r6[k], cm-r5-k levels_r5[k], cm-r4-k levels_r4[k], cm-r3-k
 * levels_r3[k], cm-r2-k levels_r2[k], cm-r1-k levels_r1[k], cm-v2-k levels_v2[k], preset 0 lv0[level]
 * (levels for the defaults, levels_v2 for the reference); cm-nn and cm-x are the
 * frozen old level 9 plus their additions, so they code as they did before the
 * re-span. */
static void preset_config(const cm_level *lv0, nz_model_config *cfg, int level, u64 content_size)
{
	const u32 preset = cfg->preset;
	const int fresh = cfg->extra[CM_X_VERSION] == 0;
	const cm_level *t = preset > CM_PRESET_LEVELS ? levels
			    : preset > CM_PRESET_R6   ? levels_r6
			    : preset > CM_PRESET_R5   ? levels_r5
			    : preset > CM_PRESET_R4   ? levels_r4
			    : preset > CM_PRESET_R3   ? levels_r3
			    : preset > CM_PRESET_R2   ? levels_r2
			    : preset > CM_PRESET_R1   ? levels_r1
			    : preset		      ? levels_v2
						      : lv0;
	const int k = clamp_level(preset_level(preset, level));
	/* the rates go by preset: levels shares its table with levels_r6 */
	const u32 *mix_lr = preset > CM_PRESET_LEVELS || (preset == 0 && lv0 == levels) ? levels_mix_lr
			    : preset > CM_PRESET_R4				       ? levels_mix_lr_r4
										       : NULL;
	config_of(&t[k], mix_lr ? mix_lr[k] : 0, cfg);
	size_config(content_size, cfg);
	if (fresh && preset == CM_PRESET_NN) {
		cfg->extra[CM_X_FLAGS] |= CM_F_EXT;
		cfg->extra[CM_X_NNMODEL] = CM_NN_MODEL;
		cfg->extra[CM_X_NNPRESET] = CM_NN_PRESET;
	}
	if (fresh && preset == CM_PRESET_X) {
		cfg->extra[CM_X_CTXMASK] |= CM_X_CTX;
		cfg->extra[CM_X_FLAGS] |= CM_X_FLAGS_ADD;
	}
	cfg->preset = preset;
}

/* cm-k (k = 1..9) is level k whatever -N says; preset 0 ("cm") follows -N;
 * cm-v2-k is level k as it was before the re-span; cm-nn is the old level 9 with
 * a neural model mixed in; cm-x the old level 9 with the measured additions (the
 * new level 8). */
static void cm_defaults(nz_model_config *cfg, int level, u64 content_size)
{
	preset_config(levels, cfg, level, content_size);
}

/* Version 2's reference (nz_model_desc.reference): the defaults as they were
 * when the format froze them. For presets 0..CM_PRESET_X that is the levels
 * before the re-span and without the flags levels gained later (CM_F_EXE,
 * CM_F_IMG, CM_F_JPEG, CM_F_AUDIO): a header records what differs from it; a
 * decoder from before those flags rejects the file as unsupported (an unknown
 * flag) instead of finding a segment flag it does not know and calling the data
 * corrupt, and files from before them, which leave the flags out, still read as
 * they were written. The re-spanned levels' presets (cm-r1-k, cm-k) are their
 * own reference, so their frames record nothing, and a decoder from before them
 * rejects the preset. */
#define CM_F_AFTER_V2 (CM_F_EXE | CM_F_IMG | CM_F_JPEG | CM_F_AUDIO)

static void cm_reference(nz_model_config *cfg, int level, u64 content_size)
{
	preset_config(levels_v2, cfg, level, content_size);
	if (cfg->preset <= CM_PRESET_X)
		cfg->extra[CM_X_FLAGS] &= ~(u64)CM_F_AFTER_V2;
}

/* Two cores for large inputs: from CM_PARALLEL_MIN bytes (known size) the fast
 * levels (1-5) code each block in two substreams, which threads code at once,
 * for 1-2 % in size (docs/CM.md). The strong levels (6-9, cm-nn, cm-x) stay at
 * one: there ratio comes first, and K states cost K times the memory (two of
 * level 6's would pass the decoder's 2 GiB default limit). */
#define CM_PARALLEL_MIN ((u64)64 << 20)
#define CM_PARALLEL_MAX_LEVEL 5

static u32 cm_default_substreams(const nz_model_config *cfg, int level, u64 content_size)
{
	const int lv = preset_level(cfg->preset, level);
	/* the old levels by name (cm-v2-k) keep their old limit, 6 */
	const int old = cfg->preset >= 1 && cfg->preset <= 9;
	if (content_size == NZ_CONTENT_SIZE_UNKNOWN || content_size < CM_PARALLEL_MIN ||
	    lv > CM_PARALLEL_MAX_LEVEL + old || (cfg->extra[CM_X_FLAGS] & CM_F_EXT))
		return 1;
	return 2;
}

/* ---- the encoder's profiles (nz_cm_tune): JPEG files and tables ---- */

#define CTX_TABLE (CM_C_O10 | CM_C_SPARSE1 | CM_C_SPARSE5 | CM_C_RECORD | CM_C_REC2D | \
		   CM_C_RECCOL)

/* The sample is one baseline (SOF0/SOF1) JPEG file, which the JPEG model
 * follows: its markers up to the first scan hold a baseline frame header and no
 * other, and the file ends within the last 1/16 of the sample or runs past it
 * (a prefix of a larger file). A progressive JPEG, which the model does not
 * follow, or a JPEG with other data after it is left alone. */
static int jpeg_profile_detect(const u8 *b, size_t n)
{
	int baseline;
	if (!nz_cm_jpeg_header(b, n, &baseline) || !baseline)
		return 0;
	size_t read;
	const size_t len = nz_cm_jpeg_walk(b, n, &read);
	return len == 0 || len >= n - n / 16;
}

/* In a baseline JPEG the JPEG model does the work (docs/CM.md, "JPEG
 * profile"): of the general contexts orders 2-4 stay for the headers; the
 * stages and selectors tuned on text (SSE stage 4, SSE2, mixers 7-9) and the
 * neural model only add noise and time there. */
#define CTX_JPEG (CM_C_O2 | CM_C_O3 | CM_C_O4)
#define CM_F_NOT_JPEG (CM_F_SSE2 | CM_F_SSEP | CM_F_MIX7 | CM_F_MIXGRP | CM_F_MIX8 | CM_F_MIX9 | \
		       CM_F_EXT)

static int jpeg_profile(nz_model_config *cfg, const u8 *sample, size_t n)
{
	const u64 flags = cfg->extra[CM_X_FLAGS];
	if (!(flags & CM_F_JPEG) || !jpeg_profile_detect(sample, n))
		return 0;
	cfg->extra[CM_X_CTXMASK] &= CTX_JPEG;
	/* paq8px's text chain gives way to the first three stages, as on the levels before it */
	if (cfg->extra[CM_X_SSE] > 3 || (flags & CM_F_SSEP))
		cfg->extra[CM_X_SSE] = 3;
	cfg->extra[CM_X_FLAGS] = flags & ~(u64)CM_F_NOT_JPEG;
	if (flags & CM_F_EXT)
		cfg->extra[CM_X_NNMODEL] = cfg->extra[CM_X_NNPRESET] = cfg->extra[CM_X_NNLANES] = 0;
	return 1;
}

int nz_cm_tune(nz_model_config *cfg, const u8 *sample, size_t n)
{
	if (cfg->model != NZ_MODEL_CM || cfg->extra[CM_X_VERSION] != 1)
		return 0;
	if (jpeg_profile(cfg, sample, n))
		return 2;
	if (!nz_cm_table_detect(sample, n))
		return 0;
	/* the text kinds of levels 7-9 and their mixers' fast start cost a table
	 * 0.6-0.8 % (kppkn.gtb), so levels 7 and 8 were larger than 6 there */
	cfg->extra[CM_X_CTXMASK] = (cfg->extra[CM_X_CTXMASK] | CTX_TABLE) & ~(u64)CM_X_CTX;
	cfg->extra[CM_X_FLAGS] = (cfg->extra[CM_X_FLAGS] | CM_F_REC) & ~(u64)CM_F_LRDECAY;
	if (cfg->extra[CM_X_MIXERS] < 2)
		cfg->extra[CM_X_MIXERS] = 2;
	return 1;
}

static void cm_tune(nz_model_config *cfg, const u8 *sample, size_t n)
{
	(void)nz_cm_tune(cfg, sample, n);
}

/* "1G", "256M", "64K": a power of two of bytes, for describe. */
static const char *pow2_size(char *buf, size_t cap, u32 bits)
{
	snprintf(buf, cap, "%u%c", 1u << (bits % 10), " KMG"[bits / 10]);
	return buf;
}

static void cm_describe(const nz_model_config *cfg, char *buf, size_t cap)
{
	cm_params p;
	buf[0] = 0;
	if (nz_cm_params_from_config(cfg, &p))
		return;
	u32 kinds = cm_popcount64(p.ctx_mask); /* orders 0 and 1 are always there */
	char hash[8], match[16] = "none";
	if (p.match_bits)
		pow2_size(match, sizeof(match), p.match_bits);
	size_t len = (size_t)snprintf(buf, cap,
				      "hash %s, match %s, orders 0-1 + %u context kinds, %u mixer%s, %u SSE",
				      pow2_size(hash, sizeof(hash), p.hash_bits), match, kinds,
				      p.mixers, p.mixers > 1 ? "s" : "", p.sse);
	static const char *const flag_names[] = {"x86", "rich", "run", "ext", "record", "sse2",
						 "mix7", "fmix", "mix8", "lrdecay", "smfast", "mix9",
						 "exe", "image", "jpeg", "audio", "bhist", "spans",
						 "mixgrp", "ssep", "detin", "apm2",
						 "runbp", "uword", "nosse0"};
	_Static_assert((1u << NZ_ARRAY_LEN(flag_names)) - 1 == CM_F_ALL_, "a name for every flag");
	for (u32 i = 0; i < NZ_ARRAY_LEN(flag_names) && len < cap; i++)
		if (p.flags & (1u << i))
			len += (size_t)snprintf(buf + len, cap - len, ", %s", flag_names[i]);
	if (cfg->extra[CM_X_MIXLR] && len < cap)
		len += (size_t)snprintf(buf + len, cap - len, ", mixer rates %u/%u", p.mix_lr, p.mix_lr2);
	if ((p.flags & CM_F_EXT) && len < cap) {
		const u64 id = cfg->extra[CM_X_NNMODEL], preset = cfg->extra[CM_X_NNPRESET];
		const char *nn = id <= 255 && preset <= 255
					 ? nz_model_desc_preset(nz_byte_model_lookup((int)id), (int)preset)
					 : NULL;
		snprintf(buf + len, cap - len, " (%s, %u lane%s)", nn ? nn : "?", p.nnlanes,
			 p.nnlanes > 1 ? "s" : "");
	}
}

static int cm_validate(const nz_model_config *cfg)
{
	cm_params p;
	if (cfg->preset >= CM_PRESETS_END) /* the presets only name levels: extra[] says it all */
		return NZ_ERR_PARAM;
	/* Refuse the byte models' parameters rather than ignore them silently. */
	if (cfg->lanes || cfg->context || cfg->hidden || cfg->ffn ||
	    cfg->learning_rate != 0.0f || cfg->seed)
		return NZ_ERR_PARAM;
	return nz_cm_params_from_config(cfg, &p);
}

static u64 cm_memory(const nz_model_config *cfg) { return nz_cm_state_memory(cfg); }

static const char *const cm_presets[] = {
	"cm", "cm-v2-1", "cm-v2-2", "cm-v2-3", "cm-v2-4", "cm-v2-5", "cm-v2-6", "cm-v2-7",
	"cm-v2-8", "cm-v2-9", "cm-nn", "cm-x", "cm-r1-1", "cm-r1-2", "cm-r1-3", "cm-r1-4",
	"cm-r1-5", "cm-r1-6", "cm-r1-7", "cm-r1-8", "cm-r1-9", "cm-r2-1", "cm-r2-2", "cm-r2-3",
	"cm-r2-4", "cm-r2-5", "cm-r2-6", "cm-r2-7", "cm-r2-8", "cm-r2-9", "cm-r3-1", "cm-r3-2",
	"cm-r3-3", "cm-r3-4", "cm-r3-5", "cm-r3-6", "cm-r3-7", "cm-r3-8", "cm-r3-9", "cm-r4-1",
	"cm-r4-2", "cm-r4-3", "cm-r4-4", "cm-r4-5", "cm-r4-6", "cm-r4-7", "cm-r4-8", "cm-r4-9",
	"cm-r5-1", "cm-r5-2", "cm-r5-3", "cm-r5-4", "cm-r5-5", "cm-r5-6", "cm-r5-7", "cm-r5-8",
	"cm-r5-9", "cm-r6-1", "cm-r6-2", "cm-r6-3", "cm-r6-4", "cm-r6-5", "cm-r6-6", "cm-r6-7",
	"cm-r6-8", "cm-r6-9", "cm-1", "cm-2", "cm-3", "cm-4", "cm-5", "cm-6", "cm-7", "cm-8", "cm-9", NULL};
_Static_assert(NZ_ARRAY_LEN(cm_presets) == CM_PRESETS_END + 1, "a name for every preset");

const nz_model_desc nz_model_cm = {
	.id = NZ_MODEL_CM,
	.name = "cm",
	.preset_names = cm_presets,
	.coding = NZ_CODING_BITS,
	.default_block_log = 24,
	.state_per_substream = 1,
	.defaults = cm_defaults,
	.reference = cm_reference,
	.tune = cm_tune,
	.default_substreams = cm_default_substreams,
	.describe = cm_describe,
	.validate = cm_validate,
	.memory = cm_memory,
	.create_byte_model = NULL,
	.create_block_codec = cm_create_block_codec,
};
