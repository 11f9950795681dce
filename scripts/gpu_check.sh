#!/usr/bin/env bash
# gpu_check.sh: the one prepared run on a machine with a GPU (docs/GPU.md). Run
# scripts/gpu_bundle.sh here first, then, with the device tool:
#   run(command="bash scripts/gpu_check.sh", carry=[".gpu"], timeout_s=540)
# It unpacks the bundled packages into a private prefix, registers NVIDIA's OpenCL
# library with the ICD loader if the machine lacks the vendor file, builds nzip,
# runs the OpenCL tests on the GPU, then times the seed models on the GPU beside the
# CPU and checks that the files are byte-identical and cross-decode. Everything it
# prints also goes to $OUT/gpu.log. GPU_CHECK_ANY=1 runs it on any OpenCL platform
# (PoCL here) to check the script itself.
set -uo pipefail
OUT=${OUT:-/tmp/gpu-out}
mkdir -p "$OUT"
exec > >(tee "$OUT/gpu.log") 2>&1
cd "$(dirname "$0")/.."
P=/tmp/gpu-prefix
mkdir -p "$P"
for f in .gpu/debs/*.deb; do dpkg -x "$f" "$P"; done
export CPATH=$P/usr/include LIBRARY_PATH=$P/usr/lib/x86_64-linux-gnu
export LD_LIBRARY_PATH=$P/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
echo "== machine"; date -u; uname -a; nproc; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1
echo "== NVIDIA OpenCL"
lib=$(ldconfig -p | awk '/libnvidia-opencl.so.1/ {print $NF; exit}')
[ -z "$lib" ] && lib=$(ls /usr/lib/x86_64-linux-gnu/libnvidia-opencl.so.1 /usr/local/nvidia/lib64/libnvidia-opencl.so.1 2>/dev/null | head -1)
if [ -z "$lib" ] && [ -z "${GPU_CHECK_ANY:-}" ]; then
	echo "libnvidia-opencl.so.1 is absent: this machine has no NVIDIA OpenCL driver"
	exit 3
fi
echo "found ${lib:-no NVIDIA library (GPU_CHECK_ANY: a dry run on whatever platform is here)}"
if [ -n "$lib" ] && ! ls /etc/OpenCL/vendors/*.icd >/dev/null 2>&1; then
	mkdir -p "$P/vendors"
	echo "$lib" > "$P/vendors/nvidia.icd"
	export OCL_ICD_VENDORS=$P/vendors
fi
"$P/usr/bin/clinfo" -l 2>&1 || true
"$P/usr/bin/clinfo" 2>&1 | grep -E "Platform Name|Device Name|Driver Version|Device Version|Max compute|Global memory size|Single-precision|Denormals|Correctly-rounded|Fused" | head -20
echo "== build"
cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DOpenCL_INCLUDE_DIR="$P/usr/include" \
	-DOpenCL_LIBRARY="$P/usr/lib/x86_64-linux-gnu/libOpenCL.so" \
	-DXXHASH_INCLUDE_DIR="$P/usr/include" \
	-DXXHASH_LIBRARY="$P/usr/lib/x86_64-linux-gnu/libxxhash.so" > "$OUT/cmake.log" 2>&1 ||
	{ tail -30 "$OUT/cmake.log"; exit 1; }
grep -i opencl "$OUT/cmake.log"
cmake --build build-gpu -j "$(nproc)" 2>&1 | grep -E "error:|warning:" ; [ -x build-gpu/nzip ] || exit 1
NZ=build-gpu/nzip
"$NZ" --list-devices
echo "== OpenCL tests on the GPU"
(cd build-gpu && timeout 240 ctest -j 4 --output-on-failure -R "nn_|seed_models|exec|opencl" 2>&1 | tail -25)
echo "== speed: GPU beside CPU (KB = 1000 bytes)"
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.1f", n / (b - a) / 1000 }'; }
now() { date +%s.%N; }
f=.gpu/gcide.4m
[ -f "$f" ] || { echo "no corpus sample (run scripts/gpu_bundle.sh)"; exit 1; }
for spec in edpc:1000000 edpc:4000000 pac:1000000 trace:1000000 sep:1000000 edpc-s:1000000; do
	m=${spec%%:*} size=${spec##*:}
	head -c "$size" "$f" > /tmp/in
	t0=$(now); NZIP_OPENCL_STATS=1 timeout 150 "$NZ" -T"$(nproc)" --device=opencl --model="$m" -c /tmp/in > /tmp/g.nz 2> /tmp/stats; rc=$?; t1=$(now)
	if [ $rc -ne 0 ]; then echo "$m $size: opencl compress failed ($rc): $(tail -2 /tmp/stats)"; continue; fi
	t2=$(now); timeout 150 "$NZ" -T"$(nproc)" --device=opencl -dc /tmp/g.nz | cmp -s - /tmp/in; drc=$?; t3=$(now)
	printf '%-7s %8d B  gpu compress %7s KB/s  decompress %7s KB/s  %s bytes  roundtrip %s\n' "$m" "$size" \
		"$(rate "$size" "$t0" "$t1")" "$(rate "$size" "$t2" "$t3")" "$(stat -c %s /tmp/g.nz)" \
		"$([ $drc -eq 0 ] && echo ok || echo FAILED)"
	grep -i -E "launch|peak" /tmp/stats | head -3
	if [ "$size" -eq 1000000 ]; then
		# the CPU's bytes for the first 100 KB, both ways across devices
		head -c 100000 "$f" > /tmp/in1
		timeout 150 "$NZ" -T"$(nproc)" --device=opencl --model="$m" -c /tmp/in1 > /tmp/g1.nz
		t0=$(now); timeout 150 "$NZ" -T"$(nproc)" --device=cpu --model="$m" -c /tmp/in1 > /tmp/c1.nz; t1=$(now)
		"$NZ" --device=cpu -dc /tmp/g1.nz | cmp -s - /tmp/in1 && x1=ok || x1=FAILED
		"$NZ" --device=opencl -dc /tmp/c1.nz | cmp -s - /tmp/in1 && x2=ok || x2=FAILED
		printf '%-7s  100000 B  cpu (%s threads) compress %7s KB/s  identical to gpu: %s  gpu->cpu %s  cpu->gpu %s\n' \
			"$m" "$(nproc)" "$(rate 100000 "$t0" "$t1")" \
			"$(cmp -s /tmp/c1.nz /tmp/g1.nz && echo yes || echo NO)" "$x1" "$x2"
	fi
done
echo "== done"
