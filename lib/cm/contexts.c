/*
 * contexts.c - the hashes of the context kinds (contexts.h).
 */
#include "cm/contexts.h"

NZ_INLINE u32 kind_hash(u32 t, const cm_history *h, u32 rlen)
{
	const u32 c4 = h->c4, c8 = h->c8, c = c4 & 0xff, pos32 = (u32)h->pos;
	const u8 *win = h->win;
	const u32 wm = h->win_mask, above = h->above;
	u32 v;
	switch (t) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		v = cm_order_hash(t, c4, c8);
		break;
	case 6: v = hc3(c4, c8, win[(pos32 - 9) & wm] | (u32)win[(pos32 - 10) & wm] << 8); break;
	case 7: v = hc(h->word, h->word ? 0 : c); break;
	case 8: v = hc3(h->word, h->word1, h->word ? 0 : c); break;
	case 9: v = hc3(h->word, h->word2, h->word ? 0 : c); break;
	case 10: v = hc(above, h->col < 255 ? h->col : 255); break;
	case 11: v = hc(above, c); break;
	case 12: v = c4 & 0xffff00; break;
	case 13: v = c4 & 0xff00ff00; break;
	case 14: v = c4 & 0xff00ff; break;
	case 15: v = c4 & 0xff00; break;
	case 16: v = hc(c, h->ind1[c] & 0xffff); break;
	case 17: v = hc(c4 & 0xffff, h->ind2[c4 & 0xffff]); break;
	case 18:
		if (rlen)
			v = hc3(rlen, win[(pos32 - rlen) & wm],
				(u32)win[(pos32 - 2 * rlen) & wm] << 8 | c);
		else
			v = hc(c4 & 0xffff, 0);
		break;
	case 19: v = hc(h->word, h->wordc); break;
	case 20: v = hc(c4 & 0xff, c8 >> 16); break; /* sparse: bytes 1, 7, 8 back */
	case 21: v = hc3(h->col < 63 ? h->col : 63, h->line_first, c); break;
	case 22: v = hc3(h->col < 63 ? h->col : 63, h->line_first, c4 & 0xffff); break;
	case 23: v = hc3(h->nest & 0xff, h->word, h->word ? 0 : c); break;
	case 24:
		v = rlen ? hc3(win[(pos32 - rlen) & wm] | (u32)win[(pos32 - rlen - 1) & wm] << 8,
			       (u32)win[(pos32 - rlen + 1) & wm], c)
			 : hc(c4 & 0xffffff, 1);
		break;
	case 25:
		v = rlen ? hc3(win[(pos32 - rlen) & wm] | (u32)win[(pos32 - 2 * rlen) & wm] << 8, rlen,
			       pos32 % rlen)
			 : hc(c4 & 0xff, 2);
		break;
	case 26: v = hc3(h->tag, h->word, h->word ? 0 : c); break;
	case 27: v = hc3(hc(h->word, h->word1), h->word2, h->word ? 0 : c); break;
	case 28: v = hc(h->text & 0xffffff, cm_is_letter(c) ? 0 : c); break;
	case 29: v = hc(h->text, cm_is_letter(c) ? 0 : c); break;
	case 30: v = hc3((u32)h->grp, (u32)(h->grp >> 32), h->grp_run); break;
	case 31: v = hc((u32)h->grp, h->grp_run); break;
	case 32: v = hc(c, h->ind1[c] & 0xffffff); break;
	case 33: { u32 q = cm_hist_quad(c4); v = hc(q, h->ind4[q]); } break;
	case 34: v = hc(h->indlc[h->lc4 & 0xffff] & 0xffffff, 1); break;
	case 35: v = hc(h->word, h->word ? h->gap1 : h->gap0); break;
	case 36: v = hc3(c, h->gap0, h->word1); break;
	case 37: v = hc(hc(h->gap0, h->word1), hc(h->gap1, h->word2)); break;
	case 38: v = hc3(h->fword, h->word, h->word ? 0 : c); break;
	case 39: v = hc(h->line_start, c); break;
	case 40: v = hc(h->col < 255 ? h->col : 255, NZ_MIN(h->line_start - h->prev_line_start, 255u)); break;
	case 41: v = hc(pos32 >> 10, h->word ? h->word : c); break;
	case 42: v = hc3(above, (u32)h->grp & 0xffff, 3); break;
	case 43: case 44: case 45: case 46: v = h->xml.ctx[t - CM_KIND_XMLS]; break; /* XMLS .. XMLC */
	default: v = 0; break; /* MATCH1-3 are not hashed here (cm_match_kind_hash) */
	}
	return hc(v, t);
}

void nz_cm_context_hashes(const u8 *kinds, u32 n, const cm_history *h, u32 rlen, u32 *out)
{
	for (u32 i = 0; i < n; i++)
		out[i] = kind_hash(kinds[i], h, rlen);
}
