#!/usr/bin/env bash
# jpeg_table.sh - markdown table of nzip's levels on JPEG files beside xz and,
# where built, paq8px (the JPEG model: docs/CM.md, "JPEG").
#
#   bench/jpeg_table.sh FILE.jpg...
#   env: NZIP=build/nzip   LEVELS="1 6 9"
#        PAQ8PX=path       paq8px built from source outside the tree (its -8)
#        OLD_NZIP=path     another nzip (say, before a change) as more rows
# Every row is a round trip, checked. Speeds are KB/s (1000 bytes/s) of CPU
# time (user + sys); RSS is the process's peak in MB; "% raw" is the output's
# size as a share of the file's.
set -euo pipefail
cd "$(dirname "$0")/.."
nzip=${NZIP:-build/nzip}
levels=${LEVELS:-"1 6 9"}
[ $# -gt 0 ] || { echo "usage: $0 FILE.jpg..." >&2; exit 2; }
[ -x "$nzip" ] || { echo "build $nzip first (make build)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# row: label, tool, compress command (IN -> OUT), decompress command (OUT -> BACK)
row() {
  local label=$1 tool=$2 comp=$3 decomp=$4 in=$5
  /usr/bin/time -f "%U %S %M" -o "$tmp/tc" bash -c "$comp" > /dev/null 2>&1
  /usr/bin/time -f "%U %S %M" -o "$tmp/td" bash -c "$decomp" > /dev/null 2>&1
  cmp -s "$in" "$tmp/back" || { echo "round trip failed: $tool $label" >&2; exit 1; }
  local n out
  n=$(stat -c %s "$in")
  out=$(stat -c %s "$tmp/out")
  read -r cu cs cm < "$tmp/tc"
  read -r du ds _ < "$tmp/td"
  awk -v f="$label" -v t="$tool" -v n="$n" -v o="$out" -v c="$cu+$cs" -v d="$du+$ds" -v m="$cm" 'BEGIN {
    split(c, a, "+"); split(d, b, "+"); ct = a[1] + a[2]; dt = b[1] + b[2];
    if (ct < 0.01) ct = 0.01; if (dt < 0.01) dt = 0.01;
    printf "| %s | %s | %d | %.3f | %.1f %% | %.0f | %.0f | %.0f |\n",
      f, t, o, 8 * o / n, 100 * o / n, n / 1000 / ct, n / 1000 / dt, m / 1024 }'
  rm -f "$tmp/out" "$tmp/back"
}

echo "| file | tool | bytes | bpb | % raw | comp KB/s | decomp KB/s | RSS MB |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for f in "$@"; do
  label=$(basename "$f")
  cp "$f" "$tmp/in"
  in=$tmp/in
  for l in $levels; do
    row "$label" "nzip -$l" "$nzip -$l -T1 -c '$in' > '$tmp/out'" \
      "$nzip -d -T1 -c '$tmp/out' > '$tmp/back'" "$in"
    if [ -n "${OLD_NZIP:-}" ]; then
      row "$label" "old nzip -$l" "$OLD_NZIP -$l -T1 -c '$in' > '$tmp/out'" \
        "$OLD_NZIP -d -T1 -c '$tmp/out' > '$tmp/back'" "$in"
    fi
  done
  row "$label" "xz -9e" "xz -9e -T1 -c '$in' > '$tmp/out'" "xz -d -c '$tmp/out' > '$tmp/back'" "$in"
  if [ -n "${PAQ8PX:-}" ]; then
    row "$label" "paq8px -8" "$PAQ8PX -8 '$in' '$tmp/out'" \
      "$PAQ8PX -d '$tmp/out' '$tmp/back'" "$in"
  fi
done
