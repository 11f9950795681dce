/*
 * x86_parse.c - the instruction-structure parser (x86_parse.h). The opcode
 * tables give, per opcode byte, whether a ModRM byte follows and the kind of
 * immediate (Intel SDM vol. 2, appendix A, 64-bit mode; opcodes invalid there
 * get whatever keeps the parser simple).
 */
#include "cm/x86_parse.h"

/* table entries: an immediate kind in the low 3 bits, MR = a ModRM byte */
enum { NO = 0, IB = 1, IW = 2, IZ = 3, IV = 4, IE = 5, MO = 6, PF = 7, MR = 8 };

/* the legacy one-byte map; PF: a prefix or escape, handled before the table */
static const u8 one_byte[256] = {
	/* 0x00 */ MR, MR, MR, MR, IB, IZ, NO, NO, MR, MR, MR, MR, IB, IZ, NO, PF,
	/* 0x10 */ MR, MR, MR, MR, IB, IZ, NO, NO, MR, MR, MR, MR, IB, IZ, NO, NO,
	/* 0x20 */ MR, MR, MR, MR, IB, IZ, PF, NO, MR, MR, MR, MR, IB, IZ, PF, NO,
	/* 0x30 */ MR, MR, MR, MR, IB, IZ, PF, NO, MR, MR, MR, MR, IB, IZ, PF, NO,
	/* 0x40 */ PF, PF, PF, PF, PF, PF, PF, PF, PF, PF, PF, PF, PF, PF, PF, PF,
	/* 0x50 */ NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO,
	/* 0x60 */ NO, NO, PF, MR, PF, PF, PF, PF, IZ, MR | IZ, IB, MR | IB, NO, NO, NO, NO,
	/* 0x70 */ IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB,
	/* 0x80 */ MR | IB, MR | IZ, MR | IB, MR | IB, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR,
	/* 0x90 */ NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO,
	/* 0xa0 */ MO, MO, MO, MO, NO, NO, NO, NO, IB, IZ, NO, NO, NO, NO, NO, NO,
	/* 0xb0 */ IB, IB, IB, IB, IB, IB, IB, IB, IV, IV, IV, IV, IV, IV, IV, IV,
	/* 0xc0 */ MR | IB, MR | IB, IW, NO, PF, PF, MR | IB, MR | IZ, IE, NO, IW, NO, NO, IB, NO, NO,
	/* 0xd0 */ MR, MR, MR, MR, IB, IB, NO, NO, MR, MR, MR, MR, MR, MR, MR, MR,
	/* 0xe0 */ IB, IB, IB, IB, IB, IB, IB, IB, IZ, IZ, NO, IB, NO, NO, NO, NO,
	/* 0xf0 */ PF, NO, PF, PF, NO, NO, MR, MR, NO, NO, NO, NO, NO, NO, MR, MR,
};

/* the 0F map: a ModRM byte except where listed */
static u32 two_byte(u32 op)
{
	switch (op) {
	case 0x05: case 0x06: case 0x07: case 0x08: case 0x09: case 0x0a: case 0x0b:
	case 0x0e: case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35:
	case 0x37: case 0x77: case 0xa0: case 0xa1: case 0xa2: case 0xa8: case 0xa9:
	case 0xaa:
		return NO;
	case 0x0f: case 0x70: case 0x71: case 0x72: case 0x73: case 0xa4: case 0xac:
	case 0xba: case 0xc2: case 0xc4: case 0xc5: case 0xc6:
		return MR | IB;
	default:
		if (op >= 0x80 && op <= 0x8f)
			return IZ; /* jcc rel32 */
		if (op >= 0xc8 && op <= 0xcf)
			return NO; /* bswap */
		return MR;
	}
}

void nz_cm_x86_reset(cm_x86 *x) { memset(x, 0, sizeof(*x)); }

static void end_instruction(cm_x86 *x)
{
	const u16 prev0 = (u16)cm_x86_opcode(x);
	const u8 len = x->len;
	const u16 prev1 = x->prev[0];
	const u64 ops = x->ops;
	memset(x, 0, sizeof(*x));
	x->prev[0] = prev0;
	x->prev[1] = prev1;
	x->plen = len;
	x->pops = ops;
}

/* After ModRM, SIB and displacement: the immediate, if any. */
static void after_disp(cm_x86 *x)
{
	if (x->imm) {
		x->st = X86_IMM;
		x->left = x->imm;
	} else {
		end_instruction(x);
	}
}

static void after_modrm(cm_x86 *x)
{
	/* test r/m, imm (F6 /0 /1, F7 /0 /1) is the only group with an immediate */
	if (x->map == 0 && (x->op == 0xf6 || x->op == 0xf7) && ((x->modrm >> 3) & 7) < 2)
		x->imm = x->op == 0xf6 ? 1 : (x->pfx & X86_P66) ? 2 : 4;
	if (x->disp) {
		x->st = X86_DISP;
		x->left = x->disp;
	} else {
		after_disp(x);
	}
}

static void opcode(cm_x86 *x, u32 map, u32 c)
{
	x->map = (u8)map;
	x->op = (u8)c;
	u32 t;
	if (map == 0)
		t = one_byte[c];
	else if (map == 1)
		t = two_byte(c);
	else
		t = map == 2 ? MR : MR | IB;
	if ((x->pfx & X86_PVEX) && map == 1 && c != 0x77)
		t |= MR; /* every VEX form but vzeroupper/vzeroall has ModRM */
	const int o16 = (x->pfx & X86_P66) != 0;
	static const u8 fixed[8] = {0, 1, 2, 0, 0, 3, 0, 0};
	switch (t & 7) {
	case IZ: x->imm = o16 ? 2 : 4; break;
	case IV: x->imm = (x->pfx & X86_PREXW) ? 8 : o16 ? 2 : 4; break;
	case MO: x->imm = (x->pfx & X86_P67) ? 4 : 8; break;
	default: x->imm = fixed[t & 7]; break;
	}
	if (t & MR)
		x->st = X86_MODRM;
	else
		after_disp(x);
}

/* A prefix at the start of an instruction: note it and return 1. */
static int prefix(cm_x86 *x, u32 c)
{
	switch (c) {
	case 0x66: x->pfx |= X86_P66; return 1;
	case 0x67: x->pfx |= X86_P67; return 1;
	case 0xf2: x->pfx |= X86_PF2; return 1;
	case 0xf3: x->pfx |= X86_PF3; return 1;
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65: case 0xf0:
		x->pfx |= X86_PSEG;
		return 1;
	default:
		if ((c & 0xf0) == 0x40) {
			x->pfx |= X86_PREX | ((c & 8) ? X86_PREXW : 0);
			return 1;
		}
		return 0;
	}
}

static void step(cm_x86 *x, u32 c)
{
	switch (x->st) {
	case X86_START:
		if (prefix(x, c))
			return;
		if (c == 0x0f) {
			x->map = 1;
			x->st = X86_OP2;
		} else if (c == 0xc4 || c == 0xc5 || c == 0x62) {
			x->pfx |= X86_PVEX;
			x->vex_kind = (u8)c;
			x->map = 1; /* C5 implies 0F; C4 and 62 name it in their payload */
			x->left = x->vex_left = c == 0xc5 ? 1 : c == 0xc4 ? 2 : 3;
			x->st = X86_VEX;
		} else {
			opcode(x, 0, c);
		}
		return;
	case X86_OP2:
		if (c == 0x38 || c == 0x3a) {
			x->map = c == 0x38 ? 2 : 3;
			x->st = X86_OP3;
		} else {
			opcode(x, 1, c);
		}
		return;
	case X86_OP3:
	case X86_VEXOP:
		opcode(x, x->map, c);
		return;
	case X86_VEX: {
		const u32 k = (u32)x->vex_left - x->left; /* payload byte 0, 1, 2 */
		if (x->vex_kind != 0xc5) {
			if (k == 0) {
				const u32 m = c & (x->vex_kind == 0x62 ? 7u : 31u);
				x->map = (u8)(m >= 1 && m <= 3 ? m : 1);
			} else if (k == 1 && (c & 0x80)) {
				x->pfx |= X86_PREXW;
			}
		}
		if (--x->left == 0)
			x->st = X86_VEXOP;
		return;
	}
	case X86_MODRM: {
		x->modrm = (u8)c;
		const u32 mod = c >> 6, rm = c & 7;
		if (mod != 3 && rm == 4) {
			x->st = X86_SIB;
			return;
		}
		x->disp = mod == 1 ? 1 : mod == 2 ? 4 : (mod == 0 && rm == 5) ? 4 : 0;
		after_modrm(x);
		return;
	}
	case X86_SIB: {
		x->sib = (u8)c;
		const u32 mod = x->modrm >> 6;
		x->disp = mod == 1 ? 1 : mod == 2 ? 4 : (mod == 0 && (c & 7) == 5) ? 4 : 0;
		after_modrm(x);
		return;
	}
	case X86_DISP:
		if (--x->left == 0)
			after_disp(x);
		return;
	default: /* X86_IMM */
		if (--x->left == 0)
			end_instruction(x);
		return;
	}
}

void nz_cm_x86_next(cm_x86 *x, u32 c)
{
	x->len++;
	if (x->st == X86_DISP || x->st == X86_IMM) {
		if (x->opn < 8)
			x->ops |= (u64)(c & 255) << (8 * x->opn);
		x->opn++;
	}
	step(x, c & 255);
	/* no instruction is longer than 15 bytes: whatever this was, start again */
	if (x->len >= 15)
		end_instruction(x);
}
