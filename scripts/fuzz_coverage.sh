#!/usr/bin/env bash
# fuzz_coverage.sh [TARGET...] - the edges each fuzz target's checked-in corpus
# reaches, in all and per lib/ area, and for the decoder functions docs/TESTING.md
# follows: libFuzzer's -print_coverage=1 over tests/fuzz/<target>/ (one run of
# each input, no fuzzing). Needs the fuzz build (scripts/fuzz.sh makes it in
# build-fuzz/). Edge totals count every instrumented edge of a function the
# target links, encoder functions included, so 100 % is not reachable.
#
# Prints a markdown table, one row per target (default: all three).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- cm_decode decompress roundtrip
areas="cm codec coder format model common" # lib/nn is left uninstrumented (coverage_ignore.txt)
printf '| target | all |'
for a in $areas; do printf ' lib/%s |' "$a"; done
printf '\n|---|---|'
for a in $areas; do printf -- '---|'; done
printf '\n'
for t in "$@"; do
  t=${t#fuzz_}
  bin=build-fuzz/tests/fuzz_$t
  [ -x "$bin" ] || { echo "fuzz_coverage: no $bin (run scripts/fuzz.sh first)" >&2; exit 2; }
  "$bin" -print_coverage=1 -runs=0 "tests/fuzz/$t" 2>&1 |
    awk -v t="$t" -v areas="$areas" '
      /^(UN)?COVERED_FUNC:/ {
        split($5, e, "/"); file = $NF
        all_c += e[1]; all_n += e[2]
        if (match(file, /\/lib\/[a-z]+\//)) {
          a = substr(file, RSTART + 5, RLENGTH - 6)
          c[a] += e[1]; n[a] += e[2]
        }
      }
      END {
        printf "| `fuzz_%s` | %d / %d |", t, all_c, all_n
        k = split(areas, A, " ")
        for (i = 1; i <= k; i++) printf " %d / %d |", c[A[i]], n[A[i]]
        printf "\n"
      }'
done
