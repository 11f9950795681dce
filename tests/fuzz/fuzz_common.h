/*
 * fuzz_common.h - what the fuzz targets share: a reader over the input's bytes and
 * a small model configuration chosen by the input's first FZ_CONFIG_BYTES bytes.
 *
 * The frame header records every hyperparameter (docs/FORMAT.md, "Model
 * parameters"), so the decoder legitimately accepts tiny models: a few lanes,
 * hidden widths of 2..32, CM tables of 64 KiB. The fuzzers write such headers
 * (as zstd's fuzzers bound the window size), so one input costs well under a
 * millisecond instead of clearing tables sized for real files, while every
 * model, every CM context kind, flag, mixer and SSE count and the seed models'
 * weight delay stay reachable.
 *
 * Layout of the FZ_CONFIG_BYTES bytes: byte 0 the model (its id modulo 7: store,
 * order2, edpc, pac, trace, sep, cm), bytes 1..9 that model's dimensions (below).
 * A short input reads zeros. Always the same number of bytes, whatever the model,
 * so that what follows keeps its meaning when the mutator changes the model.
 */
#ifndef NZ_FUZZ_COMMON_H
#define NZ_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cm/cm.h"
#include "codec/config.h"
#include "codec/registry.h"
#include "format/frame.h"

#define FZ_CONFIG_BYTES 10

typedef struct fz_in {
	const u8 *p;
	size_t n;
} fz_in;

static inline u32 fz_u8(fz_in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

/* Seed models: learning rate, weight delay and initial-weights seed. */
static inline void fz_seed_common(nz_model_config *cfg, u32 b)
{
	static const float lr[4] = {2e-3f, 1e-3f, 1e-2f, 0.25f};
	cfg->learning_rate = lr[b & 3];
	cfg->delay = (b >> 2) % (NZ_MAX_DELAY + 1);
	cfg->seed = b >> 4;
}

/*
 * Fill *cfg (a config nz_model_config_validate accepts) from FZ_CONFIG_BYTES
 * bytes of in, and *budget with the raw bytes per block worth decoding for
 * that model (a neural model costs far more per byte than CM or order2).
 * Returns 0, or -1 in the rare case the bytes give an invalid config.
 */
static inline int fz_config_ex(fz_in *in, nz_model_config *cfg, size_t *budget, int cheap)
{
	u8 b[FZ_CONFIG_BYTES];
	for (int i = 0; i < FZ_CONFIG_BYTES; i++)
		b[i] = (u8)fz_u8(in);
	memset(cfg, 0, sizeof(*cfg));
	cfg->model = b[0] % 7;
	const nz_model_desc *d = nz_model_lookup(cfg->model);
	if (!d)
		return -1;
	cfg->coding = d->coding;
	u32 npresets = 0;
	while (d->preset_names[npresets])
		npresets++;
	/* Budgets: what one input may decode, sized so that the slowest model
	 * decodes it in about a millisecond under ASan, UBSan and coverage (a CM
	 * bit with every context costs about 3 us there; a step of a tiny neural
	 * model costs far more, mostly the engine's per-call overhead). */
	*budget = 64;
	switch (cfg->model) {
	case NZ_MODEL_STORE:
		*budget = 2048;
		break;
	case NZ_MODEL_ORDER2:
		cfg->lanes = 1 + b[1] % 8;
		cfg->context = 2;
		*budget = 256;
		break;
	case NZ_MODEL_EDPC: {
		cfg->preset = b[9] % npresets;
		cfg->lanes = 1 + b[1] % 4;
		const u32 C = 1u << (b[2] % 3), E = 1 + (b[2] / 3) % 4;
		u32 H = C * E;
		if (H < 2)
			H = 2;
		u32 R = 1 + b[3] % 2;
		if (H % R)
			R = 1;
		const u32 HB = H / R, K = 1 + (b[3] >> 1) % HB;
		const u32 S = 1 + b[4] % 4;
		u32 W = 1 + (b[4] >> 2) % 4;
		if (S * W < H / C)
			W = H / C;
		cfg->context = C;
		cfg->hidden = H;
		cfg->ffn = 1 + b[5] % 8;
		cfg->extra[0] = S;
		cfg->extra[1] = W;
		cfg->extra[2] = 1 + (b[5] >> 3) % 8; /* FB */
		cfg->extra[3] = R;
		cfg->extra[4] = K;
		fz_seed_common(cfg, b[6]);
		break;
	}
	case NZ_MODEL_PAC:
	case NZ_MODEL_SEP: {
		cfg->preset = b[9] % npresets;
		cfg->lanes = 1 + b[1] % 4;
		const u32 NL = 1 + b[2] % 2, C = (1u << (NL - 1)) * (1 + (b[2] >> 1) % 2);
		const u32 E = 1 + b[3] % 4;
		cfg->hidden = C * E;
		cfg->ffn = 1 + b[4] % 8;
		fz_seed_common(cfg, b[6]);
		if (cfg->model == NZ_MODEL_PAC) {
			cfg->context = C;
			cfg->extra[0] = NL;
		} else {
			cfg->context = C + b[5] % 4; /* Cin >= C */
			cfg->extra[0] = NL;
			cfg->extra[1] = C;
			cfg->extra[2] = 1 + (b[5] >> 2) % 4; /* stride */
		}
		break;
	}
	case NZ_MODEL_TRACE: {
		cfg->preset = b[9] % npresets;
		cfg->lanes = 1 + b[1] % 4;
		const u32 P = 1 + b[2] % 2, T = 1 + (b[2] >> 1) % 4;
		const u32 VD = 4 * (1 + b[3] % 2), H = P * VD;
		u32 NH = 1u << ((b[3] >> 1) % 3);
		if (H % NH)
			NH = 1;
		cfg->context = P * T;
		cfg->hidden = H;
		cfg->ffn = 1 + b[4] % 8;
		cfg->extra[0] = P;
		cfg->extra[1] = NH;
		cfg->extra[2] = 1 + b[5] % 2; /* R */
		fz_seed_common(cfg, b[6]);
		break;
	}
	case NZ_MODEL_CM: {
		/* Levels only name extra[] values: every combination a level or the
		 * table profile writes is one of these. SSE stages 3 and 4 allocate
		 * 8.7 MB tables each (their sizes are fixed by the format; under ASan
		 * that costs milliseconds), so they are chosen one time in 16 each. */
		static const u8 sse[16] = {0, 1, 2, 2, 1, 2, 0, 1, 2, 2, 1, 2, 0, 2, 3, 4};
		cfg->preset = b[9] % npresets;
		cfg->extra[CM_X_VERSION] = 1;
		cfg->extra[CM_X_HASHBITS] = 16;
		cfg->extra[CM_X_CTXMASK] = ((u32)b[1] | (u32)b[2] << 8 | (u32)b[3] << 16 |
					    (u32)b[4] << 24) & CM_C_ALL_;
		cfg->extra[CM_X_MATCHBITS] = (b[5] & 1) ? 16 : 0;
		cfg->extra[CM_X_MIXERS] = 1 + (b[5] >> 1) % CM_MAX_MIXERS;
		cfg->extra[CM_X_SSE] = sse[b[6] % 16];
		if (cheap && cfg->extra[CM_X_SSE] > 2)
			cfg->extra[CM_X_SSE] = 2;
		/* flags 0-7 from b[7], 8-11 from the high half of b[6] (its low half
		 * picks the SSE stages), 12-15 (EXE, IMG, JPEG and AUDIO) from the top
		 * three bits of b[8], JPEG and AUDIO from the same one (its low bits
		 * pick the neural model); the extra mixers need all six others */
		const u32 files = (b[8] >> 5) & 1; /* JPEG and AUDIO */
		cfg->extra[CM_X_FLAGS] = ((b[7] | (u32)(b[6] >> 4) << 8 | (u32)(b[8] >> 7) << 12 |
					   (u32)((b[8] >> 6) & 1) << 13 | files << 14 | files << 15) &
					  CM_F_ALL_) & ~(u32)CM_F_EXT;
		/* flags 16 (BHIST) and 17 (SPANS) from the top two bits of b[4],
		 * which the 30 context kinds leave free */
		if (b[4] & 0x80)
			cfg->extra[CM_X_FLAGS] |= CM_F_BHIST;
		if (b[4] & 0x40)
			cfg->extra[CM_X_FLAGS] |= CM_F_SPANS;
		/* kinds 32-49, UWORD, NOSSE0, MIXGRP, DETIN, APM2, RUNBP, the rates and paq8px's SSE chain have no bytes of their own: they
		 * follow from bytes that pick other things (so the seeds of levels 8
		 * and 9 hold some of them, not the levels' own). The chain, one time in
		 * 16 and not in the cheap configurations (its six 8.7 MB tables, made
		 * resident a huge page at a time, in each of the states fuzz_roundtrip
		 * keeps passed its 2 GB limit), takes the place of the stages */
		cfg->extra[CM_X_CTXMASK] |= ((u64)(b[1] ^ b[5] ^ b[9]) << 32 |
					     (u64)((b[2] ^ b[7]) & 7) << 40 |
					     (u64)((b[3] ^ b[9]) & 0x7f) << 43) & CM_C_ALL_;
		if ((cfg->extra[CM_X_FLAGS] & CM_F_MIX7) && ((b[2] ^ b[6]) & 0x08))
			cfg->extra[CM_X_FLAGS] |= CM_F_MIXGRP;
		/* DETIN (with RICH), APM2, RUNBP (with BHIST) and the mixers' rates likewise */
		if ((cfg->extra[CM_X_FLAGS] & CM_F_RICH) && ((b[3] ^ b[7]) & 0x04))
			cfg->extra[CM_X_FLAGS] |= CM_F_DETIN;
		if ((b[1] ^ b[6]) & 0x10)
			cfg->extra[CM_X_FLAGS] |= CM_F_APM2;
		if ((b[4] ^ b[9]) & 0x01)
			cfg->extra[CM_X_FLAGS] |= CM_F_UWORD;
		if ((b[5] ^ b[9]) & 0x20)
			cfg->extra[CM_X_FLAGS] |= CM_F_NOSSE0;
		if ((cfg->extra[CM_X_FLAGS] & CM_F_BHIST) && ((b[5] ^ b[8]) & 0x02))
			cfg->extra[CM_X_FLAGS] |= CM_F_RUNBP;
		if ((b[2] ^ b[9]) & 0x40)
			cfg->extra[CM_X_MIXLR] = (u64)(1 + (b[1] ^ b[3]) % 64) | (u64)(1 + (b[2] ^ b[4]) % 64) << 8;
		if (!cheap && ((b[3] ^ b[8]) & 0xf0) == 0xf0) {
			cfg->extra[CM_X_FLAGS] = (cfg->extra[CM_X_FLAGS] | CM_F_SSEP) & ~(u64)CM_F_SSE2;
			cfg->extra[CM_X_SSE] = 0;
		}
		if (cfg->extra[CM_X_FLAGS] & (CM_F_MIX7 | CM_F_MIX8 | CM_F_MIX9))
			cfg->extra[CM_X_MIXERS] = CM_MAX_MIXERS;
		*budget = 32;
		/* the JPEG and audio models alone of the types: blocks long enough
		 * for a JPEG file's headers (the smallest is some 150 bytes) and a
		 * scan, or a WAV header and 64 frames */
		if (files && !(cfg->extra[CM_X_FLAGS] & (CM_F_EXE | CM_F_IMG)))
			*budget = 256;
		/* The neural input: one time in 8 (a neural step costs far more
		 * than a CM bit), any byte model at its tiny preset. */
		if ((b[7] >> 5) == 7 && !cheap) {
			static const u8 nn[4] = {NZ_MODEL_EDPC, NZ_MODEL_PAC, NZ_MODEL_TRACE,
						 NZ_MODEL_SEP};
			cfg->extra[CM_X_FLAGS] |= CM_F_EXT;
			cfg->extra[CM_X_NNMODEL] = nn[b[8] % 4];
			cfg->extra[CM_X_NNPRESET] = 3; /* "-tiny" */
			cfg->extra[CM_X_NNLANES] = ((b[8] >> 2) & 7) % 5;
			*budget = 8;
		}
		break;
	}
	}
	if (cfg->model >= NZ_MODEL_EDPC && cfg->model <= NZ_MODEL_SEP)
		*budget = 16;
	return nz_model_config_validate(cfg) == NZ_OK ? 0 : -1;
}

/* fz_config for the targets that create models most often (fuzz_decompress, a
 * codec per input; fuzz_roundtrip, three per new configuration): CM without SSE
 * stages 3 and 4 and without the neural input. Their tables (17 MB) and the
 * neural model's creation cost several ms under ASan; fuzz_cm_decode, which
 * keeps its codec between inputs, covers them. The frame layer around a CM
 * block is the same whatever the stages. */
static inline int fz_config(fz_in *in, nz_model_config *cfg, size_t *budget)
{
	return fz_config_ex(in, cfg, budget, 1);
}

/* The layout fuzz_roundtrip and the structured frames share: a flag byte, then
 * the FZ_CONFIG_BYTES configuration bytes (the caller checked they are there). */
static inline int fz_config_after_flag(const u8 *data, nz_model_config *cfg, size_t *budget)
{
	fz_in in = {data + 1, FZ_CONFIG_BYTES};
	return fz_config(&in, cfg, budget);
}

/* A block log from two bits of a flag byte: 1, 2 or 4 KiB blocks (3 reads as 2). */
static inline u32 fz_block_log(u32 two_bits)
{
	return NZ_BLOCK_LOG_MIN + (two_bits > 2 ? 2 : two_bits);
}

/* The FZ_CONFIG_BYTES bytes that fz_config reads as cfg's family with default-ish
 * small dimensions (for seed generators): byte 0 is the model id. */
static inline void fz_config_bytes(int model, u8 out[FZ_CONFIG_BYTES], u32 variant)
{
	for (int i = 0; i < FZ_CONFIG_BYTES; i++)
		out[i] = (u8)(variant * 37u + (u32)i * 11u);
	out[0] = (u8)model;
}

/*
 * Structured frames (fuzz_decompress, and the seeds made for it): a frame whose
 * header the fuzzer writes with a small model, followed by the input's blocks in
 * the real layout (docs/FORMAT.md) with their header and footer checksums
 * recomputed, so that mutated payloads reach the model decoders instead of
 * stopping at a checksum. Input layout:
 *   byte 0        flags: bit 0 content size present, bits 1-2 block log 10 + (0..2)
 *                 (3 reads as 2); the byte must not be 0x89 (the magic's first
 *                 byte selects the raw mode of fuzz_decompress)
 *   bytes 1..10   the model (fz_config)
 *   bytes 11..12  content size, little-endian (if present)
 *   the rest      blocks, end marker and footer as the encoder writes them.
 * A block's raw size above the model's budget is reduced modulo it, and past
 * two budgets of raw bytes the remaining blocks are left as they are (their
 * checksums then fail), so the work per input stays bounded.
 * Returns the frame's size in out (malloc'd), 0 if the input is too short or
 * the config invalid.
 */
#define FZ_STRUCT_PREFIX (1 + FZ_CONFIG_BYTES + 2)

static inline size_t fz_build_frame(const u8 *data, size_t size, u8 **out)
{
	*out = NULL;
	if (size < FZ_STRUCT_PREFIX)
		return 0;
	nz_model_config cfg;
	size_t budget;
	if (fz_config_after_flag(data, &cfg, &budget))
		return 0;
	nz_frame_header h;
	memset(&h, 0, sizeof(h));
	/* Format version 1: its fixed-width block headers are what the fix-ups below
	 * patch. Version 2's header parsing is reached through the raw frames (the
	 * seeds are version 2 files); the model decoders behind both are the same. */
	h.version = 1;
	nz_config_to_header(&cfg,
			    (data[0] & 1) ? nz_load_le16(data + 1 + FZ_CONFIG_BYTES)
					  : NZ_CONTENT_SIZE_UNKNOWN,
			    &h);
	h.block_log = (u8)fz_block_log((data[0] >> 1) & 3);
	const u8 *rest = data + FZ_STRUCT_PREFIX;
	const size_t nrest = size - FZ_STRUCT_PREFIX;
	u8 *f = malloc(NZ_FRAME_HEADER_MAX + nrest + 1);
	if (!f)
		return 0;
	size_t n = nz_write_frame_header(f, &h);
	memcpy(f + n, rest, nrest);
	u8 *b = f + n, *end = f + n + nrest;
	const u32 max_raw = 1u << h.block_log;
	if (budget > max_raw)
		budget = max_raw;
	size_t raw_total = 0;
	while (end - b >= 4 && raw_total < 2 * budget) {
		if (b[0] == NZ_BLOCK_END) {
			if (end - b >= NZ_V1_FOOTER_SIZE)
				nz_store_le32(b + 20, (u32)nz_xxh64(b, 20));
			break;
		}
		const size_t k = b[2], hs = NZ_V1_BLOCK_HEADER_FIXED + 4 * k + 4;
		if ((size_t)(end - b) < hs)
			break;
		u32 raw = nz_load_le32(b + 4);
		if (raw > budget) {
			raw = 1 + raw % (u32)budget;
			nz_store_le32(b + 4, raw);
		}
		raw_total += raw;
		nz_store_le32(b + hs - 4, (u32)nz_xxh64(b, hs - 4));
		u64 payload = 0;
		if (k)
			for (size_t j = 0; j < k; j++)
				payload += nz_load_le32(b + NZ_V1_BLOCK_HEADER_FIXED + 4 * j);
		else
			payload = raw;
		if (payload > (u64)(end - b) - hs)
			break;
		b += hs + payload;
	}
	*out = f;
	return n + nrest;
}

/* libFuzzer's built-in mutator (replay.c, without libFuzzer, has a stand-in). */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

/*
 * A custom mutator's body: in 7 mutations of 8 only the bytes after the first
 * `prefix` (the configuration) change, in the 8th any byte. A mutation of the
 * configuration makes the target create a new model (milliseconds under ASan:
 * fresh tables, mapped and poisoned), one of the payload reuses it or only
 * resets it; with inputs of 20-40 bytes, plain mutation changed the
 * configuration in about a third of the runs. Every configuration stays
 * reachable, and inputs that do not have the layout mutate freely.
 */
static inline size_t fz_mutate_after(uint8_t *data, size_t size, size_t max_size,
				     unsigned int seed, size_t prefix)
{
	if (size > prefix && max_size > prefix && (seed & 7) != 0)
		return prefix + LLVMFuzzerMutate(data + prefix, size - prefix, max_size - prefix);
	return LLVMFuzzerMutate(data, size, max_size);
}

#endif /* NZ_FUZZ_COMMON_H */
