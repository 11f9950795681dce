#!/usr/bin/env bash
# cm_table.sh - markdown table of the context-mixing levels beside the usual tools.
#
#   bench/cm_table.sh [BUILD_DIR]
#   env: LEVELS="1 3 5 7 9"   CM levels to run
#        FILES="gcide linux cldr cc1 small/alice29.txt ..."   corpus names (default: all)
#        PREFIX=N              use only the first N bytes of each file (default: whole)
#        THREADS="1 2"         CM thread counts (K = threads substreams per block)
#        TOOLS=1               also run gzip -9, bzip2 -9, xz -9, zstd -19 --long, brotli -q 11
#        CORPUS=dir            default ../shared/corpus (zstd-compressed files)
# Speeds are MB/s (10^6 bytes/s) from CPU time (user+sys) for the one-thread rows,
# wall time for THREADS>1; RSS is the peak of the process in MB.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
corpus=${CORPUS:-../shared/corpus}
levels=${LEVELS:-"1 3 5 7 9"}
threads=${THREADS:-1}
tools=${TOOLS:-1}
if [ -z "${FILES:-}" ]; then
  FILES="gcide linux cldr cc1"
  for f in "$corpus"/small/*.zst; do n=${f##*/}; FILES="$FILES small/${n%.zst}"; done
fi
bench=$build/bench/bench_cm
[ -x "$bench" ] || { echo "build $bench first (make build)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# tool row: name, compress command (stdin->stdout), decompress command
run_tool() {
  local name=$1 comp=$2 decomp=$3 in=$4 label=$5 n
  n=$(stat -c %s "$in")
  /usr/bin/time -f "%U %S %M" -o "$tmp/tc" bash -c "$comp < '$in' > '$tmp/c'"
  /usr/bin/time -f "%U %S %M" -o "$tmp/td" bash -c "$decomp < '$tmp/c' > '$tmp/d'"
  cmp -s "$in" "$tmp/d" || { echo "round trip failed: $name $label" >&2; exit 1; }
  local out; out=$(stat -c %s "$tmp/c")
  read -r cu cs cm < "$tmp/tc"; read -r du ds dm < "$tmp/td"
  awk -v f="$label" -v t="$name" -v n="$n" -v o="$out" -v ct="$cu+$cs" -v dt="$du+$ds" -v m="$cm" 'BEGIN {
    split(ct, a, "+"); split(dt, b, "+"); c = a[1] + a[2]; d = b[1] + b[2];
    if (c < 0.01) c = 0.01; if (d < 0.01) d = 0.01;
    printf "| %s | %s | %d | %.3f | %.2f | %.2f | %d |\n", f, t, o, o * 8 / n, n / c / 1e6, n / d / 1e6, m / 1024 }'
}

echo "| file | coder | bytes | bpb | comp MB/s | decomp MB/s | RSS MB |"
echo "|---|---|---:|---:|---:|---:|---:|"
for f in $FILES; do
  in=$tmp/in
  # (not a pipe into head: zstd's SIGPIPE would end the script under pipefail)
  if [ -n "${PREFIX:-}" ]; then head -c "$PREFIX" < <(zstd -dc "$corpus/$f.zst") > "$in"
  else zstd -dc "$corpus/$f.zst" > "$in"; fi
  label=$f${PREFIX:+ (${PREFIX} B)}
  for l in $levels; do
    for t in $threads; do
      # -s -T: tables sized to the file and the table profile, as nzip does
      r=$("$bench" "$in" "$l" -k "$t" -t "$t" -s -T 2>/dev/null)
      # file level K threads in out bpb comp decomp rss comp_cpu decomp_cpu
      echo "$r" | awk -v f="$label" '{
        c = ($4 == 1) ? $11 : $8; d = ($4 == 1) ? $12 : $9;
        printf "| %s | nzip cm -%d%s | %d | %.3f | %.2f | %.2f | %d |\n", f, $2,
          ($4 > 1 ? sprintf(" (K=%d, %d threads)", $3, $4) : ""), $6, $7, c, d, $10 }'
    done
  done
  if [ "$tools" = 1 ]; then
    run_tool "gzip -9" "gzip -9" "gzip -d" "$in" "$label"
    run_tool "bzip2 -9" "bzip2 -9" "bzip2 -d" "$in" "$label"
    run_tool "xz -9" "xz -9 -T1" "xz -d" "$in" "$label"
    run_tool "zstd -19 --long" "zstd -q -19 --long=27" "zstd -q -d --long=27" "$in" "$label"
    if command -v brotli >/dev/null; then
      run_tool "brotli -q 11" "brotli -q 11 -w 24 -c" "brotli -d -c" "$in" "$label"
    fi
  fi
done
