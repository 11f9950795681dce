/*
 * xml_state.c - markup structure (xml_state.h), after paq8px's XMLModel.
 */
#include "cm/xml_state.h"

#include <string.h>

NZ_INLINE u32 is_digit(u32 c) { return c - '0' < 10; }

/* The byte i back (1..8) from c4 and c8. */
NZ_INLINE u32 back(u32 c4, u32 c8, u32 i) { return i <= 4 ? (c4 >> (8 * (i - 1))) & 255 : (c8 >> (8 * (i - 5))) & 255; }

/* What the last bytes of a tag's content look like: dates, times, ASCII text,
 * coordinates, temperatures, numbers, an ISBN. */
static u32 content_type(u32 length, u32 c4, u32 c8, u32 b9)
{
	u32 t = 0;
	if ((c4 & 0xF0F0F0F0) == 0x30303030) { /* maybe 4 digits */
		u32 i = 0;
		while (i < 4 && is_digit((c4 >> (8 * i)) & 255))
			i++;
		if (i == 4 && (((c8 & 0xFDF0F0FD) == 0x2D30302D && is_digit(b9)) /* d-dd-dddd, d.dd.dddd */ ||
			       (c8 & 0xF0FDF0FD) == 0x302D302D /* d-d-dddd, d.d.dddd */))
			t |= CM_XML_C_DATE;
	} else if (((c8 & 0xF0F0FDF0) == 0x30302D30 || (c8 & 0xF0F0F0FD) == 0x3030302D) && is_digit(b9)) {
		u32 i = 2;
		while (i < 4 && is_digit((c8 >> (8 * i)) & 255))
			i++;
		if (i == 4 && (c4 & 0xF0FDF0F0) == 0x302D3030)
			t |= CM_XML_C_DATE;
	}
	if ((c4 & 0xF0FFF0F0) == 0x303A3030 && is_digit(back(c4, c8, 5)) &&
	    (!is_digit(back(c4, c8, 6)) /* ?dd:dd */ ||
	     ((c8 & 0xF0F0FF00) == 0x30303A00 && !is_digit(b9)) /* ?dd:dd:dd */))
		t |= CM_XML_C_TIME;
	if (length >= 8 && (c8 & 0x80808080) == 0 && (c4 & 0x80808080) == 0)
		t |= CM_XML_C_TEXT;
	if ((c8 & 0xF0F0FF) == 0x3030C2 && (c4 & 0xFFF0F0FF) == 0xB0303027) { /* dd°dd' */
		u32 i = 2;
		while (i < 7 && is_digit(back(c4, c8, i)))
			i += (i & 1) * 2 + 1;
		if (i == 10)
			t |= CM_XML_C_COORD;
	}
	if ((c4 & 0xFFFFFA) == 0xC2B042 && (c4 & 0xff) != 0x47 &&
	    (is_digit(c4 >> 24) || ((c4 >> 24) == 0x20 && is_digit(back(c4, c8, 5)))))
		t |= CM_XML_C_TEMP;
	if (is_digit(c4 & 255))
		t |= CM_XML_C_NUMBER;
	if (c4 == 0x4953424E && (c8 & 0xff) == 0x20) /* " ISBN" */
		t |= CM_XML_C_ISBN;
	return t;
}

void nz_cm_xml_reset(cm_xml *x)
{
	memset(x, 0, sizeof *x);
	x->indent_step = 2;
	x->line_ending = 2;
}

NZ_INLINE u32 h4(u32 a, u32 b, u32 c, u32 d) { return hc(hc3(a, b, c), d); }

/* The state after a tag's '>': its content follows, or (an end tag, an empty
 * tag) it is done and the next tag gets the next place. */
NZ_INLINE u32 tag_closed(cm_xml *x, u32 done)
{
	if (!done)
		return CM_XML_CONTENT;
	x->index++;
	return CM_XML_NONE;
}

void nz_cm_xml_update(cm_xml *x, u32 c4, u32 c8, u32 b9)
{
	const u32 M = CM_XML_TAGS - 1;
	const u32 c1 = c4 & 255;
	cm_xml_tag *ptag = &x->tags[(x->index - 1) & M];
	cm_xml_tag *tag = &x->tags[x->index & M];
	const u32 ai = tag->attr_index & 3;
	const u32 pstate = x->state;
	u32 state = pstate, c0ctx;
	x->pstate = pstate;

	if ((c1 == '\t' || c1 == ' ') && (c1 == ((c4 >> 8) & 255) || x->ws_run == 0)) {
		x->ws_run++;
		x->indent_tab = c1 == '\t';
	} else {
		if ((state == CM_XML_NONE || (state == CM_XML_CONTENT && tag->content_length <= x->line_ending + x->ws_run)) &&
		    x->ws_run > 1 + x->indent_tab && x->ws_run != x->pws_run) {
			x->indent_step = x->ws_run > x->pws_run ? x->ws_run - x->pws_run : x->pws_run - x->ws_run;
			x->pws_run = x->ws_run;
		}
		x->ws_run = 0;
	}
	if (c1 == '\n')
		x->line_ending = 1 + (((c4 >> 8) & 255) == '\r');

	switch (state) {
	case CM_XML_NONE:
		if (c1 == '<') {
			state = CM_XML_TAG_NAME;
			const u32 level = ptag->end_tag || ptag->empty ? ptag->level : ptag->level + 1;
			memset(tag, 0, sizeof *tag);
			tag->level = level;
		}
		if (tag->level > 1)
			tag->content_type |= content_type(tag->content_length, c4, c8, b9);
		c0ctx = hc3(pstate, state, (ptag->level + 1) * x->indent_step - x->ws_run);
		break;
	case CM_XML_TAG_NAME: {
		if (tag->length > 0 && (c1 == '\t' || c1 == '\n' || c1 == '\r' || c1 == ' ')) {
			state = CM_XML_TAG;
		} else if (c1 == ':' || c1 - 'A' < 26 || c1 == '_' || c1 - 'a' < 26 ||
			   (tag->length > 0 && (c1 == '-' || c1 == '.' || is_digit(c1)))) {
			tag->length++;
			tag->name = tag->name * 263 * 32 + (c1 & 0xDF);
		} else if (c1 == '>') {
			state = tag_closed(x, tag->end_tag);
		} else if (c1 != '!' && c1 != '-' && c1 != '/' && c1 != '[') {
			state = CM_XML_NONE;
			x->index++;
		} else if (tag->length == 0) {
			if (c1 == '/') {
				tag->end_tag = 1;
				tag->level = tag->level ? tag->level - 1 : 0;
			} else if (c4 == 0x3C212D2D) { /* "<!--" */
				state = CM_XML_COMMENT;
				tag->level = tag->level ? tag->level - 1 : 0;
			}
		}
		if (tag->length == 1 && (c4 & 0xFFFF00) == 0x3C2100) { /* "<!" + a letter */
			memset(tag, 0, sizeof *tag);
			state = CM_XML_NONE;
		} else if (tag->length == 5 && c8 == 0x215B4344 && c4 == 0x4154415B) { /* "![CDATA[" */
			state = CM_XML_CDATA;
			tag->level = tag->level ? tag->level - 1 : 0;
		}
		/* the enclosing tag: the last one that neither ends nor is empty */
		u32 i = 1;
		do {
			ptag = &x->tags[(x->index - i) & M];
			i += 1 + (ptag->end_tag && x->tags[(x->index - i - 1) & M].name == ptag->name);
		} while (i < CM_XML_TAGS && (ptag->end_tag || ptag->empty));
		c0ctx = hc(h4(pstate, state, tag->name, tag->level), hc(ptag->name, ptag->level != tag->level));
		break;
	}
	case CM_XML_TAG:
		if (c1 == '/') {
			tag->empty = 1;
		} else if (c1 == '>') {
			state = tag_closed(x, tag->empty);
		} else if (c1 != '\t' && c1 != '\n' && c1 != '\r' && c1 != ' ') {
			state = CM_XML_ATTR_NAME;
			tag->attr_name[ai] = c1 & 0xDF;
		}
		c0ctx = hc(h4(pstate, state, tag->name, c1), tag->attr_index);
		break;
	case CM_XML_ATTR_NAME:
		if ((c4 & 0xFFF0) == 0x3D20 && (c1 == '"' || c1 == '\'')) {
			state = CM_XML_ATTR_VALUE;
			if ((c8 & 0xDFDF) == 0x4852 && (c4 & 0xDFDF0000) == 0x45460000) /* HREF */
				tag->content_type |= CM_XML_C_LINK;
		} else if (c1 != '"' && c1 != '\'' && c1 != '=') {
			tag->attr_name[ai] = tag->attr_name[ai] * 263 * 32 + (c1 & 0xDF);
		}
		c0ctx = hc(h4(pstate, state, tag->attr_name[ai], tag->attr_index),
			   hc(tag->name, tag->content_type));
		break;
	case CM_XML_ATTR_VALUE:
		if (c1 == '"' || c1 == '\'') {
			tag->attr_index++;
			state = CM_XML_TAG;
		} else {
			tag->attr_value[ai] = tag->attr_value[ai] * 263 * 32 + (c1 & 0xDF);
			tag->attr_length[ai]++;
			if ((c8 & 0xDFDFDFDF) == 0x48545450 && ((c4 >> 8) == 0x3A2F2F || c4 == 0x733A2F2F))
				tag->content_type |= CM_XML_C_URL;
		}
		c0ctx = h4(pstate, state, tag->attr_name[ai], tag->content_type);
		break;
	case CM_XML_CONTENT:
		if (c1 == '<') {
			state = CM_XML_TAG_NAME;
			x->index++;
			cm_xml_tag *n = &x->tags[x->index & M];
			memset(n, 0, sizeof *n);
			n->level = tag->level + 1;
		} else {
			tag->content_length++;
			tag->content_data = tag->content_data * 997 * 16 + (c1 & 0xDF);
			tag->content_type |= content_type(tag->content_length, c4, c8, b9);
		}
		c0ctx = h4(pstate, state, tag->name, c4 & 0xC0FF);
		break;
	case CM_XML_CDATA:
		if ((c4 & 0xFFFFFF) == 0x5D5D3E) { /* "]]>" */
			state = CM_XML_NONE;
			x->index++;
		}
		c0ctx = hc(pstate, state);
		break;
	default: /* CM_XML_COMMENT */
		if ((c4 & 0xFFFFFF) == 0x2D2D3E) { /* "-->" */
			state = CM_XML_NONE;
			x->index++;
		}
		c0ctx = hc(pstate, state);
		break;
	}
	x->state = state;
	ptag = &x->tags[(x->index - 1) & M];
	x->ctx[0] = c0ctx;
	x->ctx[1] = h4(state, tag->level, pstate * 2 + tag->end_tag, tag->name);
	x->ctx[2] = h4(ptag->name, state * 2 + ptag->end_tag, ptag->content_type, tag->content_type);
	x->ctx[3] = h4(state * 2 + tag->end_tag, tag->name, tag->content_type, c4 & 0xE0FF);
}
