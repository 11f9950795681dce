/*
 * x86_parse.h - where the next byte falls in the x86-64 instruction stream:
 * prefix or opcode, ModRM, SIB, displacement or immediate byte k, and of which
 * instruction. The data-type models (datatype_model.h) builds its contexts from it. The
 * parser follows the byte stream the CM model codes (after the E8/E9
 * transform, which keeps every instruction's length), one byte at a time, and
 * never fails: data that is not code only makes its guesses poor, and an
 * instruction ends after 15 bytes at most, so it falls back into step within a
 * few instructions. Opcode maps: legacy one-byte, 0F, 0F 38, 0F 3A, and the VEX
 * (C4, C5) and EVEX (62) forms, which are always such prefixes in 64-bit mode.
 */
#ifndef NZ_CM_X86_PARSE_H
#define NZ_CM_X86_PARSE_H

#include "cm/cm_common.h"

/* What the next byte is (cm_x86.st). */
enum {
	X86_START,  /* a prefix or the first opcode byte */
	X86_OP2,    /* the opcode byte after 0F */
	X86_OP3,    /* the opcode byte after 0F 38 or 0F 3A */
	X86_VEX,    /* a VEX or EVEX payload byte */
	X86_VEXOP,  /* the opcode after a VEX or EVEX payload */
	X86_MODRM,
	X86_SIB,
	X86_DISP,
	X86_IMM,
	X86_STATES_
};

/* Prefix bits (cm_x86.pfx). */
enum {
	X86_P66 = 1,     /* operand size */
	X86_P67 = 2,     /* address size */
	X86_PF2 = 4,
	X86_PF3 = 8,
	X86_PREXW = 16,  /* REX.W (or VEX/EVEX .W) */
	X86_PREX = 32,   /* any REX */
	X86_PSEG = 64,   /* segment override or lock */
	X86_PVEX = 128   /* VEX or EVEX form */
};

typedef struct cm_x86 {
	u8 st;         /* X86_*: what the next byte is */
	u8 left;       /* VEX payload, displacement or immediate bytes still to come */
	u8 pfx;        /* X86_P* of the current instruction */
	u8 map;        /* 0 one-byte, 1 0F, 2 0F 38, 3 0F 3A */
	u8 op;         /* opcode byte (valid from X86_MODRM on) */
	u8 modrm, sib; /* 0 until read */
	u8 disp, imm;  /* sizes still to read after ModRM/SIB */
	u8 len;        /* bytes of the current instruction so far */
	u8 vex_left;   /* payload bytes of the VEX form being read (for its map byte) */
	u8 vex_kind;   /* 0xC4, 0xC5 or 0x62 */
	u8 opn;        /* displacement and immediate bytes of this instruction so far */
	u64 ops;       /* the first 8 of them, the first in the low byte */
	u16 prev[2];   /* map << 8 | opcode of the last two instructions */
	u8 plen;       /* length of the last instruction */
	u64 pops;      /* its displacement and immediate bytes (as ops) */
} cm_x86;

void nz_cm_x86_reset(cm_x86 *x);
/* The byte c was coded: advance. */
void nz_cm_x86_next(cm_x86 *x, u32 c);

/* The current instruction's opcode with its map, as in prev[]. */
NZ_INLINE u32 cm_x86_opcode(const cm_x86 *x) { return (u32)x->map << 8 | x->op; }

#endif /* NZ_CM_X86_PARSE_H */
