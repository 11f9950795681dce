#!/usr/bin/env bash
# Terminals: no progress when stderr is not a terminal; on a terminal (through
# util-linux script), progress appears for long jobs and is cleared; compressed data
# is never written to or read from a terminal without -f.
source "$(dirname "$0")/common.bash"

make_corpus big 3000000 gcide
cp big big.orig
make_text small 1000
"$NZIP" -k small

# Not a terminal: nothing on stderr, even for a job of a few seconds.
expect 0 "$NZIP" --model order2 -k big
[ -s "$T_ERR" ] && fail "stderr not empty without a terminal: $(head -c 200 "$T_ERR")" || pass
rm -f big.nz

if ! script -qec true /dev/null > /dev/null 2>&1; then
	note "SKIP terminal checks: util-linux script is not available"
	finish
fi
# tty CMD: run CMD in a pseudo-terminal; its terminal output in $T_OUT, status in $T_RC.
tty() {
	script -qec "$1" /dev/null > "$T_OUT" 2>&1
	T_RC=$?
}

# Progress on a terminal: several updates with speed and bits per byte, then cleared.
tty "'$NZIP' --model order2 -k big"
[ "$T_RC" -eq 0 ] && pass || fail "compress on a terminal: exit $T_RC"
grep -q 'MB/s' "$T_OUT" && grep -q 'bpb' "$T_OUT" && pass || fail "no progress line: $(head -c 300 "$T_OUT" | cat -v)"
grep -q 'ETA' "$T_OUT" && pass || note "no ETA shown (job too short?)"
grep -q $'\e\[K' "$T_OUT" && pass || fail "progress line not cleared"
"$NZIP" -dc big.nz | cmp -s - big.orig && pass || fail "round trip on a terminal"
tty "'$NZIP' -dc big.nz > /dev/null"
grep -q 'MB/s' "$T_OUT" && pass || fail "no progress when decompressing"
rm -f big.nz
# -q and --no-progress: silent.
tty "'$NZIP' --model order2 -q -k big"
grep -q 'MB/s' "$T_OUT" && fail "progress despite -q" || pass
rm -f big.nz
tty "'$NZIP' --model order2 --no-progress -k big"
grep -q 'MB/s' "$T_OUT" && fail "progress despite --no-progress" || pass
rm -f big.nz
# Short jobs: no progress at all.
tty "'$NZIP' -c small > /dev/null"
[ -s "$T_OUT" ] && fail "output on a terminal for a short job: $(cat -v "$T_OUT")" || pass

# Compressed data is not written to a terminal...
tty "'$NZIP' < small"
[ "$T_RC" -eq 1 ] && grep -q 'not written to a terminal' "$T_OUT" && pass || fail "compress to a terminal: exit $T_RC"
tty "'$NZIP' -c small"
[ "$T_RC" -eq 1 ] && grep -q 'not written to a terminal' "$T_OUT" && pass || fail "-c to a terminal: exit $T_RC"
tty "'$NZIP' -f -c small"
[ "$T_RC" -eq 0 ] && pass || fail "-f -c to a terminal: exit $T_RC"
# ... but decompressed data is.
tty "'$NZIP' -dc small.nz"
[ "$T_RC" -eq 0 ] && grep -q 'quick brown fox' "$T_OUT" && pass || fail "-dc to a terminal: exit $T_RC"
# Reading from a terminal is refused too.
tty "'$NZIP' -d > out"
[ "$T_RC" -eq 1 ] && grep -q 'not read from a terminal' "$T_OUT" && pass || fail "-d from a terminal: exit $T_RC"
tty "'$NZIP' > out"
[ "$T_RC" -eq 1 ] && grep -q 'terminal' "$T_OUT" && pass || fail "compress from a terminal: exit $T_RC"
tty "'$NZIP' -t"
[ "$T_RC" -eq 1 ] && pass || fail "-t from a terminal: exit $T_RC"
# Files are fine with a terminal around.
tty "'$NZIP' -k -f small"
[ "$T_RC" -eq 0 ] && pass || fail "file to file on a terminal: exit $T_RC"

finish
