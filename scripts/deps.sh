#!/usr/bin/env bash
# deps.sh - install the Debian packages nzip needs to build, test and benchmark.
# Runs apt-get only when something is missing and we are root; otherwise prints
# what to install. Usage: scripts/deps.sh [build|test|bench]
set -euo pipefail
what=${1:-test}
pkgs=(cmake make gcc libxxhash-dev zstd)
case $what in
  build) ;;
  # pkg-config, man-db/groff-base, binutils: the install, man_page and symbols ctests;
  # OpenCL: headers and ICD loader to build the backend, PoCL (a CPU OpenCL
  # platform) and clinfo so the OpenCL tests run in CI without a GPU
  test)  pkgs+=(clang libclang-rt-14-dev xz-utils bzip2 gzip pkg-config man-db groff-base binutils
               ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo) ;;
  bench) pkgs+=(xz-utils bzip2 gzip brotli time bc) ;;
  *) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "deps: please install these Debian packages: ${missing[*]}" >&2
  [ "$what" = build ] && exit 1 || exit 0
fi
