#!/usr/bin/env bash
# make_bad.sh NZIP - regenerate tests/data/bad/: small crafted files that every nzip
# must reject with a one-line error and exit code 1 (never a crash, hang or huge
# allocation). tests/cli/bad_input.sh runs them all.
#
# The files are made from real frames written by NZIP, then damaged one way each. A
# helper (C, linked with libxxhash like the library) edits header fields and then
# recomputes the header's check, so the damage reaches the checks behind it instead
# of stopping at the checksum. Field offsets follow docs/FORMAT.md.
set -euo pipefail
NZIP=${1:?usage: make_bad.sh NZIP}
NZIP=$(realpath "$NZIP")
here=$(cd "$(dirname "$0")" && pwd)
out=$here/bad
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/craft.c" <<'C'
/* craft IN OUT OP ARGS... - edit an nzip file and fix the checks of what was edited.
 *   hdr OFF VAL       frame header byte OFF := VAL
 *   content VAL       header content size := VAL (the header must have one)
 *   param KEY VAL     header parameter KEY := VAL (the key must be present)
 *   blk N OFF W VAL   block N (0 = first): W-byte little-endian field at OFF := VAL
 *   foot OFF VAL      footer: 8-byte field at OFF := VAL
 *   set OFF VAL       byte OFF := VAL anywhere, fixing nothing
 *   flip OFF BIT      flip one bit anywhere, fixing nothing
 *   fill N VAL        every payload byte of block N := VAL, fixing nothing
 *   cut N             keep the first N bytes
 * Checks are fixed after every op; ops apply in order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
static unsigned char *b; static size_t n;
static void put(size_t off, unsigned w, unsigned long long v) {
	if (off + w > n) { fprintf(stderr, "craft: offset %zu out of range\n", off); exit(1); }
	for (unsigned i = 0; i < w; i++) b[off + i] = (unsigned char)(v >> (8 * i));
}
static unsigned long long get(size_t off, unsigned w) {
	unsigned long long v = 0;
	for (unsigned i = 0; i < w; i++) v |= (unsigned long long)b[off + i] << (8 * i);
	return v;
}
static void fix(size_t start, size_t len) { put(start + len, 4, (unsigned)XXH64(b + start, len, 0)); }
static size_t hdr_len(void) { return 12 + ((b[5] & 1) ? 8 : 0) + 9 * (size_t)b[9]; }
/* Offset of block N's header, or of the footer for N = -1. */
static size_t block_at(long want) {
	size_t pos = hdr_len() + 4;
	for (long i = 0;; i++) {
		if (pos + 4 > n) { fprintf(stderr, "craft: no block %ld\n", want); exit(1); }
		if (b[pos] == 0) { if (want < 0) return pos; fprintf(stderr, "craft: no block %ld\n", want); exit(1); }
		if (i == want) return pos;
		unsigned k = b[pos + 2];
		size_t payload = 0;
		if (b[pos] == 2) payload = get(pos + 4, 4);
		else for (unsigned s = 0; s < k; s++) payload += get(pos + 16 + 4 * s, 4);
		pos += 16 + 4 * k + 4 + payload;
	}
}
static size_t blk_len(size_t pos) { return 16 + 4 * (size_t)b[pos + 2]; }
int main(int argc, char **argv) {
	FILE *f = fopen(argv[1], "rb"); if (!f) return 1;
	b = malloc(1 << 24); n = fread(b, 1, 1 << 24, f); fclose(f);
	for (int i = 3; i < argc;) {
		const char *op = argv[i++];
		#define NUM() strtoull(argv[i++], NULL, 0)
		if (!strcmp(op, "hdr")) { size_t off = NUM(); put(off, 1, NUM()); fix(0, hdr_len()); }
		else if (!strcmp(op, "content")) { put(12, 8, NUM()); fix(0, hdr_len()); }
		else if (!strcmp(op, "param")) {
			unsigned key = NUM(); unsigned long long v = NUM(); size_t p = 12 + ((b[5] & 1) ? 8 : 0); int found = 0;
			for (unsigned j = 0; j < b[9]; j++, p += 9) if (b[p] == key) { put(p + 1, 8, v); found = 1; }
			if (!found) { fprintf(stderr, "craft: no parameter %u\n", key); return 1; }
			fix(0, hdr_len());
		} else if (!strcmp(op, "blk")) {
			long nb = NUM(); size_t off = NUM(); unsigned w = NUM(); unsigned long long v = NUM();
			size_t pos = block_at(nb); put(pos + off, w, v); fix(pos, blk_len(pos));
		} else if (!strcmp(op, "foot")) { size_t pos = block_at(-1); size_t off = NUM(); put(pos + off, 8, NUM()); fix(pos, 20); }
		else if (!strcmp(op, "set")) { size_t off = NUM(); put(off, 1, NUM()); }
		else if (!strcmp(op, "flip")) { size_t off = NUM(); b[off] ^= (unsigned char)(1u << NUM()); }
		else if (!strcmp(op, "fill")) {
			long nb = NUM(); unsigned v = NUM(); size_t pos = block_at(nb), len = blk_len(pos) + 4, payload = 0;
			for (unsigned s = 0; s < b[pos + 2]; s++) payload += get(pos + 16 + 4 * s, 4);
			if (pos + len + payload > n) { fprintf(stderr, "craft: block %ld cut\n", nb); return 1; }
			memset(b + pos + len, (int)v, payload);
		}
		else if (!strcmp(op, "cut")) { size_t m = NUM(); if (m < n) n = m; }
		else { fprintf(stderr, "craft: unknown op %s\n", op); return 1; }
	}
	f = fopen(argv[2], "wb"); if (!f) return 1;
	fwrite(b, 1, n, f); return fclose(f) != 0;
}
C
cc -O1 -o "$work/craft" "$work/craft.c" -lxxhash

# Sources: a coded frame with several 1 KiB blocks, and a stored one.
for i in $(seq 1 80); do echo "line $i: the quick brown fox jumps over the lazy dog"; done > "$work/text"
"$NZIP" -c -q --model order2 --block-size 1K "$work/text" > "$work/coded.nz"
"$NZIP" -c -q -0 --block-size 1K "$work/text" > "$work/stored.nz"
head -c 3000 /dev/zero | tr '\0' 'a' | "$NZIP" -c -q --model order2 > "$work/nosize.nz"
# For the bounds on decoding (tests/cli/bounded.sh): a 10 KB cm file in 64
# substreams, and small frames of unknown size (so no content size contradicts
# a block's raw size) of the bit-wise model, in one and two substreams, and of
# a neural byte model.
head -c 10000 "$work/text" > "$work/text10k"
for i in $(seq 81 200); do echo "line $i: the quick brown fox jumps over the lazy dog"; done >> "$work/text10k"
head -c 10000 "$work/text10k" | "$NZIP" -c -q --model cm-1 --substreams 64 > "$work/cm64.nz"
"$NZIP" -c -q --model cm-1 < "$work/text" > "$work/cmnosize.nz"
for i in $(seq 1 800); do echo "line $i: the quick brown fox jumps over the lazy dog"; done |
	"$NZIP" -c -q --model order2 > "$work/textnosize.nz"
"$NZIP" -c -q --model cm-1 --substreams 2 < "$work/text" > "$work/cmk2nosize.nz"
head -c 3000 /dev/zero | tr '\0' 'a' | "$NZIP" -c -q --model edpc-tiny > "$work/edpcnosize.nz"
size=$(wc -c < "$work/coded.nz")
byte() { od -An -tu1 -j"$2" -N1 "$1" | tr -d ' '; }
hdr=$(( 12 + 8 + 9 * $(byte "$work/coded.nz" 9) + 4 ))            # first block header
payload=$(( hdr + 16 + 4 * $(byte "$work/coded.nz" $(( hdr + 2 ))) + 4 ))  # its payload

rm -rf "$out"
mkdir -p "$out"
c() { local name=$1 src=$2; shift 2; "$work/craft" "$work/$src" "$out/$name.nz" "$@"; }

# Not nzip at all, or too short to be.
: > "$out/empty.nz"
printf '\x89' > "$out/one_byte.nz"
printf '\x89NZP' > "$out/magic_only.nz"
printf 'hello, world\n' > "$out/text.nz"
c wrong_magic coded.nz flip 1 3
c header_cut coded.nz cut 14
# Frame header.
c version_2 coded.nz hdr 4 2
c version_0 coded.nz hdr 4 0
c header_check coded.nz flip 13 0
c flags_reserved coded.nz hdr 5 3
c reserved_byte coded.nz hdr 10 1
c coding_unknown coded.nz hdr 6 9
c model_unknown coded.nz hdr 7 200
c model_coding_mismatch coded.nz hdr 7 0
c block_log_9 coded.nz hdr 8 9
c block_log_31 coded.nz hdr 8 31
c block_log_255 coded.nz hdr 8 255
c nparams_65 coded.nz set 9 65
c nparams_more coded.nz hdr 9 40
c lanes_huge coded.nz param 2 0x10000000000
c lanes_zero coded.nz param 2 0
c context_huge coded.nz param 3 0xffffffffffffffff
c content_size_huge coded.nz content 0x4000000000000000
c content_size_max coded.nz content 0xfffffffffffffffe
c content_size_small coded.nz content 5
c content_size_zero coded.nz content 0
# Blocks.
c block_type coded.nz blk 0 0 1 9
c block_check coded.nz flip $(( hdr + 6 )) 1
c block_flags coded.nz blk 0 1 1 2
c block_keep_state_first coded.nz blk 0 1 1 1
c block_reserved coded.nz blk 0 3 1 1
c block_raw_size_zero coded.nz blk 0 4 4 0
c block_raw_size_over coded.nz blk 0 4 4 1025
c block_raw_size_max coded.nz blk 0 4 4 0xffffffff
# A tiny block claiming 1 GiB of output: must fail fast, not decode zeros for minutes.
c block_log30_raw_1g coded.nz hdr 8 30 blk 0 4 4 0x40000000
c nosize_log30_raw_1g nosize.nz hdr 8 30 blk 0 4 4 0x40000000
c block_raw_check coded.nz blk 0 8 8 0x0123456789abcdef
c block_k_zero coded.nz blk 0 2 1 0
c block_sub_size_huge coded.nz blk 0 16 4 0xffffffff
c block_sub_size_raw coded.nz blk 0 16 4 1024
c block_sub_size_short coded.nz blk 0 16 4 1
c block2_raw_check coded.nz blk 1 8 8 0
# Memory: every substream of a cm block holds a model state. 64 substreams of
# 1 GiB tables (81 GiB) are refused before anything is allocated; so is a neural
# model of 65536 lanes of width 512 (6.7 GiB). Both are far above the default limit.
c cm_k64_hash30 cm64.nz param 33 30
c edpc_lanes_hidden edpcnosize.nz param 2 65536 param 4 512 param 5 512
# Time: blocks claiming 512 MiB (within the default memory limit) from payloads
# of a few hundred bytes: each substream decoder stops at the end of its data,
# so these fail in the time the payload takes, not the hours 512 MiB would.
c nosize_log29_raw_512m nosize.nz hdr 8 29 blk 0 4 4 0x20000000
c cm_nosize_raw_512m cmnosize.nz hdr 8 29 blk 0 4 4 0x20000000
c cm_k2_nosize_raw_512m cmk2nosize.nz hdr 8 29 blk 0 4 4 0x20000000
c edpc_nosize_raw_512m edpcnosize.nz hdr 8 29 blk 0 4 4 0x20000000
# A payload of 0xff bytes puts the range decoder's code outside its range at
# once: every symbol then decodes as the last one while the model grows sure of
# it and almost no input is read, so only stopping at that state (not at the
# end of the payload) keeps this from decoding all 512 MiB.
c range_code_out_of_range textnosize.nz hdr 8 29 blk 0 4 4 0x20000000 fill 0 255
c stored_raw_size_over stored.nz blk 0 4 4 2000
c stored_type_coded stored.nz blk 0 0 1 1
c stored_cut stored.nz cut 600
# Payload: bits flipped inside coded data.
c payload_flip_first coded.nz flip $(( payload + 2 )) 4
c payload_flip_middle coded.nz flip $(( size / 2 )) 0
c payload_flip_late coded.nz flip $(( size - 40 )) 7
# Footer and the end.
c footer_size coded.nz foot 4 12345
c footer_content_check coded.nz foot 12 0
c footer_check coded.nz flip $(( size - 1 )) 0
c footer_marker coded.nz flip $(( size - 24 + 1 )) 0
c no_footer coded.nz cut $(( size - 24 ))
c footer_cut coded.nz cut $(( size - 3 ))
c nosize_footer_size nosize.nz foot 4 2999
cat "$work/coded.nz" > "$out/trailing_garbage.nz"; printf 'garbage' >> "$out/trailing_garbage.nz"
cat "$work/coded.nz" > "$out/trailing_zeros.nz"; head -c 16 /dev/zero >> "$out/trailing_zeros.nz"
cat "$work/coded.nz" > "$out/second_frame_cut.nz"; head -c 30 "$work/coded.nz" >> "$out/second_frame_cut.nz"
cat "$work/coded.nz" > "$out/second_frame_magic.nz"; printf '\x89NZP' >> "$out/second_frame_magic.nz"
echo "make_bad: $(ls "$out" | wc -l) files in $out"
