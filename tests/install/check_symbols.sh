#!/usr/bin/env bash
# check_symbols.sh NZIP_H LIBNZIP_SO LIBNZIP_A - the library exports its public API
# and nothing else:
#   - every function nzip.h declares carries NZ_API (else it would be hidden);
#   - the shared library's dynamic symbols are exactly the NZ_API functions;
#   - every global symbol the static library defines starts with nz_ (internal
#     cross-file functions keep the prefix; everything else is static).
# Exit 77 (ctest SKIP) when nm is missing.
set -euo pipefail
header=$1 shared=$2 static=$3
if ! command -v nm >/dev/null; then
  echo "check_symbols: SKIP: nm not found (apt-get install binutils)"; exit 77
fi
fail=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# Declarations at the start of a line: "NZ_API type nz_name(" (static inline
# wrappers and typedefs are not exported).
grep -E '^[A-Za-z].*\bnz_[a-z0-9_]+\(' "$header" | grep -vE '^(typedef|static|#)' >"$tmp/decl"
if grep -v '^NZ_API ' "$tmp/decl"; then
  echo "check_symbols: the declarations above lack NZ_API: they would not be exported"; fail=1
fi
sed -E 's/^[^(]*\b(nz_[a-z0-9_]+)\(.*/\1/' "$tmp/decl" | sort -u >"$tmp/api"
[ -s "$tmp/api" ] || { echo "check_symbols: no declarations found in $header"; exit 1; }

if [ -n "$shared" ] && [ "$shared" != none ]; then
  nm -D --defined-only "$shared" | awk 'NF >= 3 {print $3}' | sed 's/@.*//' | sort -u >"$tmp/dyn"
  if ! diff -u "$tmp/api" "$tmp/dyn" >"$tmp/diff"; then
    echo "check_symbols: $shared exports other symbols than nzip.h declares (- declared only, + exported only):"
    grep -E '^[-+][a-zA-Z_]' "$tmp/diff" || true
    fail=1
  else
    echo "check_symbols: $(basename "$shared") exports exactly the $(wc -l <"$tmp/api") functions of nzip.h"
  fi
fi

nm -g --defined-only "$static" | awk 'NF == 3 {print $2, $3}' >"$tmp/static"
if awk '$2 !~ /^nz_/' "$tmp/static" | grep .; then
  echo "check_symbols: $(basename "$static") defines the global symbols above without the nz_ prefix"
  echo "  (make them static, or name them nz_...)"; fail=1
else
  echo "check_symbols: $(basename "$static"): all $(wc -l <"$tmp/static") global symbols start with nz_"
fi
# The static library defines every public function too.
awk '$1 ~ /^[TW]$/ {print $2}' "$tmp/static" | sort -u >"$tmp/static_fn"
if comm -23 "$tmp/api" "$tmp/static_fn" | grep .; then
  echo "check_symbols: the functions above are declared in nzip.h but not defined in $(basename "$static")"; fail=1
fi
exit $fail
