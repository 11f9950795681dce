/*
 * history.h - what the model remembers of the bytes coded so far and the text
 * structure read from them: the window of the last 2^win_bits bytes, the
 * current byte's bits, the last 8 bytes, words, lines and columns, bracket
 * nesting, what followed each byte and byte pair last (indirect contexts), and
 * the markup structure (xml_state.h) where a context kind uses it.
 * Every component reads it; only nz_cm_history_update_byte writes it (at the end
 * of each byte), and the bits of the current byte (c0, bpos) are advanced by
 * the assembling model. A lane has its own.
 */
#ifndef NZ_CM_HISTORY_H
#define NZ_CM_HISTORY_H

#include "cm/cm_common.h"
#include "cm/xml_state.h"

typedef struct cm_history {
	u8 *win;              /* the last 2^win_bits bytes */
	u32 win_mask;
	u64 pos;              /* bytes coded since reset */
	u32 c0;               /* 1 then the bits of the current byte */
	u32 bpos;             /* bits of the current byte coded (0..7) */
	u32 c4, c8;           /* the last 8 bytes, newest in the low byte of c4 */
	u32 word, word1, word2, wordc; /* word hashes, byte before current word */
	u32 col, line_start, prev_line_start;
	u32 line_first;       /* first byte of the current line */
	u32 nest;             /* innermost open bracket kinds, 4 bits each */
	u32 above;            /* the byte above (same column, previous line) or 0 */
	u32 tag, tagacc;      /* hash of the last complete <tag> name; the one being read */
	u32 intag;            /* inside a <...> name */
	u32 text;             /* the last letters (case-folded), non-letters skipped */
	u32 wlen;             /* letters in the current word */
	u64 grp;              /* classes of the last bytes (paq8px's char groups), a run of letters of
	                       * one case or of digits as one, newest in the low byte */
	u32 grp_run;          /* the last byte continued such a run (grp did not move) */
	u32 gap0, gap1;       /* hash of the non-letters since the last letter (0 in a word); the
	                       * gap before the current or last word */
	u32 fword;            /* the first word of the line (0 until it ends) */
	u32 lc4;              /* the last 4 bytes, letters in lower case */
	u32 *ind1;            /* 256: last four bytes that followed each byte */
	u16 *ind2;            /* 65536: last two after each byte pair */
	u16 *ind4;            /* 65536: last two after each top-nibble quad (bytes 1-4) */
	u32 *indlc;           /* 65536: last four after each lower-case byte pair */
	int uword;            /* bytes >= 128 are letters of words (UTF-8 text) */
	int xml_on;           /* read the markup structure (a kind that uses it is on) */
	cm_xml xml;
} cm_history;

/* ASCII letters, either case (what the word and text contexts count). */
NZ_INLINE int cm_is_letter(u32 c) { return (c | 32) - 'a' < 26; }

int nz_cm_history_init(cm_history *h, u32 win_bits);
void nz_cm_history_free(cm_history *h);
void nz_cm_history_reset(cm_history *h);
/* Bytes allocated besides the struct. */
u64 nz_cm_history_memory(u32 win_bits);
/* Append the byte just coded. */
void nz_cm_history_update_byte(cm_history *h, u32 c);

/* The top nibbles of the 4 bytes of c4 (16 bits). */
NZ_INLINE u32 cm_hist_quad(u32 c4)
{
	return (c4 >> 4 & 0xf) | (c4 >> 8 & 0xf0) | (c4 >> 12 & 0xf00) | (c4 >> 16 & 0xf000);
}

/* The byte `back` bytes before the next one (back >= 1). */
NZ_INLINE u32 cm_hist_back(const cm_history *h, u32 back)
{
	return h->win[((u32)h->pos - back) & h->win_mask];
}

#endif /* NZ_CM_HISTORY_H */
