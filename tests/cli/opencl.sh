#!/usr/bin/env bash
# --device=opencl: for every seed model at a small preset, the file compressed on
# the OpenCL device is byte-identical to the CPU's, and each decodes on the other.
# A bad device is a usage error that writes nothing. Skips (exit 77, ctest SKIP)
# when this nzip has no OpenCL or the machine no usable OpenCL device (CI installs
# PoCL, so it runs there).
source "$(dirname "$0")/common.bash"

if ! "$NZIP" --device=opencl -c /dev/null >/dev/null 2>"$SCRATCH/probe.err"; then
	echo "SKIP: no usable OpenCL device: $(head -c 300 "$SCRATCH/probe.err")"
	"$NZIP" --list-devices
	exit 77
fi
"$NZIP" --list-devices
dev=$("$NZIP" --list-devices | awk '/ usable$/ {print $1; exit}') # opencl:P.D

make_text f 3000
for m in edpc-tiny edpc-xs pac-tiny trace-tiny sep-tiny; do
	expect 0 "$NZIP" -c --model="$m" --device=cpu f && cp "$T_OUT" "cpu.$m.nz"
	expect 0 "$NZIP" -c --model="$m" --device=opencl f && cp "$T_OUT" "ocl.$m.nz"
	same "cpu.$m.nz" "ocl.$m.nz"
	expect 0 "$NZIP" -dc --device=cpu "ocl.$m.nz" && cp "$T_OUT" "ocl.$m.out"
	same f "ocl.$m.out"
	expect 0 "$NZIP" -dc --device="$dev" "cpu.$m.nz" && cp "$T_OUT" "cpu.$m.out"
	same f "cpu.$m.out"
done

# -v names the device and its peak memory
expect 0 "$NZIP" -v -c --model=edpc-tiny --device=opencl f
grep -q 'peak device memory [0-9.]* MiB' "$T_ERR" && pass || fail "-v: no peak device memory"

# a device lost in the middle (simulated after 500 kernel launches): an error naming
# the device, exit 1, no output and no temporary file
NZIP_OPENCL_FAIL_AFTER=500 expect 1 "$NZIP" --device=opencl --model=edpc-tiny -k f
grep -q 'OpenCL device .*failed: CL_DEVICE_NOT_AVAILABLE' "$T_ERR" && pass \
	|| fail "a lost device: no message: $(head -c 300 "$T_ERR")"
absent f.nz
no_temp_files
NZIP_OPENCL_FAIL_AFTER=500 expect 1 "$NZIP" -d --device=opencl -k -o f.out "cpu.edpc-tiny.nz"
absent f.out
no_temp_files

# a device that does not exist: usage error, no output
expect 2 "$NZIP" --device=opencl:9.9 -k f
absent f.nz
expect 2 "$NZIP" --device=opencl:x f
absent f.nz
# kernels that do not build: an error naming the device with the build log, no output
NZIP_OPENCL_BREAK_BUILD=1 expect 1 "$NZIP" --device=opencl --model=edpc-tiny -k f
grep -q 'do not build' "$T_ERR" && grep -q 'NZIP_OPENCL_BREAK_BUILD is set' "$T_ERR" && pass \
	|| fail "a failed kernel build: no message with the build log: $(head -c 300 "$T_ERR")"
absent f.nz
no_temp_files
finish
