#!/usr/bin/env bash
# gpu_bundle.sh: gather here what scripts/gpu_check.sh needs on a bare GPU machine
# that cannot download anything: the Debian packages of libxxhash, the OpenCL ICD
# loader and headers, clinfo, and a corpus sample. They go to .gpu/ in the checkout
# (ignored by git through .git/info/exclude), which the device tool carries.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
mkdir -p .gpu/debs
(cd .gpu/debs && apt-get download libxxhash0 libxxhash-dev ocl-icd-libopencl1 \
	ocl-icd-opencl-dev opencl-c-headers opencl-clhpp-headers clinfo)
corpus=../shared/corpus
if [ -f "$corpus/gcide.zst" ]; then
	for f in gcide linux; do
		{ zstd -dc "$corpus/$f.zst" || true; } | head -c 4000000 > ".gpu/$f.4m"
	done
fi
du -sh .gpu
