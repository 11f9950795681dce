#!/usr/bin/env bash
# gemm_table.sh - the NN engine's matrix-product throughput as a markdown table:
# GFLOP/s on 1 and 2 threads, percent of the measured single-core FMA peak, and
# the 1 -> 2 thread speed-up, for the shapes of the seed models (bench_gemm.c).
#
# usage: bench/gemm_table.sh [--build DIR] [--runs N] [--full] [--openblas] [--cpu-time]
#   --runs N     run the whole table N times and keep each shape's best (default 3):
#                other jobs on the machine only ever make a run slower
#   --full       all lane counts 256..8192 (default 256, 1024, 8192)
#   --openblas   add OpenBLAS sgemm columns (needs libopenblas0; never linked)
#   --cpu-time   time by process CPU time instead of wall time: on a machine
#                shared with other jobs this still shows each core's throughput;
#                the 2-thread column is then per core and the last column is the
#                2-thread work efficiency (1.00 = no parallel overhead), not a
#                wall-clock speed-up
set -euo pipefail
build=build runs=3 extra=() cpu=0
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift ;;
    --runs) runs=$2; shift ;;
    --full) extra+=(--full) ;;
    --openblas) extra+=(--openblas) ;;
    --cpu-time) extra+=(--cpu-time); cpu=1 ;;
    *) echo "usage: $0 [--build DIR] [--runs N] [--full] [--openblas] [--cpu-time]" >&2; exit 2 ;;
  esac
  shift
done
bin=$build/bench/bench_gemm
[ -x "$bin" ] || { echo "build first: $bin not found" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

peak=0
for r in $(seq "$runs"); do
  p=$("$bin" --peak --cpu-time | awk '/^peak/ {print $2}')
  peak=$(awk -v a="$peak" -v b="$p" 'BEGIN {print (b > a) ? b : a}')
done
for r in $(seq "$runs"); do
  for t in 1 2; do
    "$bin" --table --threads "$t" --reps 3 "${extra[@]}" >>"$tmp/t$t.txt"
  done
done
header=$(grep -m1 '^# cpu' "$tmp/t1.txt" | sed 's/^# //; s/; threads 1//')

echo "Machine: $header; measured single-core fp32 FMA peak $peak GFLOP/s."
echo
awk -v peak="$peak" -v cpu="$cpu" -v blas="$(printf '%s' "${extra[*]}" | grep -c openblas || true)" '
  /^#/ { next }
  {
    key = $1 " " $2 " " $3 " " $4 " " $5 " " $6
    t = $7
    if (!(key in seen)) { seen[key] = 1; order[n++] = key }
    if ($8 > best[key, t]) best[key, t] = $8
    if (NF >= 9 && $9 > bblas[key, t]) bblas[key, t] = $9
  }
  END {
    if (cpu)
      printf "| product | M | N | K | GFLOP/s 1 thread | %% of peak | GFLOP/s per core, 2 threads | %% of peak | 2-thread efficiency |"
    else
      printf "| product | M | N | K | GFLOP/s 1 thread | %% of peak | GFLOP/s 2 threads | %% of 2-core peak | speed-up |"
    if (blas) printf " OpenBLAS 1 thread | OpenBLAS 2 threads |"
    printf "\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    if (blas) printf "---:|---:|"
    printf "\n"
    for (i = 0; i < n; i++) {
      split(order[i], f, " ")
      name = f[1] == "fwd" ? "fwd x.w^T (nt)" : f[1] == "dX" ? "dX dy.w (nn)" : "dW dy^T.x (tn)"
      g1 = best[order[i], 1]; g2 = best[order[i], 2]
      if (cpu)
        printf "| %s | %d | %d | %d | %.1f | %.0f%% | %.1f | %.0f%% | %.2f |", name, f[2], f[3], f[4],
               g1, 100 * g1 / peak, g2, 100 * g2 / peak, g2 / g1
      else
        printf "| %s | %d | %d | %d | %.1f | %.0f%% | %.1f | %.0f%% | %.2fx |", name, f[2], f[3], f[4],
               g1, 100 * g1 / peak, g2, 100 * g2 / (2 * peak), g2 / g1
      if (blas) printf " %.1f | %.1f |", bblas[order[i], 1], bblas[order[i], 2]
      printf "\n"
    }
  }' "$tmp/t1.txt" "$tmp/t2.txt"
