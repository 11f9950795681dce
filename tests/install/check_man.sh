#!/usr/bin/env bash
# check_man.sh SOURCE_DIR NZIP - the man page docs/nzip.1:
#   - renders without a warning: groff -man -ww -z, and MANWIDTH=80 man -l --warnings;
#   - names every option of the parser (cli/args.c's tables) and of nzip --help,
#     every level, every model of nzip --help, every NZIP_* environment variable the
#     code reads, and has the sections EXIT STATUS, ENVIRONMENT and EXAMPLES;
#   - carries the version of nzip.h in its title line.
# A missing groff or man is a loud SKIP (77) once the other checks have passed.
set -uo pipefail
src=$1 nzip=$2
page=$src/docs/nzip.1
failed=0 skipped=()
fail() { echo "check_man: FAIL: $*"; failed=1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C.UTF-8

if command -v groff >/dev/null; then
  groff -man -ww -z "$page" 2>"$tmp/groff.err"
  if [ -s "$tmp/groff.err" ]; then cat "$tmp/groff.err"; fail "groff -man -ww -z warns"; fi
  # Plain text, wide and unhyphenated, for the checks below.
  groff -man -Tascii -P-cbou -rLL=200n -rHY=0 "$page" >"$tmp/text" 2>/dev/null
else
  echo "check_man: SKIP part: groff not found (apt-get install groff-base)"; skipped+=(groff)
  # the source, roughly as text
  sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/^\.S[HS] "*\([^"]*\)"*$/\1/' "$page" >"$tmp/text"
fi
if command -v man >/dev/null; then
  MANWIDTH=80 man -l --warnings "$page" >"$tmp/man.out" 2>"$tmp/man.err"
  rc=$?
  if [ $rc -ne 0 ] || [ -s "$tmp/man.err" ]; then
    cat "$tmp/man.err"; fail "MANWIDTH=80 man -l --warnings: exit $rc or warnings"
  fi
  grep -q '^NAME' "$tmp/man.out" || fail "man -l: no NAME section in the output"
else
  echo "check_man: SKIP part: man not found (apt-get install man-db)"; skipped+=(man)
fi

has() { grep -qF -- "$1" "$tmp/text"; }
# Options: the parser's tables are the truth; --help must agree with them.
sed -n '/long_opts\[\] = {/,/^};/p' "$src/cli/args.c" | grep -o '{"[a-z-]*"' |
  sed 's/{"/--/; s/"//' >"$tmp/long"
sed -n '/short_opts\[\] = {/,/^};/p' "$src/cli/args.c" | grep -o "{'.'" |
  sed "s/{'/-/; s/'//" >"$tmp/short"
[ "$(wc -l <"$tmp/long")" -gt 20 ] && [ "$(wc -l <"$tmp/short")" -gt 10 ] ||
  fail "could not read the option tables of cli/args.c"
"$nzip" --help >"$tmp/help" || fail "nzip --help"
grep -oE '(^|[ ,])--?[a-zA-Z0-9][a-z0-9-]*' "$tmp/help" | sed 's/^[ ,]*//' | sort -u >"$tmp/help_opts"
for o in $(cat "$tmp/long" "$tmp/short" "$tmp/help_opts" | sort -u); do
  grep -qE -- "(^|[^a-z0-9-])$o([^a-z0-9-]|\$)" "$tmp/text" || fail "option $o is not in nzip.1"
done
for o in $(cat "$tmp/help_opts"); do
  case $o in -[0-9]|-s|-xs|-tiny|-vv) continue ;; esac
  grep -qxF -- "$o" "$tmp/long" || grep -qxF -- "$o" "$tmp/short" ||
    fail "nzip --help shows $o, which cli/args.c does not parse"
done
for l in 0 1 2 3 4 5 6 7 8 9; do
  grep -qE -- "(^|[^a-z0-9-])-$l([^0-9]|\$)" "$tmp/text" || fail "level -$l is not in nzip.1"
done
models=$(sed -n 's/^Models: //p' "$tmp/help" | tr -d ',')
[ -n "$models" ] || fail "nzip --help lists no models"
for m in $models; do
  grep -qE -- "(^|[^a-z0-9-])$m([^a-z0-9-]|\$)" "$tmp/text" || fail "model $m is not in nzip.1"
done
for v in $(grep -rhoE 'getenv\("NZIP_[A-Z_]+"\)' "$src/lib" "$src/cli" | sed 's/getenv("//; s/")//' | sort -u); do
  has "$v" || fail "environment variable $v is not in nzip.1"
done
for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" ENVIRONMENT EXAMPLES "SEE ALSO"; do
  grep -q "^$s" "$tmp/text" || fail "section $s is missing"
done
version=$(sed -n 's/^#define NZ_VERSION_STRING "\(.*\)"/\1/p' "$src/include/nzip.h")
grep -q "^\.TH NZIP 1 .*\"nzip $version\"" "$page" || fail ".TH does not say nzip $version"

if [ "$failed" -ne 0 ]; then echo "check_man: FAILED"; exit 1; fi
if [ ${#skipped[@]} -gt 0 ]; then
  echo "check_man: SKIP: the other checks passed, but ${skipped[*]} could not be run"; exit 77
fi
echo "check_man: nzip.1 renders cleanly and names every option, level, model and variable"
