/*
 * history.c - the byte history and text structure (history.h).
 */
#include "cm/history.h"

int nz_cm_history_init(cm_history *h, u32 win_bits)
{
	h->win_mask = (u32)(((u64)1 << win_bits) - 1);
	h->win = nz_big_alloc((size_t)1 << win_bits);
	h->ind1 = nz_malloc_aligned(256 * 4);
	h->ind2 = nz_malloc_aligned(65536 * 2);
	h->ind4 = nz_malloc_aligned(65536 * 2);
	h->indlc = nz_malloc_aligned(65536 * 4);
	return h->win && h->ind1 && h->ind2 && h->ind4 && h->indlc ? NZ_OK : NZ_ERR_NOMEM;
}

void nz_cm_history_free(cm_history *h)
{
	if (h->win)
		nz_big_free(h->win, (size_t)h->win_mask + 1);
	nz_free_aligned(h->ind1);
	nz_free_aligned(h->ind2);
	nz_free_aligned(h->ind4);
	nz_free_aligned(h->indlc);
	h->win = NULL;
	h->ind1 = h->indlc = NULL;
	h->ind2 = h->ind4 = NULL;
}

u64 nz_cm_history_memory(u32 win_bits) { return ((u64)1 << win_bits) + 4 * 256 + 8 * 65536; }

void nz_cm_history_reset(cm_history *h)
{
	memset(h->win, 0, (size_t)h->win_mask + 1);
	memset(h->ind1, 0, 256 * 4);
	memset(h->ind2, 0, 65536 * 2);
	memset(h->ind4, 0, 65536 * 2);
	memset(h->indlc, 0, 65536 * 4);
	h->pos = 0;
	h->c0 = 1;
	h->c4 = h->c8 = 0;
	h->bpos = 0;
	h->word = h->word1 = h->word2 = h->wordc = 0;
	h->col = h->line_start = h->prev_line_start = 0;
	h->line_first = h->nest = 0;
	h->above = 0;
	h->tag = h->tagacc = h->intag = h->text = h->wlen = 0;
	h->grp = 0;
	h->grp_run = 0;
	h->gap0 = h->gap1 = h->fword = h->lc4 = 0;
	nz_cm_xml_reset(&h->xml);
}

void nz_cm_history_update_byte(cm_history *h, u32 c)
{
	u32 pos32 = (u32)h->pos;
	h->win[pos32 & h->win_mask] = (u8)c;
	h->pos++;
	pos32++;
	u32 c1old = h->c4 & 0xff, c2old = (h->c4 >> 8) & 0xff;
	u32 q4old = cm_hist_quad(h->c4);
	h->c8 = (h->c8 << 8) | (h->c4 >> 24);
	h->c4 = (h->c4 << 8) | c;

	/* indirect tables: what followed the previous byte / byte pair / nibble quad /
	 * lower-case pair */
	h->ind1[c1old] = (h->ind1[c1old] << 8) | c;
	u32 i2 = (c2old << 8) | c1old;
	h->ind2[i2] = (u16)((h->ind2[i2] << 8) | c);
	h->ind4[q4old] = (u16)((h->ind4[q4old] << 8) | c);
	{
		u32 lc = c - 'A' < 26 ? c | 32 : c, ilc = h->lc4 & 0xffff;
		h->indlc[ilc] = (h->indlc[ilc] << 8) | lc;
		h->lc4 = (h->lc4 << 8) | lc;
	}

	/* words, their lengths and the letters-only text */
	if (cm_is_letter(c) || (h->uword && c >= 128)) {
		const u32 lc = c >= 128 ? c : c | 32;
		if (h->word == 0) {
			h->wordc = c1old;
			h->gap1 = h->gap0;
		}
		h->gap0 = 0;
		h->word = hc(h->word, lc);
		h->wlen++;
		h->text = h->text * (997 * 16) + lc;
	} else {
		h->gap0 = hc(h->gap0, c);
		if (h->word) {
			if (!h->fword)
				h->fword = h->word;
			h->word2 = h->word1;
			h->word1 = h->word;
			h->word = 0;
		}
		h->wlen = 0;
	}
	{ /* byte classes (paq8px's char groups): the digits one class, the upper case
	   * letters one, the lower case one, the bytes >= 128 one, every other byte
	   * its own; a run of letters of one case or of digits counts once, so the
	   * last 8 classes span a few words and their punctuation */
		u32 g = c;
		if (c - '0' < 10)
			g = '0';
		else if (c - 'A' < 26)
			g = 'A';
		else if (c - 'a' < 26)
			g = 'a';
		else if (c >= 128)
			g = 128;
		h->grp_run = (g == '0' || g == 'A' || g == 'a') && g == (h->grp & 0xff);
		if (!h->grp_run)
			h->grp = h->grp << 8 | g;
	}
	/* markup tags: the name after '<' (with a leading '/'), up to a space or '>' */
	if (c == '<') {
		h->intag = 1;
		h->tagacc = 0;
	} else if (h->intag) {
		if (c == '>' || c == ' ' || c == '\n' || h->intag > 16) {
			h->tag = h->tagacc;
			h->intag = 0;
		} else {
			h->tagacc = hc(h->tagacc, c);
			h->intag++;
		}
	}
	/* lines and columns */
	if (c == '\n') {
		h->prev_line_start = h->line_start;
		h->line_start = pos32;
		h->fword = 0;
	}
	h->col = pos32 - h->line_start;
	if (h->col == 1)
		h->line_first = c;
	{ /* bracket nesting: ( [ { < and the two-sided \ and " markers */
		static const char open[] = "([{<", close[] = ")]}>";
		for (u32 q = 0; q < 4; q++) {
			if (c == (u32)open[q])
				h->nest = (h->nest << 4) | (q + 1);
			else if (c == (u32)close[q] && (h->nest & 15) == q + 1)
				h->nest >>= 4;
		}
		if (c == '\\' || c == '"') {
			u32 q = c == '"' ? 5 : 6;
			if ((h->nest & 15) == q)
				h->nest >>= 4;
			else
				h->nest = (h->nest << 4) | q;
		}
		if (c == '\n')
			h->nest = 0;
	}
	h->above = 0;
	if (h->prev_line_start + h->col < h->line_start && h->col < 1024)
		h->above = h->win[(h->prev_line_start + h->col) & h->win_mask];
	if (h->xml_on)
		nz_cm_xml_update(&h->xml, h->c4, h->c8, cm_hist_back(h, 9));
}
