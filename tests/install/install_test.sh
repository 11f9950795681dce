#!/usr/bin/env bash
# install_test.sh BUILD_DIR SOURCE_DIR C_COMPILER [SHARED] - install the build into a
# temporary prefix and use it as an outside project would:
#   1. the installed tree: nzip, unnzip/nzcat links, nzip.h, libnzip.a, libnzip.so
#      with its soname, nzip.pc, the CMake package, the man pages; the commands work
#      from there; DESTDIR staging keeps the real prefix in nzip.pc;
#   2. pkg-config: tests/install/consumer/consumer.c (compress, decompress, compare)
#      built against the shared library, and statically with --static (Libs.private,
#      Requires.private);
#   3. find_package(nzip): the same program through nzip::nzip (shared) and
#      NZIP_USE_STATIC_LIBS (static);
#   4. man -M PREFIX/share/man finds the installed page.
# A part whose tool is missing (pkg-config, man) is skipped with a message and the
# test exits 77 (ctest SKIP) once the rest has passed; any failure exits 1.
set -uo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd) cc=$3
shared=${4:-ON}  # OFF: built with -DNZIP_BUILD_SHARED=OFF, only libnzip.a to test
cmake=${CMAKE_COMMAND:-cmake}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nzip-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
failed=0 skipped=()
fail() { echo "install_test: FAIL: $*"; failed=1; }
step() { echo "install_test: $*"; }

step "cmake --install $build --prefix $prefix"
if ! "$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
  cat "$tmp/install.log"; echo "install_test: FAIL: cmake --install (is the build complete?)"; exit 1
fi

# ---- 1. the tree ----
libdir=$(dirname "$(find "$prefix" -name libnzip.a | head -n 1)")
[ -f "$libdir/libnzip.a" ] || { fail "no libnzip.a installed"; exit 1; }
version=$(sed -n 's/^#define NZ_VERSION_STRING "\(.*\)"/\1/p' "$src/include/nzip.h")
major=${version%%.*} rest=${version#*.} minor=${rest%%.*}
if [ "$major" = 0 ]; then soname=libnzip.so.0.$minor; else soname=libnzip.so.$major; fi
for f in bin/nzip include/nzip.h share/man/man1/nzip.1; do
  [ -f "$prefix/$f" ] || fail "$f not installed"
done
for f in bin/unnzip bin/nzcat share/man/man1/unnzip.1 share/man/man1/nzcat.1; do
  [ -L "$prefix/$f" ] || fail "$f is not a symbolic link"
done
[ "$(readlink "$prefix/bin/unnzip")" = nzip ] || fail "bin/unnzip does not point to nzip"
if [ "$shared" = OFF ]; then
  [ -e "$libdir/libnzip.so" ] && fail "libnzip.so installed although NZIP_BUILD_SHARED is OFF"
else
  [ -f "$libdir/libnzip.so.$version" ] || fail "libnzip.so.$version not installed"
  [ -L "$libdir/$soname" ] || fail "$soname (soname link) not installed"
  [ -L "$libdir/libnzip.so" ] || fail "libnzip.so (development link) not installed"
fi
if command -v readelf >/dev/null && [ -f "$libdir/libnzip.so.$version" ]; then
  readelf -d "$libdir/libnzip.so.$version" | grep -q "SONAME.*\[$soname\]" ||
    fail "libnzip.so.$version has not the soname $soname"
fi
for f in pkgconfig/nzip.pc cmake/nzip/nzipConfig.cmake cmake/nzip/nzipConfigVersion.cmake \
         cmake/nzip/nzipTargets.cmake; do
  [ -f "$libdir/$f" ] || fail "${libdir#$prefix/}/$f not installed"
done
cmp -s "$src/include/nzip.h" "$prefix/include/nzip.h" || fail "installed nzip.h differs"
grep -q "^prefix=$prefix\$" "$libdir/pkgconfig/nzip.pc" || fail "nzip.pc: prefix is not $prefix"

# The installed commands work, under all three names.
"$prefix/bin/nzip" -V | grep -q "nzip $version (libnzip $version)" || fail "bin/nzip -V"
head -c 30000 "$src/README.md" >"$tmp/in.txt"
"$prefix/bin/nzip" -c -1 "$tmp/in.txt" >"$tmp/in.txt.nz" || fail "bin/nzip -c"
"$prefix/bin/nzcat" "$tmp/in.txt.nz" | cmp -s - "$tmp/in.txt" || fail "bin/nzcat does not restore"
cp "$tmp/in.txt.nz" "$tmp/copy.txt.nz"
"$prefix/bin/unnzip" "$tmp/copy.txt.nz" && cmp -s "$tmp/copy.txt" "$tmp/in.txt" &&
  [ ! -e "$tmp/copy.txt.nz" ] || fail "bin/unnzip does not decompress in place"

# DESTDIR stages the tree without changing the prefix it is made for.
DESTDIR=$tmp/stage "$cmake" --install "$build" --prefix /opt/nzip-test >/dev/null 2>&1 ||
  fail "DESTDIR=... cmake --install"
staged=$(find "$tmp/stage" -name nzip.pc | head -n 1)
[ -n "$staged" ] && grep -q '^prefix=/opt/nzip-test$' "$staged" ||
  fail "DESTDIR install: nzip.pc does not say prefix=/opt/nzip-test"
[ -d /opt/nzip-test ] && fail "DESTDIR install wrote outside DESTDIR"

# Runs a consumer and checks it links libnzip.so only when it should.
check_consumer() {  # how binary shared|static
  local how=$1 bin=$2 kind=$3
  if ! out=$("$bin" 2>&1); then
    echo "$out"; fail "$how: the consumer failed"; return
  fi
  echo "$out" | sed "s/^/  [$how] /"
  if command -v readelf >/dev/null; then
    if [ "$kind" = shared ]; then
      readelf -d "$bin" | grep -q "NEEDED.*\[$soname\]" || fail "$how: not linked to $soname"
    else
      readelf -d "$bin" | grep -q 'NEEDED.*libnzip' && fail "$how: linked to libnzip.so"
    fi
  fi
  step "$how: ok"
}

# ---- 2. pkg-config ----
consumer=$src/tests/install/consumer/consumer.c
if command -v pkg-config >/dev/null; then
  export PKG_CONFIG_PATH=$libdir/pkgconfig
  [ "$(pkg-config --modversion nzip)" = "$version" ] || fail "pkg-config --modversion nzip"
  cflags=$(pkg-config --cflags nzip) libs=$(pkg-config --libs nzip)
  step "pkg-config shared: $cc $cflags consumer.c $libs"
  # shellcheck disable=SC2086
  if [ "$shared" = OFF ]; then
    :
  elif "$cc" -std=c17 -Wall -Wextra -Werror $cflags "$consumer" -o "$tmp/pc_shared" $libs \
       -Wl,-rpath,"$libdir"; then
    check_consumer "pkg-config shared" "$tmp/pc_shared" shared
  else
    fail "pkg-config shared: build"
  fi
  # --static adds Libs.private and Requires.private; -l:libnzip.a picks the archive.
  slibs=$(pkg-config --static --libs nzip | sed 's/-lnzip\b/-l:libnzip.a/')
  step "pkg-config static: $cc $cflags consumer.c $slibs"
  # shellcheck disable=SC2086
  if "$cc" -std=c17 -Wall -Wextra -Werror $cflags "$consumer" -o "$tmp/pc_static" $slibs; then
    check_consumer "pkg-config static" "$tmp/pc_static" static
  else
    fail "pkg-config static: build (Libs.private / Requires.private incomplete?)"
  fi
else
  echo "install_test: SKIP part: pkg-config not found (apt-get install pkg-config)"
  skipped+=(pkg-config)
fi

# ---- 3. find_package ----
kinds="shared static"
[ "$shared" = OFF ] && kinds="static default"
for kind in $kinds; do
  bdir=$tmp/cmake_$kind
  extra=()
  [ "$kind" = static ] && extra=(-DNZIP_USE_STATIC_LIBS=ON)
  step "find_package($kind): cmake -S consumer -DCMAKE_PREFIX_PATH=$prefix ${extra[*]}"
  if "$cmake" -S "$src/tests/install/consumer" -B "$bdir" -DCMAKE_PREFIX_PATH="$prefix" \
       -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="-Wall -Wextra -Werror" "${extra[@]}" \
       >"$bdir.log" 2>&1 && "$cmake" --build "$bdir" >>"$bdir.log" 2>&1; then
    # With only libnzip.a installed, nzip::nzip is the static library.
    check_consumer "find_package $kind" "$bdir/consumer" "${kind/default/static}"
  else
    cat "$bdir.log"; fail "find_package($kind): configure or build"
  fi
done
# The version file refuses an incompatible request.
mkdir -p "$tmp/v99" && cp "$consumer" "$tmp/v99/"
sed 's/find_package(nzip 0.1 REQUIRED)/find_package(nzip 99.0 REQUIRED)/' \
  "$src/tests/install/consumer/CMakeLists.txt" >"$tmp/v99/CMakeLists.txt"
if "$cmake" -S "$tmp/v99" -B "$tmp/v99/b" -DCMAKE_PREFIX_PATH="$prefix" \
     -DCMAKE_C_COMPILER="$cc" >/dev/null 2>&1; then
  fail "find_package(nzip 99.0) accepted version $version"
fi

# ---- 4. man ----
if command -v man >/dev/null; then
  found=$(man -M "$prefix/share/man" -w nzip 2>/dev/null)
  [ "$found" = "$prefix/share/man/man1/nzip.1" ] || fail "man -M PREFIX/share/man -w nzip: '$found'"
  found=$(man -M "$prefix/share/man" -w nzcat 2>/dev/null)
  [ -n "$found" ] || fail "man -M PREFIX/share/man -w nzcat finds nothing"
else
  echo "install_test: SKIP part: man not found (apt-get install man-db)"
  skipped+=(man)
fi

if [ "$failed" -ne 0 ]; then echo "install_test: FAILED"; exit 1; fi
if [ ${#skipped[@]} -gt 0 ]; then
  echo "install_test: SKIP: everything else passed, but ${skipped[*]} could not be tested"
  exit 77
fi
echo "install_test: all passed"
