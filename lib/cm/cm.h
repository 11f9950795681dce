/*
 * cm.h - the bit-wise context-mixing coding mode (model id NZ_MODEL_CM, coding
 * NZ_CODING_BITS): a block codec built from hashed context models, a match model,
 * a gated logistic mixer and SSE stages, coded with the binary arithmetic coder.
 * Design, levels and memory: docs/CM.md.
 *
 * Header parameters (nz_model_config.extra[], all validated by the descriptor):
 *   extra[0]  CM_X_VERSION   layout version of these parameters, must be 1
 *   extra[1]  CM_X_HASHBITS  log2 bytes of the context hash table (16..30)
 *   extra[2]  CM_X_CTXMASK   which hashed contexts are used (CM_C_* bits)
 *   extra[3]  CM_X_MATCHBITS log2 bytes of the match model window (0 = none, 16..30)
 *   extra[4]  CM_X_MIXERS    layer-1 mixers (1 = one mixer, 2..CM_MAX_MIXERS: two layers)
 *   extra[5]  CM_X_SSE       SSE stages after the mixer (0..CM_MAX_SSE)
 *   extra[6]  CM_X_FLAGS     CM_F_* bits
 *   extra[7]  CM_X_NNMODEL   with CM_F_EXT: the neural byte model (nz_model id)
 *   extra[8]  CM_X_NNPRESET  with CM_F_EXT: its size preset (defaults otherwise)
 *   extra[9]  CM_X_NNLANES   with CM_F_EXT: 0 or 1 = one lane per segment; 2..64 =
 *                            the segment is cut into that many lanes, coded step by
 *                            step, sharing the CM statistics and one neural model
 *                            that predicts all lanes at once
 * preset only names the level (cm-1 .. cm-9, cm-nn); extra[] says it all.
 */
#ifndef NZ_CM_H
#define NZ_CM_H

#include "model/model_config.h"

extern const nz_model_desc nz_model_cm;

enum {
	CM_X_VERSION = 0,
	CM_X_HASHBITS = 1,
	CM_X_CTXMASK = 2,
	CM_X_MATCHBITS = 3,
	CM_X_MIXERS = 4,
	CM_X_SSE = 5,
	CM_X_FLAGS = 6,
	CM_X_NNMODEL = 7,
	CM_X_NNPRESET = 8,
	CM_X_NNLANES = 9,
	CM_X_MIXLR = 10
};

/* Hashed contexts (bits of extra[CM_X_CTXMASK]). Orders 0 and 1 are always
 * present (direct tables). */
enum {
	CM_C_O2 = 1u << 0,
	CM_C_O3 = 1u << 1,
	CM_C_O4 = 1u << 2,
	CM_C_O5 = 1u << 3,
	CM_C_O6 = 1u << 4,
	CM_C_O7 = 1u << 5,
	CM_C_O10 = 1u << 6,
	CM_C_WORD = 1u << 7,      /* the current word (letters, case-folded) */
	CM_C_WORD1 = 1u << 8,     /* current word + previous word */
	CM_C_WORD2 = 1u << 9,     /* current word + the word before the previous */
	CM_C_COLUMN = 1u << 10,   /* text column + byte above */
	CM_C_ABOVE = 1u << 11,    /* byte above + previous byte */
	CM_C_SPARSE1 = 1u << 12,  /* bytes 2-3 back */
	CM_C_SPARSE2 = 1u << 13,  /* bytes 2 and 4 back */
	CM_C_SPARSE3 = 1u << 14,  /* bytes 1 and 3 back */
	CM_C_SPARSE4 = 1u << 15,  /* byte 2 back */
	CM_C_IND1 = 1u << 16,     /* indirect: byte 1 back + what followed it before */
	CM_C_IND2 = 1u << 17,     /* indirect: bytes 1-2 back + what followed them */
	CM_C_RECORD = 1u << 18,   /* detected record length: bytes one record above */
	CM_C_WORDCTX = 1u << 19,  /* current word + the byte before it */
	CM_C_SPARSE5 = 1u << 20,  /* previous byte + bytes 7-8 back */
	CM_C_LINE = 1u << 21,     /* column + first byte of the line + previous byte */
	CM_C_LINE2 = 1u << 22,    /* column + first byte of the line + previous two bytes */
	CM_C_NEST = 1u << 23,     /* open brackets/quotes + current word */
	CM_C_REC2D = 1u << 24,    /* bytes above, above-left, above-right and left */
	CM_C_RECCOL = 1u << 25,   /* byte above + position in the record */
	/* not in levels 1-9 (docs/CM.md, "Additions measured one by one") */
	CM_C_TAG = 1u << 26,      /* last markup tag name (<...>) + current word */
	CM_C_WORD12 = 1u << 27,   /* current word + the two words before it */
	CM_C_TEXT = 1u << 28,     /* the last letters, across words (non-letters skipped) */
	CM_C_TEXT2 = 1u << 29,    /* as TEXT, with more letters */
	CM_C_CGRP = 1u << 30      /* the classes of the last 8 bytes, runs as one (history.h) */
};
/* (beyond an int: not enumerators; extra[CM_X_CTXMASK] is a u64 like every parameter) */
#define CM_C_CGRP4 ((u64)1 << 31) /* the classes of the last 4 */
/* the kinds of 2026-12-03 from paq8px's indirect and word models (levels 8-9) */
#define CM_C_IND3 ((u64)1 << 32)    /* byte 1 back + the three bytes that followed it before */
#define CM_C_INDQ ((u64)1 << 33)    /* top nibbles of bytes 1-4 + the two bytes that followed them */
#define CM_C_INDLC ((u64)1 << 34)   /* the three bytes that followed bytes 1-2 (lower case) */
#define CM_C_GAPW ((u64)1 << 35)    /* current word + the gap (non-letters) before it */
#define CM_C_GAPW1 ((u64)1 << 36)   /* byte 1 back + the gap being read + the previous word */
#define CM_C_GAPW2 ((u64)1 << 37)   /* the last two gaps and the two words between them */
#define CM_C_FWORD ((u64)1 << 38)   /* the line's first word + current word */
#define CM_C_INLINE ((u64)1 << 39)  /* where the line started + byte 1 back */
#define CM_C_LINELEN ((u64)1 << 40) /* column + the previous line's length */
#define CM_C_BLOCK ((u64)1 << 41)   /* the 1 KiB block + current word (or byte 1 back) */
#define CM_C_ABOVEGRP ((u64)1 << 42) /* byte above + classes of the last two bytes */
/* paq8px's XML model: the markup structure (xml_state.h) */
#define CM_C_XMLS ((u64)1 << 43)    /* the state (tag name, attribute, content) and what it reads */
#define CM_C_XMLT ((u64)1 << 44)    /* the state + the tag's level and name */
#define CM_C_XMLP ((u64)1 << 45)    /* the enclosing tag's name and content type + the tag's */
#define CM_C_XMLC ((u64)1 << 46)    /* the tag's name and content type + bytes 1-2 (in part) */
#define CM_C_XML_ (CM_C_XMLS | CM_C_XMLT | CM_C_XMLP | CM_C_XMLC)
/* paq8px's match model's byte contexts: what the match expects (match_model.h) */
#define CM_C_MATCH1 ((u64)1 << 47)  /* the expected byte (or byte 1 back) + the match's mode */
#define CM_C_MATCH2 ((u64)1 << 48)  /* the expected byte (or byte 2 back) + byte 1 back + the mode */
#define CM_C_MATCH3 ((u64)1 << 49)  /* the expected byte + bytes 1-3 back + the mode */
#define CM_C_MATCH_ (CM_C_MATCH1 | CM_C_MATCH2 | CM_C_MATCH3)
#define CM_NKINDS 50                /* context kinds defined (bits 0..CM_NKINDS-1) */
#define CM_KIND_XMLS 43             /* the bit of CM_C_XMLS; XMLT .. XMLC follow */
#define CM_KIND_MATCH1 47           /* the bit of CM_C_MATCH1; MATCH2, MATCH3 follow, the last kinds */
_Static_assert(CM_C_XMLS == (u64)1 << CM_KIND_XMLS && CM_C_MATCH1 == (u64)1 << CM_KIND_MATCH1 &&
		       CM_KIND_MATCH1 + 3 == CM_NKINDS,
	       "the kinds' bits");
#define CM_C_ALL_ (((u64)1 << CM_NKINDS) - 1)

/* Flags (bits of extra[CM_X_FLAGS]). */
enum {
	CM_F_X86 = 1u << 0,     /* the encoder may apply the E8/E9 call transform per segment */
	CM_F_RICH = 1u << 1,    /* two inputs per context (stretch + confidence) */
	CM_F_RUN = 1u << 2,     /* run model: the last byte seen in each context and its
				 * repeat count (a table of 2^(hash bits - 2) bytes) */
	CM_F_EXT = 1u << 3,     /* two mixer inputs from a neural byte model of the engine
				 * (extra[CM_X_NNMODEL], cm_neural.c) */
	CM_F_REC = 1u << 4,     /* record model (the byte one record above) and a second
				 * match model (the latest 5-byte context): 2 inputs */
	/* not in levels 1-9 (docs/CM.md, "Additions measured one by one") */
	CM_F_SSE2 = 1u << 5,    /* two more SSE stages: order 3 and the current word */
	CM_F_MIX7 = 1u << 6,    /* a 7th layer-1 mixer selected by the byte two back (with
				 * 6 mixers) */
	CM_F_FMIX = 1u << 7,    /* the final mixer selected by the partial byte x match state */
	CM_F_MIX8 = 1u << 8,    /* one more layer-1 mixer selected by the length of the current
				 * word and the classes of the last two bytes (with 6 mixers) */
	CM_F_LRDECAY = 1u << 9, /* the layer-1 mixers learn faster at the start, decaying to the
				 * usual rate */
	CM_F_SMFAST = 1u << 10, /* the context map's state maps stop averaging at 255 updates
				 * instead of 1023 (they follow changes faster) */
	CM_F_MIX9 = 1u << 11,   /* one more layer-1 mixer selected by the match model's expected
				 * byte, or the byte three back without a match (with 6 mixers) */
	CM_F_EXE = 1u << 12,    /* the x86-64 executable model (datatype_model.h) in segments
				 * the encoder finds to be code (their SEG_EXE flag) */
	CM_F_IMG = 1u << 13,    /* the image model (datatype_model.h) in segments that start
				 * with a PNM or BMP image (SEG_IMG and its layout) */
	CM_F_JPEG = 1u << 14,   /* the JPEG model (datatype_model.h) in segments that start
				 * with a JPEG file (SEG_JPEG) */
	CM_F_AUDIO = 1u << 15,  /* the audio model (datatype_model.h) in segments that start
				 * with a WAV file of 8- or 16-bit PCM (SEG_AUDIO and its layout) */
	CM_F_BHIST = 1u << 16,  /* with CM_F_RUN: the run table also keeps the byte before the
				 * last one seen in each context, and a second input per
				 * context learns from both bytes' agreement with the bits so far */
	CM_F_SPANS = 1u << 17,  /* a segment that starts with no type may hold typed spans (a
				 * JPEG, BMP or WAV file inside a larger one: SEG_SPANS) */
	CM_F_MIXGRP = 1u << 18, /* with CM_F_MIX7: the 7th mixer is selected by the last three
				 * byte classes (history.h) instead of the byte two back */
	CM_F_SSEP = 1u << 19,   /* the SSE chain of paq8px's text model in place of the stages
				 * (cm_model.c, "SSE") */
	CM_F_DETIN = 1u << 20,  /* with CM_F_RICH: a context's second input is paq8px's for a
				 * state that saw one kind of bit (context_map.h) */
	CM_F_APM2 = 1u << 21,   /* every SSE stage learns in both entries it interpolates
				 * between, not only the nearer (apm.h) */
	CM_F_RUNBP = 1u << 22,  /* with CM_F_BHIST: the run model's probabilities also by
				 * bit position and whether the last two bytes differ, its
				 * input halved when they do (paq8px's run map) */
	CM_F_UWORD = 1u << 23,  /* bytes >= 128 are letters of words (UTF-8 text) */
	CM_F_NOSSE0 = 1u << 24, /* the first SSE stage (the partial byte alone) is left out: the
				 * chain starts at the order-1 stage, which sees the partial
				 * byte too */
	CM_F_ALL_ = (1u << 25) - 1
};

#define CM_MAX_MIXERS 6
#define CM_MIXERS_ALLOC 9 /* with CM_F_MIX7, CM_F_MIX8 and CM_F_MIX9 */
#define CM_MAX_SSE 4
#define CM_MAX_SUBSTREAMS 64
#define CM_MAX_NNLANES 64

/* The preset id of level k (1..9) since the mixers of the fast levels learn at their own
 * rates (2026-12-04, evening; cm-1 .. cm-9); ids 57..65 are the levels when the SSE
 * chain of levels 1-6 started at its order-1 stage (that morning, cm-r6-1 ..), ids
 * 48..56 the levels when paq8px's match-model byte contexts and XML model joined them
 * (2026-12-03, night; cm-r5-1 ..), ids 39..47 the levels when paq8px's deterministic
 * input, the SSE stages' two-entry update and (8-9) slower mixers joined levels 4-9
 * (that evening, cm-r4-1 ..), ids 30..38 the levels when paq8px's SSE chain and the
 * indirect and word kinds joined levels 7-9 (late that day, cm-r3-1 ..), ids 21..29 the
 * levels when the byte classes joined them (earlier, cm-r2-1 ..), ids 12..20 the levels
 * as the re-span of 2026-12-02 made them (cm-r1-1 ..) and ids 1..9 the levels of before
 * (cm-v2-1 ..), which older headers name (a changed default needs a new preset id,
 * docs/FORMAT.md). */
#define NZ_CM_LEVEL_PRESET(k) (65 + (k))
#define NZ_CM_R6_PRESET(k) (56 + (k))
#define NZ_CM_R5_PRESET(k) (47 + (k))
#define NZ_CM_R4_PRESET(k) (38 + (k))
#define NZ_CM_R3_PRESET(k) (29 + (k))
#define NZ_CM_R2_PRESET(k) (20 + (k))
#define NZ_CM_R1_PRESET(k) (11 + (k))

/* Set cfg->extra[] and preset for level 1..9 (0 is store, handled by the caller;
 * other values are clamped). Fields already non-zero in extra[] are kept. */
void nz_cm_level_config(int level, nz_model_config *cfg);

/* As nz_cm_level_config, with the tables shrunk to fit an input of `size` bytes
 * (NZ_CONTENT_SIZE_UNKNOWN: no change): small files then need far less memory
 * and time to clear the tables, at no measurable cost in size. */
void nz_cm_level_config_for_size(int level, u64 size, nz_model_config *cfg);

/* Bytes one model state of cfg allocates (a block coded in K substreams by K
 * threads holds K states). */
u64 nz_cm_state_memory(const nz_model_config *cfg);

/* The encoder's look at the data before it writes the header (docs/CM.md,
 * "Table profile", "JPEG profile"): if `sample` is a baseline JPEG file, keep
 * of cfg what pays on JPEG and return 2; else if it looks like a table of
 * fixed-length records, add the record contexts, the record model and a second
 * mixer to cfg, drop the text kinds and LRDECAY, and return 1; else leave cfg
 * and return 0. */
int nz_cm_tune(nz_model_config *cfg, const u8 *sample, size_t n);

/*
 * Hook for external predictors (a neural byte model of the engine). Before each
 * byte is coded, the codec asks the predictor for a 256-way distribution of the
 * next byte; the CM model turns it into bit predictions (P(next bit | bits so
 * far) from the sums over the byte values that agree with the known bits) and
 * mixes their stretched values as two more mixer inputs. `predict` must be a
 * deterministic function of the bytes before (same on encode and decode);
 * probs[] are 16-bit fixed-point weights (any positive scale; 0 allowed).
 * With CM_F_EXT the codec attaches a neural model itself (cm_neural.c); this
 * hook lets tests and experiments attach another one.
 */
typedef struct nz_cm_ext_predictor {
	void *opaque;
	/* history[0..n) are the bytes of the current segment (one substream of
	 * one block) coded so far; earlier blocks are not shown. */
	int (*predict)(void *opaque, const u8 *history, size_t n, u16 probs[256]);
} nz_cm_ext_predictor;

struct nz_block_codec;
/* Attach (or with NULL detach) an external predictor to a CM block codec. */
void nz_cm_codec_set_ext(struct nz_block_codec *bc, const nz_cm_ext_predictor *ext);

/* Tests and fuzz seeds: code every segment as x86 code (the detector's answer
 * forced; the transform and the executable model where the flags allow), so
 * that short segments reach them. Never changes what a decoder accepts. */
void nz_cm_codec_force_code(struct nz_block_codec *bc, int on);

#endif /* NZ_CM_H */
