#!/usr/bin/env bash
# Decoding is bounded by what the file needs, and errors say what happened
# (docs/FORMAT.md, "Limits"; docs/CLI.md, "Damaged files"):
#   - memory: a header asking for more than the limit (every substream's model
#     state counted) is refused before anything is allocated, in one line naming
#     --memlimit, under an address-space cap that an attempt would hit;
#   - time: a block claiming far more output than its payload holds fails in the
#     time its payload takes, under a CPU-time cap;
#   - damage in data that is all there is "corrupt", a short file "truncated";
#     the blocks before the damage are written (-c), nothing is left under the
#     output name (-d).
# The crafted files are made by tests/data/make_bad.sh.
source "$(dirname "$0")/common.bash"

BAD=$DATA/bad
# Address space and CPU seconds for each probe: far below what the probes ask
# for (66 GiB, 6.7 GiB; hours of decoding), above what failing fast needs (a
# 512 MiB block buffer, mostly untouched). Two threads, so that a many-core
# machine's thread stacks and malloc arenas stay inside the cap.
CAP_KB=$((3 << 20))
CAP_CPU=20
capped() { (ulimit -v $CAP_KB && ulimit -t $CAP_CPU && exec timeout 120 "$@"); }
# The time probes take well under a second; unbounded, minutes to hours (the
# out-of-range one 13 s before its check, the others far more).
CAP_CPU_FAST=5
fast() { (ulimit -v $CAP_KB && ulimit -t $CAP_CPU_FAST && exec timeout 60 "$@"); }

# ---- memory ----
for name in cm_k64_hash30 edpc_lanes_hidden; do
	f=$BAD/$name.nz
	[ -r "$f" ] || { fail "missing $f (run tests/data/make_bad.sh)"; continue; }
	expect_error capped "$NZIP" -t -T2 "$f"
	stderr_has "(--memlimit)"
	stderr_has "GiB of memory, more than the limit of 2.00 GiB"
	expect_error capped "$NZIP" -dc -T2 "$f"
	[ -s "$T_OUT" ] && fail "$name: -dc wrote output" || pass
	# -l shows the same need: the header and the first block header's substreams.
	expect 0 "$NZIP" -l "$f"
	mem=$(awk 'NR == 2 { print $8 }' "$T_OUT")
	case $mem in *G) pass ;; *) fail "$name: -l memory column '$mem', expected GiB" ;; esac
done
# -l of the 64-substream file counts all 64 states (66 GiB, not the frame's 1 GiB).
expect 0 "$NZIP" -l "$BAD/cm_k64_hash30.nz"
grep -q ' 66G ' "$T_OUT" && pass || fail "-l cm_k64_hash30: $(cat "$T_OUT")"
# An explicit limit above the need is honoured: the same file is then refused by
# the address-space cap instead (out of memory, still one line and exit 1).
expect_error capped "$NZIP" -t -T2 --memlimit 100G "$BAD/edpc_lanes_hidden.nz"
stderr_has "out of memory"

# A legitimate file in several substreams of a bit-wise model: -l shows the
# states of all of them, and a limit just under that refuses the file.
make_text src 20000
"$NZIP" -c -q --model cm-1 --substreams 4 src > k4.nz || fail "cannot make k4.nz"
"$NZIP" -c -q --model cm-1 --substreams 1 src > k1.nz || fail "cannot make k1.nz"
m4=$("$NZIP" -l k4.nz | awk 'NR == 2 { print $8 }')
m1=$("$NZIP" -l k1.nz | awk 'NR == 2 { print $8 }')
[ "${m4%M}" -ge $((3 * ${m1%M})) ] 2> /dev/null && pass || fail "-l: 4 substreams need $m4, 1 needs $m1"
expect 0 "$NZIP" -t k4.nz
expect_error "$NZIP" -t --memlimit "$(( ${m4%M} * 3 / 4 ))M" k4.nz
stderr_has "(--memlimit)"
expect 0 "$NZIP" -t --memlimit "$(( ${m4%M} + 1 ))M" k4.nz

# ---- time ----
for name in nosize_log29_raw_512m cm_nosize_raw_512m cm_k2_nosize_raw_512m edpc_nosize_raw_512m \
	range_code_out_of_range; do
	f=$BAD/$name.nz
	[ -r "$f" ] || { fail "missing $f (run tests/data/make_bad.sh)"; continue; }
	# -l walks the frame, finds it does not add up (one error line, exit 1),
	# and still shows what the header asks for.
	expect_error "$NZIP" -l "$f"
	grep -q ' 512M ' "$T_OUT" && pass || fail "-l $name: block should be 512M: $(cat "$T_OUT")"
	for threads in 1 2; do
		expect_error fast "$NZIP" -t -T$threads "$f"
		[ "$T_RC" -eq 1 ] || note "$name -T$threads: exit $T_RC (> 128: killed by the CPU cap)"
		stderr_has "compressed data is corrupt: block 1"
	done
done

# ---- error classes, and what -c / -d leave ----
make_text src 6000
"$NZIP" -c -q --model order2 --block-size 1K src > good.nz || fail "cannot make good.nz"
size=$(wc -c < good.nz)
# Damage in the middle: corrupt (never "truncated"), in block N; -c wrote
# exactly the N - 1 blocks before it, which passed their checksums.
for pos in $((size / 3)) $((size / 2)) $((size * 2 / 3)); do
	cp good.nz bad.nz
	printf '\xa5' | dd of=bad.nz bs=1 seek=$pos conv=notrunc status=none
	cmp -s bad.nz good.nz && continue
	expect_error "$NZIP" -dc bad.nz
	grep -q -i 'truncat' "$T_ERR" && fail "damage at $pos reported as truncation: $(cat "$T_ERR")"
	grep -q -E 'corrupt|checksum mismatch' "$T_ERR" && pass || fail "damage at $pos: $(cat "$T_ERR")"
	n=$(sed -n 's/.*: block \([0-9]*\) (at byte [0-9]*).*/\1/p' "$T_ERR")
	if [ -z "$n" ] || [ "$n" -lt 2 ]; then
		fail "damage at $pos: no block number >= 2 in: $(cat "$T_ERR")"
	else
		head -c $(((n - 1) * 1024)) src > want
		same "$T_OUT" want
	fi
	# A pipe is stdout too: the same blocks come out.
	cat bad.nz | "$NZIP" -d > piped 2> /dev/null
	[ $? -eq 1 ] && pass || fail "pipe: damage at $pos should exit 1"
	same piped "$T_OUT"
	# -d to a file: nothing under the output name, the input kept, no temporary.
	cp bad.nz victim.nz
	expect_error "$NZIP" -d victim.nz
	absent victim
	exists victim.nz
	expect_error "$NZIP" -d -o out victim.nz
	absent out
	no_temp_files
	rm -f victim.nz
done
# A short file: truncated (never "corrupt"); -c wrote the whole blocks before the
# cut, a prefix of the input.
head -c $((size * 2 / 3)) good.nz > cut.nz
expect_error "$NZIP" -dc cut.nz
stderr_has "unexpected end of input (truncated file?)"
grep -q -i 'corrupt' "$T_ERR" && fail "truncation reported as corruption: $(cat "$T_ERR")" || pass
got=$(wc -c < "$T_OUT")
[ "$got" -gt 0 ] && [ $((got % 1024)) -eq 0 ] && pass || fail "truncated: wrote $got bytes, expected whole 1 KiB blocks"
head -c "$got" src | cmp -s - "$T_OUT" && pass || fail "truncated: output is not a prefix of the input"
cp cut.nz c2.nz
expect_error "$NZIP" -d c2.nz
absent c2
# The bit-wise model: damage to its payload is corrupt, never truncated.
"$NZIP" -c -q --model cm-1 --block-size 1K --substreams 2 src > cm.nz || fail "cannot make cm.nz"
csize=$(wc -c < cm.nz)
for pos in 60 $((csize / 4)) $((csize / 2)) $((csize - 60)); do
	cp cm.nz cmbad.nz
	printf '\x5a' | dd of=cmbad.nz bs=1 seek=$pos conv=notrunc status=none
	run "$NZIP" -t cmbad.nz
	if [ "$T_RC" -eq 0 ]; then
		"$NZIP" -dc cmbad.nz | cmp -s - src && pass || fail "cm damage at $pos: wrong output, exit 0"
	else
		[ "$T_RC" -eq 1 ] && [ "$(wc -l < "$T_ERR")" -eq 1 ] && pass || fail "cm damage at $pos: exit $T_RC"
		grep -q -i 'truncat' "$T_ERR" && fail "cm damage at $pos reported as truncation: $(cat "$T_ERR")" || pass
	fi
done
no_temp_files
finish
