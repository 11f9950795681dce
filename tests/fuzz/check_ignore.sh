#!/bin/sh
# check_ignore.sh ROOT - every pattern of tests/fuzz/coverage_ignore.txt still
# names something in lib/: a src: glob a source file, a fun: glob a function
# definition (a line "name(" at the start of a line after its return type). A
# stale pattern would leave the code it meant instrumented, and the fuzzers slow.
root=${1:-.}
list=$root/tests/fuzz/coverage_ignore.txt
[ -r "$list" ] || { echo "check_ignore: no $list"; exit 1; }
cd "$root" || exit 1
defs=$(grep -hoE '^[a-z_][a-z0-9_ *]* \**[a-z_][a-z0-9_]*\(' lib/*/*.c lib/*/*/*.c 2>/dev/null |
       sed -E 's/.*[ *]([a-z_][a-z0-9_]*)\($/\1/' | sort -u)
bad=0 n=0
while read -r line; do
	case $line in
	src:*)
		pat=${line#src:}
		found=0
		for f in $(find "$PWD/lib" -type f -name '*.c'); do
			# shellcheck disable=SC2254
			case $f in $pat) found=1; break ;; esac
		done ;;
	fun:*)
		pat=${line#fun:}
		found=0
		for d in $defs; do
			# shellcheck disable=SC2254
			case $d in $pat) found=1; break ;; esac
		done ;;
	*) continue ;;
	esac
	n=$((n + 1))
	[ $found = 1 ] || { echo "check_ignore: '$line' matches nothing in lib/"; bad=1; }
done < "$list"
[ $n -gt 0 ] || { echo "check_ignore: no patterns read"; exit 1; }
[ $bad = 0 ] && echo "check_ignore: $n patterns, each matches lib/"
exit $bad
