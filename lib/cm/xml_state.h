/*
 * xml_state.h - markup structure read from the bytes coded so far (paq8px's
 * XMLModel): a state machine over tags, attributes and content, a ring of the
 * last 32 tags with their names, nesting levels and content types (number,
 * date, time, URL, ...), and the indentation step. After each byte it leaves
 * four context hashes, the context kinds XMLS, XMLT, XMLP and XMLC
 * (contexts.c): the first depends on the state (the attribute being read, the
 * tag's name and level, the indentation expected), the others combine the
 * state with the current and the enclosing tag.
 * Part of the history (history.h): a lane has its own.
 */
#ifndef NZ_CM_XML_STATE_H
#define NZ_CM_XML_STATE_H

#include "cm/cm_common.h"

#define CM_XML_TAGS 32 /* tags remembered, a power of 2 */

/* states: between tags, reading a tag's name, inside a tag, an attribute's
 * name, its value, a tag's content, CDATA, a comment */
enum {
	CM_XML_NONE, CM_XML_TAG_NAME, CM_XML_TAG, CM_XML_ATTR_NAME, CM_XML_ATTR_VALUE,
	CM_XML_CONTENT, CM_XML_CDATA, CM_XML_COMMENT
};

/* content types (bits) */
enum {
	CM_XML_C_TEXT = 1, CM_XML_C_NUMBER = 2, CM_XML_C_DATE = 4, CM_XML_C_TIME = 8,
	CM_XML_C_URL = 16, CM_XML_C_LINK = 32, CM_XML_C_COORD = 64, CM_XML_C_TEMP = 128,
	CM_XML_C_ISBN = 256
};

typedef struct cm_xml_tag {
	u32 name, length;
	u32 level;
	u32 end_tag, empty;
	u32 content_data, content_length, content_type;
	u32 attr_name[4], attr_value[4], attr_length[4];
	u32 attr_index;
} cm_xml_tag;

typedef struct cm_xml {
	cm_xml_tag tags[CM_XML_TAGS];
	u32 index;            /* the current tag is tags[index % CM_XML_TAGS] */
	u32 state, pstate;    /* this byte's state and the one before */
	u32 ws_run, pws_run;  /* spaces or tabs in a row; the run that set the indentation step */
	u32 indent_tab;       /* the run is of tabs */
	u32 indent_step;      /* the indentation of one level */
	u32 line_ending;      /* 1 after "\n", 2 after "\r\n" */
	u32 ctx[4];           /* the four context hashes after the last byte */
} cm_xml;

void nz_cm_xml_reset(cm_xml *x);
/* Read the byte just coded: c4, c8 the last 8 bytes (newest in the low byte of
 * c4), b9 the byte 9 back. */
void nz_cm_xml_update(cm_xml *x, u32 c4, u32 c8, u32 b9);

#endif /* NZ_CM_XML_STATE_H */
