#!/usr/bin/env bash
# pipeline_table.sh - serial vs pipelined lane driver (docs/ENGINE.md, "Pipeline"):
# compress and decompress KB/s at each thread count, with the library's stage times
# of the compression, as a markdown table; with --delays, also the weight delay d.
#
# usage: bench/pipeline_table.sh [--build DIR] [--file NAME] [--bytes N]
#            [--full-bytes N] [--models "M ..."] [--threads "T ..."]
#            [--drivers "serial pipe"] [--delays "0 1 2"]
#   defaults: gcide, 1000000 bytes (full edpc: 100000), models edpc-xs edpc-s
#   trace-s pac-s sep-s edpc order2 edpc-tiny, threads "1 2", delays "0".
# Short run: bench/pipeline_table.sh --bytes 100000 --full-bytes 20000
set -euo pipefail
build=build file=gcide bytes=1000000 full_bytes=100000
models="edpc-xs edpc-s trace-s pac-s sep-s edpc order2 edpc-tiny"
threads="1 2" drivers="serial pipe" delays="0"
corpus=${NZIP_CORPUS_DIR:-../shared/corpus}
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2 ;;
    --file) file=$2 ;;
    --bytes) bytes=$2 ;;
    --full-bytes) full_bytes=$2 ;;
    --models) models=$2 ;;
    --threads) threads=$2 ;;
    --drivers) drivers=$2 ;;
    --delays) delays=$2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
bin=$build/bench/bench_pipeline
[ -x "$bin" ] || { echo "build first: $bin not found" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$tmp/$file
max=$(( bytes > full_bytes ? bytes : full_bytes ))
zstd -dc "$corpus/$file.zst" 2>/dev/null | head -c "$max" >"$src" || true
[ -s "$src" ] || { echo "corpus file $corpus/$file.zst not found" >&2; exit 1; }

kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }

echo "load: $(uptime | sed 's/.*load average/load average/')"
echo
# model-only KB/s: the bytes over the compression's forward + backward + Adam time,
# the speed the pipeline aims at (coding fully hidden behind the model).
echo "| model | bytes | d | T | driver | bpb | comp KB/s | model-only KB/s | decomp KB/s | fwd | bwd | adam | quant | code | wait | codec (compress, ms) |"
echo "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for m in $models; do
  n=$bytes
  [ "$m" = edpc ] && n=$full_bytes
  for d in $delays; do
    [ "$d" != 0 ] && [ "$m" = order2 ] && continue # order2 has no weights to delay
    for t in $threads; do
      for drv in $drivers; do
        line=$("$bin" "$src" "$n" "$m" "$t" "$drv" "$d") || { echo "| $m | $n | $d | $t | $drv | failed |"; continue; }
        model_kbs=$(awk -v n="$n" -v f="$(kv c_fwd_ms "$line")" -v b="$(kv c_bwd_ms "$line")" \
          -v a="$(kv c_adam_ms "$line")" 'BEGIN { printf "%.2f", n / (f + b + a) }')
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
          "$m" "$n" "$d" "$t" "$drv" "$(kv bpb "$line")" "$(kv comp_kbs "$line")" "$model_kbs" \
          "$(kv decomp_kbs "$line")" "$(kv c_fwd_ms "$line")" "$(kv c_bwd_ms "$line")" \
          "$(kv c_adam_ms "$line")" "$(kv c_quant_ms "$line")" "$(kv c_code_ms "$line")" \
          "$(kv c_wait_ms "$line")" "$(kv c_codec_ms "$line")"
      done
    done
  done
done
