# common.bash - sourced by the tests/cli/*.sh scripts (not a test itself).
# Gives: $NZIP (absolute), $DATA (tests/data), $REPO (the source tree), a fresh scratch directory as the
# working directory (removed on exit unless a check failed), and check helpers.
# Each script ends with `finish`, which exits non-zero if any check failed.
set -u
: "${NZIP:?set NZIP to the nzip binary}"
NZIP=$(realpath "$NZIP")
DATA=${NZIP_TEST_DATA:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../data" && pwd)}
DATA=$(realpath "$DATA")
TESTNAME=$(basename "$0" .sh)
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/nzip-$TESTNAME.XXXXXX")
FAILS=0
CHECKS=0
cleanup() {
	if [ "$FAILS" -eq 0 ]; then rm -rf "$SCRATCH"; else echo "(scratch kept in $SCRATCH)"; fi
}
trap cleanup EXIT
cd "$SCRATCH" || exit 1
exec < /dev/null  # nothing may wait for a terminal

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
pass() { CHECKS=$((CHECKS + 1)); }
note() { echo "# $*"; }

# run CMD...: run with stdout in $T_OUT and stderr in $T_ERR; status in $T_RC.
T_OUT=$SCRATCH/.out
T_ERR=$SCRATCH/.err
run() {
	"$@" > "$T_OUT" 2> "$T_ERR"
	T_RC=$?
}

# expect CODE CMD...: run, and check the exit code.
expect() {
	local want=$1
	shift
	run "$@"
	if [ "$T_RC" -ne "$want" ]; then
		fail "'$*' exited $T_RC, expected $want; stderr: $(head -c 400 "$T_ERR")"
		return 1
	fi
	pass
}

# expect_one_line CODE CMD...: exit code CODE and one "nzip: ..." message on stderr.
expect_one_line() {
	expect "$@" || return 1
	shift
	local lines
	lines=$(wc -l < "$T_ERR")
	if [ "$lines" -ne 1 ] || ! grep -q '^nzip: ' "$T_ERR"; then
		fail "'$*': expected one 'nzip: ...' line on stderr, got: $(head -c 400 "$T_ERR")"
		return 1
	fi
	pass
}

# expect_error CMD...: exit code 1 (an error) and its one-line message.
expect_error() { expect_one_line 1 "$@"; }
# expect_warning CMD...: exit code 2 (a file skipped, as gzip) and its one-line warning.
expect_warning() { expect_one_line 2 "$@"; }

# stderr_has TEXT: the last command's stderr contains TEXT.
stderr_has() {
	if grep -qF -- "$1" "$T_ERR"; then pass; else fail "stderr lacks '$1': $(head -c 400 "$T_ERR")"; fi
}

# same A B: files are byte-identical.
same() {
	if cmp -s "$1" "$2"; then pass; else fail "$1 and $2 differ"; fi
}

exists() { if [ -e "$1" ]; then pass; else fail "$1 should exist"; fi; }
absent() { if [ ! -e "$1" ]; then pass; else fail "$1 should not exist"; fi; }

# no_temp_files [DIR]: no leftover temporary outputs.
no_temp_files() {
	local left
	left=$(find "${1:-.}" -name '*.nztmp.*' 2>/dev/null)
	if [ -z "$left" ]; then pass; else fail "temporary files left: $left"; fi
}

# Some data files. Random data is different on each run: a failure keeps the scratch
# directory so the file can be examined.
make_random() { head -c "$2" /dev/urandom > "$1"; }
make_text() {
	awk 'BEGIN { for (i = 1; ; i++) printf "line %d: the quick brown fox jumps over the lazy dog %d times\n", i, i * 7 % 13 }' 2> /dev/null |
		head -c "$2" > "$1"
}
# A prefix of a corpus file (zstd-compressed) if available, else generated text.
make_corpus() {
	local dir=${NZIP_CORPUS_DIR:-}
	if [ -n "$dir" ] && [ -r "$dir/$3.zst" ] && command -v zstd > /dev/null; then
		zstd -dc "$dir/$3.zst" 2> /dev/null | head -c "$2" > "$1"
	else
		make_text "$1" "$2"
	fi
}

finish() {
	if [ "$FAILS" -ne 0 ]; then
		echo "$TESTNAME: $FAILS check(s) failed, $CHECKS passed"
		exit 1
	fi
	echo "$TESTNAME: all $CHECKS checks passed"
	exit 0
}
