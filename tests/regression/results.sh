#!/usr/bin/env bash
# results.sh - the compressed size of each corpus file's first 64 KiB at each
# level (1-9), against the committed table tests/regression/results.csv (as zstd
# keeps tests/regression/results.csv), so that a ratio regression shows as the
# cells that changed.
#
#   tests/regression/results.sh [--update] [NZIP_BINARY]
#
# NZIP_BINARY defaults to $NZIP, then build/nzip; the corpus is $NZIP_CORPUS_DIR
# (default ../shared/corpus: *.zst and small/*.zst). Exit 0 when every cell
# matches, 1 when some changed (each listed with old, new and the change in %),
# 0 with "SKIP" when the corpus or zstd is absent. --update rewrites the table
# after a deliberate change (commit it with the change that explains it).
# Cells are computed in parallel on all cores; the output never depends on it.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
table=$here/tests/regression/results.csv
update=0
if [ "${1:-}" = "--update" ]; then update=1; shift; fi
nzip=${1:-${NZIP:-$here/build/nzip}}
corpus=${NZIP_CORPUS_DIR:-$here/../shared/corpus}
prefix=65536
levels="1 2 3 4 5 6 7 8 9"

if ! command -v zstd >/dev/null; then echo "results: SKIP (zstd not installed)"; exit 0; fi
shopt -s nullglob
files=("$corpus"/*.zst "$corpus"/small/*.zst)
if [ ${#files[@]} -eq 0 ]; then echo "results: SKIP (no corpus in $corpus)"; exit 0; fi
[ -x "$nzip" ] || { echo "results: $nzip is not an executable" >&2; exit 2; }

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
jobs=()
for f in "${files[@]}"; do
  name=${f#"$corpus"/}; name=${name%.zst}
  key=${name//\//_}
  zstd -dc "$f" 2>/dev/null | head -c $prefix > "$work/$key.in" || true
  for l in $levels; do jobs+=("$name $key $l"); done
done
export nzip work
printf '%s\n' "${jobs[@]}" | xargs -P "$(nproc)" -L 1 sh -c \
  'printf "%s,%s,%s\n" "$0" "$2" "$("$nzip" -T1 -"$2" -c "$work/$1.in" | wc -c)" > "$work/$1.$2.cell"'
{
  echo "file,level,bytes"
  for f in "${files[@]}"; do
    name=${f#"$corpus"/}; name=${name%.zst}; key=${name//\//_}
    for l in $levels; do cat "$work/$key.$l.cell"; done
  done
} > "$work/results.csv"

if [ $update -eq 1 ]; then
  cp "$work/results.csv" "$table"; echo "results: wrote $table"; exit 0
fi
[ -f "$table" ] || { echo "results: no $table (run with --update)" >&2; exit 1; }
# Compare cell by cell: a file or level only on one side is reported too.
awk -F, '
  FNR == 1 { next }
  NR == FNR { old[$1 "," $2] = $3; next }
  { k = $1 "," $2; new[k] = $3
    if (!(k in old)) { printf "  %s level %s: new cell, %s bytes\n", $1, $2, $3; bad++ }
    else if (old[k] != $3) {
      printf "  %s level %s: %s -> %s bytes (%+.2f%%)\n", $1, $2, old[k], $3, 100 * ($3 - old[k]) / old[k]; bad++ } }
  END { for (k in old) if (!(k in new)) { split(k, a, ","); printf "  %s level %s: cell gone\n", a[1], a[2]; bad++ }
        if (bad) { printf "results: %d cells changed (tests/regression/results.sh --update after a deliberate change)\n", bad; exit 1 }
        print "results: all cells as in tests/regression/results.csv" }
' "$table" "$work/results.csv"
