#!/usr/bin/env bash
# demo.sh NZIP [FILE] - the main job, end to end: compress a real file with nzip at
# the default level, decompress it, compare the bytes, and print size, ratio, bits
# per byte and both speeds, one line each. Exits non-zero on any failure or mismatch.
#
# Without FILE: the first NZIP_DEMO_BYTES bytes (default 2 MiB) of the gcide corpus
# file ($NZIP_CORPUS_DIR, default ../shared/corpus, zstd-compressed). If the corpus
# is absent, the repository's own sources and documents stand in, with a message.
set -euo pipefail

die() { echo "demo: $*" >&2; exit 1; }
[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: demo.sh NZIP [FILE]"
NZIP=$(realpath "$1") || die "$1: no such file"
[ -x "$NZIP" ] || die "$NZIP is not an executable"
root=$(cd "$(dirname "$0")/.." && pwd)
bytes=${NZIP_DEMO_BYTES:-2097152}
corpus=$(realpath -m "${NZIP_CORPUS_DIR:-$root/../shared/corpus}")

work=$(mktemp -d "${TMPDIR:-/tmp}/nzip-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
input=$work/input

if [ $# -eq 2 ]; then
	[ -f "$2" ] && [ -r "$2" ] || die "$2: not a readable file"
	cp "$2" "$input"
	what="$2"
elif [ -r "$corpus/gcide.zst" ] && command -v zstd > /dev/null; then
	# zstd stops with SIGPIPE once head has enough: not an error.
	zstd -dc "$corpus/gcide.zst" 2> /dev/null | head -c "$bytes" > "$input" || true
	[ -s "$input" ] || die "cannot decompress $corpus/gcide.zst"
	what="gcide, the first $(wc -c < "$input") bytes ($corpus/gcide.zst)"
else
	if [ -r "$corpus/gcide.zst" ]; then
		echo "demo: zstd is not installed, cannot read the corpus ($corpus)"
	else
		echo "demo: corpus not found at $corpus (set NZIP_CORPUS_DIR)"
	fi
	echo "demo: using the repository's own sources and documents instead"
	find "$root/include" "$root/lib" "$root/cli" "$root/docs" "$root/tests" -type f \
		\( -name '*.c' -o -name '*.h' -o -name '*.md' -o -name '*.sh' \) -print0 2> /dev/null |
		sort -z | xargs -0 cat 2> /dev/null | head -c "$bytes" > "$input" || true
	[ -s "$input" ] || die "no sources found under $root"
	what="nzip's sources, $(wc -c < "$input") bytes"
fi
size=$(wc -c < "$input")

now() { date +%s.%N; }
rate() { awk -v b="$1" -v t="$2" 'BEGIN { if (t <= 0) t = 1e-9; printf "%.2f MB/s (%.2f s)", b / t / 1e6, t }'; }

t0=$(now)
"$NZIP" -k -q "$input" || die "compression failed"
t1=$(now)
"$NZIP" -d -q -c "$input.nz" > "$work/output" || die "decompression failed"
t2=$(now)
cmp -s "$input" "$work/output" || die "MISMATCH: the decompressed file differs from the input"

csize=$(wc -c < "$input.nz")
# What the default level used, from the file's own header (nzip -l).
model=$("$NZIP" -l "$input.nz" | awk 'NR == 2 { print $5 }')

echo "demo: input       $what"
awk -v n="$size" -v c="$csize" -v m="$model" 'BEGIN {
	printf "demo: compressed  %d -> %d bytes, %.2f%% of the input (%.2fx), model %s\n", n, c, n ? 100 * c / n : 0, c ? n / c : 0, m
	printf "demo: bits/byte   %.3f\n", n ? 8 * c / n : 0 }'
echo "demo: compress    $(rate "$size" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")"
echo "demo: decompress  $(rate "$size" "$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')")"
echo "demo: verified    decompressed bytes identical to the input (cmp)"

# For context: the usual compressors on the same bytes, if installed.
ref=""
for c in "gzip -9" "bzip2 -9" "xz -9" "zstd -19"; do
	command -v "${c%% *}" > /dev/null || continue
	n=$($c -c < "$input" 2> /dev/null | wc -c) || continue
	ref="$ref${ref:+, }$c $(awk -v n="$size" -v c="$n" 'BEGIN { printf "%.3f", 8 * c / n }')"
done
[ -n "$ref" ] && echo "demo: reference   bits/byte: $ref"
exit 0
