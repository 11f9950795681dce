#!/usr/bin/env bash
# models_table.sh - the neural seed models beside xz -9, zstd -19 and bzip2 -9 on
# prefixes of corpus files, as a markdown table (docs/BENCHMARKS.md, "Neural seed
# models"), plus a bits-per-byte learning curve per run (CSV) and one SVG plot.
#
# usage: bench/models_table.sh [--build DIR] [--out DIR] [--threads T] [--no-decompress]
#                              FILE:BYTES:PRESET[,PRESET...] ...
#   e.g. bench/models_table.sh gcide:10000000:edpc-s,edpc-xs gcide:1000000:edpc,pac
# FILE is a corpus name (../shared/corpus/FILE.zst, or small/NAME); BYTES the prefix.
# Long: run it in the background (nohup) and read OUT/table.md afterwards.
set -euo pipefail
build=build out=bench-out threads=2 nodec=()
corpus=${NZIP_CORPUS_DIR:-../shared/corpus}
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift ;;
    --out) out=$2; shift ;;
    --threads) threads=$2; shift ;;
    --no-decompress) nodec=(--no-decompress) ;;
    *) break ;;
  esac
  shift
done
bin=$build/bench/bench_models
[ -x "$bin" ] || { echo "build first: $bin not found" >&2; exit 1; }
mkdir -p "$out"
table=$out/table.md
[ -f "$table" ] || {
  echo "| file | bytes | tool | out bytes | bpb | comp KB/s | decomp KB/s | GFLOP/s | peak RSS MB |"
  echo "|---|---:|---|---:|---:|---:|---:|---:|---:|"
} >"$table"

kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }

baseline() { # name file n cmd...
  local name=$1 f=$2 n=$3
  shift 3
  local t0 t1 size rss dt
  t0=$(date +%s.%N)
  size=$( { /usr/bin/time -f "%M" -o "$out/rss.txt" "$@" -c "$f" | wc -c; } )
  t1=$(date +%s.%N)
  rss=$(( $(cat "$out/rss.txt") / 1024 ))
  dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')
  "$@" -c "$f" | "$@" -dc >/dev/null
  awk -v f="$name" -v n="$n" -v tool="$*" -v s="$size" -v t="$dt" -v r="$rss" 'BEGIN {
    printf "| %s | %d | %s | %d | %.3f | %.0f | | | %d |\n", f, n, tool, s, 8 * s / n, n / 1000 / t, r }' >>"$table"
}

for spec in "$@"; do
  IFS=: read -r name bytes presets <<<"$spec"
  src=$out/$(echo "$name" | tr / _).$bytes
  [ -f "$src" ] || { (zstd -dc "$corpus/$name.zst" 2>/dev/null || true) | head -c "$bytes" >"$src"; }
  n=$(stat -c %s "$src")
  if ! grep -q "| $name | $n | xz" "$table"; then
    baseline "$name" "$src" "$n" xz -9
    baseline "$name" "$src" "$n" zstd -19 -q
    baseline "$name" "$src" "$n" bzip2 -9
  fi
  for preset in ${presets//,/ }; do
    csv=$out/curve.$(basename "$src").$preset.csv
    line=$(/usr/bin/time -f "rss_kb=%M" -o "$out/rss.txt" "$bin" "$src" --max "$n" --model "$preset" \
      --threads "$threads" --curve "$csv" "${nodec[@]}")
    rss=$(( $(sed 's/rss_kb=//' "$out/rss.txt") / 1024 ))
    echo "$line" >>"$out/raw.txt"
    dec=$(kv decomp_kbs "$line")
    [ "${#nodec[@]}" -gt 0 ] && dec=""
    printf "| %s | %d | nzip %s (%s lanes) | %s | %s | %s | %s | %s | %d |\n" "$name" "$n" \
      "$preset" "$(kv lanes "$line")" "$(kv out "$line")" "$(kv bpb "$line")" \
      "$(kv comp_kbs "$line")" "$dec" "$(kv gflops "$line")" "$rss" >>"$table"
  done
done
cat "$table"
