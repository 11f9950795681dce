#!/usr/bin/env bash
# batch_table.sh - many small files at once: the small corpus files plus pieces cut
# from a large corpus file, compressed with nzip -r at each -T, wall-clock time and
# speed-up over the first -T listed. Checks that every -T writes the same bytes and that they
# decompress to the inputs.
#
#   bench/batch_table.sh [-l LEVEL] [-n PIECES] [-b BYTES] [-T "1 2 4"]
#
# Defaults: level 1, 1000 pieces of 4096 bytes from gcide, -T 1 and 2. The corpus
# is $NZIP_CORPUS_DIR (default ../shared/corpus, zstd-compressed); without it (or
# without zstd) the script says so and exits 0. Times are one run each (the
# machine's other load adds noise; `uptime` is printed with the table).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
nzip=${NZIP:-$here/build/nzip}
corpus=${NZIP_CORPUS_DIR:-$here/../shared/corpus}
level=1 pieces=1000 piece_bytes=4096 threads="1 2"
while getopts "l:n:b:T:" o; do
  case $o in
    l) level=$OPTARG ;;
    n) pieces=$OPTARG ;;
    b) piece_bytes=$OPTARG ;;
    T) threads=$OPTARG ;;
    *) echo "usage: $0 [-l LEVEL] [-n PIECES] [-b BYTES] [-T \"1 2 4\"]" >&2; exit 2 ;;
  esac
done
if [ ! -d "$corpus" ] || ! command -v zstd > /dev/null; then
  echo "SKIP: no corpus in $corpus (or no zstd): set NZIP_CORPUS_DIR" >&2
  exit 0
fi
[ -x "$nzip" ] || { echo "build nzip first ($nzip)" >&2; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# The input tree: small/ (the small corpus files), pieces/ (cut from gcide).
mkdir -p "$work/in/small" "$work/in/pieces"
for z in "$corpus"/small/*.zst; do
  [ -e "$z" ] || continue
  zstd -qdc "$z" > "$work/in/small/$(basename "$z" .zst)"
done
if [ -r "$corpus/gcide.zst" ]; then
  # head closes the pipe early: zstd's SIGPIPE is expected.
  { zstd -qdc "$corpus/gcide.zst" 2> /dev/null || true; } | head -c $((pieces * piece_bytes)) |
    (cd "$work/in/pieces" && split -b "$piece_bytes" -a 4 -d - piece.)
fi
files=$(find "$work/in" -type f | wc -l)
bytes_in=$(find "$work/in" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
[ "$files" -gt 0 ] || { echo "SKIP: no corpus files found in $corpus" >&2; exit 0; }

now() { date +%s.%N; }
echo "nzip -$level -r, $files files, $bytes_in bytes ($(nproc) cores)"
echo
echo "| -T | files | bytes in | bytes out | bpb | wall s | KB/s | speed-up |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
base_secs=
first=
for t in $threads; do
  rm -rf "$work/t$t"
  cp -a "$work/in" "$work/t$t"
  t0=$(now)
  "$nzip" -q -r -"$level" -T"$t" "$work/t$t"
  t1=$(now)
  secs=$(echo "$t1 - $t0" | bc -l)
  bytes_out=$(find "$work/t$t" -type f -name '*.nz' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
  # Same bytes for every -T, and a faithful round trip.
  if [ -n "$first" ]; then
    diff -r "$work/t$first" "$work/t$t" > /dev/null || { echo "-T$t output differs from -T$first" >&2; exit 1; }
  else
    first=$t
  fi
  [ -n "$base_secs" ] || base_secs=$secs
  awk -v t="$t" -v f="$files" -v i="$bytes_in" -v o="$bytes_out" -v s="$secs" -v b="$base_secs" \
    'BEGIN { printf "| %s | %d | %d | %d | %.3f | %.2f | %.0f | %.2f |\n", t, f, i, o, 8 * o / i, s, i / s / 1000, b / s }'
done
rm -rf "$work/check" && cp -a "$work/t$first" "$work/check"
"$nzip" -q -d -r "$work/check"
diff -r "$work/check" "$work/in" > /dev/null || { echo "round trip differs" >&2; exit 1; }
echo
echo "round trip checked (diff -r); load: $(uptime)"
