#!/usr/bin/env bash
# corpus_table.sh - compressed size, bits per byte, compress/decompress MB/s and peak
# memory of nzip beside gzip -9, bzip2 -9, xz -9 and zstd -19 on the corpus.
#
#   bench/corpus_table.sh [-n BYTES] [-t "nzip -6|nzip -9 ..."] [FILE...]
#
# FILE names are corpus names (gcide, linux, small/alice29.txt...) or paths. With
# -n, each file is cut to its first BYTES bytes. Prints one markdown table; every
# round trip is checked with cmp. Times are wall-clock of one run (the machine's
# other load adds noise: repeat and keep the best when it matters).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
nzip=${NZIP:-$here/build/nzip}
corpus=${NZIP_CORPUS_DIR:-$here/../shared/corpus}
limit=0
tools="gzip -9|bzip2 -9|xz -9|zstd -19|nzip"
while getopts "n:t:" o; do
  case $o in
    n) limit=$OPTARG ;;
    t) tools=$OPTARG ;;
    *) echo "usage: $0 [-n BYTES] [-t TOOLS] [FILE...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(gcide linux cldr cc1)
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
# run OUT_FILE CMD...: run CMD with stdout to OUT_FILE; sets secs and rss_mb.
run() {
  local out=$1; shift
  local t0 t1
  t0=$(now)
  /usr/bin/time -f %M -o "$work/rss" "$@" > "$out"
  t1=$(now)
  secs=$(echo "$t1 - $t0" | bc -l)
  rss_mb=$(( $(cat "$work/rss") / 1024 ))
}

echo "| file | bytes | tool | compressed | bpb | comp MB/s | decomp MB/s | comp RSS MB |"
echo "|---|---:|---|---:|---:|---:|---:|---:|"
for f in "${files[@]}"; do
  src=$f
  [ -f "$src" ] || src=$corpus/$f.zst
  if [ ! -f "$src" ]; then echo "skip: $f not found" >&2; continue; fi
  in=$work/input
  case $src in
    *.zst) zstd -dc "$src" > "$in.full" ;;
    *) cp "$src" "$in.full" ;;
  esac
  if [ "$limit" -gt 0 ]; then head -c "$limit" "$in.full" > "$in"; rm "$in.full"; else mv "$in.full" "$in"; fi
  n=$(stat -c %s "$in")
  IFS='|' read -ra list <<< "$tools"
  for tool in "${list[@]}"; do
    read -ra cmd <<< "$tool"
    case ${cmd[0]} in nzip) cmd[0]=$nzip ;; esac
    run "$work/c" "${cmd[@]}" -c "$in"; cs=$secs; crss=$rss_mb
    run "$work/d" "${cmd[@]}" -dc "$work/c"; ds=$secs
    cmp -s "$in" "$work/d" || { echo "ROUND TRIP FAILED: $tool on $f" >&2; exit 1; }
    c=$(stat -c %s "$work/c")
    printf "| %s | %d | %s | %d | %.3f | %.2f | %.2f | %d |\n" "$(basename "$f")" "$n" "$tool" "$c" \
      "$(echo "8 * $c / $n" | bc -l)" "$(echo "$n / 1000000 / $cs" | bc -l)" \
      "$(echo "$n / 1000000 / $ds" | bc -l)" "$crss"
  done
  rm -f "$in"
done
