#!/usr/bin/env bash
# fuzz.sh SECONDS - build the libFuzzer targets (clang, ASan+UBSan) and run each for
# SECONDS, starting from its checked-in seed corpus (tests/fuzz/<target>/). Any crash,
# leak, hang or sanitizer report fails. Skips with a message if clang is missing.
set -euo pipefail
secs=${1:-60}
cd "$(dirname "$0")/.."
if ! command -v clang >/dev/null; then
  echo "fuzz: SKIP (clang not installed)"; exit 0
fi
targets=(tests/fuzz/fuzz_*.c)
if [ ! -e "${targets[0]}" ]; then echo "fuzz: no targets"; exit 0; fi
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNZIP_FUZZ=ON \
  -DNZIP_SANITIZE=address,undefined -DNZIP_BUILD_BENCH=OFF >/dev/null
names=()
for t in "${targets[@]}"; do names+=("$(basename "$t" .c)"); done
cmake --build build-fuzz -j "$(nproc)" --target "${names[@]}" >/dev/null
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for name in "${names[@]}"; do
  seeds=tests/fuzz/${name#fuzz_}
  work=$(mktemp -d)
  [ -d "$seeds" ] && cp -r "$seeds"/. "$work"/ 2>/dev/null || true
  echo "fuzz: $name for ${secs}s"
  log=$(mktemp)
  rc=0
  build-fuzz/tests/"$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 "$work" >"$log" 2>&1 || rc=$?
  rm -rf "$work"
  if [ "$rc" -ne 0 ]; then
    # The whole report (sanitizer trace, crashing input name) is what one needs.
    tail -n 60 "$log"; rm -f "$log"
    echo "fuzz: $name FAILED (exit $rc)"; exit 1
  fi
  tail -n 4 "$log"; rm -f "$log"
done
echo "fuzz: all targets clean"
