#!/usr/bin/env bash
# gpu_predict.sh [BENCH_MODELS]: the roofline prediction of docs/GPU.md for each
# full-size seed model on one GPU, from the model sizes `bench_models --info` prints.
# Per coding step (one byte in each of `lanes` lanes):
#   FLOP     = 2 x train MAC/byte x lanes
#   HBM      = 44 B per parameter (Adam reads p g m v and writes p m v and g = 0: 32 B;
#              the forward reads W: 4 B; the backward reads W for dX and writes dW: 8 B)
#              + 2 x the activations (model memory - 16 B per parameter), written in
#              the forward pass and read back in the backward pass
#   launches = measured by the OpenCL backend (below; L_EDPC=... to override)
#   time     = FLOP / (eff x peak) + HBM / (eff x bandwidth) + launches x gap
# (GEMMs are compute-bound, Adam and the elementwise ops memory-bound, so the two
# terms add rather than overlap). Peak and bandwidth default to an NVIDIA H200
# (fp32 without tensor cores 67 TFLOP/s, HBM3e 4.8 TB/s), eff to 0.6, gap to 4 us.
set -euo pipefail
bin=${1:-build/bench/bench_models}
PEAK=${PEAK:-67e12} BW=${BW:-4.8e12} EFF=${EFF:-0.6} GAP=${GAP:-4e-6}
# Kernel launches per coding step, as the OpenCL backend counts them
# (NZIP_OPENCL_STATS, docs/GPU.md "Per step, measured on PoCL").
declare -A launches=([edpc]=${L_EDPC:-94} [pac]=${L_PAC:-173} [trace]=${L_TRACE:-234} [sep]=${L_SEP:-226})
echo "| model | lanes | GFLOP/step | HBM MB/step | launches/step | compute ms | memory ms | launch ms | step ms | predicted KB/s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
"$bin" --info | awk -F'|' -v peak="$PEAK" -v bw="$BW" -v eff="$EFF" -v gap="$GAP" \
	-v le="${launches[edpc]}" -v lp="${launches[pac]}" -v lt="${launches[trace]}" -v ls="${launches[sep]}" '
function num(s) { gsub(/ /, "", s); m = 1; if (s ~ /M$/) { m = 1e6; sub(/M$/, "", s) } return s * m }
{
	name = $2; gsub(/ /, "", name)
	if (name != "edpc" && name != "pac" && name != "trace" && name != "sep") next
	lanes = num($3); train = num($10); shared = num($11); perlane = num($12); mem = num($13) * 1e6
	P = shared + perlane * lanes
	act = mem - 16 * P; if (act < 0) act = 0
	flop = 2 * train * lanes
	hbm = 44 * P + 2 * act
	L = (name == "edpc") ? le : (name == "pac") ? lp : (name == "trace") ? lt : ls
	tc = flop / (eff * peak); tm = hbm / (eff * bw); tl = L * gap
	t = tc + tm + tl
	printf "| %s | %d | %.1f | %.0f | %d | %.3f | %.3f | %.3f | %.3f | %.0f |\n", name, lanes,
		flop / 1e9, hbm / 1e6, L, tc * 1e3, tm * 1e3, tl * 1e3, t * 1e3, lanes / t / 1e3
}'
