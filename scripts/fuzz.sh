#!/usr/bin/env bash
# fuzz.sh - build the libFuzzer targets (clang, ASan) and run each, starting from
# its checked-in corpus (tests/fuzz/<target>/); then replay every input the run
# kept, and the checked-in corpus, under UBSan (a second build, of the replay
# drivers). Any crash, leak, hang, memory blow-up or sanitizer report fails, and
# the input that caused it is copied into tests/fuzz/<target>/ as a regression
# input (ctest's fuzz_replay_<target> then replays it in every build). Skips with
# a message if clang is missing.
#
# Why UBSan only replays: its checks split the code into about seven times as
# many edges, which libFuzzer then tracks as coverage; a fuzzer built with both
# ran at half the speed of the ASan build for no real coverage (docs/TESTING.md).
#
#   scripts/fuzz.sh [-j JOBS] [-m] [SECONDS] [TARGET...]
#
#   SECONDS   time per target (default 60); a campaign: e.g. 3600
#   -j JOBS   parallel fuzzing processes per target sharing one corpus
#             (libFuzzer -jobs/-workers); 0 = all cores (default 1)
#   -m        merge: add the new inputs that reach new coverage to
#             tests/fuzz/<target>/ (libFuzzer -merge=1), to commit
#   TARGET    cm_decode, decompress, roundtrip (default: all)
#
# Prints per target the executions, executions per second and coverage, and
# keeps the full logs in build-fuzz/logs/. docs/TESTING.md records campaigns.
set -euo pipefail
jobs=1 merge=0
while getopts "j:m" o; do
  case $o in
    j) jobs=$OPTARG ;;
    m) merge=1 ;;
    *) sed -n '2,18p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
secs=${1:-60}
[ $# -gt 0 ] && shift
cd "$(dirname "$0")/.."
if ! command -v clang >/dev/null; then
  echo "fuzz: SKIP (clang not installed)"; exit 0
fi
[ "$jobs" -gt 0 ] || jobs=$(nproc)
names=()
if [ $# -gt 0 ]; then
  for t in "$@"; do names+=("fuzz_${t#fuzz_}"); done
else
  for t in tests/fuzz/fuzz_*.c; do [ -e "$t" ] && names+=("$(basename "$t" .c)"); done
fi
if [ ${#names[@]} -eq 0 ]; then echo "fuzz: no targets"; exit 0; fi
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNZIP_FUZZ=ON \
  -DNZIP_SANITIZE=address -DNZIP_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target "${names[@]}" >/dev/null
replays=()
for name in "${names[@]}"; do replays+=("replay_${name#fuzz_}"); done
CC=clang cmake -S . -B build-ubsan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DNZIP_SANITIZE=undefined -DNZIP_BUILD_BENCH=OFF >/dev/null
cmake --build build-ubsan -j "$(nproc)" --target "${replays[@]}" >/dev/null
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
logs=$PWD/build-fuzz/logs
mkdir -p "$logs"
failed=0
for name in "${names[@]}"; do
  seeds=$PWD/tests/fuzz/${name#fuzz_}
  bin=$PWD/build-fuzz/tests/$name
  [ -x "$bin" ] || { echo "fuzz: no target $name"; exit 2; }
  mkdir -p "$seeds"
  work=$(mktemp -d)
  mkdir -p "$work/corpus" "$work/artifacts" "$work/run"
  cp "$seeds"/. "$work/corpus"/ -r 2>/dev/null || true
  echo "fuzz: $name for ${secs}s x $jobs job(s)"
  opts=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048
        -print_final_stats=1 -artifact_prefix="$work/artifacts/")
  rc=0
  if [ "$jobs" -gt 1 ]; then
    # each job fuzzes the shared corpus (new units are written to it and
    # reloaded by the others); one log per job, fuzz-N.log
    (cd "$work/run" && "$bin" "${opts[@]}" -jobs="$jobs" -workers="$jobs" -reload=1 \
       "$work/corpus" >"$work/run/driver.log" 2>&1) || rc=$?
    cat "$work"/run/*.log > "$logs/$name.log"
  else
    "$bin" "${opts[@]}" "$work/corpus" >"$logs/$name.log" 2>&1 || rc=$?
  fi
  units=$(awk '/stat::number_of_executed_units/ {s += $2} END {print s + 0}' "$logs/$name.log")
  rate=$(awk '/stat::average_exec_per_sec/ {s += $2} END {print s + 0}' "$logs/$name.log")
  cov=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$logs/$name.log" | tail -1 |
        grep -oE 'cov: [0-9]+ ft: [0-9]+' || true)
  echo "fuzz: $name: $units executions, $rate/s (all jobs), $cov"
  # Crashes, leaks, timeouts and OOMs become regression inputs.
  for a in "$work"/artifacts/*; do
    [ -e "$a" ] || continue
    kept=$seeds/$(basename "$a")
    cp "$a" "$kept"
    echo "fuzz: $name: kept $(basename "$a") as $kept"
    [ "$rc" -ne 0 ] || rc=1
  done
  # Every input the run kept, and the checked-in ones, under UBSan.
  if [ "$rc" -eq 0 ]; then
    ubsan=$PWD/build-ubsan/tests/replay_${name#fuzz_}
    if ! "$ubsan" "$seeds" "$work/corpus" >"$logs/$name.ubsan.log" 2>&1; then
      bad=$(grep -o 'replay: [^ ]*' "$logs/$name.ubsan.log" | tail -1 | cut -d' ' -f2)
      if [ -n "$bad" ] && [ -f "$bad" ]; then
        cp "$bad" "$seeds/ubsan-$(basename "$bad")"
        echo "fuzz: $name: kept $(basename "$bad") as $seeds/ubsan-$(basename "$bad")"
      fi
      tail -n 40 "$logs/$name.ubsan.log" > "$logs/$name.log.tail"
      cat "$logs/$name.log.tail" >> "$logs/$name.log"
      rc=1
    else
      echo "fuzz: $name: UBSan replay of $(grep -c '^replay: .* bytes)' "$logs/$name.ubsan.log") inputs clean"
    fi
  fi
  if [ "$rc" -ne 0 ]; then
    # The whole report (sanitizer trace, crashing input name) is what one needs.
    grep -B2 -A40 -m1 -E 'ERROR:|==[0-9]+==|deadly signal|Timeout|runtime error' "$logs/$name.log" | head -60 || tail -n 60 "$logs/$name.log"
    echo "fuzz: $name FAILED (exit $rc; log $logs/$name.log)"
    failed=1
  elif [ "$merge" -eq 1 ]; then
    before=$(ls "$seeds" | wc -l)
    "$bin" -merge=1 -rss_limit_mb=2048 -timeout=10 "$seeds" "$work/corpus" >"$logs/$name.merge.log" 2>&1
    echo "fuzz: $name: corpus $before -> $(ls "$seeds" | wc -l) inputs (merged)"
  fi
  rm -rf "$work"
done
[ $failed -eq 0 ] || exit 1
echo "fuzz: all targets clean"
