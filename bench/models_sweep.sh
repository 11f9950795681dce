#!/usr/bin/env bash
# models_sweep.sh - run bench_models over a list of configurations, two at a time
# (one thread each), appending result lines to OUT. Used to choose the CPU presets:
#   bench/models_sweep.sh FILE MAX OUT 'pac-s' 'pac-s --lanes 64' 'edpc-s --lr 2e-3' ...
# Each argument after OUT is a --model name followed by any bench_models options.
set -euo pipefail
file=$1 max=$2 out=$3
shift 3
bin=${BENCH_MODELS:-build/bench/bench_models}
jobs=${JOBS:-2}
threads=${THREADS:-1}
run() {
  local model=$1
  shift
  local line
  line=$("$bin" "$file" --max "$max" --model "$model" --threads "$threads" --no-decompress "$@" 2>&1 | tail -1)
  echo "$line args=\"$*\"" >>"$out"
}
for cfg in "$@"; do
  # shellcheck disable=SC2086
  run $cfg &
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 2; done
done
wait
